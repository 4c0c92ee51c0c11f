// Tasks: RunTask, StartTask, StopTask, ListTasks, DescribeTasks.
import type {
  GetTaskProtectionRequest,
  GetTaskProtectionResponse,
  ProtectedTask,
  UpdateTaskProtectionRequest,
  UpdateTaskProtectionResponse,
  DescribeTasksRequest,
  DescribeTasksResponse,
  Failure,
  ListTasksRequest,
  ListTasksResponse,
  RunTaskRequest,
  RunTaskResponse,
  StartTaskRequest,
  StartTaskResponse,
  StopTaskRequest,
  StopTaskResponse,
  Tag,
  Task,
  TaskDefinition,
} from "@aws-sdk/client-ecs";
import { arns, isArn, nameOf, parseArn } from "../../domain/arn";
import type { ClusterRecord, TaskDefinitionRecord, TaskRecord } from "../../domain/records";
import { tagProblem } from "../../domain/tags";
import { parseTaskDefinitionReference } from "../../domain/taskDefinition";
import { InvalidParameterException } from "../../protocol/errors";
import { epochSeconds, type Wire } from "../../protocol/wire";
import { type GroupTemplate, type ReconcileEnv, startTasks, TaskBook } from "../../scheduler/group";
import { newTask, requestStop, taskOverrides } from "../../scheduler/lifecycle";
import { reobserveTaskSet } from "../../scheduler/observe";
import { portsInUse } from "../../domain/instances";
import { assignHostPorts, markInUse, requestedBindings } from "../../domain/ports";
import { retiredTasksParent } from "../../domain/rowKeys";
import type { Tx } from "../../store/store";
import type { Handler, RequestContext } from "../context";
import { launchSettings } from "./launch";
import { listPage } from "./paging";
import { activeCluster, inScope } from "./resolve";
import { usableTaskDefinition } from "./taskDefinitions";

const MAX_TASKS_PER_CALL = 10;

function envOf(ctx: RequestContext): ReconcileEnv {
  return { now: ctx.clock.now(), config: ctx.config, ids: ctx.ids, stats: { transitions: 0 } };
}

function checkTags(tags: readonly Tag[] | undefined): void {
  const problem = tagProblem(tags ?? []);
  if (problem) throw new InvalidParameterException(problem);
}

/** Tags of a new standalone task: its own, plus the task definition's when propagateTags says so. */
function standaloneTags(input: { tags?: Tag[]; propagateTags?: string }, def: TaskDefinitionRecord): Tag[] {
  const own = input.tags ?? [];
  if (input.propagateTags !== "TASK_DEFINITION") return own;
  const keys = new Set(own.map((t) => t.key));
  return [...own, ...def.tags.filter((t) => !keys.has(t.key))];
}

function groupOf(input: { group?: string }, def: TaskDefinitionRecord): string {
  return input.group ?? `family:${def.taskDefinition.family}`;
}

export function taskArnOf(ctx: RequestContext, cluster: ClusterRecord, task: string): string {
  return isArn(task) ? task : arns.task(ctx, cluster.cluster.clusterName ?? "", task);
}

const runTask: Handler<RunTaskRequest, RunTaskResponse> = async (input, ctx) => {
  const count = input.count ?? 1;
  if (!Number.isInteger(count) || count < 1 || count > MAX_TASKS_PER_CALL) throw new InvalidParameterException(`count must be an integer between 1 and ${MAX_TASKS_PER_CALL}.`);
  checkTags(input.tags);
  if (input.startedBy !== undefined && input.startedBy.length > 128) throw new InvalidParameterException("startedBy can be at most 128 characters long.");
  const result = await ctx.store.transaction(async (tx) => {
    const cluster = await activeCluster(tx, ctx, input.cluster);
    const def = await usableTaskDefinition(tx, ctx, input.taskDefinition ?? "");
    const launch = launchSettings(input, def.taskDefinition, cluster.cluster, 0);
    const env = envOf(ctx);
    const book = new TaskBook([]);
    const template: GroupTemplate = {
      scope: ctx,
      cluster,
      owner: "",
      startedBy: input.startedBy ?? "",
      group: groupOf(input, def),
      taskDefinition: def.taskDefinition,
      launch,
      tags: standaloneTags(input, def),
      placementStrategy: input.placementStrategy?.[0]?.type,
    };
    const { started, unplaced, shortfall } = await startTasks(tx, book, template, count, env);
    // ECS's words when the cluster has no instance at all (amazon-ecs-cli issue 1122, boto3 issue 2862).
    if (shortfall?.kind === "NO_INSTANCES") throw new InvalidParameterException("No Container Instances were found in your cluster.");
    const withOverrides = started.map((r) => withInput(r, input, def.taskDefinition));
    for (const r of withOverrides) await tx.put("task", r);
    const reason = `RESOURCE:${shortfall?.kind ?? "MEMORY"}`;
    const failures: Failure[] = Array.from({ length: unplaced }, () => ({ reason, ...(shortfall ? { arn: shortfall.instanceArn } : {}) }));
    return { tasks: withOverrides.map((r) => r.task), failures };
  });
  ctx.wakeScheduler();
  return result;
};

function withInput(record: TaskRecord, input: { overrides?: Wire<Task>["overrides"]; enableExecuteCommand?: boolean }, def: Wire<TaskDefinition>): TaskRecord {
  return {
    ...record,
    task: {
      ...record.task,
      ...(input.overrides ? { overrides: taskOverrides(def, input.overrides) } : {}),
      ...(input.enableExecuteCommand !== undefined ? { enableExecuteCommand: input.enableExecuteCommand } : {}),
    },
  };
}

const startTask: Handler<StartTaskRequest, StartTaskResponse> = async (input, ctx) => {
  const instances = input.containerInstances ?? [];
  if (instances.length === 0) throw new InvalidParameterException(`containerInstances must name between 1 and ${MAX_TASKS_PER_CALL} container instances.`);
  checkTags(input.tags);
  const result = await ctx.store.transaction(async (tx) => {
    const cluster = await activeCluster(tx, ctx, input.cluster);
    const def = await usableTaskDefinition(tx, ctx, input.taskDefinition ?? "");
    const launch = launchSettings({ launchType: "EC2", networkConfiguration: input.networkConfiguration }, def.taskDefinition, cluster.cluster, 0);
    const tasks: Wire<Task>[] = [];
    const failures: Failure[] = [];
    const clusterArn = cluster.cluster.clusterArn ?? "";
    const requested = requestedBindings(def.taskDefinition);
    const instanceRecords = await tx.list("containerInstance", { scope: ctx.scope, parent: clusterArn });
    const ports = requested.length ? portsInUse(instanceRecords.map((r) => r.containerInstance), await tx.list("task", { scope: ctx.scope, parent: clusterArn })) : undefined;
    for (const [i, instance] of instances.entries()) {
      const arn = isArn(instance) ? instance : arns.containerInstance(ctx, cluster.cluster.clusterName ?? "", instance);
      const found = inScope(arn, ctx) ? await tx.get("containerInstance", arn) : undefined;
      if (!found || found.containerInstance.status !== "ACTIVE") {
        failures.push({ arn, reason: "MISSING" });
        continue;
      }
      const used = ports?.get(arn) ?? { tcp: new Set<number>(), udp: new Set<number>() };
      const hostPorts = assignHostPorts(requested, used);
      if (!hostPorts) {
        failures.push({ arn, reason: "RESOURCE:PORTS" });
        continue;
      }
      markInUse(used, hostPorts);
      const cpuArchitecture = (found.containerInstance.attributes ?? []).find((a) => a.name === "ecs.cpu-architecture")?.value;
      const record = withInput(
        newTask({
          scope: ctx,
          clusterArn,
          clusterName: cluster.cluster.clusterName ?? "",
          taskDefinition: def.taskDefinition,
          launch,
          containerInstanceArn: arn,
          owner: "",
          ...(input.startedBy ? { startedBy: input.startedBy } : {}),
          group: groupOf(input, def),
          tags: standaloneTags(input, def),
          ordinal: i,
          id: ctx.ids.taskId(),
          now: ctx.clock.now(),
          placed: true,
          stepMs: ctx.config.stepMs,
          hostPorts,
          ...(cpuArchitecture ? { cpuArchitecture } : {}),
        }),
        input,
        def.taskDefinition,
      );
      await tx.put("task", record);
      tasks.push(record.task);
    }
    return { tasks, failures };
  });
  ctx.wakeScheduler();
  return result;
};

/**
 * Marks the task set or service that owns a task for a reconcile now. A task set is observed again at
 * once: a task asked to stop takes its STEADY_STATE away before the scheduler gets to it.
 */
async function wakeOwner(tx: Tx, owner: string, now: number): Promise<void> {
  const type = parseArn(owner)?.resourceType;
  if (type === "task-set") {
    const record = await tx.get("taskSet", owner);
    if (record) await reobserveTaskSet(tx, { ...record, reconcileAt: now }, now);
  } else if (type === "service") {
    const record = await tx.get("service", owner);
    if (record) await tx.put("service", { ...record, reconcileAt: now });
  }
}

const stopTask: Handler<StopTaskRequest, StopTaskResponse> = async (input, ctx) => {
  if (input.reason !== undefined && input.reason.length > 255) throw new InvalidParameterException("reason can be at most 255 characters long.");
  const result = await ctx.store.transaction(async (tx) => {
    const cluster = await activeCluster(tx, ctx, input.cluster);
    const arn = taskArnOf(ctx, cluster, input.task ?? "");
    const record = inScope(arn, ctx) ? await tx.get("task", arn) : undefined;
    if (!record || record.task.clusterArn !== cluster.cluster.clusterArn) throw new InvalidParameterException("The referenced task was not found.");
    const stopped = requestStop(record, ctx.clock.now(), "UserInitiated", input.reason ?? "Task stopped by the user", ctx.config.stepMs);
    await tx.put("task", stopped);
    if (record.owner) await wakeOwner(tx, record.owner, ctx.clock.now());
    return { task: stopped.task };
  });
  ctx.wakeScheduler();
  return result;
};

/** Where a listing of tasks must look: live tasks under the cluster, and retired ones too when STOPPED tasks are asked for. */
function taskParents(clusterArn: string, desiredStatus: string): string[] {
  return desiredStatus === "STOPPED" ? [clusterArn, retiredTasksParent(clusterArn)] : [clusterArn];
}

async function tasksForService(tx: Tx, ctx: RequestContext, cluster: ClusterRecord, serviceName: string, parents: readonly string[]): Promise<TaskRecord[]> {
  const serviceArn = arns.service(ctx, cluster.cluster.clusterName ?? "", nameOf(serviceName));
  const service = await tx.get("service", serviceArn);
  if (!service) throw new InvalidParameterException("The service specified in the serviceName parameter does not exist.");
  const owners = [serviceArn, ...(await tx.list("taskSet", { scope: ctx.scope, parent: serviceArn })).map((t) => t.taskSet.taskSetArn ?? "")];
  const tasks: TaskRecord[] = [];
  for (const parent of parents) for (const owner of owners) tasks.push(...(await tx.list("task", { scope: ctx.scope, parent, name: owner })));
  return tasks.sort(byTaskArn);
}

const byTaskArn = (a: TaskRecord, b: TaskRecord) => ((a.task.taskArn ?? "") < (b.task.taskArn ?? "") ? -1 : 1);

const listTasks: Handler<ListTasksRequest, ListTasksResponse> = async (input, ctx) =>
  ctx.store.transaction(async (tx) => {
    const cluster = await activeCluster(tx, ctx, input.cluster);
    const clusterArn = cluster.cluster.clusterArn ?? "";
    const desiredStatus = input.desiredStatus ?? "RUNNING";
    const instanceArn = input.containerInstance ? (isArn(input.containerInstance) ? input.containerInstance : arns.containerInstance(ctx, cluster.cluster.clusterName ?? "", input.containerInstance)) : undefined;
    const family = input.family ? parseTaskDefinitionReference(input.family)?.family ?? input.family : undefined;
    const keep = (r: TaskRecord) =>
      r.task.desiredStatus === desiredStatus &&
      (!instanceArn || r.task.containerInstanceArn === instanceArn) &&
      (!family || (r.task.taskDefinitionArn ?? "").includes(`:task-definition/${family}:`)) &&
      (!input.startedBy || r.task.startedBy === input.startedBy) &&
      (!input.launchType || r.task.launchType === input.launchType);
    const parents = taskParents(clusterArn, desiredStatus);
    const serviceTasks = input.serviceName ? await tasksForService(tx, ctx, cluster, input.serviceName, parents) : undefined;
    const page = await listPage(
      input,
      async (afterArn, limit) => {
        if (serviceTasks) return serviceTasks.filter((t) => afterArn === undefined || (t.task.taskArn ?? "") > afterArn).slice(0, limit);
        // Each parent's rows come in ARN order; merged, the first `limit` of them are the page.
        const rows: TaskRecord[] = [];
        for (const parent of parents) rows.push(...(await tx.list("task", { scope: ctx.scope, parent, afterArn, limit })));
        return parents.length > 1 ? rows.sort(byTaskArn).slice(0, limit) : rows;
      },
      (r) => r.task.taskArn ?? "",
      keep,
    );
    return { taskArns: page.items.map((r) => r.task.taskArn ?? ""), ...(page.nextToken ? { nextToken: page.nextToken } : {}) };
  });

const describeTasks: Handler<DescribeTasksRequest, DescribeTasksResponse> = async (input, ctx) => {
  const requested = input.tasks ?? [];
  return ctx.store.transaction(async (tx) => {
    // The cluster first: an empty list on a missing cluster is ClusterNotFoundException, as in ECS.
    const cluster = await activeCluster(tx, ctx, input.cluster);
    if (requested.length === 0) throw new InvalidParameterException("Tasks cannot be empty.");
    const includeTags = input.include?.includes("TAGS") ?? false;
    const tasks: Wire<Task>[] = [];
    const failures: Failure[] = [];
    for (const task of requested) {
      const arn = taskArnOf(ctx, cluster, task);
      const record = inScope(arn, ctx) ? await tx.get("task", arn) : undefined;
      if (!record || record.task.clusterArn !== cluster.cluster.clusterArn) {
        failures.push({ arn, reason: "MISSING" });
        continue;
      }
      // Without include TAGS, ECS answers an empty list rather than none (the AWS CLI's describe-tasks examples).
      tasks.push({ ...record.task, tags: includeTags ? record.task.tags ?? [] : [] });
    }
    return { tasks, failures };
  });
};

/** ECS allows protection for at most 48 hours (2880 minutes); 2 hours when no expiry is given. */
const MAX_PROTECTION_MINUTES = 2880;
const DEFAULT_PROTECTION_MINUTES = 120;

function protectionOf(record: TaskRecord, now: number): Wire<ProtectedTask> {
  const enabled = (record.protectedUntil ?? 0) > now;
  return { taskArn: record.task.taskArn, protectionEnabled: enabled, ...(enabled ? { expirationDate: epochSeconds(record.protectedUntil ?? 0) } : {}) };
}

async function protectionTargets(tx: Tx, ctx: RequestContext, cluster: ClusterRecord, tasks: readonly string[]): Promise<{ found: TaskRecord[]; failures: Failure[] }> {
  const found: TaskRecord[] = [];
  const failures: Failure[] = [];
  for (const task of tasks) {
    const arn = taskArnOf(ctx, cluster, task);
    const record = inScope(arn, ctx) ? await tx.get("task", arn) : undefined;
    if (!record || record.task.clusterArn !== cluster.cluster.clusterArn) failures.push({ arn, reason: "TASK_NOT_VALID", detail: "The task was not found." });
    else if (!record.owner) failures.push({ arn, reason: "TASK_NOT_VALID", detail: "Task protection applies only to tasks of a service." });
    else found.push(record);
  }
  return { found, failures };
}

const updateTaskProtection: Handler<UpdateTaskProtectionRequest, UpdateTaskProtectionResponse> = async (input, ctx) => {
  const tasks = input.tasks ?? [];
  if (tasks.length === 0) throw new InvalidParameterException("tasks must contain between 1 and 10 tasks.");
  const minutes = input.expiresInMinutes ?? DEFAULT_PROTECTION_MINUTES;
  if (!Number.isInteger(minutes) || minutes < 1 || minutes > MAX_PROTECTION_MINUTES) throw new InvalidParameterException(`expiresInMinutes must be an integer between 1 and ${MAX_PROTECTION_MINUTES}.`);
  return ctx.store.transaction(async (tx) => {
    const cluster = await activeCluster(tx, ctx, input.cluster);
    const { found, failures } = await protectionTargets(tx, ctx, cluster, tasks);
    const now = ctx.clock.now();
    const protectedTasks: Wire<ProtectedTask>[] = [];
    for (const record of found) {
      const next: TaskRecord = input.protectionEnabled ? { ...record, protectedUntil: now + minutes * 60_000 } : { ...record, protectedUntil: undefined };
      await tx.put("task", next);
      // The owner may have surplus it held back for this task.
      if (!input.protectionEnabled) await wakeOwner(tx, record.owner, now);
      protectedTasks.push(protectionOf(next, now));
    }
    return { protectedTasks, failures };
  });
};

const getTaskProtection: Handler<GetTaskProtectionRequest, GetTaskProtectionResponse> = async (input, ctx) =>
  ctx.store.transaction(async (tx) => {
    const cluster = await activeCluster(tx, ctx, input.cluster);
    const { found, failures } = await protectionTargets(tx, ctx, cluster, input.tasks ?? []);
    return { protectedTasks: found.map((r) => protectionOf(r, ctx.clock.now())), failures };
  });

export const taskHandlers = {
  UpdateTaskProtection: updateTaskProtection,
  GetTaskProtection: getTaskProtection,
  RunTask: runTask,
  StartTask: startTask,
  StopTask: stopTask,
  ListTasks: listTasks,
  DescribeTasks: describeTasks,
};
