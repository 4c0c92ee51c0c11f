// ECS's own BLUE_GREEN deployment through the AWS CLI (aws ecs, aws elbv2): runs
// test/cli-native-bluegreen.sh, which starts its own ecslite process on a virtual clock, prints the
// transcript (docs/transcripts/native-blue-green-aws-cli.txt) and fails at the first wrong value.
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { describe, it } from "node:test";

const root = path.resolve(__dirname, "..", "..");
const missing = ["aws", "curl"].filter((tool) => spawnSync(tool, ["--version"], { stdio: "ignore" }).status !== 0);

describe("the AWS CLI native blue/green scenario (test/cli-native-bluegreen.sh)", { skip: missing.length ? `${missing.join(" and ")} not installed: skipping the AWS CLI scenario` : false }, () => {
  it("ROLLING behind blue, then BLUE_GREEN: green scaled up and healthy, test traffic, pause, continue, production traffic, bake, blue drained and scaled in", () => {
    const run = spawnSync("bash", [path.join(root, "test/cli-native-bluegreen.sh")], { encoding: "utf8", timeout: 240_000 });
    const transcript = `${run.stdout}\n${run.stderr}`;
    assert.equal(run.status, 0, `the scenario failed:\n${transcript.split("\n").slice(-25).join("\n")}`);
    assert.match(run.stdout, /^# native blue\/green: all checks passed$/m);
    assert.equal(run.stdout.match(/^# ok: /gm)?.length, 17);
  });
});
