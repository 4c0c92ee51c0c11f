// What the service deployment tests share: a load balancer set up for ECS's own blue/green, linear
// and canary deployments (two target groups, a production and a test listener rule), a service
// that uses it, and readers of the listener rules' weights and the deployment records, all through
// the SDK clients as a user would.
import {
  type CreateServiceCommandInput,
  DescribeServiceDeploymentsCommand,
  DescribeServiceRevisionsCommand,
  DescribeServicesCommand,
  type ECSClient,
  ListServiceDeploymentsCommand,
  type Service,
  type ServiceDeployment,
  type ServiceDeploymentBrief,
  type ServiceRevision,
} from "@aws-sdk/client-ecs";
import { CreateListenerCommand, CreateRuleCommand, DescribeRulesCommand, type ElasticLoadBalancingV2Client, ModifyTargetGroupAttributesCommand } from "@aws-sdk/client-elastic-load-balancing-v2";
import { createAlb, createTargetGroup } from "./elbv2Fixtures";
import { NETWORK } from "./taskSetFixtures";

export const ECS_ELB_ROLE = "arn:aws:iam::000000000000:role/ecs-elb-role";
export const LAMBDA_ROLE = "arn:aws:iam::000000000000:role/ecs-lambda-invoke-role";

/** The target groups' health checks: every 5 s, healthy after 2, so a new target is healthy 10 s after it is registered. */
export const HEALTHY_AFTER_SECONDS = 10;
/** The target groups' deregistration delay: a stopping task's targets drain this long first. */
export const DRAINED_AFTER_SECONDS = 30;

export interface TrafficSetup {
  loadBalancer: string;
  blue: string;
  green: string;
  listener: string;
  productionRule: string;
  testRule: string;
}

/**
 * An application load balancer with a listener on port 80, a production rule (every path)
 * forwarding to the blue target group and a test rule (header X-Environment: test) forwarding to the
 * green one, as the developer guide's "Application Load Balancer resources for blue/green
 * deployments" sets them up.
 */
export async function trafficSetup(elb: ElasticLoadBalancingV2Client, prefix: string): Promise<TrafficSetup> {
  const loadBalancer = await createAlb(elb, `${prefix}-alb`);
  const group = async (color: string) => {
    const arn = await createTargetGroup(elb, `${prefix}-${color}`, { HealthCheckIntervalSeconds: 5, HealthCheckTimeoutSeconds: 2, HealthyThresholdCount: 2 });
    await elb.send(new ModifyTargetGroupAttributesCommand({ TargetGroupArn: arn, Attributes: [{ Key: "deregistration_delay.timeout_seconds", Value: String(DRAINED_AFTER_SECONDS) }] }));
    return arn;
  };
  const blue = await group("blue");
  const green = await group("green");
  const listener =
    (await elb.send(new CreateListenerCommand({ LoadBalancerArn: loadBalancer, Protocol: "HTTP", Port: 80, DefaultActions: [{ Type: "forward", TargetGroupArn: blue }] }))).Listeners?.[0]?.ListenerArn ?? "";
  const rule = async (priority: number, conditions: object[], targetGroup: string) =>
    (await elb.send(new CreateRuleCommand({ ListenerArn: listener, Priority: priority, Conditions: conditions, Actions: [{ Type: "forward", TargetGroupArn: targetGroup }] }))).Rules?.[0]?.RuleArn ?? "";
  const testRule = await rule(1, [{ Field: "http-header", HttpHeaderConfig: { HttpHeaderName: "X-Environment", Values: ["test"] } }], green);
  const productionRule = await rule(2, [{ Field: "path-pattern", Values: ["/*"] }], blue);
  return { loadBalancer, blue, green, listener, productionRule, testRule };
}

/** A Fargate service behind the set-up's target groups, deployed with `strategy`. */
export function serviceInput(cluster: string, serviceName: string, taskDefinition: string, setup: TrafficSetup, deploymentConfiguration: CreateServiceCommandInput["deploymentConfiguration"]): CreateServiceCommandInput {
  return {
    cluster,
    serviceName,
    taskDefinition,
    desiredCount: 2,
    launchType: "FARGATE",
    networkConfiguration: NETWORK,
    loadBalancers: [
      {
        targetGroupArn: setup.blue,
        containerName: "app",
        containerPort: 8080,
        advancedConfiguration: { alternateTargetGroupArn: setup.green, productionListenerRule: setup.productionRule, testListenerRule: setup.testRule, roleArn: ECS_ELB_ROLE },
      },
    ],
    deploymentConfiguration,
  };
}

/** A listener rule's forward weights, by target group. */
export async function ruleWeights(elb: ElasticLoadBalancingV2Client, ruleArn: string): Promise<Record<string, number>> {
  const rule = (await elb.send(new DescribeRulesCommand({ RuleArns: [ruleArn] }))).Rules?.[0];
  const weights: Record<string, number> = {};
  for (const action of rule?.Actions ?? []) {
    if (action.Type !== "forward") continue;
    for (const tg of action.ForwardConfig?.TargetGroups ?? []) weights[tg.TargetGroupArn ?? ""] = tg.Weight ?? 1;
  }
  return weights;
}

/** Production and test weights of the green and blue target groups: [production green, production blue, test green, test blue]. */
export async function trafficOf(elb: ElasticLoadBalancingV2Client, setup: TrafficSetup): Promise<[number, number, number, number]> {
  const production = await ruleWeights(elb, setup.productionRule);
  const test = await ruleWeights(elb, setup.testRule);
  return [production[setup.green] ?? 0, production[setup.blue] ?? 0, test[setup.green] ?? 0, test[setup.blue] ?? 0];
}

export async function serviceOf(client: ECSClient, cluster: string, service: string): Promise<Service> {
  return (await client.send(new DescribeServicesCommand({ cluster, services: [service] }))).services?.[0] as Service;
}

export async function deploymentsOf(client: ECSClient, cluster: string, service: string): Promise<ServiceDeploymentBrief[]> {
  return (await client.send(new ListServiceDeploymentsCommand({ cluster, service }))).serviceDeployments ?? [];
}

export async function deploymentOf(client: ECSClient, arn: string): Promise<ServiceDeployment> {
  return (await client.send(new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [arn] }))).serviceDeployments?.[0] as ServiceDeployment;
}

/** The service's current deployment, as DescribeServiceDeployments shows it. */
export async function currentDeployment(client: ECSClient, cluster: string, service: string): Promise<ServiceDeployment> {
  const arn = (await serviceOf(client, cluster, service)).currentServiceDeployment ?? "";
  return deploymentOf(client, arn);
}

export async function revisionOf(client: ECSClient, arn: string): Promise<ServiceRevision> {
  return (await client.send(new DescribeServiceRevisionsCommand({ serviceRevisionArns: [arn] }))).serviceRevisions?.[0] as ServiceRevision;
}
