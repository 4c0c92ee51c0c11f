// The default store: embedded SQLite (better-sqlite3) in WAL mode, or in memory.
import * as fs from "node:fs";
import * as path from "node:path";
import Database from "better-sqlite3";
import type { Records } from "../domain/records";
import { type RowKey, rowKeyOf } from "../domain/rowKeys";
import type { DueRow, Kind, ListQuery, Store, Tx } from "./store";
import { MIGRATIONS } from "./migrations";

type Statement = Database.Statement<unknown[], unknown>;

export class SqliteStore implements Store {
  readonly description: string;
  private readonly db: Database.Database;
  private readonly statements = new Map<string, Statement>();
  /** Transactions run one at a time: they share a single connection. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(options: { dataDir?: string }) {
    if (options.dataDir) {
      fs.mkdirSync(options.dataDir, { recursive: true });
      const file = path.join(options.dataDir, "ecslite.sqlite");
      this.db = new Database(file);
      this.db.pragma("journal_mode = WAL");
      this.db.pragma("synchronous = NORMAL");
      this.description = `sqlite ${file}`;
    } else {
      this.db = new Database(":memory:");
      this.description = "sqlite in memory";
    }
    this.db.pragma("busy_timeout = 5000");
    // A larger page cache and fewer WAL checkpoints: convergence writes many rows in bursts.
    this.db.pragma("cache_size = -65536");
    this.db.pragma("wal_autocheckpoint = 10000");
    this.db.pragma("temp_store = MEMORY");
    this.migrate();
  }

  private migrate(): void {
    this.db.exec("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)");
    const applied = new Set((this.db.prepare("SELECT version FROM schema_migrations").all() as { version: number }[]).map((r) => r.version));
    for (const migration of MIGRATIONS) {
      if (applied.has(migration.version)) continue;
      this.db.transaction(() => {
        for (const sql of migration.statements) this.db.exec(sql);
        this.db.prepare("INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)").run(migration.version, new Date().toISOString());
      })();
    }
  }

  private statement(sql: string): Statement {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.statements.set(sql, s);
    }
    return s;
  }

  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    const run = async (): Promise<T> => {
      this.db.exec("BEGIN IMMEDIATE");
      try {
        const result = await fn(this.tx);
        this.db.exec("COMMIT");
        return result;
      } catch (error) {
        if (this.db.inTransaction) this.db.exec("ROLLBACK");
        throw error;
      }
    };
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    return result;
  }

  private readonly tx: Tx = {
    get: async <K extends Kind>(kind: K, arn: string) => {
      const row = this.statement("SELECT doc FROM resources WHERE kind = ? AND arn = ?").get(kind, arn) as { doc: string } | undefined;
      return row ? (JSON.parse(row.doc) as Records[K]) : undefined;
    },
    put: async <K extends Kind>(kind: K, doc: Records[K]) => {
      const key = (rowKeyOf[kind] as (r: Records[K]) => RowKey)(doc);
      this.statement(
        `INSERT INTO resources (kind, arn, scope, parent, name, due, doc) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (kind, arn) DO UPDATE SET scope = excluded.scope, parent = excluded.parent, name = excluded.name, due = excluded.due, doc = excluded.doc`,
      ).run(kind, key.arn, key.scope, key.parent, key.name, key.due, JSON.stringify(doc));
    },
    remove: async (kind: Kind, arn: string) => {
      this.statement("DELETE FROM resources WHERE kind = ? AND arn = ?").run(kind, arn);
    },
    list: async <K extends Kind>(kind: K, query: ListQuery) => {
      const { sql, params } = listSql("doc", kind, query);
      return (this.statement(sql).all(...params) as { doc: string }[]).map((r) => JSON.parse(r.doc) as Records[K]);
    },
    count: async (kind: Kind, query: ListQuery) => {
      const { sql, params } = listSql("COUNT(*) AS n", kind, { ...query, limit: undefined });
      return (this.statement(sql).get(...params) as { n: number }).n;
    },
    due: async (now: number, limit: number) =>
      this.statement("SELECT kind, arn, due FROM resources WHERE due IS NOT NULL AND due <= ? ORDER BY due LIMIT ?").all(now, limit) as DueRow[],
    nextDue: async () => {
      const row = this.statement("SELECT MIN(due) AS due FROM resources WHERE due IS NOT NULL").get() as { due: number | null };
      return row.due ?? undefined;
    },
  };

  async reset(): Promise<void> {
    await this.transaction(async () => {
      this.db.exec("DELETE FROM resources");
    });
  }

  async close(): Promise<void> {
    await this.queue;
    if (this.db.open) this.db.close();
  }
}

/** Portable SQL for a list query (also used by the PostgreSQL store, with its own placeholders). */
export function listSql(columns: string, kind: Kind, query: ListQuery): { sql: string; params: (string | number)[] } {
  const where = ["kind = ?", "scope = ?"];
  const params: (string | number)[] = [kind, query.scope];
  where.push("parent = ?");
  params.push(query.parent);
  if (query.name !== undefined) {
    where.push("name = ?");
    params.push(query.name);
  }
  if (query.afterArn !== undefined) {
    where.push("arn > ?");
    params.push(query.afterArn);
  }
  let sql = `SELECT ${columns} FROM resources WHERE ${where.join(" AND ")}`;
  if (!columns.startsWith("COUNT")) sql += " ORDER BY arn";
  if (query.limit !== undefined) {
    sql += " LIMIT ?";
    params.push(query.limit);
  }
  return { sql, params };
}
