// Load balancer set-ups shared by the Elastic Load Balancing tests, made through the SDK as a user would.
import {
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateTargetGroupCommand,
  type CreateTargetGroupCommandInput,
  type ElasticLoadBalancingV2Client,
} from "@aws-sdk/client-elastic-load-balancing-v2";

export const VPC = "vpc-0a1b2c3d";

export async function createAlb(elb: ElasticLoadBalancingV2Client, name = "web"): Promise<string> {
  const out = await elb.send(new CreateLoadBalancerCommand({ Name: name, Subnets: ["subnet-aaaa1111", "subnet-bbbb2222"] }));
  return out.LoadBalancers?.[0]?.LoadBalancerArn ?? "";
}

export async function createTargetGroup(elb: ElasticLoadBalancingV2Client, name: string, extra: Partial<CreateTargetGroupCommandInput> = {}): Promise<string> {
  const out = await elb.send(new CreateTargetGroupCommand({ Name: name, Protocol: "HTTP", Port: 8080, VpcId: VPC, TargetType: "ip", ...extra }));
  return out.TargetGroups?.[0]?.TargetGroupArn ?? "";
}

/** An HTTP listener on port 80 forwarding to the groups with the given weights. */
export async function createWeightedListener(elb: ElasticLoadBalancingV2Client, loadBalancerArn: string, weights: readonly [string, number][], port = 80): Promise<string> {
  const out = await elb.send(
    new CreateListenerCommand({
      LoadBalancerArn: loadBalancerArn,
      Protocol: "HTTP",
      Port: port,
      DefaultActions: [{ Type: "forward", ForwardConfig: { TargetGroups: weights.map(([TargetGroupArn, Weight]) => ({ TargetGroupArn, Weight })) } }],
    }),
  );
  return out.Listeners?.[0]?.ListenerArn ?? "";
}

/** A load balancer, blue and green target groups, and a listener forwarding 100/0 to them. */
export async function blueGreenLoadBalancer(elb: ElasticLoadBalancingV2Client, prefix = "bg"): Promise<{ loadBalancer: string; blue: string; green: string; listener: string }> {
  const loadBalancer = await createAlb(elb, `${prefix}-alb`);
  const blue = await createTargetGroup(elb, `${prefix}-blue`);
  const green = await createTargetGroup(elb, `${prefix}-green`);
  const listener = await createWeightedListener(elb, loadBalancer, [
    [blue, 100],
    [green, 0],
  ]);
  return { loadBalancer, blue, green, listener };
}
