// The store under the API: records are immutable to their readers, the per-cluster totals always
// equal what the rows say, read-only transactions never take the write lock, and SQLite on disk
// sees what another connection commits. Both stores run the shared tests (PostgreSQL when
// ECSLITE_TEST_POSTGRES_URL is set).
import * as assert from "node:assert/strict";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { after, describe, it } from "node:test";
import Database from "better-sqlite3";
import fc from "fast-check";
import type { ServiceRecord, TaskRecord } from "../src/domain/records";
import { rowKeyOf } from "../src/domain/rowKeys";
import { clusterSummary } from "../src/domain/clusterCounts";
import { PostgresStore } from "../src/store/postgres";
import { listSql } from "../src/store/sql";
import { DataDirectoryInUse, SqliteStore } from "../src/store/sqlite";
import { addCounts, type Kind, type Store, type StoreOptions } from "../src/store/store";

const SCOPE = "000000000000/us-east-1";
const clusterArn = (name: string) => `arn:aws:ecs:us-east-1:000000000000:cluster/${name}`;
const serviceArn = (cluster: string, name: string) => `arn:aws:ecs:us-east-1:000000000000:service/${cluster}/${name}`;
const taskArn = (cluster: string, id: string) => `arn:aws:ecs:us-east-1:000000000000:task/${cluster}/${id}`;

function service(cluster: string, name: string, status: string, running: number, pending: number, launchType = "FARGATE"): ServiceRecord {
  return {
    service: { serviceArn: serviceArn(cluster, name), serviceName: name, clusterArn: clusterArn(cluster), status, runningCount: running, pendingCount: pending, desiredCount: running, launchType: launchType as "FARGATE", tags: [{ key: "team", value: "a" }] },
  };
}

function task(cluster: string, id: string, lastStatus: string, owner: string, launchType = "EC2"): TaskRecord {
  return {
    task: { taskArn: taskArn(cluster, id), clusterArn: clusterArn(cluster), lastStatus, desiredStatus: lastStatus === "STOPPED" ? "STOPPED" : "RUNNING", launchType: launchType as "EC2" },
    owner,
  };
}

const tempDirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "ecslite-store-"));
  tempDirs.push(dir);
  return dir;
}
after(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

const postgresUrl = process.env.ECSLITE_TEST_POSTGRES_URL;
const stores: { name: string; open: (options: StoreOptions) => Promise<Store>; skip?: string }[] = [
  { name: "SQLite in memory", open: async (options) => new SqliteStore(options) },
  { name: "SQLite on disk", open: async (options) => new SqliteStore({ dataDir: tempDir(), ...options }) },
  {
    name: "PostgreSQL",
    open: async (options) => {
      const store = await PostgresStore.connect(postgresUrl ?? "", options);
      await store.reset();
      return store;
    },
    ...(postgresUrl ? {} : { skip: "ECSLITE_TEST_POSTGRES_URL is not set" }),
  },
];

for (const { name, open, skip } of stores) {
  describe(`the store (${name})`, { skip }, () => {
    it("a record returned by the store cannot be changed by its reader: the next transaction sees the stored one", async () => {
      // Production settings: no freezing asked for; shared records are frozen all the same.
      const store = await open({});
      try {
        await store.transaction((tx) => tx.put("service", service("c", "web", "ACTIVE", 2, 0)));
        for (const read of ["get", "list"] as const) {
          await store.transaction(async (tx) => {
            const record = read === "get" ? await tx.get("service", serviceArn("c", "web")) : (await tx.list("service", { scope: SCOPE, parent: clusterArn("c") }))[0];
            assert.ok(record);
            // Whatever the reader does to its copy (a frozen record refuses, a private one takes it)...
            try {
              record.service.status = "INACTIVE";
              record.service.tags?.push({ key: "evil", value: "x" });
            } catch (error) {
              assert.ok(error instanceof TypeError, String(error));
            }
          });
          // ...the next transaction sees what was stored.
          const again = await store.transaction((tx) => tx.get("service", serviceArn("c", "web")));
          assert.equal(again?.service.status, "ACTIVE", `after a reader changed what ${read} returned`);
          assert.deepEqual(again?.service.tags, [{ key: "team", value: "a" }]);
        }
      } finally {
        await store.close();
      }
    });

    it("with freezeRecords (the tests' setting) every record it returns is frozen, nested members too", async () => {
      const store = await open({ freezeRecords: true });
      try {
        await store.transaction((tx) => tx.put("service", service("c", "web", "ACTIVE", 2, 0)));
        await store.transaction(async (tx) => {
          const listed = (await tx.list("service", { scope: SCOPE, parent: clusterArn("c") }))[0];
          const got = await tx.get("service", serviceArn("c", "web"));
          for (const record of [listed, got]) {
            assert.ok(record && Object.isFrozen(record) && Object.isFrozen(record.service) && Object.isFrozen(record.service.tags?.[0]));
            assert.throws(() => record.service.tags?.push({ key: "x", value: "y" }), TypeError);
          }
        });
      } finally {
        await store.close();
      }
    });

    it("a cluster's totals are always the sum of what its rows count, through writes, removals and rolled-back transactions", async () => {
      const store = await open({ freezeRecords: true });
      const clusters = ["a", "b"];
      const operation = fc.oneof(
        fc.record({ op: fc.constant("service" as const), cluster: fc.constantFrom(...clusters), name: fc.constantFrom("s1", "s2", "s3"), status: fc.constantFrom("ACTIVE", "DRAINING", "INACTIVE"), running: fc.nat(5), pending: fc.nat(3), launchType: fc.constantFrom("EC2", "FARGATE") }),
        fc.record({ op: fc.constant("task" as const), cluster: fc.constantFrom(...clusters), id: fc.constantFrom("t1", "t2", "t3", "t4"), status: fc.constantFrom("PROVISIONING", "PENDING", "RUNNING", "STOPPED"), owner: fc.constantFrom("", "arn:owner"), launchType: fc.constantFrom("EC2", "FARGATE") }),
        fc.record({ op: fc.constant("removeService" as const), cluster: fc.constantFrom(...clusters), name: fc.constantFrom("s1", "s2", "s3") }),
        fc.record({ op: fc.constant("removeTask" as const), cluster: fc.constantFrom(...clusters), id: fc.constantFrom("t1", "t2", "t3", "t4") }),
      );
      try {
        await fc.assert(
          fc.asyncProperty(fc.array(fc.record({ steps: fc.array(operation, { minLength: 1, maxLength: 4 }), rollBack: fc.boolean() }), { maxLength: 12 }), async (transactions) => {
            await store.reset();
            for (const { steps, rollBack } of transactions) {
              await store
                .transaction(async (tx) => {
                  for (const s of steps) {
                    if (s.op === "service") await tx.put("service", service(s.cluster, s.name, s.status, s.running, s.pending, s.launchType));
                    else if (s.op === "task") await tx.put("task", task(s.cluster, s.id, s.status, s.owner, s.launchType));
                    else if (s.op === "removeService") await tx.remove("service", serviceArn(s.cluster, s.name));
                    else await tx.remove("task", taskArn(s.cluster, s.id));
                  }
                  if (rollBack) throw new Error("roll back");
                })
                .catch((error: Error) => assert.equal(error.message, "roll back"));
              for (const cluster of clusters) {
                const { stored, recomputed } = await store.transaction(async (tx) => {
                  const expected: Record<string, number> = {};
                  for (const kind of ["service", "task"] as const satisfies readonly Kind[]) {
                    for (const record of await tx.list(kind, { scope: SCOPE, parent: clusterArn(cluster) })) addCounts(expected, (rowKeyOf[kind] as (r: unknown) => { counts?: Record<string, number> })(record).counts, 1);
                  }
                  return { stored: clusterSummary(await tx.totals(SCOPE, clusterArn(cluster))), recomputed: clusterSummary(expected) };
                });
                assert.deepEqual(stored, recomputed);
              }
            }
          }),
          { numRuns: name === "PostgreSQL" ? 15 : 60 },
        );
      } finally {
        await store.close();
      }
    });

    it("listings page by limit and ARN with the limit bound when the statement runs (regression: a bare `LIMIT ?` made SQLite prepare every listing again on each run)", async () => {
      assert.doesNotMatch(listSql("arn, doc", { scope: SCOPE, parent: "", limit: 5 }, false), /LIMIT \?/);
      const store = await open({});
      try {
        await store.transaction(async (tx) => {
          for (const n of ["c1", "c2", "c3", "c4", "c5"]) await tx.put("cluster", { cluster: { clusterArn: clusterArn(n), clusterName: n, status: "ACTIVE" } });
        });
        const pages = await store.transaction(async (tx) => {
          const names = async (afterArn: string | undefined, limit: number) => (await tx.list("cluster", { scope: SCOPE, parent: "", afterArn, limit })).map((r) => r.cluster.clusterName);
          return [await names(undefined, 2), await names(clusterArn("c2"), 2), await names(clusterArn("c4"), 2), await names(undefined, 3)];
        });
        assert.deepEqual(pages, [["c1", "c2"], ["c3", "c4"], ["c5"], ["c1", "c2", "c3"]]);
      } finally {
        await store.close();
      }
    });
  });
}

describe("the SQLite store's transactions", () => {
  it("a transaction that only reads takes no write lock; one that writes holds it until it ends", async () => {
    const dir = tempDir();
    const store = new SqliteStore({ dataDir: dir });
    const other = new Database(path.join(dir, "ecslite.sqlite"));
    other.pragma("busy_timeout = 0");
    const otherCanWrite = () => {
      try {
        other.exec("BEGIN IMMEDIATE; ROLLBACK");
        return true;
      } catch {
        return false;
      }
    };
    try {
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      const reading = store.transaction(async (tx) => {
        await tx.get("cluster", clusterArn("x"));
        await held;
      });
      await new Promise((r) => setImmediate(r));
      assert.equal(otherCanWrite(), true, "a read-only transaction must not hold the write lock");
      release();
      await reading;

      let releaseWrite!: () => void;
      const heldWrite = new Promise<void>((resolve) => (releaseWrite = resolve));
      const writing = store.transaction(async (tx) => {
        await tx.put("service", service("x", "web", "ACTIVE", 0, 0));
        await heldWrite;
      });
      await new Promise((r) => setImmediate(r));
      assert.equal(otherCanWrite(), false, "a writing transaction holds the write lock until it commits");
      releaseWrite();
      await writing;
      assert.equal(otherCanWrite(), true);
    } finally {
      other.close();
      await store.close();
    }
  });

  it("transactions run one at a time, in order, even when they await between reads and writes", async () => {
    const store = new SqliteStore({});
    try {
      await store.transaction((tx) => tx.put("service", service("c", "web", "ACTIVE", 0, 0)));
      // Each increments desiredCount after a pause: interleaving would lose updates.
      await Promise.all(
        Array.from({ length: 20 }, () =>
          store.transaction(async (tx) => {
            const record = await tx.get("service", serviceArn("c", "web"));
            await new Promise((r) => setImmediate(r));
            await tx.put("service", { ...record!, service: { ...record!.service, desiredCount: (record!.service.desiredCount ?? 0) + 1 } });
          }),
        ),
      );
      assert.equal((await store.transaction((tx) => tx.get("service", serviceArn("c", "web"))))?.service.desiredCount, 20);
    } finally {
      await store.close();
    }
  });

  it("a data directory is held by one store at a time (nothing writes behind its cached documents): a second is refused until the first closes", async () => {
    const dir = tempDir();
    const store = new SqliteStore({ dataDir: dir });
    try {
      await store.transaction((tx) => tx.put("service", service("c", "web", "ACTIVE", 0, 0)));
      assert.throws(() => new SqliteStore({ dataDir: dir }), (error: unknown) => error instanceof DataDirectoryInUse && error.message === `another ecslite process is serving ${dir}`);
      // The refused store left the directory as it was: the first still reads and writes.
      await store.transaction((tx) => tx.put("service", service("c", "web", "DRAINING", 0, 0)));
    } finally {
      await store.close();
    }
    const reopened = new SqliteStore({ dataDir: dir });
    try {
      assert.equal((await reopened.transaction((tx) => tx.get("service", serviceArn("c", "web"))))?.service.status, "DRAINING");
    } finally {
      await reopened.close();
    }
  });

  it("a store written before totals existed (schema version 2) gets them on its next start", async () => {
    const dir = tempDir();
    let store = new SqliteStore({ dataDir: dir });
    await store.transaction(async (tx) => {
      await tx.put("service", service("c", "web", "ACTIVE", 3, 1));
      await tx.put("task", task("c", "t1", "RUNNING", ""));
      await tx.put("task", task("c", "t2", "STOPPED", ""));
    });
    await store.close();
    // Back to version 2: no counts column, no totals table.
    const raw = new Database(path.join(dir, "ecslite.sqlite"));
    raw.exec("DROP TABLE totals; ALTER TABLE resources DROP COLUMN counts; DELETE FROM schema_migrations WHERE version = 3");
    raw.close();
    store = new SqliteStore({ dataDir: dir });
    try {
      const summary = clusterSummary(await store.transaction((tx) => tx.totals(SCOPE, clusterArn("c"))));
      assert.equal(summary.activeServicesCount, 1);
      assert.equal(summary.runningTasksCount, 4);
      assert.equal(summary.pendingTasksCount, 1);
    } finally {
      await store.close();
    }
  });

  it("on disk, the WAL is checkpointed in the background (commits never run a checkpoint)", async () => {
    const dir = tempDir();
    const store = new SqliteStore({ dataDir: dir });
    const other = new Database(path.join(dir, "ecslite.sqlite"));
    try {
      for (let i = 0; i < 40; i++) {
        await store.transaction(async (tx) => {
          for (let j = 0; j < 50; j++) await tx.put("task", { ...task("c", `t${i}-${j}`, "RUNNING", ""), faults: { failToStart: false }, nextStepAt: undefined, owner: "x".repeat(2000) });
        });
      }
      const walPages = () => other.prepare("PRAGMA wal_checkpoint(NOOP)").get() as { log: number; checkpointed: number };
      assert.ok(walPages().log >= 1000, `the test wrote enough to checkpoint (${walPages().log} pages)`);
      const deadline = Date.now() + 20_000;
      let pages = walPages();
      while (pages.checkpointed < pages.log && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
        pages = walPages();
      }
      assert.equal(pages.checkpointed, pages.log);
    } finally {
      other.close();
      await store.close();
    }
  });

  it("the WAL grew to its 64 MiB bound under writes that never pause (regression): it starts over while they go on", async () => {
    const dir = tempDir();
    const store = new SqliteStore({ dataDir: dir });
    const wal = path.join(dir, "ecslite.sqlite-wal");
    try {
      const record = task("c", "busy", "RUNNING", "");
      let largest = 0;
      // 3 s of small writes, 2,500 a second (about 30 MiB of WAL a second, as a server answering
      // UpdateTaskSet flat out writes), with turns of the event loop between them as requests come.
      const started = performance.now();
      let i = 0;
      for (; performance.now() - started < 3000; i++) {
        await store.transaction((tx) => tx.put("task", { ...record, owner: `${i}` }));
        if (i % 100 === 0) largest = Math.max(largest, statSync(wal).size);
        do await new Promise((r) => setImmediate(r));
        while (performance.now() < started + i * 0.4);
      }
      // Before, the WAL grew to 64 MiB and was then truncated, holding writes back meanwhile.
      assert.ok(largest < 40 * 1024 * 1024, `the WAL reached ${(largest / 2 ** 20).toFixed(1)} MiB after ${i} transactions`);
    } finally {
      await store.close();
    }
  });
});
