// Slurm job arrays: the two batch scripts `pqtls cluster slurm` writes, and submitting, watching and
// resubmitting them. Task K of the array runs shard K (`--shard env`, with PQTLS_SHARDS fixing N so a
// resubmitted subset keeps it) into DIR/shard-K.jsonl, resuming the file when it exists; the merge
// job runs after every task succeeded (afterok) and writes DIR/results.jsonl and DIR/report.md.
// Each task leaves DIR/status/task-K.exit with its exit code: failures are found from those files,
// whatever accounting the cluster keeps (sacct needs slurmdbd; scontrol forgets finished jobs).

import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { UserError } from "../../errors.js";

export interface SlurmOptions {
  /** Absolute directory for scripts, shards, logs and the merged results. */
  dir: string;
  tasks: number;
  /** `pqtls run` options, without --out, --shard, --resume (the script adds those). */
  runArgs: string[];
  /** The command that starts pqtls on a compute node (words). */
  pqtls: string[];
  /** Working directory of the jobs, so relative paths in runArgs mean what they meant here. */
  workdir: string;
  partition?: string;
  time?: string;
  /** CPUs per task; without it each task takes a whole node (--exclusive). */
  cpus?: number;
}

export interface SlurmJobs {
  run: string;
  merge: string;
  /** Tasks of the last submission of run.sbatch (all of them, or a resubmitted subset). */
  tasks: number[];
}

/** Single-quotes a word for bash. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

const words = (ws: string[]) => ws.map(shellQuote).join(" ");

function header(o: SlurmOptions, name: string, log: string): string[] {
  return [
    "#!/bin/bash",
    `# Written by pqtls cluster slurm for: pqtls run ${words(o.runArgs)}`,
    `#SBATCH --job-name=${name}`,
    `#SBATCH --chdir=${shellQuote(o.workdir)}`,
    `#SBATCH --output=${shellQuote(join(o.dir, "logs", log))}`,
    ...(o.partition ? [`#SBATCH --partition=${shellQuote(o.partition)}`] : []),
    ...(o.time ? [`#SBATCH --time=${shellQuote(o.time)}`] : []),
  ];
}

/** DIR/run.sbatch: the array job, one task per shard. */
export function runScript(o: SlurmOptions): string {
  const status = join(o.dir, "status");
  return `${[
    ...header(o, "pqtls-run", "run-%A_%a.log"),
    `#SBATCH --array=0-${o.tasks - 1}`,
    "#SBATCH --nodes=1",
    "#SBATCH --ntasks=1",
    // Timings must not share cores with other jobs: a whole node, or whole cores of it.
    o.cpus ? `#SBATCH --cpus-per-task=${o.cpus}` : "#SBATCH --exclusive",
    "set -uo pipefail",
    "# N is the experiment's, not this submission's: a resubmitted subset (--array=3,7) keeps it.",
    `export PQTLS_SHARDS=${o.tasks}`,
    "k=$SLURM_ARRAY_TASK_ID",
    `out=${shellQuote(o.dir)}/shard-$k.jsonl`,
    `status=${shellQuote(status)}/task-$k.exit`,
    'rm -f "$status"',
    "# A file left by an earlier attempt is completed, not restarted.",
    'resume=(); if [ -s "$out" ]; then resume=(--resume); fi',
    `${words(o.pqtls)} run ${words(o.runArgs)} --shard env --out "$out" --no-report "\${resume[@]}"`,
    "rc=$?",
    'echo "$rc" > "$status"',
    'exit "$rc"',
  ].join("\n")}\n`;
}

/** DIR/merge.sbatch: merge + report, submitted with --dependency=afterok:<run job>. */
export function mergeScript(o: SlurmOptions): string {
  const results = join(o.dir, "results.jsonl");
  const status = join(o.dir, "status", "merge.exit");
  return `${[
    ...header(o, "pqtls-merge", "merge-%j.log"),
    "#SBATCH --nodes=1",
    "#SBATCH --ntasks=1",
    "#SBATCH --cpus-per-task=1",
    "# Submitted with --dependency=afterok:<run job id> (pqtls cluster slurm --submit does that).",
    "set -uo pipefail",
    `merge_status=${shellQuote(status)}`,
    'rm -f "$merge_status"',
    `trap 'echo $? > "$merge_status"' EXIT`,
    "set -e",
    `${words(o.pqtls)} merge -o ${shellQuote(results)} ${shellQuote(o.dir)}/shard-*.jsonl`,
    `${words(o.pqtls)} report ${shellQuote(results)} -o ${shellQuote(join(o.dir, "report.md"))}`,
  ].join("\n")}\n`;
}

/** Refuses a directory that already holds results: tasks of another experiment would resume its shard files. */
export function checkFreshDir(dir: string): void {
  const old = existsSync(dir)
    ? readdirSync(dir).find((f) => /^(shard-\d+|results)\.jsonl$/.test(f))
    : undefined;
  if (old)
    throw new UserError(
      `${dir} already holds ${old}: complete that experiment with --dir ${dir} --resubmit <tasks>, or choose another --dir`,
    );
}

/** Writes both scripts and the directories the jobs write into. */
export function writeSlurmScripts(o: SlurmOptions): { run: string; merge: string } {
  checkFreshDir(o.dir);
  for (const sub of ["logs", "status"]) mkdirSync(join(o.dir, sub), { recursive: true });
  const run = join(o.dir, "run.sbatch");
  const merge = join(o.dir, "merge.sbatch");
  writeFileSync(run, runScript(o), { mode: 0o755 });
  writeFileSync(merge, mergeScript(o), { mode: 0o755 });
  writeFileSync(join(o.dir, "tasks"), `${o.tasks}\n`);
  return { run, merge };
}

/** Runs a Slurm client command; a missing binary or a refusal is a one-line UserError. */
function slurm(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === "ENOENT")
      throw new UserError(`${cmd} not found: is this a Slurm login node (slurm-client)?`);
    const why = (e.stderr ?? "").trim().split("\n")[0] || e.message.split("\n")[0];
    throw new UserError(`${cmd} ${args.join(" ")} failed: ${why}`);
  }
}

/** sbatch --parsable prints "jobid" or "jobid;cluster". */
function sbatch(args: string[]): string {
  return slurm("sbatch", ["--parsable", ...args])
    .trim()
    .split(";")[0];
}

const jobsFile = (dir: string) => join(dir, "jobs.json");

export function readTaskCount(dir: string): number {
  const file = join(dir, "tasks");
  if (!existsSync(file)) throw new UserError(`${dir} has no run.sbatch written by pqtls cluster slurm`);
  return Number(readFileSync(file, "utf8").trim());
}

/** Submits run.sbatch (all tasks, or `only`) and merge.sbatch after it; records the job ids. */
export function submit(dir: string, only?: number[]): SlurmJobs {
  const tasks = only ?? Array.from({ length: readTaskCount(dir) }, (_, k) => k);
  // Exit codes of earlier attempts must not speak for tasks that have not run yet.
  for (const k of tasks) rmSync(join(dir, "status", `task-${k}.exit`), { force: true });
  rmSync(join(dir, "status", "merge.exit"), { force: true });
  const run = sbatch([...(only ? [`--array=${only.join(",")}`] : []), join(dir, "run.sbatch")]);
  const merge = sbatch([`--dependency=afterok:${run}`, join(dir, "merge.sbatch")]);
  const jobs: SlurmJobs = { run, merge, tasks };
  writeFileSync(jobsFile(dir), `${JSON.stringify(jobs)}\n`);
  return jobs;
}

export function readJobs(dir: string): SlurmJobs {
  if (!existsSync(jobsFile(dir))) throw new UserError(`${dir}: nothing submitted yet (no jobs.json)`);
  return JSON.parse(readFileSync(jobsFile(dir), "utf8")) as SlurmJobs;
}

/** Whether Slurm still lists any task of `job` (pending or running). */
function queued(job: string): boolean {
  return slurm("squeue", ["-h", "-j", job, "-o", "%i"]).trim() !== "";
}

/** Tasks 0..N-1 whose last attempt did not exit 0 (or left no exit code: killed, timed out, lost). */
export function failedTasks(dir: string): number[] {
  const failed: number[] = [];
  for (let k = 0; k < readTaskCount(dir); k++) {
    const file = join(dir, "status", `task-${k}.exit`);
    if (!existsSync(file) || readFileSync(file, "utf8").trim() !== "0") failed.push(k);
  }
  return failed;
}

export type WaitOutcome =
  | { ok: true; report: string }
  | { ok: false; failedTasks: number[] }
  | { ok: false; mergeFailed: true; log: string };

/** Polls until the array is done, then the merge; cancels a merge whose dependency can never be met. */
export async function waitFor(dir: string, jobs: SlurmJobs, pollMs: number): Promise<WaitOutcome> {
  const sleep = () => new Promise((r) => setTimeout(r, pollMs));
  while (queued(jobs.run)) await sleep();
  const failed = failedTasks(dir);
  if (failed.length > 0) {
    // afterok can never be satisfied now: the merge would wait forever.
    slurm("scancel", [jobs.merge]);
    return { ok: false, failedTasks: failed };
  }
  while (queued(jobs.merge)) await sleep();
  const status = join(dir, "status", "merge.exit");
  const report = join(dir, "report.md");
  if (existsSync(status) && readFileSync(status, "utf8").trim() === "0" && existsSync(report))
    return { ok: true, report };
  return { ok: false, mergeFailed: true, log: join(dir, "logs", `merge-${jobs.merge}.log`) };
}
