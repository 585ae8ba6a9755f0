// The one call the runner (and `pqtls report`) makes: load result files, summarise, and write the
// report as markdown with SVG charts next to it, as JSON, or as CSV.

import { mkdir, writeFile } from "node:fs/promises";
import { basename, dirname, extname, join } from "node:path";
import {
  CHART_PERCENTILES,
  handshakeIncreaseSpec,
  renderSvg,
  ttlbCdfSpec,
  ttlbIncreaseSpec,
} from "./charts.js";
import { renderCsv } from "./csv.js";
import { type LoadOptions, loadResults } from "./load.js";
import { type ChartLinks, renderMarkdown } from "./markdown.js";
import { renderRowsCsv } from "./rows-csv.js";
import { type ReportSummary, type SummaryOptions, summarize } from "./summary.js";

/** md: the report; json: its summary; csv: the summary's tables, long form; rows: the raw rows as CSV. */
export type ReportFormat = "md" | "json" | "csv" | "rows";
export const REPORT_FORMATS: readonly ReportFormat[] = ["md", "json", "csv", "rows"];

export interface WriteReportOptions extends SummaryOptions, LoadOptions {
  /** Output file. For json/csv, "-" means standard output; md needs a file (charts go next to it). */
  out: string;
  /** Default: from the extension of `out` (.json, .csv), else md. */
  format?: ReportFormat;
}

export interface WriteReportResult {
  format: ReportFormat;
  /** Every file written (the report first, then its charts). Empty when written to stdout. */
  files: string[];
  summary: ReportSummary;
  /** Input lines skipped under skipBad, as "file:line: reason (skipped)". */
  warnings: string[];
}

export function formatFromPath(out: string): ReportFormat {
  const ext = extname(out).toLowerCase();
  if (ext === ".json") return "json";
  if (ext === ".csv") return "csv";
  return "md";
}

export interface RenderedChart {
  /** File name, relative to the report's directory. */
  file: string;
  svg: string;
}

/** Render every chart of a summary; file names start with `stem` (the report's name without .md). */
export async function renderCharts(
  summary: ReportSummary,
  stem: string,
): Promise<{ links: ChartLinks; charts: RenderedChart[] }> {
  const charts: RenderedChart[] = [];
  const links: ChartLinks = { cdf: [] };
  const { handshake_increase, ttlb_increase, ttlb_cdf } = summary.figures;
  if (handshake_increase.length > 0) {
    links.handshake = `${stem}-handshake-increase.svg`;
    charts.push({
      file: links.handshake,
      svg: await renderSvg(handshakeIncreaseSpec(handshake_increase, CHART_PERCENTILES)),
    });
  }
  if (ttlb_increase.length > 0) {
    links.ttlb = `${stem}-ttlb-increase.svg`;
    charts.push({
      file: links.ttlb,
      svg: await renderSvg(ttlbIncreaseSpec(ttlb_increase, CHART_PERCENTILES)),
    });
  }
  const labels = [...new Set(ttlb_cdf.map((s) => s.label))];
  for (const [i, label] of labels.entries()) {
    const file = `${stem}-ttlb-cdf-${i + 1}.svg`;
    const title = label === "all" ? "TTLB CDF" : `TTLB CDF, ${label}`;
    charts.push({
      file,
      svg: await renderSvg(
        ttlbCdfSpec(
          ttlb_cdf.filter((s) => s.label === label),
          title,
        ),
      ),
    });
    links.cdf!.push({ label, file });
  }
  return { links, charts };
}

export async function writeReport(
  inputFiles: readonly string[],
  options: WriteReportOptions,
): Promise<WriteReportResult> {
  const format = options.format ?? formatFromPath(options.out);
  const loaded = await loadResults(inputFiles, options);
  const summary = summarize(loaded, options);
  const toStdout = options.out === "-";
  if (toStdout && format === "md")
    throw new Error('a markdown report needs a file for -o (its charts go next to it), not "-"');

  let text: string;
  const files: string[] = [];
  const dir = dirname(options.out);
  if (format === "md") {
    const stem = basename(options.out, extname(options.out));
    const { links, charts } = await renderCharts(summary, stem);
    text = renderMarkdown(summary, links);
    await mkdir(dir, { recursive: true });
    files.push(options.out);
    for (const c of charts) {
      const path = join(dir, c.file);
      await writeFile(path, c.svg);
      files.push(path);
    }
  } else {
    text =
      format === "json"
        ? `${JSON.stringify(summary, null, 2)}\n`
        : format === "rows"
          ? renderRowsCsv(loaded.rows)
          : renderCsv(summary);
  }
  if (toStdout) process.stdout.write(text);
  else {
    await mkdir(dir, { recursive: true });
    await writeFile(options.out, text);
    if (format !== "md") files.push(options.out);
  }
  return { format, files, summary, warnings: loaded.warnings };
}
