// ECS and Elastic Load Balancing: the whole contract between them, in one place. Both sides call it.
//
//  1. Request time (CreateService, UpdateService, CreateTaskSet): checkLoadBalancers refuses, in
//     ECS's words, target groups that do not exist in the caller's account and region, that no load
//     balancer uses, or whose target type does not fit the task definition's network mode.
//  2. A task that reaches RUNNING has its targets registered (syncTaskTargets): its ENI's IP and the
//     container port (awsvpc, target type ip), or its container instance's EC2 instance and the host
//     port (bridge and host, target type instance). The task record keeps the target keys, and the
//     target row the task's ARN, so a reconcile run again (or after a crash) registers nothing twice.
//  3. Target health, as ELB derives it (src/domain/targetHealth.ts), is summed up per task
//     (targetHealthOfTasks) and handed to the one observed-state definition as
//     TaskSurroundings.targetHealth: targets still initial (or unused) or unhealthy keep a group from
//     being steady. Tasks whose targets fail are stopped and replaced after the service's health
//     check grace period ("Task failed ELB health checks in (target-group ...)").
//  4. A task asked to stop is deregistered first: its targets drain for their group's deregistration
//     delay, and the task waits in DEACTIVATING until they have (drainHoldUntil, which the task
//     lifecycle asks before it moves a task on to STOPPING).
//  5. When ELB changes what target health depends on (a group starts or stops receiving traffic, its
//     health check settings change), the ECS owners of the group's targets are looked at again
//     (wakeOwnersOfTargetGroup).
//  6. Deployments that shift traffic (BLUE_GREEN, LINEAR, CANARY): the alternate target group and the
//     listener rules are checked at request time (checkTrafficShiftResources); a new revision's tasks
//     go to the target group the production rule does not send its traffic to (greenTargetGroupOf), so
//     successive deployments alternate; and ECS writes the rules' forward weights as it shifts test
//     and production traffic (shiftTraffic), through the ELB slice's own functions, so a rule reads
//     the same whether ECS or a user changed it, and target groups start or stop being routed (and
//     health checked) alike.
import type { LoadBalancer, Task, TaskDefinition } from "@aws-sdk/client-ecs";
import type { Action } from "@aws-sdk/client-elastic-load-balancing-v2";
import { replaceListenerDefaultActions } from "../api/elbv2/listeners";
import { replaceRuleActions } from "../api/elbv2/rules";
import { deregisterTarget, registerTarget } from "../api/elbv2/targets";
import { type Scope, scopeKey, scopeOfArn } from "../domain/arn";
import { ruleWeights } from "../domain/deploymentConfig";
import { forwardWeights, withForwardWeights } from "../domain/elbv2Actions";
import { parseElbArn } from "../domain/elbv2Arn";
import type { HealthVerdict, TaskSurroundings } from "../domain/observedState";
import { networkModeOf } from "../domain/ports";
import type { TargetGroupRecord, TaskRecord } from "../domain/records";
import { targetHealthAt } from "../domain/targetHealth";
import { ApiError, InvalidParameterException } from "../protocol/errors";
import type { Wire } from "../protocol/wire";
import type { Tx } from "../store/store";

// 1. Request time.

/** ECS's words for a target group it cannot find (or a value that is not a target group ARN). */
export const UNVALIDATED_TARGET_GROUP = "Unable to assume role and validate the specified targetGroupArn. Please verify that the ECS service role being passed has the proper permissions.";

/** The target type a network mode needs: ip for awsvpc, instance for bridge and host. */
export function targetTypeFor(networkMode: string): "ip" | "instance" {
  return networkMode === "awsvpc" ? "ip" : "instance";
}

/**
 * Refuses `loadBalancers` as ECS does (sources: ecs-refarch and Shippable threads quoting
 * "Unable to assume role and validate the specified targetGroupArn...", terraform-aws-ecs-web-app
 * issue 226 "The target group with targetGroupArn ... does not have an associated load balancer.",
 * terraform-provider-aws issues 11723 and 12252 "The provided target group ... has target type
 * instance, which is incompatible with the awsvpc network mode specified in the task definition.").
 */
export async function checkLoadBalancers(tx: Tx, scope: Scope, loadBalancers: readonly Wire<LoadBalancer>[], def: Wire<TaskDefinition>): Promise<void> {
  const networkMode = networkModeOf(def);
  for (const lb of loadBalancers) {
    // Classic Load Balancers are not served: their names are taken as given (docs/elbv2.md).
    if (lb.targetGroupArn === undefined) continue;
    const arn = lb.targetGroupArn;
    const parsed = parseElbArn(arn, "targetgroup");
    const group = parsed && parsed.account === scope.account && parsed.region === scope.region ? await tx.get("targetGroup", arn) : undefined;
    if (!group) throw new InvalidParameterException(UNVALIDATED_TARGET_GROUP);
    if (!(group.targetGroup.LoadBalancerArns ?? []).length) throw new InvalidParameterException(`The target group with targetGroupArn ${arn} does not have an associated load balancer.`);
    const targetType = group.targetGroup.TargetType ?? "instance";
    if (targetType !== targetTypeFor(networkMode)) {
      throw new InvalidParameterException(`The provided target group ${arn} has target type ${targetType}, which is incompatible with the ${networkMode} network mode specified in the task definition.`);
    }
  }
}

// 2 and 4. Registration when a task runs, deregistration (and draining) when it is asked to stop.

/** The target a task is for one of its load balancers, or undefined when it has none (yet). */
async function targetOfTask(tx: Tx, record: TaskRecord, lb: Wire<LoadBalancer>, group: TargetGroupRecord): Promise<{ Id: string; Port: number; AvailabilityZone?: string } | undefined> {
  const task = record.task;
  if (group.targetGroup.TargetType === "ip") {
    const ip = privateIpOf(task);
    return ip === undefined || lb.containerPort === undefined ? undefined : { Id: ip, Port: lb.containerPort, ...(task.availabilityZone ? { AvailabilityZone: task.availabilityZone } : {}) };
  }
  const instance = task.containerInstanceArn ? await tx.get("containerInstance", task.containerInstanceArn) : undefined;
  const instanceId = instance?.containerInstance.ec2InstanceId;
  const binding = (record.hostPorts ?? []).find((b) => b.container === lb.containerName && b.containerPort === lb.containerPort);
  if (!instanceId || !binding || binding.hostPort === 0) return undefined;
  return { Id: instanceId, Port: binding.hostPort };
}

/** The private IP of a task's network interface (awsvpc). */
export function privateIpOf(task: Wire<Task>): string | undefined {
  for (const attachment of task.attachments ?? []) {
    const ip = attachment.details?.find((d) => d.name === "privateIPv4Address")?.value;
    if (ip) return ip;
  }
  return undefined;
}

/** Stop codes of tasks that died on their own: their targets drain, but there is nothing left to wait for. */
const NOT_WAITING_FOR_DRAINING: ReadonlySet<string> = new Set(["EssentialContainerExited", "TaskFailedToStart"]);

/**
 * How long a task asked to stop must still wait in DEACTIVATING for its targets to drain: an epoch
 * ms, Infinity while they have not been deregistered yet, or undefined when it need not wait.
 */
export function drainHoldUntil(record: TaskRecord, at: number): number | undefined {
  if (!record.targets?.length || NOT_WAITING_FOR_DRAINING.has(record.task.stopCode ?? "")) return undefined;
  if (record.targetsDrainedAt === undefined) return Infinity;
  return record.targetsDrainedAt > at ? record.targetsDrainedAt : undefined;
}

/** Tasks of one owner as a reconcile holds them (the scheduler's TaskBook). */
export interface TaskList {
  readonly tasks: readonly TaskRecord[];
  replace(old: TaskRecord, next: TaskRecord): void;
}

export interface TargetSync {
  /** Service events of registrations, as ECS words them (they follow the tasks' start). */
  readonly registered: string[];
  /** Service events of deregistrations (ECS deregisters a task before it stops it). */
  readonly deregistered: string[];
  /** When this owner must be looked at again for its targets (a drain ending). */
  readonly recheckAt?: number;
}

function countBy(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

/**
 * Brings an owner's targets in line with its tasks: RUNNING tasks that should run are registered in
 * every target group of `loadBalancers`; tasks asked to stop are deregistered (their targets drain)
 * and remember when draining ends. `label` is the owner's label in service events.
 */
export async function syncTaskTargets(tx: Tx, now: number, book: TaskList, loadBalancers: readonly Wire<LoadBalancer>[], label: string): Promise<TargetSync> {
  const registers = loadBalancers.some((lb) => lb.targetGroupArn);
  if (!registers && !book.tasks.some((t) => t.targets?.length)) return { registered: [], deregistered: [] };
  const registered = new Map<string, number>();
  const deregistered = new Map<string, number>();
  let drainingTasks = 0;
  let recheckAt: number | undefined;
  const groups = new Map<string, TargetGroupRecord | undefined>();
  const groupOf = async (arn: string) => {
    if (!groups.has(arn)) groups.set(arn, await tx.get("targetGroup", arn));
    return groups.get(arn);
  };
  for (const record of [...book.tasks]) {
    const task = record.task;
    if (registers && task.desiredStatus === "RUNNING" && task.lastStatus === "RUNNING" && record.targets === undefined) {
      const targets: { targetGroupArn: string; key: string }[] = [];
      for (const lb of loadBalancers) {
        const group = lb.targetGroupArn ? await groupOf(lb.targetGroupArn) : undefined;
        if (!group) continue;
        const target = await targetOfTask(tx, record, lb, group);
        if (!target) continue;
        const stored = await registerTarget(tx, group, target, now, { taskArn: task.taskArn, ...(record.faults?.targetUnhealthy ? { failsHealthChecks: true } : {}) });
        targets.push({ targetGroupArn: group.targetGroup.TargetGroupArn ?? "", key: stored.key });
        countBy(registered, group.targetGroup.TargetGroupArn ?? "");
      }
      book.replace(record, { ...record, targets });
      continue;
    }
    if (task.desiredStatus === "STOPPED" && record.targets?.length && record.targetsDrainedAt === undefined) {
      let drainedAt = now;
      for (const { targetGroupArn, key } of record.targets) {
        const group = await groupOf(targetGroupArn);
        const target = await tx.get("target", key);
        // Only this task's own target (another task may since have been given its IP and port).
        if (!group || !target || target.taskArn !== task.taskArn || target.deregisteredAt !== undefined) continue;
        drainedAt = Math.max(drainedAt, await deregisterTarget(tx, group, target, now));
        countBy(deregistered, targetGroupArn);
      }
      if (drainedAt > now) drainingTasks++;
      const waiting = task.lastStatus === "DEACTIVATING" && record.nextStepAt === undefined;
      book.replace(record, { ...record, targetsDrainedAt: drainedAt, ...(waiting ? { nextStepAt: drainedAt } : {}) });
      if (drainedAt > now) recheckAt = recheckAt === undefined ? drainedAt : Math.min(recheckAt, drainedAt);
    }
  }
  // As ECS words them (aws/containers-roadmap issue 804 quotes the console's events).
  const registeredEvents = [...registered].map(([arn, n]) => `${label} registered ${n} targets in (target-group ${arn})`);
  const deregisteredEvents = [
    ...(drainingTasks ? [`${label} has begun draining connections on ${drainingTasks} tasks.`] : []),
    ...[...deregistered].map(([arn, n]) => `${label} deregistered ${n} targets in (target-group ${arn})`),
  ];
  return { registered: registeredEvents, deregistered: deregisteredEvents, ...(recheckAt !== undefined ? { recheckAt } : {}) };
}

// 3. Target health per task.

export interface TasksTargetHealth {
  /** A verdict for each RUNNING task that has (or should have) targets. */
  readonly verdicts: Map<string, HealthVerdict>;
  /** Tasks whose targets fail their health checks, with the first failing group and port. */
  readonly failing: Map<string, { targetGroupArn: string; port?: number }>;
  /** When some target's state next changes by the clock alone. */
  readonly changesAt?: number;
}

const RANK: Readonly<Record<HealthVerdict, number>> = { healthy: 0, initial: 1, unhealthy: 2 };

/**
 * Sums up the health of each RUNNING task's targets at `now`: unhealthy if any target is, initial
 * if any is not yet healthy (initial, unused, draining or gone), else healthy. With
 * `expectsTargets`, a RUNNING task not yet registered counts as initial.
 */
export async function targetHealthOfTasks(tx: Tx, tasks: readonly TaskRecord[], now: number, expectsTargets: boolean): Promise<TasksTargetHealth> {
  const verdicts = new Map<string, HealthVerdict>();
  const failing = new Map<string, { targetGroupArn: string; port?: number }>();
  let changesAt: number | undefined;
  const groups = new Map<string, TargetGroupRecord | undefined>();
  for (const record of tasks) {
    const arn = record.task.taskArn ?? "";
    if (record.task.lastStatus !== "RUNNING" || record.task.desiredStatus !== "RUNNING") continue;
    if (record.targets === undefined) {
      if (expectsTargets) verdicts.set(arn, "initial");
      continue;
    }
    let verdict: HealthVerdict = "healthy";
    for (const { targetGroupArn, key } of record.targets) {
      if (!groups.has(targetGroupArn)) groups.set(targetGroupArn, await tx.get("targetGroup", targetGroupArn));
      const group = groups.get(targetGroupArn);
      const target = await tx.get("target", key);
      const observed = group && target ? targetHealthAt(target, group.targetGroup, group.routedSince, now) : undefined;
      const state = observed?.health.State;
      const mine: HealthVerdict = state === "healthy" || state === "unavailable" ? "healthy" : state === "unhealthy" ? "unhealthy" : "initial";
      if (mine === "unhealthy" && !failing.has(arn)) failing.set(arn, { targetGroupArn, ...(target?.target.Port !== undefined ? { port: target.target.Port } : {}) });
      if (RANK[mine] > RANK[verdict]) verdict = mine;
      if (observed?.changesAt !== undefined) changesAt = changesAt === undefined ? observed.changesAt : Math.min(changesAt, observed.changesAt);
    }
    verdicts.set(arn, verdict);
  }
  return { verdicts, failing, ...(changesAt !== undefined ? { changesAt } : {}) };
}

/** The surroundings with the tasks' target health added (what the observed-state definition reads). */
export function withTargetHealth(around: TaskSurroundings, health: TasksTargetHealth): TaskSurroundings {
  return { ...around, targetHealth: health.verdicts };
}

/** ECS's stop reason for a task whose targets fail (the text, as ECS writes it). */
export function elbHealthFailureReason(targetGroupArn: string): string {
  return `Task failed ELB health checks in (target-group ${targetGroupArn})`;
}

/** Whether a stop reason is a failure of ELB health checks (such stops count as failed tasks). */
export function isElbHealthFailure(stoppedReason: string): boolean {
  return stoppedReason.startsWith("Task failed ELB health checks in (target-group ");
}

/** ECS's service event for a task whose target fails its health checks. */
export function unhealthyTargetEvent(label: string, taskArn: string, failure: { targetGroupArn: string; port?: number }): string {
  const port = failure.port !== undefined ? ` (port ${failure.port})` : "";
  return `${label} (task ${taskArn.split("/").pop()})${port} is unhealthy in (target-group ${failure.targetGroupArn}) due to (reason Health checks failed).`;
}

// 5. ELB changes that ECS must see.

/** Marks the ECS owners (task sets, services) of a target group's task targets due now. */
export async function wakeOwnersOfTargetGroup(tx: Tx, targetGroupArn: string, now: number): Promise<void> {
  const scope = scopeKey(scopeOfArn(targetGroupArn));
  const owners = new Set<string>();
  for (const target of await tx.list("target", { scope, parent: targetGroupArn })) {
    if (!target.taskArn) continue;
    const task = await tx.get("task", target.taskArn);
    if (task?.owner) owners.add(task.owner);
  }
  for (const owner of owners) {
    if (owner.includes(":task-set/")) {
      const record = await tx.get("taskSet", owner);
      if (record && (record.reconcileAt === undefined || record.reconcileAt > now)) await tx.put("taskSet", { ...record, reconcileAt: now });
    } else {
      const record = await tx.get("service", owner);
      if (record && (record.reconcileAt === undefined || record.reconcileAt > now)) await tx.put("service", { ...record, reconcileAt: now });
    }
  }
}

// 6. Deployments that shift traffic.

/** The actions of a listener rule, or of a listener (a Network Load Balancer's rule is its listener). */
async function actionsOf(tx: Tx, arn: string): Promise<Action[] | undefined> {
  if (parseElbArn(arn, "listener-rule")) return (await tx.get("listenerRule", arn))?.rule.Actions;
  if (parseElbArn(arn, "listener")) return (await tx.get("listener", arn))?.listener.DefaultActions;
  return undefined;
}

function inScope(arn: string, scope: Scope): boolean {
  const parsed = parseElbArn(arn);
  return parsed !== undefined && parsed.account === scope.account && parsed.region === scope.region;
}

/**
 * Checks what ECS will shift traffic with: the alternate target group as ECS checks any target group
 * of a service (checkLoadBalancers: it exists, a load balancer uses it, its target type fits), and
 * the listener rules exist in the caller's account and region (ecslite's words for those: ECS's are
 * not published).
 */
export async function checkTrafficShiftResources(tx: Tx, scope: Scope, loadBalancers: readonly Wire<LoadBalancer>[], def: Wire<TaskDefinition>): Promise<void> {
  for (const [i, lb] of loadBalancers.entries()) {
    const advanced = lb.advancedConfiguration;
    if (!advanced || lb.targetGroupArn === undefined) continue;
    const at = `loadBalancers[${i}].advancedConfiguration`;
    await checkLoadBalancers(tx, scope, [{ targetGroupArn: advanced.alternateTargetGroupArn, containerName: lb.containerName, containerPort: lb.containerPort }], def);
    for (const [name, rule] of [
      ["productionListenerRule", advanced.productionListenerRule],
      ["testListenerRule", advanced.testListenerRule],
    ] as const) {
      if (rule === undefined) continue;
      if (!inScope(rule, scope) || !(await actionsOf(tx, rule))) throw new InvalidParameterException(`${at}.${name}: the listener rule ${rule} does not exist.`);
    }
  }
}

/**
 * The target group a new revision's tasks register in: of the load balancer's two target groups,
 * the one the production listener rule does not send (most of) its traffic to. With no rule
 * weights yet, targetGroupArn serves production, so the first deployment goes to the alternate
 * (as ECS leaves a rule after a service's first blue/green deployment: alternate at 100).
 */
export async function greenTargetGroupOf(tx: Tx, lb: Wire<LoadBalancer>): Promise<string> {
  const primary = lb.targetGroupArn ?? "";
  const alternate = lb.advancedConfiguration?.alternateTargetGroupArn ?? "";
  const weights = forwardWeights(await actionsOf(tx, lb.advancedConfiguration?.productionListenerRule ?? ""));
  return (weights.get(alternate) ?? 0) > (weights.get(primary) ?? 0) ? primary : alternate;
}

/**
 * Writes the green target group's share of a listener rule's traffic, blue taking the rest. A rule
 * that already forwards with these weights is left as it is. Returns why it could not, if it could not.
 */
export async function shiftTraffic(tx: Tx, scope: Scope, ruleArn: string, blue: string, green: string, greenPercent: number, now: number): Promise<string | undefined> {
  const { green: greenWeight, blue: blueWeight } = ruleWeights(greenPercent);
  try {
    if (parseElbArn(ruleArn, "listener-rule")) {
      const record = await tx.get("listenerRule", ruleArn);
      if (!record) return `the listener rule ${ruleArn} no longer exists`;
      const current = forwardWeights(record.rule.Actions);
      if (current.get(green) === greenWeight && current.get(blue) === blueWeight) return undefined;
      await replaceRuleActions(tx, scope, record, withForwardWeights(record.rule.Actions ?? [], new Map([[blue, blueWeight], [green, greenWeight]])), now);
      return undefined;
    }
    const listener = await tx.get("listener", ruleArn);
    if (!listener) return `the listener ${ruleArn} no longer exists`;
    const current = forwardWeights(listener.listener.DefaultActions);
    if (current.get(green) === greenWeight && current.get(blue) === blueWeight) return undefined;
    await replaceListenerDefaultActions(tx, scope, listener, withForwardWeights(listener.listener.DefaultActions ?? [], new Map([[blue, blueWeight], [green, greenWeight]])), now);
    return undefined;
  } catch (error) {
    if (error instanceof ApiError) return error.message;
    throw error;
  }
}
