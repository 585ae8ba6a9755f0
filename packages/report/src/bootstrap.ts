// Percentile-bootstrap confidence intervals: resample with replacement, recompute the statistic,
// and take the (1 - level) / 2 and (1 + level) / 2 quantiles of the resampled statistics. Samples of
// the two variants in a comparison are independent connections, so each is resampled on its own.

import { quantileSorted } from "./quantile.js";
import { createRng, type Rng } from "./random.js";

export interface BootstrapOptions {
  /** Number of resamples (default 1000). */
  resamples: number;
  /** Confidence level (default 0.95). */
  level: number;
  seed: number;
}

export const DEFAULT_BOOTSTRAP: BootstrapOptions = { resamples: 1000, level: 0.95, seed: 1 };

export interface Interval {
  low: number;
  high: number;
}

const NO_INTERVAL: Interval = { low: Number.NaN, high: Number.NaN };

function resampleSorted(sorted: Float64Array, rng: Rng, into: Float64Array): Float64Array {
  const n = sorted.length;
  for (let i = 0; i < n; i++) into[i] = sorted[rng.index(n)];
  into.sort();
  return into;
}

function intervalOf(stats: Float64Array, level: number): Interval {
  const finite = stats.filter((v) => Number.isFinite(v));
  if (finite.length === 0) return NO_INTERVAL;
  finite.sort();
  return { low: quantileSorted(finite, (1 - level) / 2), high: quantileSorted(finite, (1 + level) / 2) };
}

/**
 * Intervals for the quantiles `ps` of one sample (sorted ascending). `key` names the sample so its
 * random stream is its own (reproducible whatever else is in the report).
 */
export function bootstrapQuantiles(
  sorted: Float64Array,
  ps: readonly number[],
  key: string,
  options: BootstrapOptions = DEFAULT_BOOTSTRAP,
): Interval[] {
  if (sorted.length === 0) return ps.map(() => NO_INTERVAL);
  const rng = createRng(options.seed, `quantiles:${key}`);
  const stats = ps.map(() => new Float64Array(options.resamples));
  const buffer = new Float64Array(sorted.length);
  for (let r = 0; r < options.resamples; r++) {
    resampleSorted(sorted, rng, buffer);
    for (let j = 0; j < ps.length; j++) stats[j][r] = quantileSorted(buffer, ps[j]);
  }
  return stats.map((s) => intervalOf(s, options.level));
}

/** Percent increase of b over a: 100 * (b / a - 1). */
export function percentIncrease(baseline: number, variant: number): number {
  if (!(baseline > 0) || !Number.isFinite(variant)) return Number.NaN;
  return 100 * (variant / baseline - 1);
}

/**
 * Intervals for the % increase of the variant's p-quantile over the baseline's, for each p in `ps`.
 * Both inputs sorted ascending.
 */
export function bootstrapIncreases(
  baseline: Float64Array,
  variant: Float64Array,
  ps: readonly number[],
  key: string,
  options: BootstrapOptions = DEFAULT_BOOTSTRAP,
): Interval[] {
  if (baseline.length === 0 || variant.length === 0) return ps.map(() => NO_INTERVAL);
  const rng = createRng(options.seed, `increase:${key}`);
  const stats = ps.map(() => new Float64Array(options.resamples));
  const bBuf = new Float64Array(baseline.length);
  const vBuf = new Float64Array(variant.length);
  for (let r = 0; r < options.resamples; r++) {
    resampleSorted(baseline, rng, bBuf);
    resampleSorted(variant, rng, vBuf);
    for (let j = 0; j < ps.length; j++) {
      stats[j][r] = percentIncrease(quantileSorted(bBuf, ps[j]), quantileSorted(vBuf, ps[j]));
    }
  }
  return stats.map((s) => intervalOf(s, options.level));
}
