// `pqtls report RESULTS.jsonl [more.jsonl ...]`: results → markdown report with SVG charts, or JSON /
// CSV. All the work is @pqtls/report's writeReport; this file maps flags to its options and its
// input errors to one-line CLI errors.

import { dirname, join } from "node:path";
import {
  DEFAULT_BASELINE,
  REPORT_FORMATS,
  type ReportFormat,
  ReportInputError,
  SelectorError,
  writeReport,
} from "@pqtls/report";
import { type Command, InvalidArgumentError, Option } from "commander";
import { UserError } from "../errors.js";

interface ReportFlags {
  out?: string;
  format?: ReportFormat;
  baseline?: string;
  variant?: string;
  seed?: number;
  resamples: number;
  skipBad?: boolean;
  allowMixed?: boolean;
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
    .description("turn results files into a markdown report with SVG charts (or JSON / CSV)")
    .argument("<results...>", "results files (JSONL); several merge, e.g. shards of one run")
    .option(
      "-o, --out <file>",
      "output file; default report.md next to the first input, or stdout for json/csv",
    )
    .addOption(
      new Option(
        "--format <format>",
        "md; json (summary); csv (summary tables, long form); rows (raw rows as CSV, one column per field). Default: from the -o extension, else md",
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
    .option("--seed <n>", "bootstrap seed (default: the run's seed)", integer(0))
    .option("--resamples <n>", "bootstrap resamples", integer(100), 1000)
    .option("--skip-bad", "warn about and skip malformed lines instead of stopping at the first")
    .option("--allow-mixed", "merge files whose runs have different configs")
    .action(async (files: string[], flags: ReportFlags) => {
      const format = flags.format ?? (flags.out ? undefined : "md");
      const out =
        flags.out ?? (flags.format && flags.format !== "md" ? "-" : join(dirname(files[0]), "report.md"));
      if (out === "-" && (format ?? "md") === "md") {
        throw new UserError(
          "a markdown report needs a file for -o (its charts go next to it); use --format json or csv for stdout",
        );
      }
      // `pqtls report ... --format csv | head` closes the pipe early; that is not an error.
      process.stdout.on("error", (err: NodeJS.ErrnoException) => {
        if (err.code !== "EPIPE") throw err;
      });
      try {
        const result = await writeReport(files, {
          out,
          format,
          baseline: flags.baseline,
          variant: flags.variant,
          seed: flags.seed,
          resamples: flags.resamples,
          skipBad: flags.skipBad,
          allowMixed: flags.allowMixed,
        });
        for (const w of result.warnings.slice(0, MAX_PRINTED_WARNINGS))
          process.stderr.write(`pqtls: warning: ${w}\n`);
        if (result.warnings.length > MAX_PRINTED_WARNINGS) {
          process.stderr.write(
            `pqtls: warning: ... and ${result.warnings.length - MAX_PRINTED_WARNINGS} more skipped lines\n`,
          );
        }
        for (const n of result.summary.notes) process.stderr.write(`pqtls: note: ${n}\n`);
        if (out !== "-") {
          const charts = result.files.length - 1;
          process.stdout.write(
            `wrote ${result.files[0]}${charts > 0 ? ` and ${charts} charts next to it` : ""}\n`,
          );
        }
      } catch (err) {
        if (err instanceof ReportInputError || err instanceof SelectorError) throw new UserError(err.message);
        throw err;
      }
    });
}
