// Assertions on what an SDK call refuses with, as a user's suite would check them.
import * as assert from "node:assert/strict";

interface SdkError {
  name: string;
  message: string;
  $metadata?: { httpStatusCode?: number };
}

/** Awaits `call`, asserting it fails with the named ECS exception (and, optionally, a message). */
export async function refusedWith(call: Promise<unknown>, name: string, message?: RegExp): Promise<SdkError> {
  let error: SdkError | undefined;
  try {
    await call;
  } catch (e) {
    error = e as SdkError;
  }
  assert.ok(error, `expected ${name}, but the call succeeded`);
  assert.equal(error.name, name, `expected ${name}, got ${error.name}: ${error.message}`);
  if (message) assert.match(error.message, message);
  return error;
}
