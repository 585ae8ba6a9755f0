// The shard partition: every (cell, sample) in exactly one shard for N = 1..64 on every preset,
// balanced by estimated duration; the shard from the engines' environment variables; plan hashes.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CliError } from "../src/cli/errors.js";
import { resolveConfig } from "../src/run/config.js";
import { buildPlan, estimateUnitSeconds, type Plan } from "../src/run/plan.js";
import { loadPreset, repoRoot } from "../src/run/presets.js";
import { parseShard, partitionPlan, piecesSeconds, planHash, shardPlan } from "../src/run/shard.js";
import { flags } from "./config-helpers.js";

const PRESETS = readdirSync(join(repoRoot(), "fixtures", "presets"))
  .filter((f) => f.endsWith(".yaml"))
  .map((f) => f.replace(/\.yaml$/, ""));

function presetPlan(name: string, extra: Record<string, unknown> = {}): { plan: Plan; seed: number } {
  const config = resolveConfig([loadPreset(name), flags(extra)], name);
  return { plan: buildPlan(config), seed: config.seed };
}

/** Largest cost of one piece holding a single round (its set-up, warm-ups and that round). */
function maxStep(plan: Plan): number {
  return Math.max(
    ...plan.groups.map((group) => estimateUnitSeconds({ group, fromRound: 0, toRound: 1 }, plan.warmups)),
  );
}

describe("shard partition", () => {
  it("finds the presets", () => {
    expect(PRESETS).toContain("quick");
    expect(PRESETS).toContain("ttlb-increase");
  });

  for (const name of PRESETS) {
    it(`${name}: every (cell, sample) in exactly one shard for N = 1..64, longest within ideal + 2 pieces`, () => {
      const { plan } = presetPlan(name);
      const unsharded = piecesSeconds(plan.units, plan.warmups);
      for (let n = 1; n <= 64; n++) {
        const partition = partitionPlan(plan, n);
        expect(partition.length).toBe(n);
        // Pieces hold whole groups' rounds, so (cell, sample) coverage is (group, round) coverage:
        // per group, the pieces' round ranges, sorted, must tile 0..samples with no gap or overlap.
        const ranges = new Map<string, [number, number][]>();
        for (const pieces of partition)
          for (const p of pieces) {
            expect(p.toRound).toBeGreaterThan(p.fromRound);
            ranges.set(p.group.key, [...(ranges.get(p.group.key) ?? []), [p.fromRound, p.toRound]]);
          }
        expect([...ranges.keys()].sort()).toEqual(plan.groups.map((g) => g.key).sort());
        for (const [key, list] of ranges) {
          list.sort((a, b) => a[0] - b[0]);
          let next = 0;
          for (const [from, to] of list) {
            expect(from, `${key}: rounds ${next}..${from - 1} missing or overlapping`).toBe(next);
            next = to;
          }
          expect(next).toBe(plan.samples);
        }
        // The stated spread: the longest shard is at most the ideal (the unsharded lane-seconds / N)
        // plus two single-round pieces (the granularity of a round and the set-up a split adds).
        const ideal = unsharded / n;
        const longest = Math.max(...partition.map((p) => piecesSeconds(p, plan.warmups)));
        expect(longest).toBeLessThanOrEqual(ideal + 2 * maxStep(plan));
      }
    });
  }

  it("balances by estimated duration, not by count", () => {
    // ttlb-increase mixes cheap lossless links with slow lossy ones: equal sample counts would not be equal time.
    const { plan } = presetPlan("ttlb-increase", { samples: 200 });
    const partition = partitionPlan(plan, 8);
    const seconds = partition.map((p) => piecesSeconds(p, plan.warmups));
    const counts = partition.map((p) =>
      p.reduce((s, u) => s + u.group.cells.length * (u.toRound - u.fromRound), 0),
    );
    expect(Math.max(...seconds) / Math.min(...seconds)).toBeLessThan(1.1);
    expect(Math.max(...counts) / Math.min(...counts)).toBeGreaterThan(1.5);
  });

  it("is deterministic and independent of lanes", () => {
    const a = presetPlan("quick", { lanes: 1 });
    const b = presetPlan("quick", { lanes: 4 });
    const show = (plan: Plan) =>
      partitionPlan(plan, 5).map((ps) => ps.map((p) => `${p.group.key}:${p.fromRound}-${p.toRound}`));
    expect(show(b.plan)).toEqual(show(a.plan));
    expect(planHash(a.plan, a.seed)).toBe(planHash(b.plan, b.seed));
    const c = presetPlan("quick", { samples: 11 });
    expect(planHash(c.plan, c.seed)).not.toBe(planHash(a.plan, a.seed));
    const d = presetPlan("quick", { seed: 2 });
    expect(planHash(d.plan, d.seed)).not.toBe(planHash(a.plan, a.seed));
  });

  it("a shard's plan runs only its samples, split over its lanes", () => {
    const { plan } = presetPlan("quick", { samples: 4 });
    let total = 0;
    for (let k = 0; k < 4; k++) {
      const sp = shardPlan(plan, { index: k, count: 4 }, 2);
      total += sp.connections;
      const pieces = partitionPlan(plan, 4)[k];
      const own = pieces.reduce((s, p) => s + p.group.cells.length * (p.toRound - p.fromRound), 0);
      expect(sp.connections).toBe(own);
      if (own > 0)
        expect(sp.units.length).toBeGreaterThanOrEqual(Math.min(2, own / plan.groups[0].cells.length));
    }
    expect(total).toBe(plan.connections);
    // More shards than rounds: the ones past the work are empty.
    const empty = shardPlan(plan, { index: 63, count: 64 }, 1);
    expect(empty.units).toEqual([]);
    expect(empty.connections).toBe(0);
  });
});

describe("--shard", () => {
  const refused = (text: string, env: NodeJS.ProcessEnv = {}): string => {
    try {
      parseShard(text, env);
    } catch (err) {
      expect(err).toBeInstanceOf(CliError);
      expect((err as Error).message).not.toContain("\n");
      return (err as Error).message;
    }
    throw new Error(`expected --shard ${text} to be refused`);
  };

  it("takes K/N", () => {
    expect(parseShard("0/1")).toEqual({ index: 0, count: 1 });
    expect(parseShard("7/8")).toEqual({ index: 7, count: 8 });
    expect(refused("8/8")).toMatch(/0\.\.7/);
    expect(refused("1/0")).toMatch(/1\.\./);
    expect(refused("a/b")).toMatch(/K\/N/);
    expect(refused("-1/4")).toMatch(/K\/N/);
  });

  it("maps Slurm array tasks to shards", () => {
    expect(parseShard("env", { SLURM_ARRAY_TASK_ID: "3", SLURM_ARRAY_TASK_COUNT: "4" })).toEqual({
      index: 3,
      count: 4,
    });
    expect(
      parseShard("env", { SLURM_ARRAY_TASK_ID: "2", SLURM_ARRAY_TASK_MIN: "0", SLURM_ARRAY_TASK_MAX: "9" }),
    ).toEqual({ index: 2, count: 10 });
    // A resubmitted subset (--array=2,5 has a task count of 2): PQTLS_SHARDS keeps the experiment's N.
    expect(
      parseShard("env", { SLURM_ARRAY_TASK_ID: "5", SLURM_ARRAY_TASK_COUNT: "2", PQTLS_SHARDS: "8" }),
    ).toEqual({ index: 5, count: 8 });
    expect(refused("env", { SLURM_ARRAY_TASK_ID: "5", SLURM_ARRAY_TASK_COUNT: "2" })).toMatch(
      /SLURM_ARRAY_TASK_ID must be a shard index 0\.\.1/,
    );
  });

  it("maps Kubernetes completion indexes to shards", () => {
    for (let i = 0; i < 6; i++)
      expect(parseShard("env", { JOB_COMPLETION_INDEX: String(i), PQTLS_SHARDS: "6" })).toEqual({
        index: i,
        count: 6,
      });
    expect(refused("env", { JOB_COMPLETION_INDEX: "6", PQTLS_SHARDS: "6" })).toMatch(/JOB_COMPLETION_INDEX/);
    expect(refused("env", { JOB_COMPLETION_INDEX: "1" })).toMatch(/PQTLS_SHARDS/);
    expect(refused("env", {})).toMatch(/neither SLURM_ARRAY_TASK_ID nor JOB_COMPLETION_INDEX/);
  });
});
