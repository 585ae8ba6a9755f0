// CDFs for `pqtls compare`: run A and run B of the compared cells on one plot, A in the baseline's
// neutral grey and B in colour, drawn the way the report draws its CDFs (cdfSpec: SVG, with the
// Vega-Lite spec and the CSV data beside it). One figure per variant and response size, one panel per
// link condition, so a run of many cells still gives a handful of readable figures. The data holds
// every sample of both sides (up to MAX_CDF_SAMPLES each), so R and pandas users get the runs' values.

import { basename } from "node:path";
import { cdfSpec, renderSvg } from "./charts.js";
import type { CompareRunsResult } from "./compare-runs.js";
import { type CdfSeries, cdfPoints, handshakeOnly } from "./figures.js";
import type { LoadedResults } from "./load.js";
import { conditionLabel, formatBytes, variantKey, variantLabel, varyingFields } from "./params.js";
import type { RenderedChart } from "./report.js";
import { type CellData, groupCells, type Metric } from "./stats.js";

/** Above this many samples a side's CDF is drawn from evenly spaced quantiles (bounded SVG size). */
export const MAX_CDF_SAMPLES = 5000;

/** The legend names of the two runs: "A: before.jsonl", "B: after.jsonl". */
export function runLabels(names: { a: string; b: string }): { a: string; b: string } {
  return { a: `A: ${basename(names.a)}`, b: `B: ${basename(names.b)}` };
}

export interface CompareCdfFigure {
  /** What the figure shows, for the markdown link: the variant and the size. */
  label: string;
  series: CdfSeries[];
}

/**
 * The CDF series of every compared cell, A and B side by side, grouped into figures by variant and
 * size. The timer is TTLB, or the handshake time when both runs are handshake-only.
 */
export function compareCdfFigures(
  a: LoadedResults,
  b: LoadedResults,
  result: CompareRunsResult,
): CompareCdfFigure[] {
  const cellsA = new Map(groupCells(a.rows).map((c) => [c.cell, c]));
  const cellsB = new Map(groupCells(b.rows).map((c) => [c.cell, c]));
  const pairs = result.cells.map((c) => ({
    a: cellsA.get(c.cell_a) as CellData,
    b: cellsB.get(c.cell_b) as CellData,
  }));
  const metric: Metric = handshakeOnly(pairs.flatMap((p) => [p.a, p.b])) ? "handshake_ms" : "ttlb_ms";
  const varying = varyingFields(result.cells.map((c) => c.condition));
  const labels = runLabels(result);
  const side = (cell: CellData, role: "baseline" | "variant", name: string): CdfSeries => {
    const label = conditionLabel(cell.condition, varying);
    return {
      metric,
      condition: cell.condition,
      label,
      chart_label: label,
      bytes: cell.bytes,
      variant: cell.variant,
      variant_label: name,
      role,
      n: cell.samples[metric].length,
      points: cdfPoints(cell.samples[metric], MAX_CDF_SAMPLES),
    };
  };
  const figures = new Map<string, CompareCdfFigure>();
  for (const p of pairs) {
    if (p.a.samples[metric].length === 0 || p.b.samples[metric].length === 0) continue;
    const key = `${variantKey(p.a.variant)}|${p.a.bytes}`;
    let figure = figures.get(key);
    if (!figure) {
      const size = metric === "handshake_ms" ? "" : `, ${formatBytes(p.a.bytes)}`;
      figure = { label: `${variantLabel(p.a.variant)}${size}`, series: [] };
      figures.set(key, figure);
    }
    figure.series.push(side(p.a, "baseline", labels.a), side(p.b, "variant", labels.b));
  }
  return [...figures.values()].sort(
    (x, y) =>
      variantLabel(x.series[0].variant).localeCompare(variantLabel(y.series[0].variant)) ||
      x.series[0].bytes - y.series[0].bytes,
  );
}

/**
 * Render the compare CDFs; SVG file names start with `stem` (the output's name without extension).
 * Returns the markdown links (label, file relative to the output's directory) and the charts.
 */
export async function renderCompareCdfs(
  a: LoadedResults,
  b: LoadedResults,
  result: CompareRunsResult,
  stem: string,
  options: { log?: boolean } = {},
): Promise<{ links: { label: string; file: string }[]; charts: RenderedChart[] }> {
  const links: { label: string; file: string }[] = [];
  const charts: RenderedChart[] = [];
  for (const [i, figure] of compareCdfFigures(a, b, result).entries()) {
    const what = figure.series[0].metric === "handshake_ms" ? "Handshake time" : "TTLB";
    const spec = cdfSpec(figure.series, {
      title: `${what} CDF, A vs B: ${figure.label}`,
      greyIs: "run A, the reference",
      log: options.log,
    });
    const file = `${stem}-cdf-${i + 1}.svg`;
    charts.push({ file, spec, svg: await renderSvg(spec) });
    links.push({ label: figure.label, file });
  }
  return { links, charts };
}
