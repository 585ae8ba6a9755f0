// `pqtls compare A.jsonl B.jsonl`: the same cells measured in two runs (before/after a change, two
// machines, two engines' builds), each cell of A set against the cell of B with equal dimension
// values (variant, condition and size; the cell id may differ). Per timer and percentile: both
// values, the difference in ms and in % with bootstrap intervals. Runs that do not measure the same
// cells are refused, naming what differs, unless the caller asks for the shared cells only. Two runs
// of different engines (or any other dimension each run holds at one value) are compared "across"
// that dimension: cells pair when every other dimension is equal.

import {
  type BootstrapOptions,
  DEFAULT_BOOTSTRAP,
  type Interval,
  intervalOf,
  percentIncrease,
  ResampleQuantiles,
} from "./bootstrap.js";
import { CONDITION_FIELDS, type DimensionField, VARIANT_FIELDS } from "./dimensions.js";
import { type LoadedResults, ReportInputError } from "./load.js";
import { escapeCell, fmtMs, fmtPct } from "./markdown.js";
import {
  type Condition,
  conditionKey,
  conditionLabel,
  formatBytes,
  type Variant,
  variantKey,
  variantLabel,
  varyingFields,
} from "./params.js";
import { quantileSorted } from "./quantile.js";
import { createRng } from "./random.js";
import { type CellData, groupCells, METRIC_TITLES, METRICS, type Metric } from "./stats.js";

/** The percentiles `compare` reports: the median and the tail the study looks at. */
export const COMPARE_PERCENTILES = [
  { name: "p50", p: 0.5 },
  { name: "p90", p: 0.9 },
] as const;

export interface RunDelta {
  metric: Metric;
  percentile: string;
  a_ms: number;
  b_ms: number;
  /** b − a, ms, with its interval. */
  delta_ms: number;
  delta_ci: Interval;
  /** 100 × (b / a − 1), with its interval. */
  delta_pct: number;
  pct_ci: Interval;
  n_a: number;
  n_b: number;
}

export interface RunCellComparison {
  variant: Variant;
  condition: Condition;
  bytes: number;
  cell_a: string;
  cell_b: string;
  deltas: RunDelta[];
}

export interface CompareRunsOptions {
  /** Compare the cells both runs measured and list the others, instead of refusing. */
  matchingOnly?: boolean;
  bootstrap?: BootstrapOptions;
  /**
   * Dimension fields the runs are compared across (e.g. `engine`: A ran pqtls, B OpenSSL): left out
   * when pairing cells, so each run must hold one value of them per remaining cell.
   */
  across?: readonly DimensionField[];
}

/** A field the runs were compared across, and the values each run has of it. */
export interface AcrossField {
  field: DimensionField;
  a: (string | number | null)[];
  b: (string | number | null)[];
}

export interface CompareRunsResult {
  a: string;
  b: string;
  cells: RunCellComparison[];
  /** The fields compared across (empty when cells pair on every dimension). */
  across: AcrossField[];
  /** Cells only one run measured (only with matchingOnly). */
  only_a: string[];
  only_b: string[];
}

const cellKey = (c: CellData) => `${variantKey(c.variant)}|${conditionKey(c.condition)}|${c.bytes}`;

/** A cell's value of a dimension field (variant or condition). */
function fieldValue(c: CellData, field: DimensionField): string | number | null {
  const v = (c.variant as Record<string, unknown>)[field] ?? (c.condition as Record<string, unknown>)[field];
  return typeof v === "string" || typeof v === "number" ? v : null;
}

/** The pairing key: every dimension but the `across` fields, and the size. */
function pairKey(c: CellData, across: readonly DimensionField[]): string {
  if (across.length === 0) return cellKey(c);
  const blank = (o: object) =>
    Object.fromEntries(
      Object.entries(o).map(([k, v]) => [k, across.includes(k as DimensionField) ? null : v]),
    );
  return `${variantKey(blank(c.variant) as Variant)}|${conditionKey(blank(c.condition) as Condition)}|${c.bytes}`;
}

/**
 * A hint for runs that share no cell: the fields each run holds at one value, different in the two
 * (A all pqtls, B all openssl), which `across` would compare.
 */
function acrossHint(a: readonly CellData[], b: readonly CellData[]): string {
  const fields = [...VARIANT_FIELDS, ...CONDITION_FIELDS].filter((f) => {
    const va = new Set(a.map((c) => fieldValue(c, f)));
    const vb = new Set(b.map((c) => fieldValue(c, f)));
    return va.size === 1 && vb.size === 1 && [...va][0] !== [...vb][0];
  });
  if (fields.length === 0) return "";
  const values = fields.map((f) => `${f} ${fieldValue(a[0], f)} vs ${fieldValue(b[0], f)}`).join(", ");
  return `; the runs differ throughout in ${values}: --across ${fields.join(",")} compares them across it`;
}

/** The cells of one run by pairing key; two cells on one key (differing only across) are refused. */
function cellsByPairKey(cells: readonly CellData[], across: readonly DimensionField[], name: string) {
  const byKey = new Map<string, CellData>();
  for (const c of cells) {
    const key = pairKey(c, across);
    const other = byKey.get(key);
    if (other)
      throw new ReportInputError(
        `${name} has cells that differ only in ${across.join(", ")} (${describeCellData(other)} and ${describeCellData(c)}); comparing across ${across.join(", ")} needs one value of it per cell in each run`,
      );
    byKey.set(key, c);
  }
  return byKey;
}
function describeCellData(c: CellData): string {
  const fields = Object.entries(c.condition).filter(([, v]) => v !== null);
  return `${variantLabel(c.variant)}, ${fields.map(([f, v]) => `${f}=${v}`).join(" ")}, ${formatBytes(c.bytes)}`;
}

/** Bootstrap intervals of b − a (ms) and of the % increase, each side resampled on its own. */
function deltaIntervals(
  a: Float64Array,
  b: Float64Array,
  p: number,
  key: string,
  options: BootstrapOptions,
): { delta: Interval; pct: Interval } {
  const rng = createRng(options.seed, `runs:${key}`);
  const delta = new Float64Array(options.resamples);
  const pct = new Float64Array(options.resamples);
  const ra = new ResampleQuantiles(a, [p]);
  const rb = new ResampleQuantiles(b, [p]);
  const qa = new Float64Array(1);
  const qb = new Float64Array(1);
  for (let r = 0; r < options.resamples; r++) {
    ra.draw(rng, qa);
    rb.draw(rng, qb);
    delta[r] = qb[0] - qa[0];
    pct[r] = percentIncrease(qa[0], qb[0]);
  }
  return { delta: intervalOf(delta, options.level), pct: intervalOf(pct, options.level) };
}

function compareCells(a: CellData, b: CellData, options: BootstrapOptions): RunCellComparison {
  const deltas: RunDelta[] = [];
  for (const metric of METRICS) {
    const sa = a.samples[metric];
    const sb = b.samples[metric];
    if (sa.length === 0 || sb.length === 0) continue;
    for (const { name, p } of COMPARE_PERCENTILES) {
      const qa = quantileSorted(sa, p);
      const qb = quantileSorted(sb, p);
      const ci = deltaIntervals(sa, sb, p, `${cellKey(a)}|${metric}|${name}`, options);
      deltas.push({
        metric,
        percentile: name,
        a_ms: qa,
        b_ms: qb,
        delta_ms: qb - qa,
        delta_ci: ci.delta,
        delta_pct: percentIncrease(qa, qb),
        pct_ci: ci.pct,
        n_a: sa.length,
        n_b: sb.length,
      });
    }
  }
  return {
    variant: a.variant,
    condition: a.condition,
    bytes: a.bytes,
    cell_a: a.cell,
    cell_b: b.cell,
    deltas,
  };
}

/** Set the cells of run `b` against the equal cells of run `a` (see the file comment). */
export function compareRuns(
  a: LoadedResults,
  b: LoadedResults,
  names: { a: string; b: string },
  options: CompareRunsOptions = {},
): CompareRunsResult {
  const bootstrap = { ...DEFAULT_BOOTSTRAP, seed: a.files[0]?.meta.seed ?? 1, ...options.bootstrap };
  const across = options.across ?? [];
  const byKeyA = cellsByPairKey(groupCells(a.rows), across, names.a);
  const byKeyB = cellsByPairKey(groupCells(b.rows), across, names.b);
  const cellsA = [...byKeyA.values()];
  const onlyA = cellsA.filter((c) => !byKeyB.has(pairKey(c, across))).map(describeCellData);
  const onlyB = [...byKeyB.entries()].filter(([k]) => !byKeyA.has(k)).map(([, c]) => describeCellData(c));
  const shared = cellsA.filter((c) => byKeyB.has(pairKey(c, across)));
  if (shared.length === 0) {
    throw new ReportInputError(
      `${names.a} and ${names.b} share no cell (same variant, conditions and size): ${onlyA.length > 0 ? `e.g. ${names.a} has ${onlyA[0]}` : `${names.a} has no cells`}; ${onlyB.length > 0 ? `${names.b} has ${onlyB[0]}` : `${names.b} has no cells`}${across.length === 0 ? acrossHint(cellsA, [...byKeyB.values()]) : ""}`,
    );
  }
  if (!options.matchingOnly && (onlyA.length > 0 || onlyB.length > 0)) {
    const parts = [
      ...(onlyA.length > 0 ? [`${onlyA.length} cells only in ${names.a} (e.g. ${onlyA[0]})`] : []),
      ...(onlyB.length > 0 ? [`${onlyB.length} cells only in ${names.b} (e.g. ${onlyB[0]})`] : []),
    ];
    throw new ReportInputError(
      `the runs do not measure the same conditions: ${parts.join("; ")}; --matching-only compares the ${shared.length} cells they share`,
    );
  }
  return {
    a: names.a,
    b: names.b,
    cells: shared.map((c) => compareCells(c, byKeyB.get(pairKey(c, across)) as CellData, bootstrap)),
    across: across.map((field) => ({
      field,
      a: [...new Set(cellsA.map((c) => fieldValue(c, field)))],
      b: [...new Set([...byKeyB.values()].map((c) => fieldValue(c, field)))],
    })),
    only_a: onlyA,
    only_b: onlyB,
  };
}

const fmtInterval = (ci: Interval, fmt: (x: number) => string) =>
  Number.isFinite(ci.low) ? `[${fmt(ci.low)}, ${fmt(ci.high)}]` : "[–]";
const signedMs = (x: number) => `${x >= 0 ? "+" : ""}${fmtMs(x)}`;

/**
 * The comparison as markdown: one table, a row per cell, timer and percentile; then the CDFs of both
 * runs (see compare-cdfs.ts), when `cdfs` links them (their files are relative to the markdown's).
 */
export function renderCompareMarkdown(
  r: CompareRunsResult,
  cdfs: readonly { label: string; file: string }[] = [],
): string {
  const fields = varyingFields(r.cells.map((c) => c.condition));
  const variants = new Set(r.cells.map((c) => variantKey(c.variant))).size > 1;
  const header = [
    ...(variants ? ["variant"] : []),
    ...(fields.length > 0 ? ["condition"] : []),
    "size",
    "timer",
    "pct.",
    "A (ms)",
    "B (ms)",
    "Δ ms [95 % CI]",
    "Δ % [95 % CI]",
    "n A / B",
  ];
  const rows = r.cells.flatMap((c) =>
    c.deltas.map((d) => [
      ...(variants ? [variantLabel(c.variant)] : []),
      ...(fields.length > 0 ? [conditionLabel(c.condition, fields)] : []),
      formatBytes(c.bytes),
      METRIC_TITLES[d.metric],
      d.percentile,
      fmtMs(d.a_ms),
      fmtMs(d.b_ms),
      `${signedMs(d.delta_ms)} ${fmtInterval(d.delta_ci, signedMs)}`,
      `${fmtPct(d.delta_pct)} ${fmtInterval(d.pct_ci, fmtPct)}`,
      `${d.n_a} / ${d.n_b}`,
    ]),
  );
  const out = [
    `# pqtls compare: B over A\n`,
    `- **A**: ${r.a}`,
    `- **B**: ${r.b}`,
    r.across.length === 0
      ? `- Cells are paired when every dimension (variant, conditions, size) is equal. Δ = B − A of the same percentile; 95 % percentile-bootstrap intervals, each run resampled on its own.`
      : `- Compared across ${r.across.map((f) => `**${f.field}** (A: ${f.a.join(", ")}; B: ${f.b.join(", ")})`).join(", ")}: cells are paired when every other dimension (variant, conditions, size) is equal; the rows name A's values. Δ = B − A of the same percentile; 95 % percentile-bootstrap intervals, each run resampled on its own.`,
    "",
    `| ${header.map(escapeCell).join(" | ")} |`,
    `|${header.map(() => "---").join("|")}|`,
    ...rows.map((row) => `| ${row.map(escapeCell).join(" | ")} |`),
    "",
  ];
  if (cdfs.length > 0) {
    out.push("## CDFs of both runs\n");
    out.push(
      "A in grey, B in colour; one figure per variant and size, a panel per link condition, n on each.\n",
    );
    for (const c of cdfs) out.push(`![CDF, A vs B: ${c.label}](${c.file})\n`);
  }
  if (r.only_a.length > 0 || r.only_b.length > 0) {
    out.push("## Cells only one run measured (not compared)\n");
    for (const c of r.only_a) out.push(`- only in A: ${c}`);
    for (const c of r.only_b) out.push(`- only in B: ${c}`);
    out.push("");
  }
  return out.join("\n");
}
