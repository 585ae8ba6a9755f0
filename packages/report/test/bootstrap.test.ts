// Bootstrap intervals: reproducible under the seed, independent of other cells, and they cover the
// true value about 95 % of the time on samples from distributions whose quantiles are known.

import { describe, expect, it } from "vitest";
import { bootstrapIncreases, bootstrapQuantiles, ResampleQuantiles } from "../src/bootstrap.js";
import { quantile, sortedCopy } from "../src/quantile.js";
import { createRng, type Rng } from "../src/random.js";
import { exponential, mulberry32 } from "./synth.js";

const opts = { resamples: 500, level: 0.95, seed: 7 };

describe("resample quantiles", () => {
  it("equal the quantiles of the drawn resample sorted by hand", () => {
    const xs = sortedCopy(exponential(57, 10, 50, mulberry32(4)).concat([60, 60, 60]));
    const ps = [0, 0.5, 0.5, 0.75, 0.9, 0.99, 1];
    const inner = createRng(3, "draws");
    let drawn: number[] = [];
    const recording: Rng = {
      nextUint32: () => inner.nextUint32(),
      next: () => inner.next(),
      index: (n) => {
        const i = inner.index(n);
        drawn.push(i);
        return i;
      },
    };
    const resampler = new ResampleQuantiles(xs, ps);
    const out = new Float64Array(ps.length);
    for (let r = 0; r < 50; r++) {
      drawn = [];
      resampler.draw(recording, out);
      const resample = drawn.map((i) => xs[i]);
      expect(resample).toHaveLength(xs.length);
      for (const [j, p] of ps.entries()) expect(out[j]).toBeCloseTo(quantile(resample, p), 9);
    }
  });
});

describe("bootstrap intervals", () => {
  it("are identical for the same seed and key, and differ for another seed", () => {
    const xs = sortedCopy(exponential(100, 10, 50, mulberry32(1)));
    const a = bootstrapQuantiles(xs, [0.5, 0.9], "cell-a", opts);
    const b = bootstrapQuantiles(xs, [0.5, 0.9], "cell-a", opts);
    const c = bootstrapQuantiles(xs, [0.5, 0.9], "cell-a", { ...opts, seed: 8 });
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
  });

  it("of one cell do not depend on which other cells were resampled first", () => {
    const xs = sortedCopy(exponential(100, 10, 50, mulberry32(2)));
    const ys = sortedCopy(exponential(100, 10, 60, mulberry32(3)));
    const alone = bootstrapQuantiles(xs, [0.5], "x", opts);
    bootstrapQuantiles(ys, [0.5], "y", opts);
    expect(bootstrapQuantiles(xs, [0.5], "x", opts)).toEqual(alone);
  });

  it("bracket the true median of an exponential distribution in about 95 % of samples", () => {
    // Median of offset + Exp(mean m) is offset + m ln 2. 40 independent samples: ~38 expected;
    // fewer than 33 has probability < 0.2 % if coverage really is 95 %.
    const rand = mulberry32(11);
    const truth = 50 + 10 * Math.LN2;
    let covered = 0;
    for (let i = 0; i < 40; i++) {
      const xs = sortedCopy(exponential(200, 10, 50, rand));
      const [ci] = bootstrapQuantiles(xs, [0.5], `median-${i}`, opts);
      expect(ci.low).toBeLessThan(ci.high);
      if (ci.low <= truth && truth <= ci.high) covered++;
    }
    expect(covered).toBeGreaterThanOrEqual(33);
  });

  it("bracket the true % increase of a scaled distribution at p50 and p90 in about 95 % of samples", () => {
    // Variant = 1.25 × baseline in distribution, so every percentile rises by exactly 25 %.
    const rand = mulberry32(12);
    const covered = [0, 0];
    for (let i = 0; i < 40; i++) {
      const base = sortedCopy(exponential(200, 20, 100, rand));
      const variant = sortedCopy(exponential(200, 20, 100, rand).map((x) => 1.25 * x));
      const cis = bootstrapIncreases(base, variant, [0.5, 0.9], `inc-${i}`, opts);
      cis.forEach((ci, j) => {
        if (ci.low <= 25 && 25 <= ci.high) covered[j]++;
      });
    }
    expect(covered[0]).toBeGreaterThanOrEqual(33);
    expect(covered[1]).toBeGreaterThanOrEqual(33);
  });

  it("are NaN, not a crash, for an empty sample", () => {
    const [ci] = bootstrapQuantiles(new Float64Array(0), [0.5], "empty", opts);
    expect(ci.low).toBeNaN();
    expect(bootstrapIncreases(new Float64Array(0), sortedCopy([1, 2]), [0.5], "e", opts)[0].high).toBeNaN();
  });
});

describe("seeded PRNG", () => {
  it("is uniform enough: index(10) hits every bucket near 10 %", () => {
    const rng = createRng(5, "uniformity");
    const counts = new Array(10).fill(0);
    for (let i = 0; i < 100_000; i++) counts[rng.index(10)]++;
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(500);
  });
});
