// ECS events as a consumer sees them: GET /_ecslite/events read with a standard EventSource client
// (the `eventsource` package), each event in EventBridge's envelope with the detail fields AWS
// documents for its detail-type (src/events/detail.ts cites where), through a blue/green flow with
// task sets and a deployment the circuit breaker fails and rolls back.
import * as assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { after, describe, it } from "node:test";
import {
  CreateClusterCommand,
  CreateServiceCommand,
  CreateTaskSetCommand,
  DeleteTaskSetCommand,
  type ECSClient,
  RegisterContainerInstanceCommand,
  RegisterTaskDefinitionCommand,
  UpdateServiceCommand,
  UpdateServicePrimaryTaskSetCommand,
  UpdateTaskSetCommand,
} from "@aws-sdk/client-ecs";
import { EventSource } from "eventsource";
import { CONTAINER_INSTANCE_DETAIL_FIELDS, DEPLOYMENT_DETAIL_FIELDS, SERVICE_ACTION_DETAIL_FIELDS, TASK_CONTAINER_FIELDS, TASK_DETAIL_FIELDS } from "../src/events/detail";
import type { EcsEvent } from "../src/events/envelope";
import { startTestServer, type TestServer } from "./harness";

const NETWORK = { awsvpcConfiguration: { subnets: ["subnet-1"] } };
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

interface Received {
  readonly seq: number;
  readonly event: EcsEvent;
}

/** An EventSource on the server's event stream that keeps what it receives. */
class Reader {
  readonly received: Received[] = [];
  readonly gaps: unknown[] = [];
  private readonly source: EventSource;
  readonly opened: Promise<void>;

  constructor(url: string, query = "", lastEventId?: number) {
    this.source = new EventSource(`${url}/_ecslite/events${query ? `?${query}` : ""}`, {
      // A first connection sends Last-Event-ID only when told to (EventSource sends it on reconnects).
      fetch: (input, init) => fetch(input, { ...init, headers: { ...init?.headers, ...(lastEventId !== undefined ? { "last-event-id": String(lastEventId) } : {}) } }),
    });
    this.source.onmessage = (message) => this.received.push({ seq: Number(message.lastEventId), event: JSON.parse(message.data) as EcsEvent });
    this.source.addEventListener("gap", (message) => this.gaps.push(JSON.parse((message as MessageEvent).data)));
    this.opened = new Promise((resolve, reject) => {
      this.source.onopen = () => resolve();
      this.source.onerror = (error) => reject(new Error(`event stream failed: ${String((error as { message?: string }).message)}`));
    });
  }

  events(detailType?: string): EcsEvent[] {
    return this.received.map((r) => r.event).filter((e) => !detailType || e["detail-type"] === detailType);
  }

  /** Waits (in real time) until `done` holds for what has arrived. */
  async until(done: (events: EcsEvent[]) => boolean, what: string, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!done(this.events())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; got:\n${this.events().map(describeEvent).join("\n")}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  close(): void {
    this.source.close();
  }
}

function describeEvent(e: EcsEvent): string {
  const d = e.detail;
  return `${e["detail-type"]} ${String(d.eventName ?? d.lastStatus ?? d.status ?? "")} ${String(d.desiredStatus ?? d.deploymentId ?? "")}`;
}

const ENVELOPE_KEYS = ["version", "id", "detail-type", "source", "account", "time", "region", "resources", "detail"];

/** Every event: EventBridge's envelope, and only documented detail fields, the required ones present. */
function assertDocumented(event: EcsEvent, account: string, region: string): void {
  assert.deepEqual(Object.keys(event), ENVELOPE_KEYS, "the envelope's fields, in EventBridge's order");
  assert.equal(event.version, "0");
  assert.match(event.id, UUID);
  assert.equal(event.source, "aws.ecs");
  assert.equal(event.account, account);
  assert.equal(event.region, region);
  assert.match(event.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assert.ok(event.resources.length > 0 && event.resources.every((r) => r.startsWith(`arn:aws:ecs:${region}:${account}:`)), JSON.stringify(event.resources));
  const d = event.detail;
  const allowed: Record<string, readonly string[]> = {
    "ECS Task State Change": TASK_DETAIL_FIELDS,
    "ECS Container Instance State Change": CONTAINER_INSTANCE_DETAIL_FIELDS,
    "ECS Service Action": SERVICE_ACTION_DETAIL_FIELDS,
    "ECS Deployment State Change": DEPLOYMENT_DETAIL_FIELDS,
  };
  const fields = allowed[event["detail-type"]];
  assert.ok(fields, `a documented detail-type: ${event["detail-type"]}`);
  const undocumented = Object.keys(d).filter((k) => !fields.includes(k));
  assert.deepEqual(undocumented, [], `${event["detail-type"]} carries only documented fields`);
  const required: Record<string, string[]> = {
    "ECS Task State Change": ["clusterArn", "containers", "createdAt", "desiredStatus", "group", "lastStatus", "launchType", "taskArn", "taskDefinitionArn", "updatedAt", "version", "cpu", "memory", "availabilityZone"],
    "ECS Container Instance State Change": ["agentConnected", "attributes", "clusterArn", "containerInstanceArn", "ec2InstanceId", "registeredResources", "remainingResources", "status", "version", "versionInfo", "updatedAt"],
    "ECS Service Action": ["eventType", "eventName", "clusterArn", "createdAt"],
    "ECS Deployment State Change": ["eventType", "eventName", "deploymentId", "updatedAt", "reason"],
  };
  for (const field of required[event["detail-type"]]) assert.ok(d[field] !== undefined, `${event["detail-type"]} has ${field}: ${JSON.stringify(d)}`);
  for (const field of ["createdAt", "updatedAt", "startedAt", "stoppedAt", "stoppingAt", "pullStartedAt", "pullStoppedAt", "connectivityAt", "executionStoppedAt", "registeredAt"]) {
    if (d[field] !== undefined) assert.match(String(d[field]), ISO, `${field} is an ISO timestamp`);
  }
  if (event["detail-type"] === "ECS Task State Change") {
    assert.equal(typeof d.version, "number");
    assert.deepEqual(event.resources, [d.taskArn]);
    for (const container of d.containers as Record<string, unknown>[]) {
      assert.deepEqual(Object.keys(container).filter((k) => !(TASK_CONTAINER_FIELDS as readonly string[]).includes(k)), [], "containers carry only documented fields");
    }
  }
  if (event["detail-type"] === "ECS Container Instance State Change") assert.deepEqual(event.resources, [d.containerInstanceArn]);
  if (event["detail-type"] === "ECS Service Action") assert.ok(["INFO", "WARN", "ERROR"].includes(String(d.eventType)));
  if (event["detail-type"] === "ECS Deployment State Change") {
    assert.ok(["INFO", "ERROR"].includes(String(d.eventType)));
    assert.match(String(d.deploymentId), /^ecs-svc\/\d+$/);
    assert.match(event.resources[0], /:service\//);
  }
}

async function taskDefinition(ecs: ECSClient, family: string, environment: { name: string; value: string }[] = []): Promise<string> {
  const out = await ecs.send(
    new RegisterTaskDefinitionCommand({
      family,
      requiresCompatibilities: ["EC2", "FARGATE"],
      networkMode: "awsvpc",
      cpu: "256",
      memory: "512",
      containerDefinitions: [{ name: "app", image: "nginx", environment }],
    }),
  );
  return out.taskDefinition?.taskDefinitionArn ?? "";
}

describe("ECS events on GET /_ecslite/events", () => {
  const servers: TestServer[] = [];
  const readers: Reader[] = [];
  const dirs: string[] = [];
  after(async () => {
    for (const r of readers) r.close();
    for (const s of servers) await s.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  async function server(overrides: Parameters<typeof startTestServer>[0] = {}): Promise<TestServer> {
    const s = await startTestServer(overrides);
    servers.push(s);
    return s;
  }
  function reader(url: string, query = "", lastEventId?: number): Reader {
    const r = new Reader(url, query, lastEventId);
    readers.push(r);
    return r;
  }

  it("a blue/green flow with task sets: every detail-type in EventBridge's envelope with the documented fields", async () => {
    const s = await server();
    const ecs = s.client({ accessKeyId: "111122223333", region: "eu-west-1" });
    const all = reader(s.url);
    await all.opened;
    await ecs.send(new CreateClusterCommand({ clusterName: "bg" }));
    await ecs.send(new RegisterContainerInstanceCommand({ cluster: "bg", instanceIdentityDocument: JSON.stringify({ instanceId: "i-0123456789abcdef0", availabilityZone: "eu-west-1a", instanceType: "m5.large" }) }));
    const web = await taskDefinition(ecs, "web");
    await ecs.send(new CreateServiceCommand({ cluster: "bg", serviceName: "api", desiredCount: 2, deploymentController: { type: "EXTERNAL" } }));
    const blue = (await ecs.send(new CreateTaskSetCommand({ cluster: "bg", service: "api", taskDefinition: web, launchType: "FARGATE", networkConfiguration: NETWORK, scale: { value: 100, unit: "PERCENT" } }))).taskSet;
    await ecs.send(new UpdateServicePrimaryTaskSetCommand({ cluster: "bg", service: "api", primaryTaskSet: blue?.taskSetArn }));
    await s.advance(5);
    // Green on the registered EC2 instance: placing its tasks changes the instance's resources.
    const green = (await ecs.send(new CreateTaskSetCommand({ cluster: "bg", service: "api", taskDefinition: web, launchType: "EC2", networkConfiguration: NETWORK, scale: { value: 100, unit: "PERCENT" } }))).taskSet;
    await s.advance(5);
    await ecs.send(new UpdateServicePrimaryTaskSetCommand({ cluster: "bg", service: "api", primaryTaskSet: green?.taskSetArn }));
    await ecs.send(new UpdateTaskSetCommand({ cluster: "bg", service: "api", taskSet: blue?.taskSetArn, scale: { value: 0, unit: "PERCENT" } }));
    await s.advance(5);
    await ecs.send(new DeleteTaskSetCommand({ cluster: "bg", service: "api", taskSet: blue?.taskSetArn }));
    await s.advance(5);

    const stoppedBlue = (events: EcsEvent[]) => events.filter((e) => e["detail-type"] === "ECS Task State Change" && e.detail.lastStatus === "STOPPED" && String(e.detail.startedBy) === blue?.id).length === 2;
    await all.until(stoppedBlue, "blue's two tasks to stop");
    for (const event of all.events()) assertDocumented(event, "111122223333", "eu-west-1");

    // Task state changes: each task's versions rise, from its first status to RUNNING (and STOPPED for blue's).
    const tasks = all.events("ECS Task State Change");
    const byTask = new Map<string, EcsEvent[]>();
    for (const e of tasks) byTask.set(String(e.detail.taskArn), [...(byTask.get(String(e.detail.taskArn)) ?? []), e]);
    assert.equal(byTask.size, 4, "two blue and two green tasks");
    for (const [arn, events] of byTask) {
      const versions = events.map((e) => Number(e.detail.version));
      assert.deepEqual(versions, [...versions].sort((a, b) => a - b), `${arn}: versions rise`);
      assert.equal(new Set(versions).size, versions.length, `${arn}: one event per version`);
      assert.ok(events.some((e) => e.detail.lastStatus === "RUNNING"), `${arn} reached RUNNING`);
    }
    const stopped = tasks.filter((e) => e.detail.lastStatus === "STOPPED");
    assert.equal(stopped.length, 2);
    for (const e of stopped) {
      assert.equal(e.detail.desiredStatus, "STOPPED");
      assert.equal(e.detail.stopCode, "ServiceSchedulerInitiated");
      assert.equal(typeof e.detail.stoppedReason, "string");
      assert.match(String(e.detail.stoppedAt), ISO);
    }
    const greenTasks = tasks.filter((e) => e.detail.startedBy === green?.id);
    assert.ok(greenTasks.every((e) => e.detail.launchType === "EC2" && String(e.detail.containerInstanceArn).includes(":container-instance/bg/")));

    // Service actions: each set reaching STEADY_STATE, and the service.
    const actions = all.events("ECS Service Action");
    const steadySets = actions.filter((e) => e.detail.eventName === "TASKSET_STEADY_STATE").map((e) => (e.detail.taskSetArns as string[])[0]);
    assert.ok(steadySets.includes(blue?.taskSetArn ?? "") && steadySets.includes(green?.taskSetArn ?? ""), JSON.stringify(steadySets));
    for (const e of actions) assert.deepEqual(e.resources, ["arn:aws:ecs:eu-west-1:111122223333:service/bg/api"]);
    assert.ok(actions.some((e) => e.detail.eventName === "SERVICE_STEADY_STATE"));
    assert.ok(actions.every((e) => e.detail.clusterArn === "arn:aws:ecs:eu-west-1:111122223333:cluster/bg"));

    // Container instance state changes: registration, then green's tasks taking resources.
    const instances = all.events("ECS Container Instance State Change");
    assert.ok(instances.length >= 2, `registration and placements: ${instances.length}`);
    assert.equal(instances[0].detail.status, "ACTIVE");
    assert.equal(instances[0].detail.runningTasksCount, 0);
    const versions = instances.map((e) => Number(e.detail.version));
    assert.deepEqual(versions, [...versions].sort((a, b) => a - b), "the instance's version rises with each event");
    const cpuLeft = (e: EcsEvent) => (e.detail.remainingResources as { name: string; integerValue: number }[]).find((r) => r.name === "CPU")?.integerValue;
    assert.ok((cpuLeft(instances[instances.length - 1]) ?? 0) < (cpuLeft(instances[0]) ?? 0), "green's tasks hold the instance's CPU");

    // The stream's ids rise with every event.
    const seqs = all.received.map((r) => r.seq);
    assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b));
    assert.equal(new Set(seqs).size, seqs.length);
  });

  it("a deployment the circuit breaker fails: IN_PROGRESS, FAILED, the rollback IN_PROGRESS and COMPLETED", async () => {
    const s = await server();
    const ecs = s.client();
    const deployments = reader(s.url, `detail-type=${encodeURIComponent("ECS Deployment State Change")}&cluster=roll`);
    const actions = reader(s.url, `detail-type=${encodeURIComponent("ECS Service Action")}`);
    await Promise.all([deployments.opened, actions.opened]);
    await ecs.send(new CreateClusterCommand({ clusterName: "roll" }));
    const good = await taskDefinition(ecs, "good");
    const broken = await taskDefinition(ecs, "broken", [{ name: "ECSLITE_FAULT_FAIL_TO_START", value: "true" }]);
    await ecs.send(
      new CreateServiceCommand({
        cluster: "roll",
        serviceName: "guarded",
        taskDefinition: good,
        desiredCount: 2,
        launchType: "FARGATE",
        networkConfiguration: NETWORK,
        deploymentConfiguration: { deploymentCircuitBreaker: { enable: true, rollback: true }, maximumPercent: 200, minimumHealthyPercent: 100 },
      }),
    );
    await s.settle();
    const updated = await ecs.send(new UpdateServiceCommand({ cluster: "roll", service: "guarded", taskDefinition: broken }));
    const failing = updated.service?.deployments?.find((d) => d.status === "PRIMARY")?.id ?? "";
    for (let i = 0; i < 20; i++) await s.advance(30);

    const sequence = (events: EcsEvent[]) => events.map((e) => `${String(e.detail.eventName)} ${String(e.detail.deploymentId)}`);
    await deployments.until((events) => events.length >= 6, "six deployment events");
    const events = deployments.events();
    for (const event of events) assertDocumented(event, "000000000000", "us-east-1");
    const first = String(events[0].detail.deploymentId);
    assert.deepEqual(sequence(events), [
      `SERVICE_DEPLOYMENT_IN_PROGRESS ${first}`,
      `SERVICE_DEPLOYMENT_COMPLETED ${first}`,
      `SERVICE_DEPLOYMENT_IN_PROGRESS ${failing}`,
      `SERVICE_DEPLOYMENT_FAILED ${failing}`,
      `SERVICE_DEPLOYMENT_IN_PROGRESS ${first}`,
      `SERVICE_DEPLOYMENT_COMPLETED ${first}`,
    ]);
    assert.equal(events[3].detail.eventType, "ERROR");
    assert.match(String(events[3].detail.reason), /^ECS deployment circuit breaker: tasks? failed to start\.$/);
    assert.equal(events[4].detail.reason, `ECS deployment circuit breaker: rolling back to deploymentId ${first}.`);
    assert.equal(events[1].detail.reason, `ECS deployment ${first} completed.`);
    assert.ok(actions.events().filter((e) => e.detail.eventName === "SERVICE_STEADY_STATE").length >= 2, "steady before the update and after the rollback");
    for (const event of actions.events()) assertDocumented(event, "000000000000", "us-east-1");
  });

  it("filters by detail-type, cluster, account and region", async () => {
    const s = await server();
    const a = s.client({ accessKeyId: "111122223333", region: "us-west-2" });
    const b = s.client({ accessKeyId: "444455556666", region: "us-west-2" });
    const onlyOne = reader(s.url, "cluster=one");
    const byArn = reader(s.url, `cluster=${encodeURIComponent("arn:aws:ecs:us-west-2:444455556666:cluster/one")}`);
    const otherAccount = reader(s.url, "account=444455556666&region=us-west-2");
    const otherRegion = reader(s.url, "region=eu-central-1");
    const tasksOnly = reader(s.url, `detail-type=${encodeURIComponent("ECS Task State Change")}&detail-type=${encodeURIComponent("ECS Container Instance State Change")}`);
    const everything = reader(s.url);
    await Promise.all([onlyOne, byArn, otherAccount, otherRegion, tasksOnly, everything].map((r) => r.opened));
    const web = await taskDefinition(a, "web");
    await taskDefinition(b, "web");
    for (const [client, cluster] of [[a, "one"], [a, "two"], [b, "one"]] as const) {
      await client.send(new CreateClusterCommand({ clusterName: cluster }));
      await client.send(new CreateServiceCommand({ cluster, serviceName: "svc", taskDefinition: client === a ? web : "web", desiredCount: 1, launchType: "FARGATE", networkConfiguration: NETWORK }));
    }
    await s.settle();
    await everything.until((events) => events.filter((e) => e.detail.eventName === "SERVICE_DEPLOYMENT_COMPLETED").length === 3, "three deployments to complete");
    await new Promise((resolve) => setTimeout(resolve, 100));
    const clusterOf = (e: EcsEvent) => String(e.detail.clusterArn ?? e.resources[0]).replace(/^(arn:[^:]+:ecs:[^:]+:\d+:)(service|cluster|task)\/([^/]+).*$/, "$1$3");
    assert.ok(onlyOne.events().length > 0);
    assert.ok(onlyOne.events().every((e) => clusterOf(e).endsWith(":one")), onlyOne.events().map(clusterOf).join(" "));
    assert.ok(onlyOne.events().some((e) => e.account === "111122223333") && onlyOne.events().some((e) => e.account === "444455556666"), "a cluster name matches it in every account");
    assert.ok(byArn.events().length > 0 && byArn.events().every((e) => e.account === "444455556666" && clusterOf(e).endsWith(":one")));
    assert.ok(otherAccount.events().length > 0 && otherAccount.events().every((e) => e.account === "444455556666"));
    assert.deepEqual(otherRegion.events(), []);
    assert.ok(tasksOnly.events().length > 0 && tasksOnly.events().every((e) => e["detail-type"] === "ECS Task State Change"));
    assert.equal(everything.events().length, onlyOne.events().length + everything.events().filter((e) => clusterOf(e).endsWith(":two")).length);
  });

  it("Last-Event-ID resumes after a restart on the same data directory, and numbering survives a reset", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "ecslite-events-"));
    dirs.push(dir);
    const first = await startTestServer({ inMemory: false, dataDir: dir });
    const ecs = first.client();
    const early = new Reader(first.url);
    await early.opened;
    await ecs.send(new CreateClusterCommand({ clusterName: "c" }));
    await taskDefinition(ecs, "web");
    await ecs.send(new CreateServiceCommand({ cluster: "c", serviceName: "svc", taskDefinition: "web", desiredCount: 1, launchType: "FARGATE", networkConfiguration: NETWORK }));
    await first.settle();
    await early.until((events) => events.some((e) => e.detail.eventName === "SERVICE_DEPLOYMENT_COMPLETED"), "the deployment to complete");
    const seen = early.received.length;
    const lastSeen = early.received[seen - 1].seq;
    const resumeAfter = early.received[1].seq;
    early.close();
    await first.close();

    const second = await server({ inMemory: false, dataDir: dir });
    const resumed = reader(second.url, "", resumeAfter);
    await resumed.opened;
    await resumed.until((events) => events.length >= seen - 2, "the events after the resumed one");
    assert.deepEqual(
      resumed.received.map((r) => r.seq),
      early.received.slice(2).map((r) => r.seq),
      "exactly the events after Last-Event-ID, from the store",
    );
    await second.client().send(new UpdateServiceCommand({ cluster: "c", service: "svc", desiredCount: 2 }));
    await second.settle();
    await resumed.until((events) => events.length > seen - 2, "the new events");
    assert.ok(resumed.received[seen - 2].seq > lastSeen, "new events continue the numbering");

    // A reset empties the resources, not the numbering: readers never see a number twice.
    const before = resumed.received[resumed.received.length - 1].seq;
    await fetch(`${second.url}/_ecslite/reset`, { method: "POST" });
    await second.client().send(new CreateClusterCommand({ clusterName: "c" }));
    await taskDefinition(second.client(), "web");
    await second.client().send(new CreateServiceCommand({ cluster: "c", serviceName: "again", taskDefinition: "web", desiredCount: 1, launchType: "FARGATE", networkConfiguration: NETWORK }));
    await second.settle();
    await resumed.until((events) => events.some((e) => e.resources[0]?.endsWith("/again")), "events after the reset");
    assert.ok(resumed.received.filter((r) => r.event.resources[0]?.endsWith("/again")).every((r) => r.seq > before));
  });

  it("the backlog is bounded: a reader too far behind is told what it missed and goes on from the oldest kept", async () => {
    const s = await server({ eventBacklog: 5 });
    const ecs = s.client();
    await ecs.send(new CreateClusterCommand({ clusterName: "small" }));
    await taskDefinition(ecs, "web");
    await ecs.send(new CreateServiceCommand({ cluster: "small", serviceName: "svc", taskDefinition: "web", desiredCount: 6, launchType: "FARGATE", networkConfiguration: NETWORK }));
    await s.settle();
    const late = reader(s.url, "", 0);
    await late.opened;
    await late.until((events) => events.length > 0, "the kept events");
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(late.gaps.length, 1);
    const gap = late.gaps[0] as { after: number; resumedAt: number; missed: number };
    assert.equal(gap.after, 0);
    assert.ok(gap.missed > 0);
    assert.equal(late.received[0].seq, gap.resumedAt);
    assert.ok(late.received.length >= 5 && late.received.length < 5 + 6, `about the backlog's size: ${late.received.length}`);
  });

  it("with --auth sigv4 the stream is a control endpoint: an unsigned reader is refused", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "ecslite-events-auth-"));
    dirs.push(dir);
    const credentials = path.join(dir, "credentials.json");
    writeFileSync(credentials, JSON.stringify({ credentials: [{ accessKeyId: "AKIDOPERATOR", secretAccessKey: "secret", accountId: "111122223333", controlEndpoints: true }] }));
    const s = await server({ auth: "sigv4", credentialsFile: credentials });
    const response = await fetch(`${s.url}/_ecslite/events`);
    assert.equal(response.status, 403);
    assert.equal(((await response.json()) as { __type: string }).__type, "MissingAuthenticationTokenException");
  });

  it("refuses a Last-Event-ID that is not an event number", async () => {
    const s = await server();
    const response = await fetch(`${s.url}/_ecslite/events`, { headers: { "last-event-id": "yesterday" } });
    assert.equal(response.status, 400);
    assert.equal(((await response.json()) as { __type: string }).__type, "InvalidParameterException");
  });
});
