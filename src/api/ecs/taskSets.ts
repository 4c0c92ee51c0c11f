// Task sets, for services with the EXTERNAL deployment controller: CreateTaskSet, UpdateTaskSet,
// DescribeTaskSets, UpdateServicePrimaryTaskSet, DeleteTaskSet.
import type {
  CreateTaskSetRequest,
  CreateTaskSetResponse,
  DeleteTaskSetRequest,
  DeleteTaskSetResponse,
  DescribeTaskSetsRequest,
  DescribeTaskSetsResponse,
  Failure,
  TaskSet,
  UpdateServicePrimaryTaskSetRequest,
  UpdateServicePrimaryTaskSetResponse,
  UpdateTaskSetRequest,
  UpdateTaskSetResponse,
} from "@aws-sdk/client-ecs";
import { arns } from "../../domain/arn";
import type { ClusterRecord, ServiceRecord, TaskSetRecord } from "../../domain/records";
import { computeDesiredCount, scaleProblem } from "../../domain/scale";
import { nextStability, stabilityForDesiredCount } from "../../domain/observedState";
import { tagProblem } from "../../domain/tags";
import { InvalidParameterException } from "../../protocol/errors";
import { epochSeconds, type Wire } from "../../protocol/wire";
import type { Tx } from "../../store/store";
import type { Handler, RequestContext } from "../context";
import { checkLoadBalancers } from "../../coupling/ecsLoadBalancing";
import { launchSettings } from "./launch";
import { activeCluster, activeService, existingTaskSet, taskSetArnOf } from "./resolve";
import { taskSetsOf } from "./services";
import { usableTaskDefinition } from "./taskDefinitions";

/** ECS allows this many task sets (deployments) on one service. */
export const MAX_TASK_SETS_PER_SERVICE = 5;

async function externalService(tx: Tx, ctx: RequestContext, input: { cluster?: string; service?: string }): Promise<{ cluster: ClusterRecord; service: ServiceRecord }> {
  const cluster = await activeCluster(tx, ctx, input.cluster);
  const service = await activeService(tx, ctx, cluster, input.service ?? "");
  if (service.service.deploymentController?.type !== "EXTERNAL") {
    throw new InvalidParameterException("Amazon ECS only supports task set management on services configured to use external deployment controllers.");
  }
  return { cluster, service };
}

/** An undefined member is not serialised (and a spread is far cheaper than rest-destructuring). */
function withoutTags(taskSet: Wire<TaskSet>): Wire<TaskSet> {
  return { ...taskSet, tags: undefined };
}

/** CreateTaskSet echoes the tags it was given; with none, the response has none (the AWS CLI reference example). */
function createdTaskSet(taskSet: Wire<TaskSet>): Wire<TaskSet> {
  return taskSet.tags?.length ? taskSet : withoutTags(taskSet);
}

const createTaskSet: Handler<CreateTaskSetRequest, CreateTaskSetResponse> = async (input, ctx) => {
  const scale = { value: input.scale?.value ?? 0, unit: input.scale?.unit ?? "PERCENT" };
  const problem = scaleProblem(scale) ?? tagProblem(input.tags ?? []);
  if (problem) throw new InvalidParameterException(problem);
  const result = await ctx.store.transaction(async (tx) => {
    const { cluster, service } = await externalService(tx, ctx, input);
    const existing = await taskSetsOf(tx, service.service);
    if (input.clientToken !== undefined) {
      const same = existing.find((t) => t.clientToken === input.clientToken);
      if (same) return { taskSet: createdTaskSet(same.taskSet) };
    }
    if (existing.length >= MAX_TASK_SETS_PER_SERVICE) {
      throw new InvalidParameterException(`${existing.length} deployments exist on the service. Unable to create new TaskSet since this exceeds the maximum limit.`);
    }
    const taskDefinition = await usableTaskDefinition(tx, ctx, input.taskDefinition ?? "");
    const launch = launchSettings(input, taskDefinition.taskDefinition, cluster.cluster, 1);
    await checkLoadBalancers(tx, ctx, launch.loadBalancers, taskDefinition.taskDefinition);
    const id = `ecs-svc/${ctx.ids.digits19()}`;
    const now = epochSeconds(ctx.clock.now());
    const taskSet: Wire<TaskSet> = {
      id,
      taskSetArn: arns.taskSet(ctx, cluster.cluster.clusterName ?? "", service.service.serviceName ?? "", id),
      serviceArn: service.service.serviceArn,
      clusterArn: cluster.cluster.clusterArn,
      ...(input.externalId !== undefined ? { externalId: input.externalId } : {}),
      status: "ACTIVE",
      taskDefinition: taskDefinition.taskDefinition.taskDefinitionArn,
      computedDesiredCount: computeDesiredCount(service.service.desiredCount ?? 0, scale.value),
      pendingCount: 0,
      runningCount: 0,
      createdAt: now,
      updatedAt: now,
      ...launch,
      scale,
      stabilityStatus: "STABILIZING",
      stabilityStatusAt: now,
      tags: input.tags ?? [],
    };
    const record: TaskSetRecord = { taskSet, ...(input.clientToken !== undefined ? { clientToken: input.clientToken } : {}), reconcileAt: ctx.clock.now() };
    await tx.put("taskSet", record);
    return { taskSet: createdTaskSet(taskSet) };
  });
  ctx.wakeScheduler();
  return result;
};

const updateTaskSet: Handler<UpdateTaskSetRequest, UpdateTaskSetResponse> = async (input, ctx) => {
  const scale = { value: input.scale?.value, unit: input.scale?.unit ?? "PERCENT" };
  if (scale.value === undefined) throw new InvalidParameterException("1 validation error detected: Value null at 'scale.value' failed to satisfy constraint: Member must not be null");
  const problem = scaleProblem(scale);
  if (problem) throw new InvalidParameterException(problem);
  const result = await ctx.store.transaction(async (tx) => {
    const { service } = await externalService(tx, ctx, input);
    const record = await existingTaskSet(tx, ctx, service, input.taskSet ?? "");
    if (record.taskSet.status === "DRAINING") throw new InvalidParameterException("The task set is DRAINING and cannot be scaled.");
    const now = epochSeconds(ctx.clock.now());
    const computedDesiredCount = computeDesiredCount(service.service.desiredCount ?? 0, scale.value ?? 0);
    const taskSet: Wire<TaskSet> = { ...record.taskSet, scale: { value: scale.value, unit: scale.unit }, computedDesiredCount, updatedAt: now };
    // Known at once: a set whose running count no longer matches is not steady. The scheduler decides the rest.
    Object.assign(taskSet, nextStability(taskSet, stabilityForDesiredCount(taskSet, computedDesiredCount), now));
    await tx.put("taskSet", { ...record, taskSet, reconcileAt: ctx.clock.now() });
    return { taskSet: withoutTags(taskSet) };
  });
  ctx.wakeScheduler();
  return result;
};

const describeTaskSets: Handler<DescribeTaskSetsRequest, DescribeTaskSetsResponse> = async (input, ctx) => {
  // The model says optional, ECS says otherwise (aws-cli issue 5380): list task sets with DescribeServices.
  const wanted = input.taskSets ?? [];
  if (wanted.length === 0) throw new InvalidParameterException("TaskSets cannot be empty.");
  return ctx.store.transaction(async (tx) => {
    const { cluster, service } = await externalService(tx, ctx, input);
    const includeTags = input.include?.includes("TAGS") ?? false;
    const show = (t: Wire<TaskSet>) => (includeTags ? { ...t, tags: t.tags ?? [] } : withoutTags(t));
    const taskSets: Wire<TaskSet>[] = [];
    const failures: Failure[] = [];
    for (const requested of wanted) {
      const arn = taskSetArnOf(ctx, cluster.cluster.clusterName ?? "", service.service.serviceName ?? "", requested);
      const record = await tx.get("taskSet", arn);
      if (!record || record.taskSet.serviceArn !== service.service.serviceArn) failures.push({ arn, reason: "MISSING" });
      else taskSets.push(show(record.taskSet));
    }
    return { taskSets, failures };
  });
};

const updateServicePrimaryTaskSet: Handler<UpdateServicePrimaryTaskSetRequest, UpdateServicePrimaryTaskSetResponse> = async (input, ctx) => {
  const result = await ctx.store.transaction(async (tx) => {
    const { service } = await externalService(tx, ctx, input);
    const target = await existingTaskSet(tx, ctx, service, input.primaryTaskSet ?? "");
    if (target.taskSet.status === "DRAINING") throw new InvalidParameterException("A DRAINING task set cannot become the primary task set.");
    const now = epochSeconds(ctx.clock.now());
    for (const other of await taskSetsOf(tx, service.service)) {
      if (other.taskSet.status === "PRIMARY" && other.taskSet.taskSetArn !== target.taskSet.taskSetArn) {
        await tx.put("taskSet", { ...other, taskSet: { ...other.taskSet, status: "ACTIVE", updatedAt: now } });
      }
    }
    const taskSet: Wire<TaskSet> = { ...target.taskSet, status: "PRIMARY", updatedAt: now };
    await tx.put("taskSet", { ...target, taskSet });
    return { taskSet: withoutTags(taskSet) };
  });
  return result;
};

const deleteTaskSet: Handler<DeleteTaskSetRequest, DeleteTaskSetResponse> = async (input, ctx) => {
  const result = await ctx.store.transaction(async (tx) => {
    const { service } = await externalService(tx, ctx, input);
    const record = await existingTaskSet(tx, ctx, service, input.taskSet ?? "");
    // What `force` is for (docs/task-sets.md): the primary goes only with it. Other sets go without
    // it whatever their scale: PipeCD deletes the previous primary at 100% that way, and Terraform's
    // acceptance test destroys a set at 100% without force_delete.
    if (record.taskSet.status === "PRIMARY" && !input.force) throw new InvalidParameterException("Primary TaskSet cannot be deleted");
    if (record.taskSet.status === "DRAINING") return { taskSet: withoutTags(record.taskSet) };
    const now = epochSeconds(ctx.clock.now());
    // A deleted set starts DRAINING as STABILIZING: the AWS CLI reference shows it so even with no tasks.
    const taskSet: Wire<TaskSet> = { ...record.taskSet, status: "DRAINING", computedDesiredCount: 0, updatedAt: now, ...nextStability(record.taskSet, "STABILIZING", now) };
    await tx.put("taskSet", { ...record, taskSet, reconcileAt: ctx.clock.now() });
    return { taskSet: withoutTags(taskSet) };
  });
  ctx.wakeScheduler();
  return result;
};

export const taskSetHandlers = {
  CreateTaskSet: createTaskSet,
  UpdateTaskSet: updateTaskSet,
  DescribeTaskSets: describeTaskSets,
  UpdateServicePrimaryTaskSet: updateServicePrimaryTaskSet,
  DeleteTaskSet: deleteTaskSet,
};
