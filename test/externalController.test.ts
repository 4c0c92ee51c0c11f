// The EXTERNAL deployment controller, as blue/green and canary tooling drives it, through the SDK:
// the whole flow, then every rule and error path of the task-set operations.
import * as assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  CreateClusterCommand,
  CreateServiceCommand,
  type CreateTaskSetCommandInput,
  CreateTaskSetCommand,
  DeleteServiceCommand,
  DeleteTaskSetCommand,
  DescribeServicesCommand,
  DescribeTaskSetsCommand,
  type ECSClient,
  ListTasksCommand,
  PutClusterCapacityProvidersCommand,
  RegisterTaskDefinitionCommand,
  RunTaskCommand,
  type TaskSet,
  UpdateServiceCommand,
  UpdateServicePrimaryTaskSetCommand,
  UpdateTaskSetCommand,
} from "@aws-sdk/client-ecs";
import { refusedWith } from "./assertions";
import { startTestServer, type TestServer } from "./harness";

const NETWORK = { awsvpcConfiguration: { subnets: ["subnet-1", "subnet-2"], securityGroups: ["sg-1"] } };
const TARGET_GROUP = "arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/blue/0123456789abcdef";

async function setup(client: ECSClient, cluster: string): Promise<{ v1: string; v2: string }> {
  await client.send(new CreateClusterCommand({ clusterName: cluster }));
  const register = async (image: string) =>
    (
      await client.send(
        new RegisterTaskDefinitionCommand({
          family: "web",
          requiresCompatibilities: ["FARGATE"],
          networkMode: "awsvpc",
          cpu: "256",
          memory: "512",
          containerDefinitions: [{ name: "app", image, portMappings: [{ containerPort: 8080 }] }],
        }),
      )
    ).taskDefinition?.taskDefinitionArn ?? "";
  return { v1: await register("web:1"), v2: await register("web:2") };
}

function taskSetInput(cluster: string, service: string, taskDefinition: string, percent?: number): CreateTaskSetCommandInput {
  return {
    cluster,
    service,
    taskDefinition,
    launchType: "FARGATE",
    networkConfiguration: NETWORK,
    loadBalancers: [{ targetGroupArn: TARGET_GROUP, containerName: "app", containerPort: 8080 }],
    ...(percent !== undefined ? { scale: { value: percent, unit: "PERCENT" } } : {}),
  };
}

describe("blue/green with the EXTERNAL controller, as a deploy controller runs it", () => {
  let server: TestServer;
  let client: ECSClient;
  let versions: { v1: string; v2: string };
  before(async () => {
    server = await startTestServer();
    client = server.client();
    versions = await setup(client, "prod");
  });
  after(() => server.close());

  const describeSet = async (id: string): Promise<TaskSet> => {
    const out = await client.send(new DescribeTaskSetsCommand({ cluster: "prod", service: "web", taskSets: [id] }));
    return out.taskSets?.[0] as TaskSet;
  };
  const runningOf = async (id: string) => (await client.send(new ListTasksCommand({ cluster: "prod", startedBy: id }))).taskArns?.length ?? 0;

  it("blue 100%, green 0% -> 10 -> 50 -> 100, switch primary, blue to 0, delete blue", async () => {
    const created = await client.send(new CreateServiceCommand({ cluster: "prod", serviceName: "web", desiredCount: 10, deploymentController: { type: "EXTERNAL" } }));
    assert.equal(created.service?.taskDefinition, undefined, "no primary task set: no task definition on the service");
    assert.deepEqual(created.service?.taskSets, []);

    const blue = (await client.send(new CreateTaskSetCommand({ ...taskSetInput("prod", "web", versions.v1, 100), externalId: "blue" }))).taskSet as TaskSet;
    assert.deepEqual([blue.status, blue.computedDesiredCount, blue.stabilityStatus, blue.externalId], ["ACTIVE", 10, "STABILIZING", "blue"]);
    assert.ok(blue.stabilityStatusAt instanceof Date);
    await client.send(new UpdateServicePrimaryTaskSetCommand({ cluster: "prod", service: "web", primaryTaskSet: blue.id }));
    await server.settle();
    assert.deepEqual([(await describeSet(blue.id ?? "")).runningCount, await runningOf(blue.id ?? "")], [10, 10]);

    const green = (await client.send(new CreateTaskSetCommand({ ...taskSetInput("prod", "web", versions.v2), externalId: "green" }))).taskSet as TaskSet;
    assert.deepEqual([green.scale?.value, green.scale?.unit, green.computedDesiredCount], [0, "PERCENT", 0], "scale defaults to 0 percent");
    for (const [percent, expected] of [[10, 1], [50, 5], [100, 10]] as const) {
      const updated = (await client.send(new UpdateTaskSetCommand({ cluster: "prod", service: "web", taskSet: green.id, scale: { value: percent, unit: "PERCENT" } }))).taskSet;
      assert.equal(updated?.computedDesiredCount, expected);
      assert.equal(updated?.stabilityStatus, "STABILIZING", "not steady until the tasks run");
      await server.settle();
      const observed = await describeSet(green.id ?? "");
      assert.deepEqual([observed.runningCount, observed.pendingCount, observed.stabilityStatus], [expected, 0, "STEADY_STATE"], `green at ${percent}%`);
      assert.equal(await runningOf(green.id ?? ""), expected);
    }
    let service = (await client.send(new DescribeServicesCommand({ cluster: "prod", services: ["web"] }))).services?.[0];
    assert.equal(service?.runningCount, 20, "blue 10 + green 10");
    assert.equal(service?.taskDefinition, versions.v1, "the primary (blue) task set's parameters show on the service");

    const switched = await client.send(new UpdateServicePrimaryTaskSetCommand({ cluster: "prod", service: "web", primaryTaskSet: green.taskSetArn }));
    assert.equal(switched.taskSet?.status, "PRIMARY");
    service = (await client.send(new DescribeServicesCommand({ cluster: "prod", services: ["web"] }))).services?.[0];
    assert.equal(service?.taskDefinition, versions.v2);
    assert.equal(service?.launchType, "FARGATE");
    assert.deepEqual(service?.loadBalancers, [{ targetGroupArn: TARGET_GROUP, containerName: "app", containerPort: 8080 }]);
    assert.deepEqual(
      service?.taskSets?.map((t) => [t.externalId, t.status]).sort(),
      [["blue", "ACTIVE"], ["green", "PRIMARY"]],
    );

    await client.send(new UpdateTaskSetCommand({ cluster: "prod", service: "web", taskSet: blue.id, scale: { value: 0, unit: "PERCENT" } }));
    await server.settle();
    assert.deepEqual([(await describeSet(blue.id ?? "")).runningCount, await runningOf(blue.id ?? "")], [0, 0]);

    const deleted = await client.send(new DeleteTaskSetCommand({ cluster: "prod", service: "web", taskSet: blue.id }));
    assert.equal(deleted.taskSet?.status, "DRAINING");
    await server.settle();
    const gone = await client.send(new DescribeTaskSetsCommand({ cluster: "prod", service: "web", taskSets: [blue.id ?? ""] }));
    assert.deepEqual(gone.taskSets, []);
    assert.deepEqual(gone.failures, [{ arn: blue.taskSetArn, reason: "MISSING" }]);
    service = (await client.send(new DescribeServicesCommand({ cluster: "prod", services: ["web"] }))).services?.[0];
    assert.deepEqual(service?.taskSets?.map((t) => t.externalId), ["green"]);
    assert.equal(service?.runningCount, 10);
  });
});

describe("deleting a task set that still has tasks (1 s lifecycle steps)", () => {
  let server: TestServer;
  let client: ECSClient;
  before(async () => {
    server = await startTestServer({ stepMs: 1000 });
    client = server.client();
    await setup(client, "prod");
    await client.send(new CreateServiceCommand({ cluster: "prod", serviceName: "web", desiredCount: 10, deploymentController: { type: "EXTERNAL" } }));
  });
  after(() => server.close());

  it("DRAINING while its tasks stop, then gone", async () => {
    const extra = (await client.send(new CreateTaskSetCommand(taskSetInput("prod", "web", "web", 30)))).taskSet as TaskSet;
    for (let i = 0; i < 4; i++) await server.advance(1);
    const running = (await client.send(new DescribeTaskSetsCommand({ cluster: "prod", service: "web", taskSets: [extra.id ?? ""] }))).taskSets?.[0];
    assert.deepEqual([running?.runningCount, running?.stabilityStatus], [3, "STEADY_STATE"]);
    await refusedWith(client.send(new DeleteTaskSetCommand({ cluster: "prod", service: "web", taskSet: extra.id })), "InvalidParameterException", /scaled down to zero/);
    const draining = await client.send(new DeleteTaskSetCommand({ cluster: "prod", service: "web", taskSet: extra.id, force: true }));
    assert.equal(draining.taskSet?.status, "DRAINING");
    await server.advance(1);
    const during = (await client.send(new DescribeTaskSetsCommand({ cluster: "prod", service: "web", taskSets: [extra.id ?? ""] }))).taskSets?.[0];
    assert.equal(during?.status, "DRAINING", "still there while its tasks stop");
    assert.equal(during?.runningCount, 0, "stopping tasks no longer count as running");
    for (let i = 0; i < 5; i++) await server.advance(1);
    const gone = await client.send(new DescribeTaskSetsCommand({ cluster: "prod", service: "web", taskSets: [extra.id ?? ""] }));
    assert.deepEqual(gone.taskSets, []);
    const stopped = await client.send(new ListTasksCommand({ cluster: "prod", startedBy: extra.id, desiredStatus: "STOPPED" }));
    assert.equal(stopped.taskArns?.length, 3, "its stopped tasks remain describable for a while");
  });
});

describe("task-set rules and errors", () => {
  let server: TestServer;
  let client: ECSClient;
  let versions: { v1: string; v2: string };
  before(async () => {
    server = await startTestServer();
    client = server.client();
    versions = await setup(client, "c");
    await client.send(new CreateServiceCommand({ cluster: "c", serviceName: "ext", desiredCount: 4, deploymentController: { type: "EXTERNAL" } }));
    await client.send(new CreateServiceCommand({ cluster: "c", serviceName: "rolling", taskDefinition: "web", desiredCount: 0, launchType: "FARGATE", networkConfiguration: NETWORK }));
  });
  after(() => server.close());

  it("computedDesiredCount rounds up, and follows the service's desiredCount", async () => {
    const set = (await client.send(new CreateTaskSetCommand(taskSetInput("c", "ext", "web:1", 30)))).taskSet as TaskSet;
    assert.equal(set.computedDesiredCount, 2, "ceil(4 x 30%) = ceil(1.2) = 2");
    await client.send(new UpdateServiceCommand({ cluster: "c", service: "ext", desiredCount: 10 }));
    const after = (await client.send(new DescribeTaskSetsCommand({ cluster: "c", service: "ext", taskSets: [set.id ?? ""] }))).taskSets?.[0];
    assert.equal(after?.computedDesiredCount, 3);
    const updated = (await client.send(new UpdateTaskSetCommand({ cluster: "c", service: "ext", taskSet: set.id, scale: { value: 12.5, unit: "PERCENT" } }))).taskSet;
    assert.equal(updated?.computedDesiredCount, 2, "ceil(10 x 12.5%) = 2");
    assert.ok((updated?.updatedAt?.getTime() ?? 0) >= (set.updatedAt?.getTime() ?? 0));
    await client.send(new DeleteTaskSetCommand({ cluster: "c", service: "ext", taskSet: set.id, force: true }));
    await client.send(new UpdateServiceCommand({ cluster: "c", service: "ext", desiredCount: 4 }));
    await server.settle();
  });

  it("ids, ARNs and tags: DescribeTaskSets by id or ARN, tags only with include TAGS, failures for unknown ones", async () => {
    const set = (await client.send(new CreateTaskSetCommand({ ...taskSetInput("c", "ext", versions.v2), tags: [{ key: "color", value: "green" }], clientToken: "tok-1" }))).taskSet as TaskSet;
    assert.match(set.id ?? "", /^ecs-svc\/\d{19}$/);
    assert.equal(set.taskSetArn, `arn:aws:ecs:us-east-1:000000000000:task-set/c/ext/${set.id}`);
    assert.equal(set.serviceArn, "arn:aws:ecs:us-east-1:000000000000:service/c/ext");
    const again = (await client.send(new CreateTaskSetCommand({ ...taskSetInput("c", "ext", versions.v2), clientToken: "tok-1" }))).taskSet;
    assert.equal(again?.id, set.id, "the same clientToken returns the same task set");
    const byArn = await client.send(
      new DescribeTaskSetsCommand({ cluster: "arn:aws:ecs:us-east-1:000000000000:cluster/c", service: set.serviceArn, taskSets: [set.taskSetArn ?? "", "ecs-svc/1234567890123456789"] }),
    );
    assert.equal(byArn.taskSets?.[0]?.id, set.id);
    assert.equal(byArn.taskSets?.[0]?.tags, undefined, "no tags without include");
    assert.deepEqual(byArn.failures, [{ arn: "arn:aws:ecs:us-east-1:000000000000:task-set/c/ext/ecs-svc/1234567890123456789", reason: "MISSING" }]);
    const withTags = await client.send(new DescribeTaskSetsCommand({ cluster: "c", service: "ext", taskSets: [set.id ?? ""], include: ["TAGS"] }));
    assert.deepEqual(withTags.taskSets?.[0]?.tags, [{ key: "color", value: "green" }]);
    await client.send(new DeleteTaskSetCommand({ cluster: "c", service: "ext", taskSet: set.id }));
    await server.settle();
  });

  it("task sets only on EXTERNAL services", async () => {
    const message = /^Amazon ECS only supports task set management on services configured to use external deployment controllers\.$/;
    await refusedWith(client.send(new CreateTaskSetCommand(taskSetInput("c", "rolling", "web"))), "InvalidParameterException", message);
    await refusedWith(client.send(new DescribeTaskSetsCommand({ cluster: "c", service: "rolling" })), "InvalidParameterException", message);
  });

  it("not found: cluster, service, task set; and a task ARN is not a task set identifier", async () => {
    await refusedWith(client.send(new CreateTaskSetCommand(taskSetInput("nope", "ext", "web"))), "ClusterNotFoundException", /^Cluster not found\.$/);
    await refusedWith(client.send(new CreateTaskSetCommand(taskSetInput("c", "nope", "web"))), "ServiceNotFoundException", /^Service not found\.$/);
    await refusedWith(client.send(new UpdateTaskSetCommand({ cluster: "c", service: "ext", taskSet: "ecs-svc/1111111111111111111", scale: { value: 1, unit: "PERCENT" } })), "TaskSetNotFoundException");
    await refusedWith(client.send(new UpdateServicePrimaryTaskSetCommand({ cluster: "c", service: "ext", primaryTaskSet: "ecs-svc/1111111111111111111" })), "TaskSetNotFoundException");
    await refusedWith(client.send(new DeleteTaskSetCommand({ cluster: "c", service: "ext", taskSet: "ecs-svc/1111111111111111111" })), "TaskSetNotFoundException");
    const task = (await client.send(new RunTaskCommand({ cluster: "c", taskDefinition: "web", launchType: "FARGATE", networkConfiguration: NETWORK }))).tasks?.[0];
    await refusedWith(client.send(new DescribeTaskSetsCommand({ cluster: "c", service: "ext", taskSets: [task?.taskArn ?? ""] })), "InvalidParameterException", /^Task Set Identifier is invalid$/);
    await refusedWith(client.send(new CreateTaskSetCommand(taskSetInput("c", "ext", "missing-family"))), "ClientException");
  });

  it("scale is a percent in [0, 100]", async () => {
    const set = (await client.send(new CreateTaskSetCommand(taskSetInput("c", "ext", "web")))).taskSet as TaskSet;
    for (const value of [-1, 100.5, 1000]) {
      await refusedWith(client.send(new UpdateTaskSetCommand({ cluster: "c", service: "ext", taskSet: set.id, scale: { value, unit: "PERCENT" } })), "InvalidParameterException");
    }
    await refusedWith(client.send(new CreateTaskSetCommand(taskSetInput("c", "ext", "web", 101))), "InvalidParameterException");
    const unchanged = (await client.send(new DescribeTaskSetsCommand({ cluster: "c", service: "ext", taskSets: [set.id ?? ""] }))).taskSets?.[0];
    assert.equal(unchanged?.scale?.value, 0, "refused updates change nothing");
    await client.send(new DeleteTaskSetCommand({ cluster: "c", service: "ext", taskSet: set.id }));
    await server.settle();
  });

  it("launch type or capacity provider strategy, and the strategy rules", async () => {
    await client.send(new PutClusterCapacityProvidersCommand({ cluster: "c", capacityProviders: ["FARGATE", "FARGATE_SPOT"], defaultCapacityProviderStrategy: [] }));
    const base = { ...taskSetInput("c", "ext", "web"), launchType: undefined };
    await refusedWith(
      client.send(new CreateTaskSetCommand({ ...base, launchType: "FARGATE", capacityProviderStrategy: [{ capacityProvider: "FARGATE", weight: 1 }] })),
      "InvalidParameterException",
      /Specifying both a launch type and capacity provider strategy is not supported/,
    );
    await refusedWith(
      client.send(new CreateTaskSetCommand({ ...base, capacityProviderStrategy: [{ capacityProvider: "FARGATE", base: 1, weight: 1 }, { capacityProvider: "FARGATE_SPOT", base: 1, weight: 1 }] })),
      "InvalidParameterException",
      /Only one capacity provider in a capacity provider strategy can have a base/,
    );
    await refusedWith(
      client.send(new CreateTaskSetCommand({ ...base, capacityProviderStrategy: [{ capacityProvider: "FARGATE", weight: 0 }, { capacityProvider: "FARGATE_SPOT", weight: 0 }] })),
      "InvalidParameterException",
      /weight greater than zero/,
    );
    const seven = Array.from({ length: 7 }, (_, i) => ({ capacityProvider: `cp-${i}`, weight: 1 }));
    await refusedWith(client.send(new CreateTaskSetCommand({ ...base, capacityProviderStrategy: seven })), "InvalidParameterException", /more than 6/);
    const ok = await client.send(new CreateTaskSetCommand({ ...base, capacityProviderStrategy: [{ capacityProvider: "FARGATE_SPOT", weight: 1 }] }));
    assert.deepEqual(ok.taskSet?.capacityProviderStrategy, [{ capacityProvider: "FARGATE_SPOT", weight: 1, base: 0 }]);
    assert.equal(ok.taskSet?.launchType, undefined);
    assert.deepEqual([ok.taskSet?.platformVersion, ok.taskSet?.platformFamily], ["LATEST", "Linux"]);
    await client.send(new DeleteTaskSetCommand({ cluster: "c", service: "ext", taskSet: ok.taskSet?.id }));
    await server.settle();
  });

  it("networking and load balancers are checked against the task definition", async () => {
    await refusedWith(client.send(new CreateTaskSetCommand({ ...taskSetInput("c", "ext", "web"), networkConfiguration: undefined })), "InvalidParameterException", /Network Configuration must be provided/);
    const subnets = Array.from({ length: 17 }, (_, i) => `subnet-${i}`);
    await refusedWith(client.send(new CreateTaskSetCommand({ ...taskSetInput("c", "ext", "web"), networkConfiguration: { awsvpcConfiguration: { subnets } } })), "InvalidParameterException", /at most 16/);
    const securityGroups = Array.from({ length: 6 }, (_, i) => `sg-${i}`);
    await refusedWith(
      client.send(new CreateTaskSetCommand({ ...taskSetInput("c", "ext", "web"), networkConfiguration: { awsvpcConfiguration: { subnets: ["s"], securityGroups } } })),
      "InvalidParameterException",
      /at most 5/,
    );
    await refusedWith(
      client.send(new CreateTaskSetCommand({ ...taskSetInput("c", "ext", "web"), loadBalancers: [{ targetGroupArn: TARGET_GROUP, containerName: "app", containerPort: 9999 }] })),
      "InvalidParameterException",
      /did not have a container port 9999 defined/,
    );
    await refusedWith(
      client.send(new CreateTaskSetCommand({ ...taskSetInput("c", "ext", "web"), loadBalancers: [{ targetGroupArn: TARGET_GROUP, containerName: "sidecar", containerPort: 8080 }] })),
      "InvalidParameterException",
    );
    const two = [TARGET_GROUP, `${TARGET_GROUP}2`].map((targetGroupArn) => ({ targetGroupArn, containerName: "app", containerPort: 8080 }));
    await refusedWith(client.send(new CreateTaskSetCommand({ ...taskSetInput("c", "ext", "web"), loadBalancers: two })), "InvalidParameterException", /only one target group/);
    await refusedWith(client.send(new CreateTaskSetCommand({ ...taskSetInput("c", "ext", "web"), platformVersion: "9.9.9" })), "PlatformUnknownException");
  });

  it("at most five task sets on a service", async () => {
    await client.send(new CreateServiceCommand({ cluster: "c", serviceName: "many", desiredCount: 1, deploymentController: { type: "EXTERNAL" } }));
    for (let i = 0; i < 5; i++) await client.send(new CreateTaskSetCommand(taskSetInput("c", "many", "web")));
    await refusedWith(
      client.send(new CreateTaskSetCommand(taskSetInput("c", "many", "web"))),
      "InvalidParameterException",
      /^5 deployments exist on the service\. Unable to create new TaskSet since this exceeds the maximum limit\.$/,
    );
  });

  it("the primary cannot be deleted", async () => {
    const set = (await client.send(new CreateTaskSetCommand(taskSetInput("c", "ext", "web")))).taskSet as TaskSet;
    await client.send(new UpdateServicePrimaryTaskSetCommand({ cluster: "c", service: "ext", primaryTaskSet: set.id }));
    await refusedWith(client.send(new DeleteTaskSetCommand({ cluster: "c", service: "ext", taskSet: set.id, force: true })), "InvalidParameterException", /^Primary TaskSet cannot be deleted$/);
  });

  it("EXTERNAL services: task-set parameters belong to task sets; UpdateService changes only what ECS allows", async () => {
    await refusedWith(
      client.send(new CreateServiceCommand({ cluster: "c", serviceName: "wrong", taskDefinition: "web", deploymentController: { type: "EXTERNAL" } })),
      "InvalidParameterException",
      /taskDefinition/,
    );
    await refusedWith(client.send(new UpdateServiceCommand({ cluster: "c", service: "ext", taskDefinition: "web" })), "InvalidParameterException", /taskDefinition/);
    await refusedWith(client.send(new UpdateServiceCommand({ cluster: "c", service: "ext", networkConfiguration: NETWORK })), "InvalidParameterException", /networkConfiguration/);
    const updated = await client.send(new UpdateServiceCommand({ cluster: "c", service: "ext", desiredCount: 6, healthCheckGracePeriodSeconds: 30, propagateTags: "SERVICE", enableECSManagedTags: true }));
    assert.deepEqual([updated.service?.desiredCount, updated.service?.healthCheckGracePeriodSeconds, updated.service?.propagateTags], [6, 30, "SERVICE"]);
  });

  it("CreateService is idempotent only with the same clientToken", async () => {
    const first = await client.send(new CreateServiceCommand({ cluster: "c", serviceName: "idem", clientToken: "abc", deploymentController: { type: "EXTERNAL" } }));
    const second = await client.send(new CreateServiceCommand({ cluster: "c", serviceName: "idem", clientToken: "abc", deploymentController: { type: "EXTERNAL" } }));
    assert.equal(second.service?.createdAt?.getTime(), first.service?.createdAt?.getTime());
    await refusedWith(client.send(new CreateServiceCommand({ cluster: "c", serviceName: "idem", deploymentController: { type: "EXTERNAL" } })), "InvalidParameterException", /Creation of service was not idempotent/);
  });

  it("a deleted service: DRAINING, then INACTIVE; task-set calls get ServiceNotActiveException", async () => {
    await client.send(new CreateServiceCommand({ cluster: "c", serviceName: "doomed", desiredCount: 2, deploymentController: { type: "EXTERNAL" } }));
    const set = (await client.send(new CreateTaskSetCommand(taskSetInput("c", "doomed", "web", 100)))).taskSet as TaskSet;
    await server.settle();
    await refusedWith(client.send(new DeleteServiceCommand({ cluster: "c", service: "doomed" })), "InvalidParameterException", /scaled above 0/);
    const deleting = await client.send(new DeleteServiceCommand({ cluster: "c", service: "doomed", force: true }));
    assert.equal(deleting.service?.status, "DRAINING");
    await refusedWith(client.send(new DescribeTaskSetsCommand({ cluster: "c", service: "doomed" })), "ServiceNotActiveException", /^Service was not ACTIVE\.$/);
    await refusedWith(client.send(new UpdateTaskSetCommand({ cluster: "c", service: "doomed", taskSet: set.id, scale: { value: 5, unit: "PERCENT" } })), "ServiceNotActiveException");
    await refusedWith(client.send(new CreateTaskSetCommand(taskSetInput("c", "doomed", "web"))), "ServiceNotActiveException");
    await server.settle();
    const service = (await client.send(new DescribeServicesCommand({ cluster: "c", services: ["doomed"] }))).services?.[0];
    assert.deepEqual([service?.status, service?.runningCount, service?.taskSets], ["INACTIVE", 0, []]);
    await refusedWith(client.send(new DeleteServiceCommand({ cluster: "c", service: "doomed" })), "ServiceNotActiveException");
  });
});

describe("task sets are isolated per account and region", () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.close());

  it("another account or region sees none of them, by name or by ARN", async () => {
    const owner = server.client({ accessKeyId: "111111111111" });
    await setup(owner, "shared-name");
    await owner.send(new CreateServiceCommand({ cluster: "shared-name", serviceName: "svc", desiredCount: 1, deploymentController: { type: "EXTERNAL" } }));
    const set = (await owner.send(new CreateTaskSetCommand(taskSetInput("shared-name", "svc", "web")))).taskSet as TaskSet;
    assert.match(set.taskSetArn ?? "", /^arn:aws:ecs:us-east-1:111111111111:task-set\//);
    for (const other of [server.client({ accessKeyId: "222222222222" }), server.client({ accessKeyId: "111111111111", region: "eu-west-1" })]) {
      await refusedWith(other.send(new DescribeTaskSetsCommand({ cluster: "shared-name", service: "svc" })), "ClusterNotFoundException");
      await refusedWith(
        other.send(new DescribeTaskSetsCommand({ cluster: "arn:aws:ecs:us-east-1:111111111111:cluster/shared-name", service: set.serviceArn, taskSets: [set.taskSetArn ?? ""] })),
        "ClusterNotFoundException",
      );
      // The same names in the other scope are a different world.
      await setup(other, "shared-name");
      await other.send(new CreateServiceCommand({ cluster: "shared-name", serviceName: "svc", desiredCount: 1, deploymentController: { type: "EXTERNAL" } }));
      const theirs = await other.send(new DescribeTaskSetsCommand({ cluster: "shared-name", service: "svc" }));
      assert.deepEqual(theirs.taskSets, []);
    }
    const mine = await owner.send(new DescribeTaskSetsCommand({ cluster: "shared-name", service: "svc" }));
    assert.deepEqual(mine.taskSets?.map((t) => t.id), [set.id]);
  });
});
