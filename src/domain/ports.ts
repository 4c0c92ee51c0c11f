// Host ports on container instances: which ports a bridge or host mode task takes on its instance,
// which are free, and the network bindings a task's containers get. awsvpc tasks have their own
// network interface and take no instance ports. Pure: values in, values out.
import type { NetworkBinding, TaskDefinition } from "@aws-sdk/client-ecs";
import type { Wire } from "../protocol/wire";

export type PortProtocol = "tcp" | "udp";

/** One port mapping of one container, as placed on an instance. */
export interface HostPortBinding {
  readonly container: string;
  readonly containerPort: number;
  /** 0 until placement when the mapping asks for a dynamic port. */
  readonly hostPort: number;
  readonly protocol: PortProtocol;
  /** Set once a dynamic port was chosen for the mapping (ECS does not count those in remainingResources). */
  readonly dynamic?: true;
}

/** Ports the agent reserves on every instance (RegisterContainerInstance's default PORTS resource). */
export const AGENT_RESERVED_PORTS: readonly number[] = [22, 2375, 2376, 51678, 51679];

/**
 * Where dynamic host ports come from. Decision: the Linux kernel's default ephemeral range
 * (ip_local_port_range 32768-60999), which the ECS agent uses when it can read it.
 */
export const DYNAMIC_PORT_RANGE = { first: 32768, last: 60999 } as const;

/** The network mode a task definition runs with on EC2 when it names none (Linux): bridge. */
export function networkModeOf(def: Pick<Wire<TaskDefinition>, "networkMode">): string {
  return def.networkMode ?? "bridge";
}

/** The port mappings that take ports on the instance (bridge and host modes only). */
export function requestedBindings(def: Wire<TaskDefinition>): HostPortBinding[] {
  const mode = networkModeOf(def);
  if (mode !== "bridge" && mode !== "host") return [];
  const bindings: HostPortBinding[] = [];
  for (const container of def.containerDefinitions ?? []) {
    for (const mapping of container.portMappings ?? []) {
      if (mapping.containerPort === undefined) continue;
      const hostPort = mode === "host" ? mapping.hostPort || mapping.containerPort : mapping.hostPort ?? 0;
      bindings.push({ container: container.name ?? "", containerPort: mapping.containerPort, hostPort, protocol: mapping.protocol === "udp" ? "udp" : "tcp" });
    }
  }
  return bindings;
}

export interface PortsInUse {
  readonly tcp: Set<number>;
  readonly udp: Set<number>;
}

export function markInUse(used: PortsInUse, bindings: readonly HostPortBinding[]): void {
  for (const b of bindings) if (b.hostPort > 0) used[b.protocol].add(b.hostPort);
}

/** The static host ports (asked for by number) among the bindings. */
export function staticPorts(bindings: readonly HostPortBinding[]): HostPortBinding[] {
  return bindings.filter((b) => b.hostPort > 0 && !b.dynamic);
}

/**
 * The bindings with a free host port for each dynamic one, or undefined when a static port is
 * already in use on the instance (ECS then does not place the task there: RESOURCE:PORTS).
 */
export function assignHostPorts(requested: readonly HostPortBinding[], used: PortsInUse): HostPortBinding[] | undefined {
  const taken: PortsInUse = { tcp: new Set(used.tcp), udp: new Set(used.udp) };
  for (const b of staticPorts(requested)) {
    if (taken[b.protocol].has(b.hostPort)) return undefined;
    taken[b.protocol].add(b.hostPort);
  }
  const assigned: HostPortBinding[] = [];
  for (const b of requested) {
    if (b.hostPort > 0) {
      assigned.push(b);
      continue;
    }
    let port: number = DYNAMIC_PORT_RANGE.first;
    while (port <= DYNAMIC_PORT_RANGE.last && taken[b.protocol].has(port)) port++;
    if (port > DYNAMIC_PORT_RANGE.last) return undefined;
    taken[b.protocol].add(port);
    assigned.push({ ...b, hostPort: port, dynamic: true });
  }
  return assigned;
}

/** A container's network bindings as DescribeTasks shows them once it runs. */
export function networkBindingsOf(container: string, bindings: readonly HostPortBinding[]): Wire<NetworkBinding>[] {
  return bindings
    .filter((b) => b.container === container)
    .map((b) => ({ bindIP: "0.0.0.0", containerPort: b.containerPort, hostPort: b.hostPort, protocol: b.protocol }));
}
