// The blue/green flow a deploy controller runs against an EXTERNAL service, through the SDK, on the
// harness's virtual clock: blue at 100%, green at 0%, green 10 -> 50 -> 100, switch the primary,
// blue to 0, delete blue. After every step the scheduler settles and the counts must add up.
import * as assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  CreateServiceCommand,
  CreateTaskSetCommand,
  DeleteTaskSetCommand,
  DeregisterTaskDefinitionCommand,
  DescribeServicesCommand,
  DescribeTaskSetsCommand,
  type ECSClient,
  ListTasksCommand,
  type Service,
  type TaskSet,
  UpdateServicePrimaryTaskSetCommand,
  UpdateTaskSetCommand,
} from "@aws-sdk/client-ecs";
import { startTestServer, type TestServer } from "./harness";
import { createExternalService, describeService, describeTaskSet, fargateTaskSet, HEALTHY_AFTER_SECONDS, type Revisions, setupCluster, TARGET_GROUP } from "./taskSetFixtures";

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
    await server.advance(HEALTHY_AFTER_SECONDS);
    await assertServiceSums(0, "empty");
  });

  it("2. blue at 100% becomes the primary and runs the whole desired count", async () => {
    blue = (await client.send(new CreateTaskSetCommand({ ...fargateTaskSet(CLUSTER, SERVICE, "web:1", 100), externalId: "blue" }))).taskSet as TaskSet;
    assert.deepEqual([blue.status, blue.computedDesiredCount, blue.runningCount, blue.stabilityStatus], ["ACTIVE", DESIRED, 0, "STABILIZING"]);
    const primary = await client.send(new UpdateServicePrimaryTaskSetCommand({ cluster: CLUSTER, service: SERVICE, primaryTaskSet: blue.taskSetArn }));
    assert.equal(primary.taskSet?.status, "PRIMARY");
    await server.advance(HEALTHY_AFTER_SECONDS);
    await assertConverged(blue, DESIRED, "blue at 100%");
    const service = await assertServiceSums(DESIRED, "blue only");
    assert.equal(service.taskDefinition, revisions.v1, "the service shows the primary's task definition");
    assert.equal(service.events?.[0]?.message, `(service ${SERVICE}) has reached a steady state.`);
  });

  it("3. green at 0% (the default) runs nothing and is steady", async () => {
    green = (await client.send(new CreateTaskSetCommand({ ...fargateTaskSet(CLUSTER, SERVICE, revisions.v2), externalId: "green" }))).taskSet as TaskSet;
    assert.deepEqual([green.scale, green.computedDesiredCount, green.status], [{ value: 0, unit: "PERCENT" }, 0, "ACTIVE"]);
    await server.advance(HEALTHY_AFTER_SECONDS);
    await assertConverged(green, 0, "green at 0%");
    await assertServiceSums(DESIRED, "blue 100% + green 0%");
  });

  it("4. green 10% -> 50% -> 100%: each step STABILIZING at once, then runs exactly its share", async () => {
    for (const [percent, expected] of [[10, 1], [50, 5], [100, 10]] as const) {
      const updated = (await client.send(new UpdateTaskSetCommand({ cluster: CLUSTER, service: SERVICE, taskSet: green.id, scale: { value: percent, unit: "PERCENT" } }))).taskSet;
      assert.deepEqual([updated?.scale?.value, updated?.computedDesiredCount, updated?.stabilityStatus], [percent, expected, "STABILIZING"], `green at ${percent}% as returned`);
      await server.advance(HEALTHY_AFTER_SECONDS);
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
    await server.advance(HEALTHY_AFTER_SECONDS);
    await assertServiceSums(2 * DESIRED, "both at 100%");
  });

  it("6. blue to 0%: its tasks stop, green keeps running", async () => {
    const scaled = (await client.send(new UpdateTaskSetCommand({ cluster: CLUSTER, service: SERVICE, taskSet: blue.taskSetArn, scale: { value: 0, unit: "PERCENT" } }))).taskSet;
    assert.deepEqual([scaled?.computedDesiredCount, scaled?.status, scaled?.stabilityStatus], [0, "ACTIVE", "STABILIZING"]);
    await server.advance(HEALTHY_AFTER_SECONDS);
    await assertConverged(blue, 0, "blue at 0%");
    assert.equal(await tasksOf(blue, "STOPPED"), DESIRED, "blue's stopped tasks are still describable");
    await assertConverged(green, DESIRED, "green after blue scaled in");
    await assertServiceSums(DESIRED, "green only running");
  });

  it("7. deleting blue: DRAINING, then gone once its tasks are stopped; green alone remains, steady", async () => {
    const deleted = (await client.send(new DeleteTaskSetCommand({ cluster: CLUSTER, service: SERVICE, taskSet: blue.id }))).taskSet;
    assert.deepEqual([deleted?.status, deleted?.computedDesiredCount], ["DRAINING", 0]);
    await server.advance(HEALTHY_AFTER_SECONDS);
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
    assert.deepEqual([now?.runningCount, now?.pendingCount, now?.stabilityStatus], [4, 0, "STABILIZING"], "running, targets in their initial health checks");
    await server.advance(HEALTHY_AFTER_SECONDS);
    now = await describeTaskSet(client, CLUSTER, SERVICE, blue.id ?? "");
    assert.deepEqual([now?.runningCount, now?.pendingCount, now?.stabilityStatus], [4, 0, "STEADY_STATE"], "running, targets healthy");
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
    await server.advance(HEALTHY_AFTER_SECONDS);
    const gone = await client.send(new DescribeTaskSetsCommand({ cluster: CLUSTER, service: SERVICE, taskSets: [blue.id ?? ""] }));
    assert.deepEqual(gone.taskSets, []);
    const service = await describeService(client, CLUSTER, SERVICE);
    assert.deepEqual([service?.runningCount, service?.taskSets?.map((t) => [t.id, t.runningCount, t.stabilityStatus])], [2, [[green.id, 2, "STEADY_STATE"]]]);
  });
});

describe("the calls real controllers make", () => {
  let server: TestServer;
  let client: ECSClient;
  let revisions: Revisions;
  before(async () => {
    server = await startTestServer();
    client = server.client();
    revisions = await setupCluster(client, CLUSTER);
  });
  after(() => server.close());

  it("PipeCD's quick sync: a new set at 100% made primary, the previous ones deleted without force, their task definitions deregistered", async () => {
    const service = (
      await client.send(
        new CreateServiceCommand({
          cluster: arnOf("cluster/prod"),
          serviceName: "quick",
          desiredCount: 3,
          deploymentController: { type: "EXTERNAL" },
          deploymentConfiguration: { maximumPercent: 200, minimumHealthyPercent: 100 },
          platformVersion: "LATEST",
          propagateTags: "SERVICE",
          schedulingStrategy: "REPLICA",
          tags: [{ key: "pipecd-dev-managed-by", value: "piped" }],
        }),
      )
    ).service as Service;
    const sync = async (taskDefinition: string) => {
      const listed = (await client.send(new DescribeServicesCommand({ cluster: service.clusterArn, services: [service.serviceArn ?? ""] }))).services?.[0];
      const previous = (listed?.taskSets ?? []).filter((t) => t.status !== "DRAINING").map((t) => t.taskSetArn ?? "");
      const previousSets = previous.length
        ? ((await client.send(new DescribeTaskSetsCommand({ cluster: service.clusterArn, service: service.serviceArn, taskSets: previous, include: ["TAGS"] }))).taskSets ?? [])
        : [];
      const created = (
        await client.send(
          new CreateTaskSetCommand({ ...fargateTaskSet(service.clusterArn ?? "", service.serviceArn ?? "", taskDefinition, 100), tags: [{ key: "pipecd-dev-managed-by", value: "piped" }] }),
        )
      ).taskSet as TaskSet;
      await server.advance(HEALTHY_AFTER_SECONDS);
      await client.send(new UpdateServicePrimaryTaskSetCommand({ cluster: service.clusterArn, service: service.serviceArn, primaryTaskSet: created.taskSetArn }));
      for (const old of previousSets) {
        await client.send(new DeleteTaskSetCommand({ cluster: old.clusterArn, service: old.serviceArn, taskSet: old.taskSetArn }));
        await client.send(new DeregisterTaskDefinitionCommand({ taskDefinition: old.taskDefinition }));
      }
      await server.advance(HEALTHY_AFTER_SECONDS);
      return created;
    };
    const first = await sync(revisions.v1);
    const second = await sync(revisions.v2);
    const now = (await client.send(new DescribeServicesCommand({ cluster: CLUSTER, services: ["quick"] }))).services?.[0];
    assert.deepEqual(now?.taskSets?.map((t) => [t.id, t.status, t.runningCount, t.stabilityStatus]), [[second.id, "PRIMARY", 3, "STEADY_STATE"]]);
    assert.deepEqual([now?.runningCount, now?.pendingCount, now?.desiredCount, now?.taskDefinition], [3, 0, 3, revisions.v2]);
    assert.equal(await runningTasks(first.id ?? ""), 0, "the first set's tasks stopped although its task definition was deregistered");
  });

  it("Terraform's aws_ecs_task_set: ARNs for cluster and service, a clientToken and tags, read with include TAGS, destroyed without force_delete", async () => {
    const service = (
      await client.send(new CreateServiceCommand({ cluster: CLUSTER, serviceName: "tf", desiredCount: 1, clientToken: "terraform-2024010112000000000001", deploymentController: { type: "EXTERNAL" }, deploymentConfiguration: {} }))
    ).service as Service;
    const input = { ...fargateTaskSet(service.clusterArn ?? "", service.serviceArn ?? "", revisions.v2, 100), clientToken: "terraform-2024010112000000000002", tags: [{ key: "Name", value: "tf" }] };
    const created = (await client.send(new CreateTaskSetCommand(input))).taskSet as TaskSet;
    // A retried create (Terraform retries on ClusterNotFound and the like) must not make a second set.
    assert.equal((await client.send(new CreateTaskSetCommand(input))).taskSet?.id, created.id);
    await server.advance(HEALTHY_AFTER_SECONDS);
    const read = await client.send(new DescribeTaskSetsCommand({ cluster: service.clusterArn, service: service.serviceArn, taskSets: [created.id ?? ""], include: ["TAGS"] }));
    assert.deepEqual(read.taskSets?.map((t) => [t.stabilityStatus, t.status, t.runningCount, t.tags]), [["STEADY_STATE", "ACTIVE", 1, [{ key: "Name", value: "tf" }]]]);
    const updated = await client.send(new UpdateTaskSetCommand({ cluster: service.clusterArn, service: service.serviceArn, taskSet: created.id, scale: { value: 0, unit: "PERCENT" } }));
    assert.equal(updated.taskSet?.computedDesiredCount, 0);
    await client.send(new UpdateTaskSetCommand({ cluster: service.clusterArn, service: service.serviceArn, taskSet: created.id, scale: { value: 100, unit: "PERCENT" } }));
    await server.advance(HEALTHY_AFTER_SECONDS);
    const deleted = await client.send(new DeleteTaskSetCommand({ cluster: service.clusterArn, service: service.serviceArn, taskSet: created.id, force: false }));
    assert.equal(deleted.taskSet?.status, "DRAINING");
    await server.advance(HEALTHY_AFTER_SECONDS);
    const gone = await client.send(new DescribeTaskSetsCommand({ cluster: service.clusterArn, service: service.serviceArn, taskSets: [created.id ?? ""], include: ["TAGS"] }));
    assert.deepEqual([gone.taskSets, gone.failures?.[0]?.reason], [[], "MISSING"], "Terraform's wait for deletion ends");
  });

  const arnOf = (path: string) => `arn:aws:ecs:us-east-1:000000000000:${path}`;
  const runningTasks = async (id: string) => (await client.send(new ListTasksCommand({ cluster: CLUSTER, startedBy: id }))).taskArns?.length ?? 0;
});
