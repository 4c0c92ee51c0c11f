// The blue/green flow through the AWS CLI: runs test/cli-bluegreen.sh, which starts its own ecslite
// process, prints the transcript and fails at the first wrong value.
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { describe, it } from "node:test";

const root = path.resolve(__dirname, "..", "..");
const missing = ["aws", "curl"].filter((tool) => spawnSync(tool, ["--version"], { stdio: "ignore" }).status !== 0);

describe("the AWS CLI blue/green scenario (test/cli-bluegreen.sh)", { skip: missing.length ? `${missing.join(" and ")} not installed: skipping the AWS CLI scenario` : false }, () => {
  it("create-service EXTERNAL, blue 100%, green 0 -> 10 -> 50 -> 100, switch primary, blue to 0, delete blue", () => {
    const run = spawnSync("bash", [path.join(root, "test/cli-bluegreen.sh")], { encoding: "utf8", timeout: 120_000 });
    const transcript = `${run.stdout}\n${run.stderr}`;
    assert.equal(run.status, 0, `the scenario failed:\n${transcript.split("\n").slice(-25).join("\n")}`);
    assert.match(run.stdout, /^# blue\/green flow: all checks passed$/m);
    // Every step's check ran.
    assert.equal(run.stdout.match(/^# ok: /gm)?.length, 23);
  });
});
