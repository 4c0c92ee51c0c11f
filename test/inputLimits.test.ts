// One request asks for a bounded amount of work: ECS's list limits and numeric ranges, refused in
// ECS's words before anything is read or written.
import * as assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  CreateClusterCommand,
  CreateServiceCommand,
  CreateTaskSetCommand,
  DescribeCapacityProvidersCommand,
  DescribeClustersCommand,
  DescribeContainerInstancesCommand,
  DescribeServicesCommand,
  DescribeTasksCommand,
  DescribeTaskSetsCommand,
  type ECSClient,
  GetTaskProtectionCommand,
  RegisterTaskDefinitionCommand,
  UpdateContainerInstancesStateCommand,
  UpdateServiceCommand,
} from "@aws-sdk/client-ecs";
import { LIST_LIMITS, NON_INTEGER_MEMBERS, numericRanges } from "../src/api/ecs/inputLimits";
import { ecsOperations, type Shape, type StructureShape } from "../src/protocol/model";
import { refusedWith } from "./assertions";
import { startTestServer, type TestServer } from "./harness";

const names = (n: number, name = "same") => Array.from({ length: n }, () => name);

describe("request lists are capped as ECS caps them", () => {
  let server: TestServer;
  let ecs: ECSClient;
  before(async () => {
    server = await startTestServer();
    ecs = server.client();
    await ecs.send(new CreateClusterCommand({ clusterName: "same" }));
    await ecs.send(new CreateServiceCommand({ cluster: "same", serviceName: "same", desiredCount: 0, deploymentController: { type: "EXTERNAL" } }));
  });
  after(() => server.close());

  it("uncapped request lists stall the server (regression): one item over ECS's limit is refused in ECS's words", async () => {
    const cases: [string, () => Promise<unknown>, string][] = [
      ["DescribeClusters", () => ecs.send(new DescribeClustersCommand({ clusters: names(101), include: ["STATISTICS"] })), "clusters can have at most 100 items."],
      ["DescribeServices", () => ecs.send(new DescribeServicesCommand({ cluster: "same", services: names(11) })), "service names can have at most 10 items."],
      ["DescribeTasks", () => ecs.send(new DescribeTasksCommand({ cluster: "same", tasks: names(101) })), "taskIds can have at most 100 items."],
      ["DescribeContainerInstances", () => ecs.send(new DescribeContainerInstancesCommand({ cluster: "same", containerInstances: names(101) })), "instanceIds can have at most 100 items."],
      ["DescribeCapacityProviders", () => ecs.send(new DescribeCapacityProvidersCommand({ capacityProviders: names(101, "FARGATE") })), "capacityProviders can have at most 100 items."],
      ["DescribeTaskSets", () => ecs.send(new DescribeTaskSetsCommand({ cluster: "same", service: "same", taskSets: names(101, "ecs-svc/1") })), "taskSets can have at most 100 items."],
      ["GetTaskProtection", () => ecs.send(new GetTaskProtectionCommand({ cluster: "same", tasks: names(101) })), "taskIds can have at most 100 items."],
      ["UpdateContainerInstancesState", () => ecs.send(new UpdateContainerInstancesStateCommand({ cluster: "same", containerInstances: names(11), status: "DRAINING" })), "instanceIds can have at most 10 items."],
    ];
    for (const [operation, call, message] of cases) {
      const error = await refusedWith(call(), "InvalidParameterException");
      assert.equal(error.message, message, operation);
    }
  });

  it("at the limit the request is served; 100,000 items are refused at once", async () => {
    const full = await ecs.send(new DescribeClustersCommand({ clusters: names(100), include: ["STATISTICS"] }));
    assert.equal(full.clusters?.length, 100);
    assert.equal((await ecs.send(new DescribeServicesCommand({ cluster: "same", services: names(10) }))).services?.length, 10);
    const started = performance.now();
    await refusedWith(ecs.send(new DescribeClustersCommand({ clusters: names(100_000), include: ["STATISTICS"] })), "InvalidParameterException", /^clusters can have at most 100 items\.$/);
    assert.ok(performance.now() - started < 2000, "refused without reading the store");
  });
});

describe("numbers are bounded as ECS bounds them", () => {
  let server: TestServer;
  let ecs: ECSClient;
  before(async () => {
    server = await startTestServer();
    ecs = server.client();
    await ecs.send(new CreateClusterCommand({ clusterName: "c" }));
    await ecs.send(new RegisterTaskDefinitionCommand({ family: "web", requiresCompatibilities: ["FARGATE"], networkMode: "awsvpc", cpu: "256", memory: "512", containerDefinitions: [{ name: "app", image: "nginx" }] }));
    await ecs.send(new CreateServiceCommand({ cluster: "c", serviceName: "ext", desiredCount: 1, deploymentController: { type: "EXTERNAL" } }));
  });
  after(() => server.close());

  it("unbounded counts take the server down (regression): desiredCount above the tasks-per-service quota, or beyond 32 bits, is refused and changes nothing", async () => {
    for (const desiredCount of [2_000_000, 5001, 2 ** 32, 2147483648, 1e308]) {
      await refusedWith(ecs.send(new CreateServiceCommand({ cluster: "c", serviceName: `big-${desiredCount}`, desiredCount, deploymentController: { type: "EXTERNAL" } })), "InvalidParameterException", /^Desired count exceeds limit\.$/);
      await refusedWith(ecs.send(new UpdateServiceCommand({ cluster: "c", service: "ext", desiredCount })), "InvalidParameterException", /^Desired count exceeds limit\.$/);
    }
    const raw = await server.raw("UpdateService", JSON.stringify({ cluster: "c", service: "ext", desiredCount: -2147483649 }));
    assert.equal(raw.json.__type, "InvalidParameterException");
    const service = (await ecs.send(new DescribeServicesCommand({ cluster: "c", services: ["ext", "big-2000000"] })));
    assert.equal(service.services?.[0]?.desiredCount, 1, "the refused updates changed nothing");
    assert.deepEqual(service.failures?.map((f) => f.reason), ["MISSING"], "the refused creates created nothing");
  });

  it("healthCheckGracePeriodSeconds and maximumPercent 1e308 or 2^31 are refused naming the member; 2,147,483,647 is accepted", async () => {
    const refusals: [string, Record<string, unknown>, RegExp][] = [
      ["UpdateService", { healthCheckGracePeriodSeconds: 1e308 }, /^1 validation error detected: Value '1e\+308' at 'healthCheckGracePeriodSeconds' failed to satisfy constraint: Member must have value less than or equal to 2147483647$/],
      ["UpdateService", { healthCheckGracePeriodSeconds: 2147483648 }, /at 'healthCheckGracePeriodSeconds'/],
      ["UpdateService", { deploymentConfiguration: { maximumPercent: 1e308 } }, /at 'deploymentConfiguration\.maximumPercent' failed to satisfy constraint: Member must have value less than or equal to 2147483647$/],
      ["UpdateService", { deploymentConfiguration: { minimumHealthyPercent: -1e308 } }, /Member must have value greater than or equal to -2147483648$/],
    ];
    for (const [operation, extra, message] of refusals) {
      const response = await server.raw(operation, JSON.stringify({ cluster: "c", service: "ext", ...extra }));
      assert.equal(response.status, 400, JSON.stringify(extra));
      assert.equal(response.json.__type, "InvalidParameterException");
      assert.match(String(response.json.message), message);
    }
    const accepted = await ecs.send(new UpdateServiceCommand({ cluster: "c", service: "ext", healthCheckGracePeriodSeconds: 2147483647, desiredCount: 5000 }));
    assert.equal(accepted.service?.healthCheckGracePeriodSeconds, 2147483647);
    assert.equal(accepted.service?.desiredCount, 5000, "the quota itself is allowed");
  });

  it("a task set at 100% of the largest service has a whole computedDesiredCount", async () => {
    await ecs.send(new CreateServiceCommand({ cluster: "c", serviceName: "quota", desiredCount: 5000, deploymentController: { type: "EXTERNAL" } }));
    const set = await ecs.send(
      new CreateTaskSetCommand({ cluster: "c", service: "quota", taskDefinition: "web", launchType: "FARGATE", networkConfiguration: { awsvpcConfiguration: { subnets: ["subnet-1"] } }, scale: { value: 100, unit: "PERCENT" } }),
    );
    assert.equal(set.taskSet?.computedDesiredCount, 5000);
    await ecs.send(new UpdateServiceCommand({ cluster: "c", service: "quota", desiredCount: 0 }));
  });

  it("the quota is a setting: --max-tasks-per-service raises it", async () => {
    const raised = await startTestServer({ maxTasksPerService: 20_000, scheduler: false });
    try {
      const client = raised.client();
      await client.send(new CreateClusterCommand({ clusterName: "c" }));
      const out = await client.send(new CreateServiceCommand({ cluster: "c", serviceName: "big", desiredCount: 20_000, deploymentController: { type: "EXTERNAL" } }));
      assert.equal(out.service?.desiredCount, 20_000);
      await refusedWith(client.send(new UpdateServiceCommand({ cluster: "c", service: "big", desiredCount: 20_001 })), "InvalidParameterException", /^Desired count exceeds limit\.$/);
    } finally {
      await raised.close();
    }
  });
});

describe("the bounds table names the model", () => {
  /** Every "Structure.member" of the ECS model's inputs, with the member's shape. */
  function inputMembers(): Map<string, Shape> {
    const members = new Map<string, Shape>();
    const seen = new Set<StructureShape>();
    const walk = (shape: Shape): void => {
      if (shape.kind === "list") return walk(shape.member);
      if (shape.kind === "map") return walk(shape.value);
      if (shape.kind !== "structure" || seen.has(shape)) return;
      seen.add(shape);
      for (const [name, member] of shape.members) {
        members.set(`${shape.name}.${name}`, member.shape);
        walk(member.shape);
      }
    };
    for (const operation of ecsOperations().values()) walk(operation.input);
    return members;
  }

  it("each list limit is on a list member, each range and non-integer on a number member", () => {
    const members = inputMembers();
    for (const key of LIST_LIMITS.keys()) assert.equal(members.get(key)?.kind, "list", key);
    for (const key of numericRanges(5000).keys()) assert.equal(members.get(key)?.kind, "number", key);
    for (const key of NON_INTEGER_MEMBERS) assert.equal(members.get(key)?.kind, "number", key);
  });
});
