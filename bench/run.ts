// `npm run bench`: ecslite against moto and the ceiling (a bare node:http server), side by side in
// one run; cold start and memory; the scale curve; the convergence benchmark; the auth modes.
// Results are printed as tables and written to bench/results/latest.json.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as net from "node:net";
import { cpus, tmpdir, totalmem } from "node:os";
import * as path from "node:path";
import { CreateClusterCommand, CreateServiceCommand, CreateTaskSetCommand, ECSClient, RegisterTaskDefinitionCommand } from "@aws-sdk/client-ecs";
import { SqliteStore } from "../src/store/sqlite";
import { runConvergenceBench } from "./convergence";
import { runSoakBench } from "./soak";
import { type LoadResult, runLoad, signedRequest } from "./load";

const root = path.resolve(__dirname, "..", "..");
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const CONCURRENCY = [1, 16, 64];
const OPERATIONS = ["DescribeTaskSets", "UpdateTaskSet", "CreateCluster"] as const;

interface Server {
  name: string;
  port: number;
  child: ChildProcess;
  coldStartMs: number;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
    s.on("error", reject);
  });
}

function rssMiB(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Math.round(Number(m[1]) / 1024) : 0;
  } catch {
    return 0;
  }
}

async function answers(port: number): Promise<boolean> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/`, {
      method: "POST",
      headers: { "content-type": "application/x-amz-json-1.1", "x-amz-target": "AmazonEC2ContainerServiceV20141113.ListClusters", authorization: "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/ecs/aws4_request, SignedHeaders=host, Signature=0" },
      body: "{}",
    });
    return response.status === 200;
  } catch {
    return false;
  }
}

/** Starts a server process and measures the time to its first answered ListClusters. */
async function startProcess(name: string, command: string, args: string[], port: number, env: NodeJS.ProcessEnv = {}): Promise<Server> {
  const started = performance.now();
  const child = spawn(command, args, { stdio: ["ignore", "ignore", "ignore"], env: { ...process.env, ...env } });
  const deadline = started + 60_000;
  while (!(await answers(port))) {
    if (performance.now() > deadline || child.exitCode !== null) throw new Error(`${name} did not start`);
    await new Promise((r) => setTimeout(r, 10));
  }
  return { name, port, child, coldStartMs: performance.now() - started };
}

async function stop(server: Server): Promise<void> {
  const exited = new Promise((r) => server.child.once("exit", r));
  server.child.kill("SIGTERM");
  await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
  if (server.child.exitCode === null) server.child.kill("SIGKILL");
}

function client(port: number): ECSClient {
  return new ECSClient({ endpoint: `http://127.0.0.1:${port}`, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" }, maxAttempts: 1 });
}

/** A cluster, an EXTERNAL service and one task set (at 0%, so no tasks churn during the run). */
async function prepare(port: number): Promise<{ taskSetId: string }> {
  const ecs = client(port);
  await ecs.send(new CreateClusterCommand({ clusterName: "bench" }));
  await ecs.send(new RegisterTaskDefinitionCommand({ family: "web", containerDefinitions: [{ name: "app", image: "nginx", memory: 128, portMappings: [{ containerPort: 80 }] }] }));
  await ecs.send(new CreateServiceCommand({ cluster: "bench", serviceName: "svc", desiredCount: 0, deploymentController: { type: "EXTERNAL" } }));
  // No launch type and no scale: EC2 at 0% on both (moto answers 500 to CreateTaskSet when either is
  // given and the cluster has no instances).
  const set = await ecs.send(new CreateTaskSetCommand({ cluster: "bench", service: "svc", taskDefinition: "web" }));
  ecs.destroy();
  return { taskSetId: set.taskSet?.id ?? "" };
}

async function requestFor(port: number, operation: (typeof OPERATIONS)[number], taskSetId: string) {
  const host = `127.0.0.1:${port}`;
  switch (operation) {
    case "DescribeTaskSets":
      return signedRequest(host, operation, { cluster: "bench", service: "svc", taskSets: [taskSetId] });
    case "UpdateTaskSet":
      return signedRequest(host, operation, { cluster: "bench", service: "svc", taskSet: taskSetId, scale: { value: 0, unit: "PERCENT" } });
    case "CreateCluster":
      return signedRequest(host, operation, { clusterName: "bench" });
  }
}

async function createManyTaskSets(port: number, count: number): Promise<void> {
  const ecs = client(port);
  const services = Math.ceil(count / 5);
  const jobs: (() => Promise<unknown>)[] = [];
  for (let s = 0; s < services; s++) {
    jobs.push(async () => {
      await ecs.send(new CreateServiceCommand({ cluster: "bench", serviceName: `many-${s}`, desiredCount: 0, deploymentController: { type: "EXTERNAL" } }));
      for (let i = 0; i < 5 && s * 5 + i < count; i++) {
        await ecs.send(new CreateTaskSetCommand({ cluster: "bench", service: `many-${s}`, taskDefinition: "web" }));
      }
    });
  }
  for (let i = 0; i < jobs.length; i += 16) await Promise.all(jobs.slice(i, i + 16).map((j) => j()));
  ecs.destroy();
}

const format = (n: number, digits = 0) => n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });

function table(headers: string[], rows: (string | number)[][]): string {
  const cells = [headers, ...rows.map((r) => r.map(String))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => r[i].length)));
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i])).join(" | ")} |`;
  return [line(headers), `| ${widths.map((w) => "-".repeat(w)).join(" | ")} |`, ...cells.slice(1).map(line)].join("\n");
}

/** Scale curve: the store pre-filled with N task sets (written through the Store interface), then measured over HTTP. */
async function scaleCurve(): Promise<{ taskSets: number; describeP50Ms: number; describeP99Ms: number; updateP50Ms: number; updateP99Ms: number }[]> {
  const results = [];
  for (const count of [10, 1000, 100_000]) {
    const dataDir = mkdtempSync(path.join(tmpdir(), "ecslite-scale-"));
    const store = new SqliteStore({ dataDir });
    const scope = { account: "000000000000", region: "us-east-1" };
    const clusterArn = `arn:aws:ecs:${scope.region}:${scope.account}:cluster/bench`;
    const now = Date.now() / 1000;
    await store.transaction(async (tx) => {
      await tx.put("cluster", { cluster: { clusterArn, clusterName: "bench", status: "ACTIVE", capacityProviders: [], defaultCapacityProviderStrategy: [], tags: [], settings: [], statistics: [] } });
      await tx.put("taskDefinition", {
        taskDefinition: { taskDefinitionArn: `arn:aws:ecs:us-east-1:000000000000:task-definition/web:1`, family: "web", revision: 1, status: "ACTIVE", containerDefinitions: [{ name: "app", image: "nginx", memory: 128 }], compatibilities: ["EC2"] },
        tags: [],
      });
      for (let s = 0; s < Math.ceil(count / 5); s++) {
        const serviceName = `svc-${s}`;
        const serviceArn = `arn:aws:ecs:us-east-1:000000000000:service/bench/${serviceName}`;
        await tx.put("service", {
          service: { serviceArn, serviceName, clusterArn, status: "ACTIVE", desiredCount: 4, runningCount: 0, pendingCount: 0, deploymentController: { type: "EXTERNAL" }, createdAt: now, events: [], deployments: [] },
          eventPacing: { steady: { message: `(service ${serviceName}) has reached a steady state.`, writtenAt: now * 1000 } },
        });
        for (let i = 0; i < 5 && s * 5 + i < count; i++) {
          const id = `ecs-svc/${String(1_000_000_000_000_000_000n + BigInt(s * 5 + i))}`;
          await tx.put("taskSet", {
            taskSet: {
              id,
              taskSetArn: `arn:aws:ecs:us-east-1:000000000000:task-set/bench/${serviceName}/${id}`,
              serviceArn,
              clusterArn,
              status: "ACTIVE",
              taskDefinition: "arn:aws:ecs:us-east-1:000000000000:task-definition/web:1",
              computedDesiredCount: 0,
              pendingCount: 0,
              runningCount: 0,
              createdAt: now,
              updatedAt: now,
              launchType: "EC2",
              loadBalancers: [],
              serviceRegistries: [],
              scale: { value: 0, unit: "PERCENT" },
              stabilityStatus: "STEADY_STATE",
              stabilityStatusAt: now,
              tags: [],
            },
          });
        }
      }
    });
    await store.close();
    const port = await freePort();
    const server = await startProcess(`ecslite (${count} task sets)`, process.execPath, [path.join(root, "dist/src/cli.js"), "--data-dir", dataDir, "--port", String(port), "--log-level", "error"], port);
    const host = `127.0.0.1:${port}`;
    const describe = await runLoad(port, await signedRequest(host, "DescribeTaskSets", { cluster: "bench", service: "svc-1", taskSets: ["ecs-svc/1000000000000000005"] }), 1, 2);
    const update = await runLoad(port, await signedRequest(host, "UpdateTaskSet", { cluster: "bench", service: "svc-1", taskSet: "ecs-svc/1000000000000000005", scale: { value: 0, unit: "PERCENT" } }), 1, 2);
    await stop(server);
    rmSync(dataDir, { recursive: true, force: true });
    results.push({ taskSets: count, describeP50Ms: describe.p50Ms, describeP99Ms: describe.p99Ms, updateP50Ms: update.p50Ms, updateP99Ms: update.p99Ms });
  }
  return results;
}

async function main(): Promise<void> {
  // Parts by name: `npm run bench -- soak contention`, or BENCH_ONLY=...; the soak parts take minutes and run only when named.
  const named = process.argv.slice(2).filter((a) => !a.startsWith("-"));
  const only = new Set(named.length ? named : (process.env.BENCH_ONLY ?? "throughput,memory,scale,convergence,auth").split(","));
  const results: Record<string, unknown> = {
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version },
    secondsPerCell: SECONDS,
  };
  const hasMoto = spawnSync("moto_server", ["--help"], { stdio: "ignore" }).status === 0;
  if (!hasMoto) console.log("moto_server is not installed: the moto column is skipped (pip install 'moto[server]' to include it).");

  if (only.has("throughput") || only.has("memory")) {
    const dataDir = mkdtempSync(path.join(tmpdir(), "ecslite-bench-"));
    const servers: Server[] = [];
    const ecsliteArgs = (port: number, extra: string[]) => [path.join(root, "dist/src/cli.js"), "--port", String(port), "--log-level", "error", ...extra];
    let port = await freePort();
    servers.push(await startProcess("ecslite sqlite", process.execPath, ecsliteArgs(port, ["--data-dir", dataDir]), port));
    port = await freePort();
    servers.push(await startProcess("ecslite in-memory", process.execPath, ecsliteArgs(port, ["--in-memory"]), port));
    if (hasMoto) {
      port = await freePort();
      servers.push(await startProcess("moto", "moto_server", ["-H", "127.0.0.1", "-p", String(port)], port));
    }
    const idleRss = Object.fromEntries(servers.map((s) => [s.name, rssMiB(s.child.pid)]));
    const ids = new Map<string, string>();
    for (const s of servers) ids.set(s.name, (await prepare(s.port)).taskSetId);
    // The ceiling answers with ecslite's own DescribeTaskSets body, byte for byte.
    const sampleRequest = await requestFor(servers[0].port, "DescribeTaskSets", ids.get(servers[0].name) ?? "");
    const sample = await fetch(`http://127.0.0.1:${servers[0].port}/`, { method: "POST", headers: sampleRequest.headers, body: sampleRequest.body });
    const ceilingBody = await sample.text();
    port = 0;
    const ceilingChild = spawn(process.execPath, [path.join(root, "dist/bench/ceiling.js")], { stdio: ["ignore", "pipe", "ignore"], env: { ...process.env, CEILING_BODY: ceilingBody } });
    const ceilingPort = await new Promise<number>((resolve) => ceilingChild.stdout?.on("data", (d: Buffer) => resolve(Number(/:(\d+)/.exec(d.toString())?.[1]))));
    const ceiling: Server = { name: "ceiling", port: ceilingPort, child: ceilingChild, coldStartMs: 0 };

    if (only.has("throughput")) {
      const rows: Record<string, unknown>[] = [];
      for (const operation of OPERATIONS) {
        for (const concurrency of CONCURRENCY) {
          const cell: Record<string, LoadResult> = {};
          for (const s of [...servers, ceiling]) {
            const request = await requestFor(s.port, operation, ids.get(s.name) ?? "");
            cell[s.name] = await runLoad(s.port, request, concurrency, SECONDS);
          }
          rows.push({ operation, concurrency, ...cell });
          const ours = cell["ecslite in-memory"].throughput;
          console.log(
            `${operation} x${concurrency}: ` +
              Object.entries(cell)
                .map(([n, r]) => `${n} ${format(r.throughput)}/s p50 ${format(r.p50Ms, 2)} ms p99 ${format(r.p99Ms, 2)} ms${r.errors ? ` (${r.errors} errors)` : ""}`)
                .join("; ") +
              `; in-memory/ceiling ${format((ours / cell.ceiling.throughput) * 100)}%`,
          );
        }
      }
      results.throughput = rows;
      const header = ["operation", "conc.", "sqlite req/s", "in-memory req/s", ...(hasMoto ? ["moto req/s"] : []), "ceiling req/s", ...(hasMoto ? ["sqlite/moto", "in-mem/moto"] : []), "sqlite/ceiling", "in-mem/ceiling", "sqlite p50/p99 ms", "in-mem p50/p99 ms"];
      const body = rows.map((r) => {
        const get = (n: string) => r[n] as LoadResult;
        const sq = get("ecslite sqlite");
        const mem = get("ecslite in-memory");
        const moto = hasMoto ? get("moto") : undefined;
        const ceil = get("ceiling");
        return [
          String(r.operation),
          String(r.concurrency),
          format(sq.throughput),
          format(mem.throughput),
          ...(moto ? [format(moto.throughput)] : []),
          format(ceil.throughput),
          ...(moto ? [`${format(sq.throughput / moto.throughput, 1)}x`, `${format(mem.throughput / moto.throughput, 1)}x`] : []),
          `${format((sq.throughput / ceil.throughput) * 100)}%`,
          `${format((mem.throughput / ceil.throughput) * 100)}%`,
          `${format(sq.p50Ms, 2)} / ${format(sq.p99Ms, 2)}`,
          `${format(mem.p50Ms, 2)} / ${format(mem.p99Ms, 2)}`,
        ];
      });
      console.log(`\nAPI throughput (${SECONDS} s per cell, same client, same run)\n${table(header, body)}\n`);
    }

    if (only.has("memory")) {
      const memory: Record<string, unknown>[] = [];
      for (const s of servers) {
        const started = performance.now();
        await createManyTaskSets(s.port, 10_000);
        memory.push({ server: s.name, coldStartMs: Math.round(s.coldStartMs), idleRssMiB: idleRss[s.name], rssAfter10kTaskSetsMiB: rssMiB(s.child.pid), secondsToCreate10kTaskSets: (performance.now() - started) / 1000 });
      }
      results.memory = memory;
      console.log(
        `Cold start and memory\n${table(
          ["server", "cold start (ms)", "idle RSS (MiB)", "RSS after 10,000 task sets (MiB)", "time to create them (s)"],
          memory.map((m) => [String(m.server), String(m.coldStartMs), String(m.idleRssMiB), String(m.rssAfter10kTaskSetsMiB), format(Number(m.secondsToCreate10kTaskSets), 1)]),
        )}\n`,
      );
    }
    for (const s of [...servers, ceiling]) await stop(s);
    rmSync(dataDir, { recursive: true, force: true });
  }

  if (only.has("scale")) {
    const curve = await scaleCurve();
    results.scaleCurve = curve;
    console.log(
      `Scale curve (SQLite on disk, one client; unrelated task sets in the store)\n${table(
        ["task sets in store", "DescribeTaskSets p50 / p99 (ms)", "UpdateTaskSet p50 / p99 (ms)"],
        curve.map((c) => [format(c.taskSets), `${format(c.describeP50Ms, 3)} / ${format(c.describeP99Ms, 3)}`, `${format(c.updateP50Ms, 3)} / ${format(c.updateP99Ms, 3)}`]),
      )}\n`,
    );
  }

  if (only.has("convergence")) {
    const convergence = await runConvergenceBench();
    results.convergence = convergence;
    console.log(
      `Convergence: ${convergence.taskSets} task sets x ${convergence.tasksPerSet} tasks, zero-delay, ${convergence.store}; peak RSS ${convergence.peakRssMiB} MiB\n${table(
        ["phase", "time to converge (s)", "task transitions", "reconciler CPU (s)", "CPU per transition (µs)"],
        convergence.phases.map((p) => [p.phase, format(p.seconds, 2), format(p.transitions), format(p.reconcilerCpuSeconds, 2), format(p.cpuMicrosPerTransition, 1)]),
      )}\n`,
    );
  }

  if (only.has("auth")) {
    try {
      // bench/auth.ts measures the sigv4 and iam modes; loaded by name so this runner works without it.
      const authModule = "./auth";
      const auth = (await import(authModule)) as { runAuthBench?: () => Promise<Record<string, unknown>> };
      if (auth.runAuthBench) results.auth = await auth.runAuthBench();
    } catch (error) {
      console.log(`auth benchmark skipped: ${(error as Error).message}`);
    }
  }

  if (only.has("soak") || only.has("contention")) Object.assign(results, await runSoakBench(only));

  // A soak-only run has its own results file, so it does not replace the throughput figures.
  const soakOnly = [...only].every((part) => part === "soak" || part === "contention");
  const output = soakOnly ? "bench/results/soak.json" : "bench/results/latest.json";
  mkdirSync(path.join(root, "bench/results"), { recursive: true });
  writeFileSync(path.join(root, output), JSON.stringify(results, null, 2) + "\n");
  console.log(`written to ${output}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
