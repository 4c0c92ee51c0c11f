// What ECS fills in on a new service when the request leaves it out: the IAM role it acts with and
// whether Availability Zone rebalancing is on. Pure: values in, values out.
import type { AvailabilityZoneRebalancing, DeploymentControllerType, PlacementStrategy, SchedulingStrategy } from "@aws-sdk/client-ecs";

/** The ECS service-linked role every account has (the AWS CLI's create-service examples show it as roleArn). */
export function serviceLinkedRoleArn(account: string): string {
  return `arn:aws:iam::${account}:role/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS`;
}

/** A role given by name ("ecsServiceRole"), by path and name ("/foo/bar") or by ARN, as the ARN ECS shows. */
export function roleArnOf(account: string, role: string): string {
  if (role.startsWith("arn:")) return role;
  return `arn:aws:iam::${account}:role/${role.replace(/^\/+/, "")}`;
}

export interface ServiceRoleFacts {
  controller: DeploymentControllerType | string;
  /** The task definition's network mode (none for an EXTERNAL service, whose task sets bring their own). */
  networkMode?: string;
  loadBalancers: number;
  serviceRegistries: number;
}

/**
 * Whether the service must act with the service-linked role (then a `role` is refused): awsvpc
 * networking, service discovery, an external controller or several target groups (CreateService's
 * `role` documentation; refusal wording from terraform-provider-aws issue 4657).
 */
export function requiresServiceLinkedRole(facts: ServiceRoleFacts): boolean {
  return facts.networkMode === "awsvpc" || facts.serviceRegistries > 0 || facts.controller === "EXTERNAL" || facts.loadBalancers > 1;
}

/**
 * The roleArn ECS shows: the given role's ARN; else the service-linked role where ECS uses it (also
 * for a load balancer without a role: "that role is used for your service unless you specify a role
 * here"); else none, as for an EC2 bridge service without a load balancer (create-service example 2).
 */
export function serviceRoleArn(account: string, role: string | undefined, facts: ServiceRoleFacts): string | undefined {
  if (role) return roleArnOf(account, role);
  if (requiresServiceLinkedRole(facts) || facts.loadBalancers > 0) return serviceLinkedRoleArn(account);
  return undefined;
}

/**
 * Availability Zone rebalancing of a new service without a value: ENABLED when the service is
 * compatible, since June 2025 (CreateService's documentation; AWS's notice of the change quoted in
 * DistributedScience/Distributed-CellProfiler issue 198 names binpack placement as incompatible).
 * Decision: compatible means a REPLICA service of the ECS controller whose first placement strategy
 * is not binpack; DAEMON services and task-set controllers get DISABLED.
 */
export function defaultAvailabilityZoneRebalancing(facts: {
  controller: DeploymentControllerType | string;
  schedulingStrategy: SchedulingStrategy | string;
  placementStrategy: readonly PlacementStrategy[];
}): AvailabilityZoneRebalancing {
  const compatible = facts.controller === "ECS" && facts.schedulingStrategy === "REPLICA" && facts.placementStrategy[0]?.type !== "binpack";
  return compatible ? "ENABLED" : "DISABLED";
}
