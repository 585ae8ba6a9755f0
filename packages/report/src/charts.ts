// SVG charts: Vega-Lite specs compiled to Vega and rendered headless by Vega's SVG renderer (no
// browser, no canvas). vega-lite 6.4.3 is the newest release whose engines allow Node 20.19 (6.5
// needs Node 22); vega 6.4.0 itself runs on Node 20. Specs are plain objects so a notebook can
// restyle them before rendering.

import { parse, View } from "vega";
import { compile, type TopLevelSpec } from "vega-lite";
import type {
  CdfSeries,
  HandshakeFigureRow,
  IncreaseByPercentile,
  SweepSeries,
  TtlbIncreaseSeries,
} from "./figures.js";
import { FIELD_TITLES, fieldNoun, formatBytes } from "./params.js";
import type { PooledHandshakeRow } from "./pooled-handshake.js";
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

/** Separates the lines of a panel label (not a newline: the data also goes out as CSV). */
const LINE_BREAK = " | ";
/** Vega expression turning LINE_BREAK in a label into separate lines. */
const MULTILINE = { labelExpr: `split(datum.label, '${LINE_BREAK}')` };

/** Breaks a ", "-separated label into lines of about `width` characters (a panel header's width
 *  sets its column's, so one long line would push the panels apart). */
function wrapLabel(label: string, width: number): string {
  const lines: string[] = [];
  for (const part of label.split(", ")) {
    const last = lines.length - 1;
    if (last >= 0 && lines[last].length + 2 + part.length <= width) lines[last] += `, ${part}`;
    else lines.push(part);
  }
  return lines.join(LINE_BREAK);
}

/** A chart title naming the one pair compared, or just the figure when there are several. */
function chartTitle(figure: string, pairs: Set<string>): string {
  return pairs.size === 1 ? `${figure}, ${[...pairs][0]}` : figure;
}

/** Title and subtitle (what every cell shares, and n) as Vega-Lite takes them. */
function titleOf(text: string, subtitle?: string): object {
  return subtitle ? { text, subtitle, subtitleFontSize: 11, subtitleColor: "#555" } : { text };
}

/** A y domain holding every value and whisker end (and 0), padded: no whisker runs off the plot. */
function yDomain(
  values: readonly { increase: number | null; low: number | null; high: number | null }[],
): [number, number] {
  let lo = 0;
  let hi = 0;
  for (const v of values)
    for (const x of [v.increase, v.low, v.high]) {
      if (x === null) continue;
      lo = Math.min(lo, x);
      hi = Math.max(hi, x);
    }
  const pad = (hi - lo) * 0.05 || 1;
  return [lo < 0 ? lo - pad : 0, hi + pad];
}

/** The n of each side, "25 / 25", or a range when cells differ. */
function nRange(ns: readonly number[]): string {
  const lo = Math.min(...ns);
  const hi = Math.max(...ns);
  return lo === hi ? String(lo) : `${lo}–${hi}`;
}

/** A percentile's increase as chart data: the bar, its whisker ends, Δ and each side's n. */
function increaseFields(stat: IncreaseByPercentile[PercentileName]) {
  return {
    increase: finiteOrNull(stat.increase_pct),
    low: finiteOrNull(stat.ci.low),
    high: finiteOrNull(stat.ci.high),
    delta_ms: finiteOrNull(stat.delta_ms),
    n_baseline: stat.n_baseline,
    n_variant: stat.n_variant,
  };
}

/** The tooltip fields of increaseFields, after the chart's own. */
const INCREASE_TOOLTIP = [
  { field: "increase", title: "increase (%)", format: ".1f" },
  { field: "low", title: "CI low (%)", format: ".1f" },
  { field: "high", title: "CI high (%)", format: ".1f" },
  { field: "delta_ms", title: "Δ (ms)", format: ".2f" },
  { field: "n_baseline", title: "n baseline" },
  { field: "n_variant", title: "n variant" },
];

/** A handshake-time increase bar with its 95 % CI whisker, on one y scale fitted to all of `values`. */
function barWithWhisker(values: Parameters<typeof yDomain>[0]) {
  const y = { scale: { domain: yDomain(values), nice: false } };
  return [
    {
      mark: "bar",
      encoding: {
        y: { field: "increase", type: "quantitative", title: "Handshake time increase (%)", ...y },
      },
    },
    {
      mark: "rule",
      encoding: {
        y: { field: "low", type: "quantitative", ...y },
        y2: { field: "high" },
        color: { value: "black" },
      },
    },
  ];
}

/** Shapes that stay distinguishable when markers overlap, one per percentile. */
const SHAPES = ["circle", "square", "triangle-up", "diamond", "cross"];
/** The neutral colour of the baseline in CDFs, and the colours of the variants after it. */
export const BASELINE_COLOUR = "#8c8c8c";
const VARIANT_COLOURS = ["#d62728", "#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf"];

export interface ChartText {
  /** Overrides the default title. */
  title?: string;
  /** A second line under the title, e.g. what every cell shares. */
  subtitle?: string;
}

/**
 * Grouped bars: handshake-time % increase per condition and percentile, with CI whiskers; one row
 * of bars per compared pair when there are several. Conditions are named by their short chart label;
 * n per side is on the chart (subtitle) and every mark's tooltip.
 */
export function handshakeIncreaseSpec(
  rows: readonly HandshakeFigureRow[],
  percentiles: readonly PercentileName[] = CHART_PERCENTILES,
  text: ChartText = {},
): TopLevelSpec {
  const pairs = new Set(rows.map((r) => r.pair));
  const values = rows.flatMap((r) =>
    percentiles.map((p) => ({
      pair: r.pair,
      condition: r.chart_label,
      percentile: p,
      ...increaseFields(r.increase[p]),
    })),
  );
  const conditions = [...new Set(values.map((v) => v.condition))];
  const ns = rows.flatMap((r) => [r.increase.p50.n_baseline, r.increase.p50.n_variant]);
  const subtitle = [
    text.subtitle,
    ns.length > 0 ? `n = ${nRange(ns)} per side and condition; whiskers: 95 % CI` : "",
  ]
    .filter(Boolean)
    .join(" · ");
  const tooltip = [
    { field: "condition", title: "Link condition" },
    { field: "percentile" },
    ...INCREASE_TOOLTIP,
  ];
  const encoding = {
    x: {
      field: "condition",
      type: "nominal",
      title: "Link condition",
      sort: conditions,
      axis: { labelAngle: conditions.length > 3 ? -30 : 0, labelLimit: 200 },
    },
    xOffset: { field: "percentile", type: "nominal", sort: [...percentiles] },
    color: { field: "percentile", type: "nominal", sort: [...percentiles], title: "Percentile" },
    tooltip,
  };
  const layer = barWithWhisker(values);
  const width = Math.max(360, conditions.length * percentiles.length * 22);
  const common = {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: titleOf(text.title ?? chartTitle("Handshake time increase", pairs), subtitle),
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

/**
 * The study's figure 1: the handshake-time % increase pooled over one group of conditions (one
 * rate, RTT and loss varying), percentiles on the x axis and one bar per compared variant side by
 * side at each, with 95 % CI whiskers. `rows` are one group's (one row per pair).
 */
export function pooledHandshakeSpec(
  rows: readonly PooledHandshakeRow[],
  percentiles: readonly PercentileName[] = CHART_PERCENTILES,
  text: ChartText = {},
): TopLevelSpec {
  const variants = [...new Set(rows.map((r) => r.pair))];
  const values = rows.flatMap((r) =>
    percentiles.map((p) => ({
      variant: r.pair,
      percentile: p,
      ...increaseFields(r.increase[p]),
      conditions: r.conditions,
    })),
  );
  const ns = rows.flatMap((r) => [r.increase.p50.n_baseline, r.increase.p50.n_variant]);
  const groups = [...new Set(rows.map((r) => r.label))];
  const subtitle = [
    text.subtitle,
    ns.length > 0
      ? `${rows[0]?.conditions ?? 0} conditions pooled, n = ${nRange(ns)} per side; whiskers: 95 % CI (bootstrap within each condition)`
      : "",
  ]
    .filter(Boolean)
    .join(" · ");
  const tooltip = [{ field: "variant", title: "Comparison" }, { field: "percentile" }, ...INCREASE_TOOLTIP];
  const colour = {
    field: "variant",
    type: "nominal",
    sort: variants,
    title: "Variant",
    scale: { range: VARIANT_COLOURS },
    legend: { orient: "bottom", direction: "vertical", labelLimit: 520 },
  };
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: titleOf(text.title ?? `Handshake time increase over ${groups.join("; ")}`, subtitle),
    config: CONFIG,
    width: Math.max(300, percentiles.length * variants.length * 40),
    height: 260,
    data: { values },
    encoding: {
      x: {
        field: "percentile",
        type: "nominal",
        title: "Percentile",
        sort: [...percentiles],
        axis: { labelAngle: 0 },
      },
      xOffset: { field: "variant", type: "nominal", sort: variants },
      color: colour,
      tooltip,
    },
    layer: barWithWhisker(values),
  } as TopLevelSpec;
}

/**
 * The layers of an increase-versus-x line chart: a line per percentile (colour and dash), its 95 % CI
 * whiskers with a one-entry legend, and a marker per point (shape) carrying the tooltip. `lineDetail`
 * splits the lines further (several series in one plot); y is fitted by the caller.
 */
function increaseLineLayers(o: {
  y: object;
  yTitle: string;
  percentiles: readonly PercentileName[];
  tooltip: object[];
  pointSize: number;
  lineDetail?: object;
}): object[] {
  const colour = { field: "percentile", type: "nominal", sort: [...o.percentiles], title: "Percentile" };
  return [
    {
      mark: { type: "line", strokeWidth: 1.5 },
      encoding: {
        y: { field: "increase", title: o.yTitle, ...o.y },
        color: colour,
        strokeDash: { field: "percentile", type: "nominal", sort: [...o.percentiles], title: "Percentile" },
        ...(o.lineDetail ? { detail: o.lineDetail } : {}),
      },
    },
    {
      mark: { type: "rule", opacity: 0.8 },
      encoding: {
        y: { field: "low", ...o.y },
        y2: { field: "high" },
        color: colour,
        // A one-entry legend for the whiskers. The range needs two values: with one, Vega's legend
        // symbol gets no width (NaN) and its label lands on top of it.
        strokeWidth: {
          field: "interval",
          type: "ordinal",
          title: "Whiskers",
          scale: { domain: ["95 % CI"], range: [1.5, 1.5] },
          legend: { symbolType: "stroke", symbolStrokeColor: "#555" },
        },
      },
    },
    {
      mark: { type: "point", filled: true, size: o.pointSize, opacity: 1 },
      encoding: {
        y: { field: "increase", ...o.y },
        color: colour,
        shape: {
          field: "percentile",
          type: "nominal",
          sort: [...o.percentiles],
          title: "Percentile",
          scale: { range: SHAPES },
        },
        tooltip: o.tooltip,
      },
    },
  ];
}

/**
 * TTLB % increase versus response size for one link condition (one figure per link): the sizes
 * evenly spaced and labelled (so 0, 1 and 10 KiB stay apart), each percentile its own colour, line
 * style and marker shape, its markers and whiskers (95 % CI, in the legend) set slightly apart so p90
 * cannot hide p50/p75 where they coincide. Series of several compared pairs (e.g. an 8 KB, a 16 KB
 * and a real ML-DSA chain over one baseline) go in one panel each, two per row, on one shared y
 * scale: nine lines in one plot could not be told apart, and a shared scale keeps the variants'
 * curves comparable at a glance, as separate figures would not.
 */
export function ttlbIncreaseSpec(
  series: readonly TtlbIncreaseSeries[],
  percentiles: readonly PercentileName[] = CHART_PERCENTILES,
  text: ChartText = {},
): TopLevelSpec {
  const pairs = new Set(series.map((s) => s.pair));
  const sizes = [...new Set(series.flatMap((s) => s.points.map((p) => p.bytes)))].sort((a, b) => a - b);
  const dodge = (i: number) => (i - (percentiles.length - 1) / 2) * 0.12;
  const several = series.length > 1;
  const values = series.flatMap((s) =>
    s.points.flatMap((pt) =>
      percentiles.map((p, i) => ({
        series: several ? `${s.pair}, ${s.chart_label}, ${p}` : p,
        pair: s.pair,
        condition: s.chart_label,
        size: formatBytes(pt.bytes),
        bytes: pt.bytes,
        x: sizes.indexOf(pt.bytes) + dodge(i),
        percentile: p,
        ...increaseFields(pt.increase[p]),
        interval: "95 % CI",
      })),
    ),
  );
  const ns = values.flatMap((v) => [v.n_baseline, v.n_variant]);
  const conditions = [...new Set(series.map((s) => s.chart_label))];
  const title =
    text.title ?? `TTLB increase vs response size${conditions.length === 1 ? `: ${conditions[0]}` : ""}`;
  const subtitle = [
    // Several pairs are named over their panels.
    pairs.size === 1 ? [...pairs][0] : "",
    text.subtitle,
    ns.length > 0 ? `n = ${nRange(ns)} per side and size` : "",
  ]
    .filter(Boolean)
    .join(" · ");
  const labels = JSON.stringify(sizes.map(formatBytes));
  const x = {
    field: "x",
    type: "quantitative",
    title: "Response size",
    scale: { domain: [-0.5, sizes.length - 0.5], nice: false },
    axis: { values: sizes.map((_, i) => i), labelExpr: `${labels}[datum.value]`, grid: false },
  };
  const y = { type: "quantitative", scale: { domain: yDomain(values), nice: false } };
  const tooltip = [
    { field: "condition", title: "Link condition" },
    { field: "size", title: "size" },
    { field: "percentile" },
    ...INCREASE_TOOLTIP,
  ];
  const faceted = pairs.size > 1;
  const inner = {
    width: faceted ? Math.max(320, sizes.length * 50) : Math.max(420, sizes.length * 70),
    height: faceted ? 220 : 260,
    encoding: { x },
    layer: increaseLineLayers({
      y,
      yTitle: "TTLB increase (%)",
      percentiles,
      tooltip,
      pointSize: 55,
      lineDetail: { field: "series", type: "nominal" },
    }),
  };
  const common = {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: titleOf(title, subtitle),
    config: CONFIG,
    data: { values },
  };
  if (!faceted) return { ...common, ...inner } as TopLevelSpec;
  return {
    ...common,
    facet: { field: "pair", type: "nominal", title: null, sort: [...pairs], header: { labelFontSize: 12 } },
    columns: 2,
    spec: inner,
    resolve: { scale: { y: "shared" } },
  } as TopLevelSpec;
}

/**
 * The % increase versus a swept link parameter (e.g. loss 0–10 %): x is the parameter, one line per
 * percentile with its 95 % CI whiskers, one panel per response size (TTLB; the handshake time at
 * 0 B) and, with several compared pairs, one row of panels per pair. The series share their field
 * and their other conditions (sweepFigure's grouping); the y scale is shared, so sizes compare.
 */
export function sweepIncreaseSpec(
  series: readonly SweepSeries[],
  percentiles: readonly PercentileName[] = CHART_PERCENTILES,
  text: ChartText = {},
): TopLevelSpec {
  const field = series[0]?.field ?? "loss_pct";
  const pairs = [...new Set(series.map((s) => s.pair))];
  const sizes = [...new Set(series.map((s) => s.bytes))].sort((a, b) => a - b);
  const values = series.flatMap((s) =>
    s.points.flatMap((pt) =>
      percentiles.map((p) => ({
        pair: s.pair,
        size: s.bytes === 0 && s.metric === "handshake_ms" ? "0 B (handshake)" : formatBytes(s.bytes),
        bytes: s.bytes,
        x: pt.x,
        percentile: p,
        ...increaseFields(pt.increase[p]),
        interval: "95 % CI",
      })),
    ),
  );
  const ns = values.flatMap((v) => [v.n_baseline, v.n_variant]);
  const xTitle = FIELD_TITLES[field];
  const label = series[0]?.label && series[0].label !== "all" ? series[0].label : "";
  const title = text.title ?? `Increase vs ${fieldNoun(field)}${label ? `: ${label}` : ""}`;
  const subtitle = [
    pairs.length === 1 ? pairs[0] : "",
    text.subtitle,
    ns.length > 0 ? `n = ${nRange(ns)} per side and point` : "",
  ]
    .filter(Boolean)
    .join(" · ");
  const y = { type: "quantitative", scale: { domain: yDomain(values), nice: false } };
  const x = { field: "x", type: "quantitative", title: xTitle };
  const tooltip = [
    { field: "size", title: "size" },
    { field: "x", title: xTitle },
    { field: "percentile" },
    ...INCREASE_TOOLTIP,
  ];
  const sizeOrder = [...new Set(values.map((v) => v.size))];
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: titleOf(title, subtitle),
    config: CONFIG,
    data: { values },
    facet: {
      column: { field: "size", type: "nominal", title: null, sort: sizeOrder, header: { labelFontSize: 12 } },
      ...(pairs.length > 1
        ? {
            row: {
              field: "pair",
              type: "nominal",
              title: null,
              sort: pairs,
              // Pair names are long: over each row of panels, not rotated beside it.
              header: {
                labelFontSize: 11,
                labelAngle: 0,
                labelOrient: "top",
                labelAlign: "left",
                labelAnchor: "start",
              },
            },
          }
        : {}),
    },
    spec: {
      width: sizes.length > 2 ? 260 : 340,
      height: 220,
      encoding: { x },
      layer: increaseLineLayers({ y, yTitle: "Increase (%)", percentiles, tooltip, pointSize: 45 }),
    },
    resolve: { scale: { y: "shared" } },
  } as TopLevelSpec;
}

export interface CdfChartOptions extends ChartText {
  /** A log time axis, for lossy links' retransmission tails. */
  log?: boolean;
  /** What the grey line is, for the subtitle (default "baseline"). */
  greyIs?: string;
}

/** The y axis of every CDF: the fraction of successful connections done by then. */
const FRACTION_AXIS = {
  field: "fraction",
  type: "quantitative",
  title: "Fraction of connections",
  scale: { domain: [0, 1] },
};

/** The series' variant labels, the baselines first (their colour or line style comes first). */
function variantsBaselineFirst(series: readonly CdfSeries[]): string[] {
  return [
    ...new Set([
      ...series.filter((s) => s.role === "baseline").map((s) => s.variant_label),
      ...series.filter((s) => s.role !== "baseline").map((s) => s.variant_label),
    ]),
  ];
}

/**
 * Step lines: the empirical CDF of each variant, one panel per link condition side by side (the
 * study's figure 6), for one response size. The baseline is drawn in a fixed neutral grey and the
 * variants in colours; each panel header carries its n per variant.
 */
export function cdfSpec(series: readonly CdfSeries[], options: CdfChartOptions = {}): TopLevelSpec {
  const metric = series[0]?.metric ?? "ttlb_ms";
  const what = metric === "handshake_ms" ? "Handshake time" : "Time to last byte";
  const sizes = [...new Set(series.map((s) => s.bytes))];
  const variants = variantsBaselineFirst(series);
  const baselineCount = new Set(series.filter((s) => s.role === "baseline").map((s) => s.variant_label)).size;
  const range = variants.map((_, i) =>
    i < baselineCount ? BASELINE_COLOUR : VARIANT_COLOURS[(i - baselineCount) % VARIANT_COLOURS.length],
  );
  // Panel header: the condition and its n per variant, in legend order.
  const panelOf = new Map<string, string>();
  for (const label of [...new Set(series.map((s) => s.chart_label))]) {
    const ns = variants
      .map((v) => series.find((s) => s.chart_label === label && s.variant_label === v)?.n)
      .filter((n): n is number => n !== undefined);
    panelOf.set(label, `${wrapLabel(label, 30)}${LINE_BREAK}n = ${ns.join(" / ")}`);
  }
  const values = series.flatMap((s) =>
    s.points
      .filter((pt) => !options.log || pt.ms > 0)
      .map((pt) => ({
        panel: panelOf.get(s.chart_label)!,
        condition: s.chart_label,
        size: formatBytes(s.bytes),
        variant: s.variant_label,
        role: s.role,
        series: `${s.chart_label}|${s.bytes}|${s.variant_label}`,
        ms: pt.ms,
        fraction: pt.fraction,
      })),
  );
  const panels = [...panelOf.values()];
  // A handshake-only run has one size (0 B), which says nothing about the handshake: leave it out.
  const sizeWords =
    sizes.length === 1 && metric !== "handshake_ms" ? `, ${formatBytes(sizes[0])} responses` : "";
  const title = options.title ?? `${metric === "handshake_ms" ? "Handshake time" : "TTLB"} CDF${sizeWords}`;
  const encoding = {
    x: {
      field: "ms",
      type: "quantitative",
      title: `${what} (ms${options.log ? ", log scale" : ""})`,
      scale: options.log ? { type: "log", nice: false } : { zero: false },
    },
    y: FRACTION_AXIS,
    color: {
      field: "variant",
      type: "nominal",
      title: "Variant",
      sort: variants,
      scale: { domain: variants, range },
    },
    detail: { field: "series", type: "nominal" },
    tooltip: [
      { field: "condition", title: "Link condition" },
      { field: "variant" },
      { field: "ms", title: `${what} (ms)`, format: ".2f" },
      { field: "fraction", format: ".3f" },
    ],
  };
  const mark = { type: "line", interpolate: "step-after", strokeWidth: 1.6 };
  const key = baselineCount > 0 ? `grey: ${options.greyIs ?? "baseline"}` : "";
  const head = {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: titleOf(title, [options.subtitle, key].filter(Boolean).join(" · ")),
    config: CONFIG,
    data: { values },
  };
  if (panels.length <= 1)
    return {
      ...head,
      title: titleOf(
        title,
        [options.subtitle, panels[0]?.split(LINE_BREAK).join(", "), key].filter(Boolean).join(" · "),
      ),
      width: 420,
      height: 260,
      mark,
      encoding,
    } as TopLevelSpec;
  return {
    ...head,
    facet: { field: "panel", type: "nominal", title: null, sort: panels, header: MULTILINE },
    columns: Math.min(4, panels.length),
    resolve: { scale: { x: "independent" } },
    spec: { width: 230, height: 180, mark, encoding },
  } as TopLevelSpec;
}

/** Colours of the link conditions on the one-plot CDF (Vega's category10 without its grey). */
const CONDITION_COLOURS = [
  "#1f77b4",
  "#d62728",
  "#2ca02c",
  "#ff7f0e",
  "#9467bd",
  "#8c564b",
  "#e377c2",
  "#bcbd22",
  "#17becf",
];
/** Line styles of the variants on it: the baseline solid, then dashes a reader can tell apart. */
const VARIANT_DASHES = [
  [1, 0],
  [6, 3],
  [2, 2],
  [8, 3, 2, 3],
  [12, 4],
  [1, 4],
  [4, 2, 1, 2, 1, 2],
];

/**
 * The study's figure 6 as it draws it: every link condition's CDF on one plot for one response size,
 * colour = link condition, line style = variant (the baseline solid), on a log time axis because the
 * links span two orders of magnitude (a 1 Gbit/s link's ~0.2 s to a lossy 1 Mbit/s link's ~10 s).
 */
export function cdfOverlaySpec(series: readonly CdfSeries[], options: ChartText = {}): TopLevelSpec {
  const metric = series[0]?.metric ?? "ttlb_ms";
  const what = metric === "handshake_ms" ? "Handshake time" : "Time to last byte";
  const sizes = [...new Set(series.map((s) => s.bytes))];
  const conditions = [...new Set(series.map((s) => s.chart_label))];
  const variants = variantsBaselineFirst(series);
  const values = series.flatMap((s) =>
    s.points
      .filter((pt) => pt.ms > 0)
      .map((pt) => ({
        condition: s.chart_label,
        size: formatBytes(s.bytes),
        variant: s.variant_label,
        role: s.role,
        n: s.n,
        series: `${s.chart_label}|${s.bytes}|${s.variant_label}`,
        ms: pt.ms,
        fraction: pt.fraction,
      })),
  );
  const sizeWords = sizes.length === 1 && metric !== "handshake_ms" ? ` at ${formatBytes(sizes[0])}` : "";
  const title =
    options.title ??
    `${metric === "handshake_ms" ? "Handshake time" : "TTLB"} CDF${sizeWords}, all link conditions`;
  const key = "colour: link condition · line style: variant (solid: baseline) · log time axis";
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: titleOf(title, [options.subtitle, key].filter(Boolean).join(" · ")),
    // The legend names whole link conditions ("engine pqtls, 200 ms, 1 Mbit/s, 10 % loss"): room for them.
    config: { ...CONFIG, legend: { ...CONFIG.legend, labelLimit: 520 } },
    data: { values },
    width: 560,
    height: 320,
    mark: { type: "line", interpolate: "step-after", strokeWidth: 1.6 },
    encoding: {
      x: {
        field: "ms",
        type: "quantitative",
        title: `${what} (ms, log scale)`,
        // Rounded out to powers of ten, so no link's curve sits on the plot's edge.
        scale: { type: "log", nice: true },
      },
      y: FRACTION_AXIS,
      color: {
        field: "condition",
        type: "nominal",
        title: "Link condition",
        sort: conditions,
        scale: {
          domain: conditions,
          range: conditions.map((_, i) => CONDITION_COLOURS[i % CONDITION_COLOURS.length]),
        },
      },
      strokeDash: {
        field: "variant",
        type: "nominal",
        title: "Variant",
        sort: variants,
        scale: { domain: variants, range: variants.map((_, i) => VARIANT_DASHES[i % VARIANT_DASHES.length]) },
      },
      detail: { field: "series", type: "nominal" },
      tooltip: [
        { field: "condition", title: "Link condition" },
        { field: "variant" },
        { field: "n" },
        { field: "ms", title: `${what} (ms)`, format: ".2f" },
        { field: "fraction", format: ".3f" },
      ],
    },
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
