// Elastic Load Balancing v2 through @aws-sdk/client-elastic-load-balancing-v2, as a user calls it:
// load balancers, target groups, targets and their health on the virtual clock, listeners, rules,
// tags; ELB's error codes and messages.
import * as assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  AddTagsCommand,
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateRuleCommand,
  CreateTargetGroupCommand,
  DeleteListenerCommand,
  DeleteLoadBalancerCommand,
  DeleteRuleCommand,
  DeleteTargetGroupCommand,
  DeregisterTargetsCommand,
  DescribeListenersCommand,
  DescribeLoadBalancerAttributesCommand,
  DescribeLoadBalancersCommand,
  DescribeRulesCommand,
  DescribeTagsCommand,
  DescribeTargetGroupAttributesCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  type ElasticLoadBalancingV2Client,
  ModifyListenerCommand,
  ModifyLoadBalancerAttributesCommand,
  ModifyRuleCommand,
  ModifyTargetGroupAttributesCommand,
  ModifyTargetGroupCommand,
  RegisterTargetsCommand,
  RemoveTagsCommand,
  SetRulePrioritiesCommand,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { refusedWith } from "./assertions";
import { createAlb, createTargetGroup, createWeightedListener, VPC } from "./elbv2Fixtures";
import { startTestServer, type TestServer } from "./harness";

const ARN = /^arn:aws:elasticloadbalancing:us-east-1:000000000000:/;

describe("Elastic Load Balancing", () => {
  let server: TestServer;
  let elb: ElasticLoadBalancingV2Client;
  before(async () => {
    server = await startTestServer();
    elb = server.elb();
  });
  after(() => server.close());

  async function health(targetGroupArn: string) {
    const out = await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: targetGroupArn }));
    return (out.TargetHealthDescriptions ?? []).map((d) => `${d.Target?.Id}:${d.Target?.Port}=${d.TargetHealth?.State}`).sort();
  }

  describe("load balancers", () => {
    test("an application load balancer is created provisioning and then described active, with a zone per subnet", async () => {
      const created = await elb.send(new CreateLoadBalancerCommand({ Name: "shop", Subnets: ["subnet-aaaa1111", "subnet-bbbb2222"], Scheme: "internal" }));
      const lb = created.LoadBalancers?.[0];
      assert.match(lb?.LoadBalancerArn ?? "", /^arn:aws:elasticloadbalancing:us-east-1:000000000000:loadbalancer\/app\/shop\/[0-9a-f]{16}$/);
      assert.deepEqual([lb?.Type, lb?.Scheme, lb?.State?.Code, lb?.IpAddressType], ["application", "internal", "provisioning", "ipv4"]);
      assert.match(lb?.DNSName ?? "", /^internal-shop-\d+\.us-east-1\.elb\.amazonaws\.com$/);
      assert.deepEqual(lb?.AvailabilityZones?.map((z) => [z.ZoneName, z.SubnetId]), [["us-east-1a", "subnet-aaaa1111"], ["us-east-1b", "subnet-bbbb2222"]]);
      assert.ok(lb?.CreatedTime instanceof Date);
      assert.equal(lb?.SecurityGroups?.length, 1, "an application load balancer gets the VPC's default security group");
      const described = await elb.send(new DescribeLoadBalancersCommand({ Names: ["shop"] }));
      assert.equal(described.LoadBalancers?.[0]?.State?.Code, "active");
    });

    test("CreateLoadBalancer is idempotent; the same name with other settings is DuplicateLoadBalancerName", async () => {
      const first = await elb.send(new CreateLoadBalancerCommand({ Name: "twice", Subnets: ["subnet-aaaa1111", "subnet-bbbb2222"] }));
      const again = await elb.send(new CreateLoadBalancerCommand({ Name: "twice", Subnets: ["subnet-bbbb2222", "subnet-aaaa1111"] }));
      assert.equal(again.LoadBalancers?.[0]?.LoadBalancerArn, first.LoadBalancers?.[0]?.LoadBalancerArn);
      await refusedWith(
        elb.send(new CreateLoadBalancerCommand({ Name: "twice", Subnets: ["subnet-aaaa1111", "subnet-bbbb2222"], Scheme: "internal" })),
        "DuplicateLoadBalancerNameException",
        /^A load balancer with the same name 'twice' exists, but with different settings$/,
      );
    });

    test("names, subnets and types are refused in ELB's words", async () => {
      await refusedWith(elb.send(new CreateLoadBalancerCommand({ Name: "a".repeat(33), Subnets: ["subnet-a", "subnet-b"] })), "ValidationError", /cannot be longer than '32' characters/);
      await refusedWith(elb.send(new CreateLoadBalancerCommand({ Name: "under_score", Subnets: ["subnet-a", "subnet-b"] })), "ValidationError", /alphanumeric characters or hyphens/);
      await refusedWith(elb.send(new CreateLoadBalancerCommand({ Name: "internal-x", Subnets: ["subnet-a", "subnet-b"] })), "ValidationError", /cannot begin with 'internal-'/);
      await refusedWith(elb.send(new CreateLoadBalancerCommand({ Name: "one", Subnets: ["subnet-a"] })), "ValidationError", /^At least two subnets in two different Availability Zones must be specified$/);
      await refusedWith(elb.send(new CreateLoadBalancerCommand({ Name: "gwy", Subnets: ["subnet-a"], Type: "gateway" })), "OperationNotPermittedException", /gateway load balancers are not supported/);
      const nlb = await elb.send(new CreateLoadBalancerCommand({ Name: "tcp", Subnets: ["subnet-a"], Type: "network" }));
      assert.match(nlb.LoadBalancers?.[0]?.LoadBalancerArn ?? "", /:loadbalancer\/net\/tcp\/[0-9a-f]{16}$/);
      assert.equal(nlb.LoadBalancers?.[0]?.SecurityGroups, undefined);
    });

    test("DescribeLoadBalancers: missing names and malformed or unknown ARNs are refused as ELB refuses them", async () => {
      await refusedWith(elb.send(new DescribeLoadBalancersCommand({ Names: ["shop", "nope", "gone"] })), "LoadBalancerNotFoundException", /^Load balancers '\[nope, gone\]' not found$/);
      await refusedWith(elb.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: ["shop"] })), "ValidationError", /^'shop' is not a valid load balancer ARN$/);
      const unknown = "arn:aws:elasticloadbalancing:us-east-1:000000000000:loadbalancer/app/nope/0123456789abcdef";
      await refusedWith(elb.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: [unknown] })), "LoadBalancerNotFoundException", /^One or more load balancers not found$/);
      await refusedWith(elb.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: [unknown], Names: ["shop"] })), "ValidationError", /cannot be specified at the same time/);
    });

    test("DescribeLoadBalancers pages with PageSize and NextMarker", async () => {
      const all = (await elb.send(new DescribeLoadBalancersCommand({}))).LoadBalancers ?? [];
      assert.ok(all.length >= 3);
      const seen: string[] = [];
      let marker: string | undefined;
      do {
        const page = await elb.send(new DescribeLoadBalancersCommand({ PageSize: 2, Marker: marker }));
        assert.ok((page.LoadBalancers?.length ?? 0) <= 2);
        seen.push(...(page.LoadBalancers ?? []).map((lb) => lb.LoadBalancerArn ?? ""));
        marker = page.NextMarker;
      } while (marker);
      assert.deepEqual(seen, all.map((lb) => lb.LoadBalancerArn ?? "").sort());
      await refusedWith(elb.send(new DescribeLoadBalancersCommand({ PageSize: 401 })), "ValidationError", /at 'pageSize' failed to satisfy constraint: Member must have value less than or equal to 400/);
    });

    test("attributes: the defaults of the type, changes by key, unknown keys refused, deletion protection", async () => {
      const arn = await createAlb(elb, "attrs");
      const defaults = (await elb.send(new DescribeLoadBalancerAttributesCommand({ LoadBalancerArn: arn }))).Attributes ?? [];
      const value = (attrs: typeof defaults, key: string) => attrs.find((a) => a.Key === key)?.Value;
      assert.deepEqual([value(defaults, "idle_timeout.timeout_seconds"), value(defaults, "deletion_protection.enabled"), value(defaults, "routing.http2.enabled")], ["60", "false", "true"]);
      const changed = await elb.send(new ModifyLoadBalancerAttributesCommand({ LoadBalancerArn: arn, Attributes: [{ Key: "idle_timeout.timeout_seconds", Value: "120" }] }));
      assert.equal(value(changed.Attributes ?? [], "idle_timeout.timeout_seconds"), "120");
      await refusedWith(elb.send(new ModifyLoadBalancerAttributesCommand({ LoadBalancerArn: arn, Attributes: [{ Key: "no.such.key", Value: "1" }] })), "ValidationError", /^Load balancer attribute key 'no.such.key' is not recognized$/);
      await refusedWith(
        elb.send(new ModifyLoadBalancerAttributesCommand({ LoadBalancerArn: arn, Attributes: [{ Key: "dns_record.client_routing_policy", Value: "any_availability_zone" }] })),
        "InvalidConfigurationRequestException",
        /^Load balancer attribute key 'dns_record.client_routing_policy' is not supported on load balancers with type 'application'$/,
      );
      await refusedWith(elb.send(new ModifyLoadBalancerAttributesCommand({ LoadBalancerArn: arn, Attributes: [{ Key: "idle_timeout.timeout_seconds", Value: "0" }] })), "ValidationError", /from 1 to 4000/);
      await elb.send(new ModifyLoadBalancerAttributesCommand({ LoadBalancerArn: arn, Attributes: [{ Key: "deletion_protection.enabled", Value: "true" }] }));
      await refusedWith(elb.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: arn })), "OperationNotPermittedException", /deletion protection is enabled/);
      await elb.send(new ModifyLoadBalancerAttributesCommand({ LoadBalancerArn: arn, Attributes: [{ Key: "deletion_protection.enabled", Value: "false" }] }));
      await elb.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: arn }));
      await elb.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: arn })); // already gone: succeeds
      await refusedWith(elb.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: [arn] })), "LoadBalancerNotFoundException");
    });

    test("load balancers of one account and region are invisible to another", async () => {
      const other = server.elb({ accessKeyId: "111122223333" });
      const west = server.elb({ region: "eu-west-1" });
      assert.deepEqual((await other.send(new DescribeLoadBalancersCommand({}))).LoadBalancers, []);
      assert.deepEqual((await west.send(new DescribeLoadBalancersCommand({}))).LoadBalancers, []);
      const mine = (await elb.send(new DescribeLoadBalancersCommand({ Names: ["shop"] }))).LoadBalancers?.[0]?.LoadBalancerArn ?? "";
      await refusedWith(other.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: [mine] })), "LoadBalancerNotFoundException");
    });
  });

  describe("target groups", () => {
    test("HTTP and TCP groups get ELB's health check defaults for their protocol", async () => {
      const http = (await elb.send(new CreateTargetGroupCommand({ Name: "http-defaults", Protocol: "HTTP", Port: 80, VpcId: VPC }))).TargetGroups?.[0];
      assert.deepEqual(
        [http?.TargetType, http?.HealthCheckProtocol, http?.HealthCheckPort, http?.HealthCheckPath, http?.HealthCheckIntervalSeconds, http?.HealthCheckTimeoutSeconds, http?.HealthyThresholdCount, http?.UnhealthyThresholdCount, http?.Matcher?.HttpCode, http?.ProtocolVersion],
        ["instance", "HTTP", "traffic-port", "/", 30, 6, 5, 2, "200", "HTTP1"],
      );
      assert.deepEqual(http?.LoadBalancerArns, []);
      const tcp = (await elb.send(new CreateTargetGroupCommand({ Name: "tcp-defaults", Protocol: "TCP", Port: 80, VpcId: VPC }))).TargetGroups?.[0];
      assert.deepEqual([tcp?.HealthCheckProtocol, tcp?.HealthCheckTimeoutSeconds, tcp?.HealthCheckPath, tcp?.Matcher], ["TCP", 10, undefined, undefined]);
    });

    test("CreateTargetGroup is idempotent; the same name with other settings is DuplicateTargetGroupName", async () => {
      const a = await createTargetGroup(elb, "same");
      assert.equal(await createTargetGroup(elb, "same"), a);
      await refusedWith(createTargetGroup(elb, "same", { Port: 9090 }), "DuplicateTargetGroupNameException", /^A target group with the same name 'same' exists, but with different settings$/);
    });

    test("names, ranges and health check settings are refused in ELB's words", async () => {
      await refusedWith(createTargetGroup(elb, "VeryLongGroupNameWhichCausesAnError"), "ValidationError", /^Target group name 'VeryLongGroupNameWhichCausesAnError' cannot be longer than '32' characters$/);
      await refusedWith(createTargetGroup(elb, "tf_alb_tg_app"), "ValidationError", /^Target group name 'tf_alb_tg_app' can only contain characters that are alphanumeric characters or hyphens\(-\)$/);
      await refusedWith(createTargetGroup(elb, "-dash"), "ValidationError", /cannot begin or end with '-'/);
      await refusedWith(createTargetGroup(elb, "port", { Port: 70000 }), "ValidationError", /Value '70000' at 'port' failed to satisfy constraint: Member must have value less than or equal to 65535/);
      await refusedWith(createTargetGroup(elb, "interval", { HealthCheckIntervalSeconds: 301 }), "ValidationError", /at 'healthCheckIntervalSeconds'/);
      await refusedWith(createTargetGroup(elb, "timeout", { HealthCheckIntervalSeconds: 5, HealthCheckTimeoutSeconds: 5 }), "ValidationError", /^Health check interval must be greater than the timeout\.$/);
      await refusedWith(createTargetGroup(elb, "novpc", { VpcId: undefined }), "ValidationError", /VPC ID must be specified/);
      await refusedWith(createTargetGroup(elb, "matcher", { Matcher: { HttpCode: "600" } }), "ValidationError", /from 200 to 499/);
      await refusedWith(createTargetGroup(elb, "disabled", { HealthCheckEnabled: false }), "ValidationError", /cannot be disabled/);
      const lambda = (await elb.send(new CreateTargetGroupCommand({ Name: "fn", TargetType: "lambda" }))).TargetGroups?.[0];
      assert.deepEqual([lambda?.Protocol, lambda?.Port, lambda?.HealthCheckEnabled], [undefined, undefined, false]);
    });

    test("DescribeTargetGroups by names, ARNs and load balancer; ModifyTargetGroup changes the health check", async () => {
      const arn = await createTargetGroup(elb, "described");
      assert.equal((await elb.send(new DescribeTargetGroupsCommand({ Names: ["described"] }))).TargetGroups?.[0]?.TargetGroupArn, arn);
      assert.equal((await elb.send(new DescribeTargetGroupsCommand({ TargetGroupArns: [arn] }))).TargetGroups?.[0]?.TargetGroupName, "described");
      await refusedWith(elb.send(new DescribeTargetGroupsCommand({ Names: ["described", "missing"] })), "TargetGroupNotFoundException", /^One or more target groups not found$/);
      await refusedWith(elb.send(new DescribeTargetGroupsCommand({ TargetGroupArns: ["ec2-spot-converter"] })), "ValidationError", /^'ec2-spot-converter' is not a valid target group ARN$/);
      const modified = (await elb.send(new ModifyTargetGroupCommand({ TargetGroupArn: arn, HealthCheckIntervalSeconds: 10, HealthyThresholdCount: 2, HealthCheckPath: "/health" }))).TargetGroups?.[0];
      assert.deepEqual([modified?.HealthCheckIntervalSeconds, modified?.HealthyThresholdCount, modified?.HealthCheckPath], [10, 2, "/health"]);
      await refusedWith(elb.send(new ModifyTargetGroupCommand({ TargetGroupArn: arn, HealthCheckTimeoutSeconds: 10 })), "ValidationError", /^Health check interval must be greater than the timeout\.$/);
    });

    test("attributes: deregistration delay and stickiness by key, in ELB's words when refused", async () => {
      const arn = await createTargetGroup(elb, "attributes");
      const defaults = (await elb.send(new DescribeTargetGroupAttributesCommand({ TargetGroupArn: arn }))).Attributes ?? [];
      assert.equal(defaults.find((a) => a.Key === "deregistration_delay.timeout_seconds")?.Value, "300");
      assert.equal(defaults.find((a) => a.Key === "stickiness.type")?.Value, "lb_cookie");
      const changed = await elb.send(new ModifyTargetGroupAttributesCommand({ TargetGroupArn: arn, Attributes: [{ Key: "deregistration_delay.timeout_seconds", Value: "30" }] }));
      assert.equal(changed.Attributes?.find((a) => a.Key === "deregistration_delay.timeout_seconds")?.Value, "30");
      await refusedWith(elb.send(new ModifyTargetGroupAttributesCommand({ TargetGroupArn: arn, Attributes: [{ Key: "deregistration_delay.timeout_seconds", Value: "3601" }] })), "ValidationError", /from 0 to 3600/);
      await refusedWith(
        elb.send(new ModifyTargetGroupAttributesCommand({ TargetGroupArn: arn, Attributes: [{ Key: "stickiness.type", Value: "source_ip" }] })),
        "ValidationError",
        /^Stickiness type 'source_ip' is not supported for target groups with the HTTP protocol$/,
      );
      await refusedWith(elb.send(new ModifyTargetGroupAttributesCommand({ TargetGroupArn: arn, Attributes: [{ Key: "proxy_protocol_v2.enabled", Value: "true" }] })), "InvalidConfigurationRequestException", /not supported on target groups with the HTTP protocol/);
      await refusedWith(elb.send(new ModifyTargetGroupAttributesCommand({ TargetGroupArn: arn, Attributes: [{ Key: "bogus", Value: "1" }] })), "ValidationError", /^Target group attribute key 'bogus' is not recognized$/);
    });
  });

  describe("listeners and rules", () => {
    test("a plain forward is described with its ForwardConfig; the group's LoadBalancerArns follow", async () => {
      const lb = await createAlb(elb, "plain");
      const tg = await createTargetGroup(elb, "plain-tg");
      const listener = (await elb.send(new CreateListenerCommand({ LoadBalancerArn: lb, Protocol: "HTTP", Port: 80, DefaultActions: [{ Type: "forward", TargetGroupArn: tg }] }))).Listeners?.[0];
      assert.match(listener?.ListenerArn ?? "", /:listener\/app\/plain\/[0-9a-f]{16}\/[0-9a-f]{16}$/);
      assert.deepEqual(listener?.DefaultActions, [{ Type: "forward", TargetGroupArn: tg, ForwardConfig: { TargetGroups: [{ TargetGroupArn: tg, Weight: 1 }], TargetGroupStickinessConfig: { Enabled: false } } }]);
      assert.deepEqual((await elb.send(new DescribeTargetGroupsCommand({ TargetGroupArns: [tg] }))).TargetGroups?.[0]?.LoadBalancerArns, [lb]);
      assert.deepEqual((await elb.send(new DescribeTargetGroupsCommand({ LoadBalancerArn: lb }))).TargetGroups?.map((t) => t.TargetGroupArn), [tg]);
      await refusedWith(elb.send(new DeleteTargetGroupCommand({ TargetGroupArn: tg })), "ResourceInUseException", new RegExp(`^Target group '${tg}' is currently in use by a listener or a rule$`));
      await elb.send(new DeleteListenerCommand({ ListenerArn: listener?.ListenerArn }));
      assert.deepEqual((await elb.send(new DescribeTargetGroupsCommand({ TargetGroupArns: [tg] }))).TargetGroups?.[0]?.LoadBalancerArns, []);
      await elb.send(new DeleteTargetGroupCommand({ TargetGroupArn: tg }));
      await elb.send(new DeleteTargetGroupCommand({ TargetGroupArn: tg })); // already gone: succeeds
    });

    test("weighted forwards: ModifyListener shifts traffic; the default rule follows the listener", async () => {
      const lb = await createAlb(elb, "weights");
      const blue = await createTargetGroup(elb, "w-blue");
      const green = await createTargetGroup(elb, "w-green");
      const listener = await createWeightedListener(elb, lb, [[blue, 100], [green, 0]]);
      const stickiness = { Enabled: true, DurationSeconds: 60 };
      const modified = await elb.send(
        new ModifyListenerCommand({ ListenerArn: listener, DefaultActions: [{ Type: "forward", ForwardConfig: { TargetGroups: [{ TargetGroupArn: blue, Weight: 0 }, { TargetGroupArn: green, Weight: 100 }], TargetGroupStickinessConfig: stickiness } }] }),
      );
      const groups = modified.Listeners?.[0]?.DefaultActions?.[0]?.ForwardConfig;
      assert.deepEqual(groups, { TargetGroups: [{ TargetGroupArn: blue, Weight: 0 }, { TargetGroupArn: green, Weight: 100 }], TargetGroupStickinessConfig: stickiness });
      const rules = (await elb.send(new DescribeRulesCommand({ ListenerArn: listener }))).Rules ?? [];
      assert.deepEqual(rules.map((r) => [r.Priority, r.IsDefault]), [["default", true]]);
      assert.deepEqual(rules[0].Actions?.[0]?.ForwardConfig, groups);
      const described = (await elb.send(new DescribeListenersCommand({ LoadBalancerArn: lb }))).Listeners ?? [];
      assert.deepEqual(described.map((l) => l.DefaultActions?.[0]?.ForwardConfig), [groups]);
      await refusedWith(
        elb.send(new ModifyListenerCommand({ ListenerArn: listener, DefaultActions: [{ Type: "forward", ForwardConfig: { TargetGroups: [{ TargetGroupArn: blue, Weight: 1000 }] } }] })),
        "ValidationError",
        /weight' failed to satisfy constraint: Member must have value less than or equal to 999/,
      );
      await refusedWith(
        elb.send(new ModifyListenerCommand({ ListenerArn: listener, DefaultActions: [{ Type: "forward", ForwardConfig: { TargetGroups: [{ TargetGroupArn: blue }], TargetGroupStickinessConfig: { Enabled: true } } }] })),
        "ValidationError",
        /duration/,
      );
    });

    test("listener refusals: duplicate port, unknown or mismatched groups, groups of another load balancer, HTTPS without a certificate", async () => {
      const lb = await createAlb(elb, "refusals");
      const tg = await createTargetGroup(elb, "refusals-tg");
      const forward = [{ Type: "forward" as const, TargetGroupArn: tg }];
      await elb.send(new CreateListenerCommand({ LoadBalancerArn: lb, Protocol: "HTTP", Port: 80, DefaultActions: forward }));
      const again = await elb.send(new CreateListenerCommand({ LoadBalancerArn: lb, Protocol: "HTTP", Port: 80, DefaultActions: forward }));
      assert.equal(again.Listeners?.length, 1, "the same listener again is returned (idempotent)");
      await refusedWith(elb.send(new CreateListenerCommand({ LoadBalancerArn: lb, Protocol: "HTTP", Port: 80, DefaultActions: [{ Type: "fixed-response", FixedResponseConfig: { StatusCode: "503" } }] })), "DuplicateListenerException", /already exists on this port/);
      const missing = tg.replace(/[0-9a-f]{16}$/, "0000000000000000");
      await refusedWith(elb.send(new CreateListenerCommand({ LoadBalancerArn: lb, Protocol: "HTTP", Port: 81, DefaultActions: [{ Type: "forward", TargetGroupArn: missing }] })), "TargetGroupNotFoundException", new RegExp(`^Target groups '${missing}' not found$`));
      const tcp = await createTargetGroup(elb, "refusals-tcp", { Protocol: "TCP" });
      await refusedWith(elb.send(new CreateListenerCommand({ LoadBalancerArn: lb, Protocol: "HTTP", Port: 82, DefaultActions: [{ Type: "forward", TargetGroupArn: tcp }] })), "IncompatibleProtocolsException");
      const other = await createAlb(elb, "refusals-other");
      await refusedWith(elb.send(new CreateListenerCommand({ LoadBalancerArn: other, Protocol: "HTTP", Port: 80, DefaultActions: forward })), "TargetGroupAssociationLimitException", /cannot be associated with more than one load balancer/);
      await refusedWith(elb.send(new CreateListenerCommand({ LoadBalancerArn: lb, Protocol: "HTTPS", Port: 443, DefaultActions: forward })), "ValidationError", /certificate must be specified/);
      await refusedWith(elb.send(new CreateListenerCommand({ LoadBalancerArn: lb, Protocol: "TCP", Port: 83, DefaultActions: forward })), "UnsupportedProtocolException");
      const https = (await elb.send(new CreateListenerCommand({ LoadBalancerArn: lb, Protocol: "HTTPS", Port: 443, Certificates: [{ CertificateArn: "arn:aws:acm:us-east-1:000000000000:certificate/abc" }], DefaultActions: forward }))).Listeners?.[0];
      assert.equal(https?.SslPolicy, "ELBSecurityPolicy-TLS13-1-2-2021-06");
      await refusedWith(elb.send(new DeleteListenerCommand({ ListenerArn: `${lb.replace(":loadbalancer/", ":listener/")}/0123456789abcdef` })), "ListenerNotFoundException", /^One or more listeners not found$/);
    });

    test("rules: priorities unique per listener, listed in priority order with the default last, SetRulePriorities, weighted rule forwards", async () => {
      const lb = await createAlb(elb, "rules");
      const a = await createTargetGroup(elb, "rules-a");
      const b = await createTargetGroup(elb, "rules-b");
      const listener = await createWeightedListener(elb, lb, [[a, 1]]);
      const rule = async (priority: number, path: string) =>
        (await elb.send(new CreateRuleCommand({ ListenerArn: listener, Priority: priority, Conditions: [{ Field: "path-pattern", Values: [path] }], Actions: [{ Type: "forward", TargetGroupArn: b }] }))).Rules?.[0];
      const r10 = await rule(10, "/api/*");
      assert.deepEqual(r10?.Conditions, [{ Field: "path-pattern", Values: ["/api/*"], PathPatternConfig: { Values: ["/api/*"] } }]);
      const r5 = await rule(5, "/admin/*");
      await refusedWith(rule(10, "/other/*"), "PriorityInUseException", /^Priority '10' is currently in use$/);
      const order = async () => ((await elb.send(new DescribeRulesCommand({ ListenerArn: listener }))).Rules ?? []).map((r) => r.Priority);
      assert.deepEqual(await order(), ["5", "10", "default"]);
      const swapped = await elb.send(new SetRulePrioritiesCommand({ RulePriorities: [{ RuleArn: r10?.RuleArn, Priority: 5 }, { RuleArn: r5?.RuleArn, Priority: 10 }] }));
      assert.deepEqual(swapped.Rules?.map((r) => [r.RuleArn, r.Priority]), [[r10?.RuleArn, "5"], [r5?.RuleArn, "10"]]);
      assert.deepEqual(await order(), ["5", "10", "default"]);
      await refusedWith(elb.send(new SetRulePrioritiesCommand({ RulePriorities: [{ RuleArn: r10?.RuleArn, Priority: 10 }] })), "PriorityInUseException", /^Priority '10' is currently in use$/);
      await refusedWith(elb.send(new SetRulePrioritiesCommand({ RulePriorities: [{ RuleArn: r10?.RuleArn, Priority: 7 }, { RuleArn: r5?.RuleArn, Priority: 7 }] })), "ValidationError", /^Priority '7' was provided multiple times$/);
      const weighted = await elb.send(new ModifyRuleCommand({ RuleArn: r5?.RuleArn, Actions: [{ Type: "forward", ForwardConfig: { TargetGroups: [{ TargetGroupArn: a, Weight: 20 }, { TargetGroupArn: b, Weight: 80 }] } }] }));
      assert.deepEqual(weighted.Rules?.[0]?.Actions?.[0]?.ForwardConfig?.TargetGroups, [{ TargetGroupArn: a, Weight: 20 }, { TargetGroupArn: b, Weight: 80 }]);
      const defaultRule = ((await elb.send(new DescribeRulesCommand({ ListenerArn: listener }))).Rules ?? []).find((r) => r.IsDefault);
      await refusedWith(elb.send(new DeleteRuleCommand({ RuleArn: defaultRule?.RuleArn })), "OperationNotPermittedException");
      await refusedWith(elb.send(new CreateRuleCommand({ ListenerArn: listener, Priority: 50001, Conditions: [{ Field: "path-pattern", Values: ["/x"] }], Actions: [{ Type: "forward", TargetGroupArn: a }] })), "ValidationError", /Member must have value less than or equal to 50000/);
      await refusedWith(elb.send(new CreateRuleCommand({ ListenerArn: listener, Priority: 20, Conditions: [{ Field: "cookie", Values: ["x"] }], Actions: [{ Type: "forward", TargetGroupArn: a }] })), "ValidationError", /^Condition field 'cookie' must be one of/);
      await elb.send(new DeleteRuleCommand({ RuleArn: r10?.RuleArn }));
      await refusedWith(elb.send(new DeleteRuleCommand({ RuleArn: r10?.RuleArn })), "RuleNotFoundException", /^One or more rules not found$/);
      // Deleting the load balancer takes its listeners and rules; the groups are free again.
      await elb.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: lb }));
      const groups = (await elb.send(new DescribeTargetGroupsCommand({ TargetGroupArns: [a, b] }))).TargetGroups ?? [];
      assert.deepEqual(groups.map((g) => g.LoadBalancerArns), [[], []]);
      await refusedWith(elb.send(new DescribeRulesCommand({ RuleArns: [r5?.RuleArn ?? ""] })), "RuleNotFoundException");
    });
  });

  describe("targets and their health on the clock", () => {
    test("unused until a listener routes to the group, initial for interval x healthy threshold, then healthy", async () => {
      const lb = await createAlb(elb, "health");
      const tg = await createTargetGroup(elb, "health-tg", { HealthCheckIntervalSeconds: 10, HealthyThresholdCount: 3 });
      await elb.send(new RegisterTargetsCommand({ TargetGroupArn: tg, Targets: [{ Id: "10.0.1.5" }, { Id: "10.0.1.6", Port: 9090 }] }));
      await elb.send(new RegisterTargetsCommand({ TargetGroupArn: tg, Targets: [{ Id: "10.0.1.5" }] })); // again: still one target
      const unused = (await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: tg }))).TargetHealthDescriptions ?? [];
      assert.deepEqual(unused.map((d) => [d.Target?.Id, d.Target?.Port, d.TargetHealth?.State, d.TargetHealth?.Reason]), [["10.0.1.5", 8080, "unused", "Target.NotInUse"], ["10.0.1.6", 9090, "unused", "Target.NotInUse"]]);
      await createWeightedListener(elb, lb, [[tg, 0]]);
      const initial = (await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: tg }))).TargetHealthDescriptions ?? [];
      assert.deepEqual(initial.map((d) => [d.TargetHealth?.State, d.TargetHealth?.Reason, d.HealthCheckPort]), [["initial", "Elb.InitialHealthChecking", "8080"], ["initial", "Elb.InitialHealthChecking", "9090"]]);
      await server.advance(29);
      assert.deepEqual(await health(tg), ["10.0.1.5:8080=initial", "10.0.1.6:9090=initial"]);
      await server.advance(1);
      assert.deepEqual(await health(tg), ["10.0.1.5:8080=healthy", "10.0.1.6:9090=healthy"], "a group weighted 0 is still health checked");
      const one = await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: tg, Targets: [{ Id: "10.0.1.5" }, { Id: "10.0.9.9" }] }));
      assert.deepEqual(one.TargetHealthDescriptions?.map((d) => [d.Target?.Id, d.TargetHealth?.State, d.TargetHealth?.Reason]), [["10.0.1.5", "healthy", undefined], ["10.0.9.9", "unused", "Target.NotRegistered"]]);
    });

    test("a deregistered target drains for the group's deregistration delay and is then gone", async () => {
      const lb = await createAlb(elb, "drain");
      const tg = await createTargetGroup(elb, "drain-tg");
      await elb.send(new ModifyTargetGroupAttributesCommand({ TargetGroupArn: tg, Attributes: [{ Key: "deregistration_delay.timeout_seconds", Value: "45" }] }));
      await createWeightedListener(elb, lb, [[tg, 1]]);
      await elb.send(new RegisterTargetsCommand({ TargetGroupArn: tg, Targets: [{ Id: "10.0.2.1" }, { Id: "10.0.2.2" }] }));
      await server.advance(150);
      assert.deepEqual(await health(tg), ["10.0.2.1:8080=healthy", "10.0.2.2:8080=healthy"]);
      await elb.send(new DeregisterTargetsCommand({ TargetGroupArn: tg, Targets: [{ Id: "10.0.2.1" }] }));
      const draining = (await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: tg, Targets: [{ Id: "10.0.2.1" }] }))).TargetHealthDescriptions?.[0]?.TargetHealth;
      assert.deepEqual(draining, { State: "draining", Reason: "Target.DeregistrationInProgress", Description: "Target deregistration is in progress" });
      await server.advance(44);
      assert.deepEqual(await health(tg), ["10.0.2.1:8080=draining", "10.0.2.2:8080=healthy"]);
      await server.advance(1);
      assert.deepEqual(await health(tg), ["10.0.2.2:8080=healthy"]);
      assert.equal(await server.store.transaction(async (tx) => (await tx.list("target", { scope: "000000000000/us-east-1", parent: tg })).length), 1, "the drained target's row is gone");
      await refusedWith(elb.send(new DeregisterTargetsCommand({ TargetGroupArn: tg, Targets: [{ Id: "10.0.2.1" }] })), "InvalidTargetException", /^The specified target does not exist/);
    });

    test("targets are checked against the group's target type", async () => {
      const ip = await createTargetGroup(elb, "types-ip");
      await refusedWith(elb.send(new RegisterTargetsCommand({ TargetGroupArn: ip, Targets: [{ Id: "i-0123456789abcdef0" }] })), "ValidationError", /not a valid IP address/);
      await refusedWith(elb.send(new RegisterTargetsCommand({ TargetGroupArn: ip, Targets: [{ Id: "8.8.8.8" }] })), "InvalidTargetException", /Availability Zone 'all'/);
      await elb.send(new RegisterTargetsCommand({ TargetGroupArn: ip, Targets: [{ Id: "8.8.8.8", AvailabilityZone: "all" }] }));
      const instance = await createTargetGroup(elb, "types-instance", { TargetType: "instance" });
      await refusedWith(elb.send(new RegisterTargetsCommand({ TargetGroupArn: instance, Targets: [{ Id: "10.0.0.1" }] })), "ValidationError", /^Instance ID '10.0.0.1' is not valid$/);
      await elb.send(new RegisterTargetsCommand({ TargetGroupArn: instance, Targets: [{ Id: "i-0123456789abcdef0", Port: 32768 }] }));
      await refusedWith(elb.send(new RegisterTargetsCommand({ TargetGroupArn: instance, Targets: [{ Id: "i-0123456789abcdef0", Port: 0 }] })), "ValidationError", /at 'targets.1.member.port'/);
    });
  });

  describe("tags", () => {
    test("AddTags, DescribeTags and RemoveTags on every kind of resource; refusals in ELB's words", async () => {
      const lb = await createAlb(elb, "tagged");
      const tg = await createTargetGroup(elb, "tagged-tg", { Tags: [{ Key: "team", Value: "web" }] });
      const listener = await createWeightedListener(elb, lb, [[tg, 1]]);
      await elb.send(new AddTagsCommand({ ResourceArns: [lb, tg, listener], Tags: [{ Key: "env", Value: "dev" }] }));
      const described = await elb.send(new DescribeTagsCommand({ ResourceArns: [lb, tg, listener] }));
      assert.deepEqual(described.TagDescriptions?.map((d) => [d.ResourceArn, d.Tags?.map((t) => `${t.Key}=${t.Value}`)]), [
        [lb, ["env=dev"]],
        [tg, ["team=web", "env=dev"]],
        [listener, ["env=dev"]],
      ]);
      await elb.send(new RemoveTagsCommand({ ResourceArns: [tg], TagKeys: ["team"] }));
      assert.deepEqual((await elb.send(new DescribeTagsCommand({ ResourceArns: [tg] }))).TagDescriptions?.[0]?.Tags, [{ Key: "env", Value: "dev" }]);
      await refusedWith(elb.send(new AddTagsCommand({ ResourceArns: [lb], Tags: [{ Key: "k", Value: "1" }, { Key: "k", Value: "2" }] })), "DuplicateTagKeysException", /^Tag key was specified more than once: k$/);
      await refusedWith(elb.send(new AddTagsCommand({ ResourceArns: [lb], Tags: Array.from({ length: 50 }, (_, i) => ({ Key: `k${i}`, Value: "v" })) })), "TooManyTagsException");
      await refusedWith(elb.send(new AddTagsCommand({ ResourceArns: [lb], Tags: [{ Key: "aws:reserved", Value: "v" }] })), "ValidationError", /reserved prefix 'aws:'/);
      const missing = tg.replace(/[0-9a-f]{16}$/, "0000000000000000");
      await refusedWith(elb.send(new AddTagsCommand({ ResourceArns: [lb, missing], Tags: [{ Key: "x", Value: "y" }] })), "TargetGroupNotFoundException");
      assert.ok(!(await elb.send(new DescribeTagsCommand({ ResourceArns: [lb] }))).TagDescriptions?.[0]?.Tags?.some((t) => t.Key === "x"), "a refused AddTags tags nothing");
      assert.match(lb, ARN);
    });
  });
});
