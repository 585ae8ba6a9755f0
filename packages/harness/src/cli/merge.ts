// `pqtls merge -o OUT.jsonl SHARD...`: shards of one experiment (pqtls run --shard) → one results
// file. Refuses mixed plans or configs and duplicate samples; lists missing units and exits non-zero
// unless --allow-partial. The checks and the merge are run/merge.ts; this file is flags and output.

import { renameSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import type { Command } from "commander";
import { UserError } from "../errors.js";

/** Missing units printed in full before the rest are only counted. */
const MAX_LISTED = 20;

interface MergeFlags {
  out: string;
  allowPartial?: boolean;
}

export async function mergeCommand(files: string[], flags: MergeFlags): Promise<void> {
  const { mergeShards, mergedText, readShardFile } = await import("../run/merge.js");
  const out = resolve(flags.out);
  for (const f of files)
    if (resolve(f) === out)
      throw new UserError(`merge: -o ${flags.out} is also an input; choose another output`);
  const result = mergeShards(files.map(readShardFile));
  const count = result.meta.shards?.[0]?.shard?.count ?? 0;
  if (result.missing.length > 0) {
    const lines = result.missing
      .slice(0, MAX_LISTED)
      .map(
        (m) =>
          `missing: shard ${m.shard}: ${m.group} rounds ${m.fromRound}-${m.toRound - 1} (${m.samples} samples)`,
      );
    if (result.missing.length > MAX_LISTED)
      lines.push(`missing: ... and ${result.missing.length - MAX_LISTED} more units`);
    process.stderr.write(`${lines.join("\n")}\n`);
    const shards = [...new Set(result.missing.map((m) => m.shard))];
    const samples = result.missing.reduce((s, m) => s + m.samples, 0);
    const what = `${samples} of ${result.expected} samples missing, from shard(s) ${shards.join(",")} of ${count}`;
    if (!flags.allowPartial)
      throw new UserError(
        `merge: ${what}: run them (Slurm: --array=${shards.join(",")}), or pass --allow-partial`,
      );
    process.stderr.write(`merge: ${what} (--allow-partial: merging what there is)\n`);
  }
  // Written beside the target and renamed, so a reader never sees half a file.
  const tmp = `${out}.tmp-${process.pid}`;
  writeFileSync(tmp, mergedText(result));
  renameSync(tmp, out);
  process.stdout.write(
    `merged ${result.rowLines.length} rows from ${files.length} shard file(s) into ${flags.out}\n`,
  );
}

export function register(program: Command): void {
  program
    .command("merge")
    .description("merge the shard files of one experiment (pqtls run --shard) into one results file")
    .argument("<shards...>", "shard results files (JSONL)")
    .requiredOption("-o, --out <file>", "merged results file (JSONL)")
    .option("--allow-partial", "merge even when some samples of the plan are missing (they are listed)")
    .action(async (files: string[], flags: MergeFlags) => {
      await mergeCommand(files, flags);
    });
}
