// `pqtls compare A.jsonl B.jsonl`: the same cells measured in two runs, B against A, as a markdown
// (or JSON) table of Δ ms and Δ % with intervals; a markdown file gets the CDFs of both runs next to
// it (SVG, Vega-Lite spec, CSV data), as `pqtls report` places its charts. All the work is
// @pqtls/report's compareRuns and renderCompareCdfs; this file maps flags to their options and their
// input errors to one-line CLI errors.

import { mkdirSync, writeFileSync } from "node:fs";
import { basename, dirname, extname, join } from "node:path";
import { type Command, Option } from "commander";
import { UserError } from "../errors.js";
import { integer } from "./report.js";

interface CompareFlags {
  out?: string;
  format: "md" | "json";
  matchingOnly?: boolean;
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
      "output file (default: stdout); a markdown file gets the CDFs of both runs next to it (out-cdf-N.svg, .vl.json, .csv)",
    )
    .addOption(new Option("--format <format>", "md or json").choices(["md", "json"]).default("md"))
    .option("--matching-only", "compare the cells both runs measured and list the rest, instead of refusing")
    .option("--seed <n>", "bootstrap seed (default: A's run seed)", integer(0))
    .option("--resamples <n>", "bootstrap resamples", integer(100), 1000)
    .option("--cdf-log", "CDFs on a log time axis (to see lossy links' retransmission tails)")
    .action(async (a: string, b: string, flags: CompareFlags) => {
      const {
        chartFiles,
        compareRuns,
        DEFAULT_BOOTSTRAP,
        loadResults,
        renderCompareCdfs,
        renderCompareMarkdown,
        ReportInputError,
      } = await import("@pqtls/report");
      try {
        const [ra, rb] = [await loadResults([a]), await loadResults([b])];
        const result = compareRuns(
          ra,
          rb,
          { a, b },
          {
            matchingOnly: flags.matchingOnly,
            bootstrap: {
              ...DEFAULT_BOOTSTRAP,
              seed: flags.seed ?? ra.files[0]?.meta.seed ?? 1,
              resamples: flags.resamples,
            },
          },
        );
        if (flags.format === "json") {
          const text = `${JSON.stringify(result, null, 2)}\n`;
          if (flags.out) {
            writeFileSync(flags.out, text);
            process.stdout.write(`wrote ${flags.out}\n`);
          } else process.stdout.write(text);
          return;
        }
        if (!flags.out) {
          process.stdout.write(renderCompareMarkdown(result));
          return;
        }
        // The charts go next to the markdown, named after it, so the links are relative.
        const dir = dirname(flags.out);
        const stem = basename(flags.out, extname(flags.out));
        const cdfs = await renderCompareCdfs(ra, rb, result, stem, { log: flags.cdfLog });
        mkdirSync(dir, { recursive: true });
        writeFileSync(flags.out, renderCompareMarkdown(result, cdfs.links));
        for (const c of cdfs.charts) for (const f of chartFiles(c)) writeFileSync(join(dir, f.file), f.text);
        const n = cdfs.charts.length;
        process.stdout.write(
          `wrote ${flags.out}${n > 0 ? ` and ${n} CDF charts (SVG, Vega-Lite spec, data) next to it` : ""}\n`,
        );
      } catch (err) {
        if (err instanceof ReportInputError) throw new UserError(err.message);
        throw err;
      }
    });
}
