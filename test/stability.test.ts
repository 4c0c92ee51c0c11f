// Stability a deploy controller can trust: a task set or service is STEADY_STATE only when its tasks
// say so, whatever moment a client happens to look. Each test here is a bug that was found and fixed.
import * as assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  CreateClusterCommand,
  CreateServiceCommand,
  CreateTaskSetCommand,
  DescribeServicesCommand,
  DescribeTasksCommand,
  DeleteTaskSetCommand,
  DescribeTaskSetsCommand,
  type ECSClient,
  ListTasksCommand,
  RegisterContainerInstanceCommand,
  RegisterTaskDefinitionCommand,
  StopTaskCommand,
  type Task,
  type TaskSet,
  UpdateContainerInstancesStateCommand,
  UpdateServiceCommand,
  waitUntilServicesStable,
} from "@aws-sdk/client-ecs";
import { execFile, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { startTestServer, type TestServer } from "./harness";
import { registerFargateTaskDefinition } from "./taskSetFixtures";

const NETWORK = { awsvpcConfiguration: { subnets: ["subnet-a"], securityGroups: ["sg-1"] } };

function unhealthyTaskDefinition(client: ECSClient, family: string): Promise<string> {
  return registerFargateTaskDefinition(client, family, {
    environment: [{ name: "ECSLITE_FAULT_UNHEALTHY", value: "true" }],
    healthCheck: { command: ["CMD-SHELL", "curl -f http://localhost/ || exit 1"] },
  });
}

/** Every task of a set, whatever its desired status, as DescribeTasks shows it. */
async function tasksOfSet(client: ECSClient, cluster: string, taskSetId: string): Promise<Task[]> {
  const arns: string[] = [];
  for (const desiredStatus of ["RUNNING", "STOPPED"] as const) {
    arns.push(...((await client.send(new ListTasksCommand({ cluster, startedBy: taskSetId, desiredStatus }))).taskArns ?? []));
  }
  if (!arns.length) return [];
  return (await client.send(new DescribeTasksCommand({ cluster, tasks: arns }))).tasks ?? [];
}

async function taskSetOf(client: ECSClient, cluster: string, service: string, id: string): Promise<TaskSet> {
  const set = (await client.send(new DescribeTaskSetsCommand({ cluster, service, taskSets: [id] }))).taskSets?.[0];
  assert.ok(set, `task set ${id} is described`);
  return set;
}

describe("a task set whose tasks fail their container health checks (issue 9's scenario, virtual clock)", () => {
  let server: TestServer;
  let client: ECSClient;
  before(async () => {
    // The CLI's defaults: lifecycle steps of 300 ms, so a task asked to stop is still RUNNING for a moment.
    server = await startTestServer({ stepMs: 300 });
    client = server.client();
    await client.send(new CreateClusterCommand({ clusterName: "c" }));
    await unhealthyTaskDefinition(client, "sick");
  });
  after(() => server.close());

  it("tasks being stopped for failed health checks never make the set STEADY_STATE, and runningCount matches its tasks", async () => {
    await client.send(new CreateServiceCommand({ cluster: "c", serviceName: "s", desiredCount: 2, healthCheckGracePeriodSeconds: 0, deploymentController: { type: "EXTERNAL" } }));
    await server.settle();
    const before = new Set(((await client.send(new DescribeServicesCommand({ cluster: "c", services: ["s"] }))).services?.[0]?.events ?? []).map((e) => e.id));
    const id =
      (await client.send(new CreateTaskSetCommand({ cluster: "c", service: "s", taskDefinition: "sick", launchType: "FARGATE", networkConfiguration: NETWORK, scale: { value: 100, unit: "PERCENT" } })))
        .taskSet?.id ?? "";
    await server.settle();
    const seen: string[] = [];
    for (let step = 0; step <= 30; step++) {
      const set = await taskSetOf(client, "c", "s", id);
      const tasks = await tasksOfSet(client, "c", id);
      const running = tasks.filter((t) => t.lastStatus === "RUNNING").length;
      const line = `step ${step}: runningCount ${set.runningCount}, pendingCount ${set.pendingCount}, ${set.stabilityStatus}; tasks RUNNING ${running}`;
      seen.push(line);
      assert.equal(set.stabilityStatus, "STABILIZING", seen.join("\n"));
      assert.equal(set.runningCount, running, seen.join("\n"));
      await server.advance(1);
    }
    const service = (await client.send(new DescribeServicesCommand({ cluster: "c", services: ["s"] }))).services?.[0];
    const messages = (service?.events ?? []).filter((e) => !before.has(e.id)).map((e) => e.message ?? "");
    assert.ok(!messages.includes("(service s) has reached a steady state."), messages.join("\n"));
    const stopped = (await tasksOfSet(client, "c", id)).filter((t) => t.lastStatus === "STOPPED");
    assert.ok(stopped.length >= 2, "the unhealthy tasks were stopped and replaced");
  });

  it("a task stopped for failed health checks had started: stopCode ServiceSchedulerInitiated (not TaskFailedToStart), and the events say so as ECS does", async () => {
    await client.send(new CreateServiceCommand({ cluster: "c", serviceName: "codes", desiredCount: 1, healthCheckGracePeriodSeconds: 0, deploymentController: { type: "EXTERNAL" } }));
    const id =
      (await client.send(new CreateTaskSetCommand({ cluster: "c", service: "codes", taskDefinition: "sick", launchType: "FARGATE", networkConfiguration: NETWORK, scale: { value: 100, unit: "PERCENT" } })))
        .taskSet?.id ?? "";
    for (let i = 0; i < 5; i++) await server.advance(1);
    const stopped = (await tasksOfSet(client, "c", id)).filter((t) => t.desiredStatus === "STOPPED");
    assert.ok(stopped.length >= 1);
    for (const task of stopped) {
      assert.equal(task.stopCode, "ServiceSchedulerInitiated");
      assert.equal(task.stoppedReason, "Task failed container health checks");
      assert.ok(task.startedAt, "it had started");
    }
    const first = stopped.sort((a, b) => (a.stoppingAt?.getTime() ?? 0) - (b.stoppingAt?.getTime() ?? 0))[0];
    const firstId = first.taskArn?.split("/").pop();
    const label = `(service codes, taskSet ${id})`;
    const messages = ((await client.send(new DescribeServicesCommand({ cluster: "c", services: ["codes"] }))).services?.[0]?.events ?? []).map((e) => e.message ?? "").reverse();
    const failedAt = messages.indexOf(`${label} (task ${firstId}) failed container health checks.`);
    assert.ok(failedAt > 0, messages.join("\n"));
    assert.equal(messages[failedAt + 1], `${label} has stopped 1 running tasks: (task ${firstId}).`);
    assert.match(messages[failedAt - 1], new RegExp(`^\\(service codes, taskSet ${id}\\) has started 1 tasks: \\(task [0-9a-f]{32}\\)\\. Amazon ECS replaced 1 tasks due to an unhealthy status\\.$`));
  });
});

describe("the same on the real clock: no STEADY_STATE flicker at the end of the grace period", () => {
  let server: TestServer;
  let client: ECSClient;
  before(async () => {
    server = await startTestServer({ clock: "real", stepMs: 100, schedulerIntervalMs: 10 });
    client = server.client();
    await client.send(new CreateClusterCommand({ clusterName: "c" }));
    await unhealthyTaskDefinition(client, "sick");
  });
  after(() => server.close());

  it("polling every few ms through the grace period and the kills never sees STEADY_STATE", async () => {
    await client.send(new CreateServiceCommand({ cluster: "c", serviceName: "s", desiredCount: 2, healthCheckGracePeriodSeconds: 1, deploymentController: { type: "EXTERNAL" } }));
    await server.settle();
    const before = new Set(((await client.send(new DescribeServicesCommand({ cluster: "c", services: ["s"] }))).services?.[0]?.events ?? []).map((e) => e.id));
    const id =
      (await client.send(new CreateTaskSetCommand({ cluster: "c", service: "s", taskDefinition: "sick", launchType: "FARGATE", networkConfiguration: NETWORK, scale: { value: 100, unit: "PERCENT" } })))
        .taskSet?.id ?? "";
    const until = Date.now() + 3000;
    let polls = 0;
    let sawRunning = false;
    while (Date.now() < until) {
      const set = await taskSetOf(client, "c", "s", id);
      polls++;
      if ((set.runningCount ?? 0) > 0) sawRunning = true;
      assert.equal(set.stabilityStatus, "STABILIZING", `poll ${polls}: runningCount ${set.runningCount}, pendingCount ${set.pendingCount}`);
      await new Promise((resolve) => setTimeout(resolve, 3));
    }
    assert.ok(sawRunning && polls > 50, `the polls covered running tasks (${polls} polls)`);
    const stopped = (await tasksOfSet(client, "c", id)).filter((t) => t.stoppedReason === "Task failed container health checks");
    assert.ok(stopped.length >= 2, "the grace period ended and the tasks were killed while polling");
    const messages = ((await client.send(new DescribeServicesCommand({ cluster: "c", services: ["s"] }))).services?.[0]?.events ?? []).filter((e) => !before.has(e.id)).map((e) => e.message);
    assert.ok(!messages.includes("(service s) has reached a steady state."), messages.join("\n"));
  });
});

describe("repeated service events, paced as ECS paces them", () => {
  let server: TestServer;
  let client: ECSClient;
  before(async () => {
    server = await startTestServer({ stepMs: 300 });
    client = server.client();
    await client.send(new CreateClusterCommand({ clusterName: "c" }));
    await client.send(
      new RegisterTaskDefinitionCommand({ family: "bridge", networkMode: "bridge", containerDefinitions: [{ name: "app", image: "nginx", memory: 128 }] }),
    );
  });
  after(() => server.close());

  const messagesOf = async (service: string) => ((await client.send(new DescribeServicesCommand({ cluster: "c", services: [service] }))).services?.[0]?.events ?? []).map((e) => e.message ?? "");

  it("a service that cannot place its tasks says so once, not every second (was 20 identical events in 20 s), and again after six hours", async () => {
    await client.send(new CreateServiceCommand({ cluster: "c", serviceName: "homeless", taskDefinition: "bridge", desiredCount: 1, launchType: "EC2" }));
    for (let i = 0; i < 20; i++) await server.advance(1);
    const unable = (await messagesOf("homeless")).filter((m) => m.startsWith("(service homeless) was unable to place a task"));
    assert.equal(unable.length, 1, "one event for one lasting cause");
    await server.advance(6 * 3600);
    assert.equal((await messagesOf("homeless")).filter((m) => m.startsWith("(service homeless) was unable to place a task")).length, 2, "written again six hours later");
  });

  it("a service whose tasks keep failing to start says it is throttled once (ECS's throttle event), not on every retry", async () => {
    await registerFargateTaskDefinition(client, "broken", { environment: [{ name: "ECSLITE_FAULT_FAIL_TO_START", value: "true" }] });
    await client.send(new CreateServiceCommand({ cluster: "c", serviceName: "broken", taskDefinition: "broken", desiredCount: 1, launchType: "FARGATE", networkConfiguration: NETWORK }));
    for (let i = 0; i < 60; i++) await server.advance(1);
    const messages = await messagesOf("broken");
    const throttled = messages.filter((m) => m === "(service broken) is unable to consistently start tasks successfully.");
    const started = messages.filter((m) => m.startsWith("(service broken) has started 1 tasks"));
    assert.ok(started.length >= 3 && started.length < 15, `retried with a backoff (${started.length} starts)`);
    assert.equal(throttled.length, 1, messages.join("\n"));
  });

  it("a steady service says so again every six hours while it stays steady, not on every pass", async () => {
    await client.send(new CreateServiceCommand({ cluster: "c", serviceName: "calm", desiredCount: 0, deploymentController: { type: "EXTERNAL" } }));
    await server.settle();
    const steady = async () => (await messagesOf("calm")).filter((m) => m === "(service calm) has reached a steady state.").length;
    assert.equal(await steady(), 1);
    for (let i = 0; i < 5; i++) await server.advance(3600);
    assert.equal(await steady(), 1, "five hours later, still one");
    await server.advance(3600);
    assert.equal(await steady(), 2, "six hours later, the periodic report");
  });
});

describe("waiting for an EXTERNAL rollout, as the README says", () => {
  let server: TestServer;
  let client: ECSClient;
  before(async () => {
    server = await startTestServer({ clock: "real", stepMs: 500, schedulerIntervalMs: 20 });
    client = server.client();
    await client.send(new CreateClusterCommand({ clusterName: "c" }));
    await registerFargateTaskDefinition(client, "web");
    await client.send(new CreateServiceCommand({ cluster: "c", serviceName: "s", desiredCount: 2, deploymentController: { type: "EXTERNAL" } }));
  });
  after(() => server.close());

  it("the README's AWS CLI loop waits until the task set is STEADY_STATE; services-stable never succeeds for the EXTERNAL service", async (t) => {
    const id =
      (await client.send(new CreateTaskSetCommand({ cluster: "c", service: "s", taskDefinition: "web", launchType: "FARGATE", networkConfiguration: NETWORK, scale: { value: 100, unit: "PERCENT" } })))
        .taskSet?.id ?? "";
    const probe = spawnSync("aws", ["--version"], { encoding: "utf8" });
    if (probe.error || probe.status !== 0) {
      t.skip("the AWS CLI ('aws') is not installed");
    } else {
      const readme = readFileSync(path.join(__dirname, "..", "..", "README.md"), "utf8");
      const loop = /```sh\n(# wait for a task set to reach STEADY_STATE[\s\S]*?)```/.exec(readme)?.[1];
      assert.ok(loop, "the README has the loop");
      const { AWS_PROFILE: _profile, AWS_ENDPOINT_URL_ECS: _ecsEndpoint, ...inherited } = process.env;
      const env = {
        ...inherited,
        AWS_ENDPOINT_URL: server.url,
        AWS_ACCESS_KEY_ID: "test",
        AWS_SECRET_ACCESS_KEY: "test",
        AWS_DEFAULT_REGION: "us-east-1",
        AWS_CONFIG_FILE: "/dev/null",
        AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
        CLUSTER: "c",
        SERVICE: "s",
        TASK_SET: id,
      };
      await new Promise<void>((resolve, reject) => {
        execFile("bash", ["-c", `set -e\n${loop}\necho "$status"`], { env, timeout: 60_000 }, (error, out, err) => {
          if (error) reject(new Error(`${error.message}\n${out}\n${err}`));
          else if (out.trim() !== "STEADY_STATE") reject(new Error(`the loop ended with ${out}`));
          else resolve();
        });
      });
    }
    const set = await taskSetOf(client, "c", "s", id);
    assert.deepEqual([set.stabilityStatus, set.runningCount], ["STEADY_STATE", 2]);
    await assert.rejects(waitUntilServicesStable({ client, maxWaitTime: 2, minDelay: 1, maxDelay: 1 }, { cluster: "c", services: ["s"] }), /TimeoutError|timed out|Waiter has timed out/i);
  });
});

describe("bugs the model-based test found (each a regression test)", () => {
  let server: TestServer;
  let client: ECSClient;
  before(async () => {
    server = await startTestServer({ stepMs: 300 });
    client = server.client();
    await client.send(new CreateClusterCommand({ clusterName: "c" }));
    await registerFargateTaskDefinition(client, "web");
  });
  after(() => server.close());

  it("a deployment that maximumPercent and minimumHealthyPercent leave no room for says so, as ECS does, instead of hanging silently", async () => {
    // One task, maximumPercent 150 (floor 1.5 = 1: no room to start) and minimumHealthyPercent 100 (no room to stop).
    await client.send(
      new CreateServiceCommand({
        cluster: "c",
        serviceName: "tight",
        taskDefinition: "web",
        desiredCount: 1,
        launchType: "FARGATE",
        networkConfiguration: NETWORK,
        deploymentConfiguration: { maximumPercent: 150, minimumHealthyPercent: 100 },
      }),
    );
    await server.advance(5);
    await client.send(new UpdateServiceCommand({ cluster: "c", service: "tight", forceNewDeployment: true }));
    for (let i = 0; i < 10; i++) await server.advance(1);
    const service = (await client.send(new DescribeServicesCommand({ cluster: "c", services: ["tight"] }))).services?.[0];
    assert.deepEqual(
      service?.deployments?.map((d) => [d.status, d.rolloutState, d.runningCount]),
      [
        ["PRIMARY", "IN_PROGRESS", 0],
        ["ACTIVE", "COMPLETED", 1],
      ],
    );
    const blocked = (service?.events ?? []).filter(
      (e) =>
        e.message ===
        "(service tight) was unable to stop or start tasks during a deployment because of the service deployment configuration. Update the minimumHealthyPercent or maximumPercent value and try again.",
    );
    assert.equal(blocked.length, 1, "said once (paced), not every second");
    await client.send(new UpdateServiceCommand({ cluster: "c", service: "tight", deploymentConfiguration: { maximumPercent: 200, minimumHealthyPercent: 100 } }));
    for (let i = 0; i < 5; i++) await server.advance(1);
    const after = (await client.send(new DescribeServicesCommand({ cluster: "c", services: ["tight"] }))).services?.[0];
    assert.deepEqual(after?.deployments?.map((d) => [d.status, d.rolloutState, d.runningCount]), [["PRIMARY", "COMPLETED", 1]]);
  });
});

describe("what a request changes, the task set shows at once (before the scheduler looks)", () => {
  // Two servers on one SQLite store: the first (with its scheduler) makes two sets steady; the
  // second has no scheduler, so only the request itself can take a STEADY_STATE away.
  const dataDir = mkdtempSync(path.join(tmpdir(), "ecslite-stability-"));
  let server: TestServer;
  let client: ECSClient;
  const sets: string[] = [];
  before(async () => {
    const first = await startTestServer({ stepMs: 0, inMemory: false, dataDir });
    const c = first.client();
    await c.send(new CreateClusterCommand({ clusterName: "c" }));
    await c.send(new RegisterTaskDefinitionCommand({ family: "small", networkMode: "bridge", containerDefinitions: [{ name: "app", image: "nginx", memory: 128 }] }));
    await c.send(
      new RegisterContainerInstanceCommand({
        cluster: "c",
        instanceIdentityDocument: JSON.stringify({ instanceId: "i-now", availabilityZone: "us-east-1a" }),
        totalResources: [
          { name: "CPU", type: "INTEGER", integerValue: 1024 },
          { name: "MEMORY", type: "INTEGER", integerValue: 1024 },
        ],
      }),
    );
    for (const name of ["a", "b"]) {
      await c.send(new CreateServiceCommand({ cluster: "c", serviceName: name, desiredCount: 2, deploymentController: { type: "EXTERNAL" } }));
      sets.push((await c.send(new CreateTaskSetCommand({ cluster: "c", service: name, taskDefinition: "small", launchType: "EC2", scale: { value: 100, unit: "PERCENT" } }))).taskSet?.id ?? "");
    }
    await first.settle();
    for (const [i, name] of ["a", "b"].entries()) assert.equal((await taskSetOf(c, "c", name, sets[i])).stabilityStatus, "STEADY_STATE");
    await first.close();
    server = await startTestServer({ stepMs: 0, inMemory: false, dataDir, scheduler: false });
    client = server.client();
  });
  after(async () => {
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("StopTask of a set's running task: DescribeTaskSets right after shows STABILIZING", async () => {
    const [task] = (await tasksOfSet(client, "c", sets[0])).filter((t) => t.lastStatus === "RUNNING");
    await client.send(new StopTaskCommand({ cluster: "c", task: task.taskArn }));
    const set = await taskSetOf(client, "c", "a", sets[0]);
    assert.deepEqual([set.stabilityStatus, set.runningCount], ["STABILIZING", 2]);
  });

  it("an instance set DRAINING under a set's tasks: DescribeTaskSets right after shows STABILIZING", async () => {
    const [task] = await tasksOfSet(client, "c", sets[1]);
    await client.send(new UpdateContainerInstancesStateCommand({ cluster: "c", containerInstances: [task.containerInstanceArn ?? ""], status: "DRAINING" }));
    assert.equal((await taskSetOf(client, "c", "b", sets[1])).stabilityStatus, "STABILIZING");
  });
});

describe("zero-delay retries of a task definition that cannot start (no circuit breaker): ECS's throttle, counted launch by launch", () => {
  let server: TestServer;
  let client: ECSClient;
  before(async () => {
    // Zero-delay mode on the virtual clock: every launch fails at the same instant. Stopped tasks are
    // kept for three hours here, so that every launch can be looked at.
    server = await startTestServer({ stepMs: 0, stoppedTaskRetentionMs: 3 * 3600 * 1000 });
    client = server.client();
    await client.send(new CreateClusterCommand({ clusterName: "c" }));
    for (const [family, environment] of [["broken", [{ name: "ECSLITE_FAULT_FAIL_TO_START", value: "true" }]], ["web", []]] as const) {
      await registerFargateTaskDefinition(client, family, { environment: [...environment] });
    }
  });
  after(() => server.close());

  /** The service's stopped tasks, oldest first. */
  const stoppedTasks = async (service: string): Promise<Task[]> => {
    const arns = (await client.send(new ListTasksCommand({ cluster: "c", serviceName: service, desiredStatus: "STOPPED" }))).taskArns ?? [];
    const tasks: Task[] = [];
    for (let i = 0; i < arns.length; i += 100) tasks.push(...((await client.send(new DescribeTasksCommand({ cluster: "c", tasks: arns.slice(i, i + 100) }))).tasks ?? []));
    return tasks.sort((a, b) => (a.createdAt?.getTime() ?? 0) - (b.createdAt?.getTime() ?? 0));
  };
  const gapsInSeconds = (tasks: readonly Task[]) => tasks.slice(1).map((t, i) => ((t.createdAt?.getTime() ?? 0) - (tasks[i].createdAt?.getTime() ?? 0)) / 1000);

  it("failures at the same virtual instant count one by one: settle returns at once (it ran 10,000 passes, minutes, launching a task each), and launches back off 1 s, 2 s, 4 s, ...", async () => {
    const began = performance.now();
    await client.send(new CreateServiceCommand({ cluster: "c", serviceName: "broken", taskDefinition: "broken", desiredCount: 1, launchType: "FARGATE", networkConfiguration: NETWORK }));
    await server.settle();
    assert.ok(performance.now() - began < 5000, `settle took ${Math.round(performance.now() - began)} ms`);
    const first = await stoppedTasks("broken");
    assert.equal(first.length, 2, "the first failure is replaced at once, the second waits");
    assert.ok(first.every((t) => t.stopCode === "TaskFailedToStart" && t.startedAt === undefined));
    for (let i = 0; i < 40; i++) await server.advance(1);
    assert.deepEqual(gapsInSeconds(await stoppedTasks("broken")), [0, 1, 2, 4, 8, 16], "launch to launch");
    const messages = ((await client.send(new DescribeServicesCommand({ cluster: "c", services: ["broken"] }))).services?.[0]?.events ?? []).map((e) => e.message);
    assert.equal(messages.filter((m) => m === "(service broken) is unable to consistently start tasks successfully.").length, 1, messages.join("\n"));
  });

  it("the delay grows to ECS's 27 minutes and no further", async () => {
    // In steps of a minute (launches wait for the next step), which 27 minutes is a multiple of.
    for (let i = 0; i < 100; i++) await server.advance(60);
    const gaps = gapsInSeconds(await stoppedTasks("broken"));
    assert.deepEqual(gaps.slice(-2), [27 * 60, 27 * 60], gaps.join(", "));
    assert.ok(gaps.every((gap, i) => gap <= 27 * 60 && (i === 0 || gap >= gaps[i - 1])), gaps.join(", "));
  });

  it("a new task definition starts afresh, at once (ECS: 'returns to a normal, non-throttled state immediately')", async () => {
    await client.send(new UpdateServiceCommand({ cluster: "c", service: "broken", taskDefinition: "web" }));
    await server.settle();
    const service = (await client.send(new DescribeServicesCommand({ cluster: "c", services: ["broken"] }))).services?.[0];
    assert.deepEqual([service?.runningCount, service?.deployments?.[0]?.status, service?.deployments?.[0]?.runningCount], [1, "PRIMARY", 1]);
  });
});

describe("the circuit breaker's wording for tasks that failed to start and tasks that failed health checks", () => {
  let server: TestServer;
  let client: ECSClient;
  before(async () => {
    server = await startTestServer({ stepMs: 300 });
    client = server.client();
    await client.send(new CreateClusterCommand({ clusterName: "c" }));
    await unhealthyTaskDefinition(client, "sick");
    await registerFargateTaskDefinition(client, "broken", { environment: [{ name: "ECSLITE_FAULT_FAIL_TO_START", value: "true" }] });
  });
  after(() => server.close());

  it("the circuit breaker's failure reads the same for tasks that failed to start and tasks that failed health checks; the events before it and the stopped tasks tell them apart", async () => {
    for (const [serviceName, taskDefinition] of [["nostart", "broken"], ["unhealthy", "sick"]]) {
      await client.send(
        new CreateServiceCommand({
          cluster: "c",
          serviceName,
          taskDefinition,
          desiredCount: 2,
          launchType: "FARGATE",
          networkConfiguration: NETWORK,
          healthCheckGracePeriodSeconds: 0,
          deploymentConfiguration: { deploymentCircuitBreaker: { enable: true, rollback: false } },
        }),
      );
    }
    for (let i = 0; i < 30; i++) await server.advance(1);
    const services = (await client.send(new DescribeServicesCommand({ cluster: "c", services: ["nostart", "unhealthy"] }))).services ?? [];
    const failedLine = (name: string) => new RegExp(`^\\(service ${name}\\) \\(deployment ecs-svc/\\d+\\) deployment failed: tasks failed to start\\.$`);
    for (const service of services) {
      const name = service.serviceName ?? "";
      const deployment = service.deployments?.[0];
      assert.deepEqual([deployment?.rolloutState, deployment?.rolloutStateReason], ["FAILED", "ECS deployment circuit breaker: tasks failed to start."], name);
      const messages = (service.events ?? []).map((e) => e.message ?? "").reverse();
      const failedAt = messages.findIndex((m) => failedLine(name).test(m));
      assert.ok(failedAt >= 0, messages.join("\n"));
      const healthLines = messages.slice(0, failedAt).filter((m) => new RegExp(`^\\(service ${name}\\) \\(task [0-9a-f]{32}\\) failed container health checks\\.$`).test(m));
      const arns = (await client.send(new ListTasksCommand({ cluster: "c", serviceName: name, desiredStatus: "STOPPED" }))).taskArns ?? [];
      const stopped = (await client.send(new DescribeTasksCommand({ cluster: "c", tasks: arns }))).tasks ?? [];
      assert.ok(stopped.length >= 3, `${name}: the threshold (3) was reached`);
      if (name === "nostart") {
        assert.equal(healthLines.length, 0, messages.join("\n"));
        assert.ok(stopped.every((t) => t.stopCode === "TaskFailedToStart" && t.startedAt === undefined), name);
        assert.ok(messages.includes("(service nostart) is unable to consistently start tasks successfully."), messages.join("\n"));
      } else {
        assert.ok(healthLines.length >= 3, messages.join("\n"));
        assert.ok(stopped.every((t) => t.stopCode === "ServiceSchedulerInitiated" && t.stoppedReason === "Task failed container health checks" && t.startedAt), name);
        assert.ok(!messages.some((m) => m.endsWith("is unable to consistently start tasks successfully.")), "tasks that ran are not ECS's throttle case");
      }
    }
  });
});
