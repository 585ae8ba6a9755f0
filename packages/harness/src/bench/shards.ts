// `npm run bench` in packages/harness: shard balance and merge cost (issue 16).
//  - balance: the ttlb-increase preset at 1000 samples cut into N = 8, 32, 128 shards; the longest
//    shard's estimated lane-seconds against the ideal (the unsharded plan's lane-seconds / N).
//  - merge: synthetic shard files (synthetic-shards.ts) of ttlb-increase, read, checked, merged and
//    written by the same code as `pqtls merge`; milliseconds per 100k rows, median of 3.

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { mergedText, mergeShards, readShardFile } from "../run/merge.js";
import { buildPlan } from "../run/plan.js";
import { partitionPlan, piecesSeconds } from "../run/shard.js";
import { shardConfig, writeShards } from "./synthetic-shards.js";

const hours = (s: number) => `${(s / 3600).toFixed(2)} h`;

function balance(): string[] {
  const plan = buildPlan(shardConfig("ttlb-increase", { samples: 1000 }));
  const total = piecesSeconds(plan.units, plan.warmups);
  const lines = [
    `shard balance: ttlb-increase, 1000 samples, ${plan.cells.length} cells in ${plan.groups.length} link groups, ${plan.connections} connections, ${hours(total)} lane-time estimated`,
    "  N     longest      ideal (total/N)   longest/ideal   shortest    pieces   partition time",
  ];
  for (const n of [8, 32, 128]) {
    const t0 = performance.now();
    const partition = partitionPlan(plan, n);
    const ms = performance.now() - t0;
    const seconds = partition.map((p) => piecesSeconds(p, plan.warmups));
    const longest = Math.max(...seconds);
    const ideal = total / n;
    lines.push(
      `  ${String(n).padEnd(5)} ${hours(longest).padEnd(12)} ${hours(ideal).padEnd(17)} ${(longest / ideal).toFixed(3).padEnd(15)} ${hours(Math.min(...seconds)).padEnd(11)} ${String(partition.flat().length).padEnd(8)} ${ms.toFixed(1)} ms`,
    );
  }
  return lines;
}

function mergeCost(): string[] {
  const config = shardConfig("ttlb-increase", { samples: 1000 });
  const dir = mkdtempSync(join(tmpdir(), "pqtls-bench-merge-"));
  try {
    const files = writeShards(dir, config, 32);
    const out = join(dir, "merged.jsonl");
    const wall: number[] = [];
    const cpu: number[] = [];
    let rows = 0;
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      const result = mergeShards(files.map(readShardFile));
      writeFileSync(out, mergedText(result));
      const c = process.cpuUsage(c0);
      cpu.push((c.user + c.system) / 1000);
      wall.push(performance.now() - t0);
      rows = result.rowLines.length;
    }
    // CPU time as well as wall time: on a shared machine the wall time mostly measures the neighbours.
    const median = (xs: number[]) => xs.sort((a, b) => a - b)[1];
    const per100k = (ms: number) => ((ms * 100_000) / rows).toFixed(0);
    return [
      `merge: ${rows} rows from 32 shard files (read, check, merge, write), median of 3: ${median(wall).toFixed(0)} ms wall, ${median(cpu).toFixed(0)} ms CPU = ${per100k(median(wall))} ms wall, ${per100k(median(cpu))} ms CPU per 100k rows`,
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

process.stdout.write(`${[...balance(), ...mergeCost()].join("\n")}\n`);
