// The shared store: PostgreSQL, for several ecslite replicas serving one state (e.g. many CI
// runners). Same table and migrations as SQLite. Transactions are SERIALIZABLE and retried on
// serialization failures, so replicas (and their schedulers) never lose or interleave updates.
import { Pool, type PoolClient } from "pg";
import { type RowKey, rowKeyOf } from "../domain/rowKeys";
import type { Records } from "../domain/records";
import { MIGRATIONS } from "./migrations";
import { listSql } from "./sqlite";
import type { DueRow, Kind, ListQuery, Store, Tx } from "./store";

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

function txOn(client: PoolClient): Tx {
  return {
    get: async <K extends Kind>(kind: K, arn: string) => {
      const result = await client.query<{ doc: string }>({ name: "get", text: "SELECT doc FROM resources WHERE kind = $1 AND arn = $2", values: [kind, arn] });
      return result.rows[0] ? (JSON.parse(result.rows[0].doc) as Records[K]) : undefined;
    },
    put: async <K extends Kind>(kind: K, doc: Records[K]) => {
      const key = (rowKeyOf[kind] as (r: Records[K]) => RowKey)(doc);
      await client.query({
        name: "put",
        text: `INSERT INTO resources (kind, arn, scope, parent, name, due, doc) VALUES ($1, $2, $3, $4, $5, $6, $7)
               ON CONFLICT (kind, arn) DO UPDATE SET scope = excluded.scope, parent = excluded.parent, name = excluded.name, due = excluded.due, doc = excluded.doc`,
        values: [kind, key.arn, key.scope, key.parent, key.name, key.due, JSON.stringify(doc)],
      });
    },
    remove: async (kind: Kind, arn: string) => {
      await client.query({ name: "remove", text: "DELETE FROM resources WHERE kind = $1 AND arn = $2", values: [kind, arn] });
    },
    list: async <K extends Kind>(kind: K, query: ListQuery) => {
      const { sql, params } = listSql("doc", kind, query);
      const result = await client.query<{ doc: string }>(numbered(sql), params);
      return result.rows.map((r) => JSON.parse(r.doc) as Records[K]);
    },
    count: async (kind: Kind, query: ListQuery) => {
      const { sql, params } = listSql("COUNT(*) AS n", kind, { ...query, limit: undefined });
      const result = await client.query<{ n: string }>(numbered(sql), params);
      return Number(result.rows[0]?.n ?? 0);
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

  private constructor(private readonly pool: Pool, url: string) {
    this.description = `postgres ${url.replace(/:\/\/([^:@/]+):[^@/]*@/, "://$1:***@")}`;
  }

  static async connect(url: string): Promise<PostgresStore> {
    const pool = new Pool({ connectionString: url, max: 8 });
    // An idle client's connection error must not crash the process; the next query reports it.
    pool.on("error", () => undefined);
    const store = new PostgresStore(pool, url);
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

  async transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      for (let attempt = 1; ; attempt++) {
        await client.query("BEGIN ISOLATION LEVEL SERIALIZABLE");
        try {
          const result = await fn(txOn(client));
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
