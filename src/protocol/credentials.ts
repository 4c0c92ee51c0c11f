// The credentials file for --auth sigv4|iam: access keys, their secrets, accounts, principals and
// attached identity policies. JSON or YAML (docs/auth.md).
import { readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import type { Policy } from "../domain/iam";

export interface Credential {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  readonly accountId: string;
  readonly principalArn: string;
  readonly policies: readonly Policy[];
  /** May call ecslite's control endpoints (reset, clock, settle) when auth is on. */
  readonly controlEndpoints: boolean;
}

function fail(file: string, message: string, cause?: unknown): never {
  throw new Error(`credentials file ${file}: ${message}`, { cause });
}

function parsePolicy(file: string, where: string, value: unknown): Policy {
  let policy = value;
  if (typeof value === "string") {
    try {
      policy = JSON.parse(value) as unknown;
    } catch (error) {
      fail(file, `${where} is a string but not a JSON policy document: ${(error as Error).message}`);
    }
  }
  if (!policy || typeof policy !== "object" || !("Statement" in policy)) fail(file, `${where} is not an IAM policy document (it needs a Statement)`);
  const statements = (policy as Policy).Statement;
  (Array.isArray(statements) ? statements : [statements]).forEach((s, i) => {
    const at = `${where}.Statement[${i}]`;
    if (!s || typeof s !== "object") fail(file, `${at} is not a statement`);
    if (s.Effect !== "Allow" && s.Effect !== "Deny") fail(file, `${at} needs Effect Allow or Deny`);
    if ((s.Action === undefined) === (s.NotAction === undefined)) fail(file, `${at} needs exactly one of Action and NotAction`);
    if ((s.Resource === undefined) === (s.NotResource === undefined)) fail(file, `${at} needs exactly one of Resource and NotResource`);
    if (s.Condition !== undefined && (typeof s.Condition !== "object" || Array.isArray(s.Condition))) fail(file, `${at}.Condition must map operators to {key: values}`);
  });
  return policy as Policy;
}

/** Reads and checks the file; throws a readable error naming what is wrong. */
export function loadCredentials(file: string): Map<string, Credential> {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    fail(file, `cannot be read: ${(error as Error).message}`, error);
  }
  let document: unknown;
  try {
    document = /\.json$/i.test(file) ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    fail(file, `not valid ${/\.json$/i.test(file) ? "JSON" : "YAML"}: ${(error as Error).message}`);
  }
  const entries = Array.isArray(document) ? document : (document as { credentials?: unknown })?.credentials;
  if (!Array.isArray(entries)) fail(file, "expected a list of credentials (or an object with a `credentials` list)");
  const credentials = new Map<string, Credential>();
  entries.forEach((raw: unknown, i: number) => {
    const entry = (raw ?? {}) as Record<string, unknown>;
    const where = `credentials[${i}]`;
    const accessKeyId = entry.accessKeyId;
    const secretAccessKey = entry.secretAccessKey;
    const accountId = String(entry.accountId ?? "");
    if (typeof accessKeyId !== "string" || !accessKeyId) fail(file, `${where}.accessKeyId is required`);
    if (typeof secretAccessKey !== "string" || !secretAccessKey) fail(file, `${where}.secretAccessKey is required`);
    if (!/^\d{12}$/.test(accountId)) fail(file, `${where}.accountId must be 12 digits`);
    if (credentials.has(accessKeyId)) fail(file, `${where}.accessKeyId ${accessKeyId} appears twice`);
    const principalArn = typeof entry.principalArn === "string" ? entry.principalArn : `arn:aws:iam::${accountId}:root`;
    if (entry.controlEndpoints !== undefined && typeof entry.controlEndpoints !== "boolean") fail(file, `${where}.controlEndpoints must be true or false`);
    const policies = Array.isArray(entry.policies) ? entry.policies.map((p, j) => parsePolicy(file, `${where}.policies[${j}]`, p)) : [];
    credentials.set(accessKeyId, {
      accessKeyId,
      secretAccessKey,
      ...(typeof entry.sessionToken === "string" ? { sessionToken: entry.sessionToken } : {}),
      accountId,
      principalArn,
      policies,
      controlEndpoints: entry.controlEndpoints === true,
    });
  });
  return credentials;
}

/** The root user of an account is not subject to identity policies. */
export function isRootPrincipal(principalArn: string): boolean {
  return /^arn:aws[a-z-]*:iam::\d{12}:root$/.test(principalArn);
}
