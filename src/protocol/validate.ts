// Decodes a request's members against an operation's input structure from the model: the one
// validation every service shares. The result is a fresh object holding only members the model
// knows (unknown keys, including "__proto__" and "constructor", are dropped), so handlers never see
// raw client objects. What differs between wire protocols (how a member's path reads in a message,
// whether scalars arrive as JSON values or as text, which error a service answers) is a Dialect.
import type { ApiError } from "./errors";
import { InvalidParameterException, SerializationException, ValidationError } from "./errors";
import type { Member, Shape, StructureShape } from "./model";

/** Limits that keep hostile bodies cheap to refuse; documented in docs/limits.md. */
export const MAX_NESTING_DEPTH = 32;
export const MAX_STRING_LENGTH = 256 * 1024;

export interface Dialect {
  /** A member's path as the service's messages write it. */
  memberPath(parent: string, name: string): string;
  /** A list item's path (index from 0). */
  itemPath(parent: string, index: number): string;
  /** Query protocols send every scalar as text: numbers and booleans are parsed from it. */
  readonly scalarsAsText: boolean;
  /** Characters a member may not hold (beyond NUL, which no dialect accepts). */
  readonly forbiddenCharacters?: RegExp;
  /** A value of the wrong type. */
  typeError(message: string): ApiError;
  /** A value the model's constraints refuse. */
  invalid(message: string): ApiError;
}

/** AWS JSON 1.1 (ECS): member names as sent, list items as `name[0]`. */
export const jsonDialect: Dialect = {
  memberPath: (parent, name) => (parent ? `${parent}.${name}` : name),
  itemPath: (parent, index) => `${parent}[${index}]`,
  scalarsAsText: false,
  typeError: (message) => new SerializationException(message),
  invalid: (message) => new InvalidParameterException(message),
};

const lowerFirst = (name: string) => name.charAt(0).toLowerCase() + name.slice(1);

/**
 * AWS Query (Elastic Load Balancing): messages name members in lower camel case and list items as
 * `targets.1.member` (from 1), as ELB's validation messages do; every refusal is a ValidationError.
 * XML 1.0 cannot carry most control characters, nor U+FFFE/U+FFFF, so they are refused on the way in.
 */
export const queryDialect: Dialect = {
  memberPath: (parent, name) => (parent ? `${parent}.${lowerFirst(name)}` : lowerFirst(name)),
  itemPath: (parent, index) => `${parent}.${index + 1}.member`,
  scalarsAsText: true,
  // eslint-disable-next-line no-control-regex
  forbiddenCharacters: /[\u0001-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/,
  typeError: (message) => new ValidationError(message),
  invalid: (message) => new ValidationError(message),
};

/**
 * The deepest nesting of arrays and objects in JSON text, counted before parsing so that a hostile
 * body cannot make the parser (or anything after it) recurse deeply. Linear; strings are skipped.
 */
export function jsonNestingDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c /* \\ */) i++;
      else if (c === 0x22 /* " */) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (++depth > deepest) deepest = depth;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) depth--;
  }
  return deepest;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}

/**
 * A service's own words for a value outside an enum, where they are known (ECS: "include should be
 * one of [...]"); undefined leaves the generic validation wording.
 */
export type EnumWording = (structure: string, member: string, allowed: readonly string[]) => string | undefined;

/**
 * Validates `body` against `shape`; ECS's JSON dialect unless another is given. Constraint failures
 * (a missing required member, a value outside an enum) are reported together, as AWS's validation
 * does: "2 validation errors detected: ...; ...".
 */
export function decodeInput(body: unknown, shape: StructureShape, dialect: Dialect = jsonDialect, enumWording?: EnumWording): Record<string, unknown> {
  const decoder = new Decoder(dialect, enumWording);
  const decoded = decoder.structure(body, shape, "", 0);
  const n = decoder.failures.length;
  if (n > 0) throw dialect.invalid(`${n} validation error${n === 1 ? "" : "s"} detected: ${decoder.failures.join("; ")}`);
  return decoded;
}

const quoted = (text: string) => `'${text.slice(0, 100)}'`;

class Decoder {
  /** Constraint failures found so far, each as AWS words it ("Value null at 'x' failed to satisfy constraint: ..."). */
  readonly failures: string[] = [];
  constructor(
    private readonly dialect: Dialect,
    private readonly enumWording?: EnumWording,
  ) {}

  structure(value: unknown, shape: StructureShape, at: string, depth: number): Record<string, unknown> {
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      throw this.dialect.typeError(`Expected an object at '${at || "(request body)"}', got ${describe(value)}.`);
    }
    const source = value as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const [name, member] of shape.members) {
      if (!Object.prototype.hasOwnProperty.call(source, name)) continue;
      const memberValue = source[name];
      if (memberValue === null) continue; // JSON null means "absent" to AWS JSON frontends
      // An empty string for an enum is "absent" to ECS (older Terraform providers and CI orbs send launchType "").
      if (memberValue === "" && member.enumValues) continue;
      out[name] = this.member(memberValue, member, this.dialect.memberPath(at, name), depth + 1, shape.name, name);
    }
    for (const name of shape.required) {
      if (out[name] === undefined) this.failures.push(`Value null at '${this.dialect.memberPath(at, name)}' failed to satisfy constraint: Member must not be null`);
    }
    return out;
  }

  private member(value: unknown, member: Member, at: string, depth: number, structure: string, name: string): unknown {
    const decoded = this.shape(value, member.shape, at, depth);
    if (member.enumValues) this.checkEnum(decoded, member.enumValues, at, this.enumWording?.(structure, name, member.enumValues));
    return decoded;
  }

  private checkEnum(value: unknown, allowed: readonly string[], at: string, ownWording: string | undefined): void {
    const values = Array.isArray(value) ? value : [value];
    values.forEach((v, i) => {
      if (typeof v === "string" && !allowed.includes(v)) {
        if (ownWording) throw this.dialect.invalid(ownWording);
        const where = Array.isArray(value) ? this.dialect.itemPath(at, i) : at;
        this.failures.push(`Value '${v.slice(0, 100)}' at '${where}' failed to satisfy constraint: Member must satisfy enum value set: [${allowed.join(", ")}]`);
      }
    });
  }

  private text(value: unknown, at: string): string {
    if (typeof value !== "string") throw this.dialect.typeError(`Expected a string at '${at}', got ${describe(value)}.`);
    if (value.length > MAX_STRING_LENGTH) throw this.dialect.invalid(`The value at '${at}' is longer than ${MAX_STRING_LENGTH} characters.`);
    if (value.includes("\u0000")) throw this.dialect.invalid(`The value at '${at}' contains a NUL character.`);
    if (this.dialect.forbiddenCharacters?.test(value)) throw this.dialect.invalid(`The value at '${at}' contains a control character.`);
    return value;
  }

  private number(value: unknown, at: string, what: "a number" | "a timestamp (epoch seconds)"): number {
    if (this.dialect.scalarsAsText && typeof value === "string") {
      // Query numbers: decimal digits, optionally signed, optionally with a fraction.
      if (!/^[-+]?\d{1,20}(\.\d{1,20})?$/.test(value)) {
        throw this.dialect.typeError(`1 validation error detected: Value ${quoted(value)} at '${at}' failed to satisfy constraint: Member must be a number`);
      }
      return Number(value);
    }
    if (typeof value !== "number" || !Number.isFinite(value)) throw this.dialect.typeError(`Expected ${what} at '${at}', got ${describe(value)}.`);
    return value;
  }

  private boolean(value: unknown, at: string): boolean {
    if (this.dialect.scalarsAsText && typeof value === "string") {
      const lower = value.toLowerCase();
      if (lower === "true") return true;
      if (lower === "false") return false;
      throw this.dialect.typeError(`1 validation error detected: Value ${quoted(value)} at '${at}' failed to satisfy constraint: Member must be true or false`);
    }
    if (typeof value !== "boolean") throw this.dialect.typeError(`Expected a boolean at '${at}', got ${describe(value)}.`);
    return value;
  }

  private timestamp(value: unknown, at: string): number {
    // Query timestamps are ISO 8601 text (or epoch seconds); JSON ones are epoch seconds.
    if (this.dialect.scalarsAsText && typeof value === "string" && !/^[-+]?\d+(\.\d+)?$/.test(value)) {
      const ms = /^\d{4}-\d{2}-\d{2}T/.test(value) ? Date.parse(value) : Number.NaN;
      if (Number.isNaN(ms)) throw this.dialect.typeError(`1 validation error detected: Value ${quoted(value)} at '${at}' failed to satisfy constraint: Member must be an ISO 8601 timestamp`);
      return ms / 1000;
    }
    return this.number(value, at, "a timestamp (epoch seconds)");
  }

  private shape(value: unknown, shape: Shape, at: string, depth: number): unknown {
    if (depth > MAX_NESTING_DEPTH) throw this.dialect.typeError(`Request nesting is deeper than ${MAX_NESTING_DEPTH} levels at '${at}'.`);
    switch (shape.kind) {
      case "string":
      case "blob":
        return this.text(value, at);
      case "number":
        return this.number(value, at, "a number");
      case "boolean":
        return this.boolean(value, at);
      case "timestamp":
        return this.timestamp(value, at);
      case "document":
        return value;
      case "list":
        if (!Array.isArray(value)) throw this.dialect.typeError(`Expected a list at '${at}', got ${describe(value)}.`);
        return value.map((item, i) => {
          if (item === null) throw this.dialect.invalid(`The value at '${this.dialect.itemPath(at, i)}' must not be null.`);
          return this.shape(item, shape.member, this.dialect.itemPath(at, i), depth + 1);
        });
      case "map": {
        if (value === null || typeof value !== "object" || Array.isArray(value)) throw this.dialect.typeError(`Expected a map at '${at}', got ${describe(value)}.`);
        const out: Record<string, unknown> = Object.create(null);
        for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
          out[key] = this.shape(item, shape.value, `${at}.${key}`, depth + 1);
        }
        return { ...out };
      }
      case "structure":
        return this.structure(value, shape, at, depth);
    }
  }
}
