// The canonical request built by hand for the usual form (POST /, signed headers in order) is
// exactly the one @smithy/signature-v4 builds, for any header values; HMAC from one-shot hashes is
// node:crypto's HMAC.
import * as assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { describe, it } from "node:test";
import fc from "fast-check";
import { canonicalRequest, hmacHex, referenceCanonicalRequest } from "../src/protocol/sigv4";

const headerName = fc.stringMatching(/^[a-z][a-z0-9-]{0,12}$/);
// Values as clients and proxies send them: spaces and tabs inside, around and repeated; commas; any printable text.
const headerValue = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.array(fc.constantFrom("a", "B", " ", "  ", "\t", ",", "=", "/", ":", "é"), { maxLength: 20 }).map((parts) => parts.join("")),
);
const payloadHash = fc.stringMatching(/^[0-9a-f]{64}$/);

describe("SigV4 canonical requests", () => {
  it("the hand-built canonical request equals smithy's for every header set, in order or not, and any path", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.tuple(headerName, headerValue), { minLength: 1, maxLength: 8, selector: ([name]) => name }),
        fc.boolean(),
        fc.constantFrom("/", "/", "/?Action=DescribeLoadBalancers&Version=2015-12-01", "/a/b", "/%2F"),
        fc.constantFrom("POST", "GET"),
        payloadHash,
        (pairs, shuffle, path, method, hash) => {
          const headers = Object.fromEntries([["host", "127.0.0.1:4566"], ...pairs]);
          const names = [...new Set(["host", ...pairs.map(([name]) => name)])].sort();
          if (shuffle) names.reverse();
          assert.equal(canonicalRequest(method, path, headers, names, hash), referenceCanonicalRequest(method, path, headers, names, hash));
        },
      ),
      { numRuns: 500 },
    );
  });

  it("HMAC-SHA256 from the key's pads is node:crypto's HMAC", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.stringMatching(/^[\x20-\x7e\n]{0,200}$/), (key, message) => {
        const innerPad = Buffer.alloc(64, 0x36);
        const outerPad = Buffer.alloc(64, 0x5c);
        for (let i = 0; i < 32; i++) {
          innerPad[i] ^= key[i];
          outerPad[i] ^= key[i];
        }
        assert.equal(hmacHex({ innerPad, outerPad }, message), createHmac("sha256", Buffer.from(key)).update(message).digest("hex"));
      }),
      { numRuns: 300 },
    );
  });
});
