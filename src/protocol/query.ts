// The AWS Query protocol (Elastic Load Balancing v2): a form-encoded request (`Action=...&Version=...`,
// structures as `Name.Member`, lists as `Name.member.N`, maps as `Name.entry.N.key/value`), an XML
// response shaped by the operation's output structure, and errors as
// `<ErrorResponse><Error><Type/><Code/><Message/></Error><RequestId/></ErrorResponse>`.
// Everything is driven by the service's model; nothing here knows about load balancers.
import { ApiError, InvalidAction, MalformedQueryString, MissingAction, ServerException, ValidationError } from "./errors";
import type { OperationModel, Shape, ServiceModel, StructureShape } from "./model";
import type { ApiRequest, ApiResponse, ParsedRequest, WireProtocol } from "./protocol";
import { MAX_NESTING_DEPTH, queryDialect } from "./validate";

/** One decoder for every request: decode() without streaming keeps no state between calls. */
const UTF8 = new TextDecoder("utf-8", { fatal: true });

export const FORM_CONTENT_TYPE = "application/x-www-form-urlencoded";
export const XML_CONTENT_TYPE = "text/xml";

/** A key deeper than this many dot-separated segments cannot name any member of a model. */
const MAX_KEY_SEGMENTS = 2 * MAX_NESTING_DEPTH;

/** Protocol-level errors that travel under another code on a Query wire (AWS's common errors). */
const QUERY_CODES: Readonly<Record<string, { code: string; status: number }>> = {
  AccessDeniedException: { code: "AccessDenied", status: 403 },
  InvalidSignatureException: { code: "SignatureDoesNotMatch", status: 403 },
  UnrecognizedClientException: { code: "InvalidClientTokenId", status: 403 },
  IncompleteSignatureException: { code: "IncompleteSignature", status: 400 },
  MissingAuthenticationTokenException: { code: "MissingAuthenticationToken", status: 403 },
  RequestEntityTooLargeException: { code: "RequestEntityTooLarge", status: 413 },
  SerializationException: { code: "ValidationError", status: 400 },
  UnknownOperationException: { code: "InvalidAction", status: 400 },
  ServerException: { code: "InternalFailure", status: 500 },
};

/** One key segment of a parsed form: a value, and the segments nested under it. */
interface FormNode {
  value?: string;
  readonly children: Map<string, FormNode>;
}

const newNode = (): FormNode => ({ children: new Map() });

function decodeComponent(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, " "));
  } catch {
    throw new MalformedQueryString(`The query string is malformed: '${text.slice(0, 100)}' is not valid percent-encoded UTF-8.`);
  }
}

/** Parses `a=1&b.c=2` (URL query and body alike) into its pairs, refusing bad encodings. */
export function parseForm(text: string): [string, string][] {
  const pairs: [string, string][] = [];
  for (const part of text.split("&")) {
    if (part === "") continue;
    const eq = part.indexOf("=");
    const key = decodeComponent(eq < 0 ? part : part.slice(0, eq));
    const value = eq < 0 ? "" : decodeComponent(part.slice(eq + 1));
    pairs.push([key, value]);
  }
  return pairs;
}

/** The pairs as a tree of key segments; the first occurrence of a key wins. */
function formTree(pairs: readonly [string, string][]): FormNode {
  const root = newNode();
  for (const [key, value] of pairs) {
    const segments = key.split(".");
    if (segments.length > MAX_KEY_SEGMENTS) throw new ValidationError(`The parameter '${key.slice(0, 100)}' nests deeper than ${MAX_KEY_SEGMENTS} levels.`);
    let node = root;
    for (const segment of segments) {
      let child = node.children.get(segment);
      if (!child) {
        child = newNode();
        node.children.set(segment, child);
      }
      node = child;
    }
    node.value ??= value;
  }
  return root;
}

/**
 * The items of a list node in index order (`member.1`, `member.2`, ...). Indices must be positive
 * decimal integers that run from 1 without gaps; so a hostile index (`member.99999999`) allocates
 * nothing and is refused.
 */
function listItems(items: FormNode, at: string): FormNode[] {
  const byIndex: FormNode[] = [];
  for (const [index, node] of items.children) {
    if (!/^[1-9]\d{0,8}$/.test(index)) throw new ValidationError(`The list '${at}' has a member with index '${index.slice(0, 20)}'; indices are whole numbers from 1.`);
    const i = Number(index) - 1;
    if (i >= items.children.size) throw new ValidationError(`The list '${at}' has ${items.children.size} members but an index ${index}; indices run from 1 without gaps.`);
    byIndex[i] = node;
  }
  return byIndex;
}

/** The request's members shaped as the model's input structure, with every scalar still text. */
function membersOf(node: FormNode, shape: Shape, at: string): unknown {
  switch (shape.kind) {
    case "structure": {
      if (node.value !== undefined) throw new ValidationError(`Expected a structure at '${at}', as ${at}.<Member>=..., got a value.`);
      const out: Record<string, unknown> = {};
      for (const [name, member] of shape.members) {
        const child = node.children.get(member.xmlName ?? name);
        if (child) out[name] = membersOf(child, member.shape, queryDialect.memberPath(at, name));
      }
      return out;
    }
    case "list": {
      const members = node.children.get("member");
      if (members && node.value !== undefined) throw new ValidationError(`Expected a list at '${at}', as ${at}.member.1, ${at}.member.2, ..., got a value as well.`);
      if (!members) {
        // `Names=` (an empty value, nothing nested) is how Query clients send an empty list.
        if (node.children.size === 0 && (node.value ?? "") === "") return [];
        throw new ValidationError(`Expected a list at '${at}', as ${at}.member.1, ${at}.member.2, ...`);
      }
      return listItems(members, at).map((item, i) => membersOf(item, shape.member, queryDialect.itemPath(at, i)));
    }
    case "map": {
      const entries = node.children.get("entry");
      if (!entries) return {};
      const out: Record<string, unknown> = {};
      listItems(entries, at).forEach((entry, i) => {
        const key = entry.children.get("key")?.value;
        if (key === undefined) throw new ValidationError(`The map entry '${at}.entry.${i + 1}' has no key.`);
        const value = entry.children.get("value");
        if (value) Object.defineProperty(out, key, { value: membersOf(value, shape.value, `${at}.${key}`), enumerable: true, configurable: true, writable: true });
      });
      return out;
    }
    default:
      if (node.value === undefined || node.children.size > 0) throw new ValidationError(`Expected a value at '${at}', got nested parameters.`);
      return node.value;
  }
}

/** Text content escaped for XML (quotes need no escaping outside attributes; a CR would be read as LF). */
function xmlEscape(text: string): string {
  return text.replace(/[&<>\r]/g, (c) => (c === "&" ? "&amp;" : c === "<" ? "&lt;" : c === ">" ? "&gt;" : "&#13;"));
}

/** ISO 8601 with milliseconds, as AWS Query services write timestamps; the store keeps epoch seconds. */
function isoTimestamp(value: unknown): string {
  const ms = typeof value === "number" ? value * 1000 : typeof value === "string" ? Date.parse(value) : Number.NaN;
  return Number.isFinite(ms) ? new Date(ms).toISOString() : "";
}

/** Appends `<name>value</name>` for a value of `shape`; undefined values are left out. */
function writeXml(out: string[], name: string, value: unknown, shape: Shape): void {
  if (value === undefined || value === null) return;
  switch (shape.kind) {
    case "structure": {
      if (typeof value !== "object") return;
      out.push(`<${name}>`);
      writeMembers(out, value as Record<string, unknown>, shape);
      out.push(`</${name}>`);
      return;
    }
    case "list": {
      if (!Array.isArray(value)) return;
      if (value.length === 0) {
        out.push(`<${name}/>`);
        return;
      }
      out.push(`<${name}>`);
      for (const item of value) writeXml(out, "member", item, shape.member);
      out.push(`</${name}>`);
      return;
    }
    case "map": {
      if (typeof value !== "object") return;
      out.push(`<${name}>`);
      for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
        out.push(`<entry><key>${xmlEscape(key)}</key>`);
        writeXml(out, "value", item, shape.value);
        out.push("</entry>");
      }
      out.push(`</${name}>`);
      return;
    }
    case "timestamp":
      out.push(`<${name}>${isoTimestamp(value)}</${name}>`);
      return;
    default:
      out.push(`<${name}>${xmlEscape(String(value))}</${name}>`);
  }
}

function writeMembers(out: string[], value: Record<string, unknown>, shape: StructureShape): void {
  for (const [memberName, member] of shape.members) {
    if (Object.prototype.hasOwnProperty.call(value, memberName)) writeXml(out, member.xmlName ?? memberName, value[memberName], member.shape);
  }
}

/** `<OpResponse xmlns=...><OpResult>...</OpResult><ResponseMetadata><RequestId>...` from the output structure. */
export function queryResponseXml(namespace: string, operation: OperationModel, output: unknown, requestId: string): string {
  // The result element is there even when the output has no members (botocore looks for it).
  const out: string[] = [`<${operation.name}Response xmlns="${namespace}">`];
  if (operation.output.members.size > 0 && output && typeof output === "object") {
    out.push(`<${operation.name}Result>`);
    writeMembers(out, output as Record<string, unknown>, operation.output);
    out.push(`</${operation.name}Result>`);
  } else {
    out.push(`<${operation.name}Result/>`);
  }
  out.push(`<ResponseMetadata><RequestId>${xmlEscape(requestId)}</RequestId></ResponseMetadata></${operation.name}Response>`);
  return out.join("");
}

export interface QueryProtocolOptions {
  readonly model: ServiceModel;
  /** The API version clients send (`Version=2015-12-01`). */
  readonly version: string;
  /** The XML namespace of responses. */
  readonly namespace: string;
}

/** The Query protocol of one service. */
export function queryProtocol(options: QueryProtocolOptions): WireProtocol {
  const { model, version, namespace } = options;

  function codeOf(error: ApiError): { code: string; status: number } {
    const modeled = model.errors.get(error.type);
    if (modeled) return { code: modeled.code, status: modeled.status };
    return QUERY_CODES[error.type] ?? { code: error.type, status: error.status };
  }

  return {
    dialect: queryDialect,

    parse(request: ApiRequest): ParsedRequest {
      let text: string;
      try {
        text = UTF8.decode(request.body);
      } catch {
        throw new MalformedQueryString("The request body is not valid UTF-8.");
      }
      const queryAt = request.path.indexOf("?");
      const pairs = [...(queryAt >= 0 ? parseForm(request.path.slice(queryAt + 1)) : []), ...parseForm(text)];
      const tree = formTree(pairs);
      const action = tree.children.get("Action")?.value;
      if (!action) throw new MissingAction("The request must contain the parameter Action.");
      const requestedVersion = tree.children.get("Version")?.value;
      const operation = model.operations.get(action);
      if (!operation || (requestedVersion !== undefined && requestedVersion !== version)) {
        throw new InvalidAction(`Could not find operation ${action.slice(0, 100)} for version ${(requestedVersion ?? version).slice(0, 20)}.`);
      }
      return { operation, members: () => membersOf(tree, operation.input, "") };
    },

    operationNamed(request: ApiRequest): string | undefined {
      try {
        const queryAt = request.path.indexOf("?");
        const pairs = [...(queryAt >= 0 ? parseForm(request.path.slice(queryAt + 1)) : []), ...parseForm(request.body.toString("utf8"))];
        return pairs.find(([key]) => key === "Action")?.[1];
      } catch {
        return undefined;
      }
    },

    encodeOutput(operation: OperationModel, output: unknown, requestId: string): ApiResponse {
      return { status: 200, contentType: XML_CONTENT_TYPE, body: queryResponseXml(namespace, operation, output, requestId) };
    },

    encodeError(error: ApiError, requestId: string): ApiResponse {
      const { code, status } = codeOf(error);
      const type = status >= 500 ? "Receiver" : "Sender";
      const body =
        `<ErrorResponse xmlns="${namespace}"><Error><Type>${type}</Type><Code>${xmlEscape(code)}</Code>` +
        `<Message>${xmlEscape(error.message)}</Message></Error><RequestId>${xmlEscape(requestId)}</RequestId></ErrorResponse>`;
      return { status, contentType: XML_CONTENT_TYPE, body, errorType: code };
    },

    internalError(): ApiError {
      return new ServerException("An internal error occurred. See the ecslite log for details.");
    },
  };
}
