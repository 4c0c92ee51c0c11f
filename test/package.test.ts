// The package as a user gets it: `npm pack`, installed into an empty directory, run with `npx
// ecslite`. Offline and quick, so that it runs in every CI build:
// - the install is pinned to the checkout's own lock file (the versions its tests ran against), so
//   npm finds every tarball in the cache that the checkout's `npm install` filled;
// - better-sqlite3's install script (prebuild-install) gets its prebuilt binary from a local
//   prebuild directory, holding the binary the checkout's install built, instead of GitHub. That is
//   prebuild-install's own `local-prebuilds` setting; compiling from source again would cost ~45 s.
import * as assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { after, describe, test } from "node:test";
import { CreateClusterCommand, ECSClient, ListClustersCommand } from "@aws-sdk/client-ecs";

const run = promisify(execFile);
const ROOT = path.join(__dirname, "..", "..");
const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { name: string; version: string; license: string; dependencies: Record<string, string>; bin: Record<string, string>; engines: Record<string, string> };

/** npm as the user runs it: without the variables of the `npm test` that runs this file. */
function npmEnv(): NodeJS.ProcessEnv {
  const keep = new Set(["npm_config_cache", "npm_config_userconfig", "npm_config_registry"]);
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.toLowerCase().startsWith("npm_") || keep.has(key.toLowerCase())));
}

interface LockEntry {
  version: string;
  resolved?: string;
  dev?: boolean;
  [key: string]: unknown;
}

/** The checkout's lock, re-rooted at an app that depends on the tarball only. */
function appLock(tarball: string): object {
  const lock = JSON.parse(fs.readFileSync(path.join(ROOT, "package-lock.json"), "utf8")) as { packages: Record<string, LockEntry> };
  const packages: Record<string, unknown> = {
    "": { name: "app", dependencies: { [manifest.name]: `file:${tarball}` } },
    [`node_modules/${manifest.name}`]: { version: manifest.version, resolved: `file:${tarball}`, license: manifest.license, dependencies: manifest.dependencies, bin: manifest.bin, engines: manifest.engines },
  };
  for (const [key, entry] of Object.entries(lock.packages)) {
    if (!key.startsWith("node_modules/") || entry.dev) continue;
    // Lock files written with omit-lockfile-registry-resolved leave out the registry URL; npm
    // would then ask the registry where the tarball is, which an offline install cannot.
    const name = key.slice(key.lastIndexOf("node_modules/") + "node_modules/".length);
    packages[key] = { ...entry, resolved: entry.resolved ?? `https://registry.npmjs.org/${name}/-/${name.split("/").pop()}-${entry.version}.tgz` };
  }
  return { name: "app", lockfileVersion: 3, requires: true, packages };
}

/** A prebuild-install archive of the binary the checkout's install built. */
async function localPrebuild(dir: string): Promise<void> {
  const moduleDir = path.dirname(require.resolve("better-sqlite3/package.json"));
  const { version } = JSON.parse(fs.readFileSync(path.join(moduleDir, "package.json"), "utf8")) as { version: string };
  const libc = process.platform === "linux" && !(process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header?.glibcVersionRuntime ? "musl" : "";
  const archive = path.join(dir, `better-sqlite3-v${version}-node-v${process.versions.modules}-${process.platform}${libc}-${process.arch}.tar.gz`);
  await run("tar", ["-czf", archive, "-C", moduleDir, "build/Release/better_sqlite3.node"]);
}

describe("the npm package", () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "ecslite-package-"));
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));
  let tarball = "";

  test("npm pack: built JS, types, docs, README and LICENSE; no tests, benches or sources", async () => {
    // --ignore-scripts: `prepare` would rebuild dist/ under the running tests; `npm test` built it.
    const { stdout } = await run("npm", ["pack", "--json", "--ignore-scripts", "--pack-destination", tmp], { cwd: ROOT, env: npmEnv() });
    const [packed] = JSON.parse(stdout) as [{ filename: string; files: { path: string }[] }];
    tarball = path.join(tmp, packed.filename);
    const files = packed.files.map((f) => f.path);
    for (const required of ["package.json", "LICENSE", "README.md", "dist/src/cli.js", "dist/src/index.js", "dist/src/index.d.ts", "dist/src/server.js", "docs/compatibility.md", "ui/index.html", "ui/app.js"]) {
      assert.ok(files.includes(required), `the package holds ${required}`);
    }
    const stray = files.filter((f) => /^(dist\/(test|bench)|src|test|bench|\.ci)\//.test(f) || f.endsWith(".map") || f.endsWith(".ts") && !f.endsWith(".d.ts"));
    assert.deepEqual(stray, [], "no tests, benches, sources or source maps");
    assert.equal(manifest.license, "MIT");
    assert.match(fs.readFileSync(path.join(ROOT, "LICENSE"), "utf8"), /^MIT License\n/);
  });

  test("installs into an empty directory; `npx ecslite --version` and a served request", async () => {
    assert.ok(tarball, "the pack step ran");
    const app = path.join(tmp, "app");
    const prebuilds = path.join(tmp, "prebuilds");
    fs.mkdirSync(app);
    fs.mkdirSync(prebuilds);
    await localPrebuild(prebuilds);
    fs.writeFileSync(path.join(app, "package.json"), JSON.stringify({ name: "app", private: true, dependencies: { [manifest.name]: `file:${tarball}` }, allowScripts: { "better-sqlite3": true } }));
    fs.writeFileSync(path.join(app, "package-lock.json"), JSON.stringify(appLock(tarball)));
    fs.writeFileSync(path.join(app, ".prebuild-installrc"), `local-prebuilds=${prebuilds}\n`);
    const env = npmEnv();
    await run("npm", ["ci", "--offline", "--no-audit", "--no-fund"], { cwd: app, env, timeout: 180_000 });
    assert.ok(fs.existsSync(path.join(app, "node_modules", "better-sqlite3", "build", "Release", "better_sqlite3.node")), "better-sqlite3's install script placed its binary");

    const version = await run("npx", ["--offline", "ecslite", "--version"], { cwd: app, env });
    assert.equal(version.stdout, `ecslite ${manifest.version}\n`);

    // In its own process group, stopped with SIGINT to the group as Ctrl-C in a terminal does:
    // npx does not pass a lone signal on to the server it started.
    const server = spawn("npx", ["--offline", "ecslite", "--port", "0", "--in-memory", "--check-responses"], { cwd: app, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    server.stdout.on("data", (d: Buffer) => (output += d.toString()));
    server.stderr.on("data", (d: Buffer) => (output += d.toString()));
    // "close": npx and everything it started have exited and let go of the pipes.
    const closed = new Promise<void>((resolve) => server.once("close", () => resolve()));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setInterval(() => {
          const m = /listening on (http:\/\/\S+)/.exec(output);
          if (m) {
            clearInterval(timer);
            resolve(m[1]);
          }
        }, 20);
        void closed.then(() => {
          clearInterval(timer);
          reject(new Error(`npx ecslite exited: ${output}`));
        });
      });
      const ecs = new ECSClient({ endpoint: url, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" }, maxAttempts: 1 });
      try {
        await ecs.send(new CreateClusterCommand({ clusterName: "installed" }));
        assert.deepEqual((await ecs.send(new ListClustersCommand({}))).clusterArns, ["arn:aws:ecs:us-east-1:000000000000:cluster/installed"]);
        // The dashboard, with Preact and htm from the installed package's own dependencies.
        const page = await fetch(`${url}/`);
        assert.equal(page.status, 200);
        assert.match(await page.text(), /<script type="importmap">/);
        for (const file of ["/_ecslite/ui/app.js", "/_ecslite/ui/vendor/preact.mjs", "/_ecslite/ui/vendor/preact-hooks.mjs", "/_ecslite/ui/vendor/htm.mjs"]) {
          assert.equal((await fetch(`${url}${file}`)).status, 200, file);
        }
      } finally {
        ecs.destroy();
      }
      process.kill(-(server.pid ?? 0), "SIGINT");
      const stopped = await Promise.race([closed.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 15_000))]);
      assert.ok(stopped, `ecslite stopped on SIGINT: ${output}`);
      assert.match(output, /SIGINT: finishing in-flight requests and closing the store/);
    } finally {
      try {
        process.kill(-(server.pid ?? 0), "SIGKILL"); // whatever of the group is left after a failure
      } catch {
        // The group is gone: everything exited.
      }
    }
  });
});
