// A Lambda hook invocation is recorded before it is made and answered in its own transaction, so a
// process killed while the function runs loses nothing: the next process on the same data directory
// makes the invocation again (same execution, same attempt) and the deployment goes on.
import * as assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { after, describe, it } from "node:test";
import { CreateClusterCommand, CreateServiceCommand, DescribeServiceDeploymentsCommand, DescribeServicesCommand, type ECSClient, RegisterTaskDefinitionCommand, UpdateServiceCommand } from "@aws-sdk/client-ecs";
import { startChildServer } from "./childServer";
import { LAMBDA_ROLE } from "./deploymentFixtures";
import { startFakeLambda } from "./lambdaServer";

const FUNCTION = "arn:aws:lambda:us-east-1:000000000000:function:slow";
const NETWORK = { awsvpcConfiguration: { subnets: ["subnet-1"] } };
const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

async function until<T>(what: string, read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe("Lambda hooks across a crash", () => {
  it("an invocation under way when the process is killed is made again by the next process, and the deployment completes", async () => {
    const lambda = await startFakeLambda();
    // The first invocation never answers (the process dies waiting); the next ones succeed.
    let release: () => void = () => undefined;
    const hung = new Promise<void>((resolve) => (release = resolve));
    lambda.define(FUNCTION, (_payload, call) => (call === 1 ? { hang: hung } : { hookStatus: "SUCCEEDED" }));
    const dir = mkdtempSync(path.join(tmpdir(), "ecslite-lambda-crash-"));
    dirs.push(dir);
    const args = ["--data-dir", dir, "--clock", "virtual", "--task-step-ms", "0", "--lambda-endpoint", lambda.url];
    let server = await startChildServer(args);
    try {
      let ecs: ECSClient = server.client();
      await ecs.send(new CreateClusterCommand({ clusterName: "c" }));
      for (const image of ["web:1", "web:2"]) {
        await ecs.send(new RegisterTaskDefinitionCommand({ family: "web", requiresCompatibilities: ["FARGATE"], networkMode: "awsvpc", cpu: "256", memory: "512", containerDefinitions: [{ name: "app", image }] }));
      }
      await ecs.send(new CreateServiceCommand({ cluster: "c", serviceName: "s", taskDefinition: "web:1", desiredCount: 1, launchType: "FARGATE", networkConfiguration: NETWORK }));
      const currentOf = async (client: ECSClient) => {
        const arn = (await client.send(new DescribeServicesCommand({ cluster: "c", services: ["s"] }))).services?.[0]?.currentServiceDeployment ?? "";
        return (await client.send(new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [arn] }))).serviceDeployments?.[0];
      };
      await until("first deployment", () => currentOf(ecs), (d) => d?.status === "SUCCESSFUL");
      await ecs.send(
        new UpdateServiceCommand({
          cluster: "c",
          service: "s",
          taskDefinition: "web:2",
          deploymentConfiguration: { strategy: "BLUE_GREEN", lifecycleHooks: [{ hookTargetArn: FUNCTION, roleArn: LAMBDA_ROLE, lifecycleStages: ["PRE_SCALE_UP"] }] },
        }),
      );
      await until("the first invocation", async () => lambda.invocations.length, (n) => n === 1);
      server.process.kill("SIGKILL");
      await server.exited;

      server = await startChildServer(args);
      ecs = server.client();
      const before = await currentOf(ecs);
      assert.deepEqual([before?.status, before?.lifecycleStage, before?.lifecycleHookDetails?.[0]?.status], ["IN_PROGRESS", "PRE_SCALE_UP", "IN_PROGRESS"], "the hook is still in progress after the crash");
      // The restarted process looks at the service again within 30 s of virtual time.
      await fetch(`${server.url}/_ecslite/clock`, { method: "POST", body: JSON.stringify({ advanceSeconds: 30 }) });
      const done = await until("the deployment after the restart", () => currentOf(ecs), (d) => d?.status === "SUCCESSFUL");
      assert.equal(done?.lifecycleHookDetails?.[0]?.status, "SUCCEEDED");
      assert.equal(lambda.invocations.length, 2, "made once more, not more");
      assert.equal(lambda.invocations[1].payload.executionId, lambda.invocations[0].payload.executionId, "the same execution");
    } finally {
      release();
      server.process.kill("SIGKILL");
      await server.exited;
      await lambda.close();
    }
  });
});
