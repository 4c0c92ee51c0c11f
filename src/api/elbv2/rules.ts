// Listener rules: CreateRule, DescribeRules, ModifyRule, DeleteRule, SetRulePriorities. Rules belong
// to application load balancer listeners; priorities 1-50000 are unique per listener; the default
// rule (priority "default") is the listener's default actions and can be changed only through them.
// replaceRuleActions is how anything (ModifyRule, a deployment shifting weights) changes where a rule
// forwards.
import type {
  Action,
  CreateRuleInput,
  CreateRuleOutput,
  DeleteRuleInput,
  DeleteRuleOutput,
  DescribeRulesInput,
  DescribeRulesOutput,
  ModifyRuleInput,
  ModifyRuleOutput,
  Rule,
  SetRulePrioritiesInput,
  SetRulePrioritiesOutput,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import type { Scope } from "../../domain/arn";
import { checkConditions } from "../../domain/elbv2Actions";
import { elbArns, listenerArnOf } from "../../domain/elbv2Arn";
import { rangeProblem } from "../../domain/elbv2Rules";
import type { ListenerRecord, ListenerRuleRecord, LoadBalancerRecord } from "../../domain/records";
import type { Wire } from "../../protocol/wire";
import type { Tx } from "../../store/store";
import type { Handler, RequestContext } from "../context";
import { checkedActions } from "./actions";
import { OperationNotPermittedException, PriorityInUseException, TooManyRulesException, ValidationError } from "./errors";
import { relinkTargetGroups } from "./links";
import { replaceListenerDefaultActions } from "./listeners";
import { pageOf } from "./paging";
import { elbId, listenerOf, loadBalancerOf, orRefuse, refuseIf, ruleOf } from "./resolve";
import { checkTags } from "./tags";

/** Rules per listener, the default rule not counted (ELB quota for application load balancers). */
export const MAX_RULES_PER_LISTENER = 100;

function checkPriority(priority: number | undefined, at: string): void {
  refuseIf(rangeProblem(priority, at, 1, 50000));
}

/** Rules sort by priority, the default rule last (as DescribeRules lists them). */
function priorityOrder(rule: Wire<Rule>): number {
  return rule.IsDefault ? Number.MAX_SAFE_INTEGER : Number(rule.Priority);
}

async function rulesOf(tx: Tx, scope: string, listenerArn: string): Promise<ListenerRuleRecord[]> {
  return tx.list("listenerRule", { scope, parent: listenerArn });
}

/** The listener and load balancer a rule belongs to; only application load balancers have rules. */
async function ruleOwners(tx: Tx, ctx: RequestContext, listenerArn: string): Promise<{ listener: ListenerRecord; loadBalancer: LoadBalancerRecord }> {
  const listener = await listenerOf(tx, ctx, listenerArn);
  const loadBalancer = await loadBalancerOf(tx, ctx, listener.listener.LoadBalancerArn ?? "");
  if ((loadBalancer.loadBalancer.Type ?? "application") !== "application") {
    throw new ValidationError(`Listener '${listenerArn}' belongs to a load balancer of type '${loadBalancer.loadBalancer.Type}', whose listeners have only their default rule`);
  }
  return { listener, loadBalancer };
}

/**
 * Makes `actions` the rule's actions, checked against the store, relinking the target groups it
 * stops or starts forwarding to. The default rule's actions are its listener's default actions.
 */
export async function replaceRuleActions(tx: Tx, scope: Scope, record: ListenerRuleRecord, actions: readonly Action[], now: number): Promise<ListenerRuleRecord> {
  const ruleArn = record.rule.RuleArn ?? "";
  const listener = await tx.get("listener", listenerArnOf(ruleArn));
  if (!listener) throw new ValidationError(`The listener of rule '${ruleArn}' no longer exists`);
  if (record.rule.IsDefault) {
    await replaceListenerDefaultActions(tx, scope, listener, actions, now);
    return (await tx.get("listenerRule", ruleArn)) ?? record;
  }
  const loadBalancer = await tx.get("loadBalancer", listener.listener.LoadBalancerArn ?? "");
  if (!loadBalancer) throw new ValidationError(`The load balancer of rule '${ruleArn}' no longer exists`);
  const checked = await checkedActions(tx, scope, loadBalancer, actions, "actions");
  await relinkTargetGroups(tx, ruleArn, record.rule.Actions, checked, now);
  const next: ListenerRuleRecord = { ...record, rule: { ...record.rule, Actions: checked } };
  await tx.put("listenerRule", next);
  return next;
}

const createRule: Handler<CreateRuleInput, CreateRuleOutput> = async (input, ctx) => {
  checkPriority(input.Priority, "priority");
  const conditions = orRefuse(checkConditions(input.Conditions ?? []));
  const tags = input.Tags ?? [];
  checkTags(tags);
  return ctx.store.transaction(async (tx) => {
    const { listener } = await ruleOwners(tx, ctx, input.ListenerArn ?? "");
    const listenerArn = listener.listener.ListenerArn ?? "";
    const rules = await rulesOf(tx, ctx.scope, listenerArn);
    // ELB's words (hashicorp/terraform issue 24239; stelligent/mu issue 324).
    if (rules.some((r) => r.rule.Priority === String(input.Priority))) throw new PriorityInUseException(`Priority '${input.Priority}' is currently in use`);
    if (rules.filter((r) => !r.rule.IsDefault).length >= MAX_RULES_PER_LISTENER) throw new TooManyRulesException(`A listener can have at most ${MAX_RULES_PER_LISTENER} rules`);
    const rule: Wire<Rule> = { RuleArn: elbArns.rule(listenerArn, elbId(ctx)), Priority: String(input.Priority), Conditions: conditions, Actions: [], IsDefault: false };
    const stored = await replaceRuleActions(tx, ctx, { rule, tags }, input.Actions ?? [], ctx.clock.now());
    return { Rules: [stored.rule] };
  });
};

const describeRules: Handler<DescribeRulesInput, DescribeRulesOutput> = async (input, ctx) => {
  const arns = input.RuleArns ?? [];
  if (input.ListenerArn === undefined && arns.length === 0) throw new ValidationError("You must specify either listener rule ARNs or a listener ARN");
  if (input.ListenerArn !== undefined && arns.length) throw new ValidationError("Listener rule ARNs and a listener ARN cannot be specified at the same time");
  return ctx.store.transaction(async (tx) => {
    let rules: Wire<Rule>[];
    if (arns.length) {
      rules = [];
      for (const arn of arns) rules.push((await ruleOf(tx, ctx, arn)).rule);
    } else {
      const listener = await listenerOf(tx, ctx, input.ListenerArn ?? "");
      rules = (await rulesOf(tx, ctx.scope, listener.listener.ListenerArn ?? "")).map((r) => r.rule);
    }
    // Priority order: a marker names the last rule's position in it.
    const ordered = [...rules].sort((a, b) => priorityOrder(a) - priorityOrder(b));
    const position = new Map(ordered.map((r, i) => [r.RuleArn ?? "", String(i).padStart(6, "0")]));
    return pageOf(ordered, (r) => position.get(r.RuleArn ?? "") ?? "", input, (page, NextMarker) => ({ Rules: page, ...(NextMarker ? { NextMarker } : {}) }));
  });
};

const modifyRule: Handler<ModifyRuleInput, ModifyRuleOutput> = async (input, ctx) => {
  if (input.Conditions === undefined && input.Actions === undefined) throw new ValidationError("Either conditions or actions must be specified");
  const conditions = input.Conditions === undefined ? undefined : orRefuse(checkConditions(input.Conditions));
  return ctx.store.transaction(async (tx) => {
    let record = await ruleOf(tx, ctx, input.RuleArn ?? "");
    if (record.rule.IsDefault && conditions !== undefined) throw new OperationNotPermittedException("The conditions of a default rule cannot be modified");
    if (conditions !== undefined) {
      record = { ...record, rule: { ...record.rule, Conditions: conditions } };
      await tx.put("listenerRule", record);
    }
    if (input.Actions !== undefined) record = await replaceRuleActions(tx, ctx, record, input.Actions, ctx.clock.now());
    return { Rules: [record.rule] };
  });
};

const deleteRule: Handler<DeleteRuleInput, DeleteRuleOutput> = async (input, ctx) => {
  await ctx.store.transaction(async (tx) => {
    const record = await ruleOf(tx, ctx, input.RuleArn ?? "");
    const arn = record.rule.RuleArn ?? "";
    if (record.rule.IsDefault) throw new OperationNotPermittedException(`Default rule '${arn}' cannot be deleted`);
    await relinkTargetGroups(tx, arn, record.rule.Actions, undefined, ctx.clock.now());
    await tx.remove("listenerRule", arn);
  });
  return {};
};

const setRulePriorities: Handler<SetRulePrioritiesInput, SetRulePrioritiesOutput> = async (input, ctx) => {
  const changes = input.RulePriorities ?? [];
  const priorities = new Set<number>();
  changes.forEach((change, i) => {
    checkPriority(change.Priority, `rulePriorities.${i + 1}.member.priority`);
    if (change.Priority !== undefined) {
      if (priorities.has(change.Priority)) throw new ValidationError(`Priority '${change.Priority}' was provided multiple times`);
      priorities.add(change.Priority);
    }
  });
  return ctx.store.transaction(async (tx) => {
    const records: ListenerRuleRecord[] = [];
    for (const change of changes) {
      const record = await ruleOf(tx, ctx, change.RuleArn ?? "");
      if (record.rule.IsDefault) throw new OperationNotPermittedException(`The priority of default rule '${record.rule.RuleArn}' cannot be changed`);
      if (records.some((r) => r.rule.RuleArn === record.rule.RuleArn)) throw new ValidationError(`Rule '${record.rule.RuleArn}' was provided multiple times`);
      records.push(record);
    }
    const listeners = new Set(records.map((r) => listenerArnOf(r.rule.RuleArn ?? "")));
    if (listeners.size > 1) throw new ValidationError("The rules must all belong to the same listener");
    const moving = new Set(records.map((r) => r.rule.RuleArn));
    for (const listenerArn of listeners) {
      for (const other of await rulesOf(tx, ctx.scope, listenerArn)) {
        if (!moving.has(other.rule.RuleArn) && priorities.has(Number(other.rule.Priority))) throw new PriorityInUseException(`Priority '${other.rule.Priority}' is currently in use`);
      }
    }
    const Rules: Wire<Rule>[] = [];
    for (const [i, record] of records.entries()) {
      const rule = { ...record.rule, Priority: String(changes[i].Priority) };
      await tx.put("listenerRule", { ...record, rule });
      Rules.push(rule);
    }
    return { Rules };
  });
};

export const ruleHandlers = {
  CreateRule: createRule,
  DescribeRules: describeRules,
  ModifyRule: modifyRule,
  DeleteRule: deleteRule,
  SetRulePriorities: setRulePriorities,
};
