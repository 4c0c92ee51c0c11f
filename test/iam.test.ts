// Table-driven tests of IAM identity-policy evaluation and of which resource each operation is checked against.
import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { accessDeniedMessage, type AuthorizationRequest, decisionKey, evaluate, type Policy, PolicyDecisions, readsResourceTags, wildcardMatch } from "../src/domain/iam";
import { ecsAuthorizationTargets } from "../src/domain/resources";

const TS_PROD = "arn:aws:ecs:us-east-1:111122223333:task-set/prod/web/ecs-svc/1234567890123456789";
const TS_STAGING = "arn:aws:ecs:us-east-1:111122223333:task-set/staging/web/ecs-svc/1234567890123456789";
const allow = (Action: string | string[], Resource: string | string[] = "*", Condition?: Record<string, Record<string, string | string[]>>): Policy => ({
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Action, Resource, ...(Condition ? { Condition } : {}) }],
});
const deny = (Action: string | string[], Resource: string | string[] = "*"): Policy => ({ Statement: { Effect: "Deny", Action, Resource } });
const request = (action: string, resource: string, context: AuthorizationRequest["context"] = {}): AuthorizationRequest => ({ action, resource, context });

describe("wildcards", () => {
  const cases: [string, string, boolean, boolean][] = [
    ["ecs:*", "ecs:UpdateTaskSet", true, true],
    ["ecs:Update*", "ecs:UpdateTaskSet", true, true],
    ["ecs:update*", "ecs:UpdateTaskSet", true, false],
    ["ecs:Describe?askSets", "ecs:DescribeTaskSets", true, true],
    ["ecs:Describe*", "ecs:UpdateTaskSet", false, false],
    ["arn:aws:ecs:*:*:task-set/prod/*", TS_PROD, true, true],
    ["arn:aws:ecs:*:*:task-set/prod/*", TS_STAGING, false, false],
    ["a.b", "axb", false, false],
  ];
  for (const [pattern, value, ignoringCase, exact] of cases) {
    it(`${pattern} ~ ${value}`, () => {
      assert.equal(wildcardMatch(pattern, value, true), ignoringCase);
      assert.equal(wildcardMatch(pattern, value), exact);
    });
  }
});

describe("evaluate", () => {
  const cases: { name: string; policies: Policy[]; request: AuthorizationRequest; expected: string }[] = [
    { name: "no policy: implicit deny", policies: [], request: request("ecs:ListClusters", "*"), expected: "ImplicitDeny" },
    { name: "ecs:* allows", policies: [allow("ecs:*")], request: request("ecs:ListClusters", "*"), expected: "Allow" },
    { name: "Action is case-insensitive", policies: [allow("ECS:listclusters")], request: request("ecs:ListClusters", "*"), expected: "Allow" },
    { name: "resource scoped to prod allows prod", policies: [allow("ecs:UpdateTaskSet", "arn:aws:ecs:*:*:task-set/prod/*")], request: request("ecs:UpdateTaskSet", TS_PROD), expected: "Allow" },
    { name: "resource scoped to prod denies staging", policies: [allow("ecs:UpdateTaskSet", "arn:aws:ecs:*:*:task-set/prod/*")], request: request("ecs:UpdateTaskSet", TS_STAGING), expected: "ImplicitDeny" },
    { name: "other action not allowed", policies: [allow("ecs:UpdateTaskSet")], request: request("ecs:DeleteTaskSet", TS_PROD), expected: "ImplicitDeny" },
    { name: "explicit deny wins over allow", policies: [allow("ecs:*"), deny("ecs:DeleteTaskSet")], request: request("ecs:DeleteTaskSet", TS_PROD), expected: "ExplicitDeny" },
    { name: "NotAction allows everything else", policies: [{ Statement: { Effect: "Allow", NotAction: "ecs:Delete*", Resource: "*" } }], request: request("ecs:UpdateTaskSet", TS_PROD), expected: "Allow" },
    { name: "NotAction excludes", policies: [{ Statement: { Effect: "Allow", NotAction: "ecs:Delete*", Resource: "*" } }], request: request("ecs:DeleteService", "*"), expected: "ImplicitDeny" },
    { name: "NotResource", policies: [{ Statement: { Effect: "Deny", Action: "ecs:*", NotResource: "arn:aws:ecs:*:*:task-set/prod/*" } }, allow("ecs:*")], request: request("ecs:UpdateTaskSet", TS_STAGING), expected: "ExplicitDeny" },
    { name: "StringEquals ecs:cluster matches", policies: [allow("ecs:ListServices", "*", { StringEquals: { "ecs:cluster": "arn:aws:ecs:us-east-1:111122223333:cluster/prod" } })], request: request("ecs:ListServices", "*", { "ecs:cluster": "arn:aws:ecs:us-east-1:111122223333:cluster/prod" }), expected: "Allow" },
    { name: "StringEquals ecs:cluster differs", policies: [allow("ecs:ListServices", "*", { StringEquals: { "ecs:cluster": "arn:aws:ecs:us-east-1:111122223333:cluster/prod" } })], request: request("ecs:ListServices", "*", { "ecs:cluster": "arn:aws:ecs:us-east-1:111122223333:cluster/dev" }), expected: "ImplicitDeny" },
    { name: "ArnLike ecs:service", policies: [allow("ecs:UpdateService", "*", { ArnLike: { "ecs:service": "arn:aws:ecs:*:*:service/prod/*" } })], request: request("ecs:UpdateService", "x", { "ecs:service": "arn:aws:ecs:us-east-1:1:service/prod/web" }), expected: "Allow" },
    { name: "missing key fails a condition", policies: [allow("ecs:UpdateService", "*", { StringEquals: { "aws:ResourceTag/team": "payments" } })], request: request("ecs:UpdateService", "x"), expected: "ImplicitDeny" },
    { name: "IfExists passes a missing key", policies: [allow("ecs:UpdateService", "*", { StringEqualsIfExists: { "aws:ResourceTag/team": "payments" } })], request: request("ecs:UpdateService", "x"), expected: "Allow" },
    { name: "aws:ResourceTag matches", policies: [allow("ecs:UpdateService", "*", { StringEquals: { "aws:ResourceTag/team": "payments" } })], request: request("ecs:UpdateService", "x", { "aws:ResourceTag/team": "payments" }), expected: "Allow" },
    { name: "aws:RequestTag with StringLike", policies: [allow("ecs:CreateCluster", "*", { StringLike: { "aws:RequestTag/env": "dev-*" } })], request: request("ecs:CreateCluster", "x", { "aws:RequestTag/env": "dev-1" }), expected: "Allow" },
    { name: "ForAllValues aws:TagKeys within the set", policies: [allow("ecs:TagResource", "*", { "ForAllValues:StringEquals": { "aws:TagKeys": ["env", "team"] } })], request: request("ecs:TagResource", "x", { "aws:TagKeys": ["env"] }), expected: "Allow" },
    { name: "ForAllValues aws:TagKeys outside the set", policies: [allow("ecs:TagResource", "*", { "ForAllValues:StringEquals": { "aws:TagKeys": ["env", "team"] } })], request: request("ecs:TagResource", "x", { "aws:TagKeys": ["env", "owner"] }), expected: "ImplicitDeny" },
    { name: "ForAnyValue aws:TagKeys", policies: [{ Statement: { Effect: "Deny", Action: "ecs:TagResource", Resource: "*", Condition: { "ForAnyValue:StringEquals": { "aws:TagKeys": ["owner"] } } } }, allow("ecs:*")], request: request("ecs:TagResource", "x", { "aws:TagKeys": ["env", "owner"] }), expected: "ExplicitDeny" },
    { name: "StringNotEquals", policies: [allow("ecs:*", "*", { StringNotEquals: { "aws:RequestedRegion": "eu-west-1" } })], request: request("ecs:ListClusters", "*", { "aws:RequestedRegion": "us-east-1" }), expected: "Allow" },
    { name: "Null true on a missing key", policies: [allow("ecs:CreateCluster", "*", { Null: { "aws:RequestTag/env": "true" } })], request: request("ecs:CreateCluster", "x"), expected: "Allow" },
    { name: "StringNotEquals holds on a missing key (IAM: the values do not match)", policies: [{ Statement: { Effect: "Deny", Action: "ecs:*", Resource: "*", Condition: { StringNotEquals: { "aws:ResourceTag/team": "payments" } } } }, allow("ecs:*")], request: request("ecs:UpdateService", "x"), expected: "ExplicitDeny" },
    { name: "StringNotEquals on a matching key does not hold", policies: [{ Statement: { Effect: "Deny", Action: "ecs:*", Resource: "*", Condition: { StringNotEquals: { "aws:ResourceTag/team": "payments" } } } }, allow("ecs:*")], request: request("ecs:UpdateService", "x", { "aws:ResourceTag/team": "payments" }), expected: "Allow" },
    { name: "ArnNotLike holds on a missing key", policies: [allow("ecs:*", "*", { ArnNotLike: { "ecs:cluster": "arn:aws:ecs:*:*:cluster/prod" } })], request: request("ecs:ListClusters", "*"), expected: "Allow" },
    { name: "ForAnyValue fails on a missing key", policies: [allow("ecs:CreateCluster", "*", { "ForAnyValue:StringEquals": { "aws:TagKeys": ["env"] } })], request: request("ecs:CreateCluster", "x"), expected: "ImplicitDeny" },
    { name: "ForAllValues holds on a missing key", policies: [allow("ecs:CreateCluster", "*", { "ForAllValues:StringEquals": { "aws:TagKeys": ["env"] } })], request: request("ecs:CreateCluster", "x"), expected: "Allow" },
    { name: "Null false on a present key", policies: [allow("ecs:CreateCluster", "*", { Null: { "aws:RequestTag/env": "false" } })], request: request("ecs:CreateCluster", "x", { "aws:RequestTag/env": "dev" }), expected: "Allow" },
    { name: "condition key names are case-insensitive", policies: [allow("ecs:ListServices", "*", { StringEquals: { "ECS:Cluster": "c" } })], request: request("ecs:ListServices", "*", { "ecs:cluster": "c" }), expected: "Allow" },
    { name: "several keys in one operator must all hold", policies: [allow("ecs:*", "*", { StringEquals: { "aws:RequestedRegion": "us-east-1", "ecs:cluster": "c" } })], request: request("ecs:ListServices", "*", { "aws:RequestedRegion": "us-east-1", "ecs:cluster": "d" }), expected: "ImplicitDeny" },
    { name: "a deny whose condition does not hold leaves the allow", policies: [{ Statement: [{ Effect: "Deny", Action: "ecs:*", Resource: "*", Condition: { StringEquals: { "aws:ResourceTag/env": "prod" } } }, { Effect: "Allow", Action: "ecs:*", Resource: "*" }] }], request: request("ecs:DeleteService", "x", { "aws:ResourceTag/env": "dev" }), expected: "Allow" },
    { name: "Resource wildcards are case-sensitive", policies: [allow("ecs:UpdateTaskSet", "arn:aws:ecs:*:*:task-set/Prod/*")], request: request("ecs:UpdateTaskSet", TS_PROD), expected: "ImplicitDeny" },
    { name: "Resource '*' does not match a literal ARN pattern of another type", policies: [allow("ecs:UpdateTaskSet", "arn:aws:ecs:*:*:service/prod/*")], request: request("ecs:UpdateTaskSet", TS_PROD), expected: "ImplicitDeny" },
    { name: "an unknown set qualifier fails closed", policies: [allow("ecs:*", "*", { "ForSomeValues:StringEquals": { "aws:TagKeys": ["env"] } })], request: request("ecs:TagResource", "x", { "aws:TagKeys": ["env"] }), expected: "ImplicitDeny" },
    { name: "an unknown operator fails closed", policies: [allow("ecs:*", "*", { StringSortOf: { "aws:RequestedRegion": "us" } })], request: request("ecs:ListClusters", "*", { "aws:RequestedRegion": "us-east-1" }), expected: "ImplicitDeny" },
  ];
  for (const c of cases) {
    it(c.name, () => assert.equal(evaluate(c.policies, c.request), c.expected));
  }

  it("knows when resource tags are needed", () => {
    assert.equal(readsResourceTags([allow("ecs:*")]), false);
    assert.equal(readsResourceTags([allow("ecs:*", "*", { StringEquals: { "aws:ResourceTag/team": "x" } })]), true);
    assert.equal(readsResourceTags([allow("ecs:*", "*", { StringEquals: { "ecs:ResourceTag/team": "x" } })]), true);
  });

  it("words refusals as AWS does", () => {
    assert.equal(
      accessDeniedMessage("arn:aws:iam::111122223333:role/deploy", "ecs:UpdateTaskSet", TS_STAGING, "ImplicitDeny"),
      `User: arn:aws:iam::111122223333:role/deploy is not authorized to perform: ecs:UpdateTaskSet on resource: ${TS_STAGING} because no identity-based policy allows the ecs:UpdateTaskSet action`,
    );
    assert.match(accessDeniedMessage("p", "ecs:X", "r", "ExplicitDeny"), /with an explicit deny in an identity-based policy$/);
  });
});

describe("authorization targets", () => {
  const scope = { account: "111122223333", region: "us-east-1" };
  const cases: [string, Record<string, unknown>, string[]][] = [
    ["UpdateTaskSet", { cluster: "prod", service: "web", taskSet: "ecs-svc/1234567890123456789" }, [TS_PROD]],
    ["UpdateTaskSet", { cluster: "arn:aws:ecs:us-east-1:111122223333:cluster/prod", service: "arn:aws:ecs:us-east-1:111122223333:service/prod/web", taskSet: TS_PROD }, [TS_PROD]],
    ["DescribeClusters", {}, ["arn:aws:ecs:us-east-1:111122223333:cluster/default"]],
    ["DescribeServices", { cluster: "prod", services: ["a", "b"] }, ["arn:aws:ecs:us-east-1:111122223333:service/prod/a", "arn:aws:ecs:us-east-1:111122223333:service/prod/b"]],
    ["CreateService", { cluster: "prod", serviceName: "web" }, ["arn:aws:ecs:us-east-1:111122223333:service/prod/web"]],
    ["StopTask", { cluster: "prod", task: "abc" }, ["arn:aws:ecs:us-east-1:111122223333:task/prod/abc"]],
    ["RunTask", { cluster: "prod", taskDefinition: "web:3" }, ["arn:aws:ecs:us-east-1:111122223333:task-definition/web:3"]],
    ["ListClusters", {}, ["*"]],
    ["CreateTaskSet", { cluster: "prod", service: "web", taskDefinition: "web" }, ["arn:aws:ecs:us-east-1:111122223333:task-set/prod/web/*"]],
    ["DescribeTaskSets", { cluster: "prod", service: "web" }, ["arn:aws:ecs:us-east-1:111122223333:task-set/prod/web/*"]],
    ["DescribeTaskSets", { cluster: "prod", service: "web", taskSets: ["ecs-svc/1234567890123456789", TS_STAGING] }, [TS_PROD, TS_STAGING]],
    ["DeleteTaskSet", { cluster: "prod", service: "arn:aws:ecs:us-east-1:111122223333:service/prod/web", taskSet: "ecs-svc/1234567890123456789" }, [TS_PROD]],
    ["UpdateServicePrimaryTaskSet", { cluster: "prod", service: "web", primaryTaskSet: "ecs-svc/1" }, ["arn:aws:ecs:us-east-1:111122223333:service/prod/web"]],
    ["DeregisterContainerInstance", { cluster: "prod", containerInstance: "abc" }, ["arn:aws:ecs:us-east-1:111122223333:cluster/prod"]],
    ["PutAttributes", { cluster: "prod", attributes: [{ name: "a", targetId: "i1" }, { name: "b", targetId: "i1" }] }, ["arn:aws:ecs:us-east-1:111122223333:container-instance/prod/i1"]],
    ["ListTasks", { cluster: "prod" }, ["arn:aws:ecs:us-east-1:111122223333:container-instance/prod/*"]],
    ["RunTask", { cluster: "prod", taskDefinition: "web" }, ["arn:aws:ecs:us-east-1:111122223333:task-definition/web:*"]],
    ["RegisterTaskDefinition", { family: "web" }, ["arn:aws:ecs:us-east-1:111122223333:task-definition/web:*"]],
    ["DeleteTaskDefinitions", { taskDefinitions: ["web:1", "arn:aws:ecs:us-east-1:111122223333:task-definition/api:2"] }, ["arn:aws:ecs:us-east-1:111122223333:task-definition/web:1", "arn:aws:ecs:us-east-1:111122223333:task-definition/api:2"]],
    ["DescribeCapacityProviders", { capacityProviders: ["FARGATE"] }, ["arn:aws:ecs:us-east-1:111122223333:capacity-provider/FARGATE"]],
    ["DeleteCapacityProvider", { capacityProvider: "cp" }, ["arn:aws:ecs:us-east-1:111122223333:capacity-provider/cp"]],
    ["ListTaskDefinitions", {}, ["*"]],
  ];
  for (const [operation, input, expected] of cases) {
    it(`${operation} ${JSON.stringify(input)}`, () => {
      assert.deepEqual(
        ecsAuthorizationTargets(operation, input, scope).map((t) => t.resource),
        expected,
      );
    });
  }

  it("task-set operations carry ecs:cluster and ecs:service; tagging carries aws:RequestTag and aws:TagKeys", () => {
    const [target] = ecsAuthorizationTargets("UpdateTaskSet", { cluster: "prod", service: "web", taskSet: "ecs-svc/1" }, scope);
    assert.equal(target.context["ecs:cluster"], "arn:aws:ecs:us-east-1:111122223333:cluster/prod");
    assert.equal(target.context["ecs:service"], "arn:aws:ecs:us-east-1:111122223333:service/prod/web");
    const [tagging] = ecsAuthorizationTargets("TagResource", { resourceArn: "arn:x", tags: [{ key: "env", value: "dev" }] }, scope);
    assert.deepEqual(tagging.context, { "aws:RequestTag/env": "dev", "aws:TagKeys": ["env"] });
  });

  it("service operations carry ecs:cluster but not ecs:service, as AWS lists them", () => {
    const [target] = ecsAuthorizationTargets("UpdateService", { cluster: "prod", service: "web" }, scope);
    assert.deepEqual(target.context, { "ecs:cluster": "arn:aws:ecs:us-east-1:111122223333:cluster/prod" });
  });

  it("creating with tags also needs ecs:TagResource on the new resource, with ecs:CreateAction", () => {
    const untagged = ecsAuthorizationTargets("CreateCluster", { clusterName: "c" }, scope);
    assert.deepEqual(untagged.map((t) => t.action), ["ecs:CreateCluster"]);
    const tagged = ecsAuthorizationTargets("CreateCluster", { clusterName: "c", tags: [{ key: "env", value: "dev" }] }, scope);
    assert.deepEqual(
      tagged.map((t) => [t.action, t.resource]),
      [
        ["ecs:CreateCluster", "arn:aws:ecs:us-east-1:111122223333:cluster/c"],
        ["ecs:TagResource", "arn:aws:ecs:us-east-1:111122223333:cluster/c"],
      ],
    );
    assert.deepEqual(tagged[1].context, { "aws:RequestTag/env": "dev", "aws:TagKeys": ["env"], "ecs:CreateAction": "CreateCluster" });
    const run = ecsAuthorizationTargets("RunTask", { cluster: "prod", taskDefinition: "web:3", tags: [{ key: "k", value: "v" }] }, scope);
    assert.deepEqual(run.map((t) => t.resource), ["arn:aws:ecs:us-east-1:111122223333:task-definition/web:3", "arn:aws:ecs:us-east-1:111122223333:task/prod/*"]);
  });

  it("account settings carry ecs:account-setting; PutClusterCapacityProviders ecs:capacity-provider", () => {
    assert.deepEqual(ecsAuthorizationTargets("PutAccountSetting", { name: "containerInsights", value: "enabled" }, scope)[0].context, { "ecs:account-setting": "containerInsights" });
    assert.deepEqual(ecsAuthorizationTargets("PutClusterCapacityProviders", { cluster: "prod", capacityProviders: ["FARGATE"] }, scope)[0].context, {
      "ecs:capacity-provider": ["arn:aws:ecs:us-east-1:111122223333:capacity-provider/FARGATE"],
    });
  });
});

describe("remembered decisions", () => {
  const policies: Policy[] = [
    allow("ecs:Describe*", "arn:aws:ecs:*:*:cluster/*", { StringEquals: { "aws:RequestedRegion": "us-east-1" } }),
    allow("ecs:UpdateService", "*", { StringEquals: { "aws:ResourceTag/team": "payments" } }),
    allow("ecs:TagResource", "*", { "ForAllValues:StringEquals": { "aws:TagKeys": ["env", "team"] } }),
    { Statement: { Effect: "Deny", Action: "ecs:*", Resource: "*", Condition: { Null: { "aws:PrincipalTag/owner": "false" } } } },
  ];
  const CLUSTER = "arn:aws:ecs:us-east-1:111122223333:cluster/prod";

  it("a request that differs in any part of its context is decided afresh", () => {
    const decisions = new PolicyDecisions(policies);
    const pairs: [string, AuthorizationRequest, AuthorizationRequest][] = [
      ["another region", request("ecs:DescribeClusters", CLUSTER, { "aws:RequestedRegion": "us-east-1" }), request("ecs:DescribeClusters", CLUSTER, { "aws:RequestedRegion": "eu-west-1" })],
      ["a resource tag changed", request("ecs:UpdateService", CLUSTER, { "aws:ResourceTag/team": "payments" }), request("ecs:UpdateService", CLUSTER, { "aws:ResourceTag/team": "web" })],
      ["a resource tag gone", request("ecs:UpdateService", CLUSTER, { "aws:ResourceTag/team": "payments" }), request("ecs:UpdateService", CLUSTER, {})],
      ["one more tag key", request("ecs:TagResource", CLUSTER, { "aws:TagKeys": ["env"] }), request("ecs:TagResource", CLUSTER, { "aws:TagKeys": ["env", "owner"] })],
      ["a key added", request("ecs:DescribeClusters", CLUSTER, { "aws:RequestedRegion": "us-east-1" }), request("ecs:DescribeClusters", CLUSTER, { "aws:RequestedRegion": "us-east-1", "aws:PrincipalTag/owner": "x" })],
      ["another action", request("ecs:DescribeClusters", CLUSTER, { "aws:RequestedRegion": "us-east-1" }), request("ecs:DeleteCluster", CLUSTER, { "aws:RequestedRegion": "us-east-1" })],
      ["another resource", request("ecs:DescribeClusters", CLUSTER, { "aws:RequestedRegion": "us-east-1" }), request("ecs:DescribeClusters", "arn:aws:ecs:us-east-1:111122223333:service/prod/web", { "aws:RequestedRegion": "us-east-1" })],
    ];
    for (const [what, first, second] of pairs) {
      assert.notEqual(evaluate(policies, first), evaluate(policies, second), `${what}: the pair must decide differently`);
      for (const [a, b] of [[first, second], [second, first]]) {
        assert.equal(decisions.decide(a), evaluate(policies, a), what);
        assert.equal(decisions.decide(b), evaluate(policies, b), `${what}: a remembered decision was reused`);
      }
    }
  });

  it("decides every request as evaluate() does, remembered or not, also when full", () => {
    const text = fc.constantFrom("", "a", "1:", ":a", "s1:", "us-east-1", "eu-west-1", "payments", "env", "team");
    const key = fc.constantFrom("aws:RequestedRegion", "aws:requestedregion", "aws:ResourceTag/team", "aws:TagKeys", "aws:PrincipalTag/owner", "1:a");
    const value = fc.oneof(text, fc.array(text, { maxLength: 3 }), fc.constant(undefined));
    const anyRequest = fc.record({
      action: fc.constantFrom("ecs:DescribeClusters", "ecs:UpdateService", "ecs:TagResource", "ecs:DeleteCluster"),
      resource: fc.constantFrom("*", CLUSTER, "arn:aws:ecs:us-east-1:111122223333:service/prod/web"),
      context: fc.array(fc.tuple(key, value), { maxLength: 4 }).map((entries) => Object.fromEntries(entries)),
    });
    fc.assert(
      fc.property(fc.array(anyRequest, { minLength: 1, maxLength: 30 }), fc.integer({ min: 1, max: 8 }), (requests, capacity) => {
        const decisions = new PolicyDecisions(policies, capacity);
        for (const r of [...requests, ...requests]) assert.equal(decisions.decide(r), evaluate(policies, r));
      }),
      { numRuns: 300 },
    );
  });

  it("two requests share a key only when action, resource and every context entry (in order) are the same", () => {
    const text = fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom("1:", "s1:a", "l1:", "u", ":"));
    const anyRequest = fc.record({ action: text, resource: text, context: fc.array(fc.tuple(text, fc.oneof(text, fc.array(text, { maxLength: 3 }), fc.constant(undefined))), { maxLength: 3 }).map((e) => Object.fromEntries(e)) });
    fc.assert(
      fc.property(anyRequest, anyRequest, (a, b) => {
        if (decisionKey(a) === decisionKey(b)) {
          assert.equal(a.action, b.action);
          assert.equal(a.resource, b.resource);
          assert.deepEqual(Object.entries(a.context), Object.entries(b.context));
        }
      }),
      { numRuns: 2000 },
    );
    assert.notEqual(decisionKey(request("a", "b", { k: "v" })), decisionKey(request("a", "b", { k: ["v"] })));
    assert.notEqual(decisionKey(request("a", "b", { k: undefined })), decisionKey(request("a", "b", {})));
  });
});

