// Service events, worded and paced as ECS writes them (docs/compatibility.md cites each wording).
// Newest first, at most 100 kept. Messages that name tasks or deployments are written as they
// happen; messages a lasting condition keeps producing are paced (src/domain/eventPacing.ts).
import type { Service, ServiceEvent } from "@aws-sdk/client-ecs";
import type { IdSource } from "../api/context";
import { paceRepeatedEvents, type RepeatedEvent } from "../domain/eventPacing";
import type { ServiceRecord, TaskRecord } from "../domain/records";
import type { PlacementShortfall } from "../domain/instances";
import { epochSeconds, type Wire } from "../protocol/wire";

export const MAX_SERVICE_EVENTS = 100;

/** "(service web)" or, for a task set's tasks, "(service web, taskSet ecs-svc/123)". */
export function serviceLabel(serviceName: string, taskSetId?: string): string {
  return taskSetId ? `(service ${serviceName}, taskSet ${taskSetId})` : `(service ${serviceName})`;
}

function taskId(task: TaskRecord): string {
  return (task.task.taskArn ?? "").split("/").pop() ?? "";
}

function taskList(tasks: readonly TaskRecord[]): string {
  return tasks.map((t) => `(task ${taskId(t)})`).join(" ");
}

/** Why no instance took the task, in ECS's words ("Service event messages" in the ECS developer guide). */
function closestMatch(shortfall: PlacementShortfall | undefined): string {
  if (!shortfall || shortfall.kind === "NO_INSTANCES") return "Reason: No Container Instances were found in your cluster.";
  const instance = `(container-instance ${shortfall.instanceArn.split("/").pop()})`;
  if (shortfall.kind === "PORTS") return `The closest matching ${instance} is already using a port required by your task.`;
  if (shortfall.kind === "CPU") return `The closest matching ${instance} has insufficient CPU units available.`;
  return `The closest matching ${instance} has insufficient memory available.`;
}

export const eventMessages = {
  started: (label: string, tasks: readonly TaskRecord[], replacedUnhealthy = 0) =>
    `${label} has started ${tasks.length} tasks: ${taskList(tasks)}.${replacedUnhealthy > 0 ? ` Amazon ECS replaced ${replacedUnhealthy} tasks due to an unhealthy status.` : ""}`,
  stopped: (label: string, tasks: readonly TaskRecord[]) => `${label} has stopped ${tasks.length} running tasks: ${taskList(tasks)}.`,
  failedContainerHealthChecks: (label: string, task: TaskRecord) => `${label} (task ${taskId(task)}) failed container health checks.`,
  steady: (serviceName: string) => `(service ${serviceName}) has reached a steady state.`,
  deploymentCompleted: (serviceName: string, deploymentId: string) => `(service ${serviceName}) (deployment ${deploymentId}) deployment completed.`,
  unableToPlace: (label: string, shortfall?: PlacementShortfall) =>
    `${label} was unable to place a task because no container instance met all of its requirements. ${closestMatch(shortfall)} For more information, see the Troubleshooting section of the Amazon ECS Developer Guide.`,
  unableToStartConsistently: (label: string) => `${label} is unable to consistently start tasks successfully.`,
  deploymentConfigurationBlocks: (serviceName: string) =>
    `(service ${serviceName}) was unable to stop or start tasks during a deployment because of the service deployment configuration. Update the minimumHealthyPercent or maximumPercent value and try again.`,
  circuitBreaker: (serviceName: string, deploymentId: string) => `(service ${serviceName}) (deployment ${deploymentId}) deployment failed: tasks failed to start.`,
  rolledBack: (serviceName: string, deploymentId: string) => `(service ${serviceName}) rolling back to deployment ${deploymentId}.`,
  /** ecslite's wording, in the circuit breaker event's form ("deployment failed: <why>"). */
  deploymentFailed: (serviceName: string, deploymentId: string, reason: string) => `(service ${serviceName}) (deployment ${deploymentId}) ${reason.startsWith("deployment failed") ? reason : `deployment failed: ${reason}`}${reason.endsWith(".") ? "" : "."}`,
  /** ecslite's wording: a lifecycle hook that failed or timed out, and why. */
  hookFailed: (serviceName: string, serviceDeploymentId: string, hook: { hookId: string; stage: string; targetType: string; targetArn?: string; status: string; failure?: string }) =>
    `(service ${serviceName}) (service-deployment ${serviceDeploymentId}) lifecycle hook ${hook.hookId} (${hook.targetType === "PAUSE" ? "PAUSE" : hook.targetArn}) at ${hook.stage} ${hook.status === "TIMED_OUT" ? "timed out" : `failed: ${hook.failure ?? "hookStatus FAILED"}`}.`,
  /** ecslite's wording: a listener rule ECS could not change. */
  trafficShiftFailed: (serviceName: string, ruleArn: string, reason: string) => `(service ${serviceName}) was unable to shift traffic on (listener-rule ${ruleArn}): ${reason}.`,
};

/** The events of one reconcile pass of an owner of tasks (a task set, a service's deployments). */
export interface PassEvents {
  /** Messages of things that happened (tasks started or stopped, a deployment completed), in order. */
  happened: string[];
  /** Conditions that hold now and keep producing the same message. */
  repeated: RepeatedEvent[];
  /** Which repeated-event causes this pass evaluated (a cause evaluated and absent is resolved). */
  evaluated: (cause: string) => boolean;
}

export function noPassEvents(): PassEvents {
  return { happened: [], repeated: [], evaluated: () => false };
}

/** The cause key of a condition of one owner, e.g. "unable-to-place arn:...:task-set/...". */
export function causeOf(kind: string, owner: string): string {
  return `${kind} ${owner}`;
}

export function causesOfOwner(owner: string): (cause: string) => boolean {
  return (cause) => cause.endsWith(` ${owner}`);
}

const STEADY_CAUSE = "steady";

/**
 * Writes a pass's events on the service: what happened, then the paced repeated events, then the
 * steady-state event when the service is steady (again every six hours while it stays so). A pass
 * that started or stopped tasks means the service was not steady while it ran, so its steady state
 * afterwards is news. Returns the record and when a repeated event is next due.
 */
export function recordServiceEvents(record: ServiceRecord, pass: PassEvents, steady: boolean, now: number, ids: IdSource): { record: ServiceRecord; nextRepeatAt: number | undefined } {
  const serviceName = record.service.serviceName ?? "";
  let pacing = record.eventPacing;
  if (pass.happened.length > 0 && pacing?.[STEADY_CAUSE]) {
    const { [STEADY_CAUSE]: _resolved, ...rest } = pacing;
    pacing = rest;
  }
  const repeated = [...pass.repeated, ...(steady ? [{ cause: STEADY_CAUSE, message: eventMessages.steady(serviceName) }] : [])];
  const paced = paceRepeatedEvents(pacing, repeated, (cause) => cause === STEADY_CAUSE || pass.evaluated(cause), now);
  const messages = [...pass.happened, ...paced.messages];
  return { record: { ...record, service: withEvents(record.service, messages, now, ids), eventPacing: paced.pacing }, nextRepeatAt: paced.nextRepeatAt };
}

export function withEvents(service: Wire<Service>, messages: readonly string[], now: number, ids: IdSource): Wire<Service> {
  if (!messages.length) return service;
  const createdAt = epochSeconds(now);
  const added: Wire<ServiceEvent>[] = messages.map((message) => ({ id: ids.uuid(), createdAt, message })).reverse();
  return { ...service, events: [...added, ...(service.events ?? [])].slice(0, MAX_SERVICE_EVENTS) };
}
