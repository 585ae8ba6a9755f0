// `pqtls cluster slurm|k8s [run options] --tasks N ...`: one experiment as N shards on an existing
// engine — Slurm job arrays or Kubernetes Indexed Jobs — with no coordinator of our own. Options this
// command does not know are `pqtls run` options, passed to every shard; they are checked here first by
// planning shard 0 (`pqtls run ... --dry-run`), so a typo fails now and not on the cluster.
// The scripts and manifests are run/cluster/slurm.ts and run/cluster/k8s.ts.

import { spawnSync } from "node:child_process";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { type Command, InvalidArgumentError } from "commander";
import { stringify } from "yaml";
import { UserError } from "../errors.js";

/** run options the cluster sets itself for each shard. */
const OWN_RUN_FLAGS = ["--out", "--shard", "--resume", "--dry-run", "--report", "--no-report"];

const BIN = fileURLToPath(new URL("../../bin/pqtls.js", import.meta.url));

function positive(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${name} must be a whole number >= 1`);
    return n;
  };
}

function taskList(value: string): number[] {
  if (!/^\d+(,\d+)*$/.test(value)) throw new InvalidArgumentError("expected task ids like 1,3,7");
  return value.split(",").map(Number);
}

/** Checks the run options by planning shard 0 of N; returns the dry run's first lines. */
export function checkRunArgs(runArgs: string[], tasks: number): string {
  for (const a of runArgs) {
    const flag = a.split("=")[0];
    if (OWN_RUN_FLAGS.includes(flag))
      throw new UserError(`${flag} is set by pqtls cluster for each shard; leave it out`);
  }
  const r = spawnSync(process.execPath, [BIN, "run", ...runArgs, "--shard", `0/${tasks}`, "--dry-run"], {
    encoding: "utf8",
  });
  if (r.status !== 0) {
    const why = (r.stderr || r.stdout || "")
      .trim()
      .split("\n")[0]
      .replace(/^pqtls: /, "");
    throw new UserError(`run options: ${why}`);
  }
  return r.stdout.split("\n").slice(0, 4).join("\n");
}

interface SlurmFlags {
  tasks?: number;
  dir: string;
  partition?: string;
  time?: string;
  cpus?: number;
  submit?: boolean;
  wait?: boolean;
  resubmit?: number[];
  poll: number;
}

async function slurmCommand(runArgs: string[], flags: SlurmFlags): Promise<void> {
  const slurm = await import("../run/cluster/slurm.js");
  const dir = resolve(flags.dir);
  let jobs: Awaited<ReturnType<typeof slurm.submit>> | null = null;
  if (flags.resubmit) {
    if (runArgs.length > 0 || flags.tasks)
      throw new UserError("--resubmit reuses DIR's scripts: give only --dir (and --wait)");
    const n = slurm.readTaskCount(dir);
    const bad = flags.resubmit.find((k) => k >= n);
    if (bad !== undefined) throw new UserError(`--resubmit: task ${bad} is not one of 0..${n - 1}`);
    jobs = slurm.submit(dir, flags.resubmit);
    process.stdout.write(
      `resubmitted task(s) ${flags.resubmit.join(",")}: run job ${jobs.run}, merge job ${jobs.merge}\n`,
    );
  } else {
    if (!flags.tasks) throw new UserError("--tasks N is required (the number of shards)");
    if (flags.wait && !flags.submit) throw new UserError("--wait needs --submit");
    slurm.checkFreshDir(dir);
    process.stderr.write(`${checkRunArgs(runArgs, flags.tasks)}\n`);
    const written = slurm.writeSlurmScripts({
      dir,
      tasks: flags.tasks,
      runArgs,
      pqtls: [process.execPath, BIN],
      workdir: process.cwd(),
      partition: flags.partition,
      time: flags.time,
      cpus: flags.cpus,
    });
    process.stdout.write(`wrote ${written.run} (array 0-${flags.tasks - 1}) and ${written.merge}\n`);
    if (!flags.submit) {
      process.stdout.write(
        `submit: j=$(sbatch --parsable ${written.run}) && sbatch --dependency=afterok:$j ${written.merge}\n`,
      );
      return;
    }
    jobs = slurm.submit(dir);
    process.stdout.write(
      `submitted run job ${jobs.run} (${flags.tasks} tasks) and merge job ${jobs.merge} (afterok)\n`,
    );
  }
  if (!flags.wait) return;
  const outcome = await slurm.waitFor(dir, jobs, flags.poll * 1000);
  if (outcome.ok) {
    process.stdout.write(`report: ${outcome.report}\n`);
    return;
  }
  if ("failedTasks" in outcome) {
    const ids = outcome.failedTasks.join(",");
    for (const k of outcome.failedTasks)
      process.stderr.write(`failed: task ${k} (log: ${dir}/logs/run-*_${k}.log)\n`);
    throw new UserError(
      `${outcome.failedTasks.length} task(s) failed (${ids}); merge job ${jobs.merge} cancelled. Resubmit just them (resume completes their files): pqtls cluster slurm --dir ${dir} --resubmit ${ids} --wait  (or sbatch --array=${ids} ${dir}/run.sbatch, then sbatch --dependency=afterok:<that job> ${dir}/merge.sbatch)`,
    );
  }
  throw new UserError(`the merge job ${jobs.merge} failed: see ${outcome.log}`);
}

interface K8sFlags {
  tasks: number;
  image: string;
  namespace: string;
  parallelism?: number;
  name: string;
  cpus: number;
  storage: string;
}

async function k8sCommand(runArgs: string[], flags: K8sFlags): Promise<void> {
  const { k8sManifests } = await import("../run/cluster/k8s.js");
  process.stderr.write(`${checkRunArgs(runArgs, flags.tasks)}\n`);
  if (!/^[a-z0-9]([-a-z0-9]{0,40}[a-z0-9])?$/.test(flags.name))
    throw new UserError("--name must be a DNS label (lowercase letters, digits, '-'; at most 42 characters)");
  const manifests = k8sManifests({
    tasks: flags.tasks,
    image: flags.image,
    namespace: flags.namespace,
    parallelism: flags.parallelism ?? flags.tasks,
    runArgs,
    name: flags.name,
    cpus: flags.cpus,
    storage: flags.storage,
    mergeDeadline: 7 * 24 * 3600,
  });
  const header = [
    `# pqtls cluster k8s: ${flags.tasks} shards of: pqtls run ${runArgs.join(" ")}`,
    "# Apply with kubectl apply -f -. The cluster must allow privileged pods (network namespaces, veth,",
    "# tc and TUN need NET_ADMIN + SYS_ADMIN), hostPath /dev/net/tun and /lib/modules, and a",
    "# ReadWriteMany storage class; node kernels need sch_netem (--link netem) or /dev/net/tun (--link tun).",
    "# See packages/harness/README.md, Running at scale.",
  ].join("\n");
  process.stdout.write(`${header}\n${manifests.map((m) => stringify(m, { lineWidth: 0 })).join("---\n")}`);
}

export function register(program: Command): void {
  const cluster = program
    .command("cluster")
    .description("run one experiment as shards on Slurm job arrays or Kubernetes Indexed Jobs");
  cluster
    .command("slurm")
    .description(
      "write DIR/run.sbatch (an array job, one shard per task) and DIR/merge.sbatch (afterok: merge + report); other options are pqtls run options",
    )
    .option("--tasks <n>", "number of shards (array tasks 0..N-1)", positive("--tasks"))
    .requiredOption(
      "--dir <dir>",
      "directory for the scripts, shard files, logs, results.jsonl and report.md",
    )
    .option("--partition <p>", "Slurm partition")
    .option("--time <t>", "time limit per task (Slurm syntax, e.g. 4:00:00)")
    .option("--cpus <c>", "CPUs per task instead of a whole node (--exclusive)", positive("--cpus"))
    .option("--submit", "submit both jobs with sbatch and print their ids")
    .option("--wait", "with --submit: wait for both jobs; print the report's path, or the failed tasks")
    .option("--resubmit <ids>", "resubmit these tasks of DIR's array (and a new merge job)", taskList)
    .option("--poll <s>", "seconds between squeue polls while waiting", positive("--poll"), 5)
    .allowUnknownOption()
    .allowExcessArguments()
    .action(async (flags: SlurmFlags, cmd: Command) => {
      await slurmCommand(cmd.args, flags);
    });
  cluster
    .command("k8s")
    .description(
      "print a results claim, an Indexed Job (one shard per index) and a merge Job as YAML; other options are pqtls run options",
    )
    .requiredOption("--tasks <n>", "number of shards (completions)", positive("--tasks"))
    .requiredOption("--image <image>", "container image with pqtls (see packages/harness/Containerfile)")
    .option("--namespace <ns>", "Kubernetes namespace", "default")
    .option("--parallelism <p>", "pods running at once (default: --tasks)", positive("--parallelism"))
    .option("--name <name>", "name prefix of the Jobs and the claim", "pqtls")
    .option("--cpus <c>", "whole CPUs per shard pod (requests = limits)", positive("--cpus"), 2)
    .option("--storage <size>", "size of the results claim (ReadWriteMany)", "10Gi")
    .allowUnknownOption()
    .allowExcessArguments()
    .action(async (flags: K8sFlags, cmd: Command) => {
      await k8sCommand(cmd.args, flags);
    });
}
