// Where and how tasks launch: launch type or capacity provider strategy, platform version, awsvpc
// networking, load balancers and service registries, checked against the task definition and the
// cluster as ECS checks them. Pure: values in, a normalized value or a refusal out.
import type {
  CapacityProviderStrategyItem,
  Cluster,
  LaunchType,
  LoadBalancer,
  NetworkConfiguration,
  ServiceRegistry,
  TaskDefinition,
} from "@aws-sdk/client-ecs";
import type { Wire } from "../protocol/wire";
import { capacityProviderStrategyProblem } from "./placement";

export interface LaunchRequest {
  launchType?: LaunchType;
  capacityProviderStrategy?: CapacityProviderStrategyItem[];
  platformVersion?: string;
  networkConfiguration?: NetworkConfiguration;
  loadBalancers?: Wire<LoadBalancer>[];
  serviceRegistries?: ServiceRegistry[];
}

export interface LaunchSettings {
  launchType?: LaunchType;
  capacityProviderStrategy?: CapacityProviderStrategyItem[];
  platformVersion?: string;
  platformFamily?: string;
  networkConfiguration?: NetworkConfiguration;
  loadBalancers: Wire<LoadBalancer>[];
  serviceRegistries: ServiceRegistry[];
}

export type LaunchRefusal =
  | { exception: "InvalidParameterException" | "ClientException" | "PlatformUnknownException" | "PlatformTaskDefinitionIncompatibilityException"; message: string };

export const MAX_SUBNETS = 16;
export const MAX_SECURITY_GROUPS = 5;
const FARGATE_LINUX_PLATFORM_VERSIONS = ["LATEST", "1.4.0", "1.3.0"];
const FARGATE_WINDOWS_PLATFORM_VERSIONS = ["LATEST", "1.0.0"];

function invalid(message: string): LaunchRefusal {
  return { exception: "InvalidParameterException", message };
}

/** True when tasks of this launch run on Fargate (launch type, or a FARGATE* provider in the strategy). */
export function usesFargate(settings: Pick<LaunchSettings, "launchType" | "capacityProviderStrategy">): boolean {
  if (settings.launchType) return settings.launchType === "FARGATE";
  return (settings.capacityProviderStrategy ?? []).some((item) => (item.capacityProvider ?? "").startsWith("FARGATE"));
}

function networkProblem(network: NetworkConfiguration | undefined, networkMode: string | undefined): LaunchRefusal | undefined {
  const awsvpc = network?.awsvpcConfiguration;
  if (networkMode === "awsvpc") {
    if (!awsvpc) return invalid("Network Configuration must be provided when networkMode 'awsvpc' is specified.");
  } else if (awsvpc) {
    return invalid("Network Configuration is not valid for the given networkMode of this task definition.");
  }
  if (!awsvpc) return undefined;
  const subnets = awsvpc.subnets ?? [];
  if (subnets.length === 0) return invalid("subnets can not be empty.");
  if (subnets.length > MAX_SUBNETS) return invalid(`subnets can have at most ${MAX_SUBNETS} items.`);
  if ((awsvpc.securityGroups ?? []).length > MAX_SECURITY_GROUPS) return invalid(`securityGroups can have at most ${MAX_SECURITY_GROUPS} items.`);
  return undefined;
}

function loadBalancerProblem(loadBalancers: readonly Wire<LoadBalancer>[], def: Wire<TaskDefinition>, maxTargetGroups: number): LaunchRefusal | undefined {
  if (loadBalancers.length > maxTargetGroups) {
    // ECS's words: containers-roadmap issue 1380 (task sets), hashicorp/terraform issue 25306 (services).
    return invalid(maxTargetGroups === 1 ? "CreateTaskSet cannot have more than 1 load balancer." : `load balancers can have at most ${maxTargetGroups} items.`);
  }
  for (const lb of loadBalancers) {
    if (!lb.targetGroupArn && !lb.loadBalancerName) return invalid("A load balancer needs a targetGroupArn (or a loadBalancerName for a Classic Load Balancer).");
    if (!lb.containerName || lb.containerPort === undefined) return invalid("A load balancer needs a containerName and a containerPort.");
    const container = (def.containerDefinitions ?? []).find((c) => c.name === lb.containerName);
    if (!container) return invalid(`The container ${lb.containerName} does not exist in the task definition.`);
    if (!(container.portMappings ?? []).some((p) => p.containerPort === lb.containerPort)) {
      return invalid(`The container ${lb.containerName} did not have a container port ${lb.containerPort} defined.`);
    }
  }
  return undefined;
}

/** True when the task definition uses what Fargate offers only from platform version 1.4.0. */
function needsPlatform14(def: Wire<TaskDefinition>): boolean {
  return (def.volumes ?? []).some((v) => v.efsVolumeConfiguration !== undefined) || def.ephemeralStorage !== undefined;
}

/**
 * Checks a launch request against its task definition and cluster, and fills ECS's defaults: the
 * cluster's default capacity provider strategy, else the EC2 launch type; LATEST on Fargate.
 */
export function resolveLaunch(
  request: LaunchRequest,
  def: Wire<TaskDefinition>,
  cluster: Wire<Cluster>,
  options: { maxTargetGroups: number },
): LaunchSettings | LaunchRefusal {
  if (request.launchType && request.capacityProviderStrategy?.length) {
    return invalid("Specifying both a launch type and capacity provider strategy is not supported. Remove one and try again.");
  }
  let launchType = request.launchType;
  let strategy = request.capacityProviderStrategy?.length ? request.capacityProviderStrategy : undefined;
  if (!launchType && !strategy) {
    if (cluster.defaultCapacityProviderStrategy?.length) strategy = cluster.defaultCapacityProviderStrategy;
    else launchType = "EC2";
  }
  if (strategy) {
    const problem = capacityProviderStrategyProblem(strategy);
    if (problem) return invalid(problem);
    for (const item of strategy) {
      if (!(cluster.capacityProviders ?? []).includes(item.capacityProvider ?? "")) {
        return invalid("The specified capacity provider strategy cannot contain a capacity provider that is not associated with the cluster. Associate the capacity provider with the cluster or specify a valid capacity provider and try again.");
      }
    }
  }
  const fargate = usesFargate({ launchType, capacityProviderStrategy: strategy });
  // InvalidParameterException, as ECS answers it (aws-cli issue 3983, sil-org/ecs-deploy issue 134); EXTERNAL by analogy.
  if (fargate && !(def.compatibilities ?? []).includes("FARGATE")) {
    return invalid("Task definition does not support launch_type FARGATE.");
  }
  if (launchType === "EXTERNAL" && !(def.compatibilities ?? []).includes("EXTERNAL") && def.networkMode === "awsvpc") {
    return invalid("Task definition does not support launch_type EXTERNAL.");
  }
  let platformVersion = request.platformVersion;
  let platformFamily: string | undefined;
  if (fargate) {
    const windows = (def.runtimePlatform?.operatingSystemFamily ?? "LINUX").startsWith("WINDOWS");
    platformFamily = windows ? "WINDOWS_SERVER_2019_FULL" : "Linux";
    platformVersion ??= "LATEST";
    const known = windows ? FARGATE_WINDOWS_PLATFORM_VERSIONS : FARGATE_LINUX_PLATFORM_VERSIONS;
    // ECS's words (jenkinsci/amazon-ecs-plugin issue 218).
    if (!known.includes(platformVersion)) return { exception: "PlatformUnknownException", message: "The specified platform does not exist." };
    if (!windows && platformVersion === "1.3.0" && needsPlatform14(def)) {
      // EFS volumes and ephemeral storage came with Fargate 1.4.0 (ansible/ansible issue 70625).
      return { exception: "PlatformTaskDefinitionIncompatibilityException", message: "One or more of the requested capabilities are not supported." };
    }
  } else if (platformVersion !== undefined) {
    return invalid(`The platform version must be null when specifying an ${launchType ?? "EC2"} launch type.`);
  }
  const networkError = networkProblem(request.networkConfiguration, def.networkMode);
  if (networkError) return networkError;
  const loadBalancers = request.loadBalancers ?? [];
  const lbError = loadBalancerProblem(loadBalancers, def, options.maxTargetGroups);
  if (lbError) return lbError;
  if ((request.serviceRegistries ?? []).length > 1) return invalid("At most one service registry can be specified.");
  const networkConfiguration = request.networkConfiguration?.awsvpcConfiguration
    ? { awsvpcConfiguration: { ...request.networkConfiguration.awsvpcConfiguration, securityGroups: request.networkConfiguration.awsvpcConfiguration.securityGroups ?? [], assignPublicIp: request.networkConfiguration.awsvpcConfiguration.assignPublicIp ?? "DISABLED" } }
    : undefined;
  return {
    ...(launchType ? { launchType } : {}),
    ...(strategy ? { capacityProviderStrategy: strategy.map((s) => ({ capacityProvider: s.capacityProvider, weight: s.weight ?? 0, base: s.base ?? 0 })) } : {}),
    ...(platformVersion ? { platformVersion } : {}),
    ...(platformFamily ? { platformFamily } : {}),
    ...(networkConfiguration ? { networkConfiguration } : {}),
    loadBalancers,
    serviceRegistries: request.serviceRegistries ?? [],
  };
}

export function isRefusal(value: LaunchSettings | LaunchRefusal): value is LaunchRefusal {
  return "exception" in value;
}
