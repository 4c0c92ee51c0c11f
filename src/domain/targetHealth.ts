// Target health, the one definition: what DescribeTargetHealth reports for a registered target, as a
// pure function of the target's facts (registered, deregistered, failing), its group's health check
// settings, whether any listener routes to the group, and the clock. No packets flow; the states and
// their timing follow ELB's documentation:
//   unused    the group receives no traffic (Target.NotInUse), so it is not health checked;
//   initial   health checks in progress until interval x healthy threshold (or x unhealthy threshold
//             for a failing target) have passed since checks began (registration or routing);
//   healthy   / unhealthy after that;
//   draining  from deregistration until the group's deregistration delay has passed; then gone.
import type { TargetHealth } from "@aws-sdk/client-elastic-load-balancing-v2";
import type { TargetRecord } from "./records";

export interface HealthCheckTiming {
  readonly HealthCheckEnabled?: boolean;
  readonly HealthCheckIntervalSeconds?: number;
  readonly HealthyThresholdCount?: number;
  readonly UnhealthyThresholdCount?: number;
}

export type TargetState = "initial" | "healthy" | "unhealthy" | "unused" | "draining" | "unavailable";

export interface ObservedTargetHealth {
  readonly health: TargetHealth & { State: TargetState };
  /** When this target's state next changes by the passing of time alone (epoch ms), if it does. */
  readonly changesAt?: number;
}

const NOT_IN_USE = { Reason: "Target.NotInUse", Description: "Target group is not configured to receive traffic from the load balancer" } as const;

/** Epoch ms from which a target of a group routed since `routedSince` is health checked. */
export function checksBeganAt(target: Pick<TargetRecord, "registeredAt">, routedSince: number): number {
  return Math.max(target.registeredAt, routedSince);
}

/** The health of a target at `now`; `undefined` once a deregistered target has finished draining. */
export function targetHealthAt(target: TargetRecord, group: HealthCheckTiming, routedSince: number | undefined, now: number): ObservedTargetHealth | undefined {
  if (target.deregisteredAt !== undefined) {
    const drainedAt = target.drainedAt ?? target.deregisteredAt;
    if (now >= drainedAt) return undefined;
    return { health: { State: "draining", Reason: "Target.DeregistrationInProgress", Description: "Target deregistration is in progress" }, changesAt: drainedAt };
  }
  if (routedSince === undefined) return { health: { State: "unused", ...NOT_IN_USE } };
  if (group.HealthCheckEnabled === false) return { health: { State: "unavailable", Reason: "Target.HealthCheckDisabled", Description: "Health checks are disabled" } };
  const began = checksBeganAt(target, routedSince);
  const intervalMs = (group.HealthCheckIntervalSeconds ?? 30) * 1000;
  const threshold = target.failsHealthChecks ? (group.UnhealthyThresholdCount ?? 2) : (group.HealthyThresholdCount ?? 5);
  const decidedAt = began + intervalMs * threshold;
  if (now < decidedAt) return { health: { State: "initial", Reason: "Elb.InitialHealthChecking", Description: "Initial health checks in progress" }, changesAt: decidedAt };
  if (target.failsHealthChecks) return { health: { State: "unhealthy", Reason: "Target.FailedHealthChecks", Description: "Health checks failed" } };
  return { health: { State: "healthy" } };
}

/** The health of a target that is not registered in the group (DescribeTargetHealth names it). */
export const NOT_REGISTERED: TargetHealth = { State: "unused", Reason: "Target.NotRegistered", Description: "Target is not registered to the target group" };
