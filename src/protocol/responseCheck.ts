// Checks a response body against its operation's output structure from the service model, as a strict
// client would read it: no member the model lacks, each member of the model's type, enum values in
// their enum. Values AWS documents that the pinned SDK's enum does not list yet are warnings, not
// violations. Pure and protocol-neutral: it sees the object a handler returned, before encoding.
import { ServerException } from "./errors";
import type { Member, Shape, StructureShape } from "./model";

export interface ShapeReport {
  /** Each one a path and what is wrong there, e.g. "service.deployments[0].status: 'DONE' is not one of ...". */
  readonly violations: string[];
  readonly warnings: string[];
}

export interface ResponseCheckOptions {
  /** How timestamps look in handler output: epoch seconds (JSON protocols, the default) or a Date or ISO-8601 text. */
  readonly timestamps?: "epoch-seconds" | "date-time";
}

/** Reports stop growing after this many violations: one is enough to fail, a few help to fix. */
const MAX_VIOLATIONS = 10;

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "string") return `'${value.length > 60 ? `${value.slice(0, 60)}...` : value}'`;
  return typeof value === "object" ? "an object" : `${typeof value} ${String(value)}`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value) && !(value instanceof Date);
}

class Checker {
  readonly violations: string[] = [];
  readonly warnings: string[] = [];
  constructor(private readonly options: ResponseCheckOptions) {}

  private violation(at: string, problem: string): void {
    if (this.violations.length < MAX_VIOLATIONS) this.violations.push(`${at || "(response)"}: ${problem}`);
  }

  structure(value: unknown, shape: StructureShape, at: string): void {
    if (!isPlainObject(value)) return this.violation(at, `expected a ${shape.name} object, got ${describe(value)}`);
    for (const [name, memberValue] of Object.entries(value)) {
      const where = at ? `${at}.${name}` : name;
      const member = shape.members.get(name);
      if (!member) {
        this.violation(where, `${shape.name} has no member '${name}'`);
        continue;
      }
      if (memberValue === undefined) continue; // not on the wire
      this.member(memberValue, member, where);
    }
  }

  private member(value: unknown, member: Member, at: string): void {
    this.shape(value, member.shape, at);
    if (!member.enumValues) return;
    const values = Array.isArray(value) ? value : [value];
    values.forEach((v, i) => {
      if (typeof v !== "string") return;
      const where = Array.isArray(value) ? `${at}[${i}]` : at;
      if (!member.enumValues?.includes(v)) this.violation(where, `${describe(v)} is not one of [${member.enumValues?.join(", ")}]`);
      else if (member.laterEnumValues?.includes(v)) this.warnings.push(`${where}: '${v}' is a documented value the pinned SDK's enum does not list yet`);
    });
  }

  private shape(value: unknown, shape: Shape, at: string): void {
    if (value === null) return this.violation(at, "null (AWS leaves out a member it has no value for)");
    switch (shape.kind) {
      case "string":
      case "blob":
        if (typeof value !== "string") this.violation(at, `expected a string, got ${describe(value)}`);
        return;
      case "number":
        if (typeof value !== "number" || !Number.isFinite(value)) this.violation(at, `expected a number, got ${describe(value)}`);
        return;
      case "boolean":
        if (typeof value !== "boolean") this.violation(at, `expected a boolean, got ${describe(value)}`);
        return;
      case "timestamp":
        if (!this.isTimestamp(value)) this.violation(at, `expected a timestamp (${this.options.timestamps ?? "epoch-seconds"}), got ${describe(value)}`);
        return;
      case "document":
        return;
      case "list":
        if (!Array.isArray(value)) return this.violation(at, `expected a list, got ${describe(value)}`);
        value.forEach((item, i) => this.shape(item, shape.member, `${at}[${i}]`));
        return;
      case "map":
        if (!isPlainObject(value)) return this.violation(at, `expected a map, got ${describe(value)}`);
        for (const [key, item] of Object.entries(value)) this.shape(item, shape.value, `${at}.${key}`);
        return;
      case "structure":
        this.structure(value, shape, at);
        return;
    }
  }

  private isTimestamp(value: unknown): boolean {
    if (this.options.timestamps === "date-time") {
      if (value instanceof Date) return !Number.isNaN(value.getTime());
      return typeof value === "string" && !Number.isNaN(Date.parse(value));
    }
    return typeof value === "number" && Number.isFinite(value) && value >= 0;
  }
}

/** Checks one response body (the handler's output object) against the operation's output structure. */
export function checkResponse(value: unknown, shape: StructureShape, options: ResponseCheckOptions = {}): ShapeReport {
  const checker = new Checker(options);
  checker.structure(value ?? {}, shape, "");
  return { violations: checker.violations, warnings: checker.warnings };
}

export interface ResponseCheckLog {
  warn(message: string): void;
  error(message: string): void;
}

/**
 * The server option --check-responses: every output is checked before it is encoded; warnings are
 * logged, and a violation is logged and answered with a ServerException naming it, so the test
 * that caused it fails.
 */
export function enforceResponseShapes(log: ResponseCheckLog, options: ResponseCheckOptions = {}): (operation: string, output: unknown, shape: StructureShape) => void {
  return (operation, output, shape) => {
    const report = checkResponse(output, shape, options);
    for (const warning of report.warnings) log.warn(`${operation} response: ${warning}`);
    if (report.violations.length === 0) return;
    const message = `The ${operation} response does not match the ${shape.name} shape of the model: ${report.violations.join("; ")}`;
    log.error(message);
    throw new ServerException(message);
  };
}
