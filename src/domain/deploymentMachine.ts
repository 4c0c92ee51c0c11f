// A service deployment's state machine, as pure functions: values in, values out, no clock, store
// or network. One machine for every strategy of the ECS controller: a ROLLING deployment has no
// lifecycle stages and succeeds when the service is steady (the rolling convergence lives in the
// scheduler); BLUE_GREEN, LINEAR and CANARY walk a program of lifecycle stages (scale the green
// revision up, shift test traffic, shift production traffic in steps, bake, clean up the blue
// revision) with lifecycle hooks at their stages. Rollbacks, stops and circuit breaker failures are
// transitions of the same machine. The scheduler applies what it asks (desired counts per revision,
// listener rule weights, Lambda invocations) and `DeploymentChange`s are the one list of what
// changed, from which service events (and any later event stream) are derived.
// Sources: docs/deployments.md.
import type { DeploymentConfiguration } from "@aws-sdk/client-ecs";
import type { Wire } from "../protocol/wire";
import {
  DEFAULT_HOOK_TIMEOUT_MINUTES,
  type HookStage,
  hooksAt,
  hookTypeOf,
  type LifecycleStage,
  productionSteps,
  shiftsTraffic,
  stepBakeMinutes,
  type Strategy,
} from "./deploymentConfig";

export type DeploymentStatus =
  | "PENDING"
  | "IN_PROGRESS"
  | "SUCCESSFUL"
  | "STOP_REQUESTED"
  | "STOPPED"
  | "ROLLBACK_REQUESTED"
  | "ROLLBACK_IN_PROGRESS"
  | "ROLLBACK_SUCCESSFUL"
  | "ROLLBACK_FAILED";

const TERMINAL: ReadonlySet<DeploymentStatus> = new Set(["SUCCESSFUL", "STOPPED", "ROLLBACK_SUCCESSFUL", "ROLLBACK_FAILED"]);

export function isFinished(status: DeploymentStatus): boolean {
  return TERMINAL.has(status);
}

/** ECS's status reasons (docs/deployments.md: which are ECS's words and which ecslite's). */
export const STATUS_REASONS = {
  hookFailed: "deployment failed: hook execution failure(s) detected",
  hookTimedOut: "deployment failed: lifecycle hook timed out",
  circuitBreaker: "ECS deployment circuit breaker: tasks failed to start.",
  userRollback: "Service deployment rolled back by StopServiceDeployment.",
  userStop: "Service deployment stopped by StopServiceDeployment.",
  superseded: "Service deployment stopped: a newer service deployment started.",
  noSource: "There is no earlier service revision to roll back to.",
} as const;

export type HookStatus = "AWAITING_ACTION" | "IN_PROGRESS" | "SUCCEEDED" | "FAILED" | "TIMED_OUT";
export type HookAction = "CONTINUE" | "ROLLBACK";

/** One run of one lifecycle hook at one step of the program. */
export interface HookExecution {
  /** What ContinueServiceDeployment names (PAUSE: "ecs-pause-<43>"; AWS_LAMBDA: "ecs-lambda-<43>"). */
  hookId: string;
  /** The program step it runs at (and whether that program is the rollback). */
  at: { index: number; rollback: boolean };
  stage: HookStage;
  targetType: "AWS_LAMBDA" | "PAUSE";
  targetArn?: string;
  roleArn?: string;
  status: HookStatus;
  /** Epoch ms. */
  expiresAt: number;
  timeoutAction: HookAction;
  /** AWS_LAMBDA: one id for every invocation of this execution (the payload's executionId). */
  executionId?: string;
  /** Invocations answered so far. */
  invocations?: number;
  /** When the next invocation is due (epoch ms); none while one is in flight or when done. */
  nextInvokeAt?: number;
  /** The attempt recorded as started and not yet answered: the scheduler makes (or remakes) it. */
  inFlight?: number;
  /** What the function receives as hookDetails: the configured ones, merged with what it returned. */
  hookDetails?: Record<string, unknown>;
  /** The traffic weights the payload carries (service revision ARN -> percent). */
  weights: { test: Record<string, number>; production: Record<string, number> };
  /** Why it failed, for the service event. */
  failure?: string;
}

/** What a program step does on entry; its work is done when the facts say so. */
export type StepAction = "reconcile" | "scaleUp" | "shiftTest" | "shiftProduction" | "cleanUp" | "restoreSource" | "scaleInTarget";

export interface ProgramStep {
  /** What the deployment's lifecycleStage shows during this step. */
  stage: LifecycleStage;
  /** Hooks configured at this stage run after the step's work. */
  hookStage?: HookStage;
  action?: StepAction;
  /** shiftTest / shiftProduction: the green revision's share after the step (percent). */
  percent?: number;
  /** Production step number (0-based), for linear and canary. */
  productionStep?: number;
  /** Wait after the hooks (step bake time, deployment bake time). */
  bakeMinutes?: number;
}

export interface DeploymentProgress {
  strategy: Strategy;
  status: DeploymentStatus;
  statusReason?: string;
  program: ProgramStep[];
  rollingBack: boolean;
  /** Where in the program: a step, and which part of it. */
  cursor: { index: number; part: "enter" | "work" | "hooks" | "bake"; bakeUntil?: number };
  /** The target (green) revision is scaled to the desired count; the source (blue) is kept at it. */
  targetUp: boolean;
  sourceUp: boolean;
  /** The green revision's share of production and test traffic (percent). */
  production: number;
  test: number;
  hooks: HookExecution[];
  rollback?: { reason: string; startedAt: number };
  /** Asked for by a request, acted on by the next reconcile. */
  requested?: "ROLLBACK" | "STOP";
  /** Epoch ms. */
  startedAt?: number;
  finishedAt?: number;
  stoppedAt?: number;
  /** Failed tasks of the target revision the circuit breaker counted, and whether it tripped. */
  breaker?: { failureCount: number; tripped: boolean };
}

/** What the machine reads: observations of the revisions' tasks (by the one definition) and the time. */
export interface DeploymentFacts {
  now: number;
  /** The target revision's group is steady at its desired count. */
  targetSteady: boolean;
  /** The target revision has no task that is not STOPPED. */
  targetDrained: boolean;
  sourceSteady: boolean;
  sourceDrained: boolean;
  /** Revisions other than source and target have no task left. */
  extrasDrained: boolean;
  /** The whole service is steady (ROLLING: every group steady, only the primary left). */
  serviceSteady: boolean;
  /** There is a source revision to roll back to. */
  hasSource: boolean;
  /** The circuit breaker's verdict on the target revision, when it is enabled. */
  breaker?: { failureCount: number; tripped: boolean; rollback: boolean };
}

/** What changed in one step of the machine, in order: the one list events are derived from. */
export type DeploymentChange =
  | { kind: "status"; status: DeploymentStatus; reason?: string }
  | { kind: "stage"; stage: LifecycleStage }
  | { kind: "hook"; hook: HookExecution }
  /** The machine acts on a hook that failed or timed out (rolls back, or fails the rollback). */
  | { kind: "hookFailure"; hook: HookExecution }
  | { kind: "traffic"; listener: "production" | "test"; percent: number };

export interface Advanced {
  progress: DeploymentProgress;
  changes: DeploymentChange[];
  /** When the machine must look again by the clock alone (a bake ending, a hook due or expiring). */
  wakeAt?: number;
}

/** Ids for new hook executions: the scheduler's random ids, passed in. */
export interface HookIds {
  token(length: number): string;
  uuid(): string;
}

/** The forward program of a traffic-shifting strategy (nothing for ROLLING). */
export function forwardProgram(strategy: Strategy, config: Wire<DeploymentConfiguration> | undefined, reconcile: boolean): ProgramStep[] {
  if (!shiftsTraffic(strategy)) return [];
  const steps = productionSteps(strategy, config);
  return [
    ...(reconcile ? [{ stage: "RECONCILE_SERVICE", hookStage: "RECONCILE_SERVICE", action: "reconcile" } as const] : []),
    { stage: "PRE_SCALE_UP", hookStage: "PRE_SCALE_UP" },
    { stage: "SCALE_UP", action: "scaleUp" },
    { stage: "POST_SCALE_UP", hookStage: "POST_SCALE_UP" },
    { stage: "TEST_TRAFFIC_SHIFT", hookStage: "TEST_TRAFFIC_SHIFT", action: "shiftTest", percent: 100 },
    { stage: "POST_TEST_TRAFFIC_SHIFT", hookStage: "POST_TEST_TRAFFIC_SHIFT" },
    ...steps.flatMap((percent, productionStep): ProgramStep[] => [
      { stage: "PRODUCTION_TRAFFIC_SHIFT", hookStage: "PRE_PRODUCTION_TRAFFIC_SHIFT", productionStep },
      {
        stage: "PRODUCTION_TRAFFIC_SHIFT",
        hookStage: "PRODUCTION_TRAFFIC_SHIFT",
        action: "shiftProduction",
        percent,
        productionStep,
        bakeMinutes: stepBakeMinutes(strategy, config, productionStep, steps.length),
      },
    ]),
    { stage: "POST_PRODUCTION_TRAFFIC_SHIFT", hookStage: "POST_PRODUCTION_TRAFFIC_SHIFT" },
    { stage: "BAKE_TIME", bakeMinutes: config?.bakeTimeInMinutes ?? 0 },
    { stage: "CLEAN_UP", action: "cleanUp" },
  ];
}

/**
 * A new deployment's progress. `reconcile`: more than one revision was active when it started, so
 * a traffic-shifting deployment first reconciles them (RECONCILE_SERVICE).
 */
export function newProgress(strategy: Strategy, config: Wire<DeploymentConfiguration> | undefined, reconcile: boolean): DeploymentProgress {
  return {
    strategy,
    status: "PENDING",
    program: forwardProgram(strategy, config, reconcile),
    rollingBack: false,
    cursor: { index: 0, part: "enter" },
    // A rolling deployment's target is scaled up from the start; a green revision waits for SCALE_UP.
    targetUp: !shiftsTraffic(strategy),
    sourceUp: shiftsTraffic(strategy),
    production: 0,
    test: 0,
    hooks: [],
  };
}

/** The lifecycle stage the deployment reports (none for ROLLING). */
export function lifecycleStageOf(progress: DeploymentProgress): LifecycleStage | undefined {
  if (!progress.program.length) return undefined;
  const step = progress.program[Math.min(progress.cursor.index, progress.program.length - 1)];
  return step?.stage;
}

const HOOK_DONE: ReadonlySet<HookStatus> = new Set(["SUCCEEDED", "FAILED", "TIMED_OUT"]);

function currentHooks(progress: DeploymentProgress): HookExecution[] {
  return progress.hooks.filter((h) => h.at.index === progress.cursor.index && h.at.rollback === progress.rollingBack);
}

function workDone(action: StepAction | undefined, facts: DeploymentFacts): boolean {
  switch (action) {
    case "reconcile":
      return facts.extrasDrained;
    case "scaleUp":
      return facts.targetSteady;
    case "cleanUp":
      return facts.sourceDrained;
    case "restoreSource":
      return facts.sourceSteady;
    case "scaleInTarget":
      return facts.targetDrained;
    default:
      return true;
  }
}

/** Builds what the machine hands out: a copy of the progress to change, and the changes made to it. */
class Step {
  readonly changes: DeploymentChange[] = [];
  wakeAt: number | undefined;
  constructor(
    public progress: DeploymentProgress,
    readonly now: number,
  ) {}
  set(patch: Partial<DeploymentProgress>): void {
    this.progress = { ...this.progress, ...patch };
  }
  status(status: DeploymentStatus, reason?: string): void {
    if (this.progress.status === status) return;
    const finished = isFinished(status);
    this.set({
      status,
      ...(reason !== undefined ? { statusReason: reason } : {}),
      ...(status === "IN_PROGRESS" && this.progress.startedAt === undefined ? { startedAt: this.now } : {}),
      ...(finished ? { finishedAt: this.now } : {}),
      ...(status === "STOPPED" ? { stoppedAt: this.now } : {}),
    });
    this.changes.push({ kind: "status", status, ...(reason !== undefined ? { reason } : {}) });
  }
  wake(at: number | undefined): void {
    if (at !== undefined && (this.wakeAt === undefined || at < this.wakeAt)) this.wakeAt = at;
  }
  replaceHook(next: HookExecution): void {
    this.set({ hooks: this.progress.hooks.map((h) => (h.hookId === next.hookId ? next : h)) });
    this.changes.push({ kind: "hook", hook: next });
  }
  traffic(listener: "production" | "test", percent: number): void {
    if (this.progress[listener] === percent) return;
    this.set({ [listener]: percent } as Partial<DeploymentProgress>);
    this.changes.push({ kind: "traffic", listener, percent });
  }
  result(): Advanced {
    return { progress: this.progress, changes: this.changes, ...(this.wakeAt !== undefined ? { wakeAt: this.wakeAt } : {}) };
  }
}

/** Revision ARNs the hook payload names, for its traffic weights. */
export interface PayloadRevisions {
  target: string;
  source?: string;
}

function weightsOf(revisions: PayloadRevisions, greenPercent: number): Record<string, number> {
  return { [revisions.target]: greenPercent, ...(revisions.source ? { [revisions.source]: 100 - greenPercent } : {}) };
}

/**
 * One step of the machine: act on requests, the circuit breaker, hook timeouts and the facts, as
 * far as they allow (several program steps at once when nothing needs waiting for).
 */
export function advanceDeployment(
  progress: DeploymentProgress,
  facts: DeploymentFacts,
  config: Wire<DeploymentConfiguration> | undefined,
  revisions: PayloadRevisions,
  ids: HookIds,
): Advanced {
  const step = new Step(progress, facts.now);
  if (isFinished(progress.status)) return step.result();
  if (facts.breaker) step.set({ breaker: { failureCount: facts.breaker.failureCount, tripped: step.progress.breaker?.tripped || facts.breaker.tripped } });
  if (step.progress.status === "PENDING") {
    step.status("IN_PROGRESS");
    // Both listener rules forward to both target groups from the start (green at 0), so the green
    // target group is health checked before it takes traffic, as ECS leaves it after a shift.
    if (shiftsTraffic(progress.strategy)) step.changes.push({ kind: "traffic", listener: "production", percent: 0 }, { kind: "traffic", listener: "test", percent: 0 });
  }
  if (step.progress.requested === "STOP" || step.progress.status === "STOP_REQUESTED") {
    step.set({ requested: undefined });
    step.status("STOPPED", step.progress.statusReason ?? STATUS_REASONS.userStop);
    return step.result();
  }
  if (step.progress.requested === "ROLLBACK") {
    step.set({ requested: undefined });
    beginRollback(step, facts, STATUS_REASONS.userRollback);
  } else if (!step.progress.rollingBack && facts.breaker?.tripped && step.progress.status === "IN_PROGRESS") {
    if (facts.breaker.rollback) beginRollback(step, facts, STATUS_REASONS.circuitBreaker);
    else {
      step.status("STOPPED", STATUS_REASONS.circuitBreaker);
      return step.result();
    }
  }
  if (isFinished(step.progress.status)) return step.result();
  if (!step.progress.program.length) {
    // ROLLING: done when the service is steady (its only deployment the primary, and steady).
    if (facts.serviceSteady) step.status(step.progress.rollingBack ? "ROLLBACK_SUCCESSFUL" : "SUCCESSFUL");
    return step.result();
  }
  runProgram(step, facts, config, revisions, ids);
  return step.result();
}

function beginRollback(step: Step, facts: DeploymentFacts, reason: string): void {
  const p = step.progress;
  if (!facts.hasSource) {
    step.status("ROLLBACK_FAILED", `${reason} ${STATUS_REASONS.noSource}`);
    return;
  }
  const here = p.program[Math.min(p.cursor.index, p.program.length - 1)]?.stage ?? "SCALE_UP";
  const program: ProgramStep[] = !p.program.length
    ? []
    : [
        { stage: here, action: "restoreSource" },
        ...(p.production > 0 ? [{ stage: "PRODUCTION_TRAFFIC_SHIFT", hookStage: "PRODUCTION_TRAFFIC_SHIFT", action: "shiftProduction", percent: 0 } as const] : []),
        ...(p.test > 0 ? [{ stage: "TEST_TRAFFIC_SHIFT", hookStage: "TEST_TRAFFIC_SHIFT", action: "shiftTest", percent: 0 } as const] : []),
        { stage: "CLEAN_UP", action: "scaleInTarget" },
      ];
  step.set({ rollingBack: true, program, cursor: { index: 0, part: "enter" }, rollback: { reason, startedAt: step.now } });
  step.status("ROLLBACK_IN_PROGRESS", reason);
}

function runProgram(step: Step, facts: DeploymentFacts, config: Wire<DeploymentConfiguration> | undefined, revisions: PayloadRevisions, ids: HookIds): void {
  for (let guard = 0; guard < 10_000; guard++) {
    const p = step.progress;
    const current = p.program[p.cursor.index];
    if (!current) {
      step.status(p.rollingBack ? "ROLLBACK_SUCCESSFUL" : "SUCCESSFUL");
      return;
    }
    switch (p.cursor.part) {
      case "enter":
        if (p.cursor.index === 0 || p.program[p.cursor.index - 1]?.stage !== current.stage) step.changes.push({ kind: "stage", stage: current.stage });
        enter(step, current);
        step.set({ cursor: { ...step.progress.cursor, part: "work" } });
        break;
      case "work":
        if (!workDone(current.action, facts)) return;
        step.set({ cursor: { ...p.cursor, part: "hooks" } });
        break;
      case "hooks": {
        if (!hooksDone(step, facts, current, config, revisions, ids)) return;
        if (isFinished(step.progress.status) || step.progress.rollingBack !== p.rollingBack) {
          // A failed hook rolled the deployment back (or failed its rollback): go on from there.
          if (isFinished(step.progress.status)) return;
          break;
        }
        const bakeUntil = step.now + (current.bakeMinutes ?? 0) * 60_000;
        step.set({ cursor: { ...step.progress.cursor, part: "bake", bakeUntil } });
        break;
      }
      case "bake":
        if ((p.cursor.bakeUntil ?? 0) > step.now) {
          step.wake(p.cursor.bakeUntil);
          return;
        }
        step.set({ cursor: { index: p.cursor.index + 1, part: "enter" } });
        break;
    }
  }
}

function enter(step: Step, current: ProgramStep): void {
  switch (current.action) {
    case "reconcile":
      step.traffic("production", 0);
      step.traffic("test", 0);
      break;
    case "scaleUp":
      step.set({ targetUp: true });
      break;
    case "shiftTest":
      step.traffic("test", current.percent ?? 100);
      break;
    case "shiftProduction":
      step.traffic("production", current.percent ?? 100);
      break;
    case "cleanUp":
      step.set({ sourceUp: false });
      break;
    case "restoreSource":
      step.set({ sourceUp: true });
      break;
    case "scaleInTarget":
      step.set({ targetUp: false });
      break;
  }
}

/** The traffic weights a hook's payload carries at a stage (the developer guide's payload examples). */
function payloadWeights(step: Step, current: ProgramStep, revisions: PayloadRevisions): HookExecution["weights"] {
  const p = step.progress;
  if (current.hookStage === "TEST_TRAFFIC_SHIFT") return { test: weightsOf(revisions, p.test), production: {} };
  if (current.hookStage === "PRE_PRODUCTION_TRAFFIC_SHIFT" || current.hookStage === "PRODUCTION_TRAFFIC_SHIFT") return { test: {}, production: weightsOf(revisions, p.production) };
  return { test: {}, production: {} };
}

/** Starts the step's hooks (once), times them out, and says whether they all passed; a failure rolls back. */
function hooksDone(step: Step, facts: DeploymentFacts, current: ProgramStep, config: Wire<DeploymentConfiguration> | undefined, revisions: PayloadRevisions, ids: HookIds): boolean {
  if (!current.hookStage) return true;
  const p = step.progress;
  let mine = currentHooks(p);
  if (!mine.length) {
    const configured = hooksAt(config, current.hookStage);
    if (!configured.length) return true;
    const created: HookExecution[] = configured.map(({ hook }) => {
      const type = hookTypeOf(hook);
      const details = (hook as { hookDetails?: unknown }).hookDetails;
      const minutes = hook.timeoutConfiguration?.timeoutInMinutes ?? DEFAULT_HOOK_TIMEOUT_MINUTES;
      return {
        hookId: `${type === "PAUSE" ? "ecs-pause" : "ecs-lambda"}-${ids.token(43)}`,
        at: { index: p.cursor.index, rollback: p.rollingBack },
        stage: current.hookStage as HookStage,
        targetType: type,
        ...(type === "AWS_LAMBDA" ? { targetArn: hook.hookTargetArn, roleArn: hook.roleArn, executionId: ids.uuid(), invocations: 0, nextInvokeAt: step.now } : {}),
        status: type === "PAUSE" ? "AWAITING_ACTION" : "IN_PROGRESS",
        expiresAt: step.now + minutes * 60_000,
        timeoutAction: (hook.timeoutConfiguration?.action as HookAction | undefined) ?? "ROLLBACK",
        ...(type === "AWS_LAMBDA" && details && typeof details === "object" && !Array.isArray(details) ? { hookDetails: { ...(details as Record<string, unknown>) } } : {}),
        weights: payloadWeights(step, current, revisions),
      };
    });
    step.set({ hooks: [...p.hooks, ...created] });
    for (const hook of created) step.changes.push({ kind: "hook", hook });
    mine = created;
  }
  for (const hook of mine) {
    if (!HOOK_DONE.has(hook.status) && hook.expiresAt <= step.now) step.replaceHook({ ...hook, status: "TIMED_OUT", nextInvokeAt: undefined, inFlight: undefined });
  }
  mine = currentHooks(step.progress);
  const failed = mine.find((h) => h.status === "FAILED" || (h.status === "TIMED_OUT" && h.timeoutAction === "ROLLBACK"));
  if (failed) {
    step.changes.push({ kind: "hookFailure", hook: failed });
    const reason = failed.status === "TIMED_OUT" ? STATUS_REASONS.hookTimedOut : STATUS_REASONS.hookFailed;
    // A hook failing during the rollback fails the rollback; otherwise the deployment rolls back.
    if (step.progress.rollingBack) step.status("ROLLBACK_FAILED", reason);
    else beginRollback(step, facts, reason);
    return true;
  }
  for (const hook of mine) {
    if (HOOK_DONE.has(hook.status)) continue;
    step.wake(hook.expiresAt);
    step.wake(hook.nextInvokeAt);
  }
  return mine.every((h) => HOOK_DONE.has(h.status));
}

/**
 * Marks the due Lambda invocations as started (attempt number recorded before the call is made).
 * Returns the progress and every execution with an invocation in flight, including earlier ones
 * not yet answered (after a restart the scheduler makes those again).
 */
export function claimInvocations(progress: DeploymentProgress, now: number): { progress: DeploymentProgress; inFlight: HookExecution[] } {
  if (isFinished(progress.status)) return { progress, inFlight: [] };
  const hooks = progress.hooks.map((h) => {
    if (h.targetType !== "AWS_LAMBDA" || h.status !== "IN_PROGRESS" || h.inFlight !== undefined || h.nextInvokeAt === undefined || h.nextInvokeAt > now) return h;
    return { ...h, inFlight: (h.invocations ?? 0) + 1, nextInvokeAt: undefined };
  });
  const changed = hooks.some((h, i) => h !== progress.hooks[i]);
  const next = changed ? { ...progress, hooks } : progress;
  return { progress: next, inFlight: next.hooks.filter((h) => h.inFlight !== undefined && h.status === "IN_PROGRESS") };
}

/** What came back from one Lambda invocation. */
export type LambdaOutcome = { hookStatus: "SUCCEEDED" | "FAILED" | "IN_PROGRESS"; callBackDelay?: number; hookDetails?: Record<string, unknown> } | { error: string };

/** ECS invokes an IN_PROGRESS hook again after this long unless the function says otherwise. */
export const DEFAULT_CALLBACK_DELAY_SECONDS = 30;

/**
 * Records the answer to invocation `attempt` of hook `hookId`. An answer to an attempt that is not
 * the one in flight (a duplicate after a restart) changes nothing. Returns undefined then.
 */
export function recordLambdaOutcome(progress: DeploymentProgress, hookId: string, attempt: number, outcome: LambdaOutcome, now: number): { progress: DeploymentProgress; hook: HookExecution } | undefined {
  const hook = progress.hooks.find((h) => h.hookId === hookId);
  if (!hook || hook.inFlight !== attempt || hook.status !== "IN_PROGRESS") return undefined;
  let next: HookExecution;
  if ("error" in outcome) next = { ...hook, status: "FAILED", failure: outcome.error };
  else if (outcome.hookStatus === "SUCCEEDED") next = { ...hook, status: "SUCCEEDED" };
  else if (outcome.hookStatus === "FAILED") next = { ...hook, status: "FAILED", failure: "the function returned hookStatus FAILED" };
  else {
    const delay = outcome.callBackDelay ?? DEFAULT_CALLBACK_DELAY_SECONDS;
    next = { ...hook, nextInvokeAt: now + delay * 1000, ...(outcome.hookDetails ? { hookDetails: { ...(hook.hookDetails ?? {}), ...outcome.hookDetails } } : {}) };
  }
  next = { ...next, invocations: attempt, inFlight: undefined, ...(next.status !== "IN_PROGRESS" ? { nextInvokeAt: undefined } : {}) };
  return { progress: { ...progress, hooks: progress.hooks.map((h) => (h.hookId === hookId ? next : h)) }, hook: next };
}

/**
 * ContinueServiceDeployment: a PAUSE hook awaiting action succeeds (CONTINUE) or fails (ROLLBACK,
 * which rolls the deployment back). Returns the refusal's message when the hook cannot be acted on.
 */
export function continueHook(progress: DeploymentProgress, hookId: string, action: HookAction): { progress: DeploymentProgress; hook: HookExecution } | { refusal: string } {
  const hook = progress.hooks.find((h) => h.hookId === hookId);
  if (!hook) return { refusal: `The lifecycle hook ${hookId} does not exist in the service deployment.` };
  if (progress.status !== "IN_PROGRESS" && progress.status !== "ROLLBACK_IN_PROGRESS") return { refusal: `The service deployment is ${progress.status}; only a deployment in progress can be continued.` };
  if (hook.status !== "AWAITING_ACTION") return { refusal: `The lifecycle hook ${hookId} is ${hook.status}, not AWAITING_ACTION.` };
  const next: HookExecution = { ...hook, status: action === "CONTINUE" ? "SUCCEEDED" : "FAILED", ...(action === "ROLLBACK" ? { failure: "ContinueServiceDeployment asked for a rollback" } : {}) };
  return { progress: { ...progress, hooks: progress.hooks.map((h) => (h.hookId === hookId ? next : h)) }, hook: next };
}

/**
 * StopServiceDeployment: ROLLBACK asks for a rollback (ROLLBACK_REQUESTED until the scheduler starts
 * it); ABORT stops the deployment where it is (STOP_REQUESTED, then STOPPED). A stop or rollback
 * already under way continues. Returns the refusal's message for a finished deployment.
 */
export function requestStop(progress: DeploymentProgress, stopType: "ROLLBACK" | "ABORT"): { progress: DeploymentProgress } | { refusal: string } {
  if (isFinished(progress.status)) return { refusal: `The service deployment is ${progress.status} and can no longer be stopped.` };
  if (progress.status === "STOP_REQUESTED" || progress.status === "ROLLBACK_REQUESTED" || progress.status === "ROLLBACK_IN_PROGRESS") return { progress };
  if (stopType === "ABORT") return { progress: { ...progress, status: "STOP_REQUESTED", statusReason: STATUS_REASONS.userStop, requested: "STOP" } };
  return { progress: { ...progress, status: "ROLLBACK_REQUESTED", statusReason: STATUS_REASONS.userRollback, requested: "ROLLBACK" } };
}

/** A newer deployment started: an unfinished one is stopped where it is. */
export function supersede(progress: DeploymentProgress): DeploymentProgress {
  if (isFinished(progress.status)) return progress;
  return { ...progress, status: "STOP_REQUESTED", statusReason: STATUS_REASONS.superseded, requested: "STOP" };
}
