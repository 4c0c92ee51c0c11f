// What serving HTTP costs a server with work of its own: the ceiling (bench/ceiling.ts), answering
// ecslite's DescribeTaskSets body, made to compute for 0, 20, 40 and 60 µs before each answer. The
// server's CPU per request minus the work it was given is what node:http, the kernel's send and
// receive, and the event loop cost it. If that stayed the ceiling's own cost, a server doing W µs
// of work would cost ceiling + W; it does not, and the figure is how far a ratio to the bare
// ceiling can move by making the server's own work smaller.
import { signedRequest } from "./load";
import { type Server, startCeiling, stop } from "./servers";
import { type FixedRequest, medianRound, type Pinning, runWrk, type WrkResult } from "./wrk";

export const WORK_MICROS = [0, 20, 40, 60] as const;

export interface OverheadRow {
  readonly workMicros: number;
  readonly throughput: number;
  readonly serverCpuMicros: number;
  /** Server CPU per request minus the work it was given. */
  readonly overheadMicros: number;
  readonly serverBusy: number;
}

export async function runOverheadBench(options: { seconds: number; rounds: number; pin?: Pinning; body: string }): Promise<OverheadRow[]> {
  const servers: Server[] = [];
  try {
    for (const work of WORK_MICROS) servers.push(await startCeiling({ DescribeTaskSets: options.body }, options.pin, work));
    const requests = new Map<Server, FixedRequest>();
    for (const s of servers) requests.set(s, await signedRequest(`127.0.0.1:${s.port}`, "DescribeTaskSets", { cluster: "bench", service: "svc", taskSets: ["ecs-svc/1"] }));
    for (const s of servers) await runWrk(s.port, requests.get(s) as FixedRequest, { connections: 16, seconds: 1, serverPid: s.pid, pin: options.pin });
    const runs = new Map<Server, WrkResult[]>();
    for (let round = 0; round < options.rounds; round++) {
      for (let i = 0; i < servers.length; i++) {
        const s = servers[(i + round) % servers.length];
        const result = await runWrk(s.port, requests.get(s) as FixedRequest, { connections: 16, seconds: options.seconds, serverPid: s.pid, pin: options.pin });
        runs.set(s, [...(runs.get(s) ?? []), result]);
      }
    }
    return servers.map((s, i) => {
      const r = medianRound(runs.get(s) ?? []);
      return { workMicros: WORK_MICROS[i], throughput: r.throughput, serverCpuMicros: r.serverCpuMicros, overheadMicros: r.serverCpuMicros - WORK_MICROS[i], serverBusy: r.serverBusy };
    });
  } finally {
    for (const s of servers) await stop(s);
  }
}
