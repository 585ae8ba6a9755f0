// Matrix planning: cell counts, stable ids, link groups, lane units and the seeded interleaved order.
import { describe, expect, it } from "vitest";
import { resolveConfig } from "../src/run/config.js";
import {
  buildPlan,
  estimateConnectionSeconds,
  estimateRunSeconds,
  estimateUnitSeconds,
  roundOrder,
} from "../src/run/plan.js";
import { loadPreset } from "../src/run/presets.js";
import { flags } from "./config-helpers.js";

describe("plan", () => {
  it("has links x bytes x engines x variants x suites cells, grouped by link", () => {
    const c = resolveConfig([
      loadPreset("quick"),
      // One lane: warm-ups are per unit, and lanes auto splits groups into more units.
      flags({
        engine: "pqtls,openssl",
        suite: "TLS_AES_128_GCM_SHA256,TLS_CHACHA20_POLY1305_SHA256",
        lanes: 1,
      }),
    ]);
    const plan = buildPlan(c);
    expect(plan.cells.length).toBe(2 * 2 * 2 * 2 * 2);
    expect(plan.groups.length).toBe(2);
    for (const g of plan.groups) {
      expect(g.cells.length).toBe(16);
      for (const cell of g.cells) expect(cell.rtt_ms).toBe(g.link.rtt_ms);
    }
    expect(plan.connections).toBe(32 * c.samples);
    expect(plan.totalConnections).toBe(32 * (c.samples + c.warmups));
    expect(new Set(plan.cells.map((x) => x.id)).size).toBe(plan.cells.length);
  });

  it("cell ids depend only on a cell's parameters", () => {
    const a = buildPlan(resolveConfig([loadPreset("quick")]));
    const b = buildPlan(resolveConfig([loadPreset("quick"), flags({ samples: 99, seed: 7, lanes: 3 })]));
    expect(b.cells.map((x) => x.id)).toEqual(a.cells.map((x) => x.id));
    const c = buildPlan(resolveConfig([loadPreset("quick"), flags({ initcwnd: 10 })]));
    expect(c.cells.map((x) => x.id)).not.toEqual(a.cells.map((x) => x.id));
  });

  it("splits groups into lane units covering every round exactly once", () => {
    const c = resolveConfig([loadPreset("quick"), flags({ lanes: 5, samples: 7 })]);
    const plan = buildPlan(c);
    for (const g of plan.groups) {
      const rounds = plan.units
        .filter((u) => u.group === g)
        .flatMap((u) => Array.from({ length: u.toRound - u.fromRound }, (_, i) => u.fromRound + i));
      expect(rounds).toEqual([0, 1, 2, 3, 4, 5, 6]);
    }
    expect(plan.units.length).toBeGreaterThanOrEqual(5);
  });

  it("the dry-run estimate follows the link: slow lossy cells take longer than fast ones", () => {
    const fast = buildPlan(resolveConfig([flags({ rtt: "35ms", rate: "1gbit", bytes: "200KiB", lanes: 1 })]));
    const slow = buildPlan(
      resolveConfig([flags({ rtt: "200ms", rate: "1mbit", bytes: "200KiB", lanes: 1 })]),
    );
    expect(slow.estimatedSeconds).toBeGreaterThan(fast.estimatedSeconds * 5);
  });

  it("the loss penalty grows with the response size (packets), not only with the handshake", () => {
    const cell = (loss: string, bytes: string) =>
      buildPlan(resolveConfig([loadPreset("quick"), flags({ rtt: "200ms", rate: "1mbit", loss, bytes })]))
        .cells[0];
    const penalty = (bytes: string) =>
      estimateConnectionSeconds(cell("10%", bytes)) - estimateConnectionSeconds(cell("0%", bytes));
    expect(penalty("0")).toBeGreaterThan(0);
    // 200 KiB is ~140 full segments more than the handshake: at 10 % loss that costs seconds more.
    expect(penalty("200KiB")).toBeGreaterThan(penalty("0") + 2);
    expect(penalty("200KiB")).toBeGreaterThan(penalty("50KiB"));
  });

  it("estimates the slowest lane, not the total split evenly across lanes", () => {
    const plan = buildPlan(
      resolveConfig([
        loadPreset("quick"),
        flags({
          links: undefined,
          rtt: "35ms,200ms",
          rate: "1gbit,1mbit",
          loss: "0%,10%",
          bytes: "200KiB",
          lanes: 4,
        }),
      ]),
    );
    const lossy = plan.units.filter((u) => u.group.link.loss_pct > 0);
    const slowest = Math.max(...plan.units.map((u) => estimateUnitSeconds(u, plan.warmups)));
    const total = plan.units.reduce((s, u) => s + estimateUnitSeconds(u, plan.warmups), 0);
    expect(lossy.length).toBeGreaterThan(0);
    expect(plan.estimatedSeconds).toBeGreaterThanOrEqual(slowest);
    expect(plan.estimatedSeconds).toBeGreaterThan(total / 4);
  });

  it("replays the lanes' queue: each unit goes to the lane that is free first", () => {
    const plan = buildPlan(resolveConfig([loadPreset("quick"), flags({ samples: 10, lanes: 2 })]));
    const [a, b] = plan.units;
    const ta = estimateUnitSeconds(a, 0);
    const tb = estimateUnitSeconds(b, 0);
    // One lane runs both units back to back; two lanes finish with the longer one.
    expect(estimateRunSeconds([a, b], 1, 0)).toBeCloseTo(ta + tb + 2, 6);
    expect(estimateRunSeconds([a, b], 2, 0)).toBeCloseTo(Math.max(ta, tb) + 2, 6);
    // Three units on two lanes: the third goes to whichever lane frees up first.
    expect(estimateRunSeconds([a, b, a], 2, 0)).toBeCloseTo(Math.max(ta, tb, Math.min(ta, tb) + ta) + 2, 6);
  });
});

describe("interleaved order", () => {
  const plan = buildPlan(resolveConfig([loadPreset("quick")]));
  const group = plan.groups[0];

  it("is a permutation of the group's cells, the same for the same seed and round", () => {
    const a = roundOrder(group, 3, 1);
    expect([...a].sort((x, y) => x.id.localeCompare(y.id))).toEqual(
      [...group.cells].sort((x, y) => x.id.localeCompare(y.id)),
    );
    expect(roundOrder(group, 3, 1).map((x) => x.id)).toEqual(a.map((x) => x.id));
  });

  it("changes between rounds and seeds, and puts no variant first systematically", () => {
    const orders = Array.from({ length: 400 }, (_, r) =>
      roundOrder(group, r, 1)
        .map((x) => x.id)
        .join(),
    );
    expect(new Set(orders).size).toBeGreaterThan(10);
    expect(roundOrder(group, 0, 2).map((x) => x.id)).not.toEqual(roundOrder(group, 0, 1).map((x) => x.id));
    const firstIsPq = Array.from(
      { length: 400 },
      (_, r) => roundOrder(group, r, 1)[0].kex !== "x25519",
    ).filter(Boolean);
    // 4 cells, 2 PQ: the first is PQ about half the time (binomial, 400 draws: 200 +- 40 is > 4 sigma).
    expect(firstIsPq.length).toBeGreaterThan(160);
    expect(firstIsPq.length).toBeLessThan(240);
  });
});

describe("link check", () => {
  it("flags a group whose median TCP connect time is not about one configured RTT", async () => {
    const { checkRtt } = await import("../src/run/runner.js");
    const plan = buildPlan(resolveConfig([loadPreset("quick")]));
    const [slow, fast] = plan.groups; // 200 ms, then 35 ms
    const lines = checkRtt(
      plan.groups,
      new Map([
        [slow.key, [201.9, 202.1, 250, 201.8]],
        [fast.key, [2.1, 2.0, 2.2]],
      ]),
    );
    // The median is type 7 (the report's, via judgeConnectTimes): of four values, the mean of the middle two.
    expect(lines[0]).toMatch(/^ok: median TCP connect 202\.0 ms for configured RTT 200 ms/);
    expect(lines[1]).toMatch(/^CHECK: median TCP connect 2\.1 ms for configured RTT 35 ms/);
  });
});
