// ecslite as a separate process (for crash, restart and shutdown tests), as a user runs it.
import { type ChildProcess, spawn } from "node:child_process";
import * as path from "node:path";
import { ECSClient } from "@aws-sdk/client-ecs";

const cli = path.resolve(__dirname, "..", "src", "cli.js");

export interface ChildServer {
  readonly url: string;
  readonly process: ChildProcess;
  client(): ECSClient;
  /** Resolves with the exit code (or signal name). */
  readonly exited: Promise<number | string>;
}

export async function startChildServer(args: string[]): Promise<ChildServer> {
  const child = spawn(process.execPath, [cli, "--port", "0", "--log-level", "error", "--check-responses", ...args], { stdio: ["ignore", "pipe", "pipe"] });
  const exited = new Promise<number | string>((resolve) => child.once("exit", (code, signal) => resolve(code ?? signal ?? "unknown")));
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
    void exited.then((code) => reject(new Error(`ecslite exited (${code}) before listening: ${stderr}`)));
  });
  const clients: ECSClient[] = [];
  return {
    url,
    process: child,
    exited,
    client() {
      const c = new ECSClient({ endpoint: url, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" }, maxAttempts: 1 });
      clients.push(c);
      return c;
    },
  };
}
