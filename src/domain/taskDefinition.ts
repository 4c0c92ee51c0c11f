// Task definition rules: references ("family", "family:revision", ARN), container definition checks,
// and the cpu/memory combinations Fargate accepts.
import type { Compatibility, ContainerDefinition } from "@aws-sdk/client-ecs";
import type { Wire } from "../protocol/wire";

export const FAMILY_PATTERN = /^[a-zA-Z0-9_-]{1,255}$/;

export interface TaskDefinitionReference {
  family: string;
  revision?: number;
}

/** Parses "family", "family:revision" or a task-definition ARN; undefined when it is none of them. */
export function parseTaskDefinitionReference(value: string): TaskDefinitionReference | undefined {
  let ref = value;
  if (value.startsWith("arn:")) {
    const m = /^arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:task-definition\/(.+)$/.exec(value);
    if (!m) return undefined;
    ref = m[1];
  }
  const m = /^([a-zA-Z0-9_-]{1,255})(?::(\d+))?$/.exec(ref);
  if (!m) return undefined;
  return m[2] === undefined ? { family: m[1] } : { family: m[1], revision: Number(m[2]) };
}

/** Task-level cpu in CPU units: "1024", "1 vCPU" or "0.25 vcpu". */
export function cpuUnits(value: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(vcpu)?\s*$/i.exec(value);
  if (!m) return undefined;
  return m[2] ? Math.round(Number(m[1]) * 1024) : Number(m[1]);
}

/** Task-level memory in MiB: "2048", "2 GB" or "2GB". */
export function memoryMiB(value: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(gb|mb)?\s*$/i.exec(value);
  if (!m) return undefined;
  return m[2]?.toLowerCase() === "gb" ? Math.round(Number(m[1]) * 1024) : Number(m[1]);
}

function range(from: number, to: number, step: number): number[] {
  const out: number[] = [];
  for (let v = from; v <= to; v += step) out.push(v);
  return out;
}

/** Fargate's valid task sizes (AWS developer guide, "Task CPU and memory"). */
export const FARGATE_SIZES: ReadonlyMap<number, readonly number[]> = new Map([
  [256, [512, 1024, 2048]],
  [512, range(1024, 4096, 1024)],
  [1024, range(2048, 8192, 1024)],
  [2048, range(4096, 16384, 1024)],
  [4096, range(8192, 30720, 1024)],
  [8192, range(16384, 61440, 4096)],
  [16384, range(32768, 122880, 8192)],
]);

export function isValidFargateSize(cpu: number, memory: number): boolean {
  return FARGATE_SIZES.get(cpu)?.includes(memory) ?? false;
}

export interface TaskDefinitionShape {
  family: string;
  containerDefinitions: readonly Wire<ContainerDefinition>[];
  requiresCompatibilities?: readonly string[];
  networkMode?: string;
  cpu?: string;
  memory?: string;
  pidMode?: string;
  ipcMode?: string;
}

/** A reason ECS refuses the task definition (as ClientException), or undefined. */
export function taskDefinitionProblem(def: TaskDefinitionShape): string | undefined {
  if (!FAMILY_PATTERN.test(def.family)) return "Family name can have up to 255 characters: letters (upper and lower case), numbers, hyphens and underscores.";
  if (def.containerDefinitions.length === 0) return "Container list cannot be empty.";
  if (def.containerDefinitions.length > 10) return "Too many containers: a task definition can have at most 10 container definitions.";
  const names = new Set<string>();
  const taskMemory = def.memory !== undefined ? memoryMiB(def.memory) : undefined;
  const taskCpu = def.cpu !== undefined ? cpuUnits(def.cpu) : undefined;
  if (def.cpu !== undefined && taskCpu === undefined) return `Invalid 'cpu' setting for task: '${def.cpu}'.`;
  if (def.memory !== undefined && taskMemory === undefined) return `Invalid 'memory' setting for task: '${def.memory}'.`;
  for (const container of def.containerDefinitions) {
    if (!container.name) return "Container.name should not be null or empty.";
    if (!/^[a-zA-Z0-9_-]{1,255}$/.test(container.name)) return `Container name '${container.name}' can have up to 255 characters: letters, numbers, hyphens and underscores.`;
    if (names.has(container.name)) return `Duplicate container name: '${container.name}'. Container names must be unique within a task definition.`;
    names.add(container.name);
    if (!container.image) return "Container.image should not be null or empty.";
    if (container.memory !== undefined && container.memory < 6) return `Invalid setting for container '${container.name}'. The 'memory' must be at least 6 MiB.`;
    if (taskMemory === undefined && container.memory === undefined && container.memoryReservation === undefined) {
      return `Invalid setting for container '${container.name}'. At least one of 'memory' or 'memoryReservation' must be specified.`;
    }
    if (container.memory !== undefined && container.memoryReservation !== undefined && container.memoryReservation > container.memory) {
      return `Invalid setting for container '${container.name}'. 'memoryReservation' must be less than or equal to 'memory'.`;
    }
    if (taskMemory !== undefined && container.memory !== undefined && container.memory > taskMemory) {
      return `Invalid setting for container '${container.name}'. The container 'memory' cannot exceed the task 'memory'.`;
    }
    for (const mapping of container.portMappings ?? []) {
      if (mapping.containerPort !== undefined && (mapping.containerPort < 0 || mapping.containerPort > 65535)) return `Invalid containerPort ${mapping.containerPort} for container '${container.name}'.`;
      if (def.networkMode === "awsvpc" && mapping.hostPort !== undefined && mapping.containerPort !== undefined && mapping.hostPort !== mapping.containerPort) {
        return "When networkMode=awsvpc, the host ports and container ports in port mappings must match.";
      }
    }
  }
  if (def.requiresCompatibilities?.includes("FARGATE")) {
    if (def.networkMode !== "awsvpc") return "Fargate only supports network mode 'awsvpc'.";
    // ECS's words: aws-cdk issue 29619 (pidMode), cn-terraform/terraform-aws-ecs-fargate issue 2 (ipcMode).
    if (def.pidMode === "host") return "Tasks using the Fargate launch type do not support pidMode 'host'. The supported value for pidMode is 'task'.";
    if (def.ipcMode !== undefined) return "Tasks using the Fargate launch type do not support ipcMode.";
    if (taskCpu === undefined) return "Fargate requires that 'cpu' be defined at the task level.";
    if (taskMemory === undefined) return "Fargate requires that 'memory' be defined at the task level.";
    if (!isValidFargateSize(taskCpu, taskMemory)) {
      return `No Fargate configuration exists for given values: ${def.cpu} CPU, ${def.memory} memory. See the Amazon ECS documentation for the valid values.`;
    }
  }
  return undefined;
}

/**
 * The launch types a definition can run on, as ECS reports them: EXTERNAL unless it uses awsvpc,
 * EC2 always, FARGATE with awsvpc, a task size Fargate offers and no host PID or IPC namespace.
 * (Order as ECS lists them.)
 */
export function compatibilitiesOf(def: Pick<TaskDefinitionShape, "networkMode" | "cpu" | "memory" | "pidMode" | "ipcMode">): Compatibility[] {
  if (def.networkMode !== "awsvpc") return ["EXTERNAL", "EC2"];
  if (def.pidMode === "host" || def.ipcMode !== undefined) return ["EC2"];
  const cpu = def.cpu !== undefined ? cpuUnits(def.cpu) : undefined;
  const memory = def.memory !== undefined ? memoryMiB(def.memory) : undefined;
  return cpu !== undefined && memory !== undefined && isValidFargateSize(cpu, memory) ? ["EC2", "FARGATE"] : ["EC2"];
}
