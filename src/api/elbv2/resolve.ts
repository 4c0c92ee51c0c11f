// Finding Elastic Load Balancing resources from what a request names, refusing as ELB refuses: a
// malformed ARN is a ValidationError ("'x' is not a valid target group ARN", aws/aws-cli issue 3673;
// jcjorel/ec2-spot-converter issue 7), a well-formed one that is not there (or belongs to another
// account or region) is the resource's NotFound ("One or more target groups not found", seen from
// DescribeTargetGroups in aws-samples/service-screener-v2 issue 212).
import { type ElbResourceType, parseElbArn } from "../../domain/elbv2Arn";
import { type ElbRefusal, isRefusal } from "../../domain/elbv2Rules";
import type { ListenerRecord, ListenerRuleRecord, LoadBalancerRecord, TargetGroupRecord } from "../../domain/records";
import type { Tx } from "../../store/store";
import type { RequestContext } from "../context";
import { InvalidConfigurationRequestException, ListenerNotFoundException, LoadBalancerNotFoundException, RuleNotFoundException, TargetGroupNotFoundException, ValidationError } from "./errors";

const WHAT: Readonly<Record<ElbResourceType, string>> = {
  loadbalancer: "load balancer",
  targetgroup: "target group",
  listener: "listener",
  "listener-rule": "listener rule",
};

/** Refuses an ARN that is not a well-formed ARN of the type. */
export function requireArn(arn: string, type: ElbResourceType): void {
  if (!parseElbArn(arn, type)) throw new ValidationError(`'${arn.slice(0, 300)}' is not a valid ${WHAT[type]} ARN`);
}

/** Whether the ARN is in the caller's account and region. */
function inScope(ctx: RequestContext, arn: string): boolean {
  const parsed = parseElbArn(arn);
  return parsed !== undefined && parsed.account === ctx.account && parsed.region === ctx.region;
}

export async function loadBalancerOf(tx: Tx, ctx: RequestContext, arn: string): Promise<LoadBalancerRecord> {
  requireArn(arn, "loadbalancer");
  const record = inScope(ctx, arn) ? await tx.get("loadBalancer", arn) : undefined;
  if (!record) throw new LoadBalancerNotFoundException("One or more load balancers not found");
  return record;
}

export async function targetGroupOf(tx: Tx, ctx: RequestContext, arn: string): Promise<TargetGroupRecord> {
  requireArn(arn, "targetgroup");
  const record = inScope(ctx, arn) ? await tx.get("targetGroup", arn) : undefined;
  if (!record) throw new TargetGroupNotFoundException("One or more target groups not found");
  return record;
}

export async function listenerOf(tx: Tx, ctx: RequestContext, arn: string): Promise<ListenerRecord> {
  requireArn(arn, "listener");
  const record = inScope(ctx, arn) ? await tx.get("listener", arn) : undefined;
  if (!record) throw new ListenerNotFoundException("One or more listeners not found");
  return record;
}

export async function ruleOf(tx: Tx, ctx: RequestContext, arn: string): Promise<ListenerRuleRecord> {
  requireArn(arn, "listener-rule");
  const record = inScope(ctx, arn) ? await tx.get("listenerRule", arn) : undefined;
  if (!record) throw new RuleNotFoundException("One or more rules not found");
  return record;
}

/** Throws the ELB error a domain refusal names; returns the value otherwise. */
export function orRefuse<T>(value: T | ElbRefusal): T {
  if (isRefusal(value)) throw value.error === "ValidationError" ? new ValidationError(value.message) : new InvalidConfigurationRequestException(value.message);
  return value;
}

/** Throws when a domain check found a problem. */
export function refuseIf(problem: ElbRefusal | undefined): void {
  if (problem) orRefuse(problem);
}

/** 16 hexadecimal digits, as the id in every ELB ARN. */
export function elbId(ctx: RequestContext): string {
  return ctx.ids.hex32().slice(0, 16);
}
