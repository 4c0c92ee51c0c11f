// Reconciling a service. ECS controller: a rolling deployment that honours maximumPercent and
// minimumHealthyPercent and the deployment circuit breaker; each deployment is a group observed by
// the one definition (src/domain/observedState.ts). Task-set controllers: the service follows its
// task sets.
import type { Deployment, Service, Tag, TaskDefinition } from "@aws-sdk/client-ecs";
import { syncTaskTargets, targetHealthOfTasks, withTargetHealth } from "../coupling/ecsLoadBalancing";
import { scopeKey, scopeOfArn } from "../domain/arn";
import type { RepeatedEvent } from "../domain/eventPacing";
import { countTasks, isInService, isServiceSteady, isSteady, observeGroup, observeTask } from "../domain/observedState";
import type { ServiceRecord, TaskRecord } from "../domain/records";
import { epochSeconds, type Wire } from "../protocol/wire";
import type { Tx } from "../store/store";
import { causeOf, causesOfOwner, eventMessages, noPassEvents, type PassEvents, recordServiceEvents, serviceLabel } from "./events";
import { advanceAll, isFailedTask, type ReconcileEnv, TaskBook, tasksOfOwner } from "./group";
import { observeTasks, surroundingsOf } from "./observe";
import { convergeTasks, earliest, failingRecheckAt, refreshServiceFromTaskSets } from "./reconcileTaskSet";

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

/** ECS's circuit breaker threshold: half the desired count, at least 3 and at most 200. */
export function circuitBreakerThreshold(desiredCount: number): number {
  return Math.min(200, Math.max(3, Math.ceil(desiredCount * 0.5)));
}

export async function reconcileService(tx: Tx, arn: string, env: ReconcileEnv): Promise<void> {
  const record = await tx.get("service", arn);
  if (!record) return;
  if ((record.service.deploymentController?.type ?? "ECS") !== "ECS") {
    await refreshServiceFromTaskSets(tx, record, env, noPassEvents());
    return;
  }
  await reconcileRollingService(tx, record, env);
}

async function reconcileRollingService(tx: Tx, record: ServiceRecord, env: ReconcileEnv): Promise<void> {
  // A copy: a rollback below changes its task definition, and stored records are shared.
  const service = { ...record.service };
  const arn = service.serviceArn ?? "";
  const scope = scopeOfArn(arn);
  const scopeId = scopeKey(scope);
  const cluster = await tx.get("cluster", service.clusterArn ?? "");
  if (!cluster) {
    await tx.put("service", { ...record, reconcileAt: undefined });
    return;
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
  let primary = deployments.find((d) => d.status === "PRIMARY");
  const ofDeployment = (d: Wire<Deployment>) => (t: TaskRecord) => t.task.startedBy === d.id;
  const nowSeconds = epochSeconds(env.now);

  // The circuit breaker: too many failed tasks in the primary deployment fail it (and may roll back).
  // ECS words it "tasks failed to start" whether they failed to start or failed their health checks.
  if (primary && breaker?.enable && primary.rolloutState === "IN_PROGRESS") {
    const failed = book.tasks.filter((t) => ofDeployment(primary as Wire<Deployment>)(t) && isFailedTask(t)).length;
    if (failed >= circuitBreakerThreshold(desired)) {
      happened.push(eventMessages.circuitBreaker(serviceName, primary.id ?? ""));
      const failedDeployment: Wire<Deployment> = { ...primary, rolloutState: "FAILED", rolloutStateReason: "ECS deployment circuit breaker: tasks failed to start.", updatedAt: nowSeconds };
      deployments = deployments.map((d) => (d.id === failedDeployment.id ? failedDeployment : d));
      const previous = deployments.find((d) => d.status === "ACTIVE" && d.rolloutState === "COMPLETED");
      if (breaker.rollback && previous) {
        happened.push(eventMessages.rolledBack(serviceName, previous.id ?? ""));
        deployments = [
          { ...previous, status: "PRIMARY", desiredCount: desired, rolloutState: "IN_PROGRESS", rolloutStateReason: `ECS deployment circuit breaker: rolling back to deploymentId ${previous.id}.`, updatedAt: nowSeconds },
          ...deployments.filter((d) => d.id !== previous.id).map((d) => (d.status === "PRIMARY" ? { ...d, status: "ACTIVE" } : d)),
        ];
        service.taskDefinition = previous.taskDefinition;
      }
      primary = deployments.find((d) => d.status === "PRIMARY");
    }
  }

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
  if (primary && defs.has(primary.taskDefinition ?? "")) {
    // maximumPercent bounds the service's tasks in the RUNNING or PENDING state (as counted by the definition).
    const counts = countTasks(observeTasks(book.tasks, around));
    const maxStart = Math.max(0, maxTotal - counts.running - counts.pending);
    const primaryBook = books.get(primary.id ?? "") as TaskBook;
    startsHeldByMaximum = maxStart === 0 && primary.rolloutState !== "FAILED" && primaryBook.live().length < desired;
    const result = await convergeTasks(tx, env, primaryBook, {
      desired,
      label,
      owner: arn,
      startedBy: primary.id ?? "",
      gracePeriodSeconds: service.healthCheckGracePeriodSeconds ?? 0,
      around,
      template: templateFor(primary),
      maxStart,
      holdStarts: primary.rolloutState === "FAILED",
      failingTargets: health.failing,
    });
    progressed ||= result.started.length > 0 || result.stopped.length > 0;
    passes.push(result.events);
    recheckAt = earliest(recheckAt, result.recheckAt);
  }
  // Older deployments drain, keeping enough tasks in service to honour minimumHealthyPercent.
  const primaryInService = primary ? (books.get(primary.id ?? "")?.tasks ?? []).filter(inService).length : 0;
  let stillNeeded = Math.max(0, minHealthy - primaryInService);
  for (const d of deployments) {
    if (d === primary) continue;
    const own = books.get(d.id ?? "") as TaskBook;
    const keep = Math.min(own.tasks.filter(inService).length, stillNeeded);
    stillNeeded -= keep;
    const result = await convergeTasks(tx, env, own, {
      desired: keep,
      label,
      owner: arn,
      startedBy: d.id ?? "",
      gracePeriodSeconds: service.healthCheckGracePeriodSeconds ?? 0,
      around,
      template: templateFor(d),
      holdStarts: true,
      failingTargets: health.failing,
    });
    progressed ||= result.stopped.length > 0;
    passes.push(result.events);
    recheckAt = earliest(recheckAt, result.recheckAt);
  }
  for (const own of books.values()) {
    for (const t of own.tasks) {
      const i = book.tasks.findIndex((x) => x.task.taskArn === t.task.taskArn);
      if (i < 0) book.add(t);
      else if (book.tasks[i] !== t) book.replace(book.tasks[i], t);
    }
  }
  // Targets follow the tasks (src/coupling/ecsLoadBalancing.ts); a task whose targets drained moves on.
  const targets = await syncTaskTargets(tx, env.now, book, loadBalancers, label);
  passes.unshift({ happened: targets.deregistered, repeated: [], evaluated: () => false });
  happened.unshift(...targets.registered);
  advanceAll(book, env, defs);
  await book.save(tx, env);
  const healthNow = await targetHealthOfTasks(tx, book.tasks, env.now, expectsTargets);
  const aroundNow = withTargetHealth(around, healthNow);
  recheckAt = earliest(recheckAt, targets.recheckAt, healthNow.changesAt, book.nextStepAt(), failingRecheckAt(book.tasks, healthNow.failing, service.healthCheckGracePeriodSeconds ?? 0));

  // Observed state: each deployment is a group (the primary wants `desired`, older ones retire).
  const updatedDeployments: Wire<Deployment>[] = [];
  const groupsSteady: boolean[] = [];
  for (const d of deployments) {
    const mine = book.tasks.filter(ofDeployment(d));
    if (d !== primary && mine.every((t) => t.task.lastStatus === "STOPPED")) continue; // a drained deployment is gone
    const group = observeGroup(observeTasks(mine, aroundNow), { desiredCount: d === primary ? desired : 0, retiring: d !== primary });
    groupsSteady.push(isSteady(group));
    const next: Wire<Deployment> = {
      ...d,
      desiredCount: d === primary ? desired : 0,
      runningCount: group.runningCount,
      pendingCount: group.pendingCount,
      failedTasks: mine.filter(isFailedTask).length,
    };
    if (next.runningCount !== d.runningCount || next.pendingCount !== d.pendingCount || next.failedTasks !== d.failedTasks) next.updatedAt = nowSeconds;
    updatedDeployments.push(next);
  }
  const steady = isServiceSteady(service, groupsSteady);
  let primaryNow = updatedDeployments.find((d) => d.status === "PRIMARY");
  if (primaryNow && primaryNow.rolloutState === "IN_PROGRESS" && steady) {
    primaryNow = { ...primaryNow, rolloutState: "COMPLETED", rolloutStateReason: `ECS deployment ${primaryNow.id} completed.`, updatedAt: nowSeconds };
    updatedDeployments[updatedDeployments.findIndex((d) => d.status === "PRIMARY")] = primaryNow;
    happened.push(eventMessages.deploymentCompleted(serviceName, primaryNow.id ?? ""));
  }
  const counts = countTasks(observeTasks(book.tasks, aroundNow));
  let status = service.status;
  if (status === "DRAINING" && book.tasks.every((t) => t.task.lastStatus === "STOPPED")) status = "INACTIVE";
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
  await tx.put("service", { ...next, reconcileAt: status === "INACTIVE" ? undefined : earliest(recheckAt, nextRepeatAt) });
}
