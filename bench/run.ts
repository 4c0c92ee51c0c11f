// `npm run bench`: what ecslite's server costs per request, measured from outside with wrk next to
// two references (a bare node:http ceiling and a one-lookup SQLite server) and moto, in one run;
// what serving HTTP costs a server with work of its own (overhead); cold start and memory; the scale
// curve (cluster size); the convergence benchmark; the auth modes.
// Results are printed as tables and written to bench/results/latest.json.
//
// BENCH_ONLY=throughput,overhead,memory,scale,convergence,auth (or parts named as arguments; soak, contention and churn run only when named) picks parts; BENCH_SECONDS (per measurement),
// BENCH_ROUNDS and BENCH_CONNECTIONS (comma-separated) change the throughput runs.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir, totalmem } from "node:os";
import * as path from "node:path";
import { CreateServiceCommand, CreateTaskSetCommand, ECSClient } from "@aws-sdk/client-ecs";
import { boto3Available, runAuthBench } from "./auth";
import { runConvergenceBench } from "./convergence";
import { runOverheadBench } from "./overhead";
import { runScaleCurve } from "./scale";
import { freePort, root, rssMiB, type Server, startEcslite, startProcess, stop } from "./servers";
import { runChurnBench } from "./churn";
import { runSoakBench } from "./soak";
import { answerOf, CEILING, ECSLITE_DISK, ECSLITE_MEMORY, MOTO, motoAvailable, prepareBenchCluster, REFERENCE, requestFor, runThroughput, type ThroughputCell } from "./throughput";
import { pinning, wrkAvailable } from "./wrk";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 2);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONNECTIONS = (process.env.BENCH_CONNECTIONS ?? "1,16,64").split(",").map(Number);

const format = (n: number, digits = 0) => n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });
const percent = (ratio: number) => `${format(ratio * 100)}%`;

function table(headers: string[], rows: (string | number)[][]): string {
  const cells = [headers, ...rows.map((r) => r.map(String))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => r[i].length)));
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i])).join(" | ")} |`;
  return [line(headers), `| ${widths.map((w) => "-".repeat(w)).join(" | ")} |`, ...cells.slice(1).map(line)].join("\n");
}

function client(port: number): ECSClient {
  return new ECSClient({ endpoint: `http://127.0.0.1:${port}`, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" }, maxAttempts: 1 });
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

function throughputTables(cells: readonly ThroughputCell[], withMoto: boolean): string {
  const headline = table(
    ["operation", "conn.", "in-memory req/s", "on disk req/s", "one-lookup req/s", "ceiling req/s", "in-mem / one-lookup", "in-mem / ceiling", "disk / in-mem", ...(withMoto ? ["in-mem / moto"] : [])],
    cells.map((c) => {
      const r = c.results;
      return [
        c.operation,
        c.connections,
        format(r[ECSLITE_MEMORY].throughput),
        format(r[ECSLITE_DISK].throughput),
        format(r[REFERENCE].throughput),
        format(r[CEILING].throughput),
        percent(r[ECSLITE_MEMORY].throughput / r[REFERENCE].throughput),
        percent(r[ECSLITE_MEMORY].throughput / r[CEILING].throughput),
        percent(r[ECSLITE_DISK].throughput / r[ECSLITE_MEMORY].throughput),
        ...(withMoto ? [`${format(r[ECSLITE_MEMORY].throughput / r[MOTO].throughput, 1)}x`] : []),
      ];
    }),
  );
  const costs = table(
    ["operation", "conn.", "in-memory µs/req", "on disk µs/req", "one-lookup µs/req", "ceiling µs/req", "server busy (mem / disk / one-lookup / ceiling)", "in-memory p50 / p99 ms", "on disk p50 / p99 ms"],
    cells.map((c) => {
      const r = c.results;
      return [
        c.operation,
        c.connections,
        format(r[ECSLITE_MEMORY].serverCpuMicros, 1),
        format(r[ECSLITE_DISK].serverCpuMicros, 1),
        format(r[REFERENCE].serverCpuMicros, 1),
        format(r[CEILING].serverCpuMicros, 1),
        [ECSLITE_MEMORY, ECSLITE_DISK, REFERENCE, CEILING].map((n) => percent(r[n].serverBusy)).join(" / "),
        `${format(r[ECSLITE_MEMORY].p50Ms, 2)} / ${format(r[ECSLITE_MEMORY].p99Ms, 2)}`,
        `${format(r[ECSLITE_DISK].p50Ms, 2)} / ${format(r[ECSLITE_DISK].p99Ms, 2)}`,
      ];
    }),
  );
  return `${headline}\n\nServer CPU per request (user + system, all threads) and latency\n${costs}`;
}

async function main(): Promise<void> {
  // Parts by name: `npm run bench -- soak contention churn`, or BENCH_ONLY=...; those three take minutes and run only when named.
  const named = process.argv.slice(2).filter((a) => !a.startsWith("-"));
  const only = new Set(named.length ? named : (process.env.BENCH_ONLY ?? "throughput,overhead,memory,scale,convergence,auth").split(","));
  const pin = pinning();
  const results: Record<string, unknown> = {
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version, pinned: pin ?? "no (needs taskset and two cores)" },
    // Other work on the machine moves every figure: the 1, 5 and 15 minute load averages around the run.
    loadAverageAtStart: loadavg(),
    secondsPerMeasurement: SECONDS,
    rounds: ROUNDS,
  };
  const needsWrk = ["throughput", "overhead", "scale", "auth"].some((part) => only.has(part));
  if (needsWrk && !wrkAvailable()) {
    console.error("wrk is not installed: the throughput, scale and auth parts need it (Debian/Ubuntu: apt-get install wrk; macOS: brew install wrk). See bench/README.md.");
    process.exit(2);
  }
  if (!pin) console.log("Not pinned (taskset or a second core missing): server and load generator share the CPUs.");
  const withMoto = motoAvailable();
  if (!withMoto) console.log("moto_server is not installed: the moto column is skipped (pip install 'moto[server]' to include it).");

  if (only.has("throughput")) {
    const cells = await runThroughput({ seconds: SECONDS, rounds: ROUNDS, connections: CONNECTIONS, pin, withMoto });
    results.throughput = cells;
    console.log(`\nAPI throughput: wrk, median of ${ROUNDS} interleaved ${SECONDS} s rounds\n${throughputTables(cells, withMoto)}\n`);
  }

  if (only.has("overhead")) {
    // The ceiling answers with ecslite's own DescribeTaskSets body.
    const ecslite = await startEcslite(ECSLITE_MEMORY, await freePort(), ["--in-memory"], pin);
    let body: string;
    try {
      const { taskSetId } = await prepareBenchCluster(ecslite.port);
      body = await answerOf(ecslite.port, await requestFor(ecslite.port, "DescribeTaskSets", taskSetId));
    } finally {
      await stop(ecslite);
    }
    const rows = await runOverheadBench({ seconds: SECONDS, rounds: ROUNDS, pin, body });
    results.overhead = rows;
    console.log(
      `What serving HTTP costs a server with work of its own: the ceiling computing W µs per request, 16 connections, median of ${ROUNDS} interleaved rounds\n${table(
        ["work W (µs)", "req/s", "server µs/req", "µs/req - W", "busy"],
        rows.map((r) => [r.workMicros, format(r.throughput), format(r.serverCpuMicros, 1), format(r.overheadMicros, 1), percent(r.serverBusy)]),
      )}\n`,
    );
  }

  if (only.has("memory")) {
    const dataDir = mkdtempSync(path.join(tmpdir(), "ecslite-bench-"));
    const servers: Server[] = [];
    try {
      servers.push(await startEcslite(ECSLITE_DISK, await freePort(), ["--data-dir", dataDir], pin));
      servers.push(await startEcslite(ECSLITE_MEMORY, await freePort(), ["--in-memory"], pin));
      if (withMoto) {
        const port = await freePort();
        servers.push(await startProcess(MOTO, "moto_server", ["-H", "127.0.0.1", "-p", String(port)], port, { pin }));
      }
      const memory: Record<string, unknown>[] = [];
      for (const s of servers) {
        const idle = rssMiB(s.pid);
        await prepareBenchCluster(s.port);
        const started = performance.now();
        await createManyTaskSets(s.port, 10_000);
        memory.push({ server: s.name, coldStartMs: Math.round(s.coldStartMs), idleRssMiB: idle, rssAfter10kTaskSetsMiB: rssMiB(s.pid), secondsToCreate10kTaskSets: (performance.now() - started) / 1000 });
      }
      results.memory = memory;
      console.log(
        `Cold start and memory\n${table(
          ["server", "cold start (ms)", "idle RSS (MiB)", "RSS after 10,000 task sets (MiB)", "time to create them (s)"],
          memory.map((m) => [String(m.server), String(m.coldStartMs), String(m.idleRssMiB), String(m.rssAfter10kTaskSetsMiB), format(Number(m.secondsToCreate10kTaskSets), 1)]),
        )}\n`,
      );
    } finally {
      for (const s of servers) await stop(s);
      rmSync(dataDir, { recursive: true, force: true });
    }
  }

  if (only.has("scale")) {
    const rows = await runScaleCurve({ seconds: SECONDS, rounds: ROUNDS, connections: 16, pin });
    results.scaleCurve = rows;
    const dimensions = rows[0]?.cells.map((c) => c.dimension) ?? [];
    console.log(
      `\nScale curve: req/s at 16 connections relative to the base cluster (SQLite on disk, median of ${ROUNDS} interleaved rounds)\n${table(
        ["operation", ...dimensions],
        rows.map((r) => [r.operation, ...r.cells.map((c, i) => (i === 0 ? `${format(c.throughput)}/s` : percent(c.ratioToBase)))]),
      )}\n\nServer CPU µs per request (in brackets: the base cluster's cost as a share of it)\n${table(
        ["operation", ...dimensions],
        rows.map((r) => [r.operation, ...r.cells.map((c, i) => (i === 0 ? format(c.serverCpuMicros, 1) : `${format(c.serverCpuMicros, 1)} (${percent(c.costRatioToBase)})`))]),
      )}\n`,
    );
  }

  if (only.has("convergence")) {
    // As configured by default (ECS events captured), then with capture off (--event-backlog 0),
    // which shows what persisting an event for every task status change costs.
    const convergence = await runConvergenceBench();
    const withoutEvents = await runConvergenceBench({ eventBacklog: 0 });
    results.convergence = convergence;
    results.convergenceWithoutEvents = withoutEvents;
    for (const c of [convergence, withoutEvents]) {
      console.log(
        `Convergence: ${c.taskSets} task sets x ${c.tasksPerSet} tasks, zero-delay, ${c.store}, event backlog ${c.eventBacklog}; peak RSS ${c.peakRssMiB} MiB\n${table(
          ["phase", "time to converge (s)", "task transitions", "reconciler CPU (s)", "CPU per transition (µs)"],
          c.phases.map((p) => [p.phase, format(p.seconds, 2), format(p.transitions), format(p.reconcilerCpuSeconds, 2), format(p.cpuMicrosPerTransition, 1)]),
        )}\n`,
      );
    }
  }

  if (only.has("auth")) {
    if (boto3Available()) results.auth = await runAuthBench({ seconds: SECONDS, rounds: ROUNDS, pin });
    else console.log("auth benchmark skipped: it replays boto3-signed requests and boto3 is not installed (pip install boto3).");
  }

  if (only.has("soak") || only.has("contention")) Object.assign(results, await runSoakBench(only));
  if (only.has("churn")) Object.assign(results, await runChurnBench());

  results.loadAverageAtEnd = loadavg();
  results.minutes = (Date.now() - Date.parse(String(results.date))) / 60_000;
  // A soak-only run has its own results file, so it does not replace the throughput figures.
  const soakOnly = [...only].every((part) => part === "soak" || part === "contention" || part === "churn");
  const output = soakOnly ? "bench/results/soak.json" : "bench/results/latest.json";
  mkdirSync(path.join(root, "bench/results"), { recursive: true });
  writeFileSync(path.join(root, output), JSON.stringify(results, null, 2) + "\n");
  console.log(`written to ${output}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
