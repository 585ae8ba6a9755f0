// The fidelity guard: what the machine did while one connection was measured, and whether that row
// was taken on a disturbed lane. The runner records a row's `fidelity` (relay release lateness, the
// endpoints' CPU time and run-queue wait, the machine's CPU pressure) and marks the row when a
// threshold below is crossed; the report counts marked rows per cell. A marked row is kept in every
// statistic: marking says "look here", it never drops data.

import type { Row } from "./row.js";

/** Reasons a row is marked, as recorded in `fidelity.marked`. */
export type FidelityMark = "relay_late" | "endpoint_wait";

/** The machine's CPU pressure over the connection, from the best source the kernel offers. */
export type CpuPressure =
  /** PSI (/proc/pressure/cpu "some" total): % of the connection's wall time some runnable task waited for a CPU. */
  | { source: "psi_some"; pct: number }
  /** No PSI: the 1-minute load average divided by the online CPUs, read at the connection's end. */
  | { source: "loadavg_per_cpu"; value: number };

export interface RowFidelity {
  /**
   * The relay's release lateness over this connection's packets, both directions, in ms: the upper
   * bound of the histogram bucket holding the latest packet (exact when the relay's all-time maximum
   * grew during the connection) and of the bucket holding the 99th percentile. null: no relay (netem,
   * none), so no lateness to read.
   */
  late_max_ms: number | null;
  late_p99_ms: number | null;
  /** Packets the relay released during the connection (the histogram's count). */
  late_packets: number | null;
  /**
   * Wall time between the two readings the CPU, wait and pressure figures are deltas over, ms: the
   * connection, the driver's handling of its command before t0 and the idle wait after the last
   * packet (run/idle.ts), so a little longer than the connection itself.
   */
  window_ms: number | null;
  /** CPU time of the client and server endpoint processes (all threads) over the window, ms. */
  client_cpu_ms: number | null;
  server_cpu_ms: number | null;
  /** Time the endpoints' main (JavaScript) threads were runnable but waited for a CPU, ms. */
  client_wait_ms: number | null;
  server_wait_ms: number | null;
  /** Recorded for context, never marked on: it is machine-wide, lanes' own work included. */
  pressure: CpuPressure | null;
  /** The thresholds this row was judged by (fidelityThresholds), so a row explains its own mark. */
  thresholds: { late_ms: number; wait_ms: number };
  /** Why the row was taken on a disturbed lane; empty when it was not. */
  marked: FidelityMark[];
}

/**
 * Upper bounds (µs) of the relay's lateness histogram buckets (the relay's late_bounds_us); the
 * last bucket holds everything above the last bound.
 */
export const LATE_BOUNDS_US = [20, 50, 100, 250, 500, 1000, 2000, 5000, 10000, 20000, 50000, 100000] as const;

/**
 * Lateness threshold floor (ms). An idle relay releases within tens of µs (it spins the last
 * stretch before a packet is due); a relay thread that loses its CPU to another task waits about
 * one scheduler slice (Linux's base slice is 0.75 ms, stretched with the CPU count and load to
 * 1.5–3 ms on 2 cores). A release later than 2 ms therefore means the relay was kept off the CPU
 * for more than a normal slice: a stall of the host, not of the link.
 */
export const LATE_FLOOR_MS = 2;

/**
 * Endpoint wait: floor (ms) and share of the connection's own time. The wait is read over the
 * driver's whole window around the connection (window_ms, longer than the timed span), so even a
 * lane alone on a quiet machine shows some: measured 2026-12-07 on the 2-core machine, quick preset,
 * one lane, 80 rows: p50 1.5 ms, p90 4.5 ms (1.8 % of the window), a few outliers to 36 ms; with six
 * lanes p50 3.1 ms, p90 15.7 ms, while every cell's p50 stayed within 1 % of the one-lane run's. A
 * floor of 10 ms and 2 % of the row's time therefore mark the rows that waited well beyond a quiet
 * lane's own noise — a lane starved beside CPU hogs waits hundreds of ms (test/e2e/fidelity.test.ts) —
 * and not the ordinary scheduling of a packed machine.
 */
export const WAIT_FLOOR_MS = 10;
export const WAIT_SHARE = 0.02;

/**
 * The thresholds for a row on a link of `rateMbps` (0: unshaped) and `mtu`:
 * - late_ms: the larger of LATE_FLOOR_MS and one MTU-sized packet's serialization time at the rate
 *   (12 ms at 1 Mbit/s, 12 µs at 1 Gbit/s). The emulated link itself releases a queued packet only
 *   once per serialization slot, so a release late by less than one slot reorders nothing and moves
 *   the flow by less than the link's own granularity. Rounded up to a histogram bound, so the rule
 *   "the latest packet's bucket lies above the threshold" is exact.
 * - wait_ms: the larger of WAIT_FLOOR_MS and WAIT_SHARE of the row's time (ttlb, else handshake).
 */
export function fidelityThresholds(
  rateMbps: number,
  mtu: number,
  rowMs: number | null,
): { late_ms: number; wait_ms: number } {
  const slotMs = rateMbps > 0 ? (mtu * 8) / (rateMbps * 1000) : 0;
  const raw = Math.max(LATE_FLOOR_MS, slotMs);
  const bound = LATE_BOUNDS_US.find((b) => b / 1000 >= raw);
  const late_ms = bound !== undefined ? bound / 1000 : raw;
  const wait_ms = Math.max(WAIT_FLOOR_MS, WAIT_SHARE * (rowMs ?? 0));
  return { late_ms, wait_ms };
}

/** The marks of a row's measured fidelity against its thresholds (missing figures mark nothing). */
export function fidelityMarks(
  f: Pick<RowFidelity, "late_max_ms" | "client_wait_ms" | "server_wait_ms">,
  t: { late_ms: number; wait_ms: number },
): FidelityMark[] {
  const marks: FidelityMark[] = [];
  if (f.late_max_ms !== null && f.late_max_ms > t.late_ms) marks.push("relay_late");
  const waits = [f.client_wait_ms, f.server_wait_ms].filter((w): w is number => w !== null);
  if (waits.some((w) => w > t.wait_ms)) marks.push("endpoint_wait");
  return marks;
}

/**
 * Lateness maximum and 99th percentile (ms) of the packets in a histogram delta (one count per
 * bucket of LATE_BOUNDS_US, then the bucket above): each the upper bound of its bucket. `allTimeMaxUs`
 * is the relay's all-time maximum after the window, `grew` whether it grew during it: if it did, it is
 * the window's exact maximum; if not, it still bounds the open last bucket. With no packets both are 0.
 */
export function latenessFromHistogram(
  delta: readonly number[],
  allTimeMaxUs: number,
  grew: boolean,
): { max_ms: number; p99_ms: number; packets: number } {
  const packets = delta.reduce((a, b) => a + b, 0);
  if (packets === 0) return { max_ms: 0, p99_ms: 0, packets };
  let top = delta.length - 1;
  while (top > 0 && delta[top] === 0) top--;
  const boundMs = (i: number): number => {
    if (i === top && grew) return allTimeMaxUs / 1000;
    return i < LATE_BOUNDS_US.length ? LATE_BOUNDS_US[i] / 1000 : allTimeMaxUs / 1000;
  };
  const rank = Math.ceil(0.99 * packets);
  let seen = 0;
  let p99 = top;
  for (let i = 0; i < delta.length; i++) {
    seen += delta[i];
    if (seen >= rank) {
      p99 = i;
      break;
    }
  }
  return { max_ms: boundMs(top), p99_ms: boundMs(p99), packets };
}

/** Is this row marked by the fidelity guard? */
export function isMarked(row: Row): boolean {
  return (row.fidelity?.marked.length ?? 0) > 0;
}

/**
 * Share of a cell's rows above which the cell is flagged in the data-quality warnings. A few marked
 * rows cannot move a median: with n samples, m marked rows shift the p50 by at most m/2 ranks, and
 * at 5 % that is 2.5 percentile points, inside the p50's own bootstrap interval at the sample sizes
 * the study uses. Above it the cell's timings partly measured the host.
 */
export const MAX_MARKED_SHARE = 0.05;

/** The data-quality flag of a cell with too many marked rows, or none. */
export function markedFlags(marked: number, attempts: number): string[] {
  return attempts > 0 && marked / attempts > MAX_MARKED_SHARE
    ? [
        `${marked} of ${attempts} connections were taken while their lane was disturbed (fidelity guard: relay late or endpoints waiting for a CPU; more than ${MAX_MARKED_SHARE * 100} %)`,
      ]
    : [];
}
