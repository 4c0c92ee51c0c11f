// Counts derived from tasks: never stored as truth, always recomputed from what exists.
import type { Service, Task } from "@aws-sdk/client-ecs";
import type { Wire } from "../protocol/wire";

export interface TaskCounts {
  running: number;
  pending: number;
}

/** ECS counts a task as pending from PROVISIONING up to RUNNING, and as running while RUNNING. */
export function isPending(task: Wire<Task>): boolean {
  return task.desiredStatus === "RUNNING" && ["PROVISIONING", "PENDING", "ACTIVATING"].includes(task.lastStatus ?? "");
}

export function isRunning(task: Wire<Task>): boolean {
  return task.lastStatus === "RUNNING";
}

export function countTasks(tasks: readonly Wire<Task>[]): TaskCounts {
  let running = 0;
  let pending = 0;
  for (const task of tasks) {
    if (isRunning(task)) running++;
    else if (isPending(task)) pending++;
  }
  return { running, pending };
}

/** A cluster's counts: its services' observed counts plus its standalone tasks. */
export function clusterTaskCounts(services: readonly Wire<Service>[], standaloneTasks: readonly Wire<Task>[]): TaskCounts {
  const counts = countTasks(standaloneTasks);
  for (const service of services) {
    counts.running += service.runningCount ?? 0;
    counts.pending += service.pendingCount ?? 0;
  }
  return counts;
}
