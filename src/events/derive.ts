// Which ECS events a change of a stored record means, as pure functions of the record before and
// after the change. Nothing else emits events: every path that changes a task, a task set, a
// service or a container instance (handlers and the scheduler alike) writes it to the store, and
// the store's event capture (capture.ts) asks these functions what the write means.
//  - a task's `version` moves exactly when its status does (lifecycle.ts): one task event;
//  - a task set becoming STEADY_STATE (the one definition, observedState.ts): TASKSET_STEADY_STATE;
//  - a service event written by the scheduler: "has reached a steady state" is SERVICE_STEADY_STATE,
//    the placement and start failures are their service actions, and a deployment completed,
//    failed or rolled back to is an ECS Deployment State Change (as is a new deployment).
import type { ServiceEvent } from "@aws-sdk/client-ecs";
import type { ContainerInstanceRecord, EventContent, ServiceRecord, TaskRecord, TaskSetRecord, TaskSnapshot } from "../domain/records";
import type { Wire } from "../protocol/wire";
import { eventMessages } from "../scheduler/events";
import { DETAIL_TYPES, isoTime, renderTaskDetail, taskSnapshot } from "./detail";

/**
 * An event before it has its place in the backlog (number, id and time): a task state change as the
 * task's snapshot (rendered when read, taskEventContent), any other event as it will be read.
 */
export type PendingEvent = { task: TaskSnapshot } | { event: EventContent };

function pending(detailType: string, arn: string, resources: string[], clusterArn: string, detail: Record<string, unknown>): { event: EventContent } {
  return { event: content(detailType, arn, resources, clusterArn, detail) };
}

function content(detailType: string, arn: string, resources: string[], clusterArn: string, detail: Record<string, unknown>): EventContent {
  // arn:aws:ecs:<region>:<account>:...
  const parts = arn.split(":", 5);
  return { detailType, account: parts[4] ?? "", region: parts[3] ?? "", resources, clusterArn, detail };
}

/** A task event whenever the task's version moves (it is new, or its status changed). */
export function taskEvent(before: TaskRecord | undefined, after: TaskRecord): { task: TaskSnapshot } | undefined {
  if (before && before.task.version === after.task.version) return undefined;
  return { task: taskSnapshot(after.task) };
}

/** A task event's envelope and detail, from the task's snapshot, as of `nowMs` (the commit). */
export function taskEventContent(snapshot: TaskSnapshot, nowMs: number): EventContent {
  const arn = snapshot.taskArn ?? "";
  return content(DETAIL_TYPES.task, arn, [arn], snapshot.clusterArn ?? "", renderTaskDetail(snapshot, nowMs));
}

/**
 * The container instance whose resources the task's change takes or gives back: placed on it (new,
 * or given an instance while waiting), or STOPPED on it. ECS sends an instance event for each.
 */
export function instanceTouchedBy(before: TaskRecord | undefined, after: TaskRecord): string | undefined {
  const instance = after.task.containerInstanceArn;
  if (!instance) return undefined;
  const placed = !before?.task.containerInstanceArn;
  const released = after.task.lastStatus === "STOPPED" && before?.task.lastStatus !== "STOPPED";
  return placed || released ? instance : undefined;
}

/** A container instance changed state itself (registered, drained, activated, deregistered). */
export function instanceChanged(before: ContainerInstanceRecord | undefined, after: ContainerInstanceRecord): boolean {
  return !before || before.containerInstance.version !== after.containerInstance.version;
}

function serviceAction(serviceArn: string, clusterArn: string, eventType: "INFO" | "WARN" | "ERROR", eventName: string, createdAtSeconds: number, extra: Record<string, unknown> = {}): PendingEvent {
  return pending(DETAIL_TYPES.serviceAction, serviceArn, [serviceArn], clusterArn, { eventType, eventName, clusterArn, ...extra, createdAt: isoTime(createdAtSeconds) });
}

/** TASKSET_STEADY_STATE when a task set becomes STEADY_STATE. */
export function taskSetEvents(before: TaskSetRecord | undefined, after: TaskSetRecord, nowMs: number): PendingEvent[] {
  const set = after.taskSet;
  if (set.stabilityStatus !== "STEADY_STATE" || before?.taskSet.stabilityStatus === "STEADY_STATE") return [];
  return [serviceAction(set.serviceArn ?? "", set.clusterArn ?? "", "INFO", "TASKSET_STEADY_STATE", set.stabilityStatusAt ?? nowMs / 1000, { taskSetArns: [set.taskSetArn ?? ""] })];
}

/** The service events written by this change (newest first in the record), oldest first. */
function addedServiceEvents(before: ServiceRecord | undefined, after: ServiceRecord): Wire<ServiceEvent>[] {
  const known = new Set((before?.service.events ?? []).map((e) => e.id));
  const added: Wire<ServiceEvent>[] = [];
  for (const event of after.service.events ?? []) {
    if (known.has(event.id)) break;
    added.push(event);
  }
  return added.reverse();
}

/** The reason ECS gives a placement failure, from what the closest instance lacked (when it says). */
function placementReason(message: string): string | undefined {
  if (message.includes("insufficient CPU")) return "RESOURCE:CPU";
  if (message.includes("insufficient memory")) return "RESOURCE:MEMORY";
  if (message.includes("already using a port")) return "RESOURCE:PORTS";
  return undefined;
}

/**
 * Service actions for the service events the scheduler wrote, and deployment state changes. A new
 * deployment (CreateService, UpdateService) is seen in the record; what happens to it later is
 * seen in the service events the scheduler writes as it happens (completed, failed, rolled back
 * to), because one reconcile can take a deployment through several states and drop it from the
 * record before anything reads it.
 */
export function serviceEvents(before: ServiceRecord | undefined, after: ServiceRecord, nowMs: number): PendingEvent[] {
  const service = after.service;
  const serviceArn = service.serviceArn ?? "";
  const clusterArn = service.clusterArn ?? "";
  const serviceName = service.serviceName ?? "";
  const events: PendingEvent[] = [];
  const deployment = (id: string, state: keyof typeof DEPLOYMENT_EVENTS, reason: string, atSeconds: number) =>
    pending(DETAIL_TYPES.deployment, serviceArn, [serviceArn], clusterArn, { ...DEPLOYMENT_EVENTS[state], deploymentId: id, updatedAt: isoTime(atSeconds), reason });

  const known = new Map((before?.service.deployments ?? []).map((d) => [d.id ?? "", d] as const));
  const current = new Map((service.deployments ?? []).map((d) => [d.id ?? "", d] as const));
  for (const [id, d] of current) {
    if (!known.has(id) && d.rolloutState === "IN_PROGRESS") events.push(deployment(id, "IN_PROGRESS", d.rolloutStateReason ?? `ECS deployment ${id} in progress.`, d.updatedAt ?? nowMs / 1000));
  }
  const ids = [...new Set([...known.keys(), ...current.keys()])];
  /** The deployment's own reason when the record still shows it in that state. */
  const reasonOf = (id: string, state: string, otherwise: string) => {
    const d = current.get(id);
    return d?.rolloutState === state && d.rolloutStateReason ? d.rolloutStateReason : otherwise;
  };
  const steadyMessage = eventMessages.steady(serviceName);
  for (const added of addedServiceEvents(before, after)) {
    const message = added.message ?? "";
    const at = added.createdAt ?? nowMs / 1000;
    if (message === steadyMessage) events.push(serviceAction(serviceArn, clusterArn, "INFO", "SERVICE_STEADY_STATE", at));
    else if (message.endsWith(" is unable to consistently start tasks successfully.")) events.push(serviceAction(serviceArn, clusterArn, "WARN", "SERVICE_TASK_START_IMPAIRED", at));
    else if (message.includes(" was unable to place a task ")) {
      const reason = placementReason(message);
      events.push(serviceAction(serviceArn, clusterArn, "ERROR", "SERVICE_TASK_PLACEMENT_FAILURE", at, reason ? { reason } : {}));
    } else {
      for (const id of ids) {
        if (message === eventMessages.deploymentCompleted(serviceName, id)) events.push(deployment(id, "COMPLETED", reasonOf(id, "COMPLETED", `ECS deployment ${id} completed.`), at));
        else if (message === eventMessages.circuitBreaker(serviceName, id)) events.push(deployment(id, "FAILED", reasonOf(id, "FAILED", "ECS deployment circuit breaker: tasks failed to start."), at));
        else if (message === eventMessages.rolledBack(serviceName, id)) events.push(deployment(id, "IN_PROGRESS", reasonOf(id, "IN_PROGRESS", `ECS deployment circuit breaker: rolling back to deploymentId ${id}.`), at));
        // A blue/green, linear or canary deployment that failed (a lifecycle hook), in the circuit breaker's form.
        else if (message.startsWith(`(service ${serviceName}) (deployment ${id}) deployment failed: `)) events.push(deployment(id, "FAILED", reasonOf(id, "FAILED", message.slice(message.indexOf("deployment failed: ") + 19)), at));
      }
    }
  }
  return events;
}

const DEPLOYMENT_EVENTS = {
  IN_PROGRESS: { eventType: "INFO", eventName: "SERVICE_DEPLOYMENT_IN_PROGRESS" },
  COMPLETED: { eventType: "INFO", eventName: "SERVICE_DEPLOYMENT_COMPLETED" },
  FAILED: { eventType: "ERROR", eventName: "SERVICE_DEPLOYMENT_FAILED" },
} as const;
