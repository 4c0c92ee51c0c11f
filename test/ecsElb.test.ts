// ECS driving Elastic Load Balancing (src/coupling/ecsLoadBalancing.ts), through both SDK clients on
// the virtual clock: loadBalancers refused in ECS's words, targets of ECS-controller services and of
// bridge tasks on EC2 instances, ECSLITE_FAULT_TARGET_UNHEALTHY, and ELB changes ECS must notice.
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
  RegisterContainerInstanceCommand,
  RegisterTaskDefinitionCommand,
  UpdateServiceCommand,
} from "@aws-sdk/client-ecs";
import {
  CreateListenerCommand,
  CreateTargetGroupCommand,
  DeleteListenerCommand,
  DescribeTargetHealthCommand,
  type ElasticLoadBalancingV2Client,
  ModifyTargetGroupAttributesCommand,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { refusedWith } from "./assertions";
import { createAlb } from "./elbv2Fixtures";
import { startTestServer, type TestServer } from "./harness";
import { createExternalService } from "./taskSetFixtures";

const NETWORK = { awsvpcConfiguration: { subnets: ["subnet-1", "subnet-2"], securityGroups: ["sg-1"] } };

describe("ECS and ELB together", () => {
  let server: TestServer;
  let ecs: ECSClient;
  let elb: ElasticLoadBalancingV2Client;
  let loadBalancer = "";
  let port = 8000;
  before(async () => {
    server = await startTestServer();
    ecs = server.client();
    elb = server.elb();
    await ecs.send(new CreateClusterCommand({ clusterName: "c" }));
    const fargate = (name: string, environment: { name: string; value: string }[] = []) =>
      ecs.send(new RegisterTaskDefinitionCommand({ family: name, requiresCompatibilities: ["FARGATE"], networkMode: "awsvpc", cpu: "256", memory: "512", containerDefinitions: [{ name: "app", image: "nginx", portMappings: [{ containerPort: 8080 }], environment }] }));
    await fargate("web");
    await fargate("failing", [{ name: "ECSLITE_FAULT_TARGET_UNHEALTHY", value: "true" }]);
    await ecs.send(new RegisterTaskDefinitionCommand({ family: "bridged", networkMode: "bridge", containerDefinitions: [{ name: "app", image: "nginx", memory: 128, portMappings: [{ containerPort: 80, hostPort: 0 }] }] }));
    loadBalancer = await createAlb(elb, "together");
  });
  after(() => server.close());

  /** A target group (ip unless told otherwise) that the ALB forwards to on a listener of its own. */
  async function routedGroup(name: string, extra: Partial<{ TargetType: "ip" | "instance"; HealthCheckIntervalSeconds: number; HealthyThresholdCount: number; UnhealthyThresholdCount: number }> = {}, routed = true): Promise<{ group: string; listener: string }> {
    const group = (await elb.send(new CreateTargetGroupCommand({ Name: name, Protocol: "HTTP", Port: 8080, VpcId: "vpc-1", TargetType: "ip", HealthCheckIntervalSeconds: 10, HealthCheckTimeoutSeconds: 5, HealthyThresholdCount: 2, ...extra }))).TargetGroups?.[0]?.TargetGroupArn ?? "";
    await elb.send(new ModifyTargetGroupAttributesCommand({ TargetGroupArn: group, Attributes: [{ Key: "deregistration_delay.timeout_seconds", Value: "0" }] }));
    if (!routed) return { group, listener: "" };
    const listener = (await elb.send(new CreateListenerCommand({ LoadBalancerArn: loadBalancer, Protocol: "HTTP", Port: port++, DefaultActions: [{ Type: "forward", TargetGroupArn: group }] }))).Listeners?.[0]?.ListenerArn ?? "";
    return { group, listener };
  }

  const states = async (group: string) => ((await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: group }))).TargetHealthDescriptions ?? []).map((d) => d.TargetHealth?.State).sort();

  it("loadBalancers are refused in ECS's words: unknown groups, groups behind no load balancer, a target type the network mode cannot use", async () => {
    await createExternalService(ecs, "c", "checked", 1);
    const input = (targetGroupArn: string, taskDefinition = "web") => ({
      cluster: "c",
      service: "checked",
      taskDefinition,
      launchType: "FARGATE" as const,
      networkConfiguration: NETWORK,
      loadBalancers: [{ targetGroupArn, containerName: "app", containerPort: 8080 }],
    });
    const unvalidated = /^Unable to assume role and validate the specified targetGroupArn\. Please verify that the ECS service role being passed has the proper permissions\.$/;
    await refusedWith(ecs.send(new CreateTaskSetCommand(input("arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/nope/0123456789abcdef"))), "InvalidParameterException", unvalidated);
    await refusedWith(ecs.send(new CreateTaskSetCommand(input("blue"))), "InvalidParameterException", unvalidated);
    const { group: lonely } = await routedGroup("lonely", {}, false);
    await refusedWith(ecs.send(new CreateTaskSetCommand(input(lonely))), "InvalidParameterException", new RegExp(`^The target group with targetGroupArn ${lonely} does not have an associated load balancer\\.$`));
    const { group: instances } = await routedGroup("instances", { TargetType: "instance" });
    await refusedWith(
      ecs.send(new CreateTaskSetCommand(input(instances))),
      "InvalidParameterException",
      new RegExp(`^The provided target group ${instances} has target type instance, which is incompatible with the awsvpc network mode specified in the task definition\\.$`),
    );
    const { group: ips } = await routedGroup("ips");
    await refusedWith(
      ecs.send(new CreateServiceCommand({ cluster: "c", serviceName: "bridged", taskDefinition: "bridged", desiredCount: 1, loadBalancers: [{ targetGroupArn: ips, containerName: "app", containerPort: 80 }] })),
      "InvalidParameterException",
      /has target type ip, which is incompatible with the bridge network mode specified in the task definition\.$/,
    );
    const other = server.client({ accessKeyId: "222222222222" });
    await other.send(new CreateClusterCommand({ clusterName: "c" }));
    await other.send(new RegisterTaskDefinitionCommand({ family: "web", requiresCompatibilities: ["FARGATE"], networkMode: "awsvpc", cpu: "256", memory: "512", containerDefinitions: [{ name: "app", image: "nginx", portMappings: [{ containerPort: 8080 }] }] }));
    await createExternalService(other, "c", "checked", 1);
    await refusedWith(other.send(new CreateTaskSetCommand(input(ips))), "InvalidParameterException", unvalidated, );
    assert.deepEqual((await ecs.send(new DescribeServicesCommand({ cluster: "c", services: ["checked"] }))).services?.[0]?.taskSets, [], "nothing was created");
  });

  it("an ECS-controller service registers its tasks; its deployment completes once they are healthy; a new deployment swaps targets", async () => {
    const { group } = await routedGroup("rolling");
    const created = await ecs.send(
      new CreateServiceCommand({ cluster: "c", serviceName: "rolling", taskDefinition: "web", desiredCount: 2, launchType: "FARGATE", networkConfiguration: NETWORK, loadBalancers: [{ targetGroupArn: group, containerName: "app", containerPort: 8080 }] }),
    );
    assert.equal(created.service?.roleArn, "arn:aws:iam::000000000000:role/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS");
    await server.settle();
    const service = async () => (await ecs.send(new DescribeServicesCommand({ cluster: "c", services: ["rolling"] }))).services?.[0];
    assert.deepEqual([(await service())?.runningCount, (await service())?.deployments?.[0]?.rolloutState], [2, "IN_PROGRESS"], "running, targets initial");
    assert.deepEqual(await states(group), ["initial", "initial"]);
    await server.advance(20);
    assert.deepEqual(await states(group), ["healthy", "healthy"]);
    assert.equal((await service())?.deployments?.[0]?.rolloutState, "COMPLETED");
    const firstTasks = (await ecs.send(new ListTasksCommand({ cluster: "c", serviceName: "rolling" }))).taskArns ?? [];
    await ecs.send(new UpdateServiceCommand({ cluster: "c", service: "rolling", forceNewDeployment: true }));
    await server.advance(20);
    await server.advance(20);
    const now = await service();
    assert.deepEqual([now?.deployments?.length, now?.deployments?.[0]?.rolloutState, now?.runningCount], [1, "COMPLETED", 2]);
    const secondTasks = (await ecs.send(new ListTasksCommand({ cluster: "c", serviceName: "rolling" }))).taskArns ?? [];
    assert.equal(secondTasks.filter((t) => firstTasks.includes(t)).length, 0, "the tasks were replaced");
    const described = (await ecs.send(new DescribeTasksCommand({ cluster: "c", tasks: secondTasks }))).tasks ?? [];
    const ips = described.map((t) => t.attachments?.[0]?.details?.find((d) => d.name === "privateIPv4Address")?.value).sort();
    const targets = ((await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: group }))).TargetHealthDescriptions ?? []).map((d) => d.Target?.Id).sort();
    assert.deepEqual(targets, ips, "only the new tasks are targets");
  });

  it("bridge tasks on an EC2 instance are registered as the instance and their dynamic host port", async () => {
    await ecs.send(new RegisterContainerInstanceCommand({ cluster: "c", instanceIdentityDocument: JSON.stringify({ instanceId: "i-0123456789abcdef0", availabilityZone: "us-east-1a", instanceType: "m5.large" }), totalResources: [{ name: "CPU", type: "INTEGER", integerValue: 2048 }, { name: "MEMORY", type: "INTEGER", integerValue: 4096 }] }));
    const { group } = await routedGroup("bridged", { TargetType: "instance" });
    await ecs.send(new CreateServiceCommand({ cluster: "c", serviceName: "bridged", taskDefinition: "bridged", desiredCount: 2, launchType: "EC2", loadBalancers: [{ targetGroupArn: group, containerName: "app", containerPort: 80 }] }));
    await server.settle();
    const arns = (await ecs.send(new ListTasksCommand({ cluster: "c", serviceName: "bridged" }))).taskArns ?? [];
    const tasks = (await ecs.send(new DescribeTasksCommand({ cluster: "c", tasks: arns }))).tasks ?? [];
    const hostPorts = tasks.map((t) => t.containers?.[0]?.networkBindings?.[0]?.hostPort).sort();
    const targets = ((await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: group }))).TargetHealthDescriptions ?? []).map((d) => [d.Target?.Id, d.Target?.Port]).sort();
    assert.deepEqual(targets, hostPorts.map((p) => ["i-0123456789abcdef0", p]));
    assert.ok(hostPorts.every((p) => (p ?? 0) >= 32768), "dynamic host ports");
  });

  it("ECSLITE_FAULT_TARGET_UNHEALTHY: targets fail, the task is stopped after the grace period and replaced, the set never steady", async () => {
    const { group } = await routedGroup("failing", { UnhealthyThresholdCount: 3 });
    await createExternalService(ecs, "c", "failing", 1);
    await ecs.send(new UpdateServiceCommand({ cluster: "c", service: "failing", healthCheckGracePeriodSeconds: 45 }));
    const set = (
      await ecs.send(
        new CreateTaskSetCommand({ cluster: "c", service: "failing", taskDefinition: "failing", launchType: "FARGATE", networkConfiguration: NETWORK, scale: { value: 100, unit: "PERCENT" }, loadBalancers: [{ targetGroupArn: group, containerName: "app", containerPort: 8080 }] }),
      )
    ).taskSet;
    await server.settle();
    const stability = async () => (await ecs.send(new DescribeTaskSetsCommand({ cluster: "c", service: "failing", taskSets: [set?.id ?? ""] }))).taskSets?.[0]?.stabilityStatus;
    const first = (await ecs.send(new ListTasksCommand({ cluster: "c", startedBy: set?.id }))).taskArns?.[0] ?? "";
    await server.advance(30);
    assert.deepEqual(await states(group), ["unhealthy"], "unhealthy after interval x unhealthy threshold");
    assert.equal(await stability(), "STABILIZING");
    assert.deepEqual((await ecs.send(new ListTasksCommand({ cluster: "c", startedBy: set?.id }))).taskArns, [first], "not stopped within the grace period");
    await server.advance(15);
    const stopped = (await ecs.send(new DescribeTasksCommand({ cluster: "c", tasks: [first] }))).tasks?.[0];
    assert.deepEqual([stopped?.desiredStatus, stopped?.stopCode, stopped?.stoppedReason], ["STOPPED", "ServiceSchedulerInitiated", `Task failed ELB health checks in (target-group ${group})`]);
    const events = ((await ecs.send(new DescribeServicesCommand({ cluster: "c", services: ["failing"] }))).services?.[0]?.events ?? []).map((e) => e.message ?? "");
    const id = first.split("/").pop();
    assert.ok(events.includes(`(service failing, taskSet ${set?.id}) (task ${id}) (port 8080) is unhealthy in (target-group ${group}) due to (reason Health checks failed).`), events.join("\n"));
    assert.ok(events.some((m) => /has started 1 tasks: \(task [0-9a-f]{32}\)\. Amazon ECS replaced 1 tasks due to an unhealthy status\.$/.test(m)), events.join("\n"));
    const replacement = (await ecs.send(new ListTasksCommand({ cluster: "c", startedBy: set?.id }))).taskArns ?? [];
    assert.equal(replacement.length, 1);
    assert.notEqual(replacement[0], first);
    for (let i = 0; i < 6; i++) {
      await server.advance(20);
      assert.equal(await stability(), "STABILIZING", "never steady while its targets fail");
    }
  });

  it("a group that stops receiving traffic leaves its ECS tasks' targets unused and the set not steady; traffic again, healthy again", async () => {
    const { group, listener } = await routedGroup("rerouted");
    await createExternalService(ecs, "c", "rerouted", 1);
    const set = (
      await ecs.send(
        new CreateTaskSetCommand({ cluster: "c", service: "rerouted", taskDefinition: "web", launchType: "FARGATE", networkConfiguration: NETWORK, scale: { value: 100, unit: "PERCENT" }, loadBalancers: [{ targetGroupArn: group, containerName: "app", containerPort: 8080 }] }),
      )
    ).taskSet;
    const stability = async () => (await ecs.send(new DescribeTaskSetsCommand({ cluster: "c", service: "rerouted", taskSets: [set?.id ?? ""] }))).taskSets?.[0]?.stabilityStatus;
    await server.advance(20);
    assert.equal(await stability(), "STEADY_STATE");
    await elb.send(new DeleteListenerCommand({ ListenerArn: listener }));
    await server.settle();
    assert.deepEqual(await states(group), ["unused"]);
    assert.equal(await stability(), "STABILIZING", "ECS noticed at once");
    await elb.send(new CreateListenerCommand({ LoadBalancerArn: loadBalancer, Protocol: "HTTP", Port: port++, DefaultActions: [{ Type: "forward", TargetGroupArn: group }] }));
    await server.settle();
    assert.deepEqual(await states(group), ["initial"]);
    await server.advance(20);
    assert.equal(await stability(), "STEADY_STATE");
  });
});
