// Tags on load balancers, target groups, listeners and rules: AddTags, RemoveTags, DescribeTags.
// The rules are ECS's (src/domain/tags.ts: at most 50, key 1-128 and value 0-256 characters, the
// "aws:" prefix reserved); ELB answers a request over the limit with TooManyTags and a key given
// twice with DuplicateTagKeys.
import type {
  AddTagsInput,
  AddTagsOutput,
  DescribeTagsInput,
  DescribeTagsOutput,
  RemoveTagsInput,
  RemoveTagsOutput,
  Tag,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { parseElbArn } from "../../domain/elbv2Arn";
import type { Records } from "../../domain/records";
import { MAX_TAGS_PER_RESOURCE, tagKeyProblem, tagProblem } from "../../domain/tags";
import type { Kind, Tx } from "../../store/store";
import type { Handler, RequestContext } from "../context";
import { DuplicateTagKeysException, TooManyTagsException, ValidationError } from "./errors";
import { listenerOf, loadBalancerOf, ruleOf, targetGroupOf } from "./resolve";

/** At most 20 resources per AddTags, RemoveTags and DescribeTags (API reference). */
export const MAX_RESOURCES_PER_TAG_REQUEST = 20;

type TaggedKind = "loadBalancer" | "targetGroup" | "listener" | "listenerRule";

const KIND_OF: Readonly<Record<string, TaggedKind>> = { loadbalancer: "loadBalancer", targetgroup: "targetGroup", listener: "listener", "listener-rule": "listenerRule" };

/** Refuses tags as ELB does (on AddTags and on every create that takes Tags). */
export function checkTags(tags: readonly Tag[]): void {
  const seen = new Set<string>();
  for (const tag of tags) {
    const key = tag.Key ?? "";
    if (seen.has(key)) throw new DuplicateTagKeysException(`Tag key was specified more than once: ${key.slice(0, 128)}`);
    seen.add(key);
  }
  if (tags.length > MAX_TAGS_PER_RESOURCE) throw new TooManyTagsException(`A resource can have at most ${MAX_TAGS_PER_RESOURCE} tags`);
  const problem = tagProblem(tags.map((t) => ({ key: t.Key, value: t.Value })));
  if (problem) throw new ValidationError(problem);
}

function merged(existing: readonly Tag[], added: readonly Tag[]): Tag[] {
  const byKey = new Map(existing.map((t) => [t.Key, t] as const));
  for (const tag of added) byKey.set(tag.Key, { Key: tag.Key, Value: tag.Value ?? "" });
  return [...byKey.values()];
}

/** The record of a taggable resource in the caller's scope, or the resource's NotFound. */
async function taggable(tx: Tx, ctx: RequestContext, arn: string): Promise<{ kind: TaggedKind; record: Records[TaggedKind] }> {
  const kind = KIND_OF[parseElbArn(arn)?.resourceType ?? ""];
  if (!kind) throw new ValidationError(`'${arn.slice(0, 300)}' is not a valid resource ARN`);
  switch (kind) {
    case "loadBalancer":
      return { kind, record: await loadBalancerOf(tx, ctx, arn) };
    case "targetGroup":
      return { kind, record: await targetGroupOf(tx, ctx, arn) };
    case "listener":
      return { kind, record: await listenerOf(tx, ctx, arn) };
    case "listenerRule":
      return { kind, record: await ruleOf(tx, ctx, arn) };
  }
}

/** The tags of an ELB resource by ARN (for aws:ResourceTag conditions), or undefined when there is none. */
export async function tagsOfElbResource(tx: Tx, arn: string): Promise<{ key: string; value: string }[] | undefined> {
  const kind = KIND_OF[parseElbArn(arn)?.resourceType ?? ""];
  const record = kind ? await tx.get(kind as Kind, arn) : undefined;
  if (!record) return undefined;
  return ((record as { tags: Tag[] }).tags ?? []).map((t) => ({ key: t.Key ?? "", value: t.Value ?? "" }));
}

function resourceArnsOf(arns: readonly string[] | undefined): readonly string[] {
  const list = arns ?? [];
  if (list.length > MAX_RESOURCES_PER_TAG_REQUEST) {
    throw new ValidationError(`1 validation error detected: Value '[...]' at 'resourceArns' failed to satisfy constraint: Member must have length less than or equal to ${MAX_RESOURCES_PER_TAG_REQUEST}`);
  }
  return list;
}

const addTags: Handler<AddTagsInput, AddTagsOutput> = async (input, ctx) => {
  const arns = resourceArnsOf(input.ResourceArns);
  const tags = input.Tags ?? [];
  checkTags(tags);
  await ctx.store.transaction(async (tx) => {
    const updates: { kind: TaggedKind; record: Records[TaggedKind] }[] = [];
    for (const arn of arns) {
      const { kind, record } = await taggable(tx, ctx, arn);
      const next = merged(record.tags, tags);
      if (next.length > MAX_TAGS_PER_RESOURCE) throw new TooManyTagsException(`The quota for the number of tags that can be assigned to a resource has been reached: '${arn}' would have ${next.length} tags (at most ${MAX_TAGS_PER_RESOURCE})`);
      updates.push({ kind, record: { ...record, tags: next } });
    }
    for (const { kind, record } of updates) await tx.put(kind, record as never);
  });
  return {};
};

const removeTags: Handler<RemoveTagsInput, RemoveTagsOutput> = async (input, ctx) => {
  const arns = resourceArnsOf(input.ResourceArns);
  const keys = input.TagKeys ?? [];
  for (const key of keys) {
    const problem = tagKeyProblem(key);
    if (problem) throw new ValidationError(problem);
  }
  const removed = new Set(keys);
  await ctx.store.transaction(async (tx) => {
    const updates: { kind: TaggedKind; record: Records[TaggedKind] }[] = [];
    for (const arn of arns) {
      const { kind, record } = await taggable(tx, ctx, arn);
      updates.push({ kind, record: { ...record, tags: record.tags.filter((t) => !removed.has(t.Key ?? "")) } });
    }
    for (const { kind, record } of updates) await tx.put(kind, record as never);
  });
  return {};
};

const describeTags: Handler<DescribeTagsInput, DescribeTagsOutput> = async (input, ctx) => {
  const arns = resourceArnsOf(input.ResourceArns);
  return ctx.store.transaction(async (tx) => {
    const TagDescriptions = [];
    for (const arn of arns) {
      const { record } = await taggable(tx, ctx, arn);
      TagDescriptions.push({ ResourceArn: arn, Tags: record.tags });
    }
    return { TagDescriptions };
  });
};

export const tagHandlers = { AddTags: addTags, RemoveTags: removeTags, DescribeTags: describeTags };
