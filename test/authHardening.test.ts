// Regressions found by probing a shared ecslite from outside: a replayed request with another
// X-Amz-Target, credential scopes naming regions that do not exist, and aws:ResourceTag conditions
// that answered differently for another account's resources.
import * as assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { CreateClusterCommand, DescribeClustersCommand, ECSClient, ListClustersCommand } from "@aws-sdk/client-ecs";
import { Hash } from "@smithy/hash-node";
import { SignatureV4 } from "@smithy/signature-v4";
import { isKnownRegion } from "../src/domain/regions";
import { refusedWith } from "./assertions";
import { startTestServer, type TestServer, useServer } from "./harness";

const ACCOUNT_A = "111122223333";
const ACCOUNT_B = "444455556666";
const ADMIN_A = { accessKeyId: "AKIAADMINA000000001", secretAccessKey: "admin-a-secret" };
const BLUE_A = { accessKeyId: "AKIABLUEA0000000001", secretAccessKey: "blue-a-secret" };
const ADMIN_B = { accessKeyId: "AKIAADMINB000000001", secretAccessKey: "admin-b-secret" };
const CREDENTIALS = [
  { ...ADMIN_A, accountId: ACCOUNT_A },
  {
    ...BLUE_A,
    accountId: ACCOUNT_A,
    principalArn: `arn:aws:iam::${ACCOUNT_A}:role/blue`,
    policies: [{ Statement: [{ Effect: "Allow", Action: "ecs:DescribeClusters", Resource: "*", Condition: { StringEquals: { "aws:ResourceTag/team": "blue" } } }] }],
  },
  { ...ADMIN_B, accountId: ACCOUNT_B },
];

let dir = "";
before(() => {
  dir = mkdtempSync(path.join(tmpdir(), "ecslite-auth-hardening-"));
  writeFileSync(path.join(dir, "credentials.json"), JSON.stringify(CREDENTIALS));
});
after(() => rmSync(dir, { recursive: true, force: true }));

function clientFor(server: TestServer, credentials: { accessKeyId: string; secretAccessKey: string }, region = "us-east-1"): ECSClient {
  return new ECSClient({ endpoint: server.url, region, credentials, maxAttempts: 1 });
}

/** A raw JSON 1.1 request signed by AWS's signer, with options to leave headers out of the signature. */
async function signedRaw(server: TestServer, options: { operation: string; body: string; region?: string; unsigned?: string[]; sendAs?: string; credentials?: { accessKeyId: string; secretAccessKey: string } }) {
  const url = new URL(server.url);
  const signer = new SignatureV4({ service: "ecs", region: options.region ?? "us-east-1", credentials: options.credentials ?? ADMIN_A, sha256: Hash.bind(null, "sha256") });
  const signed = await signer.sign(
    {
      method: "POST",
      protocol: "http:",
      hostname: url.hostname,
      port: Number(url.port),
      path: "/",
      headers: { host: url.host, "content-type": "application/x-amz-json-1.1", "x-amz-target": `AmazonEC2ContainerServiceV20141113.${options.operation}` },
      body: options.body,
    },
    { unsignableHeaders: new Set(options.unsigned ?? []) },
  );
  const { host: _host, ...headers } = signed.headers as Record<string, string>;
  if (options.sendAs) headers["x-amz-target"] = `AmazonEC2ContainerServiceV20141113.${options.sendAs}`;
  const response = await fetch(server.url, { method: "POST", headers, body: options.body });
  return { status: response.status, json: (await response.json()) as { __type?: string; message?: string } };
}

describe("X-Amz-Target must be signed", () => {
  const server = useServer(() => ({ auth: "sigv4", credentialsFile: path.join(dir, "credentials.json") }));

  it("X-Amz-Target need not be signed (regression): a request signed without its target, replayed as DeleteCluster, is refused", async () => {
    await clientFor(server, ADMIN_A).send(new CreateClusterCommand({ clusterName: "victim" }));
    const body = JSON.stringify({ cluster: "victim" });
    const replayed = await signedRaw(server, { operation: "DescribeClusters", body, unsigned: ["x-amz-target"], sendAs: "DeleteCluster" });
    assert.deepEqual([replayed.status, replayed.json.__type, replayed.json.message], [403, "InvalidSignatureException", "'X-Amz-Target' must be a 'SignedHeader' in the AWS Authorization."]);
    const asSigned = await signedRaw(server, { operation: "DescribeClusters", body, unsigned: ["x-amz-target"] });
    assert.equal(asSigned.json.__type, "InvalidSignatureException", "unsigned, even the intended operation is refused");
    const clusters = await clientFor(server, ADMIN_A).send(new DescribeClustersCommand({ clusters: ["victim"] }));
    assert.equal(clusters.clusters?.[0]?.status, "ACTIVE", "the cluster survived");
  });

  it("a request that signs its target, replayed with another one, fails the signature", async () => {
    const replayed = await signedRaw(server, { operation: "DescribeClusters", body: JSON.stringify({ cluster: "victim" }), sendAs: "DeleteCluster" });
    assert.deepEqual([replayed.status, replayed.json.__type], [403, "InvalidSignatureException"]);
    assert.match(replayed.json.message ?? "", /^The request signature we calculated does not match/);
  });
});

describe("credential scopes name real regions", () => {
  it("knows the regions of every partition from the SDK's data, and nothing else", () => {
    for (const region of ["us-east-1", "eu-west-3", "ap-southeast-2", "us-gov-west-1", "cn-north-1", "il-central-1"]) assert.ok(isKnownRegion(region), region);
    for (const region of ["Evil.Region", "us-east-99", "aws-global", "local", "", "us-east-1 ", "US-EAST-1", "us-east-1/x"]) assert.ok(!isKnownRegion(region), JSON.stringify(region));
  });

  for (const mode of ["sigv4", "off"] as const) {
    describe(`with --auth ${mode}`, () => {
      const server = useServer(() => (mode === "off" ? {} : { auth: mode, credentialsFile: path.join(dir, "credentials.json") }));

      it("any credential-scope region is accepted (regression): CreateCluster scoped to Evil.Region or us-east-99 is refused as AWS refuses it, creating nothing", async () => {
        const evil = await signedRaw(server, { operation: "CreateCluster", body: JSON.stringify({ clusterName: "lost" }), region: "Evil.Region" });
        assert.deepEqual([evil.status, evil.json.__type, evil.json.message], [403, "InvalidSignatureException", "Credential should be scoped to a valid region, not 'Evil.Region'."]);
        await refusedWith(clientFor(server, ADMIN_A, "us-east-99").send(new CreateClusterCommand({ clusterName: "lost" })), "InvalidSignatureException", /^Credential should be scoped to a valid region, not 'us-east-99'\.$/);
        const created = await clientFor(server, ADMIN_A, "eu-west-3").send(new CreateClusterCommand({ clusterName: "found" }));
        assert.equal(created.cluster?.clusterArn, `arn:aws:ecs:eu-west-3:${mode === "off" ? "000000000000" : ACCOUNT_A}:cluster/found`);
        const listed = await clientFor(server, ADMIN_A, "eu-west-3").send(new ListClustersCommand({}));
        assert.deepEqual(listed.clusterArns, [created.cluster?.clusterArn], "what a valid region creates is reachable");
      });
    });
  }
});

describe("aws:ResourceTag is read only within the caller's account", () => {
  let server: TestServer;
  const arnB = (name: string) => `arn:aws:ecs:us-east-1:${ACCOUNT_B}:cluster/${name}`;
  before(async () => {
    server = await startTestServer({ auth: "iam", credentialsFile: path.join(dir, "credentials.json") });
    const adminB = clientFor(server, ADMIN_B);
    await adminB.send(new CreateClusterCommand({ clusterName: "blue-b", tags: [{ key: "team", value: "blue" }] }));
    await adminB.send(new CreateClusterCommand({ clusterName: "red-b", tags: [{ key: "team", value: "red" }] }));
    await clientFor(server, ADMIN_A).send(new CreateClusterCommand({ clusterName: "blue-a", tags: [{ key: "team", value: "blue" }] }));
  });
  after(() => server.close());

  it("IAM leaks another account's resources through aws:ResourceTag (regression): a foreign cluster answers exactly as one that does not exist", async () => {
    const blue = clientFor(server, BLUE_A);
    const answers: string[] = [];
    for (const name of ["blue-b", "red-b", "never-created"]) {
      const error = await refusedWith(blue.send(new DescribeClustersCommand({ clusters: [arnB(name)] })), "AccessDeniedException");
      answers.push(error.message.replace(name, "<name>"));
    }
    assert.equal(new Set(answers).size, 1, `one answer for a blue, a red and a missing foreign cluster: ${answers.join(" | ")}`);
    assert.match(answers[0], new RegExp(`^User: arn:aws:iam::${ACCOUNT_A}:role/blue is not authorized to perform: ecs:DescribeClusters on resource: arn:aws:ecs:us-east-1:${ACCOUNT_B}:cluster/<name> because no identity-based policy allows`));
  });

  it("the condition still reads the caller's own resources' tags", async () => {
    const own = await clientFor(server, BLUE_A).send(new DescribeClustersCommand({ clusters: ["blue-a"] }));
    assert.equal(own.clusters?.[0]?.clusterName, "blue-a");
  });
});
