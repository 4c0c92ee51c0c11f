// The one table that maps ECS operation names to their handlers.
import type { AnyHandler } from "../context";
import { clusterHandlers } from "./clusters";
import { serviceHandlers } from "./services";
import { taskHandlers } from "./tasks";
import { containerInstanceHandlers } from "./containerInstances";
import { capacityProviderHandlers } from "./capacityProviders";
import { accountSettingHandlers } from "./accountSettings";
import { attributeHandlers } from "./attributes";
import { taskSetHandlers } from "./taskSets";
import { tagHandlers } from "./tags";
import { taskDefinitionHandlers } from "./taskDefinitions";

export const handlers: Readonly<Record<string, AnyHandler>> = {
  ...clusterHandlers,
  ...taskDefinitionHandlers,
  ...tagHandlers,
  ...serviceHandlers,
  ...taskSetHandlers,
  ...taskHandlers,
  ...containerInstanceHandlers,
  ...capacityProviderHandlers,
  ...accountSettingHandlers,
  ...attributeHandlers,
};
