// Service events, worded as ECS writes them. Newest first, at most 100 kept.
import type { Service, ServiceEvent } from "@aws-sdk/client-ecs";
import type { IdSource } from "../api/context";
import type { TaskRecord } from "../domain/records";
import { epochSeconds, type Wire } from "../protocol/wire";

export const MAX_SERVICE_EVENTS = 100;

/** "(service web)" or, for a task set's tasks, "(service web, taskSet ecs-svc/123)". */
export function serviceLabel(serviceName: string, taskSetId?: string): string {
  return taskSetId ? `(service ${serviceName}, taskSet ${taskSetId})` : `(service ${serviceName})`;
}

function taskList(tasks: readonly TaskRecord[]): string {
  return tasks.map((t) => `(task ${(t.task.taskArn ?? "").split("/").pop()})`).join(" ");
}

export const eventMessages = {
  started: (label: string, tasks: readonly TaskRecord[]) => `${label} has started ${tasks.length} tasks: ${taskList(tasks)}.`,
  stopped: (label: string, tasks: readonly TaskRecord[]) => `${label} has stopped ${tasks.length} running tasks: ${taskList(tasks)}.`,
  steady: (serviceName: string) => `(service ${serviceName}) has reached a steady state.`,
  deploymentCompleted: (serviceName: string, deploymentId: string) => `(service ${serviceName}) (deployment ${deploymentId}) deployment completed.`,
  unableToPlace: (label: string) =>
    `${label} was unable to place a task because no container instance met all of its requirements. Reason: No Container Instances were found in your cluster. For more information, see the Troubleshooting section of the Amazon ECS Developer Guide.`,
  failedHealthChecks: (label: string, tasks: readonly TaskRecord[]) => `${label} has stopped ${tasks.length} running tasks: ${taskList(tasks)}. Reason: Task failed container health checks.`,
  circuitBreaker: (serviceName: string, deploymentId: string) => `(service ${serviceName}) (deployment ${deploymentId}) deployment failed: tasks failed to start.`,
  rolledBack: (serviceName: string, deploymentId: string, taskDefinition: string) => `(service ${serviceName}) rolling back to deployment ${deploymentId} with task definition ${taskDefinition}.`,
};

export function withEvents(service: Wire<Service>, messages: readonly string[], now: number, ids: IdSource): Wire<Service> {
  if (!messages.length) return service;
  const createdAt = epochSeconds(now);
  const added: Wire<ServiceEvent>[] = messages.map((message) => ({ id: ids.uuid(), createdAt, message })).reverse();
  return { ...service, events: [...added, ...(service.events ?? [])].slice(0, MAX_SERVICE_EVENTS) };
}
