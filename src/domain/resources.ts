// Which resource each ECS operation is authorized against, and with which condition keys, as the
// "Actions, resources, and condition keys for Amazon ECS" reference describes (docs/auth.md lists
// the choices). Pure: the decoded input and the caller's scope in, ARNs and keys out.
import { arns, isArn, type Scope } from "./arn";

export interface AuthorizationTarget {
  /** A resource ARN, or "*" for actions that take no resource. */
  readonly resource: string;
  readonly context: Readonly<Record<string, string | readonly string[]>>;
}

type Input = Readonly<Record<string, unknown>>;

const str = (value: unknown): string | undefined => (typeof value === "string" ? value : undefined);
const list = (value: unknown): string[] => (Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : []);

function clusterName(input: Input): string {
  const cluster = str(input.cluster) ?? "default";
  return isArn(cluster) ? cluster.slice(cluster.lastIndexOf("/") + 1) : cluster;
}

function clusterArn(scope: Scope, input: Input): string {
  const cluster = str(input.cluster) ?? "default";
  return isArn(cluster) ? cluster : arns.cluster(scope, cluster);
}

function serviceArn(scope: Scope, input: Input, service: string | undefined): string {
  const value = service ?? "";
  return isArn(value) ? value : arns.service(scope, clusterName(input), value);
}

function serviceNameOf(service: string): string {
  return service.slice(service.lastIndexOf("/") + 1);
}

function taskSetArn(scope: Scope, input: Input, taskSet: string): string {
  if (isArn(taskSet)) return taskSet;
  return arns.taskSet(scope, clusterName(input), serviceNameOf(str(input.service) ?? ""), taskSet);
}

function taskArn(scope: Scope, input: Input, task: string): string {
  return isArn(task) ? task : arns.task(scope, clusterName(input), task);
}

function instanceArn(scope: Scope, input: Input, instance: string): string {
  return isArn(instance) ? instance : arns.containerInstance(scope, clusterName(input), instance);
}

/** aws:RequestTag/<key> and aws:TagKeys for requests that carry tags. */
function requestTags(tags: unknown): Record<string, string | string[]> {
  if (!Array.isArray(tags)) return {};
  const context: Record<string, string | string[]> = {};
  const keys: string[] = [];
  for (const tag of tags as { key?: unknown; value?: unknown }[]) {
    if (typeof tag?.key !== "string") continue;
    keys.push(tag.key);
    context[`aws:RequestTag/${tag.key}`] = typeof tag.value === "string" ? tag.value : "";
  }
  if (keys.length) context["aws:TagKeys"] = keys;
  return context;
}

/** The resources an operation is checked against (each must be allowed). */
export function authorizationTargets(operation: string, input: Input, scope: Scope): AuthorizationTarget[] {
  const cluster = clusterArn(scope, input);
  const inCluster = { "ecs:cluster": cluster };
  const service = (name: string | undefined) => {
    const arn = serviceArn(scope, input, name);
    return { resource: arn, context: { ...inCluster, "ecs:service": arn } };
  };
  switch (operation) {
    case "CreateCluster":
      return [{ resource: arns.cluster(scope, str(input.clusterName) ?? "default"), context: requestTags(input.tags) }];
    case "DescribeClusters":
      return (list(input.clusters).length ? list(input.clusters) : ["default"]).map((c) => ({ resource: isArn(c) ? c : arns.cluster(scope, c), context: {} }));
    case "UpdateCluster":
    case "UpdateClusterSettings":
    case "DeleteCluster":
    case "PutClusterCapacityProviders":
    case "RegisterContainerInstance":
    case "ListContainerInstances":
    case "PutAttributes":
    case "DeleteAttributes":
    case "ListAttributes":
      return [{ resource: cluster, context: operation === "RegisterContainerInstance" ? requestTags(input.tags) : {} }];
    case "CreateService":
      return [{ ...service(str(input.serviceName)), context: { ...service(str(input.serviceName)).context, ...requestTags(input.tags) } }];
    case "UpdateService":
    case "DeleteService":
    case "CreateTaskSet":
    case "DescribeTaskSets":
    case "UpdateServicePrimaryTaskSet": {
      const target = service(str(input.service));
      return [{ ...target, context: { ...target.context, ...(operation === "CreateTaskSet" ? requestTags(input.tags) : {}) } }];
    }
    case "DescribeServices":
      return list(input.services).map((s) => service(s));
    case "UpdateTaskSet":
    case "DeleteTaskSet": {
      const owner = service(str(input.service));
      return [{ resource: taskSetArn(scope, input, str(input.taskSet) ?? ""), context: owner.context }];
    }
    case "ListServices":
    case "ListTasks":
      return [{ resource: "*", context: inCluster }];
    case "RunTask":
    case "StartTask": {
      const reference = str(input.taskDefinition) ?? "";
      const resource = isArn(reference) ? reference : `arn:aws:ecs:${scope.region}:${scope.account}:task-definition/${reference}`;
      return [{ resource, context: { ...inCluster, ...requestTags(input.tags) } }];
    }
    case "StopTask":
      return [{ resource: taskArn(scope, input, str(input.task) ?? ""), context: inCluster }];
    case "DescribeTasks":
    case "UpdateTaskProtection":
    case "GetTaskProtection":
      return list(input.tasks).map((t) => ({ resource: taskArn(scope, input, t), context: inCluster }));
    case "DescribeContainerInstances":
    case "UpdateContainerInstancesState":
      return list(input.containerInstances).map((i) => ({ resource: instanceArn(scope, input, i), context: inCluster }));
    case "DeregisterContainerInstance":
      return [{ resource: instanceArn(scope, input, str(input.containerInstance) ?? ""), context: inCluster }];
    case "TagResource":
      return [{ resource: str(input.resourceArn) ?? "*", context: requestTags(input.tags) }];
    case "UntagResource":
      return [{ resource: str(input.resourceArn) ?? "*", context: list(input.tagKeys).length ? { "aws:TagKeys": list(input.tagKeys) } : {} }];
    case "ListTagsForResource":
      return [{ resource: str(input.resourceArn) ?? "*", context: {} }];
    case "CreateCapacityProvider":
      return [{ resource: arns.capacityProvider(scope, str(input.name) ?? ""), context: requestTags(input.tags) }];
    case "UpdateCapacityProvider":
    case "DeleteCapacityProvider": {
      const name = str(input.name) ?? str(input.capacityProvider) ?? "";
      return [{ resource: isArn(name) ? name : arns.capacityProvider(scope, name), context: {} }];
    }
    case "RegisterTaskDefinition":
      return [{ resource: "*", context: requestTags(input.tags) }];
    default:
      // List, describe and account-level operations that AWS checks against "*".
      return [{ resource: "*", context: {} }];
  }
}
