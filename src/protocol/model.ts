// AWS service models, read from what the official SDK packages ship (one reader for every service):
//  - their compiled schemas: operation -> input and output structures (member names, types,
//    required count, member traits such as xmlName), and the modeled errors with their codes,
//  - their TypeScript declarations, for which members carry an enum type (the schemas do not say).
// Nothing here is a hand-copied field list.
import * as fs from "node:fs";
import * as path from "node:path";
import { enumAdditionsOf } from "./enumAdditions";

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
  /** The allowed values when the member's declared type is one of the SDK's enums (with the later additions below). */
  readonly enumValues?: readonly string[];
  /** Values the service documents for the enum that the pinned SDK does not list yet (src/protocol/enumAdditions.ts). */
  readonly laterEnumValues?: readonly string[];
  /** The member's name on an XML/Query wire when it differs from its model name (smithy xmlName). */
  readonly xmlName?: string;
}

export interface OperationModel {
  readonly name: string;
  readonly input: StructureShape;
  readonly output: StructureShape;
}

/** A modeled exception: its shape name, the code a Query protocol sends, HTTP status, sender or receiver fault. */
export interface ErrorModel {
  readonly name: string;
  readonly code: string;
  readonly status: number;
  readonly fault: "client" | "server";
}

export interface ServiceModel {
  /** The npm package the model was read from. */
  readonly packageName: string;
  readonly operations: ReadonlyMap<string, OperationModel>;
  readonly errors: ReadonlyMap<string, ErrorModel>;
  /** The SDK's enum constants by name (for handlers and tests that want the values). */
  readonly enums: ReadonlyMap<string, readonly string[]>;
}

// Smithy schema codes used by the compiled schemas (@smithy/core/schema).
const SCHEMA_STRUCTURE = 3;
const SCHEMA_LIST = 1;
const SCHEMA_MAP = 2;
const SCHEMA_OPERATION = 9;
const SCHEMA_ERROR = -3;
const LIST_MODIFIER = 64;
const MAP_MODIFIER = 128;

type RawSchema = unknown;
type SdkModule = Record<string, unknown>;

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
function readEnumMemberTypes(typesDir: string, enumNames: ReadonlySet<string>): Map<string, string> {
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

function readEnums(sdk: SdkModule, typesDir: string): Map<string, readonly string[]> {
  const enums = new Map<string, readonly string[]>();
  const enumSource = fs.readFileSync(path.join(typesDir, "enums.d.ts"), "utf8");
  for (const m of enumSource.matchAll(/export declare const (\w+): \{/g)) {
    const constant = sdk[m[1]];
    if (constant && typeof constant === "object") enums.set(m[1], Object.values(constant as Record<string, string>));
  }
  return enums;
}

/** A member's traits: a number (bit flags) or an object such as { xmlName: "..." }. */
function xmlNameOf(traits: unknown): string | undefined {
  if (traits && typeof traits === "object" && !Array.isArray(traits)) {
    const name = (traits as Record<string, unknown>).xmlName;
    return typeof name === "string" ? name : undefined;
  }
  return undefined;
}

class ModelBuilder {
  private readonly structures = new Map<RawSchema, StructureShape>();
  constructor(
    private readonly enumMembers: ReadonlyMap<string, string>,
    private readonly enums: ReadonlyMap<string, readonly string[]>,
    private readonly additions: Readonly<Record<string, readonly string[]>>,
  ) {}

  shapeOf(raw: RawSchema): Shape {
    return this.memberOf(raw).shape;
  }

  /** A member schema may be a bare schema or a [schema, traits] pair. */
  private memberOf(raw: RawSchema): { shape: Shape; xmlName?: string } {
    if (typeof raw === "number") return { shape: simpleShape(raw) };
    if (typeof raw === "function") return this.memberOf((raw as () => RawSchema)());
    if (!Array.isArray(raw)) return { shape: { kind: "document" } };
    if (raw.length === 2 && (typeof raw[0] === "function" || typeof raw[0] === "number")) {
      const xmlName = xmlNameOf(raw[1]);
      return { shape: this.memberOf(raw[0]).shape, ...(xmlName ? { xmlName } : {}) };
    }
    switch (raw[0]) {
      case SCHEMA_STRUCTURE:
      case SCHEMA_ERROR:
        return { shape: this.structure(raw) };
      case SCHEMA_LIST:
        return { shape: { kind: "list", member: this.shapeOf(raw[4]) } };
      case SCHEMA_MAP:
        return { shape: { kind: "map", value: this.shapeOf(raw[5]) } };
      default:
        return { shape: simpleShape(Number(raw[0]) || 0) };
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
      const sdkValues = enumName ? this.enums.get(enumName) : undefined;
      const later = enumName && sdkValues ? (this.additions[enumName] ?? []).filter((v) => !sdkValues.includes(v)) : [];
      const enumValues = sdkValues && later.length ? [...sdkValues, ...later] : sdkValues;
      const { shape: memberShape, xmlName } = this.memberOf(memberTypes[i]);
      members.set(memberName, {
        shape: memberShape,
        ...(enumValues ? { enumValues } : {}),
        ...(later.length ? { laterEnumValues: later } : {}),
        ...(xmlName ? { xmlName } : {}),
      });
    });
    return shape;
  }
}

function errorModel(raw: unknown[]): ErrorModel {
  const name = String(raw[2]);
  const traits = (raw[3] ?? {}) as Record<string, unknown>;
  const query = traits.awsQueryError as [string, number] | undefined;
  const status = typeof traits.httpError === "number" ? traits.httpError : traits.error === "server" ? 500 : 400;
  return { name, code: query?.[0] ?? name, status: query?.[1] ?? status, fault: traits.error === "server" ? "server" : "client" };
}

/** Reads one service's model from its SDK package (e.g. "@aws-sdk/client-ecs"). */
export function loadServiceModel(packageName: string): ServiceModel {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const sdk = require(packageName) as SdkModule;
  const typesDir = path.join(path.dirname(require.resolve(packageName)), "..", "dist-types", "models");
  const enums = readEnums(sdk, typesDir);
  const builder = new ModelBuilder(readEnumMemberTypes(typesDir, new Set(enums.keys())), enums, enumAdditionsOf(packageName));
  const operations = new Map<string, OperationModel>();
  const errors = new Map<string, ErrorModel>();
  for (const [exportName, value] of Object.entries(sdk)) {
    if (!exportName.endsWith("$") || !Array.isArray(value)) continue;
    if (value[0] === SCHEMA_ERROR && value[2] !== undefined && !String(value[1]).startsWith("smithy.ts.sdk.synthetic")) {
      const error = errorModel(value);
      errors.set(error.name, error);
      continue;
    }
    if (value[0] !== SCHEMA_OPERATION) continue;
    const input = builder.shapeOf(value[4]);
    const output = builder.shapeOf(value[5]);
    if (input.kind !== "structure") continue;
    const emptyOutput: StructureShape = { kind: "structure", name: `${String(value[2])}Output`, members: new Map(), required: [] };
    operations.set(String(value[2]), { name: String(value[2]), input, output: output.kind === "structure" ? output : emptyOutput });
  }
  return { packageName, operations, errors, enums };
}

const models = new Map<string, ServiceModel>();

function cachedModel(packageName: string): ServiceModel {
  let model = models.get(packageName);
  if (!model) {
    model = loadServiceModel(packageName);
    models.set(packageName, model);
  }
  return model;
}

/** Amazon ECS, from @aws-sdk/client-ecs. Built once; immutable. */
export function ecsModel(): ServiceModel {
  return cachedModel("@aws-sdk/client-ecs");
}

/** Elastic Load Balancing v2, from @aws-sdk/client-elastic-load-balancing-v2. Built once; immutable. */
export function elbv2Model(): ServiceModel {
  return cachedModel("@aws-sdk/client-elastic-load-balancing-v2");
}

/** Every ECS operation the SDK knows, by name. */
export function ecsOperations(): ReadonlyMap<string, OperationModel> {
  return ecsModel().operations;
}
