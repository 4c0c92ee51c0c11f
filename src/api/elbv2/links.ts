// Which listeners and rules forward to a target group. ELB derives a target group's LoadBalancerArns
// from them, refuses to delete a group still in use, and health checks a group's targets only while
// something routes to it; so whenever a listener's or rule's actions change, the groups it stops or
// starts forwarding to are relinked here, in the same transaction.
import type { Action } from "@aws-sdk/client-elastic-load-balancing-v2";
import { wakeOwnersOfTargetGroup } from "../../coupling/ecsLoadBalancing";
import { forwardedTargetGroups } from "../../domain/elbv2Actions";
import { loadBalancerArnOf } from "../../domain/elbv2Arn";
import type { TargetGroupRecord } from "../../domain/records";
import type { Tx } from "../../store/store";

/** The group with `usedBy` replaced, its LoadBalancerArns and routedSince following from it. */
export function withUsers(record: TargetGroupRecord, usedBy: readonly string[], now: number): TargetGroupRecord {
  const LoadBalancerArns = [...new Set(usedBy.map(loadBalancerArnOf).filter((arn) => arn !== ""))];
  const routedSince = usedBy.length === 0 ? undefined : (record.routedSince ?? now);
  return { ...record, usedBy: [...usedBy], targetGroup: { ...record.targetGroup, LoadBalancerArns }, routedSince };
}

/**
 * Records that `ownerArn` (a listener, for its default actions, or a rule) now forwards as `after`
 * says instead of as `before` did.
 */
export async function relinkTargetGroups(tx: Tx, ownerArn: string, before: readonly Action[] | undefined, after: readonly Action[] | undefined, now: number): Promise<void> {
  const was = new Set(forwardedTargetGroups(before));
  const is = new Set(forwardedTargetGroups(after));
  for (const arn of new Set([...was, ...is])) {
    if (was.has(arn) === is.has(arn)) continue;
    const record = await tx.get("targetGroup", arn);
    if (!record) continue;
    const usedBy = is.has(arn) ? [...record.usedBy.filter((u) => u !== ownerArn), ownerArn] : record.usedBy.filter((u) => u !== ownerArn);
    const next = withUsers(record, usedBy, now);
    await tx.put("targetGroup", next);
    // Starting or stopping to receive traffic changes its targets' health: ECS must look again.
    if ((next.routedSince === undefined) !== (record.routedSince === undefined)) await wakeOwnersOfTargetGroup(tx, arn, now);
  }
}
