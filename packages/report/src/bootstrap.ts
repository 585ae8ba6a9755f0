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

export const NO_INTERVAL: Interval = { low: Number.NaN, high: Number.NaN };

/**
 * Quantiles of bootstrap resamples of a sorted sample, without sorting each resample: a resample
 * of sorted data is fully described by how often each index was drawn, so its order statistics
 * come from one walk over those counts. O(n) per resample instead of O(n log n).
 */
export class ResampleQuantiles {
  private readonly counts: Uint32Array;
  /** The resample ranks each quantile interpolates between, ascending, and which slot gets each. */
  private readonly ranks: Int32Array;
  private readonly slots: Int32Array;
  private readonly rankValues: Float64Array;
  private readonly fracs: Float64Array;

  /**
   * `strata` (optional): the positions in `sorted` of each stratum's values. Given, a resample draws
   * each stratum's own count from that stratum alone (a stratified bootstrap: the mix of strata in
   * every resample is the design's, not chance's); without it, n draws from the whole sample.
   */
  constructor(
    private readonly sorted: Float64Array,
    ps: readonly number[],
    private readonly strata?: readonly Int32Array[],
  ) {
    const n = sorted.length;
    this.counts = new Uint32Array(n);
    const wanted: { rank: number; slot: number }[] = [];
    this.fracs = new Float64Array(ps.length);
    ps.forEach((p, j) => {
      const h = (n - 1) * p;
      const lo = Math.floor(h);
      this.fracs[j] = h - lo;
      wanted.push({ rank: lo, slot: 2 * j }, { rank: Math.min(lo + 1, n - 1), slot: 2 * j + 1 });
    });
    wanted.sort((a, b) => a.rank - b.rank);
    this.ranks = Int32Array.from(wanted, (w) => w.rank);
    this.slots = Int32Array.from(wanted, (w) => w.slot);
    this.rankValues = new Float64Array(2 * ps.length);
  }

  /** Draw one resample with `rng` and write its quantiles into `out` (one per p). */
  draw(rng: Rng, out: Float64Array): void {
    const { sorted, counts, ranks, slots, rankValues, fracs, strata } = this;
    const n = sorted.length;
    counts.fill(0);
    if (strata) {
      for (const positions of strata)
        for (let i = 0; i < positions.length; i++) counts[positions[rng.index(positions.length)]]++;
    } else {
      for (let i = 0; i < n; i++) counts[rng.index(n)]++;
    }
    let k = 0;
    let seen = 0;
    for (let idx = 0; idx < n && k < ranks.length; idx++) {
      seen += counts[idx];
      while (k < ranks.length && ranks[k] < seen) rankValues[slots[k++]] = sorted[idx];
    }
    for (let j = 0; j < fracs.length; j++) {
      const lo = rankValues[2 * j];
      out[j] = lo + fracs[j] * (rankValues[2 * j + 1] - lo);
    }
  }
}

/** The central `level` interval of resampled statistics (non-finite ones left out). */
export function intervalOf(stats: Float64Array, level: number): Interval {
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
  const resampler = new ResampleQuantiles(sorted, ps);
  const q = new Float64Array(ps.length);
  for (let r = 0; r < options.resamples; r++) {
    resampler.draw(rng, q);
    for (let j = 0; j < ps.length; j++) stats[j][r] = q[j];
  }
  return stats.map((s) => intervalOf(s, options.level));
}

/** Percent increase of b over a: 100 * (b / a - 1). */
export function percentIncrease(baseline: number, variant: number): number {
  if (!(baseline > 0) || !Number.isFinite(variant)) return Number.NaN;
  return 100 * (variant / baseline - 1);
}

/** Intervals of one comparison at each percentile: the % increase and the absolute difference. */
export interface DifferenceIntervals {
  /** 100 * (variant / baseline - 1), per p. */
  pct: Interval[];
  /** variant - baseline in the samples' unit (ms), per p. */
  delta: Interval[];
}

/**
 * Intervals for the % increase and the absolute difference of the variant's p-quantile over the
 * baseline's, for each p in `ps`, from the same resamples. Both inputs sorted ascending.
 */
export function bootstrapDifferences(
  baseline: Float64Array,
  variant: Float64Array,
  ps: readonly number[],
  key: string,
  options: BootstrapOptions = DEFAULT_BOOTSTRAP,
): DifferenceIntervals {
  if (baseline.length === 0 || variant.length === 0)
    return { pct: ps.map(() => NO_INTERVAL), delta: ps.map(() => NO_INTERVAL) };
  return resampleDifferences(
    new ResampleQuantiles(baseline, ps),
    new ResampleQuantiles(variant, ps),
    ps.length,
    createRng(options.seed, `increase:${key}`),
    options,
  );
}

/** The bootstrap loop both kinds of sample share: redraw both sides, take % and Δ per quantile. */
function resampleDifferences(
  bResampler: ResampleQuantiles,
  vResampler: ResampleQuantiles,
  quantiles: number,
  rng: Rng,
  options: BootstrapOptions,
): DifferenceIntervals {
  const pct = Array.from({ length: quantiles }, () => new Float64Array(options.resamples));
  const delta = Array.from({ length: quantiles }, () => new Float64Array(options.resamples));
  const bq = new Float64Array(quantiles);
  const vq = new Float64Array(quantiles);
  for (let r = 0; r < options.resamples; r++) {
    bResampler.draw(rng, bq);
    vResampler.draw(rng, vq);
    for (let j = 0; j < quantiles; j++) {
      pct[j][r] = percentIncrease(bq[j], vq[j]);
      delta[j][r] = vq[j] - bq[j];
    }
  }
  return {
    pct: pct.map((s) => intervalOf(s, options.level)),
    delta: delta.map((s) => intervalOf(s, options.level)),
  };
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
  return bootstrapDifferences(baseline, variant, ps, key, options).pct;
}

/** Several samples pooled into one, sorted, with the positions each sample's values took in it. */
export interface PooledSample {
  sorted: Float64Array;
  strata: Int32Array[];
}

export function poolSamples(samples: readonly Float64Array[]): PooledSample {
  const total = samples.reduce((n, s) => n + s.length, 0);
  const values = new Float64Array(total);
  const owner = new Int32Array(total);
  let k = 0;
  samples.forEach((s, i) => {
    values.set(s, k);
    owner.fill(i, k, k + s.length);
    k += s.length;
  });
  const order = Array.from({ length: total }, (_, i) => i).sort((a, b) => values[a] - values[b]);
  const sorted = Float64Array.from(order, (i) => values[i]);
  const strata = samples.map((s) => new Int32Array(s.length));
  const filled = new Int32Array(samples.length);
  order.forEach((from, pos) => {
    const st = owner[from];
    strata[st][filled[st]++] = pos;
  });
  return { sorted, strata };
}

/**
 * As bootstrapDifferences, for pooled samples: each side is several samples (e.g. one per link
 * condition) pooled into one before its quantiles are taken. A resample redraws each sample within
 * itself, keeping its size, so every resample pools the conditions in the proportions that were
 * measured: the interval reflects the variability inside each condition, not a chance re-weighting of
 * conditions whose times differ many-fold (35 ms and 200 ms links).
 */
export function bootstrapPooledDifferences(
  baseline: PooledSample,
  variant: PooledSample,
  ps: readonly number[],
  key: string,
  options: BootstrapOptions = DEFAULT_BOOTSTRAP,
): DifferenceIntervals {
  if (baseline.sorted.length === 0 || variant.sorted.length === 0)
    return { pct: ps.map(() => NO_INTERVAL), delta: ps.map(() => NO_INTERVAL) };
  return resampleDifferences(
    new ResampleQuantiles(baseline.sorted, ps, baseline.strata),
    new ResampleQuantiles(variant.sorted, ps, variant.strata),
    ps.length,
    createRng(options.seed, `pooled:${key}`),
    options,
  );
}
