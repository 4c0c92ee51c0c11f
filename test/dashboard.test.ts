// The dashboard in a real browser: Debian's chromium, driven headless by playwright-core, watching a
// blue/green rollout made through the SDK (ECS registering each set's tasks in its target group), as
// a person deciding "is my rollout stuck?" would. Each step asserts what the page shows (each set's
// share and stability, the tasks on their way, the target groups' health and traffic, the events). The screenshot in the README is taken here
// (ECSLITE_UPDATE_SCREENSHOT=1 writes it to docs/dashboard.png).
import * as assert from "node:assert/strict";
import { copyFileSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import {
  CreateClusterCommand,
  CreateServiceCommand,
  CreateTaskSetCommand,
  DeleteTaskSetCommand,
  type ECSClient,
  RegisterTaskDefinitionCommand,
  UpdateServicePrimaryTaskSetCommand,
  UpdateTaskSetCommand,
} from "@aws-sdk/client-ecs";
import { type ElasticLoadBalancingV2Client, ModifyListenerCommand } from "@aws-sdk/client-elastic-load-balancing-v2";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { blueGreenLoadBalancer } from "./elbv2Fixtures";
import { startTestServer, type TestServer } from "./harness";

const CHROMIUM = process.env.ECSLITE_CHROMIUM ?? "/usr/bin/chromium";
const missing = !existsSync(CHROMIUM);
// Skipped only on a machine without chromium; in CI (.ci/run installs it and sets CI) it must run.
const skip = missing && !process.env.CI ? `no browser at ${CHROMIUM} (apt-get install chromium, or set ECSLITE_CHROMIUM)` : false;
const NETWORK = { awsvpcConfiguration: { subnets: ["subnet-aaaa1111"] } };

/** Waits until `predicate` (run in the page) holds; the message says what the page shows otherwise. */
async function until(page: Page, what: string, predicate: string, timeoutMs = 10_000): Promise<void> {
  try {
    await page.waitForFunction(predicate, undefined, { timeout: timeoutMs, polling: 50 });
  } catch {
    const shown = await page.evaluate<string>(`[...document.querySelectorAll("[data-service], [data-group], [data-target-group], .ev")].map((e) => e.outerHTML.slice(0, 300)).join("\\n")`);
    throw new Error(`the page did not show ${what} within ${timeoutMs} ms; it shows:\n${shown}`);
  }
}

/** What the page shows: `expression` evaluated in it (the page's DOM, not this process's types). */
function shows<T>(page: Page, expression: string): Promise<T> {
  return page.evaluate<T>(expression);
}

/** A task set's row as the page shows it (its data attributes). */
function row(page: Page, id: string): Promise<Record<string, string>> {
  return shows(page, `({ ...document.querySelector('[data-group="${id}"]').dataset })`);
}

describe("the dashboard in Debian's chromium", { skip }, () => {
  let server: TestServer;
  let ecs: ECSClient;
  let elb: ElasticLoadBalancingV2Client;
  let context: BrowserContext;
  let page: Page;
  const profile = mkdtempSync(path.join(tmpdir(), "ecslite-chromium-"));

  before(async () => {
    assert.ok(!missing, `chromium is required here (${CHROMIUM})`);
    // 1 s lifecycle steps on the virtual clock: the page sees each task on its way.
    server = await startTestServer({ stepMs: 1000 });
    ecs = server.client();
    elb = server.elb();
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
      viewport: { width: 1400, height: 860 },
    });
    page = await context.newPage();
  });
  after(async () => {
    await context?.close();
    await server?.close();
    rmSync(profile, { recursive: true, force: true });
  });

  /** Moves virtual time a second at a time, as the page watches. */
  async function advance(seconds: number): Promise<void> {
    for (let i = 0; i < seconds; i++) await server.advance(1);
  }

  it("follows a blue/green rollout: each set's share and stability, tasks on their way, target health, the event feed", async () => {
    await page.goto(`${server.url}/`);
    await until(page, "that there are no clusters", `document.body.innerText.includes("No clusters in 000000000000")`);
    await until(page, "the live event stream", `document.querySelector("[data-stream]")?.dataset.stream === "live"`);
    assert.equal(await page.title(), "ecslite");

    // The stage: a cluster, two revisions, a load balancer with blue and green target groups.
    await ecs.send(new CreateClusterCommand({ clusterName: "shop" }));
    for (const image of ["shop:1.0", "shop:1.1"]) {
      await ecs.send(
        new RegisterTaskDefinitionCommand({
          family: "shop",
          requiresCompatibilities: ["FARGATE"],
          networkMode: "awsvpc",
          cpu: "256",
          memory: "512",
          containerDefinitions: [{ name: "app", image, portMappings: [{ containerPort: 8080 }] }],
        }),
      );
    }
    const lb = await blueGreenLoadBalancer(elb, "shop");
    await ecs.send(new CreateServiceCommand({ cluster: "shop", serviceName: "web", desiredCount: 4, deploymentController: { type: "EXTERNAL" } }));
    const blue = (
      await ecs.send(
        new CreateTaskSetCommand({
          cluster: "shop",
          service: "web",
          taskDefinition: "shop:1",
          launchType: "FARGATE",
          networkConfiguration: NETWORK,
          scale: { value: 100, unit: "PERCENT" },
          loadBalancers: [{ targetGroupArn: lb.blue, containerName: "app", containerPort: 8080 }],
        }),
      )
    ).taskSet;
    const blueId = blue?.id ?? "";
    await ecs.send(new UpdateServicePrimaryTaskSetCommand({ cluster: "shop", service: "web", primaryTaskSet: blue?.taskSetArn }));

    // Blue starts: the whole service's share, tasks provisioning, the service not yet steady.
    await until(page, "blue's row", `document.querySelector('[data-group="${blueId}"]')`);
    assert.equal((await row(page, blueId)).share, "100");
    await until(page, "blue's four tasks on their way", `document.querySelectorAll('[data-group="${blueId}"] [data-status]').length === 4`);
    assert.equal(await shows(page, `document.querySelector('[data-service="shop/web"]').dataset.verdict`), "STABILIZING");
    await advance(1);
    await until(page, "blue's tasks PENDING", `[...document.querySelectorAll('[data-group="${blueId}"] [data-status]')].every((d) => d.dataset.status === "PENDING")`);
    await advance(3);
    // Running, registered in blue's target group by ECS, and not steady until they pass its health checks.
    await until(page, "blue's 4 tasks running", `document.querySelector('[data-group="${blueId}"]')?.dataset.running === "4"`);
    await until(page, "blue's four targets in their initial checks", `document.querySelector('.service-targets [data-target-group="shop-blue"] [data-health="initial"]')?.textContent === "4 initial"`);
    assert.equal((await row(page, blueId)).stability, "STABILIZING", "targets still in their initial health checks");
    // 150 s: the default 30 s interval x 5 healthy checks.
    await server.advance(150);
    await until(page, "blue's four healthy targets", `document.querySelector('.service-targets [data-target-group="shop-blue"] [data-health="healthy"]')?.textContent === "4 healthy"`);
    await until(page, "blue STEADY_STATE", `document.querySelector('[data-group="${blueId}"]')?.dataset.stability === "STEADY_STATE"`);
    await until(page, "the service STEADY", `document.querySelector('[data-service="shop/web"]').dataset.verdict === "STEADY"`);
    await until(page, "blue's steady state in the feed", `[...document.querySelectorAll('.ev[data-event-name="TASKSET_STEADY_STATE"]')].some((e) => e.textContent.includes("${blueId}"))`);
    assert.equal(await shows(page, `document.querySelector('.service-targets [data-target-group="shop-blue"] [data-traffic]').dataset.traffic`), "100", "blue takes the traffic");

    // Green joins at full scale: two sets, the service STABILIZING until green runs.
    const green = (
      await ecs.send(
        new CreateTaskSetCommand({
          cluster: "shop",
          service: "web",
          taskDefinition: "shop:2",
          launchType: "FARGATE",
          networkConfiguration: NETWORK,
          scale: { value: 100, unit: "PERCENT" },
          loadBalancers: [{ targetGroupArn: lb.green, containerName: "app", containerPort: 8080 }],
        }),
      )
    ).taskSet;
    const greenId = green?.id ?? "";
    await until(page, "green's row, not yet steady", `document.querySelector('[data-group="${greenId}"]')?.dataset.stability === "STABILIZING"`);
    await until(page, "the service STABILIZING", `document.querySelector('[data-service="shop/web"]').dataset.verdict === "STABILIZING"`);
    assert.deepEqual(await shows(page, `[...document.querySelectorAll('[data-service="shop/web"] [data-group]')].map((r) => r.dataset.group)`), [blueId, greenId], "the primary set first");
    await advance(2);
    await until(page, "green's tasks on their way", `[...document.querySelectorAll('[data-group="${greenId}"] [data-status]')].some((d) => d.dataset.status === "ACTIVATING" || d.dataset.status === "PENDING")`);
    await page.screenshot({ path: path.join(__dirname, "dashboard-midway.png") });
    await advance(3);
    await until(page, "green's targets in their initial checks", `document.querySelector('.service-targets [data-target-group="shop-green"] [data-health="initial"]')?.textContent === "4 initial"`);
    await server.advance(150);
    await until(page, "green's healthy targets", `document.querySelector('.service-targets [data-target-group="shop-green"] [data-health="healthy"]')?.textContent === "4 healthy"`);
    await until(page, "green STEADY_STATE", `document.querySelector('[data-group="${greenId}"]')?.dataset.stability === "STEADY_STATE"`);

    // Traffic moves to green; blue is scaled to 0 and deleted.
    await ecs.send(new UpdateServicePrimaryTaskSetCommand({ cluster: "shop", service: "web", primaryTaskSet: green?.taskSetArn }));
    await elb.send(new ModifyListenerCommand({ ListenerArn: lb.listener, DefaultActions: [{ Type: "forward", ForwardConfig: { TargetGroups: [{ TargetGroupArn: lb.blue, Weight: 0 }, { TargetGroupArn: lb.green, Weight: 100 }] } }] }));
    await ecs.send(new UpdateTaskSetCommand({ cluster: "shop", service: "web", taskSet: blue?.taskSetArn, scale: { value: 0, unit: "PERCENT" } }));
    await until(page, "green taking the traffic", `document.querySelector('.service-targets [data-target-group="shop-green"] [data-traffic]')?.dataset.traffic === "100" && document.querySelector('.service-targets [data-target-group="shop-blue"] [data-traffic]')?.dataset.traffic === "0"`);
    await until(page, "green as the primary, first", `document.querySelector('[data-service="shop/web"] [data-group]')?.dataset.group === "${greenId}"`);
    await until(page, "blue at 0%", `document.querySelector('[data-group="${blueId}"]')?.dataset.share === "0"`);
    await advance(1);
    // Blue's tasks wait in DEACTIVATING while their targets drain (the groups' 300 s deregistration delay).
    await until(page, "blue's tasks deactivating", `[...document.querySelectorAll('[data-group="${blueId}"] [data-status]')].every((d) => d.dataset.status === "DEACTIVATING")`);
    await until(page, "blue's targets draining", `document.querySelector('.service-targets [data-target-group="shop-blue"] [data-health="draining"]')?.textContent === "4 draining"`);
    await until(page, "blue with nothing running", `document.querySelector('[data-group="${blueId}"]')?.dataset.running === "0"`);
    await page.screenshot({ path: path.join(__dirname, "dashboard.png") });
    await server.advance(300);
    await advance(4);
    await until(page, "blue's stopped tasks in the feed", `[...document.querySelectorAll('.ev[data-event-name="STOPPED"]')].length >= 4`);
    await ecs.send(new DeleteTaskSetCommand({ cluster: "shop", service: "web", taskSet: blue?.taskSetArn }));
    await advance(2);
    await until(page, "blue gone, green alone and steady", `document.querySelectorAll('[data-service="shop/web"] [data-group]').length === 1 && document.querySelector('[data-service="shop/web"]').dataset.verdict === "STEADY"`);
    const greenRow = await row(page, greenId);
    assert.deepEqual([greenRow.share, greenRow.running, greenRow.desired, greenRow.stability], ["100", "4", "4", "STEADY_STATE"]);
    const feed = await shows<string[]>(page, `[...document.querySelectorAll(".ev")].map((l) => l.dataset.detailType)`);
    for (const type of ["ECS Task State Change", "ECS Service Action"]) assert.ok(feed.includes(type), `the feed shows ${type}`);

    if (process.env.ECSLITE_UPDATE_SCREENSHOT) copyFileSync(path.join(__dirname, "dashboard-midway.png"), path.join(__dirname, "..", "..", "docs", "dashboard.png"));
  });

  it("shows another account and region when asked, and the page's files come from the server", async () => {
    const other = server.client({ accessKeyId: "111122223333", region: "eu-west-1" });
    await other.send(new CreateClusterCommand({ clusterName: "elsewhere" }));
    await page.goto(`${server.url}/_ecslite/ui?account=111122223333&region=eu-west-1`);
    await until(page, "the other account's cluster", `document.querySelector('[data-cluster="elsewhere"]') && !document.querySelector('[data-cluster="shop"]')`);
    for (const file of ["/_ecslite/ui/app.js", "/_ecslite/ui/api.js", "/_ecslite/ui/style.css", "/_ecslite/ui/vendor/preact.mjs", "/_ecslite/ui/vendor/preact-hooks.mjs", "/_ecslite/ui/vendor/htm.mjs"]) {
      const response = await fetch(`${server.url}${file}`);
      assert.equal(response.status, 200, file);
    }
    assert.equal((await fetch(`${server.url}/_ecslite/ui/../package.json`)).status, 404);
    assert.equal((await fetch(`${server.url}/_ecslite/ui/vendor/__proto__`)).status, 404);
  });
});
