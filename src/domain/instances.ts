// Container instance capacity: what is registered, what tasks use, where a new task fits.
import type { ContainerInstance, Resource, Task } from "@aws-sdk/client-ecs";
import type { Wire } from "../protocol/wire";
import { isPending, isRunning } from "./observedState";
import { markInUse, type PortsInUse, staticPorts } from "./ports";
import type { TaskRecord } from "./records";

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
 * The ACTIVE instance a task of this size goes to, or undefined when none has room (cpu, memory and,
 * through `portsFit`, the host ports it needs). The default
 * spreads (most remaining memory first); "binpack" fills the fullest instance that still fits.
 */
export function chooseInstance(
  instances: readonly Wire<ContainerInstance>[],
  remaining: ReadonlyMap<string, Capacity>,
  need: Capacity,
  strategy: "spread" | "binpack" = "spread",
  portsFit: (instanceArn: string) => boolean = () => true,
): string | undefined {
  let best: { arn: string; memory: number } | undefined;
  for (const instance of instances) {
    if (instance.status !== "ACTIVE") continue;
    const arn = instance.containerInstanceArn ?? "";
    const capacity = remaining.get(arn);
    if (!capacity || capacity.cpu < need.cpu || capacity.memory < need.memory || !portsFit(arn)) continue;
    const better = !best || (strategy === "binpack" ? capacity.memory < best.memory : capacity.memory > best.memory);
    if (better) best = { arn, memory: capacity.memory };
  }
  return best?.arn;
}

/** Why a task found no instance: none to try, or what the closest matching instance lacked. */
export type PlacementShortfall = { kind: "NO_INSTANCES" } | { kind: "PORTS" | "CPU" | "MEMORY"; instanceArn: string };

/**
 * What kept a task off every candidate instance, naming the closest match as ECS's service events do:
 * an instance with room but a port in use first, then one with memory but too few CPU units, then memory.
 */
export function placementShortfall(
  instances: readonly Wire<ContainerInstance>[],
  remaining: ReadonlyMap<string, Capacity>,
  need: Capacity,
  portsFit: (instanceArn: string) => boolean,
): PlacementShortfall {
  const active = instances.filter((i) => i.status === "ACTIVE").map((i) => i.containerInstanceArn ?? "");
  if (active.length === 0) return { kind: "NO_INSTANCES" };
  const room = (arn: string) => remaining.get(arn) ?? { cpu: 0, memory: 0 };
  const portBound = active.find((arn) => room(arn).cpu >= need.cpu && room(arn).memory >= need.memory && !portsFit(arn));
  if (portBound) return { kind: "PORTS", instanceArn: portBound };
  const cpuBound = active.find((arn) => room(arn).memory >= need.memory);
  if (cpuBound) return { kind: "CPU", instanceArn: cpuBound };
  return { kind: "MEMORY", instanceArn: active[0] };
}

/** The ports an instance registered as taken (PORTS, PORTS_UDP: the agent's own). */
function registeredPorts(instance: Wire<ContainerInstance>): PortsInUse {
  const ports = (name: string) => new Set(((instance.registeredResources ?? []).find((r) => r.name === name)?.stringSetValue ?? []).map(Number));
  return { tcp: ports("PORTS"), udp: ports("PORTS_UDP") };
}

/** Host ports in use on each instance: its registered ones plus those of every task holding its resources. */
export function portsInUse(instances: readonly Wire<ContainerInstance>[], tasks: readonly Pick<TaskRecord, "task" | "hostPorts">[]): Map<string, PortsInUse> {
  const used = new Map<string, PortsInUse>();
  for (const instance of instances) used.set(instance.containerInstanceArn ?? "", registeredPorts(instance));
  for (const record of tasks) {
    if (!record.hostPorts?.length || !record.task.containerInstanceArn || !holdsResources(record.task)) continue;
    const ports = used.get(record.task.containerInstanceArn);
    if (ports) markInUse(ports, record.hostPorts);
  }
  return used;
}

/** PORTS and PORTS_UDP as remainingResources shows them: registered ports plus tasks' static host ports. */
export function remainingPortResources(instance: Wire<ContainerInstance>, tasks: readonly Pick<TaskRecord, "task" | "hostPorts">[]): { tcp: string[]; udp: string[] } {
  const ports = registeredPorts(instance);
  for (const record of tasks) {
    if (record.task.containerInstanceArn !== instance.containerInstanceArn || !holdsResources(record.task)) continue;
    markInUse(ports, staticPorts(record.hostPorts ?? []));
  }
  return { tcp: [...ports.tcp].map(String), udp: [...ports.udp].map(String) };
}

/**
 * The instances as DescribeContainerInstances shows them: remaining cpu, memory and ports and the
 * running and pending task counts, derived from every task of their cluster. (Container instance
 * events carry the same.)
 */
export function instancesWithUsage(instances: readonly Wire<ContainerInstance>[], tasks: readonly Pick<TaskRecord, "task" | "hostPorts">[]): Wire<ContainerInstance>[] {
  const wireTasks = tasks.map((t) => t.task);
  const remaining = remainingCapacity(instances, wireTasks);
  return instances.map((instance) => {
    const arn = instance.containerInstanceArn ?? "";
    const capacity = remaining.get(arn) ?? { cpu: 0, memory: 0 };
    const counts = taskCountsOnInstance(arn, wireTasks);
    const ports = remainingPortResources(instance, tasks);
    const remainingOf = (r: Wire<Resource>): Wire<Resource> => {
      if (r.name === "CPU") return { ...r, integerValue: capacity.cpu };
      if (r.name === "MEMORY") return { ...r, integerValue: capacity.memory };
      if (r.name === "PORTS") return { ...r, stringSetValue: ports.tcp };
      if (r.name === "PORTS_UDP") return { ...r, stringSetValue: ports.udp };
      return r;
    };
    return { ...instance, remainingResources: (instance.registeredResources ?? []).map(remainingOf), runningTasksCount: counts.running, pendingTasksCount: counts.pending };
  });
}
