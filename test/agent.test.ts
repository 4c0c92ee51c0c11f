// The operations the ECS agent calls, answered for each instance's simulated agent as AWS answers
// them (the AWS CLI's update-container-agent and discover-poll-endpoint examples).
import * as assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  CreateClusterCommand,
  DescribeContainerInstancesCommand,
  DiscoverPollEndpointCommand,
  type ECSClient,
  RegisterContainerInstanceCommand,
  UpdateContainerAgentCommand,
} from "@aws-sdk/client-ecs";
import { refusedWith } from "./assertions";
import { awsEcs, withoutAwsCli } from "./externalClients";
import { startTestServer, type TestServer } from "./harness";

const OLD_AGENT = { agentVersion: "1.0.0", agentHash: "4023248", dockerVersion: "DockerVersion: 1.5.0" };

describe("agent operations", () => {
  let server: TestServer;
  let client: ECSClient;
  before(async () => {
    server = await startTestServer({ stepMs: 1000 });
    client = server.client();
    await client.send(new CreateClusterCommand({ clusterName: "agents" }));
  });
  after(() => server.close());

  const register = async (instanceId: string, versionInfo?: typeof OLD_AGENT): Promise<string> =>
    (await client.send(new RegisterContainerInstanceCommand({ cluster: "agents", instanceIdentityDocument: JSON.stringify({ instanceId }), ...(versionInfo ? { versionInfo } : {}) }))).containerInstance?.containerInstanceArn ?? "";

  it("UpdateContainerAgent on an old agent: PENDING on the old version, refused while in progress, UPDATED to the newest a step later", async () => {
    const arn = await register("i-old", OLD_AGENT);
    const id = arn.split("/").pop() ?? "";
    const updating = (await client.send(new UpdateContainerAgentCommand({ cluster: "agents", containerInstance: id }))).containerInstance;
    assert.deepEqual([updating?.agentUpdateStatus, updating?.versionInfo, updating?.status], ["PENDING", OLD_AGENT, "ACTIVE"]);
    await refusedWith(client.send(new UpdateContainerAgentCommand({ cluster: "agents", containerInstance: arn })), "UpdateInProgressException", /update in progress/);
    await server.advance(1);
    const updated = (await client.send(new DescribeContainerInstancesCommand({ cluster: "agents", containerInstances: [arn] }))).containerInstances?.[0];
    assert.deepEqual([updated?.agentUpdateStatus, updated?.versionInfo?.agentVersion, updated?.versionInfo?.agentHash], ["UPDATED", "1.89.0", "4023248"]);
    await refusedWith(client.send(new UpdateContainerAgentCommand({ cluster: "agents", containerInstance: arn })), "NoUpdateAvailableException", /^There's no update available for this Amazon ECS container agent\.$/);
  });

  it("UpdateContainerAgent on the newest agent, on a missing instance or cluster", async () => {
    const current = await register("i-new");
    await refusedWith(client.send(new UpdateContainerAgentCommand({ cluster: "agents", containerInstance: current })), "NoUpdateAvailableException");
    await refusedWith(client.send(new UpdateContainerAgentCommand({ cluster: "agents", containerInstance: "0123456789abcdef0123456789abcdef" })), "InvalidParameterException", /container instance was not found/);
    await refusedWith(client.send(new UpdateContainerAgentCommand({ cluster: "nowhere", containerInstance: current })), "ClusterNotFoundException");
  });

  it("DiscoverPollEndpoint answers the Region's agent endpoints", async () => {
    const endpoints = await server.client({ region: "eu-west-1" }).send(new DiscoverPollEndpointCommand({ containerInstance: "any", cluster: "agents" }));
    assert.deepEqual([endpoints.endpoint, endpoints.telemetryEndpoint, endpoints.serviceConnectEndpoint], ["https://ecs-a-1.eu-west-1.amazonaws.com/", "https://ecs-t-1.eu-west-1.amazonaws.com/", "https://ecs-sc.eu-west-1.api.aws"]);
  });

  it("the AWS CLI's update-container-agent and discover-poll-endpoint", { skip: withoutAwsCli }, async () => {
    const arn = await register("i-cli", OLD_AGENT);
    const [updated, endpoints] = await Promise.all([
      awsEcs(server, ["update-container-agent", "--cluster", "agents", "--container-instance", arn.split("/").pop() ?? ""]),
      awsEcs(server, ["discover-poll-endpoint", "--container-instance", arn, "--cluster", "agents"]),
    ]);
    const instance = updated.output?.containerInstance as { agentUpdateStatus?: string; versionInfo?: unknown } | undefined;
    assert.deepEqual([instance?.agentUpdateStatus, instance?.versionInfo], ["PENDING", OLD_AGENT]);
    assert.deepEqual(endpoints.output, { endpoint: "https://ecs-a-1.us-east-1.amazonaws.com/", telemetryEndpoint: "https://ecs-t-1.us-east-1.amazonaws.com/", serviceConnectEndpoint: "https://ecs-sc.us-east-1.api.aws" });
  });
});
