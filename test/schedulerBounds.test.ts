// The scheduler works in bounded steps whatever the store holds: a huge desired count (written
// before the quota was enforced) converges in batches while requests are answered, and a row whose
// reconcile throws is backed off on its own while every other row, of every account, goes on.
import * as assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  CreateClusterCommand,
  CreateServiceCommand,
  CreateTaskSetCommand,
  DescribeClustersCommand,
  DescribeTaskSetsCommand,
  type ECSClient,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
} from "@aws-sdk/client-ecs";
import { MAX_STARTS_PER_RECONCILE } from "../src/scheduler/reconcileTaskSet";
import { startTestServer, type TestServer } from "./harness";

async function externalTaskSet(ecs: ECSClient, cluster: string, service: string, desiredCount: number): Promise<string> {
  await ecs.send(new CreateClusterCommand({ clusterName: cluster }));
  await ecs.send(new RegisterTaskDefinitionCommand({ family: "web", requiresCompatibilities: ["FARGATE"], networkMode: "awsvpc", cpu: "256", memory: "512", containerDefinitions: [{ name: "app", image: "nginx" }] }));
  await ecs.send(new CreateServiceCommand({ cluster, serviceName: service, desiredCount, deploymentController: { type: "EXTERNAL" } }));
  const created = await ecs.send(
    new CreateTaskSetCommand({ cluster, service, taskDefinition: "web", launchType: "FARGATE", networkConfiguration: { awsvpcConfiguration: { subnets: ["subnet-1"] } }, scale: { value: 100, unit: "PERCENT" } }),
  );
  return created.taskSet?.taskSetArn ?? "";
}

async function countTasks(ecs: ECSClient, cluster: string): Promise<number> {
  let n = 0;
  let nextToken: string | undefined;
  do {
    const page = await ecs.send(new ListTasksCommand({ cluster, maxResults: 100, nextToken }));
    n += page.taskArns?.length ?? 0;
    nextToken = page.nextToken;
  } while (nextToken);
  return n;
}

describe("the scheduler works in bounded steps", () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ maxTasksPerService: 1000 });
  });
  after(() => server.close());

  it("unbounded counts take the server down (regression): a stored desired count of 2^32 converges in batches to the quota while requests are answered", async () => {
    const ecs = server.client({ accessKeyId: "111111111111" });
    const arn = await externalTaskSet(ecs, "huge", "svc", 1);
    await server.settle();
    // As a store written before desiredCount was bounded holds it.
    await server.store.transaction(async (tx) => {
      const record = await tx.get("taskSet", arn);
      assert.ok(record);
      await tx.put("taskSet", { ...record, taskSet: { ...record.taskSet, computedDesiredCount: 2 ** 32 }, reconcileAt: server.clock.now() });
    });
    const reconcilesBefore = server.scheduler?.stats.reconciles ?? 0;
    const settling = server.settle();
    // Requests are answered while it converges.
    const t0 = performance.now();
    const answered = await ecs.send(new DescribeClustersCommand({ clusters: ["huge"] }));
    assert.equal(answered.clusters?.length, 1);
    assert.ok(performance.now() - t0 < 2000, `a request waited ${Math.round(performance.now() - t0)} ms behind the scheduler`);
    await settling;
    assert.equal(await countTasks(ecs, "huge"), 1000, "stopped at the tasks-per-service quota, not at 2^32");
    const reconciles = (server.scheduler?.stats.reconciles ?? 0) - reconcilesBefore;
    assert.ok(reconciles >= 1000 / MAX_STARTS_PER_RECONCILE, `in batches: ${reconciles} reconciles`);
    assert.equal(server.scheduler?.stats.failedReconciles, 0, "no reconcile threw");
  });
});

describe("a failing row is isolated", () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ logLevel: "error" });
  });
  after(() => server.close());

  it("one failing row stops scheduling for every account (regression): a row that throws is backed off, and another account's task set converges", async () => {
    const victim = server.client({ accessKeyId: "222222222222" });
    const brokenArn = await externalTaskSet(victim, "broken", "svc", 2);
    // A stored record this version cannot reconcile (as a bug, or a store from another version, could leave one),
    // due since the beginning of time, so it comes first in every pass.
    await server.store.transaction(async (tx) => {
      const record = await tx.get("taskSet", brokenArn);
      assert.ok(record);
      await tx.put("taskSet", { ...record, taskSet: { ...record.taskSet, taskDefinition: { not: "a string" } as unknown as string }, reconcileAt: 1 });
    });
    const other = server.client({ accessKeyId: "333333333333" });
    const healthyArn = await externalTaskSet(other, "healthy", "svc", 3);
    for (let i = 0; i < 5; i++) await server.advance(1);
    const set = (await other.send(new DescribeTaskSetsCommand({ cluster: "healthy", service: "svc", taskSets: [healthyArn] }))).taskSets?.[0];
    assert.equal(set?.runningCount, 3, "the other account's task set converged");
    assert.equal(set?.stabilityStatus, "STEADY_STATE");
    const failed = server.scheduler?.stats.failedReconciles ?? 0;
    assert.ok(failed >= 1 && failed <= 4, `the broken row was retried with backoff (1 s, 2 s, 4 s), not in every pass: ${failed} failures in 5 s`);
  });
});
