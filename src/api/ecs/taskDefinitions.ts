// Task definitions: RegisterTaskDefinition, DescribeTaskDefinition, ListTaskDefinitions,
// ListTaskDefinitionFamilies, DeregisterTaskDefinition, DeleteTaskDefinitions.
import type {
  DeleteTaskDefinitionsRequest,
  DeleteTaskDefinitionsResponse,
  DeregisterTaskDefinitionRequest,
  DeregisterTaskDefinitionResponse,
  DescribeTaskDefinitionRequest,
  DescribeTaskDefinitionResponse,
  Failure,
  ListTaskDefinitionFamiliesRequest,
  ListTaskDefinitionFamiliesResponse,
  ListTaskDefinitionsRequest,
  ListTaskDefinitionsResponse,
  RegisterTaskDefinitionRequest,
  RegisterTaskDefinitionResponse,
  TaskDefinition,
} from "@aws-sdk/client-ecs";
import { arns } from "../../domain/arn";
import { decodeNextToken, encodeNextToken } from "../../domain/pagination";
import type { TaskDefinitionRecord } from "../../domain/records";
import { tagProblem } from "../../domain/tags";
import { compatibilitiesOf, cpuUnits, memoryMiB, parseTaskDefinitionReference, taskDefinitionProblem } from "../../domain/taskDefinition";
import { ClientException, InvalidParameterException } from "../../protocol/errors";
import { epochSeconds, type Wire } from "../../protocol/wire";
import type { Tx } from "../../store/store";
import type { Handler, RequestContext } from "../context";
import { inScope } from "./resolve";
import { MAX_PAGE_SIZE } from "./paging";

/**
 * The family's highest revision (0 when it has none). Revisions run 1..N and are never removed
 * (deleted ones stay DELETE_IN_PROGRESS), so the count of the family's rows says it without reading
 * them: a family registered on every deploy has thousands. Should the rows not be 1..N, they are read.
 */
async function latestRevision(tx: Tx, ctx: RequestContext, family: string): Promise<number> {
  const count = await tx.count("taskDefinition", { scope: ctx.scope, parent: "", name: family });
  if (count === 0) return 0;
  const last = await tx.get("taskDefinition", arns.taskDefinition(ctx, family, count));
  const next = await tx.get("taskDefinition", arns.taskDefinition(ctx, family, count + 1));
  if (last && !next) return count;
  const records = await tx.list("taskDefinition", { scope: ctx.scope, parent: "", name: family });
  return Math.max(0, ...records.map((r) => r.taskDefinition.revision ?? 0));
}

/**
 * The task definition a reference names: "family" means its latest ACTIVE revision. Undefined when
 * there is none (callers choose the error their operation gives).
 */
export async function findTaskDefinition(tx: Tx, ctx: RequestContext, reference: string): Promise<TaskDefinitionRecord | undefined> {
  const ref = parseTaskDefinitionReference(reference);
  if (!ref) return undefined;
  // Another account's or region's ARN names nothing here, with or without a revision.
  if (reference.startsWith("arn:") && !inScope(reference, ctx)) return undefined;
  if (ref.revision !== undefined) return tx.get("taskDefinition", arns.taskDefinition(ctx, ref.family, ref.revision));
  // The newest revision is almost always the ACTIVE one: look from the top down.
  for (let revision = await latestRevision(tx, ctx, ref.family); revision > 0; revision--) {
    const record = await tx.get("taskDefinition", arns.taskDefinition(ctx, ref.family, revision));
    if (record?.taskDefinition.status === "ACTIVE") return record;
  }
  return undefined;
}

/** An ACTIVE task definition for new tasks, services or task sets. */
export async function usableTaskDefinition(tx: Tx, ctx: RequestContext, reference: string): Promise<TaskDefinitionRecord> {
  const record = await findTaskDefinition(tx, ctx, reference);
  if (!record) throw new ClientException("Unable to describe task definition.");
  if (record.taskDefinition.status !== "ACTIVE") throw new ClientException(`TaskDefinition is inactive`);
  return record;
}

const registerTaskDefinition: Handler<RegisterTaskDefinitionRequest, RegisterTaskDefinitionResponse> = async (input, ctx) => {
  const problem = taskDefinitionProblem({
    family: input.family ?? "",
    containerDefinitions: input.containerDefinitions ?? [],
    requiresCompatibilities: input.requiresCompatibilities,
    networkMode: input.networkMode,
    cpu: input.cpu,
    memory: input.memory,
    pidMode: input.pidMode,
    ipcMode: input.ipcMode,
  });
  if (problem) throw new ClientException(problem);
  const tags = input.tags ?? [];
  const tagError = tagProblem(tags);
  if (tagError) throw new InvalidParameterException(tagError);
  return ctx.store.transaction(async (tx) => {
    const family = input.family ?? "";
    const revision = (await latestRevision(tx, ctx, family)) + 1;
    const { tags: _tags, ...definition } = input;
    const taskDefinition: Wire<TaskDefinition> = {
      ...definition,
      // ECS stores "1 vCPU" and "2 GB" as the integers they stand for ("1024", "2048").
      ...(input.cpu !== undefined ? { cpu: String(cpuUnits(input.cpu)) } : {}),
      ...(input.memory !== undefined ? { memory: String(memoryMiB(input.memory)) } : {}),
      taskDefinitionArn: arns.taskDefinition(ctx, family, revision),
      family,
      revision,
      status: "ACTIVE",
      containerDefinitions: (input.containerDefinitions ?? []).map((c) => ({
        ...c,
        cpu: c.cpu ?? 0,
        essential: c.essential ?? true,
        portMappings: (c.portMappings ?? []).map((p) => ({
          ...p,
          hostPort: p.hostPort ?? (input.networkMode === "awsvpc" || input.networkMode === "host" ? p.containerPort : 0),
          protocol: p.protocol ?? "tcp",
        })),
        environment: c.environment ?? [],
        mountPoints: c.mountPoints ?? [],
        volumesFrom: c.volumesFrom ?? [],
      })),
      volumes: input.volumes ?? [],
      placementConstraints: input.placementConstraints ?? [],
      compatibilities: compatibilitiesOf(input),
      requiresAttributes: [],
      registeredAt: epochSeconds(ctx.clock.now()),
      registeredBy: ctx.principal,
    };
    await tx.put("taskDefinition", { taskDefinition, tags });
    return { taskDefinition, tags };
  });
};

const describeTaskDefinition: Handler<DescribeTaskDefinitionRequest, DescribeTaskDefinitionResponse> = async (input, ctx) =>
  ctx.store.transaction(async (tx) => {
    const reference = input.taskDefinition ?? "";
    const ref = parseTaskDefinitionReference(reference);
    // "family" alone means the latest ACTIVE revision; an explicit revision is found in any status.
    const record = await findTaskDefinition(tx, ctx, reference);
    if (!ref || !record) throw new ClientException("Unable to describe task definition.");
    // Without include TAGS, ECS answers an empty list (the AWS CLI's describe-task-definition example).
    return { taskDefinition: record.taskDefinition, tags: input.include?.includes("TAGS") ? record.tags : [] };
  });

/** All task definitions of the caller's scope, by family then revision. */
async function allDefinitions(tx: Tx, ctx: RequestContext): Promise<Wire<TaskDefinition>[]> {
  const records = await tx.list("taskDefinition", { scope: ctx.scope, parent: "" });
  return records
    .map((r) => r.taskDefinition)
    .sort((a, b) => ((a.family ?? "") < (b.family ?? "") ? -1 : (a.family ?? "") > (b.family ?? "") ? 1 : (a.revision ?? 0) - (b.revision ?? 0)));
}

/** Offset pagination over an in-memory, already-sorted list (task definitions sort numerically by revision). */
function pageOf<T>(items: readonly T[], input: { maxResults?: number; nextToken?: string }): { items: T[]; nextToken?: string } {
  const size = input.maxResults ?? MAX_PAGE_SIZE;
  if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE) throw new InvalidParameterException(`maxResults must be an integer between 1 and ${MAX_PAGE_SIZE}.`);
  let start = 0;
  if (input.nextToken !== undefined) {
    const decoded = decodeNextToken(input.nextToken);
    if (decoded === undefined || !/^\d+$/.test(decoded)) throw new InvalidParameterException("Invalid nextToken.");
    start = Number(decoded);
  }
  const page = items.slice(start, start + size);
  return start + size < items.length ? { items: page, nextToken: encodeNextToken(String(start + size)) } : { items: page };
}

const listTaskDefinitions: Handler<ListTaskDefinitionsRequest, ListTaskDefinitionsResponse> = async (input, ctx) =>
  ctx.store.transaction(async (tx) => {
    const status = input.status ?? "ACTIVE";
    // Despite its name, familyPrefix here is the full family name (ListTaskDefinitionFamilies takes a prefix).
    let defs = (await allDefinitions(tx, ctx)).filter((d) => d.status === status && (!input.familyPrefix || d.family === input.familyPrefix));
    if (input.sort === "DESC") defs = defs.reverse();
    const page = pageOf(defs, input);
    return { taskDefinitionArns: page.items.map((d) => d.taskDefinitionArn ?? ""), ...(page.nextToken ? { nextToken: page.nextToken } : {}) };
  });

const listTaskDefinitionFamilies: Handler<ListTaskDefinitionFamiliesRequest, ListTaskDefinitionFamiliesResponse> = async (input, ctx) =>
  ctx.store.transaction(async (tx) => {
    // Unlike ListTaskDefinitions, the default lists ACTIVE and INACTIVE families alike.
    const status = input.status ?? "ALL";
    const activeFamilies = new Set<string>();
    const families = new Set<string>();
    for (const d of await allDefinitions(tx, ctx)) {
      if (input.familyPrefix && !(d.family ?? "").startsWith(input.familyPrefix)) continue;
      families.add(d.family ?? "");
      if (d.status === "ACTIVE") activeFamilies.add(d.family ?? "");
    }
    const chosen = [...families].filter((f) => status === "ALL" || (status === "ACTIVE") === activeFamilies.has(f));
    const page = pageOf(chosen, input);
    return { families: page.items, ...(page.nextToken ? { nextToken: page.nextToken } : {}) };
  });

const deregisterTaskDefinition: Handler<DeregisterTaskDefinitionRequest, DeregisterTaskDefinitionResponse> = async (input, ctx) =>
  ctx.store.transaction(async (tx) => {
    const reference = input.taskDefinition ?? "";
    const ref = parseTaskDefinitionReference(reference);
    if (ref && ref.revision === undefined) throw new ClientException("Revision is missing.");
    if (!ref) throw new ClientException(`Invalid revision number. Number: ${reference.split(":").pop() ?? ""}`);
    const record = await findTaskDefinition(tx, ctx, reference);
    if (!record || record.taskDefinition.status === "DELETE_IN_PROGRESS") throw new ClientException("The specified task definition does not exist.");
    const taskDefinition: Wire<TaskDefinition> = {
      ...record.taskDefinition,
      status: "INACTIVE",
      deregisteredAt: record.taskDefinition.deregisteredAt ?? epochSeconds(ctx.clock.now()),
    };
    await tx.put("taskDefinition", { ...record, taskDefinition });
    return { taskDefinition };
  });

const deleteTaskDefinitions: Handler<DeleteTaskDefinitionsRequest, DeleteTaskDefinitionsResponse> = async (input, ctx) => {
  const requested = input.taskDefinitions ?? [];
  if (requested.length === 0) throw new InvalidParameterException("taskDefinitions must contain between 1 and 10 task definitions.");
  return ctx.store.transaction(async (tx) => {
    const taskDefinitions: Wire<TaskDefinition>[] = [];
    const failures: Failure[] = [];
    for (const reference of requested) {
      const ref = parseTaskDefinitionReference(reference);
      const record = ref?.revision !== undefined ? await findTaskDefinition(tx, ctx, reference) : undefined;
      if (!ref || ref.revision === undefined) {
        failures.push({ arn: reference, reason: "The specified task definition identifier is invalid. Specify a valid name or ARN and try again." });
      } else if (!record) {
        failures.push({ arn: reference, reason: "The specified task definition does not exist. Specify a valid account, family, revision and try again." });
      } else if (record.taskDefinition.status === "ACTIVE") {
        failures.push({ arn: record.taskDefinition.taskDefinitionArn, reason: "The specified task definition is still in ACTIVE status. Please deregister the target and try again." });
      } else {
        const taskDefinition: Wire<TaskDefinition> = { ...record.taskDefinition, status: "DELETE_IN_PROGRESS" };
        await tx.put("taskDefinition", { ...record, taskDefinition });
        taskDefinitions.push(taskDefinition);
      }
    }
    return { taskDefinitions, failures };
  });
};

export const taskDefinitionHandlers = {
  RegisterTaskDefinition: registerTaskDefinition,
  DescribeTaskDefinition: describeTaskDefinition,
  ListTaskDefinitions: listTaskDefinitions,
  ListTaskDefinitionFamilies: listTaskDefinitionFamilies,
  DeregisterTaskDefinition: deregisterTaskDefinition,
  DeleteTaskDefinitions: deleteTaskDefinitions,
};
