// Tasks as ECS writes them (the AWS CLI's run-task, start-task and describe-tasks examples): the
// cpu-architecture attribute, one container override per container, network bindings once running,
// Fargate's ephemeral storage, an empty tag list without include; and host ports on EC2 instances:
// taken ports show in remainingResources and a task whose port is taken is not placed there.
import * as assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  CreateClusterCommand,
  CreateServiceCommand,
  DescribeContainerInstancesCommand,
  DescribeServicesCommand,
  DescribeTasksCommand,
  type ECSClient,
  RegisterContainerInstanceCommand,
  RegisterTaskDefinitionCommand,
  RunTaskCommand,
  StartTaskCommand,
  type Task,
} from "@aws-sdk/client-ecs";
import { refusedWith } from "./assertions";
import { startTestServer, type TestServer } from "./harness";

describe("task shapes and host ports", () => {
  let server: TestServer;
  let client: ECSClient;
  before(async () => {
    server = await startTestServer();
    client = server.client();
  });
  after(() => server.close());

  async function cluster(name: string, instances: number, attributes: { name: string; value: string }[] = []): Promise<string[]> {
    await client.send(new CreateClusterCommand({ clusterName: name }));
    const arns: string[] = [];
    for (let i = 0; i < instances; i++) {
      const registered = await client.send(
        new RegisterContainerInstanceCommand({
          cluster: name,
          instanceIdentityDocument: JSON.stringify({ instanceId: `i-${name}${i}`, availabilityZone: "us-east-1a" }),
          attributes,
        }),
      );
      arns.push(registered.containerInstance?.containerInstanceArn ?? "");
    }
    return arns;
  }

  async function family(name: string, input: Partial<ConstructorParameters<typeof RegisterTaskDefinitionCommand>[0]> = {}): Promise<string> {
    const registered = await client.send(
      new RegisterTaskDefinitionCommand({
        family: name,
        networkMode: "bridge",
        containerDefinitions: [
          { name: "web", image: "nginx", memory: 128, portMappings: [{ containerPort: 80, hostPort: 8080 }, { containerPort: 9000, protocol: "udp" }] },
          { name: "sidecar", image: "envoy", memory: 64, portMappings: [{ containerPort: 9901 }] },
        ],
        ...input,
      }),
    );
    return registered.taskDefinition?.taskDefinitionArn ?? "";
  }

  async function describeOne(clusterName: string, task: string, include?: "TAGS"): Promise<Task> {
    const described = await client.send(new DescribeTasksCommand({ cluster: clusterName, tasks: [task], ...(include ? { include: [include] } : {}) }));
    assert.equal(described.tasks?.length, 1);
    return described.tasks?.[0] as Task;
  }

  it("RunTask: the cpu-architecture attribute, one override per container, the given tags; DescribeTasks shows [] without include", async () => {
    await cluster("shapes", 1);
    const taskDefinition = await family("shaped");
    const run = await client.send(
      new RunTaskCommand({
        cluster: "shapes",
        taskDefinition,
        overrides: { containerOverrides: [{ name: "sidecar", command: ["run"] }] },
        tags: [{ key: "team", value: "web" }],
      }),
    );
    const task = run.tasks?.[0];
    assert.deepEqual(run.failures, []);
    assert.deepEqual(task?.attributes, [{ name: "ecs.cpu-architecture", value: "x86_64" }]);
    assert.deepEqual(task?.overrides, { containerOverrides: [{ name: "web" }, { name: "sidecar", command: ["run"] }], inferenceAcceleratorOverrides: [] });
    assert.deepEqual(task?.tags, [{ key: "team", value: "web" }]);
    assert.equal(task?.containers?.[0]?.networkBindings, undefined, "no bindings before the containers run");
    await server.settle();
    assert.deepEqual((await describeOne("shapes", task?.taskArn ?? "")).tags, [], "tags: [] without include");
    assert.deepEqual((await describeOne("shapes", task?.taskArn ?? "", "TAGS")).tags, [{ key: "team", value: "web" }]);
  });

  it("running bridge containers show their bindings: dynamic host ports from the ephemeral range, one port per task", async () => {
    await cluster("dynamic", 1);
    const taskDefinition = await family("bindings", { containerDefinitions: [{ name: "web", image: "nginx", memory: 128, portMappings: [{ containerPort: 80 }] }] });
    const run = await client.send(new RunTaskCommand({ cluster: "dynamic", taskDefinition, count: 2 }));
    assert.equal(run.tasks?.length, 2);
    await server.settle();
    const ports: number[] = [];
    for (const task of run.tasks ?? []) {
      const running = await describeOne("dynamic", task.taskArn ?? "");
      assert.equal(running.lastStatus, "RUNNING");
      const [binding] = running.containers?.[0]?.networkBindings ?? [];
      assert.deepEqual({ ...binding, hostPort: 0 }, { bindIP: "0.0.0.0", containerPort: 80, hostPort: 0, protocol: "tcp" });
      ports.push(binding?.hostPort ?? 0);
    }
    assert.deepEqual(ports.sort(), [32768, 32769]);
  });

  it("a static host port in use: remainingResources lists it, RunTask fails with RESOURCE:PORTS naming the instance", async () => {
    const [instance] = await cluster("ports", 1);
    const taskDefinition = await family("static");
    const first = await client.send(new RunTaskCommand({ cluster: "ports", taskDefinition }));
    assert.equal(first.tasks?.length, 1);
    await server.settle();
    const running = await describeOne("ports", first.tasks?.[0]?.taskArn ?? "");
    assert.deepEqual(
      running.containers?.map((c) => c.networkBindings),
      [
        [
          { bindIP: "0.0.0.0", containerPort: 80, hostPort: 8080, protocol: "tcp" },
          { bindIP: "0.0.0.0", containerPort: 9000, hostPort: 32768, protocol: "udp" },
        ],
        [{ bindIP: "0.0.0.0", containerPort: 9901, hostPort: 32768, protocol: "tcp" }],
      ],
    );
    const described = (await client.send(new DescribeContainerInstancesCommand({ cluster: "ports", containerInstances: [instance] }))).containerInstances?.[0];
    const remaining = (name: string) => described?.remainingResources?.find((r) => r.name === name)?.stringSetValue;
    // Static ports only: the dynamic ones are not counted, as in ECS.
    assert.deepEqual(remaining("PORTS"), ["22", "2375", "2376", "51678", "51679", "8080"]);
    assert.deepEqual(remaining("PORTS_UDP"), []);
    assert.deepEqual(described?.registeredResources?.find((r) => r.name === "PORTS")?.stringSetValue, ["22", "2375", "2376", "51678", "51679"]);
    const second = await client.send(new RunTaskCommand({ cluster: "ports", taskDefinition }));
    assert.deepEqual(second.tasks, []);
    assert.deepEqual(second.failures, [{ arn: instance, reason: "RESOURCE:PORTS" }]);
    const started = await client.send(new StartTaskCommand({ cluster: "ports", taskDefinition, containerInstances: [instance] }));
    assert.deepEqual([started.tasks, started.failures], [[], [{ arn: instance, reason: "RESOURCE:PORTS" }]]);
  });

  it("a service whose host port is taken on every instance writes ECS's port event", async () => {
    const [instance] = await cluster("portsvc", 1);
    const taskDefinition = await family("portsvc");
    await client.send(new CreateServiceCommand({ cluster: "portsvc", serviceName: "web", taskDefinition, desiredCount: 2 }));
    await server.settle();
    const service = (await client.send(new DescribeServicesCommand({ cluster: "portsvc", services: ["web"] }))).services?.[0];
    assert.equal(service?.runningCount, 1);
    const id = instance.split("/").pop();
    assert.ok(
      service?.events?.some((e) => e.message === `(service web) was unable to place a task because no container instance met all of its requirements. The closest matching (container-instance ${id}) is already using a port required by your task. For more information, see the Troubleshooting section of the Amazon ECS Developer Guide.`),
      JSON.stringify(service?.events?.map((e) => e.message)),
    );
  });

  it("a task too large for every instance fails with RESOURCE:MEMORY naming the closest instance; no instance at all is ECS's InvalidParameterException", async () => {
    const [instance] = await cluster("small", 1);
    const run = await client.send(new RunTaskCommand({ cluster: "small", taskDefinition: await family("huge", { containerDefinitions: [{ name: "big", image: "x", memory: 100_000 }] }) }));
    assert.deepEqual(run.failures, [{ arn: instance, reason: "RESOURCE:MEMORY" }]);
    await client.send(new CreateClusterCommand({ clusterName: "empty" }));
    await refusedWith(client.send(new RunTaskCommand({ cluster: "empty", taskDefinition: "huge" })), "InvalidParameterException", /^No Container Instances were found in your cluster\.$/);
  });

  it("Fargate tasks: 20 GiB of ephemeral storage (more when the task definition asks), no bindings, the runtime platform's architecture", async () => {
    await client.send(new CreateClusterCommand({ clusterName: "fargate" }));
    const fargate = (extra: Partial<ConstructorParameters<typeof RegisterTaskDefinitionCommand>[0]>) =>
      family("fg", { requiresCompatibilities: ["FARGATE"], networkMode: "awsvpc", cpu: "256", memory: "512", containerDefinitions: [{ name: "app", image: "app", portMappings: [{ containerPort: 8080 }] }], ...extra });
    const network = { awsvpcConfiguration: { subnets: ["subnet-1"] } };
    const small = (await client.send(new RunTaskCommand({ cluster: "fargate", launchType: "FARGATE", taskDefinition: await fargate({}), networkConfiguration: network }))).tasks?.[0];
    assert.deepEqual([small?.ephemeralStorage, small?.fargateEphemeralStorage], [{ sizeInGiB: 20 }, { sizeInGiB: 20 }]);
    assert.deepEqual(small?.attributes, [{ name: "ecs.cpu-architecture", value: "x86_64" }]);
    const arm = (
      await client.send(
        new RunTaskCommand({
          cluster: "fargate",
          launchType: "FARGATE",
          taskDefinition: await fargate({ ephemeralStorage: { sizeInGiB: 50 }, runtimePlatform: { cpuArchitecture: "ARM64", operatingSystemFamily: "LINUX" } }),
          networkConfiguration: network,
        }),
      )
    ).tasks?.[0];
    assert.deepEqual([arm?.ephemeralStorage, arm?.fargateEphemeralStorage], [{ sizeInGiB: 50 }, { sizeInGiB: 50 }]);
    assert.deepEqual(arm?.attributes, [{ name: "ecs.cpu-architecture", value: "arm64" }]);
    await server.settle();
    const running = await describeOne("fargate", small?.taskArn ?? "");
    assert.deepEqual(running.containers?.[0]?.networkBindings, [], "awsvpc tasks bind no instance ports");
  });

  it("EC2 tasks take the instance's architecture", async () => {
    await cluster("graviton", 1, [{ name: "ecs.cpu-architecture", value: "arm64" }]);
    const run = await client.send(new RunTaskCommand({ cluster: "graviton", taskDefinition: await family("plain", { containerDefinitions: [{ name: "app", image: "app", memory: 64 }] }) }));
    // An instance registers x86_64 unless it says otherwise.
    assert.deepEqual(run.tasks?.[0]?.attributes, [{ name: "ecs.cpu-architecture", value: "arm64" }]);
  });
});
