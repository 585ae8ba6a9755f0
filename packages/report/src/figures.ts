// The tables behind the study's figures, built from comparisons and cells:
//   handshake increase per link condition (loss, RTT, ...), at each condition's smallest size;
//   TTLB increase versus response size, one series per condition;
//   TTLB CDFs of the compared variants, per condition and size.

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
import type { CellData, PercentileName } from "./stats.js";

export type IncreaseByPercentile = Record<PercentileName, IncreaseStat>;

/** "variant vs baseline", naming a comparison's two sides. */
export function pairLabel(c: Comparison): string {
  return `${variantLabel(c.variant.variant)} vs ${variantLabel(c.baseline.variant)}`;
}

export interface HandshakeFigureRow {
  pair: string;
  condition: Condition;
  label: string;
  /** The response size whose connections supplied the handshake times (the smallest measured). */
  bytes: number;
  increase: IncreaseByPercentile;
}

export interface TtlbIncreaseSeries {
  pair: string;
  condition: Condition;
  label: string;
  points: { bytes: number; increase: IncreaseByPercentile }[];
}

export interface CdfSeries {
  condition: Condition;
  label: string;
  bytes: number;
  variant: Variant;
  variant_label: string;
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

export function handshakeFigure(
  comparisons: readonly Comparison[],
  varying: readonly ConditionField[],
): HandshakeFigureRow[] {
  const rows: HandshakeFigureRow[] = [];
  for (const group of byPairAndCondition(comparisons).values()) {
    const first = group.find((c) => c.metrics.handshake_ms);
    if (!first) continue;
    rows.push({
      pair: pairLabel(first),
      condition: first.condition,
      label: conditionLabel(first.condition, varying),
      bytes: first.bytes,
      increase: first.metrics.handshake_ms!,
    });
  }
  return rows.sort((a, b) => a.pair.localeCompare(b.pair) || compareConditions(a.condition, b.condition));
}

export function ttlbIncreaseFigure(
  comparisons: readonly Comparison[],
  varying: readonly ConditionField[],
): TtlbIncreaseSeries[] {
  const series: TtlbIncreaseSeries[] = [];
  for (const group of byPairAndCondition(comparisons).values()) {
    const points = group
      .filter((c) => c.metrics.ttlb_ms)
      .map((c) => ({ bytes: c.bytes, increase: c.metrics.ttlb_ms! }));
    if (points.length === 0) continue;
    series.push({
      pair: pairLabel(group[0]),
      condition: group[0].condition,
      label: conditionLabel(group[0].condition, varying),
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

/** TTLB CDFs of the cells taking part in a comparison (all cells when there are no comparisons). */
export function ttlbCdfFigure(
  cells: readonly CellData[],
  comparisons: readonly Comparison[],
  varying: readonly ConditionField[],
): CdfSeries[] {
  const compared = new Set(comparisons.flatMap((c) => [c.baseline.cell, c.variant.cell]));
  const chosen = comparisons.length > 0 ? cells.filter((c) => compared.has(c.cell)) : cells;
  return chosen
    .filter((c) => c.samples.ttlb_ms.length > 0)
    .map((c) => ({
      condition: c.condition,
      label: conditionLabel(c.condition, varying),
      bytes: c.bytes,
      variant: c.variant,
      variant_label: variantLabel(c.variant),
      n: c.samples.ttlb_ms.length,
      points: cdfPoints(c.samples.ttlb_ms),
    }))
    .sort(
      (a, b) =>
        compareConditions(a.condition, b.condition) ||
        a.bytes - b.bytes ||
        variantKey(a.variant).localeCompare(variantKey(b.variant)),
    );
}
