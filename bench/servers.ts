// Servers under test, each its own process on loopback (pinned to the server core when possible):
// ecslite, the two references (the bare node:http ceiling and the one-lookup server) and moto.
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import { cpuSeconds, type Pinning, pinnedCommand } from "./wrk";

export const root = path.resolve(__dirname, "..", "..");

export interface Server {
  readonly name: string;
  readonly port: number;
  readonly child: ChildProcess;
  readonly pid: number;
  readonly coldStartMs: number;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
    s.on("error", reject);
  });
}

export function rssMiB(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Math.round(Number(m[1]) / 1024) : 0;
  } catch {
    return 0;
  }
}

/** Whether the server answers HTTP on the port (any status: with --auth this request is refused). */
async function answers(port: number): Promise<boolean> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/`, {
      method: "POST",
      headers: { "content-type": "application/x-amz-json-1.1", "x-amz-target": "AmazonEC2ContainerServiceV20141113.ListClusters", authorization: "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/ecs/aws4_request, SignedHeaders=host, Signature=0" },
      body: "{}",
    });
    await response.arrayBuffer();
    return true;
  } catch {
    return false;
  }
}

/** Starts a server process and measures the time to its first answered ListClusters. */
export async function startProcess(name: string, command: string, args: readonly string[], port: number, options: { env?: NodeJS.ProcessEnv; pin?: Pinning } = {}): Promise<Server> {
  const started = performance.now();
  const [cmd, cmdArgs] = pinnedCommand(command, args, options.pin);
  const child = spawn(cmd, cmdArgs, { stdio: ["ignore", "ignore", "ignore"], env: { ...process.env, ...options.env } });
  const deadline = started + 60_000;
  while (!(await answers(port))) {
    if (performance.now() > deadline || child.exitCode !== null) {
      child.kill("SIGKILL");
      throw new Error(`${name} did not start`);
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  return { name, port, child, pid: child.pid ?? 0, coldStartMs: performance.now() - started };
}

export function startEcslite(name: string, port: number, extra: readonly string[], pin?: Pinning): Promise<Server> {
  return startProcess(name, process.execPath, [path.join(root, "dist/src/cli.js"), "--port", String(port), "--log-level", "error", ...extra], port, { pin });
}

/** The bare node:http ceiling, answering each operation with the given body (after `workMicros` of computing, if given). */
export async function startCeiling(bodies: Readonly<Record<string, string>>, pin?: Pinning, workMicros = 0): Promise<Server> {
  const port = await freePort();
  const env = { PORT: String(port), CEILING_BODIES: JSON.stringify(bodies), CEILING_WORK_US: String(workMicros) };
  return startProcess(workMicros ? `ceiling + ${workMicros} µs` : "ceiling", process.execPath, [path.join(root, "dist/bench/ceiling.js")], port, { env, pin });
}

/** The one-lookup reference, serving `document` from SQLite. */
export async function startReference(document: string, pin?: Pinning): Promise<Server> {
  const port = await freePort();
  return startProcess("one-lookup", process.execPath, [path.join(root, "dist/bench/referenceLookup.js")], port, { env: { PORT: String(port), REFERENCE_DOCUMENT: document }, pin });
}

export async function stop(server: Server): Promise<void> {
  if (server.child.exitCode !== null) return;
  const exited = new Promise((r) => server.child.once("exit", r));
  server.child.kill("SIGTERM");
  await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
  if (server.child.exitCode === null) server.child.kill("SIGKILL");
}

/**
 * Waits until the server has used under 5% of a core for half a second (at most a minute): a server
 * started on a large store has startup work (its scheduler's first passes, the checkpointer) that
 * would otherwise be counted against the first requests measured.
 */
export async function untilIdle(server: Server, timeoutMs = 60_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  let before = cpuSeconds(server.pid);
  while (performance.now() < deadline) {
    await new Promise((r) => setTimeout(r, 500));
    const now = cpuSeconds(server.pid);
    if (now - before < 0.025) return;
    before = now;
  }
}
