// The link check: did the emulated link deliver the RTT it was configured with? TCP's handshake takes
// one round trip (plus serialising two small packets), so the median TCP connect time of a link
// condition should sit just above its configured RTT. `pqtls run` prints this check at the end of a
// run (harness runner, `checkRtt`) and the report shows it next to the numbers; both call
// judgeConnectTimes, so the CLI line and the report cannot disagree on the same samples.
//
// Rows are grouped by their link parameters only (not engine, variant or response size: they share
// the link) and by the link backend of their run's meta line. Rows of a `link: none` run (unshaped
// loopback) are summarised but not judged: their configured RTT was never emulated.

import { JITTER_DIST_NAMES, type JitterDistName, roundTripQuantiles } from "./jitter.js";
import { LINK_FIELDS } from "./params.js";
import { quantileSorted, sortedCopy } from "./quantile.js";
import type { MetaLine, Row } from "./row.js";

/** The link fields a link condition is grouped by: the link part of a report condition. */
export const LINK_CHECK_FIELDS = LINK_FIELDS;
export type LinkCheckField = (typeof LINK_CHECK_FIELDS)[number];
/** A row's link parameters; null where the row does not carry the field (e.g. no loss_model). */
export type LinkCondition = { [K in LinkCheckField]: string | number | null };

/**
 * `ok`: median within the expected range; `check`: outside it (the link may not have delivered its
 * RTT); `no data`: no successful connection with a TCP connect time; `not emulated`: rows of a run
 * whose link backend was `none`, so the configured RTT was not emulated and is not judged.
 */
export type LinkCheckStatus = "ok" | "check" | "no data" | "not emulated";

export const LINK_CHECK_RULE =
  "median TCP connect time (one round trip) of successful connections within [q(0.5 − w) − 0.5, q(0.5 + w) + 0.1 × RTT + 2] ms, where q is the quantile function of the configured round trip (rtt/2 each way plus each direction's own netem jitter draw from its distribution: uniform, normal, pareto or paretonormal; q = RTT without jitter) and w = min(0.4, 3.29 × 0.5 / √n) covers the sample median's own spread (two-sided 0.1 %); median = p50 (R type 7)";

/** What the configured link should give for TCP connect times, and the range its median must fall in (ms). */
export interface ExpectedConnectTimes {
  low_ms: number;
  high_ms: number;
  /** Quantiles of one round trip with the configured delay, jitter and distribution (= RTT without jitter). */
  p10_ms: number;
  p50_ms: number;
  p90_ms: number;
}

/** Sample medians of n draws fall within quantiles 0.5 ± this of their distribution (two-sided 0.1 %). */
export function medianBand(n: number): number {
  return n > 0 ? Math.min(0.4, (3.29 * 0.5) / Math.sqrt(n)) : 0.4;
}

/** A row's jitter distribution name; rows without one (or with jitter 0) are netem's default, uniform. */
export function jitterDistOf(value: unknown): JitterDistName {
  return JITTER_DIST_NAMES.includes(value as JitterDistName) ? (value as JitterDistName) : "uniform";
}

/**
 * The range the median TCP connect time of n samples must fall in, and the round trip's expected
 * p10/p50/p90, for a link of `rtt_ms` with `jitter_ms` per direction drawn from `dist`. Without
 * jitter this is [RTT − 0.5, 1.1 × RTT + 2] (processing, serialising two small packets, timers).
 */
export function linkCheckBounds(
  rtt_ms: number,
  jitter_ms: number,
  dist: JitterDistName = "uniform",
  n = Number.POSITIVE_INFINITY,
): ExpectedConnectTimes {
  const w = Number.isFinite(n) ? medianBand(n) : 0;
  const [lo, p10, p50, p90, hi] = roundTripQuantiles(rtt_ms, jitter_ms, dist, [
    0.5 - w,
    0.1,
    0.5,
    0.9,
    0.5 + w,
  ]);
  // A connect time cannot be negative.
  return {
    low_ms: Math.max(0, lo - 0.5),
    high_ms: hi + 0.1 * rtt_ms + 2,
    p10_ms: p10,
    p50_ms: p50,
    p90_ms: p90,
  };
}

/** TCP connect times of one link condition against its configured RTT and jitter. */
export interface ConnectTimeCheck {
  /** Connect times judged. */
  n: number;
  /** Type-7 percentiles of the connect times, ms; null when n = 0. */
  p10: number | null;
  p50: number | null;
  p90: number | null;
  expected: ExpectedConnectTimes;
  status: "ok" | "check" | "no data";
}

/** The rule itself, shared by the runner's end-of-run lines and the report. */
export function judgeConnectTimes(
  rtt_ms: number,
  jitter_ms: number,
  times: ArrayLike<number>,
  dist: JitterDistName = "uniform",
): ConnectTimeCheck {
  const sorted = sortedCopy(times);
  const expected = linkCheckBounds(rtt_ms, jitter_ms, dist, sorted.length);
  if (sorted.length === 0) return { n: 0, p10: null, p50: null, p90: null, expected, status: "no data" };
  const p50 = quantileSorted(sorted, 0.5);
  return {
    n: sorted.length,
    p10: quantileSorted(sorted, 0.1),
    p50,
    p90: quantileSorted(sorted, 0.9),
    expected,
    status: p50 >= expected.low_ms && p50 <= expected.high_ms ? "ok" : "check",
  };
}

export interface LinkCheckRow {
  link: LinkCondition;
  /** Link backend of the rows' runs (meta lines), "a+b" when they differ; null when no meta line names the run. */
  link_backend: string | null;
  runs: string[];
  /** All rows of this link condition, failed ones included. */
  attempts: number;
  n: number;
  p10: number | null;
  p50: number | null;
  p90: number | null;
  expected: ExpectedConnectTimes;
  status: LinkCheckStatus;
}

function linkOf(row: Row): LinkCondition {
  const c = {} as LinkCondition;
  for (const f of LINK_CHECK_FIELDS) {
    const v = (row as unknown as Record<string, unknown>)[f];
    c[f] = typeof v === "string" || typeof v === "number" ? v : null;
  }
  return c;
}

function compareLinks(a: LinkCondition, b: LinkCondition): number {
  for (const f of LINK_CHECK_FIELDS) {
    const x = a[f];
    const y = b[f];
    if (x === y) continue;
    if (x === null) return -1;
    if (y === null) return 1;
    if (typeof x === "number" && typeof y === "number") return x - y;
    return String(x).localeCompare(String(y));
  }
  return 0;
}

/**
 * One row per link condition (and link backend): the connect times of its successful rows with a
 * `tcp_connect_ms`, judged against its configured RTT and jitter unless its runs were not emulated.
 * `meta` gives each run's link backend; rows of a run without a meta line are judged (backend null).
 */
export function linkCheck(rows: readonly Row[], meta: readonly MetaLine[] = []): LinkCheckRow[] {
  const backends = new Map<string, Set<string>>();
  for (const m of meta) {
    const set = backends.get(m.run) ?? new Set<string>();
    set.add(m.link_backend);
    backends.set(m.run, set);
  }
  const backendOf = (run: string): string | null => {
    const set = backends.get(run);
    return set ? [...set].sort().join("+") : null;
  };
  const groups = new Map<
    string,
    { link: LinkCondition; backend: string | null; runs: Set<string>; attempts: number; times: number[] }
  >();
  for (const row of rows) {
    const link = linkOf(row);
    const backend = backendOf(row.run);
    const key = JSON.stringify([...LINK_CHECK_FIELDS.map((f) => link[f]), backend]);
    let g = groups.get(key);
    if (!g) {
      g = { link, backend, runs: new Set(), attempts: 0, times: [] };
      groups.set(key, g);
    }
    g.runs.add(row.run);
    g.attempts++;
    if (row.ok && typeof row.tcp_connect_ms === "number") g.times.push(row.tcp_connect_ms);
  }
  return [...groups.values()]
    .sort(
      (a, b) =>
        compareLinks(a.link, b.link) || String(a.backend ?? "").localeCompare(String(b.backend ?? "")),
    )
    .map((g) => {
      const rtt = typeof g.link.rtt_ms === "number" ? g.link.rtt_ms : 0;
      const jitter = typeof g.link.jitter_ms === "number" ? g.link.jitter_ms : 0;
      const judged = judgeConnectTimes(rtt, jitter, g.times, jitterDistOf(g.link.jitter_dist));
      // "none" anywhere among the runs: at least part of these times are from unshaped loopback.
      const emulated = g.backend === null || !g.backend.split("+").includes("none");
      return {
        link: g.link,
        link_backend: g.backend,
        runs: [...g.runs].sort(),
        attempts: g.attempts,
        n: judged.n,
        p10: judged.p10,
        p50: judged.p50,
        p90: judged.p90,
        expected: judged.expected,
        status: emulated ? judged.status : "not emulated",
      };
    });
}
