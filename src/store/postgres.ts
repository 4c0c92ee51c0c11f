// The shared store: PostgreSQL, for several ecslite replicas serving one state (e.g. many CI
// runners). Same table and migrations as SQLite. Transactions are SERIALIZABLE and retried on
// serialization failures, so replicas (and their schedulers) never lose or interleave updates.
import { Pool, type PoolClient } from "pg";
import { COUNTED_KINDS, type RowKey, rowKeyOf } from "../domain/rowKeys";
import type { Records } from "../domain/records";
import { MIGRATIONS } from "./migrations";
import { listParams, listSql } from "./sql";
import { addCounts, deepFreeze, type DueRow, type Kind, type ListQuery, type Store, type StoreOptions, type Totals, type Tx } from "./store";

/** SQLSTATEs that mean "run the transaction again": serialization failure, deadlock. */
const RETRYABLE = new Set(["40001", "40P01"]);
const MAX_ATTEMPTS = 50;
/** Any constant: serializes migrations between replicas starting together. */
const MIGRATION_LOCK = 4_245_566;

/** `?` placeholders (portable SQL) to PostgreSQL's `$1, $2, ...`. */
function numbered(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

function sqlState(error: unknown): string | undefined {
  return error && typeof error === "object" && "code" in error ? String((error as { code: unknown }).code) : undefined;
}

function txOn(client: PoolClient, options: StoreOptions): Tx {
  const parse = (text: string) => (options.freezeRecords ? deepFreeze(JSON.parse(text) as unknown) : (JSON.parse(text) as unknown));
  return {
    get: async <K extends Kind>(kind: K, arn: string) => {
      const result = await client.query<{ doc: string }>({ name: "get", text: "SELECT doc FROM resources WHERE kind = $1 AND arn = $2", values: [kind, arn] });
      return result.rows[0] ? (parse(result.rows[0].doc) as Records[K]) : undefined;
    },
    put: async <K extends Kind>(kind: K, doc: Records[K]) => {
      const key = (rowKeyOf[kind] as (r: Records[K]) => RowKey)(doc);
      await client.query({
        name: "put",
        text: `INSERT INTO resources (kind, arn, scope, parent, name, due, counts, doc) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
               ON CONFLICT (kind, arn) DO UPDATE SET scope = excluded.scope, parent = excluded.parent, name = excluded.name, due = excluded.due, counts = excluded.counts, doc = excluded.doc`,
        values: [kind, key.arn, key.scope, key.parent, key.name, key.due, key.counts ? JSON.stringify(key.counts) : null, JSON.stringify(doc)],
      });
    },
    remove: async (kind: Kind, arn: string) => {
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
    nextDue: async () => {
      const result = await client.query<{ due: number | null }>("SELECT MIN(due) AS due FROM resources WHERE due IS NOT NULL");
      const due = result.rows[0]?.due;
      return due === null || due === undefined ? undefined : Number(due);
    },
  };
}

export class PostgresStore implements Store {
  readonly description: string;

  private constructor(
    private readonly pool: Pool,
    url: string,
    private readonly options: StoreOptions,
  ) {
    this.description = `postgres ${url.replace(/:\/\/([^:@/]+):[^@/]*@/, "://$1:***@")}`;
  }

  static async connect(url: string, options: StoreOptions = {}): Promise<PostgresStore> {
    const pool = new Pool({ connectionString: url, max: 8 });
    // An idle client's connection error must not crash the process; the next query reports it.
    pool.on("error", () => undefined);
    const store = new PostgresStore(pool, url, options);
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

  async transaction<T>(fn: (tx: Tx) => T | Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      for (let attempt = 1; ; attempt++) {
        await client.query("BEGIN ISOLATION LEVEL SERIALIZABLE");
        try {
          const result = await fn(txOn(client, this.options));
          await client.query("COMMIT");
          return result;
        } catch (error) {
          await client.query("ROLLBACK").catch(() => undefined);
          if (!RETRYABLE.has(sqlState(error) ?? "") || attempt >= MAX_ATTEMPTS) throw error;
          // Another replica won the race: back off a little (jittered) and run fn again on fresh reads.
          await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(100, 2 * attempt)));
        }
      }
    } finally {
      client.release();
    }
  }

  async reset(): Promise<void> {
    await this.pool.query("DELETE FROM resources");
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
