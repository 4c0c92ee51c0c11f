// The EXTERNAL blue/green flow with traffic shifting through the AWS CLI (aws elbv2, aws ecs): runs
// test/cli-bluegreen.sh, which starts its own ecslite process on a virtual clock, prints the
// transcript (docs/transcripts/blue-green-aws-cli.txt) and fails at the first wrong value.
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { describe, it } from "node:test";

const root = path.resolve(__dirname, "..", "..");
const missing = ["aws", "curl"].filter((tool) => spawnSync(tool, ["--version"], { stdio: "ignore" }).status !== 0);

describe("the AWS CLI blue/green scenario (test/cli-bluegreen.sh)", { skip: missing.length ? `${missing.join(" and ")} not installed: skipping the AWS CLI scenario` : false }, () => {
  it("ALB listener 100/0, blue primary and healthy, green 100% and healthy, listener 0/100, green primary, blue deleted: draining, then stopped", () => {
    const run = spawnSync("bash", [path.join(root, "test/cli-bluegreen.sh")], { encoding: "utf8", timeout: 240_000 });
    const transcript = `${run.stdout}\n${run.stderr}`;
    assert.equal(run.status, 0, `the scenario failed:\n${transcript.split("\n").slice(-25).join("\n")}`);
    assert.match(run.stdout, /^# blue\/green flow: all checks passed$/m);
    // Every step's check ran.
    assert.equal(run.stdout.match(/^# ok: /gm)?.length, 32);
  });
});
