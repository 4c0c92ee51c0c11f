// Delivery to EventBridge (--eventbridge-endpoint). No EventBridge implementation runs on this
// machine (LocalStack and moto need PyPI, which is unreachable here), so the endpoint is an
// in-process HTTP server that answers PutEvents as the EventBridge API reference documents it
// (AWS JSON 1.1, X-Amz-Target AWSEvents.PutEvents, {Entries} in, {FailedEntryCount, Entries} out)
// and checks each request's SigV4 signature for the events service.
import * as assert from "node:assert/strict";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { CreateClusterCommand, CreateServiceCommand, RegisterTaskDefinitionCommand } from "@aws-sdk/client-ecs";
import { Hash } from "@smithy/hash-node";
import { SignatureV4 } from "@smithy/signature-v4";
import { EventSource } from "eventsource";
import type { EcsEvent } from "../src/events/envelope";
import { startTestServer, type TestServer } from "./harness";

const CREDENTIALS = { accessKeyId: "AKIDEVENTS", secretAccessKey: "events-secret" };

interface PutEventsEntry {
  Source: string;
  DetailType: string;
  Detail: string;
  Resources: string[];
  Time: number;
  EventBusName?: string;
}

interface Received {
  region: string;
  entries: PutEventsEntry[];
}

/** Recomputes the request's signature from the headers it says it signed; throws when it differs. */
async function verifySignature(req: http.IncomingMessage, body: string): Promise<string> {
  const authorization = String(req.headers.authorization ?? "");
  const m = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/.exec(authorization);
  assert.ok(m, `a SigV4 Authorization header: ${authorization}`);
  const [, accessKeyId, , region, service, signedHeaders] = m;
  assert.equal(accessKeyId, CREDENTIALS.accessKeyId);
  assert.equal(service, "events", "signed for the events service");
  const headers: Record<string, string> = {};
  for (const name of signedHeaders.split(";")) headers[name] = String(req.headers[name]);
  const amzDate = String(req.headers["x-amz-date"]);
  const signingDate = new Date(`${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`);
  const signer = new SignatureV4({ service: "events", region, credentials: CREDENTIALS, sha256: Hash.bind(null, "sha256") });
  const [hostname, port] = headers.host.split(":");
  const signed = await signer.sign({ method: req.method ?? "POST", protocol: "http:", hostname, port: Number(port), path: req.url ?? "/", query: {}, headers, body }, { signingDate });
  assert.equal(signed.headers.authorization, authorization, "the signature matches");
  return region;
}

/** PutEvents as documented: entries in, one result per entry (an EventId, or an ErrorCode). */
class FakeEventBridge {
  readonly received: Received[] = [];
  /** Answers to give before the normal ones: an HTTP 500, or entry errors on the next call. */
  readonly scripted: ("http500" | "throttleFirstEntry" | "refuseAll")[] = [];
  readonly problems: string[] = [];
  private server!: http.Server;
  url = "";

  async start(): Promise<void> {
    this.server = http.createServer((req, res) => {
      let body = "";
      req.on("data", (d: Buffer) => (body += d.toString()));
      req.on("end", () => {
        void this.answer(req, body).then(
          ({ status, payload }) => {
            res.writeHead(status, { "content-type": "application/x-amz-json-1.1", ...(status >= 500 ? { "x-amzn-errortype": "InternalException" } : {}) });
            res.end(JSON.stringify(payload));
          },
          (error: unknown) => {
            this.problems.push(String(error));
            res.writeHead(400, { "content-type": "application/x-amz-json-1.1" });
            res.end(JSON.stringify({ __type: "ValidationException", message: String(error) }));
          },
        );
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  private async answer(req: http.IncomingMessage, body: string): Promise<{ status: number; payload: unknown }> {
    assert.equal(req.method, "POST");
    assert.equal(req.headers["x-amz-target"], "AWSEvents.PutEvents");
    assert.equal(req.headers["content-type"], "application/x-amz-json-1.1");
    const region = await verifySignature(req, body);
    const script = this.scripted.shift();
    if (script === "http500") return { status: 500, payload: { __type: "InternalException", message: "try again" } };
    const { Entries } = JSON.parse(body) as { Entries: PutEventsEntry[] };
    assert.ok(Entries.length >= 1 && Entries.length <= 10, "1 to 10 entries a call");
    const results = Entries.map((_, i) => {
      if (script === "refuseAll") return { ErrorCode: "NotAuthorizedForSourceException", ErrorMessage: "Not authorized for the source." };
      if (script === "throttleFirstEntry" && i === 0) return { ErrorCode: "ThrottlingException", ErrorMessage: "Rate exceeded." };
      return { EventId: `${Date.now()}-${i}` };
    });
    const accepted = Entries.filter((_, i) => !("ErrorCode" in results[i]));
    if (accepted.length) this.received.push({ region, entries: accepted });
    return { status: 200, payload: { FailedEntryCount: results.filter((r) => "ErrorCode" in r).length, Entries: results } };
  }

  entries(): (PutEventsEntry & { region: string })[] {
    return this.received.flatMap((r) => r.entries.map((e) => ({ ...e, region: r.region })));
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

async function until(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe("delivery to EventBridge PutEvents (--eventbridge-endpoint)", () => {
  const bridge = new FakeEventBridge();
  let server: TestServer;
  before(async () => {
    await bridge.start();
    server = await startTestServer({ eventBridgeEndpoint: bridge.url, eventBridgeBus: "ecs-events" }, { eventBridgeCredentials: CREDENTIALS });
  });
  after(async () => {
    await server.close();
    await bridge.close();
  });

  it("sends every event, signed, in order, as the stream shows it; retries a failed call and throttled entries", async () => {
    const source = new EventSource(`${server.url}/_ecslite/events`);
    const streamed: EcsEvent[] = [];
    source.onmessage = (m) => streamed.push(JSON.parse(m.data) as EcsEvent);
    await new Promise<void>((resolve) => (source.onopen = () => resolve()));
    try {
      bridge.scripted.push("http500", "throttleFirstEntry");
      const ecs = server.client({ accessKeyId: "111122223333", region: "ap-southeast-2" });
      await ecs.send(new CreateClusterCommand({ clusterName: "eb" }));
      await ecs.send(new RegisterTaskDefinitionCommand({ family: "web", requiresCompatibilities: ["FARGATE"], networkMode: "awsvpc", cpu: "256", memory: "512", containerDefinitions: [{ name: "app", image: "nginx" }] }));
      await ecs.send(new CreateServiceCommand({ cluster: "eb", serviceName: "svc", taskDefinition: "web", desiredCount: 3, launchType: "FARGATE", networkConfiguration: { awsvpcConfiguration: { subnets: ["subnet-1"] } } }));
      await server.settle();
      await until(() => streamed.some((e) => e.detail.eventName === "SERVICE_DEPLOYMENT_COMPLETED"), "the deployment to complete on the stream");
      await until(() => bridge.entries().length >= streamed.length, `${streamed.length} entries delivered (got ${bridge.entries().length}; problems: ${bridge.problems.join("; ")})`);
      assert.deepEqual(bridge.problems, []);
      const entries = bridge.entries();
      assert.equal(entries.length, streamed.length, "each event once (the refused call and the throttled entry were sent again)");
      entries.forEach((entry, i) => {
        const event = streamed[i];
        assert.equal(entry.region, "ap-southeast-2", "signed for the event's region");
        assert.equal(entry.Source, "aws.ecs");
        assert.equal(entry.DetailType, event["detail-type"]);
        assert.deepEqual(JSON.parse(entry.Detail), event.detail);
        assert.deepEqual(entry.Resources, event.resources);
        assert.equal(entry.EventBusName, "ecs-events");
        assert.equal(new Date(entry.Time * 1000).toISOString().slice(0, 19), event.time.slice(0, 19));
      });
    } finally {
      source.close();
    }
  });

  it("a refused entry (AWS refuses aws.* sources from PutEvents) is logged and not sent again", async () => {
    const before = bridge.entries().length;
    bridge.scripted.push("refuseAll");
    const ecs = server.client();
    await ecs.send(new CreateClusterCommand({ clusterName: "refused" }));
    await ecs.send(new RegisterTaskDefinitionCommand({ family: "web", requiresCompatibilities: ["FARGATE"], networkMode: "awsvpc", cpu: "256", memory: "512", containerDefinitions: [{ name: "app", image: "nginx" }] }));
    await ecs.send(new CreateServiceCommand({ cluster: "refused", serviceName: "one", taskDefinition: "web", desiredCount: 1, launchType: "FARGATE", networkConfiguration: { awsvpcConfiguration: { subnets: ["subnet-1"] } } }));
    await server.settle();
    await ecs.send(new CreateServiceCommand({ cluster: "refused", serviceName: "two", taskDefinition: "web", desiredCount: 1, launchType: "FARGATE", networkConfiguration: { awsvpcConfiguration: { subnets: ["subnet-1"] } } }));
    await server.settle();
    await until(() => bridge.entries().some((e) => e.Resources.some((r) => r.endsWith("service/refused/two"))), "later events to be delivered");
    assert.ok(!bridge.entries().slice(before).some((e) => e.Resources.some((r) => r.endsWith("service/refused/one")) && JSON.parse(e.Detail).eventName === "SERVICE_DEPLOYMENT_IN_PROGRESS"), "the refused entry was not sent again");
  });
});
