// Clusters: CreateCluster, DescribeClusters, ListClusters, UpdateCluster, UpdateClusterSettings,
// DeleteCluster, PutClusterCapacityProviders.
import type {
  CapacityProvider,
  CapacityProviderStrategyItem,
  Cluster,
  CreateClusterRequest,
  CreateClusterResponse,
  DeleteClusterRequest,
  DeleteClusterResponse,
  DescribeClustersRequest,
  DescribeClustersResponse,
  Failure,
  ListClustersRequest,
  ListClustersResponse,
  PutClusterCapacityProvidersRequest,
  PutClusterCapacityProvidersResponse,
  UpdateClusterRequest,
  UpdateClusterResponse,
  UpdateClusterSettingsRequest,
  UpdateClusterSettingsResponse,
} from "@aws-sdk/client-ecs";
import { arns, isArn, nameOf } from "../../domain/arn";
import { nextAttachments, presentedAttachments } from "../../domain/clusterAttachments";
import { type ClusterSummary, clusterSummary } from "../../domain/clusterCounts";
import type { ClusterRecord } from "../../domain/records";
import { tagProblem } from "../../domain/tags";
import {
  ClusterContainsContainerInstancesException,
  ClusterContainsServicesException,
  ClusterContainsTasksException,
  InvalidParameterException,
} from "../../protocol/errors";
import type { Wire } from "../../protocol/wire";
import type { Tx } from "../../store/store";
import type { Handler, RequestContext } from "../context";
import { activeCluster, clusterArnOf, DEFAULT_CLUSTER, inScope } from "./resolve";
import { listPage } from "./paging";
import { capacityProviderStrategyProblem } from "../../domain/placement";

const CLUSTER_NAME = /^[a-zA-Z0-9_-]{1,255}$/;

/** A cluster's counts, from the totals the store keeps of what is in it (no listing). */
async function summaryOf(tx: Tx, ctx: RequestContext, cluster: Wire<Cluster>): Promise<ClusterSummary> {
  return clusterSummary(await tx.totals(ctx.scope, cluster.clusterArn ?? ""));
}

/** The cluster with its counts derived from the services, tasks and instances in it. */
function withCounts(cluster: Wire<Cluster>, summary: ClusterSummary): Wire<Cluster> {
  return {
    ...cluster,
    activeServicesCount: summary.activeServicesCount,
    runningTasksCount: summary.runningTasksCount,
    pendingTasksCount: summary.pendingTasksCount,
    registeredContainerInstancesCount: summary.registeredContainerInstancesCount,
  };
}

async function counted(tx: Tx, ctx: RequestContext, cluster: Wire<Cluster>): Promise<Wire<Cluster>> {
  return withCounts(cluster, await summaryOf(tx, ctx, cluster));
}

function settingsProblem(settings: readonly { name?: string; value?: string }[] | undefined): string | undefined {
  for (const s of settings ?? []) {
    if (s.name === "containerInsights" && !["enabled", "disabled", "enhanced"].includes(s.value ?? "")) {
      return "Invalid value for containerInsights setting. Valid values are: enabled, disabled, enhanced.";
    }
  }
  return undefined;
}

function mergeSettings<T extends { name?: string }>(existing: readonly T[] | undefined, changes: readonly T[]): T[] {
  const byName = new Map((existing ?? []).map((s) => [s.name, s] as const));
  for (const s of changes) byName.set(s.name, s);
  return [...byName.values()];
}

/** The providers, refusing any that does not exist in the caller's account and region (FARGATE* always do). */
async function requireCapacityProviders(tx: Tx, ctx: RequestContext, providers: readonly string[]): Promise<Wire<CapacityProvider>[]> {
  const found: Wire<CapacityProvider>[] = [];
  for (const provider of providers) {
    if (provider === "FARGATE" || provider === "FARGATE_SPOT") continue;
    const arn = arns.capacityProvider(ctx, nameOf(provider));
    // An ARN must be exactly the provider's own: another account's provider of the same name is not ours.
    const record = isArn(provider) && provider !== arn ? undefined : await tx.get("capacityProvider", arn);
    if (!record || record.capacityProvider.status !== "ACTIVE") {
      throw new InvalidParameterException(`The specified capacity provider '${provider}' does not exist. Specify a valid capacity provider and try again.`);
    }
    found.push(record.capacityProvider);
  }
  return found;
}

/** A strategy as ECS stores it: weight and base 0 unless given. */
function normalizedStrategy(strategy: readonly CapacityProviderStrategyItem[]): CapacityProviderStrategyItem[] {
  return strategy.map((item) => ({ capacityProvider: item.capacityProvider, weight: item.weight ?? 0, base: item.base ?? 0 }));
}

/** The cluster record after a change of its providers or Service Connect namespace, the change in progress for one step. */
function withAttachments(ctx: RequestContext, record: ClusterRecord, providers: readonly Wire<CapacityProvider>[], serviceConnect: { wanted: boolean; changed: boolean }): ClusterRecord {
  const { attachments, inProgress } = nextAttachments(record.cluster.attachments ?? [], providers, serviceConnect, () => ctx.ids.uuid());
  const { attachmentsStatus: _status, ...cluster } = record.cluster;
  return { ...record, cluster: { ...cluster, attachments }, attachmentsInProgress: { settlesAt: ctx.clock.now() + ctx.config.stepMs, statuses: inProgress } };
}

/**
 * A write's answer: the cluster with its counts and, when it has any, its attachments (a write that
 * changed them shows its change in progress).
 */
async function written(tx: Tx, ctx: RequestContext, record: ClusterRecord, changedAttachments: boolean): Promise<Wire<Cluster>> {
  const { attachments: _attachments, attachmentsStatus: _status, ...rest } = await counted(tx, ctx, record.cluster);
  return { ...rest, ...presentedAttachments(record.cluster, record.attachmentsInProgress, ctx.clock.now(), changedAttachments) };
}

const createCluster: Handler<CreateClusterRequest, CreateClusterResponse> = async (input, ctx) => {
  const name = input.clusterName ?? DEFAULT_CLUSTER;
  if (!CLUSTER_NAME.test(name)) {
    throw new InvalidParameterException("Cluster name can have up to 255 characters: letters (upper and lower case), numbers, underscores and hyphens.");
  }
  const tagError = tagProblem(input.tags ?? []);
  if (tagError) throw new InvalidParameterException(tagError);
  if ((input.tags ?? []).length > 50) throw new InvalidParameterException("A resource can have at most 50 tags.");
  const settingsError = settingsProblem(input.settings);
  if (settingsError) throw new InvalidParameterException(settingsError);
  const strategyError = capacityProviderStrategyProblem(input.defaultCapacityProviderStrategy ?? []);
  if (strategyError) throw new InvalidParameterException(strategyError);
  for (const item of input.defaultCapacityProviderStrategy ?? []) {
    if (!(input.capacityProviders ?? []).includes(item.capacityProvider ?? "")) {
      throw new InvalidParameterException(`The specified capacity provider strategy cannot contain a capacity provider that is not associated with the cluster. Associate the capacity provider with the cluster or specify a valid capacity provider and try again.`);
    }
  }
  return ctx.store.transaction(async (tx) => {
    const arn = arns.cluster(ctx, name);
    const existing = await tx.get("cluster", arn);
    if (existing && existing.cluster.status === "ACTIVE") return { cluster: await written(tx, ctx, existing, false) };
    const providers = await requireCapacityProviders(tx, ctx, input.capacityProviders ?? []);
    const cluster: Wire<Cluster> = {
      clusterArn: arn,
      clusterName: name,
      status: "ACTIVE",
      registeredContainerInstancesCount: 0,
      runningTasksCount: 0,
      pendingTasksCount: 0,
      activeServicesCount: 0,
      statistics: [],
      tags: input.tags ?? [],
      settings: mergeSettings([{ name: "containerInsights", value: "disabled" }], input.settings ?? []),
      capacityProviders: input.capacityProviders ?? [],
      defaultCapacityProviderStrategy: normalizedStrategy(input.defaultCapacityProviderStrategy ?? []),
      ...(input.configuration ? { configuration: input.configuration } : {}),
      ...(input.serviceConnectDefaults?.namespace ? { serviceConnectDefaults: { namespace: input.serviceConnectDefaults.namespace } } : {}),
    };
    const record = withAttachments(ctx, { cluster }, providers, { wanted: !!cluster.serviceConnectDefaults, changed: true });
    await tx.put("cluster", record);
    return { cluster: await written(tx, ctx, record, true) };
  });
};

/**
 * The cluster as DescribeClusters shows it for the requested `include` fields. Settings come with
 * any include (the AWS CLI's describe-clusters example with ATTACHMENTS lists them).
 */
function presented(record: ClusterRecord, include: ReadonlySet<string>, summary: ClusterSummary, now: number): Wire<Cluster> {
  const cluster = record.cluster;
  // Members set to undefined are not serialised. Object.assign, not rest-destructuring or a spread
  // adding members the cluster may lack: in Node 20's V8 those build a new hidden class per call.
  return Object.assign(
    {},
    cluster,
    {
      activeServicesCount: summary.activeServicesCount,
      runningTasksCount: summary.runningTasksCount,
      pendingTasksCount: summary.pendingTasksCount,
      registeredContainerInstancesCount: summary.registeredContainerInstancesCount,
      statistics: include.has("STATISTICS") ? summary.statistics : [],
      tags: include.has("TAGS") ? cluster.tags ?? [] : [],
      settings: include.size > 0 ? cluster.settings ?? [] : undefined,
      configuration: include.has("CONFIGURATIONS") ? cluster.configuration : undefined,
      attachments: include.has("ATTACHMENTS") ? [] : undefined,
      attachmentsStatus: undefined,
    },
    include.has("ATTACHMENTS") ? presentedAttachments(cluster, record.attachmentsInProgress, now) : undefined,
  );
}

const describeClusters: Handler<DescribeClustersRequest, DescribeClustersResponse> = async (input, ctx) =>
  ctx.store.transaction(async (tx) => {
    const clusters: Wire<Cluster>[] = [];
    const failures: Failure[] = [];
    const include = new Set(input.include ?? []);
    for (const requested of input.clusters?.length ? input.clusters : [DEFAULT_CLUSTER]) {
      const arn = clusterArnOf(ctx, requested);
      const record = inScope(arn, ctx) ? await tx.get("cluster", arn) : undefined;
      if (!record) failures.push({ arn, reason: "MISSING" });
      else {
        const summary = await summaryOf(tx, ctx, record.cluster);
        clusters.push(presented(record, include, summary, ctx.clock.now()));
      }
    }
    return { clusters, failures };
  });

const listClusters: Handler<ListClustersRequest, ListClustersResponse> = async (input, ctx) =>
  ctx.store.transaction(async (tx) => {
    // INACTIVE clusters are listed while they stay describable, as ECS lists them (gruntwork-io/cloud-nuke issue 145).
    const page = await listPage(input, (afterArn, limit) => tx.list("cluster", { scope: ctx.scope, parent: "", afterArn, limit }), (r) => r.cluster.clusterArn ?? "");
    return { clusterArns: page.items.map((r) => r.cluster.clusterArn ?? ""), ...(page.nextToken ? { nextToken: page.nextToken } : {}) };
  });

const updateCluster: Handler<UpdateClusterRequest, UpdateClusterResponse> = async (input, ctx) => {
  const settingsError = settingsProblem(input.settings);
  if (settingsError) throw new InvalidParameterException(settingsError);
  return ctx.store.transaction(async (tx) => {
    const record = await activeCluster(tx, ctx, input.cluster);
    const cluster: Wire<Cluster> = {
      ...record.cluster,
      ...(input.settings ? { settings: mergeSettings(record.cluster.settings, input.settings) } : {}),
      ...(input.configuration ? { configuration: input.configuration } : {}),
      ...(input.serviceConnectDefaults?.namespace ? { serviceConnectDefaults: { namespace: input.serviceConnectDefaults.namespace } } : {}),
    };
    const namespace = input.serviceConnectDefaults?.namespace;
    const newNamespace = !!namespace && namespace !== record.cluster.serviceConnectDefaults?.namespace;
    const updated = newNamespace
      ? withAttachments(ctx, { ...record, cluster }, await requireCapacityProviders(tx, ctx, cluster.capacityProviders ?? []), { wanted: true, changed: true })
      : { ...record, cluster };
    await tx.put("cluster", updated);
    return { cluster: await written(tx, ctx, updated, newNamespace) };
  });
};

const updateClusterSettings: Handler<UpdateClusterSettingsRequest, UpdateClusterSettingsResponse> = async (input, ctx) => {
  const settingsError = settingsProblem(input.settings);
  if (settingsError) throw new InvalidParameterException(settingsError);
  return ctx.store.transaction(async (tx) => {
    const record = await activeCluster(tx, ctx, input.cluster);
    const updated: ClusterRecord = { ...record, cluster: { ...record.cluster, settings: mergeSettings(record.cluster.settings, input.settings ?? []) } };
    await tx.put("cluster", updated);
    return { cluster: await written(tx, ctx, updated, false) };
  });
};

const putClusterCapacityProviders: Handler<PutClusterCapacityProvidersRequest, PutClusterCapacityProvidersResponse> = async (input, ctx) => {
  const providers = input.capacityProviders ?? [];
  const strategy = input.defaultCapacityProviderStrategy ?? [];
  const strategyError = capacityProviderStrategyProblem(strategy);
  if (strategyError) throw new InvalidParameterException(strategyError);
  return ctx.store.transaction(async (tx) => {
    const record = await activeCluster(tx, ctx, input.cluster);
    const providerRecords = await requireCapacityProviders(tx, ctx, providers);
    for (const item of strategy) {
      if (!providers.includes(item.capacityProvider ?? "")) {
        throw new InvalidParameterException("The specified capacity provider strategy cannot contain a capacity provider that is not associated with the cluster. Associate the capacity provider with the cluster or specify a valid capacity provider and try again.");
      }
    }
    const cluster: Wire<Cluster> = { ...record.cluster, capacityProviders: providers, defaultCapacityProviderStrategy: normalizedStrategy(strategy) };
    const updated = withAttachments(ctx, { ...record, cluster }, providerRecords, { wanted: !!cluster.serviceConnectDefaults, changed: false });
    await tx.put("cluster", updated);
    return { cluster: await written(tx, ctx, updated, true) };
  });
};

const deleteCluster: Handler<DeleteClusterRequest, DeleteClusterResponse> = async (input, ctx) =>
  ctx.store.transaction(async (tx) => {
    const record = await activeCluster(tx, ctx, input.cluster);
    const summary = await summaryOf(tx, ctx, record.cluster);
    if (summary.activeServicesCount > 0 || summary.drainingServicesCount > 0) {
      throw new ClusterContainsServicesException("The Cluster cannot be deleted while Services are active.");
    }
    if (summary.runningTasksCount + summary.pendingTasksCount > 0) {
      throw new ClusterContainsTasksException("The Cluster cannot be deleted while Tasks are active.");
    }
    if (summary.registeredContainerInstancesCount > 0) {
      throw new ClusterContainsContainerInstancesException("The Cluster cannot be deleted while Container Instances are active or draining.");
    }
    const cluster: Wire<Cluster> = { ...withCounts(record.cluster, summary), status: "INACTIVE" };
    await tx.put("cluster", { ...record, cluster });
    return { cluster };
  });

export const clusterHandlers = {
  CreateCluster: createCluster,
  DescribeClusters: describeClusters,
  ListClusters: listClusters,
  UpdateCluster: updateCluster,
  UpdateClusterSettings: updateClusterSettings,
  PutClusterCapacityProviders: putClusterCapacityProviders,
  DeleteCluster: deleteCluster,
};
