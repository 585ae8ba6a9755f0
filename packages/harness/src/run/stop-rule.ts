// The stop rule of an adaptive run (`--ci-width W`): a comparison (a variant against its baseline in
// one condition and size) keeps sampling until the 95 % bootstrap interval of its TTLB p50 % increase
// (and of the p90 with `--ci-on p90`) is at most W percentage points wide. Pure: the decision is a
// function of the samples alone, so a resumed run that reads the same rows back decides the same.
//
// It is evaluated only at fixed checkpoints, never after every sample: every CHECKPOINT_EVERY pairs
// from the minimum on, and at the cap. Fewer looks keep the run reproducible and keep the optional
// stopping's effect on coverage small (the report says what it is). The interval is the report's own
// (bootstrapDifferences with the report's default resamples, the run's seed, which the report takes
// from the meta line, and the comparison's stream key; samples as metricValue reads them), so a
// comparison that stopped shows in the report the very interval the rule stopped on.

import { bootstrapDifferences, DEFAULT_BOOTSTRAP, type StopRuleSettings } from "@pqtls/report";

export type { StopRuleSettings };

/** Samples per cell before the first look, unless `--min-samples` says otherwise. */
export const DEFAULT_MIN_SAMPLES = 30;

/** Pairs (rounds) between two looks at the interval once the minimum is reached. */
export const CHECKPOINT_EVERY = 10;

/** The timer the rule watches: the study's metric. */
export const STOP_METRIC = "ttlb_ms";

const PERCENTILE_OF = { p50: 0.5, p90: 0.9 } as const;

/** The percentiles whose intervals must be narrow: p50, and p90 too with `--ci-on p90`. */
export function watchedPercentiles(rule: StopRuleSettings): number[] {
  return rule.ci_on === "p90" ? [PERCENTILE_OF.p50, PERCENTILE_OF.p90] : [PERCENTILE_OF.p50];
}

/**
 * The sample counts at which the rule looks, ascending: multiples of `every` from the minimum
 * (rounded up to one), then the cap. A minimum above the cap is the cap.
 */
export function checkpoints(rule: StopRuleSettings): number[] {
  const min = Math.min(rule.min, rule.cap);
  const out: number[] = [];
  for (let n = Math.ceil(min / rule.every) * rule.every; n < rule.cap; n += rule.every)
    if (n > 0) out.push(n);
  out.push(rule.cap);
  return out;
}

/** One comparison's samples of the watched metric (successful connections only). */
export interface ComparisonSamples {
  baselineCell: string;
  variantCell: string;
  baseline: readonly number[];
  variant: readonly number[];
}

export type StopDecision = "continue" | "stop" | "cap";

export interface CheckpointDecision {
  /** Samples per cell the decision looked at. */
  checkpoint: number;
  /** The widest interval among the comparisons and watched percentiles, percentage points; null: none could be computed. */
  width: number | null;
  decision: StopDecision;
}

/**
 * Widths of the intervals of one comparison's % increase at the watched percentiles (NaN when a side
 * has no sample). The stream key is the report's (`compareCell`), so the report reproduces them.
 */
export function intervalWidths(c: ComparisonSamples, rule: StopRuleSettings, seed: number): number[] {
  const sorted = (xs: readonly number[]) => Float64Array.from(xs).sort();
  const ps = watchedPercentiles(rule);
  const key = `${c.baselineCell}|${c.variantCell}|${STOP_METRIC}`;
  const options = { ...DEFAULT_BOOTSTRAP, seed };
  const { pct } = bootstrapDifferences(sorted(c.baseline), sorted(c.variant), ps, key, options);
  return pct.map((ci) => ci.high - ci.low);
}

/**
 * The decision at `checkpoint` samples for a set of comparisons that sample together (one baseline
 * and its variants): stop when every interval is at most `ci_width` wide, stop at the cap whatever
 * the width ("cap" when it is still too wide), continue otherwise. An interval that cannot be
 * computed (no successful sample on a side) never counts as narrow.
 */
export function decide(
  rule: StopRuleSettings,
  checkpoint: number,
  comparisons: readonly ComparisonSamples[],
  /** The bootstrap's seed: the run's, as the report uses it. */
  seed: number,
): CheckpointDecision {
  const widths = comparisons.flatMap((c) => intervalWidths(c, rule, seed));
  const finite = widths.filter((w) => Number.isFinite(w));
  const width = finite.length > 0 ? Math.max(...finite) : null;
  const narrow = widths.length > 0 && finite.length === widths.length && width! <= rule.ci_width;
  if (narrow) return { checkpoint, width, decision: "stop" };
  return { checkpoint, width, decision: checkpoint >= rule.cap ? "cap" : "continue" };
}
