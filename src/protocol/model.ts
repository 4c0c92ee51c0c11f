// The ECS service model, read from what @aws-sdk/client-ecs ships:
//  - its compiled schemas (operation -> input structure; member names, types, required count),
//  - its TypeScript declarations, for which members carry an enum type (the schemas do not say).
// Nothing here is a hand-copied field list.
import * as fs from "node:fs";
import * as path from "node:path";
import * as ecs from "@aws-sdk/client-ecs";

export type Shape =
  | { readonly kind: "string" | "number" | "boolean" | "timestamp" | "blob" | "document" }
  | { readonly kind: "list"; readonly member: Shape; readonly enumValues?: readonly string[] }
  | { readonly kind: "map"; readonly value: Shape }
  | StructureShape;

export interface StructureShape {
  readonly kind: "structure";
  readonly name: string;
  readonly members: ReadonlyMap<string, Member>;
  readonly required: readonly string[];
}

export interface Member {
  readonly shape: Shape;
  /** The allowed values when the member's declared type is one of the SDK's enums. */
  readonly enumValues?: readonly string[];
}

export interface OperationModel {
  readonly name: string;
  readonly input: StructureShape;
}

// Smithy schema codes used by the compiled schemas (@smithy/core/schema).
const SCHEMA_STRUCTURE = 3;
const SCHEMA_LIST = 1;
const SCHEMA_MAP = 2;
const SCHEMA_OPERATION = 9;
const LIST_MODIFIER = 64;
const MAP_MODIFIER = 128;

type RawSchema = unknown;

function simpleShape(code: number): Shape {
  if (code & MAP_MODIFIER) return { kind: "map", value: simpleShape(code & ~MAP_MODIFIER) };
  if (code & LIST_MODIFIER) return { kind: "list", member: simpleShape(code & ~LIST_MODIFIER) };
  switch (code) {
    case 0:
      return { kind: "string" };
    case 1:
      return { kind: "number" };
    case 2:
      return { kind: "boolean" };
    case 4:
    case 5:
    case 6:
    case 7:
      return { kind: "timestamp" };
    case 15:
      return { kind: "document" };
    case 21:
      return { kind: "blob" };
    default:
      return { kind: "number" }; // big integer / big decimal
  }
}

/** Member types in the .d.ts files that name one of the SDK's enums: "Struct.member" -> enum name. */
function readEnumMemberTypes(): Map<string, string> {
  const typesDir = path.join(path.dirname(require.resolve("@aws-sdk/client-ecs")), "..", "dist-types", "models");
  const enumNames = new Set<string>();
  const enumSource = fs.readFileSync(path.join(typesDir, "enums.d.ts"), "utf8");
  for (const m of enumSource.matchAll(/export declare const (\w+): \{/g)) enumNames.add(m[1]);
  const result = new Map<string, string>();
  for (const file of fs.readdirSync(typesDir)) {
    if (!/^models_\d+\.d\.ts$/.test(file)) continue;
    const source = fs.readFileSync(path.join(typesDir, file), "utf8");
    for (const block of source.matchAll(/export interface (\w+) \{([\s\S]*?)\n\}/g)) {
      for (const member of block[2].matchAll(/^\s+(\w+)\??: (\w+)(?:\[\])? \| undefined;/gm)) {
        if (enumNames.has(member[2])) result.set(`${block[1]}.${member[1]}`, member[2]);
      }
    }
  }
  return result;
}

function enumValuesOf(enumName: string): readonly string[] | undefined {
  const constant = (ecs as Record<string, unknown>)[enumName];
  if (!constant || typeof constant !== "object") return undefined;
  return Object.values(constant as Record<string, string>);
}

class ModelBuilder {
  private readonly structures = new Map<RawSchema, StructureShape>();
  constructor(private readonly enumMembers: Map<string, string>) {}

  shapeOf(raw: RawSchema): Shape {
    if (typeof raw === "number") return simpleShape(raw);
    if (typeof raw === "function") return this.shapeOf((raw as () => RawSchema)());
    if (!Array.isArray(raw)) return { kind: "document" };
    // A [schema, traits] pair wraps a member's schema with member traits (e.g. sensitive).
    if (raw.length === 2 && (typeof raw[0] === "function" || typeof raw[0] === "number")) return this.shapeOf(raw[0]);
    switch (raw[0]) {
      case SCHEMA_STRUCTURE:
        return this.structure(raw);
      case SCHEMA_LIST:
        return { kind: "list", member: this.shapeOf(raw[4]) };
      case SCHEMA_MAP:
        return { kind: "map", value: this.shapeOf(raw[5]) };
      default:
        return simpleShape(Number(raw[0]) || 0);
    }
  }

  structure(raw: unknown[]): StructureShape {
    const existing = this.structures.get(raw);
    if (existing) return existing;
    const name = String(raw[2]);
    const memberNames = (raw[4] as string[]) ?? [];
    const requiredCount = typeof raw[6] === "number" ? raw[6] : 0;
    const members = new Map<string, Member>();
    const shape: StructureShape = { kind: "structure", name, members, required: memberNames.slice(0, requiredCount) };
    this.structures.set(raw, shape); // before recursing: structures can be recursive
    const memberTypes = (raw[5] as RawSchema[]) ?? [];
    memberNames.forEach((memberName, i) => {
      const enumName = this.enumMembers.get(`${name}.${memberName}`);
      const enumValues = enumName ? enumValuesOf(enumName) : undefined;
      members.set(memberName, { shape: this.shapeOf(memberTypes[i]), ...(enumValues ? { enumValues } : {}) });
    });
    return shape;
  }
}

let cached: ReadonlyMap<string, OperationModel> | undefined;

/** Every ECS operation the SDK knows, by name, with its input structure. Built once; immutable. */
export function ecsOperations(): ReadonlyMap<string, OperationModel> {
  if (cached) return cached;
  const builder = new ModelBuilder(readEnumMemberTypes());
  const operations = new Map<string, OperationModel>();
  for (const [exportName, value] of Object.entries(ecs as Record<string, unknown>)) {
    if (!exportName.endsWith("$") || !Array.isArray(value) || value[0] !== SCHEMA_OPERATION) continue;
    const input = builder.shapeOf(value[4]);
    if (input.kind !== "structure") continue;
    operations.set(String(value[2]), { name: String(value[2]), input });
  }
  cached = operations;
  return operations;
}
