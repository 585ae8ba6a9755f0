// `pqtls cluster slurm` without a cluster: the scripts it writes (array, core isolation, N for
// resubmitted subsets, resume), that bash accepts them, and its one-line refusals. The real cluster
// run is cluster-slurm.test.ts.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const here = dirname(fileURLToPath(import.meta.url));
const bin = join(here, "..", "dist", "cli", "main.js");
const root = mkdtempSync(join(tmpdir(), "pqtls-sbatch-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function pqtls(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: "utf8", timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const RUN = ["--preset", "quick", "--samples", "4"];

describe("pqtls cluster slurm scripts", () => {
  it("writes an array job of N tasks on whole nodes and an afterok merge job", () => {
    const dir = join(root, "a");
    const r = pqtls(
      "cluster",
      "slurm",
      ...RUN,
      "--tasks",
      "3",
      "--dir",
      dir,
      "--partition",
      "lab",
      "--time",
      "2:00:00",
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`sbatch --dependency=afterok:$j ${dir}/merge.sbatch`);
    const run = readFileSync(join(dir, "run.sbatch"), "utf8");
    expect(run).toMatch(/^#SBATCH --array=0-2$/m);
    expect(run).toMatch(/^#SBATCH --exclusive$/m);
    expect(run).toMatch(/^#SBATCH --partition=lab$/m);
    expect(run).toMatch(/^#SBATCH --time=2:00:00$/m);
    expect(run).toMatch(/^export PQTLS_SHARDS=3$/m);
    expect(run).toMatch(
      / run --preset quick --samples 4 --shard env --out "\$out" --no-report "\$\{resume\[@\]\}"$/m,
    );
    const merge = readFileSync(join(dir, "merge.sbatch"), "utf8");
    expect(merge).toMatch(/ merge -o \S+\/results\.jsonl \S+\/shard-\*\.jsonl$/m);
    expect(merge).toMatch(/ report \S+\/results\.jsonl -o \S+\/report\.md$/m);
    for (const f of ["run.sbatch", "merge.sbatch"])
      expect(spawnSync("bash", ["-n", join(dir, f)]).status, `${f} is valid bash`).toBe(0);
  });

  it("takes CPUs per task instead of whole nodes with --cpus", () => {
    const dir = join(root, "b");
    expect(pqtls("cluster", "slurm", ...RUN, "--tasks", "2", "--cpus", "4", "--dir", dir).code).toBe(0);
    const run = readFileSync(join(dir, "run.sbatch"), "utf8");
    expect(run).toMatch(/^#SBATCH --cpus-per-task=4$/m);
    expect(run).not.toMatch(/--exclusive/);
  });

  it("refuses in one line: a directory holding results, --wait without --submit, run flags it sets, no --tasks", () => {
    const dir = join(root, "c");
    expect(pqtls("cluster", "slurm", ...RUN, "--tasks", "2", "--dir", dir).code).toBe(0);
    writeFileSync(join(dir, "shard-1.jsonl"), "{}\n");
    const cases: [string[], RegExp][] = [
      [
        [...RUN, "--tasks", "2", "--dir", dir],
        /already holds shard-1\.jsonl: complete that experiment with --dir .* --resubmit <tasks>, or choose another --dir$/,
      ],
      [[...RUN, "--tasks", "2", "--dir", join(root, "d"), "--wait"], /--wait needs --submit$/],
      [
        [...RUN, "--tasks", "2", "--dir", join(root, "d"), "--out", "x"],
        /--out is set by pqtls cluster for each shard; leave it out$/,
      ],
      [[...RUN, "--dir", join(root, "d")], /--tasks N is required/],
      [
        ["--dir", join(root, "nothing"), "--resubmit", "1"],
        /has no run\.sbatch written by pqtls cluster slurm$/,
      ],
      [["--dir", dir, "--resubmit", "5"], /--resubmit: task 5 is not one of 0\.\.1$/],
    ];
    for (const [args, message] of cases) {
      const r = pqtls("cluster", "slurm", ...args);
      expect(r.code, args.join(" ")).not.toBe(0);
      const lines = r.stderr.trim().split("\n");
      expect(lines, args.join(" ")).toHaveLength(1);
      expect(lines[0]).toMatch(message);
    }
  });
});
