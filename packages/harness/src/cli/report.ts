// `pqtls report RESULTS.jsonl [more.jsonl ...]`: results → markdown or HTML report with SVG charts,
// the JSON summary, the summary tables as CSV, or the raw rows as CSV / Parquet. All the work is @pqtls/report's writeReport; this file maps flags to its options and its
// input errors to one-line CLI errors.

import {
  DEFAULT_BASELINE,
  REPORT_FORMATS,
  type ReportFormatName,
  ReportInputError,
  SelectorError,
  writeReport,
} from "@pqtls/report";
import { type Command, InvalidArgumentError, Option } from "commander";
import { UserError } from "../errors.js";

interface ReportFlags {
  out?: string;
  format?: ReportFormatName;
  baseline?: string;
  variant?: string;
  studyVariant?: string;
  seed?: number;
  resamples: number;
  skipBad?: boolean;
  allowMixed?: boolean;
  cdfLog?: boolean;
}

const MAX_PRINTED_WARNINGS = 20;

/** A commander parser for an integer option >= min (also `pqtls compare`'s). */
export function integer(min: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`expected an integer >= ${min}`);
    return n;
  };
}

export function register(program: Command): void {
  program
    .command("report")
    .description(
      "turn results files into a markdown or HTML report with charts (or the JSON summary, or the raw rows as CSV / Parquet)",
    )
    .argument("<results...>", "results files (JSONL); several merge, e.g. shards of one run")
    .option(
      "-o, --out <file>",
      "output file, its extension chooses the format (.md, .html, .json, .csv = the raw rows, .parquet); default: named after the first input (run.jsonl → run.md), or stdout for --format json, csv, tables-csv",
    )
    .addOption(
      new Option(
        "--format <format>",
        "md or html (the report); json (summary); csv (the raw rows, one line per connection, a column per field; alias: rows); tables-csv (the summary tables, long form; what csv meant before); parquet (the raw rows as Parquet, to a file). Default: from the -o extension, else md",
      ).choices(REPORT_FORMATS),
    )
    .option(
      "--baseline <selector>",
      `baseline cells: key=value,... over any dimension (kex=pq|classical|NAME, chain=..., engine=openssl, compression=brotli, resumption=full, rtt=35, ...; default ${DEFAULT_BASELINE})`,
    )
    .option(
      "--variant <selector>",
      "cells compared with the baseline, same syntax (default kex=pq,chain=pq with the default baseline, else every other cell)",
    )
    .option(
      "--study-variant <selector>",
      "which compared variant stands for the study's PQ in 'Beside the study' (e.g. chain=mldsa44@16KB; default: the PQ key exchange whose chain is closest to 16 KB)",
    )
    .option("--seed <n>", "bootstrap seed (default: the run's seed)", integer(0))
    .option("--resamples <n>", "bootstrap resamples", integer(100), 1000)
    .option("--cdf-log", "CDFs on a log time axis (to see lossy links' retransmission tails)")
    .option("--skip-bad", "warn about and skip malformed lines instead of stopping at the first")
    .option(
      "--allow-mixed",
      "pool files whose runs have different configs (default: each run reported in its own section)",
    )
    .action(async (files: string[], flags: ReportFlags) => {
      // JSON and CSV without -o go to stdout (for pipes); md, html and parquet are named after the input.
      const toStdout =
        flags.out === undefined &&
        flags.format !== undefined &&
        ["json", "csv", "rows", "tables-csv"].includes(flags.format);
      const out = toStdout ? "-" : flags.out;
      const format = flags.format;
      try {
        const result = await writeReport(files, {
          out,
          format,
          baseline: flags.baseline,
          variant: flags.variant,
          studyVariant: flags.studyVariant,
          seed: flags.seed,
          resamples: flags.resamples,
          skipBad: flags.skipBad,
          allowMixed: flags.allowMixed,
          cdfLog: flags.cdfLog,
        });
        for (const w of result.warnings.slice(0, MAX_PRINTED_WARNINGS))
          process.stderr.write(`pqtls: warning: ${w}\n`);
        if (result.warnings.length > MAX_PRINTED_WARNINGS) {
          process.stderr.write(
            `pqtls: warning: ... and ${result.warnings.length - MAX_PRINTED_WARNINGS} more skipped lines\n`,
          );
        }
        for (const s of result.summaries)
          for (const n of s.notes) process.stderr.write(`pqtls: note: ${n}\n`);
        if (out !== "-") {
          const charts = result.files.filter((f) => f.endsWith(".svg")).length;
          const runs = result.summaries.length > 1 ? ` (${result.summaries.length} runs side by side)` : "";
          process.stdout.write(
            `wrote ${result.files[0]}${runs}${charts > 0 ? ` and ${charts} charts (SVG, Vega-Lite spec, data) next to it` : ""}\n`,
          );
        }
      } catch (err) {
        if (err instanceof ReportInputError || err instanceof SelectorError) throw new UserError(err.message);
        throw err;
      }
    });
}
