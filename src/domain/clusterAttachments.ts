// The attachments ECS keeps on a cluster for what it manages on the cluster's behalf: a scaling
// policy (as_policy) for each Auto Scaling group capacity provider with managed scaling, a lifecycle
// hook (managed_draining) for each with managed draining, and a Service Connect attachment (sc) for
// its default namespace (the AWS CLI's create-cluster, describe-clusters, put-cluster-capacity-
// providers and update-cluster examples). A change is in progress for one step, then complete.
// Pure: values in, values out.
import type { Attachment, CapacityProvider, Cluster } from "@aws-sdk/client-ecs";
import type { Wire } from "../protocol/wire";

/** A change of attachments: the statuses shown until it settles (epoch ms). */
export interface AttachmentsInProgress {
  readonly settlesAt: number;
  /** attachment id -> status while in progress (PRECREATED for new ones, DELETING for removed ones). */
  readonly statuses: Readonly<Record<string, string>>;
}

interface WantedAttachment {
  type: "as_policy" | "managed_draining";
  capacityProviderName: string;
}

/** Deleted attachments stay listed (DELETED) for a while; this many at most. */
const MAX_DELETED_SHOWN = 10;
export const MANAGED_DRAINING_HOOK = "ecs-managed-draining-termination-hook";

function providerAttachments(providers: readonly Wire<CapacityProvider>[]): WantedAttachment[] {
  const wanted: WantedAttachment[] = [];
  for (const provider of providers) {
    const group = provider.autoScalingGroupProvider;
    if (!group || !provider.name) continue;
    if (group.managedScaling?.status === "ENABLED") wanted.push({ type: "as_policy", capacityProviderName: provider.name });
    if (group.managedDraining === "ENABLED") wanted.push({ type: "managed_draining", capacityProviderName: provider.name });
  }
  return wanted;
}

function providerOf(attachment: Wire<Attachment>): string | undefined {
  return attachment.details?.find((d) => d.name === "capacityProviderName")?.value;
}

/**
 * The attachments after a change to the cluster's capacity providers or Service Connect namespace,
 * and which of them are in progress. Unchanged attachments keep their ids; `uuid` names new ones.
 */
export function nextAttachments(
  current: readonly Wire<Attachment>[],
  providers: readonly Wire<CapacityProvider>[],
  serviceConnect: { wanted: boolean; changed: boolean },
  uuid: () => string,
): { attachments: Wire<Attachment>[]; inProgress: Record<string, string> } {
  const live = current.filter((a) => a.status !== "DELETED");
  const kept: Wire<Attachment>[] = [];
  const created: Wire<Attachment>[] = [];
  const inProgress: Record<string, string> = {};
  for (const want of providerAttachments(providers)) {
    const existing = live.find((a) => a.type === want.type && providerOf(a) === want.capacityProviderName);
    if (existing) {
      kept.push(existing);
      continue;
    }
    const id = uuid();
    const second = want.type === "as_policy" ? { name: "scalingPolicyName", value: `ECSManagedAutoScalingPolicy-${uuid()}` } : { name: "autoScalingLifecycleHookName", value: MANAGED_DRAINING_HOOK };
    created.push({ id, type: want.type, status: "CREATED", details: [{ name: "capacityProviderName", value: want.capacityProviderName }, second] });
    inProgress[id] = "PRECREATED";
  }
  const liveServiceConnect = live.find((a) => a.type === "sc");
  if (serviceConnect.wanted && liveServiceConnect && !serviceConnect.changed) kept.push(liveServiceConnect);
  else if (serviceConnect.wanted) {
    const id = uuid();
    created.push({ id, type: "sc", status: "ATTACHED", details: [] });
    inProgress[id] = "PRECREATED";
  }
  const removed = live.filter((a) => !kept.includes(a)).map((a) => ({ ...a, status: "DELETED" }));
  for (const a of removed) inProgress[a.id ?? ""] = "DELETING";
  const earlierDeleted = current.filter((a) => a.status === "DELETED");
  const deleted = [...removed, ...earlierDeleted].slice(0, MAX_DELETED_SHOWN);
  return { attachments: [...kept, ...created, ...deleted], inProgress };
}

/**
 * The cluster's attachments and attachmentsStatus as ECS shows them at `now`: a change still in
 * progress shows its in-progress statuses and UPDATE_IN_PROGRESS, a settled one UPDATE_COMPLETE.
 * `writing` presents the answer of the request that made the change (always in progress).
 */
export function presentedAttachments(
  cluster: Pick<Wire<Cluster>, "attachments">,
  inProgress: AttachmentsInProgress | undefined,
  now: number,
  writing = false,
): Pick<Wire<Cluster>, "attachments" | "attachmentsStatus"> {
  const attachments = cluster.attachments ?? [];
  if (attachments.length === 0) return {};
  const pending = inProgress && (writing || now < inProgress.settlesAt) ? inProgress.statuses : undefined;
  return {
    attachments: attachments.map((a) => (pending?.[a.id ?? ""] ? { ...a, status: pending[a.id ?? ""] } : a)),
    attachmentsStatus: pending && Object.keys(pending).length ? "UPDATE_IN_PROGRESS" : "UPDATE_COMPLETE",
  };
}
