// The shared store: PostgreSQL, for several ecslite replicas serving one state (e.g. many CI
// runners). Same table and migrations as SQLite. Transactions are SERIALIZABLE and retried on
// serialization failures, so replicas (and their schedulers) never lose or interleave updates.
// Lost connections (a terminated backend, a database restart) are retried on a new connection;
// a commit whose answer was lost is looked up by its transaction id, so a write is never applied
// twice. Only when the retry time runs out does a transaction fail, with a store fault (faults.ts).
import { Pool, type PoolClient } from "pg";
import { COUNTED_KINDS, type RowKey, rowKeyOf } from "../domain/rowKeys";
import type { Records } from "../domain/records";
import { StoreContentionError, StoreUnavailableError } from "./faults";
import { MIGRATIONS } from "./migrations";
import { listParams, listSql } from "./sql";
import { addCounts, deepFreeze, type DueRow, type Kind, type ListQuery, type Store, type StoreOptions, type Totals, type Tx } from "./store";

/** SQLSTATEs that mean "run the transaction again": serialization failure, deadlock. */
const SERIALIZATION_FAILURES = new Set(["40001", "40P01"]);
/** SQLSTATEs of a lost or refused connection: terminated, crashed, starting or stopping; class 08. */
const CONNECTION_LOST = new Set(["57P01", "57P02", "57P03", "53300"]);
const CONNECTION_ERRNOS = new Set(["ECONNREFUSED", "ECONNRESET", "EPIPE", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH", "EAI_AGAIN"]);
/** Any constant: serializes migrations between replicas starting together. */
const MIGRATION_LOCK = 4_245_566;
/** Any other constant: the class of the advisory locks transactions that lost a serialization race take turns on (see withRetries). */
const CONTENTION_LOCK = 4_245_567;
/** And the class of the locks a scheduler claims a row with for its transaction (Tx.claim). */
const CLAIM_LOCK = 4_245_568;
/**
 * The write gate (see withRetries): every writing transaction holds it shared from its first write
 * to its end; a transaction that keeps losing serialization races holds it exclusively for its
 * whole next attempt, so no write can commit under it, and it commits.
 */
const WRITE_GATE_LOCK = 4_245_569;
/** Serialization failures in a row after which a transaction takes the write gate for itself. */
export const GATE_AFTER_FAILURES = 3;

/** How long a transaction is retried before it fails with a store fault; covers a database restart. */
export const TRANSACTION_RETRY_MS = 20_000;
/** How long a request waits for one of the pool's connections (or for a new one to open). */
const CONNECT_TIMEOUT_MS = 5_000;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A random delay up to min(cap, base x 2^attempt): "full jitter", so colliding retries spread out. */
function backoff(attempt: number, baseMs: number, capMs: number): number {
  return Math.random() * Math.min(capMs, baseMs * 2 ** Math.min(attempt, 20));
}

function isConnectionLoss(error: unknown): boolean {
  const code = sqlState(error) ?? "";
  if (CONNECTION_LOST.has(code) || code.startsWith("08") || CONNECTION_ERRNOS.has(code)) return true;
  const message = error instanceof Error ? error.message : "";
  return /Connection terminated|not queryable|timeout exceeded when trying to connect|Client was closed|connection is closed|terminating connection/i.test(message);
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** `?` placeholders (portable SQL) to PostgreSQL's `$1, $2, ...`. */
function numbered(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

function sqlState(error: unknown): string | undefined {
  return error && typeof error === "object" && "code" in error ? String((error as { code: unknown }).code) : undefined;
}

/** What a transaction does on its connection; it sets `wrote` when it changes anything. */
type Work<T> = (client: PoolClient, trace: Trace) => T | Promise<T>;

/**
 * What one attempt did: whether it wrote (then its transaction id, taken with the write gate at its
 * first write), and the first row it touched (the key its retries take turns on).
 */
interface Trace {
  wrote: boolean;
  transactionId?: string;
  firstRow?: string;
}

/**
 * Before a transaction's first write: the write gate, shared (it waits while a starved transaction
 * holds it), and the transaction id, in one round trip.
 */
async function beforeFirstWrite(client: PoolClient, trace: Trace): Promise<void> {
  if (trace.wrote) return;
  const result = await client.query<{ id: string }>({ name: "gate", text: "SELECT pg_advisory_xact_lock_shared($1, 0), txid_current()::text AS id", values: [WRITE_GATE_LOCK] });
  trace.transactionId = result.rows[0]?.id;
  trace.wrote = true;
}

/** A transaction's view on one connection; `wrote` tells whether it changed anything. */
function txOn(client: PoolClient, options: StoreOptions, writes: Trace): Tx {
  const parse = (text: string) => (options.freezeRecords ? deepFreeze(JSON.parse(text) as unknown) : (JSON.parse(text) as unknown));
  return {
    get: async <K extends Kind>(kind: K, arn: string) => {
      writes.firstRow ??= `${kind} ${arn}`;
      const result = await client.query<{ doc: string }>({ name: "get", text: "SELECT doc FROM resources WHERE kind = $1 AND arn = $2", values: [kind, arn] });
      return result.rows[0] ? (parse(result.rows[0].doc) as Records[K]) : undefined;
    },
    put: async <K extends Kind>(kind: K, doc: Records[K]) => {
      await beforeFirstWrite(client, writes);
      const key = (rowKeyOf[kind] as (r: Records[K]) => RowKey)(doc);
      writes.firstRow ??= `${kind} ${key.arn}`;
      await client.query({
        name: "put",
        text: `INSERT INTO resources (kind, arn, scope, parent, name, due, counts, doc) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
               ON CONFLICT (kind, arn) DO UPDATE SET scope = excluded.scope, parent = excluded.parent, name = excluded.name, due = excluded.due, counts = excluded.counts, doc = excluded.doc`,
        values: [kind, key.arn, key.scope, key.parent, key.name, key.due, key.counts ? JSON.stringify(key.counts) : null, JSON.stringify(doc)],
      });
    },
    remove: async (kind: Kind, arn: string) => {
      await beforeFirstWrite(client, writes);
      writes.firstRow ??= `${kind} ${arn}`;
      await client.query({ name: "remove", text: "DELETE FROM resources WHERE kind = $1 AND arn = $2", values: [kind, arn] });
    },
    list: async <K extends Kind>(kind: K, query: ListQuery) => {
      const result = await client.query<{ doc: string }>(numbered(listSql("doc", query, false)), listParams(kind, query, false));
      return result.rows.map((r) => parse(r.doc) as Records[K]);
    },
    count: async (kind: Kind, query: ListQuery) => {
      const result = await client.query<{ n: string }>(numbered(listSql("COUNT(*) AS n", query, true)), listParams(kind, query, true));
      return Number(result.rows[0]?.n ?? 0);
    },
    // Summed when read: a totals row per cluster, updated by every task change, would make
    // replicas' transactions on one cluster collide under SERIALIZABLE.
    totals: async (scope: string, parent: string) => {
      const result = await client.query<{ counts: string }>({
        name: "totals",
        text: "SELECT counts FROM resources WHERE kind = ANY($1) AND scope = $2 AND parent = $3 AND counts IS NOT NULL",
        values: [[...COUNTED_KINDS], scope, parent],
      });
      const totals: Record<string, number> = {};
      for (const row of result.rows) addCounts(totals, JSON.parse(row.counts) as Totals, 1);
      return totals;
    },
    due: async (now: number, limit: number) => {
      const result = await client.query<{ kind: Kind; arn: string; due: number }>({
        name: "due",
        text: "SELECT kind, arn, due FROM resources WHERE due IS NOT NULL AND due <= $1 ORDER BY due LIMIT $2",
        values: [now, limit],
      });
      return result.rows.map((r): DueRow => ({ kind: r.kind, arn: r.arn, due: Number(r.due) }));
    },
    claim: async (kind: Kind, arn: string) => {
      const result = await client.query<{ taken: boolean }>({ name: "claim", text: "SELECT pg_try_advisory_xact_lock($1, hashtext($2)) AS taken", values: [CLAIM_LOCK, `${kind} ${arn}`] });
      return result.rows[0]?.taken === true;
    },
    postpone: async (kind: Kind, arn: string, until: number) => {
      await beforeFirstWrite(client, writes);
      await client.query({ name: "postpone", text: "UPDATE resources SET due = $1 WHERE kind = $2 AND arn = $3 AND due IS NOT NULL", values: [until, kind, arn] });
    },
    nextDue: async () => {
      const result = await client.query<{ due: number | null }>("SELECT MIN(due) AS due FROM resources WHERE due IS NOT NULL");
      const due = result.rows[0]?.due;
      return due === null || due === undefined ? undefined : Number(due);
    },
  };
}

export class PostgresStore implements Store {
  readonly description: string;
  /** Half the pool: the scheduler's reconciles run four at a time, leaving connections for requests. */
  readonly parallelism = 4;

  private constructor(
    private readonly pool: Pool,
    url: string,
    private readonly options: StoreOptions,
    private readonly retryMs: number,
  ) {
    this.description = `postgres ${url.replace(/:\/\/([^:@/]+):[^@/]*@/, "://$1:***@")}`;
  }

  /** `onConnection` sees each new connection and `retryMs` shortens the retry time (tests use them to inject faults). */
  static async connect(url: string, options: StoreOptions & { onConnection?: (client: PoolClient) => void; retryMs?: number } = {}): Promise<PostgresStore> {
    const pool = new Pool({ connectionString: url, max: 8, connectionTimeoutMillis: CONNECT_TIMEOUT_MS, keepAlive: true });
    // A connection's error (its backend terminated, the server restarting) must not crash the
    // process, whether the client is idle in the pool or checked out between two queries: the
    // next query on it fails, and the transaction is retried on a new connection.
    pool.on("error", () => undefined);
    pool.on("connect", (client) => {
      client.on("error", () => undefined);
      options.onConnection?.(client);
    });
    const store = new PostgresStore(pool, url, options, options.retryMs ?? TRANSACTION_RETRY_MS);
    await store.migrate();
    return store;
  }

  private async migrate(): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK]);
      await client.query("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)");
      const applied = new Set((await client.query<{ version: number }>("SELECT version FROM schema_migrations")).rows.map((r) => r.version));
      for (const migration of MIGRATIONS) {
        if (applied.has(migration.version)) continue;
        await client.query("BEGIN");
        try {
          for (const sql of migration.statements) await client.query(sql);
          if (migration.rekey) await rekey(client);
          await client.query("INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)", [migration.version, new Date().toISOString()]);
          await client.query("COMMIT");
        } catch (error) {
          await client.query("ROLLBACK");
          throw error;
        }
      }
    } finally {
      await client.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK]).catch(() => undefined);
      client.release();
    }
  }

  /**
   * Runs fn in a SERIALIZABLE transaction, again and again until it commits or TRANSACTION_RETRY_MS
   * runs out. Lost a serialization race: after a jittered backoff, and from then on holding a
   * session lock on the row it touched first, which every such retry across the replicas takes turns
   * on (so a hot row's writers queue instead of colliding forever). Lost GATE_AFTER_FAILURES races
   * in a row: the next attempt holds the write gate exclusively, from before its snapshot to after
   * its commit, so no other write commits meanwhile and nothing it reads or writes can be changed
   * under it; it commits. Without the gate a long transaction (a scheduler reconcile of many rows)
   * lost to the stream of short requests writing the same rows (or the one event counter every
   * event-emitting transaction updates) hundreds of times in a row, and the scheduler fell behind.
   * Lost the connection: on a new one; if the commit itself was in flight, the transaction id says
   * whether it happened.
   */
  transaction<T>(fn: (tx: Tx) => T | Promise<T>): Promise<T> {
    return this.withRetries((client, writes) => fn(txOn(client, this.options, writes)));
  }

  async reset(): Promise<void> {
    await this.withRetries(async (client, writes) => {
      await beforeFirstWrite(client, writes);
      await client.query("DELETE FROM resources");
    });
  }

  private async withRetries<T>(work: Work<T>): Promise<T> {
    const deadline = Date.now() + this.retryMs;
    // After a lost serialization race: the row the transaction touched first (its cluster, task set
    // or service, as a rule), whose lock every retry touching it first takes turns on, on every replica.
    let hotRow: string | undefined;
    let lastFailure: "contention" | "connection" = "connection";
    let lastError: unknown;
    let racesLost = 0;
    for (let attempt = 1; Date.now() < deadline; attempt++) {
      let client: PoolClient | undefined;
      let broken = false;
      let locked: string | undefined;
      let gated = false;
      const trace: Trace = { wrote: false };
      try {
        client = await this.pool.connect();
        if (hotRow !== undefined) {
          await client.query("SELECT pg_advisory_lock($1, hashtext($2))", [CONTENTION_LOCK, hotRow]);
          locked = hotRow;
        }
        if (racesLost >= GATE_AFTER_FAILURES) {
          // Waits for the writing transactions under way to end; new ones wait at their first write.
          await client.query("SELECT pg_advisory_lock($1, 0)", [WRITE_GATE_LOCK]);
          gated = true;
        }
        const outcome = await this.attempt(client, work, trace);
        if (outcome.done) return outcome.result;
        // The connection was lost while COMMIT was in flight: did it commit?
        broken = true;
        const status = await this.commitStatus(outcome.transactionId, deadline);
        if (status === "committed") return outcome.result;
        lastFailure = "connection";
        lastError = outcome.error;
        await sleep(backoff(attempt, 50, 1000));
      } catch (error) {
        if (SERIALIZATION_FAILURES.has(sqlState(error) ?? "")) {
          racesLost++;
          hotRow ??= trace.firstRow ?? "";
          lastFailure = "contention";
          lastError = error;
          await sleep(backoff(attempt, 2, 100));
        } else if (isConnectionLoss(error)) {
          broken = true;
          racesLost = 0;
          lastFailure = "connection";
          lastError = error;
          await sleep(backoff(attempt, 50, 1000));
        } else {
          throw error;
        }
      } finally {
        if (client) {
          // A session lock ends with its session; a broken connection is dropped, not reused.
          if (gated && !broken) await client.query("SELECT pg_advisory_unlock($1, 0)", [WRITE_GATE_LOCK]).catch(() => (broken = true));
          if (locked !== undefined && !broken) await client.query("SELECT pg_advisory_unlock($1, hashtext($2))", [CONTENTION_LOCK, locked]).catch(() => (broken = true));
          client.release(broken ? true : undefined);
        }
      }
    }
    const reason = `${describeError(lastError)} (retried for ${this.retryMs / 1000} s)`;
    throw lastFailure === "contention" ? new StoreContentionError(reason) : new StoreUnavailableError(reason);
  }

  /**
   * One try of fn on a connection. Throws what went wrong before COMMIT (nothing was committed);
   * if the connection is lost during COMMIT, returns the transaction id to look the outcome up by.
   */
  private async attempt<T>(client: PoolClient, work: Work<T>, trace: Trace): Promise<{ done: true; result: T } | { done: false; result: T; transactionId: string; error: unknown }> {
    await client.query("BEGIN ISOLATION LEVEL SERIALIZABLE");
    let result: T;
    try {
      result = await work(client, trace);
    } catch (error) {
      if (!isConnectionLoss(error)) await client.query("ROLLBACK").catch(() => undefined);
      throw error;
    }
    // A read-only transaction can simply run again; a write has its id (taken at its first write) in case COMMIT's answer is lost.
    const transactionId = trace.transactionId;
    try {
      await client.query("COMMIT");
      return { done: true, result };
    } catch (error) {
      if (transactionId === undefined || !isConnectionLoss(error)) {
        if (!isConnectionLoss(error)) await client.query("ROLLBACK").catch(() => undefined);
        throw error;
      }
      return { done: false, result, transactionId, error };
    }
  }

  /** Whether a transaction whose COMMIT went unanswered committed, asked on a new connection. */
  private async commitStatus(transactionId: string, deadline: number): Promise<"committed" | "aborted"> {
    for (let attempt = 1; Date.now() < deadline; attempt++) {
      try {
        const result = await this.pool.query<{ status: string | null }>("SELECT txid_status($1::bigint) AS status", [transactionId]);
        const status = result.rows[0]?.status;
        if (status === "committed") return "committed";
        if (status !== "in progress") return "aborted";
      } catch (error) {
        if (!isConnectionLoss(error)) throw error;
      }
      await sleep(backoff(attempt, 50, 1000));
    }
    throw new StoreUnavailableError(`the outcome of a commit could not be read back (retried for ${this.retryMs / 1000} s)`);
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

/** Derives every row's key columns (and counts) from its document again. */
async function rekey(client: PoolClient): Promise<void> {
  const rows = await client.query<{ kind: Kind; arn: string; doc: string }>("SELECT kind, arn, doc FROM resources");
  for (const row of rows.rows) {
    const key = (rowKeyOf[row.kind] as (r: unknown) => RowKey)(JSON.parse(row.doc));
    await client.query("UPDATE resources SET scope = $1, parent = $2, name = $3, due = $4, counts = $5 WHERE kind = $6 AND arn = $7", [
      key.scope,
      key.parent,
      key.name,
      key.due,
      key.counts ? JSON.stringify(key.counts) : null,
      row.kind,
      row.arn,
    ]);
  }
}
