// Account settings, container instance attributes and task scale-in protection, through the SDK.
import * as assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  CreateClusterCommand,
  CreateServiceCommand,
  CreateTaskSetCommand,
  DeleteAccountSettingCommand,
  DeleteAttributesCommand,
  DescribeTaskSetsCommand,
  type ECSClient,
  GetTaskProtectionCommand,
  ListAccountSettingsCommand,
  ListAttributesCommand,
  ListTasksCommand,
  PutAccountSettingCommand,
  PutAccountSettingDefaultCommand,
  PutAttributesCommand,
  RegisterContainerInstanceCommand,
  RegisterTaskDefinitionCommand,
  UpdateTaskProtectionCommand,
  UpdateTaskSetCommand,
} from "@aws-sdk/client-ecs";
import { refusedWith } from "./assertions";
import { startTestServer, type TestServer } from "./harness";

describe("account settings", () => {
  let server: TestServer;
  let client: ECSClient;
  before(async () => {
    server = await startTestServer();
    client = server.client();
  });
  after(() => server.close());

  it("effective settings: the principal's own, else the account default, else AWS's", async () => {
    const aws = await client.send(new ListAccountSettingsCommand({ name: "containerInsights", effectiveSettings: true }));
    assert.deepEqual(aws.settings?.map((s) => [s.value, s.type]), [["disabled", "aws_managed"]]);
    await client.send(new PutAccountSettingDefaultCommand({ name: "containerInsights", value: "enabled" }));
    const byDefault = await client.send(new ListAccountSettingsCommand({ name: "containerInsights", effectiveSettings: true }));
    assert.equal(byDefault.settings?.[0]?.value, "enabled");
    const put = await client.send(new PutAccountSettingCommand({ name: "containerInsights", value: "enhanced" }));
    assert.equal(put.setting?.principalArn, "arn:aws:iam::000000000000:root");
    const own = await client.send(new ListAccountSettingsCommand({ name: "containerInsights", effectiveSettings: true }));
    assert.equal(own.settings?.[0]?.value, "enhanced");
    const explicit = await client.send(new ListAccountSettingsCommand({}));
    assert.deepEqual(explicit.settings?.map((s) => s.name), ["containerInsights"], "without effectiveSettings only what was set");
    await client.send(new DeleteAccountSettingCommand({ name: "containerInsights" }));
    const after = await client.send(new ListAccountSettingsCommand({ name: "containerInsights", effectiveSettings: true }));
    assert.equal(after.settings?.[0]?.value, "enabled", "back to the account default");
  });

  it("refuses values a setting does not take, and read-only settings", async () => {
    await refusedWith(client.send(new PutAccountSettingCommand({ name: "serviceLongArnFormat", value: "maybe" })), "InvalidParameterException", /^Invalid setting 'value'$/);
    await refusedWith(client.send(new PutAccountSettingCommand({ name: "guardDutyActivate", value: "on" })), "InvalidParameterException");
    await refusedWith(client.send(new PutAccountSettingCommand({ name: "serviceLongArnFormat", value: "enabled", principalArn: "arn:aws:iam::999999999999:root" })), "InvalidParameterException");
  });
});

describe("container instance attributes", () => {
  let server: TestServer;
  let client: ECSClient;
  let instanceArn = "";
  before(async () => {
    server = await startTestServer();
    client = server.client();
    await client.send(new CreateClusterCommand({ clusterName: "attrs" }));
    instanceArn = (await client.send(new RegisterContainerInstanceCommand({ cluster: "attrs", instanceIdentityDocument: JSON.stringify({ instanceId: "i-0abc" }) }))).containerInstance?.containerInstanceArn ?? "";
  });
  after(() => server.close());

  it("put, list by name and value, delete", async () => {
    const id = instanceArn.split("/").pop() ?? "";
    await client.send(new PutAttributesCommand({ cluster: "attrs", attributes: [{ name: "stack", value: "prod", targetType: "container-instance", targetId: id }] }));
    const listed = await client.send(new ListAttributesCommand({ cluster: "attrs", targetType: "container-instance", attributeName: "stack" }));
    assert.deepEqual(listed.attributes, [{ name: "stack", value: "prod", targetType: "container-instance", targetId: instanceArn }]);
    const none = await client.send(new ListAttributesCommand({ cluster: "attrs", targetType: "container-instance", attributeName: "stack", attributeValue: "dev" }));
    assert.deepEqual(none.attributes, []);
    await client.send(new DeleteAttributesCommand({ cluster: "attrs", attributes: [{ name: "stack", targetId: instanceArn }] }));
    const gone = await client.send(new ListAttributesCommand({ cluster: "attrs", targetType: "container-instance", attributeName: "stack" }));
    assert.deepEqual(gone.attributes, []);
  });

  it("an unknown target is TargetNotFoundException", async () => {
    await refusedWith(client.send(new PutAttributesCommand({ cluster: "attrs", attributes: [{ name: "stack", value: "x", targetId: "0123456789abcdef0123456789abcdef" }] })), "TargetNotFoundException");
  });
});

describe("task scale-in protection", () => {
  let server: TestServer;
  let client: ECSClient;
  before(async () => {
    server = await startTestServer();
    client = server.client();
    await client.send(new CreateClusterCommand({ clusterName: "p" }));
    await client.send(
      new RegisterTaskDefinitionCommand({ family: "web", requiresCompatibilities: ["FARGATE"], networkMode: "awsvpc", cpu: "256", memory: "512", containerDefinitions: [{ name: "app", image: "nginx" }] }),
    );
  });
  after(() => server.close());

  it("a protected task is not stopped when its task set scales in, until protection ends", async () => {
    await client.send(new CreateServiceCommand({ cluster: "p", serviceName: "s", desiredCount: 2, deploymentController: { type: "EXTERNAL" } }));
    const id = (
      await client.send(
        new CreateTaskSetCommand({ cluster: "p", service: "s", taskDefinition: "web", launchType: "FARGATE", networkConfiguration: { awsvpcConfiguration: { subnets: ["subnet-1"] } }, scale: { value: 100, unit: "PERCENT" } }),
      )
    ).taskSet?.id ?? "";
    await server.settle();
    const arns = (await client.send(new ListTasksCommand({ cluster: "p", startedBy: id }))).taskArns ?? [];
    assert.equal(arns.length, 2);
    const protectedOut = await client.send(new UpdateTaskProtectionCommand({ cluster: "p", tasks: arns, protectionEnabled: true, expiresInMinutes: 10 }));
    assert.deepEqual(protectedOut.protectedTasks?.map((t) => t.protectionEnabled), [true, true]);
    await client.send(new UpdateTaskSetCommand({ cluster: "p", service: "s", taskSet: id, scale: { value: 0, unit: "PERCENT" } }));
    await server.settle();
    let set = (await client.send(new DescribeTaskSetsCommand({ cluster: "p", service: "s", taskSets: [id] }))).taskSets?.[0];
    assert.deepEqual([set?.runningCount, set?.stabilityStatus], [2, "STABILIZING"], "held by protection");
    await client.send(new UpdateTaskProtectionCommand({ cluster: "p", tasks: [arns[0]], protectionEnabled: false }));
    await server.settle();
    set = (await client.send(new DescribeTaskSetsCommand({ cluster: "p", service: "s", taskSets: [id] }))).taskSets?.[0];
    assert.equal(set?.runningCount, 1);
    const state = await client.send(new GetTaskProtectionCommand({ cluster: "p", tasks: [arns[1]] }));
    assert.equal(state.protectedTasks?.[0]?.protectionEnabled, true);
    await server.advance(11 * 60);
    set = (await client.send(new DescribeTaskSetsCommand({ cluster: "p", service: "s", taskSets: [id] }))).taskSets?.[0];
    assert.deepEqual([set?.runningCount, set?.stabilityStatus], [0, "STEADY_STATE"], "protection expired");
  });
});
