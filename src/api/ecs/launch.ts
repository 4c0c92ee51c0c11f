// Launch settings checked against the task definition and cluster, refusals thrown as ECS errors.
import type { Cluster, TaskDefinition } from "@aws-sdk/client-ecs";
import { isRefusal, type LaunchRequest, type LaunchSettings, resolveLaunch } from "../../domain/launch";
import {
  ClientException,
  InvalidParameterException,
  PlatformTaskDefinitionIncompatibilityException,
  PlatformUnknownException,
} from "../../protocol/errors";
import type { Wire } from "../../protocol/wire";

const exceptions = {
  InvalidParameterException,
  ClientException,
  PlatformUnknownException,
  PlatformTaskDefinitionIncompatibilityException,
};

export function launchSettings(request: LaunchRequest, def: Wire<TaskDefinition>, cluster: Wire<Cluster>, maxTargetGroups: number): LaunchSettings {
  const result = resolveLaunch(request, def, cluster, { maxTargetGroups });
  if (isRefusal(result)) throw new exceptions[result.exception](result.message);
  return result;
}
