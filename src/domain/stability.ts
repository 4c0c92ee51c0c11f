// Task set stability, as ECS defines it: STEADY_STATE exactly when every task it should run is
// RUNNING, none is pending, none is on a DRAINING container instance, and all are healthy.
import type { StabilityStatus } from "@aws-sdk/client-ecs";

export interface ObservedTaskSet {
  computedDesiredCount: number;
  runningCount: number;
  pendingCount: number;
  onDrainingInstanceCount: number;
  unhealthyCount: number;
}

export function stabilityOf(observed: ObservedTaskSet): StabilityStatus {
  const steady =
    observed.runningCount === observed.computedDesiredCount &&
    observed.pendingCount === 0 &&
    observed.onDrainingInstanceCount === 0 &&
    observed.unhealthyCount === 0;
  return steady ? "STEADY_STATE" : "STABILIZING";
}

/** The stability fields after observing `status` at `nowSeconds`: the time moves only on a change. */
export function nextStability(
  current: { stabilityStatus?: string; stabilityStatusAt?: number },
  status: StabilityStatus,
  nowSeconds: number,
): { stabilityStatus: StabilityStatus; stabilityStatusAt: number } {
  if (current.stabilityStatus === status && current.stabilityStatusAt !== undefined) {
    return { stabilityStatus: status, stabilityStatusAt: current.stabilityStatusAt };
  }
  return { stabilityStatus: status, stabilityStatusAt: nowSeconds };
}
