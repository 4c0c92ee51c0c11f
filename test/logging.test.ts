// Request logs as a person and a log shipper see them: one line per API request at the default
// level, with time, account, region, operation, status, error type and milliseconds.
import * as assert from "node:assert/strict";
import { describe, test } from "node:test";
import { CreateClusterCommand, CreateServiceCommand, DescribeServicesCommand, ListClustersCommand, RegisterTaskDefinitionCommand, UpdateServiceCommand } from "@aws-sdk/client-ecs";
import { formatText } from "../src/logger";
import { startTestServer } from "./harness";

/** A log destination that keeps every line written to it. */
function capture(): { lines: string[]; destination: { write(line: string): void } } {
  const lines: string[] = [];
  return { lines, destination: { write: (chunk: string) => lines.push(...chunk.split("\n").filter(Boolean)) } };
}

describe("request logs", () => {
  test("json: one object per request with account, region, operation, status, error type and ms", async () => {
    const log = capture();
    const server = await startTestServer({ logLevel: "info", logFormat: "json" }, { logDestination: log.destination });
    try {
      const ecs = server.client({ accessKeyId: "111122223333", region: "eu-west-1" });
      await ecs.send(new CreateClusterCommand({ clusterName: "logged" }));
      await assert.rejects(ecs.send(new DescribeServicesCommand({ cluster: "missing", services: ["web"] })), { name: "ClusterNotFoundException" });
      await server.raw("NoSuchOperation", "{}");
      await fetch(`${server.url}/favicon.ico`);
      const lines = log.lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => line.kind === "request");
      assert.equal(lines.length, 4, log.lines.join("\n"));
      const [created, refused, unknown, stray] = lines;
      assert.equal(created.level, "info");
      assert.match(String(created.time), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      assert.equal(created.account, "111122223333");
      assert.equal(created.region, "eu-west-1");
      assert.equal(created.service, "ecs");
      assert.equal(created.operation, "CreateCluster");
      assert.equal(created.status, 200);
      assert.equal(created.errorType, undefined);
      assert.equal(typeof created.ms, "number");
      assert.ok((created.ms as number) >= 0);
      assert.match(String(created.requestId), /^[0-9a-f-]{36}$/);
      assert.deepEqual([refused.operation, refused.status, refused.errorType, refused.account], ["DescribeServices", 400, "ClusterNotFoundException", "111122223333"]);
      assert.deepEqual([unknown.operation, unknown.status, unknown.errorType], ["NoSuchOperation", 400, "UnknownOperationException"]);
      assert.deepEqual([stray.operation, stray.request, stray.status, stray.errorType], [undefined, "GET /favicon.ico", 400, "SerializationException"]);
    } finally {
      await server.close();
    }
  });

  test("text: one readable line per request, in the order time, account, region, operation, status, error, ms", async () => {
    const log = capture();
    const server = await startTestServer({ logLevel: "info", logFormat: "text" }, { logDestination: log.destination });
    try {
      const ecs = server.client();
      await ecs.send(new ListClustersCommand({}));
      await assert.rejects(ecs.send(new DescribeServicesCommand({ cluster: "missing", services: ["web"] })));
      assert.equal(log.lines.length, 2, log.lines.join("\n"));
      assert.match(log.lines[0], /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z INFO  000000000000 us-east-1 ListClusters 200 \d+(\.\d)?ms$/);
      assert.match(log.lines[1], /^\S+ INFO  000000000000 us-east-1 DescribeServices 400 ClusterNotFoundException \d+(\.\d)?ms$/);
    } finally {
      await server.close();
    }
  });

  test("above the info level, requests are not logged", async () => {
    const log = capture();
    const server = await startTestServer({ logLevel: "warn" }, { logDestination: log.destination });
    try {
      await server.client().send(new ListClustersCommand({}));
      assert.deepEqual(log.lines, []);
    } finally {
      await server.close();
    }
  });

  test("the scheduler's actions a user cares about: tasks started and stopped with their reason, steady states, deployments", async () => {
    const log = capture();
    const server = await startTestServer({ logLevel: "info", logFormat: "json" }, { logDestination: log.destination });
    try {
      const ecs = server.client();
      await ecs.send(new CreateClusterCommand({ clusterName: "logged" }));
      await ecs.send(new RegisterTaskDefinitionCommand({ family: "web", requiresCompatibilities: ["FARGATE"], networkMode: "awsvpc", cpu: "256", memory: "512", containerDefinitions: [{ name: "app", image: "nginx" }] }));
      const network = { awsvpcConfiguration: { subnets: ["subnet-1"] } };
      await ecs.send(new CreateServiceCommand({ cluster: "logged", serviceName: "svc", taskDefinition: "web", desiredCount: 2, launchType: "FARGATE", networkConfiguration: network }));
      await server.settle();
      await ecs.send(new UpdateServiceCommand({ cluster: "logged", service: "svc", desiredCount: 1 }));
      await server.advance(5);
      const lines = log.lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => line.kind !== "request");
      const messages = lines.map((line) => String(line.msg));
      assert.equal(messages.filter((m) => /^task [0-9a-f]{32} started$/.test(m)).length, 2, messages.join("\n"));
      const stopped = lines.find((line) => /^task [0-9a-f]{32} stopped$/.test(String(line.msg)));
      assert.ok(stopped, messages.join("\n"));
      assert.deepEqual([stopped.level, stopped.account, stopped.region, stopped.cluster, stopped.stopCode, stopped.group], ["info", "000000000000", "us-east-1", "logged", "ServiceSchedulerInitiated", "service:svc"]);
      assert.equal(typeof stopped.reason, "string");
      assert.ok(messages.some((m) => m === "service svc: SERVICE_STEADY_STATE"));
      assert.ok(messages.some((m) => /^service svc deployment ecs-svc\/\d+: SERVICE_DEPLOYMENT_COMPLETED$/.test(m)));
      assert.ok(!messages.some((m) => / (PROVISIONING|PENDING|ACTIVATING)$/.test(m)), "intermediate statuses are debug lines");
    } finally {
      await server.close();
    }
  });

  test("text lines show other fields as key=value and an error's stack below", () => {
    const line = formatText({ time: "T", level: "error", msg: "fault in CreateService", cluster: "a b", count: 2, err: { message: "boom", stack: "Error: boom\n    at x" } });
    assert.equal(line, 'T ERROR fault in CreateService cluster="a b" count=2\nError: boom\n    at x\n');
  });
});
