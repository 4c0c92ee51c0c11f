// Task definitions through the SDK: register revisions, look them up, list, deregister, delete.
import * as assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  type ContainerDefinition,
  DeleteTaskDefinitionsCommand,
  DeregisterTaskDefinitionCommand,
  DescribeTaskDefinitionCommand,
  type ECSClient,
  ListTaskDefinitionFamiliesCommand,
  ListTaskDefinitionsCommand,
  RegisterTaskDefinitionCommand,
  type RegisterTaskDefinitionCommandInput,
} from "@aws-sdk/client-ecs";
import { refusedWith } from "./assertions";
import { startTestServer, type TestServer } from "./harness";

const tdArn = (family: string, revision: number, account = "000000000000", region = "us-east-1") =>
  `arn:aws:ecs:${region}:${account}:task-definition/${family}:${revision}`;

const web: ContainerDefinition = { name: "web", image: "nginx:1.27", memory: 128, portMappings: [{ containerPort: 80 }] };

function fargate(cpu: string, memory: string): RegisterTaskDefinitionCommandInput {
  return {
    family: "fargate-sized",
    requiresCompatibilities: ["FARGATE"],
    networkMode: "awsvpc",
    cpu,
    memory,
    containerDefinitions: [{ name: "app", image: "busybox" }],
  };
}

describe("task definitions", () => {
  let server: TestServer;
  let ecs: ECSClient;

  before(async () => {
    server = await startTestServer();
    ecs = server.client();
  });
  after(() => server.close());

  async function register(family: string, extra: Partial<RegisterTaskDefinitionCommandInput> = {}) {
    const { taskDefinition, tags } = await ecs.send(new RegisterTaskDefinitionCommand({ family, containerDefinitions: [web], ...extra }));
    assert.ok(taskDefinition);
    return { taskDefinition, tags };
  }

  async function familyArns(family: string, status?: "ACTIVE" | "INACTIVE" | "DELETE_IN_PROGRESS"): Promise<string[]> {
    return (await ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: family, ...(status ? { status } : {}) }))).taskDefinitionArns ?? [];
  }

  test("each registration of a family is the next revision, ACTIVE, with ECS's defaults filled in", async () => {
    const first = await register("revisions");
    const second = await register("revisions");
    assert.equal(first.taskDefinition.revision, 1);
    assert.equal(second.taskDefinition.revision, 2);
    assert.equal(second.taskDefinition.taskDefinitionArn, tdArn("revisions", 2));
    assert.equal(second.taskDefinition.status, "ACTIVE");
    assert.equal(second.taskDefinition.family, "revisions");
    assert.ok(second.taskDefinition.registeredAt instanceof Date);
    const container = second.taskDefinition.containerDefinitions?.[0];
    assert.equal(container?.essential, true);
    assert.equal(container?.cpu, 0);
    assert.deepEqual(container?.portMappings, [{ containerPort: 80, hostPort: 0, protocol: "tcp" }]);
    assert.deepEqual(second.taskDefinition.compatibilities, ["EXTERNAL", "EC2"]);
  });

  test("concurrent registrations of one family get distinct, consecutive revisions", async () => {
    const results = await Promise.all(Array.from({ length: 10 }, () => register("racing")));
    assert.deepEqual(results.map((r) => r.taskDefinition.revision).sort((a, b) => (a ?? 0) - (b ?? 0)), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  test("a Fargate task definition is compatible with EC2 and FARGATE; awsvpc host ports follow container ports", async () => {
    const { taskDefinition } = await register("on-fargate", {
      requiresCompatibilities: ["FARGATE"],
      networkMode: "awsvpc",
      cpu: "256",
      memory: "512",
      containerDefinitions: [{ name: "web", image: "nginx", portMappings: [{ containerPort: 8080 }] }],
    });
    assert.deepEqual(taskDefinition.compatibilities, ["EC2", "FARGATE"]);
    assert.deepEqual(taskDefinition.requiresCompatibilities, ["FARGATE"]);
    assert.equal(taskDefinition.containerDefinitions?.[0].portMappings?.[0].hostPort, 8080);
    assert.equal(taskDefinition.cpu, "256");
    assert.equal(taskDefinition.memory, "512");

    // awsvpc alone is not enough for Fargate: it needs a task size Fargate offers.
    const unsized = await register("awsvpc-unsized", { networkMode: "awsvpc" });
    assert.deepEqual(unsized.taskDefinition.compatibilities, ["EC2"]);
    const sized = await register("awsvpc-sized", { networkMode: "awsvpc", cpu: "512", memory: "1024" });
    assert.deepEqual(sized.taskDefinition.compatibilities, ["EC2", "FARGATE"]);
  });

  test("DescribeTaskDefinition by family (latest ACTIVE), family:revision and ARN; TAGS on request", async () => {
    await register("lookup", { tags: [{ key: "app", value: "lookup" }] });
    await register("lookup", { tags: [{ key: "app", value: "second" }] });

    const latest = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: "lookup" }));
    assert.equal(latest.taskDefinition?.revision, 2);
    assert.deepEqual(latest.tags, [], "without include TAGS an empty list, as ECS answers");

    const byRevision = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: "lookup:1", include: ["TAGS"] }));
    assert.equal(byRevision.taskDefinition?.revision, 1);
    assert.deepEqual(byRevision.tags, [{ key: "app", value: "lookup" }]);

    const byArn = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: tdArn("lookup", 2), include: ["TAGS"] }));
    assert.equal(byArn.taskDefinition?.revision, 2);
    assert.deepEqual(byArn.tags, [{ key: "app", value: "second" }]);

    // With the latest deregistered, the family alone means the newest ACTIVE revision.
    await ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: "lookup:2" }));
    assert.equal((await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: "lookup" }))).taskDefinition?.revision, 1);
    // An explicit revision is found whatever its status.
    assert.equal((await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: "lookup:2" }))).taskDefinition?.status, "INACTIVE");
  });

  test("DescribeTaskDefinition of something that does not exist is ClientException", async () => {
    await register("exists");
    for (const taskDefinition of ["exists:7", "nothing-here", "nothing-here:1", tdArn("exists", 1, "999999999999"), "bad name!"]) {
      await refusedWith(ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition })), "ClientException", /Unable to describe task definition/);
    }
  });

  test("ListTaskDefinitions: by family then revision (10 after 9), DESC, familyPrefix, status, pages", async () => {
    for (let i = 0; i < 10; i++) await register("paged");
    await register("paged-other");
    // familyPrefix is, despite its name, the full family name: "paged" does not match "paged-other".
    const asc = await familyArns("paged");
    assert.deepEqual(asc, Array.from({ length: 10 }, (_, i) => tdArn("paged", i + 1)));
    assert.deepEqual(await familyArns("page"), []);

    const desc = (await ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: "paged", sort: "DESC" }))).taskDefinitionArns;
    assert.deepEqual(desc, [...asc].reverse());

    // Without a family, every family: by family name, then numerically by revision.
    const all = (await ecs.send(new ListTaskDefinitionsCommand({}))).taskDefinitionArns ?? [];
    const pagedAt = all.indexOf(tdArn("paged", 1));
    assert.deepEqual(all.slice(pagedAt, pagedAt + 11), [...asc, tdArn("paged-other", 1)]);
    const allDesc = (await ecs.send(new ListTaskDefinitionsCommand({ sort: "DESC" }))).taskDefinitionArns;
    assert.deepEqual(allDesc, [...all].reverse());

    const seen: string[] = [];
    let nextToken: string | undefined;
    let pages = 0;
    do {
      const page = await ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: "paged", maxResults: 4, nextToken }));
      seen.push(...(page.taskDefinitionArns ?? []));
      nextToken = page.nextToken;
      pages++;
    } while (nextToken);
    assert.equal(pages, 3); // 4 + 4 + 2
    assert.deepEqual(seen, asc);

    await ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: "paged:3" }));
    assert.ok(!(await familyArns("paged")).includes(tdArn("paged", 3)), "ACTIVE is the default status filter");
    assert.deepEqual(await familyArns("paged", "INACTIVE"), [tdArn("paged", 3)]);
    await refusedWith(ecs.send(new ListTaskDefinitionsCommand({ maxResults: 101 })), "InvalidParameterException");
  });

  test("ListTaskDefinitionFamilies: all families by default, ACTIVE and INACTIVE filters", async () => {
    await register("fam-live");
    await register("fam-gone");
    await ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: "fam-gone:1" }));

    const families = async (status?: "ACTIVE" | "INACTIVE" | "ALL") =>
      (await ecs.send(new ListTaskDefinitionFamiliesCommand({ familyPrefix: "fam-", ...(status ? { status } : {}) }))).families;
    // "By default, both ACTIVE and INACTIVE task definition families are listed."
    assert.deepEqual(await families(), ["fam-gone", "fam-live"]);
    assert.deepEqual(await families("ALL"), ["fam-gone", "fam-live"]);
    assert.deepEqual(await families("ACTIVE"), ["fam-live"]);
    assert.deepEqual(await families("INACTIVE"), ["fam-gone"]);

    const first = await ecs.send(new ListTaskDefinitionFamiliesCommand({ familyPrefix: "fam-", maxResults: 1 }));
    assert.deepEqual(first.families, ["fam-gone"]);
    const second = await ecs.send(new ListTaskDefinitionFamiliesCommand({ familyPrefix: "fam-", maxResults: 1, nextToken: first.nextToken }));
    assert.deepEqual(second.families, ["fam-live"]);
    assert.equal(second.nextToken, undefined);
  });

  test("DeregisterTaskDefinition makes a revision INACTIVE and needs an explicit revision", async () => {
    await register("retire");
    const { taskDefinition } = await ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: tdArn("retire", 1) }));
    assert.equal(taskDefinition?.status, "INACTIVE");
    assert.ok(taskDefinition?.deregisteredAt instanceof Date);
    await refusedWith(ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: "retire" })), "ClientException");
    await refusedWith(ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: "retire:9" })), "ClientException");
    // Registering again continues the revision sequence.
    assert.equal((await register("retire")).taskDefinition.revision, 2);
  });

  test("DeleteTaskDefinitions refuses ACTIVE revisions as failures and marks INACTIVE ones DELETE_IN_PROGRESS", async () => {
    await register("removal");
    await register("removal");
    await ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: "removal:1" }));

    const result = await ecs.send(new DeleteTaskDefinitionsCommand({ taskDefinitions: ["removal:1", "removal:2", "removal:5"] }));
    assert.deepEqual(result.taskDefinitions?.map((d) => [d.taskDefinitionArn, d.status]), [[tdArn("removal", 1), "DELETE_IN_PROGRESS"]]);
    assert.deepEqual(result.failures?.map((f) => f.arn), [tdArn("removal", 2), "removal:5"]);
    assert.match(result.failures?.[0].reason ?? "", /ACTIVE/);

    assert.equal((await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: "removal:2" }))).taskDefinition?.status, "ACTIVE", "the failed one is unchanged");
    assert.deepEqual(await familyArns("removal", "DELETE_IN_PROGRESS"), [tdArn("removal", 1)]);
    assert.deepEqual(await familyArns("removal", "INACTIVE"), []);
    await refusedWith(ecs.send(new DeleteTaskDefinitionsCommand({ taskDefinitions: [] })), "InvalidParameterException");
  });

  describe("validation", () => {
    test("Fargate refuses cpu/memory combinations it does not offer, and accepts the ones it does", async () => {
      for (const [cpu, memory] of [
        ["256", "4096"],
        ["512", "512"],
        ["1024", "1024"],
        ["4096", "31744"],
        ["8192", "18432"],
        ["3", "512"],
      ]) {
        await refusedWith(ecs.send(new RegisterTaskDefinitionCommand(fargate(cpu, memory))), "ClientException", /No Fargate configuration exists for given values/);
      }
      // Sizes in vCPU and GB are stored as the CPU units and MiB they stand for.
      for (const [cpu, memory, units, mib] of [
        ["256", "512", "256", "512"],
        ["0.25 vCPU", "0.5GB", "256", "512"],
        ["1 vcpu", "2 GB", "1024", "2048"],
        ["4096", "30720", "4096", "30720"],
        ["8192", "20480", "8192", "20480"],
        ["16384", "122880", "16384", "122880"],
      ]) {
        const { taskDefinition } = await ecs.send(new RegisterTaskDefinitionCommand(fargate(cpu, memory)));
        assert.deepEqual([taskDefinition?.cpu, taskDefinition?.memory], [units, mib]);
      }
      await refusedWith(ecs.send(new RegisterTaskDefinitionCommand({ ...fargate("256", "512"), cpu: undefined })), "ClientException", /'cpu'/);
      await refusedWith(ecs.send(new RegisterTaskDefinitionCommand({ ...fargate("256", "512"), networkMode: "bridge" })), "ClientException", /awsvpc/);
    });

    test("container definitions: image, unique names and memory are required", async () => {
      const cases: [ContainerDefinition[], RegExp][] = [
        [[{ name: "app", memory: 128 }], /image/],
        [[{ image: "busybox", memory: 128 }], /name/],
        [[{ name: "app", image: "a", memory: 64 }, { name: "app", image: "b", memory: 64 }], /[Dd]uplicate container name/],
        [[{ name: "app", image: "busybox" }], /'memory' or 'memoryReservation'/],
        [[{ name: "app", image: "busybox", memory: 64, memoryReservation: 128 }], /memoryReservation/],
        [[], /Container list cannot be empty/],
      ];
      for (const [containerDefinitions, message] of cases) {
        await refusedWith(ecs.send(new RegisterTaskDefinitionCommand({ family: "invalid", containerDefinitions })), "ClientException", message);
      }
      await refusedWith(ecs.send(new RegisterTaskDefinitionCommand({ family: "has space", containerDefinitions: [web] })), "ClientException", /Family/);
      // containerDefinitions is a required member of the model.
      await refusedWith(ecs.send(new RegisterTaskDefinitionCommand({ family: "invalid" } as RegisterTaskDefinitionCommandInput)), "InvalidParameterException", /containerDefinitions/);
      assert.deepEqual(await familyArns("invalid"), [], "no refused registration left a revision behind");
      // A task-level memory is enough for containers without their own.
      const { taskDefinition } = await register("invalid", { memory: "512", containerDefinitions: [{ name: "app", image: "busybox" }] });
      assert.equal(taskDefinition.revision, 1, "refusals consumed no revision numbers");
    });

    test("tags on registration follow the tag rules", async () => {
      await refusedWith(register("tagged", { tags: [{ key: "aws:owner", value: "x" }] }), "InvalidParameterException");
      await refusedWith(register("tagged", { tags: Array.from({ length: 51 }, (_, i) => ({ key: `k${i}`, value: "v" })) }), "InvalidParameterException");
      assert.deepEqual(await familyArns("tagged"), []);
    });
  });
});

describe("task definition isolation", () => {
  test("accounts and regions have their own families and revision numbers", async () => {
    const server = await startTestServer();
    try {
      const a = server.client({ accessKeyId: "111111111111" });
      const b = server.client({ accessKeyId: "222222222222" });
      const aWest = server.client({ accessKeyId: "111111111111", region: "eu-west-1" });
      const input = { family: "shared", containerDefinitions: [web] };
      await a.send(new RegisterTaskDefinitionCommand(input));
      await a.send(new RegisterTaskDefinitionCommand(input));
      const fromB = await b.send(new RegisterTaskDefinitionCommand(input));
      assert.equal(fromB.taskDefinition?.taskDefinitionArn, tdArn("shared", 1, "222222222222"));
      assert.deepEqual((await aWest.send(new ListTaskDefinitionsCommand({}))).taskDefinitionArns, []);
      assert.deepEqual((await b.send(new ListTaskDefinitionFamiliesCommand({}))).families, ["shared"]);
      await refusedWith(b.send(new DescribeTaskDefinitionCommand({ taskDefinition: tdArn("shared", 2, "111111111111") })), "ClientException");
      await refusedWith(b.send(new DeregisterTaskDefinitionCommand({ taskDefinition: tdArn("shared", 2, "111111111111") })), "ClientException");
      // Without a revision, another account's ARN does not fall back to the caller's own family of that name.
      const foreignFamily = "arn:aws:ecs:us-east-1:111111111111:task-definition/shared";
      await refusedWith(b.send(new DescribeTaskDefinitionCommand({ taskDefinition: foreignFamily })), "ClientException");
      assert.equal((await a.send(new DescribeTaskDefinitionCommand({ taskDefinition: foreignFamily }))).taskDefinition?.revision, 2);
      assert.equal((await a.send(new DescribeTaskDefinitionCommand({ taskDefinition: "shared:2" }))).taskDefinition?.status, "ACTIVE");
    } finally {
      await server.close();
    }
  });
});
