// Clusters, capacity providers and attributes as ECS writes them (the AWS CLI's create-cluster,
// describe-clusters, put-cluster-capacity-providers, update-cluster, describe-capacity-providers,
// delete-capacity-provider and delete-attributes examples).
import * as assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  type Attachment,
  CreateCapacityProviderCommand,
  CreateClusterCommand,
  DeleteAttributesCommand,
  DeleteCapacityProviderCommand,
  DescribeCapacityProvidersCommand,
  DescribeClustersCommand,
  type ECSClient,
  PutAttributesCommand,
  PutClusterCapacityProvidersCommand,
  RegisterContainerInstanceCommand,
  UpdateClusterCommand,
} from "@aws-sdk/client-ecs";
import { startTestServer, type TestServer } from "./harness";

const ASG = "arn:aws:autoscaling:us-east-1:000000000000:autoScalingGroup:57ffcb94-11f0-4d6d-bf60-3bac5EXAMPLE:autoScalingGroupName/";
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** An attachment without its ids, which are random. */
function shape(a: Attachment): { type?: string; status?: string; details: [string | undefined, string | undefined][] } {
  return { type: a.type, status: a.status, details: (a.details ?? []).map((d) => [d.name, d.name === "scalingPolicyName" ? (d.value ?? "").replace(/-[0-9a-f-]{36}$/, "-<uuid>") : d.value]) };
}

describe("cluster shapes", () => {
  let server: TestServer;
  let slow: TestServer;
  let client: ECSClient;
  before(async () => {
    server = await startTestServer();
    slow = await startTestServer({ stepMs: 1000 });
    client = server.client();
    for (const c of [client, slow.client()]) {
      await c.send(new CreateCapacityProviderCommand({ name: "scaled", autoScalingGroupProvider: { autoScalingGroupArn: `${ASG}scaled`, managedScaling: { status: "ENABLED", targetCapacity: 100 } } }));
      await c.send(new CreateCapacityProviderCommand({ name: "manual", autoScalingGroupProvider: { autoScalingGroupArn: `${ASG}manual`, managedScaling: { status: "DISABLED" }, managedDraining: "DISABLED" }, tags: [{ key: "team", value: "ops" }] }));
    }
  });
  after(async () => {
    await server.close();
    await slow.close();
  });

  const scaledAttachments = (status: string, drainingStatus = status) => [
    { type: "as_policy", status, details: [["capacityProviderName", "scaled"], ["scalingPolicyName", "ECSManagedAutoScalingPolicy-<uuid>"]] },
    { type: "managed_draining", status: drainingStatus, details: [["capacityProviderName", "scaled"], ["autoScalingLifecycleHookName", "ecs-managed-draining-termination-hook"]] },
  ];

  it("CreateCluster: base 0 in the default strategy; a scaling policy and a draining hook for a provider with managed scaling and draining, in progress", async () => {
    const created = (
      await client.send(
        new CreateClusterCommand({ clusterName: "cp", capacityProviders: ["scaled", "manual"], defaultCapacityProviderStrategy: [{ capacityProvider: "scaled", weight: 1 }, { capacityProvider: "manual" }] }),
      )
    ).cluster;
    assert.deepEqual(created?.defaultCapacityProviderStrategy, [
      { capacityProvider: "scaled", weight: 1, base: 0 },
      { capacityProvider: "manual", weight: 0, base: 0 },
    ]);
    assert.deepEqual(created?.attachments?.map(shape), scaledAttachments("PRECREATED"));
    assert.ok(created?.attachments?.every((a) => UUID.test(a.id ?? "")));
    assert.equal(created?.attachmentsStatus, "UPDATE_IN_PROGRESS");
    const plain = (await client.send(new CreateClusterCommand({ clusterName: "plain" }))).cluster;
    assert.deepEqual([plain?.attachments, plain?.attachmentsStatus], [undefined, undefined], "no attachments without managed providers");
  });

  it("DescribeClusters: attachments with include ATTACHMENTS (settled after one step), settings with any include", async () => {
    const described = async (include?: ("ATTACHMENTS" | "TAGS")[]) => (await client.send(new DescribeClustersCommand({ clusters: ["cp"], ...(include ? { include } : {}) }))).clusters?.[0];
    const bare = await described();
    assert.deepEqual([bare?.attachments, bare?.attachmentsStatus, bare?.settings], [undefined, undefined, undefined]);
    const withAttachments = await described(["ATTACHMENTS"]);
    assert.deepEqual(withAttachments?.attachments?.map(shape), scaledAttachments("CREATED"));
    assert.equal(withAttachments?.attachmentsStatus, "UPDATE_COMPLETE");
    assert.deepEqual(withAttachments?.settings, [{ name: "containerInsights", value: "disabled" }]);
    assert.deepEqual((await described(["TAGS"]))?.settings, [{ name: "containerInsights", value: "disabled" }]);
    const plain = (await client.send(new DescribeClustersCommand({ clusters: ["plain"], include: ["ATTACHMENTS"] }))).clusters?.[0];
    assert.deepEqual([plain?.attachments, plain?.attachmentsStatus], [[], undefined]);
  });

  it("PutClusterCapacityProviders: removed providers' attachments are DELETING, then DELETED", async () => {
    const put = (await client.send(new PutClusterCapacityProvidersCommand({ cluster: "cp", capacityProviders: [], defaultCapacityProviderStrategy: [] }))).cluster;
    assert.deepEqual(put?.attachments?.map(shape), scaledAttachments("DELETING"));
    assert.equal(put?.attachmentsStatus, "UPDATE_IN_PROGRESS");
    const described = (await client.send(new DescribeClustersCommand({ clusters: ["cp"], include: ["ATTACHMENTS"] }))).clusters?.[0];
    assert.deepEqual(described?.attachments?.map(shape), scaledAttachments("DELETED"));
    assert.equal(described?.attachmentsStatus, "UPDATE_COMPLETE");
    const again = (await client.send(new PutClusterCapacityProvidersCommand({ cluster: "cp", capacityProviders: ["scaled"], defaultCapacityProviderStrategy: [] }))).cluster;
    assert.deepEqual(again?.attachments?.map(shape), [...scaledAttachments("PRECREATED"), ...scaledAttachments("DELETED")]);
  });

  it("UpdateCluster: a Service Connect namespace gets an sc attachment; a new namespace replaces it", async () => {
    await client.send(new CreateClusterCommand({ clusterName: "sc" }));
    const first = (await client.send(new UpdateClusterCommand({ cluster: "sc", serviceConnectDefaults: { namespace: "first" } }))).cluster;
    assert.deepEqual(first?.attachments?.map(shape), [{ type: "sc", status: "PRECREATED", details: [] }]);
    assert.deepEqual(first?.serviceConnectDefaults, { namespace: "first" });
    const settings = (await client.send(new UpdateClusterCommand({ cluster: "sc", settings: [{ name: "containerInsights", value: "enabled" }] }))).cluster;
    assert.deepEqual([settings?.attachments?.map(shape), settings?.attachmentsStatus], [[{ type: "sc", status: "ATTACHED", details: [] }], "UPDATE_COMPLETE"]);
    const second = (await client.send(new UpdateClusterCommand({ cluster: "sc", serviceConnectDefaults: { namespace: "second" } }))).cluster;
    assert.deepEqual(second?.attachments?.map(shape), [
      { type: "sc", status: "PRECREATED", details: [] },
      { type: "sc", status: "DELETING", details: [] },
    ]);
  });

  it("with a slower step the change stays in progress until the step has passed", async () => {
    const c = slow.client();
    await c.send(new CreateClusterCommand({ clusterName: "cp", capacityProviders: ["scaled"] }));
    const during = (await c.send(new DescribeClustersCommand({ clusters: ["cp"], include: ["ATTACHMENTS"] }))).clusters?.[0];
    assert.deepEqual([during?.attachments?.map(shape), during?.attachmentsStatus], [scaledAttachments("PRECREATED"), "UPDATE_IN_PROGRESS"]);
    await slow.advance(1);
    const settled = (await c.send(new DescribeClustersCommand({ clusters: ["cp"], include: ["ATTACHMENTS"] }))).clusters?.[0];
    assert.deepEqual([settled?.attachments?.map(shape), settled?.attachmentsStatus], [scaledAttachments("CREATED"), "UPDATE_COMPLETE"]);
  });

  it("DescribeCapacityProviders: tags [] on every provider without include TAGS, the tags with it", async () => {
    const all = (await client.send(new DescribeCapacityProvidersCommand({}))).capacityProviders ?? [];
    assert.deepEqual(all.map((p) => [p.name, p.tags]), [["FARGATE", []], ["FARGATE_SPOT", []], ["manual", []], ["scaled", []]]);
    const tagged = (await client.send(new DescribeCapacityProvidersCommand({ capacityProviders: ["manual"], include: ["TAGS"] }))).capacityProviders?.[0];
    assert.deepEqual(tagged?.tags, [{ key: "team", value: "ops" }]);
  });

  it("DeleteCapacityProvider answers ACTIVE / DELETE_IN_PROGRESS; the provider is INACTIVE / DELETE_COMPLETE once the step has passed", async () => {
    const c = slow.client();
    const deleted = (await c.send(new DeleteCapacityProviderCommand({ capacityProvider: "manual" }))).capacityProvider;
    assert.deepEqual([deleted?.status, deleted?.updateStatus], ["ACTIVE", "DELETE_IN_PROGRESS"]);
    const during = (await c.send(new DescribeCapacityProvidersCommand({ capacityProviders: ["manual"] }))).capacityProviders?.[0];
    assert.deepEqual([during?.status, during?.updateStatus], ["ACTIVE", "DELETE_IN_PROGRESS"]);
    await slow.advance(1);
    const after = (await c.send(new DescribeCapacityProvidersCommand({ capacityProviders: ["manual"] }))).capacityProviders?.[0];
    assert.deepEqual([after?.status, after?.updateStatus], ["INACTIVE", "DELETE_COMPLETE"]);
    assert.deepEqual(((await c.send(new DescribeCapacityProvidersCommand({}))).capacityProviders ?? []).map((p) => p.name), ["FARGATE", "FARGATE_SPOT", "scaled"]);
  });

  it("DeleteAttributes answers with the values the deleted attributes had", async () => {
    await client.send(new CreateClusterCommand({ clusterName: "attrs" }));
    const instance = (await client.send(new RegisterContainerInstanceCommand({ cluster: "attrs", instanceIdentityDocument: JSON.stringify({ instanceId: "i-0attrs" }) }))).containerInstance?.containerInstanceArn ?? "";
    await client.send(new PutAttributesCommand({ cluster: "attrs", attributes: [{ name: "stack", value: "production", targetId: instance }] }));
    const deleted = await client.send(new DeleteAttributesCommand({ cluster: "attrs", attributes: [{ name: "stack", targetId: instance }] }));
    assert.deepEqual(deleted.attributes, [{ name: "stack", targetId: instance, value: "production" }]);
  });
});
