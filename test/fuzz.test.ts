// Property-based fuzzing of every operation's body and of the request headers: the server answers
// each request (never a hang), never with a 5xx, names the problem in a 4xx, and a refused request
// changes nothing.
import * as assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import fc from "fast-check";
import { handlers } from "../src/api/ecs";
import { ecsOperations, type Shape } from "../src/protocol/model";
import { startTestServer, type TestServer } from "./harness";

const TARGET = "AmazonEC2ContainerServiceV20141113.";

/** Values that are wrong in interesting ways for any member type. */
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom("NaN", "Infinity", "-Infinity", "1e309", "", "\u0000", "__proto__", "constructor", "arn:aws:ecs:us-east-1:000000000000:cluster/x") },
  { weight: 4, arbitrary: fc.constantFrom(1.7976931348623157e308, -1, 2 ** 53, -(2 ** 63), 0.5, 101, -0) },
  { weight: 4, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 1, arbitrary: fc.constant("x".repeat(300_000)) },
  { weight: 4, arbitrary: fc.integer() },
  { weight: 4, arbitrary: fc.double() },
  { weight: 4, arbitrary: fc.boolean() },
  { weight: 4, arbitrary: fc.constant(null) },
  { weight: 4, arbitrary: fc.array(fc.string({ maxLength: 5 }), { maxLength: 5 }) },
  { weight: 1, arbitrary: fc.constant(Array.from({ length: 20_000 }, (_, i) => `item-${i}`)) },
  { weight: 4, arbitrary: fc.dictionary(fc.constantFrom("__proto__", "constructor", "prototype", "name", "value", "key"), fc.string({ maxLength: 5 })) },
  { weight: 4, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
);

/** A structurally plausible value for a shape, with hostile values mixed in. */
function valueFor(shape: Shape, depth: number): fc.Arbitrary<unknown> {
  if (depth > 4) return hostileValue;
  switch (shape.kind) {
    case "string":
    case "blob":
      return fc.oneof(fc.string({ maxLength: 20 }), hostileValue);
    case "number":
    case "timestamp":
      return fc.oneof(fc.integer({ min: -5, max: 200 }), hostileValue);
    case "boolean":
      return fc.oneof(fc.boolean(), hostileValue);
    case "document":
      return hostileValue;
    case "list":
      return fc.oneof(fc.array(valueFor(shape.member, depth + 1), { maxLength: 3 }), hostileValue);
    case "map":
      return fc.oneof(fc.dictionary(fc.string({ maxLength: 8 }), valueFor(shape.value, depth + 1), { maxKeys: 3 }), hostileValue);
    case "structure": {
      const members = [...shape.members.entries()];
      if (!members.length) return fc.constant({});
      return fc.oneof(
        fc.record(Object.fromEntries(members.map(([name, m]) => [name, valueFor(m.shape, depth + 1)])), { requiredKeys: [] }),
        hostileValue,
      );
    }
  }
}

/** JSON for deep nesting beyond the documented limit. */
const deeplyNested = (depth: number) => "[".repeat(depth) + "]".repeat(depth);

describe("fuzzing every operation", () => {
  let server: TestServer;
  let taskSetId = "";
  before(async () => {
    server = await startTestServer();
    // Some state to keep unchanged.
    await server.raw("CreateCluster", JSON.stringify({ clusterName: "keep" }));
    await server.raw("RegisterTaskDefinition", JSON.stringify({ family: "keep", containerDefinitions: [{ name: "app", image: "nginx", memory: 64 }] }));
    await server.raw("CreateService", JSON.stringify({ cluster: "keep", serviceName: "keep", desiredCount: 1, deploymentController: { type: "EXTERNAL" } }));
    const created = await server.raw("CreateTaskSet", JSON.stringify({ cluster: "keep", service: "keep", taskDefinition: "keep" }));
    taskSetId = String((created.json.taskSet as { id?: string } | undefined)?.id ?? "");
    assert.match(taskSetId, /^ecs-svc\/\d+$/);
  });
  after(() => server.close());

  /** A digest of the state a fuzzed request must not change when it is refused. */
  async function digest(): Promise<string> {
    const parts = await Promise.all([
      server.raw("ListClusters", "{}"),
      server.raw("ListTaskDefinitions", "{}"),
      server.raw("DescribeServices", JSON.stringify({ cluster: "keep", services: ["keep"], include: ["TAGS"] })),
      server.raw("DescribeTaskSets", JSON.stringify({ cluster: "keep", service: "keep", taskSets: [taskSetId], include: ["TAGS"] })),
      server.raw("ListTagsForResource", JSON.stringify({ resourceArn: "arn:aws:ecs:us-east-1:000000000000:cluster/keep" })),
      server.raw("ListAccountSettings", "{}"),
    ]);
    return JSON.stringify(parts.map((p) => p.json));
  }

  async function send(operation: string | undefined, body: string | Buffer, headers: Record<string, string> = {}) {
    const before = await digest();
    const response = await server.raw(operation, body, headers);
    assert.ok(response.status < 500, `${operation}: ${response.status} ${JSON.stringify(response.json).slice(0, 300)}`);
    if (response.status >= 400) {
      assert.equal(typeof response.json.__type, "string", `${operation}: a 4xx has a __type`);
      assert.ok(String(response.json.message ?? "").length > 0, `${operation}: a 4xx names the problem`);
      assert.equal(await digest(), before, `${operation}: a refused request changed state (${JSON.stringify(response.json)})`);
    }
    return response;
  }

  const operations = [...ecsOperations().values()];

  it("random member values for every operation: never a 5xx, refusals change nothing", async () => {
    for (const operation of operations) {
      await fc.assert(
        fc.asyncProperty(valueFor(operation.input, 0), async (input) => {
          await send(operation.name, JSON.stringify(input));
        }),
        { numRuns: handlers[operation.name] ? 12 : 2 },
      );
    }
  });

  it("bodies that are not JSON objects, invalid UTF-8 and NUL bytes, deep nesting", async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...operations.map((o) => o.name)), fc.uint8Array({ maxLength: 200 }), async (operation, bytes) => {
        await send(operation, Buffer.from(bytes));
      }),
      { numRuns: 150 },
    );
    for (const body of ["null", "[]", '"x"', "12", "{", '{"clusterName": "a\u0000b"}', deeplyNested(5000), `{"a":${deeplyNested(100)}}`, Buffer.from([0xff, 0xfe, 0x7b, 0x7d])]) {
      const response = await send("CreateCluster", body);
      assert.ok(response.status >= 400, `CreateCluster with ${String(body).slice(0, 20)} was accepted`);
    }
  });

  it("hostile headers: targets, content types, authorization", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.string({ maxLength: 60 }), fc.constantFrom(`${TARGET}__proto__`, `${TARGET}constructor`, `${TARGET}`, `${TARGET}ListClusters.x`, "x".repeat(5000))),
        fc.oneof(fc.constant("application/x-amz-json-1.1"), fc.string({ maxLength: 30 })),
        fc.oneof(fc.constant(undefined), fc.string({ maxLength: 80 }), fc.constant("AWS4-HMAC-SHA256 Credential=/////aws4_request")),
        async (target, contentType, authorization) => {
          const headers: Record<string, string> = { "x-amz-target": target.replace(/[\r\n\u0000-\u001f\u007f-\uffff]/g, ""), "content-type": contentType.replace(/[\r\n\u0000-\u001f\u007f-\uffff]/g, "") };
          if (authorization !== undefined) headers.authorization = authorization.replace(/[\r\n\u0000-\u001f\u007f-\uffff]/g, "");
          await send(undefined, "{}", headers);
        },
      ),
      { numRuns: 200 },
    );
  });
});
