// Load balancers: CreateLoadBalancer, DescribeLoadBalancers, DeleteLoadBalancer,
// DescribeLoadBalancerAttributes, ModifyLoadBalancerAttributes. Application and network load
// balancers are simulated as ELB describes them; no traffic flows and there are no VPCs: any
// subnet-* and sg-* id is taken as given (docs/elbv2.md).
import { createHash } from "node:crypto";
import type {
  AvailabilityZone,
  CreateLoadBalancerInput,
  CreateLoadBalancerOutput,
  DeleteLoadBalancerInput,
  DeleteLoadBalancerOutput,
  DescribeLoadBalancerAttributesInput,
  DescribeLoadBalancerAttributesOutput,
  DescribeLoadBalancersInput,
  DescribeLoadBalancersOutput,
  LoadBalancer,
  ModifyLoadBalancerAttributesInput,
  ModifyLoadBalancerAttributesOutput,
  SubnetMapping,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import type { Scope } from "../../domain/arn";
import { elbArns } from "../../domain/elbv2Arn";
import { ALL_LOAD_BALANCER_ATTRIBUTE_KEYS, applyAttributes, attributeValue, defaultAttributes, LOAD_BALANCER_ATTRIBUTES, lengthProblem, loadBalancerNameProblem } from "../../domain/elbv2Rules";
import type { LoadBalancerRecord } from "../../domain/records";
import { epochSeconds, type Wire } from "../../protocol/wire";
import type { Tx } from "../../store/store";
import type { Handler, RequestContext } from "../context";
import { DuplicateLoadBalancerNameException, LoadBalancerNotFoundException, OperationNotPermittedException, ValidationError } from "./errors";
import { relinkTargetGroups } from "./links";
import { pageOf } from "./paging";
import { elbId, loadBalancerOf, orRefuse, refuseIf } from "./resolve";
import { checkTags } from "./tags";

/** At most 20 attributes per ModifyLoadBalancerAttributes (ELB's model; terraform-provider-aws PR 46496). */
const MAX_ATTRIBUTES_PER_CALL = 20;

/** A stable stand-in for an id ELB would take from EC2 (there are no VPCs here). */
function fakeId(prefix: string, ...parts: string[]): string {
  return `${prefix}-${createHash("sha256").update(parts.join("\u0000")).digest("hex").slice(0, 17)}`;
}

/** The VPC every load balancer of an account and region is in: there is one, the default. */
export function defaultVpcId(scope: Scope): string {
  return fakeId("vpc", scope.account, scope.region);
}

/** Availability zones in subnet order: <region>a, <region>b, ... */
function zonesOf(scope: Scope, input: Wire<CreateLoadBalancerInput>): Wire<AvailabilityZone>[] {
  const mappings: Wire<SubnetMapping>[] = input.SubnetMappings?.length ? input.SubnetMappings : (input.Subnets ?? []).map((SubnetId) => ({ SubnetId }));
  return mappings.map((m, i) => ({
    ZoneName: `${scope.region}${String.fromCharCode(97 + (i % 26))}`,
    SubnetId: m.SubnetId,
    ...(m.AllocationId || m.PrivateIPv4Address || m.IPv6Address
      ? { LoadBalancerAddresses: [{ ...(m.AllocationId ? { AllocationId: m.AllocationId } : {}), ...(m.PrivateIPv4Address ? { PrivateIPv4Address: m.PrivateIPv4Address } : {}), ...(m.IPv6Address ? { IPv6Address: m.IPv6Address } : {}) }] }
      : {}),
  }));
}

function subnetsProblem(input: Wire<CreateLoadBalancerInput>, type: string): string | undefined {
  if (input.Subnets?.length && input.SubnetMappings?.length) return "You can specify subnets or subnet mappings, not both";
  const subnets = input.SubnetMappings?.length ? input.SubnetMappings.map((m) => m.SubnetId ?? "") : (input.Subnets ?? []);
  if (new Set(subnets).size !== subnets.length) return "A subnet can be specified only once";
  for (const subnet of subnets) if (!/^subnet-[A-Za-z0-9]+$/.test(subnet)) return `The subnet ID '${subnet.slice(0, 100)}' is not valid`;
  // ELB's words for an application load balancer with one subnet.
  if (type === "application" && subnets.length < 2) return "At least two subnets in two different Availability Zones must be specified";
  if (subnets.length < 1) return "At least one subnet must be specified";
  return undefined;
}

/** What makes two CreateLoadBalancer calls with one name "the same settings" (the call is idempotent). */
function settingsOf(lb: Wire<LoadBalancer>): string {
  return JSON.stringify([lb.Type, lb.Scheme, lb.IpAddressType, (lb.AvailabilityZones ?? []).map((z) => z.SubnetId).sort(), [...(lb.SecurityGroups ?? [])].sort()]);
}

const createLoadBalancer: Handler<CreateLoadBalancerInput, CreateLoadBalancerOutput> = async (input, ctx) => {
  const name = input.Name;
  refuseIf(loadBalancerNameProblem(name ?? ""));
  const type = input.Type ?? "application";
  if (type === "gateway") throw new OperationNotPermittedException("ecslite simulates application and network load balancers; gateway load balancers are not supported. See docs/elbv2.md.");
  if (input.CustomerOwnedIpv4Pool !== undefined || input.EnablePrefixForIpv6SourceNat !== undefined || input.IpamPools !== undefined) {
    throw new OperationNotPermittedException("ecslite does not simulate customer-owned IP pools, IPAM pools or IPv6 source NAT. See docs/elbv2.md.");
  }
  const subnetProblem = subnetsProblem(input, type);
  if (subnetProblem) throw new ValidationError(subnetProblem);
  for (const sg of input.SecurityGroups ?? []) if (!/^sg-[A-Za-z0-9]+$/.test(sg)) throw new ValidationError(`The security group ID '${sg.slice(0, 100)}' is not valid`);
  const tags = input.Tags ?? [];
  checkTags(tags);
  const scheme = input.Scheme ?? "internet-facing";
  const id = elbId(ctx);
  const arn = elbArns.loadBalancer(ctx, type, name ?? "", id);
  const dnsHost = type === "network" ? `${name}-${id}.elb.${ctx.region}.amazonaws.com` : `${name}-${BigInt(`0x${id.slice(0, 8)}`).toString()}.${ctx.region}.elb.amazonaws.com`;
  const securityGroups = input.SecurityGroups?.length ? input.SecurityGroups : type === "application" ? [fakeId("sg", ctx.account, ctx.region, "default")] : undefined;
  const loadBalancer: Wire<LoadBalancer> = {
    LoadBalancerArn: arn,
    DNSName: scheme === "internal" ? `internal-${dnsHost}` : dnsHost,
    // Route 53 zone ids of ELB in us-east-1 (application and classic share one; network another).
    CanonicalHostedZoneId: type === "network" ? "Z26RNL4JYFTOTI" : "Z35SXDOTRQ7X7K",
    CreatedTime: epochSeconds(ctx.clock.now()),
    LoadBalancerName: name,
    Scheme: scheme,
    VpcId: defaultVpcId(ctx),
    State: { Code: "active" },
    Type: type,
    AvailabilityZones: zonesOf(ctx, input),
    ...(securityGroups ? { SecurityGroups: securityGroups } : {}),
    IpAddressType: input.IpAddressType ?? "ipv4",
  };
  return ctx.store.transaction(async (tx) => {
    const [existing] = await tx.list("loadBalancer", { scope: ctx.scope, parent: "", name });
    if (existing) {
      if (settingsOf(existing.loadBalancer) !== settingsOf({ ...loadBalancer, SecurityGroups: securityGroups })) {
        // ELB's words (terraform-provider-aws issue 10669's neighbours; the same wording as DuplicateTargetGroupName).
        throw new DuplicateLoadBalancerNameException(`A load balancer with the same name '${name}' exists, but with different settings`);
      }
      return { LoadBalancers: [existing.loadBalancer] };
    }
    const record: LoadBalancerRecord = { loadBalancer, attributes: defaultAttributes(LOAD_BALANCER_ATTRIBUTES[type]), tags };
    await tx.put("loadBalancer", record);
    // A new load balancer is reported "provisioning" by the call that creates it, and "active" after.
    return { LoadBalancers: [{ ...loadBalancer, State: { Code: "provisioning" } }] };
  });
};

const describeLoadBalancers: Handler<DescribeLoadBalancersInput, DescribeLoadBalancersOutput> = async (input, ctx) => {
  const arns = input.LoadBalancerArns ?? [];
  const names = input.Names ?? [];
  if (arns.length && names.length) throw new ValidationError("Load balancer names and load balancer ARNs cannot be specified at the same time");
  return ctx.store.transaction(async (tx) => {
    if (arns.length) {
      const found = [];
      for (const arn of arns) found.push((await loadBalancerOf(tx, ctx, arn)).loadBalancer);
      return pageOf(found, (lb) => lb.LoadBalancerArn ?? "", input, (page, NextMarker) => ({ LoadBalancers: page, ...(NextMarker ? { NextMarker } : {}) }));
    }
    if (names.length) {
      const found = [];
      const missing = [];
      for (const name of names) {
        const [record] = await tx.list("loadBalancer", { scope: ctx.scope, parent: "", name });
        if (record) found.push(record.loadBalancer);
        else missing.push(name);
      }
      // ELB's words (terraform-provider-aws issue 10669).
      if (missing.length) throw new LoadBalancerNotFoundException(`Load balancers '[${missing.join(", ")}]' not found`);
      return pageOf(found, (lb) => lb.LoadBalancerArn ?? "", input, (page, NextMarker) => ({ LoadBalancers: page, ...(NextMarker ? { NextMarker } : {}) }));
    }
    const all = (await tx.list("loadBalancer", { scope: ctx.scope, parent: "" })).map((r) => r.loadBalancer);
    return pageOf(all, (lb) => lb.LoadBalancerArn ?? "", input, (page, NextMarker) => ({ LoadBalancers: page, ...(NextMarker ? { NextMarker } : {}) }));
  });
};

/** Removes a load balancer with its listeners and their rules; the groups they forwarded to are relinked. */
export async function removeLoadBalancer(tx: Tx, ctx: RequestContext, record: LoadBalancerRecord): Promise<void> {
  const arn = record.loadBalancer.LoadBalancerArn ?? "";
  const now = ctx.clock.now();
  for (const listener of await tx.list("listener", { scope: ctx.scope, parent: arn })) {
    const listenerArn = listener.listener.ListenerArn ?? "";
    for (const rule of await tx.list("listenerRule", { scope: ctx.scope, parent: listenerArn })) {
      if (!rule.rule.IsDefault) await relinkTargetGroups(tx, rule.rule.RuleArn ?? "", rule.rule.Actions, undefined, now);
      await tx.remove("listenerRule", rule.rule.RuleArn ?? "");
    }
    await relinkTargetGroups(tx, listenerArn, listener.listener.DefaultActions, undefined, now);
    await tx.remove("listener", listenerArn);
  }
  await tx.remove("loadBalancer", arn);
}

const deleteLoadBalancer: Handler<DeleteLoadBalancerInput, DeleteLoadBalancerOutput> = async (input, ctx) => {
  const arn = input.LoadBalancerArn ?? "";
  await ctx.store.transaction(async (tx) => {
    let record: LoadBalancerRecord;
    try {
      record = await loadBalancerOf(tx, ctx, arn);
    } catch (error) {
      // "If the load balancer does not exist or has already been deleted, the call succeeds." (API reference)
      if (error instanceof LoadBalancerNotFoundException) return;
      throw error;
    }
    if (attributeValue(record.attributes, "deletion_protection.enabled") === "true") {
      throw new OperationNotPermittedException(`Load balancer '${arn}' cannot be deleted because deletion protection is enabled`);
    }
    await removeLoadBalancer(tx, ctx, record);
  });
  return {};
};

const describeLoadBalancerAttributes: Handler<DescribeLoadBalancerAttributesInput, DescribeLoadBalancerAttributesOutput> = async (input, ctx) => {
  const record = await ctx.store.transaction((tx) => loadBalancerOf(tx, ctx, input.LoadBalancerArn ?? ""));
  return { Attributes: record.attributes };
};

const modifyLoadBalancerAttributes: Handler<ModifyLoadBalancerAttributesInput, ModifyLoadBalancerAttributesOutput> = async (input, ctx) => {
  const changes = input.Attributes ?? [];
  refuseIf(lengthProblem(changes, "attributes", MAX_ATTRIBUTES_PER_CALL));
  return ctx.store.transaction(async (tx) => {
    const record = await loadBalancerOf(tx, ctx, input.LoadBalancerArn ?? "");
    const type = record.loadBalancer.Type ?? "application";
    if (type === "application" && changes.some((c) => c.Key === "load_balancing.cross_zone.enabled" && c.Value !== "true")) {
      throw new ValidationError("Cross-zone load balancing is always enabled for Application Load Balancers; 'load_balancing.cross_zone.enabled' can only be 'true'");
    }
    const attributes = orRefuse(
      applyAttributes(record.attributes, changes, LOAD_BALANCER_ATTRIBUTES[type], "Load balancer", {
        known: ALL_LOAD_BALANCER_ATTRIBUTE_KEYS,
        unsupported: (key) => `Load balancer attribute key '${key}' is not supported on load balancers with type '${type}'`,
      }),
    );
    if (attributes.some((a) => a.Key === "access_logs.s3.enabled" && a.Value === "true") && !attributeValue(attributes, "access_logs.s3.bucket")) {
      throw new ValidationError("The value of 'access_logs.s3.bucket' cannot be empty when access logs are enabled");
    }
    await tx.put("loadBalancer", { ...record, attributes });
    return { Attributes: attributes };
  });
};

export const loadBalancerHandlers = {
  CreateLoadBalancer: createLoadBalancer,
  DescribeLoadBalancers: describeLoadBalancers,
  DeleteLoadBalancer: deleteLoadBalancer,
  DescribeLoadBalancerAttributes: describeLoadBalancerAttributes,
  ModifyLoadBalancerAttributes: modifyLoadBalancerAttributes,
};
