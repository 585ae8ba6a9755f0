// Shards → one results file, exactly as if one machine had run the plan. The shards must come from
// one experiment (same plan hash, same config, same N); every (cell, sample) may appear once; the
// plan, rebuilt from the recorded config, says what is missing and which shard owns it. The merged
// meta line keeps every shard's meta line (hosts, versions, kernels, link backends); rows take the
// merged run id and say which shard recorded them.

import { readFileSync } from "node:fs";
import { differingKeys, type MetaLine, type Row } from "@pqtls/report";
import { UserError } from "../errors.js";
import type { RunConfig } from "./config.js";
import { buildPlan, type Plan } from "./plan.js";
import { partitionPlan, planHash } from "./shard.js";

export interface ShardFile {
  file: string;
  meta: MetaLine;
  /** The row lines as written, parsed once, by the merge (a few objects at a time, not all of them). */
  rowLines: string[];
}

/** A range of one link group's rounds that no input holds, and the shard that should have. */
export interface MissingUnit {
  shard: number;
  group: string;
  fromRound: number;
  toRound: number;
  /** (cell, sample) pairs missing in the range. */
  samples: number;
}

export interface MergeResult {
  meta: MetaLine;
  /** Merged row lines (JSON, no newline), in shard order: run = the merged run id, plus `shard`. */
  rowLines: string[];
  missing: MissingUnit[];
  /** Recorded (cell, sample) pairs the plan has. */
  expected: number;
}

/** Reads a shard file: a meta line, then rows. A torn or unreadable line is an error naming it. */
export function readShardFile(file: string): ShardFile {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new UserError(`merge: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? err}`);
  }
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  else if (lines.length > 0)
    throw new UserError(
      `merge: ${file} ends in a torn line (an interrupted run): complete it with --resume first`,
    );
  if (lines.length === 0) throw new UserError(`merge: ${file} is empty (no meta line)`);
  let meta: MetaLine;
  try {
    meta = JSON.parse(lines[0]);
  } catch {
    throw new UserError(`merge: ${file} line 1 is not JSON; the file is damaged`);
  }
  if (meta?.type !== "meta") throw new UserError(`merge: ${file} does not start with a meta line`);
  return { file, meta, rowLines: lines.slice(1) };
}

/** Refuses inputs that are not shards of one experiment; returns them in shard order. */
function checkOneExperiment(inputs: ShardFile[]): ShardFile[] {
  if (inputs.length === 0) throw new UserError("merge: no input files");
  for (const f of inputs)
    if (!f.meta.shard)
      throw new UserError(
        `merge: ${f.file} is not a shard (its meta line has no shard; written without --shard)`,
      );
  const ref = inputs[0];
  const a = ref.meta.shard!;
  for (const f of inputs.slice(1)) {
    const b = f.meta.shard!;
    if (b.plan_hash !== a.plan_hash || b.count !== a.count)
      throw new UserError(
        `merge: ${ref.file} is shard ${a.index}/${a.count} of plan ${a.plan_hash} but ${f.file} is shard ${b.index}/${b.count} of plan ${b.plan_hash}: not one experiment`,
      );
    const keys = differingKeys(ref.meta.config, f.meta.config);
    if (keys.length > 0)
      throw new UserError(
        `merge: ${ref.file} and ${f.file} differ in config (${keys.join(", ")}): not one experiment`,
      );
  }
  const byIndex = new Map<number, ShardFile>();
  for (const f of inputs) {
    const twin = byIndex.get(f.meta.shard!.index);
    if (twin)
      throw new UserError(
        `merge: ${twin.file} and ${f.file} are both shard ${f.meta.shard!.index}; give each shard once`,
      );
    byIndex.set(f.meta.shard!.index, f);
  }
  return [...inputs].sort((x, y) => x.meta.shard!.index - y.meta.shard!.index);
}

/** The full plan, rebuilt from the recorded config and checked against the shards' plan hash. */
function recordedPlan(ref: ShardFile): Plan {
  const config = ref.meta.config as RunConfig;
  let plan: Plan;
  try {
    plan = buildPlan(config);
  } catch (err) {
    throw new UserError(`merge: the config recorded in ${ref.file} does not plan: ${(err as Error).message}`);
  }
  const hash = planHash(plan, config.seed);
  if (hash !== ref.meta.shard!.plan_hash)
    throw new UserError(
      `merge: ${ref.file} records plan ${ref.meta.shard!.plan_hash} but its config plans ${hash} here (written by another pqtls version?)`,
    );
  return plan;
}

/** Merged run id: "m" + the start of the plan hash (the same plan merges to the same id). */
function mergedRunId(hash: string): string {
  return `m${hash.slice(0, 5)}`;
}

/** Checks and merges shard files; `missing` lists the units no input holds (the caller decides). */
export function mergeShards(inputs: ShardFile[]): MergeResult {
  const shards = checkOneExperiment(inputs);
  const ref = shards[0];
  const plan = recordedPlan(ref);
  const runId = mergedRunId(ref.meta.shard!.plan_hash);
  const cellGroup = new Map<string, string>();
  for (const g of plan.groups) for (const c of g.cells) cellGroup.set(c.id, g.key);

  // Where each (sample, cell) was seen: file index and line, packed in one number.
  const seen = new Map<string, number>();
  const where = (at: number) => `${shards[Math.floor(at / 1e9)].file} line ${at % 1e9}`;
  const rowLines: string[] = [];
  for (const [fi, f] of shards.entries()) {
    const shard = f.meta.shard!.index;
    for (const [i, line] of f.rowLines.entries()) {
      const at = fi * 1e9 + i + 2;
      let r: Row & { shard?: number };
      try {
        r = JSON.parse(line);
      } catch {
        throw new UserError(`merge: ${where(at)} is not JSON; the file is damaged`);
      }
      if (r?.type !== "row" || typeof r.cell !== "string" || !Number.isInteger(r.sample))
        throw new UserError(`merge: ${where(at)} is not a row`);
      if (!cellGroup.has(r.cell) || r.sample < 0 || r.sample >= plan.samples)
        throw new UserError(`merge: ${where(at)}: cell ${r.cell} sample ${r.sample} is not in the plan`);
      const key = `${r.sample}\u0000${r.cell}`;
      const before = seen.get(key);
      if (before !== undefined)
        throw new UserError(
          `merge: duplicate sample ${r.sample} of cell ${r.cell}: ${where(before)} and ${where(at)}`,
        );
      seen.set(key, at);
      r.run = runId;
      r.shard = shard;
      rowLines.push(JSON.stringify(r));
    }
  }

  // Missing: per shard piece and round, the cells without a row; consecutive rounds fold together.
  const missing: MissingUnit[] = [];
  for (const [k, pieces] of partitionPlan(plan, ref.meta.shard!.count).entries())
    for (const p of pieces)
      for (let r = p.fromRound; r < p.toRound; r++) {
        const absent = p.group.cells.filter((c) => !seen.has(`${r}\u0000${c.id}`)).length;
        if (absent === 0) continue;
        const last = missing[missing.length - 1];
        if (last && last.shard === k && last.group === p.group.key && last.toRound === r) {
          last.toRound = r + 1;
          last.samples += absent;
        } else missing.push({ shard: k, group: p.group.key, fromRound: r, toRound: r + 1, samples: absent });
      }

  const meta: MetaLine = {
    ...ref.meta,
    run: runId,
    started_at: shards.map((f) => f.meta.started_at).sort()[0],
    shards: shards.map((f) => f.meta),
  };
  delete meta.shard;
  return { meta, rowLines, missing, expected: plan.connections };
}

/** The merged file's text: the meta line, then the rows in shard order. */
export function mergedText(result: MergeResult): string {
  return `${JSON.stringify(result.meta)}\n${result.rowLines.join("\n")}${result.rowLines.length > 0 ? "\n" : ""}`;
}
