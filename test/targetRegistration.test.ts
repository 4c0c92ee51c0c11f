// Target registration under crashes and concurrency: a task's targets are registered in the same
// transaction that sees it RUNNING and deregistered in the one that stops it, so a process killed at
// any moment, or many clients scaling at once, leave exactly one target per running task: none
// registered twice, none left behind.
import * as assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { after, describe, it } from "node:test";
import {
  CreateClusterCommand,
  CreateTaskSetCommand,
  DescribeTasksCommand,
  DescribeTaskSetsCommand,
  type ECSClient,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
  UpdateTaskSetCommand,
} from "@aws-sdk/client-ecs";
import {
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateTargetGroupCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
  ModifyTargetGroupAttributesCommand,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { startChildServer } from "./childServer";
import { useServer } from "./harness";
import { createExternalService } from "./taskSetFixtures";

const NETWORK = { awsvpcConfiguration: { subnets: ["subnet-1"] } };

function elbAt(url: string): ElasticLoadBalancingV2Client {
  return new ElasticLoadBalancingV2Client({ endpoint: url, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" }, maxAttempts: 1 });
}

/** A cluster, an EXTERNAL service of `desired` tasks and a task set at 0% behind a routed ip target group. */
async function setUp(ecs: ECSClient, elb: ElasticLoadBalancingV2Client, desired: number): Promise<{ taskSet: string; group: string }> {
  await ecs.send(new CreateClusterCommand({ clusterName: "c" }));
  await ecs.send(new RegisterTaskDefinitionCommand({ family: "web", requiresCompatibilities: ["FARGATE"], networkMode: "awsvpc", cpu: "256", memory: "512", containerDefinitions: [{ name: "app", image: "nginx", portMappings: [{ containerPort: 8080 }] }] }));
  const lb = (await elb.send(new CreateLoadBalancerCommand({ Name: "lb", Subnets: ["subnet-1", "subnet-2"] }))).LoadBalancers?.[0]?.LoadBalancerArn;
  const group = (await elb.send(new CreateTargetGroupCommand({ Name: "tg", Protocol: "HTTP", Port: 8080, VpcId: "vpc-1", TargetType: "ip" }))).TargetGroups?.[0]?.TargetGroupArn ?? "";
  // Deregistered targets go at once, so the targets there are exactly those of running tasks.
  await elb.send(new ModifyTargetGroupAttributesCommand({ TargetGroupArn: group, Attributes: [{ Key: "deregistration_delay.timeout_seconds", Value: "0" }] }));
  await elb.send(new CreateListenerCommand({ LoadBalancerArn: lb, Protocol: "HTTP", Port: 80, DefaultActions: [{ Type: "forward", TargetGroupArn: group }] }));
  await createExternalService(ecs, "c", "s", desired);
  const set = await ecs.send(new CreateTaskSetCommand({ cluster: "c", service: "s", taskDefinition: "web", launchType: "FARGATE", networkConfiguration: NETWORK, loadBalancers: [{ targetGroupArn: group, containerName: "app", containerPort: 8080 }] }));
  return { taskSet: set.taskSet?.id ?? "", group };
}

/** Waits (real time) until the set runs its computed desired count, then checks targets against tasks. */
async function assertOneTargetPerRunningTask(ecs: ECSClient, elb: ElasticLoadBalancingV2Client, taskSet: string, group: string): Promise<number> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const set = (await ecs.send(new DescribeTaskSetsCommand({ cluster: "c", service: "s", taskSets: [taskSet] }))).taskSets?.[0];
    const stopping = (await ecs.send(new ListTasksCommand({ cluster: "c", startedBy: taskSet, desiredStatus: "STOPPED", maxResults: 100 }))).taskArns ?? [];
    const stillStopping = stopping.length ? ((await ecs.send(new DescribeTasksCommand({ cluster: "c", tasks: stopping }))).tasks ?? []).filter((t) => t.lastStatus !== "STOPPED") : [];
    if (set && set.runningCount === set.computedDesiredCount && set.pendingCount === 0 && stillStopping.length === 0) break;
    if (Date.now() > deadline) assert.fail(`did not converge: ${JSON.stringify(set)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const running = (await ecs.send(new ListTasksCommand({ cluster: "c", startedBy: taskSet, maxResults: 100 }))).taskArns ?? [];
  const tasks = running.length ? ((await ecs.send(new DescribeTasksCommand({ cluster: "c", tasks: running }))).tasks ?? []) : [];
  const ips = tasks.map((t) => t.attachments?.[0]?.details?.find((d) => d.name === "privateIPv4Address")?.value ?? "").sort();
  const targets = ((await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: group }))).TargetHealthDescriptions ?? []).map((d) => d.Target?.Id ?? "").sort();
  assert.deepEqual(targets, ips, "exactly one target per running task: none registered twice, none left behind");
  assert.equal(new Set(ips).size, ips.length, "every running task has an address of its own");
  return running.length;
}

describe("target registration survives SIGKILL", () => {
  const dirs: string[] = [];
  after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  for (const round of [1, 2]) {
    it(`a process killed while scaling registers nothing twice and leaves no target behind (round ${round})`, async () => {
      const dir = mkdtempSync(path.join(tmpdir(), "ecslite-targets-"));
      dirs.push(dir);
      let server = await startChildServer(["--data-dir", dir, "--task-step-ms", "5"]);
      let ecs = server.client();
      let elb = elbAt(server.url);
      const { taskSet, group } = await setUp(ecs, elb, 20);
      let stop = false;
      const scaling = (async () => {
        for (let i = 0; !stop; i++) {
          try {
            await ecs.send(new UpdateTaskSetCommand({ cluster: "c", service: "s", taskSet, scale: { value: [100, 30, 70, 0, 55][i % 5], unit: "PERCENT" } }));
            await new Promise((r) => setTimeout(r, 15));
          } catch {
            return; // the process died under us
          }
        }
      })();
      await new Promise((r) => setTimeout(r, 150 + Math.floor(Math.random() * 350)));
      server.process.kill("SIGKILL");
      stop = true;
      await Promise.all([scaling, server.exited]);
      elb.destroy();

      server = await startChildServer(["--data-dir", dir, "--task-step-ms", "5"]);
      ecs = server.client();
      elb = elbAt(server.url);
      try {
        await assertOneTargetPerRunningTask(ecs, elb, taskSet, group);
        await ecs.send(new UpdateTaskSetCommand({ cluster: "c", service: "s", taskSet, scale: { value: 100, unit: "PERCENT" } }));
        assert.equal(await assertOneTargetPerRunningTask(ecs, elb, taskSet, group), 20, "and the restarted scheduler goes on registering");
      } finally {
        elb.destroy();
        server.process.kill("SIGTERM");
        await server.exited;
      }
    });
  }
});

describe("target registration under 30 concurrent clients scaling one task set", () => {
  const server = useServer({ clock: "real", stepMs: 0, schedulerIntervalMs: 10 });

  it("each round leaves one target per running task", async () => {
    const clients = Array.from({ length: 30 }, () => server.client());
    const elb = server.elb();
    const { taskSet, group } = await setUp(clients[0], elb, 12);
    for (let round = 0; round < 3; round++) {
      await Promise.all(
        clients.map(async (client, i) => {
          for (let k = 0; k < 3; k++) {
            await client.send(new UpdateTaskSetCommand({ cluster: "c", service: "s", taskSet, scale: { value: ((i * 7 + k * 13 + round) % 11) * 10, unit: "PERCENT" } }));
          }
        }),
      );
      await assertOneTargetPerRunningTask(clients[0], elb, taskSet, group);
    }
  });
});
