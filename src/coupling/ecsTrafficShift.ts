// ECS and Elastic Load Balancing, for deployments that shift traffic (BLUE_GREEN, LINEAR, CANARY):
// which of a load balancer's two target groups serves production now (so the new revision goes to
// the other, and successive deployments alternate), the checks of advancedConfiguration's target
// group and listener rules at request time, and the listener rule weights ECS writes as it shifts
// test and production traffic. Weights are written through the ELB slice's own functions
// (replaceRuleActions, replaceListenerDefaultActions), so a rule reads the same whether ECS or a
// user changed it, and target groups start or stop being routed (and health checked) alike.
import type { LoadBalancer, TaskDefinition } from "@aws-sdk/client-ecs";
import type { Action } from "@aws-sdk/client-elastic-load-balancing-v2";
import { replaceListenerDefaultActions } from "../api/elbv2/listeners";
import { replaceRuleActions } from "../api/elbv2/rules";
import type { Scope } from "../domain/arn";
import { ruleWeights } from "../domain/deploymentConfig";
import { forwardWeights, withForwardWeights } from "../domain/elbv2Actions";
import { parseElbArn } from "../domain/elbv2Arn";
import { ApiError, InvalidParameterException } from "../protocol/errors";
import { checkLoadBalancers } from "./ecsLoadBalancing";
import type { Wire } from "../protocol/wire";
import type { Tx } from "../store/store";

/** The actions of a listener rule, or of a listener (a Network Load Balancer's rule is its listener). */
async function actionsOf(tx: Tx, arn: string): Promise<Action[] | undefined> {
  if (parseElbArn(arn, "listener-rule")) return (await tx.get("listenerRule", arn))?.rule.Actions;
  if (parseElbArn(arn, "listener")) return (await tx.get("listener", arn))?.listener.DefaultActions;
  return undefined;
}

function inScope(arn: string, scope: Scope): boolean {
  const parsed = parseElbArn(arn);
  return parsed !== undefined && parsed.account === scope.account && parsed.region === scope.region;
}

/**
 * Checks what ECS will shift traffic with: the alternate target group as ECS checks any target group
 * of a service (checkLoadBalancers: it exists, a load balancer uses it, its target type fits), and
 * the listener rules exist in the caller's account and region (ecslite's words for those: ECS's are
 * not published).
 */
export async function checkTrafficShiftResources(tx: Tx, scope: Scope, loadBalancers: readonly Wire<LoadBalancer>[], def: Wire<TaskDefinition>): Promise<void> {
  for (const [i, lb] of loadBalancers.entries()) {
    const advanced = lb.advancedConfiguration;
    if (!advanced || lb.targetGroupArn === undefined) continue;
    const at = `loadBalancers[${i}].advancedConfiguration`;
    await checkLoadBalancers(tx, scope, [{ targetGroupArn: advanced.alternateTargetGroupArn, containerName: lb.containerName, containerPort: lb.containerPort }], def);
    for (const [name, rule] of [
      ["productionListenerRule", advanced.productionListenerRule],
      ["testListenerRule", advanced.testListenerRule],
    ] as const) {
      if (rule === undefined) continue;
      if (!inScope(rule, scope) || !(await actionsOf(tx, rule))) throw new InvalidParameterException(`${at}.${name}: the listener rule ${rule} does not exist.`);
    }
  }
}

/**
 * The target group a new revision's tasks register in: of the load balancer's two target groups,
 * the one the production listener rule does not send (most of) its traffic to. With no rule
 * weights yet, targetGroupArn serves production, so the first deployment goes to the alternate
 * (as ECS leaves a rule after a service's first blue/green deployment: alternate at 100).
 */
export async function greenTargetGroupOf(tx: Tx, lb: Wire<LoadBalancer>): Promise<string> {
  const primary = lb.targetGroupArn ?? "";
  const alternate = lb.advancedConfiguration?.alternateTargetGroupArn ?? "";
  const weights = forwardWeights(await actionsOf(tx, lb.advancedConfiguration?.productionListenerRule ?? ""));
  return (weights.get(alternate) ?? 0) > (weights.get(primary) ?? 0) ? primary : alternate;
}

/**
 * Writes the green target group's share of a listener rule's traffic, blue taking the rest. A rule
 * that already forwards with these weights is left as it is. Returns why it could not, if it could not.
 */
export async function shiftTraffic(tx: Tx, scope: Scope, ruleArn: string, blue: string, green: string, greenPercent: number, now: number): Promise<string | undefined> {
  const { green: greenWeight, blue: blueWeight } = ruleWeights(greenPercent);
  try {
    if (parseElbArn(ruleArn, "listener-rule")) {
      const record = await tx.get("listenerRule", ruleArn);
      if (!record) return `the listener rule ${ruleArn} no longer exists`;
      const current = forwardWeights(record.rule.Actions);
      if (current.get(green) === greenWeight && current.get(blue) === blueWeight) return undefined;
      await replaceRuleActions(tx, scope, record, withForwardWeights(record.rule.Actions ?? [], new Map([[blue, blueWeight], [green, greenWeight]])), now);
      return undefined;
    }
    const listener = await tx.get("listener", ruleArn);
    if (!listener) return `the listener ${ruleArn} no longer exists`;
    const current = forwardWeights(listener.listener.DefaultActions);
    if (current.get(green) === greenWeight && current.get(blue) === blueWeight) return undefined;
    await replaceListenerDefaultActions(tx, scope, listener, withForwardWeights(listener.listener.DefaultActions ?? [], new Map([[blue, blueWeight], [green, greenWeight]])), now);
    return undefined;
  } catch (error) {
    if (error instanceof ApiError) return error.message;
    throw error;
  }
}
