// Reconciling a service. ECS controller: each deployment ("ecs-svc/<id>", running service revision
// <id>) is a group of tasks observed by the one definition (src/domain/observedState.ts). The
// service's current service deployment moves through the one state machine
// (src/domain/deploymentMachine.ts), before the groups converge (requests, the circuit breaker) and
// after (what the new observations allow). A ROLLING deployment converges its groups honouring
// maximumPercent and minimumHealthyPercent; BLUE_GREEN, LINEAR and CANARY scale each group to what
// the machine asks, and shift listener rule weights as it asks. Task-set controllers: the service
// follows its task sets.
import type { Deployment, Service, Tag, TaskDefinition } from "@aws-sdk/client-ecs";
import { syncTaskTargets, targetHealthOfTasks, withTargetHealth } from "../coupling/ecsLoadBalancing";
import { scopeKey, scopeOfArn } from "../domain/arn";
import { shiftsTraffic } from "../domain/deploymentConfig";
import { advanceDeployment, claimInvocations, type DeploymentChange, type DeploymentFacts, type DeploymentProgress, isFinished } from "../domain/deploymentMachine";
import type { RepeatedEvent } from "../domain/eventPacing";
import { countTasks, type GroupObservation, isInService, isServiceSteady, isSteady, observeGroup, observeTask } from "../domain/observedState";
import type { ServiceDeploymentRecord, ServiceRecord, TaskRecord } from "../domain/records";
import { circuitBreakerThreshold, revisionLoadBalancers } from "../domain/serviceDeploymentViews";
import { epochSeconds, type Wire } from "../protocol/wire";
import type { Tx } from "../store/store";
import { causeOf, causesOfOwner, eventMessages, noPassEvents, type PassEvents, recordServiceEvents, serviceLabel } from "./events";
import { advanceAll, isFailedTask, type ReconcileEnv, TaskBook, tasksOfOwner } from "./group";
import { observeTasks, surroundingsOf } from "./observe";
import { convergeTasks, earliest, failingRecheckAt, refreshServiceFromTaskSets } from "./reconcileTaskSet";
import { applyTraffic, deploymentChanged, deploymentEvents, deploymentsAfter, lambdaCallsOf, type OutboundCall, rolesOf, saveServiceDeployment } from "./serviceDeployments";
import { forgetServiceDeployments, revisionArnOf } from "../api/ecs/serviceDeployments";

/**
 * Tags of a service's new tasks: ECS-managed tags when enabled, then the service's or the task
 * definition's tags as propagateTags says (a key set earlier wins).
 */
export function serviceTaskTags(service: Wire<Service>, clusterName: string, taskDefinitionTags: readonly Tag[]): Tag[] {
  const tags: Tag[] = [];
  if (service.enableECSManagedTags) {
    tags.push({ key: "aws:ecs:clusterName", value: clusterName }, { key: "aws:ecs:serviceName", value: service.serviceName ?? "" });
  }
  const propagated = service.propagateTags === "SERVICE" ? service.tags ?? [] : service.propagateTags === "TASK_DEFINITION" ? taskDefinitionTags : [];
  for (const tag of propagated) if (!tags.some((t) => t.key === tag.key)) tags.push(tag);
  return tags;
}

export { circuitBreakerThreshold };

export async function reconcileService(tx: Tx, arn: string, env: ReconcileEnv): Promise<OutboundCall[]> {
  const record = await tx.get("service", arn);
  if (!record) return [];
  if ((record.service.deploymentController?.type ?? "ECS") !== "ECS") {
    await refreshServiceFromTaskSets(tx, record, env, noPassEvents());
    return [];
  }
  return reconcileEcsService(tx, record, env);
}

/** Deployments a newer one superseded finish stopping. */
async function stopSupersededDeployments(tx: Tx, record: ServiceRecord, now: number): Promise<ServiceRecord> {
  if (!record.supersededDeployments?.length) return record;
  for (const arn of record.supersededDeployments) {
    const sd = await tx.get("serviceDeployment", arn);
    if (!sd || isFinished(sd.progress.status)) continue;
    const stopped = advanceDeployment({ ...sd.progress, requested: "STOP" }, STOPPED_FACTS(now), undefined, { target: sd.targetRevisionArn }, NO_IDS);
    await saveServiceDeployment(tx, { ...sd, progress: stopped.progress, updatedAt: now }, stopped.changes);
  }
  const { supersededDeployments: _done, ...rest } = record;
  return rest;
}

/** How often a service with a Lambda invocation in flight is looked at again (to remake it after a restart). */
export const IN_FLIGHT_RECHECK_MS = 30_000;

const STOPPED_FACTS = (now: number): DeploymentFacts => ({ now, targetSteady: false, targetDrained: false, sourceSteady: false, sourceDrained: false, extrasDrained: false, serviceSteady: false, hasSource: false });
const NO_IDS = { token: () => "", uuid: () => "" };

/** What a group of tasks asks of the machine: steady at its desired count, or drained. */
interface GroupState {
  steady: boolean;
  drained: boolean;
}

function groupState(tasks: readonly TaskRecord[], around: Parameters<typeof observeTasks>[1], desired: number, retiring: boolean): GroupState & { observed: GroupObservation } {
  const observed = observeGroup(observeTasks(tasks, around), { desiredCount: desired, retiring });
  return { observed, steady: isSteady(observed), drained: tasks.every((t) => t.task.lastStatus === "STOPPED") };
}

async function reconcileEcsService(tx: Tx, stored: ServiceRecord, env: ReconcileEnv): Promise<OutboundCall[]> {
  const record = await stopSupersededDeployments(tx, stored, env.now);
  // A copy: a rollback below changes its task definition, and stored records are shared.
  const service = { ...record.service };
  const arn = service.serviceArn ?? "";
  const scope = scopeOfArn(arn);
  const scopeId = scopeKey(scope);
  const cluster = await tx.get("cluster", service.clusterArn ?? "");
  if (!cluster) {
    await tx.put("service", { ...record, reconcileAt: undefined });
    return [];
  }
  const clusterArn = cluster.cluster.clusterArn ?? "";
  const book = new TaskBook(await tasksOfOwner(tx, scopeId, clusterArn, arn));
  const defs = new Map<string, Wire<TaskDefinition>>();
  const defTags = new Map<string, Tag[]>();
  for (const d of service.deployments ?? []) {
    const def = await tx.get("taskDefinition", d.taskDefinition ?? "");
    if (!def) continue;
    defs.set(def.taskDefinition.taskDefinitionArn ?? "", def.taskDefinition);
    defTags.set(def.taskDefinition.taskDefinitionArn ?? "", def.tags);
  }
  advanceAll(book, env, defs);
  const loadBalancers = service.loadBalancers ?? [];
  const expectsTargets = loadBalancers.some((lb) => lb.targetGroupArn);
  const health = await targetHealthOfTasks(tx, book.tasks, env.now, expectsTargets);
  const around = withTargetHealth(await surroundingsOf(tx, scopeId, clusterArn), health);
  const serviceName = service.serviceName ?? "";
  const label = serviceLabel(serviceName);
  const desired = service.status === "ACTIVE" ? service.desiredCount ?? 0 : 0;
  const config = service.deploymentConfiguration ?? {};
  const maxTotal = Math.max(desired, Math.floor((desired * (config.maximumPercent ?? 200)) / 100));
  const minHealthy = Math.ceil((desired * (config.minimumHealthyPercent ?? 100)) / 100);
  const breaker = config.deploymentCircuitBreaker;
  const happened: string[] = [];
  const repeated: RepeatedEvent[] = [];
  let recheckAt: number | undefined;
  let deployments = [...(service.deployments ?? [])];
  const ofDeployment = (d: Wire<Deployment>) => (t: TaskRecord) => t.task.startedBy === d.id;
  const tasksOf = (id: string | undefined) => book.tasks.filter((t) => t.task.startedBy === id);
  const nowSeconds = epochSeconds(env.now);

  // The current service deployment and what it works with.
  const currentArn = service.currentServiceDeployment;
  const sd = currentArn ? await tx.get("serviceDeployment", currentArn) : undefined;
  let progress: DeploymentProgress | undefined = sd?.progress;
  const roles = sd ? rolesOf(sd) : undefined;
  const target = sd ? await tx.get("serviceRevision", sd.targetRevisionArn) : undefined;
  const deploymentConfig = sd?.deployment.deploymentConfiguration;
  const payloadRevisions = sd ? { target: sd.targetRevisionArn, ...(sd.sourceRevisionArns[0] ? { source: sd.sourceRevisionArns[0] } : {}) } : { target: "" };
  const changes: DeploymentChange[] = [];
  let wakeAt: number | undefined;
  /** What the machine asks each group for (traffic-shifting strategies while the deployment runs). */
  const planOf = (p: DeploymentProgress | undefined) =>
    p && sd && shiftsTraffic(p.strategy) && !isFinished(p.status) ? { target: p.targetUp ? desired : 0, source: p.sourceUp ? desired : 0 } : undefined;
  const desiredOfGroup = (d: Wire<Deployment>, plan: ReturnType<typeof planOf>, primaryId: string | undefined) =>
    plan ? (d.id === roles?.targetId ? plan.target : d.id === roles?.sourceId ? plan.source : 0) : d.id === primaryId ? desired : 0;
  /**
   * Each deployment observed as a group by the one definition: the primary wants `desired` and older
   * ones retire (ROLLING), or each wants what the running deployment asks of it. A deployment that
   * wants nothing and has no task left is gone.
   */
  const observeDeployments = (list: readonly Wire<Deployment>[], plan: ReturnType<typeof planOf>, surroundings = around) => {
    const primaryId = list.find((d) => d.status === "PRIMARY")?.id;
    const states = new Map<string, GroupState & { observed: GroupObservation }>();
    const kept: Wire<Deployment>[] = [];
    for (const d of list) {
      const groupDesired = desiredOfGroup(d, plan, primaryId);
      const state = groupState(tasksOf(d.id), surroundings, groupDesired, !plan && d.id !== primaryId);
      if (d.id !== primaryId && groupDesired === 0 && state.drained) continue;
      states.set(d.id ?? "", state);
      kept.push(d);
    }
    return { kept, states };
  };
  const factsOf = (observed: ReturnType<typeof observeDeployments>): DeploymentFacts => {
    const { kept, states } = observed;
    const targetState = states.get(roles?.targetId ?? "");
    const sourceState = states.get(roles?.sourceId ?? "");
    const failed = tasksOf(roles?.targetId).filter(isFailedTask).length;
    return {
      now: env.now,
      targetSteady: (targetState?.steady ?? false) && targetState?.observed.desiredCount === desired,
      targetDrained: targetState?.drained ?? true,
      sourceSteady: (sourceState?.steady ?? false) && sourceState?.observed.desiredCount === desired,
      sourceDrained: sourceState?.drained ?? true,
      extrasDrained: kept.every((d) => d.id === roles?.targetId || d.id === roles?.sourceId || (states.get(d.id ?? "")?.drained ?? true)),
      serviceSteady: isServiceSteady(service, [...states.values()].map((g) => g.steady)) && kept.length === 1,
      // A rollback needs the source revision's deployment still there (ROLLING: completed, as ECS
      // rolls back to the last deployment that completed).
      hasSource: kept.some((d) => d.id === roles?.sourceId && (progress?.strategy !== "ROLLING" || d.rolloutState === "COMPLETED")),
      ...(breaker?.enable ? { breaker: { failureCount: failed, tripped: failed >= circuitBreakerThreshold(desired), rollback: breaker.rollback ?? false } } : {}),
    };
  };
  const step = (facts: DeploymentFacts) => {
    if (!sd || !progress || isFinished(progress.status)) return;
    const advanced = advanceDeployment(progress, facts, deploymentConfig, payloadRevisions, env.ids);
    progress = advanced.progress;
    changes.push(...advanced.changes);
    wakeAt = earliest(wakeAt, advanced.wakeAt);
    deployments = deploymentsAfter(deployments, { ...sd, progress }, advanced.changes, env.now);
    // A rollback runs the source revision's task definition again.
    const primaryNow = deployments.find((d) => d.status === "PRIMARY");
    if (primaryNow?.taskDefinition) service.taskDefinition = primaryNow.taskDefinition;
  };

  // Before the groups converge: requests (stop, roll back), the circuit breaker, what the clock allows.
  step(factsOf(observeDeployments(deployments, planOf(progress))));
  const plan = planOf(progress);
  const primary = deployments.find((d) => d.status === "PRIMARY");

  const templateFor = (d: Wire<Deployment>) => ({
    scope,
    cluster,
    owner: arn,
    startedBy: d.id ?? "",
    group: `service:${serviceName}`,
    taskDefinition: defs.get(d.taskDefinition ?? "") ?? {},
    launch: d,
    tags: serviceTaskTags(service, cluster.cluster.clusterName ?? "", defTags.get(d.taskDefinition ?? "") ?? []),
    placementStrategy: service.placementStrategy?.[0]?.type,
  });

  // Each deployment's tasks are converged on their own; the books are written back together.
  const books = new Map(deployments.map((d) => [d.id ?? "", new TaskBook(book.tasks.filter(ofDeployment(d)))] as const));
  const inService = (t: TaskRecord) => isInService(observeTask(t.task, around));
  const passes: PassEvents[] = [];
  let progressed = false;
  let startsHeldByMaximum = false;
  const convergeGroup = async (d: Wire<Deployment>, groupDesired: number, options: { maxStart?: number; holdStarts: boolean }) => {
    const result = await convergeTasks(tx, env, books.get(d.id ?? "") as TaskBook, {
      desired: groupDesired,
      label,
      owner: arn,
      startedBy: d.id ?? "",
      gracePeriodSeconds: service.healthCheckGracePeriodSeconds ?? 0,
      around,
      template: templateFor(d),
      ...(options.maxStart !== undefined ? { maxStart: options.maxStart } : {}),
      holdStarts: options.holdStarts,
      failingTargets: health.failing,
    });
    passes.push(result.events);
    recheckAt = earliest(recheckAt, result.recheckAt);
    return result;
  };
  if (plan) {
    // BLUE_GREEN, LINEAR, CANARY: each revision at what the deployment asks, independently.
    for (const d of deployments) {
      if (!defs.has(d.taskDefinition ?? "")) continue;
      const groupDesired = desiredOfGroup(d, plan, primary?.id);
      const result = await convergeGroup(d, groupDesired, { holdStarts: groupDesired === 0 || d.rolloutState === "FAILED" });
      progressed ||= result.started.length > 0 || result.stopped.length > 0;
    }
  } else {
    if (primary && defs.has(primary.taskDefinition ?? "")) {
      // maximumPercent bounds the service's tasks in the RUNNING or PENDING state (as counted by the definition).
      const counts = countTasks(observeTasks(book.tasks, around));
      const maxStart = Math.max(0, maxTotal - counts.running - counts.pending);
      const primaryBook = books.get(primary.id ?? "") as TaskBook;
      startsHeldByMaximum = maxStart === 0 && primary.rolloutState !== "FAILED" && primaryBook.live().length < desired;
      const result = await convergeGroup(primary, desired, { maxStart, holdStarts: primary.rolloutState === "FAILED" });
      progressed ||= result.started.length > 0 || result.stopped.length > 0;
    }
    // Older deployments drain, keeping enough tasks in service to honour minimumHealthyPercent.
    const primaryInService = primary ? (books.get(primary.id ?? "")?.tasks ?? []).filter(inService).length : 0;
    let stillNeeded = Math.max(0, minHealthy - primaryInService);
    for (const d of deployments) {
      if (d === primary) continue;
      const own = books.get(d.id ?? "") as TaskBook;
      const keep = Math.min(own.tasks.filter(inService).length, stillNeeded);
      stillNeeded -= keep;
      const result = await convergeGroup(d, keep, { holdStarts: true });
      progressed ||= result.stopped.length > 0;
    }
  }
  // Targets follow the tasks (src/coupling/ecsLoadBalancing.ts), each deployment's in the target
  // groups its revision resolved to (a green revision's in the alternate target group).
  const registered: string[] = [];
  const deregistered: string[] = [];
  for (const d of deployments) {
    const own = books.get(d.id ?? "");
    if (!own) continue;
    const revision = await tx.get("serviceRevision", revisionArnOf(service, d.id ?? ""));
    const targets = await syncTaskTargets(tx, env.now, own, revision ? revisionLoadBalancers(revision.revision) : loadBalancers, label);
    registered.push(...targets.registered);
    deregistered.push(...targets.deregistered);
    recheckAt = earliest(recheckAt, targets.recheckAt);
  }
  passes.unshift({ happened: deregistered, repeated: [], evaluated: () => false });
  happened.unshift(...registered);
  for (const own of books.values()) {
    for (const t of own.tasks) {
      const i = book.tasks.findIndex((x) => x.task.taskArn === t.task.taskArn);
      if (i < 0) book.add(t);
      else if (book.tasks[i] !== t) book.replace(book.tasks[i], t);
    }
  }
  // A task whose targets drained moves on.
  advanceAll(book, env, defs);
  await book.save(tx, env);
  const healthNow = await targetHealthOfTasks(tx, book.tasks, env.now, expectsTargets);
  const aroundNow = withTargetHealth(around, healthNow);
  recheckAt = earliest(recheckAt, healthNow.changesAt, book.nextStepAt(), failingRecheckAt(book.tasks, healthNow.failing, service.healthCheckGracePeriodSeconds ?? 0));

  // After: what the groups' new state allows (a steady green revision, a drained blue one, a steady
  // service). Drained deployments are gone from here on.
  deployments = observeDeployments(deployments, plan, aroundNow).kept;
  step(factsOf(observeDeployments(deployments, plan, aroundNow)));
  const planAfter = planOf(progress);
  if (JSON.stringify(planAfter) !== JSON.stringify(plan)) recheckAt = earliest(recheckAt, env.now);

  // Observed state: each deployment's counts, and whether every group is steady.
  const primaryAfter = deployments.find((d) => d.status === "PRIMARY");
  const observedAfter = observeDeployments(deployments, planAfter, aroundNow);
  const updatedDeployments: Wire<Deployment>[] = [];
  const groupsSteady: boolean[] = [];
  for (const d of deployments) {
    const mine = tasksOf(d.id);
    const state = observedAfter.states.get(d.id ?? "");
    const group = state?.observed ?? observeGroup(observeTasks(mine, aroundNow), { desiredCount: desiredOfGroup(d, planAfter, primaryAfter?.id), retiring: !planAfter && d !== primaryAfter });
    groupsSteady.push(isSteady(group));
    const next: Wire<Deployment> = {
      ...d,
      desiredCount: group.desiredCount,
      runningCount: group.runningCount,
      pendingCount: group.pendingCount,
      failedTasks: mine.filter(isFailedTask).length,
    };
    if (next.runningCount !== d.runningCount || next.pendingCount !== d.pendingCount || next.failedTasks !== d.failedTasks) next.updatedAt = nowSeconds;
    updatedDeployments.push(next);
  }
  // While a blue/green, linear or canary deployment runs, the service is not in a steady state.
  const steady = isServiceSteady(service, groupsSteady) && !planAfter;
  let primaryNow = updatedDeployments.find((d) => d.status === "PRIMARY");
  if (!sd && primaryNow && primaryNow.rolloutState === "IN_PROGRESS" && steady) {
    // A service from before service deployments: its rollout completes when it is steady.
    primaryNow = { ...primaryNow, rolloutState: "COMPLETED", rolloutStateReason: `ECS deployment ${primaryNow.id} completed.`, updatedAt: nowSeconds };
    updatedDeployments[updatedDeployments.findIndex((d) => d.status === "PRIMARY")] = primaryNow;
    happened.push(eventMessages.deploymentCompleted(serviceName, primaryNow.id ?? ""));
  }
  const calls: OutboundCall[] = [];
  if (sd && progress) {
    happened.push(...deploymentEvents(serviceName, { ...sd, progress }, changes));
    happened.push(...(await applyTraffic(tx, serviceName, target?.revision, changes, env.now)));
    const claimed = claimInvocations(progress, env.now);
    progress = claimed.progress;
    // Counts freeze once the deployment has finished (they are the counts it finished with).
    const counts = isFinished(sd.progress.status) ? sd.counts : countsOf(sd, updatedDeployments, service);
    const next: ServiceDeploymentRecord = { ...sd, progress, counts };
    if (deploymentChanged(sd, next)) await saveServiceDeployment(tx, { ...next, updatedAt: env.now }, changes);
    calls.push(...lambdaCallsOf(next, claimed.inFlight));
    // While an invocation is in flight the service is looked at again now and then: the call is made
    // once per process, and a process started after a crash makes the ones left unanswered.
    if (claimed.inFlight.length) wakeAt = earliest(wakeAt, env.now + IN_FLIGHT_RECHECK_MS);
  }
  const counts = countTasks(observeTasks(book.tasks, aroundNow));
  let status = service.status;
  if (status === "DRAINING" && book.tasks.every((t) => t.task.lastStatus === "STOPPED")) status = "INACTIVE";
  if (status === "INACTIVE" && service.status !== "INACTIVE") await forgetServiceDeployments(tx, arn);
  // maximumPercent leaves no room to start a task and minimumHealthyPercent none to stop one.
  if (startsHeldByMaximum && !progressed && book.tasks.some((t) => t.task.startedBy !== primary?.id && t.task.desiredStatus === "RUNNING")) {
    repeated.push({ cause: causeOf("deployment-configuration", arn), message: eventMessages.deploymentConfigurationBlocks(serviceName) });
  }
  const pass: PassEvents = {
    happened: [...passes.flatMap((p) => p.happened), ...happened],
    repeated: [...repeated, ...passes.flatMap((p) => p.repeated)],
    evaluated: causesOfOwner(arn),
  };
  const counted: ServiceRecord = {
    ...record,
    service: { ...service, status, runningCount: counts.running, pendingCount: counts.pending, deployments: updatedDeployments.sort((a, b) => (a.status === "PRIMARY" ? -1 : b.status === "PRIMARY" ? 1 : 0)) },
  };
  const { record: next, nextRepeatAt } = recordServiceEvents(counted, pass, steady, env.now, env.ids);
  await tx.put("service", { ...next, reconcileAt: status === "INACTIVE" ? undefined : earliest(recheckAt, nextRepeatAt, wakeAt) });
  return calls;
}

/** Each revision's requested, running and pending tasks, from the service's deployments. */
function countsOf(sd: ServiceDeploymentRecord, deployments: readonly Wire<Deployment>[], service: Wire<Service>): ServiceDeploymentRecord["counts"] {
  const counts: ServiceDeploymentRecord["counts"] = {};
  for (const revision of [sd.targetRevisionArn, ...sd.sourceRevisionArns]) {
    const d = deployments.find((x) => revisionArnOf(service, x.id ?? "") === revision);
    counts[revision] = { requested: d?.desiredCount ?? 0, running: d?.runningCount ?? 0, pending: d?.pendingCount ?? 0 };
  }
  return counts;
}

