// A small leveled logger to stderr.
import type { LogLevel } from "./config";

const ORDER: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3 };

export class Logger {
  constructor(private readonly level: LogLevel) {}
  private log(level: LogLevel, args: unknown[]): void {
    if (ORDER[level] <= ORDER[this.level]) console.error(`[ecslite] ${level}:`, ...args);
  }
  error(...args: unknown[]): void {
    this.log("error", args);
  }
  warn(...args: unknown[]): void {
    this.log("warn", args);
  }
  info(...args: unknown[]): void {
    this.log("info", args);
  }
  debug(...args: unknown[]): void {
    this.log("debug", args);
  }
}
