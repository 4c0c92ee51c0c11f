// What the ECS container agent calls, answered for the simulated agent of each registered instance:
// UpdateContainerAgent (an update to the newest agent, PENDING for one task step, then UPDATED) and
// DiscoverPollEndpoint (the Region's agent endpoints, as AWS answers them).
import type {
  DiscoverPollEndpointRequest,
  DiscoverPollEndpointResponse,
  UpdateContainerAgentRequest,
  UpdateContainerAgentResponse,
} from "@aws-sdk/client-ecs";
import { arns, isArn } from "../../domain/arn";
import { InvalidParameterException, MissingVersionException, NoUpdateAvailableException, UpdateInProgressException } from "../../protocol/errors";
import type { Handler } from "../context";
import { LATEST_AGENT_VERSION, presentedAgent, withUsage } from "./containerInstances";
import { activeCluster, inScope } from "./resolve";

/** Compares dotted version numbers ("1.89.0" < "1.100.0"). */
function compareVersions(a: string, b: string): number {
  const x = a.split(".").map((n) => Number.parseInt(n, 10) || 0);
  const y = b.split(".").map((n) => Number.parseInt(n, 10) || 0);
  for (let i = 0; i < Math.max(x.length, y.length); i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) - (y[i] ?? 0);
  return 0;
}

const updateContainerAgent: Handler<UpdateContainerAgentRequest, UpdateContainerAgentResponse> = async (input, ctx) =>
  ctx.store.transaction(async (tx) => {
    const cluster = await activeCluster(tx, ctx, input.cluster);
    const instance = input.containerInstance ?? "";
    const arn = isArn(instance) ? instance : arns.containerInstance(ctx, cluster.cluster.clusterName ?? "", instance);
    const record = inScope(arn, ctx) ? await tx.get("containerInstance", arn) : undefined;
    const ofCluster = arns.containerInstance(ctx, cluster.cluster.clusterName ?? "", "");
    if (!record || record.containerInstance.status === "INACTIVE" || !arn.startsWith(ofCluster)) {
      throw new InvalidParameterException("The referenced container instance was not found.");
    }
    const now = ctx.clock.now();
    const current = presentedAgent(record, now);
    // ECS's words for each refusal (the exceptions' documentation in the ECS model).
    if (current.agentUpdateStatus === "PENDING") {
      throw new UpdateInProgressException("There's already a current Amazon ECS container agent update in progress on the container instance that's specified.");
    }
    const version = current.versionInfo?.agentVersion;
    if (!version) throw new MissingVersionException("Amazon ECS can't determine the current version of the Amazon ECS container agent on the container instance and doesn't have enough information to proceed with an update.");
    if (compareVersions(version, LATEST_AGENT_VERSION) >= 0) throw new NoUpdateAvailableException("There's no update available for this Amazon ECS container agent.");
    const updated = {
      containerInstance: { ...record.containerInstance, agentUpdateStatus: "UPDATED" as const, versionInfo: { ...record.containerInstance.versionInfo, agentVersion: LATEST_AGENT_VERSION } },
      // The answer shows the update just requested, whatever the step time.
      agentUpdate: { settlesAt: now + ctx.config.stepMs, fromVersion: record.containerInstance.versionInfo },
    };
    await tx.put("containerInstance", updated);
    const [shown] = await withUsage(tx, ctx, [{ ...updated, agentUpdate: { ...updated.agentUpdate, settlesAt: Number.POSITIVE_INFINITY } }], cluster.cluster.clusterArn ?? "");
    return { containerInstance: shown };
  });

/** The endpoints AWS gives an agent in the Region (the AWS CLI's discover-poll-endpoint example shows their form). */
const discoverPollEndpoint: Handler<DiscoverPollEndpointRequest, DiscoverPollEndpointResponse> = async (_input, ctx) => ({
  endpoint: `https://ecs-a-1.${ctx.region}.amazonaws.com/`,
  telemetryEndpoint: `https://ecs-t-1.${ctx.region}.amazonaws.com/`,
  serviceConnectEndpoint: `https://ecs-sc.${ctx.region}.api.aws`,
});

export const agentHandlers = {
  UpdateContainerAgent: updateContainerAgent,
  DiscoverPollEndpoint: discoverPollEndpoint,
};
