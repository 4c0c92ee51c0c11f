// The cost of the per-request log line: servers with request logging off (--log-level warn), as
// text and as JSON, all writing to /dev/null, in one process; the same ListClusters and
// DescribeClusters requests over 16 keep-alive connections, in interleaved rounds (the starting
// mode rotates), median round kept. Throughput moves with whatever else runs on the machine, so
// each run also records the process's CPU time per request (server and load generator, which is the
// same work in every mode): the difference between modes is what a log line costs. Also the logger
// alone: CPU microseconds per request line.
//
// Run: npm run build && node dist/bench/logging.js   (BENCH_SECONDS per run, BENCH_ROUNDS; default 2 and 3)
import pino from "pino";
import { defaultConfig, type LogFormat, type LogLevel } from "../src/config";
import { Logger } from "../src/logger";
import { type RunningServer, startServer } from "../src/server";
import { type LoadResult, runLoad, signedRequest } from "./load";

const CONCURRENCY = 16;

interface Mode {
  readonly name: string;
  readonly level: LogLevel;
  readonly format: LogFormat;
}

const MODES: readonly Mode[] = [
  { name: "off", level: "warn", format: "json" },
  { name: "text", level: "info", format: "text" },
  { name: "json", level: "info", format: "json" },
];

const OPERATIONS = [
  ["ListClusters", {}],
  ["DescribeClusters", { clusters: ["bench"] }],
] as const;

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** CPU microseconds per request line through the logger alone, to /dev/null. */
function loggerAloneMicros(format: LogFormat, lines = 200_000): number {
  const logger = new Logger({ level: "info", format, destination: pino.destination({ dest: "/dev/null", sync: false, minLength: 4096 }) });
  const line = { requestId: "6f1c2a4e-0000-4000-8000-000000000000", service: "ecs", operation: "DescribeClusters", account: "000000000000", region: "us-east-1", status: 200, ms: 0.4 };
  for (let i = 0; i < 20_000; i++) logger.request(line);
  const cpu = process.cpuUsage();
  for (let i = 0; i < lines; i++) logger.request(line);
  const used = process.cpuUsage(cpu);
  logger.flush();
  return (used.user + used.system) / lines;
}

/** A load run with the CPU time it took per request. */
async function measuredRun(port: number, operation: string, input: unknown, seconds: number): Promise<LoadResult & { cpuMicrosPerRequest: number }> {
  const request = await signedRequest(`127.0.0.1:${port}`, operation, input);
  const cpu = process.cpuUsage();
  const result = await runLoad(port, request, CONCURRENCY, seconds);
  const used = process.cpuUsage(cpu);
  return { ...result, cpuMicrosPerRequest: (used.user + used.system) / Math.max(1, result.requests) };
}

export async function runLoggingBench(options: { seconds?: number; rounds?: number } = {}): Promise<Record<string, unknown>> {
  const seconds = options.seconds ?? Number(process.env.BENCH_SECONDS ?? 2);
  const rounds = options.rounds ?? Number(process.env.BENCH_ROUNDS ?? 3);
  const perLine = { text: loggerAloneMicros("text"), json: loggerAloneMicros("json") };
  const servers: RunningServer[] = [];
  try {
    for (const mode of MODES) {
      const config = { ...defaultConfig(), port: 0, inMemory: true, scheduler: false, logLevel: mode.level, logFormat: mode.format };
      const server = await startServer(config, { logDestination: pino.destination({ dest: "/dev/null", sync: false }) });
      servers.push(server);
      const created = await runLoad(server.port, await signedRequest(`127.0.0.1:${server.port}`, "CreateCluster", { clusterName: "bench" }), 1, 0.05);
      if (created.errors) throw new Error(`setup failed for ${mode.name}`);
    }
    const runs = new Map<string, (LoadResult & { cpuMicrosPerRequest: number })[]>();
    for (const [operation, input] of OPERATIONS) {
      for (const server of servers) await runLoad(server.port, await signedRequest(`127.0.0.1:${server.port}`, operation, input), CONCURRENCY, Math.min(1, seconds));
      for (let round = 0; round < rounds; round++) {
        for (let i = 0; i < MODES.length; i++) {
          const index = (i + round) % MODES.length;
          const server = servers[index];
          const result = await measuredRun(server.port, operation, input, seconds);
          const key = `${MODES[index].name}\u0000${operation}`;
          runs.set(key, [...(runs.get(key) ?? []), result]);
        }
      }
    }
    const rows = OPERATIONS.flatMap(([operation]) => {
      const off = median((runs.get(`off\u0000${operation}`) ?? []).map((r) => r.throughput));
      const offCpu = median((runs.get(`off\u0000${operation}`) ?? []).map((r) => r.cpuMicrosPerRequest));
      return MODES.map((mode) => {
        const results = runs.get(`${mode.name}\u0000${operation}`) ?? [];
        const throughput = median(results.map((r) => r.throughput));
        const middle = results.find((r) => r.throughput === throughput) ?? results[0];
        const cpuMicrosPerRequest = median(results.map((r) => r.cpuMicrosPerRequest));
        return {
          mode: mode.name,
          operation,
          throughput,
          rounds: results.map((r) => Math.round(r.throughput)),
          p50Ms: middle.p50Ms,
          p99Ms: middle.p99Ms,
          errors: results.reduce((n, r) => n + r.errors, 0),
          ratioToOff: throughput / off,
          cpuMicrosPerRequest,
          cpuRatioToOff: cpuMicrosPerRequest / offCpu,
        };
      });
    });
    console.log(`\nRequest logging: logger alone ${perLine.text.toFixed(2)} µs/line as text, ${perLine.json.toFixed(2)} µs/line as JSON`);
    console.log(`In-process servers, ${CONCURRENCY} connections, median of ${rounds} interleaved ${seconds}s rounds`);
    console.log("| logging | operation | req/s (median) | rounds | p50 / p99 (ms) | req/s vs off | CPU µs/request | CPU vs off | errors |\n| --- | --- | --- | --- | --- | --- | --- | --- | --- |");
    for (const r of rows) {
      console.log(
        `| ${r.mode} | ${r.operation} | ${Math.round(r.throughput)} | ${r.rounds.join(", ")} | ${r.p50Ms.toFixed(2)} / ${r.p99Ms.toFixed(2)} | ${(r.ratioToOff * 100).toFixed(1)}% | ${r.cpuMicrosPerRequest.toFixed(1)} | ${(r.cpuRatioToOff * 100).toFixed(1)}% | ${r.errors} |`,
      );
    }
    return { concurrency: CONCURRENCY, secondsPerRound: seconds, rounds, microsPerLine: perLine, rows };
  } finally {
    for (const server of servers) await server.close();
  }
}

if (require.main === module) {
  runLoggingBench().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
