// `pqtls compare A.jsonl B.jsonl`: the same cells measured in two runs, B against A, as a markdown
// (or JSON) table of Δ ms and Δ % with intervals. All the work is @pqtls/report's compareRuns; this
// file maps flags to its options and its input errors to one-line CLI errors.

import { writeFileSync } from "node:fs";
import { type Command, Option } from "commander";
import { UserError } from "../errors.js";
import { integer } from "./report.js";

interface CompareFlags {
  out?: string;
  format: "md" | "json";
  matchingOnly?: boolean;
  seed?: number;
  resamples: number;
}

export function register(program: Command): void {
  program
    .command("compare")
    .description(
      "compare two runs cell by cell (before/after, machine vs machine): Δ ms and Δ % with 95 % CIs",
    )
    .argument("<a>", "results file A (JSONL), the reference")
    .argument("<b>", "results file B (JSONL), compared with A")
    .option("-o, --out <file>", "output file (default: stdout)")
    .addOption(new Option("--format <format>", "md or json").choices(["md", "json"]).default("md"))
    .option("--matching-only", "compare the cells both runs measured and list the rest, instead of refusing")
    .option("--seed <n>", "bootstrap seed (default: A's run seed)", integer(0))
    .option("--resamples <n>", "bootstrap resamples", integer(100), 1000)
    .action(async (a: string, b: string, flags: CompareFlags) => {
      const { compareRuns, DEFAULT_BOOTSTRAP, loadResults, renderCompareMarkdown, ReportInputError } =
        await import("@pqtls/report");
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
        const text =
          flags.format === "json" ? `${JSON.stringify(result, null, 2)}\n` : renderCompareMarkdown(result);
        if (flags.out) {
          writeFileSync(flags.out, text);
          process.stdout.write(`wrote ${flags.out}\n`);
        } else process.stdout.write(text);
      } catch (err) {
        if (err instanceof ReportInputError) throw new UserError(err.message);
        throw err;
      }
    });
}
