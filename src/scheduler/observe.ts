// Observing an owner of tasks: reads what the one definition (src/domain/observedState.ts) needs
// from the store, and writes what it concludes. The scheduler calls this after every reconcile, and
// request handlers call it when they change something the definition reads (a task asked to stop,
// an instance set DRAINING), so a stored STEADY_STATE is never older than the facts that deny it.
import type { TaskSet } from "@aws-sdk/client-ecs";
import { targetHealthOfTasks, withTargetHealth } from "../coupling/ecsLoadBalancing";
import { scopeKey, scopeOfArn } from "../domain/arn";
import { type GroupObservation, nextStability, observeGroup, observeTask, stabilityStatusOf, type TaskObservation, type TaskSurroundings } from "../domain/observedState";
import type { TaskRecord, TaskSetRecord } from "../domain/records";
import { epochSeconds, type Wire } from "../protocol/wire";
import type { Tx } from "../store/store";

/**
 * What surrounds a cluster's tasks: its DRAINING container instances. Load balancer target health
 * joins it from the ECS-ELB coupling (withTargetHealth, src/coupling/ecsLoadBalancing.ts).
 */
export async function surroundingsOf(tx: Tx, scope: string, clusterArn: string): Promise<TaskSurroundings> {
  const instances = await tx.list("containerInstance", { scope, parent: clusterArn });
  const drainingInstances = new Set(instances.filter((i) => i.containerInstance.status === "DRAINING").map((i) => i.containerInstance.containerInstanceArn ?? ""));
  return { drainingInstances };
}

export function observeTasks(tasks: readonly TaskRecord[], around: TaskSurroundings): TaskObservation[] {
  return tasks.map((t) => observeTask(t.task, around));
}

/** A task set's observed group: its desired count is 0 and it is retiring once DRAINING. */
export function observeTaskSetGroup(taskSet: Wire<TaskSet>, tasks: readonly TaskRecord[], around: TaskSurroundings): GroupObservation {
  const draining = taskSet.status === "DRAINING";
  return observeGroup(observeTasks(tasks, around), { desiredCount: draining ? 0 : taskSet.computedDesiredCount ?? 0, retiring: draining });
}

/** The task set with its counts and stability as observed at `nowMs`; updatedAt moves when the counts do. */
export function withObservation(taskSet: Wire<TaskSet>, group: GroupObservation, nowMs: number): Wire<TaskSet> {
  const nowSeconds = epochSeconds(nowMs);
  const next: Wire<TaskSet> = {
    ...taskSet,
    runningCount: group.runningCount,
    pendingCount: group.pendingCount,
    ...nextStability(taskSet, stabilityStatusOf(group), nowSeconds),
  };
  if (next.runningCount !== taskSet.runningCount || next.pendingCount !== taskSet.pendingCount) next.updatedAt = nowSeconds;
  return next;
}

/** Observes a task set's tasks as they are now and stores the result (for request handlers). */
export async function reobserveTaskSet(tx: Tx, record: TaskSetRecord, nowMs: number): Promise<TaskSetRecord> {
  const arn = record.taskSet.taskSetArn ?? "";
  const scope = scopeKey(scopeOfArn(arn));
  const clusterArn = record.taskSet.clusterArn ?? "";
  const tasks = await tx.list("task", { scope, parent: clusterArn, name: arn });
  const expectsTargets = (record.taskSet.loadBalancers ?? []).some((lb) => lb.targetGroupArn);
  const around = withTargetHealth(await surroundingsOf(tx, scope, clusterArn), await targetHealthOfTasks(tx, tasks, nowMs, expectsTargets));
  const group = observeTaskSetGroup(record.taskSet, tasks, around);
  const next = { ...record, taskSet: withObservation(record.taskSet, group, nowMs) };
  await tx.put("taskSet", next);
  return next;
}
