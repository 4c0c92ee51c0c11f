// One reconcile step for one due row, by kind.
import { forgetDrainedTarget } from "../api/elbv2/targets";
import type { DueRow, Tx } from "../store/store";
import { advanceAll, type ReconcileEnv, TaskBook } from "./group";
import { reconcileService } from "./reconcileService";
import { reconcileTaskSet } from "./reconcileTaskSet";

export type { ReconcileEnv };

export async function reconcileRow(tx: Tx, row: DueRow, env: ReconcileEnv): Promise<void> {
  switch (row.kind) {
    case "taskSet":
      return reconcileTaskSet(tx, row.arn, env);
    case "service":
      return reconcileService(tx, row.arn, env);
    case "task":
      return reconcileTask(tx, row.arn, env);
    case "target":
      // A deregistered load balancer target whose draining has ended.
      return forgetDrainedTarget(tx, row.arn, env.now);
    default:
      return;
  }
}

/** A standalone task steps through its life; a STOPPED task is forgotten after its retention. */
async function reconcileTask(tx: Tx, arn: string, env: ReconcileEnv): Promise<void> {
  const record = await tx.get("task", arn);
  if (!record) return;
  if (record.task.lastStatus === "STOPPED") {
    if ((record.forgetAt ?? 0) <= env.now) await tx.remove("task", arn);
    return;
  }
  if (record.owner !== "") return; // stepped by its owner
  const def = await tx.get("taskDefinition", record.task.taskDefinitionArn ?? "");
  const book = new TaskBook([record]);
  advanceAll(book, env, new Map(def ? [[def.taskDefinition.taskDefinitionArn ?? "", def.taskDefinition]] : []));
  await book.save(tx, env);
}
