// How an event batch keeps its task events' snapshots (detail.ts, taskSnapshot) small: one
// transaction's task events are mostly tasks of one task set or service taking the same step at
// the same instant, so most of a snapshot's fields (cluster, task definition, group, statuses,
// timestamps, overrides, ...) equal those of the task event before it in the batch. Such a field
// is not repeated: a bit in `same` says to take it from the event before. Unpacking gives values
// equal to the originals, so the rendered events are byte for byte the ones the tasks give.
import type { TaskSnapshot } from "../domain/records";
import { TASK_DETAIL_FIELDS } from "./detail";

/** A task snapshot as a batch keeps it: the fields that differ from the previous task event's, and which ones are the same. */
export interface PackedSnapshot {
  readonly task: TaskSnapshot;
  /** Bit i set: TASK_DETAIL_FIELDS[i] has the previous snapshot's value. Absent when none does. */
  readonly same?: number;
}

/** Structural equality of JSON values, key order included (equal values serialise to the same text). */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameJson(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const aKeys = Object.keys(a);
  const bKeys = Object.keys(b);
  if (aKeys.length !== bKeys.length) return false;
  for (let i = 0; i < aKeys.length; i++) {
    const key = aKeys[i];
    if (key !== bKeys[i] || !sameJson((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key])) return false;
  }
  return true;
}

/** `snapshot` packed against the batch's previous task snapshot (none for the first). */
export function packSnapshot(snapshot: TaskSnapshot, previous: TaskSnapshot | undefined): PackedSnapshot {
  if (!previous) return { task: snapshot };
  const task: Record<string, unknown> = {};
  let same = 0;
  for (let i = 0; i < TASK_DETAIL_FIELDS.length; i++) {
    const field = TASK_DETAIL_FIELDS[i];
    const value = snapshot[field];
    if (value === undefined) continue;
    const before = previous[field];
    if (before !== undefined && sameJson(value, before)) same |= 1 << i;
    else task[field] = value;
  }
  return same ? { task, same } : { task };
}

/** The snapshot `packed` was made from, given the batch's previous task snapshot as unpacked. */
export function unpackSnapshot(packed: PackedSnapshot, previous: TaskSnapshot | undefined): TaskSnapshot {
  if (!packed.same) return packed.task;
  if (!previous) throw new Error("an event batch's task snapshot refers to a previous one the batch does not hold");
  const snapshot: Record<string, unknown> = {};
  for (let i = 0; i < TASK_DETAIL_FIELDS.length; i++) {
    const field = TASK_DETAIL_FIELDS[i];
    const value = packed.same & (1 << i) ? previous[field] : packed.task[field];
    if (value !== undefined) snapshot[field] = value;
  }
  return snapshot;
}
