// The scheduler: a level-triggered control loop, separate from request handling. Each pass takes
// the rows whose due time has come, and for each one reads the whole desired and observed state,
// takes one bounded step toward desired, and writes the result in one transaction. It never trusts
// that an earlier step happened: everything it knows it re-reads from the store, so a restart
// resumes. A pass has a work and time budget and yields to requests; a row that fails is backed
// off on its own, so no row (however large, however broken) holds up the others.
import type { Config } from "../config";
import type { Logger } from "../logger";
import { type RowKey, rowKeyOf } from "../domain/rowKeys";
import type { DueRow, Store, Tx } from "../store/store";
import type { Clock } from "./clock";
import type { IdSource } from "../api/context";
import { reconcileRow } from "./reconcile";
import { type LambdaInvoker, lambdaInvoker } from "./lambdaHooks";
import { type OutboundCall, recordLambdaAnswer } from "./serviceDeployments";

/** Due rows a pass takes from the store at most. */
const BATCH = 256;
/**
 * A pass ends early once its reconciles have made this many task status changes, or after this
 * long; the rows it did not reach stay due and the next pass starts at once. Between reconciles it
 * yields to requests at least this often, so a large convergence never holds the server.
 */
export const PASS_TRANSITION_BUDGET = 5_000;
export const PASS_TIME_BUDGET_MS = 250;
const YIELD_EVERY_MS = 5;
/**
 * Passes the loop runs on its own (woken by requests, or going on after work) start at least this
 * far apart: under a stream of writes (a deploy tool scaling task sets, a benchmark) one pass takes
 * up what the requests of the last few milliseconds changed, where one pass per burst of requests
 * cost the server a tenth of its time. Tasks step every 300 ms and the loop polls every 100 ms by
 * default, so no client can tell; settle (tests, the virtual clock) runs its passes back to back.
 */
export const MIN_PASS_GAP_MS = 5;
/**
 * Task rows (standalone tasks stepping, stopped tasks due to be forgotten) are small steps: on a
 * store that commits one transaction at a time, up to this many share one, so pruning an hour of
 * churn is hundreds of deletes a commit.
 */
export const TASK_ROWS_PER_TRANSACTION = 200;
/** A row whose reconcile throws is logged and left alone for 1 s, doubling to 5 minutes, while the rest go on. */
export const ROW_BACKOFF_MS = 1_000;
export const ROW_BACKOFF_MAX_MS = 300_000;

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export class Scheduler {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;
  private wakeRequested = false;
  /** Calls to other services under way (Lambda hooks), by deployment, hook and attempt. */
  private readonly calls = new Map<string, Promise<void>>();
  private readonly aborter = new AbortController();
  private readonly lambda: LambdaInvoker;
  /** The timer is set to run a pass as soon as MIN_PASS_GAP_MS allows. */
  private passSoon = false;
  /** When the loop last started a pass (performance.now() time). */
  private lastPassAt = -Infinity;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly config: Config,
    private readonly logger: Logger,
    private readonly ids: IdSource,
  ) {
    this.lambda = lambdaInvoker(config.lambdaEndpoint);
  }

  /** Work done so far: task status changes, passes, reconciles and their CPU time (for the benchmark). */
  readonly stats = { transitions: 0, passes: 0, reconciles: 0, reconcileCpuMicros: 0, failedReconciles: 0 };
  /** Rows whose reconcile failed, by "kind arn": failures in a row (for the backoff). */
  private readonly failures = new Map<string, number>();

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.passSoon = false;
    await this.running;
    // Calls under way are abandoned unrecorded; the next start makes them again.
    this.aborter.abort();
    await Promise.allSettled(this.calls.values());
    this.lambda.close();
  }

  /** A hint that desired state changed: run a pass soon. */
  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.wakeRequested = true;
      return;
    }
    this.schedule(0);
  }

  /**
   * Runs passes until nothing is due now and no call is under way (used by tests and the virtual
   * clock); false when work was still due after `maxPasses` (something keeps itself due at one
   * instant: a bug, logged).
   */
  async settle(maxPasses = 10_000): Promise<boolean> {
    for (let i = 0; i < maxPasses; i++) {
      await this.running;
      const worked = await this.pass();
      if (worked) continue;
      if (!this.calls.size) return true;
      await Promise.allSettled([...this.calls.values()]);
    }
    this.logger.warn(`scheduler: work still due after ${maxPasses} passes (something keeps itself due); settle gave up`);
    return false;
  }

  /** Arms the timer for a pass in `delayMs` (0: as soon as MIN_PASS_GAP_MS allows). */
  private schedule(delayMs: number): void {
    if (this.stopped) return;
    // A pass is already coming as soon as allowed: every request that changes state wakes the
    // loop, and re-arming the timer each time costs more than the request's own store work.
    if (delayMs === 0 && this.passSoon) return;
    if (this.timer) clearTimeout(this.timer);
    const now = performance.now();
    const at = Math.max(now + delayMs, this.lastPassAt + MIN_PASS_GAP_MS);
    this.passSoon = delayMs === 0;
    this.timer = setTimeout(() => {
      this.passSoon = false;
      void this.loop();
    }, at - now);
  }

  private async loop(): Promise<void> {
    if (this.running || this.stopped) return;
    this.wakeRequested = false;
    this.lastPassAt = performance.now();
    let worked = false;
    const run = this.pass().then((w) => {
      worked = w;
    });
    this.running = run.catch((error: unknown) => this.logger.error("scheduler pass failed:", error));
    await this.running;
    this.running = undefined;
    if (this.stopped) return;
    if (worked || this.wakeRequested) {
      this.schedule(0);
      return;
    }
    const next = await this.store.transaction((tx) => tx.nextDue()).catch(() => undefined);
    const interval = this.config.schedulerIntervalMs;
    const untilNext = next === undefined || this.clock.virtual ? interval : Math.max(0, Math.min(interval, next - this.clock.now()));
    this.schedule(untilNext);
  }

  /** One pass over what is due, within its budgets; true when it did something. */
  private async pass(): Promise<boolean> {
    const now = this.clock.now();
    // In random order: replicas sharing one database list the same due rows, and would otherwise
    // reconcile them in the same order, colliding on every one.
    const due: DueRow[] = shuffled(await this.store.transaction((tx) => tx.due(now, BATCH)));
    this.stats.passes++;
    const started = performance.now();
    const transitionsBefore = this.stats.transitions;
    let yielded = started;
    // Task rows share transactions where a commit is the cost (one connection, SQLite); with several
    // connections (PostgreSQL) a long transaction would only collide more, so each runs alone, in parallel.
    const parallelism = this.store.parallelism ?? 1;
    const units = batched(due, parallelism > 1 ? 1 : TASK_ROWS_PER_TRANSACTION);
    let next = 0;
    let spent = false;
    // As many reconciles at once as the store serves well (PostgreSQL's connections; SQLite: one).
    const worker = async () => {
      while (!spent && next < units.length) {
        const work = units[next++];
        if (work.length === 1) await this.reconcile(work[0]);
        else await this.reconcileTogether(work);
        const at = performance.now();
        if (this.stats.transitions - transitionsBefore >= PASS_TRANSITION_BUDGET || at - started >= PASS_TIME_BUDGET_MS) spent = true;
        if (at - yielded >= YIELD_EVERY_MS) {
          await yieldToEventLoop();
          yielded = performance.now();
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(parallelism, units.length)) }, worker));
    return due.length > 0;
  }

  /**
   * Reconciles a row if no other replica's scheduler is reconciling it now and it is still due as of
   * this transaction (another replica may have reconciled it since the pass listed it).
   */
  private async reconcileIfDue(tx: Tx, row: DueRow): Promise<OutboundCall[]> {
    const now = this.clock.now();
    if (!(await tx.claim(row.kind, row.arn))) return []; // another replica is on it
    const record = await tx.get(row.kind, row.arn);
    if (!record) return [];
    const due = (rowKeyOf[row.kind] as (r: unknown) => RowKey)(record).due;
    if (due === null || due > now) return [];
    return reconcileRow(tx, row, { now, config: this.config, ids: this.ids, stats: this.stats });
  }

  /** Reconciles task rows in one transaction; if it fails, each on its own (so only the failing one is backed off). */
  private async reconcileTogether(rows: readonly DueRow[]): Promise<void> {
    const cpu = process.cpuUsage();
    try {
      const calls = await this.store.transaction(async (tx) => {
        const made: OutboundCall[] = [];
        for (const row of rows) made.push(...(await this.reconcileIfDue(tx, row)));
        return made;
      });
      for (const row of rows) this.failures.delete(`${row.kind} ${row.arn}`);
      for (const call of calls) this.call(call);
      const used = process.cpuUsage(cpu);
      this.stats.reconcileCpuMicros += used.user + used.system;
      this.stats.reconciles += rows.length;
    } catch {
      for (const row of rows) await this.reconcile(row);
    }
  }

  /** Reconciles one row in its own transaction; a failure is logged and backed off, never passed on. */
  private async reconcile(row: DueRow): Promise<void> {
    const key = `${row.kind} ${row.arn}`;
    const cpu = process.cpuUsage();
    try {
      const calls = await this.store.transaction((tx) => this.reconcileIfDue(tx, row));
      this.failures.delete(key);
      for (const call of calls) this.call(call);
    } catch (error) {
      this.stats.failedReconciles++;
      const failures = (this.failures.get(key) ?? 0) + 1;
      if (this.failures.size >= 10_000) this.failures.clear();
      this.failures.set(key, failures);
      const delay = Math.min(ROW_BACKOFF_MAX_MS, ROW_BACKOFF_MS * 2 ** Math.min(failures - 1, 20));
      this.logger.error(`scheduler: reconciling ${key} failed (${failures} in a row); it is retried in ${delay / 1000} s, the other rows go on`, error);
      await this.store.transaction((tx) => tx.postpone(row.kind, row.arn, this.clock.now() + delay)).catch((postponeError: unknown) => this.logger.error(`scheduler: could not postpone ${key}`, postponeError));
    } finally {
      const used = process.cpuUsage(cpu);
      this.stats.reconcileCpuMicros += used.user + used.system;
      this.stats.reconciles++;
    }
  }

  /**
   * Makes a call a reconcile recorded as started, once per process (a reconcile run again before the
   * answer came names it again), and records the answer in a new transaction: no transaction is
   * open while the network is waited on. After a restart, calls recorded and not answered are made again.
   */
  private call(call: OutboundCall): void {
    const key = `${call.serviceDeploymentArn}#${call.hookId}#${call.attempt}`;
    if (this.calls.has(key) || this.stopped) return;
    const signal = this.aborter.signal;
    const made = this.lambda
      .invoke(call, signal)
      .then((outcome) => this.store.transaction((tx) => recordLambdaAnswer(tx, call, outcome, this.clock.now())))
      .catch((error: unknown) => {
        if (!signal.aborted) this.logger.error(`lifecycle hook ${call.hookId} of ${call.serviceDeploymentArn}: recording its answer failed`, error);
      })
      .finally(() => {
        this.calls.delete(key);
        this.wake();
      });
    this.calls.set(key, made);
  }
}

/** The due rows as units of work: task rows in groups of `taskRows`, every other row alone. */
function batched(due: readonly DueRow[], taskRows: number): DueRow[][] {
  const work: DueRow[][] = [];
  let tasks: DueRow[] = [];
  for (const row of due) {
    if (row.kind !== "task") {
      work.push([row]);
      continue;
    }
    tasks.push(row);
    if (tasks.length === taskRows) {
      work.push(tasks);
      tasks = [];
    }
  }
  if (tasks.length) work.push(tasks);
  return work;
}

/** A copy in random order (Fisher-Yates). */
function shuffled<T>(items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}
