// One reconcile step for one due row. Filled in by the scheduler's reconcilers per kind.
import type { Config } from "../config";
import type { DueRow, Tx } from "../store/store";

export interface ReconcileEnv {
  readonly now: number;
  readonly config: Config;
}

export async function reconcileRow(_tx: Tx, _row: DueRow, _env: ReconcileEnv): Promise<void> {
  // Nothing in the store is scheduled yet.
}
