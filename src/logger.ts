// Logs: pino underneath, one line per API request at the default level, as JSON for log shippers
// or as text for a person. Text lines are pino's JSON lines re-formatted on their way out, so both
// formats carry the same fields.
import pino, { type DestinationStream, type Logger as Pino } from "pino";

export type LogLevel = "error" | "warn" | "info" | "debug";
export type LogFormat = "text" | "json";

/** One API request, as logged when it has been answered. */
export interface RequestLogLine {
  readonly requestId: string;
  /** "ecs", "elbv2"; absent when the request named no service. */
  readonly service?: string;
  readonly operation?: string;
  /** What was asked when no operation was named ("GET /favicon.ico"). */
  readonly request?: string;
  /** Absent when the request was refused before the caller was known. */
  readonly account?: string;
  readonly region?: string;
  readonly status: number;
  readonly errorType?: string;
  readonly ms: number;
}

type Fields = Record<string, unknown>;

const LEVEL_LABEL: Record<string, string> = { error: "ERROR", warn: "WARN ", info: "INFO ", debug: "DEBUG" };

/** "2026-11-25T10:00:00.123Z INFO  000000000000 us-east-1 CreateService 400 ClusterNotFoundException 1.2ms" */
export function formatText(line: Fields): string {
  const { time, level, msg, kind, err, account, region, ...rest } = line;
  let text = `${String(time)} ${LEVEL_LABEL[String(level)] ?? String(level)}`;
  if (kind === "request") {
    const { operation, request, status, errorType, ms } = rest;
    text += ` ${String(account ?? "-")} ${String(region ?? "-")} ${String(operation ?? request ?? "-")} ${String(status)}${errorType ? ` ${String(errorType)}` : ""} ${String(ms)}ms`;
  } else {
    if (account !== undefined || region !== undefined) text += ` ${String(account ?? "-")} ${String(region ?? "-")}`;
    if (msg !== undefined) text += ` ${String(msg)}`;
    for (const [key, value] of Object.entries(rest)) {
      if (value === undefined) continue;
      const shown = typeof value === "string" ? value : JSON.stringify(value);
      text += ` ${key}=${/\s/.test(shown) ? JSON.stringify(shown) : shown}`;
    }
  }
  if (err && typeof err === "object") text += `\n${String((err as { stack?: unknown }).stack ?? (err as { message?: unknown }).message)}`;
  return `${text}\n`;
}

/** A pino destination that turns each JSON line into a text line before writing it. */
function textDestination(out: DestinationStream): DestinationStream {
  return {
    write(json: string) {
      out.write(formatText(JSON.parse(json) as Fields));
    },
  };
}

export interface LoggerOptions {
  readonly level: LogLevel;
  readonly format?: LogFormat;
  /** Where lines go; stdout (buffered) by default. */
  readonly destination?: DestinationStream;
}

export class Logger {
  private readonly pino: Pino;
  /** Lines that are written whatever the level (the startup line). */
  private readonly always: Pino;
  private readonly out: DestinationStream;

  constructor(options: LoggerOptions | LogLevel) {
    const { level, format = "text", destination } = typeof options === "string" ? { level: options } : options;
    this.out = destination ?? pino.destination({ dest: 1, sync: false });
    const sink = format === "text" ? textDestination(this.out) : this.out;
    const settings = {
      base: null,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label: string) => ({ level: label }) },
    };
    this.pino = pino({ ...settings, level }, sink);
    this.always = pino({ ...settings, level: "info" }, sink);
  }

  /** The one line per answered API request (info; a 5xx is an error). */
  request(line: RequestLogLine): void {
    const level = line.status >= 500 ? "error" : "info";
    if (!this.pino.isLevelEnabled(level)) return;
    this.pino[level]({ kind: "request", ...line });
  }

  /** A line written at any level: the startup line a supervisor or test waits for. */
  notice(message: string, fields: Fields = {}): void {
    this.always.info(fields, message);
  }

  error(message: string, error?: unknown, fields: Fields = {}): void {
    this.pino.error(error === undefined ? fields : { ...fields, err: error }, message);
  }
  warn(message: string, fields: Fields = {}): void {
    this.pino.warn(fields, message);
  }
  info(message: string, fields: Fields = {}): void {
    this.pino.info(fields, message);
  }
  debug(message: string, fields: Fields = {}): void {
    this.pino.debug(fields, message);
  }
  isEnabled(level: LogLevel): boolean {
    return this.pino.isLevelEnabled(level);
  }

  /** Writes out what is buffered (before the process exits). */
  flush(): void {
    const sonic = this.out as DestinationStream & { flushSync?: () => void };
    try {
      sonic.flushSync?.();
    } catch {
      // Nothing buffered, or stdout already closed: nothing to do.
    }
  }
}
