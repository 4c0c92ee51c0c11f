// Which region names exist: the ones the AWS SDK's partition data lists (the data every SDK client
// resolves endpoints from), so the list moves with the SDK rather than with a hand-written copy.
import { createRequire } from "node:module";

interface PartitionResult {
  readonly name: string;
  /** Present only for regions the partition data lists by name. */
  readonly description?: string;
}

// @aws-sdk/core comes with every SDK client; resolved from the ECS client so it is the one it uses.
const sdkRequire = createRequire(require.resolve("@aws-sdk/client-ecs"));
const { partition } = sdkRequire("@aws-sdk/core/client") as { partition: (region: string) => PartitionResult };

const known = new Map<string, boolean>();

/** Whether `name` is a region of some AWS partition (us-east-1, eu-west-3, us-gov-west-1, cn-north-1, ...). */
export function isKnownRegion(name: string): boolean {
  let answer = known.get(name);
  if (answer === undefined) {
    // "aws-global" and the like are listed too, but are endpoints, not regions: a region ends in a number.
    answer = /^[a-z]+(-[a-z]+)+-\d+$/.test(name) && partition(name).description !== undefined;
    if (known.size < 1000) known.set(name, answer);
  }
  return answer;
}
