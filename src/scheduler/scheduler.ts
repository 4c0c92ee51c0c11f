// The scheduler: a level-triggered control loop, separate from request handling. Each pass takes
// the rows whose due time has come, and for each one reads the whole desired and observed state,
// takes one step toward desired, and writes the result in one transaction. It never trusts that an
// earlier step happened: everything it knows it re-reads from the store, so a restart resumes.
import type { Config } from "../config";
import type { Logger } from "../logger";
import type { DueRow, Store } from "../store/store";
import type { Clock } from "./clock";
import type { IdSource } from "../api/context";
import { reconcileRow } from "./reconcile";

const BATCH = 256;

export class Scheduler {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;
  private wakeRequested = false;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly config: Config,
    private readonly logger: Logger,
    private readonly ids: IdSource,
  ) {}

  /** Work done so far: task status changes, passes, reconciles and their CPU time (for the benchmark). */
  readonly stats = { transitions: 0, passes: 0, reconciles: 0, reconcileCpuMicros: 0 };

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
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

  /** Runs passes until nothing is due now (used by tests and the virtual clock). */
  async settle(maxPasses = 10_000): Promise<void> {
    for (let i = 0; i < maxPasses; i++) {
      await this.running;
      const worked = await this.pass();
      if (!worked) return;
    }
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.loop(), delayMs);
  }

  private async loop(): Promise<void> {
    if (this.running || this.stopped) return;
    this.wakeRequested = false;
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

  /** One pass over what is due; true when it did something. */
  private async pass(): Promise<boolean> {
    const now = this.clock.now();
    const due: DueRow[] = await this.store.transaction((tx) => tx.due(now, BATCH));
    this.stats.passes++;
    for (const row of due) {
      const cpu = process.cpuUsage();
      await this.store.transaction((tx) => reconcileRow(tx, row, { now: this.clock.now(), config: this.config, ids: this.ids, stats: this.stats }));
      const used = process.cpuUsage(cpu);
      this.stats.reconcileCpuMicros += used.user + used.system;
      this.stats.reconciles++;
    }
    return due.length > 0;
  }
}
