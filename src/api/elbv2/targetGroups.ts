// Target groups: CreateTargetGroup, DescribeTargetGroups, ModifyTargetGroup, DeleteTargetGroup,
// DescribeTargetGroupAttributes, ModifyTargetGroupAttributes.
import type {
  CreateTargetGroupInput,
  CreateTargetGroupOutput,
  DeleteTargetGroupInput,
  DeleteTargetGroupOutput,
  DescribeTargetGroupAttributesInput,
  DescribeTargetGroupAttributesOutput,
  DescribeTargetGroupsInput,
  DescribeTargetGroupsOutput,
  Matcher,
  ModifyTargetGroupAttributesInput,
  ModifyTargetGroupAttributesOutput,
  ModifyTargetGroupInput,
  ModifyTargetGroupOutput,
  TargetGroup,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { wakeOwnersOfTargetGroup } from "../../coupling/ecsLoadBalancing";
import { elbArns } from "../../domain/elbv2Arn";
import {
  ALL_TARGET_GROUP_ATTRIBUTE_KEYS,
  applyAttributes,
  defaultAttributes,
  HTTP_PROTOCOLS,
  healthCheckDefaults,
  healthCheckProblem,
  healthCheckOver,
  type HealthCheckSettings,
  rangeProblem,
  targetGroupAttributeSpecs,
  targetGroupNameProblem,
} from "../../domain/elbv2Rules";
import type { TargetGroupRecord } from "../../domain/records";
import type { Wire } from "../../protocol/wire";
import type { Handler } from "../context";
import { DuplicateTargetGroupNameException, ResourceInUseException, TargetGroupNotFoundException, ValidationError } from "./errors";
import { pageOf } from "./paging";
import { elbId, loadBalancerOf, orRefuse, refuseIf, targetGroupOf } from "./resolve";
import { checkTags } from "./tags";

/** "200", "200,202", "200-299": each code within the protocol's range (API reference, Matcher). */
function matcherProblem(matcher: Matcher | undefined, protocol: string | undefined): string | undefined {
  const code = matcher?.HttpCode;
  if (code === undefined) return undefined;
  const [low, high] = HTTP_PROTOCOLS.has(protocol ?? "") ? [200, 499] : protocol === "GENEVE" ? [200, 399] : [200, 599];
  const parts = code.split(",");
  for (const part of parts) {
    const m = /^(\d{3})(?:-(\d{3}))?$/.exec(part.trim());
    const values = m ? [Number(m[1]), Number(m[2] ?? m[1])] : [];
    if (!m || values.some((v) => v < low || v > high) || values[0] > values[1]) {
      return `Health check matcher HTTP code '${code.slice(0, 100)}' must be a value or range from ${low} to ${high}`;
    }
  }
  return undefined;
}

function checkHealthCheck(settings: HealthCheckSettings, protocol: string | undefined, targetType: string): void {
  refuseIf(healthCheckProblem(settings));
  if (settings.HealthCheckEnabled === false && targetType !== "lambda") {
    throw new ValidationError(`Health checks cannot be disabled for target groups with target type '${targetType}'`);
  }
  if (HTTP_PROTOCOLS.has(protocol ?? "") && settings.HealthCheckProtocol === "TCP") {
    throw new ValidationError(`Health check protocol 'TCP' is not supported for target groups with the '${protocol}' protocol`);
  }
  const matcher = matcherProblem(settings.Matcher, protocol);
  if (matcher) throw new ValidationError(matcher);
}

/** What makes two CreateTargetGroup calls with one name "the same settings" (the call is idempotent). */
function settingsOf(tg: Wire<TargetGroup>): string {
  const { TargetGroupArn: _arn, LoadBalancerArns: _lbs, ...settings } = tg;
  return JSON.stringify(Object.entries(settings).sort(([a], [b]) => (a < b ? -1 : 1)));
}

const createTargetGroup: Handler<CreateTargetGroupInput, CreateTargetGroupOutput> = async (input, ctx) => {
  const name = input.Name ?? "";
  refuseIf(targetGroupNameProblem(name));
  const targetType = input.TargetType ?? "instance";
  const lambda = targetType === "lambda";
  if (lambda) {
    if (input.Protocol !== undefined || input.Port !== undefined || input.VpcId !== undefined) throw new ValidationError("Protocol, port and VPC ID cannot be specified for target groups with target type 'lambda'");
  } else {
    if (input.Protocol === undefined) throw new ValidationError(`A protocol must be specified for target groups with target type '${targetType}'`);
    if (input.Port === undefined) throw new ValidationError(`A port must be specified for target groups with target type '${targetType}'`);
    if (input.VpcId === undefined) throw new ValidationError(`A VPC ID must be specified for target groups with target type '${targetType}'`);
  }
  if (targetType === "alb" && input.Protocol !== "TCP") throw new ValidationError("Target groups with target type 'alb' must use the TCP protocol");
  refuseIf(rangeProblem(input.Port, "port", 1, 65535));
  const http = HTTP_PROTOCOLS.has(input.Protocol ?? "");
  if (input.ProtocolVersion !== undefined && (!http || !["HTTP1", "HTTP2", "GRPC"].includes(input.ProtocolVersion))) {
    throw new ValidationError(http ? `Protocol version '${input.ProtocolVersion.slice(0, 20)}' must be one of [HTTP1, HTTP2, GRPC]` : `A protocol version can only be specified for target groups with the HTTP or HTTPS protocol`);
  }
  const defaults = healthCheckDefaults(input.Protocol, targetType, input.ProtocolVersion);
  const health = healthCheckOver(input, defaults);
  if (!HTTP_PROTOCOLS.has(health.HealthCheckProtocol ?? "")) {
    // TCP health checks have no path and no matcher.
    if (input.HealthCheckPath !== undefined) throw new ValidationError(`Health check path cannot be specified with the '${health.HealthCheckProtocol}' health check protocol`);
    delete health.HealthCheckPath;
    if (input.Matcher === undefined) delete health.Matcher;
  }
  checkHealthCheck(health, input.Protocol, targetType);
  const tags = input.Tags ?? [];
  checkTags(tags);
  const arn = elbArns.targetGroup(ctx, name, elbId(ctx));
  const targetGroup: Wire<TargetGroup> = {
    TargetGroupArn: arn,
    TargetGroupName: name,
    ...(input.Protocol !== undefined ? { Protocol: input.Protocol } : {}),
    ...(input.Port !== undefined ? { Port: input.Port } : {}),
    ...(input.VpcId !== undefined ? { VpcId: input.VpcId } : {}),
    ...(lambda ? {} : { HealthCheckProtocol: health.HealthCheckProtocol, HealthCheckPort: health.HealthCheckPort }),
    HealthCheckEnabled: health.HealthCheckEnabled,
    HealthCheckIntervalSeconds: health.HealthCheckIntervalSeconds,
    HealthCheckTimeoutSeconds: health.HealthCheckTimeoutSeconds,
    HealthyThresholdCount: health.HealthyThresholdCount,
    UnhealthyThresholdCount: health.UnhealthyThresholdCount,
    ...(health.HealthCheckPath !== undefined ? { HealthCheckPath: health.HealthCheckPath } : {}),
    ...(health.Matcher !== undefined ? { Matcher: health.Matcher } : {}),
    LoadBalancerArns: [],
    TargetType: targetType,
    ...(http ? { ProtocolVersion: input.ProtocolVersion ?? "HTTP1" } : {}),
    ...(lambda ? {} : { IpAddressType: input.IpAddressType ?? "ipv4" }),
  };
  return ctx.store.transaction(async (tx) => {
    const [existing] = await tx.list("targetGroup", { scope: ctx.scope, parent: "", name });
    if (existing) {
      // The call is idempotent; other settings under the same name are refused (ELB's words:
      // terraform-aws-modules/terraform-aws-alb issue 251, cloudposse/terraform-aws-alb issue 109).
      if (settingsOf({ ...existing.targetGroup, TargetGroupArn: arn }) !== settingsOf(targetGroup)) {
        throw new DuplicateTargetGroupNameException(`A target group with the same name '${name}' exists, but with different settings`);
      }
      return { TargetGroups: [existing.targetGroup] };
    }
    const record: TargetGroupRecord = { targetGroup, attributes: defaultAttributes(targetGroupAttributeSpecs(input.Protocol, targetType)), tags, usedBy: [] };
    await tx.put("targetGroup", record);
    return { TargetGroups: [targetGroup] };
  });
};

const describeTargetGroups: Handler<DescribeTargetGroupsInput, DescribeTargetGroupsOutput> = async (input, ctx) => {
  const arns = input.TargetGroupArns ?? [];
  const names = input.Names ?? [];
  const given = [input.LoadBalancerArn !== undefined, arns.length > 0, names.length > 0].filter(Boolean).length;
  if (given > 1) throw new ValidationError("Only one of load balancer ARN, target group ARNs or target group names can be specified");
  const build = (page: Wire<TargetGroup>[], NextMarker?: string) => ({ TargetGroups: page, ...(NextMarker ? { NextMarker } : {}) });
  const key = (tg: Wire<TargetGroup>) => tg.TargetGroupArn ?? "";
  return ctx.store.transaction(async (tx) => {
    if (arns.length) {
      const found = [];
      for (const arn of arns) found.push((await targetGroupOf(tx, ctx, arn)).targetGroup);
      return pageOf(found, key, input, build);
    }
    if (names.length) {
      const found = [];
      for (const name of names) {
        const [record] = await tx.list("targetGroup", { scope: ctx.scope, parent: "", name });
        if (!record) throw new TargetGroupNotFoundException("One or more target groups not found");
        found.push(record.targetGroup);
      }
      return pageOf(found, key, input, build);
    }
    const all = (await tx.list("targetGroup", { scope: ctx.scope, parent: "" })).map((r) => r.targetGroup);
    if (input.LoadBalancerArn !== undefined) {
      const lb = await loadBalancerOf(tx, ctx, input.LoadBalancerArn);
      const arn = lb.loadBalancer.LoadBalancerArn ?? "";
      return pageOf(all.filter((tg) => (tg.LoadBalancerArns ?? []).includes(arn)), key, input, build);
    }
    return pageOf(all, key, input, build);
  });
};

const modifyTargetGroup: Handler<ModifyTargetGroupInput, ModifyTargetGroupOutput> = async (input, ctx) => {
  const result = await ctx.store.transaction(async (tx) => {
    const record = await targetGroupOf(tx, ctx, input.TargetGroupArn ?? "");
    const before = record.targetGroup;
    const health = healthCheckOver(input, before);
    if (!HTTP_PROTOCOLS.has(health.HealthCheckProtocol ?? "")) {
      if (input.HealthCheckPath !== undefined) throw new ValidationError(`Health check path cannot be specified with the '${health.HealthCheckProtocol}' health check protocol`);
      delete health.HealthCheckPath;
    } else if (health.HealthCheckPath === undefined) {
      health.HealthCheckPath = "/";
      health.Matcher ??= { HttpCode: "200" };
    }
    checkHealthCheck(health, before.Protocol, before.TargetType ?? "instance");
    const targetGroup: Wire<TargetGroup> = { ...before };
    for (const [key, value] of Object.entries(health) as [keyof HealthCheckSettings, unknown][]) {
      if (value === undefined) delete (targetGroup as Record<string, unknown>)[key];
      else (targetGroup as Record<string, unknown>)[key] = value;
    }
    await tx.put("targetGroup", { ...record, targetGroup });
    // Health check timing decides its targets' health: ECS must look again.
    await wakeOwnersOfTargetGroup(tx, targetGroup.TargetGroupArn ?? "", ctx.clock.now());
    return { TargetGroups: [targetGroup] };
  });
  ctx.wakeScheduler();
  return result;
};

const deleteTargetGroup: Handler<DeleteTargetGroupInput, DeleteTargetGroupOutput> = async (input, ctx) => {
  const arn = input.TargetGroupArn ?? "";
  await ctx.store.transaction(async (tx) => {
    let record: TargetGroupRecord;
    try {
      record = await targetGroupOf(tx, ctx, arn);
    } catch (error) {
      // Deleting a group that is already gone succeeds, as it does for load balancers (docs/elbv2.md).
      if (error instanceof TargetGroupNotFoundException) return;
      throw error;
    }
    // ELB's words (pulumi/pulumi issue 5900; Terraform retries on exactly this text).
    if (record.usedBy.length) throw new ResourceInUseException(`Target group '${arn}' is currently in use by a listener or a rule`);
    await wakeOwnersOfTargetGroup(tx, arn, ctx.clock.now());
    for (const target of await tx.list("target", { scope: ctx.scope, parent: arn })) await tx.remove("target", target.key);
    await tx.remove("targetGroup", arn);
  });
  ctx.wakeScheduler();
  return {};
};

const describeTargetGroupAttributes: Handler<DescribeTargetGroupAttributesInput, DescribeTargetGroupAttributesOutput> = async (input, ctx) => {
  const record = await ctx.store.transaction((tx) => targetGroupOf(tx, ctx, input.TargetGroupArn ?? ""));
  return { Attributes: record.attributes };
};

const modifyTargetGroupAttributes: Handler<ModifyTargetGroupAttributesInput, ModifyTargetGroupAttributesOutput> = async (input, ctx) => {
  return ctx.store.transaction(async (tx) => {
    const record = await targetGroupOf(tx, ctx, input.TargetGroupArn ?? "");
    const { Protocol: protocol, TargetType: targetType = "instance" } = record.targetGroup;
    const changes = input.Attributes ?? [];
    const stickiness = changes.find((c) => c.Key === "stickiness.type");
    if (stickiness?.Value === "source_ip" && HTTP_PROTOCOLS.has(protocol ?? "")) {
      // ELB's words (terraform-provider-aws acceptance tests, stickinessValidity).
      throw new ValidationError(`Stickiness type 'source_ip' is not supported for target groups with the ${protocol} protocol`);
    }
    if ((stickiness?.Value === "lb_cookie" || stickiness?.Value === "app_cookie") && !HTTP_PROTOCOLS.has(protocol ?? "")) {
      throw new ValidationError(`Stickiness type '${stickiness.Value}' is not supported for target groups with the ${protocol ?? "lambda"} protocol`);
    }
    const attributes = orRefuse(
      applyAttributes(record.attributes, changes, targetGroupAttributeSpecs(protocol, targetType), "Target group", {
        known: ALL_TARGET_GROUP_ATTRIBUTE_KEYS,
        unsupported: (key) => `Target group attribute key '${key}' is not supported on target groups with the ${protocol ?? "lambda"} protocol and target type '${targetType}'`,
      }),
    );
    await tx.put("targetGroup", { ...record, attributes });
    return { Attributes: attributes };
  });
};

export const targetGroupHandlers = {
  CreateTargetGroup: createTargetGroup,
  DescribeTargetGroups: describeTargetGroups,
  ModifyTargetGroup: modifyTargetGroup,
  DeleteTargetGroup: deleteTargetGroup,
  DescribeTargetGroupAttributes: describeTargetGroupAttributes,
  ModifyTargetGroupAttributes: modifyTargetGroupAttributes,
};
