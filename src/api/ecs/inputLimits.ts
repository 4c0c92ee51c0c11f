// Bounds ECS puts on request members, checked before any handler runs, so one request can ask for
// only a bounded amount of work: how many items a list may hold, the 32-bit range of integer
// members, and the documented ranges of a few numbers. Keyed like the model ("Structure.member"),
// so a bound applies wherever its structure appears. Sources in docs/limits.md.
import { InvalidParameterException } from "../../protocol/errors";
import type { Shape, StructureShape } from "../../protocol/model";

interface ListLimit {
  readonly max: number;
  /** What ECS calls the list in its refusal ("taskIds can have at most 100 items."). */
  readonly noun: string;
}

/** Documented maximum sizes of request lists (botocore's ECS documentation, ECS's quotas). */
export const LIST_LIMITS: ReadonlyMap<string, ListLimit> = new Map([
  ["DescribeClustersRequest.clusters", { max: 100, noun: "clusters" }],
  ["DescribeServicesRequest.services", { max: 10, noun: "service names" }],
  ["DescribeTasksRequest.tasks", { max: 100, noun: "taskIds" }],
  ["DescribeContainerInstancesRequest.containerInstances", { max: 100, noun: "instanceIds" }],
  ["DescribeCapacityProvidersRequest.capacityProviders", { max: 100, noun: "capacityProviders" }],
  // Undocumented; a service holds at most 5 task sets, so 100 is generous.
  ["DescribeTaskSetsRequest.taskSets", { max: 100, noun: "taskSets" }],
  ["GetTaskProtectionRequest.tasks", { max: 100, noun: "taskIds" }],
  ["UpdateTaskProtectionRequest.tasks", { max: 10, noun: "taskIds" }],
  ["UpdateContainerInstancesStateRequest.containerInstances", { max: 10, noun: "instanceIds" }],
  ["StartTaskRequest.containerInstances", { max: 10, noun: "containerInstances" }],
  ["DeleteTaskDefinitionsRequest.taskDefinitions", { max: 10, noun: "taskDefinitions" }],
  ["PutAttributesRequest.attributes", { max: 10, noun: "attributes" }],
  ["DeleteAttributesRequest.attributes", { max: 10, noun: "attributes" }],
  ["CreateClusterRequest.capacityProviders", { max: 20, noun: "capacityProviders" }],
  ["PutClusterCapacityProvidersRequest.capacityProviders", { max: 20, noun: "capacityProviders" }],
  ["CreateServiceRequest.placementConstraints", { max: 10, noun: "placementConstraints" }],
  ["UpdateServiceRequest.placementConstraints", { max: 10, noun: "placementConstraints" }],
  ["RunTaskRequest.placementConstraints", { max: 10, noun: "placementConstraints" }],
  ["RegisterTaskDefinitionRequest.placementConstraints", { max: 10, noun: "placementConstraints" }],
  ["CreateServiceRequest.placementStrategy", { max: 5, noun: "placementStrategy" }],
  ["UpdateServiceRequest.placementStrategy", { max: 5, noun: "placementStrategy" }],
  ["RunTaskRequest.placementStrategy", { max: 5, noun: "placementStrategy" }],
  // API reference: "You can specify a maximum of 20 ARNs."
  ["DescribeServiceDeploymentsRequest.serviceDeploymentArns", { max: 20, noun: "serviceDeploymentArns" }],
  ["DescribeServiceRevisionsRequest.serviceRevisionArns", { max: 20, noun: "serviceRevisionArns" }],
]);

/**
 * ECS's numeric members that are not 32-bit integers: botocore's model types them double or long.
 * (The JavaScript SDK's schemas say only "number"; every other numeric member is an Integer.)
 */
export const NON_INTEGER_MEMBERS: ReadonlySet<string> = new Set([
  "Scale.value",
  "Resource.doubleValue",
  "Resource.longValue",
  "CanaryConfiguration.canaryPercent",
  "LinearConfiguration.stepPercent",
  "DaemonDeploymentConfiguration.drainPercent",
  "MemoryGiBPerVCpuRequest.min",
  "MemoryGiBPerVCpuRequest.max",
  "TotalLocalStorageGBRequest.min",
  "TotalLocalStorageGBRequest.max",
  "NetworkBandwidthGbpsRequest.min",
  "NetworkBandwidthGbpsRequest.max",
]);

const INT32_MIN = -2_147_483_648;
const INT32_MAX = 2_147_483_647;

export interface NumericRange {
  readonly min?: number;
  readonly max?: number;
  /** ECS's words when the value is above max, where known. */
  readonly aboveMax?: string;
}

/** Documented ranges of numeric members (desiredCount's maximum is the configured tasks-per-service quota). */
export function numericRanges(maxTasksPerService: number): ReadonlyMap<string, NumericRange> {
  const desiredCount: NumericRange = { max: maxTasksPerService, aboveMax: "Desired count exceeds limit." };
  return new Map([
    ["CreateServiceRequest.desiredCount", desiredCount],
    ["UpdateServiceRequest.desiredCount", desiredCount],
    ["HealthCheck.interval", { min: 5, max: 300 }],
    ["HealthCheck.timeout", { min: 2, max: 60 }],
    ["HealthCheck.retries", { min: 1, max: 10 }],
    ["HealthCheck.startPeriod", { min: 0, max: 300 }],
    ["DeploymentConfiguration.bakeTimeInMinutes", { min: 0, max: 1440 }],
    // The model's DeploymentLifecycleHookDuration; Lambda hooks are held to 1440 in deploymentConfig.ts.
    ["DeploymentLifecycleHookTimeoutConfiguration.timeoutInMinutes", { min: 1, max: 20160 }],
    ["LinearConfiguration.stepBakeTimeInMinutes", { min: 0, max: 1440 }],
    ["CanaryConfiguration.canaryBakeTimeInMinutes", { min: 0, max: 1440 }],
  ]);
}

function validationError(value: number, at: string, constraint: string): InvalidParameterException {
  return new InvalidParameterException(`1 validation error detected: Value '${value}' at '${at}' failed to satisfy constraint: ${constraint}`);
}

function pathOf(parent: string, name: string | number): string {
  if (typeof name === "number") return `${parent}[${name}]`;
  return parent ? `${parent}.${name}` : name;
}

/** Checks a decoded input against the bounds; throws InvalidParameterException naming the member. */
export function checkInputLimits(input: Record<string, unknown>, shape: StructureShape, ranges: ReadonlyMap<string, NumericRange>): void {
  checkStructure(input, shape, "", ranges);
}

function checkStructure(value: Record<string, unknown>, shape: StructureShape, at: string, ranges: ReadonlyMap<string, NumericRange>): void {
  for (const [name, member] of shape.members) {
    const memberValue = value[name];
    if (memberValue === undefined) continue;
    const key = `${shape.name}.${name}`;
    const where = pathOf(at, name);
    if (Array.isArray(memberValue)) {
      const limit = LIST_LIMITS.get(key);
      if (limit && memberValue.length > limit.max) throw new InvalidParameterException(`${limit.noun} can have at most ${limit.max} items.`);
    }
    checkValue(memberValue, member.shape, key, where, ranges);
  }
}

function checkValue(value: unknown, shape: Shape, key: string, at: string, ranges: ReadonlyMap<string, NumericRange>): void {
  switch (shape.kind) {
    case "number": {
      if (typeof value !== "number") return;
      const range = ranges.get(key);
      if (!NON_INTEGER_MEMBERS.has(key)) {
        if (value > INT32_MAX && range?.aboveMax === undefined) throw validationError(value, at, `Member must have value less than or equal to ${INT32_MAX}`);
        if (value < INT32_MIN) throw validationError(value, at, `Member must have value greater than or equal to ${INT32_MIN}`);
      }
      if (range?.max !== undefined && value > range.max) throw range.aboveMax ? new InvalidParameterException(range.aboveMax) : validationError(value, at, `Member must have value less than or equal to ${range.max}`);
      if (range?.min !== undefined && value < range.min) throw validationError(value, at, `Member must have value greater than or equal to ${range.min}`);
      return;
    }
    case "list":
      if (Array.isArray(value)) value.forEach((item, i) => checkValue(item, shape.member, key, pathOf(at, i), ranges));
      return;
    case "map":
      if (value && typeof value === "object") for (const [k, item] of Object.entries(value)) checkValue(item, shape.value, key, pathOf(at, k), ranges);
      return;
    case "structure":
      if (value && typeof value === "object" && !Array.isArray(value)) checkStructure(value as Record<string, unknown>, shape, at, ranges);
      return;
    default:
      return;
  }
}
