// Services: CreateService, DescribeServices, ListServices, UpdateService, DeleteService, with the
// ECS, CODE_DEPLOY and EXTERNAL deployment controllers.
import type {
  CreateServiceRequest,
  CreateServiceResponse,
  DeleteServiceRequest,
  DeleteServiceResponse,
  Deployment,
  DescribeServicesRequest,
  DescribeServicesResponse,
  Failure,
  ListServicesByNamespaceRequest,
  ListServicesByNamespaceResponse,
  ListServicesRequest,
  ListServicesResponse,
  Service,
  TaskSet,
  UpdateServiceRequest,
  UpdateServiceResponse,
} from "@aws-sdk/client-ecs";
import { arns, isArn, scopeKey, scopeOfArn } from "../../domain/arn";
import { advancedConfigurationProblem, deploymentStrategyProblem, shiftsTraffic, strategyOf } from "../../domain/deploymentConfig";
import { isFinished, supersede } from "../../domain/deploymentMachine";
import type { LaunchSettings } from "../../domain/launch";
import type { ClusterRecord, ServiceRecord, TaskSetRecord } from "../../domain/records";
import { computeDesiredCount } from "../../domain/scale";
import { nextStability, stabilityForDesiredCount } from "../../domain/observedState";
import { defaultAvailabilityZoneRebalancing, requiresServiceLinkedRole, serviceRoleArn } from "../../domain/serviceDefaults";
import { tagProblem } from "../../domain/tags";
import { InvalidParameterException } from "../../protocol/errors";
import { epochSeconds, type Wire } from "../../protocol/wire";
import type { Tx } from "../../store/store";
import type { Handler, RequestContext } from "../context";
import { checkLoadBalancers } from "../../coupling/ecsLoadBalancing";
import { saveServiceDeployment } from "../../scheduler/serviceDeployments";
import { launchSettings } from "./launch";
import { listPage } from "./paging";
import { activeCluster, activeService, existingService, inScope, serviceArnOf } from "./resolve";
import { usableTaskDefinition } from "./taskDefinitions";
import { currentServiceRevisions, startServiceDeployment } from "./serviceDeployments";

const SERVICE_NAME = /^[a-zA-Z0-9_-]{1,255}$/;

/**
 * Parameters that belong to task sets when the controller is EXTERNAL, and ECS's refusal of each
 * (docs/task-sets.md). The platform version is not among them: PipeCD sends it and ECS accepts it.
 */
const TASK_SET_LEVEL_PARAMETERS = {
  taskDefinition: "TaskDefinition must be blank.",
  launchType: "LaunchType must be null.",
  capacityProviderStrategy: "CapacityProviderStrategy must be null.",
  networkConfiguration: "NetworkConfiguration must be null.",
  loadBalancers: "LoadBalancers must be null.",
  serviceRegistries: "ServiceRegistries must be null.",
} as const;
/** What UpdateService may change on an EXTERNAL service (enableExecuteCommand: PipeCD sends it on every update). */
const EXTERNAL_UPDATABLE = new Set(["cluster", "service", "desiredCount", "placementConstraints", "placementStrategy", "healthCheckGracePeriodSeconds", "enableECSManagedTags", "propagateTags", "deploymentConfiguration", "enableExecuteCommand"]);
/** ECS's words (aws-cdk issue 26307). */
const ALARMS_NEED_ECS_CONTROLLER = "Alarm based rollback feature is only supported with ECS deployment controller. Update to ECS deployment controller and try again.";
/** What UpdateService may change on a CODE_DEPLOY service (the rest goes through CodeDeploy). */
const CODE_DEPLOY_UPDATABLE = new Set(["cluster", "service", "desiredCount", "deploymentConfiguration", "placementConstraints", "placementStrategy", "healthCheckGracePeriodSeconds", "enableExecuteCommand", "enableECSManagedTags", "propagateTags", "loadBalancers", "serviceRegistries"]);

function controllerOf(service: Wire<Service>): string {
  return service.deploymentController?.type ?? "ECS";
}

function countProblem(name: string, value: number | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (!Number.isInteger(value) || value < 0) return `${name} must be a non-negative integer (got ${value}).`;
  return undefined;
}

function deploymentConfigurationOf(input: Wire<CreateServiceRequest>["deploymentConfiguration"], controller: string) {
  const base = {
    maximumPercent: input?.maximumPercent ?? 200,
    minimumHealthyPercent: input?.minimumHealthyPercent ?? 100,
  };
  if (controller !== "ECS") return base;
  // ECS shows the strategy (ROLLING unless given) and the bake time (0 unless given) on every
  // ECS-controller service (DescribeServices outputs of 2026 in docs/deployments.md).
  return {
    deploymentCircuitBreaker: { enable: input?.deploymentCircuitBreaker?.enable ?? false, rollback: input?.deploymentCircuitBreaker?.rollback ?? false },
    ...base,
    ...(input?.alarms ? { alarms: input.alarms } : {}),
    strategy: input?.strategy ?? "ROLLING",
    bakeTimeInMinutes: input?.bakeTimeInMinutes ?? 0,
    ...(input?.lifecycleHooks ? { lifecycleHooks: input.lifecycleHooks } : {}),
    ...(input?.linearConfiguration ? { linearConfiguration: input.linearConfiguration } : {}),
    ...(input?.canaryConfiguration ? { canaryConfiguration: input.canaryConfiguration } : {}),
  };
}

function deploymentConfigurationProblem(config: Wire<CreateServiceRequest>["deploymentConfiguration"]): string | undefined {
  if (!config) return undefined;
  if (config.maximumPercent !== undefined && (!Number.isInteger(config.maximumPercent) || config.maximumPercent < 100)) return "maximumPercent must be an integer of at least 100.";
  if (config.minimumHealthyPercent !== undefined && (!Number.isInteger(config.minimumHealthyPercent) || config.minimumHealthyPercent < 0 || config.minimumHealthyPercent > 100)) {
    return "minimumHealthyPercent must be an integer between 0 and 100.";
  }
  return undefined;
}

/** A new PRIMARY deployment of an ECS-controller service. */
export function newDeployment(ctx: RequestContext, taskDefinition: string, desiredCount: number, launch: LaunchSettings, volumeConfigurations?: Wire<Deployment>["volumeConfigurations"]): Wire<Deployment> {
  const id = `ecs-svc/${ctx.ids.digits19()}`;
  const now = epochSeconds(ctx.clock.now());
  return {
    id,
    status: "PRIMARY",
    taskDefinition,
    desiredCount,
    pendingCount: 0,
    runningCount: 0,
    failedTasks: 0,
    createdAt: now,
    updatedAt: now,
    ...(launch.launchType ? { launchType: launch.launchType } : {}),
    ...(launch.capacityProviderStrategy ? { capacityProviderStrategy: launch.capacityProviderStrategy } : {}),
    ...(launch.platformVersion ? { platformVersion: launch.platformVersion } : {}),
    ...(launch.platformFamily ? { platformFamily: launch.platformFamily } : {}),
    ...(launch.networkConfiguration ? { networkConfiguration: launch.networkConfiguration } : {}),
    rolloutState: "IN_PROGRESS",
    rolloutStateReason: "ECS deployment " + id + " in progress.",
    ...(volumeConfigurations?.length ? { volumeConfigurations } : {}),
  };
}

/**
 * The parameters the service shows for its primary task set. With no primary there is no task
 * definition, network or strategy (null on the wire), and the launch type ECS gave the service at
 * creation, EC2 (a DescribeServices output in PipeCD's maintainer's guide: docs/task-sets.md).
 */
function primaryParameters(taskSets: readonly Wire<TaskSet>[]): Partial<Wire<Service>> {
  const primary = taskSets.find((t) => t.status === "PRIMARY");
  if (!primary) return { launchType: "EC2" };
  return {
    taskDefinition: primary.taskDefinition,
    ...(primary.launchType ? { launchType: primary.launchType } : {}),
    ...(primary.capacityProviderStrategy?.length ? { capacityProviderStrategy: primary.capacityProviderStrategy } : {}),
    ...(primary.platformVersion ? { platformVersion: primary.platformVersion } : {}),
    ...(primary.platformFamily ? { platformFamily: primary.platformFamily } : {}),
    ...(primary.networkConfiguration ? { networkConfiguration: primary.networkConfiguration } : {}),
    loadBalancers: primary.loadBalancers ?? [],
    serviceRegistries: primary.serviceRegistries ?? [],
  };
}

export async function taskSetsOf(tx: Tx, service: Wire<Service>): Promise<TaskSetRecord[]> {
  const records = await tx.list("taskSet", { scope: scopeKey(scopeOfArn(service.serviceArn ?? "")), parent: service.serviceArn ?? "" });
  // Oldest first; sets created in the same millisecond by id, so the order is stable.
  return records.sort((a, b) => (a.taskSet.createdAt ?? 0) - (b.taskSet.createdAt ?? 0) || ((a.taskSet.id ?? "") < (b.taskSet.id ?? "") ? -1 : 1));
}

/** The service as ECS returns it: task sets and the primary's parameters for task-set controllers. */
export async function presentService(tx: Tx, record: ServiceRecord, includeTags: boolean): Promise<Wire<Service>> {
  const service = record.service;
  // An undefined member is not serialised (and a spread is far cheaper than rest-destructuring).
  const shown: Wire<Service> = { ...service, tags: includeTags ? service.tags ?? [] : undefined };
  // The service's revisions are its deployments seen as revisions: one state, two views.
  if (controllerOf(service) === "ECS") return { ...shown, currentServiceRevisions: currentServiceRevisions(service) };
  // Task sets come with their tags here, include or not (a DescribeServices output shows "tags": []).
  const taskSets = (await taskSetsOf(tx, service)).map((t) => ({ ...t.taskSet, tags: t.taskSet.tags ?? [] }));
  return { ...shown, ...primaryParameters(taskSets), taskSets, deployments: [] };
}

const createService: Handler<CreateServiceRequest, CreateServiceResponse> = async (input, ctx) => {
  const name = input.serviceName ?? "";
  if (!SERVICE_NAME.test(name)) throw new InvalidParameterException("Service name can have up to 255 characters: letters (upper and lower case), numbers, hyphens and underscores.");
  const controller = input.deploymentController?.type ?? "ECS";
  const problem =
    countProblem("desiredCount", input.desiredCount) ??
    countProblem("healthCheckGracePeriodSeconds", input.healthCheckGracePeriodSeconds) ??
    deploymentConfigurationProblem(input.deploymentConfiguration) ??
    deploymentStrategyProblem(input.deploymentConfiguration, controller) ??
    (controller === "ECS" ? advancedConfigurationProblem(strategyOf(input.deploymentConfiguration), input.loadBalancers ?? []) : undefined) ??
    tagProblem(input.tags ?? []);
  if (problem) throw new InvalidParameterException(problem);
  if (input.schedulingStrategy === "DAEMON" && controller !== "ECS") throw new InvalidParameterException("The DAEMON scheduling strategy is supported only with the ECS deployment controller.");
  if (input.deploymentConfiguration?.alarms?.enable && controller !== "ECS") throw new InvalidParameterException(ALARMS_NEED_ECS_CONTROLLER);
  if (controller === "EXTERNAL") {
    // ECS parses the task definition before it looks at the controller (terraform-provider-aws issue 27362).
    if (input.taskDefinition === "") throw new InvalidParameterException("Family should not be null or empty.");
    for (const [parameter, refusal] of Object.entries(TASK_SET_LEVEL_PARAMETERS)) {
      const value = input[parameter as keyof typeof TASK_SET_LEVEL_PARAMETERS];
      // SDKs send empty lists, and older Terraform an empty launch type, for "none".
      if (value !== undefined && value !== "" && !(Array.isArray(value) && value.length === 0)) throw new InvalidParameterException(refusal);
    }
  } else if (!input.taskDefinition) {
    throw new InvalidParameterException(`A task definition must be specified for a service that uses the ${controller} deployment controller.`);
  }
  if (controller === "CODE_DEPLOY" && !(input.loadBalancers ?? []).length) {
    throw new InvalidParameterException("A service that uses the CODE_DEPLOY deployment controller must have a load balancer.");
  }
  const result = await ctx.store.transaction(async (tx) => {
    const cluster = await activeCluster(tx, ctx, input.cluster);
    const clusterName = cluster.cluster.clusterName ?? "";
    const arn = arns.service(ctx, clusterName, name);
    const existing = await tx.get("service", arn);
    if (existing && existing.service.status !== "INACTIVE") {
      if (input.clientToken !== undefined && existing.clientToken === input.clientToken) return { service: await presentService(tx, existing, false) };
      throw new InvalidParameterException("Creation of service was not idempotent.");
    }
    const now = epochSeconds(ctx.clock.now());
    const desiredCount = input.desiredCount ?? 0;
    const service: Wire<Service> = {
      serviceArn: arn,
      serviceName: name,
      clusterArn: cluster.cluster.clusterArn,
      loadBalancers: [],
      serviceRegistries: [],
      status: "ACTIVE",
      desiredCount,
      runningCount: 0,
      pendingCount: 0,
      deploymentConfiguration: deploymentConfigurationOf(input.deploymentConfiguration, controller),
      deployments: [],
      events: [],
      createdAt: now,
      placementConstraints: input.placementConstraints ?? [],
      placementStrategy: input.placementStrategy ?? [],
      healthCheckGracePeriodSeconds: input.healthCheckGracePeriodSeconds ?? 0,
      schedulingStrategy: input.schedulingStrategy ?? "REPLICA",
      deploymentController: { type: controller },
      tags: input.tags ?? [],
      createdBy: ctx.principal,
      enableECSManagedTags: input.enableECSManagedTags ?? false,
      propagateTags: input.propagateTags ?? "NONE",
      enableExecuteCommand: input.enableExecuteCommand ?? false,
      availabilityZoneRebalancing:
        input.availabilityZoneRebalancing ??
        defaultAvailabilityZoneRebalancing({ controller, schedulingStrategy: input.schedulingStrategy ?? "REPLICA", placementStrategy: input.placementStrategy ?? [] }),
    };
    const record: ServiceRecord = { service, ...(input.clientToken !== undefined ? { clientToken: input.clientToken } : {}), reconcileAt: ctx.clock.now() };
    let networkMode: string | undefined;
    if (controller !== "EXTERNAL") {
      const taskDefinition = await usableTaskDefinition(tx, ctx, input.taskDefinition ?? "");
      const launch = launchSettings(input, taskDefinition.taskDefinition, cluster.cluster, 5);
      await checkLoadBalancers(tx, ctx, launch.loadBalancers, taskDefinition.taskDefinition);
      const taskDefinitionArn = taskDefinition.taskDefinition.taskDefinitionArn ?? "";
      networkMode = taskDefinition.taskDefinition.networkMode;
      Object.assign(service, {
        taskDefinition: taskDefinitionArn,
        ...launch,
      });
      if (controller === "ECS") {
        // A blue/green, linear or canary deployment's revision starts at 0 tasks and scales up at SCALE_UP.
        const first = newDeployment(ctx, taskDefinitionArn, shiftsTraffic(strategyOf(service.deploymentConfiguration)) ? 0 : desiredCount, launch, input.volumeConfigurations);
        service.deployments = [first];
        const started = await startServiceDeployment(tx, ctx, { cluster, service, taskDefinition: taskDefinition.taskDefinition, launch });
        service.currentServiceDeployment = started.currentServiceDeployment;
        record.deploymentHistory = started.deploymentHistory;
      } else {
        // CODE_DEPLOY: ECS creates the first, PRIMARY task set itself.
        await tx.put("taskSet", codeDeployTaskSet(ctx, cluster, service, launch, now));
      }
    }
    const roleFacts = { controller, networkMode, loadBalancers: (input.loadBalancers ?? []).length, serviceRegistries: (input.serviceRegistries ?? []).length };
    if (input.role && requiresServiceLinkedRole(roleFacts)) throw new InvalidParameterException("You cannot specify an IAM role for services that require a service linked role.");
    const roleArn = serviceRoleArn(ctx.account, input.role, roleFacts);
    if (roleArn) service.roleArn = roleArn;
    await tx.put("service", record);
    // The response echoes the tags it was given (the AWS CLI's create-service example 1); with none it has none.
    return { service: await presentService(tx, record, (input.tags ?? []).length > 0) };
  });
  ctx.wakeScheduler();
  return result;
};

function codeDeployTaskSet(ctx: RequestContext, cluster: ClusterRecord, service: Wire<Service>, launch: LaunchSettings, now: number): TaskSetRecord {
  const id = `ecs-svc/${ctx.ids.digits19()}`;
  return {
    taskSet: {
      id,
      taskSetArn: arns.taskSet(ctx, cluster.cluster.clusterName ?? "", service.serviceName ?? "", id),
      serviceArn: service.serviceArn,
      clusterArn: service.clusterArn,
      startedBy: "CodeDeploy",
      status: "PRIMARY",
      taskDefinition: service.taskDefinition,
      computedDesiredCount: service.desiredCount ?? 0,
      pendingCount: 0,
      runningCount: 0,
      createdAt: now,
      updatedAt: now,
      ...launch,
      scale: { value: 100, unit: "PERCENT" },
      stabilityStatus: "STABILIZING",
      stabilityStatusAt: now,
      tags: [],
    },
    reconcileAt: ctx.clock.now(),
  };
}

const describeServices: Handler<DescribeServicesRequest, DescribeServicesResponse> = async (input, ctx) => {
  const requested = input.services ?? [];
  if (requested.length === 0) throw new InvalidParameterException("Services cannot be empty.");
  return ctx.store.transaction(async (tx) => {
    const cluster = await activeCluster(tx, ctx, input.cluster);
    const services: Wire<Service>[] = [];
    const failures: Failure[] = [];
    for (const name of requested) {
      const arn = serviceArnOf(ctx, cluster.cluster.clusterName ?? "", name);
      const record = inScope(arn, ctx) ? await tx.get("service", arn) : undefined;
      // A service that is not there is named by the short ARN of the bare name (arn:...:service/<name>), as ECS names it.
      if (!record || record.service.clusterArn !== cluster.cluster.clusterArn) failures.push({ arn: isArn(name) ? name : arns.shortService(ctx, name), reason: "MISSING" });
      else services.push(await presentService(tx, record, input.include?.includes("TAGS") ?? false));
    }
    return { services, failures };
  });
};

/** ListServices returns 10 services a page unless maxResults says otherwise (at most 100). */
const LIST_SERVICES_DEFAULT_PAGE = 10;

const listServices: Handler<ListServicesRequest, ListServicesResponse> = async (input, ctx) =>
  ctx.store.transaction(async (tx) => {
    const cluster = await activeCluster(tx, ctx, input.cluster);
    const clusterArn = cluster.cluster.clusterArn ?? "";
    // A task-set service's launch type is its primary task set's, as DescribeServices shows it.
    const launchTypeOf = async (r: ServiceRecord) => (controllerOf(r.service) === "ECS" ? r.service.launchType : (await presentService(tx, r, false)).launchType);
    const page = await listPage(
      { ...input, maxResults: input.maxResults ?? LIST_SERVICES_DEFAULT_PAGE },
      async (afterArn, limit) => {
        const records = await tx.list("service", { scope: ctx.scope, parent: clusterArn, afterArn, limit });
        return Promise.all(records.map(async (record) => ({ record, launchType: input.launchType ? await launchTypeOf(record) : undefined })));
      },
      (r) => r.record.service.serviceArn ?? "",
      // DRAINING and INACTIVE services are no longer listed (DeleteService's documentation).
      ({ record, launchType }) =>
        record.service.status === "ACTIVE" &&
        (!input.launchType || launchType === input.launchType) &&
        (!input.schedulingStrategy || record.service.schedulingStrategy === input.schedulingStrategy) &&
        // Every ecslite service is managed by its customer; none by ECS (Express services).
        input.resourceManagementType !== "ECS",
    );
    return { serviceArns: page.items.map((r) => r.record.service.serviceArn ?? ""), ...(page.nextToken ? { nextToken: page.nextToken } : {}) };
  });

const listServicesByNamespace: Handler<ListServicesByNamespaceRequest, ListServicesByNamespaceResponse> = async (input) => {
  if (!input.namespace) throw new InvalidParameterException("namespace must be specified.");
  // Service Connect namespaces are not modelled: no service is in any namespace.
  return { serviceArns: [] };
};

/** The parameters an UpdateService request changes; forceNewDeployment false (which SDKs send) changes nothing. */
function changedParameters(input: Record<string, unknown>): string[] {
  return Object.keys(input).filter((k) => input[k] !== undefined && !(k === "forceNewDeployment" && input[k] === false));
}

/** Recomputes each task set's desired count for a new service desiredCount, and wakes them. */
async function rippleDesiredCount(tx: Tx, ctx: RequestContext, service: Wire<Service>): Promise<void> {
  for (const record of await taskSetsOf(tx, service)) {
    if (record.taskSet.status === "DRAINING") continue;
    const computedDesiredCount = computeDesiredCount(service.desiredCount ?? 0, record.taskSet.scale?.value ?? 0);
    if (computedDesiredCount === record.taskSet.computedDesiredCount) continue;
    const taskSet = { ...record.taskSet, computedDesiredCount, updatedAt: epochSeconds(ctx.clock.now()) };
    Object.assign(taskSet, nextStability(taskSet, stabilityForDesiredCount(taskSet, computedDesiredCount), epochSeconds(ctx.clock.now())));
    await tx.put("taskSet", { ...record, taskSet, reconcileAt: ctx.clock.now() });
  }
}

const updateService: Handler<UpdateServiceRequest, UpdateServiceResponse> = async (input, ctx) => {
  const problem =
    countProblem("desiredCount", input.desiredCount) ??
    countProblem("healthCheckGracePeriodSeconds", input.healthCheckGracePeriodSeconds) ??
    deploymentConfigurationProblem(input.deploymentConfiguration);
  if (problem) throw new InvalidParameterException(problem);
  const result = await ctx.store.transaction(async (tx) => {
    const cluster = await activeCluster(tx, ctx, input.cluster);
    const record = await activeService(tx, ctx, cluster, input.service ?? "");
    const controller = controllerOf(record.service);
    const mergedConfiguration = input.deploymentConfiguration ? { ...record.service.deploymentConfiguration, ...input.deploymentConfiguration } : undefined;
    const strategyProblem =
      deploymentStrategyProblem(input.deploymentConfiguration ? { ...input.deploymentConfiguration, strategy: mergedConfiguration?.strategy } : undefined, controller) ??
      (controller === "ECS" ? advancedConfigurationProblem(strategyOf(mergedConfiguration ?? record.service.deploymentConfiguration), input.loadBalancers ?? record.service.loadBalancers ?? []) : undefined);
    if (strategyProblem) throw new InvalidParameterException(strategyProblem);
    if (input.deploymentController && input.deploymentController.type !== controller) {
      throw new InvalidParameterException("Updating the deployment controller of a service is supported only between the ECS and CODE_DEPLOY controllers with a blue/green deployment; ecslite does not support changing it.");
    }
    if (input.deploymentConfiguration?.alarms?.enable && controller !== "ECS") throw new InvalidParameterException(ALARMS_NEED_ECS_CONTROLLER);
    const allowed = controller === "EXTERNAL" ? EXTERNAL_UPDATABLE : controller === "CODE_DEPLOY" ? CODE_DEPLOY_UPDATABLE : undefined;
    if (allowed) {
      for (const parameter of changedParameters(input)) {
        if (parameter === "deploymentController" || allowed.has(parameter)) continue;
        if (parameter === "taskDefinition" && controller === "CODE_DEPLOY") {
          throw new InvalidParameterException("Unable to update task definition on services with a CODE_DEPLOY deployment controller. Use AWS CodeDeploy to trigger a new deployment.");
        }
        if (parameter === "forceNewDeployment" && controller === "EXTERNAL") {
          throw new InvalidParameterException("Cannot force a new deployment on services with a EXTERNAL deployment controller.");
        }
        throw new InvalidParameterException(`${parameter} cannot be updated on a service that uses the ${controller} deployment controller.${controller === "EXTERNAL" ? " Create a new task set instead." : ""}`);
      }
    }
    const service: Wire<Service> = {
      ...record.service,
      ...(input.desiredCount !== undefined ? { desiredCount: input.desiredCount } : {}),
      ...(input.placementConstraints ? { placementConstraints: input.placementConstraints } : {}),
      ...(input.placementStrategy ? { placementStrategy: input.placementStrategy } : {}),
      ...(input.healthCheckGracePeriodSeconds !== undefined ? { healthCheckGracePeriodSeconds: input.healthCheckGracePeriodSeconds } : {}),
      ...(input.enableECSManagedTags !== undefined ? { enableECSManagedTags: input.enableECSManagedTags } : {}),
      ...(input.propagateTags ? { propagateTags: input.propagateTags } : {}),
      ...(input.enableExecuteCommand !== undefined ? { enableExecuteCommand: input.enableExecuteCommand } : {}),
      ...(input.availabilityZoneRebalancing ? { availabilityZoneRebalancing: input.availabilityZoneRebalancing } : {}),
      ...(input.deploymentConfiguration ? { deploymentConfiguration: { ...record.service.deploymentConfiguration, ...deploymentConfigurationOf({ ...record.service.deploymentConfiguration, ...input.deploymentConfiguration }, controller) } } : {}),
    };
    let deployment: Pick<ServiceRecord, "supersededDeployments" | "deploymentHistory"> = record;
    if (controller === "ECS") deployment = await updateEcsDeployment(tx, ctx, cluster, record, service, input);
    else if (input.desiredCount !== undefined) await rippleDesiredCount(tx, ctx, service);
    const superseded = deployment.supersededDeployments;
    const updated: ServiceRecord = {
      ...record,
      service,
      reconcileAt: ctx.clock.now(),
      ...(superseded?.length ? { supersededDeployments: superseded } : {}),
      ...(deployment.deploymentHistory ? { deploymentHistory: deployment.deploymentHistory } : {}),
    };
    await tx.put("service", updated);
    return { service: await presentService(tx, updated, false) };
  });
  ctx.wakeScheduler();
  return result;
};

/**
 * ECS controller: a changed task definition, launch or network (or forceNewDeployment) starts a new
 * deployment, with its revision and service deployment. Returns the service deployments to stop and
 * the service's deployment history.
 */
async function updateEcsDeployment(
  tx: Tx,
  ctx: RequestContext,
  cluster: ClusterRecord,
  record: ServiceRecord,
  service: Wire<Service>,
  input: Wire<UpdateServiceRequest>,
): Promise<Pick<ServiceRecord, "supersededDeployments" | "deploymentHistory">> {
  const before = record.service;
  const launchChanged = input.taskDefinition !== undefined || input.capacityProviderStrategy !== undefined || input.networkConfiguration !== undefined || input.platformVersion !== undefined || input.loadBalancers !== undefined || input.serviceRegistries !== undefined || input.volumeConfigurations !== undefined;
  const primary = (service.deployments ?? []).find((d) => d.status === "PRIMARY");
  if (!launchChanged && !input.forceNewDeployment) {
    // Only the desired count changed: the primary deployment follows it.
    service.deployments = (service.deployments ?? []).map((d) => (d.status === "PRIMARY" ? { ...d, desiredCount: service.desiredCount, updatedAt: epochSeconds(ctx.clock.now()) } : d));
    return record;
  }
  const taskDefinition = await usableTaskDefinition(tx, ctx, input.taskDefinition ?? before.taskDefinition ?? "");
  const launch = launchSettings(
    {
      launchType: input.capacityProviderStrategy ? undefined : before.launchType,
      capacityProviderStrategy: input.capacityProviderStrategy ?? (before.launchType ? undefined : before.capacityProviderStrategy),
      platformVersion: input.platformVersion ?? before.platformVersion,
      networkConfiguration: input.networkConfiguration ?? before.networkConfiguration,
      loadBalancers: input.loadBalancers ?? before.loadBalancers,
      serviceRegistries: input.serviceRegistries ?? before.serviceRegistries,
    },
    taskDefinition.taskDefinition,
    cluster.cluster,
    5,
  );
  await checkLoadBalancers(tx, ctx, launch.loadBalancers, taskDefinition.taskDefinition);
  const taskDefinitionArn = taskDefinition.taskDefinition.taskDefinitionArn ?? "";
  Object.assign(service, { taskDefinition: taskDefinitionArn, ...launch });
  if (!launch.launchType) delete service.launchType;
  if (!launch.capacityProviderStrategy) delete service.capacityProviderStrategy;
  const now = epochSeconds(ctx.clock.now());
  const others = (service.deployments ?? [])
    .filter((d) => d !== primary || (d.runningCount ?? 0) + (d.pendingCount ?? 0) > 0)
    .map((d) => (d.status === "PRIMARY" ? { ...d, status: "ACTIVE", updatedAt: now } : d));
  // Volume configurations carry over from the primary deployment unless the update gives new ones ([] removes them).
  const volumeConfigurations = input.volumeConfigurations ?? primary?.volumeConfigurations;
  const shifting = shiftsTraffic(strategyOf(service.deploymentConfiguration));
  service.deployments = [newDeployment(ctx, taskDefinitionArn, shifting ? 0 : service.desiredCount ?? 0, launch, volumeConfigurations), ...others];
  const started = await startServiceDeployment(tx, ctx, { cluster, service, previous: record, taskDefinition: taskDefinition.taskDefinition, launch });
  service.currentServiceDeployment = started.currentServiceDeployment;
  return started;
}

const deleteService: Handler<DeleteServiceRequest, DeleteServiceResponse> = async (input, ctx) => {
  const result = await ctx.store.transaction(async (tx) => {
    const cluster = await activeCluster(tx, ctx, input.cluster);
    const record = await existingService(tx, ctx, cluster, input.service ?? "");
    // Deleting a service that is already DRAINING or INACTIVE answers with it (aws-sdk-js issue 4189).
    if (record.service.status !== "ACTIVE") return { service: await presentService(tx, record, false) };
    if ((record.service.desiredCount ?? 0) > 0 && !input.force) {
      throw new InvalidParameterException("The service cannot be stopped while it is scaled above 0.");
    }
    const now = epochSeconds(ctx.clock.now());
    for (const taskSet of await taskSetsOf(tx, record.service)) {
      if (taskSet.taskSet.status === "DRAINING") continue;
      await tx.put("taskSet", { ...taskSet, taskSet: { ...taskSet.taskSet, status: "DRAINING", computedDesiredCount: 0, updatedAt: now }, reconcileAt: ctx.clock.now() });
    }
    const service: Wire<Service> = {
      ...record.service,
      status: "DRAINING",
      desiredCount: 0,
      deployments: (record.service.deployments ?? []).map((d) => ({ ...d, desiredCount: 0, updatedAt: now })),
    };
    // A deployment under way stops with its service.
    const superseded = [...(record.supersededDeployments ?? [])];
    const current = record.service.currentServiceDeployment ? await tx.get("serviceDeployment", record.service.currentServiceDeployment) : undefined;
    if (current && !isFinished(current.progress.status)) {
      await saveServiceDeployment(tx, { ...current, progress: supersede(current.progress), updatedAt: ctx.clock.now() }, [{ kind: "status", status: "STOP_REQUESTED" }]);
      superseded.push(current.deployment.serviceDeploymentArn ?? "");
    }
    const updated: ServiceRecord = { ...record, service, reconcileAt: ctx.clock.now(), ...(superseded.length ? { supersededDeployments: superseded } : {}) };
    await tx.put("service", updated);
    return { service: await presentService(tx, updated, false) };
  });
  ctx.wakeScheduler();
  return result;
};

export const serviceHandlers = {
  CreateService: createService,
  DescribeServices: describeServices,
  ListServices: listServices,
  ListServicesByNamespace: listServicesByNamespace,
  UpdateService: updateService,
  DeleteService: deleteService,
};
