// `pqtls run`: the main job. Resolves preset + config file + flags (same keys everywhere), plans
// the matrix, runs it on K lanes writing JSONL as it goes, then writes the markdown report.

import { mkdirSync } from "node:fs";
import { basename, dirname, extname, join } from "node:path";
import { DEFAULT_BASELINE, describeCell, parseSelector, selectorMatches } from "@pqtls/report/dimensions";
import { type Command, InvalidArgumentError } from "commander";
import { UserError } from "../errors.js";
import { describePacking } from "../run/lane-packing.js";
import { type Plan, planLanes } from "../run/plan.js";
import type { RunResult } from "../run/runner.js";
import { formatDuration } from "../units.js";
import { addConfigOptions, type ConfigFlags, configFromFlags } from "./run-flags.js";

/**
 * Why the run's own report would compare nothing or fail, said before the run rather than after it:
 * the plan has no cell of the default baseline (an override such as --kex X25519MLKEM768 dropped the
 * classical variant), or the config's report_baseline / report_variant (a preset's) names cells the
 * overrides left out (e.g. a preset's chain=rsa2048 after --variants chose rsa2048-depth3, its old
 * name). Empty when every selector matches a planned cell.
 */
export function reportSelectorWarnings(
  plan: Plan,
  selectors: { report_baseline?: string; report_variant?: string } = {},
  /** Whether a plan without the default baseline's cells is warned about (--dry-run: yes). */
  o: { defaultBaseline: boolean } = { defaultBaseline: true },
): string[] {
  if (plan.cells.length === 0) return [];
  const variants = [...new Set(plan.cells.map((c) => `${c.kex}:${c.chain}`))].join(", ");
  const matchesNone = (text: string) => !plan.cells.some((c) => selectorMatches(parseSelector(text), c));
  const out: string[] = [];
  if (selectors.report_baseline === undefined) {
    if (o.defaultBaseline && matchesNone(DEFAULT_BASELINE))
      out.push(
        `the plan has no baseline cell (${DEFAULT_BASELINE}; it plans ${variants}): \`pqtls report\` will compare nothing unless --baseline picks one of these; add a classical variant (e.g. --kex x25519,...) to compare with`,
      );
  } else if (matchesNone(selectors.report_baseline))
    out.push(
      `the run's report_baseline ${selectors.report_baseline} matches no planned cell (it plans ${variants}): its report will fail; set report_baseline in a --config file, or run \`pqtls report FILE --baseline ...\` afterwards`,
    );
  if (selectors.report_variant !== undefined && matchesNone(selectors.report_variant))
    out.push(
      `the run's report_variant ${selectors.report_variant} matches no planned cell (it plans ${variants}): its report will compare nothing; set report_variant in a --config file, or run \`pqtls report FILE --variant ...\` afterwards`,
    );
  return out;
}

export function describePlan(plan: Plan, lanes: number | "auto"): string {
  const onLanes = `on ${Math.min(planLanes(plan, lanes), plan.units.length)} lane(s)`;
  const a = plan.adaptive;
  // Adaptive: from every comparison stopping at its first look to every one sampled to the cap.
  const lines = a
    ? [
        `plan: ${plan.cells.length} cells in ${plan.groups.length} link settings, ${a.samples}..${plan.samples} samples (until each comparison's interval is narrow enough) + ${plan.warmups} warm-ups each`,
        `connections: ${a.connections}..${plan.connections} recorded, ${onLanes}`,
        `estimated duration: ${formatDuration(a.estimatedSeconds)}..${formatDuration(plan.estimatedSeconds)}`,
      ]
    : [
        `plan: ${plan.cells.length} cells in ${plan.groups.length} link settings, ${plan.samples} samples + ${plan.warmups} warm-ups each`,
        `connections: ${plan.connections} recorded, ${plan.totalConnections} with warm-ups, ${onLanes}`,
        `estimated duration: ${formatDuration(plan.estimatedSeconds)}`,
      ];
  if (plan.packing) lines.push(...describePacking(plan.packing));
  for (const g of plan.groups) {
    lines.push(`link ${g.key}`);
    // The registry's words for a cell; dimensions at "none" stay out of the line.
    for (const c of g.cells) lines.push(`  ${describeCell(c)}`);
  }
  return lines.join("\n");
}

function defaultOut(name: string): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15);
  return join("results", `${name}-${stamp}.jsonl`);
}

/** What `--fail-on` can make a completed run exit 1 for. */
const FAIL_ON = ["failures", "link-check", "disturbed"] as const;
type FailOn = (typeof FAIL_ON)[number];

function parseFailOn(text: string): FailOn[] {
  const items = text.split(",").map((x) => x.trim());
  for (const x of items)
    if (!(FAIL_ON as readonly string[]).includes(x))
      throw new InvalidArgumentError(`"${x}" is not one of ${FAIL_ON.join(", ")}`);
  return items as FailOn[];
}

/** The --fail-on conditions a finished run meets, in words; empty when it passes. */
export function failOnReasons(result: RunResult, failOn: readonly FailOn[]): string[] {
  const reasons: string[] = [];
  if (failOn.includes("failures") && result.failed > 0) reasons.push(`${result.failed} failed rows`);
  const badLinks = result.linkChecks.filter((l) => !l.startsWith("ok"));
  if (failOn.includes("link-check") && badLinks.length > 0)
    reasons.push(`${badLinks.length} link checks not ok`);
  if (failOn.includes("disturbed") && result.disturbed > 0)
    reasons.push(
      `${result.disturbed} rows on a disturbed lane (packets dropped outside the configured loss)`,
    );
  if (failOn.includes("disturbed") && result.marked > 0)
    reasons.push(
      `${result.marked} rows marked by the fidelity guard (relay releases late or endpoints waiting for a CPU)`,
    );
  return reasons;
}

interface RunFlags extends ConfigFlags {
  out?: string;
  resume?: boolean;
  dryRun?: boolean;
  quiet?: boolean;
  report?: string | false;
  shard?: string;
  failOn?: FailOn[];
  calibrate?: boolean;
  [key: string]: unknown;
}

export async function runCommand(flags: RunFlags, argv: string[]): Promise<void> {
  // Loaded here, not at the top: `pqtls --help` and the other commands never load the TLS stack.
  const { buildPlan } = await import("../run/plan.js");
  const { preflight, runExperiment } = await import("../run/runner.js");
  if (flags.calibrate) {
    const { lanesCheckCommand } = await import("./lanes.js");
    // The check's results go beside where the run's would have: --out results/x.jsonl → results/x-calibrate/.
    const outDir = flags.out ? `${flags.out.replace(/\.jsonl$/, "")}-calibrate` : undefined;
    return lanesCheckCommand({ ...flags, outDir }, argv);
  }
  const { config, presetName } = await configFromFlags(flags);
  const fullPlan = buildPlan(config);
  if (flags.shard !== undefined && config.stop_rule)
    throw new UserError(
      "--shard and --ci-width do not combine: a shard cannot see the rows the other shards' comparisons need to stop; run adaptive sampling unsharded",
    );
  const sharding = flags.shard === undefined ? null : await import("../run/shard.js");
  const shardSpec = sharding?.parseShard(flags.shard!);
  const shard = shardSpec ? sharding!.shardMeta(fullPlan, config.seed, shardSpec) : undefined;
  const plan = shardSpec
    ? sharding!.shardPlan(fullPlan, shardSpec, planLanes(fullPlan, config.lanes))
    : fullPlan;
  const shardLine = shard
    ? `shard ${shard.index}/${shard.count} of plan ${shard.plan_hash}: ${plan.connections} of ${fullPlan.connections} recorded connections`
    : null;

  if (flags.dryRun) {
    if (shardLine) process.stdout.write(`${shardLine}\n`);
    process.stdout.write(`${describePlan(plan, config.lanes)}\n`);
    for (const w of reportSelectorWarnings(plan, config)) process.stderr.write(`pqtls: warning: ${w}\n`);
    return;
  }
  if (flags.resume && !flags.out)
    throw new UserError("--resume needs --out FILE (the results file to complete)");
  const out = flags.out ?? defaultOut(presetName ?? basename(flags.config!, extname(flags.config!)));
  preflight(config, plan); // root and link checks, before the first file or namespace
  const quiet = flags.quiet === true;
  if (shardLine && plan.units.length === 0) {
    // More shards than rounds: this one owns nothing, and writes nothing for merge to read.
    process.stderr.write(`${shardLine}; nothing to run\n`);
    return;
  }
  if (shardLine && !quiet) process.stderr.write(`${shardLine}\n`);
  // Before the run, not after it: a configured report selector that matches nothing makes the run's
  // report fail. (A plan without the default baseline is often meant, e.g. PQ chains compared with
  // each other: --dry-run says so, the run does not.)
  for (const w of reportSelectorWarnings(plan, config, { defaultBaseline: false }))
    process.stderr.write(`pqtls: warning: ${w}\n`);
  if (!quiet)
    process.stderr.write(`${describePlan(plan, config.lanes).split("\n").slice(0, 3).join("\n")}\n`);
  mkdirSync(dirname(out) || ".", { recursive: true });

  const abort = new AbortController();
  const onSignal = (sig: NodeJS.Signals) => {
    if (!abort.signal.aborted) process.stderr.write(`\n${sig}: stopping, tearing the lanes down...\n`);
    abort.abort();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  let result: RunResult;
  try {
    result = await runExperiment({
      config,
      plan,
      out,
      resume: flags.resume === true,
      progress: quiet ? "quiet" : process.stderr.isTTY ? "bar" : "lines",
      commandLine: argv,
      signal: abort.signal,
      shard,
    });
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
  const summary = `${result.written} rows written (${result.failed} failed)${result.skipped ? `, ${result.skipped} already recorded` : ""} to ${out}`;
  if (result.interrupted) {
    process.stderr.write(`interrupted: ${summary}; complete it with: pqtls run ... --resume --out ${out}\n`);
    process.exitCode = 130;
    return;
  }
  process.stderr.write(`${summary}\n`);
  if (result.marked > 0)
    process.stderr.write(
      `${result.marked} rows marked by the fidelity guard (relay late or endpoints waiting for a CPU: fidelity.marked; kept, and counted per cell in the report)\n`,
    );
  if (!quiet || result.linkChecks.some((l) => !l.startsWith("ok")))
    for (const line of result.linkChecks) process.stderr.write(`link check ${line}\n`);
  if (flags.report === false) return failIf(result, flags.failOn);
  const reportOut = typeof flags.report === "string" ? flags.report : `${out.replace(/\.jsonl$/, "")}.md`;
  const { writeReport } = await import("@pqtls/report");
  let written: Awaited<ReturnType<typeof writeReport>>;
  try {
    written = await writeReport([out], { out: reportOut });
  } catch (err) {
    // The results are safe on disk; say how to get the report once the cause is fixed.
    throw new UserError(
      `report failed (${(err as Error).message.split("\n")[0]}); the results are in ${out}: pqtls report ${out}`,
      1,
    );
  }
  for (const w of written.warnings) process.stderr.write(`report: ${w}\n`);
  process.stderr.write(`report: ${written.files[0]}\n`);
  failIf(result, flags.failOn);
}

/** After the rows and the report are safe: exit 1 when a --fail-on condition holds. */
function failIf(result: RunResult, failOn: readonly FailOn[] = []): void {
  const reasons = failOnReasons(result, failOn);
  if (reasons.length > 0) throw new UserError(`--fail-on ${failOn.join(",")}: ${reasons.join("; ")}`, 1);
}

export function register(program: Command): void {
  const cmd = program
    .command("run")
    .description(
      "run an experiment matrix (a preset, a config file and/or flags) and write JSONL rows and a report",
    )
    .option("--out <file>", "results file (JSONL; default results/<preset>-<time>.jsonl)")
    .option("--resume", "complete an interrupted run in --out: skip samples already recorded")
    .option(
      "--shard <K/N|env>",
      "run only shard K of N (from 0) of the plan, balanced by estimated duration; env: from SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX (see README, Running at scale)",
    )
    .option("--dry-run", "print the plan, the number of connections and an estimated duration, then stop")
    .option("--quiet", "no progress output (for CI)")
    .option("--report <file>", "markdown report path (default: the results file with .md)")
    .option("--no-report", "do not write the report")
    .option(
      "--fail-on <list>",
      `exit 1 after writing rows and report if any holds: ${FAIL_ON.join(", ")} (failed rows; a link check not ok; disturbed: rows whose lane dropped packets outside the configured loss, and rows the fidelity guard marked: relay releases or endpoints' CPU waits above their thresholds)`,
      parseFailOn,
    )
    .option(
      "--calibrate",
      "instead of the run, check that its lane packing does not move the timings: `pqtls lanes check` with these flags (results in <--out without .jsonl>-calibrate/)",
    );
  addConfigOptions(cmd);
  cmd.action(async (opts: RunFlags) => {
    await runCommand(opts, process.argv);
  });
}
