// The steps every owner of tasks shares (a task set, a service deployment): advance its tasks,
// replace unhealthy ones, start what is missing (placed as ECS places), stop the surplus.
import type { ContainerInstance, Tag, Task, TaskDefinition } from "@aws-sdk/client-ecs";
import type { IdSource } from "../api/context";
import { type Scope, scopeKey } from "../domain/arn";
import { type Capacity, chooseInstance, type PlacementShortfall, placementShortfall, portsInUse, remainingCapacity } from "../domain/instances";
import { assignHostPorts, type HostPortBinding, markInUse, type PortsInUse, requestedBindings } from "../domain/ports";
import type { LaunchSettings } from "../domain/launch";
import { splitByStrategy } from "../domain/placement";
import type { ClusterRecord, TaskRecord } from "../domain/records";
import type { Wire } from "../protocol/wire";
import type { Tx } from "../store/store";
import type { Config } from "../config";
import { elbHealthFailureReason, isElbHealthFailure } from "../coupling/ecsLoadBalancing";
import { failedLaunches, type FailedLaunches } from "../domain/restartThrottle";
import { advanceTask, FAILURE_STOP_CODES, HEALTH_CHECK_FAILURE_REASON, newTask, requestStop, taskCpu, taskMemory } from "./lifecycle";

export interface ReconcileEnv {
  readonly now: number;
  readonly config: Config;
  readonly ids: IdSource;
  /** Counts task status changes, for the benchmark. */
  readonly stats: { transitions: number };
}

/** Tasks of one owner while a reconcile works on them; `changed` are written back at the end. */
export class TaskBook {
  readonly tasks: TaskRecord[];
  private readonly changed = new Set<TaskRecord>();
  constructor(tasks: TaskRecord[]) {
    this.tasks = tasks;
  }
  replace(old: TaskRecord, next: TaskRecord): void {
    if (old === next) return;
    const i = this.tasks.indexOf(old);
    if (i >= 0) this.tasks[i] = next;
    else this.tasks.push(next);
    this.changed.delete(old);
    this.changed.add(next);
  }
  add(record: TaskRecord): void {
    this.tasks.push(record);
    this.changed.add(record);
  }
  /** Tasks that should be running (desiredStatus RUNNING). */
  live(): TaskRecord[] {
    return this.tasks.filter((t) => t.task.desiredStatus === "RUNNING");
  }
  async save(tx: Tx, env: ReconcileEnv): Promise<void> {
    for (const record of this.changed) {
      const stopped = record.task.lastStatus === "STOPPED";
      // A stopped task is kept to be described until forgetAt; one that did not fail is never read by a
      // reconcile again (only failures count toward backoff and the circuit breaker), so it retires.
      await tx.put("task", stopped && record.forgetAt === undefined ? { ...record, forgetAt: env.now + env.config.stoppedTaskRetentionMs, ...(isFailedTask(record) ? {} : { retired: true }) } : record);
    }
    this.changed.clear();
  }
  /** The earliest pending lifecycle step among the tasks. */
  nextStepAt(): number | undefined {
    let next: number | undefined;
    for (const t of this.tasks) if (t.nextStepAt !== undefined && (next === undefined || t.nextStepAt < next)) next = t.nextStepAt;
    return next;
  }
}

export async function tasksOfOwner(tx: Tx, scope: string, clusterArn: string, owner: string): Promise<TaskRecord[]> {
  return tx.list("task", { scope, parent: clusterArn, name: owner });
}

/** Moves every task through the steps due by now. */
export function advanceAll(book: TaskBook, env: ReconcileEnv, defs: ReadonlyMap<string, Wire<TaskDefinition>>): void {
  for (const record of [...book.tasks]) {
    if (record.nextStepAt === undefined || record.nextStepAt > env.now) continue;
    const { record: next, transitions } = advanceTask(record, env.now, env.config.stepMs, defs.get(record.task.taskDefinitionArn ?? ""));
    env.stats.transitions += transitions;
    book.replace(record, next);
  }
}

/**
 * Service tasks that fail their health checks (their containers', or their load balancer targets'
 * as `failingTargets` says) are stopped (and so replaced), after the grace period.
 */
export function stopUnhealthy(book: TaskBook, env: ReconcileEnv, gracePeriodSeconds: number, failingTargets?: ReadonlyMap<string, { targetGroupArn: string }>): TaskRecord[] {
  const stopped: TaskRecord[] = [];
  for (const record of book.live()) {
    if (record.task.lastStatus !== "RUNNING") continue;
    const failingTarget = failingTargets?.get(record.task.taskArn ?? "");
    if (record.task.healthStatus !== "UNHEALTHY" && !failingTarget) continue;
    const startedAtMs = (record.task.startedAt ?? 0) * 1000;
    if (env.now < startedAtMs + gracePeriodSeconds * 1000) continue;
    // It had started: ECS stops it as the service scheduler, not as a task that failed to start.
    const reason = record.task.healthStatus === "UNHEALTHY" ? HEALTH_CHECK_FAILURE_REASON : elbHealthFailureReason(failingTarget?.targetGroupArn ?? "");
    const next = requestStop(record, env.now, "ServiceSchedulerInitiated", reason, env.config.stepMs);
    book.replace(record, next);
    stopped.push(next);
  }
  return stopped;
}

export function isFailedTask(record: TaskRecord): boolean {
  const reason = record.task.stoppedReason ?? "";
  return FAILURE_STOP_CODES.has(record.task.stopCode ?? "") || reason === HEALTH_CHECK_FAILURE_REASON || isElbHealthFailure(reason);
}

/** The owner's current run of failed launches (src/domain/restartThrottle.ts), read from its tasks. */
export function failedLaunchesOf(tasks: readonly TaskRecord[]): FailedLaunches | undefined {
  return failedLaunches(
    tasks.map((t) => ({
      launchAttempt: t.launchAttempt ?? 1,
      createdAt: (t.task.createdAt ?? 0) * 1000,
      ...(t.task.startedAt !== undefined ? { startedAt: t.task.startedAt * 1000 } : {}),
      failed: isFailedTask(t),
    })),
  );
}

/** The surplus to stop: tasks not yet running first, then the newest; never a scale-in protected task. */
export function chooseSurplus(live: readonly TaskRecord[], count: number, now: number): TaskRecord[] {
  const order = (t: TaskRecord) => (t.task.lastStatus === "RUNNING" ? 1 : 0);
  return live
    .filter((t) => (t.protectedUntil ?? 0) <= now)
    .sort((a, b) => order(a) - order(b) || (b.task.createdAt ?? 0) - (a.task.createdAt ?? 0))
    .slice(0, Math.max(0, count));
}

export interface GroupTemplate {
  scope: Scope;
  cluster: ClusterRecord;
  owner: string;
  startedBy: string;
  group: string;
  taskDefinition: Wire<TaskDefinition>;
  launch: Pick<LaunchSettings, "launchType" | "capacityProviderStrategy" | "platformVersion" | "platformFamily" | "networkConfiguration">;
  tags: Tag[];
  placementStrategy?: string;
}

export interface StartResult {
  started: TaskRecord[];
  /** Tasks that found no room (EC2 launch type): none was created for them. */
  unplaced: number;
  /** Why the first unplaced task found no instance. */
  shortfall?: PlacementShortfall;
}

interface Placed {
  instanceArn: string;
  hostPorts: HostPortBinding[];
  cpuArchitecture?: string;
}

/** The cluster's instances with what is left on each (cpu, memory, host ports), for placing tasks one by one. */
class InstancePlacement {
  private constructor(
    private readonly instances: Wire<ContainerInstance>[],
    private readonly remaining: Map<string, Capacity>,
    private readonly ports: Map<string, PortsInUse>,
  ) {}

  static async load(tx: Tx, template: GroupTemplate, book: TaskBook): Promise<InstancePlacement> {
    const scope = scopeKey(template.scope);
    const clusterArn = template.cluster.cluster.clusterArn ?? "";
    const instances = (await tx.list("containerInstance", { scope, parent: clusterArn })).map((r) => r.containerInstance);
    const tasks = latestRecords(await tx.list("task", { scope, parent: clusterArn }), book.tasks);
    return new InstancePlacement(instances, remainingCapacity(instances, tasks.map((t) => t.task)), portsInUse(instances, tasks));
  }

  /** Places one task on an instance of the capacity provider (any, without one) and takes what it uses there. */
  place(provider: string | undefined, need: Capacity, requested: readonly HostPortBinding[], strategy: string | undefined): Placed | PlacementShortfall {
    const candidates = provider ? this.instances.filter((i) => !i.capacityProviderName || i.capacityProviderName === provider) : this.instances;
    const portsFit = (arn: string) => assignHostPorts(requested, this.portsOf(arn)) !== undefined;
    const instanceArn = chooseInstance(candidates, this.remaining, need, strategy === "binpack" ? "binpack" : "spread", portsFit);
    if (!instanceArn) return placementShortfall(candidates, this.remaining, need, portsFit);
    const capacity = this.remaining.get(instanceArn);
    if (capacity) {
      capacity.cpu -= need.cpu;
      capacity.memory -= need.memory;
    }
    const hostPorts = assignHostPorts(requested, this.portsOf(instanceArn)) ?? [];
    markInUse(this.portsOf(instanceArn), hostPorts);
    const instance = this.instances.find((i) => i.containerInstanceArn === instanceArn);
    const cpuArchitecture = (instance?.attributes ?? []).find((a) => a.name === "ecs.cpu-architecture")?.value;
    return { instanceArn, hostPorts, ...(cpuArchitecture ? { cpuArchitecture } : {}) };
  }

  private portsOf(arn: string): PortsInUse {
    let ports = this.ports.get(arn);
    if (!ports) this.ports.set(arn, (ports = { tcp: new Set(), udp: new Set() }));
    return ports;
  }
}

function isPlaced(result: Placed | PlacementShortfall): result is Placed {
  return "instanceArn" in result && !("kind" in result);
}

/**
 * Creates `count` tasks for the group, placed by launch type or capacity provider strategy;
 * `launchAttempt` is this launch's number in the owner's run of failed launches.
 */
export async function startTasks(tx: Tx, book: TaskBook, template: GroupTemplate, count: number, env: ReconcileEnv, launchAttempt = 1): Promise<StartResult> {
  if (count <= 0) return { started: [], unplaced: 0 };
  const clusterArn = template.cluster.cluster.clusterArn ?? "";
  const strategy = template.launch.capacityProviderStrategy;
  const providers = strategy?.length
    ? splitByStrategy(strategy, countByProvider(book.live()), count)
    : new Array<string | undefined>(count).fill(undefined);
  const needsInstance = (provider: string | undefined) => (provider ? !provider.startsWith("FARGATE") : template.launch.launchType !== "FARGATE");
  const placement = providers.some(needsInstance) ? await InstancePlacement.load(tx, template, book) : undefined;
  const need = { cpu: taskCpu(template.taskDefinition), memory: taskMemory(template.taskDefinition) };
  const requested = requestedBindings(template.taskDefinition);
  const started: TaskRecord[] = [];
  let unplaced = 0;
  let shortfall: PlacementShortfall | undefined;
  const ordinalBase = book.tasks.length;
  for (const provider of providers) {
    let placed: Placed | undefined;
    let waiting = false;
    if (needsInstance(provider) && placement) {
      const result = placement.place(provider, need, requested, template.placementStrategy);
      if (isPlaced(result)) placed = result;
      else if (provider) waiting = true; // a capacity provider's task waits in PROVISIONING for capacity
      else {
        unplaced++;
        shortfall ??= result;
        continue;
      }
    }
    const record = newTask({
      scope: template.scope,
      clusterArn,
      clusterName: template.cluster.cluster.clusterName ?? "",
      taskDefinition: template.taskDefinition,
      launch: provider ? { ...template.launch, launchType: provider.startsWith("FARGATE") ? "FARGATE" : "EC2" } : template.launch,
      ...(provider ? { capacityProviderName: provider } : {}),
      ...(placed ? { containerInstanceArn: placed.instanceArn, hostPorts: placed.hostPorts, ...(placed.cpuArchitecture ? { cpuArchitecture: placed.cpuArchitecture } : {}) } : {}),
      owner: template.owner,
      startedBy: template.startedBy,
      group: template.group,
      tags: template.tags,
      ordinal: ordinalBase + started.length,
      id: env.ids.taskId(),
      now: env.now,
      placed: !waiting,
      stepMs: env.config.stepMs,
    });
    book.add(launchAttempt > 1 ? { ...record, launchAttempt } : record);
    started.push(record);
  }
  return { started, unplaced, ...(shortfall ? { shortfall } : {}) };
}

/** The stored tasks, with the versions this reconcile has changed in their place. */
function latestRecords(stored: readonly TaskRecord[], current: readonly TaskRecord[]): TaskRecord[] {
  const byArn = new Map(stored.map((t) => [t.task.taskArn, t] as const));
  for (const t of current) byArn.set(t.task.taskArn, t);
  return [...byArn.values()];
}

function countByProvider(live: readonly TaskRecord[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const t of live) {
    const name = t.task.capacityProviderName;
    if (name) counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  return counts;
}

/** Tasks of a capacity provider still waiting for an instance get one when room appears. */
export async function placeWaitingTasks(tx: Tx, book: TaskBook, template: GroupTemplate, env: ReconcileEnv): Promise<void> {
  const waiting = book.live().filter((t) => t.task.lastStatus === "PROVISIONING" && t.nextStepAt === undefined && !t.task.containerInstanceArn && t.task.capacityProviderName && !t.task.capacityProviderName.startsWith("FARGATE"));
  if (!waiting.length) return;
  const placement = await InstancePlacement.load(tx, template, book);
  const need = { cpu: taskCpu(template.taskDefinition), memory: taskMemory(template.taskDefinition) };
  const requested = requestedBindings(template.taskDefinition);
  for (const record of waiting) {
    const placed = placement.place(record.task.capacityProviderName, need, requested, undefined);
    if (!isPlaced(placed)) continue;
    const attributes = placed.cpuArchitecture ? [{ name: "ecs.cpu-architecture", value: placed.cpuArchitecture }] : record.task.attributes;
    book.replace(record, {
      ...record,
      task: { ...record.task, containerInstanceArn: placed.instanceArn, ...(attributes ? { attributes } : {}) },
      nextStepAt: env.now + env.config.stepMs,
      ...(placed.hostPorts.length ? { hostPorts: placed.hostPorts } : {}),
    });
  }
}
