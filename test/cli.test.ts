// The command line as a user starts it: --help, a persistent data directory that survives a
// restart, and the AWS CLI pointed at the server.
import * as assert from "node:assert/strict";
import { type ChildProcess, execFile, spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { after, describe, test } from "node:test";
import { CreateClusterCommand, DescribeClustersCommand, ECSClient, ListClustersCommand } from "@aws-sdk/client-ecs";
import { OPTIONS, parseConfig } from "../src/config";
import { startTestServer } from "./harness";

const CLI = path.join(__dirname, "..", "src", "cli.js");

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/** Starts the CLI and resolves once it says it is listening. */
function startCli(args: string[]): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    // The response check is on here as in every server the tests start.
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ECSLITE_CHECK_RESPONSES: "1" } });
    let output = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`ecslite did not start within 10s: ${output}`));
    }, 10_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes("ecslite listening on")) {
        clearTimeout(timer);
        resolve(child);
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`ecslite exited with ${String(code)}: ${output}`));
    });
  });
}

function stop(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    child.removeAllListeners("exit");
    child.once("exit", (code) => resolve(code));
    child.kill("SIGTERM");
  });
}

function client(port: number): ECSClient {
  return new ECSClient({ endpoint: `http://127.0.0.1:${port}`, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" }, maxAttempts: 1 });
}

describe("cli", () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "ecslite-cli-"));
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  test("--help describes every flag and its environment variable", () => {
    const result = spawnSync(process.execPath, [CLI, "--help"], { encoding: "utf8" });
    assert.equal(result.status, 0, result.stderr);
    for (const option of OPTIONS) {
      assert.ok(result.stdout.includes(option.flag), `--help mentions ${option.flag}`);
      assert.ok(result.stdout.includes(option.env), `--help mentions ${option.env}`);
    }
    assert.match(result.stdout, /--help/);
  });

  test("an unknown flag exits with status 2 and says why", () => {
    const result = spawnSync(process.execPath, [CLI, "--colour", "blue"], { encoding: "utf8" });
    assert.equal(result.status, 2);
    assert.match(result.stderr, /unknown option '--colour'/);
  });

  test("a port outside 0-65535 exits with status 2 and says why", () => {
    for (const port of ["70000", "-1", "0x50", "eighty"]) {
      const result = spawnSync(process.execPath, [CLI, "--port", port], { encoding: "utf8" });
      assert.equal(result.status, 2, `--port ${port}`);
      assert.match(result.stderr, /--port must be an integer from 0 to 65535/);
    }
  });

  test("flags win over ECSLITE_* variables", () => {
    const config = parseConfig(["--port", "5000", "--clock=virtual"], { ECSLITE_PORT: "6000", ECSLITE_LOG_LEVEL: "debug", ECSLITE_ACCOUNTS: "AKID=111122223333" });
    assert.equal(config.port, 5000);
    assert.equal(config.clock, "virtual");
    assert.equal(config.logLevel, "debug");
    assert.equal(config.accounts.get("AKID"), "111122223333");
    assert.equal(parseConfig(["--no-scheduler"], {}).scheduler, false);
    assert.throws(() => parseConfig(["--data-dir"], {}), /needs a value/);
  });

  test("state in --data-dir survives a SIGTERM and a restart", async () => {
    const dataDir = path.join(tmp, "data");
    const port = await freePort();
    const args = ["--data-dir", dataDir, "--port", String(port), "--log-level", "error"];

    const first = await startCli(args);
    const firstClient = client(port);
    try {
      await firstClient.send(new CreateClusterCommand({ clusterName: "durable", tags: [{ key: "kept", value: "yes" }] }));
    } finally {
      firstClient.destroy();
      assert.equal(await stop(first), 0, "a SIGTERM is a clean exit");
    }
    assert.ok(fs.existsSync(path.join(dataDir, "ecslite.sqlite")));

    const second = await startCli(args);
    const secondClient = client(port);
    try {
      const { clusters } = await secondClient.send(new DescribeClustersCommand({ clusters: ["durable"], include: ["TAGS"] }));
      assert.equal(clusters?.[0].status, "ACTIVE");
      assert.deepEqual(clusters?.[0].tags, [{ key: "kept", value: "yes" }]);
      assert.deepEqual((await secondClient.send(new ListClustersCommand({}))).clusterArns, ["arn:aws:ecs:us-east-1:000000000000:cluster/durable"]);
    } finally {
      secondClient.destroy();
      await stop(second);
    }
  });

  test("the AWS CLI creates a cluster", async (t) => {
    const probe = spawnSync("aws", ["--version"], { encoding: "utf8" });
    if (probe.error || probe.status !== 0) {
      t.skip("the AWS CLI ('aws') is not installed");
      return;
    }
    const server = await startTestServer();
    try {
      // Keep the user's own AWS configuration (profile, files, endpoint) out of the test.
      const { AWS_PROFILE: _profile, AWS_ENDPOINT_URL: _endpoint, AWS_ENDPOINT_URL_ECS: _ecsEndpoint, ...inherited } = process.env;
      const env = {
        ...inherited,
        AWS_ACCESS_KEY_ID: "test",
        AWS_SECRET_ACCESS_KEY: "test",
        AWS_DEFAULT_REGION: "us-east-1",
        AWS_CONFIG_FILE: path.join(tmp, "no-config"),
        AWS_SHARED_CREDENTIALS_FILE: path.join(tmp, "no-credentials"),
      };
      const stdout = await new Promise<string>((resolve, reject) => {
        execFile("aws", ["ecs", "create-cluster", "--cluster-name", "demo", "--endpoint-url", server.url, "--output", "json"], { env, timeout: 30_000 }, (error, out, err) => {
          if (error) reject(new Error(`${error.message}\n${err}`));
          else resolve(out);
        });
      });
      const { cluster } = JSON.parse(stdout) as { cluster: Record<string, unknown> };
      assert.equal(cluster.clusterArn, "arn:aws:ecs:us-east-1:000000000000:cluster/demo");
      assert.equal(cluster.clusterName, "demo");
      assert.equal(cluster.status, "ACTIVE");
      assert.equal(cluster.activeServicesCount, 0);
      const listed = await server.client().send(new ListClustersCommand({}));
      assert.deepEqual(listed.clusterArns, ["arn:aws:ecs:us-east-1:000000000000:cluster/demo"]);
    } finally {
      await server.close();
    }
  });
});
