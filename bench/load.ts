// A small load generator: the same signed request bytes sent over keep-alive connections by N
// concurrent workers for a fixed time, recording each request's latency.
import * as http from "node:http";
import { Hash } from "@smithy/hash-node";
import { SignatureV4 } from "@smithy/signature-v4";

export interface PreparedRequest {
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export interface LoadResult {
  requests: number;
  errors: number;
  seconds: number;
  throughput: number;
  p50Ms: number;
  p99Ms: number;
}

const signer = new SignatureV4({ service: "ecs", region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" }, sha256: Hash.bind(null, "sha256") });

/** An AWS JSON 1.1 ECS request, signed once with SigV4 so every server gets identical bytes. */
export async function signedRequest(host: string, operation: string, input: unknown, credentials?: { accessKeyId: string; secretAccessKey: string }): Promise<PreparedRequest> {
  const body = JSON.stringify(input);
  const request = {
    method: "POST",
    protocol: "http:",
    hostname: host.split(":")[0],
    port: Number(host.split(":")[1]),
    path: "/",
    headers: {
      host,
      "content-type": "application/x-amz-json-1.1",
      "x-amz-target": `AmazonEC2ContainerServiceV20141113.${operation}`,
      "content-length": String(Buffer.byteLength(body)),
    },
    body,
  };
  const s = credentials ? new SignatureV4({ service: "ecs", region: "us-east-1", credentials, sha256: Hash.bind(null, "sha256") }) : signer;
  const signed = await s.sign(request);
  return { path: "/", headers: signed.headers as Record<string, string>, body };
}

function percentile(sorted: readonly number[], p: number): number {
  if (!sorted.length) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** Sends `request` to host:port from `concurrency` workers for `seconds`. */
export async function runLoad(port: number, request: PreparedRequest, concurrency: number, seconds: number, expectStatus = 200): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const latencies: number[] = [];
  let errors = 0;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  const once = () =>
    new Promise<void>((resolve) => {
      const t0 = performance.now();
      const req = http.request({ host: "127.0.0.1", port, method: "POST", path: request.path, headers: request.headers, agent }, (res) => {
        res.on("data", () => undefined);
        res.on("end", () => {
          latencies.push(performance.now() - t0);
          if (res.statusCode !== expectStatus) errors++;
          resolve();
        });
      });
      req.on("error", () => {
        errors++;
        resolve();
      });
      req.end(request.body);
    });
  const worker = async () => {
    while (performance.now() < deadline) await once();
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsed = (performance.now() - started) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return {
    requests: latencies.length,
    errors,
    seconds: elapsed,
    throughput: latencies.length / elapsed,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
  };
}
