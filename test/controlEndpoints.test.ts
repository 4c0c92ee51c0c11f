// Control endpoints (/_ecslite/reset, /_ecslite/clock, /_ecslite/scheduler/settle) on a shared
// ecslite with --auth on: only a signed request from a credential marked `controlEndpoints: true`.
import * as assert from "node:assert/strict";
import { execFile, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { after, before, describe, it } from "node:test";
import {
  CreateClusterCommand,
  CreateServiceCommand,
  DescribeServicesCommand,
  ECSClient,
  ListClustersCommand,
  RegisterTaskDefinitionCommand,
  RunTaskCommand,
  UpdateServiceCommand,
} from "@aws-sdk/client-ecs";
import { Hash } from "@smithy/hash-node";
import { SignatureV4 } from "@smithy/signature-v4";
import { startTestServer, type TestServer, useServer } from "./harness";

const OPERATOR = { accessKeyId: "AKIAOPERATOR0000001", secretAccessKey: "operator-secret" };
const TENANT = { accessKeyId: "AKIATENANT000000001", secretAccessKey: "tenant-secret" };
const CREDENTIALS = {
  credentials: [
    { ...OPERATOR, accountId: "999988887777", principalArn: "arn:aws:iam::999988887777:role/ci-operator", controlEndpoints: true },
    { ...TENANT, accountId: "111122223333", policies: [{ Statement: [{ Effect: "Allow", Action: "ecs:*", Resource: "*" }] }] },
  ],
};

async function signedControl(server: TestServer, method: string, pathname: string, body: string, credentials: { accessKeyId: string; secretAccessKey: string }) {
  const url = new URL(server.url);
  const signer = new SignatureV4({ service: "ecs", region: "us-east-1", credentials, sha256: Hash.bind(null, "sha256") });
  const signed = await signer.sign({ method, protocol: "http:", hostname: url.hostname, port: Number(url.port), path: pathname, headers: { host: url.host, "content-type": "application/json" }, body });
  const { host: _host, ...headers } = signed.headers as Record<string, string>;
  const response = await fetch(`${server.url}${pathname}`, { method, headers, body: method === "GET" ? undefined : body });
  return { status: response.status, json: (await response.json()) as { __type?: string; message?: string; now?: number } };
}

for (const mode of ["sigv4", "iam"] as const) {
  describe(`control endpoints with --auth ${mode}`, () => {
    let dir = "";
    let server: TestServer;
    let tenant: ECSClient;
    before(async () => {
      dir = mkdtempSync(path.join(tmpdir(), "ecslite-control-"));
      writeFileSync(path.join(dir, "credentials.json"), JSON.stringify(CREDENTIALS));
      server = await startTestServer({ auth: mode, credentialsFile: path.join(dir, "credentials.json") });
      tenant = new ECSClient({ endpoint: server.url, region: "us-east-1", credentials: TENANT, maxAttempts: 1 });
    });
    after(async () => {
      tenant.destroy();
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it("control endpoints ignore --auth (regression): an unsigned reset, clock move or settle is refused and changes nothing", async () => {
      await tenant.send(new CreateClusterCommand({ clusterName: "kept" }));
      const before = (await (await fetch(`${server.url}/_ecslite/clock`)).json()) as { now: number };
      for (const [method, pathname, body] of [
        ["POST", "/_ecslite/reset", ""],
        ["POST", "/moto-api/reset", ""],
        ["POST", "/_ecslite/clock", JSON.stringify({ advanceSeconds: 365 * 86400 })],
        ["POST", "/_ecslite/scheduler/settle", ""],
      ]) {
        const response = await fetch(`${server.url}${pathname}`, { method, body: body || undefined });
        assert.equal(response.status, 403, `${method} ${pathname}`);
        assert.equal(((await response.json()) as { __type: string }).__type, "MissingAuthenticationTokenException");
      }
      const after = (await (await fetch(`${server.url}/_ecslite/clock`)).json()) as { now: number };
      assert.equal(after.now, before.now, "the clock did not move");
      assert.equal((await tenant.send(new ListClustersCommand({}))).clusterArns?.length, 1, "nothing was reset");
    });

    it("a signed request from a credential without controlEndpoints is refused; a forged signature too", async () => {
      const refused = await signedControl(server, "POST", "/_ecslite/reset", "", TENANT);
      assert.equal(refused.status, 403);
      assert.equal(refused.json.__type, "AccessDeniedException");
      assert.match(refused.json.message ?? "", /^User: arn:aws:iam::111122223333:root is not authorized to perform: ecslite:Reset: .*controlEndpoints: true/);
      const forged = await signedControl(server, "POST", "/_ecslite/reset", "", { ...OPERATOR, secretAccessKey: "guess" });
      assert.deepEqual([forged.status, forged.json.__type], [403, "InvalidSignatureException"]);
      assert.equal((await tenant.send(new ListClustersCommand({}))).clusterArns?.length, 1, "nothing was reset");
    });

    it("the operator's signed requests work; health and the time stay open", async () => {
      const health = await fetch(`${server.url}/_ecslite/health`);
      assert.equal(health.status, 200);
      assert.equal((await signedControl(server, "POST", "/_ecslite/scheduler/settle", "", OPERATOR)).status, 200);
      const moved = await signedControl(server, "POST", "/_ecslite/clock", JSON.stringify({ advanceSeconds: 1 }), OPERATOR);
      assert.equal(moved.status, 200);
      const reset = await signedControl(server, "POST", "/_ecslite/reset", "", OPERATOR);
      assert.deepEqual([reset.status, reset.json], [200, { status: "reset" }]);
      assert.equal((await tenant.send(new ListClustersCommand({}))).clusterArns?.length, 0);
    });

    it("curl --aws-sigv4 signs a reset the server accepts", { skip: spawnSync("curl", ["--version"]).status === 0 ? false : "curl is not installed" }, async () => {
      await tenant.send(new CreateClusterCommand({ clusterName: "again" }));
      const { stdout } = await promisify(execFile)("curl", ["-s", "-X", "POST", "--aws-sigv4", "aws:amz:us-east-1:ecs", "--user", `${OPERATOR.accessKeyId}:${OPERATOR.secretAccessKey}`, `${server.url}/_ecslite/reset`], { encoding: "utf8" });
      assert.deepEqual(JSON.parse(stdout), { status: "reset" });
      assert.equal((await tenant.send(new ListClustersCommand({}))).clusterArns?.length, 0);
    });
  });
}

describe("the virtual clock stays within the time ECS's timestamps can carry", () => {
  const server = useServer();

  it("a clock moved past year 9999 fails every task start and scheduler step (regression): such a move is refused and time stays; up to the last second it moves", async () => {
    const ecs = server.client();
    const network = { awsvpcConfiguration: { subnets: ["subnet-1"] } };
    await ecs.send(new CreateClusterCommand({ clusterName: "c" }));
    await ecs.send(new RegisterTaskDefinitionCommand({ family: "web", requiresCompatibilities: ["FARGATE"], networkMode: "awsvpc", cpu: "256", memory: "512", containerDefinitions: [{ name: "app", image: "nginx" }] }));
    await ecs.send(new CreateServiceCommand({ cluster: "c", serviceName: "s", taskDefinition: "web", desiredCount: 1, launchType: "FARGATE", networkConfiguration: network }));
    await server.settle();
    const clock = async () => ((await (await fetch(`${server.url}/_ecslite/clock`)).json()) as { now: number }).now;
    const before = await clock();
    for (const advanceSeconds of [1e300, 1e13]) {
      const response = await fetch(`${server.url}/_ecslite/clock`, { method: "POST", body: JSON.stringify({ advanceSeconds }) });
      assert.equal(response.status, 400);
      const error = (await response.json()) as { __type: string; message: string };
      assert.equal(error.__type, "InvalidParameterException");
      assert.match(error.message, /^advanceSeconds would move the clock past 9999-12-31T23:59:59Z, .*at most \d+ seconds are left\.$/);
    }
    assert.equal(await clock(), before, "the clock did not move");
    const last = Date.UTC(9999, 11, 31, 23, 59, 59) / 1000;
    const moved = await fetch(`${server.url}/_ecslite/clock`, { method: "POST", body: JSON.stringify({ advanceSeconds: last - before - 3600 }) });
    assert.equal(moved.status, 200);
    // An hour before the end, everything works.
    assert.equal((await ecs.send(new RunTaskCommand({ cluster: "c", taskDefinition: "web", launchType: "FARGATE", networkConfiguration: network }))).tasks?.length, 1);
    await ecs.send(new UpdateServiceCommand({ cluster: "c", service: "s", desiredCount: 2 }));
    await server.settle();
    const service = (await ecs.send(new DescribeServicesCommand({ cluster: "c", services: ["s"] }))).services?.[0];
    assert.equal(service?.runningCount, 2);
    assert.equal(server.scheduler?.stats.failedReconciles, 0);
  });
});
