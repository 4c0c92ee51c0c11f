#!/usr/bin/env node
// ecslite: flags and ECSLITE_* env -> config -> server.
import { helpText, parseConfig } from "./config";
import { startServer } from "./server";

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv.includes("--help") || argv.includes("-h")) {
    process.stdout.write(helpText());
    return;
  }
  let config;
  try {
    config = parseConfig(argv, process.env);
  } catch (error) {
    process.stderr.write(`ecslite: ${(error as Error).message}\n`);
    process.exitCode = 2;
    return;
  }
  const server = await startServer(config);
  process.stdout.write(`ecslite listening on ${server.url} (store: ${server.store.description}; clock: ${config.clock}; auth: ${config.auth})\n`);
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`ecslite: ${signal}, finishing in-flight requests and closing the store\n`);
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`ecslite: error while closing: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));
}

main().catch((error: unknown) => {
  process.stderr.write(`ecslite: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  process.exit(1);
});
