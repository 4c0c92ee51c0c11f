// A simulated task's life, as pure functions: how a task is born, how it moves through ECS's
// statuses one step at a time, and how it is asked to stop. Time and ids are passed in.
import type { Container, Tag, Task, TaskDefinition, TaskOverride, TaskStopCode } from "@aws-sdk/client-ecs";
import { drainHoldUntil } from "../coupling/ecsLoadBalancing";
import { arns, type Scope } from "../domain/arn";
import type { LaunchSettings } from "../domain/launch";
import { type HostPortBinding, networkBindingsOf } from "../domain/ports";
import type { TaskFaults, TaskRecord } from "../domain/records";
import { cpuUnits, memoryMiB } from "../domain/taskDefinition";
import { epochSeconds, type Wire } from "../protocol/wire";

export const START_STATUSES = ["PROVISIONING", "PENDING", "ACTIVATING", "RUNNING"] as const;
export const STOP_STATUSES = ["DEACTIVATING", "STOPPING", "DEPROVISIONING", "STOPPED"] as const;

/** Stop codes that mean the task failed (they count towards the circuit breaker and restart backoff). */
export const FAILURE_STOP_CODES: ReadonlySet<string> = new Set(["TaskFailedToStart", "EssentialContainerExited"]);
export const HEALTH_CHECK_FAILURE_REASON = "Task failed container health checks";

/** Fault injection through a container's environment (docs/faults.md). */
export function faultsOf(def: Wire<TaskDefinition>): TaskFaults | undefined {
  const faults: TaskFaults = {};
  for (const container of def.containerDefinitions ?? []) {
    for (const { name, value } of container.environment ?? []) {
      if (name === "ECSLITE_FAULT_FAIL_TO_START" && value === "true") faults.failToStart = true;
      if (name === "ECSLITE_FAULT_UNHEALTHY" && value === "true") faults.unhealthy = true;
      if (name === "ECSLITE_FAULT_TARGET_UNHEALTHY" && value === "true") faults.targetUnhealthy = true;
      if (name === "ECSLITE_FAULT_EXIT_AFTER_SECONDS" && value !== undefined && Number(value) >= 0) faults.exitAfterSeconds = Number(value);
    }
  }
  return Object.keys(faults).length ? faults : undefined;
}

export interface NewTaskSpec {
  scope: Scope;
  clusterArn: string;
  clusterName: string;
  taskDefinition: Wire<TaskDefinition>;
  launch: Pick<LaunchSettings, "launchType" | "platformVersion" | "platformFamily" | "networkConfiguration">;
  capacityProviderName?: string;
  containerInstanceArn?: string;
  owner: string;
  startedBy?: string;
  group: string;
  tags: Tag[];
  overrides?: Wire<Task>["overrides"];
  enableExecuteCommand?: boolean;
  /** Where in the subnet list and address space this task lands; any number. */
  ordinal: number;
  id: string;
  now: number;
  /** Unplaced tasks wait in PROVISIONING until capacity appears. */
  placed: boolean;
  /** Time each lifecycle step takes (ms). */
  stepMs: number;
  /** Host ports taken on the instance (bridge and host modes), chosen at placement. */
  hostPorts?: HostPortBinding[];
  /** The instance's ecs.cpu-architecture (EC2); without an instance, the task definition's runtime platform says. */
  cpuArchitecture?: string;
}

/** Fargate gives every task 20 GiB of ephemeral storage unless its task definition asks for more. */
export const FARGATE_DEFAULT_EPHEMERAL_GIB = 20;

/** The task's overrides as ECS shows them: one entry per container (its name, plus what was overridden). */
export function taskOverrides(def: Wire<TaskDefinition>, given: Wire<TaskOverride> | undefined): Wire<TaskOverride> {
  const overridden = given?.containerOverrides ?? [];
  const names = (def.containerDefinitions ?? []).map((c) => c.name ?? "");
  const containerOverrides = [
    ...names.map((name) => overridden.find((o) => o.name === name) ?? { name }),
    ...overridden.filter((o) => !names.includes(o.name ?? "")),
  ];
  return { inferenceAcceleratorOverrides: [], ...given, containerOverrides };
}

function cpuArchitectureOf(def: Wire<TaskDefinition>): string {
  return def.runtimePlatform?.cpuArchitecture === "ARM64" ? "arm64" : "x86_64";
}

/**
 * The random part of a task id, which the task's network identity is made of: its first 12 hex
 * digits are its creation time (IdSource.taskId), shared by the tasks one pass starts.
 */
function randomPart(id: string): string {
  return id.slice(12);
}

/**
 * A task's private IP in 10.0.0.0/8, from 24 random bits of its id: it becomes a load balancer
 * target id, so two tasks sharing one is made unlikely (about 1 in 6 million for 10 tasks of a target group).
 */
function privateIp(id: string): string {
  const bits = randomPart(id);
  const a = parseInt(bits.slice(0, 2), 16);
  const b = parseInt(bits.slice(2, 4), 16);
  const c = parseInt(bits.slice(4, 6), 16) % 254 + 1;
  return `10.${a}.${b}.${c}`;
}

export function newTask(spec: NewTaskSpec): TaskRecord {
  const def = spec.taskDefinition;
  const taskArn = arns.task(spec.scope, spec.clusterName, spec.id);
  const awsvpc = spec.launch.networkConfiguration?.awsvpcConfiguration;
  const subnets = awsvpc?.subnets ?? [];
  const subnet = subnets.length ? subnets[spec.ordinal % subnets.length] : undefined;
  const az = `${spec.scope.region}${"abc"[spec.ordinal % 3]}`;
  const ip = privateIp(spec.id);
  const nic = randomPart(spec.id);
  const containers: Wire<Container>[] = (def.containerDefinitions ?? []).map((c) => ({
    containerArn: `arn:aws:ecs:${spec.scope.region}:${spec.scope.account}:container/${spec.clusterName}/${spec.id}/${c.name}`,
    taskArn,
    name: c.name,
    image: c.image,
    lastStatus: "PENDING",
    networkInterfaces: awsvpc ? [{ attachmentId: nic.slice(0, 8), privateIpv4Address: ip }] : [],
    healthStatus: "UNKNOWN",
    ...(c.cpu !== undefined ? { cpu: String(c.cpu) } : {}),
    ...(c.memory !== undefined ? { memory: String(c.memory) } : {}),
  }));
  const createdAt = epochSeconds(spec.now);
  const task: Wire<Task> = {
    taskArn,
    clusterArn: spec.clusterArn,
    taskDefinitionArn: def.taskDefinitionArn,
    ...(spec.containerInstanceArn ? { containerInstanceArn: spec.containerInstanceArn } : {}),
    overrides: taskOverrides(def, spec.overrides),
    lastStatus: "PROVISIONING",
    desiredStatus: "RUNNING",
    cpu: String(taskCpu(def)),
    memory: String(taskMemory(def)),
    containers,
    ...(spec.startedBy ? { startedBy: spec.startedBy } : {}),
    version: 1,
    connectivity: "CONNECTED",
    connectivityAt: createdAt,
    createdAt,
    group: spec.group,
    ...(spec.launch.launchType ? { launchType: spec.launch.launchType } : {}),
    ...(spec.capacityProviderName ? { capacityProviderName: spec.capacityProviderName } : {}),
    ...(spec.launch.platformVersion ? { platformVersion: spec.launch.platformVersion === "LATEST" ? "1.4.0" : spec.launch.platformVersion } : {}),
    ...(spec.launch.platformFamily ? { platformFamily: spec.launch.platformFamily } : {}),
    attachments: awsvpc
      ? [
          {
            id: `${spec.id.slice(0, 8)}-${spec.id.slice(8, 12)}-${spec.id.slice(12, 16)}-${spec.id.slice(16, 20)}-${spec.id.slice(20, 32)}`,
            type: "ElasticNetworkInterface",
            status: "PRECREATED",
            details: [
              { name: "subnetId", value: subnet },
              { name: "networkInterfaceId", value: `eni-${nic.slice(0, 17)}` },
              { name: "macAddress", value: `0e:${nic.slice(0, 2)}:${nic.slice(2, 4)}:${nic.slice(4, 6)}:${nic.slice(6, 8)}:${nic.slice(8, 10)}` },
              { name: "privateDnsName", value: `ip-${ip.replace(/\./g, "-")}.ec2.internal` },
              { name: "privateIPv4Address", value: ip },
            ],
          },
        ]
      : [],
    attributes: [{ name: "ecs.cpu-architecture", value: spec.cpuArchitecture ?? cpuArchitectureOf(def) }],
    availabilityZone: az,
    healthStatus: "UNKNOWN",
    tags: spec.tags,
    enableExecuteCommand: spec.enableExecuteCommand ?? false,
    ...(spec.launch.launchType === "FARGATE" ? fargateStorage(def) : {}),
  };
  const faults = faultsOf(def);
  return {
    task,
    owner: spec.owner,
    ...(faults ? { faults } : {}),
    ...(spec.placed ? { nextStepAt: spec.now + spec.stepMs } : {}),
    ...(spec.hostPorts?.length ? { hostPorts: spec.hostPorts } : {}),
  };
}

function fargateStorage(def: Wire<TaskDefinition>): Pick<Wire<Task>, "ephemeralStorage" | "fargateEphemeralStorage"> {
  const sizeInGiB = Math.max(def.ephemeralStorage?.sizeInGiB ?? 0, FARGATE_DEFAULT_EPHEMERAL_GIB);
  return { ephemeralStorage: { sizeInGiB }, fargateEphemeralStorage: { sizeInGiB } };
}

export function taskCpu(def: Wire<TaskDefinition>): number {
  if (def.cpu !== undefined) return cpuUnits(def.cpu) ?? 0;
  return (def.containerDefinitions ?? []).reduce((sum, c) => sum + (c.cpu ?? 0), 0);
}

export function taskMemory(def: Wire<TaskDefinition>): number {
  if (def.memory !== undefined) return memoryMiB(def.memory) ?? 0;
  return (def.containerDefinitions ?? []).reduce((sum, c) => sum + (c.memory ?? c.memoryReservation ?? 0), 0);
}

function hasHealthCheck(def: Wire<TaskDefinition> | undefined): boolean {
  return (def?.containerDefinitions ?? []).some((c) => c.healthCheck?.command?.length);
}

/**
 * Asks a task to stop at `now`; its first step toward STOPPED comes `stepMs` later. A task already
 * asked to stop is unchanged.
 */
export function requestStop(record: TaskRecord, now: number, stopCode: TaskStopCode, reason: string, stepMs = 0): TaskRecord {
  if (record.task.desiredStatus === "STOPPED") return record;
  return {
    ...record,
    task: { ...record.task, desiredStatus: "STOPPED", stopCode, stoppedReason: reason, stoppingAt: epochSeconds(now), version: (record.task.version ?? 0) + 1 },
    nextStepAt: now + stepMs,
  };
}

function withContainers(task: Wire<Task>, change: Partial<Wire<Container>>): Wire<Task> {
  return { ...task, containers: (task.containers ?? []).map((c) => ({ ...c, ...change })) };
}

/** The next status of a task moving toward its desired status. */
function nextStatus(task: Wire<Task>): string | undefined {
  const last = task.lastStatus ?? "PROVISIONING";
  if (task.desiredStatus === "STOPPED") {
    if (last === "STOPPED") return undefined;
    if (last === "PROVISIONING" || last === "PENDING") return "DEPROVISIONING";
    const i = (STOP_STATUSES as readonly string[]).indexOf(last);
    return STOP_STATUSES[i + 1] ?? "DEACTIVATING";
  }
  const i = (START_STATUSES as readonly string[]).indexOf(last);
  return i >= 0 && i < START_STATUSES.length - 1 ? START_STATUSES[i + 1] : undefined;
}

export interface StepResult {
  record: TaskRecord;
  /** How many status changes happened. */
  transitions: number;
}

/**
 * Moves a task through every step that is due by `now`, each `stepMs` after the previous one.
 * With stepMs 0 a task goes from PROVISIONING to RUNNING (or RUNNING to STOPPED) in one call.
 */
export function advanceTask(record: TaskRecord, now: number, stepMs: number, def: Wire<TaskDefinition> | undefined): StepResult {
  let current = record;
  let transitions = 0;
  while (current.nextStepAt !== undefined && current.nextStepAt <= now) {
    const at = current.nextStepAt;
    const task = current.task;
    const faults = current.faults;
    // A running task with a timed exit: the essential container exits.
    if (task.lastStatus === "RUNNING" && task.desiredStatus === "RUNNING") {
      const exited = requestStop(current, at, "EssentialContainerExited", "Essential container in task exited");
      current = { ...exited, task: withContainers(exited.task, { exitCode: 1, reason: "exited" }) };
      continue;
    }
    if (task.lastStatus === "PENDING" && task.desiredStatus === "RUNNING" && faults?.failToStart) {
      const failed = requestStop(current, at, "TaskFailedToStart", "CannotStartContainerError: the container failed to start (injected fault ECSLITE_FAULT_FAIL_TO_START)");
      // The image was pulled; the container failed as it started (ECS shows pullStoppedAt on such a task: the AWS CLI's stop-task example).
      current = { ...failed, task: { ...withContainers(failed.task, { reason: "CannotStartContainerError" }), pullStoppedAt: epochSeconds(at) } };
      continue;
    }
    // A task behind a load balancer waits in DEACTIVATING until its targets have drained.
    if (task.lastStatus === "DEACTIVATING") {
      const hold = drainHoldUntil(current, at);
      if (hold !== undefined) {
        current = { ...current, nextStepAt: Number.isFinite(hold) ? hold : undefined };
        break;
      }
    }
    const status = nextStatus(task);
    if (!status) {
      current = { ...current, nextStepAt: undefined };
      break;
    }
    const seconds = epochSeconds(at);
    let next: Wire<Task> = { ...task, lastStatus: status, version: (task.version ?? 0) + 1 };
    let nextStepAt: number | undefined = at + stepMs;
    switch (status) {
      case "PENDING":
        next = { ...next, pullStartedAt: seconds };
        break;
      case "ACTIVATING":
        next = { ...next, pullStoppedAt: seconds, attachments: (next.attachments ?? []).map((a) => ({ ...a, status: "ATTACHED" })) };
        break;
      case "RUNNING": {
        const health = hasHealthCheck(def) ? (faults?.unhealthy ? "UNHEALTHY" : "HEALTHY") : faults?.unhealthy ? "UNHEALTHY" : "UNKNOWN";
        next = { ...withContainers(next, { lastStatus: "RUNNING", healthStatus: health, runtimeId: `${record.task.taskArn?.split("/").pop() ?? ""}-0` }), startedAt: seconds, healthStatus: health };
        // The agent reports each container's bindings once it runs: none for awsvpc, the instance ports otherwise.
        next = { ...next, containers: (next.containers ?? []).map((c) => ({ ...c, networkBindings: networkBindingsOf(c.name ?? "", record.hostPorts ?? []) })) };
        nextStepAt = faults?.exitAfterSeconds !== undefined ? at + faults.exitAfterSeconds * 1000 : undefined;
        break;
      }
      case "DEACTIVATING":
        break;
      case "STOPPING":
        next = { ...next, executionStoppedAt: seconds };
        next = withContainers(next, { lastStatus: "STOPPED", exitCode: next.containers?.[0]?.exitCode ?? (task.stopCode === "EssentialContainerExited" ? 1 : 0) });
        break;
      case "DEPROVISIONING":
        next = { ...next, attachments: (next.attachments ?? []).map((a) => ({ ...a, status: "DELETED" })) };
        next.executionStoppedAt ??= seconds;
        break;
      case "STOPPED":
        next = { ...withContainers(next, { lastStatus: "STOPPED" }), stoppedAt: seconds, connectivity: "DISCONNECTED", connectivityAt: seconds };
        nextStepAt = undefined;
        break;
    }
    transitions++;
    current = { ...current, task: next, nextStepAt };
  }
  return { record: current, transitions };
}
