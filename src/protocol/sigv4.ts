// AWS Signature Version 4 verification: the signature is computed again with AWS's own signing
// implementation (@smithy/signature-v4) over exactly the headers the client signed, and compared
// in constant time. Errors carry the names and messages AWS clients know.
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import { Hash } from "@smithy/hash-node";
import { SignatureV4 } from "@smithy/signature-v4";
import {
  IncompleteSignatureException,
  InvalidSignatureException,
  MissingAuthenticationTokenException,
  UnrecognizedClientException,
} from "./errors";

export const SIGNING_SERVICE = "ecs";
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

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(",") : value;
}

/** Parses `AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...`; refuses what is missing. */
export function parseAuthorization(value: string | undefined): ParsedAuthorization {
  if (!value) throw new MissingAuthenticationTokenException("Missing Authentication Token");
  if (!value.startsWith("AWS4-HMAC-SHA256 ")) {
    throw new IncompleteSignatureException(`Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization=${value.slice(0, 64)}`);
  }
  const fields = new Map<string, string>();
  for (const part of value.slice("AWS4-HMAC-SHA256 ".length).split(",")) {
    const eq = part.indexOf("=");
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const missing = ["Credential", "Signature", "SignedHeaders"].filter((f) => !fields.get(f));
  if (missing.length) throw new IncompleteSignatureException(missing.map((f) => `Authorization header requires '${f}' parameter.`).join(" "));
  const scope = (fields.get("Credential") ?? "").split("/");
  if (scope.length !== 5 || scope[4] !== "aws4_request" || !/^\d{8}$/.test(scope[1])) {
    throw new IncompleteSignatureException(`Credential should be scoped to a valid region, service and date: '${(fields.get("Credential") ?? "").slice(0, 128)}'.`);
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

/** "20261124T203000Z" -> epoch ms, or undefined when it is not that format. */
export function parseAmzDate(value: string | undefined): number | undefined {
  const m = value ? /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value) : undefined;
  if (!m) return undefined;
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
}

function formatAmzDate(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
}

function constantTimeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, "utf8");
  const y = Buffer.from(b, "utf8");
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * The SigV4 signature of a plain request (path without a query), computed directly with node:crypto
 * from the canonical request (AWS's "Create a signed AWS API request" steps). A fast path only: a
 * request it does not match is checked again with @smithy/signature-v4, which decides refusals.
 */
function directSignature(signingKey: Buffer, amzDate: string, scope: string, method: string, path: string, signedHeaders: readonly string[], headers: Record<string, string>, payloadHash: string): string {
  let canonicalHeaders = "";
  for (const name of signedHeaders) canonicalHeaders += `${name}:${headers[name].replace(/[\r\n]/g, " ").replace(/[ \t]+/g, " ").trim()}\n`;
  const canonicalRequest = `${method}\n${path}\n\n${canonicalHeaders}\n${signedHeaders.join(";")}\n${payloadHash}`;
  const stringToSign = `AWS4-HMAC-SHA256\n${amzDate}\n${scope}\n${createHash("sha256").update(canonicalRequest).digest("hex")}`;
  return createHmac("sha256", signingKey).update(stringToSign).digest("hex");
}

/**
 * Verifies a request's SigV4 signature against its access key's secret. Returns the parsed
 * authorization (access key, region) or throws the error AWS would answer.
 */
export class SigV4Verifier {
  private readonly signers = new Map<string, SignatureV4>();
  /** Derived signing keys by secret, date, region: they change once a day. */
  private readonly signingKeys = new Map<string, Buffer>();

  constructor(private readonly lookup: (accessKeyId: string) => SigningCredential | undefined) {}

  private signerFor(credential: SigningCredential, region: string): SignatureV4 {
    const key = `${credential.accessKeyId}\u0000${region}`;
    let signer = this.signers.get(key);
    if (!signer) {
      signer = new SignatureV4({ service: SIGNING_SERVICE, region, credentials: credential, sha256: Hash.bind(null, "sha256"), applyChecksum: false });
      this.signers.set(key, signer);
    }
    return signer;
  }

  private signingKey(credential: SigningCredential, date: string, region: string): Buffer {
    const cacheKey = `${credential.accessKeyId}\u0000${credential.secretAccessKey}\u0000${date}\u0000${region}`;
    let key = this.signingKeys.get(cacheKey);
    if (!key) {
      const kDate = createHmac("sha256", `AWS4${credential.secretAccessKey}`).update(date).digest();
      const kRegion = createHmac("sha256", kDate).update(region).digest();
      const kService = createHmac("sha256", kRegion).update(SIGNING_SERVICE).digest();
      key = createHmac("sha256", kService).update("aws4_request").digest();
      if (this.signingKeys.size > 1000) this.signingKeys.clear();
      this.signingKeys.set(cacheKey, key);
    }
    return key;
  }

  async verify(request: SignedRequest, now: number): Promise<ParsedAuthorization> {
    const auth = parseAuthorization(header(request.headers, "authorization"));
    const amzDate = header(request.headers, "x-amz-date");
    const signedAt = parseAmzDate(amzDate);
    if (signedAt === undefined) throw new IncompleteSignatureException("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
    if (!auth.signedHeaders.includes("host")) throw new InvalidSignatureException("'Host' must be a 'SignedHeader' in the AWS Authorization.");
    const credential = this.lookup(auth.accessKeyId);
    if (!credential) throw new UnrecognizedClientException("The security token included in the request is invalid.");
    const token = header(request.headers, "x-amz-security-token");
    if ((credential.sessionToken ?? undefined) !== (token ?? undefined)) throw new UnrecognizedClientException("The security token included in the request is invalid.");
    if (auth.service !== SIGNING_SERVICE) throw new InvalidSignatureException(`Credential should be scoped to correct service: '${SIGNING_SERVICE}'.`);
    if (auth.date !== amzDate?.slice(0, 8)) throw new InvalidSignatureException(`Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${auth.date}' != '${amzDate?.slice(0, 8)}', from '${amzDate}'.`);
    if (signedAt < now - MAX_CLOCK_SKEW_MS) {
      throw new InvalidSignatureException(`Signature expired: ${amzDate} is now earlier than ${formatAmzDate(now - MAX_CLOCK_SKEW_MS)} (${formatAmzDate(now)} - 5 min.)`);
    }
    if (signedAt > now + MAX_CLOCK_SKEW_MS) {
      throw new InvalidSignatureException(`Signature not yet current: ${amzDate} is still later than ${formatAmzDate(now + MAX_CLOCK_SKEW_MS)} (${formatAmzDate(now)} + 5 min.)`);
    }
    const bodyHash = createHash("sha256").update(request.body).digest("hex");
    const declaredHash = header(request.headers, "x-amz-content-sha256");
    if (declaredHash !== undefined && declaredHash !== "UNSIGNED-PAYLOAD" && declaredHash !== bodyHash) {
      throw new InvalidSignatureException("The provided 'x-amz-content-sha256' header does not match what was computed.");
    }
    // Sign the same request again, over exactly the headers the client signed.
    const headers: Record<string, string> = {};
    for (const name of auth.signedHeaders) {
      const value = header(request.headers, name);
      if (value === undefined) throw new InvalidSignatureException(SIGNATURE_MISMATCH);
      headers[name] = value;
    }
    const [path, query = ""] = request.path.split("?", 2);
    if (!query && path === "/") {
      const scope = `${auth.date}/${auth.region}/${auth.service}/aws4_request`;
      const payloadHash = declaredHash ?? bodyHash;
      const direct = directSignature(this.signingKey(credential, auth.date, auth.region), amzDate ?? "", scope, request.method, path, [...auth.signedHeaders].sort(), headers, payloadHash);
      if (constantTimeEqual(direct, auth.signature)) return auth;
    }
    const queryParams: Record<string, string> = {};
    for (const [k, v] of new URLSearchParams(query)) queryParams[k] = v;
    const signed = await this.signerFor(credential, auth.region).sign(
      { method: request.method, protocol: "http:", hostname: headers.host ?? "", path, query: queryParams, headers, body: request.body },
      { signingDate: new Date(signedAt), signableHeaders: new Set(auth.signedHeaders), signingRegion: auth.region },
    );
    const expected = /Signature=([0-9a-f]+)/.exec(String(signed.headers.authorization ?? ""))?.[1] ?? "";
    if (!constantTimeEqual(expected, auth.signature)) throw new InvalidSignatureException(SIGNATURE_MISMATCH);
    return auth;
  }
}
