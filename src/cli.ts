#!/usr/bin/env node
// ecslite: flags and ECSLITE_* env -> config -> server. Anything that stops it from starting is
// one line on stderr naming what to change, and exit status 2.
import { type CommandLine, helpText, parseCommandLine } from "./config";
import { startServer } from "./server";
import { StartupError } from "./startup";
import { packageVersion } from "./version";

/** Exit status for every refusal to start (bad options, a port in use, an unreachable store). */
const CANNOT_START = 2;


function refuse(message: string): void {
  process.stderr.write(`ecslite: ${message}\n`);
  process.exitCode = CANNOT_START;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv.includes("--help") || argv.includes("-h")) {
    process.stdout.write(helpText());
    return;
  }
  if (argv.includes("--version")) {
    process.stdout.write(`ecslite ${packageVersion()}\n`);
    return;
  }
  let commandLine: CommandLine;
  try {
    commandLine = parseCommandLine(argv, process.env);
  } catch (error) {
    refuse((error as Error).message);
    return;
  }
  const { config, origins } = commandLine;
  let server;
  try {
    server = await startServer(config);
  } catch (error) {
    if (error instanceof StartupError) refuse(error.messageFor(error.option && origins.get(error.option)));
    // Not a failure startup knows how to word: still one line, with the stack only on request.
    else if (config.logLevel === "debug") refuse(`could not start: ${error instanceof Error ? error.stack : String(error)}`);
    else refuse(`could not start: ${error instanceof Error ? error.message : String(error)} (--log-level debug shows where)`);
    return;
  }
  const { logger } = server;
  logger.notice(`ecslite listening on ${server.url} (version ${packageVersion()}; store: ${server.store.description}; clock: ${config.clock}; auth: ${config.auth})`);
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.notice(`${signal}: finishing in-flight requests and closing the store`);
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error("error while closing", error);
        logger.flush();
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));
}

main().catch((error: unknown) => {
  process.stderr.write(`ecslite: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
