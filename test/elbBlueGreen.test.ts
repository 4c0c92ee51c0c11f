// The whole EXTERNAL blue/green flow a deploy controller runs, through @aws-sdk/client-ecs and
// @aws-sdk/client-elastic-load-balancing-v2 on the virtual clock: an ALB whose listener forwards
// 100/0 to blue and green target groups, the blue set primary behind healthy targets, green at 100%
// behind its own group until steady and healthy, the listener shifted to 0/100, green made primary,
// blue deleted: its targets drain for the deregistration delay, and only then do its tasks stop.
import * as assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  CreateClusterCommand,
  CreateTaskSetCommand,
  DeleteTaskSetCommand,
  DescribeServicesCommand,
  DescribeTasksCommand,
  DescribeTaskSetsCommand,
  type ECSClient,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
  type TaskSet,
  UpdateServicePrimaryTaskSetCommand,
} from "@aws-sdk/client-ecs";
import {
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateTargetGroupCommand,
  DescribeListenersCommand,
  DescribeRulesCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  type ElasticLoadBalancingV2Client,
  ModifyListenerCommand,
  ModifyTargetGroupAttributesCommand,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { startTestServer, type TestServer } from "./harness";
import { createExternalService } from "./taskSetFixtures";

const CLUSTER = "shop";
const SERVICE = "web";
const DESIRED = 3;
/** Health checks every 10 s, healthy after 3: a new target is healthy 30 s after it is registered. */
const HEALTHY_AFTER = 30;
/** The deregistration delay of both groups. */
const DRAIN_SECONDS = 60;
const NETWORK = { awsvpcConfiguration: { subnets: ["subnet-aaaa1111", "subnet-bbbb2222"], securityGroups: ["sg-1"] } };

describe("EXTERNAL blue/green with traffic shifting through ECS and ELB", () => {
  let server: TestServer;
  let ecs: ECSClient;
  let elb: ElasticLoadBalancingV2Client;
  let loadBalancer = "";
  let listener = "";
  const groups = { blue: "", green: "" };
  let blue: TaskSet;
  let green: TaskSet;
  before(async () => {
    server = await startTestServer();
    ecs = server.client();
    elb = server.elb();
  });
  after(() => server.close());

  const setNow = async (set: TaskSet) => (await ecs.send(new DescribeTaskSetsCommand({ cluster: CLUSTER, service: SERVICE, taskSets: [set.id ?? ""] }))).taskSets?.[0];
  const health = async (group: string) =>
    ((await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: group }))).TargetHealthDescriptions ?? []).map((d) => [d.Target?.Id ?? "", d.Target?.Port, d.TargetHealth?.State] as const).sort();
  const tasksOf = async (set: TaskSet, desiredStatus: "RUNNING" | "STOPPED") => {
    const arns = (await ecs.send(new ListTasksCommand({ cluster: CLUSTER, startedBy: set.id, desiredStatus }))).taskArns ?? [];
    return arns.length ? ((await ecs.send(new DescribeTasksCommand({ cluster: CLUSTER, tasks: arns }))).tasks ?? []) : [];
  };
  const events = async () => ((await ecs.send(new DescribeServicesCommand({ cluster: CLUSTER, services: [SERVICE] }))).services?.[0]?.events ?? []).map((e) => e.message ?? "");

  it("1. an ALB whose listener forwards 100/0 to the blue and green target groups", async () => {
    loadBalancer = (await elb.send(new CreateLoadBalancerCommand({ Name: "shop", Subnets: NETWORK.awsvpcConfiguration.subnets }))).LoadBalancers?.[0]?.LoadBalancerArn ?? "";
    for (const color of ["blue", "green"] as const) {
      const tg = await elb.send(new CreateTargetGroupCommand({ Name: `shop-${color}`, Protocol: "HTTP", Port: 8080, VpcId: "vpc-1", TargetType: "ip", HealthCheckIntervalSeconds: 10, HealthCheckTimeoutSeconds: 5, HealthyThresholdCount: 3 }));
      groups[color] = tg.TargetGroups?.[0]?.TargetGroupArn ?? "";
      await elb.send(new ModifyTargetGroupAttributesCommand({ TargetGroupArn: groups[color], Attributes: [{ Key: "deregistration_delay.timeout_seconds", Value: String(DRAIN_SECONDS) }] }));
    }
    const created = await elb.send(
      new CreateListenerCommand({
        LoadBalancerArn: loadBalancer,
        Protocol: "HTTP",
        Port: 80,
        DefaultActions: [{ Type: "forward", ForwardConfig: { TargetGroups: [{ TargetGroupArn: groups.blue, Weight: 100 }, { TargetGroupArn: groups.green, Weight: 0 }] } }],
      }),
    );
    listener = created.Listeners?.[0]?.ListenerArn ?? "";
    const described = (await elb.send(new DescribeTargetGroupsCommand({ TargetGroupArns: [groups.blue, groups.green] }))).TargetGroups ?? [];
    assert.deepEqual(described.map((g) => g.LoadBalancerArns), [[loadBalancer], [loadBalancer]], "both groups are behind the ALB, green at weight 0 too");
  });

  it("2. the blue set, primary, registers its tasks and is steady once their targets are healthy", async () => {
    await ecs.send(new CreateClusterCommand({ clusterName: CLUSTER }));
    for (const image of ["web:1", "web:2"]) {
      await ecs.send(
        new RegisterTaskDefinitionCommand({ family: "web", requiresCompatibilities: ["FARGATE"], networkMode: "awsvpc", cpu: "256", memory: "512", containerDefinitions: [{ name: "app", image, portMappings: [{ containerPort: 8080 }] }] }),
      );
    }
    await createExternalService(ecs, CLUSTER, SERVICE, DESIRED);
    blue = (
      await ecs.send(
        new CreateTaskSetCommand({ cluster: CLUSTER, service: SERVICE, taskDefinition: "web:1", launchType: "FARGATE", networkConfiguration: NETWORK, scale: { value: 100, unit: "PERCENT" }, externalId: "blue", loadBalancers: [{ targetGroupArn: groups.blue, containerName: "app", containerPort: 8080 }] }),
      )
    ).taskSet as TaskSet;
    await ecs.send(new UpdateServicePrimaryTaskSetCommand({ cluster: CLUSTER, service: SERVICE, primaryTaskSet: blue.id }));
    await server.settle();
    const running = await tasksOf(blue, "RUNNING");
    assert.equal(running.length, DESIRED);
    // Both directions: the targets are the tasks' ENI addresses, as DescribeTasks' attachments show them.
    const addresses = running.map((t) => t.attachments?.[0]?.details?.find((d) => d.name === "privateIPv4Address")?.value ?? "").sort();
    assert.deepEqual(await health(groups.blue), addresses.map((ip) => [ip, 8080, "initial"] as const));
    assert.deepEqual([(await setNow(blue))?.runningCount, (await setNow(blue))?.stabilityStatus], [DESIRED, "STABILIZING"], "running, but its targets are still in their initial health checks");
    assert.ok((await events()).includes(`(service ${SERVICE}, taskSet ${blue.id}) registered ${DESIRED} targets in (target-group ${groups.blue})`));
    await server.advance(HEALTHY_AFTER - 1);
    assert.equal((await setNow(blue))?.stabilityStatus, "STABILIZING");
    await server.advance(1);
    assert.deepEqual(await health(groups.blue), addresses.map((ip) => [ip, 8080, "healthy"] as const));
    assert.deepEqual([(await setNow(blue))?.runningCount, (await setNow(blue))?.stabilityStatus], [DESIRED, "STEADY_STATE"]);
    assert.equal((await events())[0], `(service ${SERVICE}) has reached a steady state.`);
  });

  it("3. green at 100% behind the green group: steady once its targets are healthy, though it takes no traffic", async () => {
    green = (
      await ecs.send(
        new CreateTaskSetCommand({ cluster: CLUSTER, service: SERVICE, taskDefinition: "web:2", launchType: "FARGATE", networkConfiguration: NETWORK, scale: { value: 100, unit: "PERCENT" }, externalId: "green", loadBalancers: [{ targetGroupArn: groups.green, containerName: "app", containerPort: 8080 }] }),
      )
    ).taskSet as TaskSet;
    await server.settle();
    assert.equal((await setNow(green))?.stabilityStatus, "STABILIZING");
    assert.deepEqual((await health(groups.green)).map(([, , state]) => state), ["initial", "initial", "initial"]);
    // A deploy controller polls until the set is steady and its targets are healthy.
    let waited = 0;
    while ((await setNow(green))?.stabilityStatus !== "STEADY_STATE") {
      await server.advance(5);
      waited += 5;
      assert.ok(waited <= HEALTHY_AFTER, "green became steady within the health check time");
    }
    assert.equal(waited, HEALTHY_AFTER);
    assert.deepEqual((await health(groups.green)).map(([, , state]) => state), ["healthy", "healthy", "healthy"]);
    assert.deepEqual((await health(groups.blue)).map(([, , state]) => state), ["healthy", "healthy", "healthy"], "blue unchanged");
  });

  it("4. the listener shifts traffic to 0/100; green becomes the primary", async () => {
    await elb.send(
      new ModifyListenerCommand({ ListenerArn: listener, DefaultActions: [{ Type: "forward", ForwardConfig: { TargetGroups: [{ TargetGroupArn: groups.blue, Weight: 0 }, { TargetGroupArn: groups.green, Weight: 100 }] } }] }),
    );
    const forward = (await elb.send(new DescribeListenersCommand({ ListenerArns: [listener] }))).Listeners?.[0]?.DefaultActions?.[0]?.ForwardConfig?.TargetGroups;
    assert.deepEqual(forward, [{ TargetGroupArn: groups.blue, Weight: 0 }, { TargetGroupArn: groups.green, Weight: 100 }]);
    const defaultRule = (await elb.send(new DescribeRulesCommand({ ListenerArn: listener }))).Rules?.[0];
    assert.deepEqual(defaultRule?.Actions?.[0]?.ForwardConfig?.TargetGroups, forward);
    const primary = await ecs.send(new UpdateServicePrimaryTaskSetCommand({ cluster: CLUSTER, service: SERVICE, primaryTaskSet: green.id }));
    assert.equal(primary.taskSet?.status, "PRIMARY");
    await server.settle();
    assert.deepEqual([(await setNow(blue))?.stabilityStatus, (await setNow(green))?.stabilityStatus], ["STEADY_STATE", "STEADY_STATE"], "shifting weights changes no target's health");
  });

  it("5. blue deleted: its targets drain for the deregistration delay, its tasks wait in DEACTIVATING, then stop", async () => {
    const deleted = (await ecs.send(new DeleteTaskSetCommand({ cluster: CLUSTER, service: SERVICE, taskSet: blue.id }))).taskSet;
    assert.equal(deleted?.status, "DRAINING");
    await server.settle();
    assert.deepEqual((await health(groups.blue)).map(([, , state]) => state), ["draining", "draining", "draining"]);
    const stopping = await tasksOf(blue, "STOPPED");
    assert.deepEqual(stopping.map((t) => [t.lastStatus, t.desiredStatus]), Array(DESIRED).fill(["DEACTIVATING", "STOPPED"]));
    const messages = await events();
    assert.ok(messages.includes(`(service ${SERVICE}, taskSet ${blue.id}) has begun draining connections on ${DESIRED} tasks.`), messages.join("\n"));
    assert.ok(messages.includes(`(service ${SERVICE}, taskSet ${blue.id}) deregistered ${DESIRED} targets in (target-group ${groups.blue})`));
    const drainingSince = Date.now();
    await server.advance(DRAIN_SECONDS - 1);
    assert.deepEqual((await health(groups.blue)).map(([, , state]) => state), ["draining", "draining", "draining"], "still draining one second before the delay ends");
    assert.deepEqual((await tasksOf(blue, "STOPPED")).map((t) => t.lastStatus), Array(DESIRED).fill("DEACTIVATING"), "the tasks wait for their targets");
    assert.equal((await setNow(blue))?.status, "DRAINING");
    await server.advance(1);
    assert.deepEqual(await health(groups.blue), [], "drained targets are gone");
    const stopped = await tasksOf(blue, "STOPPED");
    assert.deepEqual(stopped.map((t) => t.lastStatus), Array(DESIRED).fill("STOPPED"));
    for (const t of stopped) {
      assert.equal((t.stoppedAt?.getTime() ?? 0) - (t.stoppingAt?.getTime() ?? 0), DRAIN_SECONDS * 1000, "a task stops only after its targets have drained");
    }
    const gone = await ecs.send(new DescribeTaskSetsCommand({ cluster: CLUSTER, service: SERVICE, taskSets: [blue.id ?? ""] }));
    assert.deepEqual(gone.failures?.map((f) => f.reason), ["MISSING"]);
    const service = (await ecs.send(new DescribeServicesCommand({ cluster: CLUSTER, services: [SERVICE] }))).services?.[0];
    assert.deepEqual(service?.taskSets?.map((t) => [t.externalId, t.status, t.runningCount, t.stabilityStatus]), [["green", "PRIMARY", DESIRED, "STEADY_STATE"]]);
    assert.deepEqual((await health(groups.green)).map(([, , state]) => state), ["healthy", "healthy", "healthy"]);
    assert.ok(Date.now() - drainingSince < 60_000, "virtual time, not real time");
  });
});
