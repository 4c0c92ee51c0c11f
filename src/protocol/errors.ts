// Errors a client sees. Each class is named exactly as the exception in the service's model (or, for the
// protocol-level ones, as AWS's JSON frontends name them); handlers throw, the protocol encodes once.

export abstract class ApiError extends Error {
  abstract readonly type: string;
  /** 400 for client errors; ServerException alone is a fault. */
  readonly status: number = 400;
}

/** A class of error named `type`, answered with `status`. */
export function errorClass(type: string, status = 400) {
  return class extends ApiError {
    readonly type = type;
    override readonly status = status;
  };
}

// Exceptions of the ECS model.
export class AccessDeniedException extends errorClass("AccessDeniedException") {}
export class ClientException extends errorClass("ClientException") {}
export class ClusterContainsContainerInstancesException extends errorClass("ClusterContainsContainerInstancesException") {}
export class ClusterContainsServicesException extends errorClass("ClusterContainsServicesException") {}
export class ClusterContainsTasksException extends errorClass("ClusterContainsTasksException") {}
export class ClusterContainsCapacityProviderException extends errorClass("ClusterContainsCapacityProviderException") {}
export class ClusterNotFoundException extends errorClass("ClusterNotFoundException") {}
export class ConflictException extends errorClass("ConflictException") {}
export class InvalidParameterException extends errorClass("InvalidParameterException") {}
export class LimitExceededException extends errorClass("LimitExceededException") {}
export class ResourceInUseException extends errorClass("ResourceInUseException") {}
export class ResourceNotFoundException extends errorClass("ResourceNotFoundException") {}
export class ServerException extends errorClass("ServerException", 500) {}
export class ServiceNotActiveException extends errorClass("ServiceNotActiveException") {}
export class ServiceNotFoundException extends errorClass("ServiceNotFoundException") {}
export class ServiceDeploymentNotFoundException extends errorClass("ServiceDeploymentNotFoundException") {}
export class TaskSetNotFoundException extends errorClass("TaskSetNotFoundException") {}
export class UnsupportedFeatureException extends errorClass("UnsupportedFeatureException") {}
export class UpdateInProgressException extends errorClass("UpdateInProgressException") {}
export class NoUpdateAvailableException extends errorClass("NoUpdateAvailableException") {}
export class MissingVersionException extends errorClass("MissingVersionException") {}

// Not in ECS's model, but answered by ECS (throttling) or by AWS's frontends (503); every SDK retries both.
export class ThrottlingException extends errorClass("ThrottlingException") {}
export class ServiceUnavailableException extends errorClass("ServiceUnavailableException", 503) {}

// Protocol-level errors, named as AWS JSON 1.1 frontends name them.
export class SerializationException extends errorClass("SerializationException") {}
export class UnknownOperationException extends errorClass("UnknownOperationException") {}
export class RequestEntityTooLargeException extends errorClass("RequestEntityTooLargeException", 413) {}
export class MissingAuthenticationTokenException extends errorClass("MissingAuthenticationTokenException", 403) {}
export class IncompleteSignatureException extends errorClass("IncompleteSignatureException", 403) {}
export class UnrecognizedClientException extends errorClass("UnrecognizedClientException", 403) {}
export class InvalidSignatureException extends errorClass("InvalidSignatureException", 403) {}
export class PlatformUnknownException extends errorClass("PlatformUnknownException") {}
export class PlatformTaskDefinitionIncompatibilityException extends errorClass("PlatformTaskDefinitionIncompatibilityException") {}
export class TargetNotFoundException extends errorClass("TargetNotFoundException") {}
export class AttributeLimitExceededException extends errorClass("AttributeLimitExceededException") {}

// Errors of the AWS Query protocol (AWS's "Common Errors" for Query services such as Elastic Load
// Balancing), named by the code they travel with.
export class ValidationError extends errorClass("ValidationError") {}
export class InvalidAction extends errorClass("InvalidAction") {}
export class MissingAction extends errorClass("MissingAction") {}
/** AWS documents 404 for a query string with a syntax error. */
export class MalformedQueryString extends errorClass("MalformedQueryString", 404) {}
