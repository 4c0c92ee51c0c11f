// The scheduler's side of service deployments: the one place a deployment's state is written
// (saveServiceDeployment, which every change goes through: the scheduler's steps and the requests
// of StopServiceDeployment and ContinueServiceDeployment), what the machine's changes mean for the
// service's `deployments` (the other view of the same state: rollout states, which deployment is
// PRIMARY), the listener rule weights it asks for, its service events, and the Lambda invocations
// it wants made (OutboundCall, made by the scheduler outside any transaction).
import type { Deployment, ServiceRevision } from "@aws-sdk/client-ecs";
import { shiftTraffic } from "../coupling/ecsLoadBalancing";
import { scopeOfArn } from "../domain/arn";
import { type DeploymentChange, type DeploymentProgress, type HookExecution, isFinished, type LambdaOutcome, recordLambdaOutcome, STATUS_REASONS } from "../domain/deploymentMachine";
import type { ServiceDeploymentRecord } from "../domain/records";
import { deploymentIdOf, revisionLoadBalancers } from "../domain/serviceDeploymentViews";
import { epochSeconds, type Wire } from "../protocol/wire";
import type { Tx } from "../store/store";
import { eventMessages } from "./events";

/**
 * Writes a service deployment. Every change of a deployment's state comes through here with the
 * changes it made (the machine's DeploymentChange list), so whatever reports deployment state
 * changes (service events, an event stream) hooks in at one place.
 */
export async function saveServiceDeployment(tx: Tx, record: ServiceDeploymentRecord, _changes: readonly DeploymentChange[]): Promise<void> {
  await tx.put("serviceDeployment", record);
}

/** A Lambda invocation the scheduler makes after the reconcile's transaction commits. */
export interface LambdaCall {
  readonly kind: "lambda";
  readonly serviceArn: string;
  readonly serviceDeploymentArn: string;
  readonly hookId: string;
  /** The attempt recorded as started; its answer is recorded against it (a duplicate is ignored). */
  readonly attempt: number;
  readonly functionArn: string;
  /** The event payload ECS documents (developer guide, "Lambda hooks for Amazon ECS service deployments"). */
  readonly payload: Record<string, unknown>;
}

export type OutboundCall = LambdaCall;

/** The invocation payload of a Lambda hook execution. */
export function lambdaPayload(record: ServiceDeploymentRecord, hook: HookExecution): Record<string, unknown> {
  return {
    executionId: hook.executionId,
    lifecycleStage: hook.stage,
    resourceArn: record.deployment.serviceDeploymentArn,
    executionDetails: {
      serviceArn: record.deployment.serviceArn,
      targetServiceRevisionArn: record.targetRevisionArn,
      testTrafficWeights: hook.weights.test,
      productionTrafficWeights: hook.weights.production,
    },
    ...(hook.hookDetails ? { hookDetails: hook.hookDetails } : {}),
  };
}

export function lambdaCallsOf(record: ServiceDeploymentRecord, inFlight: readonly HookExecution[]): LambdaCall[] {
  return inFlight.map((hook) => ({
    kind: "lambda",
    serviceArn: record.deployment.serviceArn ?? "",
    serviceDeploymentArn: record.deployment.serviceDeploymentArn ?? "",
    hookId: hook.hookId,
    attempt: hook.inFlight ?? 1,
    functionArn: hook.targetArn ?? "",
    payload: lambdaPayload(record, hook),
  }));
}

/** The deployments (groups of tasks) a service deployment works with: its target, its source, the rest. */
export interface DeploymentRoles {
  targetId: string;
  sourceId?: string;
}

export function rolesOf(record: ServiceDeploymentRecord): DeploymentRoles {
  const source = record.sourceRevisionArns[0];
  return { targetId: deploymentIdOf(record.targetRevisionArn), ...(source ? { sourceId: deploymentIdOf(source) } : {}) };
}

/** Why a deployment failed, in words that follow "ECS deployment <id> failed: ". */
function reasonOf(progress: DeploymentProgress): string {
  const reason = progress.statusReason ?? STATUS_REASONS.hookFailed;
  return (reason.startsWith("deployment failed: ") ? reason.slice("deployment failed: ".length) : reason).replace(/\.$/, "");
}

/**
 * The service's deployments as the deployment's state says: the target rolls out (IN_PROGRESS,
 * then COMPLETED with SUCCESSFUL, FAILED when it fails); a rollback makes the source PRIMARY again,
 * rolling out until ROLLBACK_SUCCESSFUL. The same words as ECS's rolling deployments use.
 */
export function deploymentsAfter(deployments: readonly Wire<Deployment>[], record: ServiceDeploymentRecord, changes: readonly DeploymentChange[], nowMs: number): Wire<Deployment>[] {
  const { targetId, sourceId } = rolesOf(record);
  const progress = record.progress;
  const now = epochSeconds(nowMs);
  let next = [...deployments];
  const set = (id: string | undefined, patch: Partial<Wire<Deployment>>) => {
    next = next.map((d) => (d.id === id ? { ...d, ...patch, updatedAt: now } : d));
  };
  for (const change of changes) {
    if (change.kind !== "status") continue;
    const breaker = progress.statusReason?.startsWith(STATUS_REASONS.circuitBreaker) ?? false;
    switch (change.status) {
      case "SUCCESSFUL":
        set(targetId, { rolloutState: "COMPLETED", rolloutStateReason: `ECS deployment ${targetId} completed.` });
        break;
      case "ROLLBACK_IN_PROGRESS":
        set(targetId, { status: "ACTIVE", rolloutState: "FAILED", rolloutStateReason: breaker ? STATUS_REASONS.circuitBreaker : `ECS deployment ${targetId} failed: ${reasonOf(progress)}.` });
        if (sourceId && next.some((d) => d.id === sourceId)) {
          set(sourceId, {
            status: "PRIMARY",
            rolloutState: "IN_PROGRESS",
            rolloutStateReason: breaker ? `ECS deployment circuit breaker: rolling back to deploymentId ${sourceId}.` : `ECS deployment ${targetId} rolling back to deploymentId ${sourceId}.`,
          });
        }
        break;
      case "ROLLBACK_SUCCESSFUL":
        if (sourceId) set(sourceId, { rolloutState: "COMPLETED", rolloutStateReason: `ECS deployment ${sourceId} completed.` });
        break;
      case "ROLLBACK_FAILED":
      case "STOPPED":
        if (next.find((d) => d.id === targetId)?.status === "PRIMARY") set(targetId, { rolloutState: "FAILED", rolloutStateReason: breaker ? STATUS_REASONS.circuitBreaker : `ECS deployment ${targetId} failed: ${reasonOf(progress)}.` });
        break;
      default:
        break;
    }
  }
  // PRIMARY first, as ECS lists them.
  return next.sort((a, b) => (a.status === "PRIMARY" ? -1 : b.status === "PRIMARY" ? 1 : 0));
}

/** Service events for a deployment's changes, in ECS's words where it has them (docs/deployments.md). */
export function deploymentEvents(serviceName: string, record: ServiceDeploymentRecord, changes: readonly DeploymentChange[]): string[] {
  const { targetId, sourceId } = rolesOf(record);
  const deploymentId = record.deployment.serviceDeploymentArn?.split("/").pop() ?? "";
  const events: string[] = [];
  for (const change of changes) {
    if (change.kind === "hookFailure") {
      events.push(eventMessages.hookFailed(serviceName, deploymentId, change.hook));
    }
    if (change.kind !== "status") continue;
    const breaker = change.reason?.startsWith(STATUS_REASONS.circuitBreaker) ?? false;
    switch (change.status) {
      case "SUCCESSFUL":
        events.push(eventMessages.deploymentCompleted(serviceName, targetId));
        break;
      case "ROLLBACK_IN_PROGRESS":
        events.push(breaker ? eventMessages.circuitBreaker(serviceName, targetId) : eventMessages.deploymentFailed(serviceName, targetId, change.reason ?? STATUS_REASONS.hookFailed));
        if (sourceId) events.push(eventMessages.rolledBack(serviceName, sourceId));
        break;
      case "ROLLBACK_SUCCESSFUL":
        if (sourceId) events.push(eventMessages.deploymentCompleted(serviceName, sourceId));
        break;
      case "STOPPED":
      case "ROLLBACK_FAILED":
        if (breaker) events.push(eventMessages.circuitBreaker(serviceName, targetId));
        else if (change.reason !== STATUS_REASONS.superseded) events.push(eventMessages.deploymentFailed(serviceName, targetId, change.reason ?? change.status));
        break;
      default:
        break;
    }
  }
  return events;
}

/**
 * Writes the traffic shares the changes ask for on every listener rule the target revision shifts
 * traffic with. Returns service events for rules that could not be changed.
 */
export async function applyTraffic(tx: Tx, serviceName: string, target: Wire<ServiceRevision> | undefined, changes: readonly DeploymentChange[], now: number): Promise<string[]> {
  if (!target) return [];
  const problems: string[] = [];
  const resolved = revisionLoadBalancers(target);
  for (const change of changes) {
    if (change.kind !== "traffic") continue;
    for (const [i, lb] of (target.loadBalancers ?? []).entries()) {
      const advanced = lb.advancedConfiguration;
      const rule = change.listener === "production" ? advanced?.productionListenerRule : advanced?.testListenerRule;
      if (!advanced || !rule) continue;
      const green = resolved[i]?.targetGroupArn ?? "";
      const blue = green === lb.targetGroupArn ? (advanced.alternateTargetGroupArn ?? "") : (lb.targetGroupArn ?? "");
      const problem = await shiftTraffic(tx, scopeOfArn(target.serviceArn ?? ""), rule, blue, green, change.percent, now);
      if (problem) problems.push(eventMessages.trafficShiftFailed(serviceName, rule, problem));
    }
  }
  return problems;
}

/** A record is worth writing again when the machine changed something or the counts moved. */
export function deploymentChanged(before: ServiceDeploymentRecord, after: ServiceDeploymentRecord): boolean {
  return before.progress !== after.progress || JSON.stringify(before.counts) !== JSON.stringify(after.counts);
}

/**
 * Records the answer to a Lambda invocation (in its own transaction, after the call) and marks the
 * service due so the deployment acts on it. An answer to an attempt no longer in flight (made twice
 * after a restart, or the deployment moved on) changes nothing.
 */
export async function recordLambdaAnswer(tx: Tx, call: LambdaCall, outcome: LambdaOutcome, now: number): Promise<void> {
  const record = await tx.get("serviceDeployment", call.serviceDeploymentArn);
  if (!record || isFinished(record.progress.status)) return;
  const recorded = recordLambdaOutcome(record.progress, call.hookId, call.attempt, outcome, now);
  if (!recorded) return;
  await saveServiceDeployment(tx, { ...record, progress: recorded.progress, updatedAt: now }, [{ kind: "hook", hook: recorded.hook }]);
  const service = await tx.get("service", call.serviceArn);
  if (service && (service.reconcileAt === undefined || service.reconcileAt > now)) await tx.put("service", { ...service, reconcileAt: now });
}

