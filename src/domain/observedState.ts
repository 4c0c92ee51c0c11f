// The one definition of observed state. A group of tasks (a task set, an ECS-controller deployment)
// is observed from its tasks: how many run, how many are pending, whether it is steady and why not.
// Services are steady when all their groups are. Every count, stabilityStatus, rolloutState
// COMPLETED and "has reached a steady state" event is derived here; nothing recomputes it its own way.
// Sources (docs/design.md, "Observed state"): the ECS API reference for TaskSet (runningCount,
// pendingCount, stabilityStatus), Deployment and Service, and the SDK's services-stable waiter.
import type { Service, StabilityStatus, Task } from "@aws-sdk/client-ecs";
import type { Wire } from "../protocol/wire";

/**
 * A health signal summed up for one task: all checks passing, still in their first checks, or some
 * failing. Absent means the task has no such checks (a container without a health check, a task
 * without load balancer targets), which never holds a group back.
 */
export type HealthVerdict = "healthy" | "initial" | "unhealthy";

/** What the definition needs to know about one task: values read from the task and its surroundings. */
export interface TaskObservation {
  lastStatus: string;
  desiredStatus: string;
  /** Its containers' health checks (Task.healthStatus), when it has any. */
  containerHealth?: HealthVerdict;
  /** Its load balancer targets (every target group of the task), when it has any. */
  targetHealth?: HealthVerdict;
  /** It runs on a container instance that is DRAINING. */
  onDrainingInstance: boolean;
}

/** Where a task is: what the observation reads besides the task itself. */
export interface TaskSurroundings {
  drainingInstances: ReadonlySet<string>;
  /** Target health verdicts by task ARN (from the ECS-ELB coupling); tasks without targets are absent. */
  targetHealth?: ReadonlyMap<string, HealthVerdict>;
}

/** ECS's Task.healthStatus as a verdict: UNKNOWN is a task whose containers have no health check. */
export function containerHealthOf(healthStatus: string | undefined): HealthVerdict | undefined {
  if (healthStatus === "HEALTHY") return "healthy";
  if (healthStatus === "UNHEALTHY") return "unhealthy";
  return undefined;
}

export function observeTask(task: Wire<Task>, around: TaskSurroundings): TaskObservation {
  const containerHealth = containerHealthOf(task.healthStatus);
  const targetHealth = around.targetHealth?.get(task.taskArn ?? "");
  return {
    lastStatus: task.lastStatus ?? "PROVISIONING",
    desiredStatus: task.desiredStatus ?? "RUNNING",
    ...(containerHealth ? { containerHealth } : {}),
    ...(targetHealth ? { targetHealth } : {}),
    onDrainingInstance: around.drainingInstances.has(task.containerInstanceArn ?? ""),
  };
}

/** The statuses ECS counts as pending: on the way to RUNNING. */
export const PENDING_STATUSES: readonly string[] = ["PROVISIONING", "PENDING", "ACTIVATING"];

/** runningCount counts tasks whose lastStatus is RUNNING, whatever their desired status. */
export function isRunning(task: { lastStatus?: string }): boolean {
  return task.lastStatus === "RUNNING";
}

/** pendingCount counts tasks on their way to RUNNING (PROVISIONING, PENDING, ACTIVATING). */
export function isPending(task: { lastStatus?: string }): boolean {
  return PENDING_STATUSES.includes(task.lastStatus ?? "PROVISIONING");
}

/** Asked to stop and not yet STOPPED. */
export function isStopping(task: { lastStatus?: string; desiredStatus?: string }): boolean {
  return task.desiredStatus === "STOPPED" && task.lastStatus !== "STOPPED";
}

/** Why a RUNNING task does not serve, or undefined when it does. */
export function outOfServiceReason(task: TaskObservation): UnsteadyReason | undefined {
  if (task.desiredStatus !== "RUNNING") return "TASKS_STOPPING";
  if (task.containerHealth !== undefined && task.containerHealth !== "healthy") return "CONTAINER_HEALTH";
  if (task.targetHealth !== undefined && task.targetHealth !== "healthy") return "TARGET_HEALTH";
  if (task.onDrainingInstance) return "ON_DRAINING_INSTANCE";
  return undefined;
}

/** RUNNING, wanted, passing every health signal, not on a DRAINING instance: a task that serves. */
export function isInService(task: TaskObservation): boolean {
  return isRunning(task) && outOfServiceReason(task) === undefined;
}

/** Why a group is not steady. */
export type UnsteadyReason =
  /** runningCount differs from the desired count. */
  | "RUNNING_COUNT"
  /** pendingCount is above 0. */
  | "TASKS_PENDING"
  /** A RUNNING task has been asked to stop (it still counts as running, but a replacement is needed). */
  | "TASKS_STOPPING"
  /** A RUNNING task's container health checks fail or have not passed yet. */
  | "CONTAINER_HEALTH"
  /** A RUNNING task's load balancer targets are unhealthy or still in their initial checks. */
  | "TARGET_HEALTH"
  /** A RUNNING task is on a DRAINING container instance. */
  | "ON_DRAINING_INSTANCE"
  /** The group is on its way out (a DRAINING task set, a deployment that is no longer primary). */
  | "RETIRING";

export interface GroupObservation {
  desiredCount: number;
  runningCount: number;
  pendingCount: number;
  /** RUNNING tasks that serve (isInService). */
  inServiceCount: number;
  /** Why the group is not steady, in the order above; empty exactly when it is steady. */
  unsteady: readonly UnsteadyReason[];
}

/**
 * A group of tasks (all of a task set's or a deployment's tasks, any status) against its desired
 * count. Steady exactly when runningCount == desiredCount, pendingCount == 0, every RUNNING task
 * serves (wanted, healthy by its container checks and its targets, not on a DRAINING instance) and
 * the group is not retiring. A RUNNING task asked to stop therefore keeps a group from being steady
 * until its replacement runs: runningCount alone cannot see it.
 */
export function observeGroup(tasks: readonly TaskObservation[], group: { desiredCount: number; retiring?: boolean }): GroupObservation {
  let runningCount = 0;
  let pendingCount = 0;
  let inServiceCount = 0;
  const outOfService = new Set<UnsteadyReason>();
  for (const task of tasks) {
    if (isPending(task)) pendingCount++;
    if (!isRunning(task)) continue;
    runningCount++;
    const reason = outOfServiceReason(task);
    if (reason) outOfService.add(reason);
    else inServiceCount++;
  }
  const unsteady: UnsteadyReason[] = [];
  if (runningCount !== group.desiredCount) unsteady.push("RUNNING_COUNT");
  if (pendingCount > 0) unsteady.push("TASKS_PENDING");
  for (const reason of ["TASKS_STOPPING", "CONTAINER_HEALTH", "TARGET_HEALTH", "ON_DRAINING_INSTANCE"] as const) if (outOfService.has(reason)) unsteady.push(reason);
  if (group.retiring) unsteady.push("RETIRING");
  return { desiredCount: group.desiredCount, runningCount, pendingCount, inServiceCount, unsteady };
}

export function isSteady(group: Pick<GroupObservation, "unsteady">): boolean {
  return group.unsteady.length === 0;
}

export function stabilityStatusOf(group: Pick<GroupObservation, "unsteady">): StabilityStatus {
  return isSteady(group) ? "STEADY_STATE" : "STABILIZING";
}

/**
 * A service is steady when it is ACTIVE and every one of its groups is steady: for the ECS
 * controller, its only deployment is the primary and that is steady (an older deployment still
 * holding tasks is a retiring group); for task sets, every set is STEADY_STATE and none is DRAINING.
 */
export function isServiceSteady(service: { status?: string }, groupsSteady: readonly boolean[]): boolean {
  return service.status === "ACTIVE" && groupsSteady.every((steady) => steady);
}

/** The stability fields after observing `status` at `nowSeconds`: the time moves only on a change. */
export function nextStability(
  current: { stabilityStatus?: string; stabilityStatusAt?: number },
  status: StabilityStatus,
  nowSeconds: number,
): { stabilityStatus: StabilityStatus; stabilityStatusAt: number } {
  if (current.stabilityStatus === status && current.stabilityStatusAt !== undefined) {
    return { stabilityStatus: status, stabilityStatusAt: current.stabilityStatusAt };
  }
  return { stabilityStatus: status, stabilityStatusAt: nowSeconds };
}

/**
 * A task set's stability the moment its desired count changes (UpdateTaskSet, UpdateService,
 * DeleteTaskSet), before the scheduler looks at its tasks again: the last observed runningCount no
 * longer matching the new desired count is enough to know the set is not steady. A match proves
 * nothing new, so the last verdict stands until the scheduler observes the tasks.
 */
export function stabilityForDesiredCount(current: { runningCount?: number; stabilityStatus?: string }, computedDesiredCount: number): StabilityStatus {
  if ((current.runningCount ?? 0) !== computedDesiredCount) return "STABILIZING";
  return current.stabilityStatus === "STEADY_STATE" ? "STEADY_STATE" : "STABILIZING";
}

export interface TaskCounts {
  running: number;
  pending: number;
}

export function countTasks(tasks: readonly { lastStatus?: string }[]): TaskCounts {
  let running = 0;
  let pending = 0;
  for (const task of tasks) {
    if (isRunning(task)) running++;
    else if (isPending(task)) pending++;
  }
  return { running, pending };
}
