// The scheduler works in bounded steps whatever the store holds: a huge desired count (written
// before the quota was enforced) converges in batches while requests are answered, and a row whose
// reconcile throws is backed off on its own while every other row, of every account, goes on.
import * as assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import {
  CreateClusterCommand,
  CreateServiceCommand,
  CreateTaskSetCommand,
  DescribeClustersCommand,
  DescribeTaskSetsCommand,
  type ECSClient,
  DescribeServicesCommand,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
  type TaskSet,
  UpdateServiceCommand,
  UpdateTaskSetCommand,
} from "@aws-sdk/client-ecs";
import { MAX_STARTS_PER_RECONCILE } from "../src/scheduler/reconcileTaskSet";
import { MIN_PASS_GAP_MS } from "../src/scheduler/scheduler";
import { startTestServer, type TestServer, useServer } from "./harness";

async function externalTaskSet(ecs: ECSClient, cluster: string, service: string, desiredCount: number): Promise<string> {
  await ecs.send(new CreateClusterCommand({ clusterName: cluster }));
  await ecs.send(new RegisterTaskDefinitionCommand({ family: "web", requiresCompatibilities: ["FARGATE"], networkMode: "awsvpc", cpu: "256", memory: "512", containerDefinitions: [{ name: "app", image: "nginx" }] }));
  await ecs.send(new CreateServiceCommand({ cluster, serviceName: service, desiredCount, deploymentController: { type: "EXTERNAL" } }));
  const created = await ecs.send(
    new CreateTaskSetCommand({ cluster, service, taskDefinition: "web", launchType: "FARGATE", networkConfiguration: { awsvpcConfiguration: { subnets: ["subnet-1"] } }, scale: { value: 100, unit: "PERCENT" } }),
  );
  return created.taskSet?.taskSetArn ?? "";
}

const NETWORK = { awsvpcConfiguration: { subnets: ["subnet-1"] } };

async function countTasks(ecs: ECSClient, cluster: string, input: { serviceName?: string; desiredStatus?: "STOPPED" } = {}): Promise<number> {
  let n = 0;
  let nextToken: string | undefined;
  do {
    const page = await ecs.send(new ListTasksCommand({ cluster, ...input, maxResults: 100, nextToken }));
    n += page.taskArns?.length ?? 0;
    nextToken = page.nextToken;
  } while (nextToken);
  return n;
}

describe("the scheduler works in bounded steps", () => {
  const server = useServer({ maxTasksPerService: 1000 });

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

describe("a restart on a data directory holding huge services", () => {
  let dir = "";
  let server: TestServer | undefined;
  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "ecslite-huge-"));
    // Written by a process whose quota allowed it (as a store written before the quota was enforced
    // holds it), without a scheduler, so the restart finds all of it still to do.
    const writer = await startTestServer({ inMemory: false, dataDir: dir, scheduler: false, maxTasksPerService: 2_000_000 });
    try {
      const ecs = writer.client();
      await externalTaskSet(ecs, "huge", "external", 2_000_000);
      await ecs.send(new CreateServiceCommand({ cluster: "huge", serviceName: "rolling", taskDefinition: "web", desiredCount: 2_000_000, launchType: "FARGATE", networkConfiguration: NETWORK }));
    } finally {
      await writer.close();
    }
  });
  after(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("unbounded counts take the server down (regression): restarted on a store holding a service and a task set of 2,000,000 tasks, ecslite answers at once and converges in batches to the quota", async () => {
    server = await startTestServer({ inMemory: false, dataDir: dir, maxTasksPerService: 1000 });
    const ecs = server.client();
    const reconcilesBefore = server.scheduler?.stats.reconciles ?? 0;
    const settling = server.settle();
    let slowest = 0;
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      const services = (await ecs.send(new DescribeServicesCommand({ cluster: "huge", services: ["rolling", "external"] }))).services ?? [];
      slowest = Math.max(slowest, performance.now() - t0);
      assert.deepEqual(services.map((s) => s.desiredCount), [2_000_000, 2_000_000], "the stored counts are shown as stored");
    }
    assert.ok(slowest < 2000, `a request waited ${Math.round(slowest)} ms behind the scheduler`);
    await settling;
    assert.equal(await countTasks(ecs, "huge", { serviceName: "rolling" }), 1000, "the service stopped at the quota");
    assert.equal(await countTasks(ecs, "huge"), 2000, "and so did the task set");
    const reconciles = (server.scheduler?.stats.reconciles ?? 0) - reconcilesBefore;
    assert.ok(reconciles >= (2 * 1000) / MAX_STARTS_PER_RECONCILE, `in batches of at most ${MAX_STARTS_PER_RECONCILE}: ${reconciles} reconciles`);
    assert.equal(server.scheduler?.stats.failedReconciles, 0, "no reconcile threw");
    // Brought within the quota, the service is an ordinary one again.
    await ecs.send(new UpdateServiceCommand({ cluster: "huge", service: "rolling", desiredCount: 3 }));
    await server.settle();
    assert.equal(await countTasks(ecs, "huge", { serviceName: "rolling" }), 3);
  });
});

describe("settle says when work is still due after its passes", () => {
  it("settle gave up silently (a scheduler that kept itself due looked settled): it returns false and logs a warning (the settle endpoint answers \"unsettled\" then)", async () => {
    const lines: string[] = [];
    const server = await startTestServer({ maxTasksPerService: 1000, logLevel: "warn", logFormat: "json" }, { logDestination: { write: (chunk: string) => lines.push(...chunk.split("\n").filter(Boolean)) } });
    try {
      const ecs = server.client();
      await externalTaskSet(ecs, "big", "svc", 3 * MAX_STARTS_PER_RECONCILE);
      // Starting 750 tasks takes three reconciles: one pass cannot settle it.
      assert.equal(await server.scheduler?.settle(1), false);
      assert.ok(lines.some((l) => /work still due after 1 passes/.test(l)), lines.join("\n"));
      const answer = (await (await fetch(`${server.url}/_ecslite/scheduler/settle`, { method: "POST" })).json()) as { status: string };
      assert.equal(answer.status, "settled", "the default bound is plenty");
      assert.equal(await countTasks(ecs, "big"), 3 * MAX_STARTS_PER_RECONCILE);
      assert.equal(await server.scheduler?.settle(1), true, "nothing left: settled at once");
    } finally {
      await server.close();
    }
  });
});

describe("a failing row is isolated", () => {
  const server = useServer({ logLevel: "error" });

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

describe("a failing task row is isolated from the task rows sharing its transaction", () => {
  const server = useServer({ logLevel: "error" });

  it("one failing row stops scheduling for every account (regression): a broken task row among 300 stopped tasks due to be forgotten is backed off alone; the others are forgotten", async () => {
    const ecs = server.client();
    await ecs.send(new CreateClusterCommand({ clusterName: "churn" }));
    await ecs.send(new RegisterTaskDefinitionCommand({ family: "web", requiresCompatibilities: ["FARGATE"], networkMode: "awsvpc", cpu: "256", memory: "512", containerDefinitions: [{ name: "app", image: "nginx" }] }));
    await ecs.send(new CreateServiceCommand({ cluster: "churn", serviceName: "svc", taskDefinition: "web", desiredCount: 301, launchType: "FARGATE", networkConfiguration: NETWORK }));
    await server.settle();
    await ecs.send(new UpdateServiceCommand({ cluster: "churn", service: "svc", desiredCount: 0 }));
    await server.settle();
    const stopped = await countTasks(ecs, "churn", { desiredStatus: "STOPPED" });
    assert.equal(stopped, 301);
    // One of them becomes a row this version cannot step (a standalone task naming a task definition
    // that is not a string), due when the others are due to be forgotten.
    const [first] = (await ecs.send(new ListTasksCommand({ cluster: "churn", desiredStatus: "STOPPED", maxResults: 1 }))).taskArns ?? [];
    await server.store.transaction(async (tx) => {
      const record = await tx.get("task", first);
      assert.ok(record?.forgetAt);
      const { forgetAt, retired: _retired, ...rest } = record;
      await tx.put("task", { ...rest, owner: "", nextStepAt: forgetAt, task: { ...record.task, lastStatus: "RUNNING", desiredStatus: "RUNNING", taskDefinitionArn: { not: "a string" } as unknown as string } });
    });
    const failedBefore = server.scheduler?.stats.failedReconciles ?? 0;
    // Every row is due at once: 301 task rows, 200 to a transaction on SQLite.
    await server.advance(3600 + 1);
    assert.equal(await countTasks(ecs, "churn", { desiredStatus: "STOPPED" }), 0, "the 300 others were forgotten");
    assert.equal((server.scheduler?.stats.failedReconciles ?? 0) - failedBefore, 1, "the broken row failed once, on its own");
    for (let i = 0; i < 5; i++) await server.advance(1);
    const failed = (server.scheduler?.stats.failedReconciles ?? 0) - failedBefore;
    assert.ok(failed >= 2 && failed <= 4, `and was retried with backoff (1 s, 2 s, 4 s), not in every pass: ${failed} failures in 6 s`);
  });
});

describe("under a stream of writes, one pass takes up what many requests changed", () => {
  let server: TestServer;
  before(async () => {
    // The real clock and a loop woken by each request, as a deploy tool or a benchmark drives it.
    server = await startTestServer({ clock: "real", stepMs: 0, schedulerIntervalMs: 1000 });
  });
  after(() => server.close());

  it("passes start at least MIN_PASS_GAP_MS apart however often writes wake the loop, and the last write is still reconciled at once", async () => {
    const ecs = server.client();
    const setArn = await externalTaskSet(ecs, "burst", "svc", 4);
    const scheduler = server.scheduler as NonNullable<TestServer["scheduler"]>;
    await server.settle();
    const passesBefore = scheduler.stats.passes;
    const started = performance.now();
    // For 200 ms, at every turn of the event loop: the set made due, as a write does, and the loop woken.
    while (performance.now() - started < 200) {
      await server.store.transaction(async (tx) => {
        const record = await tx.get("taskSet", setArn);
        if (record) await tx.put("taskSet", { ...record, reconcileAt: server.clock.now() });
      });
      scheduler.wake();
      await new Promise((resolve) => setImmediate(resolve));
    }
    const elapsed = performance.now() - started;
    const passes = scheduler.stats.passes - passesBefore;
    assert.ok(passes >= 2, `${passes} passes in ${elapsed.toFixed(0)} ms: the loop must keep running`);
    assert.ok(passes <= Math.ceil(elapsed / MIN_PASS_GAP_MS) + 1, `${passes} passes in ${elapsed.toFixed(0)} ms`);
    await ecs.send(new UpdateTaskSetCommand({ cluster: "burst", service: "svc", taskSet: setArn, scale: { value: 50, unit: "PERCENT" } }));
    // No settle: the loop itself brings the set to its last scale within a few gaps.
    const deadline = performance.now() + 2000;
    let set: TaskSet | undefined;
    while (performance.now() < deadline) {
      set = (await ecs.send(new DescribeTaskSetsCommand({ cluster: "burst", service: "svc", taskSets: [setArn] }))).taskSets?.[0];
      if (set?.runningCount === 2 && set.stabilityStatus === "STEADY_STATE") break;
      await new Promise((resolve) => setTimeout(resolve, MIN_PASS_GAP_MS));
    }
    assert.equal(set?.computedDesiredCount, 2);
    assert.equal(set?.runningCount, 2);
    assert.equal(set?.stabilityStatus, "STEADY_STATE");
  });
});
