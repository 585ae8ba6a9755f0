// Matrix planning: the resolved config becomes cells (one parameter combination each), grouped by
// link settings (a lane reconfigures its link only between groups), and an order of connections.
// Within a group every cell's sample r runs in round r, in an order shuffled by a seeded PRNG, so
// classical and PQ samples alternate and slow drift of a noisy machine biases neither variant.
// The same config and seed always give the same order.

import { hash32 } from "@pqtls/report";
import {
  activeValue,
  type CellParams,
  DIMENSIONS,
  type Dimension,
  dimension,
  LINK_FIELDS,
  type LinkParams,
  linkKey,
  cellId as registryCellId,
} from "@pqtls/report/dimensions";
import type { RunConfig } from "./config.js";
import { type Packing, packLanes, thisMachine, UnitAdmission } from "./lane-packing.js";
import { checkpoints } from "./stop-rule.js";

/**
 * One parameter combination: a value of every dimension (its row fields, "none" spelled out), and
 * a stable `id`: the same parameters give the same id in every run.
 */
export type Cell = { id: string } & CellParams;

export interface Group {
  index: number;
  key: string;
  link: LinkParams;
  cells: Cell[];
}

/** A slice of one group's rounds, the unit a lane takes from the queue. */
export interface Unit {
  group: Group;
  fromRound: number;
  toRound: number;
  /** The cells it samples when not all of the group's (adaptive runs: those still sampling). */
  cells?: Cell[];
}

export interface Plan {
  cells: Cell[];
  groups: Group[];
  units: Unit[];
  samples: number;
  warmups: number;
  /** Recorded connections (cells x samples). */
  connections: number;
  /** Including warm-ups. */
  totalConnections: number;
  estimatedSeconds: number;
  /**
   * Adaptive runs (`--ci-width`): the fewest samples per cell (every comparison stopping at its first
   * look), with their connections and duration; `samples`, `connections` and `estimatedSeconds`
   * are then the cap's, every comparison sampled to the cap in blocks of one checkpoint each.
   */
  adaptive?: { samples: number; connections: number; estimatedSeconds: number };
  /** With `lanes: auto`: the lanes and which units may run side by side; null when `lanes` is forced. */
  packing: Packing | null;
}

/** The lanes a plan runs on: its packing's, or the forced count. */
export function planLanes(plan: Plan, lanes: number | "auto"): number {
  return plan.packing?.lanes ?? (lanes === "auto" ? 1 : lanes);
}

/** The stable id of a cell: its parameters, readable (the registry's cellId). */
export function cellId(c: CellParams): string {
  return registryCellId(c);
}

/**
 * The axes of the matrix, outermost first: the link settings (a lane reconfigures only between
 * groups), the response sizes, then every other dimension in registry order, the variant
 * dimensions as one axis of pairs. Each axis is a list of partial cells.
 */
function axes(config: RunConfig): Partial<CellParams>[][] {
  const rank = (d: Dimension) => (d.role === "size" ? 0 : 1);
  const rest = (DIMENSIONS as readonly Dimension[]).filter((d) => !d.link).sort((a, b) => rank(a) - rank(b));
  const out: Partial<CellParams>[][] = [config.links];
  let variantsDone = false;
  for (const d of rest) {
    if (d.role === "variant") {
      if (!variantsDone) out.push(config.variants);
      variantsDone = true;
      continue;
    }
    const values = (config as unknown as Record<string, (string | number)[] | undefined>)[d.key] ?? d.default;
    out.push(values.map((v) => ({ [d.fields[0]]: v })));
  }
  return out;
}

/** Expands the matrix: the product of its axes, in the order written. */
export function planCells(config: RunConfig): Cell[] {
  let partial: Partial<CellParams>[] = [{}];
  for (const axis of axes(config)) partial = partial.flatMap((p) => axis.map((x) => ({ ...p, ...x })));
  const cells: Cell[] = [];
  const ids = new Set<string>();
  for (const p of partial) {
    const params = withoutInapplicable(p) as CellParams;
    const id = cellId(params);
    if (!ids.has(id)) cells.push({ id, ...params });
    ids.add(id);
  }
  return cells;
}

/**
 * A dimension whose `appliesWhen` does not hold for the cell takes its none: the crossing's copies
 * then share one cell id and are planned once (planCells keeps the first of equal ids).
 */
function withoutInapplicable(p: Partial<CellParams>): Partial<CellParams> {
  const out: Record<string, unknown> = { ...p };
  for (const d of DIMENSIONS as readonly Dimension[]) {
    const rule = d.appliesWhen;
    if (!rule || d.none === undefined) continue;
    const on = dimension(rule.key);
    if (!on) throw new Error(`dimension ${d.key}: appliesWhen names no dimension "${rule.key}"`);
    if (!rule.values.includes(String(out[on.fields[0]]))) out[d.fields[0]] = d.none;
  }
  return out as Partial<CellParams>;
}

/** Groups cells by link settings, in first-appearance order. */
export function groupCells(cells: Cell[]): Group[] {
  const groups = new Map<string, Group>();
  for (const cell of cells) {
    const link = Object.fromEntries(
      LINK_FIELDS.filter((k) => cell[k] !== undefined).map((k) => [k, cell[k]]),
    ) as LinkParams;
    const key = linkKey(cell);
    let g = groups.get(key);
    if (!g) {
      g = { index: groups.size, key, link, cells: [] };
      groups.set(key, g);
    }
    g.cells.push(cell);
  }
  return [...groups.values()];
}

// ---- seeded order -------------------------------------------------------------------------------

/** mulberry32: small, fast, good enough to shuffle a few cells; not for cryptography. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The order of the group's cells in round `round` (negative rounds are warm-ups). Fisher-Yates with
 * a PRNG seeded from (seed, group, round): reproducible, and no variant is always first.
 */
export function roundOrder(group: Group, round: number, seed: number): Cell[] {
  const rand = mulberry32(hash32(`${seed}|${group.key}|${round}`)); // FNV-1a
  const order = [...group.cells];
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

// ---- estimate -----------------------------------------------------------------------------------

/** Rough bytes of a handshake per chain family, for the duration estimate only. */
function serverFlightBytes(cell: Cell): number {
  const m = /@(\d+)/.exec(cell.chain);
  if (m) return Number(m[1]) * 1000 + 1500;
  if (cell.chain.startsWith("mldsa")) return 16_000;
  return 2_500;
}

/** TCP payload bytes per full-sized segment at MTU 1500 with timestamps. */
const MSS = 1448;

/**
 * Expected seconds for one connection: TCP + TLS round trips, serialisation at the rate, the idle
 * wait before it (run/idle.ts), and on lossy links a penalty that grows with the packets sent.
 */
export function estimateConnectionSeconds(cell: Cell): number {
  const rtt = cell.rtt_ms / 1000;
  const flight = serverFlightBytes(cell) + (cell.kex.includes("MLKEM") ? 2_300 : 100);
  const bytes = flight + cell.bytes;
  const wire = cell.rate_mbps > 0 ? (bytes * 8 * 1.05) / (cell.rate_mbps * 1e6) : 0;
  const trips = 2 + (cell.bytes > 0 ? 1 : 0) + Math.log2(1 + cell.bytes / (cell.initcwnd * MSS + 1)) * 0.7;
  const loss = cell.loss_pct / 100;
  let lossPenalty = 0;
  if (loss > 0) {
    // Handshake packets have no later data to trigger fast retransmit: each loss costs a timeout,
    // 1 s for the SYN or SYN-ACK, about 200 ms + RTT (Linux's minimum RTO) for the rest.
    const handshakePackets = Math.ceil(flight / MSS) + 2;
    const rto = 0.2 + rtt;
    lossPenalty += 2 * loss * 1 + handshakePackets * loss * rto;
    // The body: with random loss p, TCP sustains about MSS / RTT × 1.22 / √p (Mathis et al. 1997),
    // so its time grows with its packet count; what exceeds the lossless time is the penalty.
    if (cell.bytes > 0) {
      const packets = Math.ceil(cell.bytes / MSS);
      // Linux (SACK, RACK) recovers better than Mathis' Reno model: × 1.5 matches the mean
      // connection times of docs/results/ttlb-increase.jsonl at 10 % loss within ~25 %.
      const lossyRate = (MSS / Math.max(rtt, 0.001)) * (1.22 / Math.sqrt(loss)) * 1.5; // bytes/s
      const lossless = cell.rate_mbps > 0 ? (cell.bytes * 8) / (cell.rate_mbps * 1e6) : 0;
      lossPenalty += Math.max(0, (packets * MSS) / lossyRate - lossless);
    }
  }
  // Resumption cells first make an unmeasured priming connection: a full handshake, then the ticket.
  const resuming = activeValue(cell, "resume") !== undefined;
  const priming = resuming
    ? 3 * rtt + (cell.rate_mbps > 0 ? (flight * 8 * 1.05) / (cell.rate_mbps * 1e6) : 0) + 0.02
    : 0;
  // The runner waits for an idle link before each connection (and before a priming connection).
  const idle = ((resuming ? 2 : 1) * (cell.rtt_ms / 2 + 4 * cell.jitter_ms + 3)) / 1000;
  return trips * rtt + wire + lossPenalty + priming + idle + 0.02;
}

/**
 * Seconds one unit takes on its lane: link and server set-up, warm-ups, then its rounds. Warm-ups
 * run on the unshaped link (runner.ts warmUpLinkSpec) and take far less than a round, but they are
 * still counted at a round's cost: shards are balanced by this estimate (shard.ts), and a shard's
 * partition must not change between versions, or its --resume and the merge of a run in progress
 * would refuse it. On a slow lossy link the estimate is high by the warm-ups' share.
 */
export function estimateUnitSeconds(unit: Unit, warmups: number): number {
  const perRound = unit.group.cells.reduce((s, c) => s + estimateConnectionSeconds(c), 0);
  return 1.5 + perRound * (warmups + unit.toRound - unit.fromRound);
}

/**
 * Seconds until the last lane finishes: lanes take units from one queue in order, each the next
 * unit as soon as it is free, so the estimate replays that and takes the slowest lane — a lane
 * holding a whole slow group ends last however many other lanes there are.
 */
export function estimateRunSeconds(
  units: Unit[],
  lanes: number,
  warmups: number,
  seconds: (unit: Unit) => number = (u) => estimateUnitSeconds(u, warmups),
  packing: Packing | null = null,
): number {
  if (packing) return estimatePackedSeconds(units, lanes, packing, seconds);
  const busyUntil = new Array<number>(Math.max(1, Math.min(lanes, units.length))).fill(0);
  for (const unit of units) {
    const free = busyUntil.indexOf(Math.min(...busyUntil));
    busyUntil[free] += seconds(unit);
  }
  return Math.max(...busyUntil) + 2;
}

/** The rounds [from, to) of a group as up to `chunks` units, so several lanes can share them. */
export function splitRounds(group: Group, from: number, to: number, chunks: number, cells?: Cell[]): Unit[] {
  const n = Math.max(1, Math.min(chunks, to - from));
  const units: Unit[] = [];
  for (let c = 0; c < n; c++) {
    const fromRound = from + Math.floor((c * (to - from)) / n);
    const toRound = from + Math.floor(((c + 1) * (to - from)) / n);
    if (toRound > fromRound) units.push({ group, fromRound, toRound, ...(cells ? { cells } : {}) });
  }
  return units;
}

/** How many units a block of rounds is split into: enough for every lane to have work. */
export function chunksPerGroup(lanes: number, groups: number, rounds: number): number {
  return Math.min(rounds, Math.max(1, Math.ceil(lanes / groups)));
}

/**
 * The same replay under a packing: a free lane takes the first unit the packing admits beside
 * those running (run/lane-packing.ts UnitAdmission, as the runner does); when none is admitted,
 * time moves to the next unit's end.
 */
function estimatePackedSeconds(
  units: Unit[],
  lanes: number,
  packing: Packing,
  seconds: (unit: Unit) => number,
): number {
  const admission = new UnitAdmission(units, packing);
  const running: Array<{ unit: Unit; end: number }> = [];
  let now = 0;
  while (!admission.empty || running.length > 0) {
    while (running.length < lanes) {
      const unit = admission.take();
      if (!unit) break;
      running.push({ unit, end: now + seconds(unit) });
    }
    running.sort((a, b) => a.end - b.end);
    const first = running.shift()!;
    now = first.end;
    admission.finish(first.unit);
  }
  return now + 2;
}

/** Builds the plan: cells, groups, lane units and the connection count and duration estimate. */
export function buildPlan(config: RunConfig): Plan {
  const cells = planCells(config);
  const groups = groupCells(cells);
  const rule = config.stop_rule;
  const packing =
    config.lanes === "auto"
      ? packLanes(groups, config.samples, config.machine ?? thisMachine(), estimateConnectionSeconds)
      : null;
  const lanes = packing?.lanes ?? (config.lanes as number);
  // Enough units for every lane to have work: a group's rounds are split when there are fewer groups
  // than lanes; under a packing, into as many as the lanes the group may occupy at once.
  const chunksFor = (g: number, rounds: number) =>
    packing
      ? Math.min(rounds, Math.max(1, packing.groups[g].lanes))
      : chunksPerGroup(lanes, groups.length, rounds);
  // Fixed: each group's rounds split that way. Adaptive: the same for the rounds before the first
  // look, then one block per checkpoint (sampled only after the look before it).
  const blocks = rule ? [0, ...checkpoints({ ...rule, cap: config.samples })] : [0, config.samples];
  const unitsUpTo = (last: number) =>
    groups.flatMap((group, g) =>
      blocks
        .slice(0, last)
        .flatMap((from, i) => splitRounds(group, from, blocks[i + 1], chunksFor(g, blocks[i + 1] - from))),
    );
  const units = unitsUpTo(blocks.length - 1);
  const connections = cells.length * config.samples;
  const warmupConnections = (us: Unit[]) => us.reduce((s, u) => s + u.group.cells.length * config.warmups, 0);
  const first = unitsUpTo(1);
  return {
    cells,
    groups,
    units,
    samples: config.samples,
    warmups: config.warmups,
    connections,
    totalConnections: connections + warmupConnections(units),
    // An adaptive run's lane keeps its link, servers and warm-ups from one block of a group to the next.
    estimatedSeconds: estimateRunSeconds(
      units,
      lanes,
      config.warmups,
      (u) =>
        u.fromRound >= blocks[1]
          ? estimateUnitSeconds(u, config.warmups) -
            estimateUnitSeconds({ ...u, toRound: u.fromRound }, config.warmups)
          : estimateUnitSeconds(u, config.warmups),
      packing,
    ),
    packing,
    ...(rule
      ? {
          adaptive: {
            samples: blocks[1],
            connections: cells.length * blocks[1],
            estimatedSeconds: estimateRunSeconds(
              first,
              lanes,
              config.warmups,
              (u) => estimateUnitSeconds(u, config.warmups),
              packing,
            ),
          },
        }
      : {}),
  };
}
