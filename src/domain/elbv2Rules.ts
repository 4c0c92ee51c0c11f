// Elastic Load Balancing v2 rules as pure functions: names, numeric ranges (the constraints of ELB's
// API model, which the SDK's compiled schemas do not carry), target group defaults by protocol, and
// the attributes each kind of load balancer and target group has. Values in, a value or a refusal
// message out; messages are ELB's where its wording is known (docs/elbv2.md lists the sources).

import type { ProtocolEnum } from "@aws-sdk/client-elastic-load-balancing-v2";

/** A refusal: the ELB error to answer and its message. */
export interface ElbRefusal {
  readonly error: "ValidationError" | "InvalidConfigurationRequest";
  readonly message: string;
}

export const validation = (message: string): ElbRefusal => ({ error: "ValidationError", message });
export const configuration = (message: string): ElbRefusal => ({ error: "InvalidConfigurationRequest", message });

/** ELB's constraint messages for a number outside its model's range. */
export function rangeProblem(value: number | undefined, at: string, min: number, max: number): ElbRefusal | undefined {
  if (value === undefined) return undefined;
  if (!Number.isInteger(value)) return validation(`1 validation error detected: Value '${value}' at '${at}' failed to satisfy constraint: Member must be an integer`);
  if (value < min) return validation(`1 validation error detected: Value '${value}' at '${at}' failed to satisfy constraint: Member must have value greater than or equal to ${min}`);
  if (value > max) return validation(`1 validation error detected: Value '${value}' at '${at}' failed to satisfy constraint: Member must have value less than or equal to ${max}`);
  return undefined;
}

/** ELB's constraint message for a list longer than its model allows. */
export function lengthProblem(list: readonly unknown[] | undefined, at: string, max: number): ElbRefusal | undefined {
  if (!list || list.length <= max) return undefined;
  return validation(`1 validation error detected: Value '[...]' at '${at}' failed to satisfy constraint: Member must have length less than or equal to ${max}`);
}

/**
 * Target group names (ELB's words from terraform-provider-aws issues 6153 and hashicorp/terraform
 * PR 11699): at most 32 characters, alphanumerics and hyphens, not beginning or ending with a hyphen.
 */
export function targetGroupNameProblem(name: string): ElbRefusal | undefined {
  if (name.length > 32) return validation(`Target group name '${name}' cannot be longer than '32' characters`);
  if (!/^[A-Za-z0-9-]*$/.test(name)) return validation(`Target group name '${name}' can only contain characters that are alphanumeric characters or hyphens(-)`);
  if (name.startsWith("-") || name.endsWith("-")) return validation(`Target group name '${name}' cannot begin or end with '-'`);
  if (name === "") return validation("Target group name cannot be empty");
  return undefined;
}

/** Load balancer names: the same rules, and not beginning with "internal-" (API reference, CreateLoadBalancer). */
export function loadBalancerNameProblem(name: string): ElbRefusal | undefined {
  if (name.length > 32) return validation(`Load balancer name '${name}' cannot be longer than '32' characters`);
  if (!/^[A-Za-z0-9-]*$/.test(name)) return validation(`Load balancer name '${name}' can only contain characters that are alphanumeric characters or hyphens(-)`);
  if (name.startsWith("-") || name.endsWith("-")) return validation(`Load balancer name '${name}' cannot begin or end with '-'`);
  if (name.toLowerCase().startsWith("internal-")) return validation(`Load balancer name '${name}' cannot begin with 'internal-'`);
  if (name === "") return validation("Load balancer name cannot be empty");
  return undefined;
}

export const HTTP_PROTOCOLS: ReadonlySet<string> = new Set(["HTTP", "HTTPS"]);
export const NETWORK_PROTOCOLS: ReadonlySet<string> = new Set(["TCP", "TLS", "UDP", "TCP_UDP", "QUIC", "TCP_QUIC"]);

export interface HealthCheckSettings {
  HealthCheckProtocol?: ProtocolEnum;
  HealthCheckPort?: string;
  HealthCheckEnabled?: boolean;
  HealthCheckPath?: string;
  HealthCheckIntervalSeconds?: number;
  HealthCheckTimeoutSeconds?: number;
  HealthyThresholdCount?: number;
  UnhealthyThresholdCount?: number;
  Matcher?: { HttpCode?: string; GrpcCode?: string };
}

const HEALTH_CHECK_KEYS = [
  "HealthCheckProtocol",
  "HealthCheckPort",
  "HealthCheckEnabled",
  "HealthCheckPath",
  "HealthCheckIntervalSeconds",
  "HealthCheckTimeoutSeconds",
  "HealthyThresholdCount",
  "UnhealthyThresholdCount",
  "Matcher",
] as const satisfies readonly (keyof HealthCheckSettings)[];

/** The health check settings a request gives, each one it leaves out taken from `fallback` (defaults or the group's current ones). */
export function healthCheckOver(given: HealthCheckSettings, fallback: HealthCheckSettings): HealthCheckSettings {
  const settings: Record<string, unknown> = {};
  for (const key of HEALTH_CHECK_KEYS) settings[key] = given[key] ?? fallback[key];
  return settings as HealthCheckSettings;
}

/** A target group's health check, with ELB's defaults for its protocol and target type (API reference, CreateTargetGroup). */
export function healthCheckDefaults(protocol: string | undefined, targetType: string, protocolVersion: string | undefined): Required<Omit<HealthCheckSettings, "HealthCheckPath" | "Matcher" | "HealthCheckProtocol" | "HealthCheckPort">> &
  HealthCheckSettings {
  if (targetType === "lambda") {
    return { HealthCheckEnabled: false, HealthCheckIntervalSeconds: 35, HealthCheckTimeoutSeconds: 30, HealthyThresholdCount: 5, UnhealthyThresholdCount: 5, HealthCheckPath: "/", Matcher: { HttpCode: "200" } };
  }
  const http = HTTP_PROTOCOLS.has(protocol ?? "");
  const geneve = protocol === "GENEVE";
  const grpc = protocolVersion === "GRPC";
  return {
    HealthCheckEnabled: true,
    HealthCheckProtocol: http ? (protocol === "HTTPS" ? "HTTPS" : "HTTP") : "TCP",
    HealthCheckPort: geneve ? "80" : "traffic-port",
    HealthCheckIntervalSeconds: geneve ? 10 : 30,
    HealthCheckTimeoutSeconds: protocol === "HTTP" ? 6 : geneve ? 5 : 10,
    HealthyThresholdCount: 5,
    UnhealthyThresholdCount: 2,
    ...(http ? { HealthCheckPath: grpc ? "/AWS.ALB/healthcheck" : "/", Matcher: grpc ? { GrpcCode: "12" } : { HttpCode: "200" } } : {}),
  };
}

/** Ranges of the health check settings (API reference), and the interval above the timeout for HTTP checks. */
export function healthCheckProblem(settings: HealthCheckSettings): ElbRefusal | undefined {
  const problem =
    rangeProblem(settings.HealthCheckIntervalSeconds, "healthCheckIntervalSeconds", 5, 300) ??
    rangeProblem(settings.HealthCheckTimeoutSeconds, "healthCheckTimeoutSeconds", 2, 120) ??
    rangeProblem(settings.HealthyThresholdCount, "healthyThresholdCount", 2, 10) ??
    rangeProblem(settings.UnhealthyThresholdCount, "unhealthyThresholdCount", 2, 10);
  if (problem) return problem;
  if (settings.HealthCheckPath !== undefined && (settings.HealthCheckPath.length < 1 || settings.HealthCheckPath.length > 1024)) {
    return validation(`1 validation error detected: Value '${settings.HealthCheckPath.slice(0, 100)}' at 'healthCheckPath' failed to satisfy constraint: Member must have length less than or equal to 1024`);
  }
  if (settings.HealthCheckPath !== undefined && !settings.HealthCheckPath.startsWith("/")) return validation("Health check path must begin with a '/' character");
  const port = settings.HealthCheckPort;
  if (port !== undefined && port !== "traffic-port" && (!/^\d{1,5}$/.test(port) || Number(port) < 1 || Number(port) > 65535)) {
    return validation(`Health check port '${port.slice(0, 20)}' must be 'traffic-port' or a port number from 1 to 65535`);
  }
  // ELB's words (aws/aws-cdk issue 3703; terraform-provider-aws PR 48071).
  const interval = settings.HealthCheckIntervalSeconds;
  const timeout = settings.HealthCheckTimeoutSeconds;
  if (interval !== undefined && timeout !== undefined && HTTP_PROTOCOLS.has(settings.HealthCheckProtocol ?? "") && interval <= timeout) {
    return validation("Health check interval must be greater than the timeout.");
  }
  return undefined;
}

/** Whether a target group protocol serves a load balancer type. */
export function protocolFitsLoadBalancer(protocol: string | undefined, loadBalancerType: string | undefined): boolean {
  if (loadBalancerType === "network") return NETWORK_PROTOCOLS.has(protocol ?? "");
  if (loadBalancerType === "gateway") return protocol === "GENEVE";
  return HTTP_PROTOCOLS.has(protocol ?? "");
}

// Attributes. Each known key with its default and what values it takes.

type AttributeCheck =
  | { kind: "boolean" }
  | { kind: "integer"; min: number; max: number; orZero?: boolean }
  | { kind: "enum"; values: readonly string[] } | { kind: "text" } | { kind: "countOrOff"; min: number; max: number };

interface AttributeSpec {
  readonly key: string;
  readonly defaultValue: string;
  readonly check: AttributeCheck;
}

const bool = (key: string, defaultValue: string): AttributeSpec => ({ key, defaultValue, check: { kind: "boolean" } });
const int = (key: string, defaultValue: string, min: number, max: number): AttributeSpec => ({ key, defaultValue, check: { kind: "integer", min, max } });
const oneOf = (key: string, defaultValue: string, values: readonly string[]): AttributeSpec => ({ key, defaultValue, check: { kind: "enum", values } });
const text = (key: string, defaultValue = ""): AttributeSpec => ({ key, defaultValue, check: { kind: "text" } });

const COMMON_LOAD_BALANCER_ATTRIBUTES: readonly AttributeSpec[] = [
  bool("access_logs.s3.enabled", "false"),
  text("access_logs.s3.bucket"),
  text("access_logs.s3.prefix"),
  bool("deletion_protection.enabled", "false"),
  bool("ipv6.deny_all_igw_traffic", "false"),
  bool("zonal_shift.config.enabled", "false"),
];

/** The attributes of each load balancer type, in the order DescribeLoadBalancerAttributes lists them (AWS API reference, LoadBalancerAttribute). */
export const LOAD_BALANCER_ATTRIBUTES: Readonly<Record<string, readonly AttributeSpec[]>> = {
  application: [
    ...COMMON_LOAD_BALANCER_ATTRIBUTES,
    int("idle_timeout.timeout_seconds", "60", 1, 4000),
    int("client_keep_alive.seconds", "3600", 60, 604800),
    bool("connection_logs.s3.enabled", "false"),
    text("connection_logs.s3.bucket"),
    text("connection_logs.s3.prefix"),
    bool("health_check_logs.s3.enabled", "false"),
    text("health_check_logs.s3.bucket"),
    text("health_check_logs.s3.prefix"),
    oneOf("routing.http.desync_mitigation_mode", "defensive", ["monitor", "defensive", "strictest"]),
    bool("routing.http.drop_invalid_header_fields.enabled", "false"),
    bool("routing.http.preserve_host_header.enabled", "false"),
    bool("routing.http.x_amzn_tls_version_and_cipher_suite.enabled", "false"),
    bool("routing.http.xff_client_port.enabled", "false"),
    oneOf("routing.http.xff_header_processing.mode", "append", ["append", "preserve", "remove"]),
    bool("routing.http2.enabled", "true"),
    bool("waf.fail_open.enabled", "false"),
    bool("load_balancing.cross_zone.enabled", "true"),
  ],
  network: [
    ...COMMON_LOAD_BALANCER_ATTRIBUTES,
    bool("load_balancing.cross_zone.enabled", "false"),
    oneOf("dns_record.client_routing_policy", "any_availability_zone", ["availability_zone_affinity", "partial_availability_zone_affinity", "any_availability_zone"]),
    int("secondary_ips.auto_assigned.per_subnet", "0", 0, 7),
  ],
};

/** The attributes of a target group, by what serves it (API reference, TargetGroupAttribute). */
export function targetGroupAttributeSpecs(protocol: string | undefined, targetType: string): readonly AttributeSpec[] {
  if (targetType === "lambda") return [bool("lambda.multi_value_headers.enabled", "false"), bool("stickiness.enabled", "false"), oneOf("stickiness.type", "lb_cookie", ["lb_cookie"])];
  const common = [int("deregistration_delay.timeout_seconds", "300", 0, 3600), bool("stickiness.enabled", "false")];
  const health: AttributeSpec[] = [
    oneOf("load_balancing.cross_zone.enabled", "use_load_balancer_configuration", ["true", "false", "use_load_balancer_configuration"]),
    { key: "target_group_health.dns_failover.minimum_healthy_targets.count", defaultValue: "1", check: { kind: "countOrOff", min: 1, max: 1_000_000 } },
    { key: "target_group_health.dns_failover.minimum_healthy_targets.percentage", defaultValue: "off", check: { kind: "countOrOff", min: 1, max: 100 } },
    int("target_group_health.unhealthy_state_routing.minimum_healthy_targets.count", "1", 1, 1_000_000),
    { key: "target_group_health.unhealthy_state_routing.minimum_healthy_targets.percentage", defaultValue: "off", check: { kind: "countOrOff", min: 1, max: 100 } },
  ];
  if (HTTP_PROTOCOLS.has(protocol ?? "")) {
    return [
      ...common,
      oneOf("stickiness.type", "lb_cookie", ["lb_cookie", "app_cookie"]),
      int("stickiness.lb_cookie.duration_seconds", "86400", 1, 604800),
      text("stickiness.app_cookie.cookie_name"),
      int("stickiness.app_cookie.duration_seconds", "86400", 1, 604800),
      oneOf("load_balancing.algorithm.type", "round_robin", ["round_robin", "least_outstanding_requests", "weighted_random"]),
      oneOf("load_balancing.algorithm.anomaly_mitigation", "off", ["on", "off"]),
      // 0 (off) or 30-900 seconds.
      { key: "slow_start.duration_seconds", defaultValue: "0", check: { kind: "integer", min: 30, max: 900, orZero: true } },
      ...health,
    ];
  }
  if (protocol === "GENEVE") {
    return [...common, oneOf("stickiness.type", "source_ip_dest_ip_proto", ["source_ip_dest_ip", "source_ip_dest_ip_proto"]), oneOf("target_failover.on_deregistration", "no_rebalance", ["rebalance", "no_rebalance"]), oneOf("target_failover.on_unhealthy", "no_rebalance", ["rebalance", "no_rebalance"])];
  }
  const udp = protocol === "UDP" || protocol === "TCP_UDP";
  return [
    ...common,
    oneOf("stickiness.type", "source_ip", ["source_ip"]),
    bool("deregistration_delay.connection_termination.enabled", udp ? "true" : "false"),
    bool("preserve_client_ip.enabled", targetType === "ip" && (protocol === "TCP" || protocol === "TLS") ? "false" : "true"),
    bool("proxy_protocol_v2.enabled", "false"),
    bool("target_health_state.unhealthy.connection_termination.enabled", "true"),
    int("target_health_state.unhealthy.draining_interval_seconds", "0", 0, 360000),
    ...health,
  ];
}

export interface Attribute {
  Key?: string;
  Value?: string;
}

/** The default attributes, as DescribeXAttributes lists them. */
export function defaultAttributes(specs: readonly AttributeSpec[]): Attribute[] {
  return specs.map((s) => ({ Key: s.key, Value: s.defaultValue }));
}

function valueProblem(spec: AttributeSpec, value: string, owner: string): ElbRefusal | undefined {
  const check = spec.check;
  const bad = () => validation(`${owner} attribute '${spec.key}' has an invalid value '${value.slice(0, 100)}'`);
  switch (check.kind) {
    case "boolean":
      return value === "true" || value === "false" ? undefined : bad();
    case "integer":
      if (!/^\d{1,9}$/.test(value)) return bad();
      if (check.orZero && Number(value) === 0) return undefined;
      return Number(value) < check.min || Number(value) > check.max ? validation(`${owner} attribute '${spec.key}' must be ${check.orZero ? "0 or " : ""}from ${check.min} to ${check.max} (got '${value}')`) : undefined;
    case "countOrOff":
      if (value === "off") return undefined;
      if (!/^\d{1,9}$/.test(value)) return bad();
      return Number(value) < check.min || Number(value) > check.max ? validation(`${owner} attribute '${spec.key}' must be 'off' or from ${check.min} to ${check.max} (got '${value}')`) : undefined;
    case "enum":
      return check.values.includes(value) ? undefined : validation(`${owner} attribute '${spec.key}' must be one of [${check.values.join(", ")}] (got '${value.slice(0, 100)}')`);
    case "text":
      return value.length > 1024 ? bad() : undefined;
  }
}

/**
 * The attributes after applying `changes`: every key must be one the resource has, every value one
 * it takes. `owner` words the messages ("Load balancer", "Target group"); `kindLabel` names what the
 * resource is when a key exists for other kinds only (ELB's words, terraform-provider-aws
 * internal/service/elbv2: "Load balancer attribute key 'x' is not recognized", "... is not
 * supported on load balancers with type 'network'").
 */
export function applyAttributes(
  current: readonly Attribute[],
  changes: readonly Attribute[],
  specs: readonly AttributeSpec[],
  owner: "Load balancer" | "Target group",
  otherKinds: { known: ReadonlySet<string>; unsupported: (key: string) => string },
): Attribute[] | ElbRefusal {
  const next = current.map((a) => ({ ...a }));
  const seen = new Set<string>();
  for (const change of changes) {
    const key = change.Key ?? "";
    const spec = specs.find((s) => s.key === key);
    if (!spec) {
      if (otherKinds.known.has(key)) return configuration(otherKinds.unsupported(key));
      return validation(`${owner} attribute key '${key.slice(0, 100)}' is not recognized`);
    }
    if (seen.has(key)) return validation(`${owner} attribute key '${key}' was specified more than once`);
    seen.add(key);
    const value = change.Value ?? "";
    const problem = valueProblem(spec, value, owner);
    if (problem) return problem;
    const existing = next.find((a) => a.Key === key);
    if (existing) existing.Value = value;
    else next.push({ Key: key, Value: value });
  }
  return next;
}

export function isRefusal<T>(value: T | ElbRefusal): value is ElbRefusal {
  return typeof value === "object" && value !== null && "error" in value && "message" in value && !Array.isArray(value);
}

/** Every attribute key any load balancer type has (to tell "not recognized" from "not supported here"). */
export const ALL_LOAD_BALANCER_ATTRIBUTE_KEYS: ReadonlySet<string> = new Set(Object.values(LOAD_BALANCER_ATTRIBUTES).flatMap((specs) => specs.map((s) => s.key)));

/** Every attribute key any target group has. */
export const ALL_TARGET_GROUP_ATTRIBUTE_KEYS: ReadonlySet<string> = new Set(
  [
    targetGroupAttributeSpecs("HTTP", "ip"),
    targetGroupAttributeSpecs("TCP", "ip"),
    targetGroupAttributeSpecs("UDP", "instance"),
    targetGroupAttributeSpecs("GENEVE", "ip"),
    targetGroupAttributeSpecs(undefined, "lambda"),
  ].flatMap((specs) => specs.map((s) => s.key)),
);

/** The value of one attribute, or undefined. */
export function attributeValue(attributes: readonly Attribute[], key: string): string | undefined {
  return attributes.find((a) => a.Key === key)?.Value;
}
