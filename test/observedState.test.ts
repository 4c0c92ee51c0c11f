// The one definition of observed state and ECS's event pacing, table-driven: values in, values out.
import * as assert from "node:assert/strict";
import { describe, test } from "node:test";
import { IDENTICAL_EVENT_INTERVAL_MS, paceRepeatedEvents } from "../src/domain/eventPacing";
import {
  countTasks,
  type HealthVerdict,
  isInService,
  isServiceSteady,
  nextStability,
  observeGroup,
  observeTask,
  stabilityForDesiredCount,
  stabilityStatusOf,
  type TaskObservation,
  type UnsteadyReason,
} from "../src/domain/observedState";

/** A task by a short code: "R" RUNNING, "P" PENDING, "V" PROVISIONING, "A" ACTIVATING, "D" DEACTIVATING, "S" STOPPED; then flags. */
function task(code: string, flags: { stopping?: boolean; container?: HealthVerdict; target?: HealthVerdict; draining?: boolean } = {}): TaskObservation {
  const lastStatus = { R: "RUNNING", P: "PENDING", V: "PROVISIONING", A: "ACTIVATING", D: "DEACTIVATING", S: "STOPPED" }[code] ?? code;
  const stopping = flags.stopping ?? ["D", "S"].includes(code);
  return {
    lastStatus,
    desiredStatus: stopping ? "STOPPED" : "RUNNING",
    ...(flags.container ? { containerHealth: flags.container } : {}),
    ...(flags.target ? { targetHealth: flags.target } : {}),
    onDrainingInstance: flags.draining ?? false,
  };
}

describe("observeGroup: counts and steadiness of a task set or deployment", () => {
  const cases: [name: string, tasks: TaskObservation[], desired: number, retiring: boolean, expected: { running: number; pending: number; inService: number; unsteady: UnsteadyReason[] }][] = [
    ["no tasks, none wanted", [], 0, false, { running: 0, pending: 0, inService: 0, unsteady: [] }],
    ["all running, as wanted", [task("R"), task("R")], 2, false, { running: 2, pending: 0, inService: 2, unsteady: [] }],
    ["one short", [task("R")], 2, false, { running: 1, pending: 0, inService: 1, unsteady: ["RUNNING_COUNT"] }],
    ["one too many", [task("R"), task("R"), task("R")], 2, false, { running: 3, pending: 0, inService: 3, unsteady: ["RUNNING_COUNT"] }],
    ["PROVISIONING, PENDING and ACTIVATING are pending", [task("V"), task("P"), task("A")], 0, false, { running: 0, pending: 3, inService: 0, unsteady: ["TASKS_PENDING"] }],
    ["running as wanted plus one pending", [task("R"), task("R"), task("P")], 2, false, { running: 2, pending: 1, inService: 2, unsteady: ["TASKS_PENDING"] }],
    // Issue 9: both tasks asked to stop (failed health checks) are still RUNNING; runningCount matches.
    ["RUNNING tasks asked to stop still count, but a replacement is needed", [task("R", { stopping: true }), task("R", { stopping: true })], 2, false, { running: 2, pending: 0, inService: 0, unsteady: ["TASKS_STOPPING"] }],
    ["a surplus task past RUNNING does not hold the group back", [task("R"), task("R"), task("D")], 2, false, { running: 2, pending: 0, inService: 2, unsteady: [] }],
    ["STOPPED tasks count for nothing", [task("R"), task("S"), task("S")], 1, false, { running: 1, pending: 0, inService: 1, unsteady: [] }],
    ["a task failing its container health checks", [task("R", { container: "unhealthy" }), task("R")], 2, false, { running: 2, pending: 0, inService: 1, unsteady: ["CONTAINER_HEALTH"] }],
    ["a container still in its first health checks", [task("R", { container: "initial" })], 1, false, { running: 1, pending: 0, inService: 0, unsteady: ["CONTAINER_HEALTH"] }],
    ["healthy containers", [task("R", { container: "healthy" })], 1, false, { running: 1, pending: 0, inService: 1, unsteady: [] }],
    ["targets still in their initial health checks", [task("R", { target: "initial" })], 1, false, { running: 1, pending: 0, inService: 0, unsteady: ["TARGET_HEALTH"] }],
    ["unhealthy targets", [task("R", { target: "unhealthy" }), task("R", { target: "healthy" })], 2, false, { running: 2, pending: 0, inService: 1, unsteady: ["TARGET_HEALTH"] }],
    ["healthy targets", [task("R", { target: "healthy", container: "healthy" })], 1, false, { running: 1, pending: 0, inService: 1, unsteady: [] }],
    ["a task on a DRAINING instance", [task("R", { draining: true }), task("R")], 2, false, { running: 2, pending: 0, inService: 1, unsteady: ["ON_DRAINING_INSTANCE"] }],
    ["a DRAINING set with nothing left running is still retiring", [task("D")], 0, true, { running: 0, pending: 0, inService: 0, unsteady: ["RETIRING"] }],
    [
      "every reason at once, in order",
      [task("P"), task("R", { stopping: true }), task("R", { container: "unhealthy" }), task("R", { target: "initial" }), task("R", { draining: true })],
      1,
      true,
      { running: 4, pending: 1, inService: 0, unsteady: ["RUNNING_COUNT", "TASKS_PENDING", "TASKS_STOPPING", "CONTAINER_HEALTH", "TARGET_HEALTH", "ON_DRAINING_INSTANCE", "RETIRING"] },
    ],
  ];
  for (const [name, tasks, desired, retiring, expected] of cases) {
    test(name, () => {
      const group = observeGroup(tasks, { desiredCount: desired, retiring });
      assert.deepEqual(
        { running: group.runningCount, pending: group.pendingCount, inService: group.inServiceCount, unsteady: group.unsteady },
        expected,
      );
      assert.equal(stabilityStatusOf(group), expected.unsteady.length ? "STABILIZING" : "STEADY_STATE");
    });
  }
});

describe("observeTask: what a task and its surroundings say", () => {
  const arn = "arn:aws:ecs:us-east-1:000000000000:task/c/abc";
  const instance = "arn:aws:ecs:us-east-1:000000000000:container-instance/c/i-1";
  test("ECS's healthStatus UNKNOWN (no container health check) is no verdict; HEALTHY and UNHEALTHY are", () => {
    const around = { drainingInstances: new Set<string>() };
    assert.equal(observeTask({ taskArn: arn, lastStatus: "RUNNING", desiredStatus: "RUNNING", healthStatus: "UNKNOWN" }, around).containerHealth, undefined);
    assert.equal(observeTask({ taskArn: arn, lastStatus: "RUNNING", desiredStatus: "RUNNING", healthStatus: "HEALTHY" }, around).containerHealth, "healthy");
    assert.equal(observeTask({ taskArn: arn, lastStatus: "RUNNING", desiredStatus: "RUNNING", healthStatus: "UNHEALTHY" }, around).containerHealth, "unhealthy");
  });
  test("a DRAINING instance and target health come from the surroundings", () => {
    const observed = observeTask(
      { taskArn: arn, lastStatus: "RUNNING", desiredStatus: "RUNNING", containerInstanceArn: instance },
      { drainingInstances: new Set([instance]), targetHealth: new Map([[arn, "initial" as const]]) },
    );
    assert.deepEqual(observed, { lastStatus: "RUNNING", desiredStatus: "RUNNING", targetHealth: "initial", onDrainingInstance: true });
    assert.equal(isInService(observed), false);
  });
});

describe("services, counts and stability fields", () => {
  const cases: [status: string, groups: boolean[], steady: boolean][] = [
    ["ACTIVE", [], true],
    ["ACTIVE", [true], true],
    ["ACTIVE", [true, true], true],
    ["ACTIVE", [true, false], false],
    ["DRAINING", [true], false],
    ["INACTIVE", [], false],
  ];
  for (const [status, groups, steady] of cases) {
    test(`a ${status} service with groups ${JSON.stringify(groups)} is ${steady ? "" : "not "}steady`, () => assert.equal(isServiceSteady({ status }, groups), steady));
  }
  test("countTasks counts by lastStatus alone", () => {
    assert.deepEqual(countTasks([{ lastStatus: "RUNNING" }, { lastStatus: "PENDING" }, { lastStatus: "DEACTIVATING" }, { lastStatus: "STOPPED" }, {}]), { running: 1, pending: 2 });
  });
  test("stabilityStatusAt moves only when the status changes", () => {
    assert.deepEqual(nextStability({ stabilityStatus: "STABILIZING", stabilityStatusAt: 10 }, "STABILIZING", 20), { stabilityStatus: "STABILIZING", stabilityStatusAt: 10 });
    assert.deepEqual(nextStability({ stabilityStatus: "STABILIZING", stabilityStatusAt: 10 }, "STEADY_STATE", 20), { stabilityStatus: "STEADY_STATE", stabilityStatusAt: 20 });
  });
  const desiredCases: [current: { runningCount: number; stabilityStatus: string }, desired: number, expected: string][] = [
    [{ runningCount: 2, stabilityStatus: "STEADY_STATE" }, 3, "STABILIZING"],
    [{ runningCount: 2, stabilityStatus: "STEADY_STATE" }, 2, "STEADY_STATE"],
    [{ runningCount: 2, stabilityStatus: "STABILIZING" }, 2, "STABILIZING"],
    [{ runningCount: 0, stabilityStatus: "STEADY_STATE" }, 0, "STEADY_STATE"],
  ];
  for (const [current, desired, expected] of desiredCases) {
    test(`a new desired count ${desired} for ${JSON.stringify(current)} is ${expected} until observed`, () => assert.equal(stabilityForDesiredCount(current, desired), expected));
  }
});

describe("paceRepeatedEvents: an identical message once per cause, again after it was resolved or six hours passed", () => {
  const place = { cause: "unable-to-place A", message: "(service s) was unable to place a task ..." };
  const steady = { cause: "steady", message: "(service s) has reached a steady state." };
  const all = () => true;
  test("the first occurrence is written, and the same again within six hours is not", () => {
    const first = paceRepeatedEvents(undefined, [place], all, 0);
    assert.deepEqual(first.messages, [place.message]);
    assert.equal(first.nextRepeatAt, IDENTICAL_EVENT_INTERVAL_MS);
    for (const t of [1000, 20_000, IDENTICAL_EVENT_INTERVAL_MS - 1]) assert.deepEqual(paceRepeatedEvents(first.pacing, [place], all, t).messages, []);
  });
  test("six hours later it is written again", () => {
    const first = paceRepeatedEvents(undefined, [steady], all, 0);
    const again = paceRepeatedEvents(first.pacing, [steady], all, IDENTICAL_EVENT_INTERVAL_MS);
    assert.deepEqual(again.messages, [steady.message]);
    assert.equal(again.nextRepeatAt, 2 * IDENTICAL_EVENT_INTERVAL_MS);
  });
  test("a cause resolved in between is written at its next occurrence", () => {
    const first = paceRepeatedEvents(undefined, [place], all, 0);
    const resolved = paceRepeatedEvents(first.pacing, [], all, 1000);
    assert.deepEqual(resolved.pacing, {});
    assert.equal(resolved.nextRepeatAt, undefined);
    assert.deepEqual(paceRepeatedEvents(resolved.pacing, [place], all, 2000).messages, [place.message]);
  });
  test("a cause the pass did not evaluate keeps its record", () => {
    const first = paceRepeatedEvents(undefined, [place], all, 0);
    const other = paceRepeatedEvents(first.pacing, [], (cause) => cause.endsWith(" B"), 1000);
    assert.deepEqual(Object.keys(other.pacing), [place.cause]);
    assert.deepEqual(paceRepeatedEvents(other.pacing, [place], all, 2000).messages, []);
  });
  test("a different message for the same cause is written at once", () => {
    const first = paceRepeatedEvents(undefined, [place], all, 0);
    assert.deepEqual(paceRepeatedEvents(first.pacing, [{ ...place, message: "other words" }], all, 1000).messages, ["other words"]);
  });
});
