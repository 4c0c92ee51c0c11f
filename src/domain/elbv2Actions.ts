// Listener and rule actions and rule conditions, as pure functions: which target groups an action
// list forwards to (and with what weights), how ELB checks and normalizes actions and conditions,
// and changing forward weights (what a blue/green deployment does to a listener or rule).
import type { Action, RuleCondition } from "@aws-sdk/client-elastic-load-balancing-v2";
import { type ElbRefusal, rangeProblem, validation } from "./elbv2Rules";

export const MAX_TARGET_GROUPS_PER_FORWARD = 5;
export const MAX_WEIGHT = 999;
export const MAX_STICKINESS_SECONDS = 604_800;
export const MAX_ACTIONS = 5;
export const MAX_CONDITION_VALUES = 5;

const TERMINAL_ACTIONS: ReadonlySet<string> = new Set(["forward", "redirect", "fixed-response"]);

/** The target groups an action list forwards to, each once, in order. */
export function forwardedTargetGroups(actions: readonly Action[] | undefined): string[] {
  const arns = new Set<string>();
  for (const action of actions ?? []) {
    if (action.Type !== "forward") continue;
    if (action.TargetGroupArn) arns.add(action.TargetGroupArn);
    for (const tg of action.ForwardConfig?.TargetGroups ?? []) if (tg.TargetGroupArn) arns.add(tg.TargetGroupArn);
  }
  return [...arns];
}

/** The weight of each target group the actions forward to (a plain TargetGroupArn forward weighs 1). */
export function forwardWeights(actions: readonly Action[] | undefined): Map<string, number> {
  const weights = new Map<string, number>();
  for (const action of actions ?? []) {
    if (action.Type !== "forward") continue;
    const groups = action.ForwardConfig?.TargetGroups;
    if (groups?.length) for (const tg of groups) weights.set(tg.TargetGroupArn ?? "", tg.Weight ?? 1);
    else if (action.TargetGroupArn) weights.set(action.TargetGroupArn, 1);
  }
  return weights;
}

/**
 * The actions with the forward action's target group weights replaced (target groups not named keep
 * theirs; named ones not yet in the forward are added). Normalized as ELB stores a forward.
 */
export function withForwardWeights(actions: readonly Action[], weights: ReadonlyMap<string, number>): Action[] {
  return actions.map((action) => {
    if (action.Type !== "forward") return action;
    const groups = (action.ForwardConfig?.TargetGroups ?? (action.TargetGroupArn ? [{ TargetGroupArn: action.TargetGroupArn, Weight: 1 }] : [])).map((tg) => ({
      ...tg,
      Weight: weights.get(tg.TargetGroupArn ?? "") ?? tg.Weight ?? 1,
    }));
    for (const [arn, weight] of weights) if (!groups.some((tg) => tg.TargetGroupArn === arn)) groups.push({ TargetGroupArn: arn, Weight: weight });
    return normalizeForward({ ...action, TargetGroupArn: undefined, ForwardConfig: { ...action.ForwardConfig, TargetGroups: groups } });
  });
}

/**
 * A forward as ELB describes it: always a ForwardConfig (weight 1 and stickiness off unless given),
 * and the TargetGroupArn as well when exactly one group is forwarded to.
 */
function normalizeForward(action: Action): Action {
  const groups = action.ForwardConfig?.TargetGroups?.length
    ? action.ForwardConfig.TargetGroups.map((tg) => ({ TargetGroupArn: tg.TargetGroupArn, Weight: tg.Weight ?? 1 }))
    : [{ TargetGroupArn: action.TargetGroupArn, Weight: 1 }];
  const stickiness = action.ForwardConfig?.TargetGroupStickinessConfig;
  const out: Action = {
    Type: "forward",
    ...(groups.length === 1 ? { TargetGroupArn: groups[0].TargetGroupArn } : {}),
    ForwardConfig: {
      TargetGroups: groups,
      TargetGroupStickinessConfig: stickiness?.Enabled ? { Enabled: true, DurationSeconds: stickiness.DurationSeconds } : { Enabled: false },
    },
  };
  if (action.Order !== undefined) out.Order = action.Order;
  return out;
}

/**
 * Checks an action list as ELB does and returns it normalized. Target groups are checked by the
 * caller (they need the store); this checks the shape: one terminal action, last; orders unique;
 * a forward names its groups once each, at most five, weights 0-999, stickiness 1-604800 seconds.
 */
export function checkActions(actions: readonly Action[], at: string, options: { networkListener: boolean }): Action[] | ElbRefusal {
  if (actions.length === 0) return validation(`At least one action must be specified in '${at}'`);
  if (actions.length > MAX_ACTIONS) return { error: "ValidationError", message: `1 validation error detected: Value '[...]' at '${at}' failed to satisfy constraint: Member must have length less than or equal to ${MAX_ACTIONS}` };
  const orders = new Set<number>();
  for (const [i, action] of actions.entries()) {
    const where = `${at}.${i + 1}.member`;
    const orderProblem = rangeProblem(action.Order, `${where}.order`, 1, 50000);
    if (orderProblem) return orderProblem;
    if (action.Order !== undefined) {
      if (orders.has(action.Order)) return validation(`Action order '${action.Order}' was specified more than once`);
      orders.add(action.Order);
    }
    if (options.networkListener && action.Type !== "forward") return validation(`Action type '${action.Type}' is not supported for listeners of Network Load Balancers; only 'forward' is`);
  }
  const sorted = [...actions].sort((a, b) => (a.Order ?? Number.MAX_SAFE_INTEGER) - (b.Order ?? Number.MAX_SAFE_INTEGER));
  const terminal = sorted.filter((a) => TERMINAL_ACTIONS.has(a.Type ?? ""));
  if (terminal.length !== 1) return validation("Exactly one of the actions 'forward', 'redirect' or 'fixed-response' must be specified");
  if (sorted[sorted.length - 1] !== terminal[0]) return validation(`The action '${terminal[0].Type}' must be the last action`);
  const normalized: Action[] = [];
  for (const [i, action] of actions.entries()) {
    const where = `${at}.${i + 1}.member`;
    switch (action.Type) {
      case "forward": {
        const problem = forwardProblem(action, where);
        if (problem) return problem;
        normalized.push(normalizeForward(action));
        break;
      }
      case "fixed-response": {
        const code = action.FixedResponseConfig?.StatusCode;
        if (!code) return validation(`A fixed-response action needs a status code at '${where}.fixedResponseConfig.statusCode'`);
        if (!/^(2|4|5)\d\d$/.test(code)) return validation(`1 validation error detected: Value '${code.slice(0, 20)}' at '${where}.fixedResponseConfig.statusCode' failed to satisfy constraint: Member must satisfy regular expression pattern: ^(2|4|5)\\d\\d$`);
        normalized.push(action);
        break;
      }
      case "redirect":
        if (!action.RedirectConfig?.StatusCode) return validation(`A redirect action needs a status code at '${where}.redirectConfig.statusCode'`);
        normalized.push(action);
        break;
      default:
        normalized.push(action);
    }
  }
  return normalized;
}

function forwardProblem(action: Action, where: string): ElbRefusal | undefined {
  const groups = action.ForwardConfig?.TargetGroups ?? [];
  if (!action.TargetGroupArn && groups.length === 0) return validation(`A target group ARN must be specified for the forward action at '${where}'`);
  if (action.TargetGroupArn && groups.length > 0 && (groups.length !== 1 || groups[0].TargetGroupArn !== action.TargetGroupArn)) {
    // API reference, Action.TargetGroupArn.
    return validation("If you specify both ForwardConfig and TargetGroupArn, you can specify only one target group using ForwardConfig and it must be the same target group specified in TargetGroupArn.");
  }
  if (groups.length > MAX_TARGET_GROUPS_PER_FORWARD) return validation(`A forward action can forward to at most ${MAX_TARGET_GROUPS_PER_FORWARD} target groups`);
  const seen = new Set<string>();
  for (const [j, tg] of groups.entries()) {
    if (!tg.TargetGroupArn) return validation(`1 validation error detected: Value null at '${where}.forwardConfig.targetGroups.${j + 1}.member.targetGroupArn' failed to satisfy constraint: Member must not be null`);
    if (seen.has(tg.TargetGroupArn)) return validation(`Target group '${tg.TargetGroupArn}' was specified more than once in the forward action`);
    seen.add(tg.TargetGroupArn);
    const weightProblem = rangeProblem(tg.Weight, `${where}.forwardConfig.targetGroups.${j + 1}.member.weight`, 0, MAX_WEIGHT);
    if (weightProblem) return weightProblem;
  }
  const stickiness = action.ForwardConfig?.TargetGroupStickinessConfig;
  if (stickiness?.Enabled) {
    if (stickiness.DurationSeconds === undefined) return validation("You must specify a duration when enabling target group stickiness");
    const problem = rangeProblem(stickiness.DurationSeconds, `${where}.forwardConfig.targetGroupStickinessConfig.durationSeconds`, 1, MAX_STICKINESS_SECONDS);
    if (problem) return problem;
  }
  return undefined;
}

const CONDITION_FIELDS = ["host-header", "path-pattern", "http-header", "http-request-method", "query-string", "source-ip"] as const;
const CONFIG_OF: Readonly<Record<string, keyof RuleCondition>> = {
  "host-header": "HostHeaderConfig",
  "path-pattern": "PathPatternConfig",
  "http-header": "HttpHeaderConfig",
  "http-request-method": "HttpRequestMethodConfig",
  "query-string": "QueryStringConfig",
  "source-ip": "SourceIpConfig",
};

/** How many values a condition matches on (what ELB's limit of five per rule counts). */
function conditionValues(condition: RuleCondition): number {
  const config = condition[CONFIG_OF[condition.Field ?? ""] ?? "Field"] as { Values?: unknown[] } | undefined;
  return Math.max(condition.Values?.length ?? 0, config && typeof config === "object" ? (config.Values?.length ?? 0) : 0);
}

/**
 * Checks a rule's conditions as ELB does and returns them normalized (a host-header or path-pattern
 * given as legacy Values is also described with its Config, as ELB describes it).
 */
export function checkConditions(conditions: readonly RuleCondition[]): RuleCondition[] | ElbRefusal {
  if (conditions.length === 0) return validation("A rule must have at least one condition");
  let values = 0;
  const normalized: RuleCondition[] = [];
  const fields = new Set<string>();
  for (const condition of conditions) {
    const field = condition.Field ?? "";
    if (!(CONDITION_FIELDS as readonly string[]).includes(field)) return validation(`Condition field '${field.slice(0, 64)}' must be one of '[${CONDITION_FIELDS.join(", ")}]'`);
    if (fields.has(field) && field !== "http-header" && field !== "query-string") return validation(`A rule can have only one '${field}' condition`);
    fields.add(field);
    const config = condition[CONFIG_OF[field]] as { Values?: string[] } | undefined;
    if (condition.Values?.length && config) return validation(`Condition '${field}' cannot have both Values and ${CONFIG_OF[field]}`);
    const count = conditionValues(condition);
    if (count === 0 && field !== "query-string") return validation(`Condition '${field}' must have at least one value`);
    if (field === "query-string" && !(condition.QueryStringConfig?.Values?.length ?? 0)) return validation("Condition 'query-string' must have at least one value");
    if (field === "http-header" && !condition.HttpHeaderConfig?.HttpHeaderName) return validation("Condition 'http-header' must have an HTTP header name");
    values += Math.max(count, 1);
    if ((field === "host-header" || field === "path-pattern") && condition.Values?.length) {
      normalized.push({ Field: field, Values: condition.Values, [CONFIG_OF[field]]: { Values: condition.Values } });
    } else if ((field === "host-header" || field === "path-pattern") && config?.Values) {
      normalized.push({ Field: field, Values: config.Values, [CONFIG_OF[field]]: { Values: config.Values } });
    } else {
      normalized.push({ ...condition, Field: field });
    }
  }
  if (values > MAX_CONDITION_VALUES) return validation(`A rule can have at most ${MAX_CONDITION_VALUES} condition values`);
  return normalized;
}
