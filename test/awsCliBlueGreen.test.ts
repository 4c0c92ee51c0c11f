// The blue/green flow through the AWS CLI (test/aws-cli-blue-green.sh) against a real ecslite process.
import * as assert from "node:assert/strict";
import { type ChildProcess, execFileSync, spawn, spawnSync } from "node:child_process";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";

const root = path.resolve(__dirname, "..", "..");
const hasAwsCli = spawnSync("aws", ["--version"], { stdio: "ignore" }).status === 0;

describe("AWS CLI blue/green scenario", { skip: hasAwsCli ? false : "the AWS CLI (aws) is not installed" }, () => {
  let server: ChildProcess;
  let url = "";
  before(async () => {
    server = spawn(process.execPath, [path.join(root, "dist/src/cli.js"), "--in-memory", "--port", "0", "--task-step-ms", "0", "--log-level", "error"], { stdio: ["ignore", "pipe", "inherit"] });
    url = await new Promise<string>((resolve, reject) => {
      let output = "";
      server.stdout?.on("data", (chunk: Buffer) => {
        output += chunk.toString();
        const match = /listening on (http:\/\/\S+)/.exec(output);
        if (match) resolve(match[1]);
      });
      server.once("exit", (code) => reject(new Error(`ecslite exited with ${code}`)));
    });
  });
  after(() => {
    server.kill("SIGTERM");
  });

  it("create blue at 100%, green at 0%, scale green 10 -> 50 -> 100, switch primary, drain and delete blue", () => {
    let transcript = "";
    try {
      execFileSync("bash", [path.join(root, "test/aws-cli-blue-green.sh"), url], { encoding: "utf8", stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, AWS_ACCESS_KEY_ID: "test", AWS_SECRET_ACCESS_KEY: "test", AWS_DEFAULT_REGION: "us-east-1" } });
    } catch (error) {
      transcript = String((error as { stderr?: string }).stderr ?? error);
      assert.fail(`the scenario failed:\n${transcript.split("\n").slice(-30).join("\n")}`);
    }
  });
});
