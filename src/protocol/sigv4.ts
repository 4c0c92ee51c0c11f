// AWS Signature Version 4 verification. The canonical request (headers, path, query, the part
// where client and server can disagree) is built by AWS's own signing implementation,
// @smithy/signature-v4, over exactly the headers the client signed; for the form every AWS JSON
// and Query request takes (POST /, no query string, signed headers listed in order) it is built
// here, to the same text (a property test holds the two equal). The hashing and HMAC steps are
// one-shot node:crypto hashes. Signatures are compared in constant time. Errors carry the names
// and messages AWS clients know.
import { createHash, createHmac, hash } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import { Hash } from "@smithy/hash-node";
import { getCanonicalHeaders, SignatureV4 } from "@smithy/signature-v4";
import {
  IncompleteSignatureException,
  InvalidSignatureException,
  MissingAuthenticationTokenException,
  UnrecognizedClientException,
} from "./errors";
import { isKnownRegion } from "../domain/regions";
import { invalidRegion } from "./identity";

export const ALGORITHM = "AWS4-HMAC-SHA256";
/** AWS refuses signatures dated more than five minutes away from its clock. */
export const MAX_CLOCK_SKEW_MS = 5 * 60 * 1000;

export interface SigningCredential {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

export interface ParsedAuthorization {
  readonly accessKeyId: string;
  readonly date: string;
  readonly region: string;
  readonly service: string;
  readonly signedHeaders: readonly string[];
  readonly signature: string;
}

export interface SignedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

const SIGNATURE_MISMATCH =
  "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";
const INVALID_TOKEN = "The security token included in the request is invalid.";

/** SHA-256 in hex; the one-shot crypto.hash (Node 20.12+) is a third of createHash's cost. */
const sha256Hex: (data: string | Buffer) => string =
  typeof hash === "function" ? (data) => hash("sha256", data, "hex") : (data) => createHash("sha256").update(data).digest("hex");

/** SHA-256 as 32 one-byte characters: a string, not a Buffer the binding must allocate. */
const sha256Latin1: (data: Buffer) => string =
  typeof hash === "function" ? (data) => hash("sha256", data, "binary") : (data) => createHash("sha256").update(data).digest("binary");

/** The longest message hmacHex hashes in its block (a string to sign is about 130 characters). */
const MAX_MESSAGE = 1024;

/**
 * A signing key as its two HMAC blocks (RFC 2104), each starting with its key pad: HMAC-SHA256 is
 * then the message written after the inner pad and two one-shot hashes, a fifth of createHmac's
 * cost. Verification is synchronous, so one request at a time writes a key's blocks.
 */
export interface SigningKey {
  /** The inner pad (key XOR 0x36), then room for the message. */
  readonly inner: Buffer;
  /** The outer pad (key XOR 0x5c), then the inner hash. */
  readonly outer: Buffer;
}

export function signingKeyOf(key: Uint8Array): SigningKey {
  // Derived keys are 32 bytes, within SHA-256's 64-byte block.
  const inner = Buffer.alloc(64 + MAX_MESSAGE, 0x36);
  const outer = Buffer.alloc(64 + 32, 0x5c);
  for (let i = 0; i < key.length; i++) {
    inner[i] ^= key[i];
    outer[i] ^= key[i];
  }
  return { inner, outer };
}

/**
 * Writes ASCII text into `out` at `at` (at -1: nothing, an earlier write failed); the offset after
 * it, or -1 when a character is not ASCII or `out` is full. A loop, not Buffer#write: in the server
 * each native call on the request path costs microseconds.
 */
function writeAscii(out: Buffer, at: number, text: string): number {
  if (at < 0 || at + text.length > out.length) return -1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > 0x7f) return -1;
    out[at + i] = c;
  }
  return at + text.length;
}

function writeByte(out: Buffer, at: number, byte: number): number {
  if (at < 0 || at >= out.length) return -1;
  out[at] = byte;
  return at + 1;
}

/** HMAC-SHA256 of a message (as UTF-8), in hex. */
export function hmacHex(key: SigningKey, message: string): string {
  const end = writeAscii(key.inner, 64, message);
  if (end < 0) return createHmac("sha256", Buffer.from(key.inner.subarray(0, 64).map((b) => b ^ 0x36))).update(message).digest("hex");
  const innerHash = sha256Latin1(key.inner.subarray(0, end));
  for (let i = 0; i < 32; i++) key.outer[64 + i] = innerHash.charCodeAt(i);
  return sha256Hex(key.outer);
}

/** The form every AWS SDK and CLI sends; anything else goes through the field-by-field parse. */
const USUAL_AUTHORIZATION = /^AWS4-HMAC-SHA256 Credential=([^/,\s]+)\/(\d{8})\/([^/,\s]+)\/([^/,\s]+)\/aws4_request, ?SignedHeaders=([a-z0-9;._-]+), ?Signature=([0-9a-f]{64})$/;

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(",") : value;
}

/** Parses `AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...`; refuses what is missing. */
export function parseAuthorization(value: string | undefined): ParsedAuthorization {
  if (!value) throw new MissingAuthenticationTokenException("Missing Authentication Token");
  const usual = USUAL_AUTHORIZATION.exec(value);
  if (usual) return { accessKeyId: usual[1], date: usual[2], region: usual[3], service: usual[4], signedHeaders: usual[5].split(";"), signature: usual[6] };
  if (!value.startsWith(`${ALGORITHM} `)) {
    throw new IncompleteSignatureException(
      `Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization=${value.slice(0, 64)}`,
    );
  }
  const fields = new Map<string, string>();
  for (const part of value.slice(ALGORITHM.length + 1).split(",")) {
    const eq = part.indexOf("=");
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const missing = ["Credential", "Signature", "SignedHeaders"].filter((f) => !fields.get(f));
  if (missing.length) throw new IncompleteSignatureException(missing.map((f) => `Authorization header requires '${f}' parameter.`).join(" "));
  const credential = fields.get("Credential") ?? "";
  const scope = credential.split("/");
  if (scope.length !== 5 || !scope[0] || scope[4] !== "aws4_request" || !/^\d{8}$/.test(scope[1])) {
    throw new IncompleteSignatureException(`Credential should be scoped to a valid region, service and date: '${credential.slice(0, 128)}'.`);
  }
  return {
    accessKeyId: scope[0],
    date: scope[1],
    region: scope[2],
    service: scope[3],
    signedHeaders: (fields.get("SignedHeaders") ?? "").split(";").map((h) => h.trim().toLowerCase()),
    signature: fields.get("Signature") ?? "",
  };
}

/** X-Amz-Date: "20261124T203000Z" (ISO 8601 basic format, UTC). */
const AMZ_DATE = /^\d{8}T\d{6}Z$/;

function formatAmzDate(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
}

/** Whether two signatures (hex, of equal length when well formed) are equal, in time that does not depend on where they differ. */
function constantTimeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return difference === 0;
}

type HttpRequest = Parameters<typeof getCanonicalHeaders>[0];

/** AWS's signer, used for what it is authoritative on: the canonical form of a request. */
class CanonicalRequests extends SignatureV4 {
  constructor() {
    // Credentials, service and region are never used: this instance only builds canonical requests.
    super({ service: "-", region: "-", credentials: { accessKeyId: "-", secretAccessKey: "-" }, sha256: Hash.bind(null, "sha256") });
  }

  of(request: HttpRequest, signedHeaders: ReadonlySet<string>, payloadHash: string): string {
    return this.createCanonicalRequest(request, getCanonicalHeaders(request, undefined, signedHeaders as Set<string>), payloadHash);
  }
}

const canonicalRequests = new CanonicalRequests();

/** The canonical request as @smithy/signature-v4 builds it (the reference for every request form). */
export function referenceCanonicalRequest(method: string, path: string, headers: Readonly<Record<string, string>>, signedHeaders: readonly string[], payloadHash: string): string {
  const queryAt = path.indexOf("?");
  const query = queryAt < 0 ? {} : queryOf(path.slice(queryAt + 1));
  const request = { method, protocol: "http:", hostname: headers.host, path: queryAt < 0 ? path : path.slice(0, queryAt), query, headers: { ...headers } };
  return canonicalRequests.of(request, new Set(signedHeaders), payloadHash);
}

/**
 * A header value as the canonical request holds it, as smithy makes it: line breaks become spaces,
 * each run of spaces and tabs one space, and a space at either end goes. Values a client sends are
 * almost always already so (printable ASCII, single spaces inside), and are then taken as they are.
 */
function canonicalHeaderValue(value: string): string {
  const last = value.length - 1;
  let plain = value.charCodeAt(0) !== 0x20 && value.charCodeAt(last) !== 0x20;
  for (let i = 0; plain && i <= last; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x20 || (c === 0x20 && value.charCodeAt(i + 1) === 0x20)) plain = false;
  }
  return plain ? value : value.replace(/[\r\n]/g, " ").replace(/[ \t]+/g, " ").replace(/^ | $/g, "");
}

/**
 * The canonical request of the usual form (POST /, signed headers in order; canonicalRequest's
 * text) written as bytes into `out`, with the header values in the order of their names: its
 * length, or -1 when it is not ASCII or does not fit (then the text is made and hashed instead).
 */
export function writeUsualCanonicalRequest(out: Buffer, method: string, signedHeaders: readonly string[], values: readonly string[], payloadHash: string): number {
  let at = writeAscii(out, 0, method);
  at = writeAscii(out, at, "\n/\n\n");
  for (let i = 0; i < signedHeaders.length; i++) {
    at = writeAscii(out, at, signedHeaders[i]);
    at = writeByte(out, at, 0x3a);
    at = writeAscii(out, at, canonicalHeaderValue(values[i]));
    at = writeByte(out, at, 0x0a);
  }
  for (let i = 0; i < signedHeaders.length; i++) {
    at = writeByte(out, at, i === 0 ? 0x0a : 0x3b);
    at = writeAscii(out, at, signedHeaders[i]);
  }
  at = writeByte(out, at, 0x0a);
  return writeAscii(out, at, payloadHash);
}

/** Names in strictly increasing order (sorted, no repeats), as every SDK lists them. */
function strictlySorted(names: readonly string[]): boolean {
  for (let i = 1; i < names.length; i++) if (!(names[i - 1] < names[i])) return false;
  return true;
}

/**
 * The canonical request. POST / without a query string, with the signed headers listed in order
 * (every AWS JSON and Query request an SDK sends), is built here to the text smithy builds
 * (canonicalHeaderValue); any other form goes to smithy.
 */
export function canonicalRequest(method: string, path: string, headers: Readonly<Record<string, string>>, signedHeaders: readonly string[], payloadHash: string): string {
  if (path !== "/" || !strictlySorted(signedHeaders)) return referenceCanonicalRequest(method, path, headers, signedHeaders, payloadHash);
  let text = `${method}\n/\n\n`;
  for (const name of signedHeaders) text += `${name}:${canonicalHeaderValue(headers[name])}\n`;
  return `${text}\n${signedHeaders.join(";")}\n${payloadHash}`;
}

function queryOf(query: string): Record<string, string | string[]> {
  const params: Record<string, string | string[]> = {};
  for (const [key, value] of new URLSearchParams(query)) {
    const seen = params[key];
    params[key] = seen === undefined ? value : Array.isArray(seen) ? [...seen, value] : [seen, value];
  }
  return params;
}

/**
 * Verifies a request's SigV4 signature against its access key's secret, with `now` as the
 * server's clock. Returns the parsed authorization (access key, region) or throws the error AWS
 * would answer.
 */
/** The oldest and newest X-Amz-Date accepted at a moment; the format sorts as text. */
interface DateWindow {
  readonly second: number;
  readonly earliest: string;
  readonly latest: string;
}

export class SigV4Verifier {
  private window: DateWindow = { second: Number.NaN, earliest: "", latest: "" };
  /** Derived signing keys by key, date, region and service: they change once a day. */
  private readonly signingKeys = new Map<string, SigningKey>();
  /** The key the last request used: most traffic is one credential, one region, all day. */
  private lastKey: { credential: SigningCredential; date: string; region: string; service: string; key: SigningKey } | undefined;

  /** Where the canonical request is written to be hashed (verification is synchronous: one request at a time). */
  private readonly canonicalBlock = Buffer.alloc(8192);

  constructor(private readonly lookup: (accessKeyId: string) => SigningCredential | undefined) {}

  private signingKey(credential: SigningCredential, date: string, region: string, service: string): SigningKey {
    const last = this.lastKey;
    if (last && last.credential === credential && last.date === date && last.region === region && last.service === service) return last.key;
    const key = this.derivedKey(credential, date, region, service);
    this.lastKey = { credential, date, region, service, key };
    return key;
  }

  private derivedKey(credential: SigningCredential, date: string, region: string, service: string): SigningKey {
    const cacheKey = `${credential.accessKeyId}\u0000${credential.secretAccessKey}\u0000${date}\u0000${region}\u0000${service}`;
    let key = this.signingKeys.get(cacheKey);
    if (!key) {
      const kDate = createHmac("sha256", `AWS4${credential.secretAccessKey}`).update(date).digest();
      const kRegion = createHmac("sha256", kDate).update(region).digest();
      const kService = createHmac("sha256", kRegion).update(service).digest();
      key = signingKeyOf(createHmac("sha256", kService).update("aws4_request").digest());
      if (this.signingKeys.size >= 1000) this.signingKeys.clear();
      this.signingKeys.set(cacheKey, key);
    }
    return key;
  }

  private dateWindow(now: number): DateWindow {
    const second = Math.floor(now / 1000);
    if (this.window.second !== second) {
      this.window = { second, earliest: formatAmzDate(second * 1000 - MAX_CLOCK_SKEW_MS), latest: formatAmzDate(second * 1000 + MAX_CLOCK_SKEW_MS) };
    }
    return this.window;
  }

  /** `service` is the signing name the request must be scoped to ("ecs", "elasticloadbalancing"). */
  verify(request: SignedRequest, now: number, service: string): ParsedAuthorization {
    const auth = parseAuthorization(header(request.headers, "authorization"));
    const amzDate = header(request.headers, "x-amz-date");
    if (amzDate === undefined || !AMZ_DATE.test(amzDate)) throw new IncompleteSignatureException("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
    if (!auth.signedHeaders.includes("host")) throw new InvalidSignatureException("'Host' must be a 'SignedHeader' in the AWS Authorization.");
    // The target names the operation: unsigned, a captured request could be replayed as another one.
    if (request.headers["x-amz-target"] !== undefined && !auth.signedHeaders.includes("x-amz-target")) {
      throw new InvalidSignatureException("'X-Amz-Target' must be a 'SignedHeader' in the AWS Authorization.");
    }
    const credential = this.lookup(auth.accessKeyId);
    if (!credential) throw new UnrecognizedClientException(INVALID_TOKEN);
    if (credential.sessionToken !== header(request.headers, "x-amz-security-token")) throw new UnrecognizedClientException(INVALID_TOKEN);
    if (auth.service !== service) throw new InvalidSignatureException(`Credential should be scoped to correct service: '${service}'.`);
    if (!isKnownRegion(auth.region)) throw invalidRegion(auth.region);
    if (auth.date !== amzDate.slice(0, 8)) {
      throw new InvalidSignatureException(`Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${auth.date}' != '${amzDate.slice(0, 8)}', from '${amzDate}'.`);
    }
    const window = this.dateWindow(now);
    if (amzDate < window.earliest) {
      throw new InvalidSignatureException(`Signature expired: ${amzDate} is now earlier than ${window.earliest} (${formatAmzDate(now)} - 5 min.)`);
    }
    if (amzDate > window.latest) {
      throw new InvalidSignatureException(`Signature not yet current: ${amzDate} is still later than ${window.latest} (${formatAmzDate(now)} + 5 min.)`);
    }
    // The body is always covered: a declared hash (signed or not) must be the body's, and
    // UNSIGNED-PAYLOAD, which would leave the body unchecked, is not accepted.
    const bodyHash = sha256Hex(request.body);
    const declaredHash = header(request.headers, "x-amz-content-sha256");
    if (declaredHash !== undefined && declaredHash !== bodyHash) {
      throw new InvalidSignatureException("The provided 'x-amz-content-sha256' header does not match what was computed.");
    }

    const values: string[] = [];
    for (const name of auth.signedHeaders) {
      const value = header(request.headers, name);
      // Not a string: a name the headers object inherits (`__proto__`, `constructor`), not a header sent.
      if (typeof value !== "string") throw new InvalidSignatureException(SIGNATURE_MISMATCH);
      values.push(value);
    }
    // The canonical request and the string to sign are written as bytes where they are hashed.
    const usualLength = request.path === "/" && strictlySorted(auth.signedHeaders) ? writeUsualCanonicalRequest(this.canonicalBlock, request.method, auth.signedHeaders, values, bodyHash) : -1;
    const canonicalHash =
      usualLength >= 0
        ? sha256Hex(this.canonicalBlock.subarray(0, usualLength))
        : sha256Hex(canonicalRequest(request.method, request.path, Object.fromEntries(auth.signedHeaders.map((name, i) => [name, values[i]])), auth.signedHeaders, bodyHash));
    const key = this.signingKey(credential, auth.date, auth.region, auth.service);
    const expected = hmacHex(key, `${ALGORITHM}\n${amzDate}\n${auth.date}/${auth.region}/${auth.service}/aws4_request\n${canonicalHash}`);
    if (!constantTimeEqual(expected, auth.signature)) throw new InvalidSignatureException(SIGNATURE_MISMATCH);
    return auth;
  }
}
