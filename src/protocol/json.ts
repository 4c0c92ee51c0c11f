// The AWS JSON 1.1 protocol (ECS): the operation in `X-Amz-Target: <prefix>.<Operation>`, the input
// as a JSON object, the output as JSON, errors as `{"__type": ..., "message": ...}`.
import { type ApiError, SerializationException, ServerException, UnknownOperationException } from "./errors";
import type { OperationModel, ServiceModel } from "./model";
import type { ApiRequest, ApiResponse, ParsedRequest, WireProtocol } from "./protocol";
import { jsonDialect, jsonNestingDepth, MAX_NESTING_DEPTH } from "./validate";

export const JSON_CONTENT_TYPE = "application/x-amz-json-1.1";

/** One decoder for every request: decode() without streaming keeps no state between calls. */
const UTF8 = new TextDecoder("utf-8", { fatal: true });

/** Whether the text opens more than `depth` objects and lists in all (else it cannot nest deeper). */
function mayNestDeeperThan(text: string, depth: number): boolean {
  let opened = 0;
  for (const opener of ["{", "["]) {
    for (let i = text.indexOf(opener); i !== -1; i = text.indexOf(opener, i + 1)) if (++opened > depth) return true;
  }
  return false;
}

function parseBody(body: Buffer): Record<string, unknown> {
  if (body.length === 0) return {};
  let text: string;
  try {
    text = UTF8.decode(body);
  } catch {
    throw new SerializationException("The request body is not valid UTF-8.");
  }
  if (mayNestDeeperThan(text, MAX_NESTING_DEPTH) && jsonNestingDepth(text) > MAX_NESTING_DEPTH) throw new SerializationException(`The request body nests objects and lists deeper than ${MAX_NESTING_DEPTH} levels.`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new SerializationException("The request body is not valid JSON.");
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new SerializationException("The request body must be a JSON object.");
  }
  return parsed as Record<string, unknown>;
}

export function jsonErrorResponse(error: ApiError): ApiResponse {
  return { status: error.status, contentType: JSON_CONTENT_TYPE, body: JSON.stringify({ __type: error.type, message: error.message }), errorType: error.type };
}

/** The JSON 1.1 protocol of a service whose targets read `<targetPrefix>.<Operation>`. */
export function jsonProtocol(model: ServiceModel, targetPrefix: string): WireProtocol {
  const prefix = `${targetPrefix}.`;
  return {
    dialect: jsonDialect,

    parse(request: ApiRequest): ParsedRequest {
      const target = request.headers["x-amz-target"];
      if (typeof target !== "string" || !target.startsWith(prefix)) {
        throw new UnknownOperationException(`Missing or unknown X-Amz-Target header; expected '${prefix}<Operation>'.`);
      }
      const name = target.slice(prefix.length);
      const operation = model.operations.get(name);
      if (!operation) throw new UnknownOperationException(`Unknown operation '${name.slice(0, 100)}'.`);
      const body = parseBody(request.body);
      return { operation, members: () => body };
    },

    operationNamed(request: ApiRequest): string | undefined {
      const target = request.headers["x-amz-target"];
      return typeof target === "string" && target.startsWith(prefix) ? target.slice(prefix.length) : undefined;
    },

    encodeOutput(_operation: OperationModel, output: unknown): ApiResponse {
      return { status: 200, contentType: JSON_CONTENT_TYPE, body: JSON.stringify(output ?? {}) };
    },

    encodeError: jsonErrorResponse,

    internalError(): ApiError {
      return new ServerException("An internal error occurred. See the ecslite log for details.");
    },
  };
}
