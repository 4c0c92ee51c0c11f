// The cost of --auth sigv4 and --auth iam per request, as a ratio to --auth off: the same signed
// DescribeClusters and UpdateTaskSet requests, 16 connections, each server in its own process.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import * as net from "node:net";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { CreateClusterCommand, CreateServiceCommand, CreateTaskSetCommand, ECSClient, RegisterTaskDefinitionCommand } from "@aws-sdk/client-ecs";
import { runLoad, signedRequest } from "./load";

const root = path.resolve(__dirname, "..", "..");
const KEY = { accessKeyId: "AKIABENCH0000000001", secretAccessKey: "bench-secret" };
const CREDENTIALS = {
  credentials: [
    {
      ...KEY,
      accountId: "111122223333",
      principalArn: "arn:aws:iam::111122223333:role/deploy",
      policies: [
        {
          Version: "2012-10-17",
          Statement: [
            { Effect: "Allow", Action: ["ecs:Describe*", "ecs:List*", "ecs:Create*", "ecs:Register*"], Resource: "*" },
            { Effect: "Allow", Action: "ecs:UpdateTaskSet", Resource: "arn:aws:ecs:*:*:task-set/bench/*", Condition: { StringEquals: { "aws:RequestedRegion": "us-east-1" } } },
            { Effect: "Deny", Action: "ecs:Delete*", Resource: "*" },
          ],
        },
      ],
    },
  ],
};

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

export async function runAuthBench(seconds = Number(process.env.BENCH_SECONDS ?? 3)): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(path.join(tmpdir(), "ecslite-authbench-"));
  const credentialsFile = path.join(dir, "credentials.json");
  writeFileSync(credentialsFile, JSON.stringify(CREDENTIALS));
  const rows: { mode: string; operation: string; throughput: number; p50Ms: number; p99Ms: number; errors: number }[] = [];
  try {
    for (const mode of ["off", "sigv4", "iam"]) {
      const port = await freePort();
      const child = spawn(process.execPath, [path.join(root, "dist/src/cli.js"), "--in-memory", "--port", String(port), "--log-level", "error", "--auth", mode, ...(mode === "off" ? ["--accounts", `${KEY.accessKeyId}=111122223333`] : ["--credentials", credentialsFile])], { stdio: "ignore" });
      try {
        const client = new ECSClient({ endpoint: `http://127.0.0.1:${port}`, region: "us-east-1", credentials: KEY, maxAttempts: 1 });
        for (let i = 0; ; i++) {
          try {
            await client.send(new CreateClusterCommand({ clusterName: "bench" }));
            break;
          } catch (error) {
            if (i > 200) throw error;
            await new Promise((r) => setTimeout(r, 25));
          }
        }
        await client.send(new RegisterTaskDefinitionCommand({ family: "web", containerDefinitions: [{ name: "app", image: "nginx", memory: 64 }] }));
        await client.send(new CreateServiceCommand({ cluster: "bench", serviceName: "svc", desiredCount: 0, deploymentController: { type: "EXTERNAL" } }));
        const taskSet = (await client.send(new CreateTaskSetCommand({ cluster: "bench", service: "svc", taskDefinition: "web" }))).taskSet?.id ?? "";
        client.destroy();
        const host = `127.0.0.1:${port}`;
        for (const [operation, input] of [
          ["DescribeClusters", { clusters: ["bench"] }],
          ["UpdateTaskSet", { cluster: "bench", service: "svc", taskSet, scale: { value: 0, unit: "PERCENT" } }],
        ] as const) {
          // Signed once, sent many times: the server verifies every copy (the 5-minute window allows it).
          const request = await signedRequest(host, operation, input, KEY);
          const result = await runLoad(port, request, 16, seconds);
          rows.push({ mode, operation, throughput: result.throughput, p50Ms: result.p50Ms, p99Ms: result.p99Ms, errors: result.errors });
        }
      } finally {
        child.kill("SIGTERM");
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const off = (operation: string) => rows.find((r) => r.mode === "off" && r.operation === operation)?.throughput ?? 1;
  const withRatio = rows.map((r) => ({ ...r, ratioToOff: r.throughput / off(r.operation) }));
  console.log("\nAuth modes (16 connections, same signed request)");
  console.log("| mode | operation | req/s | p50 / p99 (ms) | vs off | errors |\n| --- | --- | --- | --- | --- | --- |");
  for (const r of withRatio) {
    console.log(`| ${r.mode} | ${r.operation} | ${Math.round(r.throughput)} | ${r.p50Ms.toFixed(2)} / ${r.p99Ms.toFixed(2)} | ${(r.ratioToOff * 100).toFixed(0)}% | ${r.errors} |`);
  }
  return { rows: withRatio };
}

if (require.main === module) {
  runAuthBench().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
