// How the event backlog keeps events: a task state change as the task's snapshot, packed against
// the batch's task event before it, a large batch deflated in SQLite. What a reader gets back must
// be byte for byte the event the task gives at commit: checked against the documented detail built
// directly from the task (the oracle below), for generated tasks whose fields often repeat (so
// packing is exercised), through the capturing store on SQLite in memory and on disk; batches in
// the earlier full form are still read; and over HTTP, the events a reader streamed live are the
// ones a reader gets after a restart on the same data directory.
import * as assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { after, describe, it } from "node:test";
import { CreateClusterCommand, CreateServiceCommand, RegisterTaskDefinitionCommand, UpdateServiceCommand } from "@aws-sdk/client-ecs";
import Database from "better-sqlite3";
import { EventSource } from "eventsource";
import fc from "fast-check";
import type { EventBatchRecord, StoredEvent, TaskRecord } from "../src/domain/records";
import { batchArn, eventsOf, readEvents } from "../src/events/backlog";
import { EventCapturingStore } from "../src/events/capture";
import { TASK_CONTAINER_FIELDS, TASK_DETAIL_FIELDS } from "../src/events/detail";
import { envelope } from "../src/events/envelope";
import { SqliteStore } from "../src/store/sqlite";
import { startTestServer, type TestServer } from "./harness";

const TIMESTAMPS = new Set(["connectivityAt", "createdAt", "executionStoppedAt", "pullStartedAt", "pullStoppedAt", "startedAt", "stoppedAt", "stoppingAt"]);

/** The detail of ECS's task state change, built directly from the task: its documented fields, timestamps as ISO strings, updatedAt the commit's time. */
function documentedDetail(task: Record<string, unknown>, nowMs: number): Record<string, unknown> {
  const detail: Record<string, unknown> = {};
  for (const field of TASK_DETAIL_FIELDS) {
    const value = task[field];
    if (value === undefined || value === null) continue;
    if (TIMESTAMPS.has(field) && typeof value === "number") detail[field] = new Date(Math.round(value * 1000)).toISOString();
    else if (field === "containers") {
      detail[field] = (value as Record<string, unknown>[]).map((container) => {
        const out: Record<string, unknown> = {};
        for (const f of TASK_CONTAINER_FIELDS) if (container[f] !== undefined && container[f] !== null) out[f] = container[f];
        return out;
      });
    } else detail[field] = value;
  }
  detail.updatedAt = new Date(nowMs).toISOString();
  return detail;
}

/** The event's envelope as the stream sends it, from the task directly. */
function documentedEvent(task: Record<string, unknown>, id: string, nowMs: number): string {
  const arn = String(task.taskArn);
  const [, , , region, account] = arn.split(":");
  return JSON.stringify({
    version: "0",
    id,
    "detail-type": "ECS Task State Change",
    source: "aws.ecs",
    account,
    time: `${new Date(nowMs).toISOString().slice(0, 19)}Z`,
    region,
    resources: [arn],
    detail: documentedDetail(task, nowMs),
  });
}

/** A value from a small pool, fresh each time (equal values are separate objects, as tasks parsed from the store are). */
function pooled<T>(pool: readonly T[]): fc.Arbitrary<T | undefined> {
  return fc.option(fc.constantFrom(...pool).map((v) => JSON.parse(JSON.stringify(v)) as T), { nil: undefined, freq: 5 });
}

const timestamp = fc.oneof(fc.constantFrom(1_700_000_000.123, 1_795_633_516.301, 0), fc.double({ min: 0, max: 4e9, noNaN: true }), fc.constant("2020-01-01T00:00:00Z"));
const container = fc.record(
  {
    containerArn: fc.constantFrom("arn:aws:ecs:us-east-1:111122223333:container/c/1/app", "arn:aws:ecs:us-east-1:111122223333:container/c/2/app"),
    name: fc.constantFrom("app", "sidecar"),
    lastStatus: fc.constantFrom("PENDING", "RUNNING", "STOPPED"),
    exitCode: fc.integer({ min: 0, max: 2 }),
    networkInterfaces: fc.constantFrom([], [{ attachmentId: "a1", privateIpv4Address: "10.0.0.1" }]),
    healthStatus: fc.constant("UNKNOWN"), // not a documented container field: dropped
    reason: fc.constant(null),
  },
  { requiredKeys: ["name"] },
);

/** Task fields drawn from small pools, so consecutive tasks often share them; some undocumented ones too. */
const taskFields = fc.record({
  clusterArn: pooled(["arn:aws:ecs:us-east-1:111122223333:cluster/c", "arn:aws:ecs:eu-west-1:444455556666:cluster/d"]),
  attachments: pooled([[], [{ id: "x", type: "ElasticNetworkInterface", status: "ATTACHED", details: [{ name: "subnetId", value: "subnet-1" }] }], [{ id: "y", details: [] }]]),
  attributes: pooled([[{ name: "ecs.cpu-architecture", value: "x86_64" }], [{ value: "x86_64", name: "ecs.cpu-architecture" }]]),
  overrides: pooled([{ containerOverrides: [{ name: "app" }], inferenceAcceleratorOverrides: [] }, { inferenceAcceleratorOverrides: [], containerOverrides: [{ name: "app" }] }]),
  lastStatus: pooled(["PROVISIONING", "RUNNING", "STOPPED"]),
  desiredStatus: pooled(["RUNNING", "STOPPED"]),
  cpu: pooled(["256", "1024"]),
  group: pooled(["service:web", "family:web"]),
  stoppedReason: pooled(["Scaling activity initiated by (deployment ecs-svc/1)", "Essential container in task exited", ""]),
  version: pooled([1, 2, 3]),
  containers: fc.option(fc.array(container, { maxLength: 2 }), { nil: undefined }),
  createdAt: fc.option(timestamp, { nil: undefined }),
  startedAt: fc.option(timestamp, { nil: undefined }),
  stoppedAt: fc.option(timestamp, { nil: undefined }),
  updatedAt: pooled([1_700_000_000]),
  healthStatus: pooled(["UNKNOWN", "HEALTHY"]),
  tags: pooled([[{ key: "a", value: "b" }]]),
});

function taskRecord(fields: Record<string, unknown>, n: number): TaskRecord {
  const clusterArn = typeof fields.clusterArn === "string" ? fields.clusterArn : "arn:aws:ecs:us-east-1:111122223333:cluster/c";
  const taskArn = `${clusterArn.replace(":cluster/", ":task/")}/${String(n).padStart(32, "0")}`;
  // New tasks (version 1 is how a task is born): every put is one task event.
  const task = Object.fromEntries(Object.entries({ taskArn, ...fields, version: 1 }).filter(([, v]) => v !== undefined));
  return { task, owner: "" } as TaskRecord;
}

/** The store's events as the stream sends them, one `data:` each. */
function sent(events: readonly StoredEvent[]): string[] {
  return events.map((event) => JSON.stringify(envelope(event)));
}

describe("the event backlog's compact form", () => {
  const dirs: string[] = [];
  const servers: TestServer[] = [];
  after(async () => {
    for (const s of servers) await s.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  function tempDir(): string {
    const dir = mkdtempSync(path.join(tmpdir(), "ecslite-backlog-"));
    dirs.push(dir);
    return dir;
  }

  it("packs at most 31 fields into a batch entry's bit set", () => {
    assert.ok(TASK_DETAIL_FIELDS.length <= 31, `${TASK_DETAIL_FIELDS.length} task detail fields`);
  });

  for (const onDisk of [false, true]) {
    it(`events read back equal the documented events of the tasks written, and the live batch's (SQLite ${onDisk ? "on disk" : "in memory"})`, async () => {
      const dir = onDisk ? tempDir() : undefined;
      const inner = new SqliteStore({ ...(dir ? { dataDir: dir } : {}), freezeRecords: true });
      let ids = 0;
      let nowMs = 1_795_633_516_301;
      const store = new EventCapturingStore(inner, { backlog: 100_000, now: () => nowMs, uuid: () => `00000000-0000-4000-8000-${String(++ids).padStart(12, "0")}` });
      const live: EventBatchRecord[] = [];
      store.onCommit((batch) => live.push(batch));
      let n = 0;
      let readUpTo = 0;
      try {
        await fc.assert(
          fc.asyncProperty(fc.array(taskFields, { minLength: 1, maxLength: 40 }), fc.integer({ min: 0, max: 10_000 }), async (fieldsOfTasks, advanceMs) => {
            nowMs += advanceMs;
            const records = fieldsOfTasks.map((fields) => taskRecord(fields, ++n));
            live.length = 0;
            await store.transaction(async (tx) => {
              for (const record of records) await tx.put("task", record);
            });
            const read = await store.transaction((tx) => readEvents(tx, readUpTo, 1000));
            assert.equal(read.length, records.length);
            readUpTo = read[read.length - 1].seq;
            assert.deepEqual(
              sent(read),
              records.map((record, i) => documentedEvent(record.task as Record<string, unknown>, read[i].id, nowMs)),
            );
            assert.equal(live.length, 1);
            assert.deepEqual(sent(eventsOf(live[0])), sent(read), "what listeners hear is what readers read");
            // Reading from inside the batch renders the same events.
            const middle = read[Math.floor(read.length / 2)];
            assert.deepEqual(sent(await store.transaction((tx) => readEvents(tx, middle.seq - 1, 1000))), sent(read.slice(Math.floor(read.length / 2))));
          }),
          { numRuns: onDisk ? 40 : 150 },
        );
      } finally {
        await store.close();
      }
      if (dir) {
        // A large batch is deflated in the file; a small one stays JSON text.
        const db = new Database(path.join(dir, "ecslite.sqlite"), { readonly: true });
        const docs = db.prepare("SELECT doc FROM resources WHERE kind = 'eventBatch'").pluck().all() as (string | Buffer)[];
        db.close();
        assert.ok(docs.some((doc) => Buffer.isBuffer(doc) && doc[0] === 0), "some batch deflated");
        assert.ok(docs.some((doc) => typeof doc === "string"), "some batch as text");
      }
    });
  }

  it("a batch kept in the earlier full form (an older data directory) is read as it was written", async () => {
    const store = new SqliteStore({});
    const events: StoredEvent[] = [11, 12].map((seq) => ({
      seq,
      id: `00000000-0000-4000-8000-0000000000${seq}`,
      time: 1_700_000_000_000,
      detailType: "ECS Task State Change",
      account: "111122223333",
      region: "us-east-1",
      resources: [`arn:aws:ecs:us-east-1:111122223333:task/c/${seq}`],
      clusterArn: "arn:aws:ecs:us-east-1:111122223333:cluster/c",
      detail: { taskArn: `arn:aws:ecs:us-east-1:111122223333:task/c/${seq}`, lastStatus: "RUNNING", updatedAt: "2023-11-14T22:13:20.000Z" },
    }));
    try {
      await store.transaction((tx) => tx.put("eventBatch", { arn: batchArn(12), firstSeq: 11, lastSeq: 12, events }));
      assert.deepEqual(await store.transaction((tx) => readEvents(tx, 10, 10)), events);
      assert.deepEqual(await store.transaction((tx) => readEvents(tx, 11, 10)), events.slice(1));
    } finally {
      await store.close();
    }
  });

  it("the events a reader streamed live are, byte for byte, the ones a reader gets from the start after a restart", async () => {
    const dir = tempDir();
    const collect = (url: string, lastEventId?: number) => {
      const data: string[] = [];
      const source = new EventSource(`${url}/_ecslite/events`, {
        fetch: (input, init) => fetch(input, { ...init, headers: { ...init?.headers, ...(lastEventId !== undefined ? { "last-event-id": String(lastEventId) } : {}) } }),
      });
      source.onmessage = (message) => data.push(message.data);
      const opened = new Promise<void>((resolve, reject) => {
        source.onopen = () => resolve();
        source.onerror = () => reject(new Error("event stream failed"));
      });
      /** Waits until `count` events have arrived (any number when absent) and no more come for 200 ms. */
      const until = async (count = 0) => {
        const deadline = Date.now() + 5000;
        let seen = -1;
        while ((data.length < count || data.length !== seen) && Date.now() < deadline) {
          seen = data.length;
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
      };
      return { data, opened, until, close: () => source.close() };
    };
    const first = await startTestServer({ inMemory: false, dataDir: dir });
    const live = collect(first.url);
    await live.opened;
    const ecs = first.client();
    await ecs.send(new CreateClusterCommand({ clusterName: "c" }));
    await ecs.send(
      new RegisterTaskDefinitionCommand({ family: "web", requiresCompatibilities: ["FARGATE"], networkMode: "awsvpc", cpu: "256", memory: "512", containerDefinitions: [{ name: "app", image: "nginx" }] }),
    );
    await ecs.send(new CreateServiceCommand({ cluster: "c", serviceName: "svc", taskDefinition: "web", desiredCount: 3, launchType: "FARGATE", networkConfiguration: { awsvpcConfiguration: { subnets: ["subnet-1", "subnet-2"] } } }));
    await first.settle();
    await ecs.send(new UpdateServiceCommand({ cluster: "c", service: "svc", desiredCount: 0 }));
    await first.settle();
    await live.until();
    live.close();
    await first.close();
    const taskEvents = live.data.filter((d) => d.includes('"detail-type":"ECS Task State Change"'));
    assert.ok(taskEvents.length >= 6 && taskEvents.filter((d) => d.includes('"lastStatus":"STOPPED"')).length === 3, `3 tasks started and stopped: ${taskEvents.join("\n")}`);

    const second = await startTestServer({ inMemory: false, dataDir: dir });
    servers.push(second);
    const again = collect(second.url, 0);
    await again.opened;
    await again.until(live.data.length);
    again.close();
    assert.deepEqual(again.data, live.data);
  });
});
