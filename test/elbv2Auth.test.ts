// --auth sigv4 and --auth iam for Elastic Load Balancing: requests signed for the
// elasticloadbalancing service, refusals in the Query protocol's words (SignatureDoesNotMatch,
// InvalidClientTokenId, AccessDenied), elasticloadbalancing:* actions evaluated against ELB ARNs,
// resource tags and tag on create.
import * as assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import {
  CreateTargetGroupCommand,
  DescribeLoadBalancersCommand,
  DescribeTargetGroupsCommand,
  ElasticLoadBalancingV2Client,
  ModifyListenerCommand,
  ModifyTargetGroupAttributesCommand,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { Hash } from "@smithy/hash-node";
import { SignatureV4 } from "@smithy/signature-v4";
import { elbv2AuthorizationTargets } from "../src/domain/resourcesElbv2";
import { refusedWith } from "./assertions";
import { createAlb, createTargetGroup, createWeightedListener } from "./elbv2Fixtures";
import { startTestServer, type TestServer } from "./harness";

const ACCOUNT = "111122223333";
const ADMIN = { accessKeyId: "AKIAELBADMIN0000001", secretAccessKey: "admin-secret" };
const READER = { accessKeyId: "AKIAELBREADER000001", secretAccessKey: "reader-secret" };
const SHIFTER = { accessKeyId: "AKIAELBSHIFTER00001", secretAccessKey: "shifter-secret" };
const CREDENTIALS_YAML = `
credentials:
  - accessKeyId: ${ADMIN.accessKeyId}
    secretAccessKey: ${ADMIN.secretAccessKey}
    accountId: "${ACCOUNT}"
    principalArn: arn:aws:iam::${ACCOUNT}:role/admin
    policies:
      - Statement:
          - { Effect: Allow, Action: "elasticloadbalancing:*", Resource: "*" }
  - accessKeyId: ${READER.accessKeyId}
    secretAccessKey: ${READER.secretAccessKey}
    accountId: "${ACCOUNT}"
    principalArn: arn:aws:iam::${ACCOUNT}:role/reader
    policies:
      - Statement:
          - { Effect: Allow, Action: "elasticloadbalancing:Describe*", Resource: "*" }
          - Effect: Allow
            Action: elasticloadbalancing:CreateTargetGroup
            Resource: "arn:aws:elasticloadbalancing:*:*:targetgroup/team-*/*"
          - Effect: Allow
            Action: elasticloadbalancing:AddTags
            Resource: "*"
            Condition:
              StringEquals:
                elasticloadbalancing:CreateAction: CreateTargetGroup
                aws:RequestTag/team: web
  - accessKeyId: ${SHIFTER.accessKeyId}
    secretAccessKey: ${SHIFTER.secretAccessKey}
    accountId: "${ACCOUNT}"
    principalArn: arn:aws:iam::${ACCOUNT}:role/shifter
    policies:
      - Statement:
          - Effect: Allow
            Action: elasticloadbalancing:ModifyListener
            Resource: "arn:aws:elasticloadbalancing:*:*:listener/app/prod-*/*"
          - Effect: Allow
            Action: elasticloadbalancing:ModifyTargetGroupAttributes
            Resource: "*"
            Condition:
              StringEquals:
                elasticloadbalancing:ResourceTag/team: web
`;

function elbFor(server: TestServer, credentials: { accessKeyId: string; secretAccessKey: string }): ElasticLoadBalancingV2Client {
  return new ElasticLoadBalancingV2Client({ endpoint: server.url, region: "us-east-1", credentials, maxAttempts: 1 });
}

describe("Elastic Load Balancing with --auth sigv4 and iam", () => {
  let dir = "";
  let server: TestServer;
  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "ecslite-elb-auth-"));
    writeFileSync(path.join(dir, "credentials.yaml"), CREDENTIALS_YAML);
    server = await startTestServer({ auth: "iam", credentialsFile: path.join(dir, "credentials.yaml") });
  });
  after(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("a request signed for elasticloadbalancing passes and lands in the credential's account", async () => {
    const arn = await createAlb(elbFor(server, ADMIN), "signed");
    assert.match(arn, new RegExp(`^arn:aws:elasticloadbalancing:us-east-1:${ACCOUNT}:loadbalancer/app/signed/`));
  });

  it("a wrong secret is SignatureDoesNotMatch, an unknown key InvalidClientTokenId, both 403", async () => {
    const wrong = await refusedWith(elbFor(server, { ...ADMIN, secretAccessKey: "wrong" }).send(new DescribeLoadBalancersCommand({})), "SignatureDoesNotMatch", /^The request signature we calculated does not match/);
    assert.equal(wrong.$metadata?.httpStatusCode, 403);
    const unknown = await refusedWith(elbFor(server, { accessKeyId: "AKIANOBODY", secretAccessKey: "x" }).send(new DescribeLoadBalancersCommand({})), "InvalidClientTokenId", /security token included in the request is invalid/);
    assert.equal(unknown.$metadata?.httpStatusCode, 403);
  });

  it("a form signed for another service is refused in ELB's form", async () => {
    const url = new URL(server.url);
    const body = "Action=DescribeLoadBalancers&Version=2015-12-01";
    const signer = new SignatureV4({ service: "sqs", region: "us-east-1", credentials: ADMIN, sha256: Hash.bind(null, "sha256") });
    const signed = await signer.sign({ method: "POST", protocol: "http:", hostname: url.hostname, port: Number(url.port), path: "/", headers: { host: url.host, "content-type": "application/x-www-form-urlencoded" }, body });
    const { host: _host, ...headers } = signed.headers as Record<string, string>;
    const response = await fetch(server.url, { method: "POST", headers, body });
    assert.equal(response.status, 403);
    assert.match(await response.text(), /<Code>SignatureDoesNotMatch<\/Code><Message>Credential should be scoped to correct service: 'elasticloadbalancing'\.<\/Message>/);
  });

  it("IAM: elasticloadbalancing:Describe* allows reading; a create outside the allowed names is AccessDenied (403)", async () => {
    const reader = elbFor(server, READER);
    assert.equal((await reader.send(new DescribeTargetGroupsCommand({}))).TargetGroups?.length, 0);
    const denied = await refusedWith(
      reader.send(new CreateTargetGroupCommand({ Name: "other", Protocol: "HTTP", Port: 80, VpcId: "vpc-1" })),
      "AccessDenied",
      new RegExp(`^User: arn:aws:iam::${ACCOUNT}:role/reader is not authorized to perform: elasticloadbalancing:CreateTargetGroup on resource: arn:aws:elasticloadbalancing:us-east-1:${ACCOUNT}:targetgroup/other/\\* because no identity-based policy allows the elasticloadbalancing:CreateTargetGroup action$`),
    );
    assert.equal(denied.$metadata?.httpStatusCode, 403);
    await reader.send(new CreateTargetGroupCommand({ Name: "team-a", Protocol: "HTTP", Port: 80, VpcId: "vpc-1" }));
  });

  it("IAM: tags on create need elasticloadbalancing:AddTags, with elasticloadbalancing:CreateAction", async () => {
    const reader = elbFor(server, READER);
    await reader.send(new CreateTargetGroupCommand({ Name: "team-b", Protocol: "HTTP", Port: 80, VpcId: "vpc-1", Tags: [{ Key: "team", Value: "web" }] }));
    await refusedWith(reader.send(new CreateTargetGroupCommand({ Name: "team-c", Protocol: "HTTP", Port: 80, VpcId: "vpc-1", Tags: [{ Key: "team", Value: "db" }] })), "AccessDenied", /elasticloadbalancing:AddTags on resource: .*targetgroup\/team-c\/\*/);
    await refusedWith(reader.send(new DescribeTargetGroupsCommand({ Names: ["team-c"] })), "TargetGroupNotFoundException");
  });

  it("IAM: resource ARNs and elasticloadbalancing:ResourceTag decide the changes a deploy role may make", async () => {
    const admin = elbFor(server, ADMIN);
    const shifter = elbFor(server, SHIFTER);
    const prod = await createAlb(admin, "prod-web");
    const staging = await createAlb(admin, "staging-web");
    const tg = await createTargetGroup(admin, "tagged-web", { Tags: [{ Key: "team", Value: "web" }] });
    const other = await createTargetGroup(admin, "tagged-db", { Tags: [{ Key: "team", Value: "db" }] });
    const prodListener = await createWeightedListener(admin, prod, [[tg, 1]]);
    const stagingListener = await createWeightedListener(admin, staging, [[other, 1]]);
    const actions = (arn: string) => [{ Type: "forward" as const, TargetGroupArn: arn }];
    await shifter.send(new ModifyListenerCommand({ ListenerArn: prodListener, DefaultActions: actions(tg) }));
    await refusedWith(shifter.send(new ModifyListenerCommand({ ListenerArn: stagingListener, DefaultActions: actions(other) })), "AccessDenied", /elasticloadbalancing:ModifyListener on resource: .*listener\/app\/staging-web\//);
    const attributes = [{ Key: "deregistration_delay.timeout_seconds", Value: "10" }];
    await shifter.send(new ModifyTargetGroupAttributesCommand({ TargetGroupArn: tg, Attributes: attributes }));
    await refusedWith(shifter.send(new ModifyTargetGroupAttributesCommand({ TargetGroupArn: other, Attributes: attributes })), "AccessDenied");
  });

  it("the resource each operation is checked against", () => {
    const scope = { account: ACCOUNT, region: "us-east-1" };
    const listener = `arn:aws:elasticloadbalancing:us-east-1:${ACCOUNT}:listener/app/web/0123456789abcdef/fedcba9876543210`;
    const lb = `arn:aws:elasticloadbalancing:us-east-1:${ACCOUNT}:loadbalancer/app/web/0123456789abcdef`;
    assert.deepEqual(elbv2AuthorizationTargets("CreateLoadBalancer", { Name: "web", Type: "network" }, scope).map((t) => t.resource), [`arn:aws:elasticloadbalancing:us-east-1:${ACCOUNT}:loadbalancer/net/web/*`]);
    assert.deepEqual(elbv2AuthorizationTargets("CreateListener", { LoadBalancerArn: lb, Tags: [{ Key: "k", Value: "v" }] }, scope).map((t) => [t.action, t.resource]), [
      ["elasticloadbalancing:CreateListener", lb],
      ["elasticloadbalancing:AddTags", `${lb.replace(":loadbalancer/", ":listener/")}/*`],
    ]);
    assert.deepEqual(elbv2AuthorizationTargets("CreateRule", { ListenerArn: listener }, scope).map((t) => t.resource), [listener]);
    assert.deepEqual(elbv2AuthorizationTargets("DescribeTargetHealth", { TargetGroupArn: "x" }, scope).map((t) => t.resource), ["*"]);
    assert.deepEqual(elbv2AuthorizationTargets("RemoveTags", { ResourceArns: [lb, listener], TagKeys: ["a"] }, scope).map((t) => [t.resource, t.context["aws:TagKeys"]]), [[lb, ["a"]], [listener, ["a"]]]);
  });
});
