// The scheduler's actions a user cares about, as log lines, read from the ECS events: a task
// started or stopped (with its reason), a task set or service steady, a deployment started,
// completed or failed. Intermediate task statuses are debug lines.
import type { EventBatchRecord, StoredEvent } from "../domain/records";
import type { Logger } from "../logger";
import { eventsOf } from "./backlog";
import { DETAIL_TYPES } from "./detail";

function lastPart(arn: unknown): string {
  return String(arn ?? "").split("/").pop() ?? "";
}

/** Logs a committed batch's events; rendered only when the logger would write some of them. */
export function logEvents(logger: Logger, batch: EventBatchRecord): void {
  // Warnings are the most any event logs above debug: below that, nothing to build.
  if (!logger.isEnabled("warn")) return;
  for (const event of eventsOf(batch)) logEvent(logger, event);
}

function logEvent(logger: Logger, event: StoredEvent): void {
  const where = { account: event.account, region: event.region };
  const d = event.detail;
  const cluster = lastPart(event.clusterArn);
  switch (event.detailType) {
    case DETAIL_TYPES.task: {
      const fields = { ...where, cluster, group: d.group, version: d.version };
      const task = `task ${lastPart(d.taskArn)}`;
      if (d.lastStatus === "RUNNING" && d.desiredStatus === "RUNNING") logger.info(`${task} started`, fields);
      else if (d.lastStatus === "STOPPED") logger.info(`${task} stopped`, { ...fields, stopCode: d.stopCode, reason: d.stoppedReason });
      else if (d.desiredStatus === "STOPPED" && d.lastStatus === "RUNNING") logger.info(`${task} stopping`, { ...fields, stopCode: d.stopCode, reason: d.stoppedReason });
      else logger.debug(`${task} ${String(d.lastStatus)}`, fields);
      return;
    }
    case DETAIL_TYPES.serviceAction: {
      const about = d.taskSetArns ? `task set ${lastPart((d.taskSetArns as string[])[0])}` : `service ${lastPart(event.resources[0])}`;
      const line = `${about}: ${String(d.eventName)}`;
      const fields = { ...where, cluster, ...(d.reason ? { reason: d.reason } : {}) };
      if (d.eventType === "INFO") logger.info(line, fields);
      else logger.warn(line, fields);
      return;
    }
    case DETAIL_TYPES.deployment: {
      const line = `service ${lastPart(event.resources[0])} deployment ${String(d.deploymentId)}: ${String(d.eventName)}`;
      const fields = { ...where, cluster, reason: d.reason };
      if (d.eventType === "ERROR") logger.warn(line, fields);
      else logger.info(line, fields);
      return;
    }
    case DETAIL_TYPES.containerInstance:
      logger.debug(`container instance ${lastPart(d.containerInstanceArn)} ${String(d.status)}`, { ...where, cluster, runningTasks: d.runningTasksCount, pendingTasks: d.pendingTasksCount });
      return;
    default:
      return;
  }
}
