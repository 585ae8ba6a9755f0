// Figure 1 as the study draws it: the handshake-time % increase at p50/p75/p90 over all the link
// conditions measured at one rate (the study: "over the 1 Mbit/s datasets", loss 0/1/3/10 %, RTT
// 35/200 ms), one bar per compared variant side by side at each percentile.
//
// How the conditions are aggregated: each side's handshake times of every condition in the group are
// pooled into one sample and its percentiles taken (the natural reading of "over the datasets": a
// percentile of all the connections made at that rate). Conditions pool with the samples they have,
// so equal sample counts weigh them equally. The interval is a stratified bootstrap: each condition's
// sample is resampled within itself, keeping its size, so a resample never re-weights the conditions
// (a 200 ms condition's times are several times a 35 ms one's; letting chance change their mix would
// widen the interval with variability the design does not have).

import {
  type BootstrapOptions,
  bootstrapPooledDifferences,
  DEFAULT_BOOTSTRAP,
  percentIncrease,
  poolSamples,
} from "./bootstrap.js";
import { type Comparison, excludesZero, type IncreaseStat } from "./compare.js";
import type { ConditionField } from "./dimensions.js";
import { type IncreaseByPercentile, pairLabel } from "./figures.js";
import {
  type Condition,
  conditionKey,
  describeField,
  type Variant,
  variantLabel,
  varyingFields,
} from "./params.js";
import { quantileSorted } from "./quantile.js";
import {
  type CellData,
  DEFAULT_TRUST,
  PERCENTILE_NAMES,
  PERCENTILES,
  percentileFlags,
  type TrustRules,
} from "./stats.js";

/** The link fields pooled over: the study's 1 Mbit/s datasets differ in RTT and loss only. */
export const POOLED_FIELDS: readonly ConditionField[] = ["rtt_ms", "loss_pct"];

export const POOLING_METHOD =
  "each side's handshake times of every condition at one rate (all other fields equal, RTT and loss varying) pooled into one sample, then its percentiles taken; " +
  "95 % interval by a stratified percentile bootstrap: each condition's sample resampled within itself at its own size, so every resample pools the conditions in the measured proportions";

export interface PooledHandshakeRow {
  /** "variant vs baseline". */
  pair: string;
  variant: Variant;
  baseline: Variant;
  variant_label: string;
  /** The fields every pooled condition shares (rate among them); RTT and loss are null. */
  shared: Condition;
  rate_mbps: number | null;
  /** The RTT and loss values pooled over, ascending. */
  rtt_ms: number[];
  loss_pct: number[];
  /** The conditions pooled (each at its smallest response size, as the per-condition figure). */
  conditions: number;
  /** "1 Mbit/s, RTT 35/200 ms, loss 0/1/3/10 %". */
  label: string;
  increase: IncreaseByPercentile;
}

function sharedKey(c: Condition): string {
  return conditionKey({ ...c, rtt_ms: null, loss_pct: null });
}

function sortedNumbers(xs: readonly (string | number | null)[]): number[] {
  return [...new Set(xs.filter((x): x is number => typeof x === "number"))].sort((a, b) => a - b);
}

const failures = (xs: readonly CellData[]) => xs.reduce((n, c) => n + c.failures, 0);
const attempts = (xs: readonly CellData[]) => xs.reduce((n, c) => n + c.attempts, 0);

/**
 * A pooled percentile that lies outside the central 80 % (p10..p90) of every pooled condition's own
 * sample sits in the gap between conditions (35 ms handshakes on one side, 200 ms on the other): it
 * is set by the mixture's proportions, not by any link, and moves with a few samples more in one
 * condition. Said per side, so the reader goes to the per-condition figure.
 */
function betweenConditionsFlag(side: string, value: number, samples: readonly Float64Array[]): string[] {
  const inside = samples.some(
    (s) => s.length > 0 && value >= quantileSorted(s, 0.1) && value <= quantileSorted(s, 0.9),
  );
  return inside ? [] : [`${side}: falls between the pooled conditions (outside each one's p10–p90)`];
}

/** Conditions pooled with unequal sample counts weigh unequally (adaptive sampling stops each apart). */
function unequalWeightFlag(side: string, samples: readonly Float64Array[]): string[] {
  const ns = samples.map((s) => s.length);
  const lo = Math.min(...ns);
  const hi = Math.max(...ns);
  return hi > lo * 1.1 ? [`${side}: conditions pooled with unequal sample counts (${lo}–${hi})`] : [];
}

function widthFlags(width: number, rules: TrustRules): string[] {
  if (!Number.isFinite(width)) return ["no confidence interval"];
  return width > rules.maxCiWidthPct ? [`wide CI: ${width.toFixed(1)} percentage points`] : [];
}

/**
 * One row per compared pair and group of conditions that share every field but RTT and loss, when
 * the group has two conditions or more with handshake times. `cells` supplies the samples.
 */
export function pooledHandshakeFigure(
  cells: readonly CellData[],
  comparisons: readonly Comparison[],
  bootstrap: BootstrapOptions = DEFAULT_BOOTSTRAP,
  rules: TrustRules = DEFAULT_TRUST,
): PooledHandshakeRow[] {
  const byCell = new Map(cells.map((c) => [c.cell, c]));
  // Per pair and condition the smallest size, as the per-condition handshake figure takes.
  const smallest = new Map<string, Comparison>();
  for (const c of comparisons) {
    if (!c.metrics.handshake_ms) continue;
    const k = `${pairLabel(c)}|${conditionKey(c.condition)}`;
    const prev = smallest.get(k);
    if (!prev || c.bytes < prev.bytes) smallest.set(k, c);
  }
  const groups = new Map<string, Comparison[]>();
  for (const c of smallest.values()) {
    const k = `${pairLabel(c)}|${sharedKey(c.condition)}`;
    const g = groups.get(k);
    if (g) g.push(c);
    else groups.set(k, [c]);
  }
  const rows: PooledHandshakeRow[] = [];
  for (const group of groups.values()) {
    if (group.length < 2) continue;
    const first = group[0];
    const baseCells = group.map((c) => byCell.get(c.baseline.cell)).filter((c): c is CellData => !!c);
    const varCells = group.map((c) => byCell.get(c.variant.cell)).filter((c): c is CellData => !!c);
    if (baseCells.length !== group.length || varCells.length !== group.length) continue;
    const baseSamples = baseCells.map((c) => c.samples.handshake_ms);
    const varSamples = varCells.map((c) => c.samples.handshake_ms);
    const base = poolSamples(baseSamples);
    const variant = poolSamples(varSamples);
    const key = `${pairLabel(first)}|${sharedKey(first.condition)}|${group
      .map((c) => `${c.baseline.cell}+${c.variant.cell}`)
      .sort()
      .join(",")}`;
    const cis = bootstrapPooledDifferences(base, variant, PERCENTILES, key, bootstrap);
    const increase = {} as IncreaseByPercentile;
    PERCENTILES.forEach((p, i) => {
      const bq = quantileSorted(base.sorted, p);
      const vq = quantileSorted(variant.sorted, p);
      const stat: IncreaseStat = {
        baseline: bq,
        variant: vq,
        increase_pct: percentIncrease(bq, vq),
        ci: cis.pct[i],
        delta_ms: vq - bq,
        delta_ci: cis.delta[i],
        significant: excludesZero(cis.delta[i]),
        flags: [
          ...percentileFlags(p, base.sorted.length, failures(baseCells), attempts(baseCells), rules).map(
            (f) => `baseline: ${f}`,
          ),
          ...percentileFlags(p, variant.sorted.length, failures(varCells), attempts(varCells), rules).map(
            (f) => `variant: ${f}`,
          ),
          ...widthFlags(cis.pct[i].high - cis.pct[i].low, rules),
          ...betweenConditionsFlag("baseline", bq, baseSamples),
          ...betweenConditionsFlag("variant", vq, varSamples),
          ...unequalWeightFlag("baseline", baseSamples),
          ...unequalWeightFlag("variant", varSamples),
        ],
        n_baseline: base.sorted.length,
        n_variant: variant.sorted.length,
      };
      increase[PERCENTILE_NAMES[i]] = stat;
    });
    const rtts = sortedNumbers(group.map((c) => c.condition.rtt_ms));
    const losses = sortedNumbers(group.map((c) => c.condition.loss_pct));
    const shared = { ...first.condition, rtt_ms: null, loss_pct: null };
    const rate = typeof first.condition.rate_mbps === "number" ? first.condition.rate_mbps : null;
    rows.push({
      pair: pairLabel(first),
      variant: first.variant.variant,
      baseline: first.baseline.variant,
      variant_label: variantLabel(first.variant.variant),
      shared,
      rate_mbps: rate,
      rtt_ms: rtts,
      loss_pct: losses,
      conditions: group.length,
      label: [
        rate === null ? "rate unknown" : `${rate} Mbit/s`,
        `RTT ${rtts.join("/")} ms`,
        `loss ${losses.join("/")} %`,
      ].join(", "),
      increase,
    });
  }
  // Groups at one rate that differ in another field (engine, jitter, ...) are told apart by it.
  const others = varyingFields(rows.map((r) => r.shared)).filter((f) => f !== "rate_mbps");
  for (const r of rows)
    if (others.length > 0)
      r.label = [r.label, ...others.map((f) => describeField(f, r.shared[f]))].join(", ");
  return rows.sort(
    (a, b) =>
      (a.rate_mbps ?? 0) - (b.rate_mbps ?? 0) ||
      a.label.localeCompare(b.label) ||
      // numeric: mldsa44@8KB before mldsa44@16KB.
      a.pair.localeCompare(b.pair, "en", { numeric: true }),
  );
}
