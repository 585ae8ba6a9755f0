// Shard files as `pqtls run --shard K/N` writes them (meta line with shard, then one row per owned
// (cell, sample)), built from a real plan without running connections: for the merge benchmark and
// the merge tests. The rows carry plausible values; merge only reads their identity.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { MetaLine, Row } from "@pqtls/report";
import { type RunConfig, resolveConfig } from "../run/config.js";
import { buildPlan, type Cell } from "../run/plan.js";
import { loadPreset } from "../run/presets.js";
import { partitionPlan, shardMeta } from "../run/shard.js";

export function shardConfig(preset: string, values: Record<string, unknown>): RunConfig {
  return resolveConfig([loadPreset(preset), { source: "flags", values }], preset);
}

function row(run: string, cell: Cell, sample: number): Row {
  const hs = 2 * cell.rtt_ms + 5;
  return {
    type: "row",
    run,
    cell: cell.id,
    sample,
    engine: cell.engine,
    kex: cell.kex,
    chain: cell.chain,
    suite: cell.suite,
    resume: cell.resume,
    rtt_ms: cell.rtt_ms,
    jitter_ms: cell.jitter_ms,
    jitter_dist: cell.jitter_dist,
    rate_mbps: cell.rate_mbps,
    loss_pct: cell.loss_pct,
    queue_limit: cell.queue_limit,
    initcwnd: cell.initcwnd,
    mtu: cell.mtu,
    cc: cell.cc,
    bytes: cell.bytes,
    ok: true,
    error: null,
    tcp_connect_ms: cell.rtt_ms + 0.2 + (sample % 7) * 0.01,
    handshake_ms: hs + (cell.kex.includes("MLKEM") ? 3 : 0) + (sample % 5) * 0.1,
    ttfb_ms: hs + cell.rtt_ms,
    ttlb_ms: hs + cell.rtt_ms + cell.bytes / 1000,
    close_ms: hs + cell.rtt_ms + 1,
    hs_bytes_c2s: 1500,
    hs_bytes_s2c: cell.chain.startsWith("mldsa") ? 16000 : 4000,
    retrans_segs: 0,
    tcp: {},
    link: {},
    lane: 0,
    ts: "2026-12-07T00:00:00.000Z",
  } as Row;
}

/** Shard K's file text: its meta line and a row for every (cell, sample) it owns. */
export function shardText(config: RunConfig, index: number, count: number, host = "node-a"): string {
  const plan = buildPlan(config);
  const run = `r${index.toString(36).padStart(5, "0")}`;
  const meta: MetaLine = {
    type: "meta",
    run,
    format: 1,
    started_at: `2026-12-07T00:00:${String(index % 60).padStart(2, "0")}.000Z`,
    command_line: ["pqtls", "run", "--shard", `${index}/${count}`],
    config,
    versions: { node: process.versions.node, kernel: "6.1.0-test" },
    kernel: "6.1.0-test",
    link_backend: "netem",
    timing_definition: "test",
    seed: config.seed,
    shard: { ...shardMeta(plan, config.seed, { index, count }), host },
  };
  const lines = [JSON.stringify(meta)];
  for (const p of partitionPlan(plan, count)[index])
    for (let s = p.fromRound; s < p.toRound; s++)
      for (const cell of p.group.cells) lines.push(JSON.stringify(row(run, cell, s)));
  return `${lines.join("\n")}\n`;
}

/** Writes shards 0..count-1 of `config` into `dir` as shard-K.jsonl; returns their paths. */
export function writeShards(dir: string, config: RunConfig, count: number): string[] {
  return Array.from({ length: count }, (_, k) => {
    const file = join(dir, `shard-${k}.jsonl`);
    writeFileSync(file, shardText(config, k, count, `node-${k % 2}`));
    return file;
  });
}
