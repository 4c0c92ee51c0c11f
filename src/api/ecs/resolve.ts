// Turning the names or ARNs a client sends into stored records, with ECS's not-found errors.
import { arns, isArn, nameOf, parseArn } from "../../domain/arn";
import type { ClusterRecord, ServiceRecord, TaskSetRecord } from "../../domain/records";
import { ClusterNotFoundException, InvalidParameterException, ServiceNotActiveException, ServiceNotFoundException, TaskSetNotFoundException } from "../../protocol/errors";
import type { Tx } from "../../store/store";
import type { RequestContext } from "../context";

export const DEFAULT_CLUSTER = "default";

/** The ARN a cluster name or ARN stands for in the caller's account and region. */
export function clusterArnOf(ctx: RequestContext, cluster: string | undefined): string {
  const value = cluster ?? DEFAULT_CLUSTER;
  if (isArn(value)) return value;
  return arns.cluster(ctx, value);
}

export async function activeCluster(tx: Tx, ctx: RequestContext, cluster: string | undefined): Promise<ClusterRecord> {
  const value = cluster ?? DEFAULT_CLUSTER;
  // A name stands for an ARN in the caller's scope; only an ARN the client sent needs checking.
  const byArn = isArn(value);
  const record = await tx.get("cluster", byArn ? value : arns.cluster(ctx, value));
  if (!record || record.cluster.status !== "ACTIVE" || (byArn && !inScope(record.cluster.clusterArn, ctx))) {
    throw new ClusterNotFoundException("Cluster not found.");
  }
  return record;
}

export function inScope(arn: string | undefined, ctx: RequestContext): boolean {
  const parsed = arn ? parseArn(arn) : undefined;
  return !!parsed && parsed.account === ctx.account && parsed.region === ctx.region;
}

export function serviceArnOf(ctx: RequestContext, clusterName: string, service: string): string {
  if (isArn(service)) return service;
  return arns.service(ctx, clusterName, service);
}

/** A service of the cluster in any status; ServiceNotFoundException when there is none. */
export async function existingService(tx: Tx, ctx: RequestContext, cluster: ClusterRecord, service: string): Promise<ServiceRecord> {
  const clusterName = cluster.cluster.clusterName ?? "";
  const arn = serviceArnOf(ctx, clusterName, service);
  const record = await tx.get("service", arn);
  if (!record || record.service.clusterArn !== cluster.cluster.clusterArn) throw new ServiceNotFoundException("Service not found.");
  return record;
}

/** An ACTIVE service; ServiceNotActiveException when it is draining or inactive. */
export async function activeService(tx: Tx, ctx: RequestContext, cluster: ClusterRecord, service: string): Promise<ServiceRecord> {
  const record = await existingService(tx, ctx, cluster, service);
  if (record.service.status !== "ACTIVE") throw new ServiceNotActiveException("Service was not ACTIVE.");
  return record;
}

const TASK_SET_ID = /^ecs-svc\/\d+$/;

/** The ARN a task set id or ARN stands for; InvalidParameterException when it is neither. */
export function taskSetArnOf(ctx: RequestContext, clusterName: string, serviceName: string, taskSet: string): string {
  if (isArn(taskSet)) {
    const parsed = parseArn(taskSet);
    if (!parsed || parsed.resourceType !== "task-set") throw new InvalidParameterException("Task Set Identifier is invalid");
    return taskSet;
  }
  if (!TASK_SET_ID.test(taskSet)) throw new InvalidParameterException("Task Set Identifier is invalid");
  return arns.taskSet(ctx, clusterName, serviceName, taskSet);
}

export async function existingTaskSet(tx: Tx, ctx: RequestContext, service: ServiceRecord, taskSet: string): Promise<TaskSetRecord> {
  const clusterName = nameOf(service.service.clusterArn ?? "");
  const arn = taskSetArnOf(ctx, clusterName, service.service.serviceName ?? "", taskSet);
  const record = await tx.get("taskSet", arn);
  if (!record || record.taskSet.serviceArn !== service.service.serviceArn) {
    throw new TaskSetNotFoundException("The specified task set does not exist.");
  }
  return record;
}
