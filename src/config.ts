// Configuration: every flag has a matching ECSLITE_* environment variable; flags win.
import type { LogFormat, LogLevel } from "./logger";
import { DEFAULT_ACCOUNT } from "./protocol/identity";

export type { LogFormat, LogLevel };
export type AuthMode = "off" | "sigv4" | "iam";

export interface Config {
  host: string;
  port: number;
  /** Directory of the SQLite store; ignored with inMemory. */
  dataDir: string;
  inMemory: boolean;
  /** postgres://... : share one state between several replicas (instead of SQLite). */
  postgresUrl?: string;
  logLevel: LogLevel;
  /** text for a person, json (one object a line) for log shippers. */
  logFormat: LogFormat;
  defaultAccount: string;
  /** access key id -> account id */
  accounts: Map<string, string>;
  auth: AuthMode;
  credentialsFile?: string;
  /** "real", or "virtual": time moves only through POST /_ecslite/clock. */
  clock: "real" | "virtual";
  /** Milliseconds for each task lifecycle step; 0 everywhere is the zero-delay mode. */
  stepMs: number;
  /** How long STOPPED tasks stay describable (ms). */
  stoppedTaskRetentionMs: number;
  /** How often the scheduler polls the store when nothing woke it (ms). */
  schedulerIntervalMs: number;
  /** Open client connections served at once; more are answered 503 and closed. */
  maxConnections: number;
  /** Time a client has to send a whole request (headers and body), in ms; then 408 and the connection closes. */
  requestTimeoutMs: number;
  /** The tasks-per-service quota: the largest desiredCount CreateService and UpdateService accept. */
  maxTasksPerService: number;
  /** Start the scheduler with the server (false only for tests of the API alone). */
  scheduler: boolean;
  /** Check every response against the model's output shape; a violation answers ServerException (for test suites). */
  checkResponses: boolean;
  /** ECS events kept in the store for the event stream (0: no events are captured). */
  eventBacklog: number;
  /** Deliver ECS events to this EventBridge PutEvents endpoint. */
  eventBridgeEndpoint?: string;
  eventBridgeBus?: string;
  /** `source` of the delivered events (aws.ecs; AWS refuses aws.* sources from PutEvents). */
  eventBridgeSource: string;
  /** Where AWS_LAMBDA lifecycle hooks are invoked (the Lambda Invoke API of LocalStack, moto, ...); none: such hooks fail. */
  lambdaEndpoint?: string;
  /** Deep-freeze every record the store returns, so code that mutates a shared record fails (for ecslite's own tests; no flag). */
  freezeRecords?: boolean;
}

interface Option {
  flag: string;
  env: string;
  arg?: string;
  help: string;
  apply(config: Config, value: string): void;
}

/** A bad value; parseConfig puts the flag or environment variable that gave it in front. */
class BadValue extends Error {}

function positiveInteger(value: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  // Digits only: Number() would also take "", " ", "0x10" and "1e3".
  const n = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isInteger(n) || n < min || n > max) throw new BadValue(`must be an integer from ${min} to ${max} (got '${value}')`);
  return n;
}

function oneOf<T extends string>(value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) throw new BadValue(`must be one of ${allowed.join(", ")} (got '${value}')`);
  return value as T;
}

function flagValue(value: string): boolean {
  if (["true", "1", "yes", ""].includes(value)) return true;
  if (["false", "0", "no"].includes(value)) return false;
  throw new BadValue(`must be true or false (got '${value}')`);
}

function httpUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new BadValue(`must be an http:// or https:// URL (got '${value}')`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new BadValue(`must be an http:// or https:// URL (got '${value}')`);
  return value;
}

/** "AKIDEXAMPLE=111122223333,OTHERKEY=444455556666" */
function parseAccounts(value: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const pair of value.split(",").map((s) => s.trim()).filter(Boolean)) {
    const [key, account] = pair.split("=");
    if (!key || !account || !/^\d{12}$/.test(account)) throw new BadValue(`entries look like ACCESS_KEY=123456789012 (got '${pair}')`);
    map.set(key, account);
  }
  return map;
}

export const OPTIONS: readonly Option[] = [
  { flag: "--port", env: "ECSLITE_PORT", arg: "N", help: "port to listen on (default 4566; 0 picks a free one)", apply: (c, v) => (c.port = positiveInteger(v, 0, 65535)) },
  { flag: "--host", env: "ECSLITE_HOST", arg: "ADDR", help: "address to bind (default 127.0.0.1)", apply: (c, v) => (c.host = v) },
  { flag: "--data-dir", env: "ECSLITE_DATA_DIR", arg: "DIR", help: "directory of the SQLite store (default ./.ecslite)", apply: (c, v) => (c.dataDir = v) },
  { flag: "--in-memory", env: "ECSLITE_IN_MEMORY", help: "keep state in memory only (SQLite :memory:)", apply: (c, v) => (c.inMemory = flagValue(v)) },
  { flag: "--postgres", env: "ECSLITE_POSTGRES_URL", arg: "URL", help: "keep state in PostgreSQL (postgres://user:pass@host/db) so several replicas share it", apply: (c, v) => (c.postgresUrl = v) },
  { flag: "--log-level", env: "ECSLITE_LOG_LEVEL", arg: "LEVEL", help: "error, warn, info (default) or debug", apply: (c, v) => (c.logLevel = oneOf(v, ["error", "warn", "info", "debug"] as const)) },
  { flag: "--log-format", env: "ECSLITE_LOG_FORMAT", arg: "FORMAT", help: "text (default, for a person) or json (one object a line, for log shippers)", apply: (c, v) => (c.logFormat = oneOf(v, ["text", "json"] as const)) },
  { flag: "--default-account", env: "ECSLITE_DEFAULT_ACCOUNT", arg: "ID", help: `account of unmapped access keys (default ${DEFAULT_ACCOUNT}); a 12-digit access key is its own account`, apply: (c, v) => {
      if (!/^\d{12}$/.test(v)) throw new BadValue(`must be 12 digits (got '${v}')`);
      c.defaultAccount = v;
    } },
  { flag: "--accounts", env: "ECSLITE_ACCOUNTS", arg: "KEY=ID,...", help: "map access key ids to account ids", apply: (c, v) => (c.accounts = parseAccounts(v)) },
  { flag: "--auth", env: "ECSLITE_AUTH", arg: "MODE", help: "off (default: any credentials), sigv4 (verify signatures) or iam (signatures and IAM policies)", apply: (c, v) => (c.auth = oneOf(v, ["off", "sigv4", "iam"] as const)) },
  { flag: "--credentials", env: "ECSLITE_CREDENTIALS", arg: "FILE", help: "JSON or YAML file of access keys, secrets, accounts and policies (for --auth sigv4|iam)", apply: (c, v) => (c.credentialsFile = v) },
  { flag: "--clock", env: "ECSLITE_CLOCK", arg: "KIND", help: "real (default) or virtual (time moves only through POST /_ecslite/clock)", apply: (c, v) => (c.clock = oneOf(v, ["real", "virtual"] as const)) },
  { flag: "--task-step-ms", env: "ECSLITE_TASK_STEP_MS", arg: "MS", help: "time each task lifecycle step takes (default 300: about a second from PROVISIONING to RUNNING); 0 is the zero-delay mode", apply: (c, v) => (c.stepMs = positiveInteger(v)) },
  { flag: "--stopped-task-retention", env: "ECSLITE_STOPPED_TASK_RETENTION_MS", arg: "MS", help: "how long STOPPED tasks stay describable (default 3600000, one hour)", apply: (c, v) => (c.stoppedTaskRetentionMs = positiveInteger(v)) },
  { flag: "--scheduler-interval-ms", env: "ECSLITE_SCHEDULER_INTERVAL_MS", arg: "MS", help: "how often the scheduler polls the store (default 100)", apply: (c, v) => (c.schedulerIntervalMs = positiveInteger(v, 1)) },
  { flag: "--max-connections", env: "ECSLITE_MAX_CONNECTIONS", arg: "N", help: "client connections served at once; more are refused with 503 (default 1000)", apply: (c, v) => (c.maxConnections = positiveInteger(v, 1, 1_000_000)) },
  { flag: "--request-timeout-ms", env: "ECSLITE_REQUEST_TIMEOUT_MS", arg: "MS", help: "time a client has to send a whole request before 408 (default 30000)", apply: (c, v) => (c.requestTimeoutMs = positiveInteger(v, 100, 3_600_000)) },
  { flag: "--max-tasks-per-service", env: "ECSLITE_MAX_TASKS_PER_SERVICE", arg: "N", help: "largest desiredCount a service may have (default 5000, ECS's tasks-per-service quota)", apply: (c, v) => (c.maxTasksPerService = positiveInteger(v, 1, 1_000_000)) },
  { flag: "--no-scheduler", env: "ECSLITE_NO_SCHEDULER", help: "serve the API without running the task scheduler", apply: (c, v) => (c.scheduler = !flagValue(v)) },
  { flag: "--event-backlog", env: "ECSLITE_EVENT_BACKLOG", arg: "N", help: "ECS events kept for GET /_ecslite/events (default 10000; 0 captures none)", apply: (c, v) => (c.eventBacklog = positiveInteger(v, 0, 10_000_000)) },
  { flag: "--eventbridge-endpoint", env: "ECSLITE_EVENTBRIDGE_ENDPOINT", arg: "URL", help: "deliver ECS events to this EventBridge endpoint with PutEvents (LocalStack, moto), signed with the AWS SDK's default credentials", apply: (c, v) => (c.eventBridgeEndpoint = httpUrl(v)) },
  { flag: "--eventbridge-bus", env: "ECSLITE_EVENTBRIDGE_BUS", arg: "NAME", help: "event bus for --eventbridge-endpoint (default: the default bus)", apply: (c, v) => (c.eventBridgeBus = v) },
  { flag: "--eventbridge-source", env: "ECSLITE_EVENTBRIDGE_SOURCE", arg: "SOURCE", help: "source of delivered events (default aws.ecs; AWS itself refuses aws.* sources from PutEvents)", apply: (c, v) => (c.eventBridgeSource = v) },
  { flag: "--lambda-endpoint", env: "ECSLITE_LAMBDA_ENDPOINT", arg: "URL", help: "Lambda Invoke API for AWS_LAMBDA deployment lifecycle hooks (LocalStack, moto, ...); without it such hooks fail", apply: (c, v) => (c.lambdaEndpoint = httpUrl(v)) },
  { flag: "--check-responses", env: "ECSLITE_CHECK_RESPONSES", help: "check every response against the SDK model's output shape; a mismatch is logged and answered with ServerException (for test suites)", apply: (c, v) => (c.checkResponses = flagValue(v)) },
];

export function defaultConfig(): Config {
  return {
    host: "127.0.0.1",
    port: 4566,
    dataDir: ".ecslite",
    inMemory: false,
    logLevel: "info",
    logFormat: "text",
    defaultAccount: DEFAULT_ACCOUNT,
    accounts: new Map(),
    auth: "off",
    clock: "real",
    stepMs: 300,
    stoppedTaskRetentionMs: 3_600_000,
    schedulerIntervalMs: 100,
    maxConnections: 1000,
    requestTimeoutMs: 30_000,
    maxTasksPerService: 5000,
    scheduler: true,
    checkResponses: false,
    eventBacklog: 10_000,
    eventBridgeSource: "aws.ecs",
  };
}

export function helpText(): string {
  const lines = OPTIONS.map((o) => {
    const left = `  ${o.flag}${o.arg ? ` ${o.arg}` : ""}`;
    return `${left.padEnd(34)}${o.help}\n${"".padEnd(34)}env ${o.env}`;
  });
  return `Usage: ecslite [options]\n\nA local Amazon ECS control plane on http://127.0.0.1:4566.\n\nOptions:\n${lines.join("\n")}\n  --version                       print the version\n  --help                          show this help\n`;
}

export interface CommandLine {
  readonly config: Config;
  /** For each option that was set: the flag or ECSLITE_* variable that set it, to name in messages. */
  readonly origins: ReadonlyMap<string, string>;
}

/** The same settings given two ways that cannot both hold. */
const CONFLICTS: readonly [string, string, string][] = [
  ["--in-memory", "--data-dir", "keep state in memory or in a directory, not both"],
  ["--in-memory", "--postgres", "keep state in memory or in PostgreSQL, not both"],
  ["--data-dir", "--postgres", "keep state in SQLite files or in PostgreSQL, not both"],
];

/**
 * Applies ECSLITE_* variables, then flags (flags win). Throws with a one-line message naming the
 * flag or variable at fault.
 */
export function parseCommandLine(argv: readonly string[], env: NodeJS.ProcessEnv, base: Config = defaultConfig()): CommandLine {
  const config = { ...base, accounts: new Map(base.accounts) };
  const origins = new Map<string, string>();
  const apply = (option: Option, name: string, value: string) => {
    try {
      option.apply(config, value);
    } catch (error) {
      if (error instanceof BadValue) throw new Error(`${name} ${error.message}`);
      throw error;
    }
    origins.set(option.flag, name);
  };
  for (const option of OPTIONS) {
    const value = env[option.env];
    if (value !== undefined && value !== "") apply(option, option.env, value);
  }
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s, 2);
    const option = OPTIONS.find((o) => o.flag === flag);
    if (!option) throw new Error(`unknown option '${argv[i]}' (see --help)`);
    if (!option.arg) {
      apply(option, flag, inline ?? "true");
      continue;
    }
    const value = inline ?? argv[++i];
    if (value === undefined) throw new Error(`${flag} needs a value (${option.arg})`);
    apply(option, flag, value);
  }
  const given = (flag: string) => origins.has(flag) && (flag !== "--in-memory" || config.inMemory);
  for (const [a, b, why] of CONFLICTS) {
    if (given(a) && given(b)) throw new Error(`${origins.get(a)} conflicts with ${origins.get(b)}: ${why}`);
  }
  if (config.auth !== "off" && !config.credentialsFile) {
    throw new Error(`${origins.get("--auth")} ${config.auth} needs --credentials FILE (or ECSLITE_CREDENTIALS): the access keys, secrets, accounts and policies to check requests against (see docs/auth.md)`);
  }
  return { config, origins };
}

/** parseCommandLine's configuration alone (for embedding). */
export function parseConfig(argv: readonly string[], env: NodeJS.ProcessEnv, base: Config = defaultConfig()): Config {
  return parseCommandLine(argv, env, base).config;
}
