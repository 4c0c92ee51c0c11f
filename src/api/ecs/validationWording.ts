// ECS's own words for request values outside an enum, where they are known. Elsewhere the protocol's
// generic AWS validation wording applies.

/**
 * `include` lists: "include should be one of [ATTACHMENTS,SETTINGS,STATISTICS,TAGS]" (DescribeClusters,
 * quoted in terraform-provider-aws issue 23342 from a partition without CONFIGURATIONS; here the
 * model's values, sorted as ECS lists them). Decision: every operation's `include` answers so.
 */
export function ecsEnumWording(_structure: string, member: string, allowed: readonly string[]): string | undefined {
  if (member === "include") return `include should be one of [${[...allowed].sort().join(",")}]`;
  return undefined;
}
