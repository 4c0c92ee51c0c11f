// The service deployment state machine and the strategy rules, as tables: values in, values out.
import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { DeploymentConfiguration } from "@aws-sdk/client-ecs";
import { deploymentStrategyProblem, greenShareOf, LIFECYCLE_STAGES, productionSteps, ruleWeights, stepBakeMinutes } from "../src/domain/deploymentConfig";
import {
  advanceDeployment,
  claimInvocations,
  continueHook,
  type DeploymentFacts,
  type DeploymentProgress,
  forwardProgram,
  lifecycleStageOf,
  newProgress,
  recordLambdaOutcome,
  requestStop,
} from "../src/domain/deploymentMachine";
import type { Wire } from "../src/protocol/wire";

const REVISIONS = { target: "green-rev", source: "blue-rev" };
let counter = 0;
const IDS = { token: (n: number) => String(++counter).padStart(n, "x"), uuid: () => `uuid-${++counter}` };
const MINUTE = 60_000;

const facts = (now: number, over: Partial<DeploymentFacts> = {}): DeploymentFacts => ({
  now,
  targetSteady: false,
  targetDrained: true,
  sourceSteady: true,
  sourceDrained: false,
  extrasDrained: true,
  serviceSteady: false,
  hasSource: true,
  ...over,
});

function run(progress: DeploymentProgress, f: DeploymentFacts, config: Wire<DeploymentConfiguration>) {
  return advanceDeployment(progress, f, config, REVISIONS, IDS);
}

describe("deployment strategies", () => {
  it("the forward program walks ECS's lifecycle stages in ECS's order", () => {
    for (const reconcile of [false, true]) {
      const stages = forwardProgram("BLUE_GREEN", { bakeTimeInMinutes: 5 }, reconcile).map((s) => s.stage).filter((s, i, all) => s !== all[i - 1]);
      const expected = LIFECYCLE_STAGES.filter((s) => reconcile || s !== "RECONCILE_SERVICE");
      assert.deepEqual(stages, expected);
    }
    assert.deepEqual(forwardProgram("ROLLING", {}, true), []);
  });

  it("production traffic steps: all at once, linear in equal steps, canary then the rest", () => {
    const table: [Parameters<typeof productionSteps>[0], Wire<DeploymentConfiguration>, number[]][] = [
      ["BLUE_GREEN", {}, [100]],
      ["LINEAR", { linearConfiguration: { stepPercent: 25 } }, [25, 50, 75, 100]],
      ["LINEAR", { linearConfiguration: { stepPercent: 30 } }, [30, 60, 90, 100]],
      ["LINEAR", {}, [10, 20, 30, 40, 50, 60, 70, 80, 90, 100]],
      ["CANARY", { canaryConfiguration: { canaryPercent: 10 } }, [10, 100]],
      ["CANARY", { canaryConfiguration: { canaryPercent: 0.5 } }, [0.5, 100]],
      ["CANARY", { canaryConfiguration: { canaryPercent: 100 } }, [100]],
      ["CANARY", {}, [5, 100]],
    ];
    for (const [strategy, config, steps] of table) assert.deepEqual(productionSteps(strategy, config), steps, `${strategy} ${JSON.stringify(config)}`);
    const thirds = productionSteps("LINEAR", { linearConfiguration: { stepPercent: 3.3 } });
    assert.equal(thirds.length, 31);
    assert.deepEqual([thirds[0], thirds[1], thirds[29], thirds[30]], [3.3, 6.6, 99, 100]);
  });

  it("bake times: between steps only, with the documented defaults", () => {
    assert.deepEqual([0, 1, 2, 3].map((i) => stepBakeMinutes("LINEAR", { linearConfiguration: { stepPercent: 25, stepBakeTimeInMinutes: 2 } }, i, 4)), [2, 2, 2, 0]);
    assert.deepEqual([0, 1].map((i) => stepBakeMinutes("CANARY", {}, i, 2)), [10, 0]);
    assert.equal(stepBakeMinutes("LINEAR", {}, 0, 10), 6);
  });

  it("rule weights: whole percentages out of 100, tenths out of 1000, never above ELB's 999", () => {
    const table: [number, { green: number; blue: number }][] = [
      [0, { green: 0, blue: 100 }],
      [100, { green: 100, blue: 0 }],
      [10, { green: 10, blue: 90 }],
      [0.1, { green: 1, blue: 999 }],
      [33.3, { green: 333, blue: 667 }],
    ];
    for (const [percent, weights] of table) {
      assert.deepEqual(ruleWeights(percent), weights, String(percent));
      assert.equal(greenShareOf(weights.green, weights.blue), percent);
    }
  });

  it("refuses configurations as ECS does", () => {
    const table: [Wire<DeploymentConfiguration>, string, RegExp | undefined][] = [
      [{ strategy: "BLUE_GREEN" }, "EXTERNAL", /supported only for services that use the ECS deployment controller/],
      [{ strategy: "LINEAR", linearConfiguration: { stepPercent: 2 } }, "ECS", /stepPercent 2/],
      [{ strategy: "LINEAR", linearConfiguration: { stepPercent: 10.05 } }, "ECS", /multiples of 0.1/],
      [{ strategy: "CANARY", canaryConfiguration: { canaryPercent: 0 } }, "ECS", /canaryPercent 0/],
      [{ strategy: "BLUE_GREEN", linearConfiguration: { stepPercent: 10 } }, "ECS", /only when the deployment strategy is LINEAR/],
      [{ strategy: "BLUE_GREEN", lifecycleHooks: [{ targetType: "PAUSE", lifecycleStages: ["PRODUCTION_TRAFFIC_SHIFT"] }] }, "ECS", /pause hooks cannot be configured at the PRODUCTION_TRAFFIC_SHIFT stage/],
      [{ strategy: "BLUE_GREEN", lifecycleHooks: [{ lifecycleStages: ["PRE_SCALE_UP"], roleArn: "arn:aws:iam::000000000000:role/r" }] }, "ECS", /hookTargetArn must be specified/],
      [{ strategy: "BLUE_GREEN", lifecycleHooks: [{ hookTargetArn: "arn:aws:lambda:us-east-1:000000000000:function:f", lifecycleStages: ["PRE_SCALE_UP"] }] }, "ECS", /roleArn must be specified/],
      [{ strategy: "BLUE_GREEN", lifecycleHooks: [{ targetType: "PAUSE", lifecycleStages: [] }] }, "ECS", /at least one lifecycle stage/],
      [{ strategy: "BLUE_GREEN", lifecycleHooks: [{ targetType: "PAUSE", lifecycleStages: ["POST_SCALE_UP"] }] }, "ECS", undefined],
      [{ strategy: "CANARY", canaryConfiguration: { canaryPercent: 0.1, canaryBakeTimeInMinutes: 0 } }, "ECS", undefined],
    ];
    for (const [config, controller, expected] of table) {
      const problem = deploymentStrategyProblem(config, controller);
      if (expected) assert.match(problem ?? "", expected, JSON.stringify(config));
      else assert.equal(problem, undefined, JSON.stringify(config));
    }
  });
});

describe("the deployment state machine", () => {
  const config: Wire<DeploymentConfiguration> = { strategy: "BLUE_GREEN", bakeTimeInMinutes: 5, lifecycleHooks: [{ targetType: "PAUSE", lifecycleStages: ["POST_TEST_TRAFFIC_SHIFT"] }] };

  it("a blue/green deployment: scale up, test traffic, pause, production traffic, bake, clean up", () => {
    let a = run(newProgress("BLUE_GREEN", config, false), facts(0), config);
    assert.equal(a.progress.status, "IN_PROGRESS");
    assert.equal(lifecycleStageOf(a.progress), "SCALE_UP", "waits for the green revision");
    assert.deepEqual([a.progress.targetUp, a.progress.sourceUp], [true, true]);
    assert.deepEqual(a.changes.filter((c) => c.kind === "traffic"), [
      { kind: "traffic", listener: "production", percent: 0 },
      { kind: "traffic", listener: "test", percent: 0 },
    ]);
    a = run(a.progress, facts(1, { targetSteady: true }), config);
    assert.equal(lifecycleStageOf(a.progress), "POST_TEST_TRAFFIC_SHIFT");
    assert.deepEqual([a.progress.test, a.progress.production], [100, 0]);
    const [hook] = a.progress.hooks;
    assert.deepEqual([hook.status, hook.targetType, hook.expiresAt], ["AWAITING_ACTION", "PAUSE", 1 + 1440 * MINUTE]);
    assert.equal(run(a.progress, facts(2, { targetSteady: true }), config).progress.cursor.index, a.progress.cursor.index, "paused");
    const continued = continueHook(a.progress, hook.hookId, "CONTINUE");
    assert.ok("progress" in continued);
    a = run(continued.progress, facts(3, { targetSteady: true }), config);
    assert.deepEqual([lifecycleStageOf(a.progress), a.progress.production, a.wakeAt], ["BAKE_TIME", 100, 3 + 5 * MINUTE]);
    a = run(a.progress, facts(3 + 5 * MINUTE, { targetSteady: true }), config);
    assert.deepEqual([lifecycleStageOf(a.progress), a.progress.sourceUp, a.progress.status], ["CLEAN_UP", false, "IN_PROGRESS"]);
    a = run(a.progress, facts(3 + 5 * MINUTE + 1, { targetSteady: true, sourceDrained: true }), config);
    assert.equal(a.progress.status, "SUCCESSFUL");
    assert.equal(a.progress.finishedAt, 3 + 5 * MINUTE + 1);
  });

  it("a rollback shifts production, then test traffic back, then scales the green revision in", () => {
    let a = run(newProgress("BLUE_GREEN", config, false), facts(0, { targetSteady: true }), config);
    const rolled = continueHook(a.progress, a.progress.hooks[0].hookId, "ROLLBACK");
    assert.ok("progress" in rolled);
    a = run(rolled.progress, facts(1, { targetSteady: true, targetDrained: false }), config);
    assert.equal(a.progress.status, "ROLLBACK_IN_PROGRESS");
    assert.equal(a.progress.statusReason, "deployment failed: hook execution failure(s) detected");
    assert.deepEqual(a.progress.program.map((s) => s.stage), ["POST_TEST_TRAFFIC_SHIFT", "TEST_TRAFFIC_SHIFT", "CLEAN_UP"], "no production traffic to move back");
    assert.deepEqual([a.progress.test, a.progress.targetUp, lifecycleStageOf(a.progress)], [0, false, "CLEAN_UP"]);
    a = run(a.progress, facts(2, { targetDrained: true }), config);
    assert.equal(a.progress.status, "ROLLBACK_SUCCESSFUL");
    assert.deepEqual(a.progress.rollback, { reason: "deployment failed: hook execution failure(s) detected", startedAt: 1 });
  });

  it("Lambda hooks: invoked, IN_PROGRESS again after callBackDelay (30 s by default), a duplicate answer ignored", () => {
    const lambda: Wire<DeploymentConfiguration> = { strategy: "BLUE_GREEN", lifecycleHooks: [{ hookTargetArn: "arn:aws:lambda:us-east-1:000000000000:function:f", roleArn: "arn:aws:iam::000000000000:role/r", lifecycleStages: ["PRE_SCALE_UP"], hookDetails: { a: 1 } }] };
    let a = run(newProgress("BLUE_GREEN", lambda, false), facts(0), lambda);
    assert.equal(lifecycleStageOf(a.progress), "PRE_SCALE_UP");
    let claimed = claimInvocations(a.progress, 0);
    assert.deepEqual(claimed.inFlight.map((h) => [h.inFlight, h.hookDetails]), [[1, { a: 1 }]]);
    assert.deepEqual(claimInvocations(claimed.progress, 0).inFlight.length, 1, "still in flight, not claimed twice");
    const hookId = claimed.inFlight[0].hookId;
    let answered = recordLambdaOutcome(claimed.progress, hookId, 1, { hookStatus: "IN_PROGRESS", hookDetails: { b: 2 } }, 1000);
    assert.ok(answered);
    assert.deepEqual([answered.hook.nextInvokeAt, answered.hook.hookDetails], [31_000, { a: 1, b: 2 }]);
    assert.equal(recordLambdaOutcome(answered.progress, hookId, 1, { hookStatus: "SUCCEEDED" }, 2000), undefined, "a duplicate answer changes nothing");
    claimed = claimInvocations(answered.progress, 31_000);
    answered = recordLambdaOutcome(claimed.progress, hookId, 2, { hookStatus: "SUCCEEDED" }, 31_500);
    assert.ok(answered);
    a = run(answered.progress, facts(31_500), lambda);
    assert.equal(lifecycleStageOf(a.progress), "SCALE_UP");
  });

  it("a Lambda hook that fails rolls back; one that fails during the rollback fails it", () => {
    const hook = { hookTargetArn: "arn:aws:lambda:us-east-1:000000000000:function:f", roleArn: "arn:aws:iam::000000000000:role/r" };
    const lambda: Wire<DeploymentConfiguration> = { strategy: "BLUE_GREEN", lifecycleHooks: [{ ...hook, lifecycleStages: ["POST_PRODUCTION_TRAFFIC_SHIFT", "PRODUCTION_TRAFFIC_SHIFT"] }] };
    let a = run(newProgress("BLUE_GREEN", lambda, false), facts(0, { targetSteady: true }), lambda);
    const answer = (status: "SUCCEEDED" | "FAILED") => {
      const claimed = claimInvocations(a.progress, a.progress.hooks.at(-1)?.nextInvokeAt ?? 0);
      const done = recordLambdaOutcome(claimed.progress, claimed.inFlight[0].hookId, 1, { hookStatus: status }, 10);
      assert.ok(done);
      return done.progress;
    };
    assert.equal(a.progress.hooks.at(-1)?.stage, "PRODUCTION_TRAFFIC_SHIFT");
    assert.deepEqual(a.progress.hooks.at(-1)?.weights.production, { "green-rev": 100, "blue-rev": 0 }, "the payload carries the weights after the shift");
    a = run(answer("SUCCEEDED"), facts(10, { targetSteady: true }), lambda);
    assert.equal(a.progress.hooks.at(-1)?.stage, "POST_PRODUCTION_TRAFFIC_SHIFT");
    a = run(answer("FAILED"), facts(20, { targetSteady: true, targetDrained: false }), lambda);
    assert.deepEqual([a.progress.status, lifecycleStageOf(a.progress), a.progress.production], ["ROLLBACK_IN_PROGRESS", "PRODUCTION_TRAFFIC_SHIFT", 0]);
    assert.deepEqual(a.progress.hooks.at(-1)?.weights.production, { "green-rev": 0, "blue-rev": 100 }, "hooks run again as traffic moves back");
    a = run(answer("FAILED"), facts(30, { targetDrained: false }), lambda);
    assert.equal(a.progress.status, "ROLLBACK_FAILED");
  });

  it("hook timeouts take the configured action", () => {
    for (const action of ["CONTINUE", "ROLLBACK"] as const) {
      const c: Wire<DeploymentConfiguration> = { strategy: "BLUE_GREEN", lifecycleHooks: [{ targetType: "PAUSE", lifecycleStages: ["PRE_SCALE_UP"], timeoutConfiguration: { timeoutInMinutes: 10, action } }] };
      let a = run(newProgress("BLUE_GREEN", c, false), facts(0), c);
      assert.equal(a.wakeAt, 10 * MINUTE);
      a = run(a.progress, facts(10 * MINUTE, { targetDrained: true }), c);
      assert.equal(a.progress.hooks[0].status, "TIMED_OUT");
      assert.equal(action === "CONTINUE" ? lifecycleStageOf(a.progress) : a.progress.status, action === "CONTINUE" ? "SCALE_UP" : "ROLLBACK_SUCCESSFUL");
    }
  });

  it("the circuit breaker stops a deployment, or rolls it back; without a source the rollback fails", () => {
    const tripped = (rollback: boolean) => ({ breaker: { failureCount: 3, tripped: true, rollback } });
    assert.equal(run(newProgress("ROLLING", {}, false), facts(0, tripped(false)), {}).progress.status, "STOPPED");
    const rolled = run(newProgress("ROLLING", {}, false), facts(0, tripped(true)), {});
    assert.deepEqual([rolled.progress.status, rolled.progress.rollingBack, rolled.progress.statusReason], ["ROLLBACK_IN_PROGRESS", true, "ECS deployment circuit breaker: tasks failed to start."]);
    assert.equal(run(rolled.progress, facts(1, { serviceSteady: true }), {}).progress.status, "ROLLBACK_SUCCESSFUL");
    assert.equal(run(newProgress("ROLLING", {}, false), facts(0, { ...tripped(true), hasSource: false }), {}).progress.status, "ROLLBACK_FAILED");
  });

  it("StopServiceDeployment: ROLLBACK and ABORT while in progress, refused once finished", () => {
    const running = run(newProgress("ROLLING", {}, false), facts(0), {}).progress;
    const rollback = requestStop(running, "ROLLBACK");
    assert.ok("progress" in rollback);
    assert.equal(rollback.progress.status, "ROLLBACK_REQUESTED");
    assert.equal(run(rollback.progress, facts(1), {}).progress.status, "ROLLBACK_IN_PROGRESS");
    const abort = requestStop(running, "ABORT");
    assert.ok("progress" in abort);
    assert.equal(abort.progress.status, "STOP_REQUESTED");
    const stopped = run(abort.progress, facts(2), {}).progress;
    assert.deepEqual([stopped.status, stopped.stoppedAt], ["STOPPED", 2]);
    assert.ok("refusal" in requestStop(stopped, "ROLLBACK"));
    const done = run(running, facts(3, { serviceSteady: true }), {}).progress;
    assert.equal(done.status, "SUCCESSFUL");
    assert.ok("refusal" in requestStop(done, "ABORT"));
  });
});
