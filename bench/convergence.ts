// Convergence benchmark: 1,000 task sets of 100 tasks each (100,000 tasks), created and scaled in
// zero-delay mode. Reports time to converge, reconciler CPU time per task transition and peak RSS.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import {
  CreateClusterCommand,
  CreateServiceCommand,
  CreateTaskSetCommand,
  ECSClient,
  RegisterTaskDefinitionCommand,
  UpdateTaskSetCommand,
} from "@aws-sdk/client-ecs";
import { defaultConfig } from "../src/config";
import { startServer, type RunningServer } from "../src/server";

export interface ConvergenceResult {
  store: string;
  /** ECS events kept (--event-backlog); 0 when capture was off. */
  eventBacklog: number;
  taskSets: number;
  tasksPerSet: number;
  phases: { phase: string; seconds: number; updatesAcknowledgedSeconds: number; transitions: number; reconciles: number; reconcilerCpuSeconds: number; cpuMicrosPerTransition: number }[];
  peakRssMiB: number;
}

async function inBatches<T>(items: readonly T[], size: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(fn));
}

/** Waits until every task set in the store is STEADY_STATE with the expected running count. */
async function waitConverged(server: RunningServer, expectedRunning: number, taskSets: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const settled = await server.store.transaction(async (tx) => {
      const due = await tx.due(Date.now(), 1);
      if (due.length) return false;
      const sets = await tx.list("taskSet", { scope: "000000000000/us-east-1", parent: "arn:aws:ecs:us-east-1:000000000000:service/bench/svc-0" });
      return sets.every((s) => s.taskSet.runningCount === expectedRunning && s.taskSet.stabilityStatus === "STEADY_STATE");
    });
    if (settled) return;
    if (Date.now() > deadline) {
      const due = await server.store.transaction((tx) => tx.due(Number.MAX_SAFE_INTEGER, 5));
      throw new Error(`not converged after ${timeoutMs} ms (${taskSets} task sets); due: ${JSON.stringify(due)} now ${Date.now()}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

export async function runConvergenceBench(options: { taskSets?: number; tasksPerSet?: number; inMemory?: boolean; eventBacklog?: number } = {}): Promise<ConvergenceResult> {
  const taskSets = options.taskSets ?? 1000;
  const tasksPerSet = options.tasksPerSet ?? 100;
  const setsPerService = 5;
  const dataDir = mkdtempSync(path.join(tmpdir(), "ecslite-bench-"));
  const eventBacklog = options.eventBacklog ?? defaultConfig().eventBacklog;
  const server = await startServer({ ...defaultConfig(), port: 0, inMemory: options.inMemory ?? false, dataDir, stepMs: 0, logLevel: "error", schedulerIntervalMs: 10, eventBacklog });
  const client = new ECSClient({ endpoint: server.url, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" }, maxAttempts: 1 });
  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
  const phases: ConvergenceResult["phases"] = [];
  try {
    await client.send(new CreateClusterCommand({ clusterName: "bench", capacityProviders: ["FARGATE"] }));
    await client.send(
      new RegisterTaskDefinitionCommand({
        family: "bench",
        requiresCompatibilities: ["FARGATE"],
        networkMode: "awsvpc",
        cpu: "256",
        memory: "512",
        containerDefinitions: [{ name: "app", image: "public.ecr.aws/nginx/nginx:latest", portMappings: [{ containerPort: 80 }] }],
      }),
    );
    const services = Array.from({ length: Math.ceil(taskSets / setsPerService) }, (_, i) => `svc-${i}`);
    await inBatches(services, 16, (name) => client.send(new CreateServiceCommand({ cluster: "bench", serviceName: name, desiredCount: tasksPerSet, deploymentController: { type: "EXTERNAL" } })));
    const ids: { service: string; id: string }[] = [];
    const slots = Array.from({ length: taskSets }, (_, i) => services[Math.floor(i / setsPerService)]);
    await inBatches(slots, 16, async (service) => {
      const out = await client.send(
        new CreateTaskSetCommand({
          cluster: "bench",
          service,
          taskDefinition: "bench",
          launchType: "FARGATE",
          networkConfiguration: { awsvpcConfiguration: { subnets: ["subnet-a", "subnet-b"] } },
          scale: { value: 0, unit: "PERCENT" },
        }),
      );
      ids.push({ service, id: out.taskSet?.id ?? "" });
    });
    await waitConverged(server, 0, taskSets, 60_000);

    for (const [phase, percent] of [["scale 0 -> 100%", 100], ["scale 100% -> 50%", 50], ["scale 50% -> 0", 0]] as const) {
      const stats = server.scheduler?.stats ?? { transitions: 0, reconcileCpuMicros: 0, reconciles: 0 };
      const before = { ...stats };
      // From the first UpdateTaskSet sent to every task set STEADY_STATE at its new count; the
      // scheduler converges while the updates are still arriving, as it would for a real controller.
      const started = performance.now();
      await inBatches(ids, 16, ({ service, id }) => client.send(new UpdateTaskSetCommand({ cluster: "bench", service, taskSet: id, scale: { value: percent, unit: "PERCENT" } })));
      const acknowledged = (performance.now() - started) / 1000;
      await waitConverged(server, Math.ceil((tasksPerSet * percent) / 100), taskSets, 300_000);
      const seconds = (performance.now() - started) / 1000;
      const transitions = stats.transitions - before.transitions;
      const cpuMicros = stats.reconcileCpuMicros - before.reconcileCpuMicros;
      phases.push({ phase, seconds, updatesAcknowledgedSeconds: acknowledged, transitions, reconciles: stats.reconciles - before.reconciles, reconcilerCpuSeconds: cpuMicros / 1e6, cpuMicrosPerTransition: transitions ? cpuMicros / transitions : 0 });
    }
  } finally {
    clearInterval(sampler);
    client.destroy();
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
  return { store: server.store.description.startsWith("sqlite in memory") ? "sqlite in memory" : "sqlite (WAL, on disk)", eventBacklog, taskSets, tasksPerSet, phases, peakRssMiB: Math.round(peakRss / 1024 / 1024) };
}

if (require.main === module) {
  const taskSets = Number(process.env.BENCH_TASK_SETS ?? 1000);
  runConvergenceBench({ taskSets, inMemory: process.argv.includes("--in-memory"), ...(process.argv.includes("--no-events") ? { eventBacklog: 0 } : {}) }).then(
    (result) => {
      console.log(JSON.stringify(result, null, 2));
    },
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
