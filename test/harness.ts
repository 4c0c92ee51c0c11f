// Starting ecslite in-process for a test, and clients pointed at it, as a user's suite would.
import { after, before } from "node:test";
import { ECSClient } from "@aws-sdk/client-ecs";
import { ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import { defaultConfig, type Config } from "../src/config";
import { type RunningServer, type StartOptions, startServer } from "../src/server";

export interface TestServer extends RunningServer {
  /** An SDK client for an account (a 12-digit access key is its own account) and region. */
  client(options?: { accessKeyId?: string; region?: string; secretAccessKey?: string }): ECSClient;
  /** An Elastic Load Balancing v2 SDK client, as `client` for ECS. */
  elb(options?: { accessKeyId?: string; region?: string; secretAccessKey?: string }): ElasticLoadBalancingV2Client;
  /** Raw AWS Query call (a form body) over fetch, for hostile-input tests. */
  query(body: string | Buffer, headers?: Record<string, string>): Promise<{ status: number; text: string; headers: Headers }>;
  /** Raw AWS JSON 1.1 call over fetch, for hostile-input tests. */
  raw(operation: string | undefined, body: string | Buffer, headers?: Record<string, string>): Promise<{ status: number; json: Record<string, unknown>; headers: Headers }>;
  /** Moves virtual time forward and lets the scheduler converge. */
  advance(seconds: number): Promise<void>;
  /** Lets the scheduler converge on what is due now. */
  settle(): Promise<void>;
}

export async function startTestServer(overrides: Partial<Config> = {}, options: StartOptions = {}): Promise<TestServer> {
  // Every response is checked against the model: a shape the model does not allow fails the test that caused it.
  const server = await startServer({ ...defaultConfig(), port: 0, inMemory: true, logLevel: "error", stepMs: 0, clock: "virtual", checkResponses: true, freezeRecords: true, ...overrides }, options);
  const clients: { destroy(): void }[] = [];
  return {
    ...server,
    close: async () => {
      for (const c of clients) c.destroy();
      await server.close();
    },
    client(options = {}) {
      const client = new ECSClient({
        endpoint: server.url,
        region: options.region ?? "us-east-1",
        credentials: { accessKeyId: options.accessKeyId ?? "test", secretAccessKey: options.secretAccessKey ?? "test" },
        maxAttempts: 1,
      });
      clients.push(client);
      return client;
    },
    elb(options = {}) {
      const client = new ElasticLoadBalancingV2Client({
        endpoint: server.url,
        region: options.region ?? "us-east-1",
        credentials: { accessKeyId: options.accessKeyId ?? "test", secretAccessKey: options.secretAccessKey ?? "test" },
        maxAttempts: 1,
      });
      clients.push(client);
      return client;
    },
    async query(body, headers = {}) {
      const response = await fetch(server.url, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded; charset=utf-8", ...headers }, body });
      return { status: response.status, text: await response.text(), headers: response.headers };
    },
    async raw(operation, body, headers = {}) {
      const response = await fetch(server.url, {
        method: "POST",
        headers: {
          "content-type": "application/x-amz-json-1.1",
          ...(operation ? { "x-amz-target": `AmazonEC2ContainerServiceV20141113.${operation}` } : {}),
          ...headers,
        },
        body,
      });
      const text = await response.text();
      let json: Record<string, unknown> = {};
      try {
        json = JSON.parse(text) as Record<string, unknown>;
      } catch {
        json = { unparsed: text };
      }
      return { status: response.status, json, headers: response.headers };
    },
    async advance(seconds) {
      const response = await fetch(`${server.url}/_ecslite/clock`, { method: "POST", body: JSON.stringify({ advanceSeconds: seconds }) });
      const text = await response.text();
      if (response.status !== 200) throw new Error(`advance failed: ${response.status} ${text}`);
      if ((JSON.parse(text) as { settled?: boolean }).settled === false) throw new Error("advance: the scheduler did not settle (work kept itself due)");
    },
    async settle() {
      const response = await fetch(`${server.url}/_ecslite/scheduler/settle`, { method: "POST" });
      const { status } = (await response.json()) as { status?: string };
      if (status === "unsettled") throw new Error("settle: the scheduler did not settle (work kept itself due)");
    },
  };
}

/**
 * A test server for the enclosing describe: started in a `before` hook registered now (so before
 * the describe's own hooks run), closed in an `after`. The value returned stands for the server once
 * started. Overrides that depend on what an earlier hook prepared (a temporary directory) are given
 * as a function, called when the server starts.
 */
export function useServer(overrides: Partial<Config> | (() => Partial<Config>) = {}, options: StartOptions = {}): TestServer {
  let started: TestServer | undefined;
  before(async () => {
    started = await startTestServer(typeof overrides === "function" ? overrides() : overrides, options);
  });
  after(() => started?.close());
  return new Proxy({} as TestServer, {
    get(_target, member) {
      if (!started) throw new Error(`the test server is used before its before() hook started it (server.${String(member)})`);
      const value: unknown = Reflect.get(started, member);
      return typeof value === "function" ? value.bind(started) : value;
    },
  });
}
