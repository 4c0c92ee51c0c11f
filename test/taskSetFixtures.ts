// What the service and task-set tests share: a cluster with Fargate and EC2 task definitions, a
// load balancer with a target group for them, an EXTERNAL service, and the inputs a deploy
// controller sends.
import {
  CreateClusterCommand,
  CreateServiceCommand,
  type ContainerDefinition,
  type CreateTaskSetCommandInput,
  DescribeServicesCommand,
  DescribeTaskSetsCommand,
  type ECSClient,
  RegisterTaskDefinitionCommand,
  type Service,
  type TaskSet,
} from "@aws-sdk/client-ecs";
import { CreateListenerCommand, CreateLoadBalancerCommand, CreateTargetGroupCommand, ElasticLoadBalancingV2Client, ModifyTargetGroupAttributesCommand } from "@aws-sdk/client-elastic-load-balancing-v2";

export const NETWORK = { awsvpcConfiguration: { subnets: ["subnet-1", "subnet-2"], securityGroups: ["sg-1"] } };
/**
 * The ip target group "blue" (port 8080) behind the load balancer "fixture", as ECS requires a target
 * group to be: set by setupCluster for the account and region of the client it was last given. Its
 * targets turn healthy HEALTHY_AFTER_SECONDS after they are registered, and drain in no time.
 */
export let TARGET_GROUP = "";
export const HEALTHY_AFTER_SECONDS = 10;
export const REGISTRY = "arn:aws:servicediscovery:us-east-1:000000000000:service/srv-0123456789abcdef";

export interface Revisions {
  /** web:1 and web:2: Fargate, awsvpc, container "app" on port 8080. */
  v1: string;
  v2: string;
  /** bridge:1: EC2, bridge networking, container "app" on port 80. */
  bridge: string;
}

/** An ELB client for the same endpoint, account and region as an ECS client. */
export async function elbClientLike(client: ECSClient): Promise<ElasticLoadBalancingV2Client> {
  const config = client.config;
  return new ElasticLoadBalancingV2Client({ endpoint: await config.endpoint?.(), region: await config.region(), credentials: await config.credentials(), maxAttempts: 1 });
}

/** The load balancer "fixture" with a listener forwarding to the ip target group "blue" (all idempotent). */
export async function setupTargetGroup(client: ECSClient): Promise<string> {
  const elb = await elbClientLike(client);
  try {
    const lb = await elb.send(new CreateLoadBalancerCommand({ Name: "fixture", Subnets: ["subnet-1", "subnet-2"] }));
    const tg = await elb.send(new CreateTargetGroupCommand({ Name: "blue", Protocol: "HTTP", Port: 8080, VpcId: "vpc-1", TargetType: "ip", HealthCheckIntervalSeconds: 5, HealthCheckTimeoutSeconds: 2, HealthyThresholdCount: 2 }));
    const arn = tg.TargetGroups?.[0]?.TargetGroupArn ?? "";
    await elb.send(new ModifyTargetGroupAttributesCommand({ TargetGroupArn: arn, Attributes: [{ Key: "deregistration_delay.timeout_seconds", Value: "0" }] }));
    await elb.send(new CreateListenerCommand({ LoadBalancerArn: lb.LoadBalancers?.[0]?.LoadBalancerArn, Protocol: "HTTP", Port: 80, DefaultActions: [{ Type: "forward", TargetGroupArn: arn }] }));
    return arn;
  } finally {
    elb.destroy();
  }
}

/** Registers a Fargate revision of `family` (256 CPU units, 512 MiB) with one container "app"; returns its ARN. */
export async function registerFargateTaskDefinition(client: ECSClient, family: string, container: Omit<ContainerDefinition, "name"> = {}): Promise<string> {
  const out = await client.send(
    new RegisterTaskDefinitionCommand({
      family,
      requiresCompatibilities: ["FARGATE"],
      networkMode: "awsvpc",
      cpu: "256",
      memory: "512",
      containerDefinitions: [{ name: "app", image: "nginx", ...container }],
    }),
  );
  return out.taskDefinition?.taskDefinitionArn ?? "";
}

/** A cluster and the task definitions the tests deploy, and the target group TARGET_GROUP. */
export async function setupCluster(client: ECSClient, cluster: string): Promise<Revisions> {
  await client.send(new CreateClusterCommand({ clusterName: cluster }));
  TARGET_GROUP = await setupTargetGroup(client);
  const fargate = (image: string) => registerFargateTaskDefinition(client, "web", { image, portMappings: [{ containerPort: 8080 }] });
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
