// What every wire protocol provides, and what a served AWS service is: its model, its protocol,
// its handlers. The request pipeline (dispatch.ts) is shared; only these differ between services.
import type { IncomingHttpHeaders } from "node:http";
import type { AnyHandler } from "../api/context";
import type { ApiError } from "./errors";
import type { OperationModel, ServiceModel } from "./model";
import type { Dialect, EnumWording } from "./validate";

export interface ApiRequest {
  readonly method: string;
  /** The request target: path and query string. */
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

export interface ApiResponse {
  readonly status: number;
  readonly body: string;
  readonly contentType: string;
  /** The error's name or code, for the x-amzn-ErrorType header and the log. */
  readonly errorType?: string;
  /** For the request log: the operation named (if any) and who called (once known). */
  readonly operation?: string;
  readonly caller?: { readonly account: string; readonly region: string };
}

export interface ParsedRequest {
  readonly operation: OperationModel;
  /** The request's members, not yet validated (the shared validation runs after authentication). */
  members(): unknown;
}

export interface WireProtocol {
  /** How the shared validation reads values and words its refusals on this wire. */
  readonly dialect: Dialect;
  /** The operation a request names and its raw members; throws the protocol's own errors. */
  parse(request: ApiRequest): ParsedRequest;
  /** The operation name a request gives, known or not (for the log of a refused request). */
  operationNamed(request: ApiRequest): string | undefined;
  encodeOutput(operation: OperationModel, output: unknown, requestId: string): ApiResponse;
  encodeError(error: ApiError, requestId: string): ApiResponse;
  /** The error a fault (a bug, a store failure) is answered with. */
  internalError(): ApiError;
}

export interface ServiceEndpoint {
  /** The SigV4 signing name, which is also the IAM action prefix: "ecs", "elasticloadbalancing". */
  readonly signingName: string;
  /** The service's name in messages: "ECS", "Elastic Load Balancing". */
  readonly title: string;
  readonly model: ServiceModel;
  readonly protocol: WireProtocol;
  readonly handlers: Readonly<Record<string, AnyHandler>>;
  /** The refusal of an operation the model has and ecslite does not serve. */
  unsupported(operation: string): ApiError;
  /** The service's own words for a value outside an enum, where known. */
  readonly enumWording?: EnumWording;
}
