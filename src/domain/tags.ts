// ECS tag rules: at most 50 per resource, key 1-128 and value 0-256 characters from a fixed
// character set, keys unique, the "aws:" prefix reserved.
import type { Tag } from "@aws-sdk/client-ecs";

export const MAX_TAGS_PER_RESOURCE = 50;
const TAG_CHARACTERS = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

/** Limits count Unicode characters, not UTF-16 code units (a letter outside the BMP is one). */
function characters(text: string): number {
  return Array.from(text).length;
}

/** A reason a tag key is refused (in TagResource and UntagResource alike), or undefined. */
export function tagKeyProblem(key: string | undefined): string | undefined {
  if (key === undefined || characters(key) < 1 || characters(key) > 128) return "Tag keys must be between 1 and 128 characters long.";
  if (!TAG_CHARACTERS.test(key)) return `Tag key '${key}' contains characters that are not allowed. Allowed: letters, numbers, spaces and _ . : / = + - @`;
  if (key.toLowerCase().startsWith("aws:")) return "Tag keys cannot begin with the reserved prefix 'aws:'.";
  return undefined;
}

/** A reason the tags are refused, or undefined when they are valid. */
export function tagProblem(tags: readonly Tag[]): string | undefined {
  // No request may carry more tags than a resource may have (the model's Tags list has max 50).
  if (tags.length > MAX_TAGS_PER_RESOURCE) return `A resource can have at most ${MAX_TAGS_PER_RESOURCE} tags.`;
  const seen = new Set<string>();
  for (const tag of tags) {
    const keyProblem = tagKeyProblem(tag.key);
    if (keyProblem) return keyProblem;
    const key = tag.key ?? "";
    const value = tag.value ?? "";
    if (characters(value) > 256) return `The value of tag '${key}' must be at most 256 characters long.`;
    if (!TAG_CHARACTERS.test(value)) return `The value of tag '${key}' contains characters that are not allowed. Allowed: letters, numbers, spaces and _ . : / = + - @`;
    if (seen.has(key)) return `Tag keys must be unique: '${key}' appears more than once.`;
    seen.add(key);
  }
  return undefined;
}

/** The tags after adding (or overwriting) `added`. */
export function mergeTags(existing: readonly Tag[], added: readonly Tag[]): Tag[] {
  const byKey = new Map(existing.map((t) => [t.key, t] as const));
  for (const tag of added) byKey.set(tag.key, { key: tag.key, value: tag.value ?? "" });
  return [...byKey.values()];
}

export function removeTags(existing: readonly Tag[], keys: readonly string[]): Tag[] {
  const removed = new Set(keys);
  return existing.filter((t) => !removed.has(t.key ?? ""));
}
