// `pqtls compare`'s output, as `writeReport` is `pqtls report`'s: the format from the output file's
// extension (or `format`), then the comparison written as markdown with its CDF charts next to it,
// as the same self-contained HTML the report uses (renderHtml: live Vega charts, static SVGs in their
// place), or as JSON. Without an output file, markdown (no charts) or JSON goes to standard output.

import { mkdir, writeFile } from "node:fs/promises";
import { basename, dirname, extname, join } from "node:path";
import { DEFAULT_BOOTSTRAP } from "./bootstrap.js";
import { renderCompareCdfs } from "./compare-cdfs.js";
import { type CompareRunsResult, compareRuns, renderCompareMarkdown } from "./compare-runs.js";
import { renderHtml } from "./html.js";
import { loadResults, ReportInputError } from "./load.js";
import { chartFiles, REPORT_EXTENSIONS, type RenderedChart } from "./report.js";
import { parseFieldList } from "./variant.js";

export type CompareFormat = "md" | "html" | "json";
export const COMPARE_FORMATS: readonly CompareFormat[] = ["md", "html", "json"];

/** The extensions `compare` writes: the report's, for the formats it has. */
const COMPARE_EXTENSIONS = Object.entries(REPORT_EXTENSIONS).filter(([, f]) =>
  (COMPARE_FORMATS as readonly string[]).includes(f),
) as [string, CompareFormat][];

/**
 * The format of `pqtls compare`'s output: from `out`'s extension (an unknown or missing one is an
 * error naming the known ones), which `format` must agree with; without `out`, `format` or md.
 * HTML needs a file (its charts go next to it).
 */
export function resolveCompareOutput(
  out: string | undefined,
  format: CompareFormat | undefined,
): CompareFormat {
  if (out === undefined || out === "-") {
    if (format === "html")
      throw new ReportInputError("an html comparison needs a file for -o (its charts go next to it)");
    return format ?? "md";
  }
  const ext = extname(out).toLowerCase();
  const fromExt = COMPARE_EXTENSIONS.find(([e]) => e === ext)?.[1];
  if (!fromExt)
    throw new ReportInputError(
      `${out}: unknown compare extension "${ext || "(none)"}"; use ${COMPARE_EXTENSIONS.map(([e]) => e).join(", ")}`,
    );
  if (format !== undefined && format !== fromExt)
    throw new ReportInputError(`-o ${out} is a ${fromExt} file but --format is ${format}; give one of them`);
  return fromExt;
}

export interface WriteCompareOptions {
  /** Output file (extension: .md, .html, .json); undefined or "-": standard output (md, json). */
  out?: string;
  format?: CompareFormat;
  /** Compare the cells both runs measured and list the rest, instead of refusing. */
  matchingOnly?: boolean;
  /** Dimensions to compare across, as selector keys (`engine`, `kex,chain`); see compareRuns. */
  across?: string;
  /** Bootstrap seed; default: A's run seed. */
  seed?: number;
  resamples?: number;
  /** CDFs on a log time axis. */
  cdfLog?: boolean;
}

export interface WriteCompareResult {
  format: CompareFormat;
  result: CompareRunsResult;
  /** Every file written (the comparison first, then its charts' files); empty for stdout. */
  files: string[];
  /** The CDF charts rendered (none for JSON or stdout). */
  charts: RenderedChart[];
}

/** Compare run B (file `b`) with run A (file `a`) and write the comparison. */
export async function writeCompare(
  a: string,
  b: string,
  options: WriteCompareOptions = {},
): Promise<WriteCompareResult> {
  const format = resolveCompareOutput(options.out, options.format);
  const across = options.across === undefined ? [] : parseFieldList(options.across, "--across");
  const out = options.out === "-" ? undefined : options.out;
  const [ra, rb] = [await loadResults([a]), await loadResults([b])];
  const result = compareRuns(
    ra,
    rb,
    { a, b },
    {
      matchingOnly: options.matchingOnly,
      across,
      bootstrap: {
        ...DEFAULT_BOOTSTRAP,
        seed: options.seed ?? ra.files[0]?.meta.seed ?? DEFAULT_BOOTSTRAP.seed,
        resamples: options.resamples ?? DEFAULT_BOOTSTRAP.resamples,
      },
    },
  );
  if (format === "json" || out === undefined) {
    const text = format === "json" ? `${JSON.stringify(result, null, 2)}\n` : renderCompareMarkdown(result);
    if (out === undefined) {
      process.stdout.write(text);
      return { format, result, files: [], charts: [] };
    }
    await mkdir(dirname(out), { recursive: true });
    await writeFile(out, text);
    return { format, result, files: [out], charts: [] };
  }
  // The charts go next to the output, named after it, so its links are relative.
  const dir = dirname(out);
  const cdfs = await renderCompareCdfs(ra, rb, result, basename(out, extname(out)), { log: options.cdfLog });
  const md = renderCompareMarkdown(result, cdfs.links);
  const text =
    format === "md" ? md : renderHtml(md.match(/^# (.*)$/m)?.[1] ?? "pqtls compare", md, cdfs.charts);
  await mkdir(dir, { recursive: true });
  await writeFile(out, text);
  const files = [out];
  for (const c of cdfs.charts) {
    for (const f of chartFiles(c)) {
      await writeFile(join(dir, f.file), f.text);
      files.push(join(dir, f.file));
    }
  }
  return { format, result, files, charts: cdfs.charts };
}
