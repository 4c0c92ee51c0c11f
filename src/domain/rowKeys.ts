// How each kind of record is indexed in the store, derived from the record itself.
import { parseArn, scopeKey, scopeOfAnyArn } from "./arn";
import { type ClusterCounts, containerInstanceCounts, serviceCounts, taskCounts } from "./clusterCounts";
import { listenerArnOf } from "./elbv2Arn";
import type { Records } from "./records";

export interface RowKey {
  readonly arn: string;
  /** "<account>/<region>": resources of one scope are invisible to another. */
  readonly scope: string;
  /** The containing resource (cluster arn for a service, service arn for a task set), or "". */
  readonly parent: string;
  /** A secondary lookup key within the parent: a name, a family, a task's owner. */
  readonly name: string;
  /** When the scheduler must next look at this row (epoch ms), or null. */
  readonly due: number | null;
  /** What this row counts toward its parent; the store keeps the sums per parent (Tx.totals). */
  readonly counts?: ClusterCounts;
}

function key(arn: string | undefined, parent: string | undefined, name: string | undefined, due?: number, counts?: ClusterCounts): RowKey {
  const a = arn ?? "";
  const scope = scopeOfAnyArn(a);
  return { arn: a, scope: scope ? scopeKey(scope) : "", parent: parent ?? "", name: name ?? "", due: due ?? null, counts };
}

/** Where a cluster's retired tasks (TaskRecord.retired) are listed: apart from its live tasks. */
export function retiredTasksParent(clusterArn: string): string {
  return `${clusterArn} retired`;
}

/** The kinds whose rows can count toward their parent. */
export const COUNTED_KINDS: ReadonlySet<keyof Records> = new Set(["service", "task", "containerInstance"]);

export const rowKeyOf: { [K in keyof Records]: (record: Records[K]) => RowKey } = {
  cluster: ({ cluster }) => key(cluster.clusterArn, "", cluster.clusterName),
  taskDefinition: ({ taskDefinition }) => key(taskDefinition.taskDefinitionArn, "", taskDefinition.family),
  service: (r) => key(r.service.serviceArn, r.service.clusterArn, r.service.serviceName, r.reconcileAt, serviceCounts(r.service)),
  taskSet: (r) => key(r.taskSet.taskSetArn, r.taskSet.serviceArn, r.taskSet.id, r.reconcileAt),
  // Revisions and deployments within their service (ListServiceDeployments reads them all).
  serviceRevision: ({ revision }) => key(revision.serviceRevisionArn, revision.serviceArn, revision.serviceRevisionArn?.split("/").pop()),
  serviceDeployment: ({ deployment }) => key(deployment.serviceDeploymentArn, deployment.serviceArn, deployment.serviceDeploymentArn?.split("/").pop()),
  // Tasks are listed by cluster and owner. Owned tasks are stepped by their owner's reconcile; a
  // task is scheduled on its own when it is standalone, or STOPPED and waiting to be forgotten.
  // Retired tasks are filed under their cluster's stopped-task parent, out of every live listing.
  task: (r) =>
    key(
      r.task.taskArn,
      r.retired ? retiredTasksParent(r.task.clusterArn ?? "") : r.task.clusterArn,
      r.owner,
      r.task.lastStatus === "STOPPED" ? r.forgetAt : r.owner === "" ? r.nextStepAt : undefined,
      taskCounts(r),
    ),
  containerInstance: ({ containerInstance }) =>
    key(containerInstance.containerInstanceArn, clusterOfInstance(containerInstance.containerInstanceArn), containerInstance.ec2InstanceId, undefined, containerInstanceCounts(containerInstance)),
  capacityProvider: ({ capacityProvider }) => key(capacityProvider.capacityProviderArn, "", capacityProvider.name),
  accountSetting: ({ arn, setting }) => key(arn, "", setting.name),
  // Elastic Load Balancing: load balancers and target groups by name; listeners within their load
  // balancer, rules within their listener; targets within their group, due when their draining ends.
  loadBalancer: ({ loadBalancer }) => key(loadBalancer.LoadBalancerArn, "", loadBalancer.LoadBalancerName),
  targetGroup: ({ targetGroup }) => key(targetGroup.TargetGroupArn, "", targetGroup.TargetGroupName),
  listener: ({ listener }) => key(listener.ListenerArn, listener.LoadBalancerArn, String(listener.Port ?? "")),
  listenerRule: ({ rule }) => key(rule.RuleArn, listenerArnOf(rule.RuleArn ?? ""), rule.Priority),
  target: (r) => key(r.key, r.targetGroupArn, r.target.Id, r.drainedAt),
  // The event backlog is global (every account's events, in commit order); filters apply on read.
  eventBatch: ({ arn }) => key(arn, "", ""),
  eventMark: ({ arn }) => key(arn, "", ""),
  eventCursor: ({ arn }) => key(arn, "", ""),
};

/** arn:aws:ecs:r:a:container-instance/<cluster>/<id> -> the cluster's ARN. */
function clusterOfInstance(arn: string | undefined): string {
  const parsed = arn ? parseArn(arn) : undefined;
  if (!parsed || parsed.path.length < 2) return "";
  return `arn:aws:ecs:${parsed.region}:${parsed.account}:cluster/${parsed.path[0]}`;
}
