// Many clients writing the same task set and service at once leave a consistent state.
import * as assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  CreateClusterCommand,
  CreateServiceCommand,
  CreateTaskSetCommand,
  DescribeServicesCommand,
  DescribeTaskSetsCommand,
  type ECSClient,
  RegisterTaskDefinitionCommand,
  UpdateServiceCommand,
  UpdateTaskSetCommand,
} from "@aws-sdk/client-ecs";
import { startTestServer, type TestServer } from "./harness";

describe("50 concurrent clients on one task set and its service", () => {
  let server: TestServer;
  let clients: ECSClient[];
  let taskSet = "";
  before(async () => {
    server = await startTestServer({ clock: "real", stepMs: 0, schedulerIntervalMs: 10 });
    clients = Array.from({ length: 50 }, () => server.client());
    const ecs = clients[0];
    await ecs.send(new CreateClusterCommand({ clusterName: "c" }));
    await ecs.send(new RegisterTaskDefinitionCommand({ family: "web", requiresCompatibilities: ["FARGATE"], networkMode: "awsvpc", cpu: "256", memory: "512", containerDefinitions: [{ name: "app", image: "nginx" }] }));
    await ecs.send(new CreateServiceCommand({ cluster: "c", serviceName: "s", desiredCount: 10, deploymentController: { type: "EXTERNAL" } }));
    taskSet = (await ecs.send(new CreateTaskSetCommand({ cluster: "c", service: "s", taskDefinition: "web", launchType: "FARGATE", networkConfiguration: { awsvpcConfiguration: { subnets: ["subnet-1"] } } }))).taskSet?.id ?? "";
  });
  after(() => server.close());

  it("computedDesiredCount always matches the final desiredCount and scale; the last acknowledged write is what remains", async () => {
    for (let round = 0; round < 5; round++) {
      // Every acknowledged response carries the state as of its write; the write acknowledged last
      // (by completion order, which for this store is commit order) must be the state that remains.
      let lastScale: { at: number; value: number } = { at: -1, value: -1 };
      let lastDesired: { at: number; value: number } = { at: -1, value: -1 };
      let sequence = 0;
      await Promise.all(
        clients.map(async (client, i) => {
          for (let k = 0; k < 4; k++) {
            if ((i + k) % 2 === 0) {
              const value = Math.round(Math.random() * 1000) / 10;
              await client.send(new UpdateTaskSetCommand({ cluster: "c", service: "s", taskSet, scale: { value, unit: "PERCENT" } }));
              lastScale = { at: sequence++, value };
            } else {
              const value = 1 + Math.floor(Math.random() * 30);
              await client.send(new UpdateServiceCommand({ cluster: "c", service: "s", desiredCount: value }));
              lastDesired = { at: sequence++, value };
            }
          }
        }),
      );
      const set = (await clients[0].send(new DescribeTaskSetsCommand({ cluster: "c", service: "s", taskSets: [taskSet] }))).taskSets?.[0];
      const service = (await clients[0].send(new DescribeServicesCommand({ cluster: "c", services: ["s"] }))).services?.[0];
      assert.equal(set?.scale?.value, lastScale.value, "the last acknowledged scale remains");
      assert.equal(service?.desiredCount, lastDesired.value, "the last acknowledged desiredCount remains");
      assert.equal(set?.computedDesiredCount, Math.ceil((lastDesired.value * lastScale.value) / 100 - 1e-9), "computedDesiredCount matches both");
    }
    // And the scheduler converges on it.
    await server.settle();
    const deadline = Date.now() + 10_000;
    for (;;) {
      const set = (await clients[0].send(new DescribeTaskSetsCommand({ cluster: "c", service: "s", taskSets: [taskSet] }))).taskSets?.[0];
      if (set?.stabilityStatus === "STEADY_STATE" && set.runningCount === set.computedDesiredCount) break;
      if (Date.now() > deadline) assert.fail(`did not converge: ${JSON.stringify(set)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  });
});
