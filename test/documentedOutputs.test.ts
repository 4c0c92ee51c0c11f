// Every output AWS publishes for ECS (the AWS CLI's examples, awscli/examples/ecs/*.rst, reduced to
// their key paths in test/awscliEcsOutputs.ts): for each example of an operation ecslite serves, the
// same call in the same form is made through the SDK, and every member the example shows must be in
// ecslite's answer. Paths the model does not have (typos in the examples) are not asked for; the
// few things ecslite does not simulate are listed below with the reason.
import * as assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  CreateCapacityProviderCommand,
  CreateClusterCommand,
  CreateServiceCommand,
  type CreateServiceCommandInput,
  CreateTaskSetCommand,
  DeleteAccountSettingCommand,
  DeleteAttributesCommand,
  DeleteCapacityProviderCommand,
  DeleteClusterCommand,
  DeleteTaskDefinitionsCommand,
  DeleteTaskSetCommand,
  DeregisterContainerInstanceCommand,
  DeregisterTaskDefinitionCommand,
  DescribeCapacityProvidersCommand,
  DescribeClustersCommand,
  DescribeContainerInstancesCommand,
  DescribeServiceDeploymentsCommand,
  DescribeServiceRevisionsCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTaskSetsCommand,
  DescribeTasksCommand,
  type ECSClient,
  GetTaskProtectionCommand,
  ListAccountSettingsCommand,
  ListAttributesCommand,
  ListClustersCommand,
  ListContainerInstancesCommand,
  ListServiceDeploymentsCommand,
  ListServicesByNamespaceCommand,
  ListServicesCommand,
  ListTagsForResourceCommand,
  ListTaskDefinitionFamiliesCommand,
  ListTaskDefinitionsCommand,
  ListTasksCommand,
  PutAccountSettingCommand,
  PutAccountSettingDefaultCommand,
  PutAttributesCommand,
  PutClusterCapacityProvidersCommand,
  RegisterContainerInstanceCommand,
  RegisterTaskDefinitionCommand,
  type RegisterTaskDefinitionCommandInput,
  RunTaskCommand,
  StartTaskCommand,
  StopTaskCommand,
  UpdateCapacityProviderCommand,
  UpdateClusterCommand,
  UpdateClusterSettingsCommand,
  UpdateContainerInstancesStateCommand,
  UpdateServiceCommand,
  UpdateServicePrimaryTaskSetCommand,
  UpdateTaskProtectionCommand,
  UpdateTaskSetCommand,
} from "@aws-sdk/client-ecs";
import { handlers } from "../src/api/ecs";
import { ecsModel, type Shape, type StructureShape } from "../src/protocol/model";
import { AWSCLI_ECS_OUTPUTS } from "./awscliEcsOutputs";
import { awsEcs, withoutAwsCli } from "./externalClients";
import { startTestServer, type TestServer } from "./harness";

/** Members an example shows that ecslite does not produce, and why. Keep this short and honest. */
const NOT_SIMULATED: Readonly<Record<string, readonly string[]>> = {};

const NETWORK = { awsvpcConfiguration: { subnets: ["subnet-12344321"], securityGroups: ["sg-12344321"], assignPublicIp: "ENABLED" as const } };
const ASG = "arn:aws:autoscaling:us-east-1:000000000000:autoScalingGroup:57ffcb94-11f0-4d6d-bf60-3bac5EXAMPLE:autoScalingGroupName/";
const EBS = { name: "myEbsVolume", managedEBSVolume: { roleArn: "arn:aws:iam::000000000000:role/ecsInfrastructureRole", volumeType: "gp3", sizeInGiB: 100, iops: 3000, throughput: 125, filesystemType: "ext4" as const } };
const PRINCIPAL = "arn:aws:iam::000000000000:user/MyUser";

/** The key paths of an SDK output, as the examples are reduced ("a.b[].c"); dates are values. */
function keyPaths(value: unknown, prefix = "", into = new Set<string>()): Set<string> {
  if (Array.isArray(value)) for (const item of value) keyPaths(item, `${prefix}[]`, into);
  else if (value && typeof value === "object" && !(value instanceof Date)) {
    for (const [key, item] of Object.entries(value)) {
      if (key === "$metadata" || item === undefined) continue;
      const at = prefix ? `${prefix}.${key}` : key;
      into.add(at);
      keyPaths(item, at, into);
    }
  }
  return into;
}

/** Whether the model's output structure has the path (examples carry the odd typo, "taskkDefinition"). */
function modelHas(shape: StructureShape, path: string): boolean {
  let current: Shape = shape;
  for (const segment of path.split(".")) {
    const name = segment.replace(/(\[\])+$/, "");
    if (current.kind === "map") current = current.value;
    else {
      if (current.kind !== "structure") return false;
      const member = current.members.get(name);
      if (!member) return false;
      current = member.shape;
    }
    for (let lists = (segment.match(/\[\]/g) ?? []).length; lists > 0; lists--) {
      if (current.kind !== "list") return false;
      current = current.member;
    }
  }
  return true;
}

interface World {
  server: TestServer;
  client: ECSClient;
  /** A fresh cluster for one example, named after it. */
  cluster(name: string, input?: Partial<ConstructorParameters<typeof CreateClusterCommand>[0]>): Promise<string>;
  /** A registered container instance in the cluster; its ARN. */
  instance(cluster: string, instanceId?: string): Promise<string>;
  /** sleep360: EC2, bridge, one container with a static host port. */
  ec2Family(family: string, extra?: Partial<RegisterTaskDefinitionCommandInput>): Promise<string>;
  /** A Fargate task definition (awsvpc, 256 CPU, 512 MiB). */
  fargateFamily(family: string, extra?: Partial<RegisterTaskDefinitionCommandInput>): Promise<string>;
  /** An Auto Scaling group provider with managed scaling (and draining). */
  provider(name: string): Promise<void>;
  /** An EXTERNAL service with one Fargate task set; the set's ARN. */
  externalWithTaskSet(cluster: string, service: string): Promise<string>;
  settle(): Promise<void>;
}

type Scenario = (world: World) => Promise<object>;

const fargateService = (cluster: string, serviceName: string, extra: Partial<CreateServiceCommandInput> = {}) =>
  new CreateServiceCommand({ cluster, serviceName, taskDefinition: "sample-fargate", desiredCount: 2, launchType: "FARGATE", platformVersion: "LATEST", networkConfiguration: NETWORK, ...extra });

/** A service as the update-service examples start from: Fargate, circuit breaker and alarms configured, running and steady. */
async function runningService(w: World, cluster: string, extra: Partial<CreateServiceCommandInput> = {}): Promise<void> {
  await w.cluster(cluster, { capacityProviders: ["FARGATE"] });
  await w.client.send(
    fargateService(cluster, "my-http-service", {
      desiredCount: 1,
      deploymentConfiguration: { deploymentCircuitBreaker: { enable: true, rollback: true }, alarms: { alarmNames: [], enable: false, rollback: false } },
      enableECSManagedTags: true,
      ...extra,
    }),
  );
  await w.settle();
}

const SCENARIOS: Readonly<Record<string, Scenario>> = {
  "capacity-provider-update.rst#1": async (w) => {
    await w.provider("update-me");
    return w.client.send(
      new UpdateCapacityProviderCommand({
        name: "update-me",
        autoScalingGroupProvider: {
          managedScaling: { status: "DISABLED", targetCapacity: 50, minimumScalingStepSize: 2, maximumScalingStepSize: 30, instanceWarmupPeriod: 200 },
          managedTerminationProtection: "DISABLED",
          managedDraining: "DISABLED",
        },
      }),
    );
  },
  "create-capacity-provider.rst#1": (w) =>
    w.client.send(new CreateCapacityProviderCommand({ name: "MyCapacityProvider", autoScalingGroupProvider: { autoScalingGroupArn: `${ASG}MyASG`, managedScaling: { status: "ENABLED", targetCapacity: 100 }, managedTerminationProtection: "ENABLED" } })),
  "create-cluster.rst#1": (w) => w.client.send(new CreateClusterCommand({ clusterName: "cc1", settings: [{ name: "containerInsights", value: "enhanced" }] })),
  "create-cluster.rst#2": async (w) => {
    await w.provider("cc2-p1");
    await w.provider("cc2-p2");
    return w.client.send(
      new CreateClusterCommand({
        clusterName: "cc2",
        capacityProviders: ["cc2-p1", "cc2-p2"],
        defaultCapacityProviderStrategy: [
          { capacityProvider: "cc2-p1", weight: 1 },
          { capacityProvider: "cc2-p2", weight: 1 },
        ],
      }),
    );
  },
  "create-cluster.rst#3": (w) => w.client.send(new CreateClusterCommand({ clusterName: "cc3", tags: [{ key: "key1", value: "value1" }, { key: "key2", value: "value2" }] })),
  "create-service.rst#1": async (w) => {
    await w.cluster("cs1");
    return w.client.send(fargateService("cs1", "MyService", { tags: [{ key: "key1", value: "value1" }, { key: "key2", value: "value2" }] }));
  },
  "create-service.rst#2": async (w) => {
    await w.cluster("cs2");
    return w.client.send(new CreateServiceCommand({ cluster: "cs2", serviceName: "ecs-simple-service", taskDefinition: "sleep360", desiredCount: 1 }));
  },
  "create-service.rst#3": async (w) => {
    await w.cluster("cs3");
    return w.client.send(new CreateServiceCommand({ cluster: "cs3", serviceName: "MyService", deploymentController: { type: "EXTERNAL" }, desiredCount: 1 }));
  },
  "create-service.rst#4": async (w) => {
    await w.cluster("cs4");
    return w.client.send(
      new CreateServiceCommand({ cluster: "cs4", serviceName: "ecs-simple-service-elb", taskDefinition: "sleep360", loadBalancers: [{ loadBalancerName: "EC2Contai-EcsElast-123456789012", containerName: "sleep", containerPort: 80 }], desiredCount: 10, role: "ecsServiceRole" }),
    );
  },
  "create-service.rst#5": async (w) => {
    await w.cluster("cs5");
    return w.client.send(fargateService("cs5", "ecs-simple-service-ebs", { platformVersion: undefined, volumeConfigurations: [EBS] }));
  },
  "create-task-set.rst#1": async (w) => {
    await w.cluster("cts");
    await w.client.send(new CreateServiceCommand({ cluster: "cts", serviceName: "MyService", deploymentController: { type: "EXTERNAL" }, desiredCount: 1 }));
    return w.client.send(new CreateTaskSetCommand({ cluster: "cts", service: "MyService", taskDefinition: "sample-fargate", launchType: "FARGATE", networkConfiguration: NETWORK }));
  },
  "delete-account-setting.rst#1": async (w) => {
    await w.client.send(new PutAccountSettingCommand({ name: "containerInsights", value: "enabled", principalArn: PRINCIPAL }));
    return w.client.send(new DeleteAccountSettingCommand({ name: "containerInsights", principalArn: PRINCIPAL }));
  },
  "delete-attributes.rst#1": async (w) => {
    await w.cluster("da");
    const targetId = await w.instance("da");
    await w.client.send(new PutAttributesCommand({ cluster: "da", attributes: [{ name: "stack", value: "production", targetId }] }));
    return w.client.send(new DeleteAttributesCommand({ cluster: "da", attributes: [{ name: "stack", targetId }] }));
  },
  "delete-capacity-provider.rst#1": async (w) => {
    await w.provider("ExampleCapacityProvider");
    return w.client.send(new DeleteCapacityProviderCommand({ capacityProvider: "arn:aws:ecs:us-east-1:000000000000:capacity-provider/ExampleCapacityProvider" }));
  },
  "delete-capacity-provider.rst#2": async (w) => {
    await w.provider("ExampleCapacityProvider2");
    return w.client.send(new DeleteCapacityProviderCommand({ capacityProvider: "ExampleCapacityProvider2" }));
  },
  "delete-cluster.rst#1": async (w) => {
    await w.cluster("dc");
    return w.client.send(new DeleteClusterCommand({ cluster: "dc" }));
  },
  "delete-task-definitions.rst#1": async (w) => {
    const arn = await w.ec2Family("curltest", {
      taskRoleArn: "arn:aws:iam::000000000000:role/ecsTaskRole",
      executionRoleArn: "arn:aws:iam::000000000000:role/ecsTaskExecutionRole",
      networkMode: "awsvpc",
      requiresCompatibilities: ["FARGATE"],
      cpu: "256",
      memory: "512",
      containerDefinitions: [
        {
          name: "curltest",
          image: "curlimages/curl",
          cpu: 0,
          portMappings: [],
          essential: true,
          entryPoint: ["sh", "-c"],
          command: ["curl ${ECS_CONTAINER_METADATA_URI_V4}/task"],
          environment: [],
          mountPoints: [],
          volumesFrom: [],
          logConfiguration: { logDriver: "awslogs", options: { "awslogs-create-group": "true", "awslogs-group": "/ecs/curltest", "awslogs-region": "us-east-1", "awslogs-stream-prefix": "ecs" } },
        },
      ],
    });
    await w.client.send(new DeregisterTaskDefinitionCommand({ taskDefinition: arn }));
    return w.client.send(new DeleteTaskDefinitionsCommand({ taskDefinitions: [arn] }));
  },
  "delete-task-set.rst#1": async (w) => {
    const taskSet = await w.externalWithTaskSet("dts", "MyService");
    return w.client.send(new DeleteTaskSetCommand({ cluster: "dts", service: "MyService", taskSet, force: true }));
  },
  "deregister-container-instance.rst#1": async (w) => {
    await w.cluster("dci");
    const containerInstance = await w.instance("dci");
    return w.client.send(new DeregisterContainerInstanceCommand({ cluster: "dci", containerInstance, force: true }));
  },
  "describe-capacity-providers.rst#1": async (w) => {
    await w.provider("MyCapacityProvider-d1");
    return w.client.send(new DescribeCapacityProvidersCommand({}));
  },
  "describe-capacity-providers.rst#2": async (w) => {
    await w.client.send(new CreateCapacityProviderCommand({ name: "MyCapacityProvider-d2", autoScalingGroupProvider: { autoScalingGroupArn: `${ASG}d2`, managedScaling: { status: "ENABLED" } }, tags: [{ key: "environment", value: "production" }] }));
    return w.client.send(new DescribeCapacityProvidersCommand({ capacityProviders: ["MyCapacityProvider-d2"], include: ["TAGS"] }));
  },
  "describe-clusters.rst#1": async (w) => {
    await w.cluster("default");
    return w.client.send(new DescribeClustersCommand({ clusters: ["default"] }));
  },
  "describe-clusters.rst#2": async (w) => {
    await w.provider("sampleCapacityProvider");
    await w.cluster("sampleCluster", { capacityProviders: ["sampleCapacityProvider"] });
    return w.client.send(new DescribeClustersCommand({ clusters: ["sampleCluster"], include: ["ATTACHMENTS"] }));
  },
  "describe-container-instances.rst#1": async (w) => {
    await w.cluster("update");
    const instance = await w.instance("update");
    return w.client.send(new DescribeContainerInstancesCommand({ cluster: "update", containerInstances: [instance.split("/").pop() ?? ""] }));
  },
  "describe-service-deployments.rst#1": async (w) => {
    await runningService(w, "dsd");
    const service = (await w.client.send(new DescribeServicesCommand({ cluster: "dsd", services: ["my-http-service"] }))).services?.[0];
    return w.client.send(new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [service?.currentServiceDeployment ?? ""] }));
  },
  "describe-service-revisions.rst#1": async (w) => {
    await runningService(w, "dsr", { launchType: undefined, capacityProviderStrategy: [{ capacityProvider: "FARGATE", weight: 1, base: 0 }], platformVersion: "1.4.0" });
    const service = (await w.client.send(new DescribeServicesCommand({ cluster: "dsr", services: ["my-http-service"] }))).services?.[0];
    return w.client.send(new DescribeServiceRevisionsCommand({ serviceRevisionArns: [service?.currentServiceRevisions?.[0]?.arn ?? ""] }));
  },
  "describe-services.rst#1": async (w) => {
    await w.instance("default", "i-default-services");
    await w.client.send(new CreateServiceCommand({ serviceName: "my-http-service", taskDefinition: "amazon-ecs-sample", desiredCount: 1 }));
    await w.settle();
    return w.client.send(new DescribeServicesCommand({ services: ["my-http-service"] }));
  },
  "describe-task-definition.rst#1": async (w) => {
    await w.ec2Family("hello_world", {
      containerDefinitions: [
        { name: "wordpress", image: "wordpress", cpu: 10, memory: 500, links: ["mysql"], portMappings: [{ containerPort: 80, hostPort: 80 }], essential: true },
        { name: "mysql", image: "mysql", cpu: 10, memory: 500, environment: [{ name: "MYSQL_ROOT_PASSWORD", value: "password" }], essential: true },
      ],
    });
    return w.client.send(new DescribeTaskDefinitionCommand({ taskDefinition: "hello_world:1" }));
  },
  "describe-task-sets.rst#1": async (w) => {
    const taskSet = await w.externalWithTaskSet("dtss", "MyService");
    return w.client.send(new DescribeTaskSetsCommand({ cluster: "dtss", service: "MyService", taskSets: [taskSet] }));
  },
  "describe-tasks.rst#1": async (w) => {
    await w.cluster("MyCluster-t1");
    await w.instance("MyCluster-t1");
    await w.client.send(new CreateServiceCommand({ cluster: "MyCluster-t1", serviceName: "testupdate", taskDefinition: "console-sample-app-static2", desiredCount: 1 }));
    await w.settle();
    const tasks = (await w.client.send(new ListTasksCommand({ cluster: "MyCluster-t1" }))).taskArns ?? [];
    return w.client.send(new DescribeTasksCommand({ cluster: "MyCluster-t1", tasks }));
  },
  "describe-tasks.rst#2": async (w) => {
    await w.cluster("MyCluster-t2");
    await w.client.send(fargateService("MyCluster-t2", "tdsevicetag", { taskDefinition: "webserver" }));
    await w.settle();
    const tasks = ((await w.client.send(new ListTasksCommand({ cluster: "MyCluster-t2" }))).taskArns ?? []).map((arn) => arn.split("/").pop() ?? "");
    return w.client.send(new DescribeTasksCommand({ cluster: "MyCluster-t2", tasks }));
  },
  "get-task-protection.rst#1": async (w) => {
    await w.cluster("gtp");
    await w.client.send(fargateService("gtp", "protected", { desiredCount: 1 }));
    await w.settle();
    const tasks = (await w.client.send(new ListTasksCommand({ cluster: "gtp" }))).taskArns ?? [];
    return w.client.send(new GetTaskProtectionCommand({ cluster: "gtp", tasks }));
  },
  "list-account-settings.rst#1": (w) => w.client.send(new ListAccountSettingsCommand({ effectiveSettings: true })),
  "list-account-settings.rst#2": async (w) => {
    await w.client.send(new PutAccountSettingCommand({ name: "serviceLongArnFormat", value: "enabled", principalArn: PRINCIPAL }));
    return w.client.send(new ListAccountSettingsCommand({ principalArn: PRINCIPAL }));
  },
  "list-attributes.rst#1": async (w) => {
    await w.cluster("default");
    const targetId = await w.instance("default", "i-attrs");
    await w.client.send(new PutAttributesCommand({ attributes: [{ name: "stack", value: "production", targetId }] }));
    return w.client.send(new ListAttributesCommand({ targetType: "container-instance", attributeName: "stack", attributeValue: "production", cluster: "default" }));
  },
  "list-clusters.rst#1": (w) => w.client.send(new ListClustersCommand({})),
  "list-container-instances.rst#1": async (w) => {
    await w.cluster("lci");
    await w.instance("lci");
    return w.client.send(new ListContainerInstancesCommand({ cluster: "lci" }));
  },
  "list-service-deployments.rst#1": async (w) => {
    await runningService(w, "lsd");
    // The example names the service by its ARN alone: the cluster is the ARN's.
    return w.client.send(new ListServiceDeploymentsCommand({ service: "arn:aws:ecs:us-east-1:000000000000:service/lsd/my-http-service" }));
  },
  "list-services-by-namespace.rst#1": (w) => w.client.send(new ListServicesByNamespaceCommand({ namespace: "service-connect" })),
  "list-services.rst#1": async (w) => {
    await w.cluster("ls");
    await w.client.send(new CreateServiceCommand({ cluster: "ls", serviceName: "listed", taskDefinition: "sleep360" }));
    return w.client.send(new ListServicesCommand({ cluster: "ls" }));
  },
  "list-tags-for-resource.rst#1": async (w) => {
    const arn = await w.cluster("ltfr", { tags: [{ key: "key1", value: "value1" }] });
    return w.client.send(new ListTagsForResourceCommand({ resourceArn: arn }));
  },
  "list-task-definition-families.rst#1": (w) => w.client.send(new ListTaskDefinitionFamiliesCommand({})),
  "list-task-definition-families.rst#2": async (w) => {
    await w.ec2Family("hpcc");
    return w.client.send(new ListTaskDefinitionFamiliesCommand({ familyPrefix: "hpcc" }));
  },
  "list-task-definitions.rst#1": (w) => w.client.send(new ListTaskDefinitionsCommand({})),
  "list-task-definitions.rst#2": async (w) => {
    await w.ec2Family("wordpress");
    return w.client.send(new ListTaskDefinitionsCommand({ familyPrefix: "wordpress" }));
  },
  "list-tasks.rst#1": async (w) => {
    await w.instance("default", "i-list-tasks");
    await w.client.send(new RunTaskCommand({ taskDefinition: "sleep360" }));
    return w.client.send(new ListTasksCommand({ cluster: "default" }));
  },
  "list-tasks.rst#2": async (w) => {
    const instance = await w.instance("default", "i-list-tasks-2");
    await w.client.send(new StartTaskCommand({ taskDefinition: "sleep360", containerInstances: [instance] }));
    return w.client.send(new ListTasksCommand({ cluster: "default", containerInstance: instance.split("/").pop() }));
  },
  "put-account-setting-default.rst#1": (w) => w.client.send(new PutAccountSettingDefaultCommand({ name: "serviceLongArnFormat", value: "enabled" })),
  "put-account-setting.rst#1": (w) => w.client.send(new PutAccountSettingCommand({ name: "containerInsights", value: "enhanced" })),
  "put-account-settings.rst#1": (w) => w.client.send(new PutAccountSettingCommand({ name: "serviceLongArnFormat", value: "enabled", principalArn: PRINCIPAL })),
  "put-attributes.rst#1": async (w) => {
    await w.cluster("pa");
    const targetId = await w.instance("pa");
    return w.client.send(new PutAttributesCommand({ cluster: "pa", attributes: [{ name: "stack", value: "production", targetId }] }));
  },
  "put-cluster-capacity-providers.rst#1": async (w) => {
    await w.provider("pccp-1");
    await w.provider("pccp-2");
    await w.cluster("pccp");
    return w.client.send(
      new PutClusterCapacityProvidersCommand({
        cluster: "pccp",
        capacityProviders: ["pccp-1", "pccp-2"],
        defaultCapacityProviderStrategy: [
          { capacityProvider: "pccp-1", weight: 1 },
          { capacityProvider: "pccp-2", weight: 1 },
        ],
      }),
    );
  },
  "put-cluster-capacity-providers.rst#3": async (w) => {
    await w.provider("pccp3-1");
    await w.cluster("pccp3", { capacityProviders: ["pccp3-1"] });
    return w.client.send(new PutClusterCapacityProvidersCommand({ cluster: "pccp3", capacityProviders: [], defaultCapacityProviderStrategy: [] }));
  },
  "register-task-definition.rst#1": (w) =>
    w.client.send(new RegisterTaskDefinitionCommand({ family: "sleep360-register", containerDefinitions: [{ name: "sleep", image: "busybox", cpu: 10, command: ["sleep", "360"], memory: 10, essential: true }] })),
  "run-task.rst#1": async (w) => {
    await w.provider("example-capacity-provider");
    await w.cluster("rt1", { capacityProviders: ["example-capacity-provider"], defaultCapacityProviderStrategy: [{ capacityProvider: "example-capacity-provider", weight: 1 }] });
    await w.instance("rt1");
    return w.client.send(new RunTaskCommand({ cluster: "rt1", taskDefinition: "sleep360:1", clientToken: "550e8400-e29b-41d4-a716-446655440000" }));
  },
  "run-task.rst#2": async (w) => {
    await w.cluster("rt2");
    return w.client.send(new RunTaskCommand({ cluster: "rt2", taskDefinition: "sample-fargate", launchType: "FARGATE", networkConfiguration: NETWORK, volumeConfigurations: [{ name: "myEBSVolume", managedEBSVolume: { ...EBS.managedEBSVolume, encrypted: true } }] }));
  },
  "start-task.rst#1": async (w) => {
    const instance = await w.instance("default", "i-start-1");
    return w.client.send(new StartTaskCommand({ taskDefinition: "sleep360", containerInstances: [instance.split("/").pop() ?? ""] }));
  },
  "start-task.rst#2": async (w) => {
    await w.cluster("st2");
    const instance = await w.instance("st2");
    return w.client.send(new StartTaskCommand({ cluster: "st2", taskDefinition: "ebs-awsvpc", networkConfiguration: NETWORK, containerInstances: [instance] }));
  },
  "stop-task.rst#1": async (w) => {
    const instance = await w.instance("default", "i-stop");
    await w.ec2Family("fails", { containerDefinitions: [{ name: "sleep", image: "busybox", memory: 10, environment: [{ name: "ECSLITE_FAULT_FAIL_TO_START", value: "true" }] }] });
    const task = (await w.client.send(new StartTaskCommand({ taskDefinition: "fails", containerInstances: [instance] }))).tasks?.[0]?.taskArn ?? "";
    await w.settle();
    return w.client.send(new StopTaskCommand({ task }));
  },
  "update-cluster-settings.rst#1": async (w) => {
    await w.cluster("ucs");
    return w.client.send(new UpdateClusterSettingsCommand({ cluster: "ucs", settings: [{ name: "containerInsights", value: "enhanced" }] }));
  },
  "update-cluster.rst#1": async (w) => {
    await w.provider("uc1-provider");
    await w.cluster("uc1", { capacityProviders: ["uc1-provider"], defaultCapacityProviderStrategy: [{ capacityProvider: "uc1-provider", weight: 1 }], serviceConnectDefaults: { namespace: "test" } });
    return w.client.send(new UpdateClusterCommand({ cluster: "uc1", settings: [{ name: "containerInsights", value: "enabled" }] }));
  },
  "update-cluster.rst#2": async (w) => {
    await w.provider("uc2-provider");
    await w.cluster("uc2", { capacityProviders: ["uc2-provider"], defaultCapacityProviderStrategy: [{ capacityProvider: "uc2-provider", weight: 1 }], settings: [{ name: "containerInsights", value: "enabled" }] });
    return w.client.send(new UpdateClusterCommand({ cluster: "uc2", serviceConnectDefaults: { namespace: "test" } }));
  },
  "update-container-instances-state.rst#1": async (w) => {
    const instance = await w.instance("default", "i-drain");
    return w.client.send(new UpdateContainerInstancesStateCommand({ containerInstances: [instance.split("/").pop() ?? ""], status: "DRAINING" }));
  },
  "update-service-primary-task-set.rst#1": async (w) => {
    const taskSet = await w.externalWithTaskSet("uspts", "MyService");
    return w.client.send(new UpdateServicePrimaryTaskSetCommand({ cluster: "uspts", service: "MyService", primaryTaskSet: taskSet }));
  },
  "update-service.rst#1": async (w) => {
    await runningService(w, "us1");
    return w.client.send(new UpdateServiceCommand({ cluster: "us1", service: "my-http-service", taskDefinition: "amazon-ecs-sample-fargate" }));
  },
  "update-service.rst#2": async (w) => {
    await runningService(w, "us2", { launchType: undefined, capacityProviderStrategy: [{ capacityProvider: "FARGATE", weight: 1 }] });
    return w.client.send(new UpdateServiceCommand({ cluster: "us2", service: "my-http-service", desiredCount: 2 }));
  },
  "update-service.rst#3": async (w) => {
    await runningService(w, "us3");
    return w.client.send(new UpdateServiceCommand({ cluster: "us3", service: "my-http-service", taskDefinition: "sample-fargate", volumeConfigurations: [EBS], desiredCount: 2 }));
  },
  "update-service.rst#4": async (w) => {
    await runningService(w, "us4", { volumeConfigurations: [EBS] });
    return w.client.send(new UpdateServiceCommand({ cluster: "us4", service: "my-http-service", taskDefinition: "sample-fargate", desiredCount: 2, volumeConfigurations: [] }));
  },
  "update-service.rst#5": async (w) => {
    await runningService(w, "us5", { launchType: undefined, capacityProviderStrategy: [{ capacityProvider: "FARGATE", weight: 1 }], availabilityZoneRebalancing: "DISABLED" });
    return w.client.send(new UpdateServiceCommand({ cluster: "us5", service: "my-http-service", availabilityZoneRebalancing: "ENABLED" }));
  },
  "update-task-protection.rst#1": async (w) => {
    await w.cluster("utp1");
    await w.client.send(fargateService("utp1", "protected", { desiredCount: 1 }));
    await w.settle();
    const tasks = (await w.client.send(new ListTasksCommand({ cluster: "utp1" }))).taskArns ?? [];
    return w.client.send(new UpdateTaskProtectionCommand({ cluster: "utp1", tasks, protectionEnabled: true, expiresInMinutes: 300 }));
  },
  "update-task-protection.rst#2": async (w) => {
    await w.cluster("utp2");
    await w.client.send(fargateService("utp2", "protected", { desiredCount: 1 }));
    await w.settle();
    const tasks = (await w.client.send(new ListTasksCommand({ cluster: "utp2" }))).taskArns ?? [];
    return w.client.send(new UpdateTaskProtectionCommand({ cluster: "utp2", tasks, protectionEnabled: false }));
  },
  "update-task-set.rst#1": async (w) => {
    const taskSet = await w.externalWithTaskSet("uts", "MyService");
    return w.client.send(new UpdateTaskSetCommand({ cluster: "uts", service: "MyService", taskSet, scale: { value: 50, unit: "PERCENT" } }));
  },
};

describe("outputs in the richest form AWS documents them", () => {
  let server: TestServer;
  let world: World;
  const shown = { expected: 0, present: 0 };
  before(async () => {
    server = await startTestServer();
    const client = server.client();
    const register = async (family: string, input: Partial<RegisterTaskDefinitionCommandInput>) =>
      (await client.send(new RegisterTaskDefinitionCommand({ family, containerDefinitions: [], ...input }))).taskDefinition?.taskDefinitionArn ?? "";
    world = {
      server,
      client,
      async cluster(name, input = {}) {
        return (await client.send(new CreateClusterCommand({ clusterName: name, ...input }))).cluster?.clusterArn ?? "";
      },
      async instance(cluster, instanceId) {
        const id = instanceId ?? `i-${cluster.toLowerCase().replace(/[^a-z0-9]/g, "")}`;
        const document = JSON.stringify({ instanceId: id, availabilityZone: "us-east-1b", instanceType: "c5.xlarge" });
        return (await client.send(new RegisterContainerInstanceCommand({ cluster, instanceIdentityDocument: document }))).containerInstance?.containerInstanceArn ?? "";
      },
      ec2Family: (family, extra = {}) =>
        register(family, { containerDefinitions: [{ name: "sleep", image: "busybox", cpu: 10, memory: 10, command: ["sleep", "360"], essential: true, portMappings: [{ containerPort: 80, hostPort: 80 }] }], ...extra }),
      fargateFamily: (family, extra = {}) =>
        register(family, { requiresCompatibilities: ["FARGATE"], networkMode: "awsvpc", cpu: "256", memory: "512", containerDefinitions: [{ name: "web", image: "nginx", portMappings: [{ containerPort: 80 }] }], ...extra }),
      async provider(name) {
        await client.send(new CreateCapacityProviderCommand({ name, autoScalingGroupProvider: { autoScalingGroupArn: `${ASG}${name}`, managedScaling: { status: "ENABLED", targetCapacity: 100 } } }));
      },
      async externalWithTaskSet(cluster, service) {
        await world.cluster(cluster);
        await client.send(new CreateServiceCommand({ cluster, serviceName: service, deploymentController: { type: "EXTERNAL" }, desiredCount: 1 }));
        const created = await client.send(new CreateTaskSetCommand({ cluster, service, taskDefinition: "sample-fargate", launchType: "FARGATE", networkConfiguration: NETWORK, scale: { value: 100, unit: "PERCENT" } }));
        return created.taskSet?.taskSetArn ?? "";
      },
      settle: () => server.settle(),
    };
    await world.cluster("default");
    for (const family of ["sleep360", "console-sample-app-static2", "amazon-ecs-sample"]) await world.ec2Family(family);
    for (const family of ["sample-fargate", "amazon-ecs-sample-fargate"]) await world.fargateFamily(family);
    await world.fargateFamily("webserver", { containerDefinitions: [{ name: "web", image: "nginx", cpu: 99, memory: 100, portMappings: [{ containerPort: 80 }] }] });
    await register("ebs-awsvpc", { networkMode: "awsvpc", containerDefinitions: [{ name: "container-using-ebs", image: "amazonlinux:2", memory: 256 }] });
  });
  after(() => server.close());

  const served = AWSCLI_ECS_OUTPUTS.filter((example) => Object.prototype.hasOwnProperty.call(handlers, example.operation));

  for (const example of served) {
    it(`${example.source} (${example.operation})`, async () => {
      const scenario = SCENARIOS[example.source];
      assert.ok(scenario, `no scenario for ${example.source}: add one to test/documentedOutputs.test.ts, calling ${example.operation} in the example's form`);
      const output = await scenario(world);
      const shape = ecsModel().operations.get(example.operation)?.output;
      assert.ok(shape);
      const exempt = new Set(NOT_SIMULATED[example.source] ?? []);
      const expected = example.paths.filter((p) => modelHas(shape, p) && !exempt.has(p));
      const have = keyPaths(output);
      const missing = expected.filter((p) => !have.has(p));
      shown.expected += expected.length;
      shown.present += expected.length - missing.length;
      assert.deepEqual(missing, [], `members AWS's ${example.source} output shows and ecslite's lacks`);
    });
  }

  it("the AWS CLI, as its examples run: create-service, run-task and describe-clusters answer every member shown", { skip: withoutAwsCli }, async () => {
    await world.cluster("cli-cs");
    await world.cluster("cli-rt");
    await world.provider("cli-provider");
    await world.cluster("cli-sample", { capacityProviders: ["cli-provider"] });
    const network = "awsvpcConfiguration={subnets=[subnet-12344321],securityGroups=[sg-12344321],assignPublicIp=ENABLED}";
    const runs: [string, string[]][] = [
      [
        "create-service.rst#1",
        ["create-service", "--cluster", "cli-cs", "--service-name", "MyService", "--task-definition", "sample-fargate:1", "--desired-count", "2", "--launch-type", "FARGATE", "--platform-version", "LATEST", "--network-configuration", network, "--tags", "key=key1,value=value1", "key=key2,value=value2"],
      ],
      ["run-task.rst#2", ["run-task", "--cluster", "cli-rt", "--task-definition", "sample-fargate", "--launch-type", "FARGATE", "--network-configuration", network]],
      ["describe-clusters.rst#2", ["describe-clusters", "--include", "ATTACHMENTS", "--clusters", "cli-sample"]],
    ];
    const answers = await Promise.all(runs.map(([, args]) => awsEcs(server, args)));
    runs.forEach(([source], i) => {
      const example = AWSCLI_ECS_OUTPUTS.find((e) => e.source === source);
      const shape = example && ecsModel().operations.get(example.operation)?.output;
      assert.ok(example && shape, source);
      assert.equal(answers[i].error, undefined, `${source}: ${answers[i].error}`);
      const have = keyPaths(answers[i].output);
      const expected = example.paths.filter((p) => modelHas(shape, p));
      assert.deepEqual(expected.filter((p) => !have.has(p)), [], `members AWS's ${source} output shows and the AWS CLI did not print`);
    });
  });

  it("every example of a served operation has a scenario, and the report of what is covered", (t) => {
    assert.deepEqual(Object.keys(SCENARIOS).filter((source) => !served.some((e) => e.source === source)), [], "scenarios for examples that no longer exist");
    const unserved = AWSCLI_ECS_OUTPUTS.filter((e) => !served.includes(e)).map((e) => e.operation);
    t.diagnostic(`documented key paths present: ${shown.present}/${shown.expected}; examples of operations ecslite does not serve: ${[...new Set(unserved)].join(", ") || "none"}`);
  });
});
