// Container instances (EC2 capacity): RegisterContainerInstance, DescribeContainerInstances,
// ListContainerInstances, UpdateContainerInstancesState, DeregisterContainerInstance.
import type {
  ContainerInstance,
  DeregisterContainerInstanceRequest,
  DeregisterContainerInstanceResponse,
  DescribeContainerInstancesRequest,
  DescribeContainerInstancesResponse,
  Failure,
  ListContainerInstancesRequest,
  ListContainerInstancesResponse,
  RegisterContainerInstanceRequest,
  RegisterContainerInstanceResponse,
  Resource,
  UpdateContainerInstancesStateRequest,
  UpdateContainerInstancesStateResponse,
} from "@aws-sdk/client-ecs";
import { arns, isArn } from "../../domain/arn";
import { instancesWithUsage, resourceValue } from "../../domain/instances";
import { AGENT_RESERVED_PORTS } from "../../domain/ports";
import type { ClusterRecord, ContainerInstanceRecord } from "../../domain/records";
import { tagProblem } from "../../domain/tags";
import { InvalidParameterException } from "../../protocol/errors";
import { epochSeconds, type Wire } from "../../protocol/wire";
import { requestStop } from "../../scheduler/lifecycle";
import { reobserveTaskSet } from "../../scheduler/observe";
import type { Tx } from "../../store/store";
import type { Handler, RequestContext } from "../context";
import { listPage } from "./paging";
import { activeCluster, inScope } from "./resolve";

/** The agent version a simulated instance registers with unless it says otherwise, and the newest there is. */
export const LATEST_AGENT_VERSION = "1.89.0";
const DEFAULT_CPU = 2048;
const DEFAULT_MEMORY = 3904;

function instanceArnOf(ctx: RequestContext, cluster: ClusterRecord, instance: string): string {
  return isArn(instance) ? instance : arns.containerInstance(ctx, cluster.cluster.clusterName ?? "", instance);
}

function identityDocument(document: string | undefined): { instanceId?: string; availabilityZone?: string; instanceType?: string } {
  if (!document) return {};
  try {
    const parsed: unknown = JSON.parse(document);
    if (!parsed || typeof parsed !== "object") return {};
    const p = parsed as Record<string, unknown>;
    return {
      ...(typeof p.instanceId === "string" ? { instanceId: p.instanceId } : {}),
      ...(typeof p.availabilityZone === "string" ? { availabilityZone: p.availabilityZone } : {}),
      ...(typeof p.instanceType === "string" ? { instanceType: p.instanceType } : {}),
    };
  } catch {
    throw new InvalidParameterException("instanceIdentityDocument is not a valid instance identity document (JSON).");
  }
}

function registeredResources(total: readonly Wire<Resource>[] | undefined): Wire<Resource>[] {
  const cpu = total ? resourceValue(total, "CPU") : DEFAULT_CPU;
  const memory = total ? resourceValue(total, "MEMORY") : DEFAULT_MEMORY;
  return [
    { name: "CPU", type: "INTEGER", doubleValue: 0, longValue: 0, integerValue: cpu || DEFAULT_CPU },
    { name: "MEMORY", type: "INTEGER", doubleValue: 0, longValue: 0, integerValue: memory || DEFAULT_MEMORY },
    { name: "PORTS", type: "STRINGSET", doubleValue: 0, longValue: 0, integerValue: 0, stringSetValue: AGENT_RESERVED_PORTS.map(String) },
    { name: "PORTS_UDP", type: "STRINGSET", doubleValue: 0, longValue: 0, integerValue: 0, stringSetValue: [] },
  ];
}

/** The instance's agent as ECS shows it at `now`: an update in progress is PENDING on the old version. */
export function presentedAgent(record: ContainerInstanceRecord, now: number): Wire<ContainerInstance> {
  const update = record.agentUpdate;
  if (!update || now >= update.settlesAt) return record.containerInstance;
  return { ...record.containerInstance, agentUpdateStatus: "PENDING", ...(update.fromVersion ? { versionInfo: update.fromVersion } : {}) };
}

/** The instances with their remaining resources and task counts, from the cluster's tasks. */
export async function withUsage(tx: Tx, ctx: RequestContext, records: readonly ContainerInstanceRecord[], clusterArn: string): Promise<Wire<ContainerInstance>[]> {
  if (records.length === 0) return [];
  const tasks = await tx.list("task", { scope: ctx.scope, parent: clusterArn });
  return instancesWithUsage(records.map((r) => presentedAgent(r, ctx.clock.now())), tasks);
}

const registerContainerInstance: Handler<RegisterContainerInstanceRequest, RegisterContainerInstanceResponse> = async (input, ctx) => {
  const problem = tagProblem(input.tags ?? []);
  if (problem) throw new InvalidParameterException(problem);
  const document = identityDocument(input.instanceIdentityDocument);
  const result = await ctx.store.transaction(async (tx) => {
    const cluster = await activeCluster(tx, ctx, input.cluster);
    const clusterArn = cluster.cluster.clusterArn ?? "";
    const ec2InstanceId = document.instanceId ?? `i-${ctx.ids.hex32().slice(0, 17)}`;
    const existing = (await tx.list("containerInstance", { scope: ctx.scope, parent: clusterArn, name: ec2InstanceId })).find((r) => r.containerInstance.status !== "INACTIVE");
    const arn = input.containerInstanceArn ?? existing?.containerInstance.containerInstanceArn ?? arns.containerInstance(ctx, cluster.cluster.clusterName ?? "", ctx.ids.hex32());
    const containerInstance: Wire<ContainerInstance> = {
      containerInstanceArn: arn,
      ec2InstanceId,
      version: (existing?.containerInstance.version ?? 0) + 1,
      versionInfo: input.versionInfo ?? { agentVersion: LATEST_AGENT_VERSION, agentHash: "ecslite", dockerVersion: "DockerVersion: 25.0.3" },
      remainingResources: registeredResources(input.totalResources),
      registeredResources: registeredResources(input.totalResources),
      status: "ACTIVE",
      agentConnected: true,
      runningTasksCount: 0,
      pendingTasksCount: 0,
      // The agent's attributes, unless the registration names its own (an arm64 instance says so).
      attributes: [
        ...[
          { name: "ecs.os-type", value: "linux" },
          { name: "ecs.cpu-architecture", value: "x86_64" },
          ...(document.availabilityZone ? [{ name: "ecs.availability-zone", value: document.availabilityZone }] : []),
          ...(document.instanceType ? [{ name: "ecs.instance-type", value: document.instanceType }] : []),
        ].filter((a) => !(input.attributes ?? []).some((given) => given.name === a.name)),
        ...(input.attributes ?? []),
      ],
      registeredAt: epochSeconds(ctx.clock.now()),
      attachments: [],
      tags: input.tags ?? [],
    };
    await tx.put("containerInstance", { containerInstance });
    // New capacity: services waiting for room can place their tasks now.
    await wakeCluster(tx, ctx, clusterArn);
    return { containerInstance: (await withUsage(tx, ctx, [{ containerInstance }], clusterArn))[0] };
  });
  ctx.wakeScheduler();
  return result;
};

const describeContainerInstances: Handler<DescribeContainerInstancesRequest, DescribeContainerInstancesResponse> = async (input, ctx) => {
  const requested = input.containerInstances ?? [];
  return ctx.store.transaction(async (tx) => {
    // The cluster first, then ECS's words for an empty list.
    const cluster = await activeCluster(tx, ctx, input.cluster);
    if (requested.length === 0) throw new InvalidParameterException("Container Instances cannot be empty.");
    const found: ContainerInstanceRecord[] = [];
    const failures: Failure[] = [];
    for (const instance of requested) {
      const arn = instanceArnOf(ctx, cluster, instance);
      const record = inScope(arn, ctx) ? await tx.get("containerInstance", arn) : undefined;
      if (!record) failures.push({ arn, reason: "MISSING" });
      else found.push(record);
    }
    const includeTags = input.include?.includes("TAGS") ?? false;
    // An undefined member is not serialised (and a spread is far cheaper than rest-destructuring).
    const containerInstances = (await withUsage(tx, ctx, found, cluster.cluster.clusterArn ?? "")).map((i): Wire<ContainerInstance> => ({ ...i, tags: includeTags ? i.tags ?? [] : undefined }));
    return { containerInstances, failures };
  });
};

const listContainerInstances: Handler<ListContainerInstancesRequest, ListContainerInstancesResponse> = async (input, ctx) => {
  if (input.filter) throw new InvalidParameterException("ecslite does not evaluate cluster query language filters; filter by status instead.");
  return ctx.store.transaction(async (tx) => {
    const cluster = await activeCluster(tx, ctx, input.cluster);
    const page = await listPage(
      input,
      (afterArn, limit) => tx.list("containerInstance", { scope: ctx.scope, parent: cluster.cluster.clusterArn ?? "", afterArn, limit }),
      (r) => r.containerInstance.containerInstanceArn ?? "",
      (r) => (input.status ? r.containerInstance.status === input.status : r.containerInstance.status !== "INACTIVE"),
    );
    return { containerInstanceArns: page.items.map((r) => r.containerInstance.containerInstanceArn ?? ""), ...(page.nextToken ? { nextToken: page.nextToken } : {}) };
  });
};

/**
 * Every task set and service of the cluster is reconciled again (instance capacity changed). Task
 * sets are observed again at once: tasks on a DRAINING instance take a STEADY_STATE away.
 */
async function wakeCluster(tx: Tx, ctx: RequestContext, clusterArn: string): Promise<void> {
  const now = ctx.clock.now();
  for (const service of await tx.list("service", { scope: ctx.scope, parent: clusterArn })) {
    if (service.service.status === "INACTIVE") continue;
    await tx.put("service", { ...service, reconcileAt: now });
    for (const taskSet of await tx.list("taskSet", { scope: ctx.scope, parent: service.service.serviceArn ?? "" })) {
      await reobserveTaskSet(tx, { ...taskSet, reconcileAt: now }, now);
    }
  }
}

const updateContainerInstancesState: Handler<UpdateContainerInstancesStateRequest, UpdateContainerInstancesStateResponse> = async (input, ctx) => {
  if (input.status !== "ACTIVE" && input.status !== "DRAINING") throw new InvalidParameterException("Container instance status can be set to ACTIVE or DRAINING only.");
  const result = await ctx.store.transaction(async (tx) => {
    const cluster = await activeCluster(tx, ctx, input.cluster);
    const updated: ContainerInstanceRecord[] = [];
    const failures: Failure[] = [];
    for (const instance of input.containerInstances ?? []) {
      const arn = instanceArnOf(ctx, cluster, instance);
      const record = inScope(arn, ctx) ? await tx.get("containerInstance", arn) : undefined;
      if (!record || record.containerInstance.status === "INACTIVE") {
        failures.push({ arn, reason: "MISSING" });
        continue;
      }
      const next = { ...record, containerInstance: { ...record.containerInstance, status: input.status, version: (record.containerInstance.version ?? 0) + 1 } };
      await tx.put("containerInstance", next);
      updated.push(next);
    }
    await wakeCluster(tx, ctx, cluster.cluster.clusterArn ?? "");
    return { containerInstances: await withUsage(tx, ctx, updated, cluster.cluster.clusterArn ?? ""), failures };
  });
  ctx.wakeScheduler();
  return result;
};

const deregisterContainerInstance: Handler<DeregisterContainerInstanceRequest, DeregisterContainerInstanceResponse> = async (input, ctx) => {
  const result = await ctx.store.transaction(async (tx) => {
    const cluster = await activeCluster(tx, ctx, input.cluster);
    const clusterArn = cluster.cluster.clusterArn ?? "";
    const arn = instanceArnOf(ctx, cluster, input.containerInstance ?? "");
    const record = inScope(arn, ctx) ? await tx.get("containerInstance", arn) : undefined;
    if (!record || record.containerInstance.status === "INACTIVE") throw new InvalidParameterException("The referenced container instance was not found.");
    const tasksOnIt = (await tx.list("task", { scope: ctx.scope, parent: clusterArn })).filter((t) => t.task.containerInstanceArn === arn && t.task.lastStatus !== "STOPPED");
    if (tasksOnIt.length && !input.force) {
      throw new InvalidParameterException("Found running tasks on the instance. Stop them first, or deregister with force.");
    }
    for (const task of tasksOnIt) {
      await tx.put("task", requestStop(task, ctx.clock.now(), "TerminationNotice", "Container instance deregistered", ctx.config.stepMs));
    }
    // A deregistered instance's agent is gone: an update it had in progress is over.
    const [containerInstance] = await withUsage(tx, ctx, [{ containerInstance: record.containerInstance }], clusterArn);
    const inactive: Wire<ContainerInstance> = { ...containerInstance, status: "INACTIVE", agentConnected: false };
    await tx.put("containerInstance", { containerInstance: inactive });
    await wakeCluster(tx, ctx, clusterArn);
    return { containerInstance: inactive };
  });
  ctx.wakeScheduler();
  return result;
};

export const containerInstanceHandlers = {
  RegisterContainerInstance: registerContainerInstance,
  DescribeContainerInstances: describeContainerInstances,
  ListContainerInstances: listContainerInstances,
  UpdateContainerInstancesState: updateContainerInstancesState,
  DeregisterContainerInstance: deregisterContainerInstance,
};
