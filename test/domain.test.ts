// Table-driven tests of the pure domain rules: values in, values out.
import * as assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { CapacityProviderStrategyItem, Tag } from "@aws-sdk/client-ecs";
import { arns, isArn, nameOf, parseArn } from "../src/domain/arn";
import { decodeNextToken, encodeNextToken } from "../src/domain/pagination";
import { capacityProviderStrategyProblem, splitByStrategy } from "../src/domain/placement";
import { failedLaunches, isThrottled, launchAllowedAt, MAX_THROTTLE_DELAY_MS, nextLaunchAttempt, restartDelayMs } from "../src/domain/restartThrottle";
import { computeDesiredCount, scaleProblem } from "../src/domain/scale";
import { mergeTags, removeTags, tagKeyProblem, tagProblem } from "../src/domain/tags";
import { compatibilitiesOf, cpuUnits, isValidFargateSize, memoryMiB, parseTaskDefinitionReference, taskDefinitionProblem } from "../src/domain/taskDefinition";

describe("computeDesiredCount: service desiredCount x scale%, always rounded up", () => {
  const cases: [desired: number, percent: number, expected: number][] = [
    [4, 30, 2], // 1.2 -> 2
    [12, 10, 2], // 1.2 -> 2
    [10, 30, 3], // 3.0000000000000004 in floating point; still 3
    [10, 0, 0],
    [10, 100, 10],
    [0, 50, 0],
    [3, 50, 2],
    [1, 0.1, 1],
    [100, 0.5, 1],
    [7, 100 / 7, 1],
    [3, 33.3, 1],
    [10, 70, 7],
    [1000, 12.5, 125],
  ];
  for (const [desired, percent, expected] of cases) {
    test(`${desired} x ${percent}% = ${expected}`, () => assert.equal(computeDesiredCount(desired, percent), expected));
  }
});

describe("scaleProblem", () => {
  const cases: [{ value?: number; unit?: string }, boolean][] = [
    [{ value: 0, unit: "PERCENT" }, true],
    [{ value: 100, unit: "PERCENT" }, true],
    [{ value: 50.5 }, true],
    [{}, true],
    [{ value: 100.01, unit: "PERCENT" }, false],
    [{ value: -1, unit: "PERCENT" }, false],
    [{ value: Number.NaN }, false],
    [{ value: 10, unit: "COUNT" }, false],
  ];
  for (const [scale, valid] of cases) {
    test(`${JSON.stringify(scale)} is ${valid ? "valid" : "refused"}`, () => assert.equal(scaleProblem(scale) === undefined, valid));
  }
});

describe("tagProblem", () => {
  const tags = (n: number): Tag[] => Array.from({ length: n }, (_, i) => ({ key: `k${i}`, value: "v" }));
  const cases: [string, Tag[], RegExp | undefined][] = [
    ["no tags", [], undefined],
    ["a plain tag", [{ key: "team", value: "core" }], undefined],
    ["a tag without a value", [{ key: "flag" }], undefined],
    ["an empty value", [{ key: "flag", value: "" }], undefined],
    ["128-character key, 256-character value", [{ key: "k".repeat(128), value: "v".repeat(256) }], undefined],
    ["every allowed symbol", [{ key: "a_b.c:d/e=f+g-h@i j", value: "_.:/=+-@ " }], undefined],
    ["letters and digits of any script", [{ key: "日本語 ünïcödé ٣", value: "Ελληνικά" }], undefined],
    ["128 letters outside the BMP", [{ key: "\u{1D49C}".repeat(128) }], undefined],
    ["'aws' without the colon", [{ key: "awsome" }], undefined],
    ["aws: inside a key", [{ key: "my:aws:key" }], undefined],
    ["50 tags", tags(50), undefined],
    ["a missing key", [{ value: "v" }], /between 1 and 128/],
    ["an empty key", [{ key: "" }], /between 1 and 128/],
    ["a 129-character key", [{ key: "k".repeat(129) }], /between 1 and 128/],
    ["a 257-character value", [{ key: "k", value: "v".repeat(257) }], /at most 256/],
    ["'#' in a key", [{ key: "a#b" }], /not allowed/],
    ["'*' in a value", [{ key: "k", value: "a*b" }], /not allowed/],
    ["a tab in a key", [{ key: "a\tb" }], /not allowed/],
    ["an emoji in a value", [{ key: "k", value: "🙂" }], /not allowed/],
    ["aws: prefix", [{ key: "aws:cloudformation:stack-name" }], /reserved/],
    ["AWS: prefix", [{ key: "AWS:x" }], /reserved/],
    ["aWs: prefix", [{ key: "aWs:x" }], /reserved/],
    ["51 tags", tags(51), /at most 50/],
    ["a duplicate key", [{ key: "a", value: "1" }, { key: "b" }, { key: "a", value: "2" }], /unique/],
  ];
  for (const [what, input, problem] of cases) {
    test(`${what}: ${problem ? "refused" : "valid"}`, () => {
      const result = tagProblem(input);
      if (problem) assert.match(result ?? "", problem);
      else assert.equal(result, undefined);
    });
  }

  const keys: [string, boolean][] = [
    ["team", true],
    ["k".repeat(128), true],
    ["", false],
    ["k".repeat(129), false],
    ["a#b", false],
    ["aws:x", false],
    ["AwS:x", false],
  ];
  for (const [key, valid] of keys) test(`tagKeyProblem '${key.slice(0, 20)}': ${valid ? "valid" : "refused"}`, () => assert.equal(tagKeyProblem(key) === undefined, valid));
  test("tagKeyProblem refuses a missing key", () => assert.match(tagKeyProblem(undefined) ?? "", /between 1 and 128/));

  test("keys differing only in case are different keys", () => assert.equal(tagProblem([{ key: "Env" }, { key: "env" }]), undefined));

  test("mergeTags overwrites by key and keeps order; removeTags drops named keys", () => {
    const merged = mergeTags(
      [
        { key: "a", value: "1" },
        { key: "b", value: "2" },
      ],
      [{ key: "b", value: "3" }, { key: "c" }],
    );
    assert.deepEqual(merged, [
      { key: "a", value: "1" },
      { key: "b", value: "3" },
      { key: "c", value: "" },
    ]);
    assert.deepEqual(removeTags(merged, ["a", "c", "zzz"]), [{ key: "b", value: "3" }]);
  });
});

describe("parseTaskDefinitionReference", () => {
  const cases: [string, ReturnType<typeof parseTaskDefinitionReference>][] = [
    ["web", { family: "web" }],
    ["web:3", { family: "web", revision: 3 }],
    ["web-app_2:10", { family: "web-app_2", revision: 10 }],
    ["arn:aws:ecs:us-east-1:123456789012:task-definition/web:7", { family: "web", revision: 7 }],
    ["arn:aws-cn:ecs:cn-north-1:123456789012:task-definition/web:1", { family: "web", revision: 1 }],
    ["arn:aws:ecs:us-east-1:123456789012:task-definition/web", { family: "web" }],
    ["", undefined],
    ["web:", undefined],
    ["web:x", undefined],
    ["web:1:2", undefined],
    ["web app", undefined],
    ["f".repeat(256), undefined],
    ["arn:aws:ecs:us-east-1:123:task-definition/web:1", undefined],
    ["arn:aws:ecs:us-east-1:123456789012:cluster/web", undefined],
    ["arn:aws:s3:us-east-1:123456789012:task-definition/web:1", undefined],
  ];
  for (const [reference, expected] of cases) {
    test(`'${reference.slice(0, 60)}'`, () => assert.deepEqual(parseTaskDefinitionReference(reference), expected));
  }
});

describe("cpuUnits and memoryMiB", () => {
  const cpu: [string, number | undefined][] = [
    ["256", 256],
    ["1024", 1024],
    ["1 vCPU", 1024],
    ["1 vcpu", 1024],
    ["0.25 vCPU", 256],
    ["0.5vcpu", 512],
    [" 2 VCPU ", 2048],
    ["16 vCPU", 16384],
    ["", undefined],
    ["one", undefined],
    ["-1", undefined],
    ["1 GB", undefined],
  ];
  for (const [value, expected] of cpu) test(`cpu '${value}' = ${String(expected)}`, () => assert.equal(cpuUnits(value), expected));

  const memory: [string, number | undefined][] = [
    ["512", 512],
    ["2048", 2048],
    ["2 GB", 2048],
    ["2GB", 2048],
    ["0.5 gb", 512],
    ["512 MB", 512],
    ["120 GB", 122880],
    ["", undefined],
    ["1 TB", undefined],
    ["1 vCPU", undefined],
  ];
  for (const [value, expected] of memory) test(`memory '${value}' = ${String(expected)}`, () => assert.equal(memoryMiB(value), expected));
});

describe("isValidFargateSize (the developer guide's task size table)", () => {
  const valid: [number, number][] = [
    [256, 512],
    [256, 1024],
    [256, 2048],
    [512, 1024],
    [512, 4096],
    [1024, 2048],
    [1024, 8192],
    [2048, 4096],
    [2048, 16384],
    [4096, 8192],
    [4096, 30720],
    [8192, 16384],
    [8192, 20480],
    [8192, 61440],
    [16384, 32768],
    [16384, 40960],
    [16384, 122880],
  ];
  const invalid: [number, number][] = [
    [256, 256],
    [256, 3072],
    [512, 512],
    [512, 5120],
    [1024, 1024],
    [1024, 9216],
    [2048, 17408],
    [4096, 31744],
    [8192, 17408],
    [8192, 65536],
    [16384, 36864],
    [16384, 131072],
    [128, 512],
    [3000, 8192],
    [32768, 65536],
  ];
  for (const [cpu, memory] of valid) test(`${cpu} CPU with ${memory} MiB is offered`, () => assert.equal(isValidFargateSize(cpu, memory), true));
  for (const [cpu, memory] of invalid) test(`${cpu} CPU with ${memory} MiB is not`, () => assert.equal(isValidFargateSize(cpu, memory), false));
});

describe("taskDefinitionProblem", () => {
  const container = { name: "app", image: "busybox", memory: 128 };
  const cases: [string, Parameters<typeof taskDefinitionProblem>[0], RegExp | undefined][] = [
    ["a minimal EC2 definition", { family: "f", containerDefinitions: [container] }, undefined],
    ["memoryReservation alone", { family: "f", containerDefinitions: [{ name: "app", image: "i", memoryReservation: 64 }] }, undefined],
    ["task memory alone", { family: "f", memory: "512", containerDefinitions: [{ name: "app", image: "i" }] }, undefined],
    ["Fargate 0.5 vCPU / 1 GB", { family: "f", requiresCompatibilities: ["FARGATE"], networkMode: "awsvpc", cpu: "0.5 vCPU", memory: "1 GB", containerDefinitions: [{ name: "a", image: "i" }] }, undefined],
    ["a bad family", { family: "a/b", containerDefinitions: [container] }, /Family/],
    ["no containers", { family: "f", containerDefinitions: [] }, /cannot be empty/],
    ["11 containers", { family: "f", containerDefinitions: Array.from({ length: 11 }, (_, i) => ({ ...container, name: `c${i}` })) }, /at most 10/],
    ["no image", { family: "f", containerDefinitions: [{ name: "app", memory: 64 }] }, /Container\.image/],
    ["no name", { family: "f", containerDefinitions: [{ image: "i", memory: 64 }] }, /Container\.name/],
    ["duplicate names", { family: "f", containerDefinitions: [container, container] }, /Duplicate container name/],
    ["no memory anywhere", { family: "f", containerDefinitions: [{ name: "app", image: "i" }] }, /'memory' or 'memoryReservation'/],
    ["memory under 6 MiB", { family: "f", containerDefinitions: [{ ...container, memory: 4 }] }, /at least 6/],
    ["reservation over memory", { family: "f", containerDefinitions: [{ ...container, memoryReservation: 256 }] }, /memoryReservation/],
    ["container memory over task memory", { family: "f", memory: "64", containerDefinitions: [container] }, /cannot exceed/],
    ["awsvpc with differing ports", { family: "f", networkMode: "awsvpc", containerDefinitions: [{ ...container, portMappings: [{ containerPort: 80, hostPort: 8080 }] }] }, /must match/],
    ["a port out of range", { family: "f", containerDefinitions: [{ ...container, portMappings: [{ containerPort: 70000 }] }] }, /containerPort/],
    ["Fargate without awsvpc", { family: "f", requiresCompatibilities: ["FARGATE"], networkMode: "bridge", cpu: "256", memory: "512", containerDefinitions: [container] }, /awsvpc/],
    ["Fargate without cpu", { family: "f", requiresCompatibilities: ["FARGATE"], networkMode: "awsvpc", memory: "512", containerDefinitions: [container] }, /'cpu'/],
    ["Fargate without memory", { family: "f", requiresCompatibilities: ["FARGATE"], networkMode: "awsvpc", cpu: "256", containerDefinitions: [container] }, /'memory'/],
    ["Fargate 256 / 4096", { family: "f", requiresCompatibilities: ["FARGATE"], networkMode: "awsvpc", cpu: "256", memory: "4096", containerDefinitions: [container] }, /No Fargate configuration exists for given values: 256 CPU, 4096 memory/],
    ["an unreadable cpu", { family: "f", cpu: "lots", containerDefinitions: [container] }, /'cpu'/],
  ];
  for (const [what, definition, problem] of cases) {
    test(`${what}: ${problem ? "refused" : "valid"}`, () => {
      const result = taskDefinitionProblem(definition);
      if (problem) assert.match(result ?? "", problem);
      else assert.equal(result, undefined);
    });
  }
});

describe("compatibilitiesOf", () => {
  const cases: [Parameters<typeof compatibilitiesOf>[0], string[]][] = [
    [{}, ["EXTERNAL", "EC2"]],
    [{ networkMode: "bridge", cpu: "256", memory: "512" }, ["EXTERNAL", "EC2"]],
    [{ networkMode: "host" }, ["EXTERNAL", "EC2"]],
    [{ networkMode: "awsvpc" }, ["EC2"]],
    [{ networkMode: "awsvpc", cpu: "256", memory: "4096" }, ["EC2"]],
    [{ networkMode: "awsvpc", cpu: "256", memory: "512" }, ["EC2", "FARGATE"]],
    [{ networkMode: "awsvpc", cpu: "1 vCPU", memory: "2 GB" }, ["EC2", "FARGATE"]],
  ];
  for (const [def, expected] of cases) test(`${JSON.stringify(def)} -> ${expected.join(", ")}`, () => assert.deepEqual(compatibilitiesOf(def), expected));
});

describe("capacityProviderStrategyProblem", () => {
  const p = (capacityProvider: string, weight?: number, base?: number): CapacityProviderStrategyItem => ({
    capacityProvider,
    ...(weight !== undefined ? { weight } : {}),
    ...(base !== undefined ? { base } : {}),
  });
  const cases: [string, CapacityProviderStrategyItem[], RegExp | undefined][] = [
    ["empty", [], undefined],
    ["one provider, weight 0", [p("FARGATE", 0)], undefined],
    ["one provider, no weight", [p("FARGATE")], undefined],
    ["base and weights", [p("FARGATE", 1, 2), p("FARGATE_SPOT", 4)], undefined],
    ["six providers", Array.from({ length: 6 }, (_, i) => p(`cp${i}`, 1)), undefined],
    ["seven providers", Array.from({ length: 7 }, (_, i) => p(`cp${i}`, 1)), /more than 6/],
    ["a provider twice", [p("FARGATE", 1), p("FARGATE", 1)], /more than once/],
    ["two bases", [p("FARGATE", 1, 1), p("FARGATE_SPOT", 1, 1)], /Only one/],
    ["all weights 0", [p("FARGATE", 0), p("FARGATE_SPOT", 0)], /weight greater than zero/],
    ["weights missing", [p("FARGATE"), p("FARGATE_SPOT")], /weight greater than zero/],
    ["weight 1001", [p("FARGATE", 1001)], /between 0 and 1000/],
    ["negative weight", [p("FARGATE", -1)], /between 0 and 1000/],
    ["fractional weight", [p("FARGATE", 1.5)], /between 0 and 1000/],
    ["base 100001", [p("FARGATE", 1, 100001)], /between 0 and 100000/],
    ["no name", [{ weight: 1 } as CapacityProviderStrategyItem], /without a capacityProvider/],
  ];
  for (const [what, strategy, problem] of cases) {
    test(`${what}: ${problem ? "refused" : "valid"}`, () => {
      const result = capacityProviderStrategyProblem(strategy);
      if (problem) assert.match(result ?? "", problem);
      else assert.equal(result, undefined);
    });
  }
});

describe("splitByStrategy", () => {
  const count = (placed: readonly string[]) => placed.reduce<Record<string, number>>((acc, name) => ({ ...acc, [name]: (acc[name] ?? 0) + 1 }), {});
  const none = new Map<string, number>();

  test("weights 1 and 4 put 1 of every 5 on the first", () => {
    const strategy = [
      { capacityProvider: "A", weight: 1 },
      { capacityProvider: "B", weight: 4 },
    ];
    assert.deepEqual(count(splitByStrategy(strategy, none, 5)), { A: 1, B: 4 });
    assert.deepEqual(count(splitByStrategy(strategy, none, 10)), { A: 2, B: 8 });
    assert.deepEqual(count(splitByStrategy(strategy, none, 100)), { A: 20, B: 80 });
  });

  test("the base goes first to its provider, the rest by weight", () => {
    const strategy = [
      { capacityProvider: "A", weight: 1, base: 2 },
      { capacityProvider: "B", weight: 4 },
    ];
    assert.deepEqual(splitByStrategy(strategy, none, 2), ["A", "A"]);
    assert.deepEqual(count(splitByStrategy(strategy, none, 7)), { A: 3, B: 4 });
    assert.deepEqual(count(splitByStrategy(strategy, none, 12)), { A: 4, B: 8 });
  });

  test("a base on a weight-0 provider, then everything to the weighted one", () => {
    const strategy = [
      { capacityProvider: "FARGATE", weight: 0, base: 1 },
      { capacityProvider: "FARGATE_SPOT", weight: 1 },
    ];
    assert.deepEqual(splitByStrategy(strategy, none, 4), ["FARGATE", "FARGATE_SPOT", "FARGATE_SPOT", "FARGATE_SPOT"]);
  });

  test("weight-0 providers get no tasks beyond a base", () => {
    const strategy = [
      { capacityProvider: "A", weight: 0 },
      { capacityProvider: "B", weight: 1 },
    ];
    assert.deepEqual(count(splitByStrategy(strategy, none, 6)), { B: 6 });
  });

  test("adding tasks to existing ones keeps the split as if all were placed at once", () => {
    const strategy = [
      { capacityProvider: "A", weight: 1, base: 1 },
      { capacityProvider: "B", weight: 4 },
    ];
    const firstBatch = splitByStrategy(strategy, none, 3);
    const existing = new Map(Object.entries(count(firstBatch)));
    const secondBatch = splitByStrategy(strategy, existing, 8);
    assert.deepEqual(count([...firstBatch, ...secondBatch]), count(splitByStrategy(strategy, none, 11)));
    assert.deepEqual(count([...firstBatch, ...secondBatch]), { A: 3, B: 8 });
  });

  test("a single provider takes everything", () => {
    assert.deepEqual(splitByStrategy([{ capacityProvider: "FARGATE" }], none, 3), ["FARGATE", "FARGATE", "FARGATE"]);
  });
});

describe("ARNs", () => {
  const scope = { account: "123456789012", region: "eu-west-1" };

  test("format", () => {
    assert.equal(arns.cluster(scope, "c"), "arn:aws:ecs:eu-west-1:123456789012:cluster/c");
    assert.equal(arns.service(scope, "c", "s"), "arn:aws:ecs:eu-west-1:123456789012:service/c/s");
    assert.equal(arns.taskSet(scope, "c", "s", "ecs-svc/1234567890123456789"), "arn:aws:ecs:eu-west-1:123456789012:task-set/c/s/ecs-svc/1234567890123456789");
    assert.equal(arns.taskDefinition(scope, "web", 3), "arn:aws:ecs:eu-west-1:123456789012:task-definition/web:3");
    assert.equal(arns.task(scope, "c", "abc"), "arn:aws:ecs:eu-west-1:123456789012:task/c/abc");
    assert.equal(arns.capacityProvider(scope, "cp"), "arn:aws:ecs:eu-west-1:123456789012:capacity-provider/cp");
  });

  const cases: [string, ReturnType<typeof parseArn>][] = [
    ["arn:aws:ecs:us-east-1:123456789012:cluster/prod", { region: "us-east-1", account: "123456789012", resourceType: "cluster", path: ["prod"] }],
    [
      "arn:aws:ecs:us-east-1:123456789012:task-set/c/s/ecs-svc/42",
      { region: "us-east-1", account: "123456789012", resourceType: "task-set", path: ["c", "s", "ecs-svc", "42"] },
    ],
    ["arn:aws:ecs:us-east-1:123456789012:task-definition/web:1", { region: "us-east-1", account: "123456789012", resourceType: "task-definition", path: ["web:1"] }],
    ["arn:aws-us-gov:ecs:us-gov-west-1:123456789012:cluster/g", { region: "us-gov-west-1", account: "123456789012", resourceType: "cluster", path: ["g"] }],
    ["arn:aws:ecs:us-east-1:123456789012:cluster", undefined],
    ["arn:aws:ecs:us-east-1:12345:cluster/c", undefined],
    ["arn:aws:s3:us-east-1:123456789012:cluster/c", undefined],
    ["arn:aws:ecs::123456789012:cluster/c", undefined],
    ["cluster/c", undefined],
    ["", undefined],
  ];
  for (const [arn, expected] of cases) test(`parseArn '${arn}'`, () => assert.deepEqual(parseArn(arn), expected));

  test("nameOf and isArn", () => {
    assert.equal(nameOf("arn:aws:ecs:us-east-1:123456789012:cluster/prod"), "prod");
    assert.equal(nameOf("arn:aws:ecs:us-east-1:123456789012:service/prod/web"), "web");
    assert.equal(nameOf("prod"), "prod");
    assert.equal(isArn("arn:aws:ecs:us-east-1:123456789012:cluster/prod"), true);
    assert.equal(isArn("prod"), false);
  });
});

describe("pagination tokens", () => {
  test("round-trip the ARN they continue after, and are opaque", () => {
    const arn = "arn:aws:ecs:us-east-1:123456789012:cluster/c-9";
    const token = encodeNextToken(arn);
    assert.equal(decodeNextToken(token), arn);
    assert.ok(!token.includes("cluster"), "the ARN is not visible in the token");
    assert.match(token, /^[A-Za-z0-9_-]+$/);
  });

  const foreign: [string, string][] = [
    ["not base64 JSON", "not-a-token"],
    ["empty", ""],
    ["JSON without 'after'", Buffer.from('{"before":"x"}').toString("base64url")],
    ["'after' that is not a string", Buffer.from('{"after":5}').toString("base64url")],
    ["JSON null", Buffer.from("null").toString("base64url")],
  ];
  for (const [what, token] of foreign) test(`a token that is ${what} is refused`, () => assert.equal(decodeNextToken(token), undefined));
});

describe("restart throttle: failed launches counted one by one, delays as ECS's throttle logic", () => {
  const failedAt = (launchAttempt: number, createdAt: number, startedAt?: number) => ({ launchAttempt, createdAt, failed: true, ...(startedAt !== undefined ? { startedAt } : {}) });
  test("launches failing at the same instant are counted one by one; tasks of one launch count once", () => {
    const run = failedLaunches([failedAt(1, 0), failedAt(1, 0), failedAt(2, 0)]);
    assert.deepEqual(run, { count: 2, lastLaunchAt: 0, neverStarted: true });
    assert.equal(nextLaunchAttempt(run), 3);
    assert.equal(launchAllowedAt(run), 1000, "the third launch waits 1 s even though no time passed");
    assert.equal(isThrottled(run), true);
  });
  test("the first failed launch is retried at once; then 1 s, doubling, launch to launch", () => {
    const table: [number, number][] = [[1, 0], [2, 1000], [3, 2000], [4, 4000], [12, 1_024_000]];
    for (const [count, delay] of table) assert.equal(restartDelayMs({ count, lastLaunchAt: 0, neverStarted: true }), delay, `after ${count} failed launches`);
    assert.equal(launchAllowedAt(failedLaunches([failedAt(1, 5000)])), 5000);
    assert.equal(launchAllowedAt(undefined), 0);
  });
  test("tasks that never start: up to ECS's 27 minutes; tasks that ran, then failed: up to 60 s", () => {
    assert.equal(restartDelayMs({ count: 40, lastLaunchAt: 0, neverStarted: true }), MAX_THROTTLE_DELAY_MS);
    assert.equal(MAX_THROTTLE_DELAY_MS, 27 * 60_000);
    assert.equal(restartDelayMs({ count: 40, lastLaunchAt: 0, neverStarted: false }), 60_000);
    assert.equal(isThrottled({ count: 5, lastLaunchAt: 0, neverStarted: false }), false, "ECS's throttle (and its event) is about tasks that never reach RUNNING");
    assert.equal(isThrottled({ count: 1, lastLaunchAt: 0, neverStarted: true }), false, "one failed launch is not repeated failure");
  });
  test("a task that reached RUNNING and has not failed ends the run; failures after it start a new one", () => {
    const good = { launchAttempt: 3, createdAt: 10_000, startedAt: 11_000, failed: false };
    assert.equal(failedLaunches([failedAt(1, 0), failedAt(2, 1000), failedAt(3, 10_000), good]), undefined);
    assert.deepEqual(failedLaunches([failedAt(2, 1000), good, failedAt(1, 12_000)]), { count: 1, lastLaunchAt: 12_000, neverStarted: true });
    assert.deepEqual(failedLaunches([failedAt(1, 0, 500), failedAt(2, 600, 900)]), { count: 2, lastLaunchAt: 600, neverStarted: false }, "tasks that ran, then failed, keep the run going");
  });
});
