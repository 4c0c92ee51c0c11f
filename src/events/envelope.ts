// ECS events in EventBridge's envelope, and the filters a reader of the stream can ask for.
import type { StoredEvent } from "../domain/records";

export interface EcsEvent {
  version: "0";
  id: string;
  "detail-type": string;
  source: "aws.ecs";
  account: string;
  /** Second precision, as EventBridge writes it: "2020-01-23T17:57:58Z". */
  time: string;
  region: string;
  resources: string[];
  detail: Record<string, unknown>;
}

export function envelope(event: StoredEvent): EcsEvent {
  return {
    version: "0",
    id: event.id,
    "detail-type": event.detailType,
    source: "aws.ecs",
    account: event.account,
    time: `${new Date(event.time).toISOString().slice(0, 19)}Z`,
    region: event.region,
    resources: event.resources,
    detail: event.detail,
  };
}

export interface EventFilter {
  readonly detailTypes?: ReadonlySet<string>;
  /** A cluster name or ARN. */
  readonly cluster?: string;
  readonly account?: string;
  readonly region?: string;
}

/** `?detail-type=ECS%20Task%20State%20Change&detail-type=...&cluster=web&account=...&region=...` */
export function filterFromQuery(params: URLSearchParams): EventFilter {
  const detailTypes = params.getAll("detail-type").filter(Boolean);
  const one = (name: string) => params.get(name) || undefined;
  return {
    ...(detailTypes.length ? { detailTypes: new Set(detailTypes) } : {}),
    ...(one("cluster") ? { cluster: one("cluster") } : {}),
    ...(one("account") ? { account: one("account") } : {}),
    ...(one("region") ? { region: one("region") } : {}),
  };
}

export function matches(filter: EventFilter, event: StoredEvent): boolean {
  if (filter.detailTypes && !filter.detailTypes.has(event.detailType)) return false;
  if (filter.account && filter.account !== event.account) return false;
  if (filter.region && filter.region !== event.region) return false;
  if (filter.cluster) {
    const wanted = filter.cluster;
    if (wanted.startsWith("arn:") ? event.clusterArn !== wanted : !event.clusterArn.endsWith(`:cluster/${wanted}`)) return false;
  }
  return true;
}
