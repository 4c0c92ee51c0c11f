// The scale curve: does an operation cost more when the store holds more of what it was not asked
// for? One cluster is built through the real API (the measured service with a task set, a template
// service with a task set, 10 more services, 11 running and 1 stopped standalone task); copies of the templates are
// then written through the Store interface to grow one dimension per store: services in the
// cluster, task sets in the cluster, stopped tasks, running tasks. Each store is served by its own ecslite process (SQLite on disk), and every
// operation is measured with wrk against all of them in interleaved rounds; the figure is the rate
// relative to the base store.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { CreateClusterCommand, CreateServiceCommand, CreateTaskSetCommand, ECSClient, RegisterTaskDefinitionCommand, RunTaskCommand, StopTaskCommand } from "@aws-sdk/client-ecs";
import { defaultConfig } from "../src/config";
import type { Records, ServiceRecord, TaskRecord, TaskSetRecord } from "../src/domain/records";
import { startServer } from "../src/server";
import { SqliteStore } from "../src/store/sqlite";
import type { Kind } from "../src/store/store";
import { signedRequest } from "./load";
import { freePort, type Server, startEcslite, stop, untilIdle } from "./servers";
import { type FixedRequest, median, type Pinning, runWrk, type WrkResult } from "./wrk";

const REGION = "us-east-1";

export interface Dimension {
  readonly name: string;
  /** Adds copies of the template records to a store that holds the base cluster. */
  readonly grow: (store: SqliteStore, templates: Templates) => Promise<void>;
}

export interface Templates {
  service: ServiceRecord;
  taskSet: TaskSetRecord;
  runningTask: TaskRecord;
  stoppedTask: TaskRecord;
  /** Names and ids in the templates, replaced in each copy. */
  serviceName: string;
  taskSetId: string;
  runningTaskId: string;
  stoppedTaskId: string;
  /** The measured service's task set. */
  measuredTaskSetId: string;
}

/** The template service's name: a token that appears nowhere else, so copies can rename it. */
const TEMPLATE_SERVICE = "tmplsvc";

/** A copy of a record with every occurrence of the given tokens replaced. */
function copyOf<T>(record: T, replacements: readonly [string, string][]): T {
  let text = JSON.stringify(record);
  for (const [from, to] of replacements) text = text.split(from).join(to);
  return JSON.parse(text) as T;
}

const digits19 = (n: number) => String(2_000_000_000_000_000_000n + BigInt(n));
const hex32 = (n: number) => n.toString(16).padStart(32, "0");

/** Writes records in transactions of a thousand. */
async function putAll<K extends Kind>(store: SqliteStore, kind: K, count: number, make: (i: number) => Records[K] | Records[K][]): Promise<void> {
  for (let start = 0; start < count; start += 1000) {
    await store.transaction(async (tx) => {
      for (let i = start; i < Math.min(count, start + 1000); i++) {
        const made = make(i);
        for (const record of Array.isArray(made) ? made : [made]) await tx.put(kind, record);
      }
    });
  }
}

function moreServices(count: number, setsPerService: number): Dimension["grow"] {
  return async (store, t) => {
    await putAll(store, "service", count, (i) => copyOf(t.service, [[t.serviceName, `scale${i}`]]));
    await putAll(store, "taskSet", count, (i) =>
      Array.from({ length: setsPerService }, (_, j) => copyOf(t.taskSet, [[t.serviceName, `scale${i}`], [t.taskSetId, digits19(i * setsPerService + j)]])),
    );
  };
}

export const DIMENSIONS: readonly Dimension[] = [
  { name: "base cluster", grow: async () => undefined },
  { name: "+50 services", grow: moreServices(50, 1) },
  { name: "+100,000 task sets (20,000 services)", grow: moreServices(20_000, 5) },
  { name: "+10,000 stopped tasks", grow: (store, t) => putAll(store, "task", 10_000, (i) => copyOf(t.stoppedTask, [[t.stoppedTaskId, hex32(i + 1)]])) },
  { name: "+10,000 running tasks", grow: (store, t) => putAll(store, "task", 10_000, (i) => copyOf(t.runningTask, [[t.runningTaskId, hex32(20_000 + i)]])) },
];

/** The base cluster, built through the API on a fresh data directory; returns the records to copy. */
async function buildBase(dataDir: string): Promise<Templates> {
  const server = await startServer({ ...defaultConfig(), port: 0, dataDir, inMemory: false, stepMs: 0, clock: "virtual", logLevel: "error" });
  const ecs = new ECSClient({ endpoint: server.url, region: REGION, credentials: { accessKeyId: "test", secretAccessKey: "test" }, maxAttempts: 1 });
  try {
    await ecs.send(new CreateClusterCommand({ clusterName: "bench", capacityProviders: ["FARGATE"] }));
    await ecs.send(
      new RegisterTaskDefinitionCommand({
        family: "web",
        requiresCompatibilities: ["FARGATE"],
        networkMode: "awsvpc",
        cpu: "256",
        memory: "512",
        containerDefinitions: [{ name: "app", image: "public.ecr.aws/nginx/nginx:latest", portMappings: [{ containerPort: 80 }] }],
      }),
    );
    const network = { awsvpcConfiguration: { subnets: ["subnet-a"] } };
    const setOf = (service: string) => new CreateTaskSetCommand({ cluster: "bench", service, taskDefinition: "web", launchType: "FARGATE", networkConfiguration: network, scale: { value: 0, unit: "PERCENT" } });
    await ecs.send(new CreateServiceCommand({ cluster: "bench", serviceName: "svc", desiredCount: 0, deploymentController: { type: "EXTERNAL" } }));
    const measured = await ecs.send(setOf("svc"));
    const service = await ecs.send(new CreateServiceCommand({ cluster: "bench", serviceName: TEMPLATE_SERVICE, desiredCount: 0, deploymentController: { type: "EXTERNAL" } }));
    const set = await ecs.send(setOf(TEMPLATE_SERVICE));
    // Enough services and running tasks that the listings' pages of 10 are full on the base cluster
    // too: a larger cluster must not look dearer only because its page holds more.
    for (let i = 0; i < 10; i++) await ecs.send(new CreateServiceCommand({ cluster: "bench", serviceName: `base${i}`, desiredCount: 0, deploymentController: { type: "EXTERNAL" } }));
    await ecs.send(new RunTaskCommand({ cluster: "bench", taskDefinition: "web", launchType: "FARGATE", networkConfiguration: network, count: 10 }));
    const running = await ecs.send(new RunTaskCommand({ cluster: "bench", taskDefinition: "web", launchType: "FARGATE", networkConfiguration: network }));
    const stopped = await ecs.send(new RunTaskCommand({ cluster: "bench", taskDefinition: "web", launchType: "FARGATE", networkConfiguration: network }));
    await fetch(`${server.url}/_ecslite/scheduler/settle`, { method: "POST" });
    await ecs.send(new StopTaskCommand({ cluster: "bench", task: stopped.tasks?.[0]?.taskArn }));
    await fetch(`${server.url}/_ecslite/scheduler/settle`, { method: "POST" });
    const arns = { service: service.service?.serviceArn ?? "", taskSet: set.taskSet?.taskSetArn ?? "", running: running.tasks?.[0]?.taskArn ?? "", stopped: stopped.tasks?.[0]?.taskArn ?? "" };
    const templates = await server.store.transaction(async (tx) => ({
      service: await tx.get("service", arns.service),
      taskSet: await tx.get("taskSet", arns.taskSet),
      runningTask: await tx.get("task", arns.running),
      stoppedTask: await tx.get("task", arns.stopped),
    }));
    if (!templates.service || !templates.taskSet || !templates.runningTask || !templates.stoppedTask) throw new Error("the base cluster is incomplete");
    if (templates.runningTask.task.lastStatus !== "RUNNING" || templates.stoppedTask.task.lastStatus !== "STOPPED") throw new Error("the template tasks did not reach RUNNING and STOPPED");
    return {
      service: templates.service,
      taskSet: templates.taskSet,
      runningTask: templates.runningTask,
      stoppedTask: templates.stoppedTask,
      serviceName: TEMPLATE_SERVICE,
      taskSetId: (set.taskSet?.id ?? "").replace("ecs-svc/", ""),
      runningTaskId: arns.running.split("/").pop() ?? "",
      stoppedTaskId: arns.stopped.split("/").pop() ?? "",
      measuredTaskSetId: measured.taskSet?.id ?? "",
    };
  } finally {
    ecs.destroy();
    await server.close();
  }
}

/** The operations measured on every store, as requests for the base cluster. */
function operations(host: string, t: Templates): Promise<[string, FixedRequest][]> {
  const setId = t.measuredTaskSetId;
  const list: [string, string, unknown][] = [
    ["DescribeClusters", "DescribeClusters", { clusters: ["bench"] }],
    ["DescribeClusters (STATISTICS)", "DescribeClusters", { clusters: ["bench"], include: ["STATISTICS"] }],
    ["DescribeServices", "DescribeServices", { cluster: "bench", services: ["svc"] }],
    ["DescribeTaskSets", "DescribeTaskSets", { cluster: "bench", service: "svc", taskSets: [setId] }],
    ["UpdateTaskSet", "UpdateTaskSet", { cluster: "bench", service: "svc", taskSet: setId, scale: { value: 0, unit: "PERCENT" } }],
    ["ListServices (10)", "ListServices", { cluster: "bench", maxResults: 10 }],
    ["ListTasks (10)", "ListTasks", { cluster: "bench", maxResults: 10 }],
    ["DescribeTasks", "DescribeTasks", { cluster: "bench", tasks: [t.runningTaskId] }],
  ];
  return Promise.all(list.map(async ([label, operation, input]) => [label, await signedRequest(host, operation, input)] as [string, FixedRequest]));
}

export interface ScaleRow {
  operation: string;
  /**
   * Median req/s per dimension and its ratio to the base cluster; the median server CPU per request
   * and the base's as a ratio of it (1 when a request costs what it costs on the base cluster).
   */
  cells: { dimension: string; throughput: number; ratioToBase: number; serverCpuMicros: number; costRatioToBase: number; p99Ms: number; errors: number }[];
}

export async function runScaleCurve(options: { seconds: number; rounds: number; connections: number; pin?: Pinning }): Promise<ScaleRow[]> {
  const dirs: string[] = [];
  const servers: Server[] = [];
  try {
    // Each store is built by the API on its own, so each server is asked with its own ids.
    const requests: [string, FixedRequest][][] = [];
    for (const dimension of DIMENSIONS) {
      const dataDir = mkdtempSync(path.join(tmpdir(), "ecslite-scale-"));
      dirs.push(dataDir);
      const templates = await buildBase(dataDir);
      const store = new SqliteStore({ dataDir });
      await dimension.grow(store, templates);
      await store.close();
      const server = await startEcslite(dimension.name, await freePort(), ["--data-dir", dataDir], options.pin);
      servers.push(server);
      await untilIdle(server);
      requests.push(await operations(`127.0.0.1:${server.port}`, templates));
    }
    const rows: ScaleRow[] = [];
    for (let op = 0; op < requests[0].length; op++) {
      const label = requests[0][op][0];
      const runs = new Map<string, WrkResult[]>();
      for (let i = 0; i < servers.length; i++) await runWrk(servers[i].port, requests[i][op][1], { connections: options.connections, seconds: 1, serverPid: servers[i].pid, pin: options.pin });
      for (let round = 0; round < options.rounds; round++) {
        for (let k = 0; k < servers.length; k++) {
          const i = (k + round) % servers.length;
          const result = await runWrk(servers[i].port, requests[i][op][1], { connections: options.connections, seconds: options.seconds, serverPid: servers[i].pid, pin: options.pin });
          runs.set(servers[i].name, [...(runs.get(servers[i].name) ?? []), result]);
        }
      }
      const baseRuns = runs.get(servers[0].name) ?? [];
      const base = median(baseRuns.map((r) => r.throughput));
      const baseMicros = median(baseRuns.map((r) => r.serverCpuMicros));
      const cells = servers.map((s) => {
        const results = runs.get(s.name) ?? [];
        const throughput = median(results.map((r) => r.throughput));
        const serverCpuMicros = median(results.map((r) => r.serverCpuMicros));
        return { dimension: s.name, throughput, ratioToBase: throughput / base, serverCpuMicros, costRatioToBase: baseMicros / serverCpuMicros, p99Ms: median(results.map((r) => r.p99Ms)), errors: results.reduce((n, r) => n + r.errors, 0) };
      });
      rows.push({ operation: label, cells });
      console.log(`${label}: ${cells.map((c) => `${c.dimension} ${Math.round(c.throughput)}/s (${Math.round(c.ratioToBase * 100)}%) ${c.serverCpuMicros.toFixed(1)} µs${c.errors ? ` ${c.errors} errors` : ""}`).join("; ")}`);
    }
    return rows;
  } finally {
    for (const s of servers) await stop(s);
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  }
}
