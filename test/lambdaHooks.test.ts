// AWS_LAMBDA lifecycle hooks end to end: ecslite invokes the function through the real Lambda Invoke
// API (an in-process server speaking its wire format) with the payload ECS documents, invokes an
// IN_PROGRESS hook again after callBackDelay on the virtual clock, rolls back on FAILED, and fails
// (with a clear event) a hook it cannot invoke because no Lambda endpoint is configured.
import * as assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { CreateServiceCommand, type ECSClient, UpdateServiceCommand } from "@aws-sdk/client-ecs";
import type { ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import { currentDeployment, DRAINED_AFTER_SECONDS, HEALTHY_AFTER_SECONDS, LAMBDA_ROLE, serviceInput, serviceOf, trafficOf, type TrafficSetup, trafficSetup } from "./deploymentFixtures";
import { startTestServer, type TestServer } from "./harness";
import { type FakeLambda, startFakeLambda } from "./lambdaServer";
import { type Revisions, setupCluster } from "./taskSetFixtures";
import { EventSource } from "eventsource";

const CLUSTER = "hooks";
const FUNCTION = "arn:aws:lambda:us-east-1:000000000000:function:approve";

function hookedConfiguration(stage: "POST_TEST_TRAFFIC_SHIFT" | "PRE_SCALE_UP") {
  return {
    strategy: "BLUE_GREEN" as const,
    bakeTimeInMinutes: 0,
    lifecycleHooks: [{ hookTargetArn: FUNCTION, roleArn: LAMBDA_ROLE, lifecycleStages: [stage], hookDetails: { S3_BUCKET_NAME: "approvals" } }],
  };
}

describe("AWS_LAMBDA lifecycle hooks", () => {
  let lambda: FakeLambda;
  let server: TestServer;
  let client: ECSClient;
  let elb: ElasticLoadBalancingV2Client;
  let revisions: Revisions;
  before(async () => {
    lambda = await startFakeLambda();
    server = await startTestServer({ lambdaEndpoint: lambda.url });
    client = server.client();
    elb = server.elb();
    revisions = await setupCluster(client, CLUSTER);
  });
  after(async () => {
    await server.close();
    await lambda.close();
  });

  async function rolledOut(name: string): Promise<TrafficSetup> {
    const setup = await trafficSetup(elb, name);
    await client.send(new CreateServiceCommand(serviceInput(CLUSTER, name, revisions.v1, setup, { strategy: "ROLLING" })));
    await server.advance(HEALTHY_AFTER_SECONDS);
    return setup;
  }

  it("IN_PROGRESS twice (after the default 30 s, then the callBackDelay it asked for), then SUCCEEDED", async () => {
    const answers = [{ hookStatus: "IN_PROGRESS" }, { hookStatus: "IN_PROGRESS", callBackDelay: 60, hookDetails: { approvalChecked: true } }, { hookStatus: "SUCCEEDED" }];
    lambda.define(FUNCTION, (_payload, call) => answers[call - 1]);
    const setup = await rolledOut("approve");
    await client.send(new UpdateServiceCommand({ cluster: CLUSTER, service: "approve", taskDefinition: revisions.v2, deploymentConfiguration: hookedConfiguration("POST_TEST_TRAFFIC_SHIFT") }));
    await server.advance(HEALTHY_AFTER_SECONDS);
    const calls = () => lambda.invocations.filter((i) => i.functionName === FUNCTION);
    assert.equal(calls().length, 1);
    const first = calls()[0];
    const sd = await currentDeployment(client, CLUSTER, "approve");
    assert.deepEqual([sd.lifecycleStage, sd.lifecycleHookDetails?.map((h) => [h.targetType, h.targetArn, h.status])], ["POST_TEST_TRAFFIC_SHIFT", [["AWS_LAMBDA", FUNCTION, "IN_PROGRESS"]]]);
    // The payload ECS documents (developer guide, "Lambda hooks for Amazon ECS service deployments").
    assert.deepEqual(Object.keys(first.payload), ["executionId", "lifecycleStage", "resourceArn", "executionDetails", "hookDetails"]);
    assert.match(String(first.payload.executionId), /^[0-9a-f-]{36}$/);
    assert.deepEqual(first.payload.lifecycleStage, "POST_TEST_TRAFFIC_SHIFT");
    assert.equal(first.payload.resourceArn, sd.serviceDeploymentArn);
    assert.deepEqual(first.payload.executionDetails, {
      serviceArn: sd.serviceArn,
      targetServiceRevisionArn: sd.targetServiceRevision?.arn,
      testTrafficWeights: {},
      productionTrafficWeights: {},
    });
    assert.deepEqual(first.payload.hookDetails, { S3_BUCKET_NAME: "approvals" });
    assert.match(first.credentialScope, /^000000000000\/\d{8}\/us-east-1\/lambda\/aws4_request$/, "signed for Lambda in the function's account and region");

    await server.advance(29);
    assert.equal(calls().length, 1, "not again before the default 30 s");
    await server.advance(1);
    assert.equal(calls().length, 2);
    assert.equal(calls()[1].payload.executionId, first.payload.executionId, "one execution, invoked again");
    await server.advance(59);
    assert.equal(calls().length, 2, "not again before the 60 s it asked for");
    await server.advance(1);
    assert.equal(calls().length, 3);
    assert.deepEqual(calls()[2].payload.hookDetails, { S3_BUCKET_NAME: "approvals", approvalChecked: true }, "what it returned comes back merged");
    await server.advance(DRAINED_AFTER_SECONDS);
    const done = await currentDeployment(client, CLUSTER, "approve");
    assert.deepEqual([done.status, done.lifecycleHookDetails?.[0]?.status], ["SUCCESSFUL", "SUCCEEDED"]);
    assert.deepEqual(await trafficOf(elb, setup), [100, 0, 100, 0]);
  });

  it("FAILED rolls the deployment back", async () => {
    lambda.define(FUNCTION, () => ({ hookStatus: "FAILED" }));
    const setup = await rolledOut("reject");
    // ECS Deployment State Change events, as a consumer of the event stream reads them.
    const received: { detail: Record<string, unknown> }[] = [];
    const stream = new EventSource(`${server.url}/_ecslite/events?detail-type=${encodeURIComponent("ECS Deployment State Change")}&cluster=${CLUSTER}`);
    stream.onmessage = (message) => received.push(JSON.parse(message.data) as { detail: Record<string, unknown> });
    await new Promise<void>((resolve) => (stream.onopen = () => resolve()));
    await client.send(new UpdateServiceCommand({ cluster: CLUSTER, service: "reject", taskDefinition: revisions.v2, deploymentConfiguration: hookedConfiguration("POST_TEST_TRAFFIC_SHIFT") }));
    await server.advance(HEALTHY_AFTER_SECONDS);
    assert.equal((await currentDeployment(client, CLUSTER, "reject")).status, "ROLLBACK_IN_PROGRESS", "green's targets drain");
    await server.advance(DRAINED_AFTER_SECONDS);
    const sd = await currentDeployment(client, CLUSTER, "reject");
    assert.deepEqual([sd.status, sd.statusReason, sd.lifecycleHookDetails?.[0]?.status], ["ROLLBACK_SUCCESSFUL", "deployment failed: hook execution failure(s) detected", "FAILED"]);
    assert.deepEqual(await trafficOf(elb, setup), [0, 100, 0, 100], "test traffic back on blue");
    const service = await serviceOf(client, CLUSTER, "reject");
    assert.deepEqual(service.deployments?.map((d) => [d.status, d.taskDefinition, d.runningCount, d.rolloutState]), [["PRIMARY", revisions.v1, 2, "COMPLETED"]]);
    const messages = service.events?.map((e) => e.message ?? "") ?? [];
    assert.ok(messages.some((m) => m.includes("deployment failed: hook execution failure(s) detected")), messages.join("\n"));
    assert.ok(messages.some((m) => m.includes(`(${FUNCTION}) at POST_TEST_TRAFFIC_SHIFT failed: the function returned hookStatus FAILED`)), messages.join("\n"));
    const green = (await serviceOf(client, CLUSTER, "reject")).events?.find((e) => e.message?.includes("deployment failed:"))?.message?.match(/ecs-svc\/\d+/)?.[0];
    for (let i = 0; i < 100 && !received.some((e) => e.detail.eventName === "SERVICE_DEPLOYMENT_FAILED"); i++) await new Promise((resolve) => setTimeout(resolve, 20));
    stream.close();
    const failed = received.find((e) => e.detail.eventName === "SERVICE_DEPLOYMENT_FAILED" && e.detail.deploymentId === green);
    assert.ok(failed, JSON.stringify(received.map((e) => [e.detail.eventName, e.detail.deploymentId])));
    assert.equal(failed.detail.reason, `ECS deployment ${green} failed: hook execution failure(s) detected.`);
  });

  it("a function that errors, or answers without a valid hookStatus, fails its hook", async () => {
    for (const [name, behaviour, why] of [
      ["throws", () => ({ functionError: "boom" }), /the function failed \(Unhandled\)/],
      ["mumbles", () => ({ status: "ok" }), /did not return a valid hookStatus/],
    ] as const) {
      lambda.define(FUNCTION, behaviour);
      await rolledOut(name);
      await client.send(new UpdateServiceCommand({ cluster: CLUSTER, service: name, taskDefinition: revisions.v2, deploymentConfiguration: hookedConfiguration("PRE_SCALE_UP") }));
      await server.settle();
      assert.equal((await currentDeployment(client, CLUSTER, name)).status, "ROLLBACK_SUCCESSFUL", name);
      assert.ok((await serviceOf(client, CLUSTER, name)).events?.some((e) => why.test(e.message ?? "")), name);
    }
  });

  it("without a Lambda endpoint the hook fails, as ECS fails a hook it cannot invoke, with an event naming --lambda-endpoint", async () => {
    const bare = await startTestServer();
    try {
      const c = bare.client();
      const r = await setupCluster(c, CLUSTER);
      const setup = await trafficSetup(bare.elb(), "bare");
      await c.send(new CreateServiceCommand(serviceInput(CLUSTER, "bare", r.v1, setup, { strategy: "ROLLING" })));
      await bare.advance(HEALTHY_AFTER_SECONDS);
      await c.send(new UpdateServiceCommand({ cluster: CLUSTER, service: "bare", taskDefinition: r.v2, deploymentConfiguration: hookedConfiguration("PRE_SCALE_UP") }));
      await bare.settle();
      const sd = await currentDeployment(c, CLUSTER, "bare");
      assert.deepEqual([sd.status, sd.lifecycleHookDetails?.[0]?.status], ["ROLLBACK_SUCCESSFUL", "FAILED"]);
      const events = (await serviceOf(c, CLUSTER, "bare")).events?.map((e) => e.message ?? "") ?? [];
      assert.ok(events.some((m) => m.includes("no Lambda endpoint is configured (start ecslite with --lambda-endpoint URL or ECSLITE_LAMBDA_ENDPOINT)")), events.join("\n"));
    } finally {
      await bare.close();
    }
  });
});
