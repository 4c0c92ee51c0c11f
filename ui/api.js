// The dashboard's only ways into ecslite: the public ECS and ELB APIs (as any AWS client calls
// them) and the ECS event stream. With --auth off, ecslite takes the account from the access key
// (a 12-digit key is its own account) and the region from the credential scope, so the dashboard
// names the view's account and region in an Authorization header; nothing is signed.

const ECS_TARGET = "AmazonEC2ContainerServiceV20141113.";

/** "Credential=<key>/<date>/<region>/<service>/aws4_request", the part ecslite reads without --auth. */
function authorization(view, service) {
  const date = new Date().toISOString().slice(0, 10).replaceAll("-", "");
  const key = view.account || "ecslite-dashboard";
  return `AWS4-HMAC-SHA256 Credential=${key}/${date}/${view.region}/${service}/aws4_request, SignedHeaders=host, Signature=${"0".repeat(64)}`;
}

export class ApiError extends Error {
  constructor(type, message) {
    super(`${type}: ${message}`);
    this.type = type;
  }
}

/** One ECS operation (AWS JSON 1.1). */
export async function ecs(view, operation, input = {}) {
  const response = await fetch("/", {
    method: "POST",
    headers: { "content-type": "application/x-amz-json-1.1", "x-amz-target": ECS_TARGET + operation, authorization: authorization(view, "ecs") },
    body: JSON.stringify(input),
  });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new ApiError(body.__type ?? String(response.status), body.message ?? body.Message ?? "");
  return body;
}

/** One ELB operation (AWS Query, XML answers), parsed into a DOM document. */
export async function elb(view, action, params = {}) {
  const form = new URLSearchParams({ Action: action, Version: "2015-12-01", ...params });
  const response = await fetch("/", {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded; charset=utf-8", authorization: authorization(view, "elasticloadbalancing") },
    body: form.toString(),
  });
  const doc = new DOMParser().parseFromString(await response.text(), "application/xml");
  if (!response.ok) {
    const code = doc.querySelector("Error > Code")?.textContent ?? String(response.status);
    throw new ApiError(code, doc.querySelector("Error > Message")?.textContent ?? "");
  }
  return doc;
}

/** The text of the first element named `name` directly under `node`. */
export function field(node, name) {
  for (const child of node.children) if (child.localName === name) return child.textContent ?? "";
  return "";
}

/** The `member` elements of the list element named `name` directly under `node`. */
export function members(node, name) {
  for (const child of node.children) if (child.localName === name) return [...child.children].filter((c) => c.localName === "member");
  return [];
}

async function allPages(fetchPage) {
  const out = [];
  let token;
  do {
    const page = await fetchPage(token);
    out.push(...page.items);
    token = page.next;
  } while (token && out.length < 2000);
  return out;
}

function chunks(items, size) {
  const out = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Tasks shown per cluster at most (the newest first as ListTasks returns them). */
const TASKS_PER_CLUSTER = 300;

/** Everything the dashboard shows for one account and region, read through the public APIs. */
export async function loadView(view) {
  const clusterArns = await allPages(async (nextToken) => {
    const out = await ecs(view, "ListClusters", { maxResults: 100, ...(nextToken ? { nextToken } : {}) });
    return { items: out.clusterArns ?? [], next: out.nextToken };
  });
  const clusters = [];
  for (const group of chunks(clusterArns, 100)) {
    const out = await ecs(view, "DescribeClusters", { clusters: group });
    clusters.push(...(out.clusters ?? []).filter((c) => c.status === "ACTIVE"));
  }
  const result = [];
  for (const cluster of clusters) {
    const serviceArns = await allPages(async (nextToken) => {
      const out = await ecs(view, "ListServices", { cluster: cluster.clusterArn, maxResults: 100, ...(nextToken ? { nextToken } : {}) });
      return { items: out.serviceArns ?? [], next: out.nextToken };
    });
    const services = [];
    for (const group of chunks(serviceArns, 10)) {
      const out = await ecs(view, "DescribeServices", { cluster: cluster.clusterArn, services: group });
      services.push(...(out.services ?? []));
    }
    const taskArns = [];
    for (const desiredStatus of ["RUNNING", "STOPPED"]) {
      const out = await ecs(view, "ListTasks", { cluster: cluster.clusterArn, desiredStatus, maxResults: 100 });
      taskArns.push(...(out.taskArns ?? []));
    }
    const tasks = [];
    for (const group of chunks(taskArns.slice(0, TASKS_PER_CLUSTER), 100)) {
      const out = await ecs(view, "DescribeTasks", { cluster: cluster.clusterArn, tasks: group });
      tasks.push(...(out.tasks ?? []));
    }
    services.sort((a, b) => a.serviceName.localeCompare(b.serviceName));
    result.push({ cluster, services, tasks });
  }
  result.sort((a, b) => a.cluster.clusterName.localeCompare(b.cluster.clusterName));
  return { clusters: result, targetGroups: await loadTargetGroups(view) };
}

/** Target groups with their targets' health (DescribeTargetGroups, DescribeTargetHealth). */
async function loadTargetGroups(view) {
  let doc;
  try {
    doc = await elb(view, "DescribeTargetGroups", { PageSize: "400" });
  } catch (error) {
    if (error instanceof ApiError) return [];
    throw error;
  }
  const groups = [];
  for (const member of doc.querySelectorAll("TargetGroups > member")) {
    const arn = field(member, "TargetGroupArn");
    const health = await elb(view, "DescribeTargetHealth", { TargetGroupArn: arn });
    const targets = [...health.querySelectorAll("TargetHealthDescriptions > member")].map((t) => {
      const target = t.querySelector("Target");
      const state = t.querySelector("TargetHealth");
      return { id: field(target, "Id"), port: field(target, "Port"), state: field(state, "State"), reason: field(state, "Reason") };
    });
    groups.push({
      arn,
      name: field(member, "TargetGroupName"),
      protocol: field(member, "Protocol"),
      port: field(member, "Port"),
      targetType: field(member, "TargetType"),
      loadBalancers: members(member, "LoadBalancerArns").map((m) => (m.textContent ?? "").split("/").slice(-2, -1)[0] ?? ""),
      targets,
    });
  }
  const traffic = await trafficShares(view);
  for (const group of groups) group.traffic = traffic.get(group.arn);
  return groups.sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * The share of a listener's traffic each target group gets (its forward weight over the action's
 * total; a plain forward is 100%), the largest over the listeners of every load balancer.
 */
async function trafficShares(view) {
  const shares = new Map();
  const lbs = await elb(view, "DescribeLoadBalancers", { PageSize: "400" });
  for (const lb of lbs.querySelectorAll("LoadBalancers > member")) {
    const listeners = await elb(view, "DescribeListeners", { LoadBalancerArn: field(lb, "LoadBalancerArn"), PageSize: "400" });
    for (const listener of listeners.querySelectorAll("Listeners > member")) {
      for (const action of members(listener, "DefaultActions")) {
        if (field(action, "Type") !== "forward") continue;
        const weighted = [...action.querySelectorAll("ForwardConfig > TargetGroups > member")].map((m) => ({ arn: field(m, "TargetGroupArn"), weight: Number(field(m, "Weight") || "1") }));
        const targets = weighted.length ? weighted : [{ arn: field(action, "TargetGroupArn"), weight: 1 }];
        const total = targets.reduce((sum, t) => sum + t.weight, 0);
        for (const t of targets) shares.set(t.arn, Math.max(shares.get(t.arn) ?? 0, total > 0 ? Math.round((t.weight / total) * 100) : 0));
      }
    }
  }
  return shares;
}

/** The ECS event stream for a view; `onEvent(event)` for each, `onState("live" | "reconnecting")`. */
export function subscribe(view, onEvent, onState) {
  const query = new URLSearchParams({ tail: "60" });
  if (view.account) query.set("account", view.account);
  query.set("region", view.region);
  const source = new EventSource(`/_ecslite/events?${query}`);
  source.onopen = () => onState("live");
  source.onerror = () => onState("reconnecting");
  source.onmessage = (message) => onEvent(JSON.parse(message.data));
  return () => source.close();
}
