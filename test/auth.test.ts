// --auth sigv4 and --auth iam, with real signed clients.
import * as assert from "node:assert/strict";
import { execFile, spawnSync } from "node:child_process";
import { promisify } from "node:util";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import {
  CreateClusterCommand,
  CreateServiceCommand,
  CreateTaskSetCommand,
  DescribeTaskSetsCommand,
  ECSClient,
  ListClustersCommand,
  RegisterTaskDefinitionCommand,
  UpdateTaskSetCommand,
} from "@aws-sdk/client-ecs";
import { Hash } from "@smithy/hash-node";
import { SignatureV4 } from "@smithy/signature-v4";
import { refusedWith } from "./assertions";
import { startTestServer, type TestServer } from "./harness";

const ACCOUNT = "111122223333";
const ADMIN = { accessKeyId: "AKIAADMIN0000000001", secretAccessKey: "admin-secret" };
const DEPLOY = { accessKeyId: "AKIADEPLOY000000001", secretAccessKey: "deploy-secret" };
const CREDENTIALS_YAML = `
credentials:
  - accessKeyId: ${ADMIN.accessKeyId}
    secretAccessKey: ${ADMIN.secretAccessKey}
    accountId: "${ACCOUNT}"
    principalArn: arn:aws:iam::${ACCOUNT}:role/admin
    policies:
      - Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Action: "ecs:*"
            Resource: "*"
  - accessKeyId: ${DEPLOY.accessKeyId}
    secretAccessKey: ${DEPLOY.secretAccessKey}
    accountId: "${ACCOUNT}"
    principalArn: arn:aws:iam::${ACCOUNT}:role/deploy
    policies:
      - Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Action: ["ecs:Describe*", "ecs:List*"]
            Resource: "*"
          - Effect: Allow
            Action: ecs:UpdateTaskSet
            Resource: "arn:aws:ecs:*:*:task-set/prod/*"
          - Effect: Deny
            Action: ecs:DeleteCluster
            Resource: "*"
`;

let dir = "";
before(() => {
  dir = mkdtempSync(path.join(tmpdir(), "ecslite-auth-"));
  writeFileSync(path.join(dir, "credentials.yaml"), CREDENTIALS_YAML);
});
after(() => rmSync(dir, { recursive: true, force: true }));

function clientFor(server: TestServer, credentials: { accessKeyId: string; secretAccessKey: string }, extra: Partial<ConstructorParameters<typeof ECSClient>[0]> = {}): ECSClient {
  return new ECSClient({ endpoint: server.url, region: "us-east-1", credentials, maxAttempts: 1, ...extra });
}

/** A raw request signed with AWS's signer, for tampering after signing. */
async function signed(server: TestServer, body: string, options: { contentSha256?: string } = {}) {
  const url = new URL(server.url);
  const signer = new SignatureV4({ service: "ecs", region: "us-east-1", credentials: ADMIN, sha256: Hash.bind(null, "sha256") });
  const request = await signer.sign({
    method: "POST",
    protocol: "http:",
    hostname: url.hostname,
    port: Number(url.port),
    path: "/",
    headers: {
      host: url.host,
      "content-type": "application/x-amz-json-1.1",
      "x-amz-target": "AmazonEC2ContainerServiceV20141113.CreateCluster",
      ...(options.contentSha256 ? { "x-amz-content-sha256": options.contentSha256 } : {}),
    },
    body,
  });
  return request.headers as Record<string, string>;
}

async function post(server: TestServer, headers: Record<string, string>, body: string) {
  const { host: _host, ...rest } = headers;
  const response = await fetch(server.url, { method: "POST", headers: rest, body });
  return { status: response.status, json: (await response.json()) as { __type?: string; message?: string } };
}

describe("--auth sigv4", () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ auth: "sigv4", credentialsFile: path.join(dir, "credentials.yaml") });
  });
  after(() => server.close());

  it("a correct key passes, and its account is the credential's", async () => {
    const out = await clientFor(server, ADMIN).send(new CreateClusterCommand({ clusterName: "signed" }));
    assert.equal(out.cluster?.clusterArn, `arn:aws:ecs:us-east-1:${ACCOUNT}:cluster/signed`);
  });

  it("a wrong secret is InvalidSignatureException", async () => {
    await refusedWith(clientFor(server, { ...ADMIN, secretAccessKey: "wrong" }).send(new ListClustersCommand({})), "InvalidSignatureException", /^The request signature we calculated does not match the signature you provided/);
  });

  it("an unknown key is UnrecognizedClientException", async () => {
    await refusedWith(clientFor(server, { accessKeyId: "AKIAUNKNOWN", secretAccessKey: "x" }).send(new ListClustersCommand({})), "UnrecognizedClientException", /security token included in the request is invalid/);
  });

  it("a signature dated more than 5 minutes away is expired", async () => {
    await refusedWith(clientFor(server, ADMIN, { systemClockOffset: -10 * 60 * 1000 }).send(new ListClustersCommand({})), "InvalidSignatureException", /^Signature expired: \d{8}T\d{6}Z is now earlier than/);
    await refusedWith(clientFor(server, ADMIN, { systemClockOffset: 10 * 60 * 1000 }).send(new ListClustersCommand({})), "InvalidSignatureException", /^Signature not yet current/);
  });

  it("a tampered body fails, whether or not its hash was signed", async () => {
    const body = JSON.stringify({ clusterName: "original" });
    const tampered = JSON.stringify({ clusterName: "tampered" });
    const plain = await post(server, await signed(server, body), tampered);
    assert.deepEqual([plain.status, plain.json.__type], [403, "InvalidSignatureException"]);
    const hash = (await import("node:crypto")).createHash("sha256").update(body).digest("hex");
    const withHash = await post(server, await signed(server, body, { contentSha256: hash }), tampered);
    assert.deepEqual([withHash.status, withHash.json.__type], [403, "InvalidSignatureException"]);
    assert.match(withHash.json.message ?? "", /x-amz-content-sha256/);
    const untouched = await post(server, await signed(server, body), body);
    assert.equal(untouched.status, 200, "the same request, untampered, passes");
    const listed = await clientFor(server, ADMIN).send(new ListClustersCommand({}));
    assert.ok(!listed.clusterArns?.some((a) => a.endsWith("/tampered")), "nothing was created by the refused requests");
  });

  it("a missing or malformed Authorization header is refused", async () => {
    const none = await post(server, { "content-type": "application/x-amz-json-1.1", "x-amz-target": "AmazonEC2ContainerServiceV20141113.ListClusters" }, "{}");
    assert.deepEqual([none.status, none.json.__type], [403, "MissingAuthenticationTokenException"]);
    const headers = await signed(server, "{}");
    const noSignature = await post(server, { ...headers, authorization: headers.authorization.replace(/, Signature=[0-9a-f]+/, "") }, "{}");
    assert.deepEqual([noSignature.status, noSignature.json.__type], [403, "IncompleteSignatureException"]);
    const { "x-amz-date": _date, ...withoutDate } = headers;
    const noDate = await post(server, withoutDate, "{}");
    assert.deepEqual([noDate.status, noDate.json.__type], [403, "IncompleteSignatureException"]);
  });

  it("boto3 signs requests the server accepts, and is refused with a wrong secret", { skip: spawnSync("python3", ["-c", "import boto3"]).status === 0 ? false : "boto3 is not installed" }, async () => {
    const script = `
import boto3, sys, botocore
def client(secret):
    return boto3.client("ecs", endpoint_url=sys.argv[1], region_name="us-east-1", aws_access_key_id="${ADMIN.accessKeyId}", aws_secret_access_key=secret)
print(client("${ADMIN.secretAccessKey}").create_cluster(clusterName="from-boto3")["cluster"]["clusterArn"])
try:
    client("wrong").list_clusters()
except botocore.exceptions.ClientError as e:
    print(e.response["Error"]["Code"])
`;
    // Asynchronously: the server runs in this process and must keep answering.
    const { stdout } = await promisify(execFile)("python3", ["-c", script, server.url], { encoding: "utf8" });
    const out = stdout.trim().split("\n");
    assert.deepEqual(out, [`arn:aws:ecs:us-east-1:${ACCOUNT}:cluster/from-boto3`, "InvalidSignatureException"]);
  });
});

describe("--auth iam", () => {
  let server: TestServer;
  let admin: ECSClient;
  let deploy: ECSClient;
  const ids: Record<string, string> = {};
  before(async () => {
    server = await startTestServer({ auth: "iam", credentialsFile: path.join(dir, "credentials.yaml") });
    admin = clientFor(server, ADMIN);
    deploy = clientFor(server, DEPLOY);
    await admin.send(new RegisterTaskDefinitionCommand({ family: "web", containerDefinitions: [{ name: "app", image: "nginx", memory: 64 }] }));
    for (const cluster of ["prod", "staging"]) {
      await admin.send(new CreateClusterCommand({ clusterName: cluster }));
      await admin.send(new CreateServiceCommand({ cluster, serviceName: "web", desiredCount: 10, deploymentController: { type: "EXTERNAL" } }));
      ids[cluster] = (await admin.send(new CreateTaskSetCommand({ cluster, service: "web", taskDefinition: "web" }))).taskSet?.id ?? "";
    }
  });
  after(() => server.close());

  it("a deploy role allowed ecs:UpdateTaskSet on task-set/prod/* scales prod", async () => {
    const out = await deploy.send(new UpdateTaskSetCommand({ cluster: "prod", service: "web", taskSet: ids.prod, scale: { value: 50, unit: "PERCENT" } }));
    assert.equal(out.taskSet?.computedDesiredCount, 5);
  });

  it("and gets AccessDeniedException in staging, which changes nothing", async () => {
    const arn = `arn:aws:ecs:us-east-1:${ACCOUNT}:task-set/staging/web/${ids.staging}`;
    await refusedWith(
      deploy.send(new UpdateTaskSetCommand({ cluster: "staging", service: "web", taskSet: ids.staging, scale: { value: 50, unit: "PERCENT" } })),
      "AccessDeniedException",
      new RegExp(`^User: arn:aws:iam::${ACCOUNT}:role/deploy is not authorized to perform: ecs:UpdateTaskSet on resource: ${arn.replace(/[/.]/g, "\\$&")} because no identity-based policy allows the ecs:UpdateTaskSet action$`),
    );
    const set = (await admin.send(new DescribeTaskSetsCommand({ cluster: "staging", service: "web", taskSets: [ids.staging] }))).taskSets?.[0];
    assert.equal(set?.scale?.value, 0);
  });

  it("other actions are denied by default, an explicit deny says so, and the admin may do anything", async () => {
    await refusedWith(deploy.send(new CreateClusterCommand({ clusterName: "nope" })), "AccessDeniedException", /because no identity-based policy allows the ecs:CreateCluster action$/);
    await refusedWith(deploy.send(new (await import("@aws-sdk/client-ecs")).DeleteClusterCommand({ cluster: "staging" })), "AccessDeniedException", /with an explicit deny in an identity-based policy$/);
    const listed = await deploy.send(new ListClustersCommand({}));
    assert.equal(listed.clusterArns?.length, 2, "List* is allowed");
    assert.ok(!listed.clusterArns?.some((a) => a.endsWith("/nope")));
  });
});
