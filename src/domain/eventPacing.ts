// How ECS paces service events that a lasting condition keeps producing ("unable to place a task",
// "has reached a steady state", "is unable to consistently start tasks successfully"): an identical
// message is written once and then omitted until its cause is resolved or six hours pass, after which
// it is written again (developer guide, "Service event messages"; the six-hourly steady-state events
// seen in boto3 issue 1942 and containers-roadmap issue 333). Messages that name tasks or deployments
// never repeat, so they need no pacing.

export const IDENTICAL_EVENT_INTERVAL_MS = 6 * 60 * 60 * 1000;

/** A message a condition produces on every pass while it lasts, keyed by its cause. */
export interface RepeatedEvent {
  /** What keeps producing it, e.g. "steady" or "unable-to-place <task set ARN>". */
  cause: string;
  message: string;
}

/** When each cause's message was last written (epoch ms), kept on the service. */
export type EventPacing = Readonly<Record<string, { message: string; writtenAt: number }>>;

export interface PacedEvents {
  /** The messages to write now, in order. */
  messages: string[];
  pacing: EventPacing;
  /** When a cause still active will be due to be written again, if any. */
  nextRepeatAt: number | undefined;
}

/**
 * The repeated events to write now. `active` are the conditions that hold; `evaluated` says which
 * causes this pass looked at, so a recorded cause it evaluated and found absent is resolved (and its
 * next occurrence is written at once). Causes this pass did not evaluate keep their record.
 */
export function paceRepeatedEvents(pacing: EventPacing | undefined, active: readonly RepeatedEvent[], evaluated: (cause: string) => boolean, now: number): PacedEvents {
  const next: Record<string, { message: string; writtenAt: number }> = {};
  const activeCauses = new Set(active.map((e) => e.cause));
  for (const [cause, record] of Object.entries(pacing ?? {})) {
    if (activeCauses.has(cause) || !evaluated(cause)) next[cause] = record;
  }
  const messages: string[] = [];
  for (const event of active) {
    const last = next[event.cause];
    if (last && last.message === event.message && now - last.writtenAt < IDENTICAL_EVENT_INTERVAL_MS) continue;
    next[event.cause] = { message: event.message, writtenAt: now };
    messages.push(event.message);
  }
  let nextRepeatAt: number | undefined;
  for (const cause of activeCauses) {
    const at = (next[cause]?.writtenAt ?? now) + IDENTICAL_EVENT_INTERVAL_MS;
    if (nextRepeatAt === undefined || at < nextRepeatAt) nextRepeatAt = at;
  }
  return { messages, pacing: next, nextRepeatAt };
}
