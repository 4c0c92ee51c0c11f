// Which action, resource and condition keys each ECS operation is authorized against, as AWS's
// "Actions, resources, and condition keys for Amazon ECS" reference lists them (docs/auth.md has
// the table and the choices). Pure: the decoded input and the caller's scope in, targets out.
import { arns, isArn, nameOf, type Scope } from "./arn";
import { elbv2AuthorizationTargets } from "./resourcesElbv2";

export type ConditionValues = Readonly<Record<string, string | readonly string[]>>;

export interface AuthorizationTarget {
  /** "ecs:UpdateTaskSet" */
  readonly action: string;
  /**
   * A resource ARN, or "*" for actions that take none. A resource that does not exist yet and whose
   * ARN the call will choose (a new task set, task, revision) ends in "/*" or ":*".
   */
  readonly resource: string;
  readonly context: ConditionValues;
}

type Input = Readonly<Record<string, unknown>>;

const str = (value: unknown): string | undefined => (typeof value === "string" && value !== "" ? value : undefined);
const list = (value: unknown): string[] => (Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : []);
const ecsArn = (scope: Scope, rest: string) => `arn:aws:ecs:${scope.region}:${scope.account}:${rest}`;

function clusterOf(input: Input): string {
  return nameOf(str(input.cluster) ?? "default");
}

function clusterArn(scope: Scope, cluster: string | undefined): string {
  const value = cluster ?? "default";
  return isArn(value) ? value : arns.cluster(scope, value);
}

function serviceArn(scope: Scope, input: Input, service: string): string {
  return isArn(service) ? service : arns.service(scope, clusterOf(input), service);
}

function taskSetArn(scope: Scope, input: Input, taskSet: string): string {
  return isArn(taskSet) ? taskSet : arns.taskSet(scope, clusterOf(input), nameOf(str(input.service) ?? ""), taskSet);
}

function taskArn(scope: Scope, input: Input, task: string): string {
  return isArn(task) ? task : arns.task(scope, clusterOf(input), task);
}

function containerInstanceArn(scope: Scope, input: Input, instance: string): string {
  return isArn(instance) ? instance : arns.containerInstance(scope, clusterOf(input), instance);
}

function capacityProviderArn(scope: Scope, provider: string): string {
  return isArn(provider) ? provider : arns.capacityProvider(scope, provider);
}

/** "web:3", "web" or an ARN; a reference without a revision stands for any revision ("web:*"). */
function taskDefinitionArn(scope: Scope, reference: string): string {
  const arn = isArn(reference) ? reference : ecsArn(scope, `task-definition/${reference}`);
  return /task-definition\/[^:/]+$/.test(arn) ? `${arn}:*` : arn;
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

/** Resources to be created with tags need ecs:TagResource on them too ("tag on create"). */
function withTagOnCreate(operation: string, input: Input, target: AuthorizationTarget, created = target.resource): AuthorizationTarget[] {
  const tags = requestTags(input.tags);
  if (!tags["aws:TagKeys"]) return [target];
  return [target, { action: "ecs:TagResource", resource: created, context: { ...tags, "ecs:CreateAction": operation } }];
}

/** The targets an operation of a service ("ecs", "elasticloadbalancing") is checked against, in order. */
export function authorizationTargets(service: string, operation: string, input: Input, scope: Scope): AuthorizationTarget[] {
  return service === "elasticloadbalancing" ? elbv2AuthorizationTargets(operation, input, scope) : ecsAuthorizationTargets(operation, input, scope);
}

/** The targets an ECS operation is checked against, in order; every one must be allowed. */
export function ecsAuthorizationTargets(operation: string, input: Input, scope: Scope): AuthorizationTarget[] {
  const action = `ecs:${operation}`;
  const on = (resource: string, context: ConditionValues = {}): AuthorizationTarget => ({ action, resource, context });
  const cluster = clusterArn(scope, str(input.cluster));
  const inCluster = { "ecs:cluster": cluster };
  const inService = () => ({ ...inCluster, "ecs:service": serviceArn(scope, input, str(input.service) ?? "") });

  switch (operation) {
    // Clusters
    case "CreateCluster": {
      const arn = arns.cluster(scope, str(input.clusterName) ?? "default");
      return withTagOnCreate(operation, input, on(arn, requestTags(input.tags)));
    }
    case "DescribeClusters":
      return (list(input.clusters).length ? list(input.clusters) : ["default"]).map((c) => on(clusterArn(scope, c)));
    case "UpdateCluster":
    case "UpdateClusterSettings":
    case "DeleteCluster":
    case "ListContainerInstances":
    case "ListAttributes":
    case "DeregisterContainerInstance":
      return [on(cluster)];
    case "PutClusterCapacityProviders":
      return [on(cluster, { "ecs:capacity-provider": list(input.capacityProviders).map((p) => capacityProviderArn(scope, p)) })];

    // Services and task sets
    case "CreateService":
      return withTagOnCreate(operation, input, on(serviceArn(scope, input, str(input.serviceName) ?? ""), { ...inCluster, ...requestTags(input.tags) }));
    case "UpdateService":
    case "DeleteService":
    case "UpdateServicePrimaryTaskSet":
      return [on(serviceArn(scope, input, str(input.service) ?? ""), inCluster)];
    case "DescribeServices":
      return list(input.services).map((s) => on(serviceArn(scope, input, s), inCluster));
    case "ListServices":
      return [on("*", inCluster)];
    case "ListServicesByNamespace":
      return [on("*", str(input.namespace) ? { "ecs:namespace": str(input.namespace) as string } : {})];
    case "CreateTaskSet": {
      const created = taskSetArn(scope, input, "*");
      return withTagOnCreate(operation, input, on(created, { ...inService(), ...requestTags(input.tags) }));
    }
    case "UpdateTaskSet":
    case "DeleteTaskSet":
      return [on(taskSetArn(scope, input, str(input.taskSet) ?? ""), inService())];
    case "DescribeTaskSets": {
      const sets = list(input.taskSets);
      return (sets.length ? sets : ["*"]).map((t) => on(taskSetArn(scope, input, t), inService()));
    }

    // Task definitions
    case "RegisterTaskDefinition":
      return withTagOnCreate(operation, input, on(taskDefinitionArn(scope, str(input.family) ?? ""), requestTags(input.tags)));
    case "DeleteTaskDefinitions":
      return list(input.taskDefinitions).map((t) => on(taskDefinitionArn(scope, t)));

    // Tasks
    case "RunTask":
    case "StartTask": {
      const instances = list(input.containerInstances).map((i) => containerInstanceArn(scope, input, i));
      const context = { ...inCluster, ...requestTags(input.tags), ...(operation === "StartTask" ? { "ecs:container-instances": instances } : {}) };
      return withTagOnCreate(operation, input, on(taskDefinitionArn(scope, str(input.taskDefinition) ?? ""), context), arns.task(scope, nameOf(cluster), "*"));
    }
    case "StopTask":
      return [on(taskArn(scope, input, str(input.task) ?? ""), inCluster)];
    case "DescribeTasks":
    case "GetTaskProtection":
    case "UpdateTaskProtection":
      return list(input.tasks).map((t) => on(taskArn(scope, input, t), inCluster));
    case "ListTasks":
      return [on(containerInstanceArn(scope, input, str(input.containerInstance) ?? "*"), inCluster)];

    // Container instances and attributes
    case "RegisterContainerInstance":
      return withTagOnCreate(operation, input, on(cluster, requestTags(input.tags)), arns.containerInstance(scope, nameOf(cluster), "*"));
    case "DescribeContainerInstances":
    case "UpdateContainerInstancesState":
      return list(input.containerInstances).map((i) => on(containerInstanceArn(scope, input, i), inCluster));
    case "PutAttributes":
    case "DeleteAttributes": {
      const targets = (Array.isArray(input.attributes) ? (input.attributes as { targetId?: unknown }[]) : []).map((a) => containerInstanceArn(scope, input, str(a?.targetId) ?? "*"));
      return [...new Set(targets.length ? targets : [containerInstanceArn(scope, input, "*")])].map((arn) => on(arn, inCluster));
    }

    // Capacity providers
    case "CreateCapacityProvider":
      return withTagOnCreate(operation, input, on(capacityProviderArn(scope, str(input.name) ?? ""), requestTags(input.tags)));
    case "UpdateCapacityProvider":
      return [on(capacityProviderArn(scope, str(input.name) ?? ""))];
    case "DeleteCapacityProvider":
      return [on(capacityProviderArn(scope, str(input.capacityProvider) ?? ""))];
    case "DescribeCapacityProviders": {
      const providers = list(input.capacityProviders);
      return (providers.length ? providers : ["*"]).map((p) => on(capacityProviderArn(scope, p)));
    }

    // Tags
    case "TagResource":
      return [on(str(input.resourceArn) ?? "*", requestTags(input.tags))];
    case "UntagResource":
      return [on(str(input.resourceArn) ?? "*", list(input.tagKeys).length ? { "aws:TagKeys": list(input.tagKeys) } : {})];
    case "ListTagsForResource":
      return [on(str(input.resourceArn) ?? "*")];

    // Account settings
    case "PutAccountSetting":
    case "PutAccountSettingDefault":
    case "DeleteAccountSetting":
      return [on("*", str(input.name) ? { "ecs:account-setting": str(input.name) as string } : {})];

    default:
      // ListClusters, ListTaskDefinitions, ListTaskDefinitionFamilies, DescribeTaskDefinition,
      // DeregisterTaskDefinition, ListAccountSettings: AWS names no resource for these.
      return [on("*")];
  }
}
