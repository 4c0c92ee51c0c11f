// The canonical request built by hand for the usual form (POST /, signed headers in order) is
// exactly the one @smithy/signature-v4 builds, for any header values; HMAC from one-shot hashes is
// node:crypto's HMAC.
import * as assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { describe, it } from "node:test";
import fc from "fast-check";
import { canonicalRequest, hmacHex, referenceCanonicalRequest, signingKeyOf, writeUsualCanonicalRequest } from "../src/protocol/sigv4";

const headerName = fc.stringMatching(/^[a-z][a-z0-9-]{0,12}$/);
// Values as clients and proxies send them: spaces and tabs inside, around and repeated; commas; any printable text.
const headerValue = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.string({ unit: "binary", maxLength: 30 }),
  fc.array(fc.constantFrom("a", "B", " ", "  ", "\t", ",", "=", "/", ":", "é", "\u00a0", "\u2028", "\n", "\r\n", "\v", "\f"), { maxLength: 20 }).map((parts) => parts.join("")),
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

  it("the canonical request written as bytes is the text's bytes whenever it is ASCII and fits", () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.tuple(headerName, headerValue), { minLength: 1, maxLength: 8, selector: ([name]) => name }), fc.integer({ min: 50, max: 400 }), payloadHash, (pairs, room, hash) => {
        const headers = Object.fromEntries([["host", "127.0.0.1:4566"], ...pairs]);
        const names = [...new Set(["host", ...pairs.map(([name]) => name)])].sort();
        const text = canonicalRequest("POST", "/", headers, names, hash);
        // A block written before (longer text) must not show through.
        const out = Buffer.alloc(room, "#");
        const length = writeUsualCanonicalRequest(out, "POST", names, names.map((n) => headers[n]), hash);
        const fits = /^[\x00-\x7f]*$/.test(text) && text.length <= room;
        assert.equal(length, fits ? text.length : -1);
        if (fits) assert.equal(out.toString("latin1", 0, length), text);
      }),
      { numRuns: 500 },
    );
  });

  it("HMAC-SHA256 from the key's pads is node:crypto's HMAC", () => {
    // Strings to sign are ASCII; any other text, or one longer than the key's block, takes createHmac.
    const message = fc.oneof(fc.stringMatching(/^[\x20-\x7e\n]{0,200}$/), fc.string({ unit: "binary", maxLength: 50 }), fc.stringMatching(/^[a-z]{1000,1100}$/));
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.array(message, { minLength: 1, maxLength: 3 }), (key, messages) => {
        // The same key for several messages, of different lengths: nothing of one may remain in the next.
        const signingKey = signingKeyOf(key);
        for (const m of messages) assert.equal(hmacHex(signingKey, m), createHmac("sha256", Buffer.from(key)).update(m).digest("hex"));
      }),
      { numRuns: 300 },
    );
  });
});
