// The ecslite dashboard: what a deploy tool sees, at a glance, for one account and region. It reads
// only the public ECS and ELB APIs and the ECS event stream (api.js); an event about the view makes
// it read the APIs again, and it also reads them every few seconds (target health moves with time).
import { h, render } from "preact";
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import htm from "htm";
import { loadView, subscribe } from "./api.js";

const html = htm.bind(h);
const settings = JSON.parse(document.getElementById("ecslite-settings")?.textContent ?? "{}");
const REFRESH_MS = 3000;
const FEED_SIZE = 80;

function initialView() {
  const params = new URLSearchParams(location.search);
  return { account: params.get("account") || settings.defaultAccount || "", region: params.get("region") || "us-east-1" };
}

const short = (arn) => String(arn ?? "").split("/").pop();
/** A task set's id from its ARN: ".../ecs-svc/123" -> "ecs-svc/123". */
const setId = (arn) => String(arn ?? "").split("/").slice(-2).join("/");
const clock = (iso) => (iso ? new Date(iso).toISOString().slice(11, 19) : "");

/** The lifecycle, in order: a task's dot is coloured by where it is on this road. */
const STATUS_ORDER = ["PROVISIONING", "PENDING", "ACTIVATING", "RUNNING", "DEACTIVATING", "STOPPING", "DEPROVISIONING", "STOPPED"];

function statusClass(task) {
  if (task.lastStatus === "RUNNING" && task.desiredStatus === "STOPPED") return "st-stopping";
  if (task.lastStatus === "RUNNING" && task.healthStatus === "UNHEALTHY") return "st-unhealthy";
  return `st-${String(task.lastStatus ?? "PROVISIONING").toLowerCase()}`;
}

function TaskDots({ tasks }) {
  const shown = [...tasks].sort((a, b) => STATUS_ORDER.indexOf(a.lastStatus) - STATUS_ORDER.indexOf(b.lastStatus));
  return html`<span class="dots">
    ${shown.map(
      (t) => html`<span
        class=${`dot ${statusClass(t)}`}
        data-task=${short(t.taskArn)}
        data-status=${t.lastStatus}
        title=${`${short(t.taskArn)} ${t.lastStatus}${t.desiredStatus === "STOPPED" && t.lastStatus !== "STOPPED" ? " (stopping)" : ""}${t.stoppedReason ? `: ${t.stoppedReason}` : ""}`}
      ></span>`,
    )}
  </span>`;
}

/** One group of a service's tasks (a task set or a deployment): its share of the service as a bar. */
function ShareRow({ label, kind, status, share, desired, running, pending, stability, tasks, testId }) {
  const width = Math.max(0, Math.min(100, share));
  const fill = desired > 0 ? Math.min(1, running / desired) : 0;
  const pend = desired > 0 ? Math.min(1 - fill, pending / desired) : 0;
  return html`<div class=${`share ${String(status).toLowerCase()}`} data-group=${testId} data-share=${Math.round(share)} data-running=${running} data-pending=${pending} data-desired=${desired} data-stability=${stability}>
    <div class="share-head">
      <span class="share-name">${label}</span>
      <span class=${`tag ${String(status).toLowerCase()}`}>${status}</span>
      <span class="share-kind">${kind}</span>
      <span class=${`stability ${stability === "STEADY_STATE" || stability === "COMPLETED" ? "ok" : stability === "FAILED" ? "bad" : "busy"}`}>${stability}</span>
      <span class="share-counts">${running}/${desired} running${pending ? `, ${pending} pending` : ""}</span>
    </div>
    <div class="bar" title=${`${Math.round(share)}% of the service`}>
      <div class="bar-share" style=${`width:${width}%`}>
        <div class="bar-running" style=${`width:${fill * 100}%`}></div>
        <div class="bar-pending" style=${`width:${pend * 100}%`}></div>
      </div>
      <span class="bar-label">${Math.round(share)}%</span>
    </div>
    <${TaskDots} tasks=${tasks} />
  </div>`;
}

function targetGroupsOf(service) {
  const arns = new Set();
  for (const lb of service.loadBalancers ?? []) if (lb.targetGroupArn) arns.add(lb.targetGroupArn);
  for (const set of service.taskSets ?? []) for (const lb of set.loadBalancers ?? []) if (lb.targetGroupArn) arns.add(lb.targetGroupArn);
  return arns;
}

function Traffic({ group }) {
  if (group.traffic === undefined) return null;
  return html`<span class=${`traffic ${group.traffic > 0 ? "on" : "off"}`} data-traffic=${group.traffic}>${group.traffic}% of traffic</span>`;
}

function HealthChips({ group }) {
  const counts = {};
  for (const t of group.targets) counts[t.state] = (counts[t.state] ?? 0) + 1;
  const order = ["healthy", "initial", "unhealthy", "draining", "unused", "unavailable"];
  return html`<span class="chips">
    ${order.filter((s) => counts[s]).map((s) => html`<span class=${`chip h-${s}`} data-health=${s}>${counts[s]} ${s}</span>`)}
    ${group.targets.length === 0 ? html`<span class="chip h-none">no targets</span>` : null}
  </span>`;
}

/** Is the service where a deploy tool would call it done? One word, computed from what the API says. */
function verdict(service) {
  if (service.status !== "ACTIVE") return { word: service.status, cls: "muted" };
  const sets = service.taskSets ?? [];
  const deployments = service.deployments ?? [];
  if (deployments.some((d) => d.status === "PRIMARY" && d.rolloutState === "FAILED")) return { word: "FAILED", cls: "bad" };
  if (sets.length) {
    const live = sets.filter((s) => s.status !== "DRAINING");
    const steady = live.every((s) => s.stabilityStatus === "STEADY_STATE") && live.length === sets.length;
    return steady ? { word: "STEADY", cls: "ok" } : { word: "STABILIZING", cls: "busy" };
  }
  const steady = deployments.length === 1 && deployments[0].rolloutState !== "IN_PROGRESS" && service.runningCount === service.desiredCount && service.pendingCount === 0;
  return steady ? { word: "STEADY", cls: "ok" } : { word: "DEPLOYING", cls: "busy" };
}

function ServiceCard({ cluster, service, tasks, targetGroups }) {
  const controller = service.deploymentController?.type ?? "ECS";
  const desired = service.desiredCount ?? 0;
  const v = verdict(service);
  const rows = (service.taskSets ?? []).length
    ? [...service.taskSets]
        .sort((a, b) => (a.status === "PRIMARY" ? -1 : b.status === "PRIMARY" ? 1 : (a.createdAt ?? 0) - (b.createdAt ?? 0)))
        .map((set) => ({
          key: set.id,
          testId: set.id,
          label: `${set.id} · ${short(set.taskDefinition)}`,
          kind: `task set, scale ${set.scale?.value ?? 0}%`,
          status: set.status,
          share: set.scale?.value ?? 0,
          desired: set.computedDesiredCount ?? 0,
          running: set.runningCount ?? 0,
          pending: set.pendingCount ?? 0,
          stability: set.stabilityStatus ?? "",
          tasks: tasks.filter((t) => t.startedBy === set.id),
        }))
    : (service.deployments ?? []).map((d) => ({
        key: d.id,
        testId: d.id,
        label: `${d.id} · ${short(d.taskDefinition)}`,
        kind: "deployment",
        status: d.status,
        share: desired > 0 ? ((d.desiredCount ?? 0) / desired) * 100 : 0,
        desired: d.desiredCount ?? 0,
        running: d.runningCount ?? 0,
        pending: d.pendingCount ?? 0,
        stability: d.rolloutState ?? "",
        tasks: tasks.filter((t) => t.startedBy === d.id),
      }));
  const groups = targetGroups.filter((g) => targetGroupsOf(service).has(g.arn));
  return html`<section class="service" data-service=${`${cluster.clusterName}/${service.serviceName}`} data-verdict=${v.word}>
    <header>
      <h3>${service.serviceName}</h3>
      <span class="tag">${controller}</span>
      <span class=${`verdict ${v.cls}`}>${v.word}</span>
      <span class="counts"><b>${service.runningCount ?? 0}</b> running · <b>${service.pendingCount ?? 0}</b> pending · <b>${desired}</b> desired</span>
    </header>
    ${rows.length ? rows.map((row) => html`<${ShareRow} ...${row} />`) : html`<p class="empty">No ${controller === "ECS" ? "deployments" : "task sets"} yet.</p>`}
    ${groups.length
      ? html`<div class="service-targets">${groups.map((g) => html`<div class="tg-line" data-target-group=${g.name}><span class="tg-name">${g.name}</span><${HealthChips} group=${g} /><${Traffic} group=${g} /></div>`)}</div>`
      : null}
  </section>`;
}

function ClusterView({ entry, targetGroups }) {
  const { cluster, services, tasks } = entry;
  const standalone = tasks.filter((t) => !String(t.group ?? "").startsWith("service:") && !services.some((s) => (s.taskSets ?? []).some((set) => set.id === t.startedBy)));
  return html`<div class="cluster" data-cluster=${cluster.clusterName}>
    <h2>
      ${cluster.clusterName}
      <span class="cluster-counts">${cluster.activeServicesCount ?? 0} services · ${cluster.runningTasksCount ?? 0} running · ${cluster.pendingTasksCount ?? 0} pending · ${cluster.registeredContainerInstancesCount ?? 0} instances</span>
    </h2>
    ${services.map((service) => html`<${ServiceCard} key=${service.serviceArn} cluster=${cluster} service=${service} tasks=${tasks} targetGroups=${targetGroups} />`)}
    ${standalone.length ? html`<section class="service standalone"><header><h3>Standalone tasks</h3></header><${TaskDots} tasks=${standalone} /></section>` : null}
    ${services.length === 0 && standalone.length === 0 ? html`<p class="empty">No services.</p>` : null}
  </div>`;
}

function TargetGroups({ groups }) {
  if (!groups.length) return null;
  return html`<div class="cluster">
    <h2>Target groups</h2>
    ${groups.map(
      (g) => html`<section class="service tg" data-target-group=${g.name}>
        <header>
          <h3>${g.name}</h3>
          <span class="tag">${g.protocol}:${g.port}</span>
          <span class="tag">${g.targetType}</span>
          ${g.loadBalancers.map((lb) => html`<span class="tag lb">${lb}</span>`)}
          <${HealthChips} group=${g} />
          <${Traffic} group=${g} />
        </header>
        <div class="targets">
          ${g.targets.map((t) => html`<span class=${`target h-${t.state}`} title=${t.reason} data-target=${`${t.id}:${t.port}`} data-health=${t.state}>${t.id}:${t.port}</span>`)}
        </div>
      </section>`,
    )}
  </div>`;
}

function describeEvent(event) {
  const d = event.detail;
  switch (event["detail-type"]) {
    case "ECS Task State Change": {
      const moving = d.desiredStatus === "STOPPED" && d.lastStatus !== "STOPPED" ? " (stopping)" : "";
      return { kind: "task", text: `task ${short(d.taskArn).slice(0, 8)} ${d.lastStatus}${moving}${d.lastStatus === "STOPPED" && d.stoppedReason ? `: ${d.stoppedReason}` : ""}`, where: d.group };
    }
    case "ECS Container Instance State Change":
      return { kind: "instance", text: `instance ${short(d.containerInstanceArn).slice(0, 8)} ${d.status} · ${d.runningTasksCount ?? 0} running`, where: short(d.clusterArn) };
    case "ECS Service Action":
      return { kind: d.eventType === "INFO" ? "service" : "problem", text: `${short(event.resources[0])} ${d.eventName}${d.taskSetArns ? ` ${setId(d.taskSetArns[0])}` : ""}${d.reason ? ` (${d.reason})` : ""}`, where: short(d.clusterArn) };
    case "ECS Deployment State Change":
      return { kind: d.eventType === "ERROR" ? "problem" : "deployment", text: `${short(event.resources[0])} ${d.eventName.replace("SERVICE_DEPLOYMENT_", "deployment ")} ${d.deploymentId}`, where: d.reason };
    default:
      return { kind: "other", text: event["detail-type"], where: "" };
  }
}

function Feed({ events, state }) {
  return html`<aside class="feed">
    <h2>Events <span class=${`live ${state}`} data-stream=${state}>${state}</span></h2>
    <ol>
      ${events.map((event) => {
        const line = describeEvent(event);
        return html`<li key=${event.id} class=${`ev ev-${line.kind}`} data-detail-type=${event["detail-type"]} data-event-name=${event.detail.eventName ?? event.detail.lastStatus ?? ""}>
          <time>${clock(event.time)}</time>
          <span class="ev-text">${line.text}</span>
          ${line.where ? html`<span class="ev-where">${line.where}</span>` : null}
        </li>`;
      })}
    </ol>
  </aside>`;
}

function App() {
  const [view, setView] = useState(initialView);
  const [data, setData] = useState(undefined);
  const [error, setError] = useState(undefined);
  const [events, setEvents] = useState([]);
  const [stream, setStream] = useState("connecting");
  const [places, setPlaces] = useState(() => new Set([`${initialView().account}|${initialView().region}`]));
  const pending = useRef(undefined);
  const loading = useRef(false);

  const refresh = useMemo(
    () => () => {
      if (loading.current) {
        pending.current = true;
        return;
      }
      loading.current = true;
      loadView(view)
        .then((next) => {
          setData(next);
          setError(undefined);
        })
        .catch((e) => setError(String(e.message ?? e)))
        .finally(() => {
          loading.current = false;
          if (pending.current) {
            pending.current = false;
            setTimeout(refresh, 100);
          }
        });
    },
    [view],
  );

  useEffect(() => {
    setData(undefined);
    setEvents([]);
    refresh();
    const timer = setInterval(refresh, REFRESH_MS);
    let soon;
    const unsubscribe = subscribe(
      view,
      (event) => {
        setEvents((list) => [event, ...list].slice(0, FEED_SIZE));
        setPlaces((known) => (known.has(`${event.account}|${event.region}`) ? known : new Set([...known, `${event.account}|${event.region}`])));
        clearTimeout(soon);
        soon = setTimeout(refresh, 150);
      },
      setStream,
    );
    const url = new URL(location.href);
    url.searchParams.set("account", view.account);
    url.searchParams.set("region", view.region);
    history.replaceState(null, "", url);
    return () => {
      clearInterval(timer);
      clearTimeout(soon);
      unsubscribe();
    };
  }, [view]);

  const choose = (value) => {
    const [account, region] = value.split("|");
    setView({ account, region });
  };
  return html`<div class="app">
    <header class="top">
      <span class="brand">ecslite</span>
      <span class="version">${settings.version ?? ""}</span>
      <label>account and region
        <select value=${`${view.account}|${view.region}`} onChange=${(e) => choose(e.currentTarget.value)} data-view>
          ${[...places].sort().map((p) => html`<option value=${p}>${p.replace("|", " · ")}</option>`)}
        </select>
      </label>
      <form class="other" onSubmit=${(e) => {
        e.preventDefault();
        const form = new FormData(e.currentTarget);
        setView({ account: String(form.get("account") || view.account), region: String(form.get("region") || view.region) });
      }}>
        <input name="account" placeholder="account" size="13" />
        <input name="region" placeholder="region" size="11" />
        <button>show</button>
      </form>
    </header>
    ${error ? html`<p class="error" data-error>${error}${/Signature|Credential|AccessDenied|token/i.test(error) ? " — the dashboard reads the API unsigned: start ecslite with --auth off to use it." : ""}</p>` : null}
    <main>
      <div class="state">
        ${data === undefined ? html`<p class="empty">Loading…</p>` : null}
        ${data && data.clusters.length === 0 ? html`<p class="empty">No clusters in ${view.account} · ${view.region}. Create one with any AWS client pointed at this server.</p>` : null}
        ${data?.clusters.map((entry) => html`<${ClusterView} key=${entry.cluster.clusterArn} entry=${entry} targetGroups=${data.targetGroups} />`)}
        ${data ? html`<${TargetGroups} groups=${data.targetGroups} />` : null}
      </div>
      <${Feed} events=${events} state=${stream} />
    </main>
  </div>`;
}

render(html`<${App} />`, document.getElementById("app"));
