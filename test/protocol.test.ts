// The AWS JSON 1.1 wire under hostile input, over raw HTTP. After every refusal the server still
// answers and nothing changed.
import * as assert from "node:assert/strict";
import * as http from "node:http";
import { after, before, describe, test } from "node:test";
import { CreateClusterCommand, ListClustersCommand } from "@aws-sdk/client-ecs";
import { handlers } from "../src/api/ecs";
import { ecsOperations } from "../src/protocol/model";
import { startTestServer, type TestServer } from "./harness";

const REQUEST_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

// An ECS operation the model has and ecslite does not serve (yet).
const UNSERVED_OPERATION = "ExecuteCommand";

describe("protocol", () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer();
    const created = await server.raw("CreateCluster", JSON.stringify({ clusterName: "baseline" }));
    assert.equal(created.status, 200);
  });
  after(() => server.close());

  async function clusterArns(): Promise<string[]> {
    const { status, json } = await server.raw("ListClusters", "{}");
    assert.equal(status, 200, "the server still answers");
    return json.clusterArns as string[];
  }

  /** Sends the request, asserts the exact error, and that the server is up and unchanged after it. */
  async function refused(operation: string | undefined, body: string | Buffer, type: string, status = 400, headers: Record<string, string> = {}) {
    const clustersBefore = await clusterArns();
    const response = await server.raw(operation, body, headers);
    assert.equal(response.status, status, JSON.stringify(response.json));
    assert.equal(response.json.__type, type, JSON.stringify(response.json));
    assert.equal(typeof response.json.message, "string");
    assert.equal(response.headers.get("x-amzn-errortype"), type);
    assert.match(response.headers.get("x-amzn-requestid") ?? "", REQUEST_ID);
    assert.deepEqual(await clusterArns(), clustersBefore, "nothing changed");
    return response;
  }

  describe("bodies that are not a JSON object", () => {
    const cases: [string, string | Buffer][] = [
      ["malformed JSON", '{"clusterName": "half'],
      ["trailing garbage", '{"clusterName": "x"} {}'],
      ["an array", '[{"clusterName": "x"}]'],
      ["a string", '"clusterName"'],
      ["a number", "42"],
      ["null", "null"],
      ["invalid UTF-8", Buffer.from([0x7b, 0x22, 0x63, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0x22, 0x7d])],
      ["deeply nested arrays", `{"tags": ${"[".repeat(200_000)}${"]".repeat(200_000)}}`],
    ];
    for (const [what, body] of cases) {
      test(`${what} is SerializationException`, async () => {
        await refused("CreateCluster", body, "SerializationException");
      });
    }

    test("an empty body is an empty input", async () => {
      const { status, json } = await server.raw("ListClusters", "");
      assert.equal(status, 200);
      assert.ok(Array.isArray(json.clusterArns));
    });
  });

  describe("the operation", () => {
    test("a missing X-Amz-Target is UnknownOperationException", async () => {
      await refused(undefined, "{}", "UnknownOperationException");
    });

    test("a target of another service is UnknownOperationException", async () => {
      await refused(undefined, "{}", "UnknownOperationException", 400, { "x-amz-target": "DynamoDB_20120810.ListTables" });
    });

    test("an operation ECS does not have is UnknownOperationException", async () => {
      const { json } = await refused("LaunchRockets", "{}", "UnknownOperationException");
      assert.match(String(json.message), /LaunchRockets/);
    });

    test("operation names that are Object.prototype members are unknown operations", async () => {
      for (const name of ["constructor", "__proto__", "toString", "hasOwnProperty"]) {
        await refused(name, "{}", "UnknownOperationException");
      }
    });

    test("an ECS operation ecslite does not serve is UnsupportedFeatureException naming it", async () => {
      assert.ok(ecsOperations().has(UNSERVED_OPERATION), "the SDK model knows the operation");
      assert.ok(!(UNSERVED_OPERATION in handlers), `${UNSERVED_OPERATION} is served now: pick another operation for this test`);
      const { json } = await refused(UNSERVED_OPERATION, JSON.stringify({ serviceDeploymentArns: ["arn:aws:ecs:us-east-1:000000000000:service-deployment/c/s/x"] }), "UnsupportedFeatureException");
      assert.match(String(json.message), new RegExp(UNSERVED_OPERATION));
    });
  });

  describe("members checked against the model", () => {
    test("wrong member types are SerializationException naming the member", async () => {
      const cases: [string, unknown, RegExp][] = [
        ["ListClusters", { maxResults: "5" }, /maxResults/],
        ["UpdateService", { service: "s", desiredCount: "3" }, /desiredCount/],
        ["CreateCluster", { clusterName: 5 }, /clusterName/],
        ["CreateCluster", { clusterName: true }, /clusterName/],
        ["DescribeClusters", { clusters: { a: "b" } }, /clusters/],
        ["DescribeClusters", { clusters: "default" }, /clusters/],
        ["CreateCluster", { clusterName: "typed", tags: [{ key: "k", value: 1 }] }, /tags\[0\]\.value/],
        ["CreateCluster", { clusterName: "typed", tags: ["k=v"] }, /tags\[0\]/],
        ["CreateCluster", { clusterName: "typed", settings: { name: "containerInsights" } }, /settings/],
        ["RegisterTaskDefinition", { family: "typed", containerDefinitions: [{ name: "a", image: "b", memory: "128" }] }, /containerDefinitions\[0\]\.memory/],
      ];
      for (const [operation, body, member] of cases) {
        const { json } = await refused(operation, JSON.stringify(body), "SerializationException");
        assert.match(String(json.message), member);
      }
    });

    test("values outside an enum are InvalidParameterException naming the member path", async () => {
      const cases: [string, unknown, string][] = [
        ["RunTask", { taskDefinition: "x", launchType: "MOON" }, "launchType"],
        ["ListServices", { schedulingStrategy: "REPLICAS" }, "schedulingStrategy"],
        ["UpdateTaskSet", { cluster: "baseline", service: "s", taskSet: "ecs-svc/1", scale: { value: 50, unit: "PERMILLE" } }, "scale.unit"],
        ["CreateCluster", { clusterName: "enums", settings: [{ name: "containerInsightz", value: "enabled" }] }, "settings[0].name"],
        ["ListTaskDefinitions", { sort: "SIDEWAYS" }, "sort"],
      ];
      for (const [operation, body, member] of cases) {
        const { json } = await refused(operation, JSON.stringify(body), "InvalidParameterException");
        assert.ok(String(json.message).includes(`'${member}'`), `${String(json.message)} names ${member}`);
      }
    });

    test("a missing required member is InvalidParameterException naming it", async () => {
      const { json } = await refused("DescribeTaskDefinition", "{}", "InvalidParameterException");
      assert.match(String(json.message), /'taskDefinition'/);
      const nested = await refused("RegisterTaskDefinition", JSON.stringify({ family: "f", containerDefinitions: [{ name: "a", image: "b", memory: 64, portMappings: [{}] }], volumes: [{ name: "v", efsVolumeConfiguration: {} }] }), "InvalidParameterException");
      assert.match(String(nested.json.message), /'volumes\[0\]\.efsVolumeConfiguration\.fileSystemId'/);
    });

    test("strings too long for any ECS member, or holding NUL, are InvalidParameterException", async () => {
      const long = await refused("CreateCluster", JSON.stringify({ clusterName: "x".repeat(300 * 1024) }), "InvalidParameterException");
      assert.match(String(long.json.message), /clusterName/);
      const nul = await refused("CreateCluster", JSON.stringify({ clusterName: "a\u0000b" }), "InvalidParameterException");
      assert.match(String(nul.json.message), /clusterName/);
    });

    test("JSON null means absent", async () => {
      const { status, json } = await server.raw("ListClusters", JSON.stringify({ maxResults: null, nextToken: null }));
      assert.equal(status, 200);
      assert.ok(Array.isArray(json.clusterArns));
    });

    test("unknown members are ignored", async () => {
      const { status } = await server.raw("ListClusters", JSON.stringify({ colour: "blue", maxResults: 10 }));
      assert.equal(status, 200);
    });
  });

  test("a body over 1 MiB is 413 RequestEntityTooLargeException", async () => {
    const big = JSON.stringify({ clusterName: "big", padding: "x".repeat(1024 * 1024) });
    await refused("CreateCluster", big, "RequestEntityTooLargeException", 413);
  });

  test("a streamed (chunked) body over 1 MiB without Content-Length is 413 too", async () => {
    const clustersBefore = await clusterArns();
    const url = new URL(server.url);
    const response = await new Promise<{ status: number | undefined; body: string }>((resolve, reject) => {
      const request = http.request(
        { host: url.hostname, port: url.port, method: "POST", path: "/", headers: { "content-type": "application/x-amz-json-1.1", "x-amz-target": "AmazonEC2ContainerServiceV20141113.CreateCluster" } },
        (res) => {
          let body = "";
          res.on("data", (chunk: Buffer) => (body += chunk.toString()));
          res.on("end", () => resolve({ status: res.statusCode, body }));
        },
      );
      request.on("error", reject);
      request.write('{"clusterName": "chunky", "padding": "');
      for (let i = 0; i < 20; i++) request.write(Buffer.alloc(64 * 1024, "x"));
      request.end('"}');
    });
    assert.equal(response.status, 413);
    assert.equal((JSON.parse(response.body) as { __type: string }).__type, "RequestEntityTooLargeException");
    assert.deepEqual(await clusterArns(), clustersBefore);
  });

  test("only POST / is the API (GET / is the dashboard)", async () => {
    const page = await fetch(`${server.url}/`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get("content-type") ?? "", /^text\/html/);
    for (const [method, path] of [["PUT", "/"], ["DELETE", "/"], ["POST", "/clusters"], ["GET", "/clusters"]]) {
      const response = await fetch(`${server.url}${path}`, { method });
      assert.equal(response.status, 400, `${method} ${path}`);
      assert.equal(((await response.json()) as { __type: string }).__type, "SerializationException");
    }
  });

  test("__proto__ and constructor keys pollute nothing and are data where the model has maps", async () => {
    const body = `{"clusterName": "proto", "__proto__": {"polluted": true}, "constructor": {"prototype": {"polluted": true}},
      "tags": [{"key": "k", "value": "v", "__proto__": {"polluted": true}}]}`;
    const created = await server.raw("CreateCluster", body);
    assert.equal(created.status, 200);
    assert.deepEqual((created.json.cluster as { tags: unknown }).tags, [{ key: "k", value: "v" }]);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);

    const registered = await server.raw(
      "RegisterTaskDefinition",
      `{"family": "proto", "containerDefinitions": [{"name": "app", "image": "busybox", "memory": 64, "dockerLabels": {"__proto__": "label", "constructor": "too"}}]}`,
    );
    assert.equal(registered.status, 200, JSON.stringify(registered.json));
    const described = await server.raw("DescribeTaskDefinition", JSON.stringify({ taskDefinition: "proto:1" }));
    const labels = (described.json.taskDefinition as { containerDefinitions: { dockerLabels: Record<string, unknown> }[] }).containerDefinitions[0].dockerLabels;
    assert.deepEqual(Object.entries(labels), [
      ["__proto__", "label"],
      ["constructor", "too"],
    ]);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.deepEqual(Object.keys(Object.prototype), []);
  });

  describe("responses", () => {
    test("carry a fresh request id and the JSON 1.1 content type", async () => {
      const first = await server.raw("ListClusters", "{}");
      const second = await server.raw("ListClusters", "{}");
      assert.equal(first.headers.get("content-type"), "application/x-amz-json-1.1");
      assert.match(first.headers.get("x-amzn-requestid") ?? "", REQUEST_ID);
      assert.notEqual(first.headers.get("x-amzn-requestid"), second.headers.get("x-amzn-requestid"));
      assert.equal(first.headers.get("x-amzn-errortype"), null);
    });

    test("timestamps are epoch seconds", async () => {
      const now = server.clock.now() / 1000;
      const { json } = await server.raw("RegisterTaskDefinition", JSON.stringify({ family: "timed", containerDefinitions: [{ name: "a", image: "b", memory: 64 }] }));
      const registeredAt = (json.taskDefinition as { registeredAt: unknown }).registeredAt;
      assert.equal(typeof registeredAt, "number");
      assert.ok(Math.abs((registeredAt as number) - now) < 5, `${String(registeredAt)} is seconds near ${now}`);
    });

    test("errors name the exception in __type, the header, and for the SDK", async () => {
      const { json, headers } = await server.raw("DescribeTaskDefinition", JSON.stringify({ taskDefinition: "absent:1" }));
      assert.deepEqual(json, { __type: "ClientException", message: "Unable to describe task definition." });
      assert.equal(headers.get("content-type"), "application/x-amz-json-1.1");
    });
  });

  describe("control endpoints", () => {
    test("GET /_ecslite/health answers ok", async () => {
      const response = await fetch(`${server.url}/_ecslite/health`);
      assert.equal(response.status, 200);
      const body = (await response.json()) as Record<string, unknown>;
      assert.equal(body.status, "ok");
      assert.equal(body.clock, "virtual");
    });

    test("an unknown control path is 404", async () => {
      const response = await fetch(`${server.url}/_ecslite/nothing`);
      assert.equal(response.status, 404);
    });

    test("POST /_ecslite/reset empties every account and region", async () => {
      const fresh = await startTestServer();
      try {
        await fresh.client().send(new CreateClusterCommand({ clusterName: "one" }));
        await fresh.client({ accessKeyId: "111111111111", region: "eu-central-1" }).send(new CreateClusterCommand({ clusterName: "two" }));
        const response = await fetch(`${fresh.url}/_ecslite/reset`, { method: "POST" });
        assert.equal(response.status, 200);
        assert.deepEqual((await fresh.client().send(new ListClustersCommand({}))).clusterArns, []);
        assert.deepEqual((await fresh.client({ accessKeyId: "111111111111", region: "eu-central-1" }).send(new ListClustersCommand({}))).clusterArns, []);
      } finally {
        await fresh.close();
      }
    });
  });
});
