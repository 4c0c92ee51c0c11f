// What clients see of service deployments and revisions, derived from their records: the
// ServiceDeployment of DescribeServiceDeployments, the ServiceDeploymentBrief of
// ListServiceDeployments, and the ServiceRevision a deployment is built on. Shapes follow AWS's
// published CLI examples (aws-cli awscli/examples/ecs/describe-service-deployments.rst,
// list-service-deployments.rst, describe-service-revisions.rst), member order included.
import { createHash } from "node:crypto";
import type {
  DeploymentConfiguration,
  DeploymentLifecycleHookDetail,
  LoadBalancer,
  ServiceDeployment,
  ServiceDeploymentBrief,
  ServiceRevision,
  ServiceRevisionSummary,
  TaskDefinition,
} from "@aws-sdk/client-ecs";
import { epochSeconds, type Wire } from "../protocol/wire";
import { shiftsTraffic } from "./deploymentConfig";
import { isFinished, lifecycleStageOf } from "./deploymentMachine";
import type { LaunchSettings } from "./launch";
import type { ServiceDeploymentRecord } from "./records";

/** The circuit breaker's threshold: half the desired count, at least 3 and at most 200 (API reference). */
export function circuitBreakerThreshold(desiredCount: number): number {
  return Math.min(200, Math.max(3, Math.ceil(desiredCount * 0.5)));
}

/** The revision id of a deployment id: "ecs-svc/1234" runs service revision "1234". */
export function revisionIdOf(deploymentId: string): string {
  return deploymentId.startsWith("ecs-svc/") ? deploymentId.slice("ecs-svc/".length) : deploymentId;
}

/** The deployment id ("ecs-svc/<digits>") that runs a revision. */
export function deploymentIdOf(revisionArn: string): string {
  return `ecs-svc/${revisionArn.split("/").pop() ?? ""}`;
}

/**
 * The images a revision runs. ECS resolves each image to its digest when it creates the revision;
 * ecslite pulls nothing, so the digest is the SHA-256 of the image reference (docs/deployments.md).
 */
export function containerImagesOf(def: Wire<TaskDefinition>): Wire<ServiceRevision>["containerImages"] {
  return (def.containerDefinitions ?? []).map((c) => ({
    containerName: c.name,
    imageDigest: `sha256:${createHash("sha256").update(c.image ?? "").digest("hex")}`,
    image: c.image,
  }));
}

export interface NewRevision {
  arn: string;
  serviceArn: string;
  clusterArn: string;
  taskDefinition: Wire<TaskDefinition>;
  launch: LaunchSettings;
  volumeConfigurations?: Wire<ServiceRevision>["volumeConfigurations"];
  /** For traffic-shifting strategies: the target group this revision's tasks register in, per load balancer. */
  resolvedLoadBalancers?: { targetGroupArn: string; productionListenerRule?: string }[];
  createdAt: number;
}

export function newServiceRevision(spec: NewRevision): Wire<ServiceRevision> {
  const { launch } = spec;
  return {
    serviceRevisionArn: spec.arn,
    serviceArn: spec.serviceArn,
    clusterArn: spec.clusterArn,
    taskDefinition: spec.taskDefinition.taskDefinitionArn,
    ...(launch.capacityProviderStrategy?.length ? { capacityProviderStrategy: launch.capacityProviderStrategy } : {}),
    ...(launch.launchType ? { launchType: launch.launchType } : {}),
    ...(launch.platformVersion ? { platformVersion: launch.platformVersion } : {}),
    ...(launch.platformFamily ? { platformFamily: launch.platformFamily } : {}),
    ...(launch.loadBalancers.length ? { loadBalancers: launch.loadBalancers } : {}),
    ...(launch.serviceRegistries.length ? { serviceRegistries: launch.serviceRegistries } : {}),
    ...(launch.networkConfiguration ? { networkConfiguration: launch.networkConfiguration } : {}),
    containerImages: containerImagesOf(spec.taskDefinition),
    guardDutyEnabled: false,
    serviceConnectConfiguration: { enabled: false },
    ...(spec.volumeConfigurations?.length ? { volumeConfigurations: spec.volumeConfigurations } : {}),
    createdAt: spec.createdAt,
    ...(spec.resolvedLoadBalancers?.length ? { resolvedConfiguration: { loadBalancers: spec.resolvedLoadBalancers } } : {}),
  };
}

/**
 * The load balancers a revision's tasks register in: the service's, with the target group the
 * revision resolved to (the alternate one for a green revision of a blue/green deployment).
 */
export function revisionLoadBalancers(revision: Wire<ServiceRevision>): Wire<LoadBalancer>[] {
  const resolved = revision.resolvedConfiguration?.loadBalancers ?? [];
  return (revision.loadBalancers ?? []).map((lb, i) => (resolved[i]?.targetGroupArn ? { ...lb, targetGroupArn: resolved[i].targetGroupArn } : lb));
}

/** The deployment configuration a service deployment shows: the service's, with ECS's alarms default. */
export function deploymentConfigurationSnapshot(config: Wire<DeploymentConfiguration>): Wire<DeploymentConfiguration> {
  return { ...config, alarms: config.alarms ?? { alarmNames: [], rollback: false, enable: false } };
}

function summaryOf(record: ServiceDeploymentRecord, arn: string): Wire<ServiceRevisionSummary> {
  const counts = record.counts[arn] ?? { requested: 0, running: 0, pending: 0 };
  return { arn, requestedTaskCount: counts.requested, runningTaskCount: counts.running, pendingTaskCount: counts.pending };
}

function withShares(summary: Wire<ServiceRevisionSummary>, test: number, production: number): Wire<ServiceRevisionSummary> {
  return { ...summary, requestedTestTrafficWeight: test, requestedProductionTrafficWeight: production };
}

function hookDetailOf(hook: ServiceDeploymentRecord["progress"]["hooks"][number]): Wire<DeploymentLifecycleHookDetail> {
  return {
    hookId: hook.hookId,
    targetType: hook.targetType,
    ...(hook.targetArn ? { targetArn: hook.targetArn } : {}),
    status: hook.status,
    expiresAt: epochSeconds(hook.expiresAt),
    timeoutAction: hook.timeoutAction,
  };
}

/** DescribeServiceDeployments' view of a deployment. */
export function serviceDeploymentView(record: ServiceDeploymentRecord): Wire<ServiceDeployment> {
  const { progress, deployment } = record;
  const config = deployment.deploymentConfiguration ?? {};
  const shifting = shiftsTraffic(progress.strategy);
  const finished = isFinished(progress.status);
  const target = summaryOf(record, record.targetRevisionArn);
  const sources = record.sourceRevisionArns.map((arn) => summaryOf(record, arn));
  const stage = lifecycleStageOf(progress);
  const breaker = config.deploymentCircuitBreaker;
  const alarms = config.alarms;
  return {
    serviceDeploymentArn: deployment.serviceDeploymentArn,
    serviceArn: deployment.serviceArn,
    clusterArn: deployment.clusterArn,
    createdAt: deployment.createdAt,
    ...(progress.startedAt !== undefined ? { startedAt: epochSeconds(progress.startedAt) } : {}),
    ...(progress.finishedAt !== undefined ? { finishedAt: epochSeconds(progress.finishedAt) } : {}),
    ...(progress.stoppedAt !== undefined ? { stoppedAt: epochSeconds(progress.stoppedAt) } : {}),
    updatedAt: epochSeconds(record.updatedAt),
    // The revision serving production first; traffic shares only for traffic-shifting strategies.
    sourceServiceRevisions: shifting ? sources.map((s, i) => (i === 0 ? withShares(s, 100 - progress.test, 100 - progress.production) : withShares(s, 0, 0))) : sources,
    targetServiceRevision: shifting ? withShares(target, progress.test, progress.production) : target,
    status: progress.status,
    ...(progress.statusReason !== undefined ? { statusReason: progress.statusReason } : {}),
    ...(stage ? { lifecycleStage: stage } : {}),
    ...(progress.hooks.length ? { lifecycleHookDetails: progress.hooks.map(hookDetailOf) } : {}),
    deploymentConfiguration: config,
    ...(progress.rollback
      ? { rollback: { reason: progress.rollback.reason, startedAt: epochSeconds(progress.rollback.startedAt), ...(record.sourceRevisionArns[0] ? { serviceRevisionArn: record.sourceRevisionArns[0] } : {}) } }
      : {}),
    deploymentCircuitBreaker: breaker?.enable
      ? {
          status: progress.breaker?.tripped ? "TRIGGERED" : finished ? "MONITORING_COMPLETE" : "MONITORING",
          failureCount: progress.breaker?.failureCount ?? 0,
          threshold: circuitBreakerThreshold(record.counts[record.targetRevisionArn]?.requested ?? 0),
        }
      : { status: "DISABLED" },
    alarms: alarms?.enable ? { status: finished ? "MONITORING_COMPLETE" : "MONITORING", alarmNames: alarms.alarmNames ?? [], triggeredAlarmNames: [] } : { status: "DISABLED" },
  };
}

/** ListServiceDeployments' view of a deployment. */
export function serviceDeploymentBrief(record: ServiceDeploymentRecord): Wire<ServiceDeploymentBrief> {
  const { progress, deployment } = record;
  return {
    serviceDeploymentArn: deployment.serviceDeploymentArn,
    serviceArn: deployment.serviceArn,
    clusterArn: deployment.clusterArn,
    ...(progress.startedAt !== undefined ? { startedAt: epochSeconds(progress.startedAt) } : {}),
    createdAt: deployment.createdAt,
    ...(progress.finishedAt !== undefined ? { finishedAt: epochSeconds(progress.finishedAt) } : {}),
    targetServiceRevisionArn: record.targetRevisionArn,
    status: progress.status,
    ...(progress.statusReason !== undefined ? { statusReason: progress.statusReason } : {}),
  };
}
