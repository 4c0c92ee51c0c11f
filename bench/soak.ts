// The soak benchmark (`npm run bench -- soak`; minutes, never in `npm test`): a steady mix of what CI
// runners do (services scaled up and down, task sets created, scaled and deleted, RunTask/StopTask,
// describes and lists) from many SDK clients that never retry, against
//   1. one ecslite process on SQLite, and
//   2. two replicas on one PostgreSQL database, whose connections are all terminated halfway;
// then the contention workload: 50 clients writing one EXTERNAL service through two replicas.
// It reports requests, 5xx answers (must be 0), other errors, and RSS and store size at start and
// end. SOAK_SECONDS (default 180) and CONTENTION_SECONDS (default 60) set the lengths;
// ECSLITE_BENCH_POSTGRES_URL (or ECSLITE_TEST_POSTGRES_URL) the database, without which the
// PostgreSQL parts are skipped. Stopped tasks are kept 60 s (--stopped-task-retention) so the
// store reaches its steady state within the run.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import {
  CreateClusterCommand,
  CreateServiceCommand,
  CreateTaskSetCommand,
  DeleteTaskSetCommand,
  DescribeClustersCommand,
  DescribeServicesCommand,
  DescribeTasksCommand,
  DescribeTaskSetsCommand,
  ECSClient,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
  RunTaskCommand,
  StopTaskCommand,
  UpdateServiceCommand,
  UpdateTaskSetCommand,
} from "@aws-sdk/client-ecs";
import Database from "better-sqlite3";
import pg from "pg";

const root = path.resolve(__dirname, "..", "..");
const cli = path.join(root, "dist/src/cli.js");
const NETWORK = { awsvpcConfiguration: { subnets: ["subnet-1", "subnet-2"] } };

export interface Replica {
  readonly url: string;
  readonly child: ChildProcess;
}

export async function startReplica(args: string[]): Promise<Replica> {
  const child = spawn(process.execPath, [cli, "--port", "0", "--log-level", "error", ...args], { stdio: ["ignore", "pipe", "inherit"] });
  const url = await new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
    child.once("exit", (code) => reject(new Error(`ecslite exited (${code}) before listening`)));
  });
  return { url, child };
}

export async function stopReplica(replica: Replica): Promise<void> {
  if (replica.child.exitCode !== null) return;
  const exited = new Promise((r) => replica.child.once("exit", r));
  replica.child.kill("SIGTERM");
  await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
  if (replica.child.exitCode === null) replica.child.kill("SIGKILL");
}

export function rssMiB(child: ChildProcess): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, "utf8"));
    return m ? Math.round(Number(m[1]) / 1024) : 0;
  } catch {
    return 0;
  }
}

function directoryBytes(dir: string): number {
  return readdirSync(dir).reduce((sum, f) => sum + statSync(path.join(dir, f)).size, 0);
}

async function databaseBytes(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return Number((await client.query<{ n: string }>("SELECT pg_database_size(current_database()) AS n")).rows[0].n);
  } finally {
    await client.end();
  }
}

/** Scheduler work overdue by more than 5 s: 0 when the schedulers keep up. */
async function overduePostgres(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return Number((await client.query<{ n: string }>("SELECT COUNT(*) AS n FROM resources WHERE due IS NOT NULL AND due < $1", [Date.now() - 5000])).rows[0].n);
  } finally {
    await client.end();
  }
}

function overdueSqlite(dataDir: string): number {
  const db = new Database(path.join(dataDir, "ecslite.sqlite"), { readonly: true });
  try {
    return db.prepare("SELECT COUNT(*) FROM resources WHERE due IS NOT NULL AND due < ?").pluck().get(Date.now() - 5000) as number;
  } finally {
    db.close();
  }
}

async function terminateBackends(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const result = await client.query<{ n: string }>("SELECT count(pg_terminate_backend(pid)) AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()");
    return Number(result.rows[0].n);
  } finally {
    await client.end();
  }
}

/** Requests and their outcomes, as clients that never retry see them. */
class Tally {
  requests = 0;
  serverErrors = 0;
  throttled = 0;
  readonly errors = new Map<string, number>();
  /** The first message of each kind of error. */
  readonly examples = new Map<string, string>();
  /** Errors by second since the start (where in the run they happened). */
  readonly errorSeconds = new Map<number, number>();
  readonly started = Date.now();
  readonly latencies: number[] = [];
  async time<T>(call: () => Promise<T>): Promise<T | undefined> {
    const t0 = performance.now();
    this.requests++;
    try {
      const out = await call();
      this.latencies.push(performance.now() - t0);
      return out;
    } catch (error) {
      const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
      const status = e.$metadata?.httpStatusCode;
      if (status === undefined || status >= 500) this.serverErrors++;
      if (e.name === "ThrottlingException") this.throttled++;
      const key = `${status ?? "no answer"} ${e.name ?? "Error"}`;
      if (!this.errors.has(key)) this.examples.set(key, (error as Error).message);
      const second = Math.floor((Date.now() - this.started) / 1000);
      this.errorSeconds.set(second, (this.errorSeconds.get(second) ?? 0) + 1);
      this.errors.set(key, (this.errors.get(key) ?? 0) + 1);
      return undefined;
    }
  }
  percentile(p: number): number {
    const sorted = [...this.latencies].sort((a, b) => a - b);
    return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : 0;
  }
}

function client(url: string): ECSClient {
  return new ECSClient({ endpoint: url, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" }, maxAttempts: 1 });
}

async function prepare(ecs: ECSClient, clients: number): Promise<void> {
  await ecs.send(new CreateClusterCommand({ clusterName: "soak" }));
  await ecs.send(new RegisterTaskDefinitionCommand({ family: "web", requiresCompatibilities: ["FARGATE"], networkMode: "awsvpc", cpu: "256", memory: "512", containerDefinitions: [{ name: "app", image: "nginx", portMappings: [{ containerPort: 80 }] }] }));
  for (let c = 0; c < clients; c++) {
    await ecs.send(new CreateServiceCommand({ cluster: "soak", serviceName: `svc-${c}`, taskDefinition: "web", desiredCount: 0, launchType: "FARGATE", networkConfiguration: NETWORK }));
    await ecs.send(new CreateServiceCommand({ cluster: "soak", serviceName: `ext-${c}`, desiredCount: 4, deploymentController: { type: "EXTERNAL" } }));
  }
}

const pick = <T>(items: readonly T[]) => items[Math.floor(Math.random() * items.length)];

/** One client's loop: its own services, so what is measured is the server, not contention. */
async function clientLoop(ecs: ECSClient, c: number, tally: Tally, until: () => boolean): Promise<void> {
  const svc = `svc-${c}`;
  const ext = `ext-${c}`;
  let taskSet: string | undefined;
  // A deleted set drains for a while and still counts toward ECS's 5 per service: wait before the next.
  let nextCreateAt = 0;
  const standalone: string[] = [];
  while (!until()) {
    const roll = Math.random() * 20;
    if (roll < 3) await tally.time(() => ecs.send(new UpdateServiceCommand({ cluster: "soak", service: svc, desiredCount: Math.floor(Math.random() * 9) })));
    else if (roll < 6) await tally.time(() => ecs.send(new DescribeServicesCommand({ cluster: "soak", services: [svc, ext] })));
    else if (roll < 8) {
      const listed = await tally.time(() => ecs.send(new ListTasksCommand({ cluster: "soak", serviceName: svc, desiredStatus: pick(["RUNNING", "STOPPED"] as const) })));
      const arns = listed?.taskArns?.slice(0, 10) ?? [];
      if (arns.length) await tally.time(() => ecs.send(new DescribeTasksCommand({ cluster: "soak", tasks: arns })));
    } else if (roll < 11) {
      if (!taskSet) {
        if (Date.now() < nextCreateAt) continue;
        const created = await tally.time(() => ecs.send(new CreateTaskSetCommand({ cluster: "soak", service: ext, taskDefinition: "web", launchType: "FARGATE", networkConfiguration: NETWORK, scale: { value: 50, unit: "PERCENT" } })));
        taskSet = created?.taskSet?.id;
      } else if (Math.random() < 0.2) {
        const id = taskSet;
        taskSet = undefined;
        nextCreateAt = Date.now() + 5000;
        await tally.time(() => ecs.send(new DeleteTaskSetCommand({ cluster: "soak", service: ext, taskSet: id, force: true })));
      } else {
        const id = taskSet;
        await tally.time(() => ecs.send(new UpdateTaskSetCommand({ cluster: "soak", service: ext, taskSet: id, scale: { value: Math.floor(Math.random() * 101), unit: "PERCENT" } })));
      }
    } else if (roll < 13) {
      if (taskSet) {
        const id = taskSet;
        await tally.time(() => ecs.send(new DescribeTaskSetsCommand({ cluster: "soak", service: ext, taskSets: [id] })));
      }
      await tally.time(() => ecs.send(new UpdateServiceCommand({ cluster: "soak", service: ext, desiredCount: Math.floor(Math.random() * 7) })));
    } else if (roll < 15) {
      if (standalone.length < 6) {
        const ran = await tally.time(() => ecs.send(new RunTaskCommand({ cluster: "soak", taskDefinition: "web", count: 1 + Math.floor(Math.random() * 3), launchType: "FARGATE", networkConfiguration: NETWORK })));
        standalone.push(...(ran?.tasks ?? []).map((t) => t.taskArn ?? ""));
      } else {
        const arn = standalone.shift() ?? "";
        await tally.time(() => ecs.send(new StopTaskCommand({ cluster: "soak", task: arn })));
      }
    } else if (roll < 16) await tally.time(() => ecs.send(new DescribeClustersCommand({ clusters: ["soak"], include: ["STATISTICS"] })));
    else await tally.time(() => ecs.send(new ListTasksCommand({ cluster: "soak" })));
  }
}

export interface SoakResult {
  target: string;
  seconds: number;
  clients: number;
  requests: number;
  requestsPerSecond: number;
  serverErrors: number;
  errors: Record<string, number>;
  errorExamples: Record<string, string>;
  errorsBySecond: Record<number, number>;
  p50Ms: number;
  p99Ms: number;
  rssStartMiB: number[];
  rssEndMiB: number[];
  storeStartMiB: number;
  storeEndMiB: number;
  /** Rows the scheduler should have looked at more than 5 s before the end (0: it keeps up). */
  overdueRowsAtEnd: number;
  fault?: string;
}

async function soak(name: string, replicas: Replica[], storeBytes: () => Promise<number>, overdue: () => Promise<number>, seconds: number, clients: number, fault?: () => Promise<string>): Promise<SoakResult> {
  const setup = client(replicas[0].url);
  await prepare(setup, clients);
  setup.destroy();
  // Let the servers settle after setup before the starting figures.
  await new Promise((r) => setTimeout(r, 2000));
  const rssStartMiB = replicas.map((r) => rssMiB(r.child));
  const storeStart = await storeBytes();
  const tally = new Tally();
  const started = Date.now();
  const end = started + seconds * 1000;
  let faultReport: string | undefined;
  const faultAt = fault ? setTimeout(() => void fault().then((report) => (faultReport = report)), (seconds * 1000) / 2) : undefined;
  const clientsOf = Array.from({ length: clients }, (_, c) => client(replicas[c % replicas.length].url));
  let lastReport = started;
  const progress = setInterval(() => {
    if (Date.now() - lastReport < 30_000) return;
    lastReport = Date.now();
    void overdue().then((rows) =>
      console.log(`  ${name}: ${Math.round((Date.now() - started) / 1000)} s, ${tally.requests} requests, ${tally.serverErrors} 5xx, RSS ${replicas.map((r) => rssMiB(r.child)).join("/")} MiB, ${rows} scheduler rows overdue > 5 s`),
    );
  }, 1000);
  await Promise.all(clientsOf.map((ecs, c) => clientLoop(ecs, c, tally, () => Date.now() >= end)));
  clearInterval(progress);
  if (faultAt) clearTimeout(faultAt);
  for (const c of clientsOf) c.destroy();
  const elapsed = (Date.now() - started) / 1000;
  const result: SoakResult = {
    target: name,
    seconds: Math.round(elapsed),
    clients,
    requests: tally.requests,
    requestsPerSecond: Math.round(tally.requests / elapsed),
    serverErrors: tally.serverErrors,
    errors: Object.fromEntries(tally.errors),
    errorExamples: Object.fromEntries(tally.examples),
    errorsBySecond: Object.fromEntries(tally.errorSeconds),
    p50Ms: Math.round(tally.percentile(50) * 10) / 10,
    p99Ms: Math.round(tally.percentile(99) * 10) / 10,
    rssStartMiB,
    rssEndMiB: replicas.map((r) => rssMiB(r.child)),
    storeStartMiB: Math.round((storeStart / 2 ** 20) * 10) / 10,
    storeEndMiB: Math.round(((await storeBytes()) / 2 ** 20) * 10) / 10,
    overdueRowsAtEnd: await overdue(),
    ...(faultReport ? { fault: faultReport } : {}),
  };
  for (const r of replicas) if (r.child.exitCode !== null) result.errors[`replica exited (${r.child.exitCode})`] = 1;
  return result;
}

export interface ContentionResult {
  seconds: number;
  clients: number;
  requests: number;
  requestsPerSecond: number;
  serverErrors: number;
  throttled: number;
  errors: Record<string, number>;
  p50Ms: number;
  p99Ms: number;
}

/** 50 clients on one EXTERNAL service and its task set, half through each replica. */
async function contention(replicas: Replica[], seconds: number, clients: number): Promise<ContentionResult> {
  const setup = client(replicas[0].url);
  await setup.send(new CreateClusterCommand({ clusterName: "hot" }));
  await setup.send(new RegisterTaskDefinitionCommand({ family: "web", requiresCompatibilities: ["FARGATE"], networkMode: "awsvpc", cpu: "256", memory: "512", containerDefinitions: [{ name: "app", image: "nginx" }] }));
  await setup.send(new CreateServiceCommand({ cluster: "hot", serviceName: "one", desiredCount: 4, deploymentController: { type: "EXTERNAL" } }));
  const set = await setup.send(new CreateTaskSetCommand({ cluster: "hot", service: "one", taskDefinition: "web", launchType: "FARGATE", networkConfiguration: NETWORK, scale: { value: 100, unit: "PERCENT" } }));
  setup.destroy();
  const id = set.taskSet?.id ?? "";
  const tally = new Tally();
  const started = Date.now();
  const end = started + seconds * 1000;
  const clientsOf = Array.from({ length: clients }, (_, c) => client(replicas[c % replicas.length].url));
  await Promise.all(
    clientsOf.map(async (ecs, c) => {
      for (let k = 0; Date.now() < end; k++) {
        const op = (c + k) % 3;
        if (op === 0) await tally.time(() => ecs.send(new UpdateServiceCommand({ cluster: "hot", service: "one", desiredCount: 1 + ((c + k) % 8) })));
        else if (op === 1) await tally.time(() => ecs.send(new UpdateTaskSetCommand({ cluster: "hot", service: "one", taskSet: id, scale: { value: (c * 7 + k) % 101, unit: "PERCENT" } })));
        else await tally.time(() => ecs.send(new DescribeTaskSetsCommand({ cluster: "hot", service: "one", taskSets: [id] })));
      }
    }),
  );
  for (const c of clientsOf) c.destroy();
  const elapsed = (Date.now() - started) / 1000;
  return {
    seconds: Math.round(elapsed),
    clients,
    requests: tally.requests,
    requestsPerSecond: Math.round(tally.requests / elapsed),
    serverErrors: tally.serverErrors,
    throttled: tally.throttled,
    errors: Object.fromEntries(tally.errors),
    p50Ms: Math.round(tally.percentile(50) * 10) / 10,
    p99Ms: Math.round(tally.percentile(99) * 10) / 10,
  };
}

const SERVER_ARGS = ["--task-step-ms", "100", "--stopped-task-retention", "60000"];

export async function runSoakBench(parts: ReadonlySet<string> = new Set(["soak", "contention"])): Promise<Record<string, unknown>> {
  const seconds = Number(process.env.SOAK_SECONDS ?? 180);
  const contentionSeconds = Number(process.env.CONTENTION_SECONDS ?? 60);
  const clients = Number(process.env.SOAK_CLIENTS ?? 16);
  const databaseUrl = process.env.ECSLITE_BENCH_POSTGRES_URL ?? process.env.ECSLITE_TEST_POSTGRES_URL;
  const results: Record<string, unknown> = {};
  const soaks: SoakResult[] = [];

  if (parts.has("soak")) {
    const dataDir = mkdtempSync(path.join(tmpdir(), "ecslite-soak-"));
    const sqlite = await startReplica(["--data-dir", dataDir, ...SERVER_ARGS]);
    try {
      console.log(`soak: one SQLite process, ${clients} clients, ${seconds} s`);
      soaks.push(await soak("sqlite", [sqlite], async () => directoryBytes(dataDir), async () => overdueSqlite(dataDir), seconds, clients));
    } finally {
      await stopReplica(sqlite);
      rmSync(dataDir, { recursive: true, force: true });
    }
    if (databaseUrl) {
      const a = await startReplica(["--postgres", databaseUrl, ...SERVER_ARGS]);
      await fetch(`${a.url}/_ecslite/reset`, { method: "POST" });
      const b = await startReplica(["--postgres", databaseUrl, ...SERVER_ARGS]);
      try {
        console.log(`soak: two PostgreSQL replicas, ${clients} clients, ${seconds} s, every connection terminated halfway`);
        soaks.push(
          await soak("postgres x2", [a, b], () => databaseBytes(databaseUrl), () => overduePostgres(databaseUrl), seconds, clients, async () => {
            const n = await terminateBackends(databaseUrl);
            console.log(`  terminated ${n} PostgreSQL connections at ${Math.round(seconds / 2)} s`);
            return `${n} connections terminated at ${Math.round(seconds / 2)} s`;
          }),
        );
      } finally {
        await stopReplica(a);
        await stopReplica(b);
      }
    } else {
      console.log("soak: no ECSLITE_BENCH_POSTGRES_URL / ECSLITE_TEST_POSTGRES_URL, the PostgreSQL soak is skipped");
    }
    results.soak = soaks;
    console.log("\nSoak (clients never retry; stopped tasks kept 60 s)");
    console.log("| store | s | clients | requests | req/s | 5xx | other errors | p50 / p99 ms | RSS start -> end (MiB) | store start -> end (MiB) | scheduler rows overdue > 5 s at the end | fault |");
    console.log("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
    for (const r of soaks) {
      const others = Object.entries(r.errors).filter(([k]) => !/^(5\d\d|no answer)/.test(k));
      console.log(
        `| ${r.target} | ${r.seconds} | ${r.clients} | ${r.requests} | ${r.requestsPerSecond} | ${r.serverErrors} | ${others.length ? others.map(([k, v]) => `${k}: ${v}`).join(", ") : 0} | ${r.p50Ms} / ${r.p99Ms} | ${r.rssStartMiB.join("+")} -> ${r.rssEndMiB.join("+")} | ${r.storeStartMiB} -> ${r.storeEndMiB} | ${r.overdueRowsAtEnd} | ${r.fault ?? "-"} |`,
      );
    }
  }

  if (parts.has("contention")) {
    if (!databaseUrl) {
      console.log("contention: no PostgreSQL URL, skipped");
    } else {
      const a = await startReplica(["--postgres", databaseUrl, ...SERVER_ARGS]);
      await fetch(`${a.url}/_ecslite/reset`, { method: "POST" });
      const b = await startReplica(["--postgres", databaseUrl, ...SERVER_ARGS]);
      try {
        console.log(`\ncontention: two PostgreSQL replicas, 50 clients on one EXTERNAL service, ${contentionSeconds} s`);
        const r = await contention([a, b], contentionSeconds, 50);
        results.contention = r;
        console.log("| s | clients | requests | req/s | 5xx | ThrottlingException | other errors | p50 / p99 ms |");
        console.log("| --- | --- | --- | --- | --- | --- | --- | --- |");
        const others = Object.entries(r.errors).filter(([k]) => !/^(5\d\d|no answer)|ThrottlingException/.test(k));
        console.log(`| ${r.seconds} | ${r.clients} | ${r.requests} | ${r.requestsPerSecond} | ${r.serverErrors} | ${r.throttled} | ${others.length ? others.map(([k, v]) => `${k}: ${v}`).join(", ") : 0} | ${r.p50Ms} / ${r.p99Ms} |`);
      } finally {
        await stopReplica(a);
        await stopReplica(b);
      }
    }
  }
  return results;
}

if (require.main === module) {
  runSoakBench().then(
    (results) => console.log(JSON.stringify(results, null, 2)),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
