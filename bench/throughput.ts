// API throughput measured from outside: ecslite (in memory and on disk) next to the two references
// and moto, in one run. Each cell (operation x connections) is measured in rounds; within a round
// every server is loaded in turn (the starting server rotates), and the median round is kept, so
// background load on a shared machine falls on every server alike.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { CreateClusterCommand, CreateServiceCommand, CreateTaskSetCommand, ECSClient, RegisterTaskDefinitionCommand } from "@aws-sdk/client-ecs";
import { signedRequest } from "./load";
import { freePort, type Server, startCeiling, startEcslite, startProcess, startReference, stop } from "./servers";
import { type FixedRequest, medianRound, type Pinning, pinning, runWrk, type WrkResult } from "./wrk";

export const OPERATIONS = ["DescribeClusters", "DescribeTaskSets", "UpdateTaskSet"] as const;
export type Operation = (typeof OPERATIONS)[number];

export const ECSLITE_MEMORY = "ecslite in-memory";
export const ECSLITE_DISK = "ecslite sqlite";
export const CEILING = "ceiling";
export const REFERENCE = "one-lookup";
export const MOTO = "moto";

export interface ThroughputCell {
  operation: Operation;
  connections: number;
  /** Median round per server. */
  results: Record<string, WrkResult>;
  /** Every round's throughput per server. */
  rounds: Record<string, number[]>;
}

export interface ThroughputOptions {
  readonly seconds: number;
  readonly rounds: number;
  readonly connections: readonly number[];
  readonly pin?: Pinning;
  readonly withMoto: boolean;
}

function client(port: number): ECSClient {
  return new ECSClient({ endpoint: `http://127.0.0.1:${port}`, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" }, maxAttempts: 1 });
}

/** A cluster, an EXTERNAL service and one task set (at 0%, so no tasks churn during the run). */
export async function prepareBenchCluster(port: number): Promise<{ taskSetId: string }> {
  const ecs = client(port);
  await ecs.send(new CreateClusterCommand({ clusterName: "bench" }));
  await ecs.send(new RegisterTaskDefinitionCommand({ family: "web", containerDefinitions: [{ name: "app", image: "nginx", memory: 128, portMappings: [{ containerPort: 80 }] }] }));
  await ecs.send(new CreateServiceCommand({ cluster: "bench", serviceName: "svc", desiredCount: 0, deploymentController: { type: "EXTERNAL" } }));
  // No launch type and no scale: EC2 at 0% on both ecslite and moto (moto answers 500 to
  // CreateTaskSet when either is given and the cluster has no instances).
  const set = await ecs.send(new CreateTaskSetCommand({ cluster: "bench", service: "svc", taskDefinition: "web" }));
  ecs.destroy();
  return { taskSetId: set.taskSet?.id ?? "" };
}

export async function requestFor(port: number, operation: Operation, taskSetId: string): Promise<FixedRequest> {
  const host = `127.0.0.1:${port}`;
  switch (operation) {
    case "DescribeClusters":
      return signedRequest(host, operation, { clusters: ["bench"] });
    case "DescribeTaskSets":
      return signedRequest(host, operation, { cluster: "bench", service: "svc", taskSets: [taskSetId] });
    case "UpdateTaskSet":
      return signedRequest(host, operation, { cluster: "bench", service: "svc", taskSet: taskSetId, scale: { value: 0, unit: "PERCENT" } });
  }
}

/** ecslite's answer to a request (throws unless 200). */
export async function answerOf(port: number, request: FixedRequest): Promise<string> {
  const response = await fetch(`http://127.0.0.1:${port}${request.path}`, { method: "POST", headers: request.headers, body: request.body });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`${request.headers["x-amz-target"]} answered ${response.status}: ${text}`);
  return text;
}

export async function runThroughput(options: ThroughputOptions): Promise<ThroughputCell[]> {
  const dataDir = mkdtempSync(path.join(tmpdir(), "ecslite-bench-"));
  const servers: Server[] = [];
  try {
    servers.push(await startEcslite(ECSLITE_MEMORY, await freePort(), ["--in-memory"], options.pin));
    servers.push(await startEcslite(ECSLITE_DISK, await freePort(), ["--data-dir", dataDir], options.pin));
    if (options.withMoto) {
      const port = await freePort();
      servers.push(await startProcess(MOTO, "moto_server", ["-H", "127.0.0.1", "-p", String(port)], port, { pin: options.pin }));
    }
    const ids = new Map<string, string>();
    for (const s of servers) ids.set(s.name, (await prepareBenchCluster(s.port)).taskSetId);
    // The references answer with ecslite's own bodies: the ceiling per operation, the one-lookup
    // server a stored task set document.
    const ours = servers[0];
    const bodies: Record<string, string> = {};
    for (const operation of OPERATIONS) bodies[operation] = await answerOf(ours.port, await requestFor(ours.port, operation, ids.get(ours.name) ?? ""));
    servers.push(await startCeiling(bodies, options.pin));
    const taskSet = (JSON.parse(bodies.DescribeTaskSets) as { taskSets: unknown[] }).taskSets[0];
    servers.push(await startReference(JSON.stringify(taskSet), options.pin));

    const cells: ThroughputCell[] = [];
    for (const operation of OPERATIONS) {
      for (const connections of options.connections) {
        const requests = new Map<string, FixedRequest>();
        for (const s of servers) requests.set(s.name, await requestFor(s.port, operation, ids.get(s.name) ?? ""));
        // Warm up (JIT, statement caches) before anything is measured.
        for (const s of servers) await runWrk(s.port, requests.get(s.name) as FixedRequest, { connections, seconds: 1, serverPid: s.pid, pin: options.pin });
        const runs = new Map<string, WrkResult[]>();
        for (let round = 0; round < options.rounds; round++) {
          for (let i = 0; i < servers.length; i++) {
            const s = servers[(i + round) % servers.length];
            const result = await runWrk(s.port, requests.get(s.name) as FixedRequest, { connections, seconds: options.seconds, serverPid: s.pid, pin: options.pin });
            runs.set(s.name, [...(runs.get(s.name) ?? []), result]);
          }
        }
        const cell: ThroughputCell = { operation, connections, results: {}, rounds: {} };
        for (const [name, results] of runs) {
          cell.results[name] = medianRound(results);
          cell.rounds[name] = results.map((r) => Math.round(r.throughput));
        }
        cells.push(cell);
        console.log(
          `${operation} x${connections}: ` +
            servers
              .map((s) => cell.results[s.name])
              .map((r, i) => `${servers[i].name} ${Math.round(r.throughput)}/s ${r.serverCpuMicros.toFixed(1)} µs busy ${Math.round(r.serverBusy * 100)}% p99 ${r.p99Ms.toFixed(2)} ms${r.errors ? ` (${r.errors} errors)` : ""}`)
              .join("; "),
        );
      }
    }
    return cells;
  } finally {
    for (const s of servers) await stop(s);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export function motoAvailable(): boolean {
  return spawnSync("moto_server", ["--help"], { stdio: "ignore" }).status === 0;
}

// `node dist/bench/throughput.js` runs this part alone (BENCH_CONNECTIONS default 16; BENCH_MOTO=1 adds moto).
if (require.main === module) {
  runThroughput({
    seconds: Number(process.env.BENCH_SECONDS ?? 2),
    rounds: Number(process.env.BENCH_ROUNDS ?? 3),
    connections: (process.env.BENCH_CONNECTIONS ?? "16").split(",").map(Number),
    pin: pinning(),
    withMoto: process.env.BENCH_MOTO === "1" && motoAvailable(),
  }).catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
