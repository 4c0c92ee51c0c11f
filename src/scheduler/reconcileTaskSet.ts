// Reconciling one task set: its tasks converge on computedDesiredCount (0 while DRAINING); its
// counts and stability are observed from the tasks that exist (src/scheduler/observe.ts); the
// service follows.
import { syncTaskTargets, targetHealthOfTasks, unhealthyTargetEvent, withTargetHealth } from "../coupling/ecsLoadBalancing";
import { scopeKey, scopeOfArn } from "../domain/arn";
import type { RepeatedEvent } from "../domain/eventPacing";
import { isThrottled, launchAllowedAt, nextLaunchAttempt } from "../domain/restartThrottle";
import { isServiceSteady, type TaskSurroundings } from "../domain/observedState";
import type { ServiceRecord, TaskRecord, TaskSetRecord } from "../domain/records";
import type { Tx } from "../store/store";
import { causeOf, causesOfOwner, eventMessages, type PassEvents, recordServiceEvents, serviceLabel } from "./events";
import {
  advanceAll,
  chooseSurplus,
  failedLaunchesOf,
  placeWaitingTasks,
  type ReconcileEnv,
  startTasks,
  stopUnhealthy,
  TaskBook,
  tasksOfOwner,
} from "./group";
import { HEALTH_CHECK_FAILURE_REASON, requestStop } from "./lifecycle";
import { observeTaskSetGroup, surroundingsOf, withObservation } from "./observe";

/**
 * At most this many tasks started, and this many stopped, by one reconcile (one transaction): an
 * owner far from its desired count gets there over several passes, looked at again at once each
 * time, while every other due row gets its turn in between.
 */
export const MAX_STARTS_PER_RECONCILE = 250;
export const MAX_STOPS_PER_RECONCILE = 250;

/** How soon to retry placing tasks that found no room. */
export const PLACEMENT_RETRY_MS = 1000;

/** When tasks whose targets now fail are due to be stopped: the end of their grace period. */
export function failingRecheckAt(tasks: readonly TaskRecord[], failing: ReadonlyMap<string, unknown>, gracePeriodSeconds: number): number | undefined {
  let at: number | undefined;
  for (const t of tasks) if (failing.has(t.task.taskArn ?? "")) at = earliest(at, (t.task.startedAt ?? 0) * 1000 + gracePeriodSeconds * 1000);
  return at;
}

/** The earliest of the given times that is defined. */
export function earliest(...times: (number | undefined)[]): number | undefined {
  let best: number | undefined;
  for (const t of times) if (t !== undefined && (best === undefined || t < best)) best = t;
  return best;
}

export interface ConvergeResult {
  events: PassEvents;
  /** When the owner must be looked at again. */
  recheckAt: number | undefined;
  started: TaskRecord[];
  /** Tasks this step asked to stop (unhealthy, surplus, moved off DRAINING instances). */
  stopped: TaskRecord[];
}

/**
 * One step of an owner's tasks toward `desired`: replace the unhealthy, start the missing (after any
 * failure backoff), move tasks off DRAINING instances once replacements run, stop the surplus.
 * Returns the events of the step and when the owner must be looked at again.
 */
export async function convergeTasks(
  tx: Tx,
  env: ReconcileEnv,
  book: TaskBook,
  options: {
    desired: number;
    label: string;
    /** The task set or service the tasks count towards (the key of its repeated events). */
    owner: string;
    startedBy: string;
    gracePeriodSeconds: number;
    around: TaskSurroundings;
    template: Parameters<typeof startTasks>[2];
    /** At most this many new tasks (maximumPercent); Infinity when unbounded. */
    maxStart?: number;
    /** Never start tasks (a failed deployment). */
    holdStarts?: boolean;
    /** Tasks whose load balancer targets fail their health checks (src/coupling/ecsLoadBalancing.ts). */
    failingTargets?: ReadonlyMap<string, { targetGroupArn: string; port?: number }>;
  },
): Promise<ConvergeResult> {
  const { label, owner } = options;
  // Never beyond the tasks-per-service quota, whatever a store written before it was enforced says.
  const desired = Math.min(options.desired, env.config.maxTasksPerService);
  const draining = options.around.drainingInstances;
  const repeated: RepeatedEvent[] = [];
  let recheckAt: number | undefined;
  const unhealthy = stopUnhealthy(book, env, options.gracePeriodSeconds, options.failingTargets);
  for (const t of book.live()) {
    const failing = t.task.healthStatus === "UNHEALTHY" || options.failingTargets?.has(t.task.taskArn ?? "");
    if (t.task.lastStatus === "RUNNING" && failing) recheckAt = earliest(recheckAt, (t.task.startedAt ?? 0) * 1000 + options.gracePeriodSeconds * 1000);
  }

  await placeWaitingTasks(tx, book, options.template, env);
  const notDraining = (t: TaskRecord) => !draining.has(t.task.containerInstanceArn ?? "");
  let toStart = Math.min(desired - book.live().filter(notDraining).length, options.maxStart ?? Infinity, MAX_STARTS_PER_RECONCILE);
  if (options.holdStarts) toStart = 0;
  // ECS's throttle: after failed launches the next waits (src/domain/restartThrottle.ts).
  const failedRun = failedLaunchesOf(book.tasks);
  if (toStart > 0 && launchAllowedAt(failedRun) > env.now) {
    recheckAt = earliest(recheckAt, launchAllowedAt(failedRun));
    toStart = 0;
  }
  const { started, unplaced, shortfall } = await startTasks(tx, book, options.template, toStart, env, nextLaunchAttempt(failedRun));
  if (unplaced) {
    repeated.push({ cause: causeOf("unable-to-place", owner), message: eventMessages.unableToPlace(label, shortfall) });
    recheckAt = earliest(recheckAt, env.now + PLACEMENT_RETRY_MS);
  }
  if (book.live().some((t) => t.task.lastStatus === "PROVISIONING" && t.nextStepAt === undefined)) recheckAt = earliest(recheckAt, env.now + PLACEMENT_RETRY_MS);

  const live = book.live();
  const healthy = live.filter(notDraining);
  const onDraining = live.filter((t) => !notDraining(t));
  const surplus = chooseSurplus(healthy, healthy.length - desired, env.now);
  for (const t of healthy) if ((t.protectedUntil ?? 0) > env.now && healthy.length - surplus.length > desired) recheckAt = earliest(recheckAt, t.protectedUntil);
  // Tasks on DRAINING instances go once their replacements run (all at once when none are wanted).
  const runningReplacements = healthy.filter((t) => t.task.lastStatus === "RUNNING").length;
  const movable = desired === 0 ? onDraining.length : Math.min(onDraining.length, Math.max(0, runningReplacements + onDraining.length - desired));
  const wanted = [...surplus, ...onDraining.slice(0, movable)];
  const stopping = wanted.slice(0, MAX_STOPS_PER_RECONCILE);
  // More to stop than one transaction takes: the rest in the next pass.
  if (stopping.length < wanted.length) recheckAt = env.now;
  const stoppedRunning: TaskRecord[] = unhealthy.filter((t) => t.task.lastStatus === "RUNNING");
  for (const record of stopping) {
    const reason = notDraining(record) ? `Scaling activity initiated by (deployment ${options.startedBy})` : "Container instance is being drained";
    const next = requestStop(record, env.now, "ServiceSchedulerInitiated", reason, env.config.stepMs);
    if (record.task.lastStatus === "RUNNING") stoppedRunning.push(next);
    book.replace(record, next);
  }
  // As ECS words it: the replacements, each task that failed its health checks, then the stops.
  const happened: string[] = [];
  if (started.length) happened.push(eventMessages.started(label, started, Math.min(unhealthy.length, started.length)));
  for (const t of unhealthy) {
    const failingTarget = t.task.stoppedReason === HEALTH_CHECK_FAILURE_REASON ? undefined : options.failingTargets?.get(t.task.taskArn ?? "");
    happened.push(failingTarget ? unhealthyTargetEvent(label, t.task.taskArn ?? "", failingTarget) : eventMessages.failedContainerHealthChecks(label, t));
  }
  if (stoppedRunning.length) happened.push(eventMessages.stopped(label, stoppedRunning));
  // In zero-delay mode the new and stopping tasks finish their steps in this same pass.
  advanceAll(book, env, new Map([[options.template.taskDefinition.taskDefinitionArn ?? "", options.template.taskDefinition]]));
  // Still short of desired (tasks failed, or maximumPercent held starts back): look again at once if
  // this pass made progress, else when the throttle lets a launch through or placement may have found room.
  const short = book.live().filter(notDraining).length < desired;
  const failedNow = failedLaunchesOf(book.tasks);
  // The throttle event lasts while launches keep failing to start and fewer tasks run than wanted
  // (a launch under way does not end it).
  const runningShort = book.live().filter((t) => notDraining(t) && t.task.lastStatus === "RUNNING").length < desired;
  if (runningShort && isThrottled(failedNow)) repeated.push({ cause: causeOf("throttled", owner), message: eventMessages.unableToStartConsistently(label) });
  if (!options.holdStarts && short) {
    const progressed = started.length > 0 || stopping.length > 0;
    recheckAt = earliest(recheckAt, progressed ? env.now : Math.max(launchAllowedAt(failedNow), env.now + PLACEMENT_RETRY_MS));
  }
  return { events: { happened, repeated, evaluated: causesOfOwner(owner) }, recheckAt: earliest(recheckAt, book.nextStepAt()), started, stopped: [...unhealthy, ...stopping] };
}

export async function reconcileTaskSet(tx: Tx, arn: string, env: ReconcileEnv): Promise<void> {
  const record = await tx.get("taskSet", arn);
  if (!record) return;
  const taskSet = record.taskSet;
  const scope = scopeOfArn(arn);
  const scopeId = scopeKey(scope);
  const service = await tx.get("service", taskSet.serviceArn ?? "");
  const cluster = await tx.get("cluster", taskSet.clusterArn ?? "");
  const def = await tx.get("taskDefinition", taskSet.taskDefinition ?? "");
  if (!service || !cluster || !def) {
    await tx.put("taskSet", { ...record, reconcileAt: undefined });
    return;
  }
  const clusterArn = cluster.cluster.clusterArn ?? "";
  const book = new TaskBook(await tasksOfOwner(tx, scopeId, clusterArn, arn));
  const defs = new Map([[def.taskDefinition.taskDefinitionArn ?? "", def.taskDefinition]]);
  advanceAll(book, env, defs);
  const loadBalancers = taskSet.loadBalancers ?? [];
  const expectsTargets = loadBalancers.some((lb) => lb.targetGroupArn);
  const around = await surroundingsOf(tx, scopeId, clusterArn);
  const health = await targetHealthOfTasks(tx, book.tasks, env.now, expectsTargets);
  const desired = taskSet.status === "DRAINING" ? 0 : taskSet.computedDesiredCount ?? 0;
  const serviceName = service.service.serviceName ?? "";
  const label = serviceLabel(serviceName, taskSet.id);
  const { events, recheckAt } = await convergeTasks(tx, env, book, {
    desired,
    label,
    failingTargets: health.failing,
    owner: arn,
    startedBy: taskSet.id ?? "",
    gracePeriodSeconds: service.service.healthCheckGracePeriodSeconds ?? 0,
    around: withTargetHealth(around, health),
    template: {
      scope,
      cluster,
      owner: arn,
      startedBy: taskSet.id ?? "",
      group: `service:${serviceName}`,
      taskDefinition: def.taskDefinition,
      launch: taskSet,
      // Task sets get neither propagated nor ECS-managed tags.
      tags: [],
    },
  });
  // Targets follow the tasks: registered once RUNNING, deregistered (draining) once asked to stop;
  // a task whose targets have drained moves on at once.
  const targets = await syncTaskTargets(tx, env.now, book, loadBalancers, label);
  events.happened.unshift(...targets.deregistered);
  events.happened.push(...targets.registered);
  advanceAll(book, env, defs);
  await book.save(tx, env);

  const healthNow = await targetHealthOfTasks(tx, book.tasks, env.now, expectsTargets);
  const group = observeTaskSetGroup(taskSet, book.tasks, withTargetHealth(around, healthNow));
  const observed: TaskSetRecord = {
    ...record,
    taskSet: withObservation(taskSet, group, env.now),
    reconcileAt: earliest(recheckAt, targets.recheckAt, healthNow.changesAt, book.nextStepAt(), failingRecheckAt(book.tasks, healthNow.failing, service.service.healthCheckGracePeriodSeconds ?? 0)),
  };
  const gone = taskSet.status === "DRAINING" && book.tasks.every((t) => t.task.lastStatus === "STOPPED");
  if (gone) await tx.remove("taskSet", arn);
  else await tx.put("taskSet", observed);
  await refreshServiceFromTaskSets(tx, service, env, events, gone ? undefined : observed);
}

/**
 * A task-set service's own state follows its task sets: counts are their sums; it is steady when
 * every set is STEADY_STATE and none is DRAINING, judged only on sets observed as of now (a set
 * whose reconcile is due may hold news); a deleted service becomes INACTIVE once none remain.
 * `justObserved` is the set whose reconcile called this, already written.
 */
export async function refreshServiceFromTaskSets(tx: Tx, record: ServiceRecord, env: ReconcileEnv, pass: PassEvents, justObserved?: TaskSetRecord): Promise<void> {
  const service = record.service;
  const serviceArn = service.serviceArn ?? "";
  const stored = await tx.list("taskSet", { scope: scopeKey(scopeOfArn(serviceArn)), parent: serviceArn });
  const sets: TaskSetRecord[] = stored.map((r) => (justObserved && r.taskSet.taskSetArn === justObserved.taskSet.taskSetArn ? { ...justObserved, reconcileAt: undefined } : r));
  let runningCount = 0;
  let pendingCount = 0;
  for (const { taskSet } of sets) {
    runningCount += taskSet.runningCount ?? 0;
    pendingCount += taskSet.pendingCount ?? 0;
  }
  const observedNow = (r: TaskSetRecord) => r.reconcileAt === undefined || r.reconcileAt > env.now;
  const steady = isServiceSteady(service, sets.map((r) => observedNow(r) && r.taskSet.stabilityStatus === "STEADY_STATE" && r.taskSet.status !== "DRAINING"));
  let status = service.status;
  if (status === "DRAINING" && sets.length === 0) status = "INACTIVE";
  const counted: ServiceRecord = { ...record, service: { ...service, runningCount, pendingCount, status } };
  const { record: next, nextRepeatAt } = recordServiceEvents(counted, pass, steady, env.now, env.ids);
  const reconcileAt = status === "INACTIVE" ? undefined : nextRepeatAt;
  const changed =
    next.service.events !== service.events ||
    runningCount !== service.runningCount ||
    pendingCount !== service.pendingCount ||
    status !== service.status ||
    JSON.stringify(next.eventPacing ?? {}) !== JSON.stringify(record.eventPacing ?? {}) ||
    reconcileAt !== record.reconcileAt;
  if (changed) await tx.put("service", { ...next, reconcileAt });
}
