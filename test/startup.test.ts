// Starting ecslite as a user would, wrongly: every refusal is one line on stderr that names the
// flag (or the ECSLITE_* variable, when that is what the user set) and exit status 2, never a stack.
import * as assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import { SqliteStore } from "../src/store/sqlite";

const CLI = path.join(__dirname, "..", "src", "cli.js");

interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the CLI to its exit (it must exit on its own: a refusal never leaves a server running). */
function run(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const clean = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith("ECSLITE_")));
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...clean, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`ecslite ${args.join(" ")} did not exit within 20 s: ${stdout} ${stderr}`));
    }, 20_000);
    child.once("exit", (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

/** The refusal contract: exit 2, nothing on stdout, exactly one stderr line matching `expected`. */
function assertRefused(result: Run, expected: RegExp): void {
  assert.equal(result.status, 2, `exit status 2 (stderr: ${result.stderr})`);
  assert.equal(result.stdout, "", "nothing on stdout");
  const lines = result.stderr.split("\n").filter(Boolean);
  assert.equal(lines.length, 1, `one line on stderr, got:\n${result.stderr}`);
  assert.match(lines[0], /^ecslite: /);
  assert.doesNotMatch(lines[0], /\bat .*:\d+:\d+|Error:/, "no stack trace or error class");
  assert.match(lines[0], expected);
}

describe("startup refusals", () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "ecslite-startup-"));
  let busy: net.Server;
  let busyPort = 0;
  before(async () => {
    busy = net.createServer();
    await new Promise<void>((resolve) => busy.listen(0, "127.0.0.1", resolve));
    busyPort = (busy.address() as net.AddressInfo).port;
  });
  after(() => {
    busy.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  test("a port in use names --port, or ECSLITE_PORT when that set it", async () => {
    assertRefused(await run(["--in-memory", "--port", String(busyPort)]), new RegExp(`port ${busyPort} on 127\\.0\\.0\\.1 is already in use: .*choose another port with --port$`));
    assertRefused(await run(["--in-memory"], { ECSLITE_PORT: String(busyPort) }), /already in use: .*with ECSLITE_PORT$/);
  });

  test("an unreachable PostgreSQL names --postgres and hides the password", async () => {
    const result = await run(["--port", "0", "--postgres", "postgres://me:s3cret@127.0.0.1:1/db"]);
    assertRefused(result, /^ecslite: cannot connect to PostgreSQL at postgres:\/\/me:\*\*\*@127\.0\.0\.1:1\/db: connection refused .*check --postgres$/);
    assert.doesNotMatch(result.stderr, /s3cret/);
    assertRefused(await run(["--port", "0"], { ECSLITE_POSTGRES_URL: "postgres://127.0.0.1:1/db" }), /check ECSLITE_POSTGRES_URL$/);
  });

  test("a --data-dir that is a file", async () => {
    const file = path.join(tmp, "not-a-dir");
    fs.writeFileSync(file, "x");
    assertRefused(await run(["--port", "0", "--data-dir", file]), new RegExp(`--data-dir ${file} is a file, not a directory: choose another directory with --data-dir$`));
    const below = path.join(file, "state");
    assertRefused(await run(["--port", "0"], { ECSLITE_DATA_DIR: below }), new RegExp(`ECSLITE_DATA_DIR ${below} is a file, not a directory`));
  });

  test("a --data-dir holding something that is not a SQLite store", async () => {
    const dir = path.join(tmp, "garbage");
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, "ecslite.sqlite"), "this is not a database, just text long enough to be read as a header".repeat(20));
    assertRefused(await run(["--port", "0", "--data-dir", dir]), /--data-dir .*garbage holds an ecslite\.sqlite that is not a SQLite database/);
  });

  test("a --data-dir another ecslite is serving: refused at once, and served again once that process is gone, even killed", async () => {
    const dir = path.join(tmp, "shared");
    const first = spawn(process.execPath, [CLI, "--port", "0", "--data-dir", dir, "--log-level", "info"], { stdio: ["ignore", "pipe", "pipe"] });
    await new Promise<void>((resolve, reject) => {
      first.stdout.on("data", (d: Buffer) => d.toString().includes("listening") && resolve());
      first.once("exit", () => reject(new Error("the first ecslite exited")));
    });
    try {
      assertRefused(await run(["--port", "0", "--data-dir", dir]), new RegExp(`--data-dir ${dir} is in use by another ecslite process .*: choose another directory with --data-dir$`));
    } finally {
      first.kill("SIGKILL");
      await new Promise((resolve) => first.once("exit", resolve));
    }
    // The lock went with the killed process: the directory opens again.
    const store = new SqliteStore({ dataDir: dir });
    await store.close();
  });

  test("an unreadable credentials file: missing, a directory, or not valid", async () => {
    const missing = path.join(tmp, "missing.json");
    assertRefused(await run(["--port", "0", "--in-memory", "--auth", "sigv4", "--credentials", missing]), new RegExp(`--credentials ${missing} does not exist$`));
    assertRefused(await run(["--port", "0", "--in-memory", "--auth", "sigv4"], { ECSLITE_CREDENTIALS: tmp }), new RegExp(`ECSLITE_CREDENTIALS ${tmp} is a directory, not a file$`));
    const broken = path.join(tmp, "broken.json");
    fs.writeFileSync(broken, "{ not json");
    assertRefused(await run(["--port", "0", "--in-memory", "--auth", "iam", "--credentials", broken]), /--credentials .*broken\.json not valid JSON/);
  });

  test("conflicting options are refused, naming both", async () => {
    assertRefused(await run(["--in-memory", "--data-dir", tmp]), /^ecslite: --in-memory conflicts with --data-dir: keep state in memory or in a directory, not both$/);
    assertRefused(await run(["--in-memory", "--postgres", "postgres://127.0.0.1/db"]), /^ecslite: --in-memory conflicts with --postgres/);
    assertRefused(await run(["--data-dir", tmp], { ECSLITE_POSTGRES_URL: "postgres://127.0.0.1/db" }), /^ecslite: --data-dir conflicts with ECSLITE_POSTGRES_URL/);
    assertRefused(await run(["--data-dir", tmp], { ECSLITE_IN_MEMORY: "true" }), /^ecslite: ECSLITE_IN_MEMORY conflicts with --data-dir/);
    assertRefused(await run(["--auth", "sigv4"]), /^ecslite: --auth sigv4 needs --credentials FILE/);
  });

  test("a bad value from the environment names the variable", async () => {
    assertRefused(await run([], { ECSLITE_PORT: "eighty" }), /^ecslite: ECSLITE_PORT must be an integer from 0 to 65535 \(got 'eighty'\)$/);
    assertRefused(await run([], { ECSLITE_LOG_FORMAT: "xml" }), /^ecslite: ECSLITE_LOG_FORMAT must be one of text, json \(got 'xml'\)$/);
    assertRefused(await run([], { ECSLITE_IN_MEMORY: "perhaps" }), /^ecslite: ECSLITE_IN_MEMORY must be true or false/);
    assertRefused(await run(["--log-format", "xml"]), /^ecslite: --log-format must be one of text, json/);
  });

  test("--version prints the package's version", async () => {
    const result = await run(["--version"]);
    const manifest = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "..", "package.json"), "utf8")) as { version: string };
    assert.equal(result.status, 0);
    assert.equal(result.stdout, `ecslite ${manifest.version}\n`);
  });
});
