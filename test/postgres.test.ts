// Two ecslite replicas sharing one PostgreSQL database, as a team's CI runners would use them.
// Runs when ECSLITE_TEST_POSTGRES_URL is set (.ci/run starts a local PostgreSQL and sets it).
import * as assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  CreateClusterCommand,
  CreateServiceCommand,
  CreateTaskSetCommand,
  DescribeServicesCommand,
  DescribeTaskSetsCommand,
  type ECSClient,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
  UpdateServiceCommand,
  UpdateTaskSetCommand,
} from "@aws-sdk/client-ecs";
import { startTestServer, type TestServer } from "./harness";

const url = process.env.ECSLITE_TEST_POSTGRES_URL;

describe("replicas on PostgreSQL", { skip: url ? false : "ECSLITE_TEST_POSTGRES_URL is not set (.ci/run sets it)" }, () => {
  let a: TestServer;
  let b: TestServer;
  let ca: ECSClient;
  let cb: ECSClient;
  before(async () => {
    const shared = { postgresUrl: url, clock: "real" as const, stepMs: 20, schedulerIntervalMs: 20 };
    a = await startTestServer(shared);
    await fetch(`${a.url}/_ecslite/reset`, { method: "POST" });
    b = await startTestServer(shared);
    ca = a.client();
    cb = b.client();
  });
  after(async () => {
    await a?.close();
    await b?.close();
  });

  async function until(check: () => Promise<boolean>, what: string): Promise<void> {
    const deadline = Date.now() + 15_000;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  it("what one replica creates the other serves, and both schedulers converge on the same tasks", async () => {
    assert.match((await (await fetch(`${a.url}/_ecslite/health`)).json() as { store: string }).store, /^postgres /);
    await ca.send(new CreateClusterCommand({ clusterName: "shared" }));
    await cb.send(
      new RegisterTaskDefinitionCommand({ family: "web", requiresCompatibilities: ["FARGATE"], networkMode: "awsvpc", cpu: "256", memory: "512", containerDefinitions: [{ name: "app", image: "nginx" }] }),
    );
    await ca.send(new CreateServiceCommand({ cluster: "shared", serviceName: "api", desiredCount: 6, deploymentController: { type: "EXTERNAL" } }));
    const id = (
      await cb.send(
        new CreateTaskSetCommand({ cluster: "shared", service: "api", taskDefinition: "web", launchType: "FARGATE", networkConfiguration: { awsvpcConfiguration: { subnets: ["subnet-1"] } }, scale: { value: 50, unit: "PERCENT" } }),
      )
    ).taskSet?.id ?? "";
    const steadyAt = async (client: ECSClient, running: number) => {
      const set = (await client.send(new DescribeTaskSetsCommand({ cluster: "shared", service: "api", taskSets: [id] }))).taskSets?.[0];
      return set?.stabilityStatus === "STEADY_STATE" && set.runningCount === running;
    };
    await until(() => steadyAt(ca, 3), "3 running tasks");
    assert.ok(await steadyAt(cb, 3), "the other replica sees the same state");
    const tasks = await cb.send(new ListTasksCommand({ cluster: "shared", startedBy: id }));
    assert.equal(tasks.taskArns?.length, 3, "both schedulers ran, yet exactly 3 tasks exist");

    // Concurrent writes through both replicas: the last acknowledged values win everywhere.
    await Promise.all([
      ...[10, 20, 30, 40].map((v) => ca.send(new UpdateTaskSetCommand({ cluster: "shared", service: "api", taskSet: id, scale: { value: v, unit: "PERCENT" } }))),
      ...[8, 9, 10].map((n) => cb.send(new UpdateServiceCommand({ cluster: "shared", service: "api", desiredCount: n }))),
    ]);
    await ca.send(new UpdateTaskSetCommand({ cluster: "shared", service: "api", taskSet: id, scale: { value: 100, unit: "PERCENT" } }));
    await cb.send(new UpdateServiceCommand({ cluster: "shared", service: "api", desiredCount: 4 }));
    await until(() => steadyAt(cb, 4), "4 running tasks");
    const set = (await ca.send(new DescribeTaskSetsCommand({ cluster: "shared", service: "api", taskSets: [id] }))).taskSets?.[0];
    assert.equal(set?.computedDesiredCount, 4);
    const service = (await ca.send(new DescribeServicesCommand({ cluster: "shared", services: ["api"] }))).services?.[0];
    assert.equal(service?.runningCount, 4);
    assert.equal((await ca.send(new ListTasksCommand({ cluster: "shared", startedBy: id }))).taskArns?.length, 4);
  });
});
