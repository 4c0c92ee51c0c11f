// Elastic Load Balancing v2 ARNs, as ELB forms them:
//   loadbalancer/app/<name>/<id>                 (net/ for network, gwy/ for gateway load balancers)
//   targetgroup/<name>/<id>
//   listener/app/<lb name>/<lb id>/<id>
//   listener-rule/app/<lb name>/<lb id>/<listener id>/<id>
// with 16 hexadecimal digits as each id.
import type { Scope } from "./arn";

export type ElbResourceType = "loadbalancer" | "targetgroup" | "listener" | "listener-rule";

const prefix = (s: Scope) => `arn:aws:elasticloadbalancing:${s.region}:${s.account}:`;

/** "app", "net" or "gwy": how a load balancer's type appears in its ARN. */
export function arnTypeOf(loadBalancerType: string | undefined): string {
  return loadBalancerType === "network" ? "net" : loadBalancerType === "gateway" ? "gwy" : "app";
}

export const elbArns = {
  loadBalancer: (s: Scope, type: string | undefined, name: string, id: string) => `${prefix(s)}loadbalancer/${arnTypeOf(type)}/${name}/${id}`,
  targetGroup: (s: Scope, name: string, id: string) => `${prefix(s)}targetgroup/${name}/${id}`,
  /** A listener of the load balancer `loadBalancerArn`. */
  listener: (loadBalancerArn: string, id: string) => `${loadBalancerArn.replace(":loadbalancer/", ":listener/")}/${id}`,
  /** A rule of the listener `listenerArn`. */
  rule: (listenerArn: string, id: string) => `${listenerArn.replace(":listener/", ":listener-rule/")}/${id}`,
};

export interface ParsedElbArn extends Scope {
  readonly resourceType: ElbResourceType;
  /** The path after "<type>/", split on "/". */
  readonly path: readonly string[];
}

const ELB_ARN = /^arn:aws[a-z-]*:elasticloadbalancing:([a-z0-9-]+):(\d{12}):(loadbalancer|targetgroup|listener|listener-rule)\/([A-Za-z0-9/-]+)$/;
const PATH_LENGTH: Readonly<Record<ElbResourceType, number>> = { loadbalancer: 3, targetgroup: 2, listener: 4, "listener-rule": 5 };

/** An ELB ARN of the given type, well formed, or undefined. */
export function parseElbArn(arn: string, type?: ElbResourceType): ParsedElbArn | undefined {
  const m = ELB_ARN.exec(arn);
  if (!m) return undefined;
  const resourceType = m[3] as ElbResourceType;
  if (type !== undefined && resourceType !== type) return undefined;
  const path = m[4].split("/");
  if (path.length !== PATH_LENGTH[resourceType] || path.some((p) => p === "")) return undefined;
  if (resourceType !== "targetgroup" && !["app", "net", "gwy"].includes(path[0])) return undefined;
  return { region: m[1], account: m[2], resourceType, path };
}

/** The load balancer a listener or rule belongs to. */
export function loadBalancerArnOf(listenerOrRuleArn: string): string {
  const parsed = parseElbArn(listenerOrRuleArn);
  if (!parsed || (parsed.resourceType !== "listener" && parsed.resourceType !== "listener-rule")) return "";
  return `arn:aws:elasticloadbalancing:${parsed.region}:${parsed.account}:loadbalancer/${parsed.path.slice(0, 3).join("/")}`;
}

/** The listener a rule belongs to. */
export function listenerArnOf(ruleArn: string): string {
  const parsed = parseElbArn(ruleArn, "listener-rule");
  if (!parsed) return "";
  return `arn:aws:elasticloadbalancing:${parsed.region}:${parsed.account}:listener/${parsed.path.slice(0, 4).join("/")}`;
}
