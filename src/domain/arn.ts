// ECS ARNs in the long format, and the names inside them.

export interface Scope {
  readonly account: string;
  readonly region: string;
}

export function scopeKey(scope: Scope): string {
  return `${scope.account}/${scope.region}`;
}

const ANY_SERVICE_ARN = /^arn:aws[a-z-]*:[a-z0-9-]+:([a-z0-9-]+):(\d{12}):./;

/** The account and region of an ARN of any service (ECS, Elastic Load Balancing), or undefined. */
export function scopeOfAnyArn(arn: string): Scope | undefined {
  const m = ANY_SERVICE_ARN.exec(arn);
  return m ? { region: m[1], account: m[2] } : undefined;
}

/** The account and region an ARN belongs to (empty when it is not one). */
export function scopeOfArn(arn: string): Scope {
  return scopeOfAnyArn(arn) ?? { account: "", region: "" };
}

const prefix = (s: Scope) => `arn:aws:ecs:${s.region}:${s.account}:`;

export const arns = {
  cluster: (s: Scope, cluster: string) => `${prefix(s)}cluster/${cluster}`,
  service: (s: Scope, cluster: string, service: string) => `${prefix(s)}service/${cluster}/${service}`,
  /** The short (pre-2021) form, which ECS still uses to name a service it did not find by bare name. */
  shortService: (s: Scope, service: string) => `${prefix(s)}service/${service}`,
  taskSet: (s: Scope, cluster: string, service: string, id: string) => `${prefix(s)}task-set/${cluster}/${service}/${id}`,
  taskDefinition: (s: Scope, family: string, revision: number) => `${prefix(s)}task-definition/${family}:${revision}`,
  task: (s: Scope, cluster: string, id: string) => `${prefix(s)}task/${cluster}/${id}`,
  containerInstance: (s: Scope, cluster: string, id: string) => `${prefix(s)}container-instance/${cluster}/${id}`,
  capacityProvider: (s: Scope, name: string) => `${prefix(s)}capacity-provider/${name}`,
  /** A service revision; its id is the digits of the deployment id "ecs-svc/<digits>" that runs it. */
  serviceRevision: (s: Scope, cluster: string, service: string, id: string) => `${prefix(s)}service-revision/${cluster}/${service}/${id}`,
  serviceDeployment: (s: Scope, cluster: string, service: string, id: string) => `${prefix(s)}service-deployment/${cluster}/${service}/${id}`,
};

export interface ParsedArn extends Scope {
  readonly resourceType: string;
  /** The path after "<type>/", split on "/". */
  readonly path: readonly string[];
}

const ARN_PATTERN = /^arn:aws[a-z-]*:ecs:([a-z0-9-]+):(\d{12}):([a-z-]+)\/(.+)$/;

export function parseArn(arn: string): ParsedArn | undefined {
  const m = ARN_PATTERN.exec(arn);
  if (!m) return undefined;
  return { region: m[1], account: m[2], resourceType: m[3], path: m[4].split("/") };
}

/**
 * Whether an ARN of a cluster-scoped resource (service, task, container instance) is in the short
 * format, without the cluster: arn:aws:ecs:<region>:<account>:service/<name>.
 */
export function isShortFormat(parsed: ParsedArn): boolean {
  return ["service", "task", "container-instance"].includes(parsed.resourceType) && parsed.path.length === 1;
}

export function isArn(value: string): boolean {
  return value.startsWith("arn:");
}

/** The last path segment of an ARN, or the value itself when it is a plain name. */
export function nameOf(nameOrArn: string): string {
  if (!isArn(nameOrArn)) return nameOrArn;
  const slash = nameOrArn.lastIndexOf("/");
  return slash >= 0 ? nameOrArn.slice(slash + 1) : nameOrArn;
}
