// % increase of a variant over a baseline, per condition and response size, per percentile, with
// bootstrap intervals. The fields the --baseline and --variant selectors name are the compared ones
// (kex and chain by default; any dimension, e.g. engine=openssl or compression=brotli): cells are
// paired only when every other dimension field and the size are equal.

import {
  type BootstrapOptions,
  bootstrapDifferences,
  DEFAULT_BOOTSTRAP,
  type Interval,
  percentIncrease,
} from "./bootstrap.js";
import { CONDITION_FIELDS, type ConditionField, FIELD_ORDER, VARIANT_FIELDS } from "./dimensions.js";
import { markedFlags } from "./fidelity.js";
import { type Condition, describeField, type Variant, variantLabel } from "./params.js";
import { quantileSorted } from "./quantile.js";
import type { StopRuleSettings } from "./row.js";
import {
  type CellData,
  DEFAULT_TRUST,
  disturbanceFlags,
  METRICS,
  type Metric,
  PERCENTILE_NAMES,
  PERCENTILES,
  type PercentileName,
  percentileFlags,
  type TrustRules,
} from "./stats.js";
import {
  type CellValues,
  checkSelectorValues,
  selectorFields,
  selectorMatches,
  type VariantSelector,
} from "./variant.js";

export interface IncreaseStat {
  /** The baseline's and the variant's percentile, ms. */
  baseline: number;
  variant: number;
  /** 100 * (variant / baseline - 1). */
  increase_pct: number;
  ci: Interval;
  /** variant - baseline, ms: the absolute cost (PQ adds a roughly constant time). */
  delta_ms: number;
  /** Bootstrap interval of delta_ms, from the same resamples as `ci`. */
  delta_ci: Interval;
  /**
   * Whether the interval excludes 0 (a difference was detected); null without an interval. A result,
   * not a quality problem: "no measurable cost" is what a fast link often shows.
   */
  significant: boolean | null;
  /** Why this number should not be trusted (data quality); empty when there is no reason. */
  flags: string[];
  /** Successful samples on each side. */
  n_baseline: number;
  n_variant: number;
}

export interface ComparisonSide {
  variant: Variant;
  cell: string;
  attempts: number;
  failures: number;
  /** The server leaf's key algorithm as the rows recorded it (`chain_key`); null in older files. */
  chain_key: string | null;
}

export interface Comparison {
  condition: Condition;
  bytes: number;
  baseline: ComparisonSide;
  variant: ComparisonSide;
  /** Timers both sides have samples for. */
  metrics: Partial<Record<Metric, Record<PercentileName, IncreaseStat>>>;
}

export interface CompareResult {
  comparisons: Comparison[];
  /** Conditions where no comparison could be made, and why. */
  notes: string[];
}

/**
 * A side of a comparison. Its variant carries the compared condition fields too (engine, ...), so
 * variantLabel tells "x25519 + rsa2048, engine openssl" from "x25519 + rsa2048, engine pqtls".
 */
function side(c: CellData, compared: readonly ConditionField[]): ComparisonSide {
  const extra = Object.fromEntries(compared.map((f) => [f, c.condition[f]]));
  return {
    variant: { ...c.variant, ...extra },
    cell: c.cell,
    attempts: c.attempts,
    failures: c.failures,
    chain_key: c.chainKey,
  };
}

function cellValues(c: CellData): CellValues {
  return { ...c.condition, ...c.variant, chain_key: c.chainKey };
}

function conditionWords(c: Condition, bytes: number): string {
  const parts = Object.entries(c)
    .filter(([, v]) => v !== null)
    .map(([f, v]) => describeField(f as keyof Condition, v));
  return `${parts.join(", ")}, ${bytes} B`;
}

/**
 * Data-quality flags of one % increase: both cells' trust flags and the interval's width. Whether
 * the interval includes 0 is not among them (see `significant`): that is a finding, not a defect.
 */
function increaseFlags(
  p: number,
  base: CellData,
  variant: CellData,
  metric: Metric,
  ci: Interval,
  rules: TrustRules,
): string[] {
  const flags = [
    ...percentileFlags(p, base.samples[metric].length, base.failures, base.attempts, rules).map(
      (f) => `baseline: ${f}`,
    ),
    ...percentileFlags(p, variant.samples[metric].length, variant.failures, variant.attempts, rules).map(
      (f) => `variant: ${f}`,
    ),
    ...disturbanceFlags(base.disturbed, base.attempts).map((f) => `baseline: ${f}`),
    ...disturbanceFlags(variant.disturbed, variant.attempts).map((f) => `variant: ${f}`),
    ...markedFlags(base.marked, base.attempts).map((f) => `baseline: ${f}`),
    ...markedFlags(variant.marked, variant.attempts).map((f) => `variant: ${f}`),
  ];
  const width = ci.high - ci.low;
  if (!Number.isFinite(width)) flags.push("no confidence interval");
  else if (width > rules.maxCiWidthPct) flags.push(`wide CI: ${width.toFixed(1)} percentage points`);
  const cap = capFlag(p, base, variant, metric, width);
  if (cap) flags.push(cap);
  return flags;
}

/**
 * An adaptive run's comparison that reached its cap before its interval was as narrow as asked: the
 * interval the stop rule watches (TTLB p50, and p90 with ci_on p90) is wider than ci_width.
 */
function capFlag(p: number, base: CellData, variant: CellData, metric: Metric, width: number): string | null {
  const rule = base.stopRule ?? variant.stopRule;
  if (!rule || metric !== STOP_RULE_METRIC || !stopRuleWatches(rule, p)) return null;
  if (Math.min(base.attempts, variant.attempts) < rule.cap || !(width > rule.ci_width)) return null;
  return `sampled to the cap (${rule.cap}) with the interval ${width.toFixed(1)} points wide, above --ci-width ${rule.ci_width}`;
}

/** The timer an adaptive run's stop rule watches. */
export const STOP_RULE_METRIC: Metric = "ttlb_ms";

/** Whether the stop rule watches percentile p: the p50 always, the p90 with ci_on p90. */
export function stopRuleWatches(rule: StopRuleSettings, p: number): boolean {
  return p === 0.5 || (p === 0.9 && rule.ci_on === "p90");
}

/** Does the interval exclude 0? null when there is no interval. */
export function excludesZero(ci: Interval): boolean | null {
  if (!Number.isFinite(ci.low) || !Number.isFinite(ci.high)) return null;
  return ci.low > 0 || ci.high < 0;
}

export function compareCell(
  base: CellData,
  variant: CellData,
  bootstrap: BootstrapOptions = DEFAULT_BOOTSTRAP,
  rules: TrustRules = DEFAULT_TRUST,
  compared: readonly ConditionField[] = [],
): Comparison {
  const metrics: Comparison["metrics"] = {};
  for (const m of METRICS) {
    const b = base.samples[m];
    const v = variant.samples[m];
    if (b.length === 0 || v.length === 0) continue;
    const key = `${base.cell}|${variant.cell}|${m}`;
    const cis = bootstrapDifferences(b, v, PERCENTILES, key, bootstrap);
    const perP = {} as Record<PercentileName, IncreaseStat>;
    PERCENTILES.forEach((p, i) => {
      const bq = quantileSorted(b, p);
      const vq = quantileSorted(v, p);
      const inc = percentIncrease(bq, vq);
      perP[PERCENTILE_NAMES[i]] = {
        baseline: bq,
        variant: vq,
        increase_pct: inc,
        ci: cis.pct[i],
        delta_ms: vq - bq,
        delta_ci: cis.delta[i],
        significant: excludesZero(cis.delta[i]),
        flags: increaseFlags(p, base, variant, m, cis.pct[i], rules),
        n_baseline: b.length,
        n_variant: v.length,
      };
    });
    metrics[m] = perP;
  }
  return {
    condition: base.condition,
    bytes: base.bytes,
    baseline: side(base, compared),
    variant: side(variant, compared),
    metrics,
  };
}

/**
 * Pair every cell the variant selector picks with the one baseline cell that differs from it only
 * in the compared fields (those the selectors name; kex and chain when they name none of them) at
 * the same size. A group with several baseline candidates is skipped with a note (narrow --baseline).
 * A selector naming a value no cell has is refused (SelectorError).
 */
export function compareAll(
  cells: readonly CellData[],
  baselineSel: VariantSelector,
  variantSel: VariantSelector,
  bootstrap: BootstrapOptions = DEFAULT_BOOTSTRAP,
  rules: TrustRules = DEFAULT_TRUST,
): CompareResult {
  const values = cells.map(cellValues);
  checkSelectorValues(baselineSel, values, "--baseline");
  checkSelectorValues(variantSel, values, "--variant");
  const named = new Set([...selectorFields(baselineSel), ...selectorFields(variantSel)]);
  const comparedFields = FIELD_ORDER.filter((f) => named.has(f));
  const compared = comparedFields.length > 0 ? comparedFields : [...VARIANT_FIELDS];
  const shared = FIELD_ORDER.filter(
    (f) =>
      !compared.includes(f) && (CONDITION_FIELDS as readonly string[]).concat(VARIANT_FIELDS).includes(f),
  );
  const comparedConditions = CONDITION_FIELDS.filter((f) => compared.includes(f));
  const sideKey = (c: CellData) => JSON.stringify(compared.map((f) => cellValues(c)[f] ?? null));

  const groups = new Map<string, CellData[]>();
  for (const c of cells) {
    const v = cellValues(c);
    const k = `${JSON.stringify(shared.map((f) => v[f] ?? null))}|${c.bytes}`;
    const g = groups.get(k);
    if (g) g.push(c);
    else groups.set(k, [c]);
  }
  const comparisons: Comparison[] = [];
  const notes: string[] = [];
  for (const group of groups.values()) {
    const bases = group.filter((c) => selectorMatches(baselineSel, cellValues(c)));
    const baseKeys = new Set(bases.map(sideKey));
    const variants = group.filter(
      (c) => selectorMatches(variantSel, cellValues(c)) && !baseKeys.has(sideKey(c)),
    );
    if (variants.length === 0) continue;
    const where = conditionWords(group[0].condition, group[0].bytes);
    if (bases.length === 0) {
      notes.push(`no baseline (${baselineSel.text}) measured at ${where}`);
      continue;
    }
    if (bases.length > 1) {
      const names = bases.map((c) => variantLabel(side(c, comparedConditions).variant)).join("; ");
      notes.push(`several baselines match "${baselineSel.text}" at ${where} (${names}); narrow --baseline`);
      continue;
    }
    for (const v of variants)
      comparisons.push(compareCell(bases[0], v, bootstrap, rules, comparedConditions));
  }
  return { comparisons, notes };
}
