// The cost of --auth sigv4 and --auth iam per request, as a ratio to --auth off. Servers run
// in-process (SQLite in memory, no scheduler); the same SigV4-signed ListClusters and
// DescribeClusters requests go to each over 16 keep-alive connections. Modes are measured in
// interleaved rounds (the starting mode rotates) and the median round is kept, so background load
// on the machine falls on every mode alike.
//
// Run: npm run build && node dist/bench/auth.js   (BENCH_SECONDS per run, BENCH_ROUNDS; default 2 and 3)
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import * as http from "node:http";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { type AuthMode, defaultConfig } from "../src/config";
import { type RunningServer, startServer } from "../src/server";
import { type LoadResult, type PreparedRequest, runLoad, signedRequest } from "./load";

const KEY = { accessKeyId: "AKIABENCH0000000001", secretAccessKey: "bench-secret" };
const ACCOUNT = "111122223333";
const CONCURRENCY = 16;
/** The target: sigv4 and iam lose less than 15% of --auth off's throughput. */
const MAX_THROUGHPUT_LOSS = 0.15;

/** A deploy role's policy of the usual shape: reads everywhere, writes scoped, deletes denied. */
const POLICY = {
  Version: "2012-10-17",
  Statement: [
    { Effect: "Allow", Action: ["ecs:List*", "ecs:CreateCluster", "ecs:TagResource"], Resource: "*" },
    { Effect: "Allow", Action: ["ecs:Describe*"], Resource: "arn:aws:ecs:*:*:cluster/*", Condition: { StringEquals: { "aws:RequestedRegion": "us-east-1" } } },
    { Effect: "Allow", Action: "ecs:UpdateTaskSet", Resource: "arn:aws:ecs:*:*:task-set/bench/*" },
    { Effect: "Deny", Action: "ecs:Delete*", Resource: "*" },
  ],
};
/** The same, reading the cluster's tags (one store read per checked resource). */
const TAG_POLICY = {
  ...POLICY,
  Statement: [...POLICY.Statement.slice(0, 1), { Effect: "Allow", Action: ["ecs:Describe*"], Resource: "*", Condition: { StringEquals: { "aws:ResourceTag/team": "bench" } } }],
};

interface Mode {
  readonly name: string;
  readonly auth: AuthMode;
  readonly policy?: object;
}

const MODES: readonly Mode[] = [
  { name: "off", auth: "off" },
  { name: "sigv4", auth: "sigv4" },
  { name: "iam", auth: "iam", policy: POLICY },
  { name: "iam (aws:ResourceTag)", auth: "iam", policy: TAG_POLICY },
];

const OPERATIONS = [
  ["ListClusters", {}],
  ["DescribeClusters", { clusters: ["bench"] }],
] as const;

export interface AuthBenchRow {
  mode: string;
  operation: string;
  /** Median of the rounds, requests per second. */
  throughput: number;
  rounds: number[];
  p50Ms: number;
  p99Ms: number;
  errors: number;
  ratioToOff: number;
}

/** One request, for setup; resolves with the HTTP status. */
function send(port: number, request: PreparedRequest): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port, method: "POST", path: request.path, headers: request.headers }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.on("error", reject);
    req.end(request.body);
  });
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

async function startMode(mode: Mode, dir: string): Promise<RunningServer> {
  let credentialsFile: string | undefined;
  if (mode.auth !== "off") {
    credentialsFile = path.join(dir, `${mode.name.replace(/\W+/g, "-")}.json`);
    const principalArn = mode.policy ? `arn:aws:iam::${ACCOUNT}:role/deploy` : `arn:aws:iam::${ACCOUNT}:root`;
    writeFileSync(credentialsFile, JSON.stringify({ credentials: [{ ...KEY, accountId: ACCOUNT, principalArn, policies: mode.policy ? [mode.policy] : [] }] }));
  }
  return startServer({
    ...defaultConfig(),
    port: 0,
    inMemory: true,
    logLevel: "error",
    scheduler: false,
    auth: mode.auth,
    credentialsFile,
    accounts: new Map([[KEY.accessKeyId, ACCOUNT]]),
  });
}

export async function runAuthBench(options: { seconds?: number; rounds?: number } = {}): Promise<Record<string, unknown>> {
  const seconds = options.seconds ?? Number(process.env.BENCH_SECONDS ?? 2);
  const rounds = options.rounds ?? Number(process.env.BENCH_ROUNDS ?? 3);
  const dir = mkdtempSync(path.join(tmpdir(), "ecslite-authbench-"));
  const servers: RunningServer[] = [];
  try {
    for (const mode of MODES) {
      const server = await startMode(mode, dir);
      servers.push(server);
      const host = `127.0.0.1:${server.port}`;
      const create = await signedRequest(host, "CreateCluster", { clusterName: "bench", tags: [{ key: "team", value: "bench" }] }, KEY);
      const status = await send(server.port, create);
      if (status !== 200) throw new Error(`setup failed for ${mode.name}: CreateCluster answered ${status}`);
    }

    const runs = new Map<string, LoadResult[]>();
    for (const [operation, input] of OPERATIONS) {
      // Warm up (JIT, SQLite statement cache) before anything is measured.
      for (const server of servers) await runLoad(server.port, await signedRequest(`127.0.0.1:${server.port}`, operation, input, KEY), CONCURRENCY, Math.min(1, seconds));
      for (let round = 0; round < rounds; round++) {
        for (let i = 0; i < MODES.length; i++) {
          const index = (i + round) % MODES.length;
          const server = servers[index];
          // Signed afresh for each run, then sent many times: the server verifies every copy.
          const request = await signedRequest(`127.0.0.1:${server.port}`, operation, input, KEY);
          const result = await runLoad(server.port, request, CONCURRENCY, seconds);
          const key = `${MODES[index].name}\u0000${operation}`;
          runs.set(key, [...(runs.get(key) ?? []), result]);
        }
      }
    }

    const rows: AuthBenchRow[] = [];
    for (const [operation] of OPERATIONS) {
      const offThroughput = median((runs.get(`off\u0000${operation}`) ?? []).map((r) => r.throughput));
      for (const mode of MODES) {
        const results = runs.get(`${mode.name}\u0000${operation}`) ?? [];
        const throughputs = results.map((r) => r.throughput);
        const middle = results.find((r) => r.throughput === median(throughputs)) ?? results[0];
        rows.push({
          mode: mode.name,
          operation,
          throughput: median(throughputs),
          rounds: throughputs.map(Math.round),
          p50Ms: middle.p50Ms,
          p99Ms: middle.p99Ms,
          errors: results.reduce((sum, r) => sum + r.errors, 0),
          ratioToOff: median(throughputs) / offThroughput,
        });
      }
    }
    const worst = (mode: string) => Math.min(...rows.filter((r) => r.mode === mode).map((r) => r.ratioToOff));
    const summary = Object.fromEntries(MODES.filter((m) => m.name !== "off").map((m) => [m.name, { worstRatioToOff: worst(m.name), withinTarget: 1 - worst(m.name) < MAX_THROUGHPUT_LOSS }]));

    console.log(`\nAuth modes: in-process servers, ${CONCURRENCY} connections, signed requests, median of ${rounds} interleaved ${seconds}s rounds`);
    console.log("| mode | operation | req/s (median) | rounds | p50 / p99 (ms) | vs off | errors |\n| --- | --- | --- | --- | --- | --- | --- |");
    for (const r of rows) {
      console.log(`| ${r.mode} | ${r.operation} | ${Math.round(r.throughput)} | ${r.rounds.join(", ")} | ${r.p50Ms.toFixed(2)} / ${r.p99Ms.toFixed(2)} | ${(r.ratioToOff * 100).toFixed(1)}% | ${r.errors} |`);
    }
    for (const [mode, s] of Object.entries(summary)) {
      console.log(`${mode}: worst ${(s.worstRatioToOff * 100).toFixed(1)}% of off (${s.withinTarget ? "within" : "OUTSIDE"} the ${MAX_THROUGHPUT_LOSS * 100}% loss target)`);
    }
    return { concurrency: CONCURRENCY, secondsPerRound: seconds, rounds, rows, summary, maxThroughputLoss: MAX_THROUGHPUT_LOSS };
  } finally {
    for (const server of servers) await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  runAuthBench().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
