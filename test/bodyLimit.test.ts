// A body over the limit gets its 413 read by the client: clients that send the whole body before
// reading (Python's urllib, boto3, the JavaScript SDK) see RequestEntityTooLargeException, not a
// broken pipe; the body is thrown away up to a bound of bytes and time, past which the connection closes.
import * as assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { CreateClusterCommand, ListClustersCommand } from "@aws-sdk/client-ecs";
import { BodyTooLarge, readBody } from "../src/httpBody";
import { refusedWith } from "./assertions";
import { boto3, withoutBoto3 } from "./externalClients";
import { useServer } from "./harness";

const ELEVEN_MIB = 11 * 1024 * 1024;
/** Enough to be refused; the SDKs hash and sign it, so smaller keeps the test quick. */
const THREE_MIB = 3 * 1024 * 1024;

describe("413 for a body over the limit", () => {
  const server = useServer();

  it("Python's urllib reads the 413 and its JSON error after sending 11 MiB", { skip: withoutBoto3 && "python3 is not installed" }, async () => {
    const script = `
import sys, urllib.request, urllib.error
body = b'{"clusterName":"' + b"x" * ${ELEVEN_MIB} + b'"}'
request = urllib.request.Request(sys.argv[1], data=body, method="POST", headers={"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "AmazonEC2ContainerServiceV20141113.CreateCluster"})
try:
    urllib.request.urlopen(request, timeout=30)
    print("no error")
except urllib.error.HTTPError as e:
    print(e.code, e.headers.get("x-amzn-ErrorType"), e.read().decode())
except Exception as e:
    print("failed:", type(e).__name__, e)
`;
    const out = await new Promise<string>((resolve, reject) => execFile("python3", ["-c", script, server.url], { timeout: 60_000 }, (error, stdout) => (error ? reject(error) : resolve(stdout.trim()))));
    assert.equal(out, '413 RequestEntityTooLargeException {"__type":"RequestEntityTooLargeException","message":"The request body is larger than 1048576 bytes."}');
    assert.deepEqual((await server.client().send(new ListClustersCommand({}))).clusterArns, [], "nothing created");
  });

  it("boto3 and the JavaScript SDK see RequestEntityTooLargeException", { skip: withoutBoto3 }, async () => {
    const result = await boto3(server, `result = error_of(lambda: ecs.create_cluster(clusterName="x" * ${THREE_MIB}))`);
    assert.deepEqual(result, ["RequestEntityTooLargeException", "The request body is larger than 1048576 bytes."]);
    await refusedWith(server.client().send(new CreateClusterCommand({ clusterName: "x".repeat(THREE_MIB) })), "RequestEntityTooLargeException", /larger than 1048576 bytes/);
    // The server goes on serving.
    assert.deepEqual((await server.client().send(new ListClustersCommand({}))).clusterArns, []);
  });
});

describe("the bound on what a refused body may cost", () => {
  const limits = { maxBytes: 1024, discardBytes: 8 * 1024, discardMs: 200 };
  let httpServer: http.Server;
  let port = 0;
  const outcomes: string[] = [];
  before(async () => {
    httpServer = http.createServer((req, res) => {
      readBody(req, limits).then(
        (body) => res.end(`ok ${body.length}`),
        (error: unknown) => {
          outcomes.push(error instanceof BodyTooLarge ? `413 drained=${error.drained}` : "gone");
          res.setHeader("connection", "close");
          res.statusCode = 413;
          res.end("too large");
        },
      );
    });
    await new Promise<void>((resolve) => httpServer.listen(0, "127.0.0.1", resolve));
    port = (httpServer.address() as AddressInfo).port;
  });
  after(() => new Promise<void>((resolve) => httpServer.close(() => resolve())));

  /** Sends `send` bytes declaring `declared`, waits `stallMs` without ending; resolves with the status (or the error). */
  function post(declared: number, send: number, end: boolean): Promise<string> {
    return new Promise((resolve) => {
      const req = http.request({ host: "127.0.0.1", port, method: "POST", path: "/", headers: { "content-length": declared } }, (res) => {
        res.resume();
        res.on("end", () => resolve(String(res.statusCode)));
      });
      req.on("error", (e) => resolve(`error ${(e as NodeJS.ErrnoException).code}`));
      req.write(Buffer.alloc(send, "x"));
      if (end) req.end();
    });
  }

  it("within the limit the body is read", async () => {
    assert.equal(await post(1000, 1000, true), "200");
  });

  it("over the limit but within the bound: drained, then refused", async () => {
    outcomes.length = 0;
    assert.equal(await post(4096, 4096, true), "413");
    assert.deepEqual(outcomes, ["413 drained=true"]);
  });

  it("declaring more than the bound: refused at once, nothing read", async () => {
    outcomes.length = 0;
    const started = Date.now();
    await post(1024 * 1024, 16, false);
    assert.deepEqual(outcomes, ["413 drained=false"]);
    assert.ok(Date.now() - started < limits.discardMs, "without waiting for the body");
  });

  it("a client that stalls mid-body is refused when the time bound passes", async () => {
    outcomes.length = 0;
    const started = Date.now();
    await post(4096, 2048, false);
    assert.deepEqual(outcomes, ["413 drained=false"]);
    assert.ok(Date.now() - started >= limits.discardMs - 20);
  });
});
