// The store under churn: a stopped task stays describable for its retention, but costs a fraction of
// a page, is read by no reconcile, is forgotten in batches, and its space goes back to the disk.
import * as assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import {
  CreateClusterCommand,
  CreateServiceCommand,
  DescribeTasksCommand,
  type ECSClient,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
  UpdateServiceCommand,
} from "@aws-sdk/client-ecs";
import Database from "better-sqlite3";
import { startTestServer, type TestServer } from "./harness";

const SERVICES = 4;
const TASKS = 150;
const ROUNDS = 3;

async function listAll(ecs: ECSClient, input: { cluster: string; desiredStatus?: "STOPPED" | "RUNNING"; serviceName?: string }): Promise<string[]> {
  const arns: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await ecs.send(new ListTasksCommand({ ...input, maxResults: 100, nextToken }));
    arns.push(...(page.taskArns ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return arns;
}

describe("stopped tasks under churn", () => {
  let dir = "";
  let server: TestServer;
  let ecs: ECSClient;
  let file = "";
  /** What the store's file holds now: pages in use and task rows, read on a connection of our own. */
  const usage = () => {
    const db = new Database(file, { readonly: true });
    try {
      const free = db.pragma("freelist_count", { simple: true }) as number;
      const used = (db.pragma("page_count", { simple: true }) as number) - free;
      const tasks = (db.prepare("SELECT COUNT(*) FROM resources WHERE kind = 'task'").pluck().get() as number) ?? 0;
      return { usedBytes: used * (db.pragma("page_size", { simple: true }) as number), tasks, free, pages: db.pragma("page_count", { simple: true }) as number };
    } finally {
      db.close();
    }
  };

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "ecslite-growth-"));
    file = path.join(dir, "ecslite.sqlite");
    // No event backlog: its (bounded) size is not what is measured here.
    server = await startTestServer({ inMemory: false, dataDir: dir, eventBacklog: 0 });
    ecs = server.client();
    await ecs.send(new CreateClusterCommand({ clusterName: "churn" }));
    await ecs.send(new RegisterTaskDefinitionCommand({ family: "web", requiresCompatibilities: ["FARGATE"], networkMode: "awsvpc", cpu: "256", memory: "512", containerDefinitions: [{ name: "app", image: "nginx", portMappings: [{ containerPort: 80 }] }] }));
    for (let s = 0; s < SERVICES; s++) {
      await ecs.send(new CreateServiceCommand({ cluster: "churn", serviceName: `s${s}`, taskDefinition: "web", desiredCount: 0, launchType: "FARGATE", networkConfiguration: { awsvpcConfiguration: { subnets: ["subnet-1"] } } }));
    }
    for (let round = 0; round < ROUNDS; round++) {
      for (const desiredCount of [TASKS, 0]) {
        for (let s = 0; s < SERVICES; s++) await ecs.send(new UpdateServiceCommand({ cluster: "churn", service: `s${s}`, desiredCount }));
        await server.settle();
      }
    }
  });
  after(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("disk grows under churn (regression): a stopped task kept for describing takes a fraction of a 4 KiB page", (t) => {
    const { usedBytes, tasks } = usage();
    assert.equal(tasks, SERVICES * TASKS * ROUNDS);
    const perTask = usedBytes / tasks;
    t.diagnostic(`${Math.round(perTask)} bytes of store per stopped task`);
    // A task's JSON is about 2 KB; stored as is, each took a page of its own (4.5 KB a task with indexes).
    assert.ok(perTask < 2000, `${Math.round(perTask)} bytes of store per stopped task`);
  });

  it("stopped tasks are described and listed in full, by service and by cluster", async () => {
    const stopped = await listAll(ecs, { cluster: "churn", desiredStatus: "STOPPED" });
    assert.equal(stopped.length, SERVICES * TASKS * ROUNDS);
    assert.equal((await listAll(ecs, { cluster: "churn", desiredStatus: "STOPPED", serviceName: "s1" })).length, TASKS * ROUNDS);
    assert.deepEqual(await listAll(ecs, { cluster: "churn" }), [], "none is RUNNING");
    const described = (await ecs.send(new DescribeTasksCommand({ cluster: "churn", tasks: stopped.slice(0, 100) }))).tasks ?? [];
    assert.equal(described.length, 100);
    for (const task of described) {
      assert.equal(task.lastStatus, "STOPPED");
      assert.match(task.stoppedReason ?? "", /^Scaling activity initiated by \(deployment ecs-svc\/\d+\)$/);
      assert.equal(task.containers?.[0]?.name, "app");
      assert.equal(task.attachments?.[0]?.status, "DELETED");
      assert.ok(task.attachments?.[0]?.details?.some((d) => d.name === "privateIPv4Address"));
      assert.ok(task.stoppedAt instanceof Date && task.startedAt instanceof Date);
    }
  });

  it("stopped tasks are not what a reconcile reads: the owner's live listing holds none", async () => {
    const serviceArn = `arn:aws:ecs:us-east-1:000000000000:service/churn/s0`;
    const live = await server.store.transaction((tx) => tx.list("task", { scope: "000000000000/us-east-1", parent: "arn:aws:ecs:us-east-1:000000000000:cluster/churn", name: serviceArn }));
    assert.deepEqual(live.map((t) => t.task.lastStatus), []);
  });

  it("after the retention they are forgotten and the file gives the space back", async () => {
    const before = usage();
    await server.advance(3600 + 1);
    assert.deepEqual(await listAll(ecs, { cluster: "churn", desiredStatus: "STOPPED" }), []);
    assert.equal(usage().tasks, 0);
    // The checkpoint worker hands free pages back, 256 at a time, until fewer than 256 are left.
    const deadline = Date.now() + 15_000;
    while (usage().free >= 256) {
      if (Date.now() > deadline) assert.fail(`the file kept ${usage().free} free pages of ${usage().pages}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(usage().pages < before.pages, `the file shrank from ${before.pages} pages to ${usage().pages}`);
  });
});
