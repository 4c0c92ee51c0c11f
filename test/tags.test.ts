// Tags through the SDK: TagResource, UntagResource and ListTagsForResource on clusters and task
// definitions, and every rule ECS applies to them.
import * as assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  CreateClusterCommand,
  DeleteClusterCommand,
  DeleteTaskDefinitionsCommand,
  DeregisterTaskDefinitionCommand,
  DescribeClustersCommand,
  DescribeTaskDefinitionCommand,
  type ECSClient,
  ListTagsForResourceCommand,
  RegisterTaskDefinitionCommand,
  type Tag,
  TagResourceCommand,
  UntagResourceCommand,
} from "@aws-sdk/client-ecs";
import { refusedWith } from "./assertions";
import { startTestServer, type TestServer } from "./harness";

const manyTags = (n: number, prefix = "k"): Tag[] => Array.from({ length: n }, (_, i) => ({ key: `${prefix}${i}`, value: `v${i}` }));

describe("tags", () => {
  let server: TestServer;
  let ecs: ECSClient;

  before(async () => {
    server = await startTestServer();
    ecs = server.client();
  });
  after(() => server.close());

  async function cluster(name: string, tags?: Tag[]): Promise<string> {
    const { cluster } = await ecs.send(new CreateClusterCommand({ clusterName: name, ...(tags ? { tags } : {}) }));
    return cluster?.clusterArn ?? "";
  }

  async function tagsOf(resourceArn: string): Promise<Tag[]> {
    return (await ecs.send(new ListTagsForResourceCommand({ resourceArn }))).tags ?? [];
  }

  test("tag, overwrite, list and untag a cluster", async () => {
    const arn = await cluster("tagged", [{ key: "team", value: "core" }]);
    assert.deepEqual(await tagsOf(arn), [{ key: "team", value: "core" }]);

    await ecs.send(new TagResourceCommand({ resourceArn: arn, tags: [{ key: "env", value: "prod" }, { key: "team", value: "edge" }, { key: "empty", value: "" }] }));
    assert.deepEqual(await tagsOf(arn), [
      { key: "team", value: "edge" },
      { key: "env", value: "prod" },
      { key: "empty", value: "" },
    ]);

    await ecs.send(new UntagResourceCommand({ resourceArn: arn, tagKeys: ["team", "not-there"] }));
    assert.deepEqual(await tagsOf(arn), [
      { key: "env", value: "prod" },
      { key: "empty", value: "" },
    ]);
    // DescribeClusters include TAGS shows the same tags.
    const { clusters } = await ecs.send(new DescribeClustersCommand({ clusters: [arn], include: ["TAGS"] }));
    assert.deepEqual(clusters?.[0].tags, await tagsOf(arn));
  });

  test("tag and untag a task definition revision", async () => {
    const { taskDefinition } = await ecs.send(
      new RegisterTaskDefinitionCommand({ family: "tagged-td", containerDefinitions: [{ name: "app", image: "busybox", memory: 64 }], tags: [{ key: "a", value: "1" }] }),
    );
    const arn = taskDefinition?.taskDefinitionArn ?? "";
    await ecs.send(new TagResourceCommand({ resourceArn: arn, tags: [{ key: "b", value: "2" }] }));
    assert.deepEqual(await tagsOf(arn), [
      { key: "a", value: "1" },
      { key: "b", value: "2" },
    ]);
    await ecs.send(new UntagResourceCommand({ resourceArn: arn, tagKeys: ["a"] }));
    const described = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: "tagged-td:1", include: ["TAGS"] }));
    assert.deepEqual(described.tags, [{ key: "b", value: "2" }]);

    // An INACTIVE revision still carries tags; one being deleted does not exist for tagging.
    await ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: arn }));
    assert.deepEqual(await tagsOf(arn), [{ key: "b", value: "2" }]);
    await ecs.send(new DeleteTaskDefinitionsCommand({ taskDefinitions: [arn] }));
    await refusedWith(ecs.send(new ListTagsForResourceCommand({ resourceArn: arn })), "ResourceNotFoundException");
  });

  describe("rules: each refusal is InvalidParameterException and changes nothing", () => {
    const refusals: [string, Tag[]][] = [
      ["an empty key", [{ key: "", value: "v" }]],
      ["a key of 129 characters", [{ key: "k".repeat(129), value: "v" }]],
      ["a value of 257 characters", [{ key: "k", value: "v".repeat(257) }]],
      ["a key with '#'", [{ key: "bad#key", value: "v" }]],
      ["a value with '*'", [{ key: "k", value: "bad*value" }]],
      ["a key with a newline", [{ key: "line\nbreak", value: "v" }]],
      ["the aws: prefix", [{ key: "aws:owner", value: "v" }]],
      ["the AWS: prefix in upper case", [{ key: "AWS:owner", value: "v" }]],
      ["the Aws: prefix in mixed case", [{ key: "Aws:Owner", value: "v" }]],
      ["a duplicate key", [{ key: "dup", value: "1" }, { key: "dup", value: "2" }]],
      ["51 tags in one request", manyTags(51)],
    ];

    for (const [what, tags] of refusals) {
      test(`TagResource refuses ${what}`, async () => {
        const arn = await cluster("rules", [{ key: "keep", value: "me" }]);
        await refusedWith(ecs.send(new TagResourceCommand({ resourceArn: arn, tags })), "InvalidParameterException");
        assert.deepEqual(await tagsOf(arn), [{ key: "keep", value: "me" }]);
      });
    }

    const badKeys: [string, string][] = [
      ["an empty key", ""],
      ["a key of 129 characters", "k".repeat(129)],
      ["a key with '#'", "bad#key"],
      ["the aws: prefix", "aws:owner"],
      ["the AWS: prefix", "AWS:owner"],
    ];
    for (const [what, key] of badKeys) {
      test(`UntagResource refuses ${what}`, async () => {
        const arn = await cluster("untag-rules", [{ key: "keep", value: "me" }]);
        await refusedWith(ecs.send(new UntagResourceCommand({ resourceArn: arn, tagKeys: ["keep", key] })), "InvalidParameterException");
        assert.deepEqual(await tagsOf(arn), [{ key: "keep", value: "me" }]);
      });
    }

    test("CreateCluster refuses bad tags and creates nothing", async () => {
      for (const [, tags] of refusals) {
        await refusedWith(ecs.send(new CreateClusterCommand({ clusterName: "never-created", tags })), "InvalidParameterException");
      }
      const { failures } = await ecs.send(new DescribeClustersCommand({ clusters: ["never-created"] }));
      assert.equal(failures?.[0].reason, "MISSING");
    });

    test("the limit is 50 tags per resource, counting the tags it already has", async () => {
      const arn = await cluster("crowded", manyTags(49));
      await ecs.send(new TagResourceCommand({ resourceArn: arn, tags: [{ key: "fiftieth", value: "ok" }] }));
      assert.equal((await tagsOf(arn)).length, 50);
      // Overwriting an existing key does not add one.
      await ecs.send(new TagResourceCommand({ resourceArn: arn, tags: [{ key: "k0", value: "changed" }] }));
      await refusedWith(ecs.send(new TagResourceCommand({ resourceArn: arn, tags: [{ key: "fifty-first", value: "no" }] })), "InvalidParameterException");
      const tags = await tagsOf(arn);
      assert.equal(tags.length, 50);
      assert.ok(!tags.some((t) => t.key === "fifty-first"));
      assert.deepEqual(tags.find((t) => t.key === "k0"), { key: "k0", value: "changed" });
    });

    test("the limits are inclusive, and letters, digits, spaces and _ . : / = + - @ are allowed in any script", async () => {
      const arn = await cluster("generous");
      const tags: Tag[] = [
        { key: "k".repeat(128), value: "v".repeat(256) },
        { key: "Zeichen äöü 日本語 ٣", value: "a_b.c:d/e=f+g-h@i j" },
        { key: "awsome", value: "not the reserved prefix" },
        // Limits count characters: 128 letters from outside the BMP are 256 UTF-16 code units.
        { key: "\u{1D49C}".repeat(128), value: "\u{1D4B7}".repeat(256) },
      ];
      await ecs.send(new TagResourceCommand({ resourceArn: arn, tags }));
      assert.deepEqual(await tagsOf(arn), tags);
    });
  });

  test("unknown resources: a missing cluster is ClusterNotFoundException, a missing task definition ResourceNotFoundException", async () => {
    await refusedWith(
      ecs.send(new TagResourceCommand({ resourceArn: "arn:aws:ecs:us-east-1:000000000000:cluster/absent", tags: [{ key: "a", value: "b" }] })),
      "ClusterNotFoundException",
    );
    await refusedWith(ecs.send(new ListTagsForResourceCommand({ resourceArn: "arn:aws:ecs:us-east-1:000000000000:task-definition/absent:1" })), "ResourceNotFoundException");
    await refusedWith(ecs.send(new ListTagsForResourceCommand({ resourceArn: "not-an-arn" })), "InvalidParameterException");
    await refusedWith(ecs.send(new ListTagsForResourceCommand({ resourceArn: "arn:aws:s3:::bucket" })), "InvalidParameterException");
  });

  test("a deleted cluster cannot be tagged: ECS's words for an inactive cluster", async () => {
    const arn = await cluster("tag-then-delete");
    await ecs.send(new DeleteClusterCommand({ cluster: arn }));
    // gruntwork-io/cloud-nuke issue 145 quotes ECS's answer.
    await refusedWith(ecs.send(new TagResourceCommand({ resourceArn: arn, tags: [{ key: "a", value: "b" }] })), "InvalidParameterException", /^The specified cluster is inactive\. Specify an active cluster and try again\.$/);
  });

  test("another account's or region's resource is not found, and keeps its tags", async () => {
    const arn = await cluster("private", [{ key: "owner", value: "me" }]);
    const other = server.client({ accessKeyId: "222222222222" });
    const elsewhere = server.client({ region: "ap-southeast-2" });
    for (const client of [other, elsewhere]) {
      await refusedWith(client.send(new ListTagsForResourceCommand({ resourceArn: arn })), "ClusterNotFoundException");
      await refusedWith(client.send(new TagResourceCommand({ resourceArn: arn, tags: [{ key: "owner", value: "them" }] })), "ClusterNotFoundException");
      await refusedWith(client.send(new UntagResourceCommand({ resourceArn: arn, tagKeys: ["owner"] })), "ClusterNotFoundException");
    }
    assert.deepEqual(await tagsOf(arn), [{ key: "owner", value: "me" }]);
  });
});
