// Two ecslite replicas sharing one PostgreSQL database, as a team's CI runners would use them.
// Runs when ECSLITE_TEST_POSTGRES_URL is set (.ci/run starts a local PostgreSQL and sets it).
import * as assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  CreateClusterCommand,
  CreateServiceCommand,
  CreateTaskSetCommand,
  DescribeServicesCommand,
  DescribeTaskSetsCommand,
  type ECSClient,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
  UpdateServiceCommand,
  UpdateTaskSetCommand,
} from "@aws-sdk/client-ecs";
import { execSync } from "node:child_process";
import type { Socket } from "node:net";
import type { Records } from "../src/domain/records";
import type { ApiError } from "../src/protocol/errors";
import { apiErrorOfStoreFault } from "../src/protocol/storeFaults";
import { StoreContentionError, StoreUnavailableError } from "../src/store/faults";
import { GATE_AFTER_FAILURES, PostgresStore } from "../src/store/postgres";
import pg from "pg";
import { type ChildServer, startChildServer } from "./childServer";
import { EventSource } from "eventsource";
import type { EcsEvent } from "../src/events/envelope";
import { startTestServer, type TestServer } from "./harness";

const url = process.env.ECSLITE_TEST_POSTGRES_URL;

describe("replicas on PostgreSQL", { skip: url ? false : "ECSLITE_TEST_POSTGRES_URL is not set (.ci/run sets it)" }, () => {
  let a: TestServer;
  let b: TestServer;
  let ca: ECSClient;
  let cb: ECSClient;
  before(async () => {
    const shared = { postgresUrl: url, clock: "real" as const, stepMs: 20, schedulerIntervalMs: 20 };
    a = await startTestServer(shared);
    await fetch(`${a.url}/_ecslite/reset`, { method: "POST" });
    b = await startTestServer(shared);
    ca = a.client();
    cb = b.client();
  });
  after(async () => {
    await a?.close();
    await b?.close();
  });

  async function until(check: () => Promise<boolean>, what: string): Promise<void> {
    const deadline = Date.now() + 15_000;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  it("what one replica creates the other serves, and both schedulers converge on the same tasks", async () => {
    assert.match((await (await fetch(`${a.url}/_ecslite/health`)).json() as { store: string }).store, /^postgres /);
    await ca.send(new CreateClusterCommand({ clusterName: "shared" }));
    await cb.send(
      new RegisterTaskDefinitionCommand({ family: "web", requiresCompatibilities: ["FARGATE"], networkMode: "awsvpc", cpu: "256", memory: "512", containerDefinitions: [{ name: "app", image: "nginx" }] }),
    );
    await ca.send(new CreateServiceCommand({ cluster: "shared", serviceName: "api", desiredCount: 6, deploymentController: { type: "EXTERNAL" } }));
    const id = (
      await cb.send(
        new CreateTaskSetCommand({ cluster: "shared", service: "api", taskDefinition: "web", launchType: "FARGATE", networkConfiguration: { awsvpcConfiguration: { subnets: ["subnet-1"] } }, scale: { value: 50, unit: "PERCENT" } }),
      )
    ).taskSet?.id ?? "";
    const steadyAt = async (client: ECSClient, running: number) => {
      const set = (await client.send(new DescribeTaskSetsCommand({ cluster: "shared", service: "api", taskSets: [id] }))).taskSets?.[0];
      return set?.stabilityStatus === "STEADY_STATE" && set.runningCount === running;
    };
    await until(() => steadyAt(ca, 3), "3 running tasks");
    assert.ok(await steadyAt(cb, 3), "the other replica sees the same state");
    const tasks = await cb.send(new ListTasksCommand({ cluster: "shared", startedBy: id }));
    assert.equal(tasks.taskArns?.length, 3, "both schedulers ran, yet exactly 3 tasks exist");

    // Concurrent writes through both replicas: the last acknowledged values win everywhere.
    await Promise.all([
      ...[10, 20, 30, 40].map((v) => ca.send(new UpdateTaskSetCommand({ cluster: "shared", service: "api", taskSet: id, scale: { value: v, unit: "PERCENT" } }))),
      ...[8, 9, 10].map((n) => cb.send(new UpdateServiceCommand({ cluster: "shared", service: "api", desiredCount: n }))),
    ]);
    await ca.send(new UpdateTaskSetCommand({ cluster: "shared", service: "api", taskSet: id, scale: { value: 100, unit: "PERCENT" } }));
    await cb.send(new UpdateServiceCommand({ cluster: "shared", service: "api", desiredCount: 4 }));
    await until(() => steadyAt(cb, 4), "4 running tasks");
    const set = (await ca.send(new DescribeTaskSetsCommand({ cluster: "shared", service: "api", taskSets: [id] }))).taskSets?.[0];
    assert.equal(set?.computedDesiredCount, 4);
    const service = (await ca.send(new DescribeServicesCommand({ cluster: "shared", services: ["api"] }))).services?.[0];
    assert.equal(service?.runningCount, 4);
    assert.equal((await ca.send(new ListTasksCommand({ cluster: "shared", startedBy: id }))).taskArns?.length, 4);
  });

  it("ECS events: numbered in commit order across replicas, streamed by either, resumed on the other with Last-Event-ID", async () => {
    const read = (server: TestServer, lastEventId?: number) => {
      const got: { seq: number; event: EcsEvent }[] = [];
      const source = new EventSource(`${server.url}/_ecslite/events`, {
        fetch: (input, init) => fetch(input, { ...init, headers: { ...init?.headers, ...(lastEventId !== undefined ? { "last-event-id": String(lastEventId) } : {}) } }),
      });
      source.onmessage = (m) => got.push({ seq: Number(m.lastEventId), event: JSON.parse(m.data) as EcsEvent });
      return { got, source, opened: new Promise<void>((resolve) => (source.onopen = () => resolve())) };
    };
    const onA = read(a);
    const onB = read(b);
    await Promise.all([onA.opened, onB.opened]);
    try {
      await ca.send(new CreateClusterCommand({ clusterName: "events" }));
      // Both replicas write (handlers) and both schedulers run: every event once, numbers in commit order.
      await Promise.all(
        ["one", "two", "three", "four"].map((name, i) =>
          (i % 2 ? cb : ca).send(new CreateServiceCommand({ cluster: "events", serviceName: name, taskDefinition: "web", desiredCount: 2, launchType: "FARGATE", networkConfiguration: { awsvpcConfiguration: { subnets: ["subnet-1"] } } })),
        ),
      );
      const completed = (got: { event: EcsEvent }[]) => got.filter((r) => r.event.detail.eventName === "SERVICE_DEPLOYMENT_COMPLETED" && r.event.resources[0].includes("/events/")).length;
      await until(async () => completed(onA.got) === 4 && completed(onB.got) === 4, "four deployments completed, on both streams");
      await new Promise((r) => setTimeout(r, 1500)); // one more poll of the other replica's writes
      const seqsA = onA.got.map((r) => r.seq);
      const seqsB = onB.got.map((r) => r.seq);
      assert.deepEqual(seqsA, seqsB, "both replicas stream the same events in the same order");
      assert.deepEqual(seqsA, [...seqsA].sort((x, y) => x - y));
      assert.equal(new Set(seqsA).size, seqsA.length, "no number twice");
      assert.equal(seqsA[seqsA.length - 1] - seqsA[0] + 1, seqsA.length, "no number skipped");
      assert.deepEqual(onA.got.map((r) => r.event.id), onB.got.map((r) => r.event.id));

      // A reader of A moves to B and resumes where it was.
      const middle = onA.got[Math.floor(onA.got.length / 2)].seq;
      const resumed = read(b, middle);
      await resumed.opened;
      await until(async () => resumed.got.length >= onA.got.filter((r) => r.seq > middle).length, "the resumed events");
      assert.deepEqual(resumed.got.map((r) => r.seq).slice(0, onA.got.filter((r) => r.seq > middle).length), onA.got.filter((r) => r.seq > middle).map((r) => r.seq));
      resumed.source.close();
    } finally {
      onA.source.close();
      onB.source.close();
    }
  });
});

/** Each request's outcome, counted by HTTP status and error name, as a load generator sees them. */
class Outcomes {
  requests = 0;
  readonly failures = new Map<string, number>();
  record(error?: unknown): void {
    this.requests++;
    if (!error) return;
    const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
    const key = `${e.$metadata?.httpStatusCode ?? "no response"} ${e.name ?? String(error)}`;
    this.failures.set(key, (this.failures.get(key) ?? 0) + 1);
  }
  serverErrors(): number {
    return [...this.failures].filter(([key]) => key.startsWith("5") || key.startsWith("no response")).reduce((n, [, count]) => n + count, 0);
  }
}

/** Runs `worker` for each client until `script` (which sees the outcomes so far) resolves, recording every request. */
async function drive(clients: readonly ECSClient[], script: (outcomes: Outcomes) => Promise<unknown>, worker: (client: ECSClient, i: number, k: number) => Promise<unknown>): Promise<Outcomes> {
  const outcomes = new Outcomes();
  let stopped = false;
  void script(outcomes).then(() => (stopped = true));
  await Promise.all(
    clients.map(async (client, i) => {
      for (let k = 0; !stopped; k++) {
        try {
          await worker(client, i, k);
          outcomes.record();
        } catch (error) {
          outcomes.record(error);
        }
      }
    }),
  );
  return outcomes;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until `count` more requests have been answered (however slow the machine), or 30 s. */
async function requestsAnswered(outcomes: Outcomes, count: number): Promise<void> {
  const target = outcomes.requests + count;
  const deadline = Date.now() + 30_000;
  while (outcomes.requests < target && Date.now() < deadline) await sleep(20);
}

/** Ends every connection to this test's database but the caller's own, as an administrator or a failover would. */
async function terminateBackends(databaseUrl: string): Promise<number> {
  const admin = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
  try {
    const result = await admin.query<{ n: string }>("SELECT count(pg_terminate_backend(pid)) AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()");
    return Number(result.rows[0]?.n ?? 0);
  } finally {
    await admin.end();
  }
}

describe("replicas survive PostgreSQL faults", { skip: url ? false : "ECSLITE_TEST_POSTGRES_URL is not set (.ci/run sets it)" }, () => {
  const databaseUrl = url ?? "";
  let a: ChildServer;
  let b: ChildServer;
  const clients: ECSClient[] = [];
  let taskSet = "";
  before(async () => {
    const args = ["--postgres", databaseUrl, "--task-step-ms", "20", "--scheduler-interval-ms", "20"];
    a = await startChildServer(args);
    assert.equal((await fetch(`${a.url}/_ecslite/reset`, { method: "POST" })).status, 200);
    b = await startChildServer(args);
    for (let i = 0; i < 16; i++) clients.push(i % 2 ? b.client() : a.client());
    const ecs = clients[0];
    await ecs.send(new CreateClusterCommand({ clusterName: "faults" }));
    await ecs.send(new RegisterTaskDefinitionCommand({ family: "web", requiresCompatibilities: ["FARGATE"], networkMode: "awsvpc", cpu: "256", memory: "512", containerDefinitions: [{ name: "app", image: "nginx" }] }));
    await ecs.send(new CreateServiceCommand({ cluster: "faults", serviceName: "api", desiredCount: 4, deploymentController: { type: "EXTERNAL" } }));
    const created = await ecs.send(
      new CreateTaskSetCommand({ cluster: "faults", service: "api", taskDefinition: "web", launchType: "FARGATE", networkConfiguration: { awsvpcConfiguration: { subnets: ["subnet-1"] } }, scale: { value: 100, unit: "PERCENT" } }),
    );
    taskSet = created.taskSet?.id ?? "";
  });
  after(async () => {
    for (const c of clients) c.destroy();
    for (const server of [a, b]) {
      if (server && server.process.exitCode === null) {
        server.process.kill("SIGTERM");
        await server.exited;
      }
    }
  });

  /** Writes and reads through both replicas: service scaling, task set scaling, describes. */
  const mixedWork = (client: ECSClient, i: number, k: number) => {
    switch ((i + k) % 3) {
      case 0:
        return client.send(new UpdateServiceCommand({ cluster: "faults", service: "api", desiredCount: 2 + ((i + k) % 5) }));
      case 1:
        return client.send(new UpdateTaskSetCommand({ cluster: "faults", service: "api", taskSet, scale: { value: 50 + ((i * k) % 51), unit: "PERCENT" } }));
      default:
        return client.send(new DescribeServicesCommand({ cluster: "faults", services: ["api"] }));
    }
  };

  async function convergesAfterwards(): Promise<void> {
    await clients[0].send(new UpdateTaskSetCommand({ cluster: "faults", service: "api", taskSet, scale: { value: 100, unit: "PERCENT" } }));
    await clients[1].send(new UpdateServiceCommand({ cluster: "faults", service: "api", desiredCount: 3 }));
    const deadline = Date.now() + 20_000;
    for (;;) {
      const set = (await clients[1].send(new DescribeTaskSetsCommand({ cluster: "faults", service: "api", taskSets: [taskSet] }))).taskSets?.[0];
      if (set?.stabilityStatus === "STEADY_STATE" && set.runningCount === 3) break;
      if (Date.now() > deadline) assert.fail(`the schedulers did not resume: ${JSON.stringify(set)}`);
      await sleep(50);
    }
    assert.equal((await clients[0].send(new ListTasksCommand({ cluster: "faults", startedBy: taskSet }))).taskArns?.length, 3, "no task started twice");
  }

  it("a dropped PostgreSQL connection kills replicas (regression): backends terminated under load, twice; both replicas answer every request, none with a 5xx", async () => {
    const outcomes = await drive(
      clients,
      async (so) => {
        await requestsAnswered(so, 40);
        assert.ok((await terminateBackends(databaseUrl)) > 0, "there were backends to terminate");
        await requestsAnswered(so, 40);
        await terminateBackends(databaseUrl);
        await requestsAnswered(so, 40);
      },
      mixedWork,
    );
    assert.equal(a.process.exitCode, null, "replica a is still running");
    assert.equal(b.process.exitCode, null, "replica b is still running");
    assert.ok(outcomes.requests >= 100, `only ${outcomes.requests} requests`);
    assert.deepEqual(Object.fromEntries(outcomes.failures), {}, `of ${outcomes.requests} requests`);
    await convergesAfterwards();
  });

  it("16 clients writing one EXTERNAL service through two replicas: every request answered, none with an error", async () => {
    const outcomes = await drive(clients, (so) => requestsAnswered(so, 100), (client, i, k) =>
      k % 2 ? client.send(new UpdateServiceCommand({ cluster: "faults", service: "api", desiredCount: 1 + ((i + k) % 6) })) : client.send(new UpdateTaskSetCommand({ cluster: "faults", service: "api", taskSet, scale: { value: (i * 7 + k) % 101, unit: "PERCENT" } })),
    );
    assert.ok(outcomes.requests >= 100, `only ${outcomes.requests} requests`);
    assert.deepEqual(Object.fromEntries(outcomes.failures), {}, `of ${outcomes.requests} requests`);
    await convergesAfterwards();
  });

  const restart = process.env.ECSLITE_TEST_POSTGRES_RESTART;
  it("a PostgreSQL restart under load: both replicas ride it out and resume", { skip: restart ? false : "ECSLITE_TEST_POSTGRES_RESTART (a command that restarts the server) is not set; .ci/run sets it" }, async () => {
    const outcomes = await drive(
      clients,
      async (so) => {
        await requestsAnswered(so, 40);
        execSync(restart ?? "", { stdio: "ignore" });
        await requestsAnswered(so, 40);
      },
      mixedWork,
    );
    assert.equal(a.process.exitCode, null, "replica a is still running");
    assert.equal(b.process.exitCode, null, "replica b is still running");
    assert.equal(outcomes.serverErrors(), 0, `5xx or dropped answers: ${JSON.stringify(Object.fromEntries(outcomes.failures))} of ${outcomes.requests}`);
    await convergesAfterwards();
  });
});

describe("the PostgreSQL store when a connection is lost mid-transaction", { skip: url ? false : "ECSLITE_TEST_POSTGRES_URL is not set (.ci/run sets it)" }, () => {
  const arn = (name: string) => `arn:aws:ecs:us-east-1:000000000000:cluster/${name}`;
  const cluster = (name: string) => ({ cluster: { clusterArn: arn(name), clusterName: name, status: "ACTIVE" } }) as Records["cluster"];

  /** A store whose connections lose their socket around the next COMMIT: after sending it (the answer is lost) or before. */
  async function faultyStore(when: "after sending" | "before sending") {
    let armed = false;
    const store = await PostgresStore.connect(url ?? "", {
      onConnection: (client) => {
        const query = client.query.bind(client) as (...args: unknown[]) => Promise<unknown>;
        const stream = (client as unknown as { connection: { stream: Socket } }).connection.stream;
        (client as unknown as { query: unknown }).query = (...args: unknown[]) => {
          if (!armed || args[0] !== "COMMIT") return query(...args);
          armed = false;
          if (when === "before sending") {
            stream.destroy();
            return query(...args);
          }
          // Stop reading, let COMMIT reach the server and be carried out, then drop the socket unanswered.
          stream.pause();
          const answer = query(...args);
          setTimeout(() => stream.destroy(), 100);
          return answer;
        };
      },
    });
    return { store, arm: () => (armed = true) };
  }

  for (const when of ["after sending", "before sending"] as const) {
    it(`a write whose connection drops ${when} COMMIT is applied exactly once, and the transaction answers`, async () => {
      const { store, arm } = await faultyStore(when);
      try {
        await store.reset();
        let runs = 0;
        arm();
        const answer = await store.transaction(async (tx) => {
          runs++;
          const existing = await tx.get("cluster", arn("once"));
          await tx.put("cluster", { ...cluster("once"), cluster: { ...cluster("once").cluster, runningTasksCount: (existing?.cluster.runningTasksCount ?? 0) + 1 } });
          return "done";
        });
        assert.equal(answer, "done");
        assert.equal(runs, when === "after sending" ? 1 : 2, when === "after sending" ? "it committed: not run again" : "it did not commit: run again");
        const stored = await store.transaction((tx) => tx.get("cluster", arn("once")));
        assert.equal(stored?.cluster.runningTasksCount, 1, "applied once");
      } finally {
        await store.close();
      }
    });
  }
});

describe("the PostgreSQL store under contention", { skip: url ? false : "ECSLITE_TEST_POSTGRES_URL is not set (.ci/run sets it)" }, () => {
  /** What PostgreSQL raises when a SERIALIZABLE transaction loses a race. */
  const serializationFailure = () => Object.assign(new Error("could not serialize access due to read/write dependencies among transactions"), { code: "40001" });

  it("serialization retries run out into 500s (regression): a transaction that loses 60 races in a row still commits", async () => {
    const store = await PostgresStore.connect(url ?? "");
    try {
      let attempts = 0;
      const answer = await store.transaction(async (tx) => {
        await tx.get("cluster", "arn:aws:ecs:us-east-1:000000000000:cluster/raced");
        if (++attempts <= 60) throw serializationFailure();
        return "committed";
      });
      assert.deepEqual([answer, attempts], ["committed", 61]);
    } finally {
      await store.close();
    }
  });

  it("the scheduler falls behind under write load (regression): a long transaction that keeps losing its row to short writers commits once it has lost a few races", async () => {
    const arn = "arn:aws:ecs:us-east-1:000000000000:cluster/hot";
    const record = (n: number) => ({ cluster: { clusterArn: arn, clusterName: "hot", status: "ACTIVE", runningTasksCount: n } }) as Records["cluster"];
    // The writers (another replica's requests) and the long transaction (a reconcile) on pools of their own;
    // 5 s instead of 20 to give up in, so that a starved transaction fails the test quickly.
    const writers = await PostgresStore.connect(url ?? "");
    const store = await PostgresStore.connect(url ?? "", { retryMs: 5000 });
    let writing = true;
    try {
      await writers.transaction((tx) => tx.put("cluster", record(0)));
      const written = { count: 0 };
      const writer = async () => {
        while (writing) {
          await writers.transaction(async (tx) => tx.put("cluster", record(((await tx.get("cluster", arn))?.cluster.runningTasksCount ?? 0) + 1)));
          written.count++;
        }
      };
      const running = Array.from({ length: 4 }, writer);
      while (written.count < 20) await new Promise((r) => setTimeout(r, 10));
      let attempts = 0;
      const committed = await store.transaction(async (tx) => {
        attempts++;
        const seen = (await tx.get("cluster", arn))?.cluster.runningTasksCount ?? 0;
        // As long as a reconcile takes: the short writers commit the same row meanwhile.
        await new Promise((r) => setTimeout(r, 50));
        await tx.put("cluster", record(seen + 1_000_000));
        return seen;
      });
      assert.ok(attempts > 1, "it lost at least one race");
      assert.ok(attempts <= GATE_AFTER_FAILURES + 1, `committed at attempt ${attempts}`);
      writing = false;
      await Promise.all(running);
      // No update was lost: every writer's increment and the long transaction's million are in the row.
      const final = await writers.transaction((tx) => tx.get("cluster", arn));
      assert.equal(final?.cluster.runningTasksCount, written.count + 1_000_000);
      assert.ok(committed >= 20, `it read the writers' commits before its own (${committed})`);
    } finally {
      writing = false;
      await store.close();
      await writers.close();
    }
  });

  it("past the retry time, contention is a StoreContentionError, which the API answers as ECS's throttling error", async () => {
    const store = await PostgresStore.connect(url ?? "", { retryMs: 300 });
    try {
      const error = await store.transaction(() => Promise.reject(serializationFailure())).catch((e: unknown) => e);
      assert.ok(error instanceof StoreContentionError, String(error));
      const answered = apiErrorOfStoreFault(error) as ApiError;
      assert.deepEqual([answered.type, answered.status, answered.message], ["ThrottlingException", 400, "Rate exceeded"]);
      const unavailable = apiErrorOfStoreFault(new StoreUnavailableError("Connection terminated")) as ApiError;
      assert.deepEqual([unavailable.type, unavailable.status], ["ServiceUnavailableException", 503]);
    } finally {
      await store.close();
    }
  });
});
