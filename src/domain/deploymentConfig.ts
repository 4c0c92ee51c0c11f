// ECS's deployment strategies as pure rules: which strategy a configuration asks for, how ECS checks
// a deployment configuration and the load balancers' advancedConfiguration (in ECS's words where
// they are known; docs/deployments.md lists every message and its source), the production traffic
// steps of BLUE_GREEN, LINEAR and CANARY, how a traffic percentage becomes listener rule weights,
// and which lifecycle hooks run at a stage.
// Sources: ECS API reference (DeploymentConfiguration, LinearConfiguration, CanaryConfiguration,
// DeploymentLifecycleHook, AdvancedConfiguration); developer guide "Lifecycle hooks for Amazon ECS
// service deployments", "Pause hooks ...", "Lambda hooks ...", "Amazon ECS linear deployments",
// "Amazon ECS canary deployments", "Required resources for Amazon ECS blue/green deployments".
import type { DeploymentConfiguration, DeploymentLifecycleHook, LoadBalancer } from "@aws-sdk/client-ecs";
import type { Wire } from "../protocol/wire";

export type Strategy = "ROLLING" | "BLUE_GREEN" | "LINEAR" | "CANARY";

/** The stages a lifecycle hook can run at (DeploymentLifecycleHookStage). */
export type HookStage =
  | "RECONCILE_SERVICE"
  | "PRE_SCALE_UP"
  | "POST_SCALE_UP"
  | "TEST_TRAFFIC_SHIFT"
  | "POST_TEST_TRAFFIC_SHIFT"
  | "PRE_PRODUCTION_TRAFFIC_SHIFT"
  | "PRODUCTION_TRAFFIC_SHIFT"
  | "POST_PRODUCTION_TRAFFIC_SHIFT";

/** The stages a service deployment reports (ServiceDeploymentLifecycleStage), in ECS's order. */
export const LIFECYCLE_STAGES = [
  "RECONCILE_SERVICE",
  "PRE_SCALE_UP",
  "SCALE_UP",
  "POST_SCALE_UP",
  "TEST_TRAFFIC_SHIFT",
  "POST_TEST_TRAFFIC_SHIFT",
  "PRODUCTION_TRAFFIC_SHIFT",
  "POST_PRODUCTION_TRAFFIC_SHIFT",
  "BAKE_TIME",
  "CLEAN_UP",
] as const;
export type LifecycleStage = (typeof LIFECYCLE_STAGES)[number];

const HOOK_STAGES: readonly HookStage[] = [
  "RECONCILE_SERVICE",
  "PRE_SCALE_UP",
  "POST_SCALE_UP",
  "TEST_TRAFFIC_SHIFT",
  "POST_TEST_TRAFFIC_SHIFT",
  "PRE_PRODUCTION_TRAFFIC_SHIFT",
  "PRODUCTION_TRAFFIC_SHIFT",
  "POST_PRODUCTION_TRAFFIC_SHIFT",
];
/** Stages that also run during a rollback, where a pause would need a second call to finish it. */
const NO_PAUSE_STAGES: ReadonlySet<string> = new Set(["TEST_TRAFFIC_SHIFT", "PRODUCTION_TRAFFIC_SHIFT"]);

/** Defaults (API reference): linear 10% steps every 6 minutes, canary 5% for 10 minutes. */
export const DEFAULT_STEP_PERCENT = 10;
export const DEFAULT_STEP_BAKE_MINUTES = 6;
export const DEFAULT_CANARY_PERCENT = 5;
export const DEFAULT_CANARY_BAKE_MINUTES = 10;
/** A hook's timeout unless configured (developer guide): 24 hours, then ROLLBACK. */
export const DEFAULT_HOOK_TIMEOUT_MINUTES = 1440;
const MAX_LAMBDA_HOOK_TIMEOUT_MINUTES = 1440;
const MAX_HOOKS_PER_TYPE = 10;

export function strategyOf(config: Wire<DeploymentConfiguration> | undefined): Strategy {
  return (config?.strategy as Strategy | undefined) ?? "ROLLING";
}

/** BLUE_GREEN, LINEAR and CANARY run a second revision beside the first and shift traffic to it. */
export function shiftsTraffic(strategy: Strategy): boolean {
  return strategy !== "ROLLING";
}

export function hookTypeOf(hook: Wire<DeploymentLifecycleHook>): "AWS_LAMBDA" | "PAUSE" {
  return hook.targetType === "PAUSE" ? "PAUSE" : "AWS_LAMBDA";
}

/** Whether `value` is a whole number of tenths (the API's "multiples of 0.1"). */
function inTenths(value: number): boolean {
  return Math.abs(value * 10 - Math.round(value * 10)) < 1e-9;
}

const LAMBDA_ARN = /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]{1,64}(:(\$LATEST|[A-Za-z0-9_-]+))?$/;
const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/;

/**
 * A deployment configuration's problem, in ECS's words, or undefined. `controller` is the service's
 * deployment controller; `strategy` the strategy the configuration will have once applied.
 */
export function deploymentStrategyProblem(config: Wire<DeploymentConfiguration> | undefined, controller: string): string | undefined {
  if (!config) return undefined;
  const strategy = strategyOf(config);
  if (controller !== "ECS") {
    if (config.strategy !== undefined && config.strategy !== "ROLLING") return `The deployment strategy ${config.strategy} is supported only for services that use the ECS deployment controller.`;
    if (config.lifecycleHooks?.length) return "Lifecycle hooks are supported only for services that use the ECS deployment controller.";
    return undefined;
  }
  if (config.linearConfiguration && strategy !== "LINEAR") return "linearConfiguration can be specified only when the deployment strategy is LINEAR.";
  if (config.canaryConfiguration && strategy !== "CANARY") return "canaryConfiguration can be specified only when the deployment strategy is CANARY.";
  const step = config.linearConfiguration?.stepPercent;
  if (step !== undefined && (step < 3 || step > 100 || !inTenths(step))) return `Invalid stepPercent ${step}: valid values are multiples of 0.1 from 3.0 to 100.0.`;
  const canary = config.canaryConfiguration?.canaryPercent;
  if (canary !== undefined && (canary < 0.1 || canary > 100 || !inTenths(canary))) return `Invalid canaryPercent ${canary}: valid values are multiples of 0.1 from 0.1 to 100.0.`;
  for (const [name, minutes] of [
    ["stepBakeTimeInMinutes", config.linearConfiguration?.stepBakeTimeInMinutes],
    ["canaryBakeTimeInMinutes", config.canaryConfiguration?.canaryBakeTimeInMinutes],
  ] as const) {
    if (minutes !== undefined && (!Number.isInteger(minutes) || minutes < 0 || minutes > 1440)) return `Invalid ${name} ${minutes}: valid values are 0 to 1440 minutes.`;
  }
  return lifecycleHooksProblem(config.lifecycleHooks ?? []);
}

function lifecycleHooksProblem(hooks: readonly Wire<DeploymentLifecycleHook>[]): string | undefined {
  let pauses = 0;
  let lambdas = 0;
  for (const [i, hook] of hooks.entries()) {
    const at = `lifecycleHooks[${i}]`;
    const type = hookTypeOf(hook);
    if (type === "PAUSE") pauses++;
    else lambdas++;
    const stages = hook.lifecycleStages ?? [];
    if (!stages.length) return `${at}.lifecycleStages must contain at least one lifecycle stage.`;
    for (const stage of stages) {
      if (!HOOK_STAGES.includes(stage as HookStage)) return `${at}.lifecycleStages: ${stage} is not a lifecycle stage a hook can run at.`;
      if (type === "PAUSE" && NO_PAUSE_STAGES.has(stage)) return `${at}: pause hooks cannot be configured at the ${stage} stage.`;
    }
    if (new Set(stages).size !== stages.length) return `${at}.lifecycleStages contains a lifecycle stage more than once.`;
    const timeout = hook.timeoutConfiguration?.timeoutInMinutes;
    if (type === "PAUSE") {
      if (hook.hookTargetArn !== undefined || hook.roleArn !== undefined) return `${at}: pause hooks do not use hookTargetArn or roleArn.`;
    } else {
      if (!hook.hookTargetArn) return `${at}.hookTargetArn must be specified for an AWS_LAMBDA lifecycle hook.`;
      if (!LAMBDA_ARN.test(hook.hookTargetArn)) return `${at}.hookTargetArn ${hook.hookTargetArn} is not a valid Lambda function ARN.`;
      if (!hook.roleArn) return `${at}.roleArn must be specified for an AWS_LAMBDA lifecycle hook.`;
      if (!ROLE_ARN.test(hook.roleArn)) return `${at}.roleArn ${hook.roleArn} is not a valid IAM role ARN.`;
      if (timeout !== undefined && timeout > MAX_LAMBDA_HOOK_TIMEOUT_MINUTES) return `${at}.timeoutConfiguration.timeoutInMinutes must be from 1 to ${MAX_LAMBDA_HOOK_TIMEOUT_MINUTES} for an AWS_LAMBDA lifecycle hook.`;
    }
  }
  if (pauses > MAX_HOOKS_PER_TYPE || lambdas > MAX_HOOKS_PER_TYPE) return `A service can have at most ${MAX_HOOKS_PER_TYPE} pause hooks and ${MAX_HOOKS_PER_TYPE} Lambda hooks.`;
  return undefined;
}

/**
 * The load balancers' problem for a strategy, or undefined. BLUE_GREEN, LINEAR and CANARY shift
 * traffic between a target group and its alternate through listener rules, so each target group
 * needs its advancedConfiguration; a service without load balancers is "headless" and allowed.
 */
export function advancedConfigurationProblem(strategy: Strategy, loadBalancers: readonly Wire<LoadBalancer>[]): string | undefined {
  if (!shiftsTraffic(strategy)) return undefined;
  for (const [i, lb] of loadBalancers.entries()) {
    if (lb.targetGroupArn === undefined) continue;
    const advanced = lb.advancedConfiguration;
    const at = `loadBalancers[${i}].advancedConfiguration`;
    if (!advanced) return `${at} must be specified for the ${strategy} deployment strategy: it names the alternate target group and the listener rules to shift traffic with.`;
    if (!advanced.alternateTargetGroupArn) return `${at}.alternateTargetGroupArn must be specified for the ${strategy} deployment strategy.`;
    if (advanced.alternateTargetGroupArn === lb.targetGroupArn) return `${at}.alternateTargetGroupArn must be a different target group than targetGroupArn.`;
    if (!advanced.productionListenerRule) return `${at}.productionListenerRule must be specified for the ${strategy} deployment strategy.`;
    if (advanced.testListenerRule !== undefined && advanced.testListenerRule === advanced.productionListenerRule) return `${at}.testListenerRule must be a different listener rule than productionListenerRule.`;
    if (!advanced.roleArn) return `${at}.roleArn must be specified for the ${strategy} deployment strategy.`;
    if (!ROLE_ARN.test(advanced.roleArn)) return `${at}.roleArn ${advanced.roleArn} is not a valid IAM role ARN.`;
  }
  return undefined;
}

/**
 * The production traffic steps: the green revision's share of production traffic after each step,
 * in percent. BLUE_GREEN shifts all at once; LINEAR in equal steps (the last step may be smaller);
 * CANARY first the canary percentage, then the rest. Computed in tenths, so 3.3% steps stay exact.
 */
export function productionSteps(strategy: Strategy, config: Wire<DeploymentConfiguration> | undefined): number[] {
  if (strategy === "LINEAR") {
    const step = Math.round((config?.linearConfiguration?.stepPercent ?? DEFAULT_STEP_PERCENT) * 10);
    const steps: number[] = [];
    for (let tenths = step; tenths < 1000; tenths += step) steps.push(tenths / 10);
    return [...steps, 100];
  }
  if (strategy === "CANARY") {
    const canary = config?.canaryConfiguration?.canaryPercent ?? DEFAULT_CANARY_PERCENT;
    return canary >= 100 ? [100] : [Math.round(canary * 10) / 10, 100];
  }
  return [100];
}

/** The wait after production step `index` (minutes): none after the last (the deployment's bake time follows). */
export function stepBakeMinutes(strategy: Strategy, config: Wire<DeploymentConfiguration> | undefined, index: number, steps: number): number {
  if (index >= steps - 1) return 0;
  if (strategy === "LINEAR") return config?.linearConfiguration?.stepBakeTimeInMinutes ?? DEFAULT_STEP_BAKE_MINUTES;
  if (strategy === "CANARY") return config?.canaryConfiguration?.canaryBakeTimeInMinutes ?? DEFAULT_CANARY_BAKE_MINUTES;
  return 0;
}

/**
 * Listener rule weights for the green revision's share `greenPercent`: whole percentages as
 * weights out of 100 (what ECS writes: 100 and 0 after a blue/green shift); a share in tenths as
 * weights out of 1000 (ELB weights are whole numbers from 0 to 999, so 0.1% is 1 against 999).
 */
export function ruleWeights(greenPercent: number): { green: number; blue: number } {
  const tenths = Math.round(greenPercent * 10);
  if (tenths % 10 === 0 || tenths <= 0 || tenths >= 1000) {
    const green = Math.min(100, Math.max(0, Math.round(tenths / 10)));
    return { green, blue: 100 - green };
  }
  return { green: tenths, blue: 1000 - tenths };
}

/** The green share (percent) a pair of rule weights gives. */
export function greenShareOf(green: number, blue: number): number {
  const total = green + blue;
  return total === 0 ? 0 : Math.round((green / total) * 1000) / 10;
}

/** The configured hooks that run at `stage`, with their index in the configuration. */
export function hooksAt(config: Wire<DeploymentConfiguration> | undefined, stage: HookStage): { index: number; hook: Wire<DeploymentLifecycleHook> }[] {
  return (config?.lifecycleHooks ?? []).flatMap((hook, index) => ((hook.lifecycleStages ?? []).includes(stage) ? [{ index, hook }] : []));
}
