// `pqtls bench [--json] [--quick] [--bulk-mib N]`: the crypto/TLS benchmark of @pqtls/tls13 (per
// provider, on this runtime and Node 24, as ratios against node:tls on Node 24). All the work is in
// @pqtls/tls13/bench; this file maps flags and prints.

import { renderText, runBench } from "@pqtls/tls13/bench";
import { type Command, InvalidArgumentError } from "commander";

interface BenchFlags {
  json?: boolean;
  quick?: boolean;
  bulkMib?: number;
}

function mebibytes(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || n > 4096)
    throw new InvalidArgumentError("expected a number of MiB from 0 to 4096");
  return n;
}

export function register(program: Command): void {
  program
    .command("bench")
    .description(
      "benchmark the crypto providers and the TLS stack against node:tls on Node 24 (about a minute)",
    )
    .option("--json", "print the full report as JSON")
    .option("--quick", "smaller budgets and a 16 MiB transfer (a quick look, ~20 s)")
    .option(
      "--bulk-mib <n>",
      "bulk transfer size in MiB (default 100, 16 with --quick; 0 skips it)",
      mebibytes,
    )
    .action(async (flags: BenchFlags) => {
      const report = await runBench({
        quick: flags.quick ?? false,
        ...(flags.bulkMib !== undefined ? { bulkBytes: flags.bulkMib * 1048576 } : {}),
        log: (line) => process.stderr.write(`bench: ${line}\n`),
      });
      process.stdout.write(flags.json ? `${JSON.stringify(report, null, 2)}\n` : `${renderText(report)}\n`);
    });
}
