// The fidelity guard's rule (thresholds, marks, lateness from a histogram delta) and how the report
// counts marked rows: per cell, flagged above MAX_MARKED_SHARE, apart from "not significant", and
// never dropped from the statistics.

import { describe, expect, it } from "vitest";
import {
  fidelityMarks,
  fidelityThresholds,
  isMarked,
  LATE_BOUNDS_US,
  latenessFromHistogram,
  MAX_MARKED_SHARE,
  type RowFidelity,
} from "../src/fidelity.js";
import { parseResults } from "../src/load.js";
import { renderMarkdown } from "../src/markdown.js";
import type { Row } from "../src/row.js";
import { summarizeRows } from "../src/summary.js";
import { exponential, jsonl, meta, mulberry32, rowsFor } from "./synth.js";

const CLASSIC = { kex: "x25519", chain: "rsa2048" };
const PQ = { kex: "X25519MLKEM768", chain: "mldsa65" };

function fidelity(marked: RowFidelity["marked"]): RowFidelity {
  return {
    late_max_ms: marked.includes("relay_late") ? 50 : 0.05,
    late_p99_ms: 0.05,
    late_packets: 40,
    window_ms: 120,
    client_cpu_ms: 6,
    server_cpu_ms: 7,
    client_wait_ms: marked.includes("endpoint_wait") ? 30 : 0.4,
    server_wait_ms: 0.3,
    pressure: { source: "psi_some", pct: 12.5 },
    thresholds: { late_ms: 2, wait_ms: 5 },
    marked,
  };
}

/** A histogram delta with `counts` at bucket indices (the rest 0). */
function hist(counts: Record<number, number>): number[] {
  return Array.from({ length: LATE_BOUNDS_US.length + 1 }, (_, i) => counts[i] ?? 0);
}

describe("fidelity thresholds", () => {
  it("lateness: one MTU slot at the rate, at least 2 ms, rounded up to a histogram bound", () => {
    // 1500 B at 1 Mbit/s = 12 ms → the 20 ms bound; at 10 Mbit/s 1.2 ms → the 2 ms floor.
    expect(fidelityThresholds(1, 1500, 800).late_ms).toBe(20);
    expect(fidelityThresholds(10, 1500, 800).late_ms).toBe(2);
    expect(fidelityThresholds(1000, 1500, 80).late_ms).toBe(2);
    // Unshaped: the floor. 0.1 Mbit/s: 120 ms, above the last bound: kept as is.
    expect(fidelityThresholds(0, 1500, 80).late_ms).toBe(2);
    expect(fidelityThresholds(0.1, 1500, 80).late_ms).toBeCloseTo(120, 6);
  });

  it("endpoint wait: 2 % of the row's own time, at least 10 ms", () => {
    expect(fidelityThresholds(1, 1500, 2400).wait_ms).toBeCloseTo(48, 9);
    expect(fidelityThresholds(1000, 1500, 80).wait_ms).toBe(10);
    expect(fidelityThresholds(1000, 1500, null).wait_ms).toBe(10);
  });
});

describe("fidelity marks", () => {
  const t = { late_ms: 20, wait_ms: 10 };
  const quiet = { late_max_ms: 0.25, client_wait_ms: 1, server_wait_ms: 2 };

  it("mark a late relay and a waiting endpoint, each by its own threshold, and nothing at the thresholds", () => {
    expect(fidelityMarks(quiet, t)).toEqual([]);
    expect(fidelityMarks({ ...quiet, late_max_ms: 20 }, t)).toEqual([]);
    expect(fidelityMarks({ ...quiet, late_max_ms: 50 }, t)).toEqual(["relay_late"]);
    expect(fidelityMarks({ ...quiet, server_wait_ms: 10.5 }, t)).toEqual(["endpoint_wait"]);
    expect(fidelityMarks({ late_max_ms: 100, client_wait_ms: 11, server_wait_ms: 0 }, t)).toEqual([
      "relay_late",
      "endpoint_wait",
    ]);
  });

  it("mark nothing on figures that could not be read (no relay, endpoint gone)", () => {
    expect(fidelityMarks({ late_max_ms: null, client_wait_ms: null, server_wait_ms: null }, t)).toEqual([]);
  });
});

describe("lateness from a histogram delta", () => {
  it("gives the upper bounds of the buckets holding the latest packet and the 99th percentile", () => {
    // 200 packets ≤ 20 µs, 1 in (1, 2] ms: p99 (rank 198) in the first bucket, max ≤ 2 ms.
    const r = latenessFromHistogram(hist({ 0: 200, 6: 1 }), 7000, false);
    expect(r).toEqual({ max_ms: 2, p99_ms: 0.02, packets: 201 });
    // 10 of 100 in (20, 50] ms: the p99 is there too.
    expect(latenessFromHistogram(hist({ 1: 90, 10: 10 }), 60_000, false)).toEqual({
      max_ms: 50,
      p99_ms: 50,
      packets: 100,
    });
  });

  it("uses the relay's all-time maximum when it grew in the window (exact) or for the open last bucket", () => {
    expect(latenessFromHistogram(hist({ 0: 50, 10: 1 }), 43_210, true).max_ms).toBeCloseTo(43.21, 9);
    const open = LATE_BOUNDS_US.length;
    expect(latenessFromHistogram(hist({ 0: 50, [open]: 1 }), 250_000, false).max_ms).toBe(250);
  });

  it("reads 0 when no packet crossed the relay", () => {
    expect(latenessFromHistogram(hist({}), 9000, false)).toEqual({ max_ms: 0, p99_ms: 0, packets: 0 });
  });
});

describe("marked rows in the report", () => {
  const r = mulberry32(15);
  const base = rowsFor({ ...CLASSIC, handshake: exponential(100, 4, 70, r) });
  const pq = rowsFor({ ...PQ, handshake: exponential(100, 4, 80, r) });
  const withMarks = (rows: Row[], n: number): Row[] =>
    rows.map((x, i) => ({ ...x, fidelity: fidelity(i < n ? ["relay_late"] : []) }));

  it("are counted per cell and kept in every statistic", () => {
    const rows = [...withMarks(base, 3), ...withMarks(pq, 8)];
    const s = summarizeRows(rows, [meta()], { resamples: 200 });
    const b = s.cells.find((c) => c.variant.kex === CLASSIC.kex)!;
    const v = s.cells.find((c) => c.variant.kex === PQ.kex)!;
    expect(b.marked).toBe(3);
    expect(v.marked).toBe(8);
    expect(b.metrics.handshake_ms!.n).toBe(100);
    expect(v.metrics.handshake_ms!.n).toBe(100);
    expect(rows.filter(isMarked).length).toBe(11);
  });

  it(`flag a cell only above ${MAX_MARKED_SHARE * 100} % marked, as data quality (not as "not significant")`, () => {
    // 5 of 100 marked: at the share, not above it. 8 of 100: flagged.
    const rows = [...withMarks(base, 5), ...withMarks(pq, 8)];
    const s = summarizeRows(rows, [meta()], { resamples: 200 });
    const b = s.cells.find((c) => c.variant.kex === CLASSIC.kex)!;
    const v = s.cells.find((c) => c.variant.kex === PQ.kex)!;
    expect(b.metrics.handshake_ms!.flags.p50).toEqual([]);
    const why = v.metrics.handshake_ms!.flags.p50;
    expect(why).toHaveLength(1);
    expect(why[0]).toMatch(/^8 of 100 connections were taken while their lane was disturbed/);
    const inc = s.comparisons[0].metrics.handshake_ms!.p50;
    expect(inc.flags).toEqual([`variant: ${why[0]}`]);
    // The PQ cell is 10 ms slower: a significant difference, flagged for its data all the same.
    expect(inc.significant).toBe(true);
    expect(renderMarkdown(s)).toContain(`variant: ${why[0]}`);
  });

  it("rows with a fidelity field pass the loader's schema; a bad mark is refused", () => {
    const rows = withMarks(base.slice(0, 3), 1);
    expect(parseResults(jsonl(meta(), rows), "x.jsonl").rows).toHaveLength(3);
    const bad = { ...rows[0], fidelity: { ...rows[0].fidelity!, marked: ["slow"] } };
    expect(() => parseResults(jsonl(meta(), [bad]), "x.jsonl")).toThrow(/fidelity/);
  });
});
