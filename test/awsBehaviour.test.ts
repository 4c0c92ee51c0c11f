// Behaviour where ecslite used to differ from ECS (found by a peer emulator's suite; ECS's answers
// quoted in public AWS CLI, Terraform, CDK and tool issues, cited in docs/compatibility.md), through
// the SDK and, where the case came from them, boto3 or the AWS CLI.
import * as assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  CreateClusterCommand,
  CreateServiceCommand,
  CreateTaskSetCommand,
  DeleteClusterCommand,
  DeregisterTaskDefinitionCommand,
  DescribeClustersCommand,
  DescribeContainerInstancesCommand,
  DescribeServicesCommand,
  DescribeTasksCommand,
  type ECSClient,
  ListAccountSettingsCommand,
  ListClustersCommand,
  ListTagsForResourceCommand,
  PutAccountSettingCommand,
  PutAccountSettingDefaultCommand,
  RegisterTaskDefinitionCommand,
  RunTaskCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateServiceCommand,
} from "@aws-sdk/client-ecs";
import { refusedWith } from "./assertions";
import { awsEcs, boto3, withoutAwsCli, withoutBoto3 } from "./externalClients";
import { startTestServer, type TestServer } from "./harness";

const ACCOUNT = "000000000000";
const arnOf = (path: string) => `arn:aws:ecs:us-east-1:${ACCOUNT}:${path}`;
const NETWORK = { awsvpcConfiguration: { subnets: ["subnet-1"] } };
const FARGATE_ONLY = /^Task definition does not support launch_type FARGATE\.$/;

describe("behaviour as ECS answers it", () => {
  let server: TestServer;
  let client: ECSClient;
  before(async () => {
    server = await startTestServer();
    client = server.client();
    await client.send(new CreateClusterCommand({ clusterName: "c" }));
    await client.send(new RegisterTaskDefinitionCommand({ family: "ec2only", networkMode: "bridge", containerDefinitions: [{ name: "app", image: "app", memory: 64 }] }));
    await client.send(
      new RegisterTaskDefinitionCommand({ family: "fargate", requiresCompatibilities: ["FARGATE"], networkMode: "awsvpc", cpu: "256", memory: "512", containerDefinitions: [{ name: "app", image: "app" }] }),
    );
  });
  after(() => server.close());

  it("ListClusters lists INACTIVE clusters while they stay describable", async () => {
    await client.send(new CreateClusterCommand({ clusterName: "gone" }));
    await client.send(new DeleteClusterCommand({ cluster: "gone" }));
    assert.ok((await client.send(new ListClustersCommand({}))).clusterArns?.includes(arnOf("cluster/gone")));
    assert.equal((await client.send(new DescribeClustersCommand({ clusters: ["gone"] }))).clusters?.[0]?.status, "INACTIVE");
  });

  it("DescribeServices names a missing bare service by its short ARN (an ARN as given)", async () => {
    const out = await client.send(new DescribeServicesCommand({ cluster: "c", services: ["nope", arnOf("service/c/nada")] }));
    assert.deepEqual(out.failures, [
      { arn: arnOf("service/nope"), reason: "MISSING" },
      { arn: arnOf("service/c/nada"), reason: "MISSING" },
    ]);
  });

  it("tagging by a short-format ARN: ECS's 'Long arn format must be used for tagging operations'", async () => {
    await client.send(new CreateServiceCommand({ cluster: "c", serviceName: "tagged", taskDefinition: "ec2only" }));
    for (const resourceArn of [arnOf("service/tagged"), arnOf("task/0123456789abcdef0123456789abcdef")]) {
      const message = /^Long arn format must be used for tagging operations$/;
      await refusedWith(client.send(new TagResourceCommand({ resourceArn, tags: [{ key: "a", value: "b" }] })), "InvalidParameterException", message);
      await refusedWith(client.send(new UntagResourceCommand({ resourceArn, tagKeys: ["a"] })), "InvalidParameterException", message);
      await refusedWith(client.send(new ListTagsForResourceCommand({ resourceArn })), "InvalidParameterException", message);
    }
    assert.deepEqual((await client.send(new ListTagsForResourceCommand({ resourceArn: arnOf("service/c/tagged") }))).tags, []);
  });

  it("a task definition without FARGATE on Fargate is InvalidParameterException in CreateService, UpdateService, RunTask and CreateTaskSet", async () => {
    await refusedWith(client.send(new CreateServiceCommand({ cluster: "c", serviceName: "no", taskDefinition: "ec2only", launchType: "FARGATE" })), "InvalidParameterException", FARGATE_ONLY);
    await client.send(new CreateServiceCommand({ cluster: "c", serviceName: "fg", taskDefinition: "fargate", launchType: "FARGATE", networkConfiguration: NETWORK }));
    await refusedWith(client.send(new UpdateServiceCommand({ cluster: "c", service: "fg", taskDefinition: "ec2only", networkConfiguration: { awsvpcConfiguration: undefined } })), "InvalidParameterException", FARGATE_ONLY);
    await refusedWith(client.send(new RunTaskCommand({ cluster: "c", taskDefinition: "ec2only", launchType: "FARGATE" })), "InvalidParameterException", FARGATE_ONLY);
    await client.send(new CreateServiceCommand({ cluster: "c", serviceName: "ext", deploymentController: { type: "EXTERNAL" } }));
    await refusedWith(client.send(new CreateTaskSetCommand({ cluster: "c", service: "ext", taskDefinition: "ec2only", launchType: "FARGATE" })), "InvalidParameterException", FARGATE_ONLY);
  });

  it("Fargate task definitions refuse a host PID namespace and any IPC mode, in ECS's words; pidMode task is fine", async () => {
    const fargate = { requiresCompatibilities: ["FARGATE" as const], networkMode: "awsvpc" as const, cpu: "256", memory: "512", containerDefinitions: [{ name: "app", image: "app" }] };
    await refusedWith(
      client.send(new RegisterTaskDefinitionCommand({ family: "pid", ...fargate, pidMode: "host" })),
      "ClientException",
      /^Tasks using the Fargate launch type do not support pidMode 'host'\. The supported value for pidMode is 'task'\.$/,
    );
    await refusedWith(client.send(new RegisterTaskDefinitionCommand({ family: "ipc", ...fargate, ipcMode: "task" })), "ClientException", /^Tasks using the Fargate launch type do not support ipcMode\.$/);
    const task = (await client.send(new RegisterTaskDefinitionCommand({ family: "pidtask", ...fargate, pidMode: "task" }))).taskDefinition;
    assert.deepEqual(task?.compatibilities, ["EC2", "FARGATE"]);
    const ec2 = (await client.send(new RegisterTaskDefinitionCommand({ family: "pidhost", ...fargate, requiresCompatibilities: [], pidMode: "host" }))).taskDefinition;
    assert.deepEqual(ec2?.compatibilities, ["EC2"], "a host PID namespace cannot run on Fargate");
  });

  it("account settings: long ARN formats cannot be disabled, a bad value is 'Invalid setting 'value'', dualStackIPv6 is a setting", async () => {
    for (const name of ["serviceLongArnFormat", "taskLongArnFormat", "containerInstanceLongArnFormat"] as const) {
      await refusedWith(client.send(new PutAccountSettingCommand({ name, value: "disabled" })), "InvalidParameterException", /^You can no longer disable Long Arn settings$/);
      await refusedWith(client.send(new PutAccountSettingDefaultCommand({ name, value: "disabled" })), "InvalidParameterException", /^You can no longer disable Long Arn settings$/);
    }
    await refusedWith(client.send(new PutAccountSettingCommand({ name: "taskLongArnFormat", value: "ENABLED" })), "InvalidParameterException", /^Invalid setting 'value'$/);
    const dualStack = (await client.send(new PutAccountSettingCommand({ name: "dualStackIPv6" as "awsvpcTrunking", value: "enabled" }))).setting;
    assert.deepEqual([dualStack?.name, dualStack?.value], ["dualStackIPv6", "enabled"]);
    const listed = await client.send(new ListAccountSettingsCommand({ name: "dualStackIPv6" as "awsvpcTrunking" }));
    assert.deepEqual(listed.settings?.map((s) => [s.name, s.value]), [["dualStackIPv6", "enabled"]]);
  });

  it("DeregisterTaskDefinition without a revision is 'Revision is missing.'; empty lists on a missing cluster are ClusterNotFoundException first", async () => {
    await refusedWith(client.send(new DeregisterTaskDefinitionCommand({ taskDefinition: "ec2only" })), "ClientException", /^Revision is missing\.$/);
    await refusedWith(client.send(new DescribeTasksCommand({ cluster: "missing", tasks: [] })), "ClusterNotFoundException");
    await refusedWith(client.send(new DescribeContainerInstancesCommand({ cluster: "missing", containerInstances: [] })), "ClusterNotFoundException");
    await refusedWith(client.send(new DescribeTasksCommand({ cluster: "c", tasks: [] })), "InvalidParameterException", /^Tasks cannot be empty\.$/);
    await refusedWith(client.send(new DescribeContainerInstancesCommand({ cluster: "c", containerInstances: [] })), "InvalidParameterException", /^Container Instances cannot be empty\.$/);
  });

  it("ECS's own validation wording: include lists, and every missing required member named", async () => {
    const include = await server.raw("DescribeClusters", JSON.stringify({ clusters: ["c"], include: ["TAGS", "EVERYTHING"] }));
    assert.deepEqual(include.json, { __type: "InvalidParameterException", message: "include should be one of [ATTACHMENTS,CONFIGURATIONS,SETTINGS,STATISTICS,TAGS]" });
    const missing = await server.raw("RegisterTaskDefinition", "{}");
    assert.deepEqual(missing.json, {
      __type: "InvalidParameterException",
      message: "2 validation errors detected: Value null at 'family' failed to satisfy constraint: Member must not be null; Value null at 'containerDefinitions' failed to satisfy constraint: Member must not be null",
    });
    const one = await server.raw("DescribeTaskDefinition", "{}");
    assert.equal(one.json.message, "1 validation error detected: Value null at 'taskDefinition' failed to satisfy constraint: Member must not be null");
  });

  it("an empty string for an enum member is absent, as ECS takes it", async () => {
    const service = (await client.send(new CreateServiceCommand({ cluster: "c", serviceName: "blank", taskDefinition: "ec2only", launchType: "" as "EC2" }))).service;
    assert.equal(service?.launchType, "EC2", "the default launch type");
    const listed = await server.raw("ListServices", JSON.stringify({ cluster: "c", launchType: "" }));
    assert.equal(listed.status, 200);
  });

  it("boto3: RunTask's launch-type refusal, Fargate pidMode, a missing revision, short ARNs, INACTIVE clusters listed", { skip: withoutBoto3 }, async () => {
    const result = await boto3(
      server,
      `
result = {
  "run": error_of(lambda: ecs.run_task(cluster="c", taskDefinition="ec2only", launchType="FARGATE")),
  "pid": error_of(lambda: ecs.register_task_definition(family="p", requiresCompatibilities=["FARGATE"], networkMode="awsvpc", cpu="256", memory="512", pidMode="host", containerDefinitions=[{"name": "a", "image": "a"}])),
  "revision": error_of(lambda: ecs.deregister_task_definition(taskDefinition="ec2only")),
  "short": error_of(lambda: ecs.list_tags_for_resource(resourceArn="${arnOf("service/tagged")}")),
  "inactiveListed": "${arnOf("cluster/gone")}" in ecs.list_clusters()["clusterArns"],
}
`,
    );
    assert.deepEqual(result, {
      run: ["InvalidParameterException", "Task definition does not support launch_type FARGATE."],
      pid: ["ClientException", "Tasks using the Fargate launch type do not support pidMode 'host'. The supported value for pidMode is 'task'."],
      revision: ["ClientException", "Revision is missing."],
      short: ["InvalidParameterException", "Long arn format must be used for tagging operations"],
      inactiveListed: true,
    });
  });

  it("the AWS CLI: --value ENABLED is 'Invalid setting 'value'' (aws-cli issue 3785); --launch-type \"\" is no launch type", { skip: withoutAwsCli }, async () => {
    const [setting, created] = await Promise.all([
      awsEcs(server, ["put-account-setting", "--name", "taskLongArnFormat", "--value", "ENABLED"]),
      awsEcs(server, ["create-service", "--cluster", "c", "--service-name", "cli-blank", "--task-definition", "ec2only", "--launch-type", ""]),
    ]);
    assert.match(setting.error ?? "", /An error occurred \(InvalidParameterException\) when calling the PutAccountSetting operation: Invalid setting 'value'/);
    assert.equal((created.output?.service as { launchType?: string } | undefined)?.launchType, "EC2");
  });
});
