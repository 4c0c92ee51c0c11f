// The HTTP server: the AWS APIs (ECS, Elastic Load Balancing) on POST /, control endpoints under /_ecslite/, nothing else.
import { randomBytes, randomUUID } from "node:crypto";
import * as http from "node:http";
import type { AddressInfo, Socket } from "node:net";
import type { IdSource, RequestContext } from "./api/context";
import { tagsOfResource } from "./api/ecs/tags";
import { tagsOfElbResource } from "./api/elbv2/tags";
import type { Config } from "./config";
import { scopeKey } from "./domain/arn";
import { Logger } from "./logger";
import type { DestinationStream } from "pino";
import { type ApiResponse, type Authenticator, type Authorizer, dispatch } from "./protocol/dispatch";
import { type BodyLimits, BodyTooLarge, ClientGone, readBody } from "./httpBody";
import { ApiError, SerializationException } from "./protocol/errors";
import { JSON_CONTENT_TYPE, jsonErrorResponse } from "./protocol/json";
import { serviceFor } from "./protocol/route";
import type { ServiceEndpoint } from "./protocol/protocol";
import { servedServices } from "./services";
import { defaultAccountResolver } from "./protocol/identity";
import { createAuth } from "./protocol/auth";
import { enforceResponseShapes } from "./protocol/responseCheck";
import { type Clock, RealClock, VirtualClock } from "./scheduler/clock";
import { Scheduler } from "./scheduler/scheduler";
import { credentialsFailure, dataDirFailure, listenFailure, postgresFailure, startupStep } from "./startup";
import { openStore } from "./store/open";
import { packageVersion } from "./version";
import { Dashboard } from "./dashboard";
import { EventCapturingStore } from "./events/capture";
import { EventBridgeDelivery, type EventBridgeDeliveryOptions } from "./events/eventbridge";
import { logEvents } from "./events/log";
import { EventStreams } from "./events/stream";
import type { Store } from "./store/store";

/** How long a shutdown waits for in-flight requests before closing their connections. */
export const SHUTDOWN_GRACE_MS = 10_000;

/** How long startup waits for PostgreSQL to answer before giving up. */
export const POSTGRES_CONNECT_TIMEOUT_MS = 10_000;

/** Larger bodies are refused with 413; up to 64 MiB more (for up to 10 s) is read and thrown away first, so the client reads the 413. */
export const MAX_BODY_BYTES = 1024 * 1024;
export const BODY_LIMITS: BodyLimits = { maxBytes: MAX_BODY_BYTES, discardBytes: 64 * 1024 * 1024, discardMs: 10_000 };

/** Time a client has to send its request headers (at most --request-timeout-ms). */
export const HEADERS_TIMEOUT_MS = 10_000;


export interface RunningServer {
  readonly url: string;
  readonly port: number;
  readonly store: Store;
  readonly clock: Clock;
  readonly scheduler: Scheduler | undefined;
  readonly logger: Logger;
  /** The event stream's readers, and the EventBridge delivery when --eventbridge-endpoint is set. */
  readonly events: { readonly streams: EventStreams; readonly delivery: EventBridgeDelivery | undefined };
  close(): Promise<void>;
}

export interface StartOptions {
  /** Where log lines go (stdout by default); tests and embedders may capture them. */
  readonly logDestination?: DestinationStream;
  /** Credentials for --eventbridge-endpoint (the AWS SDK's default chain when absent). */
  readonly eventBridgeCredentials?: EventBridgeDeliveryOptions["credentials"];
}

/** Random bytes drawn in blocks: ids are made by the hundred thousand when the scheduler starts tasks. */
class RandomPool {
  private buffer = Buffer.alloc(0);
  private offset = 0;
  take(n: number): Buffer {
    if (this.offset + n > this.buffer.length) {
      this.buffer = randomBytes(64 * 1024);
      this.offset = 0;
    }
    const slice = this.buffer.subarray(this.offset, this.offset + n);
    this.offset += n;
    return slice;
  }
}

function randomIdSource(): IdSource {
  const pool = new RandomPool();
  return {
    hex32: () => pool.take(16).toString("hex"),
    taskId: () => Date.now().toString(16).padStart(12, "0").slice(-12) + pool.take(10).toString("hex"),
    // 19 digits, never starting with 0.
    digits19: () => (1_000_000_000_000_000_000n + (pool.take(8).readBigUInt64BE() % 9_000_000_000_000_000_000n)).toString(),
    uuid: () => randomUUID(),
    token: (length) => pool.take(Math.ceil((length * 3) / 4)).toString("base64url").slice(0, length),
  };
}


function send(res: http.ServerResponse, response: ApiResponse, requestId: string): void {
  const headers: http.OutgoingHttpHeaders = {
    "content-type": response.contentType,
    "content-length": Buffer.byteLength(response.body),
    "x-amzn-requestid": requestId,
  };
  if (response.errorType) headers["x-amzn-errortype"] = response.errorType;
  res.writeHead(response.status, headers);
  res.end(response.body);
}

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  send(res, { status, body: JSON.stringify(body), contentType: "application/json" }, randomUUID());
}

/** The whole answer to a connection over the cap, written before any request is read. */
function connectionRefusal(maxConnections: number): string {
  const body = JSON.stringify({ __type: "ServiceUnavailableException", message: `ecslite is serving its maximum of ${maxConnections} connections (--max-connections); retry later.` });
  return [
    "HTTP/1.1 503 Service Unavailable",
    `content-type: ${JSON_CONTENT_TYPE}`,
    `content-length: ${Buffer.byteLength(body)}`,
    "x-amzn-errortype: ServiceUnavailableException",
    `x-amzn-requestid: ${randomUUID()}`,
    "retry-after: 1",
    "connection: close",
    "",
    body,
  ].join("\r\n");
}

/**
 * Opens the store, listens and starts the scheduler. A failure of any step rejects with a
 * StartupError whose message says what to change (src/startup.ts), and leaves nothing open.
 */
export async function startServer(config: Config, options: StartOptions = {}): Promise<RunningServer> {
  const logger = new Logger({ level: config.logLevel, format: config.logFormat, destination: options.logDestination });
  const randomIds = randomIdSource();
  const clock: Clock = config.clock === "virtual" ? new VirtualClock() : new RealClock();
  const resolveAccount = defaultAccountResolver(config.accounts, config.defaultAccount);
  // Credentials first: a bad file is refused before anything is opened.
  const { authenticate, authorize, authorizeControl } = await startupStep(
    () => createAuth(config, clock, resolveAccount, (arn) => store.transaction((tx) => (arn.startsWith("arn:aws:elasticloadbalancing:") ? tagsOfElbResource(tx, arn) : tagsOfResource(tx, arn)))),
    (error) => credentialsFailure(config, error),
  );
  const opened: Store = config.postgresUrl
    ? await startupStep(() => openStore(config), (error) => postgresFailure(config, error), POSTGRES_CONNECT_TIMEOUT_MS)
    : await startupStep(() => openStore(config), (error) => dataDirFailure(config, error));
  // Everything reads and writes through the event capture: ECS events come from the changes themselves.
  const store = new EventCapturingStore(opened, { backlog: config.eventBacklog, now: () => clock.now(), uuid: randomIds.uuid });
  const streams = new EventStreams(store);
  const dashboard = new Dashboard({ defaultAccount: config.defaultAccount, version: packageVersion() });
  const delivery = config.eventBridgeEndpoint
    ? new EventBridgeDelivery(store, {
        endpoint: config.eventBridgeEndpoint,
        source: config.eventBridgeSource,
        ...(config.eventBridgeBus ? { busName: config.eventBridgeBus } : {}),
        ...(options.eventBridgeCredentials ? { credentials: options.eventBridgeCredentials } : {}),
        logger,
      })
    : undefined;
  store.onCommit((batch) => {
    logEvents(logger, batch);
    streams.notify();
    delivery?.notify();
  });
  const scheduler = config.scheduler ? new Scheduler(store, clock, config, logger, randomIds) : undefined;
  const services = servedServices();
  const wakeScheduler = () => scheduler?.wake();

  const contextFor = (caller: { account: string; region: string; principal: string }): RequestContext => ({
    account: caller.account,
    region: caller.region,
    scope: scopeKey(caller),
    principal: caller.principal,
    store,
    clock,
    ids: randomIds,
    config,
    wakeScheduler,
  });
  const dispatchOptions = {
    authenticate: authenticate as Authenticator,
    authorize: authorize as Authorizer | undefined,
    contextFor,
    onFault: (operation: string, error: unknown) => logger.error(`fault in ${operation}`, error),
    ...(config.checkResponses ? { checkOutput: enforceResponseShapes(logger) } : {}),
  };

  let shuttingDown = false;
  // A client has requestTimeoutMs to send a whole request (headers within HEADERS_TIMEOUT_MS), then
  // gets 408 and its connection closes; checked every second, not Node's default 30 s.
  const timeouts = { requestTimeout: config.requestTimeoutMs, headersTimeout: Math.min(HEADERS_TIMEOUT_MS, config.requestTimeoutMs), connectionsCheckingInterval: 1000 };
  const refused = new WeakSet<object>();
  const server = http.createServer(timeouts, (req, res) => {
    if (refused.has(req.socket)) {
      req.resume(); // already answered 503 and closing
      return;
    }
    if (shuttingDown) res.setHeader("connection", "close");
    const started = performance.now();
    handle(req, res, started).catch((error: unknown) => {
      if (error instanceof ClientGone) return;
      logger.error("unexpected error", error);
      if (!res.headersSent) {
        sendJson(res, 500, { __type: "ServerException", message: "An internal error occurred." });
        logger.request({ requestId: "-", status: 500, errorType: "ServerException", ms: elapsedMs(started) });
      } else res.destroy();
    });
  });
  server.keepAliveTimeout = 65_000;
  // At most maxConnections open client connections; one more is answered 503 (which SDKs retry) and closed.
  let openConnections = 0;
  server.prependListener("connection", (socket: Socket) => {
    if (openConnections >= config.maxConnections) {
      refused.add(socket);
      socket.end(connectionRefusal(config.maxConnections));
      return;
    }
    openConnections++;
    socket.once("close", () => openConnections--);
  });

  /** Answers an API request and writes its log line. */
  function answer(req: http.IncomingMessage, res: http.ServerResponse, service: ServiceEndpoint, response: ApiResponse, requestId: string, started: number): void {
    send(res, response, requestId);
    logger.request({
      requestId,
      service: response.operation === undefined ? undefined : service.signingName,
      operation: response.operation,
      request: response.operation === undefined ? `${req.method} ${(req.url ?? "").slice(0, 100)}` : undefined,
      account: response.caller?.account,
      region: response.caller?.region,
      status: response.status,
      errorType: response.errorType,
      ms: elapsedMs(started),
    });
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse, started: number): Promise<void> {
    const url = req.url ?? "/";
    if (dashboard.serve(req, res, url)) {
      req.resume();
      logger.debug(`${req.method} ${url.slice(0, 200)}`, { status: res.statusCode, ms: elapsedMs(started) });
      return;
    }
    if (url.startsWith("/_ecslite/") || url.startsWith("/moto-api/")) {
      await control(req, res, url);
      logger.debug(`${req.method} ${url.slice(0, 200)}`, { status: res.statusCode, ms: elapsedMs(started) });
      return;
    }
    const requestId = randomUUID();
    const method = req.method ?? "";
    const service = serviceFor(method, url, req.headers, services);
    // AWS APIs are POST /; a Query API (Elastic Load Balancing) also takes GET /?Action=...
    const queryGet = method === "GET" && service === services.query;
    if ((method !== "POST" && !queryGet) || (url !== "/" && !url.startsWith("/?"))) {
      req.resume();
      answer(req, res, service, service.protocol.encodeError(new SerializationException(`ecslite serves the ${service.title} API as POST / (got ${method} ${url.slice(0, 100)}).`), requestId), requestId, started);
      return;
    }
    let body: Buffer;
    try {
      body = await readBody(req, BODY_LIMITS);
    } catch (error) {
      if (error instanceof BodyTooLarge) {
        // The client has sent its whole body (or gone past the bound): it reads this, then the connection closes.
        res.setHeader("connection", "close");
        answer(req, res, service, service.protocol.encodeError(error, requestId), requestId, started);
        return;
      }
      throw error;
    }
    answer(req, res, service, await dispatch({ method, path: url, headers: req.headers, body }, service, requestId, dispatchOptions), requestId, started);
  }

  async function control(req: http.IncomingMessage, res: http.ServerResponse, url: string): Promise<void> {
    const body = await readBody(req, BODY_LIMITS).catch((error: unknown) => {
      if (error instanceof ClientGone) throw error;
      return Buffer.alloc(0);
    });
    const path = url.split("?")[0];
    // Health and the time are open; everything that changes state is checked like an API call.
    const open = req.method === "GET" && (path === "/_ecslite/health" || path === "/_ecslite/clock");
    if (!open) {
      try {
        authorizeControl({ method: req.method ?? "", path: url, headers: req.headers, body }, controlAction(req.method ?? "", path));
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        send(res, { ...jsonErrorResponse(error), contentType: "application/json" }, randomUUID());
        return;
      }
    }
    if (req.method === "GET" && path === "/_ecslite/events") {
      await streams.serve(req, res, new URLSearchParams(url.slice(path.length + 1)));
    } else if (req.method === "GET" && path === "/_ecslite/health") {
      sendJson(res, 200, { status: "ok", store: store.description, clock: config.clock, auth: config.auth, scheduler: scheduler ? "running" : "off" });
    } else if (req.method === "POST" && (path === "/_ecslite/reset" || path === "/moto-api/reset")) {
      await store.reset();
      sendJson(res, 200, { status: "reset" });
    } else if (path === "/_ecslite/clock" && req.method === "GET") {
      sendJson(res, 200, { virtual: clock.virtual, now: clock.now() / 1000 });
    } else if (path === "/_ecslite/clock" && req.method === "POST") {
      if (!(clock instanceof VirtualClock)) {
        sendJson(res, 400, { __type: "InvalidParameterException", message: "The clock is real; start ecslite with --clock virtual to advance it." });
        return;
      }
      const seconds = parseSeconds(body);
      if (seconds === undefined) {
        sendJson(res, 400, { __type: "InvalidParameterException", message: 'Body must be {"advanceSeconds": <non-negative number>}.' });
        return;
      }
      if (clock.now() + seconds * 1000 > LATEST_VIRTUAL_TIME_MS) {
        const left = Math.max(0, Math.floor((LATEST_VIRTUAL_TIME_MS - clock.now()) / 1000));
        sendJson(res, 400, { __type: "InvalidParameterException", message: `advanceSeconds would move the clock past 9999-12-31T23:59:59Z, the last time ECS's timestamps and SigV4 dates can carry; at most ${left} seconds are left.` });
        return;
      }
      // Finish what is due before time moves, so work a request just asked for happens at its time.
      const before = scheduler ? await scheduler.settle() : true;
      clock.advance(seconds * 1000);
      const after = scheduler ? await scheduler.settle() : true;
      sendJson(res, 200, { virtual: true, now: clock.now() / 1000, settled: before && after });
    } else if (req.method === "POST" && path === "/_ecslite/scheduler/settle") {
      // "unsettled": work was still due after the scheduler's bound on passes (a bug; logged).
      const settled = scheduler ? await scheduler.settle() : true;
      sendJson(res, 200, { status: scheduler ? (settled ? "settled" : "unsettled") : "no scheduler" });
    } else {
      sendJson(res, 404, { __type: "ResourceNotFoundException", message: `No control endpoint ${req.method} ${path.slice(0, 100)}.` });
    }
  }

  await delivery?.start();
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(config.port, config.host, () => resolve());
    });
  } catch (error) {
    await store.close();
    throw listenFailure(config, error);
  }
  const port = (server.address() as AddressInfo).port;
  scheduler?.start();
  let closing: Promise<void> | undefined;
  return {
    url: `http://${config.host.includes(":") ? `[${config.host}]` : config.host}:${port}`,
    port,
    store,
    clock,
    scheduler,
    logger,
    events: { streams, delivery },
    close: () =>
      (closing ??= (async () => {
        // Stop accepting; answer what is in flight (with "connection: close"), then close each
        // keep-alive connection as it goes idle; after the grace period, close whatever remains.
        shuttingDown = true;
        streams.close();
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        const sweeper = setInterval(() => server.closeIdleConnections(), 20);
        const deadline = setTimeout(() => server.closeAllConnections(), SHUTDOWN_GRACE_MS);
        server.closeIdleConnections();
        await closed;
        clearInterval(sweeper);
        clearTimeout(deadline);
        await scheduler?.stop();
        await delivery?.stop();
        await store.close();
        logger.flush();
      })()),
  };
}

/** The name a control endpoint's refusal gives the attempted action. */
function controlAction(method: string, path: string): string {
  if (path === "/_ecslite/reset" || path === "/moto-api/reset") return "ecslite:Reset";
  if (path === "/_ecslite/clock") return "ecslite:AdvanceClock";
  if (path === "/_ecslite/scheduler/settle") return "ecslite:SettleScheduler";
  if (path === "/_ecslite/events") return "ecslite:ReadEvents";
  return `ecslite:${method} ${path.slice(0, 100)}`;
}

/** Milliseconds since `started` (a performance.now() reading), to a tenth. */
function elapsedMs(started: number): number {
  return Math.round((performance.now() - started) * 10) / 10;
}

/**
 * The virtual clock stops at the end of year 9999: past it, SigV4's X-Amz-Date and ISO timestamps have
 * no form (and past year 275760 a Date has no value), so every task start and event would fail.
 */
const LATEST_VIRTUAL_TIME_MS = Date.UTC(9999, 11, 31, 23, 59, 59);

function parseSeconds(body: Buffer): number | undefined {
  try {
    const parsed: unknown = JSON.parse(body.toString("utf8") || "{}");
    const seconds = (parsed as { advanceSeconds?: unknown }).advanceSeconds;
    return typeof seconds === "number" && Number.isFinite(seconds) && seconds >= 0 ? seconds : undefined;
  } catch {
    return undefined;
  }
}
