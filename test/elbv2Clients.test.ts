// boto3 and the AWS CLI parse every Elastic Load Balancing response ecslite sends: each reads the
// XML by botocore's own model, so a missing result wrapper, a wrongly shaped list or a bad
// timestamp fails here.
import * as assert from "node:assert/strict";
import { execFile, spawnSync } from "node:child_process";
import * as path from "node:path";
import { promisify } from "node:util";
import { describe, it } from "node:test";
import { elbv2Handlers } from "../src/api/elbv2";
import { useServer } from "./harness";

const run = promisify(execFile);
const root = path.resolve(__dirname, "..", "..");
const hasBoto3 = spawnSync("python3", ["-c", "import boto3"]).status === 0;
const hasAws = spawnSync("aws", ["--version"], { stdio: "ignore" }).status === 0;
const env = { ...process.env, AWS_ACCESS_KEY_ID: "test", AWS_SECRET_ACCESS_KEY: "test", AWS_DEFAULT_REGION: "us-east-1", AWS_PAGER: "", AWS_ENDPOINT_URL: "" };

describe("real clients parse every Elastic Load Balancing response", () => {
  const server = useServer();

  it("boto3: every served operation, and refusals with ELB's codes", { skip: hasBoto3 ? false : "boto3 is not installed" }, async () => {
    const { stdout } = await run("python3", [path.join(root, "test/elbv2-boto3.py"), server.url], { env, timeout: 60_000 });
    const summary = JSON.parse(stdout) as { calls: string[]; loadBalancerCreatedTime: string; rulePriorities: string[]; health: [string, number, string][]; tagCounts: number[]; errors: Record<string, unknown> };
    const snake = (name: string) => name.replace(/[A-Z]/g, (c, i: number) => (i ? "_" : "") + c.toLowerCase());
    assert.deepEqual([...new Set(summary.calls)].sort(), Object.keys(elbv2Handlers).map(snake).sort(), "every served operation was called and parsed");
    assert.match(summary.loadBalancerCreatedTime, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d+\+00:00$/);
    assert.deepEqual(summary.rulePriorities, ["20", "default"]);
    assert.deepEqual(summary.health, [["10.0.0.10", 8080, "initial"], ["10.0.0.11", 8080, "initial"]]);
    assert.deepEqual(summary.tagCounts, [2, 1, 1, 1]);
    assert.deepEqual(summary.errors, {
      describe_target_groups: ["TargetGroupNotFound", 400, "TargetGroupNotFoundException"],
      describe_load_balancers: ["ValidationError", 400, "ClientError"],
      delete_listener: ["ListenerNotFound", 400, "ListenerNotFoundException"],
      create_target_group: ["ValidationError", 400, "ClientError"],
      describe_account_limits: ["OperationNotPermitted", 400, "OperationNotPermittedException"],
    });
  });

  it("the AWS CLI: create, describe and refuse, as JSON", { skip: hasAws ? false : "the AWS CLI is not installed" }, async () => {
    const aws = async (...args: string[]) => (await run("aws", ["elbv2", ...args, "--endpoint-url", server.url, "--output", "json"], { env, timeout: 60_000 })).stdout;
    const lb = JSON.parse(await aws("create-load-balancer", "--name", "cli", "--subnets", "subnet-aaaa1111", "subnet-bbbb2222")) as { LoadBalancers: { LoadBalancerArn: string }[] };
    const tg = JSON.parse(await aws("create-target-group", "--name", "cli-tg", "--protocol", "HTTP", "--port", "80", "--vpc-id", "vpc-1", "--target-type", "ip")) as { TargetGroups: { TargetGroupArn: string }[] };
    const tgArn = tg.TargetGroups[0].TargetGroupArn;
    await aws("create-listener", "--load-balancer-arn", lb.LoadBalancers[0].LoadBalancerArn, "--protocol", "HTTP", "--port", "80", "--default-actions", `Type=forward,TargetGroupArn=${tgArn}`);
    assert.equal(await aws("register-targets", "--target-group-arn", tgArn, "--targets", "Id=10.0.3.1", "Id=10.0.3.2,Port=9000"), "");
    const health = JSON.parse(await aws("describe-target-health", "--target-group-arn", tgArn)) as { TargetHealthDescriptions: { Target: { Id: string; Port: number }; TargetHealth: { State: string } }[] };
    assert.deepEqual(health.TargetHealthDescriptions.map((d) => [d.Target.Id, d.Target.Port, d.TargetHealth.State]), [["10.0.3.1", 80, "initial"], ["10.0.3.2", 9000, "initial"]]);
    const attributes = JSON.parse(await aws("describe-target-group-attributes", "--target-group-arn", tgArn)) as { Attributes: { Key: string; Value: string }[] };
    assert.equal(attributes.Attributes.find((a) => a.Key === "deregistration_delay.timeout_seconds")?.Value, "300");
    // The server runs in this process: the CLI must run asynchronously.
    const refused = await run("aws", ["elbv2", "delete-target-group", "--target-group-arn", tgArn, "--endpoint-url", server.url], { env, timeout: 60_000 }).then(
      () => ({ code: 0, stderr: "" }),
      (error: { code?: number; stderr?: string }) => ({ code: error.code ?? -1, stderr: error.stderr ?? "" }),
    );
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /An error occurred \(ResourceInUse\) when calling the DeleteTargetGroup operation: Target group '.*' is currently in use by a listener or a rule/);
  });
});
