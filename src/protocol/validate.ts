// Decodes a parsed JSON request body against an operation's input structure from the model.
// The result is a fresh object holding only members the model knows (unknown keys, including
// "__proto__" and "constructor", are dropped), so handlers never see raw client objects.
import type { Member, Shape, StructureShape } from "./model";
import { InvalidParameterException, SerializationException } from "./errors";

/** Limits that keep hostile bodies cheap to refuse; documented in docs/compatibility.md. */
export const MAX_NESTING_DEPTH = 32;
export const MAX_STRING_LENGTH = 256 * 1024;

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

function memberPath(parent: string, name: string | number): string {
  if (typeof name === "number") return `${parent}[${name}]`;
  return parent ? `${parent}.${name}` : name;
}

export function decodeInput(body: unknown, shape: StructureShape): Record<string, unknown> {
  return decodeStructure(body, shape, "", 0);
}

function decodeStructure(value: unknown, shape: StructureShape, at: string, depth: number): Record<string, unknown> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new SerializationException(`Expected an object at '${at || "(request body)"}', got ${describe(value)}.`);
  }
  const source = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [name, member] of shape.members) {
    if (!Object.prototype.hasOwnProperty.call(source, name)) continue;
    const memberValue = source[name];
    if (memberValue === null) continue; // JSON null means "absent" to AWS JSON frontends
    out[name] = decodeMember(memberValue, member, memberPath(at, name), depth + 1);
  }
  for (const name of shape.required) {
    if (out[name] === undefined) {
      throw new InvalidParameterException(`1 validation error detected: Value null at '${memberPath(at, name)}' failed to satisfy constraint: Member must not be null`);
    }
  }
  return out;
}

function decodeMember(value: unknown, member: Member, at: string, depth: number): unknown {
  const decoded = decodeShape(value, member.shape, at, depth);
  if (member.enumValues) checkEnum(decoded, member.enumValues, at);
  return decoded;
}

function checkEnum(value: unknown, allowed: readonly string[], at: string): void {
  const values = Array.isArray(value) ? value : [value];
  values.forEach((v, i) => {
    if (typeof v === "string" && !allowed.includes(v)) {
      const where = Array.isArray(value) ? memberPath(at, i) : at;
      throw new InvalidParameterException(
        `1 validation error detected: Value '${v.slice(0, 100)}' at '${where}' failed to satisfy constraint: Member must satisfy enum value set: [${allowed.join(", ")}]`,
      );
    }
  });
}

function decodeShape(value: unknown, shape: Shape, at: string, depth: number): unknown {
  if (depth > MAX_NESTING_DEPTH) throw new SerializationException(`Request nesting is deeper than ${MAX_NESTING_DEPTH} levels at '${at}'.`);
  switch (shape.kind) {
    case "string":
    case "blob":
      if (typeof value !== "string") throw new SerializationException(`Expected a string at '${at}', got ${describe(value)}.`);
      if (value.length > MAX_STRING_LENGTH) throw new InvalidParameterException(`The value at '${at}' is longer than ${MAX_STRING_LENGTH} characters.`);
      if (value.includes("\u0000")) throw new InvalidParameterException(`The value at '${at}' contains a NUL character.`);
      return value;
    case "number":
      if (typeof value !== "number" || !Number.isFinite(value)) throw new SerializationException(`Expected a number at '${at}', got ${describe(value)}.`);
      return value;
    case "boolean":
      if (typeof value !== "boolean") throw new SerializationException(`Expected a boolean at '${at}', got ${describe(value)}.`);
      return value;
    case "timestamp":
      if (typeof value !== "number" || !Number.isFinite(value)) throw new SerializationException(`Expected a timestamp (epoch seconds) at '${at}', got ${describe(value)}.`);
      return value;
    case "document":
      return value;
    case "list":
      if (!Array.isArray(value)) throw new SerializationException(`Expected a list at '${at}', got ${describe(value)}.`);
      return value.map((item, i) => {
        if (item === null) throw new InvalidParameterException(`The value at '${memberPath(at, i)}' must not be null.`);
        return decodeShape(item, shape.member, memberPath(at, i), depth + 1);
      });
    case "map": {
      if (value === null || typeof value !== "object" || Array.isArray(value)) throw new SerializationException(`Expected a map at '${at}', got ${describe(value)}.`);
      const out: Record<string, unknown> = Object.create(null);
      for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
        out[key] = decodeShape(item, shape.value, `${at}.${key}`, depth + 1);
      }
      return { ...out };
    }
    case "structure":
      return decodeStructure(value, shape, at, depth);
  }
}
