// The AWS CLI and boto3 against a test server, as their users run them: a clean environment (no
// profile, config or endpoint of the user's), test credentials, us-east-1.
import { execFile, spawnSync } from "node:child_process";
import * as os from "node:os";
import * as path from "node:path";
import type { TestServer } from "./harness";

/** A reason to skip when the AWS CLI is not installed, or false. */
export const withoutAwsCli: string | false = spawnSync("aws", ["--version"], { stdio: "ignore" }).status === 0 ? false : "the AWS CLI ('aws') is not installed";
/** A reason to skip when boto3 is not installed, or false. */
export const withoutBoto3: string | false = spawnSync("python3", ["-c", "import boto3"], { stdio: "ignore" }).status === 0 ? false : "boto3 is not installed";

function cleanEnv(): NodeJS.ProcessEnv {
  const { AWS_PROFILE: _profile, AWS_ENDPOINT_URL: _endpoint, AWS_ENDPOINT_URL_ECS: _ecsEndpoint, AWS_REGION: _region, ...inherited } = process.env;
  return {
    ...inherited,
    AWS_ACCESS_KEY_ID: "test",
    AWS_SECRET_ACCESS_KEY: "test",
    AWS_DEFAULT_REGION: "us-east-1",
    AWS_CONFIG_FILE: path.join(os.tmpdir(), "ecslite-test-no-aws-config"),
    AWS_SHARED_CREDENTIALS_FILE: path.join(os.tmpdir(), "ecslite-test-no-aws-credentials"),
    AWS_MAX_ATTEMPTS: "1",
  };
}

export interface CliResult {
  /** The parsed JSON output when the command succeeded. */
  output?: Record<string, unknown>;
  /** The CLI's error line when it failed, e.g. "An error occurred (ClusterNotFoundException) when calling ...: Cluster not found." */
  error?: string;
}

/** Runs `aws ecs <args>` against the server. */
export function awsEcs(server: Pick<TestServer, "url">, args: readonly string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile("aws", ["ecs", ...args, "--endpoint-url", server.url, "--output", "json"], { env: cleanEnv(), timeout: 60_000 }, (error, stdout, stderr) => {
      if (error) resolve({ error: stderr.trim() });
      else resolve({ output: stdout.trim() ? (JSON.parse(stdout) as Record<string, unknown>) : {} });
    });
  });
}

/**
 * Runs a Python script with `ecs`, a boto3 ECS client for the server, in scope; whatever the script
 * assigns to `result` is printed as JSON and returned. `error_of(call)` gives a ClientError's code and message.
 */
export function boto3(server: Pick<TestServer, "url">, script: string): Promise<unknown> {
  const program = `
import boto3, json, sys, botocore
from botocore.config import Config
ecs = boto3.client("ecs", endpoint_url=sys.argv[1], config=Config(retries={"max_attempts": 1}))
def error_of(call):
    try:
        call()
    except botocore.exceptions.ClientError as e:
        return [e.response["Error"]["Code"], e.response["Error"]["Message"]]
    return None
result = None
${script}
print(json.dumps(result, default=str))
`;
  return new Promise((resolve, reject) => {
    execFile("python3", ["-c", program, server.url], { env: cleanEnv(), timeout: 60_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${error.message}\n${stderr}`));
      else resolve(JSON.parse(stdout) as unknown);
    });
  });
}
