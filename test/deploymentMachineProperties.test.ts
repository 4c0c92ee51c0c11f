// The deployment state machine under random sessions (fast-check): any order of observations,
// clock moves, hook answers, pause decisions, stop requests and circuit breaker trips keeps ECS's
// status transitions, walks the lifecycle stages forward only, moves production traffic only to a
// step of the program (or back to 0 in a rollback), ends where its outcome says traffic must be, and,
// once the world behaves, always finishes.
import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { DeploymentConfiguration } from "@aws-sdk/client-ecs";
import fc from "fast-check";
import { LIFECYCLE_STAGES, productionSteps, type Strategy } from "../src/domain/deploymentConfig";
import {
  advanceDeployment,
  claimInvocations,
  continueHook,
  type DeploymentFacts,
  type DeploymentProgress,
  type DeploymentStatus,
  isFinished,
  lifecycleStageOf,
  newProgress,
  recordLambdaOutcome,
  requestStop,
} from "../src/domain/deploymentMachine";
import type { Wire } from "../src/protocol/wire";

const LAMBDA = { hookTargetArn: "arn:aws:lambda:us-east-1:000000000000:function:f", roleArn: "arn:aws:iam::000000000000:role/r" };

/** ECS's status transitions (developer guide, "View service history using Amazon ECS service deployments"). */
const NEXT: Readonly<Record<DeploymentStatus, readonly DeploymentStatus[]>> = {
  PENDING: ["IN_PROGRESS", "ROLLBACK_REQUESTED", "STOP_REQUESTED"],
  IN_PROGRESS: ["SUCCESSFUL", "STOP_REQUESTED", "STOPPED", "ROLLBACK_REQUESTED", "ROLLBACK_IN_PROGRESS", "ROLLBACK_FAILED"],
  STOP_REQUESTED: ["STOPPED"],
  ROLLBACK_REQUESTED: ["ROLLBACK_IN_PROGRESS", "ROLLBACK_FAILED"],
  ROLLBACK_IN_PROGRESS: ["ROLLBACK_SUCCESSFUL", "ROLLBACK_FAILED"],
  SUCCESSFUL: [],
  STOPPED: [],
  ROLLBACK_SUCCESSFUL: [],
  ROLLBACK_FAILED: [],
};

type Action =
  | { kind: "observe"; targetSteady: boolean; sourceSteady: boolean; drained: boolean; serviceSteady: boolean }
  | { kind: "wait"; minutes: number }
  | { kind: "answer"; status: "SUCCEEDED" | "FAILED" | "IN_PROGRESS"; delay: number }
  | { kind: "decide"; action: "CONTINUE" | "ROLLBACK" }
  | { kind: "stop"; type: "ROLLBACK" | "ABORT" }
  | { kind: "breaker"; rollback: boolean };

const action: fc.Arbitrary<Action> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant("observe" as const), targetSteady: fc.boolean(), sourceSteady: fc.boolean(), drained: fc.boolean(), serviceSteady: fc.boolean() }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("wait" as const), minutes: fc.integer({ min: 0, max: 30 }) }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("answer" as const), status: fc.constantFrom("SUCCEEDED" as const, "SUCCEEDED" as const, "FAILED" as const, "IN_PROGRESS" as const), delay: fc.integer({ min: 0, max: 120 }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("decide" as const), action: fc.constantFrom("CONTINUE" as const, "CONTINUE" as const, "ROLLBACK" as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("stop" as const), type: fc.constantFrom("ROLLBACK" as const, "ABORT" as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("breaker" as const), rollback: fc.boolean() }) },
);

const configuration: fc.Arbitrary<{ strategy: Strategy; config: Wire<DeploymentConfiguration> }> = fc
  .record({
    strategy: fc.constantFrom<Strategy>("ROLLING", "BLUE_GREEN", "LINEAR", "CANARY"),
    step: fc.integer({ min: 30, max: 1000 }),
    bake: fc.integer({ min: 0, max: 20 }),
    pauses: fc.subarray(["PRE_SCALE_UP", "POST_SCALE_UP", "POST_TEST_TRAFFIC_SHIFT", "PRE_PRODUCTION_TRAFFIC_SHIFT", "POST_PRODUCTION_TRAFFIC_SHIFT"] as const),
    lambdas: fc.subarray(["PRE_SCALE_UP", "TEST_TRAFFIC_SHIFT", "POST_TEST_TRAFFIC_SHIFT", "PRODUCTION_TRAFFIC_SHIFT", "POST_PRODUCTION_TRAFFIC_SHIFT"] as const),
    timeout: fc.constantFrom(undefined, { timeoutInMinutes: 15, action: "CONTINUE" as const }, { timeoutInMinutes: 15, action: "ROLLBACK" as const }),
  })
  .map(({ strategy, step, bake, pauses, lambdas, timeout }) => ({
    strategy,
    config: {
      strategy,
      bakeTimeInMinutes: bake,
      ...(strategy === "LINEAR" ? { linearConfiguration: { stepPercent: step / 10, stepBakeTimeInMinutes: bake } } : {}),
      ...(strategy === "CANARY" ? { canaryConfiguration: { canaryPercent: step / 10, canaryBakeTimeInMinutes: bake } } : {}),
      lifecycleHooks: [
        ...(pauses.length ? [{ targetType: "PAUSE" as const, lifecycleStages: [...pauses], ...(timeout ? { timeoutConfiguration: timeout } : {}) }] : []),
        ...(lambdas.length ? [{ ...LAMBDA, lifecycleStages: [...lambdas], ...(timeout ? { timeoutConfiguration: timeout } : {}) }] : []),
      ],
    },
  }));

const REVISIONS = { target: "green", source: "blue" };

/** A world that behaves: every group does what the deployment asks of it. */
function obedient(p: DeploymentProgress, now: number): DeploymentFacts {
  return { now, targetSteady: p.targetUp, targetDrained: !p.targetUp, sourceSteady: p.sourceUp, sourceDrained: !p.sourceUp, extrasDrained: true, serviceSteady: true, hasSource: true };
}

/** Checks one step; `through` are the statuses it passed through (the machine can take several at once). */
function checkStep(before: DeploymentProgress, after: DeploymentProgress, steps: readonly number[], through: readonly DeploymentStatus[] = [after.status]): void {
  let from = before.status;
  for (const status of through) {
    if (status === from) continue;
    assert.ok(NEXT[from].includes(status), `${from} -> ${status}`);
    from = status;
  }
  assert.equal(from, after.status);
  if (isFinished(before.status)) assert.equal(after, before, "a finished deployment changes no more");
  const stageIndex = (p: DeploymentProgress) => LIFECYCLE_STAGES.indexOf(lifecycleStageOf(p) ?? "RECONCILE_SERVICE");
  if (!after.rollingBack && !before.rollingBack) assert.ok(stageIndex(after) >= stageIndex(before), `stage ${lifecycleStageOf(before)} -> ${lifecycleStageOf(after)}`);
  if (!after.rollingBack) {
    assert.ok(after.production === 0 || steps.includes(after.production), `production ${after.production} is a step of ${steps}`);
    assert.ok(after.production >= before.production, "production traffic only grows going forward");
  }
  for (const share of [after.production, after.test]) assert.ok(share >= 0 && share <= 100);
  if (after.status === "SUCCESSFUL" && after.program.length) assert.deepEqual([after.production, after.test, after.targetUp, after.sourceUp], [100, 100, true, false]);
  if (after.status === "ROLLBACK_SUCCESSFUL" && after.program.length) assert.deepEqual([after.production, after.test, after.targetUp, after.sourceUp], [0, 0, false, true]);
}

describe("the deployment state machine under random sessions", () => {
  it("keeps ECS's transitions and its traffic invariants, and finishes once the world behaves", () => {
    let counter = 0;
    const ids = { token: (n: number) => String(++counter).padStart(n, "0"), uuid: () => `u${++counter}` };
    fc.assert(
      fc.property(configuration, fc.array(action, { maxLength: 40 }), ({ strategy, config }, actions) => {
        const steps = productionSteps(strategy, config);
        let now = 0;
        let p = newProgress(strategy, config, false);
        const step = (next: DeploymentProgress, through?: DeploymentStatus[]) => {
          checkStep(p, next, steps, through);
          p = next;
        };
        const advance = (facts: DeploymentFacts) => {
          const advanced = advanceDeployment(p, facts, config, REVISIONS, ids);
          step(advanced.progress, [...advanced.changes.flatMap((c) => (c.kind === "status" ? [c.status] : [])), advanced.progress.status]);
          return advanced.wakeAt;
        };
        for (const a of actions) {
          switch (a.kind) {
            case "observe":
              advance({ now, targetSteady: a.targetSteady, targetDrained: a.drained, sourceSteady: a.sourceSteady, sourceDrained: a.drained, extrasDrained: a.drained, serviceSteady: a.serviceSteady, hasSource: true });
              break;
            case "wait":
              now += a.minutes * 60_000;
              advance({ ...obedient(p, now), serviceSteady: false });
              break;
            case "answer": {
              const claimed = claimInvocations(p, now);
              step(claimed.progress);
              const hook = claimed.inFlight[0];
              const answered = hook ? recordLambdaOutcome(p, hook.hookId, hook.inFlight ?? 0, { hookStatus: a.status, callBackDelay: a.delay }, now) : undefined;
              if (answered) step(answered.progress);
              break;
            }
            case "decide": {
              const awaiting = p.hooks.find((h) => h.status === "AWAITING_ACTION");
              const decided = awaiting ? continueHook(p, awaiting.hookId, a.action) : undefined;
              if (decided && "progress" in decided) step(decided.progress);
              break;
            }
            case "stop": {
              const stopped = requestStop(p, a.type);
              if ("progress" in stopped) step(stopped.progress);
              break;
            }
            case "breaker":
              advance({ ...obedient(p, now), breaker: { failureCount: 3, tripped: true, rollback: a.rollback } });
              break;
          }
        }
        // Liveness: the groups do as asked, every hook is answered SUCCEEDED or continued, time passes.
        for (let i = 0; i < 500 && !isFinished(p.status); i++) {
          const claimed = claimInvocations(p, now);
          step(claimed.progress);
          for (const hook of claimed.inFlight) {
            const answered = recordLambdaOutcome(p, hook.hookId, hook.inFlight ?? 0, { hookStatus: "SUCCEEDED" }, now);
            if (answered) step(answered.progress);
          }
          for (const hook of p.hooks.filter((h) => h.status === "AWAITING_ACTION")) {
            const decided = continueHook(p, hook.hookId, "CONTINUE");
            if ("progress" in decided) step(decided.progress);
          }
          const wakeAt = advance(obedient(p, now));
          // Time passes: a minute, or to when the machine asked to be woken (a bake ending).
          now = Math.max(now + 60_000, wakeAt ?? 0);
        }
        assert.ok(isFinished(p.status), `still ${p.status} at ${lifecycleStageOf(p)} (${JSON.stringify(p.cursor)})`);
      }),
      { numRuns: Number(process.env.MACHINE_RUNS ?? 300) },
    );
  });
});
