// The blue/green flow a deploy controller runs against an EXTERNAL service, through the SDK, on the
// harness's virtual clock: blue at 100%, green at 0%, green 10 -> 50 -> 100, switch the primary,
// blue to 0, delete blue. After every step the scheduler settles and the counts must add up.
import * as assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  CreateTaskSetCommand,
  DeleteTaskSetCommand,
  DescribeTaskSetsCommand,
  type ECSClient,
  ListTasksCommand,
  type Service,
  type TaskSet,
  UpdateServicePrimaryTaskSetCommand,
  UpdateTaskSetCommand,
} from "@aws-sdk/client-ecs";
import { startTestServer, type TestServer } from "./harness";
import { createExternalService, describeService, describeTaskSet, fargateTaskSet, type Revisions, setupCluster, TARGET_GROUP } from "./taskSetFixtures";

const CLUSTER = "prod";
const SERVICE = "web";
const DESIRED = 10;

describe("blue/green with the EXTERNAL controller", () => {
  let server: TestServer;
  let client: ECSClient;
  let revisions: Revisions;
  let blue: TaskSet;
  let green: TaskSet;
  before(async () => {
    server = await startTestServer();
    client = server.client();
    revisions = await setupCluster(client, CLUSTER);
  });
  after(() => server.close());

  const setOf = async (set: TaskSet) => (await describeTaskSet(client, CLUSTER, SERVICE, set.id ?? "")) as TaskSet;
  const serviceNow = async () => (await describeService(client, CLUSTER, SERVICE)) as Service;
  const tasksOf = async (set: TaskSet, desiredStatus: "RUNNING" | "STOPPED" = "RUNNING") =>
    (await client.send(new ListTasksCommand({ cluster: CLUSTER, startedBy: set.id, desiredStatus }))).taskArns?.length ?? 0;

  /** After the scheduler settles: the set runs exactly its computedDesiredCount and is steady. */
  async function assertConverged(set: TaskSet, expected: number, label: string): Promise<TaskSet> {
    const now = await setOf(set);
    assert.deepEqual(
      [now.computedDesiredCount, now.runningCount, now.pendingCount, now.stabilityStatus],
      [expected, expected, 0, "STEADY_STATE"],
      `${label}: computedDesiredCount, runningCount, pendingCount, stabilityStatus`,
    );
    assert.equal(await tasksOf(set), expected, `${label}: ListTasks startedBy the set`);
    return now;
  }

  /** The service's counts are the sums over its task sets. */
  async function assertServiceSums(expectedRunning: number, label: string): Promise<Service> {
    const service = await serviceNow();
    const sets = service.taskSets ?? [];
    assert.equal(service.runningCount, expectedRunning, `${label}: service runningCount`);
    assert.equal(service.runningCount, sets.reduce((n, t) => n + (t.runningCount ?? 0), 0), `${label}: runningCount is the task sets' sum`);
    assert.equal(service.pendingCount, 0, `${label}: service pendingCount`);
    return service;
  }

  it("1. an EXTERNAL service with no task set has no task definition and runs nothing", async () => {
    const service = await createExternalService(client, CLUSTER, SERVICE, DESIRED);
    assert.deepEqual([service.desiredCount, service.taskDefinition, service.taskSets, service.deployments], [DESIRED, undefined, [], []]);
    await server.settle();
    await assertServiceSums(0, "empty");
  });

  it("2. blue at 100% becomes the primary and runs the whole desired count", async () => {
    blue = (await client.send(new CreateTaskSetCommand({ ...fargateTaskSet(CLUSTER, SERVICE, "web:1", 100), externalId: "blue" }))).taskSet as TaskSet;
    assert.deepEqual([blue.status, blue.computedDesiredCount, blue.runningCount, blue.stabilityStatus], ["ACTIVE", DESIRED, 0, "STABILIZING"]);
    const primary = await client.send(new UpdateServicePrimaryTaskSetCommand({ cluster: CLUSTER, service: SERVICE, primaryTaskSet: blue.taskSetArn }));
    assert.equal(primary.taskSet?.status, "PRIMARY");
    await server.settle();
    await assertConverged(blue, DESIRED, "blue at 100%");
    const service = await assertServiceSums(DESIRED, "blue only");
    assert.equal(service.taskDefinition, revisions.v1, "the service shows the primary's task definition");
    assert.equal(service.events?.[0]?.message, `(service ${SERVICE}) has reached a steady state.`);
  });

  it("3. green at 0% (the default) runs nothing and is steady", async () => {
    green = (await client.send(new CreateTaskSetCommand({ ...fargateTaskSet(CLUSTER, SERVICE, revisions.v2), externalId: "green" }))).taskSet as TaskSet;
    assert.deepEqual([green.scale, green.computedDesiredCount, green.status], [{ value: 0, unit: "PERCENT" }, 0, "ACTIVE"]);
    await server.settle();
    await assertConverged(green, 0, "green at 0%");
    await assertServiceSums(DESIRED, "blue 100% + green 0%");
  });

  it("4. green 10% -> 50% -> 100%: each step STABILIZING at once, then runs exactly its share", async () => {
    for (const [percent, expected] of [[10, 1], [50, 5], [100, 10]] as const) {
      const updated = (await client.send(new UpdateTaskSetCommand({ cluster: CLUSTER, service: SERVICE, taskSet: green.id, scale: { value: percent, unit: "PERCENT" } }))).taskSet;
      assert.deepEqual([updated?.scale?.value, updated?.computedDesiredCount, updated?.stabilityStatus], [percent, expected, "STABILIZING"], `green at ${percent}% as returned`);
      await server.settle();
      await assertConverged(green, expected, `green at ${percent}%`);
      await assertConverged(blue, DESIRED, `blue while green is at ${percent}%`);
      await assertServiceSums(DESIRED + expected, `blue 100% + green ${percent}%`);
    }
  });

  it("5. switching the primary: green PRIMARY, blue ACTIVE, the service shows green's parameters", async () => {
    const switched = await client.send(new UpdateServicePrimaryTaskSetCommand({ cluster: CLUSTER, service: SERVICE, primaryTaskSet: green.id }));
    assert.deepEqual([switched.taskSet?.id, switched.taskSet?.status], [green.id, "PRIMARY"]);
    const service = await serviceNow();
    assert.deepEqual(Object.fromEntries((service.taskSets ?? []).map((t) => [t.externalId, t.status])), { blue: "ACTIVE", green: "PRIMARY" });
    assert.deepEqual([service.taskDefinition, service.launchType, service.platformVersion], [revisions.v2, "FARGATE", "LATEST"]);
    assert.deepEqual(service.loadBalancers, [{ targetGroupArn: TARGET_GROUP, containerName: "app", containerPort: 8080 }]);
    await server.settle();
    await assertServiceSums(2 * DESIRED, "both at 100%");
  });

  it("6. blue to 0%: its tasks stop, green keeps running", async () => {
    const scaled = (await client.send(new UpdateTaskSetCommand({ cluster: CLUSTER, service: SERVICE, taskSet: blue.taskSetArn, scale: { value: 0, unit: "PERCENT" } }))).taskSet;
    assert.deepEqual([scaled?.computedDesiredCount, scaled?.status, scaled?.stabilityStatus], [0, "ACTIVE", "STABILIZING"]);
    await server.settle();
    await assertConverged(blue, 0, "blue at 0%");
    assert.equal(await tasksOf(blue, "STOPPED"), DESIRED, "blue's stopped tasks are still describable");
    await assertConverged(green, DESIRED, "green after blue scaled in");
    await assertServiceSums(DESIRED, "green only running");
  });

  it("7. deleting blue: DRAINING, then gone once its tasks are stopped; green alone remains, steady", async () => {
    const deleted = (await client.send(new DeleteTaskSetCommand({ cluster: CLUSTER, service: SERVICE, taskSet: blue.id }))).taskSet;
    assert.deepEqual([deleted?.status, deleted?.computedDesiredCount], ["DRAINING", 0]);
    await server.settle();
    const gone = await client.send(new DescribeTaskSetsCommand({ cluster: CLUSTER, service: SERVICE, taskSets: [blue.id ?? "", green.id ?? ""] }));
    assert.deepEqual(gone.taskSets?.map((t) => t.id), [green.id]);
    assert.deepEqual(gone.failures, [{ arn: blue.taskSetArn, reason: "MISSING" }]);
    const service = await assertServiceSums(DESIRED, "after blue is gone");
    assert.deepEqual(service.taskSets?.map((t) => [t.externalId, t.status, t.stabilityStatus]), [["green", "PRIMARY", "STEADY_STATE"]]);
    assert.deepEqual([service.desiredCount, service.taskDefinition], [DESIRED, revisions.v2]);
    assert.equal(service.events?.[0]?.message, `(service ${SERVICE}) has reached a steady state.`);
  });
});

describe("blue/green with 1 s task lifecycle steps: the in-between states are visible", () => {
  let server: TestServer;
  let client: ECSClient;
  before(async () => {
    server = await startTestServer({ stepMs: 1000 });
    client = server.client();
    await setupCluster(client, CLUSTER);
    await createExternalService(client, CLUSTER, SERVICE, 4);
  });
  after(() => server.close());

  it("pending before running, DRAINING while stopping, then gone", async () => {
    const blue = (await client.send(new CreateTaskSetCommand(fargateTaskSet(CLUSTER, SERVICE, "web:1", 100)))).taskSet as TaskSet;
    await client.send(new UpdateServicePrimaryTaskSetCommand({ cluster: CLUSTER, service: SERVICE, primaryTaskSet: blue.id }));
    await server.settle();
    await server.advance(1);
    let now = await describeTaskSet(client, CLUSTER, SERVICE, blue.id ?? "");
    assert.deepEqual([now?.runningCount, now?.pendingCount, now?.stabilityStatus], [0, 4, "STABILIZING"], "starting");
    for (let i = 0; i < 4; i++) await server.advance(1);
    now = await describeTaskSet(client, CLUSTER, SERVICE, blue.id ?? "");
    assert.deepEqual([now?.runningCount, now?.pendingCount, now?.stabilityStatus], [4, 0, "STEADY_STATE"], "running");
    const stabilityAt = now?.stabilityStatusAt?.getTime();

    const green = (await client.send(new CreateTaskSetCommand(fargateTaskSet(CLUSTER, SERVICE, "web:2", 50)))).taskSet as TaskSet;
    for (let i = 0; i < 5; i++) await server.advance(1);
    await client.send(new UpdateServicePrimaryTaskSetCommand({ cluster: CLUSTER, service: SERVICE, primaryTaskSet: green.id }));
    const deleting = (await client.send(new DeleteTaskSetCommand({ cluster: CLUSTER, service: SERVICE, taskSet: blue.id }))).taskSet;
    assert.equal(deleting?.status, "DRAINING");
    assert.ok((deleting?.stabilityStatusAt?.getTime() ?? 0) > (stabilityAt ?? 0), "stabilityStatusAt moves with the status");
    await server.settle();
    await server.advance(1);
    now = await describeTaskSet(client, CLUSTER, SERVICE, blue.id ?? "");
    assert.deepEqual([now?.status, now?.runningCount, now?.pendingCount], ["DRAINING", 0, 0], "stopping tasks no longer count as running");
    for (let i = 0; i < 5; i++) await server.advance(1);
    const gone = await client.send(new DescribeTaskSetsCommand({ cluster: CLUSTER, service: SERVICE, taskSets: [blue.id ?? ""] }));
    assert.deepEqual(gone.taskSets, []);
    const service = await describeService(client, CLUSTER, SERVICE);
    assert.deepEqual([service?.runningCount, service?.taskSets?.map((t) => [t.id, t.runningCount, t.stabilityStatus])], [2, [[green.id, 2, "STEADY_STATE"]]]);
  });
});
