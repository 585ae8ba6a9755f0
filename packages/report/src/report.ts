// The one call the runner (and `pqtls report`) makes: load result files, summarise, and write the
// report as markdown or self-contained HTML with charts (SVG + Vega-Lite spec + data) next to it, as
// JSON, the summary tables as CSV, or the raw rows as CSV or Parquet. Inputs that are different experiments are reported side by side, one section
// each (see runs.ts); the output format follows the output file's extension.

import { mkdir, writeFile } from "node:fs/promises";
import { basename, dirname, extname, join } from "node:path";
import type { TopLevelSpec } from "vega-lite";
import {
  CHART_PERCENTILES,
  cdfOverlaySpec,
  cdfSpec,
  chartDataCsv,
  handshakeIncreaseSpec,
  pooledHandshakeSpec,
  renderSvg,
  sweepIncreaseSpec,
  ttlbIncreaseSpec,
} from "./charts.js";
import { renderCsv } from "./csv.js";
import { renderHtml } from "./html.js";
import { fixedWords } from "./labels.js";
import { type LoadOptions, loadResults, ReportInputError } from "./load.js";
import { type ChartLinks, renderMarkdown } from "./markdown.js";
import { conditionKey, formatBytes } from "./params.js";
import { renderRowsCsv } from "./rows-csv.js";
import { renderRowsParquet } from "./rows-parquet.js";
import { type RunPart, splitRuns } from "./runs.js";
import { type ReportSummary, type SummaryOptions, summarize } from "./summary.js";

/**
 * md/html: the report; json: its summary; csv: the raw rows as CSV, one line per connection (what a
 * notebook loads); tables-csv: the summary's tables, long form; parquet: the raw rows as Parquet (a
 * file, never stdout).
 */
export type ReportFormat = "md" | "html" | "json" | "csv" | "tables-csv" | "parquet";

/**
 * The format names a user may give: the formats, plus `rows`, the name the raw-rows CSV had before
 * `csv` meant it (kept so existing scripts work).
 */
export type ReportFormatName = ReportFormat | "rows";
export const REPORT_FORMATS: readonly ReportFormatName[] = [
  "md",
  "html",
  "json",
  "csv",
  "tables-csv",
  "parquet",
  "rows",
];

/** Output file extensions and the format each one means (`.csv`: the raw rows). */
export const REPORT_EXTENSIONS: Readonly<Record<string, ReportFormat>> = {
  ".md": "md",
  ".markdown": "md",
  ".html": "html",
  ".htm": "html",
  ".json": "json",
  ".csv": "csv",
  ".parquet": "parquet",
};

/** The formats that can go to standard output (text without chart files beside it). */
const STDOUT_FORMATS: readonly ReportFormat[] = ["json", "csv", "tables-csv"];

/** A format name as given (`rows` included) → the format it names. */
export function canonicalFormat(name: ReportFormatName): ReportFormat {
  return name === "rows" ? "csv" : name;
}

export interface WriteReportOptions extends SummaryOptions, LoadOptions, ChartOptions {
  /**
   * Output file; its extension chooses the format (.md, .html, .json, .csv = raw rows, .parquet).
   * "-" is standard output (json, csv, tables-csv only). Default: named after the first input
   * (`run.jsonl` → `run.md`).
   */
  out?: string;
  /**
   * Must agree with the extension of `out` when both are given (tables-csv goes to a `.csv` file);
   * needed for "-". `rows` is accepted as csv.
   */
  format?: ReportFormatName;
}

export interface WriteReportResult {
  format: ReportFormat;
  /** Every file written (the report first, then its charts' files). Empty when written to stdout. */
  files: string[];
  /** The summary of the first (usually only) experiment. */
  summary: ReportSummary;
  /** One summary per experiment reported (several when the inputs are different experiments). */
  summaries: ReportSummary[];
  /** Input lines skipped under skipBad, as "file:line: reason (skipped)". */
  warnings: string[];
}

/** The format an output file's extension names; an unknown or missing extension is an error. */
export function formatFromPath(out: string): ReportFormat {
  const ext = extname(out).toLowerCase();
  const format = REPORT_EXTENSIONS[ext];
  if (!format)
    throw new ReportInputError(
      `${out}: unknown report extension "${ext || "(none)"}"; use ${Object.keys(REPORT_EXTENSIONS).join(", ")}`,
    );
  return format;
}

/**
 * The default output of a report on `inputs`: next to the first input, named after it
 * (`run.jsonl` or `run.jsonl.gz` → `run.md`, the raw rows `run.csv`, the summary tables `run-tables.csv`).
 */
export function defaultReportPath(inputs: readonly string[], format: ReportFormatName): string {
  const first = inputs[0] ?? "report.jsonl";
  const stem = basename(first).replace(/\.jsonl?(\.gz)?$/i, "");
  const name = inputs.length > 1 ? `${stem}-and-${inputs.length - 1}-more` : stem;
  const f = canonicalFormat(format);
  return join(dirname(first), f === "tables-csv" ? `${name}-tables.csv` : `${name}.${f}`);
}

/** The format and file a report goes to, from `out` and `format` (either may be missing). */
export function resolveOutput(
  inputs: readonly string[],
  out: string | undefined,
  formatName: ReportFormatName | undefined,
): { out: string; format: ReportFormat } {
  const format = formatName === undefined ? undefined : canonicalFormat(formatName);
  if (out === undefined) return { format: format ?? "md", out: defaultReportPath(inputs, format ?? "md") };
  if (out === "-") {
    if (format !== undefined && STDOUT_FORMATS.includes(format)) return { out, format };
    if (format === "parquet")
      throw new ReportInputError("a parquet file is binary: give it a file name (-o rows.parquet)");
    throw new ReportInputError(
      `a ${format ?? "md"} report needs a file for -o (its charts go next to it); use --format json, csv or tables-csv for stdout`,
    );
  }
  const fromExt = formatFromPath(out);
  // The summary tables are a CSV file too: `--format tables-csv -o t.csv` picks them over the rows.
  if (format === "tables-csv" && fromExt === "csv") return { out, format };
  if (format !== undefined && format !== fromExt)
    throw new ReportInputError(
      `-o ${out} is a ${fromExt} file but --format is ${formatName}; give one of them`,
    );
  return { out, format: fromExt };
}

export interface RenderedChart {
  /** File name of the SVG, relative to the report's directory. */
  file: string;
  svg: string;
  /** The Vega-Lite spec (data inline) the SVG was rendered from. */
  spec: TopLevelSpec;
}

/** The files written beside a chart: SVG, its Vega-Lite spec and its data. */
export function chartFiles(c: RenderedChart): { file: string; text: string }[] {
  const base = c.file.replace(/\.svg$/, "");
  return [
    { file: c.file, text: c.svg },
    { file: `${base}.vl.json`, text: `${JSON.stringify(c.spec, null, 2)}\n` },
    { file: `${base}.csv`, text: chartDataCsv(c.spec) },
  ];
}

export interface ChartOptions {
  /** CDFs on a log time axis (lossy links' retransmission tails). */
  cdfLog?: boolean;
}

/**
 * Render every chart of a summary; file names start with `stem` (the report's name without
 * extension): the handshake increase bars, one TTLB-vs-size figure per link condition (and pair),
 * one CDF figure per response size with the link conditions side by side.
 */
export async function renderCharts(
  summary: ReportSummary,
  stem: string,
  options: ChartOptions = {},
): Promise<{ links: ChartLinks; charts: RenderedChart[] }> {
  const charts: RenderedChart[] = [];
  const links: ChartLinks = { ttlb: [], cdf: [] };
  const add = async (file: string, spec: TopLevelSpec) => {
    charts.push({ file, spec, svg: await renderSvg(spec) });
    return file;
  };
  const fixed = fixedWords(summary.dimensions.fixed);
  const subtitle = fixed ? `all cells: ${fixed}` : undefined;
  const { handshake_increase, handshake_pooled, ttlb_increase, cdf } = summary.figures;
  const pooledGroups = [...new Set(handshake_pooled.map((r) => r.label))];
  links.pooled = [];
  for (const [i, label] of pooledGroups.entries()) {
    const file = await add(
      `${stem}-handshake-pooled-${i + 1}.svg`,
      pooledHandshakeSpec(
        handshake_pooled.filter((r) => r.label === label),
        CHART_PERCENTILES,
        { subtitle },
      ),
    );
    links.pooled.push({ label, file });
  }
  if (handshake_increase.length > 0)
    links.handshake = await add(
      `${stem}-handshake-increase.svg`,
      handshakeIncreaseSpec(handshake_increase, CHART_PERCENTILES, { subtitle }),
    );
  // One figure per link condition; several compared variants are panels of it (see ttlbIncreaseSpec).
  const byLink = new Map<string, typeof ttlb_increase>();
  for (const series of ttlb_increase) {
    const k = conditionKey(series.condition);
    byLink.set(k, [...(byLink.get(k) ?? []), series]);
  }
  for (const [i, group] of [...byLink.values()].entries()) {
    const file = await add(
      `${stem}-ttlb-increase-${i + 1}.svg`,
      ttlbIncreaseSpec(group, CHART_PERCENTILES, { subtitle }),
    );
    links.ttlb!.push({ label: group[0].label, file });
  }
  // One figure per swept parameter and set of other conditions: a panel per size (and row per pair).
  const bySweep = new Map<string, typeof summary.figures.sweep>();
  for (const series of summary.figures.sweep) {
    const k = `${series.field}|${series.label}`;
    bySweep.set(k, [...(bySweep.get(k) ?? []), series]);
  }
  links.sweep = [];
  for (const [i, group] of [...bySweep.values()].entries()) {
    const file = await add(
      `${stem}-sweep-${group[0].field.replace(/_.*$/, "")}-${i + 1}.svg`,
      sweepIncreaseSpec(group, CHART_PERCENTILES, { subtitle }),
    );
    links.sweep.push({ field: group[0].field, label: group[0].label, file });
  }
  const sizes = [...new Set(cdf.map((s) => s.bytes))].sort((a, b) => a - b);
  const kind = cdf[0]?.metric === "handshake_ms" ? "handshake" : "ttlb";
  for (const [i, bytes] of sizes.entries()) {
    const file = await add(
      `${stem}-${kind}-cdf-${i + 1}.svg`,
      cdfSpec(
        cdf.filter((s) => s.bytes === bytes),
        { subtitle, log: options.cdfLog },
      ),
    );
    links.cdf!.push({ label: formatBytes(bytes), file });
  }
  // The study's figure 6: the largest response size, every link condition on one plot.
  const largest = sizes.at(-1);
  const atLargest = cdf.filter((s) => s.bytes === largest);
  if (largest !== undefined && new Set(atLargest.map((s) => s.chart_label)).size > 1)
    links.cdfOverlay = {
      label: formatBytes(largest),
      file: await add(`${stem}-${kind}-cdf-links.svg`, cdfOverlaySpec(atLargest, { subtitle })),
    };
  return { links, charts };
}

/** A heading for one experiment among several: its runs and input files. */
function partTitle(s: ReportSummary, i: number): string {
  const runs = [...new Set(s.meta.map((m) => m.run))].join(", ");
  return `Run ${i + 1}: ${runs} (${s.inputs.map((f) => basename(f.file)).join(", ")})`;
}

/** One report per experiment under a common title, each section's headings one level down. */
function combinedMarkdown(parts: RunPart[], summaries: ReportSummary[], mds: string[]): string {
  const keys = [...new Set(parts.flatMap((p) => p.differs))];
  const out = [
    `# pqtls report: ${summaries.length} runs side by side\n`,
    `These inputs are different experiments (their meta lines differ in ${keys.map((k) => `\`${k}\``).join(", ")}), so each is reported in its own section rather than pooled (\`--allow-mixed\` pools them).\n`,
    ...summaries.map((s, i) => `- [${partTitle(s, i)}](#run-${i + 1})`),
    "",
  ];
  mds.forEach((md, i) => {
    out.push(`<a id="run-${i + 1}"></a>\n\n## ${partTitle(summaries[i], i)}\n`);
    const body = md.replace(/^# [^\n]*\n/, "").replace(/^(#{2,5}) /gm, (_, hashes: string) => `${hashes}# `);
    out.push(body);
  });
  return out.join("\n");
}

export async function writeReport(
  inputFiles: readonly string[],
  options: WriteReportOptions = {},
): Promise<WriteReportResult> {
  const { out, format } = resolveOutput(inputFiles, options.out, options.format);
  const loaded = await loadResults(inputFiles, { ...options, allowMixed: true });
  const parts: RunPart[] = options.allowMixed ? [{ loaded, differs: [] }] : splitRuns(loaded);
  const summaries = parts.map((p) => summarize(p.loaded, options));
  const several = summaries.length > 1;

  let text: string | Uint8Array;
  const files: string[] = [];
  const dir = dirname(out);
  if (format === "md" || format === "html") {
    const stem = basename(out, extname(out));
    const mds: string[] = [];
    const charts: RenderedChart[] = [];
    for (const [i, s] of summaries.entries()) {
      const rendered = await renderCharts(s, several ? `${stem}-run${i + 1}` : stem, options);
      mds.push(renderMarkdown(s, rendered.links));
      charts.push(...rendered.charts);
    }
    const md = several ? combinedMarkdown(parts, summaries, mds) : mds[0];
    text = format === "md" ? md : renderHtml(md.match(/^# (.*)$/m)?.[1] ?? "pqtls report", md, charts);
    await mkdir(dir, { recursive: true });
    files.push(out);
    for (const c of charts) {
      for (const f of chartFiles(c)) {
        const path = join(dir, f.file);
        await writeFile(path, f.text);
        files.push(path);
      }
    }
  } else if (format === "json") {
    const value = several ? { generator: "@pqtls/report", runs: summaries } : summaries[0];
    text = `${JSON.stringify(value, null, 2)}\n`;
  } else if (format === "parquet") {
    text = renderRowsParquet(loaded.rows);
  } else {
    text =
      format === "csv"
        ? renderRowsCsv(loaded.rows)
        : summaries.map((s, i) => (i === 0 ? renderCsv(s) : renderCsv(s).replace(/^[^\n]*\n/, ""))).join("");
  }
  if (out === "-") process.stdout.write(text);
  else {
    await mkdir(dir, { recursive: true });
    await writeFile(out, text);
    if (format !== "md" && format !== "html") files.push(out);
  }
  return { format, files, summary: summaries[0], summaries, warnings: loaded.warnings };
}
