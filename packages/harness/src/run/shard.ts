// One experiment over many machines: a deterministic partition of the plan's work into N shards,
// balanced by estimated duration. The work is each link group's rounds (every cell's sample r is
// round r); a shard holds contiguous round ranges ("pieces") of one or more groups, and each piece
// pays its own set-up and warm-ups, as a lane unit does. Every machine computes the same partition
// from the same config, so no coordinator is needed: shard K runs only its pieces, and
// `pqtls merge` can tell which shard owns a missing sample.

import { createHash } from "node:crypto";
import { hostname } from "node:os";
import type { ShardInfo } from "@pqtls/report";
import { UserError } from "../errors.js";
import { estimateRunSeconds, estimateUnitSeconds, type Group, type Plan, type Unit } from "./plan.js";

/** Shard `index` of `count` (index from 0). */
export interface ShardSpec {
  index: number;
  count: number;
}

/** What a shard's meta line records (MetaLine.shard); plan_hash is planHash() of the full plan. */
export type ShardMeta = ShardInfo;

export const MAX_SHARDS = 100_000;

function shardCount(text: string, from: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1 || n > MAX_SHARDS)
    throw new UserError(`${from} must be a whole number of shards 1..${MAX_SHARDS} (got "${text}")`);
  return n;
}

function shardIndex(text: string, count: number, from: string): number {
  const k = Number(text);
  if (!/^\d+$/.test(text) || k >= count)
    throw new UserError(`${from} must be a shard index 0..${count - 1} (got "${text}")`);
  return k;
}

/**
 * The shard from the engine's environment. Slurm: SLURM_ARRAY_TASK_ID, with N from
 * SLURM_ARRAY_TASK_COUNT or MAX - MIN + 1 (arrays numbered 0..N-1); Kubernetes Indexed Jobs:
 * JOB_COMPLETION_INDEX with PQTLS_SHARDS. PQTLS_SHARDS wins when set, so a resubmitted subset of an
 * array (`--array=3,7`, whose task count is 2) still knows the experiment has N shards.
 */
export function shardFromEnv(env: NodeJS.ProcessEnv): ShardSpec {
  const slurmId = env.SLURM_ARRAY_TASK_ID;
  const k8sId = env.JOB_COMPLETION_INDEX;
  let count: number;
  if (env.PQTLS_SHARDS !== undefined) count = shardCount(env.PQTLS_SHARDS, "PQTLS_SHARDS");
  else if (slurmId !== undefined && env.SLURM_ARRAY_TASK_COUNT !== undefined)
    count = shardCount(env.SLURM_ARRAY_TASK_COUNT, "SLURM_ARRAY_TASK_COUNT");
  else if (slurmId !== undefined && env.SLURM_ARRAY_TASK_MAX !== undefined) {
    const min = Number(env.SLURM_ARRAY_TASK_MIN ?? "0");
    count = shardCount(String(Number(env.SLURM_ARRAY_TASK_MAX) - min + 1), "SLURM_ARRAY_TASK_MAX - MIN + 1");
  } else if (slurmId !== undefined || k8sId !== undefined)
    throw new UserError(
      "--shard env: the number of shards is unknown; set PQTLS_SHARDS (Kubernetes) or run as a Slurm array",
    );
  else
    throw new UserError(
      "--shard env: neither SLURM_ARRAY_TASK_ID nor JOB_COMPLETION_INDEX is set (not a Slurm array task or an Indexed Job pod)",
    );
  if (slurmId !== undefined) return { index: shardIndex(slurmId, count, "SLURM_ARRAY_TASK_ID"), count };
  return { index: shardIndex(k8sId!, count, "JOB_COMPLETION_INDEX"), count };
}

/** `--shard K/N` or `--shard env`. */
export function parseShard(text: string, env: NodeJS.ProcessEnv = process.env): ShardSpec {
  if (text === "env") return shardFromEnv(env);
  const m = /^(\d+)\/(\d+)$/.exec(text);
  if (!m) throw new UserError(`--shard must be K/N (K from 0, e.g. 0/8) or "env" (got "${text}")`);
  const count = shardCount(m[2], "--shard N");
  return { index: shardIndex(m[1], count, "--shard K"), count };
}

/**
 * A hash of the full plan: every cell id in order, samples, warm-ups and the seed (which fixes each
 * round's order). Lanes, timeouts and the shard are not in it: they change where and how fast the
 * plan runs, not what it measures.
 */
export function planHash(plan: Plan, seed: number): string {
  const text = JSON.stringify({
    cells: plan.cells.map((c) => c.id),
    samples: plan.samples,
    warmups: plan.warmups,
    seed,
  });
  return createHash("sha256").update(text).digest("hex").slice(0, 16);
}

export function shardMeta(plan: Plan, seed: number, shard: ShardSpec): ShardMeta {
  return { index: shard.index, count: shard.count, plan_hash: planHash(plan, seed), host: hostname() };
}

/** Estimated lane-seconds of a group: its set-up + warm-ups, and each round. */
function groupCosts(group: Group, warmups: number): { setup: number; round: number } {
  const setup = estimateUnitSeconds({ group, fromRound: 0, toRound: 0 }, warmups);
  return { setup, round: estimateUnitSeconds({ group, fromRound: 0, toRound: 1 }, warmups) - setup };
}

/** Lane-seconds of a list of pieces (what a shard costs on one lane). */
export function piecesSeconds(pieces: Unit[], warmups: number): number {
  return pieces.reduce((s, u) => s + estimateUnitSeconds(u, warmups), 0);
}

/**
 * Fills shards in order with at most `capacity` lane-seconds each (at least one round each, however
 * expensive); returns the shards it needed, or null once it needs more than `limit`.
 */
function fill(
  plan: Plan,
  costs: { setup: number; round: number }[],
  capacity: number,
  limit: number,
): Unit[][] | null {
  const shards: Unit[][] = [];
  let current: Unit[] = [];
  let load = 0;
  for (const [g, group] of plan.groups.entries()) {
    const { setup, round } = costs[g];
    let from = 0;
    while (from < plan.samples) {
      const fits = Math.floor((capacity - load - setup) / round);
      if (fits < 1 && current.length > 0) {
        if (shards.length + 1 >= limit) return null;
        shards.push(current);
        current = [];
        load = 0;
        continue;
      }
      const take = Math.min(plan.samples - from, Math.max(1, fits));
      current.push({ group, fromRound: from, toRound: from + take });
      load += setup + take * round;
      from += take;
    }
  }
  if (current.length > 0) shards.push(current);
  return shards;
}

/**
 * The partition: `count` lists of pieces, every (group, round) in exactly one, the longest shard's
 * estimate as small as contiguous filling allows (a bisection on the capacity). Shards past the work
 * (more shards than rounds) are empty. Depends only on the plan and `count`.
 */
export function partitionPlan(plan: Plan, count: number): Unit[][] {
  if (!Number.isInteger(count) || count < 1) throw new Error(`shard count must be >= 1 (got ${count})`);
  const costs = plan.groups.map((g) => groupCosts(g, plan.warmups));
  // Everything in one shard, with room to spare for rounding.
  let hi = costs.reduce((s, c) => s + c.setup + plan.samples * c.round, 0) * (1 + 1e-9) + 1;
  let lo = 0;
  let best = fill(plan, costs, hi, 1)!;
  for (let i = 0; i < 60 && hi - lo > 1e-6 * hi; i++) {
    const mid = (lo + hi) / 2;
    const shards = fill(plan, costs, mid, count);
    if (shards) {
      best = shards;
      hi = mid;
    } else lo = mid;
  }
  while (best.length < count) best.push([]);
  return best;
}

/**
 * The plan shard `shard` runs: its pieces, each split so its lanes all have work (as buildPlan
 * splits groups), with the counts and estimate of the shard alone.
 */
export function shardPlan(plan: Plan, shard: ShardSpec, lanes: number): Plan {
  const pieces = partitionPlan(plan, shard.count)[shard.index];
  const chunks = Math.max(1, Math.ceil(lanes / Math.max(1, pieces.length)));
  const units: Unit[] = [];
  for (const p of pieces) {
    const n = p.toRound - p.fromRound;
    const k = Math.min(n, chunks);
    for (let c = 0; c < k; c++) {
      const fromRound = p.fromRound + Math.floor((c * n) / k);
      const toRound = p.fromRound + Math.floor(((c + 1) * n) / k);
      if (toRound > fromRound) units.push({ group: p.group, fromRound, toRound });
    }
  }
  const groups = [...new Set(units.map((u) => u.group))];
  const cells = plan.cells.filter((c) => groups.some((g) => g.cells.includes(c)));
  const connections = units.reduce((s, u) => s + u.group.cells.length * (u.toRound - u.fromRound), 0);
  const warmupConnections = units.reduce((s, u) => s + u.group.cells.length * plan.warmups, 0);
  return {
    ...plan,
    cells,
    groups,
    units,
    connections,
    totalConnections: connections + warmupConnections,
    estimatedSeconds:
      units.length > 0 ? estimateRunSeconds(units, lanes, plan.warmups, undefined, plan.packing) : 0,
  };
}

/** The shard that owns sample `sample` of `group` in a partition, or -1. */
export function ownerOf(partition: Unit[][], groupKey: string, sample: number): number {
  return partition.findIndex((pieces) =>
    pieces.some((p) => p.group.key === groupKey && sample >= p.fromRound && sample < p.toRound),
  );
}
