// Load from outside: wrk (a C load generator) sends one fixed request over keep-alive connections,
// pinned to its own core, while the server runs pinned to another. Next to wrk's req/s and latency
// percentiles, the server's own CPU time per request is read from /proc, so a figure says what the
// server costs, not what a client manages to send. wrk is not installed by the benchmark (see
// bench/README.md).
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import type { LoadResult, PreparedRequest } from "./load";

/** The one request wrk sends (bench/load.ts builds it); content-length is left to wrk (it counts the body). */
export type FixedRequest = PreparedRequest;

/** As bench/load.ts measures a run (errors: wrk's failed and non-2xx requests), and the server's share. */
export interface WrkResult extends LoadResult {
  /** Server CPU time (all its threads, user + system) per answered request. */
  serverCpuMicros: number;
  /**
   * The server's CPU time over the run's wall time: near 1, the server's core was the limit and
   * req/s measures the server; well below, the load generator (or the machine) was.
   */
  serverBusy: number;
}

/** The cores to pin to: the server on one, wrk on another; undefined without taskset or a second core. */
export interface Pinning {
  readonly server: string;
  readonly client: string;
}

export function wrkAvailable(): boolean {
  return spawnSync("wrk", ["--version"], { stdio: "ignore" }).error === undefined;
}

export function pinning(): Pinning | undefined {
  const cores = readFileSync("/proc/cpuinfo", "utf8").split("\n").filter((l) => l.startsWith("processor")).length;
  if (cores < 2 || spawnSync("taskset", ["--version"], { stdio: "ignore" }).error !== undefined) return undefined;
  return { server: "0", client: "1" };
}

/** The command that starts a server, pinned to the server core when pinning is possible. */
export function pinnedCommand(command: string, args: readonly string[], pin: Pinning | undefined): [string, string[]] {
  return pin ? ["taskset", ["-c", pin.server, command, ...args]] : [command, [...args]];
}

/** CPU seconds used so far by a process, all threads (utime + stime from /proc/<pid>/stat). */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // Fields after the command name (which may hold spaces) start at state (field 3).
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticks = Number(fields[11]) + Number(fields[12]);
  return ticks / CLOCK_TICKS;
}

const CLOCK_TICKS = Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout.trim()) || 100;

const luaString = (s: string) => `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n").replace(/\r/g, "\\r")}"`;

function luaScript(request: FixedRequest, reportFile: string): string {
  const headers = Object.entries(request.headers)
    .filter(([name]) => name.toLowerCase() !== "content-length")
    .map(([name, value]) => `wrk.headers[${luaString(name.toLowerCase() === "host" ? "Host" : name)}] = ${luaString(value)}`);
  return [
    'wrk.method = "POST"',
    `wrk.path = ${luaString(request.path)}`,
    `wrk.body = ${luaString(request.body)}`,
    ...headers,
    "done = function(summary, latency, requests)",
    `  local f = io.open(${luaString(reportFile)}, "w")`,
    "  local e = summary.errors",
    '  f:write(string.format("{\\"requests\\":%d,\\"durationMicros\\":%d,\\"errors\\":%d,\\"p50\\":%d,\\"p99\\":%d}",',
    "    summary.requests, summary.duration, e.connect + e.read + e.write + e.status + e.timeout, latency:percentile(50), latency:percentile(99)))",
    "  f:close()",
    "end",
  ].join("\n");
}

/** Runs wrk against 127.0.0.1:port with `connections` connections for `seconds`; `serverPid` is sampled for CPU. */
export async function runWrk(port: number, request: FixedRequest, options: { connections: number; seconds: number; serverPid: number; pin?: Pinning }): Promise<WrkResult> {
  const dir = mkdtempSync(path.join(tmpdir(), "ecslite-wrk-"));
  try {
    const report = path.join(dir, "report.json");
    const script = path.join(dir, "request.lua");
    writeFileSync(script, luaScript(request, report));
    const args = ["-t1", `-c${options.connections}`, `-d${options.seconds}s`, "--timeout", "10s", "-s", script, `http://127.0.0.1:${port}${request.path}`];
    const [command, commandArgs] = options.pin ? ["taskset", ["-c", options.pin.client, "wrk", ...args]] : ["wrk", args];
    const cpuBefore = cpuSeconds(options.serverPid);
    await new Promise<void>((resolve, reject) => {
      const child = spawn(command, commandArgs, { stdio: ["ignore", "ignore", "pipe"] });
      let stderr = "";
      child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
      child.on("error", reject);
      child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`wrk exited with ${code}: ${stderr.trim()}`))));
    });
    const cpu = cpuSeconds(options.serverPid) - cpuBefore;
    const r = JSON.parse(readFileSync(report, "utf8")) as { requests: number; durationMicros: number; errors: number; p50: number; p99: number };
    const seconds = r.durationMicros / 1e6;
    return {
      requests: r.requests,
      errors: r.errors,
      seconds,
      throughput: r.requests / seconds,
      p50Ms: r.p50 / 1000,
      p99Ms: r.p99 / 1000,
      serverCpuMicros: r.requests ? (cpu * 1e6) / r.requests : 0,
      serverBusy: cpu / seconds,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** The round whose throughput is the median (its latencies and CPU are reported with it). */
export function medianRound(results: readonly WrkResult[]): WrkResult {
  const sorted = [...results].sort((a, b) => a.throughput - b.throughput);
  return sorted[Math.floor((sorted.length - 1) / 2)];
}
