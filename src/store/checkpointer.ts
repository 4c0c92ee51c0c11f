// A worker thread that checkpoints the SQLite WAL from its own connection, so the fsync of a
// checkpoint happens here and not inside the COMMIT of a request (the server's connection has
// automatic checkpoints turned off). The bulk is copied PASSIVE, never blocking the server; then
// the few frames written meanwhile are copied holding the writer back for that moment (RESTART,
// given up at once when a transaction is writing), so that the server's next write starts the WAL
// over. Under writes that never pause, a passive checkpoint alone never catches up: the WAL grew to
// its 64 MiB bound every two seconds, and starting it over then held the server's writes for
// several milliseconds (UpdateTaskSet's p99 on disk 20 ms; now that of in memory).
import { parentPort, workerData } from "node:worker_threads";
import Database from "better-sqlite3";

/** How often to look at the WAL, and how many pages it may hold before a checkpoint. */
const INTERVAL_MS = 200;
const MIN_PAGES = 1000;

const db = new Database((workerData as { file: string }).file);
db.pragma("busy_timeout = 0");
const checkpoint = db.prepare("PRAGMA wal_checkpoint(PASSIVE)");
const truncate = db.prepare("PRAGMA wal_checkpoint(TRUNCATE)");
/**
 * Copies what the passive checkpoint could not (the frames written while it ran: a few pages),
 * holding the writer back only for that; once all is copied, the server's next write starts the WAL
 * from its beginning. Without a busy timeout it gives up at once when a transaction is writing.
 */
const restart = db.prepare("PRAGMA wal_checkpoint(RESTART)");
/** A WAL this large (in pages; 64 MiB of 4 KiB pages) is checkpointed and truncated however busy the writers are. */
const MAX_WAL_PAGES = 16_384;
/** The WAL's size in pages (a checkpoint of nothing reports it without copying). */
const walPages = db.prepare("PRAGMA wal_checkpoint(NOOP)");
/** Free pages (rows deleted, e.g. stopped tasks forgotten) are given back to the file system a few at a time. */
const freePages = db.prepare("PRAGMA freelist_count").pluck();
const RECLAIM_PAGES = 256;

let lastLog = -1;
const timer = setInterval(() => {
  try {
    const { log, checkpointed } = walPages.get() as { busy: number; log: number; checkpointed: number };
    // Enough to be worth an fsync, or writes have paused and a remainder is waiting.
    const pending = log - checkpointed;
    if (log >= MAX_WAL_PAGES) {
      // Writes that never pause keep a passive checkpoint from ever finishing, and the WAL grows
      // without end: wait a moment for a gap between transactions and start the WAL over.
      db.pragma("busy_timeout = 250");
      try {
        truncate.run();
      } finally {
        db.pragma("busy_timeout = 0");
      }
    } else if (pending >= MIN_PAGES || (pending > 0 && log === lastLog)) {
      checkpoint.run();
      restart.run();
    }
    lastLog = log;
    if ((freePages.get() as number) >= RECLAIM_PAGES) db.pragma(`incremental_vacuum(${RECLAIM_PAGES})`);
  } catch {
    // Busy or locked: the next interval tries again.
  }
}, INTERVAL_MS);

parentPort?.on("message", (message: unknown) => {
  if (message === "stop") {
    clearInterval(timer);
    db.close();
    process.exit(0);
  }
});
