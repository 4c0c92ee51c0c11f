// One reconcile step for one due row, by kind.
import { forgetDrainedTarget } from "../api/elbv2/targets";
import type { DueRow, Tx } from "../store/store";
import { advanceAll, type ReconcileEnv, TaskBook } from "./group";
import { reconcileService } from "./reconcileService";
import type { OutboundCall } from "./serviceDeployments";
import { reconcileTaskSet } from "./reconcileTaskSet";

export type { ReconcileEnv };

/** One reconcile step; returns the calls to other services (Lambda hooks) to make once it has committed. */
export async function reconcileRow(tx: Tx, row: DueRow, env: ReconcileEnv): Promise<OutboundCall[]> {
  switch (row.kind) {
    case "taskSet":
      await reconcileTaskSet(tx, row.arn, env);
      return [];
    case "service":
      return reconcileService(tx, row.arn, env);
    case "task":
      await reconcileTask(tx, row.arn, env);
      return [];
    case "target":
      // A deregistered load balancer target whose draining has ended.
      await forgetDrainedTarget(tx, row.arn, env.now);
      return [];
    default:
      return [];
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
