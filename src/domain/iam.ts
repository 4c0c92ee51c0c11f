// IAM identity-policy evaluation, as AWS documents it for a single account: an explicit Deny wins,
// then any Allow, else the request is implicitly denied. Pure: policies and a request in, a decision out.

export type Effect = "Allow" | "Deny";

export interface Statement {
  Sid?: string;
  Effect: Effect;
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
  Condition?: Record<string, Record<string, string | string[] | boolean | number>>;
}

export interface Policy {
  Version?: string;
  Statement: Statement | Statement[];
}

/** Condition keys and their values (multi-valued keys such as aws:TagKeys are lists). */
export type ConditionContext = Readonly<Record<string, string | readonly string[] | undefined>>;

export interface AuthorizationRequest {
  /** "ecs:UpdateTaskSet" */
  action: string;
  /** The resource ARN, or "*" for actions without a resource. */
  resource: string;
  context: ConditionContext;
}

export type Decision = "Allow" | "ExplicitDeny" | "ImplicitDeny";

const asList = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

/** IAM wildcards as a regular expression source: `*` any run of characters, `?` any one character. */
function wildcardSource(pattern: string): string {
  return pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".");
}

/** Compiled patterns, memoized: conditions use few patterns, evaluated on every request. */
const compiledPatterns = new Map<string, RegExp>();

/** IAM wildcard match: `*` any run of characters, `?` any one character. */
export function wildcardMatch(pattern: string, value: string, ignoreCase = false): boolean {
  if (!pattern.includes("*") && !pattern.includes("?")) return ignoreCase ? pattern.toLowerCase() === value.toLowerCase() : pattern === value;
  const cacheKey = `${ignoreCase ? "i" : "c"}${pattern}`;
  let regex = compiledPatterns.get(cacheKey);
  if (!regex) {
    regex = new RegExp(`^${wildcardSource(pattern)}$`, ignoreCase ? "is" : "s");
    if (compiledPatterns.size > 10_000) compiledPatterns.clear();
    compiledPatterns.set(cacheKey, regex);
  }
  return regex.test(value);
}

type Matcher = (value: string) => boolean;

/** One matcher for a list of patterns (any may match); "*" alone matches everything. */
function compileMatcher(patterns: string[], ignoreCase: boolean): Matcher {
  if (patterns.includes("*")) return () => true;
  const regex = new RegExp(`^(?:${patterns.map(wildcardSource).join("|")})$`, ignoreCase ? "is" : "s");
  return (value) => regex.test(value);
}

type Comparator = (actual: string, expected: string) => boolean;

const comparators: Record<string, Comparator> = {
  StringEquals: (a, e) => a === e,
  StringNotEquals: (a, e) => a !== e,
  StringEqualsIgnoreCase: (a, e) => a.toLowerCase() === e.toLowerCase(),
  StringNotEqualsIgnoreCase: (a, e) => a.toLowerCase() !== e.toLowerCase(),
  StringLike: (a, e) => wildcardMatch(e, a),
  StringNotLike: (a, e) => !wildcardMatch(e, a),
  ArnEquals: (a, e) => a === e,
  ArnNotEquals: (a, e) => a !== e,
  ArnLike: (a, e) => wildcardMatch(e, a),
  ArnNotLike: (a, e) => !wildcardMatch(e, a),
  NumericEquals: (a, e) => Number(a) === Number(e),
  NumericNotEquals: (a, e) => Number(a) !== Number(e),
  NumericLessThan: (a, e) => Number(a) < Number(e),
  NumericLessThanEquals: (a, e) => Number(a) <= Number(e),
  NumericGreaterThan: (a, e) => Number(a) > Number(e),
  NumericGreaterThanEquals: (a, e) => Number(a) >= Number(e),
  Bool: (a, e) => a.toLowerCase() === e.toLowerCase(),
};

/** Negated operators are satisfied when no expected value matches; the others when any does. */
const NEGATED = new Set(["StringNotEquals", "StringNotEqualsIgnoreCase", "StringNotLike", "ArnNotEquals", "ArnNotLike", "NumericNotEquals"]);

function lookup(context: ConditionContext, key: string): readonly string[] | undefined {
  // Condition keys are case-insensitive: the key as written first, then any spelling.
  let value = context[key];
  if (value === undefined) {
    const lower = key.toLowerCase();
    for (const k in context) {
      if (k.toLowerCase() === lower) {
        value = context[k];
        break;
      }
    }
  }
  if (value === undefined) return undefined;
  return typeof value === "string" ? [value] : value;
}

type Condition = (context: ConditionContext) => boolean;

/**
 * One condition operator block, compiled once (operator, qualifier and expected values parsed when
 * the policy is loaded): every key in it must hold.
 */
function compileCondition(operatorName: string, block: Record<string, string | string[] | boolean | number>): Condition {
  let operator = operatorName;
  let qualifier: "ForAllValues" | "ForAnyValue" | undefined;
  const colon = operator.indexOf(":");
  if (colon > 0) {
    const prefix = operator.slice(0, colon);
    if (prefix !== "ForAllValues" && prefix !== "ForAnyValue") return () => false; // unknown: fail closed
    qualifier = prefix;
    operator = operator.slice(colon + 1);
  }
  const ifExists = operator.endsWith("IfExists");
  if (ifExists) operator = operator.slice(0, -"IfExists".length);
  const keys = Object.entries(block).map(([key, raw]) => ({ key, expected: asList(raw as string | string[]).map(String) }));
  return (context) => conditionHolds(operator, qualifier, ifExists, keys, context);
}

function conditionHolds(
  operator: string,
  qualifier: "ForAllValues" | "ForAnyValue" | undefined,
  ifExists: boolean,
  keys: readonly { key: string; expected: readonly string[] }[],
  context: ConditionContext,
): boolean {
  for (const { key, expected } of keys) {
    const actual = lookup(context, key);
    if (operator === "Null") {
      const wantsNull = expected[0]?.toLowerCase() === "true";
      if (wantsNull !== (actual === undefined || actual.length === 0)) return false;
      continue;
    }
    const compare = comparators[operator];
    if (!compare) return false; // an operator we do not know never matches (fail closed)
    const negated = NEGATED.has(operator);
    if (actual === undefined || actual.length === 0) {
      // A missing key: IAM holds ...IfExists and ForAllValues true, ForAnyValue false; otherwise the
      // values "do not match", which satisfies the negated operators (StringNotEquals, ...).
      if (ifExists || qualifier === "ForAllValues") continue;
      if (qualifier === undefined && negated) continue;
      return false;
    }
    const matchesOne = (value: string) => (negated ? expected.every((e) => compare(value, e)) : expected.some((e) => compare(value, e)));
    if (qualifier === "ForAllValues") {
      if (!actual.every(matchesOne)) return false;
    } else if (!actual.some(matchesOne)) {
      // Single-valued keys and ForAnyValue: some value must match.
      return false;
    }
  }
  return true;
}

/** A statement ready to evaluate: its patterns compiled once, not on every request. */
interface CompiledStatement {
  readonly effect: Effect;
  readonly action?: Matcher;
  readonly notAction?: Matcher;
  readonly resource?: Matcher;
  readonly notResource?: Matcher;
  readonly conditions: readonly Condition[];
}

function compileStatement(statement: Statement): CompiledStatement | undefined {
  // A statement without an action or a resource element applies to nothing.
  if (statement.Action === undefined && statement.NotAction === undefined) return undefined;
  if (statement.Resource === undefined && statement.NotResource === undefined) return undefined;
  const matcher = (patterns: string | string[] | undefined, ignoreCase: boolean) => (patterns === undefined ? undefined : compileMatcher(asList(patterns), ignoreCase));
  return {
    effect: statement.Effect,
    action: matcher(statement.Action, true),
    notAction: matcher(statement.NotAction, true),
    resource: matcher(statement.Resource, false),
    notResource: matcher(statement.NotResource, false),
    conditions: Object.entries(statement.Condition ?? {}).map(([operator, block]) => compileCondition(operator, block)),
  };
}

/** Compiled statements by policy list; policies are loaded once and evaluated on every request. */
const compiledPolicies = new WeakMap<readonly Policy[], readonly CompiledStatement[]>();

function compiled(policies: readonly Policy[]): readonly CompiledStatement[] {
  let statements = compiledPolicies.get(policies);
  if (!statements) {
    statements = policies.flatMap((p) => asList(p.Statement)).flatMap((s) => compileStatement(s) ?? []);
    compiledPolicies.set(policies, statements);
  }
  return statements;
}

function statementApplies(statement: CompiledStatement, request: AuthorizationRequest): boolean {
  if (statement.action && !statement.action(request.action)) return false;
  if (statement.notAction?.(request.action)) return false;
  if (statement.resource && !statement.resource(request.resource)) return false;
  if (statement.notResource?.(request.resource)) return false;
  for (const condition of statement.conditions) {
    if (!condition(request.context)) return false;
  }
  return true;
}

export function evaluate(policies: readonly Policy[], request: AuthorizationRequest): Decision {
  let allowed = false;
  for (const statement of compiled(policies)) {
    if (!statementApplies(statement, request)) continue;
    if (statement.effect === "Deny") return "ExplicitDeny";
    if (statement.effect === "Allow") allowed = true;
  }
  return allowed ? "Allow" : "ImplicitDeny";
}

/**
 * One policy set's decisions, remembered. evaluate() is a pure function of the policies (loaded
 * once, never changed) and the request, so a decision is reused only for a request with the same
 * action, resource and condition context: every key, in the same order, with the same value (a
 * resource's tags, read from the store for aws:ResourceTag, are part of the context). Evaluating
 * costs 3-5 µs a request inside the server; looking a decision up, a fraction. Bounded: when full,
 * it starts again empty.
 */
export class PolicyDecisions {
  private readonly decisions = new Map<string, Decision>();

  constructor(
    private readonly policies: readonly Policy[],
    private readonly capacity = 10_000,
  ) {}

  decide(request: AuthorizationRequest): Decision {
    const key = decisionKey(request);
    let decision = this.decisions.get(key);
    if (decision === undefined) {
      decision = evaluate(this.policies, request);
      if (this.decisions.size >= this.capacity) this.decisions.clear();
      this.decisions.set(key, decision);
    }
    return decision;
  }
}

/**
 * Everything a decision depends on, as one string that no other request has: each part carries its
 * length, so no text inside a part can pass for a boundary; a list is marked apart from a string.
 */
export function decisionKey(request: AuthorizationRequest): string {
  let key = `${request.action.length}:${request.action}${request.resource.length}:${request.resource}`;
  const context = request.context;
  for (const name in context) {
    const value = context[name];
    key += `${name.length}:${name}`;
    if (value === undefined) key += "u";
    else if (typeof value === "string") key += `s${value.length}:${value}`;
    else {
      key += `l${value.length}:`;
      for (const item of value) key += `${item.length}:${item}`;
    }
  }
  return key;
}

/** Whether any statement's condition reads a resource's tags (aws:, ecs: or elasticloadbalancing:ResourceTag), so they must be loaded. */
export function readsResourceTags(policies: readonly Policy[]): boolean {
  return policies.some((p) => asList(p.Statement).some((s) => Object.values(s.Condition ?? {}).some((block) => Object.keys(block).some((k) => /^(aws|ecs|elasticloadbalancing):resourcetag\//.test(k.toLowerCase())))));
}

/** AWS's wording for a refusal. */
export function accessDeniedMessage(principal: string, action: string, resource: string, decision: Exclude<Decision, "Allow">): string {
  const because = decision === "ExplicitDeny" ? "with an explicit deny in an identity-based policy" : `because no identity-based policy allows the ${action} action`;
  return `User: ${principal} is not authorized to perform: ${action} on resource: ${resource} ${because}`;
}
