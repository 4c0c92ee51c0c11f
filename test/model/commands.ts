// The commands of the model-based test: what a deploy controller (and the world around it) does to
// ecslite. Each runs through the SDK, lets the scheduler settle, and hands the result to the oracle.
// Their toString() is the readable counterexample fast-check prints.
import * as assert from "node:assert/strict";
import {
  CreateTaskSetCommand,
  DeleteTaskSetCommand,
  StopTaskCommand,
  UpdateContainerInstancesStateCommand,
  UpdateServiceCommand,
  UpdateServicePrimaryTaskSetCommand,
  UpdateTaskSetCommand,
} from "@aws-sdk/client-ecs";
import fc from "fast-check";
import { checkInvariants, type Memory, snapshot, type Snapshot } from "./oracle";
import { CLUSTER, type DefName, EXTERNAL, launchOf, ROLLING, type World } from "./world";

/** What the commands know between steps: the last snapshot (ids, statuses) and the oracle's memory. */
export interface Model {
  last: Snapshot | undefined;
}

export interface Real {
  world: World;
  memory: Memory;
}

type Cmd = fc.AsyncCommand<Model, Real>;

interface SdkError {
  name: string;
  message: string;
}

/** Runs a call that may be refused; a refusal must be the expected one. */
async function attempt(call: () => Promise<unknown>, allowed: (error: SdkError) => boolean, what: string): Promise<boolean> {
  try {
    await call();
    return true;
  } catch (e) {
    const error = e as SdkError;
    if (!allowed(error)) assert.fail(`${what} was refused unexpectedly: ${error.name}: ${error.message}`);
    return false;
  }
}

/** After a command: the scheduler converges at this instant, then the oracle looks. */
async function observe(model: Model, real: Real, step: string): Promise<void> {
  await real.world.server.settle();
  const snap = await snapshot(real.world);
  checkInvariants(real.world, real.memory, snap, step);
  model.last = snap;
  real.world.commandsRun++;
}

function pick<T>(items: readonly T[], index: number): T | undefined {
  return items.length ? items[index % items.length] : undefined;
}

const percent = fc.oneof(fc.constantFrom(0, 10, 25, 50, 100), fc.double({ min: 0, max: 100, noNaN: true }).map((v) => Math.round(v * 100) / 100));

class CreateTaskSet implements Cmd {
  constructor(
    readonly def: DefName,
    readonly scale: number,
  ) {}
  check(): boolean {
    return true;
  }
  async run(model: Model, real: Real): Promise<void> {
    const { world } = real;
    let id: string | undefined;
    await attempt(
      async () => {
        const out = await world.client.send(
          new CreateTaskSetCommand({ cluster: CLUSTER, service: EXTERNAL, taskDefinition: world.defArns[this.def], ...launchOf(this.def), scale: { value: this.scale, unit: "PERCENT" } }),
        );
        id = out.taskSet?.id;
        assert.equal(out.taskSet?.stabilityStatus, "STABILIZING", "a new set is STABILIZING");
      },
      (e) => e.name === "InvalidParameterException" && /deployments exist on the service/.test(e.message) && (model.last?.sets.length ?? 0) >= 5,
      String(this),
    );
    if (id) real.memory.setDefs.set(id, this.def);
    await observe(model, real, String(this));
  }
  toString(): string {
    return `CreateTaskSet(${this.def}, ${this.scale}%)`;
  }
}

class UpdateTaskSet implements Cmd {
  constructor(
    readonly index: number,
    readonly scale: number,
  ) {}
  check(model: Readonly<Model>): boolean {
    return (model.last?.sets.length ?? 0) > 0;
  }
  async run(model: Model, real: Real): Promise<void> {
    const set = pick(model.last?.sets ?? [], this.index);
    await attempt(
      () => real.world.client.send(new UpdateTaskSetCommand({ cluster: CLUSTER, service: EXTERNAL, taskSet: set?.id, scale: { value: this.scale, unit: "PERCENT" } })),
      (e) => e.name === "InvalidParameterException" && set?.status === "DRAINING",
      String(this),
    );
    await observe(model, real, String(this));
  }
  toString(): string {
    return `UpdateTaskSet(set #${this.index}, ${this.scale}%)`;
  }
}

class MakePrimary implements Cmd {
  constructor(readonly index: number) {}
  check(model: Readonly<Model>): boolean {
    return (model.last?.sets.length ?? 0) > 0;
  }
  async run(model: Model, real: Real): Promise<void> {
    const set = pick(model.last?.sets ?? [], this.index);
    await attempt(
      () => real.world.client.send(new UpdateServicePrimaryTaskSetCommand({ cluster: CLUSTER, service: EXTERNAL, primaryTaskSet: set?.id })),
      (e) => e.name === "InvalidParameterException" && set?.status === "DRAINING",
      String(this),
    );
    await observe(model, real, String(this));
  }
  toString(): string {
    return `UpdateServicePrimaryTaskSet(set #${this.index})`;
  }
}

class DeleteTaskSet implements Cmd {
  constructor(
    readonly index: number,
    readonly force: boolean,
  ) {}
  check(model: Readonly<Model>): boolean {
    return (model.last?.sets.length ?? 0) > 0;
  }
  async run(model: Model, real: Real): Promise<void> {
    const set = pick(model.last?.sets ?? [], this.index);
    const id = set?.id ?? "";
    // Its tasks now: once DRAINING it must get no others.
    const before = new Set([...(model.last?.tasks.values() ?? [])].filter((t) => t.startedBy === id).map((t) => t.taskArn ?? ""));
    const deleted = await attempt(
      () => real.world.client.send(new DeleteTaskSetCommand({ cluster: CLUSTER, service: EXTERNAL, taskSet: id, force: this.force })),
      (e) => e.name === "InvalidParameterException" && e.message === "Primary TaskSet cannot be deleted" && set?.status === "PRIMARY" && !this.force,
      String(this),
    );
    if (deleted && !real.memory.tasksWhenDeleted.has(id)) real.memory.tasksWhenDeleted.set(id, before);
    await observe(model, real, String(this));
  }
  toString(): string {
    return `DeleteTaskSet(set #${this.index}${this.force ? ", force" : ""})`;
  }
}

class SetDesiredCount implements Cmd {
  constructor(
    readonly service: typeof EXTERNAL | typeof ROLLING,
    readonly count: number,
  ) {}
  check(): boolean {
    return true;
  }
  async run(model: Model, real: Real): Promise<void> {
    await real.world.client.send(new UpdateServiceCommand({ cluster: CLUSTER, service: this.service, desiredCount: this.count }));
    await observe(model, real, String(this));
  }
  toString(): string {
    return `UpdateService(${this.service}, desiredCount ${this.count})`;
  }
}

class Deploy implements Cmd {
  constructor(readonly def: DefName) {}
  check(): boolean {
    return true;
  }
  async run(model: Model, real: Real): Promise<void> {
    await real.world.client.send(
      new UpdateServiceCommand({ cluster: CLUSTER, service: ROLLING, taskDefinition: real.world.defArns[this.def], ...launchOf(this.def), forceNewDeployment: true }),
    );
    await observe(model, real, String(this));
  }
  toString(): string {
    return `UpdateService(${ROLLING}, taskDefinition ${this.def}, forceNewDeployment)`;
  }
}

class SetInstanceState implements Cmd {
  constructor(
    readonly index: number,
    readonly status: "ACTIVE" | "DRAINING",
  ) {}
  check(): boolean {
    return true;
  }
  async run(model: Model, real: Real): Promise<void> {
    const instance = pick(real.world.instances, this.index) ?? "";
    const out = await real.world.client.send(new UpdateContainerInstancesStateCommand({ cluster: CLUSTER, containerInstances: [instance], status: this.status }));
    assert.equal(out.failures?.length ?? 0, 0);
    await observe(model, real, String(this));
  }
  toString(): string {
    return `UpdateContainerInstancesState(instance #${this.index % 2}, ${this.status})`;
  }
}

class StopTask implements Cmd {
  constructor(readonly index: number) {}
  check(model: Readonly<Model>): boolean {
    return [...(model.last?.tasks.values() ?? [])].some((t) => t.desiredStatus === "RUNNING");
  }
  async run(model: Model, real: Real): Promise<void> {
    const running = [...(model.last?.tasks.values() ?? [])].filter((t) => t.desiredStatus === "RUNNING").sort((a, b) => ((a.taskArn ?? "") < (b.taskArn ?? "") ? -1 : 1));
    const task = pick(running, this.index);
    const out = await real.world.client.send(new StopTaskCommand({ cluster: CLUSTER, task: task?.taskArn, reason: "model: stopped by hand" }));
    assert.equal(out.task?.desiredStatus, "STOPPED");
    await observe(model, real, String(this));
  }
  toString(): string {
    return `StopTask(running task #${this.index})`;
  }
}

class Advance implements Cmd {
  constructor(readonly seconds: number) {}
  check(): boolean {
    return true;
  }
  async run(model: Model, real: Real): Promise<void> {
    await real.world.server.advance(this.seconds);
    await observe(model, real, String(this));
  }
  toString(): string {
    return `Advance(${this.seconds}s)`;
  }
}

const defs = fc.constantFrom<DefName>("web", "web", "ec2", "fail", "sick", "exits");
const index = fc.nat({ max: 9 });

export const commandArbitraries: fc.Arbitrary<Cmd>[] = [
  fc.tuple(defs, percent).map(([def, scale]) => new CreateTaskSet(def, scale)),
  fc.tuple(index, percent).map(([i, scale]) => new UpdateTaskSet(i, scale)),
  index.map((i) => new MakePrimary(i)),
  fc.tuple(index, fc.boolean()).map(([i, force]) => new DeleteTaskSet(i, force)),
  fc.tuple(fc.constantFrom<typeof EXTERNAL | typeof ROLLING>(EXTERNAL, ROLLING), fc.nat({ max: 6 })).map(([service, count]) => new SetDesiredCount(service, count)),
  fc.constantFrom<DefName>("web", "fail", "sick", "exits").map((def) => new Deploy(def)),
  fc.tuple(index, fc.constantFrom<"ACTIVE" | "DRAINING">("ACTIVE", "DRAINING")).map(([i, status]) => new SetInstanceState(i, status)),
  index.map((i) => new StopTask(i)),
  fc.constantFrom(0.3, 1, 1, 2, 5, 15, 60).map((s) => new Advance(s)),
  fc.constantFrom(0.3, 1, 2, 5).map((s) => new Advance(s)),
];
