// The model-based test, bounded for `npm test`: random deploy-controller sessions against ecslite,
// with an oracle reading only the public API (test/model/). The long run is `npm run fuzz:model`.
import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import { runModel } from "./model/run";

/** Cases per `npm test`; MODEL_RUNS and MODEL_SEED override (a failure prints its seed). */
const RUNS = Number(process.env.MODEL_RUNS ?? 25);
const SEED = Number(process.env.MODEL_SEED ?? Date.now() % 2 ** 31);

describe("model-based test: stability, counts and events a deploy controller can trust", () => {
  it(`holds its invariants over ${RUNS} random sessions (seed ${SEED})`, { timeout: 120_000 }, async () => {
    const { stats, failure } = await runModel({ numRuns: RUNS, seed: SEED, maxCommands: 20, timeLimitMs: 60_000 });
    assert.equal(failure, undefined, failure);
    assert.ok(stats.cases > 0, "at least one case ran");
  });
});
