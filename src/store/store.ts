// The store: all state lives here, none in module globals, so several server replicas can share
// one (PostgreSQL) and a restart resumes where it stopped. One generic table of JSON documents,
// keyed by (kind, arn), with the columns the queries need indexed.
import type { Records } from "../domain/records";

export type Kind = keyof Records;

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

export interface Tx {
  get<K extends Kind>(kind: K, arn: string): Promise<Records[K] | undefined>;
  /** Inserts or replaces; the row's index columns come from rowKeyOf. */
  put<K extends Kind>(kind: K, doc: Records[K]): Promise<void>;
  remove(kind: Kind, arn: string): Promise<void>;
  list<K extends Kind>(kind: K, query: ListQuery): Promise<Records[K][]>;
  count(kind: Kind, query: ListQuery): Promise<number>;
  /** Rows whose due time has come, oldest first. */
  due(now: number, limit: number): Promise<DueRow[]>;
  /** The earliest due time in the store, if any. */
  nextDue(): Promise<number | undefined>;
}

export interface Store {
  readonly description: string;
  /** Runs fn atomically: all of its writes commit together or none do. */
  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  /** Removes every resource of every account. */
  reset(): Promise<void>;
  close(): Promise<void>;
}
