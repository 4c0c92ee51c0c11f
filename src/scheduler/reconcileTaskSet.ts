// Reconciling one task set: its tasks converge on computedDesiredCount (0 while DRAINING); its
// counts and stability are computed from the tasks that exist; the service follows.
import type { Service, TaskSet } from "@aws-sdk/client-ecs";
import { scopeKey, scopeOfArn } from "../domain/arn";
import { countTasks } from "../domain/counts";
import type { ServiceRecord, TaskRecord } from "../domain/records";
import { nextStability, stabilityOf } from "../domain/stability";
import { epochSeconds, type Wire } from "../protocol/wire";
import type { Tx } from "../store/store";
import { eventMessages, serviceLabel, withEvents } from "./events";
import {
  advanceAll,
  chooseSurplus,
  drainingInstances,
  placeWaitingTasks,
  type ReconcileEnv,
  restartAllowedAt,
  startTasks,
  stopUnhealthy,
  TaskBook,
  tasksOfOwner,
} from "./group";
import { requestStop } from "./lifecycle";

/** How soon to retry placing tasks that found no room. */
export const PLACEMENT_RETRY_MS = 1000;

/** The earliest of the given times that is defined. */
export function earliest(...times: (number | undefined)[]): number | undefined {
  let best: number | undefined;
  for (const t of times) if (t !== undefined && (best === undefined || t < best)) best = t;
  return best;
}

export interface Observed {
  runningCount: number;
  pendingCount: number;
  unhealthyCount: number;
  onDrainingInstanceCount: number;
}

export function observe(tasks: readonly TaskRecord[], draining: ReadonlySet<string>): Observed {
  const live = tasks.filter((t) => t.task.lastStatus !== "STOPPED");
  const counts = countTasks(live.map((t) => t.task));
  return {
    runningCount: counts.running,
    pendingCount: counts.pending,
    unhealthyCount: live.filter((t) => t.task.desiredStatus === "RUNNING" && t.task.healthStatus === "UNHEALTHY").length,
    onDrainingInstanceCount: live.filter((t) => draining.has(t.task.containerInstanceArn ?? "")).length,
  };
}

/**
 * One step of an owner's tasks toward `desired`: replace the unhealthy, start the missing (after any
 * failure backoff), move tasks off DRAINING instances once replacements run, stop the surplus.
 * Returns the event messages and when the owner must be looked at again.
 */
export async function convergeTasks(
  tx: Tx,
  env: ReconcileEnv,
  book: TaskBook,
  options: {
    desired: number;
    label: string;
    startedBy: string;
    gracePeriodSeconds: number;
    draining: ReadonlySet<string>;
    template: Parameters<typeof startTasks>[2];
    /** At most this many new tasks (maximumPercent); Infinity when unbounded. */
    maxStart?: number;
    /** Never start tasks (a failed deployment). */
    holdStarts?: boolean;
  },
): Promise<{ events: string[]; recheckAt: number | undefined; started: TaskRecord[] }> {
  const { desired, label, draining } = options;
  const events: string[] = [];
  let recheckAt: number | undefined;
  const unhealthy = stopUnhealthy(book, env, options.gracePeriodSeconds);
  if (unhealthy.length) events.push(eventMessages.failedHealthChecks(label, unhealthy));
  for (const t of book.live()) {
    if (t.task.lastStatus === "RUNNING" && t.task.healthStatus === "UNHEALTHY") recheckAt = earliest(recheckAt, (t.task.startedAt ?? 0) * 1000 + options.gracePeriodSeconds * 1000);
  }

  await placeWaitingTasks(tx, book, options.template, env);
  const notDraining = (t: TaskRecord) => !draining.has(t.task.containerInstanceArn ?? "");
  let toStart = Math.min(desired - book.live().filter(notDraining).length, options.maxStart ?? Infinity);
  if (options.holdStarts) toStart = 0;
  if (toStart > 0) {
    const allowedAt = restartAllowedAt(book.tasks, env.now);
    if (allowedAt > env.now) {
      recheckAt = earliest(recheckAt, allowedAt);
      toStart = 0;
    }
  }
  const { started, unplaced } = await startTasks(tx, book, options.template, toStart, env);
  if (started.length) events.push(eventMessages.started(label, started));
  if (unplaced) {
    events.push(eventMessages.unableToPlace(label));
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
  const stopping = [...surplus, ...onDraining.slice(0, movable)];
  const stoppedRunning: TaskRecord[] = [];
  for (const record of stopping) {
    const reason = notDraining(record) ? `Scaling activity initiated by (deployment ${options.startedBy})` : "Container instance is being drained";
    const next = requestStop(record, env.now, "ServiceSchedulerInitiated", reason, env.config.stepMs);
    if (record.task.lastStatus === "RUNNING") stoppedRunning.push(next);
    book.replace(record, next);
  }
  if (stoppedRunning.length) events.push(eventMessages.stopped(label, stoppedRunning));
  // In zero-delay mode the new and stopping tasks finish their steps in this same pass.
  advanceAll(book, env, new Map([[options.template.taskDefinition.taskDefinitionArn ?? "", options.template.taskDefinition]]));
  // Still short of desired (tasks failed, or maximumPercent held starts back): look again at once if
  // this pass made progress, else when the failure backoff ends or placement may have found room.
  if (!options.holdStarts && book.live().filter(notDraining).length < desired) {
    const progressed = started.length > 0 || stopping.length > 0;
    recheckAt = earliest(recheckAt, progressed ? env.now : Math.max(restartAllowedAt(book.tasks, env.now), env.now + PLACEMENT_RETRY_MS));
  }
  return { events, recheckAt: earliest(recheckAt, book.nextStepAt()), started };
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
  const draining = await drainingInstances(tx, scopeId, clusterArn);
  const desired = taskSet.status === "DRAINING" ? 0 : taskSet.computedDesiredCount ?? 0;
  const serviceName = service.service.serviceName ?? "";
  const { events, recheckAt } = await convergeTasks(tx, env, book, {
    desired,
    label: serviceLabel(serviceName, taskSet.id),
    startedBy: taskSet.id ?? "",
    gracePeriodSeconds: service.service.healthCheckGracePeriodSeconds ?? 0,
    draining,
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
  await book.save(tx, env);

  const observed = observe(book.tasks, draining);
  const nowSeconds = epochSeconds(env.now);
  const stability = stabilityOf({ computedDesiredCount: desired, ...observed });
  const next: Wire<TaskSet> = {
    ...taskSet,
    runningCount: observed.runningCount,
    pendingCount: observed.pendingCount,
    ...nextStability(taskSet, stability, nowSeconds),
  };
  if (next.runningCount !== taskSet.runningCount || next.pendingCount !== taskSet.pendingCount) next.updatedAt = nowSeconds;
  const gone = taskSet.status === "DRAINING" && book.tasks.every((t) => t.task.lastStatus === "STOPPED");
  if (gone) await tx.remove("taskSet", arn);
  else await tx.put("taskSet", { ...record, taskSet: next, reconcileAt: recheckAt });
  await refreshServiceFromTaskSets(tx, service, env, events);
}

/**
 * A task-set service's own state follows its task sets: counts are their sums, the steady-state
 * event is written when all are steady, and a deleted service becomes INACTIVE once none remain.
 */
export async function refreshServiceFromTaskSets(tx: Tx, record: ServiceRecord, env: ReconcileEnv, events: string[]): Promise<void> {
  const service = record.service;
  const serviceArn = service.serviceArn ?? "";
  const sets = (await tx.list("taskSet", { scope: scopeKey(scopeOfArn(serviceArn)), parent: serviceArn })).map((r) => r.taskSet);
  let runningCount = 0;
  let pendingCount = 0;
  for (const s of sets) {
    runningCount += s.runningCount ?? 0;
    pendingCount += s.pendingCount ?? 0;
  }
  const steady = service.status === "ACTIVE" && sets.every((s) => s.stabilityStatus === "STEADY_STATE" && s.status !== "DRAINING");
  const messages = [...events];
  // Tasks started or stopped in this pass mean the service was not steady before it.
  const wasSteady = record.observedSteady === true && events.length === 0;
  if (steady && !wasSteady) messages.push(eventMessages.steady(service.serviceName ?? ""));
  let status = service.status;
  if (status === "DRAINING" && sets.length === 0) status = "INACTIVE";
  const updated: Wire<Service> = withEvents({ ...service, runningCount, pendingCount, status }, messages, env.now, env.ids);
  const changed = messages.length > 0 || runningCount !== service.runningCount || pendingCount !== service.pendingCount || status !== service.status || steady !== record.observedSteady || record.reconcileAt !== undefined;
  if (changed) await tx.put("service", { ...record, service: updated, observedSteady: steady, reconcileAt: undefined });
}
