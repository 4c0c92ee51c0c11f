// Pure Elastic Load Balancing rules, table-driven: target health on the clock, forward actions and
// their weights, attributes, ARNs, and the Query protocol's form decoding and XML.
import * as assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { XMLParser } from "fast-xml-parser";
import { checkActions, checkConditions, forwardedTargetGroups, forwardWeights, withForwardWeights } from "../src/domain/elbv2Actions";
import { elbArns, listenerArnOf, loadBalancerArnOf, parseElbArn } from "../src/domain/elbv2Arn";
import { applyAttributes, defaultAttributes, isRefusal, targetGroupAttributeSpecs, targetGroupNameProblem } from "../src/domain/elbv2Rules";
import type { TargetRecord } from "../src/domain/records";
import { targetHealthAt } from "../src/domain/targetHealth";
import { elbv2Model } from "../src/protocol/model";
import { parseForm, queryResponseXml } from "../src/protocol/query";

const TG = "arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/blue/0123456789abcdef";
const GREEN = "arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/green/0123456789abcdef";

describe("target health, the one definition", () => {
  const group = { HealthCheckIntervalSeconds: 10, HealthyThresholdCount: 3, UnhealthyThresholdCount: 2 };
  const target = (extra: Partial<TargetRecord> = {}): TargetRecord => ({ key: `${TG}#10.0.0.1:80`, targetGroupArn: TG, target: { Id: "10.0.0.1", Port: 80 }, registeredAt: 1_000_000, ...extra });
  const state = (t: TargetRecord, routedSince: number | undefined, now: number) => targetHealthAt(t, group, routedSince, now)?.health.State ?? "gone";

  test("states over time", () => {
    const cases: [string, TargetRecord, number | undefined, number, string][] = [
      ["not routed", target(), undefined, 5_000_000, "unused"],
      ["routed before registration: checks from registration", target(), 0, 1_000_000 + 29_999, "initial"],
      ["healthy after interval x healthy threshold", target(), 0, 1_000_000 + 30_000, "healthy"],
      ["routed after registration: checks from routing", target(), 2_000_000, 2_000_000 + 29_999, "initial"],
      ["failing: unhealthy after interval x unhealthy threshold", target({ failsHealthChecks: true }), 0, 1_000_000 + 20_000, "unhealthy"],
      ["failing, before that: initial", target({ failsHealthChecks: true }), 0, 1_000_000 + 19_999, "initial"],
      ["draining until the delay ends", target({ deregisteredAt: 3_000_000, drainedAt: 3_300_000 }), 0, 3_299_999, "draining"],
      ["gone after", target({ deregisteredAt: 3_000_000, drainedAt: 3_300_000 }), 0, 3_300_000, "gone"],
    ];
    for (const [what, t, routedSince, now, expected] of cases) assert.equal(state(t, routedSince, now), expected, what);
    assert.equal(targetHealthAt(target(), group, 0, 1_000_000)?.changesAt, 1_030_000, "when the state next changes");
    assert.equal(targetHealthAt(target(), { ...group, HealthCheckEnabled: false }, 0, 9_000_000)?.health.State, "unavailable");
  });

  test("property: a healthy target stays healthy as time passes; draining always ends", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e9 }), fc.integer({ min: 0, max: 1e9 }), fc.integer({ min: 0, max: 1e6 }), (routedSince, later, delay) => {
        const t = target({ registeredAt: 0 });
        const healthyAt = Math.max(0, routedSince) + 30_000;
        assert.equal(state(t, routedSince, healthyAt + later), "healthy");
        const drained = target({ deregisteredAt: later, drainedAt: later + delay });
        assert.equal(state(drained, routedSince, later + delay), "gone");
      }),
    );
  });
});

describe("forward actions", () => {
  test("a plain forward is normalized to a ForwardConfig of weight 1; several groups keep their weights", () => {
    const plain = checkActions([{ Type: "forward", TargetGroupArn: TG }], "defaultActions", { networkListener: false });
    assert.deepEqual(plain, [{ Type: "forward", TargetGroupArn: TG, ForwardConfig: { TargetGroups: [{ TargetGroupArn: TG, Weight: 1 }], TargetGroupStickinessConfig: { Enabled: false } } }]);
    const weighted = checkActions([{ Type: "forward", ForwardConfig: { TargetGroups: [{ TargetGroupArn: TG, Weight: 80 }, { TargetGroupArn: GREEN, Weight: 20 }] } }], "actions", { networkListener: false });
    assert.ok(!isRefusal(weighted));
    assert.equal(weighted[0].TargetGroupArn, undefined, "no TargetGroupArn when forwarding to several groups");
    assert.deepEqual(forwardedTargetGroups(weighted), [TG, GREEN]);
    assert.deepEqual([...forwardWeights(weighted)], [[TG, 80], [GREEN, 20]]);
  });

  test("withForwardWeights shifts traffic and adds groups, keeping the rest", () => {
    const start = [{ Type: "forward" as const, TargetGroupArn: TG }];
    const shifted = withForwardWeights(start, new Map([[TG, 0], [GREEN, 100]]));
    assert.deepEqual(shifted[0].ForwardConfig?.TargetGroups, [{ TargetGroupArn: TG, Weight: 0 }, { TargetGroupArn: GREEN, Weight: 100 }]);
    const back = withForwardWeights(shifted, new Map([[TG, 100]]));
    assert.deepEqual(back[0].ForwardConfig?.TargetGroups, [{ TargetGroupArn: TG, Weight: 100 }, { TargetGroupArn: GREEN, Weight: 100 }]);
  });

  test("refusals", () => {
    const refused = (actions: Parameters<typeof checkActions>[0], network = false) => {
      const result = checkActions(actions, "actions", { networkListener: network });
      return isRefusal(result) ? result.message : "accepted";
    };
    assert.match(refused([]), /At least one action/);
    assert.match(refused([{ Type: "forward" }]), /target group ARN must be specified/);
    assert.match(refused([{ Type: "forward", TargetGroupArn: TG, ForwardConfig: { TargetGroups: [{ TargetGroupArn: GREEN }] } }]), /must be the same target group/);
    assert.match(refused([{ Type: "forward", ForwardConfig: { TargetGroups: [{ TargetGroupArn: TG }, { TargetGroupArn: TG }] } }]), /more than once/);
    assert.match(refused([{ Type: "forward", ForwardConfig: { TargetGroups: Array.from({ length: 6 }, (_, i) => ({ TargetGroupArn: `${TG}${i}` })) } }]), /at most 5 target groups/);
    assert.match(refused([{ Type: "fixed-response", FixedResponseConfig: { StatusCode: "302" } }]), /regular expression/);
    assert.match(refused([{ Type: "fixed-response", FixedResponseConfig: { StatusCode: "503" } }], true), /Network Load Balancers/);
    assert.match(refused([{ Type: "forward", TargetGroupArn: TG, Order: 1 }, { Type: "fixed-response", FixedResponseConfig: { StatusCode: "503" }, Order: 2 }]), /Exactly one/);
    assert.match(refused([{ Type: "authenticate-oidc", Order: 2 }, { Type: "forward", TargetGroupArn: TG, Order: 1 }]), /must be the last action/);
  });

  test("conditions: one of each kind but http-header and query-string, at most five values", () => {
    const refused = (conditions: Parameters<typeof checkConditions>[0]) => {
      const result = checkConditions(conditions);
      return isRefusal(result) ? result.message : "accepted";
    };
    assert.equal(refused([{ Field: "host-header", HostHeaderConfig: { Values: ["a.example.com"] } }, { Field: "path-pattern", Values: ["/a"] }]), "accepted");
    assert.match(refused([{ Field: "path-pattern", Values: ["/a"] }, { Field: "path-pattern", Values: ["/b"] }]), /only one 'path-pattern'/);
    assert.match(refused([{ Field: "path-pattern", Values: ["/1", "/2", "/3", "/4", "/5", "/6"] }]), /at most 5 condition values/);
    assert.match(refused([{ Field: "http-header", HttpHeaderConfig: { Values: ["x"] } }]), /header name/);
  });
});

describe("attributes and names", () => {
  test("applyAttributes changes known keys, refuses unknown ones and bad values", () => {
    const specs = targetGroupAttributeSpecs("HTTP", "ip");
    const current = defaultAttributes(specs);
    const other = { known: new Set(["proxy_protocol_v2.enabled"]), unsupported: (k: string) => `not here: ${k}` };
    const changed = applyAttributes(current, [{ Key: "slow_start.duration_seconds", Value: "30" }], specs, "Target group", other);
    assert.ok(!isRefusal(changed));
    assert.equal(changed.find((a) => a.Key === "slow_start.duration_seconds")?.Value, "30");
    const message = (changes: { Key: string; Value: string }[]) => {
      const result = applyAttributes(current, changes, specs, "Target group", other);
      return isRefusal(result) ? `${result.error}: ${result.message}` : "accepted";
    };
    assert.match(message([{ Key: "slow_start.duration_seconds", Value: "10" }]), /must be 0 or from 30 to 900/);
    assert.match(message([{ Key: "stickiness.enabled", Value: "yes" }]), /invalid value 'yes'/);
    assert.match(message([{ Key: "proxy_protocol_v2.enabled", Value: "true" }]), /^InvalidConfigurationRequest: not here/);
    assert.match(message([{ Key: "x", Value: "1" }]), /^ValidationError: Target group attribute key 'x' is not recognized$/);
    assert.equal(message([{ Key: "slow_start.duration_seconds", Value: "0" }]), "accepted");
  });

  test("target group names", () => {
    assert.equal(targetGroupNameProblem("blue-1"), undefined);
    for (const bad of ["", "-a", "a-", "a_b", "a".repeat(33)]) assert.ok(targetGroupNameProblem(bad), bad);
  });

  test("ARNs: formed, parsed, and their owners", () => {
    const scope = { account: "000000000000", region: "us-east-1" };
    const lb = elbArns.loadBalancer(scope, "application", "web", "0123456789abcdef");
    const listener = elbArns.listener(lb, "fedcba9876543210");
    const rule = elbArns.rule(listener, "0000000000000001");
    assert.equal(listener, "arn:aws:elasticloadbalancing:us-east-1:000000000000:listener/app/web/0123456789abcdef/fedcba9876543210");
    assert.equal(loadBalancerArnOf(rule), lb);
    assert.equal(listenerArnOf(rule), listener);
    assert.equal(parseElbArn(lb, "targetgroup"), undefined);
    assert.equal(parseElbArn(`${lb}/extra`), undefined);
    assert.equal(parseElbArn("arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/a//b"), undefined);
  });
});

describe("the Query protocol's pieces", () => {
  test("parseForm decodes + and percent escapes and refuses bad ones", () => {
    assert.deepEqual(parseForm("a=b+c&d=%E2%9C%93&e&=x&&f="), [["a", "b c"], ["d", "✓"], ["e", ""], ["", "x"], ["f", ""]]);
    assert.throws(() => parseForm("a=%zz"), /MalformedQueryString|not valid percent-encoded/);
  });

  test("the XML of an output follows the output structure: members in model order, lists as member", () => {
    const operation = elbv2Model().operations.get("DescribeTargetHealth");
    assert.ok(operation);
    const text = queryResponseXml("urn:x", operation, { TargetHealthDescriptions: [{ TargetHealth: { State: "healthy" }, Target: { Id: "a&b", Port: 80 }, Unknown: "dropped" }] }, "rid");
    assert.equal(
      text,
      '<DescribeTargetHealthResponse xmlns="urn:x"><DescribeTargetHealthResult><TargetHealthDescriptions><member><Target><Id>a&amp;b</Id><Port>80</Port></Target><TargetHealth><State>healthy</State></TargetHealth></member></TargetHealthDescriptions></DescribeTargetHealthResult><ResponseMetadata><RequestId>rid</RequestId></ResponseMetadata></DescribeTargetHealthResponse>',
    );
    assert.ok(new XMLParser().parse(text));
  });
});
