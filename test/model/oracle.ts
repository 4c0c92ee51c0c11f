// The oracle of the model-based test. It reads only the public API (DescribeServices,
// DescribeTaskSets, ListTasks, DescribeTasks, DescribeContainerInstances) and checks, after every
// command, the invariants a deploy controller relies on, with its own reading of ECS's documented
// definitions (not ecslite's code): counts match the tasks, STEADY_STATE and steady-state events
// only when true, DRAINING sets get no new tasks, deleted sets' tasks all stop, rolling
// deployments stay within maximumPercent and minimumHealthyPercent.
import * as assert from "node:assert/strict";
import {
  type ContainerInstance,
  DescribeContainerInstancesCommand,
  DescribeServicesCommand,
  DescribeTasksCommand,
  DescribeTaskSetsCommand,
  ListTasksCommand,
  type Service,
  type Task,
  type TaskSet,
} from "@aws-sdk/client-ecs";
import { CLUSTER, type DefName, EXTERNAL, FAULTY, ROLLING, type World } from "./world";

export interface Snapshot {
  /** Virtual time, epoch ms. */
  now: number;
  external: Service;
  rolling: Service;
  sets: TaskSet[];
  /** Every task of the cluster still describable, by ARN. */
  tasks: Map<string, Task>;
  instances: ContainerInstance[];
}

/** What the oracle remembers between the steps of one case. */
export interface Memory {
  /** Tasks of a set when it was deleted: a DRAINING set gets no others. */
  tasksWhenDeleted: Map<string, Set<string>>;
  /** Every task ARN ever seen for a set (by set id). */
  tasksOfSet: Map<string, Set<string>>;
  /** Ids of sets that existed and are gone. */
  goneSets: Set<string>;
  /** Service events already checked, by id. */
  eventIds: Set<string>;
  /** The previous snapshot. */
  previous: Snapshot | undefined;
  /** Task definition of each set, by id. */
  setDefs: Map<string, DefName>;
}

export function newMemory(): Memory {
  return { tasksWhenDeleted: new Map(), tasksOfSet: new Map(), goneSets: new Set(), eventIds: new Set(), previous: undefined, setDefs: new Map() };
}

const PENDING = ["PROVISIONING", "PENDING", "ACTIVATING"];

async function listAll(world: World, desiredStatus: "RUNNING" | "STOPPED"): Promise<string[]> {
  const arns: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await world.client.send(new ListTasksCommand({ cluster: CLUSTER, desiredStatus, maxResults: 100, nextToken }));
    arns.push(...(page.taskArns ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return arns;
}

export async function describeTasks(world: World, arns: readonly string[]): Promise<Task[]> {
  const tasks: Task[] = [];
  for (let i = 0; i < arns.length; i += 100) {
    tasks.push(...((await world.client.send(new DescribeTasksCommand({ cluster: CLUSTER, tasks: arns.slice(i, i + 100) }))).tasks ?? []));
  }
  return tasks;
}

export async function snapshot(world: World): Promise<Snapshot> {
  const clock = (await (await fetch(`${world.server.url}/_ecslite/clock`)).json()) as { now: number };
  const services = (await world.client.send(new DescribeServicesCommand({ cluster: CLUSTER, services: [EXTERNAL, ROLLING] }))).services ?? [];
  const external = services.find((s) => s.serviceName === EXTERNAL);
  const rolling = services.find((s) => s.serviceName === ROLLING);
  assert.ok(external && rolling, "both services are described");
  const ids = (external.taskSets ?? []).map((s) => s.id ?? "");
  const sets = ids.length ? (await world.client.send(new DescribeTaskSetsCommand({ cluster: CLUSTER, service: EXTERNAL, taskSets: ids }))).taskSets ?? [] : [];
  const arns = [...(await listAll(world, "RUNNING")), ...(await listAll(world, "STOPPED"))];
  const tasks = new Map((await describeTasks(world, arns)).map((t) => [t.taskArn ?? "", t] as const));
  const instances = (await world.client.send(new DescribeContainerInstancesCommand({ cluster: CLUSTER, containerInstances: world.instances }))).containerInstances ?? [];
  return { now: clock.now * 1000, external, rolling, sets, tasks, instances };
}

const isRunning = (t: Task) => t.lastStatus === "RUNNING";
const isPending = (t: Task) => PENDING.includes(t.lastStatus ?? "");

/** Why a RUNNING task does not serve, by ECS's documented conditions; undefined when it serves. */
function notServing(t: Task, draining: ReadonlySet<string>): string | undefined {
  if (t.desiredStatus !== "RUNNING") return `task ${short(t)} is being stopped (${t.stoppedReason})`;
  if (t.healthStatus === "UNHEALTHY") return `task ${short(t)} is UNHEALTHY`;
  if (draining.has(t.containerInstanceArn ?? "")) return `task ${short(t)} is on a DRAINING instance`;
  return undefined;
}

function short(t: Task): string {
  return (t.taskArn ?? "").split("/").pop()?.slice(0, 8) ?? "";
}

/** Why a group of tasks is not steady against `desired`, by the oracle's own reading; [] when steady. */
function unsteadiness(tasks: readonly Task[], desired: number, draining: ReadonlySet<string>): string[] {
  const running = tasks.filter(isRunning);
  const reasons: string[] = [];
  if (running.length !== desired) reasons.push(`${running.length} RUNNING, ${desired} desired`);
  const pending = tasks.filter(isPending).length;
  if (pending) reasons.push(`${pending} pending`);
  for (const t of running) {
    const why = notServing(t, draining);
    if (why) reasons.push(why);
  }
  return reasons;
}

function describeTasksBrief(tasks: readonly Task[]): string {
  return tasks.map((t) => `${short(t)} ${t.lastStatus}/${t.desiredStatus}${t.healthStatus === "UNHEALTHY" ? " UNHEALTHY" : ""}${t.stopCode ? ` ${t.stopCode}` : ""}`).join(", ");
}

/** Checks every invariant on a snapshot; throws an AssertionError naming the one that failed. */
export function checkInvariants(world: World, memory: Memory, snap: Snapshot, step: string): void {
  const fail = (message: string) => assert.fail(`after ${step}: ${message}`);
  const draining = new Set(snap.instances.filter((i) => i.status === "DRAINING").map((i) => i.containerInstanceArn ?? ""));
  const all = [...snap.tasks.values()];
  const tasksOf = (startedBy: string) => all.filter((t) => t.startedBy === startedBy);

  // DescribeServices and DescribeTaskSets agree.
  for (const listed of snap.external.taskSets ?? []) {
    const described = snap.sets.find((s) => s.id === listed.id);
    if (!described) fail(`task set ${listed.id} is listed by DescribeServices but not described`);
    else if (described.runningCount !== listed.runningCount || described.stabilityStatus !== listed.stabilityStatus || described.status !== listed.status) {
      fail(`DescribeServices and DescribeTaskSets disagree on ${listed.id}`);
    }
  }

  // Task sets: counts from their tasks; STEADY_STATE only when true; no task in two sets.
  const owner = new Map<string, string>();
  for (const set of snap.sets) {
    const id = set.id ?? "";
    const mine = tasksOf(id);
    const seen = memory.tasksOfSet.get(id) ?? new Set<string>();
    for (const t of mine) {
      seen.add(t.taskArn ?? "");
      const other = owner.get(t.taskArn ?? "");
      if (other && other !== id) fail(`task ${short(t)} belongs to ${other} and ${id}`);
      owner.set(t.taskArn ?? "", id);
    }
    memory.tasksOfSet.set(id, seen);
    const running = mine.filter(isRunning).length;
    const pending = mine.filter(isPending).length;
    if (set.runningCount !== running || set.pendingCount !== pending) {
      fail(`task set ${id} shows runningCount ${set.runningCount}, pendingCount ${set.pendingCount}; its tasks: ${describeTasksBrief(mine)}`);
    }
    if (set.stabilityStatus === "STEADY_STATE") {
      const reasons = unsteadiness(mine, set.computedDesiredCount ?? 0, draining);
      if (set.status === "DRAINING") reasons.push("it is DRAINING");
      if (reasons.length) fail(`task set ${id} is STEADY_STATE but ${reasons.join("; ")} (tasks: ${describeTasksBrief(mine)})`);
    }
    const before = memory.tasksWhenDeleted.get(id);
    if (before) for (const t of mine) if (!before.has(t.taskArn ?? "")) fail(`DRAINING task set ${id} got a new task ${short(t)}`);
  }
  // Sets that are gone: all their tasks STOPPED (or already forgotten).
  const present = new Set(snap.sets.map((s) => s.id ?? ""));
  for (const id of memory.tasksOfSet.keys()) if (!present.has(id)) memory.goneSets.add(id);
  for (const id of memory.goneSets) {
    const left = tasksOf(id).filter((t) => t.lastStatus !== "STOPPED");
    if (left.length) fail(`task set ${id} is gone but its tasks are not all STOPPED: ${describeTasksBrief(left)}`);
  }
  // Every task of the EXTERNAL service belongs to a set it created.
  for (const t of all) if (t.group === `service:${EXTERNAL}` && !memory.tasksOfSet.has(t.startedBy ?? "")) fail(`task ${short(t)} of ${EXTERNAL} was started by unknown ${t.startedBy}`);

  // The services' counts are their tasks'.
  const externalTasks = all.filter((t) => t.group === `service:${EXTERNAL}`);
  const rollingTasks = all.filter((t) => t.group === `service:${ROLLING}`);
  for (const [service, tasks] of [[snap.external, externalTasks], [snap.rolling, rollingTasks]] as const) {
    const running = tasks.filter(isRunning).length;
    const pending = tasks.filter(isPending).length;
    if (service.runningCount !== running || service.pendingCount !== pending) {
      fail(`service ${service.serviceName} shows runningCount ${service.runningCount}, pendingCount ${service.pendingCount}; its tasks: ${describeTasksBrief(tasks)}`);
    }
  }
  for (const d of snap.rolling.deployments ?? []) {
    const mine = tasksOf(d.id ?? "");
    if (d.runningCount !== mine.filter(isRunning).length || d.pendingCount !== mine.filter(isPending).length) {
      fail(`deployment ${d.id} shows runningCount ${d.runningCount}, pendingCount ${d.pendingCount}; its tasks: ${describeTasksBrief(mine)}`);
    }
  }

  // Rolling deployments: the scheduler starts a task only while the tasks wanted RUNNING or PENDING
  // stay within maximumPercent (a lower desired count can leave more until they are replaced).
  const desired = snap.rolling.desiredCount ?? 0;
  const config = world.setup;
  const previous = memory.previous;
  const maxTotal = Math.max(desired, Math.floor((desired * config.maximumPercent) / 100));
  const wanted = rollingTasks.filter((t) => t.desiredStatus === "RUNNING" && (isRunning(t) || isPending(t)));
  const startedNow = rollingTasks.filter((t) => previous && !previous.tasks.has(t.taskArn ?? ""));
  if (startedNow.length && wanted.length > maxTotal) {
    fail(`service ${ROLLING} started ${describeTasksBrief(startedNow)} and has ${wanted.length} tasks RUNNING or PENDING, more than maximumPercent ${config.maximumPercent}% of ${desired} (${maxTotal}): ${describeTasksBrief(wanted)}`);
  }
  // minimumHealthyPercent: the scheduler stops an older deployment's serving task only while enough others serve.
  const primaryId = snap.rolling.deployments?.find((d) => d.status === "PRIMARY")?.id;
  const minHealthy = Math.ceil((desired * config.minimumHealthyPercent) / 100);
  const serving = rollingTasks.filter((t) => isRunning(t) && notServing(t, draining) === undefined).length;
  const drainedOld = rollingTasks.filter((t) => {
    const before = previous?.tasks.get(t.taskArn ?? "");
    return (
      before !== undefined &&
      before.desiredStatus === "RUNNING" &&
      isRunning(before) &&
      notServing(before, draining) === undefined &&
      t.desiredStatus === "STOPPED" &&
      t.stopCode === "ServiceSchedulerInitiated" &&
      (t.stoppedReason ?? "").startsWith("Scaling activity") &&
      t.startedBy !== primaryId &&
      previous?.rolling.desiredCount === desired
    );
  });
  if (drainedOld.length && serving < minHealthy) {
    fail(`service ${ROLLING} stopped old tasks ${describeTasksBrief(drainedOld)} leaving ${serving} serving, below minimumHealthyPercent ${config.minimumHealthyPercent}% of ${desired} (${minHealthy})`);
  }

  // "has reached a steady state." and "deployment completed." only when the service is steady.
  const externalSteady = (): string[] => {
    if (snap.external.status !== "ACTIVE") return ["not ACTIVE"];
    return snap.sets.flatMap((s) => [
      ...(s.status === "DRAINING" ? [`${s.id} is DRAINING`] : []),
      ...unsteadiness(tasksOf(s.id ?? ""), s.computedDesiredCount ?? 0, draining).map((r) => `${s.id}: ${r}`),
    ]);
  };
  const rollingSteady = (): string[] => {
    if (snap.rolling.status !== "ACTIVE") return ["not ACTIVE"];
    const deployments = snap.rolling.deployments ?? [];
    if (deployments.length !== 1) return [`${deployments.length} deployments`];
    return unsteadiness(rollingTasks, desired, draining);
  };
  for (const [service, steadyReasons] of [[snap.external, externalSteady], [snap.rolling, rollingSteady]] as const) {
    const fresh = (service.events ?? []).filter((e) => !memory.eventIds.has(e.id ?? ""));
    for (const e of fresh) memory.eventIds.add(e.id ?? "");
    const claims = fresh.filter((e) => / has reached a steady state\.$| deployment completed\.$/.test(e.message ?? ""));
    // Every instant is observed (each command settles and looks), so each new event is from now.
    for (const e of fresh) if (Math.abs((e.createdAt?.getTime() ?? 0) - snap.now) >= 1) fail(`event "${e.message}" is from ${e.createdAt?.toISOString()}, an instant the oracle did not observe`);
    if (claims.length) {
      const reasons = steadyReasons();
      if (reasons.length) fail(`service ${service.serviceName} wrote "${claims[0].message}" but ${reasons.join("; ")}`);
    }
  }
  memory.previous = snap;
}

/**
 * After enough virtual time without faults, everything converges: every fault-free set runs its
 * computedDesiredCount and is STEADY_STATE (EC2 sets when the instances can hold them), DRAINING
 * sets are gone, and a rolling service on a fault-free task definition has completed its deployment.
 */
export function checkConverged(world: World, memory: Memory, snap: Snapshot): void {
  const fail = (message: string) => assert.fail(`after the final quiet period: ${message}`);
  const defOf = (set: TaskSet): DefName => world.defByArn.get(set.taskDefinition ?? "") ?? "web";
  const ec2Demand = snap.sets.filter((s) => defOf(s) === "ec2").reduce((sum, s) => sum + (s.computedDesiredCount ?? 0), 0);
  const ec2Room = (snap.instances.filter((i) => i.status === "ACTIVE").length * 4);
  for (const set of snap.sets) {
    if (set.status === "DRAINING") fail(`task set ${set.id} is still DRAINING`);
    const def = defOf(set);
    if (FAULTY[def] || (def === "ec2" && ec2Demand > ec2Room)) continue;
    if (set.stabilityStatus !== "STEADY_STATE" || set.runningCount !== set.computedDesiredCount) {
      fail(`task set ${set.id} (${def}) is ${set.stabilityStatus} with ${set.runningCount} of ${set.computedDesiredCount} running`);
    }
  }
  const allFine = snap.sets.every((s) => !FAULTY[defOf(s)]) && ec2Demand <= ec2Room;
  if (allFine && snap.external.events?.[0]?.message !== `(service ${EXTERNAL}) has reached a steady state.`) {
    fail(`service ${EXTERNAL} is steady but its latest event is "${snap.external.events?.[0]?.message}"`);
  }
  const primary = snap.rolling.deployments?.find((d) => d.status === "PRIMARY");
  const primaryDef = world.defByArn.get(primary?.taskDefinition ?? "") ?? "web";
  const desired = snap.rolling.desiredCount ?? 0;
  const noRoom = Math.floor((desired * world.setup.maximumPercent) / 100) <= desired && Math.ceil((desired * world.setup.minimumHealthyPercent) / 100) >= desired;
  if (!FAULTY[primaryDef] && noRoom && (snap.rolling.deployments?.length ?? 0) > 1) {
    // As on ECS: maximumPercent leaves no room to start a task, minimumHealthyPercent none to stop one.
    const blocked = `(service ${ROLLING}) was unable to stop or start tasks during a deployment because of the service deployment configuration. Update the minimumHealthyPercent or maximumPercent value and try again.`;
    if (!(snap.rolling.events ?? []).some((e) => e.message === blocked)) fail(`service ${ROLLING} cannot deploy with maximumPercent ${world.setup.maximumPercent} and minimumHealthyPercent ${world.setup.minimumHealthyPercent} of ${desired} and does not say so`);
  } else if (!FAULTY[primaryDef]) {
    const deployments = snap.rolling.deployments ?? [];
    if (deployments.length !== 1 || primary?.rolloutState !== "COMPLETED" || snap.rolling.runningCount !== snap.rolling.desiredCount) {
      fail(`service ${ROLLING} on ${primaryDef}: ${deployments.map((d) => `${d.status} ${d.rolloutState} ${d.runningCount}/${d.desiredCount}`).join(", ")}`);
    }
    if (snap.rolling.events?.[0]?.message !== `(service ${ROLLING}) has reached a steady state.`) fail(`service ${ROLLING} is steady but its latest event is "${snap.rolling.events?.[0]?.message}"`);
  }
  void memory;
}
