// The request pipeline every service shares: the checks in the order AWS's frontends make them
// (operation and body, authentication, the operation being served, model validation,
// authorization), then the handler, then encoding. Which wire format and which service a request
// is for is decided before (route.ts); this knows nothing of clusters or load balancers.
import type { RequestContext } from "../api/context";
import { ApiError } from "./errors";
import type { CallerIdentity } from "./identity";
import type { StructureShape } from "./model";
import type { ApiRequest, ApiResponse, ServiceEndpoint } from "./protocol";
import { apiErrorOfStoreFault } from "./storeFaults";
import { decodeInput } from "./validate";

export type { ApiRequest, ApiResponse } from "./protocol";

/** Establishes who calls (and, with auth on, verifies the signature for the service); throws an ApiError to refuse. */
export type Authenticator = (request: ApiRequest, service: ServiceEndpoint) => CallerIdentity | Promise<CallerIdentity>;

/** Decides whether the caller may perform the operation with this input; throws AccessDeniedException (or rejects with it). */
export type Authorizer = (service: ServiceEndpoint, operation: string, input: Record<string, unknown>, caller: CallerIdentity, context: RequestContext) => void | Promise<void>;

export interface DispatchOptions {
  readonly authenticate: Authenticator;
  readonly authorize?: Authorizer;
  readonly contextFor: (caller: CallerIdentity) => RequestContext;
  readonly onFault?: (operation: string, error: unknown) => void;
  /** Looks at each successful output before it is encoded; throws an ApiError to answer with that instead. */
  readonly checkOutput?: (operation: string, output: unknown, shape: StructureShape) => void;
}

export async function dispatch(request: ApiRequest, service: ServiceEndpoint, requestId: string, options: DispatchOptions): Promise<ApiResponse> {
  const { protocol } = service;
  let operation = "";
  let caller: CallerIdentity | undefined;
  try {
    const parsed = protocol.parse(request);
    operation = parsed.operation.name;
    const authenticated = options.authenticate(request, service);
    caller = authenticated instanceof Promise ? await authenticated : authenticated;
    const handler = service.handlers[operation];
    if (!handler) throw service.unsupported(operation);
    const input = decodeInput(parsed.members(), parsed.operation.input, protocol.dialect, service.enumWording);
    const context = options.contextFor(caller);
    if (options.authorize) {
      const authorized = options.authorize(service, operation, input, caller, context);
      if (authorized instanceof Promise) await authorized;
    }
    const output = await (handler as (input: Record<string, unknown>, ctx: RequestContext) => Promise<unknown>)(input, context);
    options.checkOutput?.(operation, output, parsed.operation.output);
    return { ...protocol.encodeOutput(parsed.operation, output, requestId), operation, caller };
  } catch (error) {
    operation ||= protocol.operationNamed(request) ?? "";
    const known = { operation: operation ? operation.slice(0, 100) : undefined, caller };
    if (error instanceof ApiError) return { ...protocol.encodeError(error, requestId), ...known };
    const retryable = apiErrorOfStoreFault(error);
    if (retryable instanceof ApiError) return { ...protocol.encodeError(retryable, requestId), ...known };
    options.onFault?.(operation, error);
    return { ...protocol.encodeError(protocol.internalError(), requestId), ...known };
  }
}
