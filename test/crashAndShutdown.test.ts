// Crash safety and graceful shutdown of a real ecslite process on a data directory.
import * as assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { after, describe, it } from "node:test";
import {
  CreateClusterCommand,
  CreateServiceCommand,
  CreateTaskSetCommand,
  DescribeClustersCommand,
  DescribeTaskSetsCommand,
  type ECSClient,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
  UpdateTaskSetCommand,
} from "@aws-sdk/client-ecs";
import { startChildServer } from "./childServer";

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
function dataDir(): string {
  const d = mkdtempSync(path.join(tmpdir(), "ecslite-crash-"));
  dirs.push(d);
  return d;
}

async function setUp(ecs: ECSClient): Promise<string> {
  await ecs.send(new CreateClusterCommand({ clusterName: "c" }));
  await ecs.send(new RegisterTaskDefinitionCommand({ family: "web", requiresCompatibilities: ["FARGATE"], networkMode: "awsvpc", cpu: "256", memory: "512", containerDefinitions: [{ name: "app", image: "nginx" }] }));
  await ecs.send(new CreateServiceCommand({ cluster: "c", serviceName: "s", desiredCount: 20, deploymentController: { type: "EXTERNAL" } }));
  const set = await ecs.send(new CreateTaskSetCommand({ cluster: "c", service: "s", taskDefinition: "web", launchType: "FARGATE", networkConfiguration: { awsvpcConfiguration: { subnets: ["subnet-1"] } } }));
  return set.taskSet?.id ?? "";
}

describe("crash safety", () => {
  for (const round of [1, 2, 3]) {
    it(`SIGKILL under a stream of writes loses nothing acknowledged (round ${round})`, async () => {
      const dir = dataDir();
      let server = await startChildServer(["--data-dir", dir, "--task-step-ms", "5"]);
      let ecs = server.client();
      const taskSet = await setUp(ecs);
      const acknowledgedClusters: string[] = [];
      let lastAcknowledgedScale = 0;
      let stop = false;
      // Two writers: an UpdateTaskSet stream with increasing scale, and a CreateCluster stream.
      const updates = (async () => {
        for (let value = 1; !stop && value <= 100; value++) {
          try {
            await ecs.send(new UpdateTaskSetCommand({ cluster: "c", service: "s", taskSet, scale: { value, unit: "PERCENT" } }));
            lastAcknowledgedScale = value;
          } catch {
            return; // the process died under us
          }
        }
      })();
      const creates = (async () => {
        for (let i = 0; !stop; i++) {
          try {
            await ecs.send(new CreateClusterCommand({ clusterName: `c-${i}` }));
            acknowledgedClusters.push(`c-${i}`);
          } catch {
            return;
          }
        }
      })();
      await new Promise((r) => setTimeout(r, 100 + Math.floor(Math.random() * 400)));
      server.process.kill("SIGKILL");
      stop = true;
      await Promise.all([updates, creates, server.exited]);
      assert.ok(acknowledgedClusters.length > 0 && lastAcknowledgedScale > 0, "the writers got acknowledgements before the kill");

      server = await startChildServer(["--data-dir", dir, "--task-step-ms", "5"]);
      ecs = server.client();
      try {
        for (let i = 0; i < acknowledgedClusters.length; i += 100) {
          const out = await ecs.send(new DescribeClustersCommand({ clusters: acknowledgedClusters.slice(i, i + 100) }));
          assert.deepEqual(out.failures, [], "every acknowledged cluster survived");
          assert.ok(out.clusters?.every((c) => c.status === "ACTIVE"));
        }
        const set = (await ecs.send(new DescribeTaskSetsCommand({ cluster: "c", service: "s", taskSets: [taskSet] }))).taskSets?.[0];
        const scale = set?.scale?.value ?? -1;
        assert.ok(scale >= lastAcknowledgedScale, `scale ${scale} >= last acknowledged ${lastAcknowledgedScale}`);
        assert.equal(set?.computedDesiredCount, Math.ceil((20 * scale) / 100), "no half-written task set");
        // The scheduler resumes and converges.
        const deadline = Date.now() + 15_000;
        for (;;) {
          const now = (await ecs.send(new DescribeTaskSetsCommand({ cluster: "c", service: "s", taskSets: [taskSet] }))).taskSets?.[0];
          if (now?.stabilityStatus === "STEADY_STATE" && now.runningCount === now.computedDesiredCount) break;
          if (Date.now() > deadline) assert.fail(`did not converge after restart: ${JSON.stringify(now)}`);
          await new Promise((r) => setTimeout(r, 50));
        }
        const tasks = await ecs.send(new ListTasksCommand({ cluster: "c", startedBy: taskSet, maxResults: 100 }));
        assert.equal(tasks.taskArns?.length, Math.ceil((20 * scale) / 100), "exactly the desired tasks, none duplicated by the restart");
      } finally {
        server.process.kill("SIGTERM");
        await server.exited;
      }
    });
  }
});

describe("graceful shutdown", () => {
  it("SIGTERM finishes in-flight requests, closes the store cleanly and exits 0", async () => {
    const dir = dataDir();
    const server = await startChildServer(["--data-dir", dir]);
    const ecs = server.client();
    await ecs.send(new CreateClusterCommand({ clusterName: "before" }));
    const inFlight = Array.from({ length: 40 }, (_, i) => ecs.send(new CreateClusterCommand({ clusterName: `inflight-${i}` })).then(() => "ok", (e: Error) => e.name));
    // Let the requests reach the server, then ask it to stop while they are being served.
    await new Promise((r) => setTimeout(r, 5));
    server.process.kill("SIGTERM");
    const outcomes = await Promise.all(inFlight);
    assert.equal(await server.exited, 0);
    const served = outcomes.filter((o) => o === "ok").length;
    assert.ok(served > 0, "requests in flight were answered");
    assert.ok(!existsSync(path.join(dir, "ecslite.sqlite-wal")) || statSync(path.join(dir, "ecslite.sqlite-wal")).size === 0, "the WAL was checkpointed on close");

    const again = await startChildServer(["--data-dir", dir]);
    try {
      const names = ["before", ...outcomes.flatMap((o, i) => (o === "ok" ? [`inflight-${i}`] : []))];
      const out = await again.client().send(new DescribeClustersCommand({ clusters: names.slice(0, 100) }));
      assert.deepEqual(out.failures, [], "everything answered 200 before the shutdown is there");
    } finally {
      again.process.kill("SIGTERM");
      await again.exited;
    }
  });
});
