// How soon an owner of tasks (a task set, a service deployment) may launch again after its tasks
// failed: ECS's service throttle logic. "If tasks for a service repeatedly fail to enter the RUNNING
// state ... the time between subsequent restart attempts is incrementally increased up to a maximum
// of 27 minutes" (15 minutes in earlier editions of the page), with the event "(service ...) is unable
// to consistently start tasks successfully."; a new task definition starts afresh; tasks stopped
// after they reached RUNNING do not trigger it (developer guide, "Amazon ECS service throttle logic",
// https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-throttle-logic.html).
//
// What is counted is launches, not moments: every launch carries its number in the current run of
// failed launches, so launches that fail at the same instant (zero-delay mode, virtual clock) are
// still counted one by one, and tasks launched together count once.

/** The first two failed launches are retried at once and after 1 s; each later delay doubles. */
export const FIRST_RESTART_DELAY_MS = 1000;
/** ECS's documented ceiling for tasks that never reach RUNNING. */
export const MAX_THROTTLE_DELAY_MS = 27 * 60 * 1000;
/**
 * Tasks that ran and then failed: ECS does not throttle them, but its launches take tens of seconds,
 * while a simulated task can run and fail in no time. Their launches are spaced up to this much
 * (launch to launch), so a task that ran longer is replaced at once, as in ECS.
 */
export const MAX_RAN_THEN_FAILED_DELAY_MS = 60 * 1000;

/** What the throttle needs of one of the owner's tasks. */
export interface LaunchOutcome {
  /** Its launch's number in the owner's run of failed launches (1: none failed before it). */
  launchAttempt: number;
  /** Epoch ms it was launched. */
  createdAt: number;
  /** Epoch ms it reached RUNNING, if it did. */
  startedAt?: number;
  /** It stopped for a failure (failed to start, essential container exited, failed health checks). */
  failed: boolean;
}

/** The owner's current run of failed launches. */
export interface FailedLaunches {
  /** How many launches in a row failed. */
  count: number;
  /** Epoch ms of the latest failed launch. */
  lastLaunchAt: number;
  /** The latest failed launch's failed tasks never reached RUNNING (ECS's throttle case). */
  neverStarted: boolean;
}

/**
 * The run of failed launches that is current: failures of tasks launched since the last task that
 * reached RUNNING and has not failed (such a task ends the run). Undefined when there is none.
 */
export function failedLaunches(tasks: readonly LaunchOutcome[]): FailedLaunches | undefined {
  let runStart = Number.NEGATIVE_INFINITY;
  for (const t of tasks) if (t.startedAt !== undefined && !t.failed && t.startedAt > runStart) runStart = t.startedAt;
  let latest: LaunchOutcome[] = [];
  for (const t of tasks) {
    if (!t.failed || t.createdAt < runStart) continue;
    if (!latest.length || t.launchAttempt > latest[0].launchAttempt) latest = [t];
    else if (t.launchAttempt === latest[0].launchAttempt) latest.push(t);
  }
  if (!latest.length) return undefined;
  return {
    count: latest[0].launchAttempt,
    lastLaunchAt: Math.max(...latest.map((t) => t.createdAt)),
    neverStarted: latest.every((t) => t.startedAt === undefined),
  };
}

/** The number a launch made now carries. */
export function nextLaunchAttempt(run: FailedLaunches | undefined): number {
  return (run?.count ?? 0) + 1;
}

/** The time between the latest failed launch and the next: none after one failure, then 1 s, doubling to the ceiling. */
export function restartDelayMs(run: FailedLaunches): number {
  if (run.count <= 1) return 0;
  const ceiling = run.neverStarted ? MAX_THROTTLE_DELAY_MS : MAX_RAN_THEN_FAILED_DELAY_MS;
  return Math.min(FIRST_RESTART_DELAY_MS * 2 ** Math.min(run.count - 2, 30), ceiling);
}

/** Epoch ms from which the owner may launch tasks again (0: at once). */
export function launchAllowedAt(run: FailedLaunches | undefined): number {
  return run ? run.lastLaunchAt + restartDelayMs(run) : 0;
}

/** ECS's throttle is on (and its event due): launches keep failing, the latest before reaching RUNNING. */
export function isThrottled(run: FailedLaunches | undefined): boolean {
  return run !== undefined && run.count >= 2 && run.neverStarted;
}
