// Per-cell statistics: rows grouped by the runner's cell id; for each timer the sample size,
// mean, standard deviation, percentiles, min/max and a bootstrap interval for the median, plus the
// reasons a percentile should not be trusted. Failed connections are counted, never averaged in.

import { type BootstrapOptions, bootstrapQuantiles, DEFAULT_BOOTSTRAP, type Interval } from "./bootstrap.js";
import { isMarked, markedFlags } from "./fidelity.js";
import { type Condition, conditionOf, type Variant, variantOf } from "./params.js";
import { mean, quantileSorted, sortedCopy, stdev } from "./quantile.js";
import type { Row, StopRuleSettings } from "./row.js";

export const METRICS = ["handshake_ms", "ttfb_ms", "ttlb_ms"] as const;
export type Metric = (typeof METRICS)[number];

export const METRIC_TITLES: Record<Metric, string> = {
  handshake_ms: "handshake time",
  ttfb_ms: "time to first byte",
  ttlb_ms: "time to last byte",
};

export const PERCENTILES = [0.5, 0.75, 0.9, 0.95, 0.99] as const;
export type PercentileName = "p50" | "p75" | "p90" | "p95" | "p99";
export const PERCENTILE_NAMES: readonly PercentileName[] = ["p50", "p75", "p90", "p95", "p99"];

export interface TrustRules {
  /** A percentile p needs at least this many samples above it: n >= ceil(k / (1 - p)); k = 3 → p90 needs 30. */
  minTailSamples: number;
  /** Failure share (of attempts) above which every number of the cell is flagged. */
  maxFailureShare: number;
  /** % increase intervals wider than this many percentage points are flagged. */
  maxCiWidthPct: number;
}

export const DEFAULT_TRUST: TrustRules = { minTailSamples: 3, maxFailureShare: 0.05, maxCiWidthPct: 10 };

/** One cell's rows, grouped, with each timer's successful samples sorted ascending. */
export interface CellData {
  cell: string;
  variant: Variant;
  condition: Condition;
  bytes: number;
  attempts: number;
  failures: number;
  /** Failed connections by error text. */
  errors: Record<string, number>;
  /** Connections whose link lost packets it was not configured to lose (see DISTURBANCE_COUNTERS). */
  disturbed: number;
  /** Connections the fidelity guard marked (fidelity.ts): taken while their lane was disturbed. */
  marked: number;
  samples: Record<Metric, Float64Array>;
  /** The stop rule the cell was sampled under (`pqtls run --ci-width`); null for a fixed number of samples. */
  stopRule: StopRuleSettings | null;
  /** The key algorithm of the server's leaf, as the rows recorded it (`chain_key`); null in older files. */
  chainKey: string | null;
}

/**
 * Link counters that count packets the emulator itself dropped or failed to pass on (a TUN ring
 * overflow, a refused write, a stalled relay), as opposed to configured loss or the configured
 * queue limit: a connection with any of them measured a disturbed lane, not the configured link.
 */
export const DISTURBANCE_COUNTERS = [
  "up.tunTxDropped",
  "up.rxDropped",
  "up.stalls",
  "up.writeErrors",
  "down.tunTxDropped",
  "down.rxDropped",
  "down.stalls",
  "down.writeErrors",
] as const;

/** Did this row's link drop packets outside the configured loss? */
export function isDisturbed(row: Row): boolean {
  const link = row.link;
  if (!link) return false;
  return DISTURBANCE_COUNTERS.some((k) => typeof link[k] === "number" && link[k] > 0);
}

/** The data-quality flag of a cell with disturbed connections, or none. */
export function disturbanceFlags(disturbed: number, attempts: number): string[] {
  return disturbed > 0
    ? [`${disturbed} of ${attempts} connections lost packets inside the link emulator (not configured loss)`]
    : [];
}

export interface MetricStats {
  n: number;
  mean: number;
  stdev: number;
  min: number;
  max: number;
  percentiles: Record<PercentileName, number>;
  /** Bootstrap interval of the median. */
  median_ci: Interval;
  /** Why each percentile should not be trusted; empty when there is no reason. */
  flags: Record<PercentileName, string[]>;
}

export interface CellSummary {
  cell: string;
  variant: Variant;
  condition: Condition;
  bytes: number;
  attempts: number;
  failures: number;
  failure_share: number;
  errors: Record<string, number>;
  /** Connections whose link dropped packets outside the configured loss (flagged on every percentile). */
  disturbed: number;
  /** Connections the fidelity guard marked; above MAX_MARKED_SHARE of attempts every percentile is flagged. */
  marked: number;
  /** Timers with at least one sample. */
  metrics: Partial<Record<Metric, MetricStats>>;
}

/**
 * A successful row's value for a timer, or null. With 0 bytes no request is sent, so the last byte
 * is the handshake's: a runner that leaves ttlb_ms null there gets the handshake time (as in the study).
 */
export function metricValue(row: Row, metric: Metric): number | null {
  if (!row.ok) return null;
  const v = row[metric];
  if (v === null && metric === "ttlb_ms" && row.bytes === 0) return row.handshake_ms;
  return v;
}

export function groupCells(rows: readonly Row[]): CellData[] {
  const groups = new Map<string, { first: Row; rows: Row[] }>();
  for (const row of rows) {
    const g = groups.get(row.cell);
    if (g) g.rows.push(row);
    else groups.set(row.cell, { first: row, rows: [row] });
  }
  const cells: CellData[] = [];
  for (const [cell, g] of groups) {
    const errors: Record<string, number> = {};
    let failures = 0;
    const disturbed = g.rows.filter(isDisturbed).length;
    const marked = g.rows.filter(isMarked).length;
    for (const r of g.rows) {
      if (r.ok) continue;
      failures++;
      const e = r.error ?? "unknown error";
      errors[e] = (errors[e] ?? 0) + 1;
    }
    const samples = {} as Record<Metric, Float64Array>;
    for (const m of METRICS) {
      const values: number[] = [];
      for (const r of g.rows) {
        const v = metricValue(r, m);
        if (v !== null) values.push(v);
      }
      samples[m] = sortedCopy(values);
    }
    cells.push({
      cell,
      variant: variantOf(g.first),
      condition: conditionOf(g.first),
      bytes: g.first.bytes,
      attempts: g.rows.length,
      failures,
      errors,
      disturbed,
      marked,
      samples,
      stopRule: stopRuleOf(g.rows),
      // Any row's: a cell merged from files before and after rows carried it has it on some rows only.
      chainKey: g.rows.find((r) => r.chain_key)?.chain_key ?? null,
    });
  }
  return cells;
}

/** The stop rule a cell's rows record (its settings, not the per-row look), or null. */
function stopRuleOf(rows: readonly Row[]): StopRuleSettings | null {
  const r = rows.find((x) => x.stop_rule)?.stop_rule;
  return r ? { ci_width: r.ci_width, ci_on: r.ci_on, every: r.every, min: r.min, cap: r.cap } : null;
}

/** The smallest n at which percentile p has `k` samples above it. */
export function minSamplesFor(p: number, k: number): number {
  return Math.ceil(k / (1 - p) - 1e-9);
}

/** Reasons not to trust percentile p of a cell with n successes, `failures` of `attempts` failed. */
export function percentileFlags(
  p: number,
  n: number,
  failures: number,
  attempts: number,
  rules: TrustRules = DEFAULT_TRUST,
): string[] {
  const flags: string[] = [];
  const need = minSamplesFor(p, rules.minTailSamples);
  const name = `p${Math.round(p * 100)}`;
  if (n < need) flags.push(`too few samples for ${name}: n = ${n} < ${need}`);
  const share = attempts > 0 ? failures / attempts : 0;
  if (failures > 0 && share >= 1 - p) {
    flags.push(`${pct(share)} of attempts failed, reaching into the ${name} tail`);
  } else if (share > rules.maxFailureShare) {
    flags.push(`${pct(share)} of attempts failed`);
  }
  return flags;
}

function pct(share: number): string {
  return `${(100 * share).toFixed(1)} %`;
}

export function metricStats(
  sorted: Float64Array,
  key: string,
  failures: number,
  attempts: number,
  bootstrap: BootstrapOptions = DEFAULT_BOOTSTRAP,
  rules: TrustRules = DEFAULT_TRUST,
): MetricStats {
  const percentiles = {} as Record<PercentileName, number>;
  const flags = {} as Record<PercentileName, string[]>;
  PERCENTILES.forEach((p, i) => {
    percentiles[PERCENTILE_NAMES[i]] = quantileSorted(sorted, p);
    flags[PERCENTILE_NAMES[i]] = percentileFlags(p, sorted.length, failures, attempts, rules);
  });
  return {
    n: sorted.length,
    mean: mean(sorted),
    stdev: stdev(sorted),
    min: sorted[0],
    max: sorted[sorted.length - 1],
    percentiles,
    median_ci: bootstrapQuantiles(sorted, [0.5], key, bootstrap)[0],
    flags,
  };
}

export function summarizeCell(
  cell: CellData,
  bootstrap: BootstrapOptions = DEFAULT_BOOTSTRAP,
  rules: TrustRules = DEFAULT_TRUST,
): CellSummary {
  const metrics: Partial<Record<Metric, MetricStats>> = {};
  for (const m of METRICS) {
    const s = cell.samples[m];
    if (s.length === 0) continue;
    const st = metricStats(s, `${cell.cell}/${m}`, cell.failures, cell.attempts, bootstrap, rules);
    for (const p of PERCENTILE_NAMES)
      st.flags[p].push(
        ...disturbanceFlags(cell.disturbed, cell.attempts),
        ...markedFlags(cell.marked, cell.attempts),
      );
    metrics[m] = st;
  }
  return {
    cell: cell.cell,
    variant: cell.variant,
    condition: cell.condition,
    bytes: cell.bytes,
    attempts: cell.attempts,
    failures: cell.failures,
    failure_share: cell.attempts > 0 ? cell.failures / cell.attempts : 0,
    errors: cell.errors,
    disturbed: cell.disturbed,
    marked: cell.marked,
    metrics,
  };
}
