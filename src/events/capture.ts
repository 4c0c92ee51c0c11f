// The store, with ECS events captured from the changes written through it. Every transaction's
// writes of tasks, task sets, services and container instances are compared with what they replace
// (derive.ts says what each change means), and the events are appended to the backlog in the same
// transaction: an event exists exactly when the change that causes it was committed, whichever
// replica made it, and a restart loses neither.
import type { EventBatchRecord, Records, TaskRecord } from "../domain/records";
import { instancesWithUsage } from "../domain/instances";
import type { Answer, Kind, ListQuery, Store, Tx } from "../store/store";
import { appendEvents, lastSequence, restoreSequence } from "./backlog";
import { containerInstanceDetail, DETAIL_TYPES } from "./detail";
import { instanceChanged, instanceTouchedBy, type PendingEvent, serviceEvents, taskEvent, taskSetEvents } from "./derive";

/** Runs `next` on an answer now, or once it arrives. */
function then<T, U>(answer: Answer<T>, next: (value: T) => Answer<U>): Answer<U> {
  return answer instanceof Promise ? answer.then(next) : next(answer);
}

const WATCHED: ReadonlySet<Kind> = new Set<Kind>(["task", "taskSet", "service", "containerInstance"]);

export interface EventCaptureOptions {
  /** Events kept in the backlog; 0 captures none. */
  readonly backlog: number;
  readonly now: () => number;
  readonly uuid: () => string;
}

/** One transaction's view of the store, noting what each write changes. */
class TransactionCapture {
  /** The latest version of each watched record this transaction has seen, by kind and ARN. */
  private readonly seen = new Map<string, unknown>();
  private readonly events: PendingEvent[] = [];
  /** Instances whose own version moved, and instances whose resources tasks took or gave back. */
  private readonly changedInstances = new Set<string>();
  private readonly touchedInstances = new Set<string>();
  readonly tx: Tx;

  constructor(
    private readonly inner: Tx,
    private readonly nowMs: number,
  ) {
    const remember = <K extends Kind>(kind: K, record: Records[K] | undefined, arn: string) => {
      if (record && WATCHED.has(kind)) this.seen.set(`${kind} ${arn}`, record);
      return record;
    };
    this.tx = {
      get: (kind, arn) => then(inner.get(kind, arn), (record) => remember(kind, record, arn)),
      list: (kind, query: ListQuery) =>
        then(inner.list(kind, query), (records) => {
          if (WATCHED.has(kind)) for (const record of records) this.seen.set(`${kind} ${arnOf(kind, record)}`, record);
          return records;
        }),
      put: (kind, doc) => this.put(kind, doc),
      remove: (kind, arn) => {
        this.seen.delete(`${kind} ${arn}`);
        return inner.remove(kind, arn);
      },
      count: (kind, query) => inner.count(kind, query),
      totals: (scope, parent) => inner.totals(scope, parent),
      due: (now, limit) => inner.due(now, limit),
      nextDue: () => inner.nextDue(),
      postpone: (kind, arn, until) => inner.postpone(kind, arn, until),
      claim: (kind, arn) => inner.claim(kind, arn),
    };
  }

  private put<K extends Kind>(kind: K, doc: Records[K]): Answer<void> {
    if (!WATCHED.has(kind)) return this.inner.put(kind, doc);
    const arn = arnOf(kind, doc);
    const key = `${kind} ${arn}`;
    const known = this.seen.get(key) as Records[K] | undefined;
    // A task is born at version 1 (lifecycle.ts): one not seen before is new, nothing to look up.
    const isNewTask = kind === "task" && (doc as TaskRecord).task.version === 1;
    const before: Answer<Records[K] | undefined> = known !== undefined || isNewTask ? known : this.inner.get(kind, arn);
    return then(before, (previous) => {
      this.note(kind, previous, doc);
      this.seen.set(key, doc);
      return this.inner.put(kind, doc);
    });
  }

  private note<K extends Kind>(kind: K, before: Records[K] | undefined, after: Records[K]): void {
    if (kind === "task") {
      const [was, now] = [before as TaskRecord | undefined, after as TaskRecord];
      const event = taskEvent(was, now);
      if (event) this.events.push(event);
      const instance = instanceTouchedBy(was, now);
      if (instance) this.touchedInstances.add(instance);
    } else if (kind === "taskSet") {
      this.events.push(...taskSetEvents(before as Records["taskSet"] | undefined, after as Records["taskSet"], this.nowMs));
    } else if (kind === "service") {
      this.events.push(...serviceEvents(before as Records["service"] | undefined, after as Records["service"], this.nowMs));
    } else if (kind === "containerInstance") {
      const [was, now] = [before as Records["containerInstance"] | undefined, after as Records["containerInstance"]];
      if (instanceChanged(was, now)) this.changedInstances.add(now.containerInstance.containerInstanceArn ?? "");
    }
  }

  /**
   * The container instance events, with the instances' usage as of the end of the transaction. An
   * instance whose resources tasks took or gave back changed state: its version moves.
   */
  private async instanceEvents(): Promise<PendingEvent[]> {
    for (const arn of this.touchedInstances) {
      if (this.changedInstances.has(arn)) continue;
      const record = await this.inner.get("containerInstance", arn);
      if (!record) continue;
      const next = { ...record, containerInstance: { ...record.containerInstance, version: (record.containerInstance.version ?? 0) + 1 } };
      await this.inner.put("containerInstance", next);
      this.seen.set(`containerInstance ${arn}`, next);
      this.changedInstances.add(arn);
    }
    const byCluster = new Map<string, Records["containerInstance"][]>();
    for (const arn of this.changedInstances) {
      const record = this.seen.get(`containerInstance ${arn}`) as Records["containerInstance"] | undefined;
      if (!record) continue;
      const clusterArn = clusterOfInstance(arn);
      byCluster.set(clusterArn, [...(byCluster.get(clusterArn) ?? []), record]);
    }
    const events: PendingEvent[] = [];
    for (const [clusterArn, records] of byCluster) {
      const { account, region } = scopeOf(clusterArn);
      const tasks = await this.inner.list("task", { scope: `${account}/${region}`, parent: clusterArn });
      for (const instance of instancesWithUsage(records.map((r) => r.containerInstance), tasks)) {
        const arn = instance.containerInstanceArn ?? "";
        events.push({ event: { detailType: DETAIL_TYPES.containerInstance, account, region, resources: [arn], clusterArn, detail: containerInstanceDetail(instance, clusterArn, this.nowMs) } });
      }
    }
    return events;
  }

  /** Appends what the transaction's writes mean to the backlog; the batch written, or undefined when none. */
  finish(options: EventCaptureOptions): Answer<EventBatchRecord | undefined> {
    const withInstances: Answer<PendingEvent[]> =
      this.touchedInstances.size || this.changedInstances.size ? this.instanceEvents().then((instanceEvents) => [...this.events, ...instanceEvents]) : this.events;
    return then(withInstances, (events) => (events.length ? appendEvents(this.inner, events, { ...options, nowMs: this.nowMs }) : undefined));
  }
}

function arnOf(kind: Kind, record: unknown): string {
  const r = record as Records[Kind];
  switch (kind) {
    case "task":
      return (r as Records["task"]).task.taskArn ?? "";
    case "taskSet":
      return (r as Records["taskSet"]).taskSet.taskSetArn ?? "";
    case "service":
      return (r as Records["service"]).service.serviceArn ?? "";
    case "containerInstance":
      return (r as Records["containerInstance"]).containerInstance.containerInstanceArn ?? "";
    default:
      return "";
  }
}

/** arn:aws:ecs:r:a:container-instance/<cluster>/<id> -> arn:aws:ecs:r:a:cluster/<cluster>. */
function clusterOfInstance(arn: string): string {
  const m = /^(arn:[^:]+:ecs:[^:]*:[^:]*:)container-instance\/([^/]+)\//.exec(arn);
  return m ? `${m[1]}cluster/${m[2]}` : "";
}

function scopeOf(arn: string): { account: string; region: string } {
  const [, , , region = "", account = ""] = arn.split(":");
  return { account, region };
}

/** Hears of each commit that wrote events, with the batch it wrote (events/backlog.ts eventsOf renders its events). */
export type CommitListener = (batch: EventBatchRecord) => void;

/** A Store whose transactions capture ECS events; listeners hear of each commit that wrote some. */
export class EventCapturingStore implements Store {
  private readonly listeners = new Set<CommitListener>();

  constructor(
    readonly inner: Store,
    private readonly options: EventCaptureOptions,
  ) {}

  get description(): string {
    return this.inner.description;
  }

  onCommit(listener: CommitListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async transaction<T>(fn: (tx: Tx) => T | Promise<T>): Promise<T> {
    if (this.options.backlog <= 0) return this.inner.transaction(fn);
    let written: EventBatchRecord | undefined;
    const value = await this.inner.transaction((tx) => {
      // A retried transaction (PostgreSQL serialization) starts its capture afresh.
      written = undefined;
      const capture = new TransactionCapture(tx, this.options.now());
      return then(fn(capture.tx), (result) =>
        then(capture.finish(this.options), (events) => {
          written = events;
          return result;
        }),
      );
    });
    if (written) for (const listener of this.listeners) listener(written);
    return value;
  }

  /** Empties every resource; event numbering continues where it was, so no reader sees a number twice. */
  async reset(): Promise<void> {
    const last = await this.inner.transaction((tx) => lastSequence(tx));
    await this.inner.reset();
    if (last > 0) await this.inner.transaction((tx) => restoreSequence(tx, last));
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
