// What the service and task-set tests share: a cluster with Fargate and EC2 task definitions, an
// EXTERNAL service, and the inputs a deploy controller sends.
import {
  CreateClusterCommand,
  CreateServiceCommand,
  type CreateTaskSetCommandInput,
  DescribeServicesCommand,
  DescribeTaskSetsCommand,
  type ECSClient,
  RegisterTaskDefinitionCommand,
  type Service,
  type TaskSet,
} from "@aws-sdk/client-ecs";

export const NETWORK = { awsvpcConfiguration: { subnets: ["subnet-1", "subnet-2"], securityGroups: ["sg-1"] } };
export const TARGET_GROUP = "arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/blue/0123456789abcdef";
export const REGISTRY = "arn:aws:servicediscovery:us-east-1:000000000000:service/srv-0123456789abcdef";

export interface Revisions {
  /** web:1 and web:2: Fargate, awsvpc, container "app" on port 8080. */
  v1: string;
  v2: string;
  /** bridge:1: EC2, bridge networking, container "app" on port 80. */
  bridge: string;
}

/** A cluster and the task definitions the tests deploy. */
export async function setupCluster(client: ECSClient, cluster: string): Promise<Revisions> {
  await client.send(new CreateClusterCommand({ clusterName: cluster }));
  const fargate = async (image: string) =>
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
  const v1 = await fargate("web:1");
  const v2 = await fargate("web:2");
  const bridge =
    (
      await client.send(
        new RegisterTaskDefinitionCommand({
          family: "bridge",
          networkMode: "bridge",
          containerDefinitions: [{ name: "app", image: "nginx", memory: 128, portMappings: [{ containerPort: 80 }] }],
        }),
      )
    ).taskDefinition?.taskDefinitionArn ?? "";
  return { v1, v2, bridge };
}

export async function createExternalService(client: ECSClient, cluster: string, serviceName: string, desiredCount: number): Promise<Service> {
  const out = await client.send(new CreateServiceCommand({ cluster, serviceName, desiredCount, deploymentController: { type: "EXTERNAL" } }));
  return out.service as Service;
}

/** A Fargate task set behind one target group, as PipeCD and Terraform create them. */
export function fargateTaskSet(cluster: string, service: string, taskDefinition: string, percent?: number): CreateTaskSetCommandInput {
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

export async function describeTaskSet(client: ECSClient, cluster: string, service: string, taskSet: string): Promise<TaskSet | undefined> {
  return (await client.send(new DescribeTaskSetsCommand({ cluster, service, taskSets: [taskSet] }))).taskSets?.[0];
}

export async function describeService(client: ECSClient, cluster: string, service: string): Promise<Service | undefined> {
  return (await client.send(new DescribeServicesCommand({ cluster, services: [service] }))).services?.[0];
}
