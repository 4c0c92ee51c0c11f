// The AWS services ecslite serves on one port, each as its model, wire protocol and handlers:
// ECS over AWS JSON 1.1, Elastic Load Balancing v2 over AWS Query.
import { handlers as ecsHandlers } from "./api/ecs";
import { ecsEnumWording } from "./api/ecs/validationWording";
import { elbv2Handlers } from "./api/elbv2";
import { OperationNotPermittedException } from "./api/elbv2/errors";
import { UnsupportedFeatureException } from "./protocol/errors";
import { jsonProtocol } from "./protocol/json";
import { ecsModel, elbv2Model } from "./protocol/model";
import type { ServiceEndpoint } from "./protocol/protocol";
import { queryProtocol } from "./protocol/query";
import type { ServedServices } from "./protocol/route";

export const ECS_TARGET_PREFIX = "AmazonEC2ContainerServiceV20141113";
export const ELBV2_VERSION = "2015-12-01";
export const ELBV2_NAMESPACE = "http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/";

export function ecsService(): ServiceEndpoint {
  const model = ecsModel();
  return {
    signingName: "ecs",
    title: "ECS",
    model,
    protocol: jsonProtocol(model, ECS_TARGET_PREFIX),
    handlers: ecsHandlers,
    unsupported: (operation) => new UnsupportedFeatureException(`ecslite does not support the ECS operation ${operation} yet. See docs/compatibility.md for the operations it supports.`),
    enumWording: ecsEnumWording,
  };
}

export function elbv2Service(): ServiceEndpoint {
  const model = elbv2Model();
  return {
    signingName: "elasticloadbalancing",
    title: "Elastic Load Balancing",
    model,
    protocol: queryProtocol({ model, version: ELBV2_VERSION, namespace: ELBV2_NAMESPACE }),
    handlers: elbv2Handlers,
    unsupported: (operation) =>
      new OperationNotPermittedException(`ecslite does not support the Elastic Load Balancing operation ${operation} yet. See docs/compatibility.md for the operations it supports.`),
  };
}

export function servedServices(): ServedServices {
  const ecs = ecsService();
  const elbv2 = elbv2Service();
  return {
    byTargetPrefix: new Map([[ECS_TARGET_PREFIX, ecs]]),
    bySigningName: new Map([
      [ecs.signingName, ecs],
      [elbv2.signingName, elbv2],
    ]),
    query: elbv2,
    fallback: ecs,
  };
}
