// Everything a report shows, computed once from rows: per-cell statistics, comparisons, the figure
// tables and the notes on numbers not to trust. The markdown, JSON and CSV outputs all read this.

import { type BesideStudy, besideStudy } from "./beside-study.js";
import { type BootstrapOptions, DEFAULT_BOOTSTRAP } from "./bootstrap.js";
import { type ChainReductionRow, chainReductionTable } from "./chain-reduction.js";
import { type Comparison, compareAll, STOP_RULE_METRIC, stopRuleWatches } from "./compare.js";
import {
  type CdfSeries,
  cdfFigure,
  type HandshakeFigureRow,
  handshakeFigure,
  handshakeOnly,
  type SweepSeries,
  sweepFigure,
  type TtlbIncreaseSeries,
  ttlbIncreaseFigure,
} from "./figures.js";
import { type HandshakeBytesRow, handshakeBytesTable } from "./handshake-bytes.js";
import { shortConditionLabels } from "./labels.js";
import { LINK_CHECK_RULE, type LinkCheckRow, linkCheck } from "./link-check.js";
import type { LoadedResults } from "./load.js";
import { type LossAnatomyRow, lossAnatomyTable } from "./loss-anatomy.js";
import {
  type Condition,
  type ConditionField,
  compareConditions,
  fixedFields,
  variantKey,
  varyingFields,
} from "./params.js";
import { POOLING_METHOD, type PooledHandshakeRow, pooledHandshakeFigure } from "./pooled-handshake.js";
import { PERCENTILE_METHOD } from "./quantile.js";
import type { MetaLine, Row, StopRuleSettings } from "./row.js";
import { shardNotes, shardOrigins } from "./shards.js";
import {
  type CellData,
  type CellSummary,
  DEFAULT_TRUST,
  groupCells,
  PERCENTILE_NAMES,
  PERCENTILES,
  summarizeCell,
  type TrustRules,
} from "./stats.js";
import { ANY_VARIANT, DEFAULT_BASELINE, DEFAULT_VARIANT, parseSelector } from "./variant.js";

export interface SummaryOptions {
  /** Baseline selector, e.g. "kex=x25519,chain=rsa2048" (default: classical kex + classical chain). */
  baseline?: string;
  /** Variant selector (default: PQ kex + PQ chain). */
  variant?: string;
  /** Bootstrap seed (default: the run's seed from the meta line, else 1). */
  seed?: number;
  /** Bootstrap resamples (default 1000). */
  resamples?: number;
  /**
   * Which compared variant stands for the study's "PQ" in "Beside the study" (a selector, e.g.
   * "chain=mldsa44@16KB"); default: the PQ key exchange whose chain is closest to 16 KB.
   */
  studyVariant?: string;
  trust?: Partial<TrustRules>;
}

export interface InputFile {
  file: string;
  run: string;
  rows: number;
  skipped: number;
}

export interface ReportSummary {
  generator: string;
  method: {
    percentiles: string;
    bootstrap: BootstrapOptions & { method: string };
    trust: TrustRules;
    baseline: string;
    variant: string;
    pq_definition: string;
    ttlb_at_zero_bytes: string;
    link_check: string;
    /** How figure 1's pooled handshake increase aggregates the conditions of one rate. */
    pooling: string;
    /** How an adaptive run (`--ci-width`) chose its sample sizes and what that does to the intervals; null for fixed samples. */
    sequential_stopping: SequentialStopping | null;
  };
  inputs: InputFile[];
  /** The meta line of each input file, in input order. */
  meta: MetaLine[];
  dimensions: { varying: ConditionField[]; fixed: Partial<Condition>; bytes: number[] };
  cells: CellSummary[];
  comparisons: Comparison[];
  /**
   * Per link condition: TCP connect times (one RTT) against the configured RTT, the check `pqtls run`
   * prints; `not emulated` for rows of `link: none` runs.
   */
  link_check: LinkCheckRow[];
  /** Median handshake bytes each way per condition and variant, and the difference from the baseline. */
  handshake_bytes: HandshakeBytesRow[];
  /**
   * Per cell of a lossy condition: connections whose TCP opening was retransmitted, TTLB with and
   * without them, RTO expiries, retransmissions, the server's final cwnd (loss-anatomy.ts).
   */
  loss_anatomy: LossAnatomyRow[];
  /**
   * Per chain-size trimming mechanism, condition and size: the mechanism against no reduction (bytes
   * saved, handshake and TTLB change, the flight against initcwnd × MSS); empty unless the run varies
   * chain_reduction.
   */
  chain_reduction: ChainReductionRow[];
  /** Every response size is 0 B: the run measured handshakes only (its TTLB is the handshake time). */
  handshake_only: boolean;
  figures: {
    handshake_increase: HandshakeFigureRow[];
    /**
     * The study's figure 1: the handshake increase pooled over the conditions of one rate (RTT and
     * loss varying), one row per pair and group; empty unless a group has two conditions or more.
     */
    handshake_pooled: PooledHandshakeRow[];
    /** Empty in a handshake-only run, and for conditions measured at one size only. */
    ttlb_increase: TtlbIncreaseSeries[];
    /** CDFs of TTLB, or of the handshake time in a handshake-only run (each series' `metric`). */
    cdf: CdfSeries[];
    /** The increase versus each link parameter swept over three values or more (loss, RTT, ...). */
    sweep: SweepSeries[];
  };
  /** The study's published numbers beside ours (see beside-study.ts). */
  beside_study: BesideStudy;
  /** Why the report has no comparison at all (null when it has some): said at the top of the report. */
  no_comparison: string | null;
  /** Why some comparisons could not be made. */
  notes: string[];
  /** Lines skipped under skipBad. */
  warnings: string[];
}

/** An adaptive run's stop rule, its outcome over the report's comparisons, and the caveat in words. */
export interface SequentialStopping {
  rules: StopRuleSettings[];
  /** Comparisons under a stop rule whose watched intervals are at most ci_width wide. */
  narrow: number;
  /** Comparisons that reached the cap wider (flagged under Notes). */
  at_cap_wide: number;
  statement: string;
}

/**
 * The caveat of stopping when an interval is narrow: the sample size depends on the data, so the
 * stated level is not exact. A rule on the interval's width (not on the effect) is the fixed-width
 * sequential interval of Chow & Robbins, whose coverage reaches the nominal level only as the width
 * goes to 0; at a finite width the runs that stop early are those whose samples looked less variable.
 */
export const SEQUENTIAL_STOPPING_CAVEAT =
  "Because the number of samples depends on the samples, these intervals are not exactly 95 % intervals: " +
  "a comparison stops when its interval happens to be narrow, more often when its samples looked less variable than the link is, " +
  "so its interval covers the true increase somewhat less often than 95 % (fixed-width sequential intervals reach their nominal coverage only as the width goes to 0: " +
  "Y. S. Chow and H. Robbins, On the asymptotic theory of fixed-width sequential confidence intervals for the mean, Ann. Math. Statist. 36 (1965) 457–462). " +
  "The rule watches the interval's width, not the effect, so it does not favour large or small increases as stopping on significance would; " +
  "looking only at fixed checkpoints and never before the minimum keeps the shortfall small, and a deterministic (lossless) cell, which stops at the minimum, loses nothing. " +
  "Where exact coverage matters, rerun with a fixed --samples at the size the adaptive run reached";

function stoppingRuleWords(r: StopRuleSettings): string {
  const on = r.ci_on === "p90" ? "TTLB p50 and p90 % increases were" : "TTLB p50 % increase was";
  return `sampled each comparison, its variants interleaved round by round, until the ${on} at most ${r.ci_width} percentage points wide, looking every ${r.every} pairs from ${r.min} samples on and stopping at ${r.cap} samples whatever the width`;
}

function sequentialStopping(
  cells: readonly CellData[],
  comparisons: readonly Comparison[],
): SequentialStopping | null {
  const rules = [
    ...new Map(
      cells.filter((c) => c.stopRule).map((c) => [JSON.stringify(c.stopRule), c.stopRule!]),
    ).values(),
  ];
  if (rules.length === 0) return null;
  const byCell = new Map(cells.map((c) => [c.cell, c]));
  let narrow = 0;
  let atCapWide = 0;
  for (const c of comparisons) {
    const rule = byCell.get(c.baseline.cell)?.stopRule ?? byCell.get(c.variant.cell)?.stopRule;
    const stats = c.metrics[STOP_RULE_METRIC];
    if (!rule || !stats) continue;
    const watched = PERCENTILES.flatMap((p, i) =>
      stopRuleWatches(rule, p) ? [stats[PERCENTILE_NAMES[i]]] : [],
    );
    if (watched.every((x) => x.ci.high - x.ci.low <= rule.ci_width)) narrow++;
    else if (Math.min(c.baseline.attempts, c.variant.attempts) >= rule.cap) atCapWide++;
  }
  const how = rules.map(stoppingRuleWords).join("; another file ");
  const outcome = `${narrow} comparison${narrow === 1 ? "" : "s"} reached the width${atCapWide > 0 ? `, ${atCapWide} stopped at the cap wider (flagged under Notes)` : ""}`;
  return {
    rules,
    narrow,
    at_cap_wide: atCapWide,
    statement: `The run ${how} (\`pqtls run --ci-width\`): ${outcome}. ${SEQUENTIAL_STOPPING_CAVEAT}.`,
  };
}

export const PQ_DEFINITION =
  "PQ key exchange: group name contains ML-KEM (hybrids included); PQ chain: its leaf key is ML-DSA (or an AuthKEM model's ML-KEM) as the rows record it (chain_key), else by name: chain algorithm (before any @size padding) is ML-DSA";

/** Summarise rows a notebook already has (no files involved). */
export function summarizeRows(
  rows: readonly Row[],
  meta: MetaLine[] = [],
  options: SummaryOptions = {},
): ReportSummary {
  return summarize(
    {
      files: meta.map((m) => ({ file: "<rows>", meta: m, rows: 0, skipped: 0 })),
      rows: [...rows],
      origins: [],
      warnings: [],
    },
    options,
  );
}

/** The selectors the run's config carries (`report_baseline`, `report_variant`), from its first file. */
function runSelectors(loaded: LoadedResults): { baseline?: string; variant?: string } {
  const config = loaded.files[0]?.meta.config as {
    report_baseline?: unknown;
    report_variant?: unknown;
  } | null;
  const text = (x: unknown) => (typeof x === "string" && x.trim() !== "" ? x : undefined);
  return { baseline: text(config?.report_baseline), variant: text(config?.report_variant) };
}

export function summarize(loaded: LoadedResults, options: SummaryOptions = {}): ReportSummary {
  // The run's own comparison (config report_baseline / report_variant, e.g. a preset whose variants
  // are padded classical chains) applies unless the caller names one.
  const fromRun = runSelectors(loaded);
  const baselineOption = options.baseline ?? fromRun.baseline;
  const baselineText = baselineOption ?? DEFAULT_BASELINE;
  // A --baseline of its own (engine=openssl) compares every other cell with it unless --variant narrows.
  const variantText =
    options.variant ??
    (options.baseline === undefined ? fromRun.variant : undefined) ??
    (baselineOption === undefined ? DEFAULT_VARIANT : ANY_VARIANT);
  const baselineSel = parseSelector(baselineText, "--baseline");
  const variantSel = parseSelector(variantText, "--variant");
  const seed = options.seed ?? loaded.files[0]?.meta.seed ?? 1;
  const bootstrap: BootstrapOptions = {
    ...DEFAULT_BOOTSTRAP,
    seed,
    resamples: options.resamples ?? DEFAULT_BOOTSTRAP.resamples,
  };
  const trust: TrustRules = { ...DEFAULT_TRUST, ...options.trust };

  const cells = groupCells(loaded.rows).sort(
    (a, b) =>
      compareConditions(a.condition, b.condition) ||
      a.bytes - b.bytes ||
      variantKey(a.variant).localeCompare(variantKey(b.variant)),
  );
  const conditions = cells.map((c) => c.condition);
  const varying = varyingFields(conditions);
  const { comparisons, notes } = compareAll(cells, baselineSel, variantSel, bootstrap, trust);
  const metas = loaded.files.map((f) => f.meta);
  notes.push(...shardNotes(shardOrigins(metas)));
  const labels = shortConditionLabels(conditions, varying, metas);
  const handshakeBytes = handshakeBytesTable(loaded.rows, baselineSel);
  const pooled = pooledHandshakeFigure(cells, comparisons, bootstrap, trust);
  let noComparison: string | null = null;
  if (cells.length > 0 && comparisons.length === 0) {
    noComparison = whyNoComparison(notes, baselineText, variantText);
    notes.push(`no cell pairs matched: baseline "${baselineText}" and variant "${variantText}"`);
  }

  return {
    generator: "@pqtls/report",
    method: {
      percentiles: PERCENTILE_METHOD,
      bootstrap: {
        ...bootstrap,
        method: "percentile bootstrap; each side of a comparison resampled independently",
      },
      trust,
      baseline: baselineText,
      variant: variantText,
      pq_definition: PQ_DEFINITION,
      ttlb_at_zero_bytes:
        "with 0 bytes no request is sent; where a row has no ttlb_ms, its TTLB is its handshake time",
      link_check: LINK_CHECK_RULE,
      pooling: POOLING_METHOD,
      sequential_stopping: sequentialStopping(cells, comparisons),
    },
    inputs: loaded.files.map((f) => ({ file: f.file, run: f.meta.run, rows: f.rows, skipped: f.skipped })),
    meta: loaded.files.map((f) => f.meta),
    dimensions: {
      varying,
      fixed: fixedFields(conditions),
      bytes: [...new Set(cells.map((c) => c.bytes))].sort((a, b) => a - b),
    },
    cells: cells.map((c) => summarizeCell(c, bootstrap, trust)),
    comparisons,
    link_check: linkCheck(
      loaded.rows,
      loaded.files.map((f) => f.meta),
    ),
    handshake_bytes: handshakeBytes,
    loss_anatomy: lossAnatomyTable(loaded.rows),
    chain_reduction: chainReductionTable(cells, handshakeBytes, bootstrap, trust),
    handshake_only: handshakeOnly(cells),
    figures: {
      handshake_increase: handshakeFigure(comparisons, varying, labels),
      handshake_pooled: pooled,
      ttlb_increase: ttlbIncreaseFigure(comparisons, varying, labels),
      cdf: cdfFigure(cells, comparisons, varying, labels),
      sweep: sweepFigure(comparisons, varying),
    },
    beside_study: besideStudy({
      comparisons,
      pooled,
      cells,
      handshakeBytes,
      baseline: baselineText,
      selector: options.studyVariant,
      bootstrap,
    }),
    no_comparison: noComparison,
    notes,
    warnings: loaded.warnings,
  };
}

/** Why a report compares nothing, in one sentence for its top (the notes have the per-condition detail). */
function whyNoComparison(notes: readonly string[], baseline: string, variant: string): string {
  const missing = notes.filter((n) => n.startsWith("no baseline")).length;
  const ambiguous = notes.filter((n) => n.startsWith("several baselines")).length;
  if (missing > 0 && ambiguous === 0)
    return `no condition measured the baseline "${baseline}" beside a variant "${variant}" (${missing} conditions without one; did an override drop the baseline variant?)`;
  if (ambiguous > 0)
    return `several cells match the baseline "${baseline}" in ${ambiguous} conditions; narrow --baseline`;
  return `no cell other than the baseline "${baseline}" matches the variant "${variant}" under equal conditions`;
}
