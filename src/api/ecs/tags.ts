// Tags on every taggable resource: TagResource, UntagResource, ListTagsForResource.
import type {
  ListTagsForResourceRequest,
  ListTagsForResourceResponse,
  Tag,
  TagResourceRequest,
  TagResourceResponse,
  UntagResourceRequest,
  UntagResourceResponse,
} from "@aws-sdk/client-ecs";
import { isShortFormat, parseArn } from "../../domain/arn";
import type { Records } from "../../domain/records";
import { MAX_TAGS_PER_RESOURCE, mergeTags, removeTags, tagKeyProblem, tagProblem } from "../../domain/tags";
import { ClusterNotFoundException, InvalidParameterException, ResourceNotFoundException } from "../../protocol/errors";
import type { Tx, Kind } from "../../store/store";
import type { Handler, RequestContext } from "../context";

interface TagAccess<K extends Kind> {
  kind: K;
  read(record: Records[K]): Tag[];
  write(record: Records[K], tags: Tag[]): Records[K];
  /** Whether the record still exists as far as tagging is concerned. */
  live(record: Records[K]): boolean;
}

const byResourceType: Record<string, TagAccess<Kind>> = {
  cluster: { kind: "cluster", read: (r) => r.cluster.tags ?? [], write: (r, tags) => ({ ...r, cluster: { ...r.cluster, tags } }), live: (r) => r.cluster.status === "ACTIVE" } satisfies TagAccess<"cluster">,
  service: { kind: "service", read: (r) => r.service.tags ?? [], write: (r, tags) => ({ ...r, service: { ...r.service, tags } }), live: (r) => r.service.status !== "INACTIVE" } satisfies TagAccess<"service">,
  "task-set": { kind: "taskSet", read: (r) => r.taskSet.tags ?? [], write: (r, tags) => ({ ...r, taskSet: { ...r.taskSet, tags } }), live: () => true } satisfies TagAccess<"taskSet">,
  "task-definition": { kind: "taskDefinition", read: (r) => r.tags, write: (r, tags) => ({ ...r, tags }), live: (r) => r.taskDefinition.status !== "DELETE_IN_PROGRESS" } satisfies TagAccess<"taskDefinition">,
  task: { kind: "task", read: (r) => r.task.tags ?? [], write: (r, tags) => ({ ...r, task: { ...r.task, tags } }), live: () => true } satisfies TagAccess<"task">,
  "container-instance": { kind: "containerInstance", read: (r) => r.containerInstance.tags ?? [], write: (r, tags) => ({ ...r, containerInstance: { ...r.containerInstance, tags } }), live: () => true } satisfies TagAccess<"containerInstance">,
  "capacity-provider": { kind: "capacityProvider", read: (r) => r.capacityProvider.tags ?? [], write: (r, tags) => ({ ...r, capacityProvider: { ...r.capacityProvider, tags } }), live: (r) => r.capacityProvider.status === "ACTIVE" } satisfies TagAccess<"capacityProvider">,
} as unknown as Record<string, TagAccess<Kind>>;

/** The tags of any taggable resource by ARN, or undefined when there is no such resource. */
export async function tagsOfResource(tx: Tx, resourceArn: string): Promise<Tag[] | undefined> {
  const access = byResourceType[parseArn(resourceArn)?.resourceType ?? ""];
  if (!access) return undefined;
  const record = await tx.get(access.kind, resourceArn);
  return record && access.live(record) ? access.read(record) : undefined;
}

async function taggable(tx: Tx, ctx: RequestContext, resourceArn: string): Promise<{ access: TagAccess<Kind>; record: Records[Kind] }> {
  const parsed = parseArn(resourceArn);
  const access = parsed ? byResourceType[parsed.resourceType] : undefined;
  if (!parsed || !access) throw new InvalidParameterException(`The ARN '${resourceArn.slice(0, 200)}' is not a valid ARN of a taggable ECS resource.`);
  // ECS's words (quoted in kayac/ecspresso pull request 297), whether or not such a resource exists.
  if (isShortFormat(parsed)) throw new InvalidParameterException("Long arn format must be used for tagging operations");
  const record = parsed.account === ctx.account && parsed.region === ctx.region ? await tx.get(access.kind, resourceArn) : undefined;
  // A deleted cluster is still found, and refused in ECS's words (gruntwork-io/cloud-nuke issue 145).
  if (record && access.kind === "cluster" && !access.live(record)) throw new InvalidParameterException("The specified cluster is inactive. Specify an active cluster and try again.");
  if (!record || !access.live(record)) {
    if (access.kind === "cluster") throw new ClusterNotFoundException("Cluster not found.");
    throw new ResourceNotFoundException("The specified resource could not be found.");
  }
  return { access, record };
}

const tagResource: Handler<TagResourceRequest, TagResourceResponse> = async (input, ctx) => {
  const added = input.tags ?? [];
  const problem = tagProblem(added);
  if (problem) throw new InvalidParameterException(problem);
  return ctx.store.transaction(async (tx) => {
    const { access, record } = await taggable(tx, ctx, input.resourceArn ?? "");
    const tags = mergeTags(access.read(record), added);
    if (tags.length > MAX_TAGS_PER_RESOURCE) throw new InvalidParameterException(`A resource can have at most ${MAX_TAGS_PER_RESOURCE} tags.`);
    await tx.put(access.kind, access.write(record, tags));
    return {};
  });
};

const untagResource: Handler<UntagResourceRequest, UntagResourceResponse> = async (input, ctx) => {
  const keys = input.tagKeys ?? [];
  // The keys follow the same rules as in TagResource; "aws:" tags cannot be removed either.
  const problem = keys.map(tagKeyProblem).find((p) => p !== undefined);
  if (problem) throw new InvalidParameterException(problem);
  return ctx.store.transaction(async (tx) => {
    const { access, record } = await taggable(tx, ctx, input.resourceArn ?? "");
    await tx.put(access.kind, access.write(record, removeTags(access.read(record), keys)));
    return {};
  });
};

const listTagsForResource: Handler<ListTagsForResourceRequest, ListTagsForResourceResponse> = async (input, ctx) =>
  ctx.store.transaction(async (tx) => {
    const { access, record } = await taggable(tx, ctx, input.resourceArn ?? "");
    return { tags: access.read(record) };
  });

export const tagHandlers = {
  TagResource: tagResource,
  UntagResource: untagResource,
  ListTagsForResource: listTagsForResource,
};
