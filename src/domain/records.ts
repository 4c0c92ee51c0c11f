// What the store keeps for each kind of resource: the ECS object as it goes on the wire, plus the
// few things ECS tracks but does not return.
import type { CapacityProvider, Cluster, ContainerInstance, Service, ServiceDeployment, ServiceRevision, Setting, Tag, Task, TaskDefinition, TaskSet } from "@aws-sdk/client-ecs";
import type {
  Listener,
  LoadBalancer,
  LoadBalancerAttribute,
  Rule,
  Tag as ElbTag,
  TargetDescription,
  TargetGroup,
  TargetGroupAttribute,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import type { Wire } from "../protocol/wire";
import type { DeploymentProgress } from "./deploymentMachine";
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
  /** Service deployments a newer one superseded (STOP_REQUESTED), which the next reconcile stops. */
  supersededDeployments?: string[];
  /** What starting a deployment needs of the ones before it, without reading them all (ECS controller). */
  deploymentHistory?: DeploymentHistory;
}

/**
 * A service's deployment history in brief: the sequence of its newest deployment, and a time before
 * which none of its deployments can be old enough to forget (epoch ms). Absent on services stored
 * before it was kept: the next deployment reads the history once.
 */
export interface DeploymentHistory {
  lastSequence: number;
  forgetCheckAt: number;
}

/** A service revision: the configuration one deployment deploys. Never changes once written. */
export interface ServiceRevisionRecord {
  revision: Wire<ServiceRevision>;
}

/** The requested, running and pending tasks of one revision, as last observed. */
export interface RevisionCounts {
  requested: number;
  running: number;
  pending: number;
}

/**
 * A service deployment: what it deploys (its target revision) over what (its source revisions, the
 * one serving production traffic first), its progress through the one state machine
 * (src/domain/deploymentMachine.ts), and the counts of each revision. DescribeServiceDeployments
 * and ListServiceDeployments are views of it (src/domain/serviceDeploymentViews.ts).
 */
export interface ServiceDeploymentRecord {
  /** The members that never change: ARNs, createdAt, the deploymentConfiguration it runs with. */
  deployment: Wire<ServiceDeployment>;
  targetRevisionArn: string;
  sourceRevisionArns: string[];
  counts: Record<string, RevisionCounts>;
  progress: DeploymentProgress;
  /** Epoch ms of the last change. */
  updatedAt: number;
  /** The service's deployments in the order they were created (createdAt may tie on a virtual clock). */
  sequence: number;
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
  /** Its load balancer targets fail their health checks (ECSLITE_FAULT_TARGET_UNHEALTHY). */
  targetUnhealthy?: boolean;
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
  /**
   * A STOPPED task no reconcile needs again (it did not fail): kept only to be described and listed
   * until forgetAt, filed apart from live tasks so that reconciles and placement never read it.
   */
  retired?: boolean;
  /**
   * A service's task: its launch's number in its owner's run of failed launches (absent: 1), which
   * the restart throttle reads (src/domain/restartThrottle.ts).
   */
  launchAttempt?: number;
  /** Scale-in protection (UpdateTaskProtection): the scheduler does not pick this task as surplus until it expires. */
  protectedUntil?: number;
  /** Host ports the task holds on its instance (bridge and host modes), chosen at placement; its containers show them as networkBindings once running. */
  hostPorts?: HostPortBinding[];
  /** Load balancer targets registered for this task (src/coupling/ecsLoadBalancing.ts): their groups and target row keys. */
  targets?: { targetGroupArn: string; key: string }[];
  /** Epoch ms when this task's deregistered targets finish draining; it waits in DEACTIVATING until then. */
  targetsDrainedAt?: number;
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

// Elastic Load Balancing v2. Objects are kept as ELB returns them (PascalCase members).

export interface LoadBalancerRecord {
  loadBalancer: Wire<LoadBalancer>;
  attributes: Wire<LoadBalancerAttribute>[];
  tags: ElbTag[];
}

export interface TargetGroupRecord {
  /** Its LoadBalancerArns are those of the listeners and rules in `usedBy`. */
  targetGroup: Wire<TargetGroup>;
  attributes: Wire<TargetGroupAttribute>[];
  tags: ElbTag[];
  /** The listeners and rules whose actions forward to this group. */
  usedBy: string[];
  /** Epoch ms since which some listener or rule has routed to the group (health checks run from then). */
  routedSince?: number;
}

export interface ListenerRecord {
  listener: Wire<Listener>;
  tags: ElbTag[];
}

export interface ListenerRuleRecord {
  rule: Wire<Rule>;
  tags: ElbTag[];
}

/** A target registered in a target group; its health is derived from these facts and the clock. */
export interface TargetRecord {
  /** The row key: `<target group arn>#<id>:<port>`. */
  key: string;
  targetGroupArn: string;
  target: Wire<TargetDescription>;
  /** Epoch ms of (the latest) registration. */
  registeredAt: number;
  /** Epoch ms of deregistration; the target drains until `drainedAt`. */
  deregisteredAt?: number;
  drainedAt?: number;
  /** The ECS task this target belongs to, when ECS registered it. */
  taskArn?: string;
  /** The target fails its health checks (ECSLITE_FAULT_TARGET_UNHEALTHY on the task's container). */
  failsHealthChecks?: boolean;
}

/** One committed transaction's ECS events (src/events/): the backlog the event stream reads. */
export type EventBatchRecord = {
  /** "events/<lastSeq, zero-padded>": batches sort by the last sequence number they hold. */
  arn: string;
  firstSeq: number;
  lastSeq: number;
} & (
  | {
      /** When the transaction committed (epoch ms): every event's time. */
      time: number;
      /** The events in order, numbered from firstSeq, in their compact form (events/backlog.ts renders them). */
      entries: BacklogEntry[];
    }
  | {
      /** Batches written before the compact form (an older data directory): the events in full. */
      events: StoredEvent[];
    }
);

/**
 * An event as the backlog keeps it. A task state change keeps the task's snapshot (the fields its
 * detail carries, as the task held them: timestamps in epoch seconds), packed against the batch's
 * task event before it (events/compact.ts: `same` marks the fields equal to that one's), from which
 * its envelope and detail are rendered when read; the rarer events keep envelope and detail as they are.
 */
export type BacklogEntry = { id: string; task: TaskSnapshot; same?: number } | { id: string; event: EventContent };

/** The fields of a task its state change event carries, unconverted (events/detail.ts, taskSnapshot). */
export type TaskSnapshot = Readonly<Record<string, unknown>> & { readonly taskArn?: string; readonly clusterArn?: string };

/** What an event says, without its place in the backlog (number, id and time). */
export type EventContent = Omit<StoredEvent, "seq" | "id" | "time">;

/** An ECS event as readers see it: EventBridge's envelope fields and the detail, ready to send. */
export interface StoredEvent {
  seq: number;
  id: string;
  detailType: string;
  account: string;
  region: string;
  /** Epoch ms. */
  time: number;
  resources: string[];
  /** The cluster the event is about, for filtering. */
  clusterArn: string;
  detail: Record<string, unknown>;
}

/** A small row per batch, with only its numbers: the oldest batches are found without reading their events. */
export interface EventMarkRecord {
  /** The same key as its batch's. */
  arn: string;
  firstSeq: number;
  lastSeq: number;
}

/** A sequence number kept in the store: the last event written, how far delivery has got. */
export interface EventCursorRecord {
  arn: string;
  seq: number;
}

export interface Records {
  cluster: ClusterRecord;
  taskDefinition: TaskDefinitionRecord;
  service: ServiceRecord;
  taskSet: TaskSetRecord;
  serviceRevision: ServiceRevisionRecord;
  serviceDeployment: ServiceDeploymentRecord;
  task: TaskRecord;
  containerInstance: ContainerInstanceRecord;
  capacityProvider: CapacityProviderRecord;
  accountSetting: AccountSettingRecord;
  loadBalancer: LoadBalancerRecord;
  targetGroup: TargetGroupRecord;
  listener: ListenerRecord;
  listenerRule: ListenerRuleRecord;
  target: TargetRecord;
  eventBatch: EventBatchRecord;
  eventMark: EventMarkRecord;
  eventCursor: EventCursorRecord;
}
