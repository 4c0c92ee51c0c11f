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
  DeleteClusterCommand,
  DeleteTaskSetCommand,
  DescribeClustersCommand,
  DescribeServicesCommand,
  DescribeTaskSetsCommand,
  ECSClient,
  ListClustersCommand,
  ListServicesCommand,
  RegisterTaskDefinitionCommand,
  TagResourceCommand,
  UpdateServiceCommand,
  UpdateTaskSetCommand,
} from "@aws-sdk/client-ecs";
import { Hash } from "@smithy/hash-node";
import { SignatureV4 } from "@smithy/signature-v4";
import { parseConfig } from "../src/config";
import { SigV4Verifier } from "../src/protocol/sigv4";
import { refusedWith } from "./assertions";
import { startTestServer, type TestServer, useServer } from "./harness";

const ACCOUNT = "111122223333";
const ADMIN = { accessKeyId: "AKIAADMIN0000000001", secretAccessKey: "admin-secret" };
const DEPLOY = { accessKeyId: "AKIADEPLOY000000001", secretAccessKey: "deploy-secret" };
const PAYMENTS = { accessKeyId: "AKIAPAYMENTS0000001", secretAccessKey: "payments-secret" };
const BUILDER = { accessKeyId: "AKIABUILDER00000001", secretAccessKey: "builder-secret" };
const SESSION = { accessKeyId: "ASIASESSION00000001", secretAccessKey: "session-secret", sessionToken: "session-token-1" };
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
  - accessKeyId: ${PAYMENTS.accessKeyId}
    secretAccessKey: ${PAYMENTS.secretAccessKey}
    accountId: "${ACCOUNT}"
    principalArn: arn:aws:iam::${ACCOUNT}:role/payments
    policies:
      - Statement:
          - Effect: Allow
            Action: ecs:ListServices
            Resource: "*"
            Condition:
              StringEquals:
                ecs:cluster: arn:aws:ecs:us-east-1:${ACCOUNT}:cluster/prod
          - Effect: Allow
            Action: ["ecs:UpdateService", "ecs:DescribeServices"]
            Resource: "arn:aws:ecs:*:*:service/*"
            Condition:
              StringEquals:
                aws:ResourceTag/team: payments
  - accessKeyId: ${BUILDER.accessKeyId}
    secretAccessKey: ${BUILDER.secretAccessKey}
    accountId: "${ACCOUNT}"
    principalArn: arn:aws:iam::${ACCOUNT}:user/builder
    policies:
      - '{"Statement": [{"Effect": "Allow", "Action": ["ecs:CreateCluster", "ecs:DescribeClusters"], "Resource": "*"}]}'
      - Statement:
          - Effect: Allow
            Action: ecs:TagResource
            Resource: "*"
            Condition:
              StringEquals:
                aws:RequestTag/env: dev
              ForAllValues:StringEquals:
                aws:TagKeys: [env, owner]
`;

let dir = "";
before(() => {
  dir = mkdtempSync(path.join(tmpdir(), "ecslite-auth-"));
  writeFileSync(path.join(dir, "credentials.yaml"), CREDENTIALS_YAML);
  writeFileSync(path.join(dir, "session.json"), JSON.stringify([{ ...SESSION, accountId: "444455556666", principalArn: "arn:aws:sts::444455556666:assumed-role/ci/session" }]));
});
after(() => rmSync(dir, { recursive: true, force: true }));

function clientFor(server: TestServer, credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }, extra: Partial<ConstructorParameters<typeof ECSClient>[0]> = {}): ECSClient {
  return new ECSClient({ endpoint: server.url, region: "us-east-1", credentials, maxAttempts: 1, ...extra });
}

/** A raw request signed with AWS's signer, for tampering after signing. */
async function signed(server: TestServer, body: string, options: { contentSha256?: string; service?: string; extraHeaders?: Record<string, string> } = {}) {
  const url = new URL(server.url);
  const signer = new SignatureV4({ service: options.service ?? "ecs", region: "us-east-1", credentials: ADMIN, sha256: Hash.bind(null, "sha256") });
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
      ...options.extraHeaders,
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

describe("SigV4Verifier", () => {
  const NOW = Date.UTC(2026, 10, 24, 20, 30, 0);
  const verifier = new SigV4Verifier((key) => (key === ADMIN.accessKeyId ? ADMIN : undefined));
  const signer = new SignatureV4({ service: "ecs", region: "eu-west-1", credentials: ADMIN, sha256: Hash.bind(null, "sha256") });
  async function request(headers: Record<string, string>, body = "{}", path = "/", query: Record<string, string> = {}) {
    const signed = await signer.sign({ method: "POST", protocol: "http:", hostname: "localhost", path, query, headers: { host: "localhost:4566", ...headers }, body }, { signingDate: new Date(NOW) });
    const lower = Object.fromEntries(Object.entries(signed.headers).map(([k, v]) => [k.toLowerCase(), v]));
    const search = new URLSearchParams(query).toString();
    return { method: "POST", path: search ? `${path}?${search}` : path, headers: lower, body: Buffer.from(body) };
  }
  const type = (f: () => unknown) => {
    try {
      f();
    } catch (error) {
      return (error as { type?: string }).type;
    }
    return "accepted";
  };

  it("accepts what AWS's signer signs: region from the scope, headers with runs of spaces, a query", async () => {
    const plain = await request({ "x-amz-target": "AmazonEC2ContainerServiceV20141113.ListClusters" });
    assert.deepEqual(verifier.verify(plain, NOW, "ecs"), { accessKeyId: ADMIN.accessKeyId, date: "20261124", region: "eu-west-1", service: "ecs", signedHeaders: ["host", "x-amz-content-sha256", "x-amz-date", "x-amz-target"], signature: /Signature=([0-9a-f]+)/.exec(plain.headers.authorization)?.[1] });
    const spaced = await request({ "x-amz-target": "AmazonEC2ContainerServiceV20141113.ListClusters", "x-custom": "  a   b  " });
    assert.equal(type(() => verifier.verify(spaced, NOW, "ecs")), "accepted");
    const queried = await request({}, "{}", "/", { b: "2", a: "x y" });
    assert.equal(type(() => verifier.verify(queried, NOW, "ecs")), "accepted");
  });

  it("reads an Authorization header in any field order and spacing", async () => {
    const r = await request({});
    const [, credential, signed, signature] = /Credential=(\S+), SignedHeaders=(\S+), Signature=(\S+)/.exec(r.headers.authorization) ?? [];
    const reordered = { ...r, headers: { ...r.headers, authorization: `AWS4-HMAC-SHA256 Signature=${signature},SignedHeaders=${signed},  Credential=${credential}` } };
    assert.equal(type(() => verifier.verify(reordered, NOW, "ecs")), "accepted");
  });

  it("refuses, in AWS's terms, what does not verify", async () => {
    const r = await request({ "x-amz-target": "AmazonEC2ContainerServiceV20141113.ListClusters" });
    const sig = /Signature=([0-9a-f]+)/.exec(r.headers.authorization)?.[1] ?? "";
    const withAuth = (authorization: string) => ({ ...r, headers: { ...r.headers, authorization } });
    const cases: [string, Parameters<SigV4Verifier["verify"]>[0], number, string][] = [
      ["as signed", r, NOW, "accepted"],
      ["4 min 59 s later", r, NOW + 299_000, "accepted"],
      ["5 min 1 s later", r, NOW + 301_000, "InvalidSignatureException"],
      ["5 min 1 s earlier", r, NOW - 301_000, "InvalidSignatureException"],
      ["uppercase signature", withAuth(r.headers.authorization.replace(sig, sig.toUpperCase())), NOW, "InvalidSignatureException"],
      ["truncated signature", withAuth(r.headers.authorization.replace(sig, sig.slice(0, 63))), NOW, "InvalidSignatureException"],
      ["another region in the scope", withAuth(r.headers.authorization.replace("/eu-west-1/", "/us-east-1/")), NOW, "InvalidSignatureException"],
      ["another method", { ...r, method: "PUT" }, NOW, "InvalidSignatureException"],
      ["another path", { ...r, path: "/x" }, NOW, "InvalidSignatureException"],
      ["host not signed", withAuth(r.headers.authorization.replace("SignedHeaders=host;", "SignedHeaders=")), NOW, "InvalidSignatureException"],
      ["another algorithm", withAuth(r.headers.authorization.replace("AWS4-HMAC-SHA256", "AWS4-HMAC-SHA512")), NOW, "IncompleteSignatureException"],
      ["a malformed scope", withAuth(r.headers.authorization.replace("/aws4_request", "/aws5_request")), NOW, "IncompleteSignatureException"],
      ["no Authorization", { ...r, headers: { ...r.headers, authorization: "" } }, NOW, "MissingAuthenticationTokenException"],
      ["a malformed X-Amz-Date", { ...r, headers: { ...r.headers, "x-amz-date": "2026-11-24T20:30:00Z" } }, NOW, "IncompleteSignatureException"],
      // Names every object answers to (inherited, not sent): a signed header that did not arrive, not a fault.
      ["__proto__ signed", withAuth(r.headers.authorization.replace("SignedHeaders=", "SignedHeaders=__proto__;")), NOW, "InvalidSignatureException"],
      ["constructor signed", withAuth(r.headers.authorization.replace("SignedHeaders=host;", "SignedHeaders=constructor;host;")), NOW, "InvalidSignatureException"],
    ];
    for (const [name, req, now, expected] of cases) assert.equal(type(() => verifier.verify(req, now, "ecs")), expected, name);
  });
});

describe("--auth sigv4", () => {
  const server = useServer(() => ({ auth: "sigv4", credentialsFile: path.join(dir, "credentials.yaml") }));

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

  it("a signed header that does not arrive, or a scope for another service, is InvalidSignatureException", async () => {
    const headers = await signed(server, "{}", { extraHeaders: { "x-ecslite-test": "1" } });
    assert.match(headers.authorization, /SignedHeaders=[^,]*x-ecslite-test/);
    const { "x-ecslite-test": _dropped, ...withoutIt } = headers;
    const dropped = await post(server, withoutIt, "{}");
    assert.deepEqual([dropped.status, dropped.json.__type, dropped.json.message], [403, "InvalidSignatureException", (await post(server, { ...headers, "x-ecslite-test": "2" }, "{}")).json.message]);
    assert.match(dropped.json.message ?? "", /^The request signature we calculated does not match/);
    const otherService = await post(server, await signed(server, "{}", { service: "s3" }), "{}");
    assert.deepEqual([otherService.status, otherService.json.__type], [403, "InvalidSignatureException"]);
  });

  it("an UNSIGNED-PAYLOAD body is refused: the body must be covered by the signature", async () => {
    const refused = await post(server, await signed(server, "{}", { contentSha256: "UNSIGNED-PAYLOAD" }), "{}");
    assert.deepEqual([refused.status, refused.json.__type], [403, "InvalidSignatureException"]);
  });

  it("a session credential needs its token (JSON credentials file)", async () => {
    const sessionServer = await startTestServer({ auth: "sigv4", credentialsFile: path.join(dir, "session.json") });
    try {
      const out = await clientFor(sessionServer, SESSION).send(new CreateClusterCommand({ clusterName: "from-session" }));
      assert.equal(out.cluster?.clusterArn, "arn:aws:ecs:us-east-1:444455556666:cluster/from-session");
      const { sessionToken: _token, ...withoutToken } = SESSION;
      await refusedWith(clientFor(sessionServer, withoutToken).send(new ListClustersCommand({})), "UnrecognizedClientException", /security token included in the request is invalid/);
      await refusedWith(clientFor(sessionServer, { ...SESSION, sessionToken: "stolen" }).send(new ListClustersCommand({})), "UnrecognizedClientException");
    } finally {
      await sessionServer.close();
    }
  });

  it("refuses to start without a usable credentials file, naming the problem", async () => {
    assert.throws(() => parseConfig(["--auth", "sigv4"], {}), /--auth sigv4 needs --credentials FILE/);
    assert.equal(parseConfig(["--auth", "iam", "--credentials", "c.yaml"], {}).credentialsFile, "c.yaml");
    await assert.rejects(startTestServer({ auth: "iam" }), /--auth iam needs --credentials FILE/);
    await assert.rejects(startTestServer({ auth: "sigv4", credentialsFile: path.join(dir, "missing.yaml") }), /--credentials \S*missing\.yaml does not exist/);
    const bad = path.join(dir, "bad.yaml");
    writeFileSync(bad, `- accessKeyId: K\n  secretAccessKey: s\n  accountId: "111122223333"\n  policies:\n    - Statement: [{Effect: Allow, Action: "ecs:*"}]\n`);
    await assert.rejects(startTestServer({ auth: "iam", credentialsFile: bad }), /credentials\[0\]\.policies\[0\]\.Statement\[0\] needs exactly one of Resource and NotResource/);
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

  it("a deploy role allowed ecs:UpdateTaskSet on task-set/prod/* scales prod, by id or by ARNs", async () => {
    const out = await deploy.send(new UpdateTaskSetCommand({ cluster: "prod", service: "web", taskSet: ids.prod, scale: { value: 50, unit: "PERCENT" } }));
    assert.equal(out.taskSet?.computedDesiredCount, 5);
    const byArn = await deploy.send(
      new UpdateTaskSetCommand({
        cluster: `arn:aws:ecs:us-east-1:${ACCOUNT}:cluster/prod`,
        service: `arn:aws:ecs:us-east-1:${ACCOUNT}:service/prod/web`,
        taskSet: out.taskSet?.taskSetArn,
        scale: { value: 60, unit: "PERCENT" },
      }),
    );
    assert.equal(byArn.taskSet?.computedDesiredCount, 6);
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

  it("the deploy role may not delete the task set it may scale", async () => {
    await refusedWith(
      deploy.send(new DeleteTaskSetCommand({ cluster: "prod", service: "web", taskSet: ids.prod })),
      "AccessDeniedException",
      new RegExp(`ecs:DeleteTaskSet on resource: arn:aws:ecs:us-east-1:${ACCOUNT}:task-set/prod/web/${ids.prod.replace("/", "\\/")} because`),
    );
    const sets = (await admin.send(new DescribeTaskSetsCommand({ cluster: "prod", service: "web", taskSets: [ids.prod] }))).taskSets ?? [];
    assert.equal(sets[0]?.status, "ACTIVE");
  });

  it("other actions are denied by default, an explicit deny says so, and the admin may do anything", async () => {
    await refusedWith(deploy.send(new CreateClusterCommand({ clusterName: "nope" })), "AccessDeniedException", /because no identity-based policy allows the ecs:CreateCluster action$/);
    await refusedWith(deploy.send(new DeleteClusterCommand({ cluster: "staging" })), "AccessDeniedException", /with an explicit deny in an identity-based policy$/);
    const listed = await deploy.send(new ListClustersCommand({}));
    assert.equal(listed.clusterArns?.length, 2, "List* is allowed");
    assert.ok(!listed.clusterArns?.some((a) => a.endsWith("/nope")));
  });
});

describe("--auth iam condition keys", () => {
  let server: TestServer;
  let admin: ECSClient;
  let payments: ECSClient;
  let builder: ECSClient;
  before(async () => {
    server = await startTestServer({ auth: "iam", credentialsFile: path.join(dir, "credentials.yaml") });
    admin = clientFor(server, ADMIN);
    payments = clientFor(server, PAYMENTS);
    builder = clientFor(server, BUILDER);
    for (const cluster of ["prod", "staging"]) {
      await admin.send(new CreateClusterCommand({ clusterName: cluster }));
      await admin.send(new CreateServiceCommand({ cluster, serviceName: "checkout", desiredCount: 0, deploymentController: { type: "EXTERNAL" }, tags: [{ key: "team", value: "payments" }] }));
      await admin.send(new CreateServiceCommand({ cluster, serviceName: "search", desiredCount: 0, deploymentController: { type: "EXTERNAL" }, tags: [{ key: "team", value: "search" }] }));
    }
  });
  after(() => server.close());

  it("ecs:cluster: ListServices only in the cluster the condition names", async () => {
    const listed = await payments.send(new ListServicesCommand({ cluster: "prod" }));
    assert.equal(listed.serviceArns?.length, 2);
    await refusedWith(payments.send(new ListServicesCommand({ cluster: "staging" })), "AccessDeniedException", /ecs:ListServices on resource: \* because no identity-based policy allows/);
  });

  it("aws:ResourceTag: the payments role updates services tagged team=payments, and only those", async () => {
    const updated = await payments.send(new UpdateServiceCommand({ cluster: "staging", service: "checkout", desiredCount: 3 }));
    assert.equal(updated.service?.desiredCount, 3);
    await refusedWith(
      payments.send(new UpdateServiceCommand({ cluster: "staging", service: "search", desiredCount: 3 })),
      "AccessDeniedException",
      new RegExp(`^User: arn:aws:iam::${ACCOUNT}:role/payments is not authorized to perform: ecs:UpdateService on resource: arn:aws:ecs:us-east-1:${ACCOUNT}:service/staging/search because`),
    );
    const search = (await admin.send(new DescribeServicesCommand({ cluster: "staging", services: ["search"] }))).services?.[0];
    assert.equal(search?.desiredCount, 0, "the refused update changed nothing");
    // Describing both is refused as a whole: one of them is not allowed.
    await refusedWith(payments.send(new DescribeServicesCommand({ cluster: "prod", services: ["checkout", "search"] })), "AccessDeniedException");
    const retagged = await admin.send(new TagResourceCommand({ resourceArn: `arn:aws:ecs:us-east-1:${ACCOUNT}:service/prod/search`, tags: [{ key: "team", value: "payments" }] }));
    assert.ok(retagged);
    const both = await payments.send(new DescribeServicesCommand({ cluster: "prod", services: ["checkout", "search"] }));
    assert.equal(both.services?.length, 2, "the tag is read at each call");
  });

  it("aws:RequestTag and aws:TagKeys, and ecs:TagResource for resources created with tags", async () => {
    const plain = await builder.send(new CreateClusterCommand({ clusterName: "plain" }));
    assert.equal(plain.cluster?.status, "ACTIVE");
    const tagged = await builder.send(new CreateClusterCommand({ clusterName: "tagged", tags: [{ key: "env", value: "dev" }, { key: "owner", value: "me" }] }));
    assert.equal(tagged.cluster?.clusterName, "tagged");
    await refusedWith(
      builder.send(new CreateClusterCommand({ clusterName: "prod-tagged", tags: [{ key: "env", value: "prod" }] })),
      "AccessDeniedException",
      new RegExp(`ecs:TagResource on resource: arn:aws:ecs:us-east-1:${ACCOUNT}:cluster/prod-tagged because no identity-based policy allows the ecs:TagResource action$`),
    );
    await refusedWith(builder.send(new CreateClusterCommand({ clusterName: "extra-key", tags: [{ key: "env", value: "dev" }, { key: "cost", value: "1" }] })), "AccessDeniedException", /ecs:TagResource/);
    const described = await builder.send(new DescribeClustersCommand({ clusters: ["prod-tagged", "extra-key", "tagged"] }));
    assert.deepEqual(
      described.clusters?.map((c) => c.clusterName),
      ["tagged"],
      "refused creations created nothing",
    );
  });
});
