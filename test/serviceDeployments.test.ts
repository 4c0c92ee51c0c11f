// ECS's own deployments end to end, through @aws-sdk/client-ecs and the ELBv2 client on the
// harness's virtual clock: BLUE_GREEN with a pause hook (the listener rules at each stage), LINEAR
// in four steps, CANARY rolled back by StopServiceDeployment, the records at every step in the shape
// of AWS's CLI examples, and a rolling deployment's two views of one state.
import * as assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  ContinueServiceDeploymentCommand,
  CreateServiceCommand,
  type ECSClient,
  ListServiceDeploymentsCommand,
  ListTasksCommand,
  StopServiceDeploymentCommand,
  UpdateServiceCommand,
} from "@aws-sdk/client-ecs";
import { DescribeTargetHealthCommand, type ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import {
  currentDeployment,
  DRAINED_AFTER_SECONDS,
  deploymentOf,
  deploymentsOf,
  HEALTHY_AFTER_SECONDS,
  revisionOf,
  serviceInput,
  serviceOf,
  trafficOf,
  type TrafficSetup,
  trafficSetup,
} from "./deploymentFixtures";
import { startTestServer, type TestServer } from "./harness";
import { type Revisions, setupCluster } from "./taskSetFixtures";

const CLUSTER = "prod";
const REVISION_ARN = /^arn:aws:ecs:us-east-1:000000000000:service-revision\/prod\/[a-z]+\/\d{19}$/;
const DEPLOYMENT_ARN = /^arn:aws:ecs:us-east-1:000000000000:service-deployment\/prod\/[a-z]+\/[A-Za-z0-9_-]{21}$/;

describe("ECS's own deployments", () => {
  let server: TestServer;
  let client: ECSClient;
  let elb: ElasticLoadBalancingV2Client;
  let revisions: Revisions;
  before(async () => {
    server = await startTestServer();
    client = server.client();
    elb = server.elb();
    revisions = await setupCluster(client, CLUSTER);
  });
  after(() => server.close());

  const runningOf = async (service: string, deploymentId: string) =>
    (await client.send(new ListTasksCommand({ cluster: CLUSTER, serviceName: service, startedBy: deploymentId, desiredStatus: "RUNNING" }))).taskArns?.length ?? 0;
  const targetStates = async (targetGroup: string) => (await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: targetGroup }))).TargetHealthDescriptions?.map((t) => t.TargetHealth?.State);
  const deploymentsView = async (service: string) => (await serviceOf(client, CLUSTER, service)).deployments?.map((d) => [d.status, d.taskDefinition, d.desiredCount, d.runningCount, d.rolloutState]);

  /** A service first deployed with ROLLING (so the blue target group serves production), then updated to `strategy`. */
  async function rolledOut(name: string, setup: TrafficSetup): Promise<void> {
    await client.send(new CreateServiceCommand(serviceInput(CLUSTER, name, revisions.v1, setup, { strategy: "ROLLING" })));
    await server.advance(HEALTHY_AFTER_SECONDS);
    assert.equal((await currentDeployment(client, CLUSTER, name)).status, "SUCCESSFUL");
  }

  it("a rolling deployment's record has the shape of AWS's describe-service-deployments example", async () => {
    const setup = await trafficSetup(elb, "roll");
    await client.send(new CreateServiceCommand({ ...serviceInput(CLUSTER, "roll", revisions.v1, setup, { deploymentCircuitBreaker: { enable: true, rollback: true } }), loadBalancers: [] }));
    await server.settle();
    const service = await serviceOf(client, CLUSTER, "roll");
    assert.match(service.currentServiceDeployment ?? "", DEPLOYMENT_ARN);
    assert.deepEqual(service.deploymentConfiguration?.strategy, "ROLLING");
    const [brief] = await deploymentsOf(client, CLUSTER, "roll");
    assert.deepEqual(Object.keys(brief), ["serviceDeploymentArn", "serviceArn", "clusterArn", "startedAt", "createdAt", "finishedAt", "targetServiceRevisionArn", "status"]);
    assert.equal(brief.status, "SUCCESSFUL");
    const record = await deploymentOf(client, brief.serviceDeploymentArn ?? "");
    assert.deepEqual(Object.keys(record), [
      "serviceDeploymentArn",
      "serviceArn",
      "clusterArn",
      "createdAt",
      "startedAt",
      "finishedAt",
      "updatedAt",
      "sourceServiceRevisions",
      "targetServiceRevision",
      "status",
      "deploymentConfiguration",
      "deploymentCircuitBreaker",
      "alarms",
    ]);
    assert.deepEqual(record.sourceServiceRevisions, []);
    assert.deepEqual(record.targetServiceRevision, { arn: brief.targetServiceRevisionArn, requestedTaskCount: 2, runningTaskCount: 2, pendingTaskCount: 0 });
    assert.deepEqual(record.deploymentCircuitBreaker, { status: "MONITORING_COMPLETE", failureCount: 0, threshold: 3 });
    assert.deepEqual(record.alarms, { status: "DISABLED" });
    assert.deepEqual(record.deploymentConfiguration?.alarms, { alarmNames: [], rollback: false, enable: false });
    // The revision is the deployment's: ecs-svc/<digits> runs service-revision/.../<digits>.
    assert.match(brief.targetServiceRevisionArn ?? "", REVISION_ARN);
    assert.equal(`ecs-svc/${brief.targetServiceRevisionArn?.split("/").pop()}`, service.deployments?.[0]?.id);
    assert.deepEqual(service.currentServiceRevisions, [{ arn: brief.targetServiceRevisionArn, requestedTaskCount: 2, runningTaskCount: 2, pendingTaskCount: 0 }]);
    const revision = await revisionOf(client, brief.targetServiceRevisionArn ?? "");
    assert.deepEqual(Object.keys(revision), ["serviceRevisionArn", "serviceArn", "clusterArn", "taskDefinition", "launchType", "platformVersion", "platformFamily", "networkConfiguration", "containerImages", "guardDutyEnabled", "serviceConnectConfiguration", "createdAt"]);
    assert.equal(revision.taskDefinition, revisions.v1);
    assert.deepEqual(revision.containerImages?.map((c) => [c.containerName, c.image, /^sha256:[0-9a-f]{64}$/.test(c.imageDigest ?? "")]), [["app", "web:1", true]]);
  });

  it("a rolling update: DescribeServices' deployments and the service deployment are two views of one state", async () => {
    await client.send(new UpdateServiceCommand({ cluster: CLUSTER, service: "roll", taskDefinition: revisions.v2 }));
    const service = await serviceOf(client, CLUSTER, "roll");
    const sd = await deploymentOf(client, service.currentServiceDeployment ?? "");
    assert.deepEqual([sd.sourceServiceRevisions?.length, sd.targetServiceRevision?.arn?.split("/").pop()], [1, service.deployments?.[0]?.id?.split("/").pop()]);
    await server.settle();
    const settled = await serviceOf(client, CLUSTER, "roll");
    const done = await deploymentOf(client, service.currentServiceDeployment ?? "");
    assert.deepEqual([done.status, settled.deployments?.length, settled.deployments?.[0]?.rolloutState], ["SUCCESSFUL", 1, "COMPLETED"]);
    assert.deepEqual(done.targetServiceRevision, { arn: sd.targetServiceRevision?.arn, requestedTaskCount: 2, runningTaskCount: 2, pendingTaskCount: 0 });
    assert.deepEqual(done.sourceServiceRevisions?.map((s) => [s.runningTaskCount, s.requestedTaskCount]), [[0, 0]], "the source revision was scaled in");
    const listed = await deploymentsOf(client, CLUSTER, "roll");
    assert.deepEqual(listed.map((d) => d.status), ["SUCCESSFUL", "SUCCESSFUL"], "newest first");
    assert.equal(listed[0].serviceDeploymentArn, service.currentServiceDeployment);
  });

  it("BLUE_GREEN with a pause at POST_TEST_TRAFFIC_SHIFT: listener rules at each stage, continue, bake on the virtual clock, blue scaled in", async () => {
    const setup = await trafficSetup(elb, "bg");
    await rolledOut("bg", setup);
    const blueId = (await serviceOf(client, CLUSTER, "bg")).deployments?.[0]?.id ?? "";
    assert.deepEqual(await trafficOf(elb, setup), [0, 1, 1, 0], "before: production to blue, test to green, as the user set them");

    await client.send(
      new UpdateServiceCommand({
        cluster: CLUSTER,
        service: "bg",
        taskDefinition: revisions.v2,
        deploymentConfiguration: { strategy: "BLUE_GREEN", bakeTimeInMinutes: 5, lifecycleHooks: [{ targetType: "PAUSE", lifecycleStages: ["POST_TEST_TRAFFIC_SHIFT"] }] },
      }),
    );
    await server.settle();
    const scaling = await currentDeployment(client, CLUSTER, "bg");
    assert.deepEqual([scaling.lifecycleStage, scaling.targetServiceRevision?.runningTaskCount], ["SCALE_UP", 2], "green runs, its targets in their initial health checks");
    assert.deepEqual(await targetStates(setup.green), ["initial", "initial"]);
    await server.advance(HEALTHY_AFTER_SECONDS);
    const paused = await currentDeployment(client, CLUSTER, "bg");
    const greenId = (await serviceOf(client, CLUSTER, "bg")).deployments?.[0]?.id ?? "";
    assert.deepEqual([paused.status, paused.lifecycleStage], ["IN_PROGRESS", "POST_TEST_TRAFFIC_SHIFT"]);
    assert.deepEqual(await trafficOf(elb, setup), [0, 100, 100, 0], "test traffic on green, production on blue");
    const [hook] = paused.lifecycleHookDetails ?? [];
    assert.match(hook.hookId ?? "", /^ecs-pause-[A-Za-z0-9_-]{43}$/);
    assert.deepEqual([hook.targetType, hook.status, hook.timeoutAction], ["PAUSE", "AWAITING_ACTION", "ROLLBACK"]);
    assert.deepEqual(await deploymentsView("bg"), [
      ["PRIMARY", revisions.v2, 2, 2, "IN_PROGRESS"],
      ["ACTIVE", revisions.v1, 2, 2, "COMPLETED"],
    ]);
    assert.deepEqual(
      [paused.targetServiceRevision, paused.sourceServiceRevisions?.[0]].map((r) => [r?.requestedTaskCount, r?.runningTaskCount, r?.requestedTestTrafficWeight, r?.requestedProductionTrafficWeight]),
      [
        [2, 2, 100, 0],
        [2, 2, 0, 100],
      ],
    );
    const greenRevision = await revisionOf(client, paused.targetServiceRevision?.arn ?? "");
    assert.deepEqual(greenRevision.resolvedConfiguration?.loadBalancers, [{ targetGroupArn: setup.green, productionListenerRule: setup.productionRule }]);

    await client.send(new ContinueServiceDeploymentCommand({ serviceDeploymentArn: paused.serviceDeploymentArn, hookId: hook.hookId, action: "CONTINUE" }));
    await server.settle();
    const baking = await currentDeployment(client, CLUSTER, "bg");
    assert.deepEqual([baking.status, baking.lifecycleStage, baking.lifecycleHookDetails?.[0]?.status], ["IN_PROGRESS", "BAKE_TIME", "SUCCEEDED"]);
    assert.deepEqual(await trafficOf(elb, setup), [100, 0, 100, 0], "production on green; blue still runs");
    await server.advance(4 * 60);
    assert.equal((await currentDeployment(client, CLUSTER, "bg")).lifecycleStage, "BAKE_TIME");
    assert.equal(await runningOf("bg", blueId), 2, "blue kept for the bake time");

    await server.advance(60);
    const cleaning = await currentDeployment(client, CLUSTER, "bg");
    assert.deepEqual([cleaning.status, cleaning.lifecycleStage], ["IN_PROGRESS", "CLEAN_UP"], "blue's targets drain first");
    assert.deepEqual(await targetStates(setup.blue), ["draining", "draining"]);
    await server.advance(DRAINED_AFTER_SECONDS);
    const done = await currentDeployment(client, CLUSTER, "bg");
    assert.deepEqual([done.status, done.lifecycleStage], ["SUCCESSFUL", "CLEAN_UP"]);
    assert.deepEqual([await runningOf("bg", blueId), await runningOf("bg", greenId)], [0, 2], "blue scaled in");
    assert.deepEqual(await deploymentsView("bg"), [["PRIMARY", revisions.v2, 2, 2, "COMPLETED"]]);
    assert.deepEqual(await trafficOf(elb, setup), [100, 0, 100, 0]);
    assert.deepEqual((await deploymentsOf(client, CLUSTER, "bg")).map((d) => d.status), ["SUCCESSFUL", "SUCCESSFUL"]);
  });

  it("BLUE_GREEN paused at every stage a pause hook can hold: the rules at each", async () => {
    const setup = await trafficSetup(elb, "stages");
    await rolledOut("stages", setup);
    const stages = ["PRE_SCALE_UP", "POST_SCALE_UP", "POST_TEST_TRAFFIC_SHIFT", "PRE_PRODUCTION_TRAFFIC_SHIFT", "POST_PRODUCTION_TRAFFIC_SHIFT"] as const;
    await client.send(
      new UpdateServiceCommand({
        cluster: CLUSTER,
        service: "stages",
        taskDefinition: revisions.v2,
        deploymentConfiguration: { strategy: "BLUE_GREEN", bakeTimeInMinutes: 0, lifecycleHooks: [{ targetType: "PAUSE", lifecycleStages: [...stages] }] },
      }),
    );
    // [stage shown, green tasks running, production green/blue, test green/blue]
    const expected: [string, number, number, number, number, number][] = [
      ["PRE_SCALE_UP", 0, 0, 100, 0, 100],
      ["POST_SCALE_UP", 2, 0, 100, 0, 100],
      ["POST_TEST_TRAFFIC_SHIFT", 2, 0, 100, 100, 0],
      ["PRODUCTION_TRAFFIC_SHIFT", 2, 0, 100, 100, 0],
      ["POST_PRODUCTION_TRAFFIC_SHIFT", 2, 100, 0, 100, 0],
    ];
    for (const [stage, green, ...traffic] of expected) {
      await server.advance(HEALTHY_AFTER_SECONDS);
      const sd = await currentDeployment(client, CLUSTER, "stages");
      const awaiting = sd.lifecycleHookDetails?.filter((h) => h.status === "AWAITING_ACTION") ?? [];
      assert.deepEqual([sd.lifecycleStage, awaiting.length], [stage, 1], stage);
      assert.equal(sd.targetServiceRevision?.runningTaskCount, green, `${stage}: green tasks`);
      assert.deepEqual(await trafficOf(elb, setup), traffic, `${stage}: listener rules`);
      await client.send(new ContinueServiceDeploymentCommand({ serviceDeploymentArn: sd.serviceDeploymentArn, hookId: awaiting[0].hookId }));
    }
    await server.advance(DRAINED_AFTER_SECONDS);
    const done = await currentDeployment(client, CLUSTER, "stages");
    assert.equal(done.status, "SUCCESSFUL");
    assert.deepEqual(done.lifecycleHookDetails?.map((h) => h.status), stages.map(() => "SUCCEEDED"));
  });

  it("LINEAR in four steps of 25%: the production weights at each step, on the virtual clock", async () => {
    const setup = await trafficSetup(elb, "linear");
    await rolledOut("linear", setup);
    await client.send(
      new UpdateServiceCommand({
        cluster: CLUSTER,
        service: "linear",
        taskDefinition: revisions.v2,
        deploymentConfiguration: { strategy: "LINEAR", linearConfiguration: { stepPercent: 25, stepBakeTimeInMinutes: 2 }, bakeTimeInMinutes: 3 },
      }),
    );
    await server.advance(HEALTHY_AFTER_SECONDS);
    for (const step of [25, 50, 75, 100]) {
      await server.settle();
      const sd = await currentDeployment(client, CLUSTER, "linear");
      assert.deepEqual([sd.lifecycleStage, sd.targetServiceRevision?.requestedProductionTrafficWeight, sd.sourceServiceRevisions?.[0]?.requestedProductionTrafficWeight], [step === 100 ? "BAKE_TIME" : "PRODUCTION_TRAFFIC_SHIFT", step, 100 - step], `step ${step}`);
      assert.deepEqual(await trafficOf(elb, setup), [step, 100 - step, 100, 0], `step ${step}: production rule`);
      if (step < 100) {
        await server.advance(119);
        assert.deepEqual((await trafficOf(elb, setup)).slice(0, 2), [step, 100 - step], `step ${step}: still baking`);
        await server.advance(1);
      }
    }
    await server.advance(3 * 60);
    assert.equal((await currentDeployment(client, CLUSTER, "linear")).lifecycleStage, "CLEAN_UP");
    await server.advance(DRAINED_AFTER_SECONDS);
    assert.equal((await currentDeployment(client, CLUSTER, "linear")).status, "SUCCESSFUL");
  });

  it("CANARY rolled back by StopServiceDeployment: traffic back to blue, green scaled in, the records show the rollback", async () => {
    const setup = await trafficSetup(elb, "canary");
    await rolledOut("canary", setup);
    const blue = await serviceOf(client, CLUSTER, "canary");
    const blueRevision = blue.currentServiceRevisions?.[0]?.arn;
    await client.send(
      new UpdateServiceCommand({
        cluster: CLUSTER,
        service: "canary",
        taskDefinition: revisions.v2,
        deploymentConfiguration: { strategy: "CANARY", canaryConfiguration: { canaryPercent: 10, canaryBakeTimeInMinutes: 15 }, bakeTimeInMinutes: 5 },
      }),
    );
    await server.advance(HEALTHY_AFTER_SECONDS);
    const canary = await currentDeployment(client, CLUSTER, "canary");
    assert.deepEqual([canary.status, canary.lifecycleStage], ["IN_PROGRESS", "PRODUCTION_TRAFFIC_SHIFT"]);
    assert.deepEqual(await trafficOf(elb, setup), [10, 90, 100, 0], "10% of production on the canary");
    await server.advance(5 * 60);

    const stopped = await client.send(new StopServiceDeploymentCommand({ serviceDeploymentArn: canary.serviceDeploymentArn, stopType: "ROLLBACK" }));
    assert.equal(stopped.serviceDeploymentArn, canary.serviceDeploymentArn);
    await server.settle();
    const rolling = await deploymentOf(client, canary.serviceDeploymentArn ?? "");
    assert.deepEqual([rolling.status, rolling.lifecycleStage], ["ROLLBACK_IN_PROGRESS", "CLEAN_UP"], "traffic is back on blue; green's targets drain");
    assert.deepEqual(await trafficOf(elb, setup), [0, 100, 0, 100]);
    await server.advance(DRAINED_AFTER_SECONDS);
    const rolledBack = await deploymentOf(client, canary.serviceDeploymentArn ?? "");
    assert.equal(rolledBack.status, "ROLLBACK_SUCCESSFUL");
    assert.deepEqual(await trafficOf(elb, setup), [0, 100, 0, 100], "production and test traffic back on blue");
    assert.equal(rolledBack.rollback?.serviceRevisionArn, blueRevision);
    assert.equal(rolledBack.rollback?.reason, rolledBack.statusReason);
    assert.ok(rolledBack.rollback?.startedAt instanceof Date);
    assert.deepEqual(await deploymentsView("canary"), [["PRIMARY", revisions.v1, 2, 2, "COMPLETED"]], "green scaled in, blue primary again");
    const service = await serviceOf(client, CLUSTER, "canary");
    assert.equal(service.taskDefinition, revisions.v1);
    assert.ok(service.events?.some((e) => /rolling back to deployment ecs-svc\/\d+/.test(e.message ?? "")));
    await assert.rejects(client.send(new StopServiceDeploymentCommand({ serviceDeploymentArn: canary.serviceDeploymentArn })), { name: "ConflictException" });
    const filtered = await client.send(new ListServiceDeploymentsCommand({ cluster: CLUSTER, service: "canary", status: ["ROLLBACK_SUCCESSFUL"] }));
    assert.deepEqual(filtered.serviceDeployments?.map((d) => d.serviceDeploymentArn), [canary.serviceDeploymentArn]);
  });
});
