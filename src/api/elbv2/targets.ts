// Targets: RegisterTargets, DeregisterTargets, DescribeTargetHealth. A target is a row of its own
// (keyed by group, id and port, so registering one twice leaves one row); its health is derived at
// read time by the one definition in domain/targetHealth.ts. Deregistered targets drain for the
// group's deregistration delay; the scheduler removes them when it ends (their row is due then).
// The functions below the handlers are also how ECS registers and deregisters its tasks' targets.
import { isIP } from "node:net";
import type {
  DeregisterTargetsInput,
  DeregisterTargetsOutput,
  DescribeTargetHealthInput,
  DescribeTargetHealthOutput,
  RegisterTargetsInput,
  RegisterTargetsOutput,
  TargetDescription,
  TargetHealthDescription,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { parseElbArn } from "../../domain/elbv2Arn";
import { attributeValue, rangeProblem } from "../../domain/elbv2Rules";
import type { TargetGroupRecord, TargetRecord } from "../../domain/records";
import { NOT_REGISTERED, targetHealthAt } from "../../domain/targetHealth";
import type { Wire } from "../../protocol/wire";
import type { Tx } from "../../store/store";
import type { Handler } from "../context";
import { InvalidTargetException, ValidationError } from "./errors";
import { refuseIf, targetGroupOf } from "./resolve";

/** The row key of a target: one per group, id and port. */
export function targetKey(targetGroupArn: string, id: string, port: number | undefined): string {
  return `${targetGroupArn}#${id}:${port ?? ""}`;
}

/** Private IPv4 ranges an ip target may have without AvailabilityZone "all" (API reference, CreateTargetGroup). */
function isPrivateIpv4(ip: string): boolean {
  const [a, b] = ip.split(".").map(Number);
  return a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 100 && b >= 64 && b <= 127);
}

/** The target as the group takes it (its port defaulting to the group's), or a refusal. */
export function checkTarget(group: TargetGroupRecord, target: Wire<TargetDescription>, at: string): Wire<TargetDescription> {
  const tg = group.targetGroup;
  const id = target.Id ?? "";
  const port = target.Port ?? tg.Port;
  refuseIf(rangeProblem(target.Port, `${at}.port`, 1, 65535));
  switch (tg.TargetType ?? "instance") {
    case "instance":
      if (!/^i-[0-9a-f]{8,17}$/.test(id)) throw new ValidationError(`Instance ID '${id.slice(0, 100)}' is not valid`);
      break;
    case "ip": {
      const family = isIP(id);
      if (family === 0) throw new ValidationError(`The IP address '${id.slice(0, 100)}' is not a valid IP address`);
      if ((tg.IpAddressType === "ipv6") !== (family === 6)) throw new InvalidTargetException(`The IP address '${id}' is not of the target group's IP address type '${tg.IpAddressType ?? "ipv4"}'`);
      if (family === 4 && !isPrivateIpv4(id) && target.AvailabilityZone !== "all") {
        throw new InvalidTargetException(`The IP address '${id}' is not in a private range of the VPC; specify the Availability Zone 'all' for an IP address outside the VPC`);
      }
      break;
    }
    case "lambda":
      if (!/^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:/.test(id)) throw new ValidationError(`'${id.slice(0, 300)}' is not a valid Lambda function ARN`);
      break;
    case "alb":
      if (!parseElbArn(id, "loadbalancer")) throw new ValidationError(`'${id.slice(0, 300)}' is not a valid load balancer ARN`);
      break;
  }
  if (port === undefined && tg.TargetType !== "lambda") throw new ValidationError(`A port must be specified for target '${id}'`);
  return { Id: id, ...(port !== undefined ? { Port: port } : {}), ...(target.AvailabilityZone !== undefined ? { AvailabilityZone: target.AvailabilityZone } : {}) };
}

/**
 * Registers a target in a group at `now`. Registering a registered target changes nothing; a draining
 * one is registered again (its health checks start over). Returns the stored target.
 */
export async function registerTarget(tx: Tx, group: TargetGroupRecord, target: Wire<TargetDescription>, now: number, extras: Pick<TargetRecord, "taskArn" | "failsHealthChecks"> = {}): Promise<TargetRecord> {
  const groupArn = group.targetGroup.TargetGroupArn ?? "";
  const key = targetKey(groupArn, target.Id ?? "", target.Port);
  const existing = await tx.get("target", key);
  if (existing && existing.deregisteredAt === undefined) return existing;
  const record: TargetRecord = { key, targetGroupArn: groupArn, target, registeredAt: now, ...extras };
  await tx.put("target", record);
  return record;
}

/**
 * Deregisters a registered target at `now`: it drains for the group's deregistration delay, or goes
 * at once when the group receives no traffic or the delay is 0. Returns when draining ends (epoch ms).
 */
export async function deregisterTarget(tx: Tx, group: TargetGroupRecord, record: TargetRecord, now: number): Promise<number> {
  if (record.deregisteredAt !== undefined) return record.drainedAt ?? now;
  const delaySeconds = Number(attributeValue(group.attributes, "deregistration_delay.timeout_seconds") ?? "300");
  if (group.routedSince === undefined || delaySeconds <= 0) {
    await tx.remove("target", record.key);
    return now;
  }
  const drainedAt = now + delaySeconds * 1000;
  await tx.put("target", { ...record, deregisteredAt: now, drainedAt });
  return drainedAt;
}

/** Removes a target whose draining has ended (the scheduler calls this when its row is due). */
export async function forgetDrainedTarget(tx: Tx, key: string, now: number): Promise<void> {
  const record = await tx.get("target", key);
  if (record && record.drainedAt !== undefined && record.drainedAt <= now) await tx.remove("target", key);
}

/** Every registered (and draining) target of a group. */
export async function targetsOf(tx: Tx, group: TargetGroupRecord, scope: string): Promise<TargetRecord[]> {
  return tx.list("target", { scope, parent: group.targetGroup.TargetGroupArn ?? "" });
}

/** How DescribeTargetHealth describes a target at `now`; undefined once it has drained. */
export function describeTarget(group: TargetGroupRecord, record: TargetRecord, now: number): Wire<TargetHealthDescription> | undefined {
  const observed = targetHealthAt(record, group.targetGroup, group.routedSince, now);
  if (!observed) return undefined;
  const tg = group.targetGroup;
  const healthCheckPort = tg.HealthCheckPort === "traffic-port" || tg.HealthCheckPort === undefined ? (record.target.Port !== undefined ? String(record.target.Port) : undefined) : tg.HealthCheckPort;
  const routed = observed.health.State !== "unused";
  return {
    Target: record.target,
    ...(routed && healthCheckPort !== undefined && tg.TargetType !== "lambda" ? { HealthCheckPort: healthCheckPort } : {}),
    TargetHealth: observed.health,
  };
}

const registerTargets: Handler<RegisterTargetsInput, RegisterTargetsOutput> = async (input, ctx) => {
  const targets = input.Targets ?? [];
  if (targets.length === 0) throw new ValidationError("1 validation error detected: Value '[]' at 'targets' failed to satisfy constraint: Member must have length greater than or equal to 1");
  await ctx.store.transaction(async (tx) => {
    const group = await targetGroupOf(tx, ctx, input.TargetGroupArn ?? "");
    const checked = targets.map((t, i) => checkTarget(group, t, `targets.${i + 1}.member`));
    if (group.targetGroup.TargetType === "lambda" && (checked.length > 1 || (await targetsOf(tx, group, ctx.scope)).some((t) => t.target.Id !== checked[0].Id))) {
      throw new ValidationError("A target group with target type 'lambda' can have only one target");
    }
    const now = ctx.clock.now();
    for (const target of checked) await registerTarget(tx, group, target, now);
  });
  return {};
};

const deregisterTargets: Handler<DeregisterTargetsInput, DeregisterTargetsOutput> = async (input, ctx) => {
  const targets = input.Targets ?? [];
  await ctx.store.transaction(async (tx) => {
    const group = await targetGroupOf(tx, ctx, input.TargetGroupArn ?? "");
    const groupArn = group.targetGroup.TargetGroupArn ?? "";
    const records: TargetRecord[] = [];
    for (const target of targets) {
      const record = await tx.get("target", targetKey(groupArn, target.Id ?? "", target.Port ?? group.targetGroup.Port));
      // The model's description of InvalidTarget.
      if (!record) throw new InvalidTargetException("The specified target does not exist, is not in the same VPC as the target groups, or has an unsupported instance type.");
      records.push(record);
    }
    const now = ctx.clock.now();
    for (const record of records) await deregisterTarget(tx, group, record, now);
  });
  return {};
};

const describeTargetHealth: Handler<DescribeTargetHealthInput, DescribeTargetHealthOutput> = async (input, ctx) => {
  return ctx.store.transaction(async (tx) => {
    const group = await targetGroupOf(tx, ctx, input.TargetGroupArn ?? "");
    const groupArn = group.targetGroup.TargetGroupArn ?? "";
    const now = ctx.clock.now();
    if (input.Targets?.length) {
      const TargetHealthDescriptions: Wire<TargetHealthDescription>[] = [];
      for (const target of input.Targets) {
        const port = target.Port ?? group.targetGroup.Port;
        const record = await tx.get("target", targetKey(groupArn, target.Id ?? "", port));
        const described = record ? describeTarget(group, record, now) : undefined;
        TargetHealthDescriptions.push(described ?? { Target: { Id: target.Id, ...(port !== undefined ? { Port: port } : {}) }, TargetHealth: NOT_REGISTERED });
      }
      return { TargetHealthDescriptions };
    }
    const TargetHealthDescriptions = (await targetsOf(tx, group, ctx.scope)).flatMap((record) => describeTarget(group, record, now) ?? []);
    return { TargetHealthDescriptions };
  });
};

export const targetHandlers = {
  RegisterTargets: registerTargets,
  DeregisterTargets: deregisterTargets,
  DescribeTargetHealth: describeTargetHealth,
};
