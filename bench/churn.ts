// The churn of issue 14's defect 9 (`npm run bench -- churn`; about 15 minutes, never in `npm
// test`): services continually replacing their tasks, on one SQLite process, real clock.
//   1. With the default 1-hour stopped-task retention, for CHURN_SECONDS (default 330, the 5.5
//      minutes of the defect's report): how many tasks this churn stops per second, and the file it
//      leaves (the defect: 174k stopped tasks, 791 MB).
//   2. The steady state: the same churn with a retention of CHURN_RETENTION_SECONDS (default 300)
//      for that and CHURN_STEADY_EXTRA_SECONDS (default 240) more, sampled every 30 s: once the
//      first stopped tasks are forgotten, the file must stop growing. Reaching the steady state of
//      the 1-hour retention takes more than an hour of a saturated core; its size is this plateau's
//      cost per stopped task times the 12x as many tasks an hour keeps.
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { CreateClusterCommand, CreateServiceCommand, ECSClient, RegisterTaskDefinitionCommand, UpdateServiceCommand } from "@aws-sdk/client-ecs";
import Database from "better-sqlite3";
import { rssMiB, startReplica, stopReplica } from "./soak";

const NETWORK = { awsvpcConfiguration: { subnets: ["subnet-1", "subnet-2"] } };
const MiB = 2 ** 20;

function client(url: string): ECSClient {
  return new ECSClient({ endpoint: url, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" }, maxAttempts: 3 });
}

async function prepare(ecs: ECSClient, services: number): Promise<void> {
  await ecs.send(new CreateClusterCommand({ clusterName: "churn" }));
  await ecs.send(new RegisterTaskDefinitionCommand({ family: "web", requiresCompatibilities: ["FARGATE"], networkMode: "awsvpc", cpu: "256", memory: "512", containerDefinitions: [{ name: "app", image: "nginx", portMappings: [{ containerPort: 80 }] }] }));
  for (let s = 0; s < services; s++) {
    await ecs.send(new CreateServiceCommand({ cluster: "churn", serviceName: `s${s}`, taskDefinition: "web", desiredCount: 0, launchType: "FARGATE", networkConfiguration: NETWORK }));
  }
}

/** Task rows by status, the database file and its pages in use and free, and the WAL, read on a connection of our own. */
function fileUsage(dataDir: string): { stoppedTasks: number; liveTasks: number; fileMiB: number; usedMiB: number; freeMiB: number; walMiB: number } {
  const db = new Database(path.join(dataDir, "ecslite.sqlite"), { readonly: true });
  try {
    const pageSize = db.pragma("page_size", { simple: true }) as number;
    const free = db.pragma("freelist_count", { simple: true }) as number;
    const pages = db.pragma("page_count", { simple: true }) as number;
    const tasks = db.prepare("SELECT COUNT(*) FROM resources WHERE kind = 'task'").pluck().get() as number;
    // Retired (stopped) tasks are filed under "<cluster arn> retired"; failed ones stay under the cluster, but this churn fails none.
    const stopped = db.prepare("SELECT COUNT(*) FROM resources WHERE kind = 'task' AND parent LIKE '% retired'").pluck().get() as number;
    let wal = 0;
    try {
      wal = statSync(path.join(dataDir, "ecslite.sqlite-wal")).size;
    } catch {
      // no WAL right now
    }
    return {
      stoppedTasks: stopped,
      liveTasks: tasks - stopped,
      fileMiB: round((pages * pageSize) / MiB),
      usedMiB: round(((pages - free) * pageSize) / MiB),
      freeMiB: round((free * pageSize) / MiB),
      walMiB: round(wal / MiB),
    };
  } finally {
    db.close();
  }
}

const round = (n: number) => Math.round(n * 10) / 10;

export interface ChurnSample {
  seconds: number;
  stoppedTasks: number;
  liveTasks: number;
  fileMiB: number;
  usedMiB: number;
  freeMiB: number;
  walMiB: number;
  rssMiB: number;
}

export interface ChurnResult {
  retentionSeconds: number;
  seconds: number;
  services: number;
  tasksPerService: number;
  requests: number;
  samples: ChurnSample[];
  end: ChurnSample;
}

/** Clients toggle services between 0 and `tasks`, each every 1.5 s, as fast as they are answered. */
async function churn(seconds: number, retentionSeconds: number, services: number, tasks: number, clients: number): Promise<ChurnResult> {
  const dataDir = mkdtempSync(path.join(tmpdir(), "ecslite-churn-"));
  const server = await startReplica(["--data-dir", dataDir, "--stopped-task-retention", String(retentionSeconds * 1000)]);
  const sample = (at: number): ChurnSample => ({ seconds: Math.round(at / 1000), ...fileUsage(dataDir), rssMiB: rssMiB(server.child) });
  try {
    const setup = client(server.url);
    await prepare(setup, services);
    setup.destroy();
    const started = Date.now();
    const end = started + seconds * 1000;
    let requests = 0;
    const samples: ChurnSample[] = [];
    const sampling = setInterval(() => {
      const s = sample(Date.now() - started);
      samples.push(s);
      console.log(`  ${s.seconds} s: ${s.stoppedTasks} stopped tasks kept, file ${s.fileMiB} MiB (${s.usedMiB} in use, ${s.freeMiB} free), WAL ${s.walMiB} MiB, RSS ${s.rssMiB} MiB`);
    }, 30_000);
    const clientsOf = Array.from({ length: clients }, () => client(server.url));
    await Promise.all(
      clientsOf.map(async (ecs, c) => {
        // Each client owns every clients-th service and turns them over in turn.
        const mine = Array.from({ length: services }, (_, s) => s).filter((s) => s % clients === c);
        for (let turn = 0; Date.now() < end; turn++) {
          for (const s of mine) {
            await ecs.send(new UpdateServiceCommand({ cluster: "churn", service: `s${s}`, desiredCount: turn % 2 === 0 ? tasks : 0 }));
            requests++;
          }
          // Long enough for the tasks to start (about a second) before they are stopped again.
          await new Promise((r) => setTimeout(r, 1500));
        }
      }),
    );
    clearInterval(sampling);
    for (const c of clientsOf) c.destroy();
    const elapsed = Date.now() - started;
    return { retentionSeconds, seconds: Math.round(elapsed / 1000), services, tasksPerService: tasks, requests, samples, end: sample(elapsed) };
  } finally {
    await stopReplica(server);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export async function runChurnBench(): Promise<Record<string, unknown>> {
  const seconds = Number(process.env.CHURN_SECONDS ?? 330);
  const retention = Number(process.env.CHURN_RETENTION_SECONDS ?? 300);
  const extra = Number(process.env.CHURN_STEADY_EXTRA_SECONDS ?? 240);
  const services = 40;
  const tasks = 40;
  console.log(`churn: one SQLite process, ${services} services replacing ${tasks} tasks each, 1-hour retention, ${seconds} s`);
  const hour = await churn(seconds, 3600, services, tasks, 8);
  const stopsPerSecond = Math.round(hour.end.stoppedTasks / hour.seconds);
  console.log(`  ${hour.end.stoppedTasks} tasks stopped in ${hour.seconds} s (${stopsPerSecond}/s): file ${hour.end.fileMiB} MiB, WAL ${hour.end.walMiB} MiB, RSS ${hour.end.rssMiB} MiB`);
  console.log(`churn: the same, ${retention} s retention, ${retention + extra} s`);
  const steady = await churn(retention + extra, retention, services, tasks, 8);
  // The plateau: the samples taken once a whole retention had passed since the first stop.
  const plateau = steady.samples.filter((s) => s.seconds >= retention + 30);
  const mean = (f: (s: ChurnSample) => number) => round(plateau.reduce((sum, s) => sum + f(s), 0) / Math.max(1, plateau.length));
  const kept = mean((s) => s.stoppedTasks);
  const used = mean((s) => s.usedMiB);
  const file = mean((s) => s.fileMiB);
  const wal = Math.max(0, ...plateau.map((s) => s.walMiB));
  // The file's growth per stopped task while nothing was forgotten yet (the 1-hour run).
  const first = hour.samples[0];
  const last = hour.samples[hour.samples.length - 1];
  const perTaskBytes = first && last && last.stoppedTasks > first.stoppedTasks ? Math.round(((last.usedMiB - first.usedMiB) * MiB) / (last.stoppedTasks - first.stoppedTasks)) : 0;
  const hourKept = stopsPerSecond * 3600;
  const hourFileMiB = Math.round(used + ((hourKept - kept) * perTaskBytes) / MiB);
  console.log(`  plateau (${plateau.length} samples from ${retention + 30} s): ${kept} stopped tasks kept, file ${file} MiB (${used} in use), WAL at most ${wal} MiB`);
  console.log(`  ${perTaskBytes} bytes of file per stopped task; with the 1-hour retention this churn keeps ${hourKept} and its file settles near ${hourFileMiB} MiB (+ a WAL of at most 64 MiB)`);
  return { churn: { hour: { ...hour, stopsPerSecond }, steady: { ...steady, plateau: { samples: plateau.length, stoppedTasks: kept, fileMiB: file, usedMiB: used, walMaxMiB: wal } }, perTaskBytes, hourRetention: { stoppedTasks: hourKept, fileMiB: hourFileMiB } } };
}
