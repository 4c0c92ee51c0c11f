// The long run of the model-based test: `npm run fuzz:model` (thousands of cases; MODEL_RUNS,
// MODEL_SEED and MODEL_MAX_COMMANDS override). Prints the seed first, progress as it goes, and on
// failure fast-check's report: the seed, the replay path and the shrunk command list.
// It lives under test/ but runs only when started as `npm run fuzz:model` (ECSLITE_FUZZ_MODEL=1),
// not when `node --test` picks up every file of dist/test/.
import { runModel } from "./run";

async function main(): Promise<void> {
  const numRuns = Number(process.env.MODEL_RUNS ?? 5000);
  const seed = Number(process.env.MODEL_SEED ?? Date.now() % 2 ** 31);
  const maxCommands = Number(process.env.MODEL_MAX_COMMANDS ?? 30);
  console.log(`model-based fuzzing: ${numRuns} cases, up to ${maxCommands} commands each, seed ${seed}`);
  let lastReport = Date.now();
  const { stats, failure } = await runModel({
    numRuns,
    seed,
    maxCommands,
    progress: (s) => {
      if (Date.now() - lastReport < 30_000) return;
      lastReport = Date.now();
      console.log(`  ${s.cases} cases, ${s.commands} commands (${(s.commands / s.cases).toFixed(1)} a case, ${s.minCommandsInCase} to ${s.maxCommandsInCase}), ${Math.round(s.ms / 1000)} s`);
    },
  });
  console.log(
    `${failure ? "FAILED" : "passed"}: ${stats.cases} cases, ${stats.commands} commands (${(stats.commands / Math.max(1, stats.cases)).toFixed(1)} a case, ${stats.cases ? stats.minCommandsInCase : 0} to ${stats.maxCommandsInCase}), ${Math.round(stats.ms / 1000)} s, seed ${seed}`,
  );
  if (failure) {
    console.log(failure);
    process.exitCode = 1;
  }
}

if (process.env.ECSLITE_FUZZ_MODEL === "1") void main();
