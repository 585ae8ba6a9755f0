// The fidelity guard's readings around one connection: the relay's lateness histogram (from the
// lane's counters), the endpoints' scheduler statistics and the machine's CPU pressure, read before
// and after the connection (outside its timed span, like the TCP counters), and the row's
// `fidelity` computed from the two. The thresholds and the marking rule are @pqtls/report's
// (fidelity.ts), which the report counts by.
//
// Endpoint CPU and wait come from /proc/<pid>/task/<tid>/schedstat (ns on the CPU, ns runnable but
// waiting on a run queue): exact, unlike /proc/<pid>/stat's clock ticks. A lane's endpoints carry
// one connection at a time, so the change over the connection is that connection's (plus the
// endpoints' idle housekeeping, which is small).
//
// These procfs files are read synchronously (they are generated in the read call, never waiting on
// a disk): an endpoint has ~11 threads, so one reading is a dozen files, and through fs/promises it
// cost ~2 ms of the runner's CPU against ~0.2 ms read synchronously (measured on the 2-core VM,
// 500 readings of a running endpoint). Per connection the runner read about ten of them: with 16
// lanes at 4 connections a second, that alone was ~8 % of a core taken from the measured endpoints.

import { readdirSync, readFileSync } from "node:fs";
import { availableParallelism, loadavg } from "node:os";
import {
  type CpuPressure,
  fidelityMarks,
  fidelityThresholds,
  LATE_BOUNDS_US,
  latenessFromHistogram,
  type RowFidelity,
} from "@pqtls/report";

export interface ProcessSched {
  pid: number;
  /** CPU time of all the process's threads, ns. */
  cpuNs: number;
  /**
   * CPU time of each thread, ns, by thread id: a thread that exits between two readings takes its
   * time out of `cpuNs` (a CI run saw −492 ms), so the change over a connection is summed per thread.
   */
  threads?: ReadonlyMap<string, number>;
  /** Run-queue wait of the main thread (where the endpoint's JavaScript runs), ns. */
  waitNs: number;
}

/** The first two fields of a schedstat line: ns on the CPU, ns waiting on a run queue. */
function parseSchedstat(text: string): [number, number] {
  const [cpu, wait] = text.trim().split(/\s+/).map(Number);
  return [cpu, wait];
}

/** Scheduler statistics of process `pid`, or null when it is gone or procfs does not have them. */
export async function readProcessSched(pid: number): Promise<ProcessSched | null> {
  if (!(pid > 0)) return null;
  try {
    const tids = readdirSync(`/proc/${pid}/task`);
    let cpuNs = 0;
    let waitNs = Number.NaN;
    const threads = new Map<string, number>();
    for (const tid of tids) {
      let text: string;
      try {
        text = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8");
      } catch {
        continue; // the thread exited between readdir and the read: it contributes nothing
      }
      const [cpu, wait] = parseSchedstat(text);
      cpuNs += cpu;
      threads.set(tid, cpu);
      if (tid === String(pid)) waitNs = wait;
    }
    return Number.isFinite(waitNs) ? { pid, cpuNs, waitNs, threads } : null;
  } catch {
    return null;
  }
}

/** /proc/pressure/cpu "some" total (µs a runnable task waited for a CPU since boot), or null without PSI. */
export async function readPsiSomeUs(): Promise<number | null> {
  try {
    const text = readFileSync("/proc/pressure/cpu", "utf8");
    const m = /^some .*total=(\d+)/m.exec(text);
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/** One direction of the relay's lateness: histogram and all-time maximum. */
interface LatenessReading {
  hist: number[];
  maxUs: number;
}

/** The relay's lateness histogram from a lane's counters (lateHist<i>, lateMaxUs), or null (no relay). */
export function latenessOf(link: Record<string, number>, which: "up" | "down"): LatenessReading | null {
  const hist: number[] = [];
  for (let i = 0; i <= LATE_BOUNDS_US.length; i++) {
    const v = link[`${which}.lateHist${i}`];
    if (typeof v !== "number") return null;
    hist.push(v);
  }
  return { hist, maxUs: link[`${which}.lateMaxUs`] ?? 0 };
}

export interface FidelitySnapshot {
  atMs: number;
  client: ProcessSched | null;
  server: ProcessSched | null;
  psiUs: number | null;
  up: LatenessReading | null;
  down: LatenessReading | null;
}

/** Reads everything but the link (whose counters the runner already reads for the row's `link`). */
export async function fidelitySnapshot(
  clientPid: number,
  serverPid: number,
  link: Record<string, number>,
): Promise<FidelitySnapshot> {
  const [client, server, psiUs] = await Promise.all([
    readProcessSched(clientPid),
    readProcessSched(serverPid),
    readPsiSomeUs(),
  ]);
  return {
    atMs: performance.now(),
    client,
    server,
    psiUs,
    up: latenessOf(link, "up"),
    down: latenessOf(link, "down"),
  };
}

const ms = (ns: number) => Math.round(ns / 1e3) / 1e3;

/** The row's fidelity from the readings before and after its connection. */
export function rowFidelity(
  before: FidelitySnapshot,
  after: FidelitySnapshot,
  link: { rate_mbps: number; mtu: number },
  rowMs: number | null,
): RowFidelity {
  // Lateness of both directions together: the histograms add, the maximum is the larger.
  let late: ReturnType<typeof latenessFromHistogram> | null = null;
  if (before.up && before.down && after.up && after.down) {
    const delta = after.up.hist.map(
      (n, i) => n - before.up!.hist[i] + after.down!.hist[i] - before.down!.hist[i],
    );
    const grewUp = after.up.maxUs > before.up.maxUs;
    const grewDown = after.down.maxUs > before.down.maxUs;
    // The larger all-time maximum bounds the window's; it is exact only if it is one that grew.
    const [maxUs, grew] =
      after.up.maxUs >= after.down.maxUs ? [after.up.maxUs, grewUp] : [after.down.maxUs, grewDown];
    late = latenessFromHistogram(delta, maxUs, grew);
  }
  // A driver restarted between the two readings is another process: its figures do not compare.
  const same = (b: ProcessSched | null, a: ProcessSched | null): [ProcessSched, ProcessSched] | null =>
    b && a && b.pid === a.pid ? [b, a] : null;
  const cpu = (b: ProcessSched | null, a: ProcessSched | null) => {
    const p = same(b, a);
    if (!p) return null;
    const [was, is] = p;
    if (!was.threads || !is.threads) return ms(Math.max(0, is.cpuNs - was.cpuNs));
    // Per thread: the threads alive after, each from its reading before (0 if it started since); a
    // thread that exited in between is left out rather than subtracted.
    let ns = 0;
    for (const [tid, t] of is.threads) ns += Math.max(0, t - (was.threads.get(tid) ?? 0));
    return ms(ns);
  };
  const wait = (b: ProcessSched | null, a: ProcessSched | null) => {
    const p = same(b, a);
    return p ? ms(p[1].waitNs - p[0].waitNs) : null;
  };
  let pressure: CpuPressure | null = null;
  const spanUs = (after.atMs - before.atMs) * 1000;
  if (before.psiUs !== null && after.psiUs !== null && spanUs > 0)
    // Clamped: the kernel folds stall time into the total on scheduler events, so over a window of
    // tens of ms the total can run a little ahead of the wall clock.
    pressure = {
      source: "psi_some",
      pct: Math.min(100, Math.round((1000 * (after.psiUs - before.psiUs)) / spanUs) / 10),
    };
  else
    pressure = {
      source: "loadavg_per_cpu",
      value: Math.round((100 * loadavg()[0]) / availableParallelism()) / 100,
    };
  const measured = {
    late_max_ms: late ? late.max_ms : null,
    late_p99_ms: late ? late.p99_ms : null,
    late_packets: late ? late.packets : null,
    window_ms: Math.round(after.atMs - before.atMs),
    client_cpu_ms: cpu(before.client, after.client),
    server_cpu_ms: cpu(before.server, after.server),
    client_wait_ms: wait(before.client, after.client),
    server_wait_ms: wait(before.server, after.server),
  };
  const thresholds = fidelityThresholds(link.rate_mbps, link.mtu, rowMs);
  return { ...measured, pressure, thresholds, marked: fidelityMarks(measured, thresholds) };
}
