// Runs the model-based test: random sequences of deploy-controller commands against one ecslite,
// the oracle checking every invariant after each command, then a quiet period after which
// everything without faults must have converged. Used bounded by `npm test` (test/model.test.ts)
// and long by `npm run fuzz:model` (test/model/fuzz.ts).
import { UpdateContainerInstancesStateCommand } from "@aws-sdk/client-ecs";
import fc from "fast-check";
import { commandArbitraries, type Model, type Real } from "./commands";
import { checkConverged, checkInvariants, newMemory, snapshot } from "./oracle";
import { CLUSTER, resetWorld, type Setup, startWorldServer } from "./world";

export interface ModelRunOptions {
  numRuns: number;
  seed: number;
  maxCommands: number;
  /** Stop generating new cases after this long (ms); the cases run so far are reported. */
  timeLimitMs?: number;
  /** Called after each case with the running totals. */
  progress?: (stats: ModelRunStats) => void;
}

export interface ModelRunStats {
  cases: number;
  commands: number;
  minCommandsInCase: number;
  maxCommandsInCase: number;
  ms: number;
}

const setupArbitrary: fc.Arbitrary<Setup> = fc.record({
  externalDesired: fc.nat({ max: 6 }),
  rollingDesired: fc.nat({ max: 4 }),
  gracePeriodSeconds: fc.constantFrom(0, 2),
  maximumPercent: fc.constantFrom(200, 150),
  minimumHealthyPercent: fc.constantFrom(100, 50),
  circuitBreaker: fc.record({ enable: fc.boolean(), rollback: fc.boolean() }),
  zeroDelay: fc.boolean(),
});

/** Ten quiet minutes, every instance ACTIVE: long enough for any backoff and rollback to play out. */
const QUIET_MINUTES = 10;

export async function runModel(options: ModelRunOptions): Promise<{ stats: ModelRunStats; failure?: string }> {
  // One server for each step time; a case runs on the one its setup names.
  const servers = { steps: await startWorldServer(), zeroDelay: await startWorldServer(0) };
  const clients = { steps: servers.steps.client(), zeroDelay: servers.zeroDelay.client() };
  const started = Date.now();
  const stats: ModelRunStats = { cases: 0, commands: 0, minCommandsInCase: Number.POSITIVE_INFINITY, maxCommandsInCase: 0, ms: 0 };
  const property = fc.asyncProperty(setupArbitrary, fc.commands(commandArbitraries, { maxCommands: options.maxCommands, size: "max" }), async (setup, commands) => {
    const which = setup.zeroDelay ? "zeroDelay" : "steps";
    const server = servers[which];
    const client = clients[which];
    const world = await resetWorld(server, client, setup);
    const memory = newMemory();
    const real: Real = { world, memory };
    const first = await snapshot(world);
    checkInvariants(world, memory, first, "the setup");
    const model: Model = { last: first };
    await fc.asyncModelRun(() => ({ model, real }), commands);
    for (const instance of world.instances) await client.send(new UpdateContainerInstancesStateCommand({ cluster: CLUSTER, containerInstances: [instance], status: "ACTIVE" }));
    // Every instant the scheduler works at is observed, so every event can be judged.
    await server.settle();
    checkInvariants(world, memory, await snapshot(world), "every instance ACTIVE again");
    for (let minute = 0; minute < QUIET_MINUTES; minute++) {
      await server.advance(60);
      checkInvariants(world, memory, await snapshot(world), `quiet minute ${minute + 1}`);
    }
    checkConverged(world, memory, await snapshot(world));
    stats.cases++;
    stats.commands += world.commandsRun;
    stats.minCommandsInCase = Math.min(stats.minCommandsInCase, world.commandsRun);
    stats.maxCommandsInCase = Math.max(stats.maxCommandsInCase, world.commandsRun);
    stats.ms = Date.now() - started;
    options.progress?.(stats);
  });
  try {
    const result = await fc.check(property, {
      numRuns: options.numRuns,
      seed: options.seed,
      ...(options.timeLimitMs ? { interruptAfterTimeLimit: options.timeLimitMs, markInterruptAsFailure: false } : {}),
    });
    stats.ms = Date.now() - started;
    if (!result.failed) return { stats };
    const error = result.errorInstance instanceof Error ? result.errorInstance.message : String(result.errorInstance);
    return { stats, failure: `${fc.defaultReportMessage(result) ?? "failed"}\nError: ${error}` };
  } finally {
    await Promise.all([servers.steps.close(), servers.zeroDelay.close()]);
  }
}
