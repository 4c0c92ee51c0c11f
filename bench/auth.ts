// The cost of --auth sigv4 and --auth iam, as a ratio to --auth off. Each mode is its own ecslite
// process (SQLite in memory, no scheduler, pinned to the server core); wrk replays requests exactly
// as boto3 signs them (its own header set: User-Agent, X-Amz-Date, amz-sdk-invocation-id, ...),
// signed afresh for every round (a signature is good for five minutes). Modes are measured in
// interleaved rounds (the starting mode rotates) and the median round is kept.
//
// Run: npm run build && node dist/bench/auth.js   (BENCH_SECONDS per run, BENCH_ROUNDS; default 2 and 3)
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { freePort, root, type Server, startEcslite, stop } from "./servers";
import { type FixedRequest, median, medianRound, type Pinning, pinning, runWrk, type WrkResult } from "./wrk";

const KEY = { accessKeyId: "AKIABENCH0000000001", secretAccessKey: "bench-secret" };
const ACCOUNT = "111122223333";
const REGION = "us-east-1";
const CONNECTIONS = 16;
/** The target: sigv4 and iam keep at least 90% of --auth off's throughput. */
const MIN_RATIO = 0.9;

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
  readonly auth: "off" | "sigv4" | "iam";
  readonly policy?: object;
}

const MODES: readonly Mode[] = [
  { name: "off", auth: "off" },
  { name: "sigv4", auth: "sigv4" },
  { name: "iam", auth: "iam", policy: POLICY },
  { name: "iam (aws:ResourceTag)", auth: "iam", policy: TAG_POLICY },
];

const OPERATIONS: readonly (readonly [string, Record<string, unknown>])[] = [
  ["ListClusters", {}],
  ["DescribeClusters", { clusters: ["bench"] }],
];

export interface AuthBenchRow {
  mode: string;
  operation: string;
  /** Median of the rounds, requests per second. */
  throughput: number;
  rounds: number[];
  serverCpuMicros: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  ratioToOff: number;
  /** --auth off's server CPU per request as a share of this mode's (steadier than req/s on a busy machine). */
  costRatioToOff: number;
}

interface SignSpec {
  endpoint: string;
  operation: string;
  params: Record<string, unknown>;
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
}

/** Requests as boto3 builds and signs them (bench/boto3Sign.py); nothing is sent. */
export function boto3Signed(specs: readonly SignSpec[]): FixedRequest[] {
  const result = spawnSync("python3", [path.join(root, "bench", "boto3Sign.py")], { input: JSON.stringify(specs), encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) throw new Error(`boto3 signing failed (is boto3 installed? pip install boto3): ${result.stderr || result.error?.message}`);
  return JSON.parse(result.stdout) as FixedRequest[];
}

export function boto3Available(): boolean {
  return spawnSync("python3", ["-c", "import boto3"], { stdio: "ignore" }).status === 0;
}

async function send(port: number, request: FixedRequest): Promise<number> {
  const response = await fetch(`http://127.0.0.1:${port}${request.path}`, { method: "POST", headers: Object.fromEntries(Object.entries(request.headers).filter(([k]) => k.toLowerCase() !== "content-length")), body: request.body });
  await response.arrayBuffer();
  return response.status;
}

function startMode(mode: Mode, dir: string, pin: Pinning | undefined): Promise<Server> {
  const args = ["--in-memory", "--no-scheduler", "--auth", mode.auth, "--accounts", `${KEY.accessKeyId}=${ACCOUNT}`];
  if (mode.auth !== "off") {
    const credentialsFile = path.join(dir, `${mode.name.replace(/\W+/g, "-")}.json`);
    const principalArn = mode.policy ? `arn:aws:iam::${ACCOUNT}:role/deploy` : `arn:aws:iam::${ACCOUNT}:root`;
    writeFileSync(credentialsFile, JSON.stringify({ credentials: [{ ...KEY, accountId: ACCOUNT, principalArn, policies: mode.policy ? [mode.policy] : [] }] }));
    args.push("--credentials", credentialsFile);
  }
  return freePort().then((port) => startEcslite(`ecslite --auth ${mode.name}`, port, args, pin));
}

export async function runAuthBench(options: { seconds?: number; rounds?: number; pin?: Pinning } = {}): Promise<Record<string, unknown>> {
  const seconds = options.seconds ?? Number(process.env.BENCH_SECONDS ?? 2);
  const rounds = options.rounds ?? Number(process.env.BENCH_ROUNDS ?? 3);
  const pin = options.pin ?? pinning();
  const dir = mkdtempSync(path.join(tmpdir(), "ecslite-authbench-"));
  const servers: Server[] = [];
  const spec = (server: Server, operation: string, params: Record<string, unknown>): SignSpec => ({ endpoint: `http://127.0.0.1:${server.port}`, operation, params, ...KEY, region: REGION });
  try {
    for (const mode of MODES) servers.push(await startMode(mode, dir, pin));
    const setup = boto3Signed(servers.map((s) => spec(s, "CreateCluster", { clusterName: "bench", tags: [{ key: "team", value: "bench" }] })));
    for (let i = 0; i < servers.length; i++) {
      const status = await send(servers[i].port, setup[i]);
      if (status !== 200) throw new Error(`setup failed for ${MODES[i].name}: CreateCluster answered ${status}`);
    }

    const runs = new Map<string, WrkResult[]>();
    for (const [operation, params] of OPERATIONS) {
      // Warm up (JIT, statement caches) before anything is measured.
      const warm = boto3Signed(servers.map((s) => spec(s, operation, params)));
      for (let i = 0; i < servers.length; i++) await runWrk(servers[i].port, warm[i], { connections: CONNECTIONS, seconds: 1, serverPid: servers[i].pid, pin });
      for (let round = 0; round < rounds; round++) {
        const requests = boto3Signed(servers.map((s) => spec(s, operation, params)));
        for (let i = 0; i < MODES.length; i++) {
          const index = (i + round) % MODES.length;
          const result = await runWrk(servers[index].port, requests[index], { connections: CONNECTIONS, seconds, serverPid: servers[index].pid, pin });
          const key = `${MODES[index].name}\u0000${operation}`;
          runs.set(key, [...(runs.get(key) ?? []), result]);
        }
      }
    }

    const rows: AuthBenchRow[] = [];
    for (const [operation] of OPERATIONS) {
      const offRuns = runs.get(`off\u0000${operation}`) ?? [];
      const offThroughput = median(offRuns.map((r) => r.throughput));
      const offMicros = median(offRuns.map((r) => r.serverCpuMicros));
      for (const mode of MODES) {
        const results = runs.get(`${mode.name}\u0000${operation}`) ?? [];
        const middle = medianRound(results);
        rows.push({
          mode: mode.name,
          operation,
          throughput: median(results.map((r) => r.throughput)),
          rounds: results.map((r) => Math.round(r.throughput)),
          serverCpuMicros: median(results.map((r) => r.serverCpuMicros)),
          p50Ms: middle.p50Ms,
          p99Ms: middle.p99Ms,
          errors: results.reduce((sum, r) => sum + r.errors, 0),
          ratioToOff: median(results.map((r) => r.throughput)) / offThroughput,
          costRatioToOff: offMicros / median(results.map((r) => r.serverCpuMicros)),
        });
      }
    }
    const worst = (mode: string) => Math.min(...rows.filter((r) => r.mode === mode).map((r) => r.ratioToOff));
    const summary = Object.fromEntries(MODES.filter((m) => m.name !== "off").map((m) => [m.name, { worstRatioToOff: worst(m.name), withinTarget: worst(m.name) >= MIN_RATIO }]));

    console.log(`\nAuth modes: one process per mode, wrk at ${CONNECTIONS} connections, boto3-signed requests, median of ${rounds} interleaved ${seconds}s rounds`);
    console.log("| mode | operation | req/s (median) | rounds | vs off | server CPU µs/req | off's CPU / this | p50 / p99 (ms) | errors |\n| --- | --- | --- | --- | --- | --- | --- | --- | --- |");
    for (const r of rows) {
      console.log(
        `| ${r.mode} | ${r.operation} | ${Math.round(r.throughput)} | ${r.rounds.join(", ")} | ${(r.ratioToOff * 100).toFixed(1)}% | ${r.serverCpuMicros.toFixed(1)} | ${(r.costRatioToOff * 100).toFixed(1)}% | ${r.p50Ms.toFixed(2)} / ${r.p99Ms.toFixed(2)} | ${r.errors} |`,
      );
    }
    for (const [mode, s] of Object.entries(summary)) {
      console.log(`${mode}: worst ${(s.worstRatioToOff * 100).toFixed(1)}% of off (target ${MIN_RATIO * 100}%: ${s.withinTarget ? "met" : "NOT met"})`);
    }
    return { connections: CONNECTIONS, secondsPerRound: seconds, rounds, rows, summary, minRatio: MIN_RATIO };
  } finally {
    for (const server of servers) await stop(server);
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  runAuthBench().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
