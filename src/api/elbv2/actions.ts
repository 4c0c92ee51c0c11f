// Actions of listeners and rules checked against the store: every target group they forward to
// exists in the caller's account and region, serves the load balancer's type, and is not already
// used by another load balancer. Shared by listeners, rules, and whatever changes their weights.
import type { Action } from "@aws-sdk/client-elastic-load-balancing-v2";
import { checkActions, forwardedTargetGroups } from "../../domain/elbv2Actions";
import { parseElbArn } from "../../domain/elbv2Arn";
import { protocolFitsLoadBalancer } from "../../domain/elbv2Rules";
import type { Scope } from "../../domain/arn";
import type { LoadBalancerRecord } from "../../domain/records";
import type { Tx } from "../../store/store";
import { IncompatibleProtocolsException, TargetGroupAssociationLimitException, TargetGroupNotFoundException } from "./errors";
import { orRefuse, requireArn } from "./resolve";

/** Checks `actions` for a listener or rule of `loadBalancer` and returns them as ELB stores them. */
export async function checkedActions(tx: Tx, scope: Scope, loadBalancer: LoadBalancerRecord, actions: readonly Action[], at: string): Promise<Action[]> {
  const type = loadBalancer.loadBalancer.Type ?? "application";
  const normalized = orRefuse(checkActions(actions, at, { networkListener: type === "network" }));
  const lbArn = loadBalancer.loadBalancer.LoadBalancerArn ?? "";
  for (const arn of forwardedTargetGroups(normalized)) {
    requireArn(arn, "targetgroup");
    const parsed = parseElbArn(arn);
    const record = parsed && parsed.account === scope.account && parsed.region === scope.region ? await tx.get("targetGroup", arn) : undefined;
    // ELB's words (aws/copilot-cli issue 3833, from CreateListener through CloudFormation).
    if (!record) throw new TargetGroupNotFoundException(`Target groups '${arn}' not found`);
    const tg = record.targetGroup;
    const lambda = tg.TargetType === "lambda";
    if (lambda ? type !== "application" : !protocolFitsLoadBalancer(tg.Protocol, type)) {
      throw new IncompatibleProtocolsException(`The ${lambda ? "target type 'lambda'" : `protocol '${tg.Protocol}'`} of target group '${arn}' is not supported by load balancers of type '${type}'`);
    }
    const others = (tg.LoadBalancerArns ?? []).filter((other) => other !== lbArn);
    if (others.length) throw new TargetGroupAssociationLimitException(`The following target groups cannot be associated with more than one load balancer: ${arn}`);
  }
  return normalized;
}
