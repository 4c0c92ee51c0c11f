// The one table that maps Elastic Load Balancing v2 operation names to their handlers. Operations of
// the model not listed here are answered with OperationNotPermitted naming the operation.
import type { AnyHandler } from "../context";
import { listenerHandlers } from "./listeners";
import { loadBalancerHandlers } from "./loadBalancers";
import { ruleHandlers } from "./rules";
import { tagHandlers } from "./tags";
import { targetGroupHandlers } from "./targetGroups";
import { targetHandlers } from "./targets";

export const elbv2Handlers: Readonly<Record<string, AnyHandler>> = {
  ...loadBalancerHandlers,
  ...targetGroupHandlers,
  ...targetHandlers,
  ...listenerHandlers,
  ...ruleHandlers,
  ...tagHandlers,
};
