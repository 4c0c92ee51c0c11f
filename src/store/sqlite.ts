// The default store: embedded SQLite (better-sqlite3) in WAL mode, or in memory.
//
// One connection, one transaction at a time, answered synchronously: a transaction's reads run as
// they come (nothing else writes on this connection meanwhile), and BEGIN IMMEDIATE is issued only
// at its first write, so a read-only request never takes the write lock nor pays for COMMIT. Every
// statement is prepared once, chosen by the shape of the query. Documents read by key are parsed
// once and kept, frozen, while their row is unchanged. On disk, WAL checkpoints run in a worker
// thread on its own connection, so no request waits for the fsync of a checkpoint; the process
// holds its data directory (a lock next to the database), so no other process writes behind the
// one connection's back and nothing it caches goes stale.
import * as fs from "node:fs";
import * as path from "node:path";
import { Worker } from "node:worker_threads";
import Database from "better-sqlite3";
import type { Records } from "../domain/records";
import { COUNTED_KINDS, type RowKey, rowKeyOf } from "../domain/rowKeys";
import { decodeDocument, encodeDocument } from "./docCodec";
import { MIGRATIONS } from "./migrations";
import { LIMIT_PARAMETER, listParams, listShape, listSql } from "./sql";
import { addCounts, deepFreeze, type DueRow, type Kind, type ListQuery, type Store, type StoreOptions, type Totals, type Tx } from "./store";

/** PRAGMA auto_vacuum's value for INCREMENTAL. */
const AUTO_VACUUM_INCREMENTAL = 2;

type Statement = Database.Statement<unknown[], unknown>;

/** Parsed documents kept at most (per store); when full, all are forgotten at once. */
const CACHED_DOCUMENTS = 20_000;

/** Kinds whose written documents are kept for the next read: the ones requests read by key. */
const KEPT_ON_WRITE: ReadonlySet<Kind> = new Set<Kind>(["cluster", "service", "taskSet", "serviceRevision", "serviceDeployment", "taskDefinition", "containerInstance", "capacityProvider", "accountSetting", "loadBalancer", "targetGroup", "listener", "listenerRule"]);

interface Queued {
  run(): void;
}

export class SqliteStore implements Store {
  readonly description: string;
  private readonly db: Database.Database;
  private readonly checkpointer: Worker | undefined;
  /** The data directory's lock, held while the store is open (on disk). */
  private readonly directoryLock: Database.Database | undefined;
  private readonly freezeRecords: boolean;

  private readonly begin: Statement;
  private readonly commit: Statement;
  private readonly rollback: Statement;
  private readonly getDoc: Statement;
  private readonly replace: Statement;
  private readonly getKey: Statement;
  private readonly insertRow: Statement;
  private readonly updateRow: Statement;
  private readonly updateDoc: Statement;
  private readonly deleteRow: Statement;
  private readonly deleteCountedRow: Statement;
  private readonly dueRows: Statement;
  private readonly minDue: Statement;
  private readonly postponeRow: Statement;
  private readonly totalsOf: Statement;
  private readonly addTotal: Statement;
  /** List and count statements by query shape (which optional filters are present). */
  private readonly listStatements: (Statement | undefined)[] = [];
  private readonly countStatements: (Statement | undefined)[] = [];

  /** A transaction is running; others wait in `waiting`, in order. */
  private active = false;
  private readonly waiting: Queued[] = [];
  /** The running transaction has begun writing (BEGIN IMMEDIATE was issued). */
  private writing = false;
  /** Count changes of the running transaction, by parent, written before it commits. */
  private readonly pendingTotals = new Map<string, { scope: string; parent: string; counts: Record<string, number> }>();

  private readonly documents = new Map<Kind, Map<string, unknown>>();
  /** Committed totals by parent, as read (frozen); forgotten when a commit changes them. */
  private readonly totalsCache = new Map<string, Totals>();
  private cachedCount = 0;

  constructor(options: { dataDir?: string } & StoreOptions) {
    this.freezeRecords = options.freezeRecords === true;
    let file: string | undefined;
    if (options.dataDir) {
      fs.mkdirSync(options.dataDir, { recursive: true });
      this.directoryLock = lockDataDirectory(options.dataDir);
      file = path.join(options.dataDir, "ecslite.sqlite");
      try {
        this.db = openOnDisk(file);
      } catch (error) {
        this.directoryLock.close();
        throw error;
      }
      this.description = `sqlite ${file}`;
    } else {
      this.db = new Database(":memory:");
      this.description = "sqlite in memory";
    }
    this.db.pragma("busy_timeout = 5000");
    this.db.pragma("cache_size = -65536");
    this.db.pragma("temp_store = MEMORY");
    this.migrate();

    const prepare = (sql: string) => this.db.prepare(sql);
    this.begin = prepare("BEGIN IMMEDIATE");
    this.commit = prepare("COMMIT");
    this.rollback = prepare("ROLLBACK");
    this.getDoc = prepare("SELECT doc FROM resources WHERE kind = ? AND arn = ?").pluck();
    this.getKey = prepare("SELECT scope, parent, name, counts FROM resources WHERE kind = ? AND arn = ?");
    this.insertRow = prepare("INSERT INTO resources (kind, arn, scope, parent, name, due, counts, doc) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
    this.updateRow = prepare("UPDATE resources SET scope = ?, parent = ?, name = ?, due = ?, counts = ?, doc = ? WHERE kind = ? AND arn = ?");
    // The usual update keeps the row's place (scope, parent, name): their index entries stay untouched.
    this.updateDoc = prepare("UPDATE resources SET due = ?, counts = ?, doc = ? WHERE kind = ? AND arn = ?");
    this.replace = prepare("INSERT OR REPLACE INTO resources (kind, arn, scope, parent, name, due, counts, doc) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
    this.deleteRow = prepare("DELETE FROM resources WHERE kind = ? AND arn = ?");
    this.deleteCountedRow = prepare("DELETE FROM resources WHERE kind = ? AND arn = ? RETURNING scope, parent, counts");
    this.dueRows = prepare(`SELECT kind, arn, due FROM resources WHERE due IS NOT NULL AND due <= ? ORDER BY due LIMIT ${LIMIT_PARAMETER}`);
    this.minDue = prepare("SELECT MIN(due) FROM resources WHERE due IS NOT NULL").pluck();
    this.postponeRow = prepare("UPDATE resources SET due = ? WHERE kind = ? AND arn = ? AND due IS NOT NULL");
    this.totalsOf = prepare("SELECT name, value FROM totals WHERE scope = ? AND parent = ?").raw();
    this.addTotal = prepare("INSERT INTO totals (scope, parent, name, value) VALUES (?, ?, ?, ?) ON CONFLICT (scope, parent, name) DO UPDATE SET value = totals.value + excluded.value");

    if (file) this.checkpointer = startCheckpointer(file);
  }

  private migrate(): void {
    this.db.exec("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)");
    const applied = new Set((this.db.prepare("SELECT version FROM schema_migrations").all() as { version: number }[]).map((r) => r.version));
    for (const migration of MIGRATIONS) {
      if (applied.has(migration.version)) continue;
      this.db.transaction(() => {
        for (const sql of migration.statements) this.db.exec(sql);
        if (migration.rekey) this.rekey();
        this.db.prepare("INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)").run(migration.version, new Date().toISOString());
      })();
    }
  }

  /** Derives every row's key columns from its document again, and the totals from scratch. */
  private rekey(): void {
    const update = this.db.prepare("UPDATE resources SET scope = ?, parent = ?, name = ?, due = ?, counts = ? WHERE kind = ? AND arn = ?");
    const totals = new Map<string, { scope: string; parent: string; counts: Record<string, number> }>();
    for (const row of this.db.prepare("SELECT kind, arn, doc FROM resources").all() as { kind: Kind; arn: string; doc: string | Buffer }[]) {
      const key = (rowKeyOf[row.kind] as (r: unknown) => RowKey)(JSON.parse(decodeDocument(row.doc)));
      update.run(key.scope, key.parent, key.name, key.due, key.counts ? JSON.stringify(key.counts) : null, row.kind, row.arn);
      if (key.counts) addTotals(totals, key.scope, key.parent, key.counts, 1);
    }
    this.db.exec("DELETE FROM totals");
    const insert = this.db.prepare("INSERT INTO totals (scope, parent, name, value) VALUES (?, ?, ?, ?)");
    for (const t of totals.values()) for (const name in t.counts) insert.run(t.scope, t.parent, name, t.counts[name]);
  }

  transaction<T>(fn: (tx: Tx) => T | Promise<T>): Promise<T> {
    if (!this.active) return this.run(fn);
    return new Promise<T>((resolve, reject) => this.waiting.push({ run: () => this.run(fn).then(resolve, reject) }));
  }

  private run<T>(fn: (tx: Tx) => T | Promise<T>): Promise<T> {
    this.active = true;
    let result: T | Promise<T>;
    try {
      result = fn(this.tx);
    } catch (error) {
      return this.finish(error, true) as Promise<never>;
    }
    if (result instanceof Promise) {
      return result.then(
        (value) => this.finish(value, false),
        (error: unknown) => this.finish(error, true) as Promise<never>,
      );
    }
    return this.finish(result, false);
  }

  /** Commits (or rolls back) what the transaction wrote, then starts the next one waiting. */
  private finish<T>(outcome: T, failed: boolean): Promise<T> {
    let error: unknown = failed ? outcome : undefined;
    let ok = !failed;
    try {
      if (this.writing) {
        if (ok) {
          try {
            this.flushTotals();
            this.commit.run();
          } catch (commitError) {
            ok = false;
            error = commitError;
          }
        }
        if (!ok && this.db.inTransaction) this.rollback.run();
        // What a rolled-back transaction read or cached after its writes may no longer be true.
        if (!ok) this.forgetDocuments();
      }
    } finally {
      this.writing = false;
      this.pendingTotals.clear();
      this.active = false;
      const next = this.waiting.shift();
      if (next) queueMicrotask(() => next.run());
    }
    return ok ? Promise.resolve(outcome) : Promise.reject(error);
  }

  private beginWrite(): void {
    if (this.writing) return;
    this.begin.run();
    this.writing = true;
  }

  private flushTotals(): void {
    for (const [key, t] of this.pendingTotals) {
      for (const name in t.counts) if (t.counts[name] !== 0) this.addTotal.run(t.scope, t.parent, name, t.counts[name]);
      this.totalsCache.delete(key);
    }
    this.pendingTotals.clear();
  }

  private cached(kind: Kind): Map<string, unknown> {
    let byArn = this.documents.get(kind);
    if (!byArn) {
      byArn = new Map();
      this.documents.set(kind, byArn);
    }
    return byArn;
  }

  private remember(byArn: Map<string, unknown>, arn: string, doc: unknown): void {
    if (this.cachedCount >= CACHED_DOCUMENTS) this.forgetDocuments();
    byArn.set(arn, doc);
    this.cachedCount++;
  }

  private forget(kind: Kind, arn: string): void {
    const byArn = this.documents.get(kind);
    if (byArn?.delete(arn)) this.cachedCount--;
  }

  private forgetDocuments(): void {
    this.documents.clear();
    this.cachedCount = 0;
    this.totalsCache.clear();
  }

  /** The key columns and counts of a stored row, read from its columns. */
  private storedKey(kind: Kind, arn: string): { scope: string; parent: string; name: string; counts?: Totals } | undefined {
    const row = this.getKey.get(kind, arn) as { scope: string; parent: string; name: string; counts: string | null } | undefined;
    if (!row) return undefined;
    return { scope: row.scope, parent: row.parent, name: row.name, ...(row.counts ? { counts: JSON.parse(row.counts) as Totals } : {}) };
  }

  private parse(stored: string | Buffer): unknown {
    const doc = JSON.parse(decodeDocument(stored)) as unknown;
    return this.freezeRecords ? deepFreeze(doc) : doc;
  }

  private listStatement(query: ListQuery, counting: boolean): Statement {
    const shape = listShape(query, counting);
    const statements = counting ? this.countStatements : this.listStatements;
    let statement = statements[shape];
    if (!statement) {
      statement = this.db.prepare(listSql(counting ? "COUNT(*)" : "arn, doc", query, counting));
      if (counting) statement.pluck();
      else statement.raw();
      statements[shape] = statement;
    }
    return statement;
  }

  private readonly tx: Tx = {
    get: <K extends Kind>(kind: K, arn: string): Records[K] | undefined => {
      const byArn = this.cached(kind);
      const hit = byArn.get(arn);
      if (hit !== undefined) return hit as Records[K];
      const text = this.getDoc.get(kind, arn) as string | Buffer | undefined;
      if (text === undefined) return undefined;
      // Shared from now on: frozen, so no reader can change what the next one sees.
      const doc = deepFreeze(JSON.parse(decodeDocument(text)) as unknown);
      this.remember(byArn, arn, doc);
      return doc as Records[K];
    },
    put: <K extends Kind>(kind: K, doc: Records[K]): void => {
      const keyOf = rowKeyOf[kind] as (r: Records[K]) => RowKey;
      const key = keyOf(doc);
      this.beginWrite();
      const byArn = this.cached(kind);
      // A cached document is the row as stored: its key columns and counts are derived from it
      // again rather than read back.
      const cachedOld = byArn.get(key.arn) as Records[K] | undefined;
      const old = cachedOld !== undefined ? keyOf(cachedOld) : this.storedKey(kind, key.arn);
      if (old?.counts) addTotals(this.pendingTotals, old.scope, old.parent, old.counts, -1);
      if (key.counts) addTotals(this.pendingTotals, key.scope, key.parent, key.counts, 1);
      const counts = key.counts ? JSON.stringify(key.counts) : null;
      const stored = encodeDocument(kind, doc);
      if (!old) this.insertRow.run(kind, key.arn, key.scope, key.parent, key.name, key.due, counts, stored);
      // A compacted document goes in as a new row, at the end of the table, where such rows pack
      // densely; updated in place it would keep the page its larger live version filled alone.
      else if (typeof stored !== "string") this.replace.run(kind, key.arn, key.scope, key.parent, key.name, key.due, counts, stored);
      else if (old.scope === key.scope && old.parent === key.parent && old.name === key.name) this.updateDoc.run(key.due, counts, stored, kind, key.arn);
      else this.updateRow.run(key.scope, key.parent, key.name, key.due, counts, stored, kind, key.arn);
      if (byArn.delete(key.arn)) this.cachedCount--;
      // What was just written is what the next request will read (a task set after UpdateTaskSet):
      // kept, frozen, so it is not parsed again. Tasks and event batches are many, large and mostly
      // listed: not kept.
      if (KEPT_ON_WRITE.has(kind)) this.remember(byArn, key.arn, deepFreeze(doc));
    },
    remove: (kind: Kind, arn: string): void => {
      this.beginWrite();
      if (COUNTED_KINDS.has(kind)) {
        const old = this.deleteCountedRow.get(kind, arn) as { scope: string; parent: string; counts: string | null } | undefined;
        if (old?.counts) addTotals(this.pendingTotals, old.scope, old.parent, JSON.parse(old.counts) as Totals, -1);
      } else {
        this.deleteRow.run(kind, arn);
      }
      this.forget(kind, arn);
    },
    list: <K extends Kind>(kind: K, query: ListQuery): Records[K][] => {
      const rows = this.listStatement(query, false).all(...listParams(kind, query, false)) as [string, string | Buffer][];
      const byArn = this.cached(kind);
      const docs: Records[K][] = new Array(rows.length);
      for (let i = 0; i < rows.length; i++) {
        const [arn, text] = rows[i];
        // Cached documents are shared (and frozen); the others are parsed for this reader alone
        // and not kept: a listing of a hundred thousand tasks must not flood the cache.
        docs[i] = (byArn.get(arn) ?? this.parse(text)) as Records[K];
      }
      return docs;
    },
    count: (kind: Kind, query: ListQuery): number => this.listStatement(query, true).get(...listParams(kind, query, true)) as number,
    totals: (scope: string, parent: string): Totals => {
      const key = `${scope}\u0000${parent}`;
      let committed = this.totalsCache.get(key);
      if (!committed) {
        const read: Record<string, number> = {};
        for (const [name, value] of this.totalsOf.all(scope, parent) as [string, number][]) read[name] = value;
        committed = Object.freeze(read);
        if (this.totalsCache.size >= CACHED_DOCUMENTS) this.totalsCache.clear();
        this.totalsCache.set(key, committed);
      }
      const pending = this.pendingTotals.get(key);
      if (!pending) return committed;
      const totals = { ...committed };
      addCounts(totals, pending.counts, 1);
      return totals;
    },
    due: (now: number, limit: number): DueRow[] => this.dueRows.all(now, limit) as DueRow[],
    nextDue: (): number | undefined => (this.minDue.get() as number | null) ?? undefined,
    // One connection, one transaction at a time: nothing else can be working on the row.
    claim: (): boolean => true,
    postpone: (kind: Kind, arn: string, until: number): void => {
      this.beginWrite();
      this.postponeRow.run(until, kind, arn);
    },
  };

  async reset(): Promise<void> {
    await this.transaction(() => {
      this.beginWrite();
      this.db.exec("DELETE FROM resources");
      this.db.exec("DELETE FROM totals");
      this.forgetDocuments();
    });
  }

  async close(): Promise<void> {
    while (this.active || this.waiting.length) await this.transaction(() => undefined);
    if (this.checkpointer) await stopCheckpointer(this.checkpointer);
    if (this.db.open) this.db.close();
    if (this.directoryLock?.open) this.directoryLock.close();
  }
}

function addTotals(into: Map<string, { scope: string; parent: string; counts: Record<string, number> }>, scope: string, parent: string, counts: Totals, sign: 1 | -1): void {
  const key = `${scope}\u0000${parent}`;
  let entry = into.get(key);
  if (!entry) {
    entry = { scope, parent, counts: {} };
    into.set(key, entry);
  }
  addCounts(entry.counts, counts, sign);
}

async function stopCheckpointer(worker: Worker): Promise<void> {
  // Referenced while it stops, so that the process waits for it to close its connection.
  worker.ref();
  const exited = new Promise((resolve) => worker.once("exit", () => resolve("exited")));
  worker.postMessage("stop");
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise((resolve) => (timer = setTimeout(resolve, 1000)));
  if ((await Promise.race([exited, timeout])) !== "exited") await worker.terminate();
  clearTimeout(timer);
}

/** Passive checkpoints from a worker thread with its own connection, every so often. */
/** The database file in WAL mode, checkpointed by the worker only, shrinking after churn. */
function openOnDisk(file: string): Database.Database {
  const db = new Database(file);
  // Free pages go back to the file system (the checkpoint worker runs incremental_vacuum), so
  // the file shrinks after churn. A new database takes this at once; an older one is rebuilt
  // once (VACUUM), which takes a few seconds for a large one.
  if (db.pragma("auto_vacuum", { simple: true }) !== AUTO_VACUUM_INCREMENTAL) {
    db.pragma("auto_vacuum = INCREMENTAL");
    if (db.pragma("page_count", { simple: true }) !== 0) db.exec("VACUUM");
  }
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  // Checkpoints are the worker's (below): none inside a request's COMMIT.
  db.pragma("wal_autocheckpoint = 0");
  db.pragma("journal_size_limit = 67108864");
  return db;
}

/** What opening a data directory another process (or store) holds throws. */
export class DataDirectoryInUse extends Error {
  readonly code = "ECSLITE_DATA_DIR_IN_USE";
}

/**
 * Takes the data directory for this store: an exclusive lock on `ecslite.lock` (SQLite's own file
 * locking, which the operating system releases when the process ends, however it ends). A second
 * ecslite on the same directory would run a second scheduler over the same rows, and its commits
 * would go unseen by this one's cached documents: it is refused at once.
 */
function lockDataDirectory(dir: string): Database.Database {
  const lock = new Database(path.join(dir, "ecslite.lock"), { timeout: 0 });
  try {
    lock.exec("BEGIN EXCLUSIVE");
    lock.exec("CREATE TABLE IF NOT EXISTS held (note TEXT)");
    return lock;
  } catch (error) {
    lock.close();
    if ((error as { code?: unknown }).code === "SQLITE_BUSY") throw new DataDirectoryInUse(`another ecslite process is serving ${dir}`, { cause: error });
    throw error;
  }
}

function startCheckpointer(file: string): Worker {
  const worker = new Worker(path.join(__dirname, "checkpointer.js"), { workerData: { file } });
  worker.unref();
  // A checkpoint that fails is retried at the next interval; the WAL only grows meanwhile.
  worker.on("error", () => undefined);
  return worker;
}
