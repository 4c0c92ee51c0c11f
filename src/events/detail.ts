// The `detail` of each ECS event, with the fields AWS documents for it and nothing else: ECS's
// developer guide ("Amazon ECS events": task, container instance, service action and deployment
// state change events) and the EventBridge schema registry's aws.ecs schemas (as published in the
// CDK's generated event patterns). Timestamps are ISO strings in events, where the API has epoch
// seconds ("ECS task state change events": createdAt, connectivityAt, ... are ISO strings).
import type { Container, ContainerInstance, Task } from "@aws-sdk/client-ecs";
import type { TaskSnapshot } from "../domain/records";
import type { Wire } from "../protocol/wire";

export const DETAIL_TYPES = {
  task: "ECS Task State Change",
  containerInstance: "ECS Container Instance State Change",
  serviceAction: "ECS Service Action",
  deployment: "ECS Deployment State Change",
} as const;

export type DetailType = (typeof DETAIL_TYPES)[keyof typeof DETAIL_TYPES];

/** aws.ecs@ECSTaskStateChange's detail fields. */
export const TASK_DETAIL_FIELDS = [
  "attachments",
  "attributes",
  "availabilityZone",
  "clusterArn",
  "connectivity",
  "connectivityAt",
  "containerInstanceArn",
  "containers",
  "cpu",
  "createdAt",
  "desiredStatus",
  "executionStoppedAt",
  "group",
  "lastStatus",
  "launchType",
  "memory",
  "overrides",
  "platformVersion",
  "pullStartedAt",
  "pullStoppedAt",
  "startedAt",
  "startedBy",
  "stopCode",
  "stoppedAt",
  "stoppedReason",
  "stoppingAt",
  "taskArn",
  "taskDefinitionArn",
  "updatedAt",
  "version",
] as const;

/** The schema's fields of each entry of `containers`. */
export const TASK_CONTAINER_FIELDS = [
  "containerArn",
  "cpu",
  "exitCode",
  "gpuIds",
  "image",
  "imageDigest",
  "lastStatus",
  "memory",
  "memoryReservation",
  "name",
  "networkBindings",
  "networkInterfaces",
  "reason",
  "runtimeId",
  "taskArn",
] as const;

/** aws.ecs@ECSContainerInstanceStateChange's detail fields. */
export const CONTAINER_INSTANCE_DETAIL_FIELDS = [
  "accountType",
  "agentConnected",
  "agentUpdateStatus",
  "attachments",
  "attributes",
  "clusterArn",
  "containerInstanceArn",
  "ec2InstanceId",
  "pendingTasksCount",
  "registeredAt",
  "registeredResources",
  "remainingResources",
  "runningTasksCount",
  "status",
  "statusReason",
  "updatedAt",
  "version",
  "versionInfo",
] as const;

/** aws.ecs@ECSServiceAction's detail fields. */
export const SERVICE_ACTION_DETAIL_FIELDS = [
  "capacityProviderArns",
  "clusterArn",
  "containerInstanceArns",
  "containerPort",
  "createdAt",
  "desiredCount",
  "ec2InstanceIds",
  "eventName",
  "eventType",
  "reason",
  "serviceRegistryArns",
  "targetGroupArns",
  "targets",
  "taskArns",
  "taskSetArns",
] as const;

/** The developer guide's ECS Deployment State Change detail. */
export const DEPLOYMENT_DETAIL_FIELDS = ["eventType", "eventName", "deploymentId", "updatedAt", "reason"] as const;

const TASK_TIMESTAMPS: ReadonlySet<string> = new Set(["connectivityAt", "createdAt", "executionStoppedAt", "pullStartedAt", "pullStoppedAt", "startedAt", "stoppedAt", "stoppingAt"]);

/** Epoch seconds (the API's form) as an ISO timestamp with milliseconds. */
export function isoTime(epochSeconds: number): string {
  return new Date(Math.round(epochSeconds * 1000)).toISOString();
}

function pick(source: Record<string, unknown>, fields: readonly string[], convert?: (field: string, value: unknown) => unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of fields) {
    const value = source[field];
    if (value === undefined || value === null) continue;
    out[field] = convert ? convert(field, value) : value;
  }
  return out;
}

function containerDetail(container: Wire<Container>): Record<string, unknown> {
  return pick(container as Record<string, unknown>, TASK_CONTAINER_FIELDS);
}

/**
 * The fields of the task its state change event carries, as the task holds them (timestamps in epoch
 * seconds): what the backlog keeps of a task event. Cheap to take (no conversion), and the detail
 * rendered from it, once stored and read back, is the one the task itself gives (taskDetail).
 */
export function taskSnapshot(task: Wire<Task>): TaskSnapshot {
  const snapshot = pick(task as Record<string, unknown>, TASK_DETAIL_FIELDS);
  if (snapshot.containers !== undefined) snapshot.containers = (snapshot.containers as Wire<Container>[]).map(containerDetail);
  return snapshot;
}

/** The detail of a task state change from the task's snapshot, as of `nowMs` (updatedAt). */
export function renderTaskDetail(snapshot: TaskSnapshot, nowMs: number): Record<string, unknown> {
  const detail: Record<string, unknown> = {};
  for (const field in snapshot) {
    const value = snapshot[field];
    detail[field] = TASK_TIMESTAMPS.has(field) && typeof value === "number" ? isoTime(value) : value;
  }
  detail.updatedAt = new Date(nowMs).toISOString();
  return detail;
}

/** The task as its state change event carries it, as of `nowMs` (updatedAt). */
export function taskDetail(task: Wire<Task>, nowMs: number): Record<string, unknown> {
  return renderTaskDetail(taskSnapshot(task), nowMs);
}

/** The container instance as its state change event carries it (with usage, as DescribeContainerInstances shows it). */
export function containerInstanceDetail(instance: Wire<ContainerInstance>, clusterArn: string, nowMs: number): Record<string, unknown> {
  const detail = pick({ ...(instance as Record<string, unknown>), clusterArn }, CONTAINER_INSTANCE_DETAIL_FIELDS, (field, value) =>
    field === "registeredAt" && typeof value === "number" ? isoTime(value) : value,
  );
  detail.updatedAt = new Date(nowMs).toISOString();
  return detail;
}
