// The ceiling: a bare node:http server that answers every request with a fixed body (ecslite's own
// response to the same operation, byte for byte), as fast as Node can serve HTTP on this machine.
// CEILING_BODIES maps an operation (the X-Amz-Target suffix) to its body. CEILING_WORK_US makes it
// compute for that many microseconds before each answer (bench/overhead.ts): what serving HTTP
// costs a server that has work of its own to do.
import * as http from "node:http";
import type { AddressInfo } from "node:net";

const bodies = new Map(Object.entries(JSON.parse(process.env.CEILING_BODIES ?? "{}") as Record<string, string>));
const fallback = bodies.values().next().value ?? "{}";
const workMs = Number(process.env.CEILING_WORK_US ?? 0) / 1000;

/** Computes (touching no memory) until `ms` have passed; the server has its core to itself. */
function work(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until);
}

const server = http.createServer((req, res) => {
  const target = req.headers["x-amz-target"];
  const body = (typeof target === "string" && bodies.get(target.slice(target.indexOf(".") + 1))) || fallback;
  req.on("data", () => undefined);
  req.on("end", () => {
    if (workMs > 0) work(workMs);
    res.writeHead(200, { "content-type": "application/x-amz-json-1.1", "content-length": Buffer.byteLength(body), "x-amzn-requestid": "00000000-0000-0000-0000-000000000000" });
    res.end(body);
  });
});
server.keepAliveTimeout = 65_000;
server.listen(Number(process.env.PORT ?? 0), "127.0.0.1", () => {
  process.stdout.write(`ceiling listening on http://127.0.0.1:${(server.address() as AddressInfo).port}\n`);
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
