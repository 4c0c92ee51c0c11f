// The five service deployment operations and the deployment parameters, as a client meets them:
// ECS's validation of strategies, load balancers and hooks; listing with filters and pages;
// not-found, conflict and refusal errors; stops, rollbacks and superseded deployments of rolling
// services; records gone with their service; isolation between accounts.
import * as assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  ContinueServiceDeploymentCommand,
  CreateServiceCommand,
  type CreateServiceCommandInput,
  DeleteServiceCommand,
  DescribeServiceDeploymentsCommand,
  DescribeServiceRevisionsCommand,
  type ECSClient,
  ListServiceDeploymentsCommand,
  StopServiceDeploymentCommand,
  UpdateServiceCommand,
} from "@aws-sdk/client-ecs";
import type { ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import { currentDeployment, deploymentOf, deploymentsOf, ECS_ELB_ROLE, LAMBDA_ROLE, serviceInput, serviceOf, trafficOf, type TrafficSetup, trafficSetup } from "./deploymentFixtures";
import { startTestServer, type TestServer } from "./harness";
import { NETWORK, type Revisions, registerFargateTaskDefinition, setupCluster } from "./taskSetFixtures";

const CLUSTER = "api";

describe("service deployment operations and parameters", () => {
  let server: TestServer;
  let client: ECSClient;
  let elb: ElasticLoadBalancingV2Client;
  let revisions: Revisions;
  let setup: TrafficSetup;
  before(async () => {
    server = await startTestServer();
    client = server.client();
    elb = server.elb();
    revisions = await setupCluster(client, CLUSTER);
    setup = await trafficSetup(elb, "api");
  });
  after(() => server.close());

  const refused = (input: CreateServiceCommandInput, message: RegExp, name = "InvalidParameterException") => assert.rejects(client.send(new CreateServiceCommand(input)), { name, message });
  const bg = (over: Partial<CreateServiceCommandInput> = {}, config: CreateServiceCommandInput["deploymentConfiguration"] = { strategy: "BLUE_GREEN" }) => ({
    ...serviceInput(CLUSTER, "refused", revisions.v1, setup, config),
    ...over,
  });

  it("refuses strategies, load balancers and hooks as ECS does, and creates nothing", async () => {
    await refused({ ...bg(), launchType: undefined, taskDefinition: undefined, networkConfiguration: undefined, loadBalancers: undefined, deploymentController: { type: "EXTERNAL" } }, /BLUE_GREEN is supported only for services that use the ECS deployment controller/);
    const lb = bg().loadBalancers?.[0] ?? {};
    await refused(bg({ loadBalancers: [{ ...lb, advancedConfiguration: undefined }] }), /loadBalancers\[0\]\.advancedConfiguration must be specified for the BLUE_GREEN deployment strategy/);
    await refused(bg({ loadBalancers: [{ ...lb, advancedConfiguration: { ...lb.advancedConfiguration, alternateTargetGroupArn: undefined } }] }), /alternateTargetGroupArn must be specified/);
    await refused(bg({ loadBalancers: [{ ...lb, advancedConfiguration: { ...lb.advancedConfiguration, productionListenerRule: undefined } }] }), /productionListenerRule must be specified/);
    await refused(bg({ loadBalancers: [{ ...lb, advancedConfiguration: { ...lb.advancedConfiguration, roleArn: undefined } }] }), /roleArn must be specified/);
    const missingGroup = setup.green.replace(/[0-9a-f]{16}$/, "0000000000000000");
    await refused(bg({ loadBalancers: [{ ...lb, advancedConfiguration: { ...lb.advancedConfiguration, alternateTargetGroupArn: missingGroup } }] }), /^Unable to assume role and validate the specified targetGroupArn/);
    const missingRule = setup.productionRule.replace(/[0-9a-f]{16}$/, "0000000000000000");
    await refused(bg({ loadBalancers: [{ ...lb, advancedConfiguration: { ...lb.advancedConfiguration, productionListenerRule: missingRule } }] }), /productionListenerRule: the listener rule .* does not exist/);
    await refused(bg({}, { strategy: "BLUE_GREEN", lifecycleHooks: [{ targetType: "PAUSE", lifecycleStages: ["TEST_TRAFFIC_SHIFT"] }] }), /pause hooks cannot be configured at the TEST_TRAFFIC_SHIFT stage/);
    await refused(bg({}, { strategy: "BLUE_GREEN", lifecycleHooks: [{ hookTargetArn: "arn:aws:lambda:us-east-1:000000000000:function:f", lifecycleStages: ["PRE_SCALE_UP"] }] }), /roleArn must be specified for an AWS_LAMBDA lifecycle hook/);
    await refused(bg({}, { strategy: "BLUE_GREEN", lifecycleHooks: [{ hookTargetArn: "not-a-function", roleArn: LAMBDA_ROLE, lifecycleStages: ["PRE_SCALE_UP"] }] }), /is not a valid Lambda function ARN/);
    await refused(bg({}, { strategy: "BLUE_GREEN", linearConfiguration: { stepPercent: 10 } }), /linearConfiguration can be specified only when the deployment strategy is LINEAR/);
    await refused(bg({}, { strategy: "LINEAR", linearConfiguration: { stepPercent: 2 } }), /Invalid stepPercent 2/);
    await refused(bg({}, { strategy: "CANARY", canaryConfiguration: { canaryPercent: 100.5 } }), /Invalid canaryPercent 100.5/);
    await refused(bg({}, { strategy: "BLUE_GREEN", bakeTimeInMinutes: 1441 }), /Value '1441' at 'deploymentConfiguration.bakeTimeInMinutes' failed to satisfy constraint: Member must have value less than or equal to 1440/);
    await refused(bg({}, { strategy: "BLUE_GREEN", lifecycleHooks: [{ targetType: "PAUSE", lifecycleStages: ["PRE_SCALE_UP"], timeoutConfiguration: { timeoutInMinutes: 20161 } }] }), /less than or equal to 20160/);
    await refused(bg({}, { strategy: "BLUE_GREEN", lifecycleHooks: [{ targetType: "PAUSE", lifecycleStages: ["NOT_A_STAGE" as "PRE_SCALE_UP"] }] }), /NOT_A_STAGE/);
    assert.deepEqual(await deploymentsOf(client, CLUSTER, "refused").catch((e: Error) => e.name), "ServiceNotFoundException", "nothing was created");
    // UpdateService checks the configuration it would leave.
    await client.send(new CreateServiceCommand({ ...serviceInput(CLUSTER, "plain", revisions.v1, setup, {}), loadBalancers: [{ targetGroupArn: setup.blue, containerName: "app", containerPort: 8080 }] }));
    await assert.rejects(client.send(new UpdateServiceCommand({ cluster: CLUSTER, service: "plain", deploymentConfiguration: { strategy: "BLUE_GREEN" } })), { name: "InvalidParameterException", message: /advancedConfiguration must be specified/ });
  });

  it("a headless blue/green deployment (no load balancer) walks the stages without shifting traffic", async () => {
    await client.send(new CreateServiceCommand({ cluster: CLUSTER, serviceName: "headless", taskDefinition: revisions.v1, desiredCount: 1, launchType: "FARGATE", networkConfiguration: NETWORK, deploymentConfiguration: { strategy: "BLUE_GREEN" } }));
    await server.settle();
    const sd = await currentDeployment(client, CLUSTER, "headless");
    assert.deepEqual([sd.status, sd.lifecycleStage, sd.targetServiceRevision?.runningTaskCount], ["SUCCESSFUL", "CLEAN_UP", 1]);
  });

  it("lists deployments newest first, by status and creation time, a page at a time", async () => {
    await client.send(new CreateServiceCommand({ cluster: CLUSTER, serviceName: "pages", taskDefinition: revisions.v1, desiredCount: 1, launchType: "FARGATE", networkConfiguration: NETWORK }));
    await server.settle();
    const firstCreated = (await deploymentsOf(client, CLUSTER, "pages"))[0].createdAt;
    for (let i = 0; i < 3; i++) {
      await server.advance(1);
      await client.send(new UpdateServiceCommand({ cluster: CLUSTER, service: "pages", forceNewDeployment: true }));
      await server.settle();
    }
    const all = await deploymentsOf(client, CLUSTER, "pages");
    assert.equal(all.length, 4);
    assert.deepEqual([...all].sort((a, b) => (b.createdAt?.getTime() ?? 0) - (a.createdAt?.getTime() ?? 0)), all, "newest first");
    const pages: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await client.send(new ListServiceDeploymentsCommand({ cluster: CLUSTER, service: "pages", maxResults: 3, nextToken }));
      pages.push(...(page.serviceDeployments ?? []).map((d) => d.serviceDeploymentArn ?? ""));
      nextToken = page.nextToken;
    } while (nextToken);
    assert.deepEqual(pages, all.map((d) => d.serviceDeploymentArn));
    const after = await client.send(new ListServiceDeploymentsCommand({ cluster: CLUSTER, service: "pages", createdAt: { after: firstCreated } }));
    assert.equal(after.serviceDeployments?.length, 3);
    const before = await client.send(new ListServiceDeploymentsCommand({ cluster: CLUSTER, service: "pages", createdAt: { before: new Date((firstCreated?.getTime() ?? 0) + 1) } }));
    assert.equal(before.serviceDeployments?.length, 1);
    assert.equal((await client.send(new ListServiceDeploymentsCommand({ cluster: CLUSTER, service: "pages", status: ["IN_PROGRESS"] }))).serviceDeployments?.length, 0);
    await assert.rejects(client.send(new ListServiceDeploymentsCommand({ cluster: CLUSTER, service: "pages", maxResults: 101 })), { name: "InvalidParameterException" });
    await assert.rejects(client.send(new ListServiceDeploymentsCommand({ cluster: CLUSTER, service: "nope" })), { name: "ServiceNotFoundException" });
    await assert.rejects(client.send(new ListServiceDeploymentsCommand({ cluster: "nope", service: "pages" })), { name: "ClusterNotFoundException" });
  });

  it("deployments finished more than 90 days ago go when the next one starts, with revisions no kept deployment names; the rest stay, newest first", async () => {
    const history = "history";
    await client.send(new CreateServiceCommand({ cluster: CLUSTER, serviceName: history, taskDefinition: revisions.v1, desiredCount: 1, launchType: "FARGATE", networkConfiguration: NETWORK }));
    await server.settle();
    const force = async () => {
      await client.send(new UpdateServiceCommand({ cluster: CLUSTER, service: history, forceNewDeployment: true }));
      await server.settle();
    };
    await force();
    const first = await deploymentsOf(client, CLUSTER, history);
    assert.equal(first.length, 2);
    const oldRevision = first[1].targetServiceRevisionArn ?? "";
    await server.advance(60 * 86_400);
    await force();
    // 60 days on: nothing is old enough to go.
    assert.equal((await deploymentsOf(client, CLUSTER, history)).length, 3);
    await server.advance(31 * 86_400);
    // Three at one instant of the virtual clock: their order is their creation's.
    await force();
    await force();
    await force();
    const after = await deploymentsOf(client, CLUSTER, history);
    assert.equal(after.length, 4, "the two deployments finished 91 days ago are gone; the one of 31 days ago and the three new ones stay");
    const newest = await deploymentOf(client, after[0].serviceDeploymentArn ?? "");
    assert.equal(newest.serviceDeploymentArn, (await serviceOf(client, CLUSTER, history)).currentServiceDeployment, "the newest is listed first");
    const gone = await client.send(new DescribeServiceRevisionsCommand({ serviceRevisionArns: [oldRevision] }));
    assert.deepEqual(gone.failures?.map((f) => f.reason), ["MISSING"]);
    // 60 days more: the deployment of day 60 is 91 days old and goes; those of day 91 stay.
    await server.advance(60 * 86_400);
    await force();
    const later = await deploymentsOf(client, CLUSTER, history);
    assert.deepEqual(later.slice(1).map((d) => d.serviceDeploymentArn), after.slice(0, 3).map((d) => d.serviceDeploymentArn));
  });

  it("a service stored before its deployment history was kept reads it once: numbering goes on after the deployments it has", async () => {
    const legacy = "legacy";
    await client.send(new CreateServiceCommand({ cluster: CLUSTER, serviceName: legacy, taskDefinition: revisions.v1, desiredCount: 1, launchType: "FARGATE", networkConfiguration: NETWORK }));
    await server.settle();
    await client.send(new UpdateServiceCommand({ cluster: CLUSTER, service: legacy, forceNewDeployment: true }));
    await server.settle();
    const serviceArn = (await serviceOf(client, CLUSTER, legacy)).serviceArn ?? "";
    await server.store.transaction(async (tx) => {
      const record = await tx.get("service", serviceArn);
      assert.ok(record?.deploymentHistory, "kept for a new service");
      const { deploymentHistory: _dropped, ...before } = record;
      await tx.put("service", before);
    });
    await client.send(new UpdateServiceCommand({ cluster: CLUSTER, service: legacy, forceNewDeployment: true }));
    await server.settle();
    await client.send(new UpdateServiceCommand({ cluster: CLUSTER, service: legacy, forceNewDeployment: true }));
    await server.settle();
    const listed = await deploymentsOf(client, CLUSTER, legacy);
    assert.equal(listed.length, 4);
    assert.equal(listed[0].serviceDeploymentArn, (await serviceOf(client, CLUSTER, legacy)).currentServiceDeployment, "the newest first");
    const sequences = await server.store.transaction(async (tx) => (await tx.list("serviceDeployment", { scope: "000000000000/us-east-1", parent: serviceArn })).map((d) => d.sequence).sort((a, b) => a - b));
    assert.deepEqual(sequences, [1, 2, 3, 4]);
  });

  it("describes what exists and reports the rest as MISSING; other accounts see nothing", async () => {
    const [brief] = await deploymentsOf(client, CLUSTER, "pages");
    const missing = (brief.serviceDeploymentArn ?? "").replace(/[A-Za-z0-9_-]{21}$/, "AAAAAAAAAAAAAAAAAAAAA");
    const described = await client.send(new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [brief.serviceDeploymentArn ?? "", missing] }));
    assert.deepEqual([described.serviceDeployments?.length, described.failures], [1, [{ arn: missing, reason: "MISSING" }]]);
    const revision = brief.targetServiceRevisionArn ?? "";
    const revisions2 = await client.send(new DescribeServiceRevisionsCommand({ serviceRevisionArns: [revision, `${revision}0`] }));
    assert.deepEqual([revisions2.serviceRevisions?.length, revisions2.failures?.[0]?.reason], [1, "MISSING"]);
    await assert.rejects(client.send(new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [] })), { name: "InvalidParameterException" });
    await assert.rejects(client.send(new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: Array(21).fill(missing) })), { name: "InvalidParameterException", message: "serviceDeploymentArns can have at most 20 items." });
    const other = server.client({ accessKeyId: "111122223333" });
    const theirs = await other.send(new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [brief.serviceDeploymentArn ?? ""] }));
    assert.deepEqual([theirs.serviceDeployments, theirs.failures?.[0]?.reason], [[], "MISSING"]);
    await assert.rejects(other.send(new StopServiceDeploymentCommand({ serviceDeploymentArn: brief.serviceDeploymentArn })), { name: "ServiceDeploymentNotFoundException" });
  });

  it("StopServiceDeployment and ContinueServiceDeployment refuse what they cannot do", async () => {
    const [brief] = await deploymentsOf(client, CLUSTER, "pages");
    await assert.rejects(client.send(new StopServiceDeploymentCommand({ serviceDeploymentArn: brief.serviceDeploymentArn })), { name: "ConflictException", message: /SUCCESSFUL and can no longer be stopped/ });
    await assert.rejects(client.send(new ContinueServiceDeploymentCommand({ serviceDeploymentArn: brief.serviceDeploymentArn, hookId: "ecs-pause-x" })), { name: "InvalidParameterException", message: /does not exist in the service deployment/ });
    const missing = (brief.serviceDeploymentArn ?? "").replace(/[A-Za-z0-9_-]{21}$/, "AAAAAAAAAAAAAAAAAAAAA");
    await assert.rejects(client.send(new ContinueServiceDeploymentCommand({ serviceDeploymentArn: missing, hookId: "h" })), { name: "ServiceDeploymentNotFoundException" });
  });

  it("the deployments and revisions of a deleted service go with it", async () => {
    await client.send(new DeleteServiceCommand({ cluster: CLUSTER, service: "pages", force: true }));
    await server.settle();
    assert.equal((await serviceOf(client, CLUSTER, "pages")).status, "INACTIVE");
    assert.deepEqual(await deploymentsOf(client, CLUSTER, "pages"), []);
  });

  it("the advanced configuration is shown on the service as given", async () => {
    await client.send(new CreateServiceCommand(serviceInput(CLUSTER, "shown", revisions.v1, setup, { strategy: "BLUE_GREEN", bakeTimeInMinutes: 2 })));
    const service = await serviceOf(client, CLUSTER, "shown");
    assert.deepEqual(service.loadBalancers?.[0]?.advancedConfiguration, { alternateTargetGroupArn: setup.green, productionListenerRule: setup.productionRule, testListenerRule: setup.testRule, roleArn: ECS_ELB_ROLE });
    assert.deepEqual([service.deploymentConfiguration?.strategy, service.deploymentConfiguration?.bakeTimeInMinutes], ["BLUE_GREEN", 2]);
  });
});

describe("service deployments that cannot finish", () => {
  it("a rolling deployment that cannot finish: rolled back by StopServiceDeployment, stopped by a newer one, or by ABORT", async () => {
    // Tasks take a second a step here, so a task definition that cannot start fails at a pace.
    const server = await startTestServer({ stepMs: 1000 });
    const client = server.client();
    const revisions = await setupCluster(client, CLUSTER);
    try {
    const failing = await registerFargateTaskDefinition(client, "web", { image: "web:broken", portMappings: [{ containerPort: 8080 }], environment: [{ name: "ECSLITE_FAULT_FAIL_TO_START", value: "true" }] });
    await client.send(new CreateServiceCommand({ cluster: CLUSTER, serviceName: "stuck", taskDefinition: revisions.v1, desiredCount: 1, launchType: "FARGATE", networkConfiguration: NETWORK }));
    await server.advance(10);
    const good = await serviceOf(client, CLUSTER, "stuck");

    await client.send(new UpdateServiceCommand({ cluster: CLUSTER, service: "stuck", taskDefinition: failing }));
    await server.advance(30);
    const failingDeployment = await currentDeployment(client, CLUSTER, "stuck");
    assert.equal(failingDeployment.status, "IN_PROGRESS", "tasks that fail to start keep a deployment in progress without a circuit breaker");
    await client.send(new StopServiceDeploymentCommand({ serviceDeploymentArn: failingDeployment.serviceDeploymentArn }));
    await server.advance(10);
    const rolledBack = await deploymentOf(client, failingDeployment.serviceDeploymentArn ?? "");
    assert.deepEqual([rolledBack.status, rolledBack.rollback?.serviceRevisionArn], ["ROLLBACK_SUCCESSFUL", good.currentServiceRevisions?.[0]?.arn]);
    const after = await serviceOf(client, CLUSTER, "stuck");
    assert.deepEqual(after.deployments?.map((d) => [d.status, d.taskDefinition, d.rolloutState]), [["PRIMARY", revisions.v1, "COMPLETED"]]);
    assert.equal(after.taskDefinition, revisions.v1);

    await client.send(new UpdateServiceCommand({ cluster: CLUSTER, service: "stuck", taskDefinition: failing }));
    await server.advance(5);
    const first = await currentDeployment(client, CLUSTER, "stuck");
    await client.send(new UpdateServiceCommand({ cluster: CLUSTER, service: "stuck", forceNewDeployment: true }));
    await server.advance(5);
    const superseded = await deploymentOf(client, first.serviceDeploymentArn ?? "");
    assert.deepEqual([superseded.status, superseded.statusReason], ["STOPPED", "Service deployment stopped: a newer service deployment started."]);
    assert.ok(superseded.stoppedAt instanceof Date);

    const second = await currentDeployment(client, CLUSTER, "stuck");
    assert.equal(second.status, "IN_PROGRESS");
    await client.send(new StopServiceDeploymentCommand({ serviceDeploymentArn: second.serviceDeploymentArn, stopType: "ABORT" }));
    await server.advance(1);
    const aborted = await deploymentOf(client, second.serviceDeploymentArn ?? "");
    assert.deepEqual([aborted.status, aborted.statusReason], ["STOPPED", "Service deployment stopped by StopServiceDeployment."]);
    assert.equal((await serviceOf(client, CLUSTER, "stuck")).deployments?.[0]?.rolloutState, "FAILED");
    } finally {
      await server.close();
    }
  });


  it("the circuit breaker works for BLUE_GREEN too: green fails to start, the deployment rolls back, traffic never moved", async () => {
    const server = await startTestServer({ stepMs: 1000 });
    const client = server.client();
    const revisions = await setupCluster(client, CLUSTER);
    try {
      const setup = await trafficSetup(server.elb(), "breaker");
      const failing = await registerFargateTaskDefinition(client, "web", { image: "web:broken", portMappings: [{ containerPort: 8080 }], environment: [{ name: "ECSLITE_FAULT_FAIL_TO_START", value: "true" }] });
      const config = { strategy: "BLUE_GREEN" as const, deploymentCircuitBreaker: { enable: true, rollback: true } };
      // The virtual clock jumps: move it in steps, so tasks and targets have their moments in between.
      const pass = async (seconds: number) => {
        for (let t = 0; t < seconds; t += 5) await server.advance(5);
      };
      await client.send(new CreateServiceCommand(serviceInput(CLUSTER, "breaker", revisions.v1, setup, { ...config, strategy: "ROLLING" })));
      await pass(30);
      assert.equal((await currentDeployment(client, CLUSTER, "breaker")).status, "SUCCESSFUL");
      await client.send(new UpdateServiceCommand({ cluster: CLUSTER, service: "breaker", taskDefinition: failing, deploymentConfiguration: config }));
      await pass(60);
      const sd = await currentDeployment(client, CLUSTER, "breaker");
      assert.deepEqual([sd.status, sd.statusReason, sd.deploymentCircuitBreaker?.status], ["ROLLBACK_SUCCESSFUL", "ECS deployment circuit breaker: tasks failed to start.", "TRIGGERED"]);
      assert.ok((sd.deploymentCircuitBreaker?.failureCount ?? 0) >= 3);
      assert.equal(sd.rollback?.serviceRevisionArn, sd.sourceServiceRevisions?.[0]?.arn);
      const service = await serviceOf(client, CLUSTER, "breaker");
      assert.deepEqual(service.deployments?.map((d) => [d.status, d.taskDefinition, d.rolloutState]), [["PRIMARY", revisions.v1, "COMPLETED"]]);
      assert.ok(service.events?.some((e) => /deployment failed: tasks failed to start/.test(e.message ?? "")));
      assert.deepEqual(await trafficOf(server.elb(), setup), [0, 100, 0, 100], "production (and test) traffic stayed on blue");
    } finally {
      await server.close();
    }
  });
});
