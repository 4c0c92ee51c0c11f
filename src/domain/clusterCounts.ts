// What each service, task and container instance counts toward its cluster: the store keeps the
// sums per cluster as rows change (RowKey.counts), so DescribeClusters reads a cluster's counts
// without listing what is in it. The definitions are those of observedState.ts (isRunning,
// isPending, a service's observed counts): a cluster counts its services' observed counts plus its
// standalone tasks; these functions only say which row carries which part.
import type { ContainerInstance, KeyValuePair, Service, Task } from "@aws-sdk/client-ecs";
import type { Wire } from "../protocol/wire";
import { isPending, isRunning } from "./observedState";
import type { TaskRecord } from "./records";

/** The STATISTICS of DescribeClusters, in the order ECS lists them. */
export const STATISTICS = [
  "runningEC2TasksCount",
  "runningFargateTasksCount",
  "pendingEC2TasksCount",
  "pendingFargateTasksCount",
  "activeEC2ServiceCount",
  "activeFargateServiceCount",
  "drainingEC2ServiceCount",
  "drainingFargateServiceCount",
] as const;

type Statistic = (typeof STATISTICS)[number];

/** Counter names: the statistics, plus the parts of the cluster's own counts. */
export type ClusterCounter =
  | Statistic
  /** Observed counts of services (all statuses): the cluster's counts include their tasks this way. */
  | "serviceRunningCount"
  | "servicePendingCount"
  /** Tasks started by RunTask or StartTask (no owner), counted one by one. */
  | "standaloneRunningCount"
  | "standalonePendingCount"
  | "registeredContainerInstancesCount";

export type ClusterCounts = Partial<Record<ClusterCounter, number>>;

/** Fargate when the launch type (or, without one, a capacity provider) says so; otherwise EC2. */
export function isFargate(launchType: string | undefined, providers: readonly (string | undefined)[]): boolean {
  if (launchType) return launchType === "FARGATE";
  return providers.some((p) => (p ?? "").startsWith("FARGATE"));
}

function nonZero(counts: ClusterCounts): ClusterCounts | undefined {
  let any = false;
  for (const name in counts) {
    if (counts[name as ClusterCounter] === 0) delete counts[name as ClusterCounter];
    else any = true;
  }
  return any ? counts : undefined;
}

export function serviceCounts(service: Wire<Service>): ClusterCounts | undefined {
  const fargate = isFargate(service.launchType, (service.capacityProviderStrategy ?? []).map((s) => s.capacityProvider));
  const counts: ClusterCounts = { serviceRunningCount: service.runningCount ?? 0, servicePendingCount: service.pendingCount ?? 0 };
  if (service.status === "ACTIVE") counts[fargate ? "activeFargateServiceCount" : "activeEC2ServiceCount"] = 1;
  else if (service.status === "DRAINING") counts[fargate ? "drainingFargateServiceCount" : "drainingEC2ServiceCount"] = 1;
  return nonZero(counts);
}

export function taskCounts(record: TaskRecord): ClusterCounts | undefined {
  const task: Wire<Task> = record.task;
  const running = isRunning(task);
  const pending = !running && isPending(task);
  if (!running && !pending) return undefined;
  const fargate = isFargate(task.launchType, [task.capacityProviderName]);
  const counts: ClusterCounts = {};
  if (running) counts[fargate ? "runningFargateTasksCount" : "runningEC2TasksCount"] = 1;
  else counts[fargate ? "pendingFargateTasksCount" : "pendingEC2TasksCount"] = 1;
  if (record.owner === "") counts[running ? "standaloneRunningCount" : "standalonePendingCount"] = 1;
  return counts;
}

export function containerInstanceCounts(instance: Wire<ContainerInstance>): ClusterCounts | undefined {
  return instance.status === "INACTIVE" ? undefined : { registeredContainerInstancesCount: 1 };
}

export interface ClusterSummary {
  activeServicesCount: number;
  /** DRAINING services: a cluster with any cannot be deleted. */
  drainingServicesCount: number;
  runningTasksCount: number;
  pendingTasksCount: number;
  registeredContainerInstancesCount: number;
  statistics: KeyValuePair[];
}

/** A cluster's counts from the totals of what is in it. */
export function clusterSummary(totals: Readonly<Record<string, number>>): ClusterSummary {
  const n = (name: ClusterCounter) => totals[name] ?? 0;
  return {
    activeServicesCount: n("activeEC2ServiceCount") + n("activeFargateServiceCount"),
    drainingServicesCount: n("drainingEC2ServiceCount") + n("drainingFargateServiceCount"),
    runningTasksCount: n("serviceRunningCount") + n("standaloneRunningCount"),
    pendingTasksCount: n("servicePendingCount") + n("standalonePendingCount"),
    registeredContainerInstancesCount: n("registeredContainerInstancesCount"),
    statistics: STATISTICS.map((name) => ({ name, value: String(n(name)) })),
  };
}
