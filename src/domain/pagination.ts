// Opaque nextToken for list operations: the last ARN returned, encoded.
export function encodeNextToken(lastArn: string): string {
  return Buffer.from(JSON.stringify({ after: lastArn }), "utf8").toString("base64url");
}

/** The ARN to continue after, or undefined when the token is not one we issued. */
export function decodeNextToken(token: string): string | undefined {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
    if (parsed && typeof parsed === "object" && typeof (parsed as { after?: unknown }).after === "string") return (parsed as { after: string }).after;
  } catch {
    // fall through: not a token of ours
  }
  return undefined;
}
