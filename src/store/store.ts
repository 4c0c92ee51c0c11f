// The store: all state lives here, none in module globals, so several server replicas can share
// one (PostgreSQL) and a restart resumes where it stopped. One generic table of JSON documents,
// keyed by (kind, arn), with the columns the queries need indexed.
import type { Records } from "../domain/records";

export type Kind = keyof Records;

/**
 * A value now or later. The SQLite store answers at once (one connection, a synchronous engine);
 * PostgreSQL answers with a promise. `await` takes either, so callers are written the same way.
 */
export type Answer<T> = T | Promise<T>;

export interface ListQuery {
  readonly scope: string;
  /** Required: every listing is within a parent ("" for top-level resources), which the indexes serve. */
  readonly parent: string;
  readonly name?: string;
  /** Return rows whose arn sorts after this one (pagination). */
  readonly afterArn?: string;
  readonly limit?: number;
}

export interface DueRow {
  readonly kind: Kind;
  readonly arn: string;
  readonly due: number;
}

/** Sums of what the rows under one parent count toward it (RowKey.counts); absent names are 0. */
export type Totals = Readonly<Record<string, number>>;

/**
 * One transaction's view of the store. Records it returns are shared and must be treated as
 * immutable: build a new record (spread) to change one, then `put` it. Tests freeze them.
 */
export interface Tx {
  get<K extends Kind>(kind: K, arn: string): Answer<Records[K] | undefined>;
  /** Inserts or replaces; the row's index columns and counts come from rowKeyOf. */
  put<K extends Kind>(kind: K, doc: Records[K]): Answer<void>;
  remove(kind: Kind, arn: string): Answer<void>;
  list<K extends Kind>(kind: K, query: ListQuery): Answer<Records[K][]>;
  count(kind: Kind, query: ListQuery): Answer<number>;
  /** The sums of RowKey.counts over every row (of any kind) whose parent is `parent`, as of this transaction. */
  totals(scope: string, parent: string): Answer<Totals>;
  /** Rows whose due time has come, oldest first. */
  due(now: number, limit: number): Answer<DueRow[]>;
  /** The earliest due time in the store, if any. */
  nextDue(): Answer<number | undefined>;
  /** Moves a due row's time to `until` (the scheduler backing off a row it failed on); the next put derives it again. */
  postpone(kind: Kind, arn: string, until: number): Answer<void>;
  /**
   * Takes a row for the rest of this transaction unless another transaction, on any replica, has it:
   * replicas' schedulers skip a row another is reconciling. Always true with a single process.
   */
  claim(kind: Kind, arn: string): Answer<boolean>;
}

export interface Store {
  readonly description: string;
  /** How many transactions are worth running at once (the scheduler's reconciles); 1 when absent. */
  readonly parallelism?: number;
  /** Runs fn atomically: all of its writes commit together or none do. */
  transaction<T>(fn: (tx: Tx) => T | Promise<T>): Promise<T>;
  /** Removes every resource of every account. */
  reset(): Promise<void>;
  close(): Promise<void>;
}

export interface StoreOptions {
  /** Deep-freeze every record the store returns, so that code mutating one fails loudly (tests). */
  readonly freezeRecords?: boolean;
}

/** Freezes a parsed JSON document and everything in it. */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  }
  return value;
}

/** Adds `counts` (times `sign`) into a running set of totals. */
export function addCounts(into: Record<string, number>, counts: Totals | undefined, sign: 1 | -1): void {
  if (!counts) return;
  for (const name in counts) into[name] = (into[name] ?? 0) + sign * counts[name];
}
