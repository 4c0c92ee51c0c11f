// Delivery of the ECS events to an EventBridge PutEvents endpoint (--eventbridge-endpoint), signed
// by the AWS SDK like any AWS call, from the backlog in the store: up to 10 entries a call (the
// PutEvents limit), in order, one call at a time. How far delivery has got is kept in the store, so
// a restart goes on where it stopped; delivery is at least once (a replica that delivered a batch
// but had not yet moved the cursor when another took over sends it again), as EventBridge's is.
import { EventBridgeClient, type EventBridgeClientConfig, PutEventsCommand, type PutEventsRequestEntry } from "@aws-sdk/client-eventbridge";
import type { StoredEvent } from "../domain/records";
import type { Logger } from "../logger";
import type { Store } from "../store/store";
import { firstSequence, lastSequence, readEvents } from "./backlog";

const CURSOR = "eventbridge/delivered";
/** PutEvents takes at most 10 entries. */
const ENTRIES_PER_CALL = 10;
/** Entry errors worth sending again; any other (NotAuthorizedForSourceException, ...) will not pass later either. */
const RETRYABLE_ENTRY_ERRORS: ReadonlySet<string> = new Set(["InternalFailure", "InternalException", "ThrottlingException"]);

export interface EventBridgeDeliveryOptions {
  readonly endpoint: string;
  /** The event bus; the default bus when absent. */
  readonly busName?: string;
  /** `source` of the entries: aws.ecs, as ECS sends them. AWS itself refuses aws.* sources from PutEvents. */
  readonly source: string;
  /** The SDK's default credential chain (environment, profile, ...) when absent. */
  readonly credentials?: EventBridgeClientConfig["credentials"];
  readonly logger: Logger;
  /** How often to look for events other replicas wrote (ms). */
  readonly pollMs?: number;
}

export class EventBridgeDelivery {
  private readonly clients = new Map<string, EventBridgeClient>();
  private readonly timer: NodeJS.Timeout;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  /** Consecutive failed calls: the wait before the next try doubles with each, up to 30 s. */
  private failures = 0;
  private retryAt = 0;

  constructor(
    private readonly store: Store,
    private readonly options: EventBridgeDeliveryOptions,
  ) {
    this.timer = setInterval(() => this.notify(), options.pollMs ?? 1000);
    this.timer.unref();
  }

  /**
   * The first delivery to an endpoint starts with the events from now on, not the backlog's
   * history; later starts go on from where delivery got to.
   */
  async start(): Promise<void> {
    await this.store.transaction(async (tx) => {
      if (!(await tx.get("eventCursor", CURSOR))) await tx.put("eventCursor", { arn: CURSOR, seq: await lastSequence(tx) });
    });
    this.notify();
  }

  /** New events may be waiting. */
  notify(): void {
    if (this.stopped || Date.now() < this.retryAt) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.deliver().finally(() => {
      this.running = undefined;
      if (this.again) {
        this.again = false;
        this.notify();
      }
    });
  }

  /** Resolves once nothing is left to deliver now (for tests). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.running;
    for (const client of this.clients.values()) client.destroy();
  }

  private client(region: string): EventBridgeClient {
    let client = this.clients.get(region);
    if (!client) {
      client = new EventBridgeClient({ endpoint: this.options.endpoint, region, maxAttempts: 3, ...(this.options.credentials ? { credentials: this.options.credentials } : {}) });
      this.clients.set(region, client);
    }
    return client;
  }

  private async deliver(): Promise<void> {
    for (;;) {
      const { cursor, events } = await this.store.transaction(async (tx) => {
        let from = (await tx.get("eventCursor", CURSOR))?.seq ?? 0;
        const first = await firstSequence(tx);
        if (from < first - 1) {
          this.options.logger.warn(`EventBridge delivery fell behind the event backlog: ${first - 1 - from} events left it before they were delivered`);
          from = first - 1;
        }
        return { cursor: from, events: await readEvents(tx, from, ENTRIES_PER_CALL) };
      });
      if (events.length === 0 || this.stopped) return;
      const delivered = await this.send(events);
      if (!delivered) return;
      const upTo = events[events.length - 1].seq;
      await this.store.transaction(async (tx) => {
        const saved = await tx.get("eventCursor", CURSOR);
        if ((saved?.seq ?? cursor) < upTo) await tx.put("eventCursor", { arn: CURSOR, seq: upTo });
      });
    }
  }

  /** Sends the events (one call per region); false when the endpoint failed and delivery must wait. */
  private async send(events: readonly StoredEvent[]): Promise<boolean> {
    const byRegion = new Map<string, StoredEvent[]>();
    for (const event of events) byRegion.set(event.region, [...(byRegion.get(event.region) ?? []), event]);
    try {
      for (const [region, regional] of byRegion) {
        let entries = regional.map((event) => this.entry(event));
        for (let attempt = 1; entries.length; attempt++) {
          const answer = await this.client(region).send(new PutEventsCommand({ Entries: entries }));
          const retry: PutEventsRequestEntry[] = [];
          (answer.Entries ?? []).forEach((result, i) => {
            if (!result.ErrorCode) return;
            if (RETRYABLE_ENTRY_ERRORS.has(result.ErrorCode) && attempt < 5) retry.push(entries[i]);
            else this.options.logger.error(`EventBridge refused an event: ${result.ErrorCode}: ${result.ErrorMessage ?? ""}`, undefined, { detailType: entries[i].DetailType });
          });
          entries = retry;
        }
      }
      this.failures = 0;
      return true;
    } catch (error) {
      this.failures++;
      const waitMs = Math.min(30_000, 500 * 2 ** Math.min(this.failures, 6));
      this.retryAt = Date.now() + waitMs;
      if (this.failures === 1 || this.failures % 20 === 0) {
        this.options.logger.warn(`EventBridge delivery to ${this.options.endpoint} failed (${(error as Error).message}); trying again in ${waitMs / 1000} s`);
      }
      return false;
    }
  }

  private entry(event: StoredEvent): PutEventsRequestEntry {
    return {
      Source: this.options.source,
      DetailType: event.detailType,
      Detail: JSON.stringify(event.detail),
      Resources: event.resources,
      Time: new Date(event.time),
      ...(this.options.busName ? { EventBusName: this.options.busName } : {}),
    };
  }
}
