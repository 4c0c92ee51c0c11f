// Services as ECS writes them (the AWS CLI's create-service and update-service examples): roleArn,
// healthCheckGracePeriodSeconds 0, availabilityZoneRebalancing, the given tags in CreateService's
// answer, and the volume configurations of each deployment.
import * as assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  CreateClusterCommand,
  CreateServiceCommand,
  type CreateServiceCommandInput,
  DescribeServicesCommand,
  type ECSClient,
  RegisterTaskDefinitionCommand,
  type Service,
  UpdateServiceCommand,
} from "@aws-sdk/client-ecs";
import { refusedWith } from "./assertions";
import { startTestServer, type TestServer } from "./harness";

const SERVICE_LINKED_ROLE = "arn:aws:iam::000000000000:role/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS";
const NETWORK = { awsvpcConfiguration: { subnets: ["subnet-1"], securityGroups: ["sg-1"] } };
const CLASSIC_LB = { loadBalancerName: "EC2Contai-EcsElast-123456789012", containerName: "web", containerPort: 80 };
const EBS_VOLUME = { name: "data", managedEBSVolume: { roleArn: "arn:aws:iam::000000000000:role/ecsInfrastructureRole", volumeType: "gp3", sizeInGiB: 100, filesystemType: "ext4" as const } };

describe("service shapes", () => {
  let server: TestServer;
  let client: ECSClient;
  before(async () => {
    server = await startTestServer();
    client = server.client();
    await client.send(new CreateClusterCommand({ clusterName: "c" }));
    await client.send(
      new RegisterTaskDefinitionCommand({ family: "fargate", requiresCompatibilities: ["FARGATE"], networkMode: "awsvpc", cpu: "256", memory: "512", containerDefinitions: [{ name: "web", image: "nginx" }] }),
    );
    await client.send(new RegisterTaskDefinitionCommand({ family: "bridge", networkMode: "bridge", containerDefinitions: [{ name: "web", image: "nginx", memory: 128, portMappings: [{ containerPort: 80 }] }] }));
  });
  after(() => server.close());

  const create = async (input: Partial<CreateServiceCommandInput> & { serviceName: string }): Promise<Service> =>
    (await client.send(new CreateServiceCommand({ cluster: "c", desiredCount: 0, ...input }))).service as Service;
  const describeService = async (name: string): Promise<Service> => (await client.send(new DescribeServicesCommand({ cluster: "c", services: [name] }))).services?.[0] as Service;

  it("a Fargate service: the service-linked role, grace period 0, AZ rebalancing ENABLED, its tags in the CreateService answer only", async () => {
    const service = await create({ serviceName: "fg", taskDefinition: "fargate", launchType: "FARGATE", networkConfiguration: NETWORK, tags: [{ key: "team", value: "web" }] });
    assert.deepEqual(
      [service.roleArn, service.healthCheckGracePeriodSeconds, service.availabilityZoneRebalancing, service.tags],
      [SERVICE_LINKED_ROLE, 0, "ENABLED", [{ key: "team", value: "web" }]],
    );
    const described = await describeService("fg");
    assert.deepEqual([described.roleArn, described.healthCheckGracePeriodSeconds, described.availabilityZoneRebalancing, described.tags], [SERVICE_LINKED_ROLE, 0, "ENABLED", undefined]);
  });

  it("roleArn: none for a bridge service without a load balancer; a role given by name or path becomes its ARN; a load balancer alone gets the service-linked role", async () => {
    assert.equal((await create({ serviceName: "plain", taskDefinition: "bridge" })).roleArn, undefined);
    assert.equal((await create({ serviceName: "named", taskDefinition: "bridge", loadBalancers: [CLASSIC_LB], role: "ecsServiceRole" })).roleArn, "arn:aws:iam::000000000000:role/ecsServiceRole");
    assert.equal((await create({ serviceName: "pathed", taskDefinition: "bridge", loadBalancers: [CLASSIC_LB], role: "/ecs/serviceRole" })).roleArn, "arn:aws:iam::000000000000:role/ecs/serviceRole");
    const arn = "arn:aws:iam::000000000000:role/custom";
    assert.equal((await create({ serviceName: "arned", taskDefinition: "bridge", loadBalancers: [CLASSIC_LB], role: arn })).roleArn, arn);
    assert.equal((await create({ serviceName: "balanced", taskDefinition: "bridge", loadBalancers: [CLASSIC_LB] })).roleArn, SERVICE_LINKED_ROLE);
    assert.equal((await create({ serviceName: "external", deploymentController: { type: "EXTERNAL" } })).roleArn, SERVICE_LINKED_ROLE);
  });

  it("a role for a service that needs the service-linked role is refused in ECS's words", async () => {
    await refusedWith(
      create({ serviceName: "refused", taskDefinition: "fargate", launchType: "FARGATE", networkConfiguration: NETWORK, role: "ecsServiceRole" }),
      "InvalidParameterException",
      /^You cannot specify an IAM role for services that require a service linked role\.$/,
    );
    assert.equal((await client.send(new DescribeServicesCommand({ cluster: "c", services: ["refused"] }))).failures?.[0]?.reason, "MISSING");
  });

  it("availabilityZoneRebalancing: DISABLED where it does not apply (binpack, DAEMON, task-set controllers), as given otherwise, kept by updates that leave it out", async () => {
    assert.equal((await create({ serviceName: "binpack", taskDefinition: "bridge", placementStrategy: [{ type: "binpack", field: "memory" }] })).availabilityZoneRebalancing, "DISABLED");
    assert.equal((await create({ serviceName: "daemon", taskDefinition: "bridge", schedulingStrategy: "DAEMON", desiredCount: undefined })).availabilityZoneRebalancing, "DISABLED");
    assert.equal((await create({ serviceName: "ext2", deploymentController: { type: "EXTERNAL" } })).availabilityZoneRebalancing, "DISABLED");
    assert.equal((await create({ serviceName: "off", taskDefinition: "bridge", availabilityZoneRebalancing: "DISABLED" })).availabilityZoneRebalancing, "DISABLED");
    const updated = (await client.send(new UpdateServiceCommand({ cluster: "c", service: "off", availabilityZoneRebalancing: "ENABLED" }))).service;
    assert.equal(updated?.availabilityZoneRebalancing, "ENABLED");
    const kept = (await client.send(new UpdateServiceCommand({ cluster: "c", service: "off", desiredCount: 1 }))).service;
    assert.equal(kept?.availabilityZoneRebalancing, "ENABLED");
    assert.equal(kept?.deployments?.length, 1, "rebalancing does not start a deployment");
  });

  it("volume configurations show on the deployment that has them, carry over to new deployments, and [] removes them", async () => {
    const service = await create({ serviceName: "ebs", taskDefinition: "fargate", launchType: "FARGATE", networkConfiguration: NETWORK, volumeConfigurations: [EBS_VOLUME] });
    assert.deepEqual(service.deployments?.[0]?.volumeConfigurations, [EBS_VOLUME]);
    const forced = (await client.send(new UpdateServiceCommand({ cluster: "c", service: "ebs", forceNewDeployment: true }))).service;
    assert.notEqual(forced?.deployments?.[0]?.id, service.deployments?.[0]?.id, "a new deployment");
    assert.deepEqual(forced?.deployments?.[0]?.volumeConfigurations, [EBS_VOLUME]);
    const removed = (await client.send(new UpdateServiceCommand({ cluster: "c", service: "ebs", taskDefinition: "fargate", volumeConfigurations: [] }))).service;
    assert.equal(removed?.deployments?.[0]?.status, "PRIMARY");
    assert.equal(removed?.deployments?.[0]?.volumeConfigurations, undefined);
    assert.equal((await create({ serviceName: "noebs", taskDefinition: "bridge" })).deployments?.[0]?.volumeConfigurations, undefined);
  });
});
