// `pqtls cluster slurm` on a real one-node Slurm cluster (test/slurm-cluster.ts): the array's shards
// run, the merge job merges them, and the merged file holds every (cell, sample) of the unsharded plan
// exactly once, with its report. One task is cancelled mid-run (scancel): --wait finds it, and
// resubmitting just it resumes its file to completion. No namespace of the shards is left behind.
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { shardConfig } from "../src/bench/synthetic-shards.js";
import { runTag } from "../src/net/names.js";
import { buildPlan } from "../src/run/plan.js";
import { partitionPlan } from "../src/run/shard.js";
import { SlurmCluster, slurmUnavailable } from "./slurm-cluster.js";

const here = dirname(fileURLToPath(import.meta.url));
const bin = join(here, "..", "dist", "cli", "main.js");
const why = slurmUnavailable();
if (why) console.warn(`cluster-slurm: skipped: ${why}`);

const TASKS = 4;
const RUN_ARGS = ["--preset", "quick", "--samples", "4"];

function lines(file: string): string[] {
  return existsSync(file) ? readFileSync(file, "utf8").split("\n").filter(Boolean) : [];
}

function pqtls(cluster: SlurmCluster, args: string[], onTick?: () => void) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { env: cluster.env, cwd: cluster.dir });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const tick = onTick ? setInterval(onTick, 200) : null;
    child.on("exit", (code) => {
      if (tick) clearInterval(tick);
      resolve({ code, stdout, stderr });
    });
  });
}

describe.skipIf(why !== null)("pqtls cluster slurm on a one-node cluster", () => {
  let cluster: SlurmCluster;
  beforeAll(async () => {
    cluster = await SlurmCluster.start();
  }, 120_000);
  let passed = false;
  afterAll(async () => {
    await cluster?.stop();
    // A failed run keeps the cluster's directory (slurm.conf, daemon and task logs) for a look.
    if (passed) cluster?.remove();
    else if (cluster) console.warn(`cluster-slurm: logs kept in ${cluster.dir}`);
  }, 180_000);

  it("runs every shard, finds a failed task, and completes it by resubmitting it", async () => {
    const dir = join(cluster.dir, "exp");
    const plan = buildPlan(shardConfig("quick", { samples: 4 }));
    // The task to cancel: the shard with the most work, so there is time to catch it mid-run.
    const partition = partitionPlan(plan, TASKS);
    const rowsOf = (k: number) =>
      partition[k].reduce((s, p) => s + p.group.cells.length * (p.toRound - p.fromRound), 0);
    const victim = [...partition.keys()].sort((a, b) => rowsOf(b) - rowsOf(a))[0];
    const victimFile = join(dir, `shard-${victim}.jsonl`);
    let cancelled = false;
    const first = await pqtls(
      cluster,
      [
        "cluster",
        "slurm",
        ...RUN_ARGS,
        "--tasks",
        String(TASKS),
        "--dir",
        dir,
        "--submit",
        "--wait",
        "--poll",
        "1",
      ],
      () => {
        // Cancel the task once it has recorded its first sample (a meta line and a row).
        if (cancelled || lines(victimFile).length < 2) return;
        cancelled = true;
        const { run } = JSON.parse(readFileSync(join(dir, "jobs.json"), "utf8"));
        cluster.client("scancel", [`${run}_${victim}`]);
      },
    );
    expect(cancelled, first.stderr).toBe(true);
    expect(first.code).not.toBe(0);
    expect(first.stdout).toMatch(/submitted run job \d+ \(4 tasks\) and merge job \d+ \(afterok\)/);
    const last = first.stderr.trim().split("\n").pop() ?? "";
    expect(last).toContain(`task(s) failed (${victim})`);
    expect(last).toContain(`--resubmit ${victim} --wait`);
    expect(last).toContain(`sbatch --array=${victim} ${dir}/run.sbatch`);
    const partial = lines(victimFile).length - 1;
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(rowsOf(victim));
    expect(existsSync(join(dir, "report.md"))).toBe(false);

    const second = await pqtls(cluster, [
      "cluster",
      "slurm",
      "--dir",
      dir,
      "--resubmit",
      String(victim),
      "--wait",
      "--poll",
      "1",
    ]);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toContain(`report: ${join(dir, "report.md")}`);
    // The resubmitted task resumed its file: the shard kept its run id and recorded each sample once.
    const [victimMeta, ...victimRows] = lines(victimFile).map((l) => JSON.parse(l));
    expect(victimRows).toHaveLength(rowsOf(victim));
    expect(new Set(victimRows.map((r: { run: string }) => r.run))).toEqual(new Set([victimMeta.run]));

    const [meta, ...rows] = lines(join(dir, "results.jsonl")).map((l) => JSON.parse(l));
    expect(meta.shards).toHaveLength(partition.filter((p) => p.length > 0).length);
    const keys = rows.map((r: { cell: string; sample: number }) => `${r.cell}#${r.sample}`);
    const expected = plan.cells.flatMap((c) =>
      Array.from({ length: plan.samples }, (_, s) => `${c.id}#${s}`),
    );
    expect(keys.length).toBe(expected.length);
    expect(new Set(keys)).toEqual(new Set(expected));
    expect(readFileSync(join(dir, "report.md"), "utf8")).toMatch(/## Shards/);

    // No namespace of any shard is left.
    const tags = meta.shards.map((m: { run: string }) => runTag(m.run));
    const { execFileSync } = await import("node:child_process");
    const left = execFileSync("ip", ["netns", "list"], { encoding: "utf8" })
      .split("\n")
      .filter((n) => tags.some((t: string) => n.startsWith(`pqtls-${t}-`)));
    expect(left).toEqual([]);
    passed = true;
  }, 600_000);
});
