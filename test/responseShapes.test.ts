// The response check (--check-responses, on in every server the tests start): each response body is
// checked against its operation's output shape in the SDK's model, and a violation fails the request
// that caused it.
import * as assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { DescribeClustersCommand, ECSClient } from "@aws-sdk/client-ecs";
import { defaultConfig, parseConfig } from "../src/config";
import { arns } from "../src/domain/arn";
import type { ClusterRecord } from "../src/domain/records";
import { ecsModel, type StructureShape } from "../src/protocol/model";
import { checkResponse, enforceResponseShapes } from "../src/protocol/responseCheck";
import { refusedWith } from "./assertions";
import { startTestServer, type TestServer } from "./harness";

function outputOf(operation: string): StructureShape {
  const shape = ecsModel().operations.get(operation)?.output;
  assert.ok(shape, operation);
  return shape;
}

describe("checkResponse", () => {
  const cases: [string, string, unknown, string[]][] = [
    ["a valid response", "DescribeServices", { services: [{ serviceName: "s", status: "ACTIVE", desiredCount: 1, createdAt: 1700000000.5, deployments: [{ rolloutState: "IN_PROGRESS" }] }], failures: [] }, []],
    ["a member the model lacks", "DescribeServices", { services: [{ serviceName: "s", colour: "blue" }] }, ["services[0].colour: Service has no member 'colour'"]],
    ["a string where a number belongs", "DescribeServices", { services: [{ desiredCount: "1" }] }, ["services[0].desiredCount: expected a number, got '1'"]],
    ["a timestamp as text on a JSON wire", "DescribeServices", { services: [{ createdAt: "2024-01-01T00:00:00Z" }] }, ["services[0].createdAt: expected a timestamp (epoch-seconds), got '2024-01-01T00:00:00Z'"]],
    ["a value outside its enum", "DescribeServices", { services: [{ deployments: [{ rolloutState: "DONE" }] }] }, ["services[0].deployments[0].rolloutState: 'DONE' is not one of [COMPLETED, FAILED, IN_PROGRESS]"]],
    ["a list of enums with one outside", "DescribeTaskDefinition", { taskDefinition: { compatibilities: ["EC2", "MARS"] } }, ["taskDefinition.compatibilities[1]: 'MARS' is not one of [EC2, FARGATE, EXTERNAL, MANAGED_INSTANCES]"]],
    ["null for an absent member", "DescribeServices", { services: [], failures: null }, ["failures: null (AWS leaves out a member it has no value for)"]],
    ["an object where a list belongs", "ListClusters", { clusterArns: {} }, ["clusterArns: expected a list, got an object"]],
    ["a map of strings", "DescribeTaskDefinition", { taskDefinition: { containerDefinitions: [{ name: "c", dockerLabels: { a: "1", b: 2 } }] } }, ["taskDefinition.containerDefinitions[0].dockerLabels.b: expected a string, got number 2"]],
  ];
  for (const [what, operation, body, violations] of cases) {
    it(`${what}: ${violations.length ? "a violation" : "none"}`, () => {
      const report = checkResponse(body, outputOf(operation));
      // The enum of compatibilities grows with the SDK: compare the path and value, not the list.
      assert.deepEqual(
        report.violations.map((v) => v.replace(/is not one of \[.*\]$/, "is not one of")),
        violations.map((v) => v.replace(/is not one of \[.*\]$/, "is not one of")),
      );
      assert.deepEqual(report.warnings, []);
    });
  }

  it("a value AWS documents but the pinned SDK's enum lacks is a warning, not a violation", () => {
    const report = checkResponse({ settings: [{ name: "dualStackIPv6", value: "enabled" }] }, outputOf("ListAccountSettings"));
    assert.deepEqual(report.violations, []);
    assert.deepEqual(report.warnings, ["settings[0].name: 'dualStackIPv6' is a documented value the pinned SDK's enum does not list yet"]);
  });

  it("timestamps as dates or ISO-8601 text for protocols that write them so", () => {
    const shape = outputOf("DescribeServices");
    assert.deepEqual(checkResponse({ services: [{ createdAt: new Date(0) }, { createdAt: "2024-01-01T00:00:00Z" }] }, shape, { timestamps: "date-time" }).violations, []);
    assert.deepEqual(checkResponse({ services: [{ createdAt: 17 }] }, shape, { timestamps: "date-time" }).violations, ["services[0].createdAt: expected a timestamp (date-time), got number 17"]);
  });

  it("enforceResponseShapes logs warnings and throws a ServerException naming each violation", () => {
    const logged: string[] = [];
    const check = enforceResponseShapes({ warn: (m) => logged.push(`warn ${m}`), error: (m) => logged.push(`error ${m}`) });
    check("ListAccountSettings", { settings: [{ name: "dualStackIPv6" }] }, outputOf("ListAccountSettings"));
    assert.throws(() => check("ListClusters", { clusterArns: [1] }, outputOf("ListClusters")), (e: Error & { type?: string }) => {
      assert.equal(e.type, "ServerException");
      assert.equal(e.message, "The ListClusters response does not match the ListClustersResponse shape of the model: clusterArns[0]: expected a string, got number 1");
      return true;
    });
    assert.deepEqual(logged, [
      "warn ListAccountSettings response: settings[0].name: 'dualStackIPv6' is a documented value the pinned SDK's enum does not list yet",
      "error The ListClusters response does not match the ListClustersResponse shape of the model: clusterArns[0]: expected a string, got number 1",
    ]);
  });
});

describe("--check-responses", () => {
  it("is off by default, and on with the flag or ECSLITE_CHECK_RESPONSES", () => {
    assert.equal(defaultConfig().checkResponses, false);
    assert.equal(parseConfig(["--check-responses"], {}).checkResponses, true);
    assert.equal(parseConfig([], { ECSLITE_CHECK_RESPONSES: "1" }).checkResponses, true);
    assert.equal(parseConfig([], { ECSLITE_CHECK_RESPONSES: "false" }).checkResponses, false);
  });

  describe("through the SDK", () => {
    let checked: TestServer;
    let unchecked: TestServer;
    before(async () => {
      checked = await startTestServer();
      unchecked = await startTestServer({ checkResponses: false });
      // A record the model does not allow, as a handler bug would write it.
      for (const server of [checked, unchecked]) {
        const record = { cluster: { clusterArn: arns.cluster({ account: "000000000000", region: "us-east-1" }, "odd"), clusterName: "odd", status: "ACTIVE", colour: "blue" } } as ClusterRecord;
        await server.store.transaction((tx) => tx.put("cluster", record));
      }
    });
    after(async () => {
      await checked.close();
      await unchecked.close();
    });

    it("a response the model does not allow fails the request with a ServerException naming the member", async () => {
      const client: ECSClient = checked.client();
      await refusedWith(client.send(new DescribeClustersCommand({ clusters: ["odd"] })), "ServerException", /^The DescribeClusters response does not match the DescribeClustersResponse shape of the model: clusters\[0\]\.colour: Cluster has no member 'colour'$/);
    });

    it("without the option the same response goes out as it is", async () => {
      const described = await unchecked.client().send(new DescribeClustersCommand({ clusters: ["odd"] }));
      assert.equal(described.clusters?.[0]?.clusterName, "odd");
    });
  });
});
