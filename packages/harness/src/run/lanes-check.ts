// `pqtls lanes check` (and `pqtls run --calibrate`): does running K lanes side by side move the
// timings? The same cells run with 1 lane and with the run's packing (--lanes), interleaved in
// chunks so that drift of the machine over the check (other work starting, thermal state) falls on
// both sides alike; then per cell the p50 shift of the packed side against the 1-lane side, with a
// bootstrap 95 % interval (the report's, as in its % increase), and the rows the fidelity guard marked.
//
// Each chunk is a run of its own (seed + chunk index, the same on both sides, so both see the same
// link draws and round order): the packed side needs enough rounds in flight to keep K lanes busy,
// which resuming one file chunk by chunk would not give (only the units holding the new rounds
// would be pending).

import { join } from "node:path";
import {
  bootstrapDifferences,
  type Interval,
  isMarked,
  loadResults,
  metricValue,
  percentIncrease,
  quantileSorted,
  type Row,
  sortedCopy,
} from "@pqtls/report";
import type { RunConfig } from "./config.js";
import { buildPlan, planLanes } from "./plan.js";
import { runExperiment } from "./runner.js";

/**
 * How far the p50 shift's 95 % interval may lie from 0 (percent of the 1-lane p50) before the check
 * fails, by the cell's link rate: issue 15's fidelity targets, 1 % on slow links (below 100 Mbit/s:
 * idle links whose timings are the link's, where packing should cost nothing measurable) and 2 % on
 * fast ones (CPU-bound during their transfers, where neighbours cost a little CPU time).
 */
export function defaultTolerancePct(rateMbps: number): number {
  return rateMbps > 0 && rateMbps < 100 ? 1 : 2;
}

export interface CellShift {
  /** The cell id (its parameters, readable). */
  cell: string;
  rateMbps: number;
  one: { n: number; p50: number; marked: number; attempts: number };
  packed: { n: number; p50: number; marked: number; attempts: number };
  /** p50 of the packed side over the 1-lane side, % and its bootstrap interval. */
  shiftPct: number;
  shiftCi: Interval;
  tolerancePct: number;
  /** The interval lies entirely beyond ± tolerance. */
  shifted: boolean;
}

/**
 * Per cell present on both sides: the p50 shift (time to last byte; the handshake's with 0 bytes)
 * of `packed` against `one`, its bootstrap interval, marked rows, and whether it exceeds tolerance.
 */
export function compareSides(
  one: readonly Row[],
  packed: readonly Row[],
  tolerancePct?: number,
): CellShift[] {
  const byCell = (rows: readonly Row[]) => {
    const m = new Map<string, Row[]>();
    for (const r of rows) m.set(r.cell, [...(m.get(r.cell) ?? []), r]);
    return m;
  };
  const a = byCell(one);
  const b = byCell(packed);
  const out: CellShift[] = [];
  for (const [cell, rowsA] of a) {
    const rowsB = b.get(cell);
    if (!rowsB) continue;
    const times = (rows: Row[]) =>
      sortedCopy(rows.map((r) => metricValue(r, "ttlb_ms")).filter((v): v is number => v !== null));
    const ta = times(rowsA);
    const tb = times(rowsB);
    const side = (rows: Row[], t: Float64Array) => ({
      n: t.length,
      p50: t.length > 0 ? quantileSorted(t, 0.5) : Number.NaN,
      marked: rows.filter(isMarked).length,
      attempts: rows.length,
    });
    const sa = side(rowsA, ta);
    const sb = side(rowsB, tb);
    const ci = bootstrapDifferences(ta, tb, [0.5], `lanes-check:${cell}`).pct[0];
    const rateMbps = rowsA[0].rate_mbps;
    const tol = tolerancePct ?? defaultTolerancePct(rateMbps);
    out.push({
      cell,
      rateMbps,
      one: sa,
      packed: sb,
      shiftPct: percentIncrease(sa.p50, sb.p50),
      shiftCi: ci,
      tolerancePct: tol,
      shifted: ci.low > tol || ci.high < -tol,
    });
  }
  return out;
}

const pct = (x: number) => `${x >= 0 ? "+" : ""}${x.toFixed(2)} %`;

/** The check's table, one line per cell. */
export function formatShifts(shifts: readonly CellShift[], lanes: number): string[] {
  const lines = [
    `p50 shift of ${lanes} lanes against 1 lane, per cell (95 % bootstrap interval; marked = fidelity guard):`,
  ];
  for (const s of shifts) {
    const verdict = s.shifted
      ? `SHIFTED (interval beyond ±${s.tolerancePct} %)`
      : `ok (±${s.tolerancePct} %)`;
    lines.push(
      `  ${s.cell}: 1 lane p50 ${s.one.p50.toFixed(1)} ms (n=${s.one.n}, marked ${s.one.marked}/${s.one.attempts}); ` +
        `${lanes} lanes p50 ${s.packed.p50.toFixed(1)} ms (n=${s.packed.n}, marked ${s.packed.marked}/${s.packed.attempts}); ` +
        `shift ${pct(s.shiftPct)} [${pct(s.shiftCi.low)}, ${pct(s.shiftCi.high)}]: ${verdict}`,
    );
  }
  return lines;
}

export interface LanesCheckOptions {
  config: RunConfig;
  /** Directory for the two sides' results files (one per chunk and side). */
  dir: string;
  /** Interleaving chunks (at most; fewer when the samples cannot keep K lanes busy in more). */
  chunks: number;
  tolerancePct?: number;
  commandLine: string[];
  signal: AbortSignal;
  log: (line: string) => void;
}

export interface LanesCheckResult {
  lanes: number;
  shifts: CellShift[];
  files: { one: string[]; packed: string[] };
  interrupted: boolean;
}

/** Chunk sizes: `samples` split into at most `chunks`, each with rounds enough for every lane. */
export function chunkSizes(samples: number, chunks: number, lanes: number, groups: number): number[] {
  const perChunk = Math.max(1, Math.ceil(lanes / Math.max(1, groups)));
  const n = Math.max(1, Math.min(chunks, Math.floor(samples / perChunk)));
  return Array.from(
    { length: n },
    (_, i) => Math.floor(((i + 1) * samples) / n) - Math.floor((i * samples) / n),
  );
}

export async function runLanesCheck(o: LanesCheckOptions): Promise<LanesCheckResult> {
  // With lanes auto, the packed side runs the packing itself (its admission included), and the lane
  // count is what the packing chooses for the whole run.
  const lanes = planLanes(buildPlan(o.config), o.config.lanes);
  const groups = buildPlan({ ...o.config, lanes: 1 }).groups.length;
  const sizes = chunkSizes(o.config.samples, o.chunks, lanes, groups);
  const files = { one: [] as string[], packed: [] as string[] };
  let interrupted = false;
  for (const [i, samples] of sizes.entries()) {
    // ABBA order: neither side always runs first in a chunk.
    const order = i % 2 === 0 ? (["one", "packed"] as const) : (["packed", "one"] as const);
    for (const side of order) {
      const config: RunConfig = {
        ...o.config,
        samples,
        seed: o.config.seed + i,
        lanes: side === "one" ? 1 : o.config.lanes,
      };
      const out = join(o.dir, `${side === "one" ? "1-lane" : `${lanes}-lanes`}-chunk${i}.jsonl`);
      o.log(
        `chunk ${i + 1}/${sizes.length}: ${samples} samples per cell on ${side === "one" ? 1 : lanes} lane(s)${config.lanes === "auto" ? " (auto)" : ""} → ${out}`,
      );
      const r = await runExperiment({
        config,
        plan: buildPlan(config),
        out,
        resume: false,
        progress: "quiet",
        commandLine: o.commandLine,
        signal: o.signal,
      });
      files[side].push(out);
      if (r.interrupted) {
        interrupted = true;
        break;
      }
    }
    if (interrupted) break;
  }
  // Chunks differ in seed and samples by design.
  const rowsOf = async (list: string[]) =>
    list.length > 0 ? (await loadResults(list, { allowMixed: true })).rows : [];
  const shifts = compareSides(await rowsOf(files.one), await rowsOf(files.packed), o.tolerancePct);
  return { lanes, shifts, files, interrupted };
}
