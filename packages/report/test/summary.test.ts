// The JSON summary on synthetic rows with known distributions: every statistic and % increase
// agrees with an independent computation, intervals bracket the truth and repeat under the seed,
// small or failure-ridden cells are flagged, failures are counted and never averaged in.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { cdfPoints } from "../src/figures.js";
import { parseResults } from "../src/load.js";
import { fmtDeltaMs, fmtMs, renderMarkdown } from "../src/markdown.js";
import { writeReport } from "../src/report.js";
import type { Row } from "../src/row.js";
import { metricValue, PERCENTILE_NAMES, PERCENTILES } from "../src/stats.js";
import { type ReportSummary, summarize, summarizeRows } from "../src/summary.js";
import { exponential, jsonl, meta, mulberry32, rowsFor } from "./synth.js";

const dir = mkdtempSync(join(tmpdir(), "pqtls-report-summary-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Hyndman & Fan's type 7 in their own 1-based notation: j = floor(np + m), m = 1 - p, g = np + m - j. */
function refQuantile(values: number[], p: number): number {
  const x = [...values].sort((a, b) => a - b);
  const n = x.length;
  const m = 1 - p;
  const j = Math.floor(n * p + m);
  const g = n * p + m - j;
  const xj = x[j - 1];
  const xj1 = x[Math.min(j, n - 1)];
  return (1 - g) * xj + g * xj1;
}

function refMean(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

function refStdev(xs: number[]): number {
  const m = refMean(xs);
  return Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1));
}

const rand = mulberry32(2024);
const CLASSIC = { kex: "x25519", chain: "rsa2048" };
const PQ = { kex: "X25519MLKEM768", chain: "mldsa65" };

function dataset(): Row[] {
  const rows: Row[] = [];
  for (const bytes of [0, 10240]) {
    // Variant = 1.2 × baseline in distribution: every percentile's true increase is 20 %.
    const base = exponential(400, 8, 80, rand);
    const pq = exponential(400, 8, 80, rand).map((x) => 1.2 * x);
    rows.push(...rowsFor({ ...CLASSIC, bytes, handshake: base, ttlb: base.map((x) => x + 100) }));
    rows.push(...rowsFor({ ...PQ, bytes, handshake: pq, ttlb: pq.map((x) => x + 100) }));
    // Mixed variants: neither PQ+PQ nor classical+classical, so the default comparison ignores them.
    rows.push(
      ...rowsFor({ kex: "X25519MLKEM768", chain: "rsa2048", bytes, handshake: exponential(50, 8, 85, rand) }),
    );
    rows.push(
      ...rowsFor({ kex: "x25519", chain: "mldsa65", bytes, handshake: exponential(50, 8, 90, rand) }),
    );
  }
  // Lossy condition: the baseline loses 5 of 45 attempts, the variant has only 20 samples.
  rows.push(
    ...rowsFor({
      ...CLASSIC,
      rtt_ms: 200,
      loss_pct: 10,
      handshake: exponential(40, 100, 400, rand),
      failures: 5,
    }),
  );
  rows.push(...rowsFor({ ...PQ, rtt_ms: 200, loss_pct: 10, handshake: exponential(20, 100, 450, rand) }));
  return rows;
}

const rows = dataset();
const input = join(dir, "results.jsonl");
writeFileSync(input, jsonl(meta(), rows));

async function jsonSummary(extra: Record<string, unknown> = {}): Promise<ReportSummary> {
  const out = join(dir, `summary-${Math.random().toString(36).slice(2)}.json`);
  await writeReport([input], { out, ...extra });
  return JSON.parse(readFileSync(out, "utf8"));
}

let shared: Promise<ReportSummary> | undefined;
/** The default summary, computed once for the tests that only read it. */
function defaultSummary(): Promise<ReportSummary> {
  shared ??= jsonSummary();
  return shared;
}

describe("JSON summary", () => {
  it("has every cell's n, mean, stdev, min, max and percentiles as computed independently", async () => {
    const s = await defaultSummary();
    expect(s.cells).toHaveLength(10);
    for (const cell of s.cells) {
      const cellRows = rows.filter((r) => r.cell === cell.cell);
      for (const metric of ["handshake_ms", "ttfb_ms", "ttlb_ms"] as const) {
        const xs = cellRows.map((r) => metricValue(r, metric)).filter((v): v is number => v !== null);
        const st = cell.metrics[metric];
        if (xs.length === 0) {
          expect(st).toBeUndefined();
          continue;
        }
        expect(st!.n).toBe(xs.length);
        expect(st!.mean).toBeCloseTo(refMean(xs), 9);
        expect(st!.stdev).toBeCloseTo(refStdev(xs), 9);
        expect(st!.min).toBe(Math.min(...xs));
        expect(st!.max).toBe(Math.max(...xs));
        PERCENTILES.forEach((p, i) => {
          expect(st!.percentiles[PERCENTILE_NAMES[i]]).toBeCloseTo(refQuantile(xs, p), 9);
        });
        expect(st!.median_ci.low).toBeLessThanOrEqual(st!.percentiles.p50);
        expect(st!.median_ci.high).toBeGreaterThanOrEqual(st!.percentiles.p50);
      }
    }
  });

  it("counts failures and leaves them out of every statistic", async () => {
    const s = await defaultSummary();
    const lossy = s.cells.find((c) => c.variant.kex === "x25519" && c.condition.loss_pct === 10)!;
    expect(lossy.attempts).toBe(45);
    expect(lossy.failures).toBe(5);
    expect(lossy.errors).toEqual({ timeout: 5 });
    expect(lossy.metrics.handshake_ms!.n).toBe(40);
    const ok = rows.filter((r) => r.cell === lossy.cell && r.ok).map((r) => r.handshake_ms!);
    expect(lossy.metrics.handshake_ms!.mean).toBeCloseTo(refMean(ok), 9);
    expect(lossy.metrics.handshake_ms!.flags.p50).toContain("11.1 % of attempts failed");
    expect(lossy.metrics.handshake_ms!.flags.p90).toContain(
      "11.1 % of attempts failed, reaching into the p90 tail",
    );
  });

  it("flags percentiles of a cell with too few samples", async () => {
    const s = await defaultSummary();
    const small = s.cells.find((c) => c.variant.kex === PQ.kex && c.condition.loss_pct === 10)!;
    const st = small.metrics.handshake_ms!;
    expect(st.n).toBe(20);
    expect(st.flags.p50).toEqual([]);
    expect(st.flags.p75).toEqual([]);
    expect(st.flags.p90).toEqual(["too few samples for p90: n = 20 < 30"]);
    expect(st.flags.p99).toEqual(["too few samples for p99: n = 20 < 300"]);
    const big = s.cells.find((c) => c.variant.kex === PQ.kex && c.bytes === 0 && c.condition.loss_pct === 0)!;
    expect(big.metrics.handshake_ms!.flags.p90).toEqual([]);
  });

  it("compares only PQ kex + PQ chain with classical + classical by default, with independent % increases", async () => {
    const s = await defaultSummary();
    expect(s.comparisons).toHaveLength(3);
    for (const c of s.comparisons) {
      expect(c.variant.variant).toEqual(PQ);
      expect(c.baseline.variant).toEqual(CLASSIC);
      for (const metric of ["handshake_ms", "ttlb_ms"] as const) {
        const vals = (cell: string) =>
          rows
            .filter((r) => r.cell === cell)
            .map((r) => metricValue(r, metric))
            .filter((v): v is number => v !== null);
        const b = vals(c.baseline.cell);
        const v = vals(c.variant.cell);
        PERCENTILES.forEach((p, i) => {
          const x = c.metrics[metric]![PERCENTILE_NAMES[i]];
          const want = (refQuantile(v, p) / refQuantile(b, p) - 1) * 100;
          expect(x.increase_pct).toBeCloseTo(want, 9);
          expect(x.baseline).toBeCloseTo(refQuantile(b, p), 9);
          expect(x.ci.low).toBeLessThanOrEqual(x.ci.high);
        });
      }
    }
  });

  it("gives % increase intervals that bracket the true 20 % where samples are plentiful", async () => {
    const s = await defaultSummary();
    for (const c of s.comparisons.filter((x) => x.condition.loss_pct === 0)) {
      const p50 = c.metrics.handshake_ms!.p50;
      expect(p50.ci.low).toBeLessThan(20);
      expect(p50.ci.high).toBeGreaterThan(20);
      expect(p50.flags).toEqual([]);
    }
    const lossy = s.comparisons.find((x) => x.condition.loss_pct === 10)!;
    expect(lossy.metrics.handshake_ms!.p90.flags).toEqual(
      expect.arrayContaining(["variant: too few samples for p90: n = 20 < 30"]),
    );
  });

  it("is reproducible under the seed, and the seed matters", async () => {
    const a = await jsonSummary({ seed: 5 });
    const b = await jsonSummary({ seed: 5 });
    const c = await jsonSummary({ seed: 6 });
    expect(b.comparisons).toEqual(a.comparisons);
    expect(b.cells).toEqual(a.cells);
    expect(c.comparisons[0].metrics.handshake_ms!.p50.ci).not.toEqual(
      a.comparisons[0].metrics.handshake_ms!.p50.ci,
    );
    // Without --seed the run's seed from the meta line is used.
    expect((await defaultSummary()).method.bootstrap.seed).toBe(42);
  });

  it("has the figure tables: handshake increase per condition, TTLB increase per size, CDFs", async () => {
    const s = await defaultSummary();
    expect(s.figures.handshake_increase.map((r) => [r.label, r.chart_label, r.bytes])).toEqual([
      ["RTT 35 ms, loss 0 %", "35 ms, 0 % loss", 0],
      ["RTT 200 ms, loss 10 %", "200 ms, 10 % loss", 0],
    ]);
    // The lossy condition was measured at one size only: no one-point TTLB-vs-size series.
    expect(s.figures.ttlb_increase.map((x) => x.condition.loss_pct)).toEqual([0]);
    const series = s.figures.ttlb_increase.find((x) => x.condition.loss_pct === 0)!;
    expect(series.points.map((p) => p.bytes)).toEqual([0, 10240]);
    const cmp = s.comparisons.find((c) => c.bytes === 10240)!;
    expect(series.points[1].increase.p75).toEqual(cmp.metrics.ttlb_ms!.p75);
    const cdf = s.figures.cdf.find((x) => x.bytes === 10240 && x.variant.kex === PQ.kex)!;
    expect(cdf.metric).toBe("ttlb_ms");
    expect(cdf.role).toBe("variant");
    expect(s.figures.cdf.find((x) => x.bytes === 10240 && x.variant.kex === CLASSIC.kex)!.role).toBe(
      "baseline",
    );
    expect(cdf.n).toBe(400);
    expect(cdf.points.at(-1)!.fraction).toBe(1);
    expect(cdf.points.every((pt, i, a) => i === 0 || pt.ms >= a[i - 1].ms)).toBe(true);
  });
});

describe("selectors", () => {
  const loaded = () => parseResults(readFileSync(input, "utf8"), "results.jsonl");

  it("--baseline / --variant pick exact variants", () => {
    const s = summarize(loaded(), {
      baseline: "kex=x25519,chain=rsa2048",
      variant: "kex=X25519MLKEM768,chain=rsa2048",
    });
    expect(s.comparisons).toHaveLength(2);
    for (const c of s.comparisons)
      expect(c.variant.variant).toEqual({ kex: "X25519MLKEM768", chain: "rsa2048" });
  });

  it("a baseline matching several variants in a condition is a note, not a guess", () => {
    const s = summarize(loaded(), { baseline: "kex=x25519", variant: "kex=pq,chain=pq" });
    expect(s.comparisons.filter((c) => c.condition.loss_pct === 0)).toHaveLength(0);
    expect(s.notes.some((n) => /several baselines match "kex=x25519"/.test(n))).toBe(true);
  });

  it("summarizeRows on rows in memory equals summarize on the loaded file", () => {
    const fromFile = summarize(loaded(), { seed: 9, resamples: 100 });
    const fromRows = summarizeRows(rows, [meta()], { seed: 9, resamples: 100 });
    expect(fromRows.comparisons).toEqual(fromFile.comparisons);
    expect(fromRows.cells).toEqual(fromFile.cells);
  });

  it("a malformed selector is a one-line error", () => {
    expect(() => summarize(loaded(), { baseline: "kex" })).toThrow(/--baseline: "kex" is not key=value/);
    expect(() => summarize(loaded(), { variant: "group=x" })).toThrow(/--variant: unknown key "group"/);
  });
});

describe("cdfPoints", () => {
  it("is a step from 0 at the minimum through every sample when there are few", () => {
    expect(cdfPoints(Float64Array.from([1, 2, 3]))).toEqual([
      { ms: 1, fraction: 0 },
      { ms: 1, fraction: 1 / 3 },
      { ms: 2, fraction: 2 / 3 },
      { ms: 3, fraction: 1 },
    ]);
    expect(cdfPoints(new Float64Array(0))).toEqual([]);
  });

  it("is evenly spaced quantiles from min to max when there are many", () => {
    const xs = Float64Array.from({ length: 1001 }, (_, i) => i * 2);
    const pts = cdfPoints(xs, 100);
    expect(pts).toHaveLength(101);
    expect(pts[0]).toEqual({ ms: 0, fraction: 0 });
    expect(pts[50]).toEqual({ ms: 1000, fraction: 0.5 });
    expect(pts[100]).toEqual({ ms: 2000, fraction: 1 });
  });
});

describe("loss model as part of the condition", () => {
  it("keeps Gilbert-Elliott and Bernoulli loss of the same mean rate apart, and names them", () => {
    const hs = (base: number) => Array.from({ length: 40 }, (_, i) => base + (i % 7));
    const cells: Row[] = [];
    for (const model of [undefined, "gemodel 1% 10% 100% 0%"]) {
      for (const [kex, chain, base] of [
        ["x25519", "rsa2048", 100],
        ["X25519MLKEM768", "mldsa65", model ? 160 : 120],
      ] as const) {
        const rs = rowsFor({
          kex,
          chain,
          loss_pct: 1,
          handshake: hs(base),
          cell: `${kex}/${model ?? "bernoulli"}`,
        });
        cells.push(...rs.map((r) => (model ? { ...r, loss_model: model } : r)));
      }
    }
    const s = summarizeRows(cells, [meta()], { seed: 1, resamples: 200 });
    expect(s.comparisons).toHaveLength(2);
    const byModel = new Map(s.comparisons.map((c) => [c.condition.loss_model, c]));
    expect([...byModel.keys()].sort()).toEqual(["gemodel 1% 10% 100% 0%", null].sort());
    // Every cell's handshake times are its base + (i mod 7): medians base + 3.
    expect(byModel.get(null)!.metrics.handshake_ms!.p50.increase_pct).toBeCloseTo((123 / 103 - 1) * 100, 9);
    expect(byModel.get("gemodel 1% 10% 100% 0%")!.metrics.handshake_ms!.p50.increase_pct).toBeCloseTo(
      (163 / 103 - 1) * 100,
      9,
    );
    expect(s.dimensions.varying).toContain("loss_model");
  });
});

describe("absolute difference and significance", () => {
  const r = mulberry32(77);
  // A constant cost: the variant's times are the baseline's distribution shifted by 10 ms, so every
  // percentile's true difference is +10 ms. A free variant: the same distribution, difference 0.
  const base = exponential(400, 8, 80, r);
  const costly = exponential(400, 8, 80, r).map((x) => x + 10);
  const free = exponential(400, 8, 80, r);
  const rowsOf = (variant: number[], rtt: number) => [
    ...rowsFor({ ...CLASSIC, rtt_ms: rtt, handshake: base }),
    ...rowsFor({ ...PQ, rtt_ms: rtt, handshake: variant }),
  ];
  const s = summarizeRows([...rowsOf(costly, 35), ...rowsOf(free, 50)], [meta()], { resamples: 400 });
  const at = (rtt: number) => s.comparisons.find((c) => c.condition.rtt_ms === rtt)!.metrics.handshake_ms!;

  it("reports Δ ms = variant − baseline at each percentile, with an interval bracketing the true shift", () => {
    const x = at(35);
    PERCENTILES.forEach((p, i) => {
      const st = x[PERCENTILE_NAMES[i]];
      expect(st.delta_ms).toBeCloseTo(refQuantile(costly, p) - refQuantile(base, p), 9);
      expect(st.delta_ci.low).toBeLessThanOrEqual(st.delta_ms);
      expect(st.delta_ci.high).toBeGreaterThanOrEqual(st.delta_ms);
    });
    expect(x.p50.delta_ci.low).toBeLessThan(10);
    expect(x.p50.delta_ci.high).toBeGreaterThan(10);
    expect(x.p50.significant).toBe(true);
  });

  it("keeps 'no measurable difference' apart from data-quality flags", () => {
    const x = at(50).p50;
    expect(x.delta_ci.low).toBeLessThan(0);
    expect(x.delta_ci.high).toBeGreaterThan(0);
    expect(x.significant).toBe(false);
    // 400 samples on each side, no failures: nothing about this number is untrustworthy.
    expect(x.flags).toEqual([]);
  });

  it("renders Δ beside the % and marks n.s. without ⚠ or a note", () => {
    const md = renderMarkdown(s);
    const summary = md.slice(md.indexOf("## Summary"), md.indexOf("## Handshake bytes"));
    expect(summary).toContain("handshake p50 Δ (ms) [95 % CI]");
    const free50 = summary.split("\n").find((l) => l.startsWith("| 50 |"))!;
    expect(free50).toContain("n.s.");
    expect(free50).not.toContain("⚠");
    const d = at(35).p50;
    expect(summary).toContain(
      `${fmtDeltaMs(d.delta_ms)} [${fmtMs(d.delta_ci.low)}, ${fmtMs(d.delta_ci.high)}]`,
    );
    expect(fmtDeltaMs(d.delta_ms)).toMatch(/^\+10\.\d ms$/);
    const notes = md.slice(md.indexOf("## Notes"), md.indexOf("## Per-cell"));
    expect(notes).not.toMatch(/p50 increase at RTT 50 ms/);
    expect(notes).not.toContain("CI includes 0");
  });
});

describe("disturbed lanes", () => {
  it("flag every number of a cell whose link dropped packets outside the configured loss", () => {
    const r = mulberry32(8);
    const base = rowsFor({ ...CLASSIC, handshake: exponential(100, 4, 70, r) });
    const pq = rowsFor({ ...PQ, handshake: exponential(100, 4, 80, r) });
    const clean = { "up.tunTxDropped": 0, "up.rxDropped": 0, "up.stalls": 0, "up.lost": 2 };
    // Configured loss (up.lost) is not a disturbance; a TUN ring overflow on two connections is.
    const rows = [
      ...base.map((x) => ({ ...x, link: clean })),
      ...pq.map((x, i) => ({ ...x, link: i < 2 ? { ...clean, "down.tunTxDropped": 3 } : clean })),
    ];
    const s = summarizeRows(rows, [meta()], { resamples: 200 });
    const variantCell = s.cells.find((c) => c.variant.kex === PQ.kex)!;
    const baseCell = s.cells.find((c) => c.variant.kex === CLASSIC.kex)!;
    expect(variantCell.disturbed).toBe(2);
    expect(baseCell.disturbed).toBe(0);
    const why = "2 of 100 connections lost packets inside the link emulator (not configured loss)";
    expect(variantCell.metrics.handshake_ms!.flags.p50).toEqual([why]);
    expect(baseCell.metrics.handshake_ms!.flags.p50).toEqual([]);
    expect(s.comparisons[0].metrics.handshake_ms!.p50.flags).toEqual([`variant: ${why}`]);
    expect(renderMarkdown(s)).toContain(`variant: ${why}`);
  });
});
