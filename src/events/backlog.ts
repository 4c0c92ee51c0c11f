// The event backlog: each committed transaction's events are one row, numbered in commit order by a
// counter row that every event-writing transaction updates (under PostgreSQL's SERIALIZABLE, two
// replicas writing events at once conflict and one retries, so numbers follow commit order and a
// reader that resumes after number N misses nothing). Each batch has a small mark row with only
// its numbers, so the oldest batches are found and dropped without reading their events; the
// backlog holds about `backlog` events.
import type { BacklogEntry, EventBatchRecord, EventContent, StoredEvent, TaskSnapshot } from "../domain/records";
import type { Answer, Tx } from "../store/store";
import { packSnapshot, unpackSnapshot } from "./compact";
import { type PendingEvent, taskEventContent } from "./derive";

const COUNTER = "events/last";
const BATCH_PREFIX = "events/";
const ALL = { scope: "", parent: "" } as const;

function then<T, U>(answer: Answer<T>, next: (value: T) => Answer<U>): Answer<U> {
  return answer instanceof Promise ? answer.then(next) : next(answer);
}

/** Batches sort by the last number they hold: "events/0000000000000042". */
export function batchArn(lastSeq: number): string {
  return `${BATCH_PREFIX}${String(lastSeq).padStart(16, "0")}`;
}

/** The number of the last event written (0 before the first). */
export function lastSequence(tx: Tx): Answer<number> {
  return then(tx.get("eventCursor", COUNTER), (counter) => counter?.seq ?? 0);
}

export function restoreSequence(tx: Tx, seq: number): Answer<void> {
  return tx.put("eventCursor", { arn: COUNTER, seq });
}

/**
 * Numbers the events, writes them as one batch, and drops batches that fell out of the backlog. The
 * batch keeps each event in its compact form (a task event as the task's snapshot): building and
 * storing the full envelope and detail of every task change is most of what capturing costs, and
 * only a reader needs them (eventsOf renders them from the batch).
 */
export function appendEvents(tx: Tx, events: readonly PendingEvent[], options: { backlog: number; nowMs: number; uuid: () => string }): Answer<EventBatchRecord> {
  return then(lastSequence(tx), (last) => {
    let previous: TaskSnapshot | undefined;
    const entries: BacklogEntry[] = events.map((event) => {
      if (!("task" in event)) return { id: options.uuid(), event: event.event };
      const packed = packSnapshot(event.task, previous);
      previous = event.task;
      return { id: options.uuid(), ...packed };
    });
    const lastSeq = last + events.length;
    const batch: EventBatchRecord = { arn: batchArn(lastSeq), firstSeq: last + 1, lastSeq, time: options.nowMs, entries };
    // Pruning looks at the marks every so many events (a sixteenth of the backlog, at most 64), not on every write.
    const every = Math.max(1, Math.min(64, Math.floor(options.backlog / 16)));
    const pruneDue = Math.floor(last / every) !== Math.floor(lastSeq / every);
    return then(tx.put("eventBatch", batch), () =>
      then(tx.put("eventMark", { arn: batch.arn, firstSeq: batch.firstSeq, lastSeq }), () =>
        then(tx.put("eventCursor", { arn: COUNTER, seq: lastSeq }), () => then(pruneDue ? prune(tx, lastSeq - options.backlog) : undefined, () => batch)),
      ),
    );
  });
}

/** The batch's events numbered above `afterSeq` (at most `limit`), as readers see them. */
export function eventsOf(batch: EventBatchRecord, afterSeq = 0, limit = Infinity): StoredEvent[] {
  if ("events" in batch) return batch.events.filter((event) => event.seq > afterSeq).slice(0, limit);
  const out: StoredEvent[] = [];
  const from = afterSeq - batch.firstSeq + 1;
  // Task snapshots are unpacked from the batch's first on: each may refer to the one before.
  let previous: TaskSnapshot | undefined;
  for (let i = 0; i < batch.entries.length && out.length < limit; i++) {
    const entry = batch.entries[i];
    let content: EventContent | undefined;
    if ("task" in entry) {
      const snapshot = unpackSnapshot(entry, previous);
      previous = snapshot;
      if (i >= from) content = taskEventContent(snapshot, batch.time);
    } else if (i >= from) content = entry.event;
    if (content) out.push({ seq: batch.firstSeq + i, id: entry.id, time: batch.time, ...content });
  }
  return out;
}

const PRUNE_PAGE = 64;

/** Removes the batches whose every event is at or below `upTo`. */
function prune(tx: Tx, upTo: number): Answer<void> {
  if (upTo <= 0) return undefined;
  return then(tx.list("eventMark", { ...ALL, limit: PRUNE_PAGE }), (oldest) => {
    const gone = oldest.filter((mark) => mark.lastSeq <= upTo);
    let done: Answer<void> = undefined;
    for (const mark of gone) done = then(done, () => then(tx.remove("eventBatch", mark.arn), () => tx.remove("eventMark", mark.arn)));
    // A full page gone means more may follow.
    return gone.length === oldest.length && oldest.length === PRUNE_PAGE ? then(done, () => prune(tx, upTo)) : done;
  });
}

/** Up to `limit` events numbered above `afterSeq`, in order. */
export async function readEvents(tx: Tx, afterSeq: number, limit: number): Promise<StoredEvent[]> {
  const out: StoredEvent[] = [];
  let after = batchArn(afterSeq);
  while (out.length < limit) {
    const batches = await tx.list("eventBatch", { ...ALL, afterArn: after, limit: 32 });
    for (const batch of batches) out.push(...eventsOf(batch, afterSeq, limit - out.length));
    if (batches.length < 32) break;
    after = batches[batches.length - 1].arn;
  }
  return out;
}

/** The number of the oldest event still in the backlog (lastSequence + 1 when it is empty). */
export async function firstSequence(tx: Tx): Promise<number> {
  const [oldest] = await tx.list("eventMark", { ...ALL, limit: 1 });
  return oldest ? oldest.firstSeq : (await lastSequence(tx)) + 1;
}
