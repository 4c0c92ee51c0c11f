// What the store keeps for each kind of resource: the ECS object as it goes on the wire, plus the
// few things ECS tracks but does not return.
import type { CapacityProvider, Cluster, ContainerInstance, Service, Setting, Tag, Task, TaskDefinition, TaskSet } from "@aws-sdk/client-ecs";
import type { Wire } from "../protocol/wire";
import type { EventPacing } from "./eventPacing";
import type { AttachmentsInProgress } from "./clusterAttachments";
import type { HostPortBinding } from "./ports";

export interface ClusterRecord {
  cluster: Wire<Cluster>;
  /** The latest change of the cluster's attachments, shown in progress until it settles. */
  attachmentsInProgress?: AttachmentsInProgress;
}

export interface TaskDefinitionRecord {
  taskDefinition: Wire<TaskDefinition>;
  tags: Wire<Tag>[];
}

export interface ServiceRecord {
  service: Wire<Service>;
  clientToken?: string;
  /** Epoch ms at which the scheduler must reconcile this service, if it must. */
  reconcileAt?: number;
  /** When each repeated service event (steady state, unable to place, ...) was last written: ECS's pacing. */
  eventPacing?: EventPacing;
}

export interface TaskSetRecord {
  taskSet: Wire<TaskSet>;
  clientToken?: string;
  /** Epoch ms at which the scheduler must reconcile this task set, if it must. */
  reconcileAt?: number;
}

/** Test-only faults a task definition can ask for (see docs/faults.md). */
export interface TaskFaults {
  failToStart?: boolean;
  unhealthy?: boolean;
  exitAfterSeconds?: number;
}

export interface TaskRecord {
  task: Wire<Task>;
  /** The task set or service whose desired count this task counts towards; "" for RunTask/StartTask. */
  owner: string;
  faults?: TaskFaults;
  /** Epoch ms of the task's next lifecycle step, if one is pending. */
  nextStepAt?: number;
  /** Epoch ms after which a STOPPED task is forgotten. */
  forgetAt?: number;
  /** Scale-in protection (UpdateTaskProtection): the scheduler does not pick this task as surplus until it expires. */
  protectedUntil?: number;
  /** Host ports the task holds on its instance (bridge and host modes), chosen at placement; its containers show them as networkBindings once running. */
  hostPorts?: HostPortBinding[];
}

export interface ContainerInstanceRecord {
  containerInstance: Wire<ContainerInstance>;
  /** An agent update (UpdateContainerAgent): shown PENDING with the old version until it settles (epoch ms). */
  agentUpdate?: { settlesAt: number; fromVersion: Wire<ContainerInstance>["versionInfo"] };
}

export interface CapacityProviderRecord {
  capacityProvider: Wire<CapacityProvider>;
  /** Epoch ms from which a deleted provider shows INACTIVE (until then ACTIVE, DELETE_IN_PROGRESS). */
  deletedAt?: number;
}

export interface AccountSettingRecord {
  /** A key in ARN form: arn:aws:ecs:<region>:<account>:setting/<name>/<principal, encoded>. */
  arn: string;
  setting: Wire<Setting>;
}

export interface Records {
  cluster: ClusterRecord;
  taskDefinition: TaskDefinitionRecord;
  service: ServiceRecord;
  taskSet: TaskSetRecord;
  task: TaskRecord;
  containerInstance: ContainerInstanceRecord;
  capacityProvider: CapacityProviderRecord;
  accountSetting: AccountSettingRecord;
}
