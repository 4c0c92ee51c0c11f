// A small in-process server speaking the Lambda Invoke API's wire format (REST-JSON:
// POST /2015-03-31/functions/{FunctionName}/invocations, the payload as the body, the function's
// result as the answer; X-Amz-Function-Error for a function that failed; 404
// ResourceNotFoundException for one that does not exist), so lifecycle hooks can be tested
// through ecslite's real Invoke calls. It records every invocation and the credential scope it
// was signed for.
import * as http from "node:http";
import type { AddressInfo } from "node:net";

export interface Invocation {
  functionName: string;
  payload: Record<string, unknown>;
  /** The SigV4 scope of the request: "<access key>/<date>/<region>/lambda/aws4_request". */
  credentialScope: string;
}

/** What a function answers: a result object, a function error, or nothing until `hang` settles (a function still running). */
export type FunctionBehaviour = (payload: Record<string, unknown>, call: number) => Record<string, unknown> | { functionError: string } | { hang: Promise<void> };

export interface FakeLambda {
  readonly url: string;
  readonly invocations: Invocation[];
  /** Defines (or redefines) a function, by ARN. */
  define(functionArn: string, behaviour: FunctionBehaviour): void;
  close(): Promise<void>;
}

export async function startFakeLambda(): Promise<FakeLambda> {
  const functions = new Map<string, FunctionBehaviour>();
  const invocations: Invocation[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const match = /^\/2015-03-31\/functions\/([^/?]+)\/invocations/.exec(req.url ?? "");
      const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
        const text = JSON.stringify(body);
        res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text), "x-amzn-requestid": "00000000-0000-0000-0000-000000000000", ...headers });
        res.end(text);
      };
      if (req.method !== "POST" || !match) {
        send(404, { message: "Unknown operation" }, { "x-amzn-errortype": "UnknownOperationException" });
        return;
      }
      const functionName = decodeURIComponent(match[1]);
      const behaviour = functions.get(functionName);
      if (!behaviour) {
        send(404, { Type: "User", message: `Function not found: ${functionName}` }, { "x-amzn-errortype": "ResourceNotFoundException" });
        return;
      }
      const payload = JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}") as Record<string, unknown>;
      const credentialScope = /Credential=([^,]+)/.exec(String(req.headers.authorization ?? ""))?.[1] ?? "";
      invocations.push({ functionName, payload, credentialScope });
      const call = invocations.filter((i) => i.functionName === functionName).length;
      const result = behaviour(payload, call);
      if ("hang" in result && result.hang instanceof Promise) void result.hang.then(() => (res.writable ? send(200, { hookStatus: "SUCCEEDED" }) : undefined));
      else if ("functionError" in result) send(200, { errorMessage: result.functionError, errorType: "Error" }, { "x-amz-function-error": "Unhandled", "x-amz-executed-version": "$LATEST" });
      else send(200, result, { "x-amz-executed-version": "$LATEST" });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    invocations,
    define: (arn, behaviour) => functions.set(arn, behaviour),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
