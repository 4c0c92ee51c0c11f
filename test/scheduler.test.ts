// The scheduler, seen through the SDK: tasks move through their lifecycle, counts and stability are
// earned, deployments roll, capacity is respected, and faults keep things from settling.
import * as assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  CreateClusterCommand,
  CreateServiceCommand,
  CreateTaskSetCommand,
  DescribeServicesCommand,
  DescribeTasksCommand,
  DescribeTaskSetsCommand,
  type ECSClient,
  ListTasksCommand,
  PutClusterCapacityProvidersCommand,
  RegisterContainerInstanceCommand,
  RegisterTaskDefinitionCommand,
  RunTaskCommand,
  StopTaskCommand,
  type Task,
  type TaskSet,
  UpdateContainerInstancesStateCommand,
  UpdateServiceCommand,
  UpdateTaskSetCommand,
  waitUntilServicesStable,
  waitUntilTasksRunning,
  waitUntilTasksStopped,
} from "@aws-sdk/client-ecs";
import { startTestServer, type TestServer } from "./harness";
import { registerFargateTaskDefinition } from "./taskSetFixtures";

const NETWORK = { awsvpcConfiguration: { subnets: ["subnet-a", "subnet-b"], securityGroups: ["sg-1"] } };

/** A Fargate revision with one nginx container on port 80, its environment, and a health check when asked. */
function fargateTaskDefinition(client: ECSClient, family: string, environment: { name: string; value: string }[] = [], healthCheck = false): Promise<string> {
  return registerFargateTaskDefinition(client, family, {
    image: "nginx",
    portMappings: [{ containerPort: 80 }],
    environment,
    ...(healthCheck ? { healthCheck: { command: ["CMD-SHELL", "curl -f http://localhost/ || exit 1"] } } : {}),
  });
}

async function taskSetOf(client: ECSClient, cluster: string, service: string, id: string): Promise<TaskSet> {
  const out = await client.send(new DescribeTaskSetsCommand({ cluster, service, taskSets: [id] }));
  assert.equal(out.taskSets?.length, 1);
  return out.taskSets?.[0] as TaskSet;
}

async function tasksStartedBy(client: ECSClient, cluster: string, startedBy: string, desiredStatus: "RUNNING" | "STOPPED" = "RUNNING"): Promise<Task[]> {
  const arns = (await client.send(new ListTasksCommand({ cluster, startedBy, desiredStatus }))).taskArns ?? [];
  if (!arns.length) return [];
  return (await client.send(new DescribeTasksCommand({ cluster, tasks: arns }))).tasks ?? [];
}

describe("task sets converge (zero-delay, virtual clock)", () => {
  let server: TestServer;
  let client: ECSClient;
  before(async () => {
    server = await startTestServer();
    client = server.client();
    await client.send(new CreateClusterCommand({ clusterName: "prod" }));
    await fargateTaskDefinition(client, "web");
  });
  after(() => server.close());

  it("a task set scaled 0 -> 50% -> 100% -> 0 converges each time with the right tasks", async () => {
    await client.send(new CreateServiceCommand({ cluster: "prod", serviceName: "api", desiredCount: 4, deploymentController: { type: "EXTERNAL" } }));
    const created = await client.send(new CreateTaskSetCommand({ cluster: "prod", service: "api", taskDefinition: "web", launchType: "FARGATE", networkConfiguration: NETWORK }));
    const id = created.taskSet?.id ?? "";
    assert.match(id, /^ecs-svc\/\d{19}$/);
    await server.settle();
    let set = await taskSetOf(client, "prod", "api", id);
    assert.deepEqual([set.computedDesiredCount, set.runningCount, set.pendingCount, set.stabilityStatus], [0, 0, 0, "STEADY_STATE"]);

    for (const [percent, expected] of [[50, 2], [100, 4], [0, 0]] as const) {
      await client.send(new UpdateTaskSetCommand({ cluster: "prod", service: "api", taskSet: id, scale: { value: percent, unit: "PERCENT" } }));
      await server.settle();
      set = await taskSetOf(client, "prod", "api", id);
      assert.equal(set.computedDesiredCount, expected);
      assert.equal(set.runningCount, expected, `running at ${percent}%`);
      assert.equal(set.pendingCount, 0);
      assert.equal(set.stabilityStatus, "STEADY_STATE");
      const tasks = await tasksStartedBy(client, "prod", id);
      assert.equal(tasks.length, expected);
      for (const task of tasks) {
        assert.equal(task.lastStatus, "RUNNING");
        assert.equal(task.desiredStatus, "RUNNING");
        assert.equal(task.startedBy, id);
        assert.equal(task.group, "service:api");
        assert.equal(task.launchType, "FARGATE");
        assert.ok(task.startedAt instanceof Date);
        const eni = task.attachments?.[0];
        assert.equal(eni?.type, "ElasticNetworkInterface");
        assert.match(eni?.details?.find((d) => d.name === "privateIPv4Address")?.value ?? "", /^10\.\d+\.\d+\.\d+$/);
      }
    }
    const stopped = await tasksStartedBy(client, "prod", id, "STOPPED");
    assert.equal(stopped.length, 4, "the four tasks stopped on the way down remain describable");
    for (const task of stopped) {
      assert.equal(task.lastStatus, "STOPPED");
      assert.equal(task.stopCode, "ServiceSchedulerInitiated");
      assert.ok(task.stoppedAt instanceof Date && task.stoppingAt instanceof Date);
    }
    const service = (await client.send(new DescribeServicesCommand({ cluster: "prod", services: ["api"] }))).services?.[0];
    const messages = (service?.events ?? []).map((e) => e.message ?? "");
    assert.ok(messages.some((m) => m.startsWith(`(service api, taskSet ${id}) has started 2 tasks: (task `)), messages.join("\n"));
    assert.ok(messages.some((m) => m === "(service api) has reached a steady state."));
  });

  it("a service desiredCount change ripples into every task set", async () => {
    await client.send(new CreateServiceCommand({ cluster: "prod", serviceName: "ripple", desiredCount: 10, deploymentController: { type: "EXTERNAL" } }));
    const a = (await client.send(new CreateTaskSetCommand({ cluster: "prod", service: "ripple", taskDefinition: "web", launchType: "FARGATE", networkConfiguration: NETWORK, scale: { value: 100, unit: "PERCENT" } }))).taskSet?.id ?? "";
    const b = (await client.send(new CreateTaskSetCommand({ cluster: "prod", service: "ripple", taskDefinition: "web", launchType: "FARGATE", networkConfiguration: NETWORK, scale: { value: 12, unit: "PERCENT" } }))).taskSet?.id ?? "";
    await server.settle();
    assert.equal((await taskSetOf(client, "prod", "ripple", b)).runningCount, 2, "ceil(10 x 12%) = 2");
    await client.send(new UpdateServiceCommand({ cluster: "prod", service: "ripple", desiredCount: 20 }));
    await server.settle();
    const [setA, setB] = [await taskSetOf(client, "prod", "ripple", a), await taskSetOf(client, "prod", "ripple", b)];
    assert.deepEqual([setA.computedDesiredCount, setA.runningCount, setA.stabilityStatus], [20, 20, "STEADY_STATE"]);
    assert.deepEqual([setB.computedDesiredCount, setB.runningCount, setB.stabilityStatus], [3, 3, "STEADY_STATE"], "ceil(20 x 12%) = 3");
    const service = (await client.send(new DescribeServicesCommand({ cluster: "prod", services: ["ripple"] }))).services?.[0];
    assert.equal(service?.runningCount, 23);
  });

  it("a capacity provider strategy puts the base first, then splits by weight", async () => {
    await client.send(new CreateClusterCommand({ clusterName: "spot" }));
    await client.send(new PutClusterCapacityProvidersCommand({ cluster: "spot", capacityProviders: ["FARGATE", "FARGATE_SPOT"], defaultCapacityProviderStrategy: [] }));
    await client.send(new CreateServiceCommand({ cluster: "spot", serviceName: "mixed", desiredCount: 11, deploymentController: { type: "EXTERNAL" } }));
    const id = (
      await client.send(
        new CreateTaskSetCommand({
          cluster: "spot",
          service: "mixed",
          taskDefinition: "web",
          networkConfiguration: NETWORK,
          capacityProviderStrategy: [
            { capacityProvider: "FARGATE", base: 1, weight: 1 },
            { capacityProvider: "FARGATE_SPOT", weight: 4 },
          ],
          scale: { value: 100, unit: "PERCENT" },
        }),
      )
    ).taskSet?.id ?? "";
    await server.settle();
    const tasks = await tasksStartedBy(client, "spot", id);
    const onDemand = tasks.filter((t) => t.capacityProviderName === "FARGATE").length;
    const spot = tasks.filter((t) => t.capacityProviderName === "FARGATE_SPOT").length;
    assert.deepEqual([onDemand, spot], [3, 8], "1 base + 10 split 1:4");
  });
});

describe("lifecycle steps and stability over virtual time", () => {
  let server: TestServer;
  let client: ECSClient;
  before(async () => {
    server = await startTestServer({ stepMs: 1000 });
    client = server.client();
    await client.send(new CreateClusterCommand({ clusterName: "c" }));
    await fargateTaskDefinition(client, "web");
    await fargateTaskDefinition(client, "broken", [{ name: "ECSLITE_FAULT_FAIL_TO_START", value: "true" }]);
    await fargateTaskDefinition(client, "sick", [{ name: "ECSLITE_FAULT_UNHEALTHY", value: "true" }], true);
  });
  after(() => server.close());

  it("tasks step PROVISIONING -> PENDING -> ACTIVATING -> RUNNING and stop through DEACTIVATING ... STOPPED", async () => {
    const task = (await client.send(new RunTaskCommand({ cluster: "c", taskDefinition: "web", launchType: "FARGATE", networkConfiguration: NETWORK, startedBy: "me" }))).tasks?.[0];
    assert.equal(task?.lastStatus, "PROVISIONING");
    const arn = task?.taskArn ?? "";
    const seen: string[] = [];
    for (let i = 0; i < 3; i++) {
      await server.advance(1);
      seen.push((await client.send(new DescribeTasksCommand({ cluster: "c", tasks: [arn] }))).tasks?.[0]?.lastStatus ?? "");
    }
    assert.deepEqual(seen, ["PENDING", "ACTIVATING", "RUNNING"]);
    const stopped = await client.send(new StopTaskCommand({ cluster: "c", task: arn, reason: "done here" }));
    assert.equal(stopped.task?.desiredStatus, "STOPPED");
    const stopping: string[] = [];
    for (let i = 0; i < 4; i++) {
      await server.advance(1);
      stopping.push((await client.send(new DescribeTasksCommand({ cluster: "c", tasks: [arn] }))).tasks?.[0]?.lastStatus ?? "");
    }
    assert.deepEqual(stopping, ["DEACTIVATING", "STOPPING", "DEPROVISIONING", "STOPPED"]);
    const final = (await client.send(new DescribeTasksCommand({ cluster: "c", tasks: [arn] }))).tasks?.[0];
    assert.equal(final?.stopCode, "UserInitiated");
    assert.equal(final?.stoppedReason, "done here");
    assert.ok(final?.createdAt && final.startedAt && final.stoppingAt && final.stoppedAt);
    assert.ok(final.createdAt < final.startedAt && final.startedAt <= final.stoppingAt && final.stoppingAt < final.stoppedAt);
    assert.equal(final.containers?.[0]?.lastStatus, "STOPPED");
  });

  it("a task set is STABILIZING while its tasks start, STEADY_STATE once they run; stabilityStatusAt moves only on a change", async () => {
    await client.send(new CreateServiceCommand({ cluster: "c", serviceName: "s", desiredCount: 2, deploymentController: { type: "EXTERNAL" } }));
    const id = (await client.send(new CreateTaskSetCommand({ cluster: "c", service: "s", taskDefinition: "web", launchType: "FARGATE", networkConfiguration: NETWORK, scale: { value: 100, unit: "PERCENT" } }))).taskSet?.id ?? "";
    await server.settle();
    let set = await taskSetOf(client, "c", "s", id);
    assert.deepEqual([set.stabilityStatus, set.pendingCount, set.runningCount], ["STABILIZING", 2, 0]);
    const stabilizingAt = set.stabilityStatusAt?.getTime();
    await server.advance(1);
    set = await taskSetOf(client, "c", "s", id);
    assert.equal(set.stabilityStatus, "STABILIZING");
    assert.equal(set.stabilityStatusAt?.getTime(), stabilizingAt, "no change, no new time");
    await server.advance(2);
    set = await taskSetOf(client, "c", "s", id);
    assert.deepEqual([set.stabilityStatus, set.pendingCount, set.runningCount], ["STEADY_STATE", 0, 2]);
    assert.ok((set.stabilityStatusAt?.getTime() ?? 0) > (stabilizingAt ?? 0));
  });

  it("a task definition whose tasks fail to start keeps the task set STABILIZING", async () => {
    await client.send(new CreateServiceCommand({ cluster: "c", serviceName: "bad", desiredCount: 2, deploymentController: { type: "EXTERNAL" } }));
    const id = (await client.send(new CreateTaskSetCommand({ cluster: "c", service: "bad", taskDefinition: "broken", launchType: "FARGATE", networkConfiguration: NETWORK, scale: { value: 100, unit: "PERCENT" } }))).taskSet?.id ?? "";
    for (let i = 0; i < 30; i++) await server.advance(2);
    const set = await taskSetOf(client, "c", "bad", id);
    assert.equal(set.stabilityStatus, "STABILIZING");
    assert.equal(set.runningCount, 0);
    const failed = await tasksStartedBy(client, "c", id, "STOPPED");
    assert.ok(failed.length >= 2, `failed tasks are replaced (saw ${failed.length})`);
    assert.ok(failed.length < 30, `with a backoff, not a spin (saw ${failed.length})`);
    assert.ok(failed.every((t) => t.stopCode === "TaskFailedToStart"));
  });

  it("unhealthy tasks keep a task set STABILIZING and are replaced after the grace period", async () => {
    await client.send(new CreateServiceCommand({ cluster: "c", serviceName: "sick", desiredCount: 1, healthCheckGracePeriodSeconds: 5, deploymentController: { type: "EXTERNAL" } }));
    const id = (await client.send(new CreateTaskSetCommand({ cluster: "c", service: "sick", taskDefinition: "sick", launchType: "FARGATE", networkConfiguration: NETWORK, scale: { value: 100, unit: "PERCENT" } }))).taskSet?.id ?? "";
    await server.advance(4);
    let set = await taskSetOf(client, "c", "sick", id);
    assert.deepEqual([set.runningCount, set.stabilityStatus], [1, "STABILIZING"], "running but unhealthy");
    const [task] = await tasksStartedBy(client, "c", id);
    assert.equal(task.healthStatus, "UNHEALTHY");
    for (let i = 0; i < 10; i++) await server.advance(2);
    set = await taskSetOf(client, "c", "sick", id);
    assert.equal(set.stabilityStatus, "STABILIZING");
    const stopped = await tasksStartedBy(client, "c", id, "STOPPED");
    assert.ok(stopped.some((t) => t.stoppedReason === "Task failed container health checks"));
  });

  it("STOPPED tasks are forgotten after the retention period", async () => {
    const task = (await client.send(new RunTaskCommand({ cluster: "c", taskDefinition: "web", launchType: "FARGATE", networkConfiguration: NETWORK }))).tasks?.[0];
    await client.send(new StopTaskCommand({ cluster: "c", task: task?.taskArn }));
    await server.advance(10);
    assert.equal((await client.send(new DescribeTasksCommand({ cluster: "c", tasks: [task?.taskArn ?? ""] }))).tasks?.[0]?.lastStatus, "STOPPED");
    await server.advance(3600);
    const out = await client.send(new DescribeTasksCommand({ cluster: "c", tasks: [task?.taskArn ?? ""] }));
    assert.equal(out.tasks?.length, 0);
    assert.equal(out.failures?.[0]?.reason, "MISSING");
  });
});

describe("EC2 capacity and draining container instances", () => {
  let server: TestServer;
  let client: ECSClient;
  before(async () => {
    server = await startTestServer({ stepMs: 1000 });
    client = server.client();
    await client.send(new CreateClusterCommand({ clusterName: "ec2" }));
    await client.send(new RegisterTaskDefinitionCommand({ family: "box", containerDefinitions: [{ name: "app", image: "nginx", memory: 512, cpu: 256 }] }));
  });
  after(() => server.close());

  const register = (id: string) =>
    client.send(
      new RegisterContainerInstanceCommand({
        cluster: "ec2",
        instanceIdentityDocument: JSON.stringify({ instanceId: id, availabilityZone: "us-east-1a" }),
        totalResources: [
          { name: "CPU", type: "INTEGER", integerValue: 1024 },
          { name: "MEMORY", type: "INTEGER", integerValue: 2048 },
        ],
      }),
    );

  it("with no room, a service cannot place its tasks and says so; with room it can", async () => {
    await client.send(new CreateServiceCommand({ cluster: "ec2", serviceName: "early", desiredCount: 2, deploymentController: { type: "EXTERNAL" } }));
    const id = (await client.send(new CreateTaskSetCommand({ cluster: "ec2", service: "early", taskDefinition: "box", launchType: "EC2", scale: { value: 100, unit: "PERCENT" } }))).taskSet?.id ?? "";
    await server.settle();
    const service = (await client.send(new DescribeServicesCommand({ cluster: "ec2", services: ["early"] }))).services?.[0];
    assert.ok((service?.events ?? []).some((e) => /was unable to place a task because no container instance met all of its requirements/.test(e.message ?? "")));
    assert.equal((await taskSetOf(client, "ec2", "early", id)).stabilityStatus, "STABILIZING");
    const a = (await register("i-aaaa")).containerInstance?.containerInstanceArn ?? "";
    for (let i = 0; i < 5; i++) await server.advance(1);
    const set = await taskSetOf(client, "ec2", "early", id);
    assert.deepEqual([set.runningCount, set.stabilityStatus], [2, "STEADY_STATE"]);
    const tasks = await tasksStartedBy(client, "ec2", id);
    assert.ok(tasks.every((t) => t.containerInstanceArn === a));
    // The instance's resources are held by the two tasks (256 cpu / 512 MiB each).
    await client.send(new UpdateTaskSetCommand({ cluster: "ec2", service: "early", taskSet: id, scale: { value: 0, unit: "PERCENT" } }));
    for (let i = 0; i < 6; i++) await server.advance(1);
    assert.equal((await taskSetOf(client, "ec2", "early", id)).runningCount, 0);
  });

  it("draining an instance moves its tasks: STABILIZING while they move, STEADY_STATE after", async () => {
    const b = (await register("i-bbbb")).containerInstance?.containerInstanceArn ?? "";
    const a = (await register("i-aaaa")).containerInstance?.containerInstanceArn ?? "";
    await client.send(new CreateServiceCommand({ cluster: "ec2", serviceName: "web", desiredCount: 2, deploymentController: { type: "EXTERNAL" } }));
    const id = (await client.send(new CreateTaskSetCommand({ cluster: "ec2", service: "web", taskDefinition: "box", launchType: "EC2", scale: { value: 100, unit: "PERCENT" } }))).taskSet?.id ?? "";
    for (let i = 0; i < 5; i++) await server.advance(1);
    const before = await tasksStartedBy(client, "ec2", id);
    assert.deepEqual(new Set(before.map((t) => t.containerInstanceArn)), new Set([a, b]), "spread over both instances");
    assert.equal((await taskSetOf(client, "ec2", "web", id)).stabilityStatus, "STEADY_STATE");

    await client.send(new UpdateContainerInstancesStateCommand({ cluster: "ec2", containerInstances: [a], status: "DRAINING" }));
    await server.settle();
    assert.equal((await taskSetOf(client, "ec2", "web", id)).stabilityStatus, "STABILIZING");
    for (let i = 0; i < 10; i++) await server.advance(1);
    const moved = await taskSetOf(client, "ec2", "web", id);
    assert.deepEqual([moved.runningCount, moved.stabilityStatus], [2, "STEADY_STATE"]);
    const now = await tasksStartedBy(client, "ec2", id);
    assert.ok(now.every((t) => t.containerInstanceArn === b), "both tasks on the ACTIVE instance");
  });
});

describe("rolling deployments (ECS controller)", () => {
  let server: TestServer;
  let client: ECSClient;
  before(async () => {
    server = await startTestServer();
    client = server.client();
    await client.send(new CreateClusterCommand({ clusterName: "roll" }));
    await fargateTaskDefinition(client, "web");
  });
  after(() => server.close());

  it("a new task definition rolls out: a PRIMARY deployment COMPLETED, the old one drained", async () => {
    await client.send(new CreateServiceCommand({ cluster: "roll", serviceName: "svc", taskDefinition: "web", desiredCount: 3, launchType: "FARGATE", networkConfiguration: NETWORK }));
    await server.settle();
    let service = (await client.send(new DescribeServicesCommand({ cluster: "roll", services: ["svc"] }))).services?.[0];
    assert.equal(service?.deployments?.length, 1);
    assert.deepEqual([service?.deployments?.[0]?.rolloutState, service?.runningCount], ["COMPLETED", 3]);
    const second = await fargateTaskDefinition(client, "web");
    service = (await client.send(new UpdateServiceCommand({ cluster: "roll", service: "svc", taskDefinition: second }))).service;
    assert.equal(service?.deployments?.length, 2);
    assert.deepEqual(service?.deployments?.map((d) => d.status), ["PRIMARY", "ACTIVE"]);
    assert.equal(service?.deployments?.[0]?.rolloutState, "IN_PROGRESS");
    await server.settle();
    service = (await client.send(new DescribeServicesCommand({ cluster: "roll", services: ["svc"] }))).services?.[0];
    assert.equal(service?.deployments?.length, 1);
    assert.equal(service?.deployments?.[0]?.taskDefinition, second);
    assert.equal(service?.deployments?.[0]?.rolloutState, "COMPLETED");
    assert.equal(service?.runningCount, 3);
    const running = await client.send(new ListTasksCommand({ cluster: "roll", serviceName: "svc" }));
    const tasks = (await client.send(new DescribeTasksCommand({ cluster: "roll", tasks: running.taskArns ?? [] }))).tasks ?? [];
    assert.ok(tasks.length === 3 && tasks.every((t) => t.taskDefinitionArn === second));
  });

  it("service tasks carry ECS-managed tags and the service's tags when propagateTags is SERVICE", async () => {
    await client.send(
      new CreateServiceCommand({
        cluster: "roll",
        serviceName: "tagged",
        taskDefinition: "web",
        desiredCount: 1,
        launchType: "FARGATE",
        networkConfiguration: NETWORK,
        enableECSManagedTags: true,
        propagateTags: "SERVICE",
        tags: [{ key: "team", value: "payments" }],
      }),
    );
    await server.settle();
    const arns = (await client.send(new ListTasksCommand({ cluster: "roll", serviceName: "tagged" }))).taskArns ?? [];
    const task = (await client.send(new DescribeTasksCommand({ cluster: "roll", tasks: arns, include: ["TAGS"] }))).tasks?.[0];
    assert.deepEqual(task?.tags, [
      { key: "aws:ecs:clusterName", value: "roll" },
      { key: "aws:ecs:serviceName", value: "tagged" },
      { key: "team", value: "payments" },
    ]);
  });

  it("the circuit breaker fails a deployment whose tasks cannot start, and rolls back", async () => {
    const broken = await fargateTaskDefinition(client, "broken", [{ name: "ECSLITE_FAULT_FAIL_TO_START", value: "true" }]);
    await client.send(
      new CreateServiceCommand({
        cluster: "roll",
        serviceName: "guarded",
        taskDefinition: "web",
        desiredCount: 2,
        launchType: "FARGATE",
        networkConfiguration: NETWORK,
        deploymentConfiguration: { deploymentCircuitBreaker: { enable: true, rollback: true }, maximumPercent: 200, minimumHealthyPercent: 100 },
      }),
    );
    await server.settle();
    await client.send(new UpdateServiceCommand({ cluster: "roll", service: "guarded", taskDefinition: broken }));
    for (let i = 0; i < 20; i++) await server.advance(30);
    const service = (await client.send(new DescribeServicesCommand({ cluster: "roll", services: ["guarded"] }))).services?.[0];
    const messages = (service?.events ?? []).map((e) => e.message ?? "");
    assert.ok(messages.some((m) => /deployment failed: tasks failed to start/.test(m)), messages.join("\n"));
    const primary = service?.deployments?.find((d) => d.status === "PRIMARY");
    assert.notEqual(primary?.taskDefinition, broken, "rolled back to the working task definition");
    assert.equal(service?.runningCount, 2, "the old tasks kept running throughout (minimumHealthyPercent 100)");
  });
});

describe("AWS SDK waiters against the real clock", () => {
  let server: TestServer;
  let client: ECSClient;
  before(async () => {
    server = await startTestServer({ clock: "real", stepMs: 100, schedulerIntervalMs: 20 });
    client = server.client();
    await client.send(new CreateClusterCommand({ clusterName: "w" }));
    await fargateTaskDefinition(client, "web");
  });
  after(() => server.close());

  it("waitUntilTasksRunning, waitUntilTasksStopped and waitUntilServicesStable return", async () => {
    const run = await client.send(new RunTaskCommand({ cluster: "w", taskDefinition: "web", count: 2, launchType: "FARGATE", networkConfiguration: NETWORK }));
    const arns = (run.tasks ?? []).map((t) => t.taskArn ?? "");
    const running = await waitUntilTasksRunning({ client, maxWaitTime: 30, minDelay: 1, maxDelay: 1 }, { cluster: "w", tasks: arns });
    assert.equal(running.state, "SUCCESS");
    for (const arn of arns) await client.send(new StopTaskCommand({ cluster: "w", task: arn }));
    const stopped = await waitUntilTasksStopped({ client, maxWaitTime: 30, minDelay: 1, maxDelay: 1 }, { cluster: "w", tasks: arns });
    assert.equal(stopped.state, "SUCCESS");
    await client.send(new CreateServiceCommand({ cluster: "w", serviceName: "svc", taskDefinition: "web", desiredCount: 2, launchType: "FARGATE", networkConfiguration: NETWORK }));
    const stable = await waitUntilServicesStable({ client, maxWaitTime: 30, minDelay: 1, maxDelay: 1 }, { cluster: "w", services: ["svc"] });
    assert.equal(stable.state, "SUCCESS");
    const service = (await client.send(new DescribeServicesCommand({ cluster: "w", services: ["svc"] }))).services?.[0];
    assert.equal(service?.runningCount, 2);
  });
});
