// The stop rule of `--ci-width`: where it looks (checkpoints), that a deterministic comparison stops
// at the minimum and a noisy one keeps sampling, and that its widths are those of a plain percentile
// bootstrap written here (one sort per resample, no shared code beyond the seeded generator).

import { createRng } from "@pqtls/report";
import { describe, expect, it } from "vitest";
import { type ComparisonSamples, checkpoints, decide, type StopRuleSettings } from "../src/run/stop-rule.js";

const rule = (over: Partial<StopRuleSettings> = {}): StopRuleSettings => ({
  ci_width: 2,
  ci_on: "p50",
  every: 10,
  min: 30,
  cap: 200,
  ...over,
});

/** Type-7 quantile of a sorted array (as R's default and the report's). */
function q7(sorted: number[], p: number): number {
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

/**
 * A textbook percentile bootstrap of the % increase of the variant's p-quantile: resample each side
 * with replacement (baseline first, then variant, from one stream), sort, take the quantile, and the
 * 2.5 / 97.5 % points of the resampled increases. 1000 resamples, seed 1, the report's stream key.
 */
function naiveWidth(c: ComparisonSamples, p: number): number {
  const rng = createRng(1, `increase:${c.baselineCell}|${c.variantCell}|ttlb_ms`);
  const stats: number[] = [];
  const resample = (xs: readonly number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    return Array.from({ length: s.length }, () => s[rng.index(s.length)]).sort((a, b) => a - b);
  };
  for (let r = 0; r < 1000; r++) {
    const b = q7(resample(c.baseline), p);
    const v = q7(resample(c.variant), p);
    stats.push(100 * (v / b - 1));
  }
  stats.sort((a, b) => a - b);
  return q7(stats, 0.975) - q7(stats, 0.025);
}

/** Runs the rule over a stream of pairs as the runner does: looks only at checkpoints, stops at the first "stop"/"cap". */
function sampleUntilStop(r: StopRuleSettings, pair: (i: number) => [number, number]) {
  const baseline: number[] = [];
  const variant: number[] = [];
  const looks = [];
  for (const n of checkpoints(r)) {
    while (baseline.length < n) {
      const [b, v] = pair(baseline.length);
      baseline.push(b);
      variant.push(v);
    }
    const d = decide(r, n, [{ baselineCell: "base", variantCell: "pq", baseline, variant }], 1);
    looks.push(d);
    if (d.decision !== "continue") return { n, looks, baseline, variant };
  }
  throw new Error("the rule never stopped at the cap");
}

/** A seeded lossy-link-like sample: near `base`, or (a `share` of the time) a retransmission timeout later. */
function lossy(seed: string, base: number, share: number) {
  const rng = createRng(7, seed);
  return () => base + rng.next() * 20 + (rng.next() < share ? 200 + rng.next() * 400 : 0);
}

describe("stop rule checkpoints", () => {
  it("looks every 10 pairs from the minimum (rounded up to a multiple) and at the cap", () => {
    expect(checkpoints(rule({ min: 30, cap: 75 }))).toEqual([30, 40, 50, 60, 70, 75]);
    expect(checkpoints(rule({ min: 25, cap: 60 }))).toEqual([30, 40, 50, 60]);
    expect(checkpoints(rule({ min: 30, cap: 10 }))).toEqual([10]);
    expect(checkpoints(rule({ min: 1, cap: 25 }))).toEqual([10, 20, 25]);
  });
});

describe("stop rule decisions", () => {
  it("stops a deterministic comparison at the minimum, not before", () => {
    // A lossless cell: the same time every connection, give or take a few microseconds.
    const run = sampleUntilStop(rule(), (i) => [100 + (i % 3) * 0.001, 112 + (i % 2) * 0.001]);
    expect(run.n).toBe(30);
    expect(run.looks).toHaveLength(1);
    expect(run.looks[0].decision).toBe("stop");
    expect(run.looks[0].width).toBeLessThan(0.01);
  });

  it("keeps sampling a noisy comparison past the minimum, and flags the cap when it stays wide", () => {
    // Half the connections hit a timeout: the median straddles the two modes and stays uncertain.
    const b = lossy("b", 400, 0.5);
    const v = lossy("v", 440, 0.5);
    const run = sampleUntilStop(rule({ ci_width: 2, cap: 120 }), () => [b(), v()]);
    expect(run.looks[0]).toMatchObject({ checkpoint: 30, decision: "continue" });
    expect(run.n).toBe(120);
    expect(run.looks.at(-1)!.decision).toBe("cap");
    expect(run.looks.at(-1)!.width!).toBeGreaterThan(2);
    // With fewer timeouts the median settles: the rule samples past the minimum, then stops at the
    // first checkpoint whose interval is narrow enough.
    const b2 = lossy("b", 400, 0.3);
    const v2 = lossy("v", 440, 0.3);
    const settling = sampleUntilStop(rule({ ci_width: 2, cap: 1000 }), () => [b2(), v2()]);
    expect(settling.n).toBeGreaterThan(30);
    expect(settling.n).toBeLessThan(1000);
    for (const look of settling.looks.slice(0, -1)) expect(look.width!).toBeGreaterThan(2);
    expect(settling.looks.at(-1)).toMatchObject({ decision: "stop", checkpoint: settling.n });
    expect(settling.looks.at(-1)!.width!).toBeLessThanOrEqual(2);
  });

  it("decides as a plain percentile bootstrap with the same seed says, at p50 and (--ci-on p90) p90", () => {
    const rng = createRng(3, "data");
    let disagreements = 0;
    for (let k = 0; k < 12; k++) {
      const n = 30 + 10 * (k % 4);
      const spread = [0.5, 3, 20][k % 3];
      const draw = (mid: number) =>
        Array.from({ length: n }, () => mid * (1 + (spread / 100) * (rng.next() - 0.5) * 4));
      const c: ComparisonSamples = {
        baselineCell: `b${k}`,
        variantCell: `v${k}`,
        baseline: draw(100),
        variant: draw(108),
      };
      const p50 = naiveWidth(c, 0.5);
      const p90 = naiveWidth(c, 0.9);
      for (const [on, widest] of [
        ["p50", p50],
        ["p90", Math.max(p50, p90)],
      ] as const) {
        const W = 4;
        const d = decide(rule({ ci_on: on, ci_width: W }), n, [c], 1);
        expect(d.width!).toBeCloseTo(widest, 9);
        if (d.decision !== (widest <= W ? "stop" : "continue")) disagreements++;
      }
    }
    expect(disagreements).toBe(0);
  });

  it("needs every comparison of a baseline narrow, and never calls a missing interval narrow", () => {
    const narrow = {
      baselineCell: "b",
      variantCell: "v1",
      baseline: [100, 100, 100],
      variant: [110, 110, 110],
    };
    const wide = {
      baselineCell: "b",
      variantCell: "v2",
      baseline: [100, 100, 100],
      variant: [100, 150, 300],
    };
    expect(decide(rule(), 30, [narrow], 1).decision).toBe("stop");
    expect(decide(rule(), 30, [narrow, wide], 1).decision).toBe("continue");
    const failed = { baselineCell: "b", variantCell: "v3", baseline: [100, 100], variant: [] };
    expect(decide(rule(), 30, [narrow, failed], 1)).toMatchObject({ decision: "continue", width: 0 });
    expect(decide(rule(), 200, [failed], 1)).toMatchObject({ decision: "cap", width: null });
  });
});
