// Why ecslite could not start, in one line that names the flag (or ECSLITE_* variable) to change.
// startServer turns the errors of each startup step into a StartupError; the command line prints
// its message with the name the user actually used, and exits with status 2.
import * as path from "node:path";
import type { Config } from "./config";

export class StartupError extends Error {
  /**
   * @param option the flag whose value is at fault ("--port"), if one is
   * @param describe the message, given the name to show for that option (the flag or its variable)
   */
  constructor(
    readonly option: string | undefined,
    private readonly describe: (name: string) => string,
    options?: { cause?: unknown },
  ) {
    super(describe(option ?? ""), options);
    this.name = "StartupError";
  }

  /** The message, naming the option as the user gave it (e.g. ECSLITE_PORT instead of --port). */
  messageFor(name: string | undefined): string {
    return this.describe(name ?? this.option ?? "");
  }
}

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === "string" ? code : undefined;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The server could not listen on config.host:config.port. */
export function listenFailure(config: Config, error: unknown): StartupError {
  const { host, port } = config;
  switch (codeOf(error)) {
    case "EADDRINUSE":
      return new StartupError("--port", (name) => `port ${port} on ${host} is already in use: stop what uses it or choose another port with ${name}`, { cause: error });
    case "EACCES":
      return new StartupError("--port", (name) => `no permission to listen on port ${port} (ports below 1024 need privileges): choose another port with ${name}`, { cause: error });
    case "EADDRNOTAVAIL":
      return new StartupError("--host", (name) => `${host} is not an address of this machine: change ${name}`, { cause: error });
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return new StartupError("--host", (name) => `host name '${host}' does not resolve: change ${name}`, { cause: error });
    default:
      return new StartupError("--port", (name) => `cannot listen on ${host}:${port} (${messageOf(error)}): check ${name} and --host`, { cause: error });
  }
}

/** The SQLite store in config.dataDir could not be opened. */
export function dataDirFailure(config: Config, error: unknown): StartupError {
  const dir = path.resolve(config.dataDir);
  const code = codeOf(error);
  const because = (() => {
    switch (code) {
      case "EEXIST":
      case "ENOTDIR":
        return "is a file, not a directory";
      case "EACCES":
      case "EPERM":
        return "cannot be created or written (permission denied)";
      case "EROFS":
        return "is on a read-only file system";
      case "SQLITE_NOTADB":
      case "SQLITE_CORRUPT":
        return `holds an ecslite.sqlite that is not a SQLite database (${messageOf(error)})`;
      case "SQLITE_CANTOPEN":
        return "cannot hold the SQLite store (unable to open the database file)";
      case "ECSLITE_DATA_DIR_IN_USE":
        return "is in use by another ecslite process (each process needs a directory of its own; replicas share PostgreSQL)";
      default:
        return `cannot hold the SQLite store (${messageOf(error)})`;
    }
  })();
  return new StartupError("--data-dir", (name) => `${name} ${dir} ${because}: choose another directory with ${name}`, { cause: error });
}

/** A postgres:// URL with its password hidden. */
export function redactUrl(url: string): string {
  return url.replace(/:\/\/([^:@/]+):[^@/]*@/, "://$1:***@");
}

/** PostgreSQL could not be reached or refused the connection. */
export function postgresFailure(config: Config, error: unknown): StartupError {
  const at = redactUrl(config.postgresUrl ?? "");
  const code = codeOf(error);
  const because = (() => {
    switch (code) {
      case "ECONNREFUSED":
        return "connection refused (is PostgreSQL running there?)";
      case "ENOTFOUND":
      case "EAI_AGAIN":
        return "the host name does not resolve";
      case "ETIMEDOUT":
      case "EHOSTUNREACH":
      case "ENETUNREACH":
        return `the host cannot be reached (${messageOf(error)})`;
      case "28P01":
      case "28000":
        return `the server refused the login (${messageOf(error)})`;
      default:
        return messageOf(error);
    }
  })();
  return new StartupError("--postgres", (name) => `cannot connect to PostgreSQL at ${at}: ${because}; check ${name}`, { cause: error });
}

/** The credentials file could not be read or is not valid. */
export function credentialsFailure(config: Config, error: unknown): StartupError {
  const file = config.credentialsFile;
  if (file === undefined) return new StartupError("--auth", () => messageOf(error), { cause: error });
  const cause = (error as { cause?: unknown }).cause;
  const because = (() => {
    switch (codeOf(cause)) {
      case "ENOENT":
        return "does not exist";
      case "EACCES":
      case "EPERM":
        return "cannot be read (permission denied)";
      case "EISDIR":
        return "is a directory, not a file";
      default:
        // The file's own problem, as the reader words it, without repeating the file name.
        return messageOf(error).replace(/^credentials file .*?: /, "");
    }
  })();
  return new StartupError("--credentials", (name) => `${name} ${file} ${because}`, { cause: error });
}

/** Runs one startup step, turning what it throws into a StartupError; gives up after timeoutMs. */
export async function startupStep<T>(run: () => T | Promise<T>, failure: (error: unknown) => StartupError, timeoutMs?: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const work = Promise.resolve().then(run);
    if (timeoutMs === undefined) return await work;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(Object.assign(new Error(`no answer within ${timeoutMs / 1000} s`), { code: "ETIMEDOUT" })), timeoutMs);
    });
    return await Promise.race([work, timeout]);
  } catch (error) {
    throw error instanceof StartupError ? error : failure(error);
  } finally {
    if (timer) clearTimeout(timer);
  }
}
