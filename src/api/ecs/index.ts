// The one table that maps ECS operation names to their handlers.
import { ecsOperations } from "../../protocol/model";
import type { AnyHandler, RequestContext } from "../context";
import { checkInputLimits, type NumericRange, numericRanges } from "./inputLimits";
import { clusterHandlers } from "./clusters";
import { serviceHandlers } from "./services";
import { serviceDeploymentHandlers } from "./serviceDeployments";
import { taskHandlers } from "./tasks";
import { containerInstanceHandlers } from "./containerInstances";
import { capacityProviderHandlers } from "./capacityProviders";
import { accountSettingHandlers } from "./accountSettings";
import { agentHandlers } from "./agent";
import { attributeHandlers } from "./attributes";
import { taskSetHandlers } from "./taskSets";
import { tagHandlers } from "./tags";
import { taskDefinitionHandlers } from "./taskDefinitions";

const rangesByQuota = new Map<number, ReadonlyMap<string, NumericRange>>();

/** Every handler first checks its input against ECS's bounds (inputLimits.ts). */
function bounded(table: Readonly<Record<string, AnyHandler>>): Readonly<Record<string, AnyHandler>> {
  const out: Record<string, AnyHandler> = {};
  for (const [operation, handler] of Object.entries(table)) {
    const shape = ecsOperations().get(operation)?.input;
    if (!shape) throw new Error(`handler for ${operation}, which the ECS model does not have`);
    const run = handler as (input: Record<string, unknown>, ctx: RequestContext) => Promise<unknown>;
    out[operation] = ((input: Record<string, unknown>, ctx: RequestContext) => {
      const quota = ctx.config.maxTasksPerService;
      let ranges = rangesByQuota.get(quota);
      if (!ranges) rangesByQuota.set(quota, (ranges = numericRanges(quota)));
      checkInputLimits(input, shape, ranges);
      return run(input, ctx);
    }) as AnyHandler;
  }
  return out;
}

export const handlers: Readonly<Record<string, AnyHandler>> = bounded({
  ...clusterHandlers,
  ...taskDefinitionHandlers,
  ...tagHandlers,
  ...serviceHandlers,
  ...serviceDeploymentHandlers,
  ...taskSetHandlers,
  ...taskHandlers,
  ...containerInstanceHandlers,
  ...capacityProviderHandlers,
  ...accountSettingHandlers,
  ...attributeHandlers,
  ...agentHandlers,
});
