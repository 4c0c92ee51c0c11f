// GET /_ecslite/events: the ECS events as Server-Sent Events, each `data:` one event in
// EventBridge's envelope and `id:` its number in the backlog. A reader that reconnects with
// Last-Event-ID (EventSource does) resumes after that event, from the backlog in the store, so it
// resumes across restarts and on any replica. Each stream reads the store for itself: when this
// process commits events, and every `pollMs` for what other replicas wrote.
import type * as http from "node:http";
import type { StoredEvent } from "../domain/records";
import type { Store } from "../store/store";
import { firstSequence, lastSequence, readEvents } from "./backlog";
import { envelope, type EventFilter, filterFromQuery, matches } from "./envelope";

/** Events read from the store at a time. */
const READ_LIMIT = 500;

export interface EventStreamOptions {
  /** How often streams look for events other replicas wrote (ms). */
  readonly pollMs?: number;
  /** How often an idle stream sends a comment, so proxies keep it open (ms). */
  readonly heartbeatMs?: number;
}

class EventStream {
  private reading = false;
  private again = false;
  private closed = false;

  constructor(
    private readonly store: Store,
    private readonly res: http.ServerResponse,
    private readonly filter: EventFilter,
    /** The number of the last event this reader has (seen or skipped). */
    private cursor: number,
  ) {}

  /** Sends what the backlog holds after the cursor; runs one read at a time, and once more if asked meanwhile. */
  pump(): void {
    if (this.closed) return;
    if (this.reading) {
      this.again = true;
      return;
    }
    this.reading = true;
    void this.drain().finally(() => {
      this.reading = false;
      if (this.again && !this.closed) {
        this.again = false;
        this.pump();
      }
    });
  }

  private async drain(): Promise<void> {
    for (;;) {
      let events: StoredEvent[];
      try {
        events = await this.store.transaction((tx) => readEvents(tx, this.cursor, READ_LIMIT));
      } catch {
        return; // the store is closing or failing: the next pump tries again
      }
      for (const event of events) {
        if (this.closed) return;
        this.cursor = event.seq;
        if (!matches(this.filter, event)) continue;
        if (!this.res.write(`id: ${event.seq}\ndata: ${JSON.stringify(envelope(event))}\n\n`)) await new Promise((resolve) => this.res.once("drain", resolve));
      }
      if (events.length < READ_LIMIT) return;
    }
  }

  comment(text: string): void {
    if (!this.closed) this.res.write(`: ${text}\n\n`);
  }

  close(): void {
    this.closed = true;
    this.res.end();
  }

  markClosed(): void {
    this.closed = true;
  }
}

/** Where a new reader starts: after Last-Event-ID, or `tail` events back, or at the newest event. */
function startingPoint(req: http.IncomingMessage, params: URLSearchParams, last: number): number | undefined {
  const header = req.headers["last-event-id"];
  const resume = (Array.isArray(header) ? header[0] : header) ?? params.get("lastEventId") ?? undefined;
  if (resume !== undefined && resume !== "") return /^\d+$/.test(resume) ? Math.min(Number(resume), last) : undefined;
  const tail = params.get("tail");
  if (tail !== null) return /^\d+$/.test(tail) ? Math.max(0, last - Number(tail)) : undefined;
  return last;
}

export class EventStreams {
  private readonly streams = new Set<EventStream>();
  private readonly poller: NodeJS.Timeout;
  private readonly heartbeat: NodeJS.Timeout;

  constructor(
    private readonly store: Store,
    options: EventStreamOptions = {},
  ) {
    this.poller = setInterval(() => this.notify(), options.pollMs ?? 1000);
    this.heartbeat = setInterval(() => {
      for (const stream of this.streams) stream.comment("keep-alive");
    }, options.heartbeatMs ?? 15_000);
    this.poller.unref();
    this.heartbeat.unref();
  }

  /** New events may be in the store: every stream reads what it has not seen. */
  notify(): void {
    for (const stream of this.streams) stream.pump();
  }

  get size(): number {
    return this.streams.size;
  }

  async serve(req: http.IncomingMessage, res: http.ServerResponse, params: URLSearchParams): Promise<void> {
    const { first, last } = await this.store.transaction(async (tx) => ({ first: await firstSequence(tx), last: await lastSequence(tx) }));
    const start = startingPoint(req, params, last);
    if (start === undefined) {
      res.writeHead(400, { "content-type": "application/json" });
      res.end(JSON.stringify({ __type: "InvalidParameterException", message: "Last-Event-ID, lastEventId and tail must be event numbers (non-negative integers)." }));
      return;
    }
    res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache", connection: "keep-alive", "x-accel-buffering": "no" });
    res.write("retry: 1000\n\n");
    if (start < first - 1) {
      // The reader missed events that have left the backlog: say so, then go on from the oldest kept.
      res.write(`event: gap\ndata: ${JSON.stringify({ after: start, resumedAt: first, missed: first - 1 - start })}\n\n`);
    }
    const stream = new EventStream(this.store, res, filterFromQuery(params), Math.max(start, first - 1));
    this.streams.add(stream);
    req.on("close", () => {
      stream.markClosed();
      this.streams.delete(stream);
    });
    stream.pump();
  }

  close(): void {
    clearInterval(this.poller);
    clearInterval(this.heartbeat);
    for (const stream of this.streams) stream.close();
    this.streams.clear();
  }
}
