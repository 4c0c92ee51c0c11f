// The AWS Query wire of Elastic Load Balancing, over raw HTTP: the XML of responses and errors, how
// requests are told apart from ECS's, and hostile form bodies (bad encodings, unknown actions, wrong
// types, missing members, huge member counts, random bytes, random members for every operation):
// never a 5xx, always ELB's error form, and nothing changes.
import * as assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import fc from "fast-check";
import { XMLParser } from "fast-xml-parser";
import { ListClustersCommand } from "@aws-sdk/client-ecs";
import { elbv2Handlers } from "../src/api/elbv2";
import { elbv2Model, type Shape } from "../src/protocol/model";
import { blueGreenLoadBalancer } from "./elbv2Fixtures";
import { startTestServer, type TestServer } from "./harness";

const NAMESPACE = "http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/";
const REQUEST_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const xml = new XMLParser({ ignoreAttributes: false, parseTagValue: false });

/** A Query body from pairs, percent-encoded as SDKs send it. */
function form(params: Record<string, string | number>): string {
  return new URLSearchParams(Object.entries(params).map(([k, v]): [string, string] => [k, String(v)])).toString();
}

/** A value for a shape as Query parameters (lists as member.N), hostile values mixed in. */
function formPairs(value: unknown, shape: Shape, prefix: string, out: [string, string][], depth = 0): void {
  if (value === undefined || depth > 6) return;
  if (typeof value !== "object" || value === null) {
    out.push([prefix, String(value)]);
    return;
  }
  if (shape.kind === "list" && Array.isArray(value)) {
    if (value.length === 0) out.push([prefix, ""]);
    value.forEach((item, i) => formPairs(item, shape.member, `${prefix}.member.${i + 1}`, out, depth + 1));
  } else if (shape.kind === "structure" && !Array.isArray(value)) {
    for (const [name, member] of shape.members) formPairs((value as Record<string, unknown>)[name], member.shape, prefix ? `${prefix}.${name}` : name, out, depth + 1);
  } else {
    out.push([prefix, JSON.stringify(value)]);
  }
}

const hostileText = fc.constantFrom("", "NaN", "-1", "1e309", "0x10", "true", "TRUE", "yes", "\u0001", "\uffff", "__proto__", "constructor", "x".repeat(300_000), "arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/x/0123456789abcdef", "9".repeat(40));

function valueFor(shape: Shape, depth: number): fc.Arbitrary<unknown> {
  if (depth > 4) return hostileText;
  switch (shape.kind) {
    case "string":
    case "blob":
    case "document":
      return fc.oneof(fc.string({ maxLength: 20 }), hostileText);
    case "number":
    case "timestamp":
      return fc.oneof(fc.integer({ min: -5, max: 70_000 }), hostileText);
    case "boolean":
      return fc.oneof(fc.boolean(), hostileText);
    case "list":
      return fc.oneof(fc.array(valueFor(shape.member, depth + 1), { maxLength: 3 }), hostileText);
    case "map":
      return hostileText;
    case "structure": {
      const members = [...shape.members.entries()];
      if (!members.length) return fc.constant({});
      return fc.oneof({ weight: 4, arbitrary: fc.record(Object.fromEntries(members.map(([name, m]) => [name, valueFor(m.shape, depth + 1)])), { requiredKeys: [] }) }, { weight: 1, arbitrary: hostileText });
    }
  }
}

describe("the Elastic Load Balancing Query wire", () => {
  let server: TestServer;
  let fixture: Awaited<ReturnType<typeof blueGreenLoadBalancer>>;
  before(async () => {
    server = await startTestServer();
    fixture = await blueGreenLoadBalancer(server.elb(), "keep");
  });
  after(() => server.close());

  /** A digest of the ELB state a refused request must not change. */
  async function digest(): Promise<string> {
    const parts = await Promise.all(
      ([
        { Action: "DescribeLoadBalancers" },
        { Action: "DescribeTargetGroups" },
        { Action: "DescribeListeners", LoadBalancerArn: fixture.loadBalancer },
        { Action: "DescribeRules", ListenerArn: fixture.listener },
        { Action: "DescribeTargetHealth", TargetGroupArn: fixture.blue },
        { Action: "DescribeTags", "ResourceArns.member.1": fixture.loadBalancer, "ResourceArns.member.2": fixture.blue },
        { Action: "DescribeTargetGroupAttributes", TargetGroupArn: fixture.blue },
      ] as Record<string, string>[]).map((params) => server.query(form({ Version: "2015-12-01", ...params }))),
    );
    return JSON.stringify(parts.map((p) => p.text.replace(/<RequestId>[^<]*<\/RequestId>/, "")));
  }

  /** The state as last seen: a request that succeeds may change it; one that is refused may not. */
  let known: string | undefined;

  /** Sends a body; asserts ELB's error form when refused, that a refusal changed nothing, never a 5xx. */
  async function send(body: string | Buffer, headers: Record<string, string> = {}) {
    const before = (known ??= await digest());
    const response = await server.query(body, headers);
    assert.ok(response.status < 500, `${response.status} ${response.text.slice(0, 300)}`);
    if (response.status >= 400) {
      const parsed = xml.parse(response.text) as { ErrorResponse?: { "@_xmlns"?: string; Error?: { Type?: string; Code?: string; Message?: string }; RequestId?: string } };
      const error = parsed.ErrorResponse?.Error;
      assert.equal(parsed.ErrorResponse?.["@_xmlns"], NAMESPACE, response.text.slice(0, 300));
      assert.equal(error?.Type, "Sender");
      assert.ok(error?.Code, "an error has a code");
      assert.ok((error?.Message ?? "").length > 0, "an error names the problem");
      assert.match(parsed.ErrorResponse?.RequestId ?? "", REQUEST_ID);
      assert.equal(response.headers.get("x-amzn-requestid"), parsed.ErrorResponse?.RequestId);
      assert.equal(await digest(), before, `a refused request changed state: ${response.text.slice(0, 300)}`);
    } else {
      known = undefined;
    }
    return response;
  }

  async function refused(body: string | Buffer, code: string, status = 400, message?: RegExp) {
    const response = await send(body);
    assert.equal(response.status, status, response.text);
    const error = (xml.parse(response.text) as { ErrorResponse: { Error: { Code: string; Message: string } } }).ErrorResponse.Error;
    assert.equal(error.Code, code, response.text);
    if (message) assert.match(error.Message, message);
    return error;
  }

  describe("responses", () => {
    test("a result is <OpResponse xmlns><OpResult>...</OpResult><ResponseMetadata><RequestId>, as text/xml", async () => {
      const response = await server.query(form({ Action: "DescribeTargetGroups", Version: "2015-12-01", "Names.member.1": "keep-blue" }));
      assert.equal(response.status, 200);
      assert.equal(response.headers.get("content-type"), "text/xml");
      const parsed = xml.parse(response.text) as Record<string, { "@_xmlns": string; DescribeTargetGroupsResult: { TargetGroups: { member: Record<string, unknown> } }; ResponseMetadata: { RequestId: string } }>;
      const root = parsed.DescribeTargetGroupsResponse;
      assert.equal(root["@_xmlns"], NAMESPACE);
      assert.equal(root.ResponseMetadata.RequestId, response.headers.get("x-amzn-requestid"));
      const group = root.DescribeTargetGroupsResult.TargetGroups.member;
      assert.equal(group.TargetGroupArn, fixture.blue);
      assert.deepEqual(group.LoadBalancerArns, { member: fixture.loadBalancer });
      assert.deepEqual(group.Matcher, { HttpCode: "200" });
    });

    test("an operation without output members still has its (empty) result element", async () => {
      const response = await server.query(form({ Action: "AddTags", Version: "2015-12-01", "ResourceArns.member.1": fixture.green, "Tags.member.1.Key": "k", "Tags.member.1.Value": "v" }));
      assert.equal(response.status, 200);
      assert.match(response.text, /^<AddTagsResponse xmlns="[^"]+"><AddTagsResult\/><ResponseMetadata><RequestId>[^<]+<\/RequestId><\/ResponseMetadata><\/AddTagsResponse>$/);
      await server.query(form({ Action: "RemoveTags", Version: "2015-12-01", "ResourceArns.member.1": fixture.green, "TagKeys.member.1": "k" }));
    });

    test("timestamps are ISO 8601; text is escaped", async () => {
      const response = await server.query(form({ Action: "DescribeLoadBalancers", Version: "2015-12-01" }));
      assert.match(response.text, /<CreatedTime>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z<\/CreatedTime>/);
      const error = await refused(form({ Action: "DescribeTargetGroups", Version: "2015-12-01", "TargetGroupArns.member.1": "<&'\">" }), "ValidationError");
      assert.equal(error.Message, "'<&'\">' is not a valid target group ARN");
    });

    test("GET /?Action=... is served too, with the parameters in the query string", async () => {
      const response = await fetch(`${server.url}/?${form({ Action: "DescribeTargetGroups", Version: "2015-12-01", "Names.member.1": "keep-green" })}`);
      assert.equal(response.status, 200);
      assert.match(await response.text(), new RegExp(`<TargetGroupArn>${fixture.green}</TargetGroupArn>`));
    });
  });

  describe("telling services apart", () => {
    test("ECS's JSON requests still reach ECS, next to ELB on the same port", async () => {
      const ecs = server.client();
      assert.deepEqual((await ecs.send(new ListClustersCommand({}))).clusterArns, []);
    });

    test("a form signed for ECS is answered by ECS (in JSON); a form signed for elasticloadbalancing by ELB", async () => {
      const scope = (service: string) => `AWS4-HMAC-SHA256 Credential=test/20261125/us-east-1/${service}/aws4_request, SignedHeaders=host, Signature=${"0".repeat(64)}`;
      const ecs = await server.query(form({ Action: "DescribeLoadBalancers", Version: "2015-12-01" }), { authorization: scope("ecs") });
      assert.equal(ecs.status, 400);
      assert.equal((JSON.parse(ecs.text) as { __type: string }).__type, "UnknownOperationException");
      const elb = await server.query(form({ Action: "DescribeLoadBalancers", Version: "2015-12-01" }), { authorization: scope("elasticloadbalancing") });
      assert.equal(elb.status, 200);
      assert.match(elb.text, /^<DescribeLoadBalancersResponse/);
    });

    test("an unsigned form is ELB's; an ELB operation the model has and ecslite lacks is refused naming it", async () => {
      await refused(form({ Action: "DescribeTrustStores", Version: "2015-12-01" }), "OperationNotPermitted", 400, /DescribeTrustStores/);
      // Classic Load Balancing shares the signing name; its version is refused, not misread.
      await refused(form({ Action: "DescribeLoadBalancers", Version: "2012-06-01" }), "InvalidAction", 400, /version 2012-06-01/);
    });
  });

  describe("hostile form bodies", () => {
    test("no Action, an unknown Action", async () => {
      await refused("", "MissingAction");
      await refused(form({ Version: "2015-12-01" }), "MissingAction");
      await refused('{"Action": "DescribeLoadBalancers"}', "MissingAction");
      await refused(form({ Action: "LaunchRockets", Version: "2015-12-01" }), "InvalidAction", 400, /^Could not find operation LaunchRockets for version 2015-12-01\.$/);
      await refused(form({ Action: "__proto__", Version: "2015-12-01" }), "InvalidAction");
    });

    test("bad encodings: broken percent escapes, invalid UTF-8 (raw or escaped)", async () => {
      await refused("Action=DescribeLoadBalancers&Version=2015-12-01&Names.member.1=%E0%A4%A", "MalformedQueryString", 404);
      await refused("Action=DescribeLoadBalancers&Version=2015-12-01&Names.member.1=%C3%28", "MalformedQueryString", 404);
      await refused("Action=DescribeLoadBalancers&Version=2015-12-01&Names.member.1=%ED%A0%80", "MalformedQueryString", 404);
      await refused(Buffer.concat([Buffer.from("Action=DescribeLoadBalancers&Version=2015-12-01&Names.member.1="), Buffer.from([0xc3, 0x28])]), "MalformedQueryString", 404);
    });

    test("wrong types name the member in ELB's style", async () => {
      const base = { Action: "CreateTargetGroup", Version: "2015-12-01", Name: "typed", Protocol: "HTTP", VpcId: "vpc-1" };
      await refused(form({ ...base, Port: "eighty" }), "ValidationError", 400, /^1 validation error detected: Value 'eighty' at 'port' failed to satisfy constraint: Member must be a number$/);
      await refused(form({ ...base, Port: 80, HealthCheckEnabled: "maybe" }), "ValidationError", 400, /at 'healthCheckEnabled'/);
      await refused(form({ ...base, Port: 80, Protocol: "GOPHER" }), "ValidationError", 400, /^1 validation error detected: Value 'GOPHER' at 'protocol' failed to satisfy constraint: Member must satisfy enum value set: \[/);
      await refused(form({ ...base, Port: 80, "Matcher": "200" }), "ValidationError", 400, /at 'matcher'/);
      await refused(form({ ...base, Port: 80, "Tags.member.1.Key": "a", "Tags.member.1.Key.x": "b" }), "ValidationError");
      await refused(form({ ...base, Port: 80, "Tags.member.1": "flat" }), "ValidationError", 400, /tags\.1\.member/);
      await refused(form({ ...base, Port: 80, Name: "a\u0001b" }), "ValidationError", 400, /control character/);
    });

    test("missing members", async () => {
      await refused(form({ Action: "CreateTargetGroup", Version: "2015-12-01" }), "ValidationError", 400, /^1 validation error detected: Value null at 'name' failed to satisfy constraint: Member must not be null$/);
      await refused(form({ Action: "RegisterTargets", Version: "2015-12-01", TargetGroupArn: fixture.blue }), "ValidationError", 400, /Value null at 'targets'/);
      await refused(form({ Action: "RegisterTargets", Version: "2015-12-01", TargetGroupArn: fixture.blue, "Targets.member.1.Port": 80 }), "ValidationError", 400, /Value null at 'targets\.1\.member\.id'/);
    });

    test("huge and gapped member indices, huge member counts, deep keys, huge bodies", async () => {
      await refused(form({ Action: "DescribeLoadBalancers", Version: "2015-12-01", "Names.member.99999999": "x" }), "ValidationError", 400, /indices run from 1 without gaps/);
      await refused(form({ Action: "DescribeLoadBalancers", Version: "2015-12-01", "Names.member.1": "a", "Names.member.3": "c" }), "ValidationError");
      await refused(form({ Action: "DescribeLoadBalancers", Version: "2015-12-01", "Names.member.01": "a" }), "ValidationError", 400, /indices are whole numbers from 1/);
      await refused(form({ Action: "DescribeLoadBalancers", Version: "2015-12-01", "Names.member.-1": "a" }), "ValidationError");
      const many = Array.from({ length: 20_000 }, (_, i) => `Names.member.${i + 1}=n${i}`).join("&");
      await refused(`Action=DescribeLoadBalancers&Version=2015-12-01&${many}`, "LoadBalancerNotFound");
      const manyTags = Array.from({ length: 5_000 }, (_, i) => `Tags.member.${i + 1}.Key=k${i}&Tags.member.${i + 1}.Value=v`).join("&");
      await refused(`Action=AddTags&Version=2015-12-01&ResourceArns.member.1=${encodeURIComponent(fixture.blue)}&${manyTags}`, "TooManyTags");
      await refused(`Action=DescribeLoadBalancers&Version=2015-12-01&${"a.".repeat(5000)}b=1`, "ValidationError", 400, /nests deeper/);
      const huge = await send(`Action=DescribeLoadBalancers&Version=2015-12-01&Names.member.1=${"x".repeat(1_100_000)}`);
      assert.equal(huge.status, 413);
      assert.match(huge.text, /<Code>RequestEntityTooLarge<\/Code>/);
    });

    test("random bytes as a form: never a 5xx, nothing changes", async () => {
      await fc.assert(
        fc.asyncProperty(fc.uint8Array({ maxLength: 200 }), async (bytes) => {
          await send(Buffer.concat([Buffer.from("Action=CreateTargetGroup&Version=2015-12-01&"), Buffer.from(bytes)]));
        }),
        { numRuns: 100 },
      );
    });

    test("random members for every operation of the model: never a 5xx, refusals in ELB's form change nothing", async () => {
      for (const operation of elbv2Model().operations.values()) {
        await fc.assert(
          fc.asyncProperty(valueFor(operation.input, 0), async (input) => {
            const pairs: [string, string][] = [["Action", operation.name], ["Version", "2015-12-01"]];
            formPairs(input, operation.input, "", pairs);
            await send(new URLSearchParams(pairs).toString());
          }),
          { numRuns: elbv2Handlers[operation.name] ? 8 : 1 },
        );
      }
    });
  });
});
