// The schedule of an adaptive run (`--ci-width`): which rounds of which cells the lanes sample next.
// A family is the cells of one condition and size (a baseline and its variants); its cells sample
// the same rounds, interleaved in roundOrder, so drift biases no variant. A group's rounds come in
// blocks ending at the stop rule's checkpoints: the block before the first look is split across
// lanes, and when every unit of a group's block is done, each family still sampling is judged at
// that checkpoint (run/stop-rule.ts) and the next block holds only the families that continue.
// Lanes whose group waits for its look take other groups' blocks, and each block is split among as
// many lanes as there are per group still sampling, so the lanes of groups that stopped share the rest.
//
// Decisions are a function of the rows before each checkpoint, so a resumed run replays them from
// the file, reaching the same decisions, and continues where the interrupted one stopped.

import {
  DEFAULT_BASELINE,
  metricValue,
  parseSelector,
  type Row,
  type StopRuleRecord,
  selectorMatches,
  VARIANT_FIELDS,
} from "@pqtls/report";
import type { RunConfig } from "./config.js";
import { sampleKey } from "./jsonl.js";
import { type Cell, chunksPerGroup, type Group, type Plan, splitRounds, type Unit } from "./plan.js";
import {
  type CheckpointDecision,
  type ComparisonSamples,
  checkpoints,
  decide,
  STOP_METRIC,
  type StopRuleSettings,
} from "./stop-rule.js";

/** The cells of one condition and size: a baseline and the variants compared with it. */
export interface Family {
  /** The condition and size in the registry's words (the baseline's cell id without its variant). */
  label: string;
  cells: Cell[];
  baseline: Cell;
}

/**
 * A group's families: cells equal in every field but the variant ones. The baseline is the one cell
 * the run's `report_baseline` selector picks, by default the report's (classical kex and chain), so
 * the comparisons the run samples to its stop are the ones its report draws; without exactly one
 * match, the first in config order (`pqtls report --baseline` can still pick another afterwards).
 */
export function familiesOf(
  group: Group,
  baselineSelector: string = DEFAULT_BASELINE,
  chainKeys: ReadonlyMap<string, string> = new Map(),
): Family[] {
  const byCondition = new Map<string, Cell[]>();
  for (const cell of group.cells) {
    const rest = Object.entries(cell).filter(
      ([k]) => k !== "id" && !(VARIANT_FIELDS as readonly string[]).includes(k),
    );
    const key = JSON.stringify(rest);
    byCondition.set(key, [...(byCondition.get(key) ?? []), cell]);
  }
  const selector = parseSelector(baselineSelector);
  return [...byCondition.values()].map((cells) => {
    // By the chains' leaf keys where known (a folder chain's name says nothing), as the report does.
    const matches = cells.filter((c) =>
      selectorMatches(selector, { ...c, chain_key: chainKeys.get(c.chain) }),
    );
    const baseline = matches.length === 1 ? matches[0] : cells[0];
    return { label: `${baseline.id} (baseline ${baseline.kex}, ${baseline.chain})`, cells, baseline };
  });
}

/**
 * How many rounds a lane's own group may be ahead of the least advanced unit queued before the lane
 * switches to that one (AdaptiveSchedule.next): a switch costs a link and server set-up, five
 * checkpoints' worth of imbalance is what an interrupted run may show.
 */
export const BALANCE_ROUNDS = 50;

interface FamilyState {
  family: Family;
  /** Decisions at the checkpoints looked at so far, in order. */
  decisions: CheckpointDecision[];
  stopped: boolean;
}

interface GroupState {
  group: Group;
  families: FamilyState[];
  /** Index into the checkpoints of the block being sampled; past the end once finished. */
  block: number;
  /** Units of the current block handed out and not yet finished. */
  pending: number;
}

/** What the runner is told about a family at a look: for its progress lines. */
export interface Look {
  family: Family;
  decision: CheckpointDecision;
}

export class AdaptiveSchedule {
  readonly rule: StopRuleSettings;
  private readonly seed: number;
  private readonly points: number[];
  private readonly groups: GroupState[];
  private readonly byCell = new Map<string, FamilyState>();
  /** The watched metric of every successful row, by cell and sample. */
  private readonly values = new Map<string, Map<number, number>>();
  private readonly queue: Unit[] = [];
  private readonly waiting: { prefer: Group | null; resolve: (u: Unit | null) => void }[] = [];
  private closed = false;

  constructor(
    config: RunConfig,
    plan: Plan,
    private readonly done: Set<string>,
    existing: readonly Row[],
    private readonly lanes: number,
    private readonly onLook: (look: Look) => void = () => {},
    /** The leaf key algorithm of each chain spec (ChainMaterial.leafKey), for the baseline selector. */
    chainKeys: ReadonlyMap<string, string> = new Map(),
  ) {
    if (!config.stop_rule) throw new Error("AdaptiveSchedule needs a stop rule");
    this.rule = { ...config.stop_rule, cap: plan.samples };
    this.seed = config.seed;
    this.points = checkpoints(this.rule);
    for (const row of existing) this.record(row);
    this.groups = plan.groups.map((group) => {
      const families = familiesOf(group, config.report_baseline, chainKeys).map((family) => ({
        family,
        decisions: [],
        stopped: false,
      }));
      for (const f of families) for (const c of f.family.cells) this.byCell.set(c.id, f);
      return { group, families, block: 0, pending: 0 };
    });
    // Replay: every block whose rows are all in the file is judged as it was when it was sampled.
    for (const g of this.groups) {
      while (g.block < this.points.length && this.blockComplete(g)) this.look(g, false);
      this.enqueueBlock(g);
    }
  }

  /** Keeps the watched metric of a row (recorded or read back) for the looks. */
  record(row: Row): void {
    // As the report reads it: successful rows only, a handshake-only row's TTLB its handshake time.
    const value = metricValue(row, STOP_METRIC);
    if (value === null) return;
    const samples = this.values.get(row.cell) ?? new Map<number, number>();
    samples.set(row.sample, value);
    this.values.set(row.cell, samples);
  }

  /** The stop rule as a row of `cell`'s sample `sample` records it: the last look before it. */
  rowRecord(cell: Cell, sample: number): StopRuleRecord {
    const state = this.byCell.get(cell.id);
    const last = state?.decisions.filter((d) => d.checkpoint <= sample).at(-1);
    return {
      ...this.rule,
      checkpoint: last?.checkpoint ?? null,
      width: last?.width ?? null,
      decision: last ? "continue" : null,
    };
  }

  /** Whether nothing is left to sample (every family stopped or at its cap). */
  idle(): boolean {
    return this.groups.every((g) => g.pending === 0);
  }

  /** The groups with rounds to sample now, in plan order. */
  groupsToRun(): Group[] {
    return this.groups.filter((g) => g.pending > 0).map((g) => g.group);
  }

  /** Every decision so far, per family (for tests and the final summary). */
  decisions(): { family: Family; decisions: CheckpointDecision[] }[] {
    return this.groups.flatMap((g) =>
      g.families.map((f) => ({ family: f.family, decisions: [...f.decisions] })),
    );
  }

  /**
   * The next unit to sample; waits while every group is between its block and its look; null when
   * all are done. One of group `prefer` (the lane holds its link and servers) unless it is more than
   * BALANCE_ROUNDS ahead of the least advanced unit queued, which is taken instead: a group the
   * packing admits less often (a heavier link) does not fall behind the others, so an interrupted
   * run holds about as many samples of every condition.
   */
  next(prefer: Group | null = null): Promise<Unit | null> {
    const unit = this.take(prefer);
    if (unit) return Promise.resolve(unit);
    if (this.closed || this.groups.every((g) => g.pending === 0)) return Promise.resolve(null);
    return new Promise((resolve) => this.waiting.push({ prefer, resolve }));
  }

  private take(prefer: Group | null): Unit | undefined {
    if (this.queue.length === 0) return undefined;
    let least = 0;
    for (let i = 1; i < this.queue.length; i++)
      if (this.queue[i].fromRound < this.queue[least].fromRound) least = i;
    const own = prefer ? this.queue.findIndex((u) => u.group === prefer) : -1;
    const ahead = own >= 0 ? this.queue[own].fromRound - this.queue[least].fromRound : 0;
    return this.queue.splice(own >= 0 && ahead <= BALANCE_ROUNDS ? own : least, 1)[0];
  }

  /** A unit's rounds are recorded: when it was its block's last, look and hand out the next block. */
  finished(unit: Unit): void {
    const g = this.groups.find((x) => x.group === unit.group)!;
    g.pending--;
    if (g.pending > 0) return;
    // A block left incomplete (failed connections are rows too, so only an interrupt does this) is not judged.
    if (this.blockComplete(g)) {
      this.look(g, true);
      this.enqueueBlock(g);
    }
    this.wake();
  }

  /** Stops handing out units (interrupt or failure): every waiting lane gets null. */
  close(): void {
    this.closed = true;
    this.queue.length = 0;
    this.wake();
  }

  private wake(): void {
    while (this.waiting.length > 0) {
      const unit = this.closed ? undefined : this.take(this.waiting[0].prefer);
      if (unit) this.waiting.shift()!.resolve(unit);
      else if (this.closed || this.groups.every((g) => g.pending === 0)) this.waiting.shift()!.resolve(null);
      else break;
    }
  }

  private active(g: GroupState): FamilyState[] {
    return g.families.filter((f) => !f.stopped);
  }

  private blockStart(g: GroupState): number {
    return g.block === 0 ? 0 : this.points[g.block - 1];
  }

  private blockComplete(g: GroupState): boolean {
    const end = this.points[g.block];
    for (const f of this.active(g))
      for (const c of f.family.cells)
        for (let s = this.blockStart(g); s < end; s++) if (!this.done.has(sampleKey(c.id, s))) return false;
    return true;
  }

  /** Judges every family still sampling at the end of the group's current block, then moves on. */
  private look(g: GroupState, live: boolean): void {
    const n = this.points[g.block];
    for (const f of this.active(g)) {
      const decision = decide(this.rule, n, this.comparisons(f.family, n), this.seed);
      f.decisions.push(decision);
      if (decision.decision !== "continue") f.stopped = true;
      if (live) this.onLook({ family: f.family, decision });
    }
    g.block++;
  }

  private comparisons(family: Family, n: number): ComparisonSamples[] {
    const upTo = (cell: Cell) => {
      const out: number[] = [];
      for (const [s, v] of this.values.get(cell.id) ?? []) if (s < n) out.push(v);
      return out;
    };
    const baseline = upTo(family.baseline);
    return family.cells
      .filter((c) => c !== family.baseline)
      .map((c) => ({ baselineCell: family.baseline.id, variantCell: c.id, baseline, variant: upTo(c) }));
  }

  private enqueueBlock(g: GroupState): void {
    const active = this.active(g);
    if (g.block >= this.points.length || active.length === 0) return;
    const from = this.blockStart(g);
    const to = this.points[g.block];
    const cells = active.flatMap((f) => f.family.cells);
    // Split among the groups still sampling, so lanes whose groups stopped take a share of the rest.
    const sampling = this.groups.filter((x) => x.block < this.points.length && this.active(x).length > 0);
    const share = Math.ceil(this.lanes / Math.max(1, sampling.length));
    const byRounds = splitRounds(
      g.group,
      from,
      to,
      chunksPerGroup(this.lanes, Math.max(1, sampling.length), to - from),
      cells.length === g.group.cells.length ? undefined : cells,
    );
    const units =
      share > to - from ? splitByFamilies(byRounds, active, Math.ceil((2 * share) / (to - from))) : byRounds;
    g.pending += units.length;
    this.queue.push(...units);
  }
}

/**
 * Each unit cut into up to `parts` units of whole families (a family's cells stay together, so its
 * baseline and variants still alternate round by round). Used when a block has fewer rounds than the
 * lanes' share of it: a block of 10 rounds held at most 10 units, so with 16 lanes six waited idle,
 * and every lane waited at the block's end for the slowest round of 42 connections (on a 1 Mbit/s
 * 10 % loss link, lanes were busy ~50 % of the time; gaps of 180-225 s at each look). Twice the share
 * in smaller pieces keeps every lane busy and the wait for the last piece short. Which samples a
 * block holds does not change, only how they are handed out, so rows and looks are the same.
 */
export function splitByFamilies(
  units: Unit[],
  families: readonly { family: Family }[],
  parts: number,
): Unit[] {
  const k = Math.max(1, Math.min(parts, families.length));
  if (k === 1) return units;
  const out: Unit[] = [];
  for (const u of units)
    for (let i = 0; i < k; i++) {
      const part = families.slice(
        Math.floor((i * families.length) / k),
        Math.floor(((i + 1) * families.length) / k),
      );
      if (part.length > 0) out.push({ ...u, cells: part.flatMap((f) => f.family.cells) });
    }
  return out;
}
