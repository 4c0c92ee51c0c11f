// How a document is kept in SQLite. A retired task (TaskRecord.retired: stopped, kept only to be
// described until it is forgotten, an hour by default) is stored as a blob: a version byte, then
// its JSON deflated against a preset dictionary of typical tasks (taskDictionary.ts). Its 2 KB of
// mostly repeated names and ARNs becomes about 250 bytes, and such rows pack many to a page.
// A large event batch is deflated too (without a dictionary). Every other document stays JSON
// text, readable with the sqlite3 shell.
import { deflateRawSync, inflateRawSync } from "node:zlib";
import type { Kind } from "./store";
import { TASK_DICTIONARY_V1 } from "./taskDictionary";

/** Dictionaries by the version byte that starts a compressed document. Append only. */
const DICTIONARIES: readonly Buffer[] = [Buffer.alloc(0), TASK_DICTIONARY_V1];
const NO_DICTIONARY = 0;
const CURRENT_TASK_DICTIONARY = 1;

/**
 * An event batch (src/events/backlog.ts) larger than a page is deflated too, at the fastest level,
 * without a dictionary: its events repeat each other's names and ARNs, so it shrinks about tenfold
 * for about 2 µs an event, where writing, logging (WAL) and later freeing its pages in full cost
 * several times that. Smaller batches (a request's few events) stay text.
 */
const DEFLATED_BATCH_MIN_CHARS = 4096;

/** What the doc column of a row holds for this document. */
export function encodeDocument(kind: Kind, doc: unknown): string | Buffer {
  const text = JSON.stringify(doc);
  if (kind === "task" && (doc as { retired?: boolean }).retired === true) {
    return Buffer.concat([Buffer.of(CURRENT_TASK_DICTIONARY), deflateRawSync(text, { dictionary: DICTIONARIES[CURRENT_TASK_DICTIONARY] })]);
  }
  if (kind === "eventBatch" && text.length >= DEFLATED_BATCH_MIN_CHARS) return Buffer.concat([Buffer.of(NO_DICTIONARY), deflateRawSync(text, { level: 1 })]);
  return text;
}

/** The JSON text of a doc column as encodeDocument stored it. */
export function decodeDocument(stored: string | Buffer): string {
  if (typeof stored === "string") return stored;
  const dictionary = DICTIONARIES[stored[0]];
  if (dictionary === undefined) throw new Error(`a stored document is compressed with dictionary ${stored[0]}, which this version of ecslite does not have`);
  return inflateRawSync(stored.subarray(1), dictionary.length ? { dictionary } : {}).toString("utf8");
}
