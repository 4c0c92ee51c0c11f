// Who is calling and where: the account from the access key, the region from the SigV4 credential
// scope. Signature verification (when enabled) happens in sigv4.ts; this only reads the header.
import { isKnownRegion } from "../domain/regions";
import { InvalidSignatureException, MissingAuthenticationTokenException } from "./errors";

export const DEFAULT_ACCOUNT = "000000000000";
export const DEFAULT_REGION = "us-east-1";

export interface CallerIdentity {
  readonly accessKeyId: string | undefined;
  readonly account: string;
  readonly region: string;
  readonly principal: string;
}

export interface CredentialScope {
  readonly accessKeyId: string;
  readonly date: string;
  readonly region: string;
  readonly service: string;
}

const CREDENTIAL = /Credential=([^/,\s]+)\/(\d{8})\/([^/,\s]+)\/([a-z0-9-]+)\/aws4_request/;

export function parseCredentialScope(authorization: string | undefined): CredentialScope | undefined {
  const m = authorization ? CREDENTIAL.exec(authorization) : undefined;
  return m ? { accessKeyId: m[1], date: m[2], region: m[3], service: m[4] } : undefined;
}

/** Maps an access key to its account: an explicit mapping, else a 12-digit key is its own account. */
export type AccountResolver = (accessKeyId: string | undefined) => { account: string; principal?: string } | undefined;

export function defaultAccountResolver(mapping: ReadonlyMap<string, string>, defaultAccount = DEFAULT_ACCOUNT): AccountResolver {
  return (accessKeyId) => {
    if (accessKeyId === undefined) return { account: defaultAccount };
    const mapped = mapping.get(accessKeyId);
    if (mapped) return { account: mapped };
    if (/^\d{12}$/.test(accessKeyId)) return { account: accessKeyId };
    return { account: defaultAccount };
  };
}

/** AWS's answer to a credential scope naming a region that does not exist. */
export function invalidRegion(region: string): InvalidSignatureException {
  return new InvalidSignatureException(`Credential should be scoped to a valid region, not '${region.slice(0, 64)}'.`);
}

export function identify(authorization: string | undefined, resolveAccount: AccountResolver): CallerIdentity {
  const scope = parseCredentialScope(authorization);
  // Resources are kept per region: a region that does not exist would hold rows no ARN can reach.
  if (scope && !isKnownRegion(scope.region)) throw invalidRegion(scope.region);
  const resolved = resolveAccount(scope?.accessKeyId);
  if (!resolved) throw new MissingAuthenticationTokenException("Missing Authentication Token");
  const region = scope?.region ?? DEFAULT_REGION;
  return {
    accessKeyId: scope?.accessKeyId,
    account: resolved.account,
    region,
    principal: resolved.principal ?? `arn:aws:iam::${resolved.account}:root`,
  };
}
