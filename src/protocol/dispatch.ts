// The AWS JSON 1.1 request pipeline: checks in the order AWS's frontends make them (target,
// body, authentication, model validation), then the handler, then encoding. Knows nothing of clusters.
import type { IncomingHttpHeaders } from "node:http";
import type { AnyHandler, RequestContext } from "../api/context";
import { ApiError, SerializationException, ServerException, UnknownOperationException, UnsupportedFeatureException } from "./errors";
import type { CallerIdentity } from "./identity";
import { ecsOperations, type StructureShape } from "./model";
import { decodeInput, jsonNestingDepth, MAX_NESTING_DEPTH } from "./validate";

export const TARGET_PREFIX = "AmazonEC2ContainerServiceV20141113.";
export const JSON_CONTENT_TYPE = "application/x-amz-json-1.1";

export interface ApiRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

export interface ApiResponse {
  readonly status: number;
  readonly body: string;
  readonly errorType?: string;
  /** For the request log: the operation named (if any) and who called (once known). */
  readonly operation?: string;
  readonly caller?: Pick<CallerIdentity, "account" | "region">;
}

/** Establishes who calls (and, with auth on, verifies the signature); throws an ApiError to refuse. */
export type Authenticator = (request: ApiRequest) => CallerIdentity | Promise<CallerIdentity>;

/** Decides whether the caller may perform the operation with this input; throws AccessDeniedException. */
export type Authorizer = (operation: string, input: Record<string, unknown>, caller: CallerIdentity, context: RequestContext) => Promise<void>;

export interface DispatchOptions {
  readonly handlers: Readonly<Record<string, AnyHandler>>;
  readonly authenticate: Authenticator;
  readonly authorize?: Authorizer;
  readonly contextFor: (caller: CallerIdentity) => RequestContext;
  readonly onFault?: (operation: string, error: unknown) => void;
  /** Looks at each successful output before it is encoded; throws an ApiError to answer with that instead. */
  readonly checkOutput?: (operation: string, output: unknown, shape: StructureShape) => void;
}

export function errorResponse(error: ApiError): ApiResponse {
  return { status: error.status, body: JSON.stringify({ __type: error.type, message: error.message }), errorType: error.type };
}

function parseBody(body: Buffer): Record<string, unknown> {
  if (body.length === 0) return {};
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(body);
  } catch {
    throw new SerializationException("The request body is not valid UTF-8.");
  }
  if (jsonNestingDepth(text) > MAX_NESTING_DEPTH) throw new SerializationException(`The request body nests objects and lists deeper than ${MAX_NESTING_DEPTH} levels.`);
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

export function operationOf(headers: IncomingHttpHeaders): string {
  const target = headers["x-amz-target"];
  if (typeof target !== "string" || !target.startsWith(TARGET_PREFIX)) {
    throw new UnknownOperationException(`Missing or unknown X-Amz-Target header; expected '${TARGET_PREFIX}<Operation>'.`);
  }
  return target.slice(TARGET_PREFIX.length);
}

export async function dispatch(request: ApiRequest, options: DispatchOptions): Promise<ApiResponse> {
  let operation = "";
  let caller: CallerIdentity | undefined;
  try {
    operation = operationOf(request.headers);
    const model = ecsOperations().get(operation);
    if (!model) throw new UnknownOperationException(`Unknown operation '${operation.slice(0, 100)}'.`);
    const body = parseBody(request.body);
    const authenticated = options.authenticate(request);
    caller = authenticated instanceof Promise ? await authenticated : authenticated;
    const handler = options.handlers[operation];
    if (!handler) throw new UnsupportedFeatureException(`ecslite does not support the ECS operation ${operation} yet. See docs/compatibility.md for the operations it supports.`);
    const input = decodeInput(body, model.input);
    const context = options.contextFor(caller);
    if (options.authorize) await options.authorize(operation, input, caller, context);
    const output = await (handler as (input: Record<string, unknown>, ctx: RequestContext) => Promise<unknown>)(input, context);
    options.checkOutput?.(operation, output, model.output);
    return { status: 200, body: JSON.stringify(output ?? {}), operation, caller };
  } catch (error) {
    const known = { operation: operation ? operation.slice(0, 100) : undefined, caller };
    if (error instanceof ApiError) return { ...errorResponse(error), ...known };
    options.onFault?.(operation, error);
    return { ...errorResponse(new ServerException("An internal error occurred. See the ecslite log for details.")), ...known };
  }
}
