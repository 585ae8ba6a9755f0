// `pqtls compare A.jsonl B.jsonl`: the same cells measured in two runs, B against A, as a markdown,
// HTML or JSON table of Δ ms and Δ % with intervals; a markdown or HTML file gets the CDFs of both
// runs next to it (SVG, Vega-Lite spec, CSV data), as `pqtls report` places its charts. All the work
// is @pqtls/report's writeCompare; this file maps flags to its options and its input errors to
// one-line CLI errors.

import type { CompareFormat } from "@pqtls/report";
import { type Command, Option } from "commander";
import { UserError } from "../errors.js";
import { integer } from "./report.js";

interface CompareFlags {
  out?: string;
  format?: CompareFormat;
  matchingOnly?: boolean;
  across?: string;
  seed?: number;
  resamples: number;
  cdfLog?: boolean;
}

export function register(program: Command): void {
  program
    .command("compare")
    .description(
      "compare two runs cell by cell (before/after, machine vs machine): Δ ms and Δ % with 95 % CIs",
    )
    .argument("<a>", "results file A (JSONL), the reference")
    .argument("<b>", "results file B (JSONL), compared with A")
    .option(
      "-o, --out <file>",
      "output file, its extension chooses the format (.md, .html, .json; default: markdown to stdout); a markdown or HTML file gets the CDFs of both runs next to it (out-cdf-N.svg, .vl.json, .csv), the HTML file with them live inside",
    )
    .addOption(
      new Option(
        "--format <format>",
        "md, html (one self-contained file, as pqtls report's) or json; default: from the -o extension, else md",
      ).choices(["md", "html", "json"]),
    )
    .option("--matching-only", "compare the cells both runs measured and list the rest, instead of refusing")
    .option(
      "--across <keys>",
      "compare across these dimensions (e.g. engine: A ran pqtls, B openssl): cells pair when every other dimension is equal",
    )
    .option("--seed <n>", "bootstrap seed (default: A's run seed)", integer(0))
    .option("--resamples <n>", "bootstrap resamples", integer(100), 1000)
    .option("--cdf-log", "CDFs on a log time axis (to see lossy links' retransmission tails)")
    .action(async (a: string, b: string, flags: CompareFlags) => {
      const { ReportInputError, SelectorError, writeCompare } = await import("@pqtls/report");
      try {
        const written = await writeCompare(a, b, {
          out: flags.out,
          format: flags.format,
          matchingOnly: flags.matchingOnly,
          across: flags.across,
          seed: flags.seed,
          resamples: flags.resamples,
          cdfLog: flags.cdfLog,
        });
        if (written.files.length === 0) return;
        const n = written.charts.length;
        process.stdout.write(
          `wrote ${written.files[0]}${n > 0 ? ` and ${n} CDF charts (SVG, Vega-Lite spec, data) next to it` : ""}\n`,
        );
      } catch (err) {
        if (err instanceof ReportInputError || err instanceof SelectorError) throw new UserError(err.message);
        throw err;
      }
    });
}
