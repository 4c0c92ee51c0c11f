// Reconciling a service. ECS controller: a rolling deployment that honours maximumPercent and
// minimumHealthyPercent and the deployment circuit breaker. Task-set controllers: the service
// follows its task sets.
import type { Deployment, Service, Tag, TaskDefinition } from "@aws-sdk/client-ecs";
import type { ServiceRecord, TaskRecord } from "../domain/records";
import { epochSeconds, type Wire } from "../protocol/wire";
import type { Tx } from "../store/store";
import { eventMessages, serviceLabel, withEvents } from "./events";
import { advanceAll, drainingInstances, isFailedTask, type ReconcileEnv, TaskBook, tasksOfOwner } from "./group";
import { scopeKey, scopeOfArn } from "../domain/arn";
import { convergeTasks, earliest, observe, refreshServiceFromTaskSets } from "./reconcileTaskSet";

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
    await refreshServiceFromTaskSets(tx, record, env, []);
    return;
  }
  await reconcileRollingService(tx, record, env);
}

async function reconcileRollingService(tx: Tx, record: ServiceRecord, env: ReconcileEnv): Promise<void> {
  const service = record.service;
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
  const draining = await drainingInstances(tx, scopeId, clusterArn);
  const serviceName = service.serviceName ?? "";
  const label = serviceLabel(serviceName);
  const desired = service.status === "ACTIVE" ? service.desiredCount ?? 0 : 0;
  const config = service.deploymentConfiguration ?? {};
  const maxTotal = Math.max(desired, Math.floor((desired * (config.maximumPercent ?? 200)) / 100));
  const minHealthy = Math.ceil((desired * (config.minimumHealthyPercent ?? 100)) / 100);
  const breaker = config.deploymentCircuitBreaker;
  const events: string[] = [];
  let recheckAt: number | undefined;
  let deployments = [...(service.deployments ?? [])];
  let primary = deployments.find((d) => d.status === "PRIMARY");
  const ofDeployment = (d: Wire<Deployment>) => (t: TaskRecord) => t.task.startedBy === d.id;
  const nowSeconds = epochSeconds(env.now);

  // The circuit breaker: too many failed tasks in the primary deployment fail it (and may roll back).
  if (primary && breaker?.enable && primary.rolloutState === "IN_PROGRESS") {
    const failed = book.tasks.filter((t) => ofDeployment(primary as Wire<Deployment>)(t) && isFailedTask(t)).length;
    if (failed >= circuitBreakerThreshold(desired)) {
      events.push(eventMessages.circuitBreaker(serviceName, primary.id ?? ""));
      const failedDeployment: Wire<Deployment> = { ...primary, rolloutState: "FAILED", rolloutStateReason: "ECS deployment circuit breaker: tasks failed to start.", updatedAt: nowSeconds };
      deployments = deployments.map((d) => (d.id === failedDeployment.id ? failedDeployment : d));
      const previous = deployments.find((d) => d.status === "ACTIVE" && d.rolloutState === "COMPLETED");
      if (breaker.rollback && previous) {
        events.push(eventMessages.rolledBack(serviceName, previous.id ?? "", previous.taskDefinition ?? ""));
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

  const updatedDeployments: Wire<Deployment>[] = [];
  // Each deployment's tasks are converged on their own; the books are written back together.
  const books = new Map(deployments.map((d) => [d.id ?? "", new TaskBook(book.tasks.filter(ofDeployment(d)))] as const));
  const healthyRunning = (t: TaskRecord) => t.task.desiredStatus === "RUNNING" && t.task.lastStatus === "RUNNING" && t.task.healthStatus !== "UNHEALTHY" && !draining.has(t.task.containerInstanceArn ?? "");
  if (primary && defs.has(primary.taskDefinition ?? "")) {
    const result = await convergeTasks(tx, env, books.get(primary.id ?? "") as TaskBook, {
      desired,
      label,
      startedBy: primary.id ?? "",
      gracePeriodSeconds: service.healthCheckGracePeriodSeconds ?? 0,
      draining,
      template: templateFor(primary),
      maxStart: Math.max(0, maxTotal - book.live().length),
      holdStarts: primary.rolloutState === "FAILED",
    });
    events.push(...result.events);
    recheckAt = earliest(recheckAt, result.recheckAt);
  }
  // Older deployments drain, keeping enough healthy tasks running to honour minimumHealthyPercent.
  const primaryHealthy = primary ? (books.get(primary.id ?? "")?.tasks ?? []).filter(healthyRunning).length : 0;
  let stillNeeded = Math.max(0, minHealthy - primaryHealthy);
  for (const d of deployments) {
    if (d === primary) continue;
    const own = books.get(d.id ?? "") as TaskBook;
    const keep = Math.min(own.tasks.filter(healthyRunning).length, stillNeeded);
    stillNeeded -= keep;
    const result = await convergeTasks(tx, env, own, {
      desired: keep,
      label,
      startedBy: d.id ?? "",
      gracePeriodSeconds: service.healthCheckGracePeriodSeconds ?? 0,
      draining,
      template: templateFor(d),
      holdStarts: true,
    });
    events.push(...result.events);
    recheckAt = earliest(recheckAt, result.recheckAt);
  }
  for (const own of books.values()) {
    for (const t of own.tasks) {
      const i = book.tasks.findIndex((x) => x.task.taskArn === t.task.taskArn);
      if (i < 0) book.add(t);
      else if (book.tasks[i] !== t) book.replace(book.tasks[i], t);
    }
  }
  await book.save(tx, env);

  for (const d of deployments) {
    const mine = book.tasks.filter(ofDeployment(d));
    const observed = observe(mine, draining);
    const failedTasks = mine.filter(isFailedTask).length;
    const live = mine.filter((t) => t.task.lastStatus !== "STOPPED").length;
    if (d !== primary && live === 0) continue; // a drained deployment is gone
    const next: Wire<Deployment> = {
      ...d,
      desiredCount: d === primary ? desired : 0,
      runningCount: observed.runningCount,
      pendingCount: observed.pendingCount,
      failedTasks,
    };
    if (next.runningCount !== d.runningCount || next.pendingCount !== d.pendingCount || next.failedTasks !== d.failedTasks) next.updatedAt = nowSeconds;
    updatedDeployments.push(next);
  }
  let primaryNow = updatedDeployments.find((d) => d.status === "PRIMARY");
  const onlyPrimary = updatedDeployments.length === 1 && primaryNow !== undefined;
  const observedAll = observe(book.tasks, draining);
  if (primaryNow && primaryNow.rolloutState === "IN_PROGRESS" && onlyPrimary && observedAll.runningCount === desired && observedAll.pendingCount === 0 && observedAll.unhealthyCount === 0 && observedAll.onDrainingInstanceCount === 0) {
    primaryNow = { ...primaryNow, rolloutState: "COMPLETED", rolloutStateReason: `ECS deployment ${primaryNow.id} completed.`, updatedAt: nowSeconds };
    updatedDeployments[0] = primaryNow;
    events.push(eventMessages.deploymentCompleted(serviceName, primaryNow.id ?? ""));
  }
  const steady = service.status === "ACTIVE" && onlyPrimary && primaryNow?.rolloutState === "COMPLETED" && observedAll.runningCount === desired && observedAll.pendingCount === 0;
  // Tasks started or stopped in this pass mean the service was not steady before it.
  const wasSteady = record.observedSteady === true && events.length === 0;
  if (steady && !wasSteady) events.push(eventMessages.steady(serviceName));
  let status = service.status;
  if (status === "DRAINING" && book.tasks.every((t) => t.task.lastStatus === "STOPPED")) status = "INACTIVE";
  const next: Wire<Service> = withEvents(
    { ...service, status, runningCount: observedAll.runningCount, pendingCount: observedAll.pendingCount, deployments: updatedDeployments.sort((a, b) => (a.status === "PRIMARY" ? -1 : b.status === "PRIMARY" ? 1 : 0)) },
    events,
    env.now,
    env.ids,
  );
  await tx.put("service", { ...record, service: next, observedSteady: steady, reconcileAt: status === "INACTIVE" ? undefined : recheckAt });
}
