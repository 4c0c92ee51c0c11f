// Exceptions of the Elastic Load Balancing v2 model, named exactly as the model names them. The
// Query protocol answers each with the code and HTTP status the model gives it (TargetGroupNotFound,
// 400); ValidationError, ELB's answer to input its constraints refuse, is a protocol-level error.
import { errorClass } from "../../protocol/errors";

export { ValidationError } from "../../protocol/errors";
export class CertificateNotFoundException extends errorClass("CertificateNotFoundException") {}
export class DuplicateListenerException extends errorClass("DuplicateListenerException") {}
export class DuplicateLoadBalancerNameException extends errorClass("DuplicateLoadBalancerNameException") {}
export class DuplicateTagKeysException extends errorClass("DuplicateTagKeysException") {}
export class DuplicateTargetGroupNameException extends errorClass("DuplicateTargetGroupNameException") {}
export class IncompatibleProtocolsException extends errorClass("IncompatibleProtocolsException") {}
export class InvalidConfigurationRequestException extends errorClass("InvalidConfigurationRequestException") {}
export class InvalidLoadBalancerActionException extends errorClass("InvalidLoadBalancerActionException") {}
export class InvalidTargetException extends errorClass("InvalidTargetException") {}
export class ListenerNotFoundException extends errorClass("ListenerNotFoundException") {}
export class LoadBalancerNotFoundException extends errorClass("LoadBalancerNotFoundException") {}
export class OperationNotPermittedException extends errorClass("OperationNotPermittedException") {}
export class PriorityInUseException extends errorClass("PriorityInUseException") {}
export class ResourceInUseException extends errorClass("ResourceInUseException") {}
export class RuleNotFoundException extends errorClass("RuleNotFoundException") {}
export class TargetGroupNotFoundException extends errorClass("TargetGroupNotFoundException") {}
export class TooManyActionsException extends errorClass("TooManyActionsException") {}
export class TooManyListenersException extends errorClass("TooManyListenersException") {}
export class TooManyLoadBalancersException extends errorClass("TooManyLoadBalancersException") {}
export class TooManyRulesException extends errorClass("TooManyRulesException") {}
export class TooManyTagsException extends errorClass("TooManyTagsException") {}
export class TooManyTargetGroupsException extends errorClass("TooManyTargetGroupsException") {}
export class TooManyTargetsException extends errorClass("TooManyTargetsException") {}
export class TooManyUniqueTargetGroupsPerLoadBalancerException extends errorClass("TooManyUniqueTargetGroupsPerLoadBalancerException") {}
export class UnsupportedProtocolException extends errorClass("UnsupportedProtocolException") {}
export class TargetGroupAssociationLimitException extends errorClass("TargetGroupAssociationLimitException") {}
