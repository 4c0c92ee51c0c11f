// Service deployments and service revisions: ListServiceDeployments, DescribeServiceDeployments,
// DescribeServiceRevisions, StopServiceDeployment, ContinueServiceDeployment; and how CreateService
// and UpdateService start a deployment (startServiceDeployment). Every ECS-controller deployment
// (create, a changed task definition or launch or network, a forced deployment) writes a revision
// and a deployment; the scheduler moves the deployment through the state machine
// (src/domain/deploymentMachine.ts), and StopServiceDeployment and ContinueServiceDeployment only
// record what they ask for (the next reconcile acts on it).
import type {
  ContinueServiceDeploymentRequest,
  ContinueServiceDeploymentResponse,
  DescribeServiceDeploymentsRequest,
  DescribeServiceDeploymentsResponse,
  DescribeServiceRevisionsRequest,
  DescribeServiceRevisionsResponse,
  Failure,
  ListServiceDeploymentsRequest,
  ListServiceDeploymentsResponse,
  Service,
  StopServiceDeploymentRequest,
  StopServiceDeploymentResponse,
  TaskDefinition,
} from "@aws-sdk/client-ecs";
import { checkTrafficShiftResources, greenTargetGroupOf } from "../../coupling/ecsLoadBalancing";
import { arns, nameOf, parseArn, scopeKey, scopeOfArn } from "../../domain/arn";
import { shiftsTraffic, strategyOf } from "../../domain/deploymentConfig";
import { continueHook, type DeploymentStatus, isFinished, newProgress, requestStop, supersede } from "../../domain/deploymentMachine";
import type { LaunchSettings } from "../../domain/launch";
import { decodeNextToken, encodeNextToken } from "../../domain/pagination";
import type { ClusterRecord, DeploymentHistory, ServiceDeploymentRecord, ServiceRecord } from "../../domain/records";
import { deploymentConfigurationSnapshot, newServiceRevision, revisionIdOf, serviceDeploymentBrief, serviceDeploymentView } from "../../domain/serviceDeploymentViews";
import { ConflictException, InvalidParameterException, ServiceDeploymentNotFoundException } from "../../protocol/errors";
import { epochSeconds, type Wire } from "../../protocol/wire";
import { saveServiceDeployment } from "../../scheduler/serviceDeployments";
import type { Tx } from "../../store/store";
import type { Handler, RequestContext } from "../context";
import { activeCluster, existingService } from "./resolve";

/** ListServiceDeployments returns 20 a page unless maxResults says otherwise (1 to 100). */
const DEFAULT_PAGE = 20;
const MAX_PAGE = 100;
/** Service deployments are kept for 90 days (developer guide, "View service history"). */
export const DEPLOYMENT_HISTORY_MS = 90 * 24 * 3600 * 1000;

const NOT_FOUND = "The service deployment ARN does not exist. You can use ListServiceDeployments to retrieve the service deployment ARNs.";

/** The revision ARN of one of a service's deployments ("ecs-svc/<digits>" runs revision <digits>). */
export function revisionArnOf(service: Wire<Service>, deploymentId: string): string {
  const scope = scopeOfArn(service.serviceArn ?? "");
  return arns.serviceRevision(scope, nameOf(service.clusterArn ?? ""), service.serviceName ?? "", revisionIdOf(deploymentId));
}

export interface DeploymentStart {
  cluster: ClusterRecord;
  /** The service as it will be stored: its new PRIMARY deployment first in `deployments`. */
  service: Wire<Service>;
  /** The service before the change, when there was one (its unfinished deployment is superseded). */
  previous?: ServiceRecord;
  taskDefinition: Wire<TaskDefinition>;
  launch: LaunchSettings;
}

/**
 * Writes the revision and the service deployment of a service's new PRIMARY deployment, and
 * supersedes the deployment it replaces. Returns the service's new currentServiceDeployment and
 * the deployments the scheduler must stop.
 */
export async function startServiceDeployment(
  tx: Tx,
  ctx: RequestContext,
  start: DeploymentStart,
): Promise<{ currentServiceDeployment: string; supersededDeployments: string[]; deploymentHistory: DeploymentHistory }> {
  const { service, launch } = start;
  const [primary, ...others] = service.deployments ?? [];
  const clusterName = start.cluster.cluster.clusterName ?? "";
  const serviceName = service.serviceName ?? "";
  const config = service.deploymentConfiguration ?? {};
  const strategy = strategyOf(config);
  const now = ctx.clock.now();
  const advanced = shiftsTraffic(strategy) ? launch.loadBalancers.filter((lb) => lb.advancedConfiguration && lb.targetGroupArn) : [];
  if (advanced.length) await checkTrafficShiftResources(tx, ctx, launch.loadBalancers, start.taskDefinition);
  const resolvedLoadBalancers = advanced.length
    ? await Promise.all(launch.loadBalancers.map(async (lb) => ({ targetGroupArn: lb.advancedConfiguration ? await greenTargetGroupOf(tx, lb) : (lb.targetGroupArn ?? ""), ...(lb.advancedConfiguration?.productionListenerRule ? { productionListenerRule: lb.advancedConfiguration.productionListenerRule } : {}) })))
    : undefined;
  const targetRevisionArn = revisionArnOf(service, primary?.id ?? "");
  await tx.put("serviceRevision", {
    revision: newServiceRevision({
      arn: targetRevisionArn,
      serviceArn: service.serviceArn ?? "",
      clusterArn: service.clusterArn ?? "",
      taskDefinition: start.taskDefinition,
      launch,
      volumeConfigurations: primary?.volumeConfigurations,
      resolvedLoadBalancers,
      createdAt: epochSeconds(now),
    }),
  });
  // The revisions already running, the one serving production first: the revision whose tasks are
  // in the target group the new revision does not take (traffic strategies), else the old primary.
  const sources = others.map((d) => revisionArnOf(service, d.id ?? ""));
  if (resolvedLoadBalancers?.length) {
    const green = resolvedLoadBalancers[0].targetGroupArn;
    const serving: string[] = [];
    for (const arn of sources) {
      const revision = await tx.get("serviceRevision", arn);
      const tg = revision?.revision.resolvedConfiguration?.loadBalancers?.[0]?.targetGroupArn ?? revision?.revision.loadBalancers?.[0]?.targetGroupArn;
      if (tg !== undefined && tg !== green) serving.push(arn);
    }
    sources.sort((a, b) => Number(serving.includes(b)) - Number(serving.includes(a)));
  }
  const superseded: string[] = [];
  const current = start.previous?.service.currentServiceDeployment;
  const before = current ? await tx.get("serviceDeployment", current) : undefined;
  if (before && !isFinished(before.progress.status)) {
    await saveServiceDeployment(tx, { ...before, progress: supersede(before.progress), updatedAt: now }, [{ kind: "status", status: "STOP_REQUESTED" }]);
    superseded.push(current ?? "");
  }
  const arn = arns.serviceDeployment(ctx, clusterName, serviceName, ctx.ids.token(21));
  // A new service has no history; one stored before its history was kept reads it once.
  const known = start.previous ? start.previous.deploymentHistory : { lastSequence: 0, forgetCheckAt: now + DEPLOYMENT_HISTORY_MS };
  const lastSequence = known ? known.lastSequence : Math.max(0, ...(await tx.list("serviceDeployment", { scope: ctx.scope, parent: service.serviceArn ?? "" })).map((d) => d.sequence));
  const record: ServiceDeploymentRecord = {
    deployment: {
      serviceDeploymentArn: arn,
      serviceArn: service.serviceArn,
      clusterArn: service.clusterArn,
      createdAt: epochSeconds(now),
      deploymentConfiguration: deploymentConfigurationSnapshot(config),
    },
    targetRevisionArn,
    sourceRevisionArns: sources,
    counts: { [targetRevisionArn]: { requested: primary?.desiredCount ?? 0, running: 0, pending: 0 } },
    progress: newProgress(strategy, config, others.length > 1),
    updatedAt: now,
    sequence: lastSequence + 1,
  };
  await saveServiceDeployment(tx, record, [{ kind: "status", status: "PENDING" }]);
  const forgetCheckAt = known && now < known.forgetCheckAt ? known.forgetCheckAt : await forgetOldDeployments(tx, service.serviceArn ?? "", now);
  return {
    currentServiceDeployment: arn,
    supersededDeployments: [...(start.previous?.supersededDeployments ?? []), ...superseded],
    deploymentHistory: { lastSequence: record.sequence, forgetCheckAt },
  };
}

/**
 * Finished deployments older than ECS keeps them go, with the revisions no kept deployment names.
 * Returns the earliest time a kept one may be old enough to go: one still running finishes now at
 * the earliest, so it goes no sooner than the history's length from now.
 */
async function forgetOldDeployments(tx: Tx, serviceArn: string, now: number): Promise<number> {
  const scope = scopeKey(scopeOfArn(serviceArn));
  const all = await tx.list("serviceDeployment", { scope, parent: serviceArn });
  const old = all.filter((d) => isFinished(d.progress.status) && d.updatedAt < now - DEPLOYMENT_HISTORY_MS);
  const kept = all.filter((d) => !old.includes(d));
  const named = new Set(kept.flatMap((d) => [d.targetRevisionArn, ...d.sourceRevisionArns]));
  for (const d of old) {
    await tx.remove("serviceDeployment", d.deployment.serviceDeploymentArn ?? "");
    for (const revision of [d.targetRevisionArn, ...d.sourceRevisionArns]) if (!named.has(revision)) await tx.remove("serviceRevision", revision);
  }
  return Math.min(...kept.map((d) => (isFinished(d.progress.status) ? d.updatedAt : now))) + DEPLOYMENT_HISTORY_MS;
}

/** The deployments and revisions of a service go when it does (developer guide: deleted with the service). */
export async function forgetServiceDeployments(tx: Tx, serviceArn: string): Promise<void> {
  const scope = scopeKey(scopeOfArn(serviceArn));
  for (const d of await tx.list("serviceDeployment", { scope, parent: serviceArn })) await tx.remove("serviceDeployment", d.deployment.serviceDeploymentArn ?? "");
  for (const r of await tx.list("serviceRevision", { scope, parent: serviceArn })) await tx.remove("serviceRevision", r.revision.serviceRevisionArn ?? "");
}

/** The revision ARNs ECS would give a service's deployments, with counts, as DescribeServices shows them. */
export function currentServiceRevisions(service: Wire<Service>): Wire<Service>["currentServiceRevisions"] {
  return (service.deployments ?? []).map((d) => ({
    arn: revisionArnOf(service, d.id ?? ""),
    requestedTaskCount: d.desiredCount ?? 0,
    runningTaskCount: d.runningCount ?? 0,
    pendingTaskCount: d.pendingCount ?? 0,
  }));
}

function inCallerScope(arn: string, ctx: RequestContext, type: string): boolean {
  const parsed = parseArn(arn);
  return !!parsed && parsed.resourceType === type && parsed.account === ctx.account && parsed.region === ctx.region && parsed.path.length === 3;
}

async function deploymentOf(tx: Tx, ctx: RequestContext, arn: string): Promise<ServiceDeploymentRecord> {
  const record = inCallerScope(arn, ctx, "service-deployment") ? await tx.get("serviceDeployment", arn) : undefined;
  if (!record) throw new ServiceDeploymentNotFoundException(NOT_FOUND);
  return record;
}

/** Marks the deployment's service due now, so the scheduler acts on a request at once. */
async function wakeService(tx: Tx, ctx: RequestContext, serviceArn: string): Promise<void> {
  const service = await tx.get("service", serviceArn);
  if (service) await tx.put("service", { ...service, reconcileAt: ctx.clock.now() });
}

const listServiceDeployments: Handler<ListServiceDeploymentsRequest, ListServiceDeploymentsResponse> = async (input, ctx) => {
  const pageSize = input.maxResults ?? DEFAULT_PAGE;
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE) throw new InvalidParameterException(`maxResults must be an integer between 1 and ${MAX_PAGE}.`);
  const after = input.nextToken === undefined ? undefined : decodeNextToken(input.nextToken);
  if (input.nextToken !== undefined && after === undefined) throw new InvalidParameterException("Invalid nextToken.");
  return ctx.store.transaction(async (tx) => {
    // A service named by its ARN alone is in the ARN's cluster (the AWS CLI's list-service-deployments example).
    const serviceArn = parseArn(input.service ?? "");
    const clusterOfService = input.cluster === undefined && serviceArn?.resourceType === "service" && serviceArn.path.length === 2 ? serviceArn.path[0] : input.cluster;
    const cluster = await activeCluster(tx, ctx, clusterOfService);
    const service = await existingService(tx, ctx, cluster, input.service ?? "");
    const statuses = new Set<string>(input.status ?? []);
    const { before, after: createdAfter } = input.createdAt ?? {};
    const records = (await tx.list("serviceDeployment", { scope: ctx.scope, parent: service.service.serviceArn ?? "" }))
      .filter((d) => (!statuses.size || statuses.has(d.progress.status)) && (createdAfter === undefined || (d.deployment.createdAt ?? 0) > createdAfter) && (before === undefined || (d.deployment.createdAt ?? 0) < before))
      // Newest first, as ECS lists them.
      .sort((a, b) => (b.deployment.createdAt ?? 0) - (a.deployment.createdAt ?? 0) || b.sequence - a.sequence);
    const start = after === undefined ? 0 : records.findIndex((d) => d.deployment.serviceDeploymentArn === after) + 1;
    const page = records.slice(start, start + pageSize);
    const more = start + pageSize < records.length;
    return {
      serviceDeployments: page.map(serviceDeploymentBrief),
      ...(more ? { nextToken: encodeNextToken(page[page.length - 1].deployment.serviceDeploymentArn ?? "") } : {}),
    };
  });
};

const describeServiceDeployments: Handler<DescribeServiceDeploymentsRequest, DescribeServiceDeploymentsResponse> = async (input, ctx) => {
  const requested = input.serviceDeploymentArns ?? [];
  if (!requested.length) throw new InvalidParameterException("serviceDeploymentArns cannot be empty.");
  return ctx.store.transaction(async (tx) => {
    const serviceDeployments = [];
    const failures: Failure[] = [];
    for (const arn of requested) {
      const record = inCallerScope(arn, ctx, "service-deployment") ? await tx.get("serviceDeployment", arn) : undefined;
      if (record) serviceDeployments.push(serviceDeploymentView(record));
      else failures.push({ arn, reason: "MISSING" });
    }
    return { serviceDeployments, failures };
  });
};

const describeServiceRevisions: Handler<DescribeServiceRevisionsRequest, DescribeServiceRevisionsResponse> = async (input, ctx) => {
  const requested = input.serviceRevisionArns ?? [];
  if (!requested.length) throw new InvalidParameterException("serviceRevisionArns cannot be empty.");
  return ctx.store.transaction(async (tx) => {
    const serviceRevisions = [];
    const failures: Failure[] = [];
    for (const arn of requested) {
      const record = inCallerScope(arn, ctx, "service-revision") ? await tx.get("serviceRevision", arn) : undefined;
      if (record) serviceRevisions.push(record.revision);
      else failures.push({ arn, reason: "MISSING" });
    }
    return { serviceRevisions, failures };
  });
};

const stopServiceDeployment: Handler<StopServiceDeploymentRequest, StopServiceDeploymentResponse> = async (input, ctx) => {
  const stopType = input.stopType ?? "ROLLBACK";
  const result = await ctx.store.transaction(async (tx) => {
    const record = await deploymentOf(tx, ctx, input.serviceDeploymentArn ?? "");
    const stopped = requestStop(record.progress, stopType);
    if ("refusal" in stopped) throw new ConflictException(stopped.refusal);
    if (stopped.progress !== record.progress) {
      await saveServiceDeployment(tx, { ...record, progress: stopped.progress, updatedAt: ctx.clock.now() }, [{ kind: "status", status: stopped.progress.status as DeploymentStatus }]);
      await wakeService(tx, ctx, record.deployment.serviceArn ?? "");
    }
    return { serviceDeploymentArn: record.deployment.serviceDeploymentArn };
  });
  ctx.wakeScheduler();
  return result;
};

const continueServiceDeployment: Handler<ContinueServiceDeploymentRequest, ContinueServiceDeploymentResponse> = async (input, ctx) => {
  const result = await ctx.store.transaction(async (tx) => {
    const record = await deploymentOf(tx, ctx, input.serviceDeploymentArn ?? "");
    const continued = continueHook(record.progress, input.hookId ?? "", input.action ?? "CONTINUE");
    if ("refusal" in continued) throw new InvalidParameterException(continued.refusal);
    await saveServiceDeployment(tx, { ...record, progress: continued.progress, updatedAt: ctx.clock.now() }, [{ kind: "hook", hook: continued.hook }]);
    await wakeService(tx, ctx, record.deployment.serviceArn ?? "");
    return { serviceDeploymentArn: record.deployment.serviceDeploymentArn };
  });
  ctx.wakeScheduler();
  return result;
};

export const serviceDeploymentHandlers = {
  ListServiceDeployments: listServiceDeployments,
  DescribeServiceDeployments: describeServiceDeployments,
  DescribeServiceRevisions: describeServiceRevisions,
  StopServiceDeployment: stopServiceDeployment,
  ContinueServiceDeployment: continueServiceDeployment,
};
