// The world the model-based test drives: one ecslite (virtual clock, lifecycle steps of 300 ms),
// reset for every case, with a cluster of two EC2 container instances, task definitions with each
// fault of docs/faults.md, an EXTERNAL service (task sets) and an ECS-controller service. Everything
// goes through @aws-sdk/client-ecs, as a deploy controller would.
import {
  CreateClusterCommand,
  CreateServiceCommand,
  type ECSClient,
  RegisterContainerInstanceCommand,
  RegisterTaskDefinitionCommand,
  type RegisterTaskDefinitionCommandInput,
} from "@aws-sdk/client-ecs";
import { startTestServer, type TestServer } from "../harness";

export const CLUSTER = "model";
export const EXTERNAL = "ext";
export const ROLLING = "roll";
export const NETWORK = { awsvpcConfiguration: { subnets: ["subnet-a", "subnet-b"], securityGroups: ["sg-1"] } };
/** Each EC2 instance holds four `ec2` tasks (memory is the limit). */
export const INSTANCE_MEMORY = 512;
export const EC2_TASK_MEMORY = 128;
export const INSTANCES = 2;
/**
 * Time of each lifecycle step: a task needs 1.2 s to run and 1.2 s to stop (the CLI's default), or
 * none (the zero-delay mode, where every step of a task and every retry happens at one instant).
 */
export const STEP_MS = 300;
export const EXIT_AFTER_SECONDS = 4;

export type DefName = "web" | "ec2" | "fail" | "sick" | "exits";
export const DEF_NAMES: readonly DefName[] = ["web", "ec2", "fail", "sick", "exits"];
/** Task definitions whose tasks never settle (docs/faults.md). */
export const FAULTY: Readonly<Record<DefName, boolean>> = { web: false, ec2: false, fail: true, sick: true, exits: true };

function fargate(family: string, environment: { name: string; value: string }[] = [], healthCheck = false): RegisterTaskDefinitionCommandInput {
  return {
    family,
    requiresCompatibilities: ["FARGATE"],
    networkMode: "awsvpc",
    cpu: "256",
    memory: "512",
    containerDefinitions: [
      { name: "app", image: "nginx", environment, ...(healthCheck ? { healthCheck: { command: ["CMD-SHELL", "curl -f http://localhost/ || exit 1"] } } : {}) },
    ],
  };
}

const DEFINITIONS: Readonly<Record<DefName, RegisterTaskDefinitionCommandInput>> = {
  web: fargate("web", [], true),
  ec2: { family: "ec2", networkMode: "bridge", containerDefinitions: [{ name: "app", image: "nginx", memory: EC2_TASK_MEMORY, cpu: 128 }] },
  fail: fargate("fail", [{ name: "ECSLITE_FAULT_FAIL_TO_START", value: "true" }]),
  sick: fargate("sick", [{ name: "ECSLITE_FAULT_UNHEALTHY", value: "true" }], true),
  exits: fargate("exits", [{ name: "ECSLITE_FAULT_EXIT_AFTER_SECONDS", value: String(EXIT_AFTER_SECONDS) }]),
};

/** The launch settings a task set or deployment of a task definition needs. */
export function launchOf(def: DefName): { launchType: "EC2" | "FARGATE"; networkConfiguration?: typeof NETWORK } {
  return def === "ec2" ? { launchType: "EC2" } : { launchType: "FARGATE", networkConfiguration: NETWORK };
}

/** How each case starts (chosen by fast-check, so it shrinks too). */
export interface Setup {
  externalDesired: number;
  rollingDesired: number;
  gracePeriodSeconds: number;
  maximumPercent: number;
  minimumHealthyPercent: number;
  circuitBreaker: { enable: boolean; rollback: boolean };
  /** The case runs on the zero-delay server (`--task-step-ms 0`). */
  zeroDelay: boolean;
}

export interface World {
  server: TestServer;
  client: ECSClient;
  defArns: Record<DefName, string>;
  /** Task definition name by ARN. */
  defByArn: Map<string, DefName>;
  instances: string[];
  setup: Setup;
  /** Commands run in this case (for the statistics of the long run). */
  commandsRun: number;
}

export async function startWorldServer(stepMs = STEP_MS): Promise<TestServer> {
  return startTestServer({ stepMs, logLevel: "error" });
}

/** Empties ecslite and builds a case's starting point. */
export async function resetWorld(server: TestServer, client: ECSClient, setup: Setup): Promise<World> {
  const reset = await fetch(`${server.url}/_ecslite/reset`, { method: "POST" });
  if (reset.status !== 200) throw new Error(`reset failed: ${reset.status}`);
  await client.send(new CreateClusterCommand({ clusterName: CLUSTER }));
  const defArns = {} as Record<DefName, string>;
  const defByArn = new Map<string, DefName>();
  for (const name of DEF_NAMES) {
    const arn = (await client.send(new RegisterTaskDefinitionCommand(DEFINITIONS[name]))).taskDefinition?.taskDefinitionArn ?? "";
    defArns[name] = arn;
    defByArn.set(arn, name);
  }
  const instances: string[] = [];
  for (let i = 0; i < INSTANCES; i++) {
    const out = await client.send(
      new RegisterContainerInstanceCommand({
        cluster: CLUSTER,
        instanceIdentityDocument: JSON.stringify({ instanceId: `i-model${i}`, availabilityZone: "us-east-1a" }),
        totalResources: [
          { name: "CPU", type: "INTEGER", integerValue: 1024 },
          { name: "MEMORY", type: "INTEGER", integerValue: INSTANCE_MEMORY },
        ],
      }),
    );
    instances.push(out.containerInstance?.containerInstanceArn ?? "");
  }
  await client.send(
    new CreateServiceCommand({
      cluster: CLUSTER,
      serviceName: EXTERNAL,
      desiredCount: setup.externalDesired,
      healthCheckGracePeriodSeconds: setup.gracePeriodSeconds,
      deploymentController: { type: "EXTERNAL" },
    }),
  );
  await client.send(
    new CreateServiceCommand({
      cluster: CLUSTER,
      serviceName: ROLLING,
      taskDefinition: defArns.web,
      desiredCount: setup.rollingDesired,
      healthCheckGracePeriodSeconds: setup.gracePeriodSeconds,
      ...launchOf("web"),
      deploymentConfiguration: { maximumPercent: setup.maximumPercent, minimumHealthyPercent: setup.minimumHealthyPercent, deploymentCircuitBreaker: setup.circuitBreaker },
    }),
  );
  await server.settle();
  return { server, client, defArns, defByArn, instances, setup, commandsRun: 0 };
}
