// Services through the SDK: CreateService with the ECS, CODE_DEPLOY and EXTERNAL controllers,
// DescribeServices, ListServices, UpdateService and DeleteService, with ECS's errors and wording.
// Where ECS's behaviour or wording was researched, docs/task-sets.md gives the source.
import * as assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  CreateClusterCommand,
  CreateServiceCommand,
  CreateTaskSetCommand,
  DeleteServiceCommand,
  DeleteTaskSetCommand,
  DescribeServicesCommand,
  DescribeTaskSetsCommand,
  type ECSClient,
  ListServicesCommand,
  UpdateServiceCommand,
  UpdateServicePrimaryTaskSetCommand,
  UpdateTaskSetCommand,
} from "@aws-sdk/client-ecs";
import { refusedWith } from "./assertions";
import { startTestServer, type TestServer, useServer } from "./harness";
import { createExternalService, describeService, describeTaskSet, fargateTaskSet, NETWORK, REGISTRY, type Revisions, setupCluster, TARGET_GROUP, HEALTHY_AFTER_SECONDS } from "./taskSetFixtures";

const ACCOUNT = "000000000000";
const arnOf = (path: string, region = "us-east-1", account = ACCOUNT) => `arn:aws:ecs:${region}:${account}:${path}`;

describe("CreateService", () => {
  let server: TestServer;
  let client: ECSClient;
  let revisions: Revisions;
  before(async () => {
    server = await startTestServer();
    client = server.client();
    revisions = await setupCluster(client, "c");
  });
  after(() => server.close());

  it("EXTERNAL needs only serviceName: the default cluster, desiredCount 0, nothing task-set-level until a primary exists", async () => {
    await refusedWith(client.send(new CreateServiceCommand({ serviceName: "bare", deploymentController: { type: "EXTERNAL" } })), "ClusterNotFoundException", /^Cluster not found\.$/);
    await client.send(new CreateClusterCommand({}));
    const service = (await client.send(new CreateServiceCommand({ serviceName: "bare", deploymentController: { type: "EXTERNAL" } }))).service;
    assert.equal(service?.serviceArn, arnOf("service/default/bare"));
    assert.equal(service?.clusterArn, arnOf("cluster/default"));
    assert.deepEqual(
      [service?.status, service?.desiredCount, service?.runningCount, service?.pendingCount, service?.schedulingStrategy, service?.deploymentController?.type],
      ["ACTIVE", 0, 0, 0, "REPLICA", "EXTERNAL"],
    );
    // No primary task set: the task-set-level parameters are null on the service, but for the launch type ECS gives it.
    assert.deepEqual([service?.taskDefinition, service?.platformVersion, service?.networkConfiguration, service?.capacityProviderStrategy], [undefined, undefined, undefined, undefined]);
    assert.equal(service?.launchType, "EC2");
    assert.deepEqual([service?.taskSets, service?.deployments, service?.loadBalancers, service?.serviceRegistries, service?.events], [[], [], [], [], []]);
    assert.deepEqual([service?.propagateTags, service?.enableECSManagedTags], ["NONE", false]);
    assert.ok(service?.createdAt instanceof Date);
    assert.equal(service?.tags, undefined, "CreateService returns no tags");
  });

  it("EXTERNAL takes every service-level parameter (and the empty lists and platform version SDK users send)", async () => {
    const service = (
      await client.send(
        new CreateServiceCommand({
          cluster: "c",
          serviceName: "full",
          desiredCount: 3,
          deploymentController: { type: "EXTERNAL" },
          deploymentConfiguration: { maximumPercent: 150, minimumHealthyPercent: 50 },
          tags: [{ key: "team", value: "web" }],
          enableECSManagedTags: true,
          propagateTags: "SERVICE",
          healthCheckGracePeriodSeconds: 30,
          placementConstraints: [{ type: "distinctInstance" }],
          placementStrategy: [{ type: "spread", field: "attribute:ecs.availability-zone" }],
          schedulingStrategy: "REPLICA",
          enableExecuteCommand: true,
          // PipeCD passes the platform version through on EXTERNAL services; the AWS SDKs send empty lists.
          platformVersion: "LATEST",
          loadBalancers: [],
          serviceRegistries: [],
          capacityProviderStrategy: [],
        }),
      )
    ).service;
    assert.deepEqual(
      [service?.desiredCount, service?.deploymentConfiguration?.maximumPercent, service?.deploymentConfiguration?.minimumHealthyPercent, service?.enableECSManagedTags, service?.propagateTags, service?.healthCheckGracePeriodSeconds, service?.enableExecuteCommand],
      [3, 150, 50, true, "SERVICE", 30, true],
    );
    assert.deepEqual(service?.placementConstraints, [{ type: "distinctInstance" }]);
    assert.deepEqual(service?.placementStrategy, [{ type: "spread", field: "attribute:ecs.availability-zone" }]);
    assert.equal(service?.platformVersion, undefined, "the platform version belongs to the task sets");
    const tagged = (await client.send(new DescribeServicesCommand({ cluster: "c", services: ["full"], include: ["TAGS"] }))).services?.[0];
    assert.deepEqual(tagged?.tags, [{ key: "team", value: "web" }]);
  });

  it("EXTERNAL refuses the parameters that belong to task sets, in ECS's words, and creates nothing", async () => {
    const cases: [string, Record<string, unknown>, string][] = [
      ["taskDefinition", { taskDefinition: "web" }, "TaskDefinition must be blank."],
      ["networkConfiguration", { networkConfiguration: NETWORK }, "NetworkConfiguration must be null."],
      ["launchType", { launchType: "FARGATE" }, "LaunchType must be null."],
      ["capacityProviderStrategy", { capacityProviderStrategy: [{ capacityProvider: "FARGATE", weight: 1 }] }, "CapacityProviderStrategy must be null."],
      ["loadBalancers", { loadBalancers: [{ targetGroupArn: TARGET_GROUP, containerName: "app", containerPort: 8080 }] }, "LoadBalancers must be null."],
      ["serviceRegistries", { serviceRegistries: [{ registryArn: REGISTRY }] }, "ServiceRegistries must be null."],
    ];
    for (const [parameter, extra, message] of cases) {
      await refusedWith(
        client.send(new CreateServiceCommand({ cluster: "c", serviceName: "refused", deploymentController: { type: "EXTERNAL" }, ...extra })),
        "InvalidParameterException",
        new RegExp(`^${message.replace(/\./g, "\\.")}$`),
      ).catch((e: Error) => assert.fail(`${parameter}: ${e.message}`));
    }
    const out = await client.send(new DescribeServicesCommand({ cluster: "c", services: ["refused"] }));
    assert.deepEqual([out.services, out.failures], [[], [{ arn: arnOf("service/refused"), reason: "MISSING" }]]);
  });

  it("ECS and CODE_DEPLOY need a task definition; CODE_DEPLOY a load balancer, and ECS starts its first task set itself", async () => {
    await refusedWith(client.send(new CreateServiceCommand({ cluster: "c", serviceName: "no-td" })), "InvalidParameterException");
    await refusedWith(client.send(new CreateServiceCommand({ cluster: "c", serviceName: "no-td", deploymentController: { type: "CODE_DEPLOY" } })), "InvalidParameterException");
    await refusedWith(
      client.send(new CreateServiceCommand({ cluster: "c", serviceName: "no-lb", taskDefinition: "web", launchType: "FARGATE", networkConfiguration: NETWORK, deploymentController: { type: "CODE_DEPLOY" } })),
      "InvalidParameterException",
    );
    const codeDeploy = (
      await client.send(
        new CreateServiceCommand({
          cluster: "c",
          serviceName: "cd",
          taskDefinition: "web:1",
          desiredCount: 2,
          launchType: "FARGATE",
          networkConfiguration: NETWORK,
          loadBalancers: [{ targetGroupArn: TARGET_GROUP, containerName: "app", containerPort: 8080 }],
          deploymentController: { type: "CODE_DEPLOY" },
        }),
      )
    ).service;
    assert.equal(codeDeploy?.taskDefinition, revisions.v1);
    assert.deepEqual(codeDeploy?.deployments, []);
    assert.deepEqual(
      codeDeploy?.taskSets?.map((t) => [t.status, t.startedBy, t.scale?.value, t.computedDesiredCount, t.taskDefinition]),
      [["PRIMARY", "CodeDeploy", 100, 2, revisions.v1]],
    );
    const rolling = (await client.send(new CreateServiceCommand({ cluster: "c", serviceName: "rolling", taskDefinition: "web", launchType: "FARGATE", networkConfiguration: NETWORK }))).service;
    assert.equal(rolling?.taskDefinition, revisions.v2, "a family alone means its latest ACTIVE revision");
    assert.deepEqual(rolling?.deployments?.map((d) => [d.status, d.taskDefinition]), [["PRIMARY", revisions.v2]]);
    assert.equal(rolling?.taskSets, undefined, "an ECS-controller service has no task sets");
  });

  it("clientToken: the same token returns the same service; a second create without it is refused", async () => {
    const first = (await client.send(new CreateServiceCommand({ cluster: "c", serviceName: "idem", clientToken: "token-1", desiredCount: 1, deploymentController: { type: "EXTERNAL" } }))).service;
    const again = (await client.send(new CreateServiceCommand({ cluster: "c", serviceName: "idem", clientToken: "token-1", desiredCount: 1, deploymentController: { type: "EXTERNAL" } }))).service;
    assert.equal(again?.createdAt?.getTime(), first?.createdAt?.getTime());
    for (const clientToken of [undefined, "token-2"]) {
      await refusedWith(
        client.send(new CreateServiceCommand({ cluster: "c", serviceName: "idem", clientToken, deploymentController: { type: "EXTERNAL" } })),
        "InvalidParameterException",
        /^Creation of service was not idempotent\.$/,
      );
    }
  });

  it("names, counts, tags and the scheduling strategy are checked", async () => {
    const external = { cluster: "c", deploymentController: { type: "EXTERNAL" as const } };
    for (const serviceName of ["has space", "x".repeat(256), "dot.ted"]) {
      await refusedWith(client.send(new CreateServiceCommand({ ...external, serviceName })), "InvalidParameterException");
    }
    await refusedWith(client.send(new CreateServiceCommand({ ...external, serviceName: "neg", desiredCount: -1 })), "InvalidParameterException");
    await refusedWith(client.send(new CreateServiceCommand({ ...external, serviceName: "tagged", tags: [{ key: "aws:owner", value: "x" }] })), "InvalidParameterException", /aws:/);
    await refusedWith(client.send(new CreateServiceCommand({ ...external, serviceName: "daemon", schedulingStrategy: "DAEMON" })), "InvalidParameterException");
    await refusedWith(client.send(new CreateServiceCommand({ ...external, serviceName: "pct", deploymentConfiguration: { maximumPercent: 50 } })), "InvalidParameterException");
    await refusedWith(
      client.send(new CreateServiceCommand({ ...external, serviceName: "alarms", deploymentConfiguration: { alarms: { alarmNames: ["high-5xx"], enable: true, rollback: true } } })),
      "InvalidParameterException",
      /^Alarm based rollback feature is only supported with ECS deployment controller\. Update to ECS deployment controller and try again\.$/,
    );
    const ok = await client.send(new CreateServiceCommand({ ...external, serviceName: "A-z_0-9" }));
    assert.equal(ok.service?.serviceName, "A-z_0-9");
  });
});

describe("DescribeServices and ListServices", () => {
  let server: TestServer;
  let client: ECSClient;
  before(async () => {
    server = await startTestServer();
    client = server.client();
    await setupCluster(client, "c");
    await client.send(new CreateClusterCommand({ clusterName: "other" }));
    for (let i = 0; i < 12; i++) {
      await client.send(new CreateServiceCommand({ cluster: "c", serviceName: `ext-${String(i).padStart(2, "0")}`, deploymentController: { type: "EXTERNAL" }, tags: [{ key: "n", value: String(i) }] }));
    }
    await client.send(new CreateServiceCommand({ cluster: "c", serviceName: "fargate", taskDefinition: "web", launchType: "FARGATE", networkConfiguration: NETWORK }));
    await client.send(new CreateServiceCommand({ cluster: "c", serviceName: "ec2", taskDefinition: "bridge", launchType: "EC2" }));
    await client.send(new CreateServiceCommand({ cluster: "other", serviceName: "elsewhere", deploymentController: { type: "EXTERNAL" } }));
  });
  after(() => server.close());

  it("DescribeServices: names or ARNs, tags only with include TAGS, failures for missing ones", async () => {
    const out = await client.send(
      new DescribeServicesCommand({ cluster: arnOf("cluster/c"), services: ["ext-00", arnOf("service/c/ext-01"), "nope", arnOf("service/other/elsewhere")] }),
    );
    assert.deepEqual(out.services?.map((s) => [s.serviceName, s.tags]), [["ext-00", undefined], ["ext-01", undefined]]);
    assert.deepEqual(out.failures, [
      { arn: arnOf("service/nope"), reason: "MISSING" }, // a bare name: the short ARN, as ECS names it
      { arn: arnOf("service/other/elsewhere"), reason: "MISSING" },
    ]);
    const tagged = await client.send(new DescribeServicesCommand({ cluster: "c", services: ["ext-03"], include: ["TAGS"] }));
    assert.deepEqual(tagged.services?.[0]?.tags, [{ key: "n", value: "3" }]);
  });

  it("DescribeServices: at least one and at most 10 services; an unknown cluster", async () => {
    await refusedWith(client.send(new DescribeServicesCommand({ cluster: "c", services: [] })), "InvalidParameterException", /^Services cannot be empty\.$/);
    const eleven = Array.from({ length: 11 }, (_, i) => `ext-${String(i).padStart(2, "0")}`);
    await refusedWith(client.send(new DescribeServicesCommand({ cluster: "c", services: eleven })), "InvalidParameterException");
    await refusedWith(client.send(new DescribeServicesCommand({ cluster: "nope", services: ["ext-00"] })), "ClusterNotFoundException", /^Cluster not found\.$/);
  });

  it("ListServices: 10 per page unless maxResults says otherwise, nextToken continues, every ARN once", async () => {
    const first = await client.send(new ListServicesCommand({ cluster: "c" }));
    assert.equal(first.serviceArns?.length, 10, "ECS returns up to 10 services per page by default");
    assert.ok(first.nextToken);
    const rest = await client.send(new ListServicesCommand({ cluster: "c", nextToken: first.nextToken }));
    assert.equal(rest.serviceArns?.length, 4);
    assert.equal(rest.nextToken, undefined);
    const all = [...(first.serviceArns ?? []), ...(rest.serviceArns ?? [])];
    assert.equal(new Set(all).size, 14);
    assert.ok(all.every((arn) => arn.startsWith(arnOf("service/c/"))));
    const big = await client.send(new ListServicesCommand({ cluster: arnOf("cluster/c"), maxResults: 100 }));
    assert.deepEqual([...(big.serviceArns ?? [])].sort(), [...all].sort());
    for (const maxResults of [0, 101]) await refusedWith(client.send(new ListServicesCommand({ cluster: "c", maxResults })), "InvalidParameterException");
    await refusedWith(client.send(new ListServicesCommand({ cluster: "c", nextToken: "garbage" })), "InvalidParameterException");
    await refusedWith(client.send(new ListServicesCommand({ cluster: "nope" })), "ClusterNotFoundException");
  });

  it("ListServices filters by launch type (a task-set service's is its primary's) and scheduling strategy", async () => {
    const fargate = await client.send(new ListServicesCommand({ cluster: "c", launchType: "FARGATE", maxResults: 100 }));
    assert.deepEqual(fargate.serviceArns, [arnOf("service/c/fargate")]);
    const set = (await client.send(new CreateTaskSetCommand(fargateTaskSet("c", "ext-05", "web")))).taskSet;
    await client.send(new UpdateServicePrimaryTaskSetCommand({ cluster: "c", service: "ext-05", primaryTaskSet: set?.id }));
    const withPrimary = await client.send(new ListServicesCommand({ cluster: "c", launchType: "FARGATE", maxResults: 100 }));
    assert.deepEqual([...(withPrimary.serviceArns ?? [])].sort(), [arnOf("service/c/ext-05"), arnOf("service/c/fargate")]);
    // Task-set services without a primary have the launch type EC2.
    const ec2 = await client.send(new ListServicesCommand({ cluster: "c", launchType: "EC2", maxResults: 100 }));
    const expected = ["ec2", ...Array.from({ length: 12 }, (_, i) => `ext-${String(i).padStart(2, "0")}`).filter((n) => n !== "ext-05")].map((n) => arnOf(`service/c/${n}`));
    assert.deepEqual([...(ec2.serviceArns ?? [])].sort(), expected.sort());
    const daemon = await client.send(new ListServicesCommand({ cluster: "c", schedulingStrategy: "DAEMON" }));
    assert.deepEqual(daemon.serviceArns, []);
  });

  it("ListServices leaves out INACTIVE services (DRAINING ones: see DeleteService below)", async () => {
    await client.send(new CreateServiceCommand({ cluster: "other", serviceName: "gone", deploymentController: { type: "EXTERNAL" } }));
    await client.send(new DeleteServiceCommand({ cluster: "other", service: "gone" }));
    await server.settle();
    assert.equal((await describeService(client, "other", "gone"))?.status, "INACTIVE");
    const listed = await client.send(new ListServicesCommand({ cluster: "other" }));
    assert.deepEqual(listed.serviceArns, [arnOf("service/other/elsewhere")]);
  });
});

describe("UpdateService on an EXTERNAL service", () => {
  let server: TestServer;
  let client: ECSClient;
  before(async () => {
    server = await startTestServer();
    client = server.client();
    await setupCluster(client, "c");
    await createExternalService(client, "c", "ext", 4);
  });
  after(() => server.close());

  it("changes only what ECS allows there", async () => {
    const updated = (
      await client.send(
        new UpdateServiceCommand({
          cluster: "c",
          service: "ext",
          desiredCount: 5,
          healthCheckGracePeriodSeconds: 60,
          placementConstraints: [{ type: "distinctInstance" }],
          placementStrategy: [{ type: "binpack", field: "memory" }],
          enableECSManagedTags: true,
          propagateTags: "SERVICE",
          // PipeCD sends these on every update of an EXTERNAL service.
          enableExecuteCommand: false,
          forceNewDeployment: false,
        }),
      )
    ).service;
    assert.deepEqual(
      [updated?.desiredCount, updated?.healthCheckGracePeriodSeconds, updated?.enableECSManagedTags, updated?.propagateTags, updated?.placementStrategy?.[0]?.type, updated?.placementConstraints?.[0]?.type],
      [5, 60, true, "SERVICE", "binpack", "distinctInstance"],
    );
    assert.equal((await describeService(client, "c", "ext"))?.desiredCount, 5);
  });

  it("refuses task-set-level parameters and forced deployments", async () => {
    const cases: [string, Record<string, unknown>, RegExp][] = [
      ["taskDefinition", { taskDefinition: "web" }, /taskDefinition/],
      ["networkConfiguration", { networkConfiguration: NETWORK }, /networkConfiguration/],
      ["loadBalancers", { loadBalancers: [{ targetGroupArn: TARGET_GROUP, containerName: "app", containerPort: 8080 }] }, /loadBalancers/],
      ["platformVersion", { platformVersion: "1.4.0" }, /platformVersion/],
      ["capacityProviderStrategy", { capacityProviderStrategy: [{ capacityProvider: "FARGATE", weight: 1 }] }, /capacityProviderStrategy/],
      ["serviceRegistries", { serviceRegistries: [{ registryArn: REGISTRY }] }, /serviceRegistries/],
      ["forceNewDeployment", { forceNewDeployment: true }, /^Cannot force a new deployment on services with a EXTERNAL deployment controller\.$/],
      ["deploymentController", { deploymentController: { type: "ECS" } }, /deployment controller/],
      ["alarms", { deploymentConfiguration: { alarms: { alarmNames: ["a"], enable: true, rollback: false } } }, /^Alarm based rollback feature is only supported with ECS deployment controller/],
    ];
    for (const [parameter, extra, message] of cases) {
      await refusedWith(client.send(new UpdateServiceCommand({ cluster: "c", service: "ext", desiredCount: 9, ...extra })), "InvalidParameterException", message).catch((e: Error) =>
        assert.fail(`${parameter}: ${e.message}`),
      );
    }
    assert.equal((await describeService(client, "c", "ext"))?.desiredCount, 5, "a refused update changes nothing");
  });

  it("a new desiredCount recomputes every task set's computedDesiredCount, rounding up", async () => {
    const a = (await client.send(new CreateTaskSetCommand(fargateTaskSet("c", "ext", "web", 30)))).taskSet;
    const b = (await client.send(new CreateTaskSetCommand(fargateTaskSet("c", "ext", "web", 12.5)))).taskSet;
    const zero = (await client.send(new CreateTaskSetCommand(fargateTaskSet("c", "ext", "web")))).taskSet;
    assert.deepEqual([a?.computedDesiredCount, b?.computedDesiredCount, zero?.computedDesiredCount], [2, 1, 0], "ceil(5 x 30%) = 2, ceil(5 x 12.5%) = 1");
    await server.settle();
    for (const [desiredCount, expected] of [[10, [3, 2, 0]], [7, [3, 1, 0]], [0, [0, 0, 0]], [1, [1, 1, 0]]] as const) {
      await client.send(new UpdateServiceCommand({ cluster: "c", service: "ext", desiredCount }));
      const sets = await Promise.all([a, b, zero].map((t) => describeTaskSet(client, "c", "ext", t?.id ?? "")));
      assert.deepEqual(sets.map((t) => t?.computedDesiredCount), expected, `desiredCount ${desiredCount}`);
      await server.advance(HEALTHY_AFTER_SECONDS); // new tasks' targets turn healthy
      const settled = await Promise.all([a, b, zero].map((t) => describeTaskSet(client, "c", "ext", t?.id ?? "")));
      assert.deepEqual(settled.map((t) => [t?.runningCount, t?.stabilityStatus]), expected.map((n) => [n, "STEADY_STATE"]), `settled at desiredCount ${desiredCount}`);
      assert.equal((await describeService(client, "c", "ext"))?.runningCount, expected[0] + expected[1] + expected[2]);
    }
    for (const t of [a, b, zero]) await client.send(new DeleteTaskSetCommand({ cluster: "c", service: "ext", taskSet: t?.id }));
    await server.settle();
  });

  it("not found and not active", async () => {
    await refusedWith(client.send(new UpdateServiceCommand({ cluster: "nope", service: "ext", desiredCount: 1 })), "ClusterNotFoundException", /^Cluster not found\.$/);
    await refusedWith(client.send(new UpdateServiceCommand({ cluster: "c", service: "nope", desiredCount: 1 })), "ServiceNotFoundException", /^Service not found\.$/);
    await refusedWith(client.send(new UpdateServiceCommand({ cluster: "c", service: "ext", desiredCount: -2 })), "InvalidParameterException");
    await createExternalService(client, "c", "doomed", 0);
    await client.send(new DeleteServiceCommand({ cluster: "c", service: "doomed" }));
    await refusedWith(client.send(new UpdateServiceCommand({ cluster: "c", service: "doomed", desiredCount: 1 })), "ServiceNotActiveException", /^Service was not ACTIVE\.$/);
  });
});

describe("DeleteService", () => {
  let server: TestServer;
  let client: ECSClient;
  before(async () => {
    server = await startTestServer({ stepMs: 1000 });
    client = server.client();
    await setupCluster(client, "c");
  });
  after(() => server.close());

  it("scaled above 0 needs force; ACTIVE -> DRAINING while tasks stop -> INACTIVE; deleting again returns it", async () => {
    await createExternalService(client, "c", "web", 2);
    const set = (await client.send(new CreateTaskSetCommand(fargateTaskSet("c", "web", "web", 100)))).taskSet;
    for (let i = 0; i < 4; i++) await server.advance(1);
    assert.equal((await describeTaskSet(client, "c", "web", set?.id ?? ""))?.runningCount, 2);
    await refusedWith(client.send(new DeleteServiceCommand({ cluster: "c", service: "web" })), "InvalidParameterException", /^The service cannot be stopped while it is scaled above 0\.$/);
    const deleting = (await client.send(new DeleteServiceCommand({ cluster: "c", service: arnOf("service/c/web"), force: true }))).service;
    assert.deepEqual([deleting?.status, deleting?.desiredCount], ["DRAINING", 0]);
    assert.deepEqual(deleting?.taskSets?.map((t) => [t.status, t.computedDesiredCount]), [["DRAINING", 0]]);
    await server.advance(1);
    const draining = await describeService(client, "c", "web");
    assert.equal(draining?.status, "DRAINING", "still DRAINING while its tasks stop");
    assert.deepEqual((await client.send(new ListServicesCommand({ cluster: "c" }))).serviceArns, [], "a DRAINING service is no longer listed");
    await refusedWith(client.send(new DescribeTaskSetsCommand({ cluster: "c", service: "web", taskSets: [set?.id ?? ""] })), "ServiceNotActiveException", /^Service was not ACTIVE\.$/);
    for (let i = 0; i < 5; i++) await server.advance(1);
    const inactive = await describeService(client, "c", "web");
    assert.deepEqual([inactive?.status, inactive?.runningCount, inactive?.taskSets], ["INACTIVE", 0, []]);
    // ECS answers a delete of an INACTIVE service with the service (aws-sdk-js issue 4189).
    const again = (await client.send(new DeleteServiceCommand({ cluster: "c", service: "web" }))).service;
    assert.equal(again?.status, "INACTIVE");
    // The name is free again.
    const recreated = (await client.send(new CreateServiceCommand({ cluster: "c", serviceName: "web", deploymentController: { type: "EXTERNAL" } }))).service;
    assert.deepEqual([recreated?.status, recreated?.taskSets], ["ACTIVE", []]);
  });

  it("a service at 0 is deleted without force; unknown ones are not found", async () => {
    await createExternalService(client, "c", "idle", 0);
    const deleted = (await client.send(new DeleteServiceCommand({ cluster: "c", service: "idle" }))).service;
    assert.ok(deleted?.status === "DRAINING" || deleted?.status === "INACTIVE");
    await server.advance(1);
    assert.equal((await describeService(client, "c", "idle"))?.status, "INACTIVE");
    await refusedWith(client.send(new DeleteServiceCommand({ cluster: "c", service: "nope" })), "ServiceNotFoundException", /^Service not found\.$/);
    await refusedWith(client.send(new DeleteServiceCommand({ cluster: "nope", service: "idle" })), "ClusterNotFoundException", /^Cluster not found\.$/);
  });
});

describe("service events for a task-set service", () => {
  let server: TestServer;
  let client: ECSClient;
  before(async () => {
    server = await startTestServer();
    client = server.client();
    await setupCluster(client, "c");
    await createExternalService(client, "c", "web", 2);
  });
  after(() => server.close());

  it("started tasks name the task set; a steady state is announced once", async () => {
    const set = (await client.send(new CreateTaskSetCommand(fargateTaskSet("c", "web", "web", 100)))).taskSet;
    await server.advance(HEALTHY_AFTER_SECONDS); // the tasks run and their targets turn healthy
    const events = (await describeService(client, "c", "web"))?.events ?? [];
    const messages = events.map((e) => e.message ?? "");
    assert.match(messages.find((m) => m.includes("has started")) ?? "", new RegExp(`^\\(service web, taskSet ${set?.id}\\) has started 2 tasks: \\(task [0-9a-f]{32}\\) \\(task [0-9a-f]{32}\\)\\.$`));
    // Newest first: the steady state once the tasks run behind healthy targets (an empty service was steady before them).
    assert.equal(messages[0], "(service web) has reached a steady state.");
    assert.equal(messages[1], `(service web, taskSet ${set?.id}) registered 2 targets in (target-group ${TARGET_GROUP})`);
    assert.match(messages[2] ?? "", /has started 2 tasks/);
    assert.ok(events.every((e) => e.createdAt instanceof Date && /^[0-9a-f-]{36}$/.test(e.id ?? "")));
    await server.settle();
    assert.equal((await describeService(client, "c", "web"))?.events?.length, events.length, "nothing new while nothing changes");
    await client.send(new UpdateTaskSetCommand({ cluster: "c", service: "web", taskSet: set?.id, scale: { value: 50, unit: "PERCENT" } }));
    await server.settle();
    const later = ((await describeService(client, "c", "web"))?.events ?? []).map((e) => e.message ?? "");
    // The target is deregistered first (the fixture's group drains in no time), then the task stops.
    assert.match(later[1] ?? "", new RegExp(`^\\(service web, taskSet ${set?.id}\\) has stopped 1 running tasks: \\(task [0-9a-f]{32}\\)\\.$`));
    assert.equal(later[2], `(service web, taskSet ${set?.id}) deregistered 1 targets in (target-group ${TARGET_GROUP})`);
    assert.equal(later[0], "(service web) has reached a steady state.");
  });
});

describe("services are isolated per account and region", () => {
  const server = useServer();

  it("the same names in another account or region are another service; ARNs do not reach across", async () => {
    const owner = server.client({ accessKeyId: "111111111111" });
    await setupCluster(owner, "shared");
    await createExternalService(owner, "shared", "svc", 3);
    const ownerArn = arnOf("service/shared/svc", "us-east-1", "111111111111");
    for (const [other, region, account] of [
      [server.client({ accessKeyId: "222222222222" }), "us-east-1", "222222222222"],
      [server.client({ accessKeyId: "111111111111", region: "eu-west-1" }), "eu-west-1", "111111111111"],
    ] as const) {
      await refusedWith(other.send(new DescribeServicesCommand({ cluster: "shared", services: ["svc"] })), "ClusterNotFoundException");
      await refusedWith(other.send(new UpdateServiceCommand({ cluster: arnOf("cluster/shared", "us-east-1", "111111111111"), service: ownerArn, desiredCount: 0 })), "ClusterNotFoundException");
      await refusedWith(other.send(new DeleteServiceCommand({ cluster: arnOf("cluster/shared", "us-east-1", "111111111111"), service: ownerArn, force: true })), "ClusterNotFoundException");
      await setupCluster(other, "shared");
      const theirs = await createExternalService(other, "shared", "svc", 1);
      assert.equal(theirs.serviceArn, arnOf("service/shared/svc", region, account));
      const lookup = await other.send(new DescribeServicesCommand({ cluster: "shared", services: [ownerArn, "svc"] }));
      assert.deepEqual(lookup.services?.map((s) => [s.serviceArn, s.desiredCount]), [[theirs.serviceArn, 1]]);
      assert.deepEqual(lookup.failures, [{ arn: ownerArn, reason: "MISSING" }]);
    }
    const mine = await owner.send(new ListServicesCommand({ cluster: "shared" }));
    assert.deepEqual(mine.serviceArns, [ownerArn]);
    assert.equal((await describeService(owner, "shared", "svc"))?.desiredCount, 3);
  });
});
