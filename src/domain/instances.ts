// Container instance capacity: what is registered, what tasks use, where a new task fits.
import type { ContainerInstance, Resource, Task } from "@aws-sdk/client-ecs";
import type { Wire } from "../protocol/wire";
import { isPending, isRunning } from "./observedState";

export interface Capacity {
  cpu: number;
  memory: number;
}

export function resourceValue(resources: readonly Wire<Resource>[] | undefined, name: string): number {
  const r = (resources ?? []).find((x) => x.name === name);
  return r?.integerValue ?? r?.doubleValue ?? r?.longValue ?? 0;
}

/** A task holds its instance's resources from placement until it is STOPPED. */
export function holdsResources(task: Wire<Task>): boolean {
  return task.lastStatus !== "STOPPED";
}

/** Remaining cpu and memory of each instance, given every task of the cluster. */
export function remainingCapacity(instances: readonly Wire<ContainerInstance>[], tasks: readonly Wire<Task>[]): Map<string, Capacity> {
  const remaining = new Map<string, Capacity>();
  for (const instance of instances) {
    remaining.set(instance.containerInstanceArn ?? "", {
      cpu: resourceValue(instance.registeredResources, "CPU"),
      memory: resourceValue(instance.registeredResources, "MEMORY"),
    });
  }
  for (const task of tasks) {
    if (!task.containerInstanceArn || !holdsResources(task)) continue;
    const capacity = remaining.get(task.containerInstanceArn);
    if (!capacity) continue;
    capacity.cpu -= Number(task.cpu ?? 0);
    capacity.memory -= Number(task.memory ?? 0);
  }
  return remaining;
}

export function taskCountsOnInstance(instanceArn: string, tasks: readonly Wire<Task>[]): { running: number; pending: number } {
  let running = 0;
  let pending = 0;
  for (const task of tasks) {
    if (task.containerInstanceArn !== instanceArn) continue;
    if (isRunning(task)) running++;
    else if (isPending(task)) pending++;
  }
  return { running, pending };
}

/**
 * The ACTIVE instance a task of this size goes to, or undefined when none has room. The default
 * spreads (most remaining memory first); "binpack" fills the fullest instance that still fits.
 */
export function chooseInstance(
  instances: readonly Wire<ContainerInstance>[],
  remaining: ReadonlyMap<string, Capacity>,
  need: Capacity,
  strategy: "spread" | "binpack" = "spread",
): string | undefined {
  let best: { arn: string; memory: number } | undefined;
  for (const instance of instances) {
    if (instance.status !== "ACTIVE") continue;
    const arn = instance.containerInstanceArn ?? "";
    const capacity = remaining.get(arn);
    if (!capacity || capacity.cpu < need.cpu || capacity.memory < need.memory) continue;
    const better = !best || (strategy === "binpack" ? capacity.memory < best.memory : capacity.memory > best.memory);
    if (better) best = { arn, memory: capacity.memory };
  }
  return best?.arn;
}
