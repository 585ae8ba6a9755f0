// `--lanes auto`: the packing is a function of the plan and a machine description (so these tests fix
// the machine), never holds more memory than it computes, gives CPU-bound 1 Gbit/s groups fewer
// lanes than idle 1 Mbit/s ones, and the admission the runner uses keeps the lanes running at once
// inside the CPU budget. `--lanes K` still forces K.
import { describe, expect, it } from "vitest";
import { resolveConfig } from "../src/run/config.js";
import {
  CPU_SHARE,
  laneMemoryMiB,
  MEMORY_SHARE,
  type Packing,
  parseMachine,
  UnitAdmission,
} from "../src/run/lane-packing.js";
import { buildPlan, estimateUnitSeconds, type Unit } from "../src/run/plan.js";
import { loadPreset } from "../src/run/presets.js";
import { errorOf, flags } from "./config-helpers.js";

const ttlb = (extra: Record<string, unknown> = {}) =>
  resolveConfig([loadPreset("ttlb-increase"), flags({ lanes: "auto", ...extra })]);

describe("lanes auto", () => {
  it("is the default, and --lanes K still forces K with no packing", () => {
    const auto = buildPlan(resolveConfig([loadPreset("quick"), flags({ machine: "cores=2,memory=24GiB" })]));
    expect(auto.packing).not.toBeNull();
    const forced = buildPlan(resolveConfig([loadPreset("quick"), flags({ lanes: 3 })]));
    expect(forced.packing).toBeNull();
    // The forced split is the one --lanes K always made: ceil(K / groups) units per group.
    expect(forced.units.length).toBe(2 * Math.ceil(3 / 2));
  });

  it("is deterministic for a given plan and machine description", () => {
    const a = buildPlan(ttlb({ machine: "cores=2,memory=24GiB" }));
    const b = buildPlan(ttlb({ machine: "cores=2,memory=24GiB" }));
    expect(b.packing).toEqual(a.packing);
    expect(b.units.map((u) => [u.group.key, u.fromRound, u.toRound])).toEqual(
      a.units.map((u) => [u.group.key, u.fromRound, u.toRound]),
    );
    expect(b.estimatedSeconds).toBe(a.estimatedSeconds);
    // Another machine, another packing: more cores let the CPU-bound groups have more lanes.
    const big = buildPlan(ttlb({ machine: "cores=8,memory=24GiB" }));
    const fast = (p: typeof a) => p.packing!.groups.find((g) => g.key.includes("rate=1000mbit"))!.lanes;
    expect(fast(big)).toBeGreaterThan(fast(a));
  });

  it("gives 1 Gbit/s groups fewer lanes than 1 Mbit/s groups, bounded by CPU", () => {
    const p = buildPlan(ttlb({ machine: "cores=2,memory=24GiB" })).packing!;
    const fast = p.groups.filter((g) => g.key.includes("rate=1000mbit"));
    const slow = p.groups.filter((g) => g.key.includes("rate=1mbit"));
    expect(fast.length).toBe(2);
    expect(slow.length).toBe(2);
    for (const f of fast)
      for (const s of slow) {
        expect(f.load).toBeGreaterThan(s.load);
        expect(f.lanes).toBeLessThan(s.lanes);
      }
    for (const g of p.groups) {
      // A group whose one lane alone is above the budget still gets that lane (and runs alone).
      if (g.bound === "cpu" && g.lanes > 1) expect(g.lanes * g.load).toBeLessThanOrEqual(p.cpuBudget);
      expect(g.lanes).toBeLessThanOrEqual(p.lanes);
    }
    expect(p.cpuBudget).toBe(2 * CPU_SHARE);
  });

  it("never exceeds the memory it computes, however small the machine", () => {
    for (const memory of ["512MiB", "1GiB", "2GiB", "4GiB", "24GiB", "256GiB"]) {
      const plan = buildPlan(ttlb({ machine: `cores=16,memory=${memory}` }));
      const p = plan.packing!;
      const perLane = Math.max(...plan.groups.map((g) => laneMemoryMiB(g)));
      expect(p.memoryBudgetMiB).toBe(Math.floor(p.machine.memoryMiB * MEMORY_SHARE));
      // Every lane running the hungriest group, all at once: still inside the budget (one lane always runs).
      expect(p.lanes * perLane).toBe(p.peakMemoryMiB);
      if (p.lanes > 1) expect(p.peakMemoryMiB).toBeLessThanOrEqual(p.memoryBudgetMiB);
      expect(p.lanes).toBeLessThanOrEqual(64);
    }
    const tiny = buildPlan(ttlb({ machine: "cores=16,memory=1GiB" })).packing!;
    expect(tiny.lanes).toBe(Math.floor(512 / Math.max(...tiny.groups.map((g) => g.memoryMiB))));
  });

  it("counts a client driver and a server program per engine, and a TLS server per server key in them", () => {
    // Both engines, the study's four variants: 8 server keys share 2 server programs.
    const both = buildPlan(ttlb({ machine: "cores=2,memory=24GiB", engine: "pqtls,openssl" }));
    for (const g of both.groups) {
      const keys = new Set(g.cells.map((c) => `${c.engine}|${c.kex}|${c.chain}`)).size;
      expect(keys).toBe(8);
      expect(laneMemoryMiB(g)).toBe(5 + 4 + 2 * 2 * 45 + keys * 1);
    }
    // One engine: 99 MiB a lane, so this machine's memory alone would allow 64 lanes and more
    // (a process per server key made it 5 × 45 + 9 = 234 MiB, 51 lanes).
    const one = buildPlan(ttlb({ machine: "cores=2,memory=24GiB" }));
    const perLane = Math.max(...one.groups.map((g) => laneMemoryMiB(g)));
    expect(perLane).toBe(5 + 4 + 2 * 45 + 4);
    expect(Math.floor(one.packing!.memoryBudgetMiB / perLane)).toBeGreaterThanOrEqual(64);
  });

  it("admits units side by side only inside the CPU budget and each group's lanes", () => {
    const plan = buildPlan(ttlb({ machine: "cores=2,memory=24GiB", samples: 200 }));
    const p = plan.packing!;
    const byKey = new Map(p.groups.map((g) => [g.key, g]));
    const admission = new UnitAdmission(plan.units, p);
    const running: Unit[] = [];
    let taken = 0;
    let peakLoad = 0;
    // Replay: fill the lanes, check what runs at once independently, end the oldest, repeat.
    while (!admission.empty || running.length > 0) {
      for (let u = running.length < p.lanes ? admission.take() : null; u; ) {
        running.push(u);
        taken++;
        u = running.length < p.lanes ? admission.take() : null;
      }
      const load = running.reduce((s, u) => s + byKey.get(u.group.key)!.load, 0);
      if (running.length > 1) expect(load).toBeLessThanOrEqual(p.cpuBudget + 1e-9);
      peakLoad = Math.max(peakLoad, load);
      for (const g of p.groups)
        expect(running.filter((u) => u.group.key === g.key).length).toBeLessThanOrEqual(g.lanes);
      admission.finish(running.shift()!);
    }
    expect(taken).toBe(plan.units.length);
    expect(peakLoad).toBeGreaterThan(p.cpuBudget / 2); // it does pack lanes, not one at a time
  });

  it("admits units another schedule hands out (adaptive runs) by the same rule", () => {
    const plan = buildPlan(ttlb({ machine: "cores=2,memory=24GiB", samples: 200, ci_width: 2 }));
    const p = plan.packing!;
    // The 1 Gbit/s group the packing gives the fewest lanes: more of its units than it allows at once.
    const g = [...p.groups].sort((a, b) => a.lanes - b.lanes)[0];
    const mine = plan.units.filter((u) => u.group.key === g.key);
    expect(mine.length).toBeGreaterThan(g.lanes);
    const gate = new UnitAdmission<Unit>([], p);
    const started = mine.filter((u) => gate.tryStart(u));
    expect(started.length).toBe(g.lanes); // the rest wait for one to end
    gate.finish(started[0]);
    expect(gate.tryStart(mine[mine.length - 1])).toBe(true);
    expect(gate.empty).toBe(true); // nothing was queued: the schedule keeps its own units
  });

  it("keeps a unit refused for CPU budget first in line, so light groups do not starve a heavy one", () => {
    // The fig-1 shape: a 35 ms group needing 0.23 of a core, 200 ms groups 0.1, a 0.3-core budget.
    const p: Packing = {
      machine: { cores: 2, memoryMiB: 24 * 1024 },
      lanes: 4,
      cpuBudget: 0.3,
      memoryBudgetMiB: 1024,
      peakMemoryMiB: 1024,
      groups: [
        { key: "heavy", lanes: 1, load: 0.23, memoryMiB: 200, bound: "cpu" },
        { key: "light", lanes: 3, load: 0.1, memoryMiB: 200, bound: "cpu" },
      ],
    };
    const unit = (key: string, from: number) => ({ group: { key }, fromRound: from, toRound: from + 10 });
    const gate = new UnitAdmission<ReturnType<typeof unit>>([], p);
    const [l1, l2, l3, h] = [unit("light", 0), unit("light", 10), unit("light", 20), unit("heavy", 0)];
    expect(gate.tryStart(l1)).toBe(true);
    expect(gate.tryStart(h)).toBe(false); // 0.1 + 0.23 > 0.3: it waits, first in line
    expect(gate.tryStart(l2)).toBe(false); // would fit (0.2), but may not overtake it
    gate.finish(l1);
    expect(gate.tryStart(l2)).toBe(false); // still behind it
    expect(gate.tryStart(h)).toBe(true); // alone now
    expect(gate.tryStart(l2)).toBe(false); // 0.23 + 0.1 > 0.3, and now l2 is first in line
    expect(gate.tryStart(l3)).toBe(false);
    gate.finish(h);
    expect(gate.tryStart(l3)).toBe(false); // l2 keeps its place
    expect(gate.tryStart(l2)).toBe(true);
    expect(gate.tryStart(l3)).toBe(true);
    // A unit refused only because its group runs on all its lanes keeps no place.
    const gate2 = new UnitAdmission<ReturnType<typeof unit>>([], { ...p, cpuBudget: 10 });
    expect(gate2.tryStart(unit("heavy", 0))).toBe(true);
    expect(gate2.tryStart(unit("heavy", 10))).toBe(false);
    expect(gate2.tryStart(unit("light", 0))).toBe(true);
  });

  it("estimates a packed run below one lane's sum and above the work spread over the cores' budget", () => {
    const plan = buildPlan(ttlb({ machine: "cores=2,memory=24GiB" }));
    const serial = plan.units.reduce((s, u) => s + estimateUnitSeconds(u, plan.warmups), 0);
    // With an eighth of the cores as budget the 1 Gbit/s groups run one lane at a time: the speed-up
    // comes from the 1 Mbit/s groups' lanes side by side.
    expect(plan.estimatedSeconds).toBeLessThan(serial / 5);
    const oneLane = buildPlan(resolveConfig([loadPreset("ttlb-increase"), flags({ lanes: 1 })]));
    expect(oneLane.estimatedSeconds).toBeGreaterThan(plan.estimatedSeconds * 5);
  });

  it("reads a machine description, and refuses a bad one in one line", () => {
    expect(parseMachine("cores=2,memory=24GiB")).toEqual({ cores: 2, memoryMiB: 24 * 1024 });
    expect(parseMachine("auto")).toBeNull();
    expect(() => parseMachine("cores=2")).toThrow(/cores=N,memory=SIZE/);
    expect(() => parseMachine("cores=0,memory=1GiB")).toThrow(/cores must be/);
    expect(() => parseMachine("cores=2,memory=1MiB")).toThrow(/at least 256MiB/);
    expect(errorOf([loadPreset("quick"), flags({ lanes: "many" })])).toMatch(/lanes/);
    expect(errorOf([loadPreset("quick"), flags({ machine: "huge" })])).toMatch(/machine/);
  });
});
