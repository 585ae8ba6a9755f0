// The link check: did the emulated link deliver the RTT it was configured with? TCP's handshake takes
// one round trip (plus serialising two small packets), so the median TCP connect time of a link
// condition should sit just above its configured RTT. `pqtls run` prints this check at the end of a
// run (harness runner, `checkRtt`) and the report shows it next to the numbers; both call
// judgeConnectTimes, so the CLI line and the report cannot disagree on the same samples.
//
// Rows are grouped by their link parameters only (not engine, variant or response size: they share
// the link) and by the link backend of their run's meta line. Rows of a `link: none` run (unshaped
// loopback) are summarised but not judged: their configured RTT was never emulated.

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
  "median TCP connect time (one round trip) of successful connections within [RTT − 0.5 − 4 × jitter, 1.1 × RTT + 2 + 4 × jitter] ms of the configured RTT and jitter; median = p50 (R type 7)";

/** The range the median TCP connect time must fall in, in ms (jitter moves the median both ways). */
export function linkCheckBounds(rtt_ms: number, jitter_ms: number): { low_ms: number; high_ms: number } {
  const slack = 4 * jitter_ms;
  // A connect time cannot be negative: a large jitter's slack stops at 0 (the verdict is the same).
  return { low_ms: Math.max(0, rtt_ms - 0.5 - slack), high_ms: rtt_ms * 1.1 + 2 + slack };
}

/** TCP connect times of one link condition against its configured RTT and jitter. */
export interface ConnectTimeCheck {
  /** Connect times judged. */
  n: number;
  /** Type-7 percentiles of the connect times, ms; null when n = 0. */
  p10: number | null;
  p50: number | null;
  p90: number | null;
  expected: { low_ms: number; high_ms: number };
  status: "ok" | "check" | "no data";
}

/** The rule itself, shared by the runner's end-of-run lines and the report. */
export function judgeConnectTimes(
  rtt_ms: number,
  jitter_ms: number,
  times: ArrayLike<number>,
): ConnectTimeCheck {
  const expected = linkCheckBounds(rtt_ms, jitter_ms);
  const sorted = sortedCopy(times);
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
  expected: { low_ms: number; high_ms: number };
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
      const judged = judgeConnectTimes(rtt, jitter, g.times);
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
