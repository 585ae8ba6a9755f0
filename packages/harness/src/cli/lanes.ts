// `pqtls lanes check`: the self-check of the lane packing (run/lanes-check.ts). Takes the same
// preset/config/flags as `pqtls run` (the lane count from the same --lanes), runs the cells with 1
// lane and with that packing, interleaved, and prints each cell's p50 shift with its interval.
// `pqtls run --calibrate` comes here with the run's flags.

import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { type Command, InvalidArgumentError } from "commander";
import { UserError } from "../errors.js";
import { addConfigOptions, configFromFlags } from "./run-flags.js";

interface LanesCheckFlags {
  outDir?: string;
  chunks?: number;
  tolerance?: number;
  quiet?: boolean;
  [key: string]: unknown;
}

function positive(what: string, integer: boolean) {
  return (text: string): number => {
    const n = Number(text);
    if (!(n > 0) || (integer && !Number.isInteger(n)))
      throw new InvalidArgumentError(`${what} must be a positive ${integer ? "integer" : "number"}`);
    return n;
  };
}

function defaultDir(): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15);
  return join("results", `lanes-check-${stamp}`);
}

export async function lanesCheckCommand(flags: LanesCheckFlags, argv: string[]): Promise<void> {
  const { config } = await configFromFlags(flags);
  const { buildPlan, planLanes } = await import("../run/plan.js");
  const { preflight } = await import("../run/runner.js");
  const { formatShifts, runLanesCheck } = await import("../run/lanes-check.js");
  const plan = buildPlan(config);
  if (planLanes(plan, config.lanes) < 2)
    throw new UserError(
      `lanes check compares 1 lane with a packing: pass --lanes K with K >= 2 (${config.lanes === "auto" ? "lanes auto chose 1 lane for this plan" : "--lanes is 1"})`,
    );
  preflight(config, plan);
  const dir = flags.outDir ?? defaultDir();
  mkdirSync(dir, { recursive: true });
  const abort = new AbortController();
  const onSignal = () => abort.abort();
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  const log = (line: string) => {
    if (!flags.quiet) process.stderr.write(`${line}\n`);
  };
  let result: Awaited<ReturnType<typeof runLanesCheck>>;
  try {
    result = await runLanesCheck({
      config,
      dir,
      chunks: flags.chunks ?? 4,
      tolerancePct: flags.tolerance,
      commandLine: argv,
      signal: abort.signal,
      log,
    });
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
  if (result.interrupted) {
    process.stderr.write(`interrupted: the rows so far are in ${dir}\n`);
    process.exitCode = 130;
    return;
  }
  process.stdout.write(`${formatShifts(result.shifts, result.lanes).join("\n")}\n`);
  process.stdout.write(`results: ${dir}\n`);
  const shifted = result.shifts.filter((s) => s.shifted);
  if (shifted.length > 0)
    throw new UserError(
      `${shifted.length} of ${result.shifts.length} cells moved with ${result.lanes} lanes beyond tolerance: use fewer lanes`,
      1,
    );
}

export function register(program: Command): void {
  const lanes = program
    .command("lanes")
    .description("lane packing: check that running lanes side by side does not move the timings");
  const check = lanes
    .command("check")
    .description(
      "run the cells (preset/config/flags as for `run`) with 1 lane and with --lanes K, interleaved; print each cell's p50 shift with its 95 % bootstrap interval and the rows the fidelity guard marked; exit 1 when an interval lies beyond the tolerance",
    )
    .option(
      "--out-dir <dir>",
      "directory for both sides' results files (default results/lanes-check-<time>/)",
    )
    .option(
      "--chunks <n>",
      "interleave the two sides in up to N chunks (default 4)",
      positive("--chunks", true),
    )
    .option(
      "--tolerance <pct>",
      "how far (percent of the 1-lane p50) an interval may lie from 0 (default 1 on links below 100 Mbit/s, 2 above)",
      positive("--tolerance", false),
    )
    .option("--quiet", "no progress lines");
  addConfigOptions(check);
  check.action(async (opts: LanesCheckFlags) => {
    await lanesCheckCommand(opts, process.argv);
  });
}
