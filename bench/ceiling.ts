// The ceiling: a bare node:http server that answers every request with one fixed body (a
// DescribeTaskSets response of the same size as ecslite's), as fast as Node can serve HTTP.
import * as http from "node:http";
import type { AddressInfo } from "node:net";

const body = process.env.CEILING_BODY ?? "{}";
const server = http.createServer((req, res) => {
  req.on("data", () => undefined);
  req.on("end", () => {
    res.writeHead(200, { "content-type": "application/x-amz-json-1.1", "content-length": Buffer.byteLength(body), "x-amzn-requestid": "00000000-0000-0000-0000-000000000000" });
    res.end(body);
  });
});
server.keepAliveTimeout = 65_000;
server.listen(0, "127.0.0.1", () => {
  process.stdout.write(`ceiling listening on http://127.0.0.1:${(server.address() as AddressInfo).port}\n`);
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
