// `pqtls merge`: shards of one plan become one file holding every (cell, sample) once; mixed plans,
// duplicates and gaps are refused with one line each; --allow-partial merges what there is; the
// report reads the merged file and the shard files directly, and shows the shards' hosts.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { shardConfig, shardText, writeShards } from "../src/bench/synthetic-shards.js";
import { buildPlan } from "../src/run/plan.js";

const here = dirname(fileURLToPath(import.meta.url));
const bin = join(here, "..", "dist", "cli", "main.js");
const dir = mkdtempSync(join(tmpdir(), "pqtls-merge-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function pqtls(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: "utf8", timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The last stderr line: the one-line error. */
const errorLine = (stderr: string) => stderr.trim().split("\n").pop() ?? "";

const config = shardConfig("quick", { samples: 4 });
const plan = buildPlan(config);

describe("pqtls merge", () => {
  it("merges every (cell, sample) of the plan exactly once, keeping each shard's meta", () => {
    const sub = mkdtempSync(join(dir, "ok-"));
    const files = writeShards(sub, config, 3);
    const out = join(sub, "merged.jsonl");
    const r = pqtls("merge", "-o", out, ...files.reverse());
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const lines = readFileSync(out, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    const [meta, ...rows] = lines;
    expect(meta.type).toBe("meta");
    expect(meta.shard).toBeUndefined();
    expect(meta.shards.map((m: { shard: { index: number } }) => m.shard.index)).toEqual([0, 1, 2]);
    expect(meta.shards.map((m: { shard: { host: string } }) => m.shard.host)).toEqual([
      "node-0",
      "node-1",
      "node-0",
    ]);
    const keys = rows.map((x: { cell: string; sample: number }) => `${x.cell}#${x.sample}`);
    expect(new Set(keys).size).toBe(keys.length);
    const expected = plan.cells.flatMap((c) =>
      Array.from({ length: plan.samples }, (_, s) => `${c.id}#${s}`),
    );
    expect(keys.sort()).toEqual(expected.sort());
    for (const row of rows) {
      expect(row.run).toBe(meta.run);
      expect(meta.shards[row.shard].run).toBeDefined();
    }
    // The report reads the merged file, and shows the shards and their hosts.
    const report = join(sub, "report.md");
    const rep = pqtls("report", out, "-o", report);
    expect(rep.code, rep.stderr).toBe(0);
    const md = readFileSync(report, "utf8");
    expect(md).toMatch(/## Shards/);
    expect(md).toContain("node-1");
  });

  it("notes shards on different kernels or link backends in the report", () => {
    const sub = mkdtempSync(join(dir, "kernels-"));
    const files = writeShards(sub, config, 3);
    const [meta, ...rest] = readFileSync(files[2], "utf8").split("\n");
    writeFileSync(
      files[2],
      [JSON.stringify({ ...JSON.parse(meta), kernel: "6.12.0-other" }), ...rest].join("\n"),
    );
    const out = join(sub, "merged.jsonl");
    expect(pqtls("merge", "-o", out, ...files).code).toBe(0);
    const r = pqtls("report", out, "-o", join(sub, "report.md"));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(
      /note: mixed kernels across shards \(6\.1\.0-test: shard 0,1; 6\.12\.0-other: shard 2\)/,
    );
    const md = readFileSync(join(sub, "report.md"), "utf8");
    expect(md).toMatch(/\*\*Note:\*\* mixed kernels across shards/);
    expect(md).not.toMatch(/mixed link backends/);
  });

  it("lets pqtls report take the shard files directly", () => {
    const sub = mkdtempSync(join(dir, "direct-"));
    const files = writeShards(sub, config, 2);
    const report = join(sub, "report.md");
    const r = pqtls("report", ...files, "-o", report);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(report, "utf8")).toMatch(/## Shards/);
  });

  it("refuses shards of different plans", () => {
    const sub = mkdtempSync(join(dir, "mixed-"));
    const a = join(sub, "a.jsonl");
    const b = join(sub, "b.jsonl");
    writeFileSync(a, shardText(config, 0, 2));
    writeFileSync(b, shardText(shardConfig("quick", { samples: 5 }), 1, 2));
    const r = pqtls("merge", "-o", join(sub, "m.jsonl"), a, b);
    expect(r.code).not.toBe(0);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(errorLine(r.stderr)).toMatch(
      /^pqtls: merge: .*a\.jsonl is shard 0\/2 of plan \w+ but .*b\.jsonl is shard 1\/2 of plan \w+: not one experiment$/,
    );
  });

  it("refuses shards whose configs differ though their plans agree", () => {
    const sub = mkdtempSync(join(dir, "config-"));
    const [a, b] = writeShards(sub, config, 2);
    const other = shardText(shardConfig("quick", { samples: 4, timeout: "20s" }), 1, 2);
    writeFileSync(b, other);
    const r = pqtls("merge", "-o", join(sub, "m.jsonl"), a, b);
    expect(r.code).not.toBe(0);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(errorLine(r.stderr)).toMatch(/differ in config \(timeout_ms\): not one experiment$/);
  });

  it("refuses a duplicate (cell, sample), naming both places", () => {
    const sub = mkdtempSync(join(dir, "dup-"));
    const [a, b] = writeShards(sub, config, 2);
    const rowOfA = readFileSync(a, "utf8").split("\n")[1];
    writeFileSync(b, `${readFileSync(b, "utf8")}${rowOfA}\n`);
    const r = pqtls("merge", "-o", join(sub, "m.jsonl"), a, b);
    expect(r.code).not.toBe(0);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(errorLine(r.stderr)).toMatch(
      /duplicate sample \d+ of cell .*: .*shard-0\.jsonl line 2 and .*shard-1\.jsonl line \d+$/,
    );
    // The same shard given twice is refused before its rows are compared.
    const twice = pqtls("merge", "-o", join(sub, "m.jsonl"), a, a);
    expect(errorLine(twice.stderr)).toMatch(/are both shard 0; give each shard once$/);
  });

  it("lists missing units and exits non-zero unless --allow-partial", () => {
    const sub = mkdtempSync(join(dir, "gap-"));
    const files = writeShards(sub, config, 4);
    const present = [files[0], files[2]];
    const out = join(sub, "m.jsonl");
    const r = pqtls("merge", "-o", out, ...present);
    expect(r.code).not.toBe(0);
    const lines = r.stderr.trim().split("\n");
    expect(
      lines.slice(0, -1).every((l) => /^missing: shard [13]: rtt=.* rounds \d+-\d+ \(\d+ samples\)$/.test(l)),
    ).toBe(true);
    expect(lines.length).toBeGreaterThan(1);
    const rowsOf = (f: string) => readFileSync(f, "utf8").trim().split("\n").length - 1;
    const absent = rowsOf(files[1]) + rowsOf(files[3]);
    // An empty shard (more shards than the work needs) has nothing to miss.
    const owners = [1, 3].filter((k) => rowsOf(files[k]) > 0).join(",");
    expect(owners).toMatch(/^1/);
    expect(errorLine(r.stderr)).toBe(
      `pqtls: merge: ${absent} of ${plan.connections} samples missing, from shard(s) ${owners} of 4: run them (Slurm: --array=${owners}), or pass --allow-partial`,
    );
    expect(() => readFileSync(out)).toThrow();
    const partial = pqtls("merge", "-o", out, "--allow-partial", ...present);
    expect(partial.code).toBe(0);
    expect(readFileSync(out, "utf8").trim().split("\n")).toHaveLength(1 + plan.connections - absent);
  });

  it("--resume refuses a shard file of another shard or plan, in one line", () => {
    // The refusal comes before any namespace or connection, so --link none and no root are enough.
    const none = shardConfig("quick", { samples: 4, link: "none" });
    const sub = mkdtempSync(join(dir, "resume-"));
    const [a] = writeShards(sub, none, 2);
    const run = (...extra: string[]) =>
      pqtls(
        "run",
        ...["--preset", "quick", "--samples", "4", "--link", "none", "--quiet"],
        "--out",
        a,
        "--resume",
        ...extra,
      );
    const other = run("--shard", "1/2");
    expect(other.code).not.toBe(0);
    expect(other.stderr.trim().split("\n")).toHaveLength(1);
    expect(errorLine(other.stderr)).toMatch(
      /^pqtls: --resume: .* holds shard 0\/2 of plan \w+, not shard 1\/2 of plan \w+$/,
    );
    const unsharded = run();
    expect(errorLine(unsharded.stderr)).toMatch(/holds shard 0\/2 of plan \w+, not an unsharded run$/);
  });

  it("refuses a file that is not a shard, a torn file and an output that is an input", () => {
    const sub = mkdtempSync(join(dir, "bad-"));
    const [a] = writeShards(sub, config, 2);
    const meta = JSON.parse(readFileSync(a, "utf8").split("\n")[0]);
    delete meta.shard;
    const plain = join(sub, "plain.jsonl");
    writeFileSync(plain, `${JSON.stringify(meta)}\n`);
    expect(errorLine(pqtls("merge", "-o", join(sub, "m.jsonl"), plain).stderr)).toMatch(/is not a shard/);
    const torn = join(sub, "torn.jsonl");
    writeFileSync(torn, readFileSync(a, "utf8").slice(0, -10));
    expect(errorLine(pqtls("merge", "-o", join(sub, "m.jsonl"), torn).stderr)).toMatch(/torn line/);
    expect(errorLine(pqtls("merge", "-o", a, a).stderr)).toMatch(/is also an input/);
  });
});
