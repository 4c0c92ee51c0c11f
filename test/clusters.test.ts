// Clusters through the SDK, as a user would: create, look, list, change, delete.
import * as assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  CreateCapacityProviderCommand,
  CreateClusterCommand,
  DeleteClusterCommand,
  DescribeClustersCommand,
  type ECSClient,
  ListClustersCommand,
  paginateListClusters,
  PutClusterCapacityProvidersCommand,
  UpdateClusterCommand,
  UpdateClusterSettingsCommand,
} from "@aws-sdk/client-ecs";
import { refusedWith } from "./assertions";
import { startTestServer, type TestServer } from "./harness";

const ACCOUNT = "000000000000";
const arnOf = (name: string, region = "us-east-1", account = ACCOUNT) => `arn:aws:ecs:${region}:${account}:cluster/${name}`;

describe("clusters", () => {
  let server: TestServer;
  let ecs: ECSClient;

  before(async () => {
    server = await startTestServer();
    ecs = server.client();
  });
  after(() => server.close());

  async function listAll(client = ecs): Promise<string[]> {
    const arns: string[] = [];
    for await (const page of paginateListClusters({ client }, {})) arns.push(...(page.clusterArns ?? []));
    return arns;
  }

  test("CreateCluster returns an ACTIVE, empty cluster with containerInsights disabled", async () => {
    const { cluster } = await ecs.send(new CreateClusterCommand({ clusterName: "fresh" }));
    assert.equal(cluster?.clusterArn, arnOf("fresh"));
    assert.equal(cluster?.clusterName, "fresh");
    assert.equal(cluster?.status, "ACTIVE");
    assert.equal(cluster?.activeServicesCount, 0);
    assert.equal(cluster?.runningTasksCount, 0);
    assert.equal(cluster?.pendingTasksCount, 0);
    assert.equal(cluster?.registeredContainerInstancesCount, 0);
    assert.deepEqual(cluster?.settings, [{ name: "containerInsights", value: "disabled" }]);
    assert.deepEqual(cluster?.capacityProviders, []);
  });

  test("CreateCluster without a name creates 'default'", async () => {
    const { cluster } = await ecs.send(new CreateClusterCommand({}));
    assert.equal(cluster?.clusterArn, arnOf("default"));
    // DescribeClusters without clusters describes 'default'.
    const described = await ecs.send(new DescribeClustersCommand({}));
    assert.deepEqual(described.clusters?.map((c) => c.clusterName), ["default"]);
  });

  test("CreateCluster is idempotent on the name: same ARN, one cluster, first tags kept", async () => {
    const first = await ecs.send(new CreateClusterCommand({ clusterName: "twice", tags: [{ key: "team", value: "a" }] }));
    const second = await ecs.send(new CreateClusterCommand({ clusterName: "twice", tags: [{ key: "team", value: "a" }] }));
    assert.equal(second.cluster?.clusterArn, first.cluster?.clusterArn);
    assert.equal((await listAll()).filter((arn) => arn === arnOf("twice")).length, 1);
    const { clusters } = await ecs.send(new DescribeClustersCommand({ clusters: ["twice"], include: ["TAGS"] }));
    assert.deepEqual(clusters?.[0].tags, [{ key: "team", value: "a" }]);
  });

  test("concurrent CreateCluster calls with one name make one cluster", async () => {
    const results = await Promise.all(Array.from({ length: 8 }, () => ecs.send(new CreateClusterCommand({ clusterName: "stampede" }))));
    assert.deepEqual(new Set(results.map((r) => r.cluster?.clusterArn)), new Set([arnOf("stampede")]));
    assert.equal((await listAll()).filter((arn) => arn === arnOf("stampede")).length, 1);
  });

  test("CreateCluster refuses a bad name", async () => {
    await refusedWith(ecs.send(new CreateClusterCommand({ clusterName: "no spaces" })), "InvalidParameterException", /Cluster name/);
    await refusedWith(ecs.send(new CreateClusterCommand({ clusterName: "x".repeat(256) })), "InvalidParameterException");
    assert.ok(!(await listAll()).some((arn) => arn.includes("no spaces")));
  });

  test("CreateCluster refuses an unknown containerInsights value", async () => {
    await refusedWith(
      ecs.send(new CreateClusterCommand({ clusterName: "insightful", settings: [{ name: "containerInsights", value: "sometimes" }] })),
      "InvalidParameterException",
      /containerInsights/,
    );
    assert.ok(!(await listAll()).includes(arnOf("insightful")));
  });

  test("CreateCluster associates FARGATE providers, and refuses providers that do not exist", async () => {
    const { cluster } = await ecs.send(
      new CreateClusterCommand({
        clusterName: "with-providers",
        capacityProviders: ["FARGATE", "FARGATE_SPOT"],
        defaultCapacityProviderStrategy: [{ capacityProvider: "FARGATE", weight: 1, base: 1 }],
      }),
    );
    assert.deepEqual(cluster?.capacityProviders, ["FARGATE", "FARGATE_SPOT"]);
    assert.deepEqual(cluster?.defaultCapacityProviderStrategy, [{ capacityProvider: "FARGATE", weight: 1, base: 1 }]);

    await refusedWith(ecs.send(new CreateClusterCommand({ clusterName: "bad-provider", capacityProviders: ["no-such-provider"] })), "InvalidParameterException", /no-such-provider/);
    await refusedWith(
      ecs.send(new CreateClusterCommand({ clusterName: "bad-provider", capacityProviders: ["FARGATE"], defaultCapacityProviderStrategy: [{ capacityProvider: "FARGATE_SPOT", weight: 1 }] })),
      "InvalidParameterException",
      /not associated with the cluster/,
    );
    assert.ok(!(await listAll()).includes(arnOf("bad-provider")));
  });

  test("DescribeClusters shows tags, settings and statistics only when included", async () => {
    await ecs.send(
      new CreateClusterCommand({ clusterName: "described", tags: [{ key: "env", value: "dev" }], settings: [{ name: "containerInsights", value: "enabled" }] }),
    );
    const plain = (await ecs.send(new DescribeClustersCommand({ clusters: ["described"] }))).clusters?.[0];
    assert.equal(plain?.clusterName, "described");
    assert.deepEqual(plain?.tags ?? [], []);
    assert.deepEqual(plain?.statistics ?? [], []);
    assert.equal(plain?.settings, undefined);

    const full = (await ecs.send(new DescribeClustersCommand({ clusters: [arnOf("described")], include: ["TAGS", "SETTINGS", "STATISTICS"] }))).clusters?.[0];
    assert.deepEqual(full?.tags, [{ key: "env", value: "dev" }]);
    assert.deepEqual(full?.settings, [{ name: "containerInsights", value: "enabled" }]);
    // ECS splits the statistics by launch type.
    const statistics = Object.fromEntries((full?.statistics ?? []).map((s) => [s.name, s.value]));
    assert.deepEqual(statistics, {
      runningEC2TasksCount: "0",
      runningFargateTasksCount: "0",
      pendingEC2TasksCount: "0",
      pendingFargateTasksCount: "0",
      activeEC2ServiceCount: "0",
      activeFargateServiceCount: "0",
      drainingEC2ServiceCount: "0",
      drainingFargateServiceCount: "0",
    });
  });

  test("DescribeClusters reports unknown clusters as MISSING failures, by ARN", async () => {
    await ecs.send(new CreateClusterCommand({ clusterName: "present" }));
    const result = await ecs.send(new DescribeClustersCommand({ clusters: ["present", "absent", arnOf("elsewhere", "eu-west-1")] }));
    assert.deepEqual(result.clusters?.map((c) => c.clusterName), ["present"]);
    assert.deepEqual(result.failures, [
      { arn: arnOf("absent"), reason: "MISSING" },
      { arn: arnOf("elsewhere", "eu-west-1"), reason: "MISSING" },
    ]);
  });

  test("ListClusters pages with maxResults and nextToken, every cluster once", async () => {
    const fresh = await startTestServer();
    try {
      const client = fresh.client();
      const names = Array.from({ length: 7 }, (_, i) => `page-${i}`);
      for (const clusterName of names) await client.send(new CreateClusterCommand({ clusterName }));
      const first = await client.send(new ListClustersCommand({ maxResults: 3 }));
      assert.equal(first.clusterArns?.length, 3);
      assert.ok(first.nextToken);
      const second = await client.send(new ListClustersCommand({ maxResults: 3, nextToken: first.nextToken }));
      const third = await client.send(new ListClustersCommand({ maxResults: 3, nextToken: second.nextToken }));
      assert.equal(third.clusterArns?.length, 1);
      assert.equal(third.nextToken, undefined);
      const seen = [...(first.clusterArns ?? []), ...(second.clusterArns ?? []), ...(third.clusterArns ?? [])];
      assert.deepEqual([...seen].sort(), names.map((n) => arnOf(n)).sort());

      // Exactly a page's worth leaves no token behind.
      const all = await client.send(new ListClustersCommand({ maxResults: 7 }));
      assert.equal(all.clusterArns?.length, 7);
      assert.equal(all.nextToken, undefined);

      // Deleted clusters stay listed while they stay describable (INACTIVE), as ECS lists them.
      await client.send(new DeleteClusterCommand({ cluster: "page-1" }));
      await client.send(new DeleteClusterCommand({ cluster: "page-4" }));
      const left: string[][] = [];
      let token: string | undefined;
      do {
        const page = await client.send(new ListClustersCommand({ maxResults: 2, nextToken: token }));
        left.push(page.clusterArns ?? []);
        token = page.nextToken;
      } while (token);
      assert.deepEqual(left, [
        [arnOf("page-0"), arnOf("page-1")],
        [arnOf("page-2"), arnOf("page-3")],
        [arnOf("page-4"), arnOf("page-5")],
        [arnOf("page-6")],
      ]);
      const listed = await client.send(new DescribeClustersCommand({ clusters: left.flat() }));
      assert.deepEqual(listed.clusters?.filter((c) => c.status === "INACTIVE").map((c) => c.clusterName), ["page-1", "page-4"]);

      await refusedWith(client.send(new ListClustersCommand({ maxResults: 101 })), "InvalidParameterException");
      await refusedWith(client.send(new ListClustersCommand({ maxResults: 0 })), "InvalidParameterException");
      await refusedWith(client.send(new ListClustersCommand({ nextToken: "not-a-token" })), "InvalidParameterException");
    } finally {
      await fresh.close();
    }
  });

  test("UpdateCluster changes settings and configuration; UpdateClusterSettings merges by name", async () => {
    await ecs.send(new CreateClusterCommand({ clusterName: "changing" }));
    const updated = await ecs.send(
      new UpdateClusterCommand({
        cluster: "changing",
        settings: [{ name: "containerInsights", value: "enhanced" }],
        configuration: { executeCommandConfiguration: { logging: "DEFAULT" } },
      }),
    );
    assert.deepEqual(updated.cluster?.settings, [{ name: "containerInsights", value: "enhanced" }]);
    assert.equal(updated.cluster?.configuration?.executeCommandConfiguration?.logging, "DEFAULT");

    const settled = await ecs.send(new UpdateClusterSettingsCommand({ cluster: arnOf("changing"), settings: [{ name: "containerInsights", value: "disabled" }] }));
    assert.deepEqual(settled.cluster?.settings, [{ name: "containerInsights", value: "disabled" }]);

    const { clusters } = await ecs.send(new DescribeClustersCommand({ clusters: ["changing"], include: ["SETTINGS", "CONFIGURATIONS"] }));
    assert.deepEqual(clusters?.[0].settings, [{ name: "containerInsights", value: "disabled" }]);
    assert.equal(clusters?.[0].configuration?.executeCommandConfiguration?.logging, "DEFAULT");

    await refusedWith(ecs.send(new UpdateClusterSettingsCommand({ cluster: "changing", settings: [{ name: "containerInsights", value: "maybe" }] })), "InvalidParameterException");
    await refusedWith(ecs.send(new UpdateClusterCommand({ cluster: "nowhere", settings: [] })), "ClusterNotFoundException");
    await refusedWith(ecs.send(new UpdateClusterSettingsCommand({ cluster: "nowhere", settings: [{ name: "containerInsights", value: "enabled" }] })), "ClusterNotFoundException");
  });

  test("DeleteCluster leaves it INACTIVE and still listed; the name can be used again", async () => {
    await ecs.send(new CreateClusterCommand({ clusterName: "doomed", tags: [{ key: "old", value: "yes" }] }));
    const deleted = await ecs.send(new DeleteClusterCommand({ cluster: "doomed" }));
    assert.equal(deleted.cluster?.status, "INACTIVE");
    assert.equal(deleted.cluster?.clusterArn, arnOf("doomed"));

    const described = await ecs.send(new DescribeClustersCommand({ clusters: ["doomed"] }));
    assert.equal(described.clusters?.[0].status, "INACTIVE");
    assert.ok((await listAll()).includes(arnOf("doomed")), "listed while describable");

    await refusedWith(ecs.send(new DeleteClusterCommand({ cluster: "doomed" })), "ClusterNotFoundException");
    await refusedWith(ecs.send(new UpdateClusterSettingsCommand({ cluster: "doomed", settings: [{ name: "containerInsights", value: "enabled" }] })), "ClusterNotFoundException");

    const again = await ecs.send(new CreateClusterCommand({ clusterName: "doomed" }));
    assert.equal(again.cluster?.status, "ACTIVE");
    assert.equal(again.cluster?.clusterArn, arnOf("doomed"));
    const { clusters } = await ecs.send(new DescribeClustersCommand({ clusters: ["doomed"], include: ["TAGS"] }));
    assert.deepEqual(clusters?.[0].tags, [], "a re-created cluster starts without the old cluster's tags");
    assert.ok((await listAll()).includes(arnOf("doomed")));
  });

  test("DeleteCluster of an unknown cluster is ClusterNotFoundException", async () => {
    await refusedWith(ecs.send(new DeleteClusterCommand({ cluster: "never-was" })), "ClusterNotFoundException", /Cluster not found/);
  });
});

describe("cluster isolation between accounts and regions", () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer();
  });
  after(() => server.close());

  test("two accounts see nothing of each other, even by ARN", async () => {
    const alice = server.client({ accessKeyId: "111111111111" });
    const bob = server.client({ accessKeyId: "222222222222" });
    const { cluster } = await alice.send(new CreateClusterCommand({ clusterName: "shared-name" }));
    assert.equal(cluster?.clusterArn, arnOf("shared-name", "us-east-1", "111111111111"));

    assert.deepEqual((await bob.send(new ListClustersCommand({}))).clusterArns, []);
    const described = await bob.send(new DescribeClustersCommand({ clusters: [cluster?.clusterArn ?? ""] }));
    assert.deepEqual(described.clusters, []);
    assert.deepEqual(described.failures, [{ arn: cluster?.clusterArn, reason: "MISSING" }]);
    await refusedWith(bob.send(new DeleteClusterCommand({ cluster: cluster?.clusterArn })), "ClusterNotFoundException");
    await refusedWith(bob.send(new UpdateClusterSettingsCommand({ cluster: cluster?.clusterArn, settings: [{ name: "containerInsights", value: "enabled" }] })), "ClusterNotFoundException");

    // Bob's own cluster of the same name is a different cluster.
    const own = await bob.send(new CreateClusterCommand({ clusterName: "shared-name" }));
    assert.equal(own.cluster?.clusterArn, arnOf("shared-name", "us-east-1", "222222222222"));
    assert.deepEqual((await alice.send(new ListClustersCommand({}))).clusterArns, [arnOf("shared-name", "us-east-1", "111111111111")]);
    const aliceView = await alice.send(new DescribeClustersCommand({ clusters: ["shared-name"] }));
    assert.equal(aliceView.clusters?.[0].status, "ACTIVE", "Bob's delete attempt changed nothing");
  });

  test("a capacity provider ARN of another account is not the caller's provider of that name", async () => {
    const alice = server.client({ accessKeyId: "111111111111" });
    const bob = server.client({ accessKeyId: "222222222222" });
    const asg = (account: string) => `arn:aws:autoscaling:us-east-1:${account}:autoScalingGroup:1:autoScalingGroupName/asg`;
    await alice.send(new CreateCapacityProviderCommand({ name: "shared-cp", autoScalingGroupProvider: { autoScalingGroupArn: asg("111111111111") } }));
    await bob.send(new CreateCapacityProviderCommand({ name: "shared-cp", autoScalingGroupProvider: { autoScalingGroupArn: asg("222222222222") } }));
    await bob.send(new CreateClusterCommand({ clusterName: "bob-cluster" }));
    const alicesProvider = "arn:aws:ecs:us-east-1:111111111111:capacity-provider/shared-cp";
    await refusedWith(bob.send(new PutClusterCapacityProvidersCommand({ cluster: "bob-cluster", capacityProviders: [alicesProvider], defaultCapacityProviderStrategy: [] })), "InvalidParameterException");
    await refusedWith(bob.send(new CreateClusterCommand({ clusterName: "bob-other", capacityProviders: [alicesProvider] })), "InvalidParameterException");
    const own = await bob.send(new PutClusterCapacityProvidersCommand({ cluster: "bob-cluster", capacityProviders: ["shared-cp"], defaultCapacityProviderStrategy: [] }));
    assert.deepEqual(own.cluster?.capacityProviders, ["shared-cp"]);
  });

  test("two regions of one account see nothing of each other", async () => {
    const east = server.client({ accessKeyId: "333333333333", region: "us-east-1" });
    const west = server.client({ accessKeyId: "333333333333", region: "us-west-2" });
    await east.send(new CreateClusterCommand({ clusterName: "regional" }));
    assert.deepEqual((await west.send(new ListClustersCommand({}))).clusterArns, []);
    const described = await west.send(new DescribeClustersCommand({ clusters: ["regional"] }));
    assert.deepEqual(described.failures, [{ arn: arnOf("regional", "us-west-2", "333333333333"), reason: "MISSING" }]);
    const { cluster } = await west.send(new CreateClusterCommand({ clusterName: "regional" }));
    assert.equal(cluster?.clusterArn, arnOf("regional", "us-west-2", "333333333333"));
    assert.deepEqual((await east.send(new ListClustersCommand({}))).clusterArns, [arnOf("regional", "us-east-1", "333333333333")]);
  });
});
