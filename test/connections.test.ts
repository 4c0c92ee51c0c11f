// Connections are a bounded resource: a cap on open connections with a clear refusal, and a time
// limit on receiving a request, so slow or idle clients cannot hold the server.
import * as assert from "node:assert/strict";
import * as net from "node:net";
import { describe, it } from "node:test";
import { ECSClient, ListClustersCommand } from "@aws-sdk/client-ecs";
import { useServer } from "./harness";

/** A raw connection that sends headers promising a body, then a trickle of it. */
function slowBody(port: number): { socket: net.Socket; received: Promise<string>; closed: Promise<number> } {
  const started = Date.now();
  const socket = net.connect(port, "127.0.0.1", () => {
    socket.write("POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-amz-json-1.1\r\nX-Amz-Target: AmazonEC2ContainerServiceV20141113.ListClusters\r\nContent-Length: 1000\r\n\r\n{");
  });
  let text = "";
  socket.on("data", (d: Buffer) => (text += d.toString()));
  socket.on("error", () => undefined);
  const closed = new Promise<number>((resolve) => socket.once("close", () => resolve(Date.now() - started)));
  return { socket, received: closed.then(() => text), closed };
}

describe("connection limits and timeouts", () => {
  const server = useServer({ maxConnections: 4, requestTimeoutMs: 700 });

  it("no connection limit (regression): past the cap a connection is answered 503 at once; slow bodies are cut off with 408", { timeout: 10_000 }, async () => {
    const slow = Array.from({ length: 4 }, () => slowBody(server.port));
    await new Promise((r) => setTimeout(r, 100));
    const extra = slowBody(server.port);
    const refusal = await extra.received;
    assert.match(refusal, /^HTTP\/1\.1 503 Service Unavailable\r\n/);
    assert.match(refusal, /\r\nretry-after: 1\r\n/);
    assert.deepEqual(JSON.parse(refusal.slice(refusal.indexOf("\r\n\r\n") + 4)), {
      __type: "ServiceUnavailableException",
      message: "ecslite is serving its maximum of 4 connections (--max-connections); retry later.",
    });
    assert.ok((await extra.closed) < 500, "refused at once, not held");
    const cutOff = await Promise.all(slow.map((s) => s.received));
    for (const answer of cutOff) assert.match(answer, /^HTTP\/1\.1 408 Request Timeout\r\n/);
    const durations = await Promise.all(slow.map((s) => s.closed));
    assert.ok(Math.max(...durations) < 700 + 1000 + 1000, `slow clients held for ${Math.max(...durations)} ms`);
  });

  it("after the slow clients are gone the server serves again, and an SDK client retries a refused connection", { timeout: 30_000 }, async () => {
    const client = new ECSClient({ endpoint: server.url, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" }, maxAttempts: 10 });
    try {
      const hogs = Array.from({ length: 4 }, () => slowBody(server.port));
      await new Promise((r) => setTimeout(r, 100));
      // Every connection is taken: the SDK is answered 503 and retries until the hogs time out.
      const listed = await client.send(new ListClustersCommand({}));
      assert.deepEqual(listed.clusterArns, []);
      assert.ok((listed.$metadata.attempts ?? 1) > 1, "the first attempt was refused and retried");
      await Promise.all(hogs.map((h) => h.closed));
    } finally {
      client.destroy();
    }
  });
});
