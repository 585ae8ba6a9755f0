// `--lanes auto`: how many lanes a run uses and which units may run side by side, from a cost model of
// each link group (CPU a lane keeps busy, memory a lane holds) and a machine description (cores,
// memory). A 1 Mbit/s lane is idle almost all of its wall time and dozens fit on 2 cores; a 1 Gbit/s
// lane is CPU-bound during its transfer and tolerates few neighbours. The packing is a pure function
// of the plan and the machine description, so `--dry-run` shows what the run will do, and a test can
// fix the machine.

import { availableParallelism, totalmem } from "node:os";
import { serverKey } from "@pqtls/report";
import type { CellParams } from "@pqtls/report/dimensions";
import { UserError } from "../errors.js";
import { parseBytes } from "../units.js";

/** What the packing needs of a plan's link group (run/plan.ts Group). */
export interface PackGroup<C extends CellParams = CellParams> {
  key: string;
  cells: C[];
}

/** Expected wall seconds of one connection of a cell (run/plan.ts estimateConnectionSeconds). */
export type ConnectionSeconds<C extends CellParams = CellParams> = (cell: C) => number;

/** The machine the lanes share: what the packing may use. */
export interface Machine {
  cores: number;
  memoryMiB: number;
}

/** This machine, as the OS reports it. */
export function thisMachine(): Machine {
  return { cores: availableParallelism(), memoryMiB: Math.floor(totalmem() / 2 ** 20) };
}

/** `cores=N,memory=SIZE` (e.g. cores=2,memory=24GiB) → a Machine; "auto" → null (this machine). */
export function parseMachine(text: string): Machine | null {
  if (text === "auto") return null;
  const fields = new Map<string, string>();
  for (const part of text.split(",")) {
    const [k, v, extra] = part.split("=").map((x) => x.trim());
    if (!k || v === undefined || extra !== undefined || fields.has(k))
      throw new UserError(
        `machine "${text}": expected cores=N,memory=SIZE (e.g. cores=2,memory=24GiB) or auto`,
      );
    fields.set(k, v);
  }
  const unknown = [...fields.keys()].filter((k) => k !== "cores" && k !== "memory");
  if (unknown.length > 0 || !fields.has("cores") || !fields.has("memory"))
    throw new UserError(
      `machine "${text}": expected cores=N,memory=SIZE (e.g. cores=2,memory=24GiB) or auto`,
    );
  const cores = Number(fields.get("cores"));
  if (!Number.isInteger(cores) || cores < 1 || cores > 4096)
    throw new UserError(`machine "${text}": cores must be an integer from 1 to 4096`);
  const memoryMiB = Math.floor(parseBytes(fields.get("memory")!, "machine memory") / 2 ** 20);
  if (!(memoryMiB >= 256)) throw new UserError(`machine "${text}": memory must be at least 256MiB`);
  return { cores, memoryMiB };
}

/**
 * Measured on the 2-core development VM (shared with other work, so rounded up). Memory: RSS and Pss
 * from /proc/PID/smaps_rollup during a 16-lane 1 Mbit/s run; a Node endpoint shows ~80 MB RSS but
 * ~45 MB of it is the node binary's pages shared by all of them, its own is ~41-45 MB. CPU:
 * `/usr/bin/time` (user + sys of the runner and every child) of `pqtls run --preset quick --rate
 * 1gbit --rtt 35ms --lanes 1` at 5 and at 25 samples; the difference over the 40 extra connections
 * is 38 ms per handshake-only connection (classical and PQ together) and 64 ms at 200 KiB. The
 * classical/PQ split is an assumption around that mean, not a separate measurement. A server
 * configuration beside others in one server process: Pss of a server program listening with 6
 * chains against 1 (2026-12-08, idle, 1.5 s after ready): pqtls 36.2 vs 40.1 MB, openssl (Node 24)
 * 55.1 vs 54.2 MB — within a GC's noise, so 1 MiB each.
 */
export const LANE_COSTS = {
  /** One TUN relay with 256 KiB stacks and an 8192-entry ring (was ~38 MB before). */
  relayMiB: 5,
  /** One Node endpoint program (client driver or server): private heap and code, without the shared binary. */
  endpointMiB: 45,
  /** One more TLS server (chain, key, context) in a server program. */
  serverConfigMiB: 1,
  /** The runner's own bookkeeping per lane (pipes, buffers, lane objects). */
  runnerMiB: 4,
  /** CPU of one full handshake at both ends plus the relay, in ms: classical (X25519, RSA-2048). */
  handshakeCpuMsClassical: 25,
  /** ... and post-quantum (ML-KEM, ML-DSA: the pure-TypeScript stack is slower here). */
  handshakeCpuMsPq: 45,
  /** CPU per KiB of response (TLS records at both ends, TCP, four TUN copies through the relay). */
  cpuMsPerKiB: 0.15,
};

/**
 * The share of the cores the lanes may keep busy together, by their mean CPU. Measured on the quiet
 * 2-core machine (2026-12-07, quick preset, each packing against one lane with `pqtls compare`):
 * at 0.5 the 1 Mbit/s cells' p50 moved +0.4-1.4 % and the 1 Gbit/s cells' +2.6-3.7 %; at 0.125 (6
 * lanes) +0.1-0.9 % and -1.1-+0.8 %, inside the 1 % / 2 % the study's comparisons need. The mean
 * understates the collisions of different lanes' handshake bursts (and the runner's own CPU per
 * connection is comparable to the endpoints'), so the budget leaves that much room.
 */
export const CPU_SHARE = 0.125;
/** The share of the machine's memory the lanes may hold (the rest: OS, page cache, other users). */
export const MEMORY_SHARE = 0.5;
export const MAX_LANES = 64;

const PQ = /MLKEM|mldsa|ML-DSA|sphincs|falcon/i;

/** CPU seconds one connection of `cell` costs the machine (both endpoints and the relay). */
export function connectionCpuSeconds(cell: CellParams): number {
  const pq = PQ.test(cell.kex) || PQ.test(cell.chain);
  const handshake = pq ? LANE_COSTS.handshakeCpuMsPq : LANE_COSTS.handshakeCpuMsClassical;
  return (handshake + (cell.bytes / 1024) * LANE_COSTS.cpuMsPerKiB) / 1000;
}

/** The share of one core a lane running `group` keeps busy: its CPU per connection over its wall time. */
export function laneLoad<C extends CellParams>(
  group: PackGroup<C>,
  connectionSeconds: ConnectionSeconds<C>,
): number {
  let cpu = 0;
  let wall = 0;
  for (const c of group.cells) {
    cpu += connectionCpuSeconds(c);
    wall += connectionSeconds(c);
  }
  return wall > 0 ? Math.min(1, cpu / wall) : 1;
}

/**
 * MiB a lane running `group` holds: its relay, a client driver and a server program per engine, and
 * a TLS server per server key in those programs.
 */
export function laneMemoryMiB(group: PackGroup): number {
  const engines = new Set(group.cells.map((c) => c.engine)).size;
  const servers = new Set(group.cells.map(serverKey)).size;
  return (
    LANE_COSTS.relayMiB +
    LANE_COSTS.runnerMiB +
    2 * engines * LANE_COSTS.endpointMiB +
    servers * LANE_COSTS.serverConfigMiB
  );
}

export interface GroupPacking {
  key: string;
  /** Lanes this group may occupy at once. */
  lanes: number;
  /** Share of a core one of its lanes keeps busy. */
  load: number;
  memoryMiB: number;
  /** What bounds `lanes`: the CPU budget, the memory budget, its samples or the lane cap. */
  bound: "cpu" | "memory" | "samples" | "cap";
}

export interface Packing {
  machine: Machine;
  /** Lanes the run opens. */
  lanes: number;
  /** CPU the lanes running at once may keep busy together, in cores. */
  cpuBudget: number;
  memoryBudgetMiB: number;
  /** Memory the run holds at most: every lane running its most memory-hungry group. */
  peakMemoryMiB: number;
  groups: GroupPacking[];
}

/**
 * The packing for `groups` on `machine`: each group gets as many lanes as its load fits in the CPU
 * budget and its memory in the memory budget (at most its samples and MAX_LANES); the run opens the
 * largest of these, capped so every lane running the hungriest group still fits the memory budget.
 */
export function packLanes<C extends CellParams>(
  groups: PackGroup<C>[],
  samples: number,
  machine: Machine,
  connectionSeconds: ConnectionSeconds<C>,
): Packing {
  const cpuBudget = machine.cores * CPU_SHARE;
  const memoryBudgetMiB = Math.floor(machine.memoryMiB * MEMORY_SHARE);
  const packed: GroupPacking[] = groups.map((g) => {
    const load = laneLoad(g, connectionSeconds);
    const memoryMiB = laneMemoryMiB(g);
    const limits: Array<[number, GroupPacking["bound"]]> = [
      [Math.floor(cpuBudget / load), "cpu"],
      [Math.floor(memoryBudgetMiB / memoryMiB), "memory"],
      [samples, "samples"],
      [MAX_LANES, "cap"],
    ];
    const [lanes, bound] = limits.reduce((a, b) => (b[0] < a[0] ? b : a));
    return { key: g.key, lanes: Math.max(1, lanes), load, memoryMiB, bound };
  });
  const hungriest = Math.max(1, ...packed.map((p) => p.memoryMiB));
  const byMemory = Math.max(1, Math.floor(memoryBudgetMiB / hungriest));
  const lanes = Math.min(byMemory, Math.max(1, ...packed.map((p) => p.lanes)));
  return {
    machine,
    lanes,
    cpuBudget,
    memoryBudgetMiB,
    peakMemoryMiB: lanes * hungriest,
    groups: packed,
  };
}

/**
 * The order lanes take units in under a packing: the first queued unit whose group is below its
 * lane count and whose load still fits the CPU budget beside the units running (a unit always
 * starts on an idle machine). Without a packing (`--lanes K`), plain queue order.
 */
export class UnitAdmission<U extends { group: { key: string } }> {
  private readonly queue: U[];
  private readonly active = new Map<string, number>();
  private activeLoad = 0;
  private running = 0;
  private readonly byKey: Map<string, GroupPacking>;
  /** tryStart's units refused for CPU budget, oldest first (see tryStart). */
  private readonly budgetWaiting: U[] = [];

  constructor(
    units: U[],
    private readonly packing: Packing | null,
  ) {
    this.queue = [...units];
    this.byKey = new Map((packing?.groups ?? []).map((g) => [g.key, g]));
  }

  get empty(): boolean {
    return this.queue.length === 0;
  }

  /** Takes the next admissible unit; null when none is admissible now (or the queue is empty). */
  take(): U | null {
    const i = this.queue.findIndex((u) => this.admits(u));
    if (i < 0) return null;
    const [unit] = this.queue.splice(i, 1);
    this.start(unit);
    return unit;
  }

  /**
   * For a unit another schedule hands out (adaptive runs sample blocks the stop rule decides on):
   * starts it and returns true when the packing admits it beside those running, else false.
   * A unit refused for want of CPU budget keeps its place: no later unit starts until it has (units
   * of a light group would otherwise keep the budget taken, and a heavy group, e.g. a 35 ms link
   * beside 200 ms ones, would wait for its lane while the others sampled on). A unit refused because
   * its own group already runs on all the lanes it may have keeps no place.
   */
  tryStart(unit: U): boolean {
    const refused = this.refusal(unit);
    const overtakes = this.budgetWaiting.length > 0 && this.budgetWaiting[0] !== unit;
    if (refused !== null || overtakes) {
      if (refused === "budget" && !this.budgetWaiting.includes(unit)) this.budgetWaiting.push(unit);
      return false;
    }
    if (this.budgetWaiting[0] === unit) this.budgetWaiting.shift();
    this.start(unit);
    return true;
  }

  private start(unit: U): void {
    const g = this.byKey.get(unit.group.key);
    this.active.set(unit.group.key, (this.active.get(unit.group.key) ?? 0) + 1);
    this.activeLoad += g?.load ?? 0;
    this.running++;
  }

  finish(unit: U): void {
    const g = this.byKey.get(unit.group.key);
    this.active.set(unit.group.key, (this.active.get(unit.group.key) ?? 1) - 1);
    this.activeLoad -= g?.load ?? 0;
    this.running--;
  }

  private admits(unit: U): boolean {
    return this.refusal(unit) === null;
  }

  /** Why the packing would not start `unit` beside those running now; null when it would. */
  private refusal(unit: U): "lanes" | "budget" | null {
    const g = this.byKey.get(unit.group.key);
    if (!this.packing || !g) return null;
    if (this.running === 0) return null;
    if ((this.active.get(unit.group.key) ?? 0) >= g.lanes) return "lanes";
    return this.activeLoad + g.load <= this.packing.cpuBudget + 1e-9 ? null : "budget";
  }
}

/** MiB as text for the dry run. */
function mib(x: number): string {
  return x >= 1024 ? `${(x / 1024).toFixed(1)} GiB` : `${Math.round(x)} MiB`;
}

/** The packing in words, for `--dry-run`. */
export function describePacking(p: Packing): string[] {
  const lines = [
    `lanes auto: ${p.lanes} lane(s) on ${p.machine.cores} cores, ${mib(p.machine.memoryMiB)}; CPU budget ${p.cpuBudget.toFixed(1)} cores, memory at most ${mib(p.peakMemoryMiB)} of a ${mib(p.memoryBudgetMiB)} budget`,
  ];
  for (const g of p.groups)
    lines.push(
      `  ${g.key}: up to ${g.lanes} lane(s) at once (bound: ${g.bound}), ${(g.load * 100).toFixed(1)} % of a core and ${mib(g.memoryMiB)} per lane`,
    );
  return lines;
}
