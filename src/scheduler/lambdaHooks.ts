// Invoking AWS_LAMBDA lifecycle hooks through the real Lambda Invoke API (@aws-sdk/client-lambda) at
// the endpoint the user names (--lambda-endpoint: LocalStack, moto, or any server implementing
// Invoke), synchronously (RequestResponse), with the payload ECS documents. The scheduler calls
// this outside any store transaction, then records the outcome in a new one. What comes back is
// read as ECS reads it (developer guide, "Lambda hooks for Amazon ECS service deployments"): a
// JSON object with hookStatus SUCCEEDED, FAILED or IN_PROGRESS (optionally callBackDelay and
// hookDetails); anything else, or an invocation that fails, is a failure.
import { InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";
import type { LambdaOutcome } from "../domain/deploymentMachine";
import type { LambdaCall } from "./serviceDeployments";

/** A synchronous Lambda function may run for 15 minutes; ECS waits for it as long. */
export const LAMBDA_INVOKE_TIMEOUT_MS = 15 * 60 * 1000;

export interface LambdaInvoker {
  invoke(call: LambdaCall, signal: AbortSignal): Promise<LambdaOutcome>;
  close(): void;
}

const HOOK_STATUSES: ReadonlySet<string> = new Set(["SUCCEEDED", "FAILED", "IN_PROGRESS"]);

/** A function's answer as ECS reads it: a hookStatus it knows, a callBackDelay in seconds, hookDetails an object. */
export function readHookResponse(text: string): LambdaOutcome {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { error: "the function did not return a valid hookStatus (its response is not JSON)" };
  }
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) return { error: "the function did not return a valid hookStatus" };
  const { hookStatus, callBackDelay, hookDetails } = parsed as Record<string, unknown>;
  if (typeof hookStatus !== "string" || !HOOK_STATUSES.has(hookStatus)) return { error: `the function did not return a valid hookStatus (got ${JSON.stringify(hookStatus ?? null).slice(0, 60)})` };
  const delay = typeof callBackDelay === "number" && Number.isFinite(callBackDelay) && callBackDelay >= 0 ? callBackDelay : undefined;
  const details = hookDetails && typeof hookDetails === "object" && !Array.isArray(hookDetails) ? (hookDetails as Record<string, unknown>) : undefined;
  return { hookStatus: hookStatus as "SUCCEEDED" | "FAILED" | "IN_PROGRESS", ...(delay !== undefined ? { callBackDelay: delay } : {}), ...(details ? { hookDetails: details } : {}) };
}

/** The account and region of a Lambda function ARN (arn:aws:lambda:<region>:<account>:function:<name>). */
function scopeOfFunction(arn: string): { region: string; account: string } {
  const [, , , region = "us-east-1", account = "000000000000"] = arn.split(":");
  return { region, account };
}

/**
 * Invokes hooks at `endpoint`. Requests are signed with the function's account id as the access key
 * (LocalStack and moto take a 12-digit access key as the account) and a placeholder secret; the
 * region is the function's. Without an endpoint every invocation fails, as ECS fails a hook it
 * cannot invoke, naming the option to set.
 */
export function lambdaInvoker(endpoint: string | undefined): LambdaInvoker {
  const clients = new Map<string, LambdaClient>();
  const clientFor = (region: string, account: string) => {
    const key = `${region}/${account}`;
    let client = clients.get(key);
    if (!client) {
      client = new LambdaClient({ endpoint, region, credentials: { accessKeyId: account, secretAccessKey: "ecslite" }, maxAttempts: 1, requestHandler: { requestTimeout: LAMBDA_INVOKE_TIMEOUT_MS } });
      clients.set(key, client);
    }
    return client;
  };
  return {
    async invoke(call, signal) {
      if (!endpoint) return { error: `ecslite cannot invoke ${call.functionArn}: no Lambda endpoint is configured (start ecslite with --lambda-endpoint URL or ECSLITE_LAMBDA_ENDPOINT)` };
      const { region, account } = scopeOfFunction(call.functionArn);
      try {
        const out = await clientFor(region, account).send(
          new InvokeCommand({ FunctionName: call.functionArn, InvocationType: "RequestResponse", Payload: new TextEncoder().encode(JSON.stringify(call.payload)) }),
          { abortSignal: signal },
        );
        const text = out.Payload ? new TextDecoder().decode(out.Payload) : "";
        if (out.FunctionError) return { error: `the function failed (${out.FunctionError}): ${text.slice(0, 200)}` };
        return readHookResponse(text);
      } catch (error) {
        if (signal.aborted) throw error;
        const e = error as { name?: string; message?: string };
        return { error: `Lambda Invoke failed: ${e.name ?? "Error"}: ${(e.message ?? String(error)).slice(0, 200)}` };
      }
    },
    close() {
      for (const client of clients.values()) client.destroy();
      clients.clear();
    },
  };
}
