// What a store reports when a transaction cannot be done now but could be later. Neither leaves
// anything committed, so the request is safe to send again; the API answers each with the error
// AWS clients retry (src/protocol/storeFaults.ts).

/** Other writers kept changing the same rows (replicas colliding) until the retry time ran out. */
export class StoreContentionError extends Error {
  override readonly name = "StoreContentionError";
}

/** The database could not be reached (connection lost, restarting) until the retry time ran out. */
export class StoreUnavailableError extends Error {
  override readonly name = "StoreUnavailableError";
}
