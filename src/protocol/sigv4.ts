// AWS Signature Version 4 verification. The canonical request (headers, path, query, the part
// where client and server can disagree) is built by AWS's own signing implementation,
// @smithy/signature-v4, over exactly the headers the client signed; the hashing and HMAC steps are
// node:crypto. Signatures are compared in constant time. Errors carry the names and messages AWS
// clients know.
import { createHash, createHmac, createSecretKey, hash, type KeyObject, timingSafeEqual } from "node:crypto";
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

/** Whether two signatures are equal, in time that does not depend on where they differ. */
function constantTimeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, "utf8");
  const y = Buffer.from(b, "utf8");
  return x.length === y.length && timingSafeEqual(x, y);
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
  private readonly canonical = new CanonicalRequests();
  private window: DateWindow = { second: Number.NaN, earliest: "", latest: "" };
  /** Derived signing keys by key, date and region: they change once a day. */
  private readonly signingKeys = new Map<string, KeyObject>();

  constructor(private readonly lookup: (accessKeyId: string) => SigningCredential | undefined) {}

  private signingKey(credential: SigningCredential, date: string, region: string, service: string): KeyObject {
    const cacheKey = `${credential.accessKeyId}\u0000${credential.secretAccessKey}\u0000${date}\u0000${region}\u0000${service}`;
    let key = this.signingKeys.get(cacheKey);
    if (!key) {
      const kDate = createHmac("sha256", `AWS4${credential.secretAccessKey}`).update(date).digest();
      const kRegion = createHmac("sha256", kDate).update(region).digest();
      const kService = createHmac("sha256", kRegion).update(service).digest();
      key = createSecretKey(createHmac("sha256", kService).update("aws4_request").digest());
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

    const headers: Record<string, string> = {};
    for (const name of auth.signedHeaders) {
      const value = header(request.headers, name);
      if (value === undefined) throw new InvalidSignatureException(SIGNATURE_MISMATCH);
      headers[name] = value;
    }
    const queryAt = request.path.indexOf("?");
    const path = queryAt < 0 ? request.path : request.path.slice(0, queryAt);
    const query = queryAt < 0 ? {} : queryOf(request.path.slice(queryAt + 1));
    const canonicalRequest = this.canonical.of({ method: request.method, protocol: "http:", hostname: headers.host, path, query, headers }, new Set(auth.signedHeaders), bodyHash);
    const scope = `${auth.date}/${auth.region}/${auth.service}/aws4_request`;
    const stringToSign = `${ALGORITHM}\n${amzDate}\n${scope}\n${sha256Hex(canonicalRequest)}`;
    const expected = createHmac("sha256", this.signingKey(credential, auth.date, auth.region, auth.service)).update(stringToSign).digest("hex");
    if (!constantTimeEqual(expected, auth.signature)) throw new InvalidSignatureException(SIGNATURE_MISMATCH);
    return auth;
  }
}
