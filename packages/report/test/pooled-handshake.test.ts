// The study's figure 1: handshake increase pooled over the conditions of one rate. Percentiles are
// checked against an independent type-7 computation on the concatenated samples; the interval against
// what a stratified bootstrap must give (conditions whose samples are constant leave nothing to
// resample, so the pooled increase is exact), which a bootstrap over the pooled sample fails.

import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { renderCharts } from "../src/report.js";
import type { Row } from "../src/row.js";
import { summarizeRows } from "../src/summary.js";
import { meta, mulberry32, rowsFor } from "./synth.js";

/** Hyndman & Fan type 7, written out: h = (n − 1)p, between ranks ⌊h⌋ and ⌊h⌋ + 1 (0-based). */
function type7(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  const h = (s.length - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, s.length - 1);
  return s[lo] + (h - lo) * (s[hi] - s[lo]);
}

function cond(kex: string, chain: string, rtt: number, loss: number, hs: number[], rate = 1): Row[] {
  return rowsFor({
    kex,
    chain,
    rtt_ms: rtt,
    loss_pct: loss,
    rate_mbps: rate,
    cell: `${kex}/${chain}/${rate}/${rtt}/${loss}`,
    handshake: hs,
  });
}

describe("pooled handshake figure (figure 1)", () => {
  it("takes the percentiles of the pooled samples of every condition at one rate", () => {
    const rand = mulberry32(7);
    const draw = (n: number, base: number) => Array.from({ length: n }, () => base + 40 * rand());
    const samples: Record<string, number[]> = {};
    const rows: Row[] = [];
    for (const [rtt, loss] of [
      [35, 0],
      [35, 10],
      [200, 0],
      [200, 10],
    ]) {
      for (const [kex, chain, extra] of [
        ["x25519", "rsa2048", 0],
        ["X25519MLKEM768", "mldsa65", 60],
      ] as const) {
        const hs = draw(30, 3 * rtt + extra + loss * 5);
        samples[kex] = [...(samples[kex] ?? []), ...hs];
        rows.push(...cond(kex, chain, rtt, loss, hs));
      }
    }
    const s = summarizeRows(rows, [meta()], { resamples: 200 });
    expect(s.figures.handshake_pooled).toHaveLength(1);
    const r = s.figures.handshake_pooled[0];
    expect(r.conditions).toBe(4);
    expect(r.rtt_ms).toEqual([35, 200]);
    expect(r.loss_pct).toEqual([0, 10]);
    expect(r.label).toBe("1 Mbit/s, RTT 35/200 ms, loss 0/10 %");
    for (const [name, p] of [
      ["p50", 0.5],
      ["p75", 0.75],
      ["p90", 0.9],
    ] as const) {
      const b = type7(samples.x25519, p);
      const v = type7(samples.X25519MLKEM768, p);
      expect(r.increase[name].baseline).toBeCloseTo(b, 9);
      expect(r.increase[name].variant).toBeCloseTo(v, 9);
      expect(r.increase[name].increase_pct).toBeCloseTo(100 * (v / b - 1), 9);
      expect(r.increase[name].n_baseline).toBe(120);
      expect(r.increase[name].ci.low).toBeLessThanOrEqual(r.increase[name].increase_pct);
      expect(r.increase[name].ci.high).toBeGreaterThanOrEqual(r.increase[name].increase_pct);
    }
  });

  it("resamples within each condition: a constant condition mix gives an exact pooled increase", () => {
    // Baseline: 20 connections at 100 ms (35 ms link), 20 at 300 ms (200 ms link); variant +20 %.
    // The pooled p50 sits between the two groups (200 → 240 ms). Resampling within each condition
    // keeps 20 + 20, so every resample gives +20 %; resampling the pool would change the mix and
    // throw the median to 100 or 300 ms.
    const rows = [
      ...cond("x25519", "rsa2048", 35, 0, Array(20).fill(100)),
      ...cond("x25519", "rsa2048", 200, 0, Array(20).fill(300)),
      ...cond("X25519MLKEM768", "mldsa65", 35, 0, Array(20).fill(120)),
      ...cond("X25519MLKEM768", "mldsa65", 200, 0, Array(20).fill(360)),
    ];
    const r = summarizeRows(rows, [meta()], { resamples: 500 }).figures.handshake_pooled[0];
    expect(r.increase.p50.baseline).toBe(200);
    expect(r.increase.p50.variant).toBe(240);
    expect(r.increase.p50.increase_pct).toBeCloseTo(20, 9);
    expect(r.increase.p50.ci.low).toBeCloseTo(20, 9);
    expect(r.increase.p50.ci.high).toBeCloseTo(20, 9);
    expect(r.increase.p50.delta_ci).toEqual({ low: 40, high: 40 });
  });

  it("flags a pooled percentile that falls between the conditions, and conditions pooled unequally", () => {
    // p50 of 100 ×20 and 300 ×20 is 200: inside neither condition's p10–p90 (100..100, 300..300);
    // p90 is 300, inside the 200 ms one. With 30 against 20 samples the pool weighs them unequally.
    const even = [
      ...cond("x25519", "rsa2048", 35, 0, Array(20).fill(100)),
      ...cond("x25519", "rsa2048", 200, 0, Array(20).fill(300)),
      ...cond("X25519MLKEM768", "mldsa65", 35, 0, Array(20).fill(120)),
      ...cond("X25519MLKEM768", "mldsa65", 200, 0, Array(20).fill(360)),
    ];
    const r = summarizeRows(even, [meta()], { resamples: 50 }).figures.handshake_pooled[0];
    const between = (f: string[]) => f.filter((x) => x.includes("falls between the pooled conditions"));
    expect(between(r.increase.p50.flags)).toEqual([
      "baseline: falls between the pooled conditions (outside each one's p10–p90)",
      "variant: falls between the pooled conditions (outside each one's p10–p90)",
    ]);
    expect(between(r.increase.p90.flags)).toEqual([]);
    expect(r.increase.p50.flags.some((f) => f.includes("unequal"))).toBe(false);
    const uneven = [...even, ...cond("x25519", "rsa2048", 200, 0, Array(10).fill(300))];
    const u = summarizeRows(uneven, [meta()], { resamples: 50 }).figures.handshake_pooled[0];
    expect(u.increase.p90.flags).toContain("baseline: conditions pooled with unequal sample counts (20–30)");
  });

  it("pools only conditions of one rate, and needs two of them", () => {
    const rows = [
      ...cond("x25519", "rsa2048", 35, 0, [100, 101, 102], 1),
      ...cond("X25519MLKEM768", "mldsa65", 35, 0, [120, 121, 122], 1),
      ...cond("x25519", "rsa2048", 35, 0, [50, 51, 52], 1000),
      ...cond("X25519MLKEM768", "mldsa65", 35, 0, [55, 56, 57], 1000),
    ];
    const s = summarizeRows(rows, [meta()], { resamples: 50 });
    expect(s.comparisons).toHaveLength(2);
    expect(s.figures.handshake_pooled).toEqual([]);
  });

  it("keeps groups of one rate that differ in another field apart, each labelled by it", () => {
    const rows: Row[] = [];
    for (const jitter of [0, 5])
      for (const rtt of [35, 200])
        for (const [kex, chain, extra] of [
          ["x25519", "rsa2048", 0],
          ["X25519MLKEM768", "mldsa65", 30],
        ] as const)
          rows.push(
            ...rowsFor({
              kex,
              chain,
              rtt_ms: rtt,
              rate_mbps: 1,
              jitter_ms: jitter,
              cell: `${kex}/${rtt}/${jitter}`,
              handshake: [1, 2, 3, 4, 5, 6].map((i) => 2 * rtt + extra + i),
            }),
          );
    const pooled = summarizeRows(rows, [meta()], { resamples: 50 }).figures.handshake_pooled;
    expect(pooled.map((r) => r.label).sort()).toEqual([
      "1 Mbit/s, RTT 35/200 ms, loss 0 %, jitter 0 ms",
      "1 Mbit/s, RTT 35/200 ms, loss 0 %, jitter 5 ms",
    ]);
    expect(pooled.every((r) => r.increase.p50.n_baseline === 12)).toBe(true);
  });

  it("draws one bar per variant at each percentile, the spec's data the summary's numbers", async () => {
    const rows: Row[] = [];
    const rand = mulberry32(3);
    for (const rtt of [35, 200])
      for (const [kex, chain, extra] of [
        ["x25519", "rsa2048", 0],
        ["X25519MLKEM768", "mldsa44@8KB", 30],
        ["X25519MLKEM768", "mldsa44@16KB", 60],
      ] as const)
        rows.push(
          ...cond(
            kex,
            chain,
            rtt,
            0,
            Array.from({ length: 12 }, () => 2 * rtt + extra + rand()),
          ),
        );
    const s = summarizeRows(rows, [meta()], { resamples: 100 });
    expect(s.figures.handshake_pooled.map((r) => r.variant_label)).toEqual([
      "X25519MLKEM768 + mldsa44@8KB",
      "X25519MLKEM768 + mldsa44@16KB",
    ]);
    const dir = await mkdtemp(join(tmpdir(), "pooled-"));
    const { links, charts } = await renderCharts(s, join(dir, "r"));
    expect(links.pooled?.map((l) => l.file)).toEqual([join(dir, "r-handshake-pooled-1.svg")]);
    const chart = charts.find((c) => c.file.endsWith("pooled-1.svg"))!;
    const values = (chart.spec as { data: { values: Record<string, unknown>[] } }).data.values;
    expect(values).toHaveLength(6);
    for (const r of s.figures.handshake_pooled)
      for (const p of ["p50", "p75", "p90"] as const) {
        const v = values.find((x) => x.variant === r.pair && x.percentile === p)!;
        expect(v.increase).toBe(r.increase[p].increase_pct);
        expect(v.low).toBe(r.increase[p].ci.low);
      }
    expect(chart.svg).toContain("<svg");
  });
});
