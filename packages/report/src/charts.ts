// SVG charts: Vega-Lite specs compiled to Vega and rendered headless by Vega's SVG renderer (no
// browser, no canvas). vega-lite 6.4.3 is the newest release whose engines allow Node 20.19 (6.5
// needs Node 22); vega 6.4.0 itself runs on Node 20. Specs are plain objects so a notebook can
// restyle them before rendering.

import { parse, View } from "vega";
import { compile, type TopLevelSpec } from "vega-lite";
import type { CdfSeries, HandshakeFigureRow, TtlbIncreaseSeries } from "./figures.js";
import { formatBytes } from "./params.js";
import type { PercentileName } from "./stats.js";

/** Percentiles drawn in the increase charts (the study's three). */
export const CHART_PERCENTILES: readonly PercentileName[] = ["p50", "p75", "p90"];

const FONT = "Helvetica, Arial, sans-serif";
const CONFIG = {
  font: FONT,
  view: { stroke: "#ccc" },
  axis: { labelFontSize: 11, titleFontSize: 12, grid: true },
  legend: { labelFontSize: 11, titleFontSize: 12, labelLimit: 320 },
  header: { labelFontSize: 11 },
  title: { fontSize: 14, anchor: "start" as const },
};

/** A panel or axis label: the condition, preceded by the pair on its own line when pairs differ. */
function facetTitle(pair: string, label: string, pairs: number): string {
  const wrapped = wrapLabel(label, 40);
  return pairs > 1 ? `${pair}\n${wrapped}` : wrapped;
}

/** Breaks a ", "-separated condition label into lines of about `width` characters: a one-line
 *  header sets the panel's column width, which left wide gaps between 260-pixel panels. */
function wrapLabel(label: string, width: number): string {
  const lines: string[] = [];
  for (const part of label.split(", ")) {
    const last = lines.length - 1;
    if (last >= 0 && lines[last].length + 2 + part.length <= width) lines[last] += `, ${part}`;
    else lines.push(part);
  }
  return lines.join("\n");
}

/** A chart title naming the one pair compared, or just the figure when there are several. */
function chartTitle(figure: string, pairs: Set<string>): string {
  return pairs.size === 1 ? `${figure}, ${[...pairs][0]}` : figure;
}

/** Vega expression turning the "\n" in a label into separate lines. */
const MULTILINE = { labelExpr: "split(datum.label, '\\n')" };

/**
 * Grouped bars: handshake-time % increase per condition and percentile, with CI whiskers; one row
 * of bars per compared pair when there are several.
 */
export function handshakeIncreaseSpec(
  rows: readonly HandshakeFigureRow[],
  percentiles: readonly PercentileName[] = CHART_PERCENTILES,
): TopLevelSpec {
  const pairs = new Set(rows.map((r) => r.pair));
  const values = rows.flatMap((r) =>
    percentiles.map((p) => ({
      pair: r.pair,
      condition: r.label,
      percentile: p,
      increase: finiteOrNull(r.increase[p].increase_pct),
      low: finiteOrNull(r.increase[p].ci.low),
      high: finiteOrNull(r.increase[p].ci.high),
    })),
  );
  const conditions = [...new Set(values.map((v) => v.condition))];
  const encoding = {
    x: {
      field: "condition",
      type: "nominal",
      title: "Link condition",
      sort: conditions,
      axis: { labelAngle: -30, labelLimit: 320 },
    },
    xOffset: { field: "percentile", type: "nominal", sort: [...percentiles] },
    color: { field: "percentile", type: "nominal", sort: [...percentiles], title: "Percentile" },
  };
  const layer = [
    {
      mark: "bar",
      encoding: { y: { field: "increase", type: "quantitative", title: "Handshake time increase (%)" } },
    },
    {
      mark: "rule",
      encoding: {
        y: { field: "low", type: "quantitative" },
        y2: { field: "high" },
        color: { value: "black" },
      },
    },
  ];
  const width = Math.max(360, conditions.length * percentiles.length * 20);
  const common = {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: chartTitle("Handshake time increase", pairs),
    config: CONFIG,
    data: { values },
  };
  if (pairs.size <= 1) return { ...common, width, height: 260, encoding, layer } as TopLevelSpec;
  return {
    ...common,
    facet: {
      row: {
        field: "pair",
        type: "nominal",
        title: null,
        sort: [...pairs],
        header: { labelAngle: 0, labelOrient: "top", labelAlign: "left", labelAnchor: "start" },
      },
    },
    spec: { width, height: 200, encoding, layer },
  } as TopLevelSpec;
}

/** Lines: TTLB % increase versus response size, one line per percentile, one panel per condition. */
export function ttlbIncreaseSpec(
  series: readonly TtlbIncreaseSeries[],
  percentiles: readonly PercentileName[] = CHART_PERCENTILES,
): TopLevelSpec {
  const pairs = new Set(series.map((s) => s.pair));
  const values = series.flatMap((s) =>
    s.points.flatMap((pt) =>
      percentiles.map((p) => ({
        panel: facetTitle(s.pair, s.label, pairs.size),
        kib: pt.bytes / 1024,
        percentile: p,
        increase: finiteOrNull(pt.increase[p].increase_pct),
        low: finiteOrNull(pt.increase[p].ci.low),
        high: finiteOrNull(pt.increase[p].ci.high),
      })),
    ),
  );
  const layer = [
    {
      mark: { type: "line", point: true },
      encoding: { y: { field: "increase", type: "quantitative", title: "TTLB increase (%)" } },
    },
    {
      mark: { type: "rule", opacity: 0.6 },
      encoding: { y: { field: "low", type: "quantitative" }, y2: { field: "high" } },
    },
  ];
  const encoding = {
    x: { field: "kib", type: "quantitative", title: "Response size (KiB)" },
    color: { field: "percentile", type: "nominal", sort: [...percentiles], title: "Percentile" },
  };
  const panels = [...new Set(values.map((v) => v.panel))];
  return oneOrPanels({
    title: chartTitle("TTLB increase vs response size", pairs),
    values,
    marks: { encoding, layer },
    facet:
      panels.length <= 1
        ? null
        : { field: "panel", type: "nominal", title: null, sort: panels, header: MULTILINE },
    panel: { width: 260, height: 180 },
    // Each link condition on its own y scale: a lossy panel's ±100 % whiskers would otherwise
    // flatten a slow link's 20 % → 4 % fall, the result the chart exists to show.
    resolve: { scale: { y: "independent" } },
  });
}

/** Step lines: the empirical CDF of TTLB per variant, one panel per response size. */
export function ttlbCdfSpec(series: readonly CdfSeries[], title: string): TopLevelSpec {
  const values = series.flatMap((s) =>
    s.points.map((pt) => ({
      size: formatBytes(s.bytes),
      bytes: s.bytes,
      variant: s.variant_label,
      series: `${s.label}|${s.variant_label}`,
      ms: pt.ms,
      fraction: pt.fraction,
    })),
  );
  const encoding = {
    x: { field: "ms", type: "quantitative", title: "Time to last byte (ms)", scale: { zero: false } },
    y: {
      field: "fraction",
      type: "quantitative",
      title: "Fraction of connections",
      scale: { domain: [0, 1] },
    },
    color: { field: "variant", type: "nominal", title: "Variant" },
    // One line per condition and variant, even if a caller mixes conditions in one chart.
    detail: { field: "series", type: "nominal" },
  };
  const mark = { type: "line", interpolate: "step-after" };
  const sizes = new Set(series.map((s) => s.bytes)).size;
  return oneOrPanels({
    title,
    values,
    marks: { mark, encoding },
    facet:
      sizes <= 1
        ? null
        : {
            field: "size",
            type: "nominal",
            title: "Response size",
            sort: [...new Set(values.map((v) => v.size))],
          },
    panel: { width: 240, height: 170 },
    resolve: { scale: { x: "independent" } },
  });
}

/**
 * The same marks as one 420x260 chart, or, given a facet, as a grid of panels three to a row (the
 * line charts' layout; `resolve` applies to the grid only).
 */
function oneOrPanels(o: {
  title: string;
  values: object[];
  marks: object;
  facet: object | null;
  panel: { width: number; height: number };
  resolve?: object;
}): TopLevelSpec {
  const head = { $schema: "https://vega.github.io/schema/vega-lite/v6.json", title: o.title };
  if (o.facet === null)
    return {
      ...head,
      width: 420,
      height: 260,
      config: CONFIG,
      data: { values: o.values },
      ...o.marks,
    } as TopLevelSpec;
  return {
    ...head,
    config: CONFIG,
    data: { values: o.values },
    facet: o.facet,
    columns: 3,
    ...(o.resolve ? { resolve: o.resolve } : {}),
    spec: { ...o.panel, ...o.marks },
  } as TopLevelSpec;
}

function finiteOrNull(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}

/** Render a Vega-Lite spec to an SVG document, headless. */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new View(parse(compile(spec).spec), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

function csvField(v: unknown): string {
  if (v === null || v === undefined) return "";
  const s = typeof v === "number" ? (Number.isFinite(v) ? String(v) : "") : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** A spec's inline data as CSV (one column per field, in first-seen order), for R and pandas users. */
export function chartDataCsv(spec: TopLevelSpec): string {
  const values = ((spec as { data?: { values?: unknown } }).data?.values ?? []) as Record<string, unknown>[];
  const columns: string[] = [];
  for (const v of values) for (const k of Object.keys(v)) if (!columns.includes(k)) columns.push(k);
  const lines = [columns.join(","), ...values.map((v) => columns.map((c) => csvField(v[c])).join(","))];
  return `${lines.join("\n")}\n`;
}
