// Which action, resource and condition keys each Elastic Load Balancing v2 operation is authorized
// against, as AWS's "Actions, resources, and condition keys for Elastic Load Balancing V2" lists
// them: Describe* take no resource; changes are checked on the resource they change; a resource
// created with tags also needs elasticloadbalancing:AddTags on it ("tag on create", with
// elasticloadbalancing:CreateAction). Pure: the decoded input and the caller's scope in, targets out.
import type { Scope } from "./arn";
import { arnTypeOf } from "./elbv2Arn";
import type { AuthorizationTarget, ConditionValues } from "./resources";

type Input = Readonly<Record<string, unknown>>;

const str = (value: unknown): string | undefined => (typeof value === "string" && value !== "" ? value : undefined);
const list = (value: unknown): string[] => (Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : []);
const elbArn = (scope: Scope, rest: string) => `arn:aws:elasticloadbalancing:${scope.region}:${scope.account}:${rest}`;

/** aws:RequestTag/<key> and aws:TagKeys for requests that carry ELB tags ({Key, Value}). */
function requestTags(tags: unknown): Record<string, string | string[]> {
  if (!Array.isArray(tags)) return {};
  const context: Record<string, string | string[]> = {};
  const keys: string[] = [];
  for (const tag of tags as { Key?: unknown; Value?: unknown }[]) {
    if (typeof tag?.Key !== "string") continue;
    keys.push(tag.Key);
    context[`aws:RequestTag/${tag.Key}`] = typeof tag.Value === "string" ? tag.Value : "";
  }
  if (keys.length) context["aws:TagKeys"] = keys;
  return context;
}

/** The ARN a listener or rule created under `parentArn` will have, with "*" for its id. */
function childPattern(parentArn: string, from: string, to: string): string {
  return parentArn.includes(from) ? `${parentArn.replace(from, to)}/*` : "*";
}

/** The targets an operation is checked against, in order; every one must be allowed. */
export function elbv2AuthorizationTargets(operation: string, input: Input, scope: Scope): AuthorizationTarget[] {
  const action = `elasticloadbalancing:${operation}`;
  const on = (resource: string, context: ConditionValues = {}): AuthorizationTarget => ({ action, resource, context });
  const created = (resource: string): AuthorizationTarget[] => {
    const tags = requestTags(input.Tags);
    const target = on(resource, tags);
    if (!tags["aws:TagKeys"]) return [target];
    return [target, { action: "elasticloadbalancing:AddTags", resource, context: { ...tags, "elasticloadbalancing:CreateAction": operation } }];
  };

  switch (operation) {
    case "CreateLoadBalancer":
      return created(elbArn(scope, `loadbalancer/${arnTypeOf(str(input.Type))}/${str(input.Name) ?? ""}/*`));
    case "CreateTargetGroup":
      return created(elbArn(scope, `targetgroup/${str(input.Name) ?? ""}/*`));
    case "CreateListener": {
      const loadBalancer = str(input.LoadBalancerArn) ?? "*";
      const listener = childPattern(loadBalancer, ":loadbalancer/", ":listener/");
      const [first, ...tagging] = created(listener);
      return [on(loadBalancer, first.context), ...tagging];
    }
    case "CreateRule": {
      const listener = str(input.ListenerArn) ?? "*";
      const [first, ...tagging] = created(childPattern(listener, ":listener/", ":listener-rule/"));
      return [on(listener, first.context), ...tagging];
    }
    case "DeleteLoadBalancer":
    case "ModifyLoadBalancerAttributes":
    case "SetSecurityGroups":
    case "SetSubnets":
    case "SetIpAddressType":
      return [on(str(input.LoadBalancerArn) ?? "*")];
    case "DeleteTargetGroup":
    case "ModifyTargetGroup":
    case "ModifyTargetGroupAttributes":
    case "RegisterTargets":
    case "DeregisterTargets":
      return [on(str(input.TargetGroupArn) ?? "*")];
    case "DeleteListener":
    case "ModifyListener":
    case "ModifyListenerAttributes":
    case "AddListenerCertificates":
    case "RemoveListenerCertificates":
      return [on(str(input.ListenerArn) ?? "*")];
    case "DeleteRule":
    case "ModifyRule":
      return [on(str(input.RuleArn) ?? "*")];
    case "SetRulePriorities": {
      const rules = (Array.isArray(input.RulePriorities) ? (input.RulePriorities as { RuleArn?: unknown }[]) : []).map((p) => str(p?.RuleArn) ?? "*");
      return (rules.length ? [...new Set(rules)] : ["*"]).map((arn) => on(arn));
    }
    case "AddTags":
      return list(input.ResourceArns).map((arn) => on(arn, requestTags(input.Tags)));
    case "RemoveTags": {
      const keys = list(input.TagKeys);
      return list(input.ResourceArns).map((arn) => on(arn, keys.length ? { "aws:TagKeys": keys } : {}));
    }
    default:
      // Describe* and the account-wide operations name no resource.
      return [on("*")];
  }
}
