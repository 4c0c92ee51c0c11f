// The one-lookup reference: the least a real JSON API server on this stack does per request.
// node:http reads the body, JSON.parse reads the request, one prepared better-sqlite3 point lookup
// by primary key fetches a stored document, JSON.parse and JSON.stringify turn it into the answer.
// No validation, no authentication, no transaction: what ecslite adds to this is its own cost.
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import Database from "better-sqlite3";

// A stored document of the size of a task set (REFERENCE_DOCUMENT: ecslite's own DescribeTaskSets answer).
const document = process.env.REFERENCE_DOCUMENT ?? JSON.stringify({ id: "ecs-svc/1", status: "ACTIVE" });
const db = new Database(":memory:");
db.exec("CREATE TABLE resources (kind TEXT NOT NULL, arn TEXT NOT NULL, doc TEXT NOT NULL, PRIMARY KEY (kind, arn))");
const insert = db.prepare("INSERT INTO resources (kind, arn, doc) VALUES (?, ?, ?)");
for (let i = 0; i < 1000; i++) insert.run("item", `item-${i}`, document);
const lookup = db.prepare<[string, string], { doc: string }>("SELECT doc FROM resources WHERE kind = ? AND arn = ?");

const server = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (chunk: Buffer) => chunks.push(chunk));
  req.on("end", () => {
    let status = 200;
    let body: string;
    try {
      const input = JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}") as Record<string, unknown>;
      const key = `item-${Object.keys(input).length % 1000}`;
      const row = lookup.get("item", key);
      body = JSON.stringify({ items: row ? [JSON.parse(row.doc) as unknown] : [], failures: [] });
    } catch {
      status = 400;
      body = JSON.stringify({ __type: "SerializationException", message: "bad request" });
    }
    res.writeHead(status, { "content-type": "application/x-amz-json-1.1", "content-length": Buffer.byteLength(body), "x-amzn-requestid": "00000000-0000-0000-0000-000000000000" });
    res.end(body);
  });
});
server.keepAliveTimeout = 65_000;
server.listen(Number(process.env.PORT ?? 0), "127.0.0.1", () => {
  process.stdout.write(`reference listening on http://127.0.0.1:${(server.address() as AddressInfo).port}\n`);
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
