// Capacity providers: CreateCapacityProvider, DescribeCapacityProviders, UpdateCapacityProvider,
// DeleteCapacityProvider. FARGATE and FARGATE_SPOT exist in every account and region.
import type {
  CapacityProvider,
  CreateCapacityProviderRequest,
  CreateCapacityProviderResponse,
  DeleteCapacityProviderRequest,
  DeleteCapacityProviderResponse,
  DescribeCapacityProvidersRequest,
  DescribeCapacityProvidersResponse,
  Failure,
  UpdateCapacityProviderRequest,
  UpdateCapacityProviderResponse,
} from "@aws-sdk/client-ecs";
import { arns, nameOf } from "../../domain/arn";
import { tagProblem } from "../../domain/tags";
import { ClientException, InvalidParameterException, ResourceInUseException } from "../../protocol/errors";
import type { Wire } from "../../protocol/wire";
import type { Handler, RequestContext } from "../context";
import { inScope } from "./resolve";
import type { CapacityProviderRecord } from "../../domain/records";
import type { Tx } from "../../store/store";

export const BUILT_IN_PROVIDERS = ["FARGATE", "FARGATE_SPOT"] as const;
const PROVIDER_NAME = /^[a-zA-Z0-9_-]{1,255}$/;

function builtIn(ctx: RequestContext, name: string): Wire<CapacityProvider> {
  return { capacityProviderArn: arns.capacityProvider(ctx, name), name, status: "ACTIVE", tags: [], type: name === "FARGATE" ? "FARGATE" : "FARGATE_SPOT" };
}

async function findProvider(tx: Tx, ctx: RequestContext, nameOrArn: string): Promise<CapacityProviderRecord | undefined> {
  const name = nameOf(nameOrArn);
  if ((BUILT_IN_PROVIDERS as readonly string[]).includes(name)) return { capacityProvider: builtIn(ctx, name) };
  const arn = arns.capacityProvider(ctx, name);
  if (nameOrArn.startsWith("arn:") && (!inScope(nameOrArn, ctx) || nameOrArn !== arn)) return undefined;
  return tx.get("capacityProvider", arn);
}

/**
 * The provider as ECS shows it at `now`: a deleted one is ACTIVE with updateStatus
 * DELETE_IN_PROGRESS for one step (the AWS CLI's delete-capacity-provider example), then INACTIVE
 * with DELETE_COMPLETE.
 */
export function presentedProvider(record: CapacityProviderRecord, now: number): Wire<CapacityProvider> {
  if (record.deletedAt === undefined || now >= record.deletedAt) return record.capacityProvider;
  return { ...record.capacityProvider, status: "ACTIVE", updateStatus: "DELETE_IN_PROGRESS" };
}

const createCapacityProvider: Handler<CreateCapacityProviderRequest, CreateCapacityProviderResponse> = async (input, ctx) => {
  const name = input.name ?? "";
  if (!PROVIDER_NAME.test(name)) throw new InvalidParameterException("Capacity provider names can have up to 255 characters: letters, numbers, underscores and hyphens.");
  if (/^(aws|ecs|fargate)/i.test(name)) throw new InvalidParameterException("The specified capacity provider name is invalid. Capacity provider names cannot start with 'aws', 'ecs', or 'fargate'.");
  if (!input.autoScalingGroupProvider?.autoScalingGroupArn) throw new InvalidParameterException("autoScalingGroupProvider.autoScalingGroupArn must be specified.");
  const problem = tagProblem(input.tags ?? []);
  if (problem) throw new InvalidParameterException(problem);
  return ctx.store.transaction(async (tx) => {
    const arn = arns.capacityProvider(ctx, name);
    const existing = await tx.get("capacityProvider", arn);
    if (existing && existing.capacityProvider.status === "ACTIVE") throw new ClientException(`The specified capacity provider already exists. To change the configuration of an existing capacity provider, update the capacity provider.`);
    const group = input.autoScalingGroupProvider ?? { autoScalingGroupArn: undefined };
    const capacityProvider: Wire<CapacityProvider> = {
      capacityProviderArn: arn,
      name,
      status: "ACTIVE",
      autoScalingGroupProvider: {
        autoScalingGroupArn: group.autoScalingGroupArn,
        managedScaling: {
          status: group.managedScaling?.status ?? "DISABLED",
          targetCapacity: group.managedScaling?.targetCapacity ?? 100,
          minimumScalingStepSize: group.managedScaling?.minimumScalingStepSize ?? 1,
          maximumScalingStepSize: group.managedScaling?.maximumScalingStepSize ?? 10000,
          instanceWarmupPeriod: group.managedScaling?.instanceWarmupPeriod ?? 300,
        },
        managedTerminationProtection: group.managedTerminationProtection ?? "DISABLED",
        ...(group.managedDraining ? { managedDraining: group.managedDraining } : { managedDraining: "ENABLED" }),
      },
      tags: input.tags ?? [],
      type: "EC2_AUTOSCALING",
    };
    await tx.put("capacityProvider", { capacityProvider });
    return { capacityProvider };
  });
};

const describeCapacityProviders: Handler<DescribeCapacityProvidersRequest, DescribeCapacityProvidersResponse> = async (input, ctx) =>
  ctx.store.transaction(async (tx) => {
    const includeTags = input.include?.includes("TAGS") ?? false;
    const now = ctx.clock.now();
    // Without include TAGS, ECS answers an empty list (the AWS CLI's describe-capacity-providers example).
    const show = (p: CapacityProviderRecord) => ({ ...presentedProvider(p, now), tags: includeTags ? p.capacityProvider.tags ?? [] : [] });
    if (!input.capacityProviders?.length) {
      const own = (await tx.list("capacityProvider", { scope: ctx.scope, parent: "" })).filter((p) => presentedProvider(p, now).status === "ACTIVE");
      return { capacityProviders: [...BUILT_IN_PROVIDERS.map((n) => ({ capacityProvider: builtIn(ctx, n) })), ...own].map(show), failures: [] };
    }
    const capacityProviders: Wire<CapacityProvider>[] = [];
    const failures: Failure[] = [];
    for (const requested of input.capacityProviders) {
      const found = await findProvider(tx, ctx, requested);
      if (found) capacityProviders.push(show(found));
      else failures.push({ arn: requested.startsWith("arn:") ? requested : arns.capacityProvider(ctx, requested), reason: "MISSING" });
    }
    return { capacityProviders, failures };
  });

const updateCapacityProvider: Handler<UpdateCapacityProviderRequest, UpdateCapacityProviderResponse> = async (input, ctx) =>
  ctx.store.transaction(async (tx) => {
    const name = nameOf(input.name ?? "");
    const record = await tx.get("capacityProvider", arns.capacityProvider(ctx, name));
    if (!record || record.capacityProvider.status !== "ACTIVE") throw new InvalidParameterException("The specified capacity provider does not exist.");
    const current = record.capacityProvider.autoScalingGroupProvider ?? { autoScalingGroupArn: undefined };
    const change = input.autoScalingGroupProvider ?? {};
    const capacityProvider: Wire<CapacityProvider> = {
      ...record.capacityProvider,
      autoScalingGroupProvider: {
        ...current,
        ...(change.managedScaling ? { managedScaling: { ...current.managedScaling, ...change.managedScaling } } : {}),
        ...(change.managedTerminationProtection ? { managedTerminationProtection: change.managedTerminationProtection } : {}),
        ...(change.managedDraining ? { managedDraining: change.managedDraining } : {}),
      },
      updateStatus: "UPDATE_COMPLETE",
    };
    await tx.put("capacityProvider", { capacityProvider });
    return { capacityProvider };
  });

const deleteCapacityProvider: Handler<DeleteCapacityProviderRequest, DeleteCapacityProviderResponse> = async (input, ctx) =>
  ctx.store.transaction(async (tx) => {
    const name = nameOf(input.capacityProvider ?? "");
    if ((BUILT_IN_PROVIDERS as readonly string[]).includes(name)) throw new InvalidParameterException("The FARGATE and FARGATE_SPOT capacity providers cannot be deleted.");
    const record = await tx.get("capacityProvider", arns.capacityProvider(ctx, name));
    if (!record || record.capacityProvider.status !== "ACTIVE") throw new InvalidParameterException("The specified capacity provider does not exist.");
    const clusters = await tx.list("cluster", { scope: ctx.scope, parent: "" });
    if (clusters.some((c) => c.cluster.status === "ACTIVE" && (c.cluster.capacityProviders ?? []).includes(name))) {
      throw new ResourceInUseException("The specified capacity provider is in use and cannot be removed. Disassociate it from every cluster first.");
    }
    const capacityProvider: Wire<CapacityProvider> = { ...record.capacityProvider, status: "INACTIVE", updateStatus: "DELETE_COMPLETE" };
    const deleted: CapacityProviderRecord = { capacityProvider, deletedAt: ctx.clock.now() + ctx.config.stepMs };
    await tx.put("capacityProvider", deleted);
    // The answer shows the deletion under way, as ECS's does, whatever the step time.
    return { capacityProvider: presentedProvider({ ...deleted, deletedAt: Number.POSITIVE_INFINITY }, ctx.clock.now()) };
  });

export const capacityProviderHandlers = {
  CreateCapacityProvider: createCapacityProvider,
  DescribeCapacityProviders: describeCapacityProviders,
  UpdateCapacityProvider: updateCapacityProvider,
  DeleteCapacityProvider: deleteCapacityProvider,
};
