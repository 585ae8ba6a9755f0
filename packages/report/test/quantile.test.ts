// Percentiles are R type 7 / numpy "linear"; checked against values that do not come from the
// library's own formula: order statistics of shuffled integers, numpy's published output, and
// properties any quantile must have.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { mean, quantile, stdev } from "../src/quantile.js";
import { mulberry32 } from "./synth.js";

function shuffled(n: number, seed: number): number[] {
  const rand = mulberry32(seed);
  const xs = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [xs[i], xs[j]] = [xs[j], xs[i]];
  }
  return xs;
}

describe("quantile (type 7)", () => {
  it("of a shuffled 0..n-1 is (n - 1) * p: linear interpolation of the ranks", () => {
    for (const n of [1, 2, 5, 10, 101, 1000]) {
      const xs = shuffled(n, n);
      for (const p of [0, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 1]) {
        expect(quantile(xs, p)).toBeCloseTo((n - 1) * p, 9);
      }
    }
  });

  it("matches numpy.percentile (method='linear') on small samples", () => {
    // Values printed by numpy 2.4: np.percentile(a, [50, 75, 90, 95, 99]).
    const a = [15, 20, 35, 40, 50];
    expect([0.5, 0.75, 0.9, 0.95, 0.99].map((p) => quantile(a, p))).toEqual([
      35,
      40,
      46,
      48,
      expect.closeTo(49.6, 9),
    ]);
    const b = [3.1, 1.2, 9.9, 4.4, 2.0, 7.5, 6.3];
    const got = [0.5, 0.75, 0.9, 0.95, 0.99].map((p) => quantile(b, p));
    const want = [4.4, 6.9, 8.46, 9.18, 9.756];
    for (let i = 0; i < want.length; i++) expect(got[i]).toBeCloseTo(want[i], 9);
  });

  it("sorts numerically, not as strings", () => {
    expect(quantile([100, 9, 20], 0.5)).toBe(20);
  });

  it("is between min and max, monotone in p, and hits order statistics at p = k / (n - 1)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 2, maxLength: 60 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (xs, p1, p2) => {
          const sorted = [...xs].sort((a, b) => a - b);
          const [lo, hi] = p1 <= p2 ? [p1, p2] : [p2, p1];
          expect(quantile(xs, lo)).toBeLessThanOrEqual(quantile(xs, hi) + 1e-6);
          expect(quantile(xs, lo)).toBeGreaterThanOrEqual(sorted[0]);
          expect(quantile(xs, hi)).toBeLessThanOrEqual(sorted[sorted.length - 1]);
          const k = Math.floor(lo * (xs.length - 1));
          expect(quantile(xs, k / (xs.length - 1))).toBeCloseTo(sorted[k], 6);
        },
      ),
    );
  });

  it("is NaN for no values and refuses p outside [0, 1]", () => {
    expect(quantile([], 0.5)).toBeNaN();
    expect(() => quantile([1, 2], 1.5)).toThrow(RangeError);
  });
});

describe("mean and stdev", () => {
  it("match numpy (mean, std with ddof=1)", () => {
    const b = [3.1, 1.2, 9.9, 4.4, 2.0, 7.5, 6.3];
    expect(mean(b)).toBeCloseTo(4.914285714285714, 12);
    expect(stdev(b)).toBeCloseTo(3.144004119711344, 12);
  });

  it("stdev agrees with the sum-of-squares formula and is NaN below two values", () => {
    const xs = Array.from({ length: 500 }, (_, i) => Math.sin(i) * 50 + 100);
    const n = xs.length;
    const s1 = xs.reduce((a, x) => a + x, 0);
    const s2 = xs.reduce((a, x) => a + x * x, 0);
    expect(stdev(xs)).toBeCloseTo(Math.sqrt((s2 - (s1 * s1) / n) / (n - 1)), 6);
    expect(stdev([5])).toBeNaN();
  });
});
