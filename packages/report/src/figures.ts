// The tables behind the study's figures, built from comparisons and cells:
//   handshake increase per link condition (loss, RTT, ...), at each condition's smallest size;
//   TTLB increase versus response size, one series per condition (two sizes at least);
//   CDFs of the compared variants, per condition and size: of TTLB, or of the handshake time in a
//   handshake-only run (every size 0 B: no response was asked for, so there is no TTLB to show);
//   the increase versus a swept link parameter (loss, RTT, rate, jitter at three values or more),
//   one series per pair, size and the other conditions' values.
// Each row carries `chart_label`, the condition's short label for chart axes and panels.

import type { Comparison, IncreaseStat } from "./compare.js";
import {
  type Condition,
  type ConditionField,
  compareConditions,
  conditionKey,
  conditionLabel,
  type Variant,
  variantKey,
  variantLabel,
} from "./params.js";
import { quantileSorted } from "./quantile.js";
import type { CellData, Metric, PercentileName } from "./stats.js";

export type IncreaseByPercentile = Record<PercentileName, IncreaseStat>;

/** "variant vs baseline", naming a comparison's two sides. */
export function pairLabel(c: Comparison): string {
  return `${variantLabel(c.variant.variant)} vs ${variantLabel(c.baseline.variant)}`;
}

export interface HandshakeFigureRow {
  pair: string;
  condition: Condition;
  label: string;
  chart_label: string;
  /** The response size whose connections supplied the handshake times (the smallest measured). */
  bytes: number;
  increase: IncreaseByPercentile;
}

export interface TtlbIncreaseSeries {
  pair: string;
  condition: Condition;
  label: string;
  chart_label: string;
  points: { bytes: number; increase: IncreaseByPercentile }[];
}

export interface CdfSeries {
  /** The timer the CDF is of: ttlb_ms, or handshake_ms in a handshake-only run. */
  metric: Metric;
  condition: Condition;
  label: string;
  chart_label: string;
  bytes: number;
  variant: Variant;
  variant_label: string;
  /** The variant's side in the comparisons: baseline (drawn in a fixed neutral colour), variant, or other. */
  role: "baseline" | "variant" | "other";
  n: number;
  /** (ms, fraction of successful connections done by then), ascending. */
  points: { ms: number; fraction: number }[];
}

function byPairAndCondition(comparisons: readonly Comparison[]): Map<string, Comparison[]> {
  const groups = new Map<string, Comparison[]>();
  for (const c of comparisons) {
    const k = `${pairLabel(c)}|${conditionKey(c.condition)}`;
    const g = groups.get(k);
    if (g) g.push(c);
    else groups.set(k, [c]);
  }
  for (const g of groups.values()) g.sort((a, b) => a.bytes - b.bytes);
  return groups;
}

/** Short chart labels by condition key (see labels.ts); the long label where none is given. */
export type ChartLabels = ReadonlyMap<string, string>;

function chartLabel(c: Condition, varying: readonly ConditionField[], labels?: ChartLabels): string {
  return labels?.get(conditionKey(c)) ?? conditionLabel(c, varying);
}

export function handshakeFigure(
  comparisons: readonly Comparison[],
  varying: readonly ConditionField[],
  labels?: ChartLabels,
): HandshakeFigureRow[] {
  const rows: HandshakeFigureRow[] = [];
  for (const group of byPairAndCondition(comparisons).values()) {
    const first = group.find((c) => c.metrics.handshake_ms);
    if (!first) continue;
    rows.push({
      pair: pairLabel(first),
      condition: first.condition,
      label: conditionLabel(first.condition, varying),
      chart_label: chartLabel(first.condition, varying, labels),
      bytes: first.bytes,
      increase: first.metrics.handshake_ms!,
    });
  }
  return rows.sort((a, b) => a.pair.localeCompare(b.pair) || compareConditions(a.condition, b.condition));
}

/** TTLB increase per size for each pair and condition measured at two sizes or more (one point is no curve). */
export function ttlbIncreaseFigure(
  comparisons: readonly Comparison[],
  varying: readonly ConditionField[],
  labels?: ChartLabels,
): TtlbIncreaseSeries[] {
  const series: TtlbIncreaseSeries[] = [];
  for (const group of byPairAndCondition(comparisons).values()) {
    const points = group
      .filter((c) => c.metrics.ttlb_ms)
      .map((c) => ({ bytes: c.bytes, increase: c.metrics.ttlb_ms! }));
    if (points.length < 2) continue;
    series.push({
      pair: pairLabel(group[0]),
      condition: group[0].condition,
      label: conditionLabel(group[0].condition, varying),
      chart_label: chartLabel(group[0].condition, varying, labels),
      points,
    });
  }
  return series.sort((a, b) => a.pair.localeCompare(b.pair) || compareConditions(a.condition, b.condition));
}

/** At most `maxPoints + 1` points of an empirical CDF: (min, 0) and every sample when few, else evenly spaced quantiles. */
export function cdfPoints(sorted: Float64Array, maxPoints = 200): { ms: number; fraction: number }[] {
  const n = sorted.length;
  if (n === 0) return [];
  if (n <= maxPoints) {
    // The step starts from 0 at the smallest value, then rises by 1/n at each sample.
    return [
      { ms: sorted[0], fraction: 0 },
      ...Array.from(sorted, (ms, i) => ({ ms, fraction: (i + 1) / n })),
    ];
  }
  const points: { ms: number; fraction: number }[] = [];
  for (let k = 0; k <= maxPoints; k++) {
    const f = k / maxPoints;
    points.push({ ms: quantileSorted(sorted, f), fraction: f });
  }
  return points;
}

/** Does every cell have response size 0 (a handshake-only run, whose TTLB is its handshake time)? */
export function handshakeOnly(cells: readonly CellData[]): boolean {
  return cells.length > 0 && cells.every((c) => c.bytes === 0);
}

/**
 * CDFs of the cells taking part in a comparison (all cells when there are no comparisons): of TTLB,
 * or of the handshake time when the run is handshake-only.
 */
export function cdfFigure(
  cells: readonly CellData[],
  comparisons: readonly Comparison[],
  varying: readonly ConditionField[],
  labels?: ChartLabels,
): CdfSeries[] {
  const metric: Metric = handshakeOnly(cells) ? "handshake_ms" : "ttlb_ms";
  const baselines = new Set(comparisons.map((c) => c.baseline.cell));
  const variants = new Set(comparisons.map((c) => c.variant.cell));
  const chosen =
    comparisons.length > 0 ? cells.filter((c) => baselines.has(c.cell) || variants.has(c.cell)) : cells;
  return chosen
    .filter((c) => c.samples[metric].length > 0)
    .map((c) => ({
      metric,
      condition: c.condition,
      label: conditionLabel(c.condition, varying),
      chart_label: chartLabel(c.condition, varying, labels),
      bytes: c.bytes,
      variant: c.variant,
      variant_label: variantLabel(c.variant),
      role: baselines.has(c.cell)
        ? ("baseline" as const)
        : variants.has(c.cell)
          ? ("variant" as const)
          : ("other" as const),
      n: c.samples[metric].length,
      points: cdfPoints(c.samples[metric]),
    }))
    .sort(
      (a, b) =>
        compareConditions(a.condition, b.condition) ||
        a.bytes - b.bytes ||
        variantKey(a.variant).localeCompare(variantKey(b.variant)),
    );
}

/** Link parameters a run may sweep, drawn as the x axis of an increase-versus-parameter figure. */
export const SWEEP_FIELDS = ["loss_pct", "rtt_ms", "rate_mbps", "jitter_ms"] as const;
export type SweepField = (typeof SWEEP_FIELDS)[number];

export interface SweepSeries {
  pair: string;
  /** The swept link parameter (the x axis). */
  field: SweepField;
  /** What the series' conditions share besides it, as a label ("" when nothing else varies). */
  label: string;
  bytes: number;
  /** TTLB, or the handshake time where a comparison has no TTLB. */
  metric: Metric;
  /** Ascending by x. */
  points: { x: number; increase: IncreaseByPercentile }[];
}

/**
 * The % increase versus each swept link parameter that takes three values or more: per pair,
 * response size and values of the other condition fields, one point per value (the loss-sweep
 * preset's figure; RTT or rate sweeps alike). Fewer than three values make no curve.
 */
export function sweepFigure(
  comparisons: readonly Comparison[],
  varying: readonly ConditionField[],
): SweepSeries[] {
  const out: SweepSeries[] = [];
  for (const field of SWEEP_FIELDS) {
    if (!varying.includes(field)) continue;
    const others = varying.filter((f) => f !== field && f !== "loss_model");
    const groups = new Map<string, Comparison[]>();
    for (const c of comparisons) {
      if (typeof c.condition[field] !== "number") continue;
      const k = JSON.stringify([pairLabel(c), c.bytes, others.map((f) => c.condition[f])]);
      groups.set(k, [...(groups.get(k) ?? []), c]);
    }
    for (const group of groups.values()) {
      const points = group
        .map((c) => ({ x: c.condition[field] as number, stat: c.metrics.ttlb_ms ?? c.metrics.handshake_ms }))
        .filter((p): p is { x: number; stat: IncreaseByPercentile } => p.stat !== undefined)
        .sort((a, b) => a.x - b.x);
      if (new Set(points.map((p) => p.x)).size < 3) continue;
      const first = group[0];
      out.push({
        pair: pairLabel(first),
        field,
        label: conditionLabel(first.condition, others),
        bytes: first.bytes,
        metric: first.metrics.ttlb_ms ? "ttlb_ms" : "handshake_ms",
        points: points.map((p) => ({ x: p.x, increase: p.stat })),
      });
    }
  }
  return out.sort(
    (a, b) =>
      SWEEP_FIELDS.indexOf(a.field) - SWEEP_FIELDS.indexOf(b.field) ||
      a.label.localeCompare(b.label) ||
      a.pair.localeCompare(b.pair) ||
      a.bytes - b.bytes,
  );
}
