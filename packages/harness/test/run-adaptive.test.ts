// Adaptive sampling in the runner (`--ci-width`): a deterministic comparison stops at the minimum and
// frees its lanes, a noisy one samples block by block to the cap, every row records the stop rule as
// it stood, and a run interrupted mid-way then resumed holds the same rows as an uninterrupted one.
// The endpoints are doubles (no processes): handshake-only cells answer in a constant time, 1000-byte
// cells half the time 200-600 ms later, so each comparison's fate is fixed; the lanes are real
// (`link: none`, two of them, so blocks are split and judged only when both halves are in).
import { cpSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Row } from "@pqtls/report";
import { afterAll, describe, expect, it, vi } from "vitest";
import { describePlan } from "../src/cli/run.js";
import { AdaptiveSchedule, BALANCE_ROUNDS, familiesOf } from "../src/run/adaptive.js";
import { resolveConfig } from "../src/run/config.js";
import type { Measurement } from "../src/run/endpoint/protocol.js";
import { sampleKey } from "../src/run/jsonl.js";
import { buildPlan, type Cell, type Unit } from "../src/run/plan.js";
import { runExperiment } from "../src/run/runner.js";
import { decide } from "../src/run/stop-rule.js";
import { errorOf, flags } from "./config-helpers.js";

/** Connections made so far, and the abort to fire after the n-th (the "Ctrl-C" of the interrupted run). */
const calls = { n: 0, abortAfter: Number.POSITIVE_INFINITY, abort: null as AbortController | null };

vi.mock("../src/run/endpoints.js", async (importOriginal) => {
  const real = await importOriginal<typeof import("../src/run/endpoints.js")>();
  const { FakeServer, okMeasurement } = await import("./fake-endpoints.js");
  const streams = new Map<string, number>();
  class FakeDriver {
    pid = 0;
    async ensureStarted() {}
    async connect(cmd: { kex: string; bytes: number; warmup?: boolean }): Promise<Measurement> {
      await new Promise((r) => setTimeout(r, 1));
      if (++calls.n > calls.abortAfter) {
        calls.abort?.abort();
        throw new real.AbortedError();
      }
      const pq = /MLKEM/.test(cmd.kex);
      let ttlb = pq ? 12 : 10;
      if (cmd.bytes > 0) {
        // A lossy cell: a reproducible stream per side, half its connections hit a timeout.
        const key = `${cmd.kex}|${cmd.bytes}`;
        const i = (streams.get(key) ?? 0) + 1;
        streams.set(key, i);
        const u = (Math.sin(i * 12.9898 + (pq ? 78.233 : 0)) * 43758.5453) % 1;
        ttlb = (pq ? 440 : 400) + (Math.abs(u) < 0.5 ? 200 + 800 * Math.abs(u) : 20 * Math.abs(u));
      }
      return okMeasurement(cmd.kex, ttlb);
    }
    kill() {}
    async stop() {}
  }
  return { ...real, ServerProcess: FakeServer, ClientDriver: FakeDriver };
});

const dir = mkdtempSync(join(tmpdir(), "pqtls-adaptive-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const raw = {
  engine: "pqtls",
  variants: "x25519:rsa2048,X25519MLKEM768:mldsa65",
  link: "none",
  lanes: 2,
  samples: 40,
  warmups: 1,
  bytes: "0,1000",
  ci_width: 2,
  min_samples: 10,
  seed: 7,
};
const config = resolveConfig([flags(raw)]);

/** Records a handshake-only row of TTLB `ttlb(cell)` for every cell and round of `u`, as a lane would. */
async function sampleUnit(
  schedule: AdaptiveSchedule,
  done: Set<string>,
  u: Unit,
  ttlb: (cell: Cell, round: number) => number,
  yieldEach = false,
): Promise<void> {
  for (let r = u.fromRound; r < u.toRound; r++)
    for (const c of u.cells ?? u.group.cells) {
      if (yieldEach) await new Promise((resolve) => setTimeout(resolve, 0));
      const row = { ok: true, cell: c.id, sample: r, bytes: 0, handshake_ms: 1, ttlb_ms: ttlb(c, r) };
      schedule.record(row as unknown as Row);
      done.add(sampleKey(c.id, r));
    }
}

async function run(out: string, resume: boolean, abortAfter = Number.POSITIVE_INFINITY) {
  calls.n = 0;
  calls.abortAfter = abortAfter;
  calls.abort = new AbortController();
  return runExperiment({
    config,
    plan: buildPlan(config),
    out,
    resume,
    progress: "quiet",
    commandLine: ["pqtls", "run", "--ci-width", "2"],
    signal: calls.abort.signal,
  });
}

function rowsOf(file: string): Row[] {
  return readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l.includes('"type":"row"'))
    .map((l) => JSON.parse(l));
}

/** What must not depend on timings or on where the run was interrupted: which samples, and the rule's looks. */
function shape(rows: Row[]) {
  return rows
    .map((r) => {
      const { width: _w, ...rule } = r.stop_rule!;
      return `${r.cell}#${String(r.sample).padStart(3, "0")} ${JSON.stringify(rule)}`;
    })
    .sort();
}

/** Recomputes every look the rows record from the rows themselves (the samples before each checkpoint). */
function checkRecordedWidths(rows: Row[]) {
  const byCell = new Map<string, Row[]>();
  for (const r of rows) byCell.set(r.cell, [...(byCell.get(r.cell) ?? []), r]);
  let checked = 0;
  for (const r of rows) {
    const rule = r.stop_rule!;
    if (rule.checkpoint === null || !/MLKEM/.test(r.kex)) continue;
    const baseCell = rows.find((x) => x.bytes === r.bytes && !/MLKEM/.test(x.kex))!.cell;
    const upTo = (cell: string) =>
      byCell
        .get(cell)!
        .filter((x) => x.sample < rule.checkpoint!)
        .map((x) => x.ttlb_ms!);
    // The run's seed (7), as the report takes it from the meta line.
    const again = decide(
      rule,
      rule.checkpoint,
      [{ baselineCell: baseCell, variantCell: r.cell, baseline: upTo(baseCell), variant: upTo(r.cell) }],
      7,
    );
    expect(again.width).toBe(rule.width);
    expect(again.decision).toBe(rule.decision);
    checked++;
  }
  return checked;
}

describe("adaptive sampling (--ci-width)", () => {
  it("stops the deterministic comparison at the minimum, samples the noisy one to the cap, rows record the rule", async () => {
    const out = join(dir, "whole.jsonl");
    const r = await run(out, false);
    expect(r.interrupted).toBe(false);
    const rows = rowsOf(out);
    const count = (bytes: number) => rows.filter((x) => x.bytes === bytes).length;
    expect(count(0)).toBe(2 * 10); // stopped at its first look
    expect(count(1000)).toBe(2 * 40); // the cap
    const meta = JSON.parse(readFileSync(out, "utf8").split("\n")[0]);
    expect(meta.config.stop_rule).toEqual({ ci_width: 2, ci_on: "p50", every: 10, min: 10 });
    for (const row of rows) {
      const expected = row.bytes === 0 || row.sample < 10 ? null : Math.floor(row.sample / 10) * 10;
      expect(row.stop_rule).toMatchObject({ ci_width: 2, min: 10, cap: 40, every: 10, checkpoint: expected });
      if (expected !== null) expect(row.stop_rule!.width!).toBeGreaterThan(2);
    }
    // Pairs stay interleaved: every round of the noisy comparison has both variants.
    for (let s = 0; s < 40; s++)
      expect(rows.filter((x) => x.bytes === 1000 && x.sample === s)).toHaveLength(2);
    expect(checkRecordedWidths(rows)).toBe(30);
  }, 60_000);

  it("an adaptive run interrupted mid-block and resumed holds the same rows as an uninterrupted one", async () => {
    const whole = join(dir, "reference.jsonl");
    await run(whole, false);
    const out = join(dir, "resumed.jsonl");
    // 8 warm-ups, the first block (40 rows), the noisy cells' second (20), then 5 more: the
    // interrupt comes inside the block [20, 30).
    const first = await run(out, false, 8 + 40 + 20 + 5);
    expect(first.interrupted).toBe(true);
    const partial = rowsOf(out).length;
    expect(partial).toBeGreaterThan(60);
    expect(partial).toBeLessThan(80);
    const second = await run(out, true);
    expect(second.interrupted).toBe(false);
    expect(second.skipped).toBe(partial);
    expect(second.written).toBe(100 - partial);
    const rows = rowsOf(out);
    expect(shape(rows)).toEqual(shape(rowsOf(whole)));
    expect(checkRecordedWidths(rows)).toBe(30);
  }, 60_000);

  it("refuses to resume with another stop rule", async () => {
    const out = join(dir, "resumed.jsonl");
    const other = resolveConfig([flags({ ...raw, ci_width: 5 })]);
    await expect(
      runExperiment({
        config: other,
        plan: buildPlan(other),
        out,
        resume: true,
        progress: "quiet",
        commandLine: [],
        signal: new AbortController().signal,
      }),
    ).rejects.toThrow(/--resume: .* was sampled with .*"ci_width":2.*not .*"ci_width":5/);
  });
});

describe("adaptive plan and config", () => {
  it("--dry-run gives the range: every comparison stopping at its first look, to every one at the cap", () => {
    const plan = buildPlan(resolveConfig([flags({ ...raw, samples: 1000, min_samples: 25 })]));
    // 4 cells; the first look is at 30 (25 rounded up to a checkpoint), the cap 1000.
    expect(plan.adaptive).toMatchObject({ samples: 30, connections: 4 * 30 });
    expect(plan.connections).toBe(4 * 1000);
    expect(plan.adaptive!.estimatedSeconds).toBeLessThan(plan.estimatedSeconds);
    const text = describePlan(plan, 2);
    expect(text).toMatch(/30\.\.1000 samples/);
    expect(text).toMatch(/connections: 120\.\.4000 recorded/);
    expect(text).toMatch(/estimated duration: .+\.\..+/);
  });

  it("refuses a width that is no width, and the rule's options without it", () => {
    expect(errorOf([flags({ ...raw, ci_width: 0 })])).toMatch(/ci_width: 0 is not a number above 0/);
    expect(errorOf([flags({ ...raw, ci_width: "two" })])).toMatch(/ci_width: "two" is not a number above 0/);
    expect(errorOf([flags({ ...raw, ci_on: "p99" })])).toMatch(
      /ci_on: unknown value "p99" \(known: p50, p90\)/,
    );
    const { ci_width: _, ...fixed } = raw;
    expect(errorOf([flags({ ...fixed, ci_on: "p90" })])).toMatch(/ci_on: applies to adaptive sampling only/);
  });
});

describe("adaptive schedule", () => {
  it("picks the baseline by the chains' leaf keys, so a folder chain is what it holds", async () => {
    // Two folder chains with a classical kex: by name both are classical (neither says ML-DSA), so
    // the first in config order would be the baseline; by their leaf keys only the RSA one is.
    const { pkiDir, prepareChains } = await import("../src/run/pki.js");
    const dir = mkdtempSync(join(tmpdir(), "pqtls-folder-chains-"));
    const copy = (fixture: string, name: string) => {
      const to = join(dir, name);
      cpSync(join(pkiDir(), fixture), to, { recursive: true });
      return to;
    };
    const pq = copy("mldsa44", "first");
    const rsa = copy("rsa2048", "second");
    const cfg = resolveConfig([flags({ ...raw, variants: `x25519:${pq},x25519:${rsa}`, bytes: "0" })]);
    const group = buildPlan(cfg).groups[0];
    expect(familiesOf(group)[0].baseline.chain).toBe(pq);
    const chains = await prepareChains([pq, rsa]);
    const keys = new Map([...chains].map(([spec, m]) => [spec, m.leafKey]));
    expect(familiesOf(group, undefined, keys)[0].baseline.chain).toBe(rsa);
    rmSync(dir, { recursive: true, force: true });
  });

  it("compares each variant with the run's report_baseline, as its report will", async () => {
    // Two classical cells: the default selector (classical kex and chain) matches both, so without
    // report_baseline the first in config order is the baseline; with it, the one it names.
    const three = { ...raw, variants: "x25519:rsa2048,x25519:ecdsa-p256,X25519MLKEM768:mldsa65", bytes: "0" };
    const [byDefault] = familiesOf(buildPlan(resolveConfig([flags(three)])).groups[0]);
    expect([byDefault.baseline.kex, byDefault.baseline.chain]).toEqual(["x25519", "rsa2048"]);
    const cfg = resolveConfig([flags({ ...three, report_baseline: "chain=ecdsa-p256" })]);
    const [chosen] = familiesOf(buildPlan(cfg).groups[0], cfg.report_baseline);
    expect([chosen.baseline.kex, chosen.baseline.chain]).toEqual(["x25519", "ecdsa-p256"]);
    expect(chosen.cells).toHaveLength(3);
    // The schedule judges that family: sampled to its first look, the look names that baseline.
    const plan = buildPlan(cfg);
    const done = new Set<string>();
    const looks: string[] = [];
    const schedule = new AdaptiveSchedule(cfg, plan, done, [], 1, (look) =>
      looks.push(look.family.baseline.chain),
    );
    let held: Unit["group"] | null = null;
    for (let u = await schedule.next(held); u && looks.length === 0; u = await schedule.next(held)) {
      await sampleUnit(schedule, done, u, () => 10);
      held = u.group;
      schedule.finished(u);
    }
    expect(looks).toEqual(["ecdsa-p256"]);
  });

  it("hands a block out in pieces of whole families when it has fewer rounds than the lanes' share", async () => {
    // One group, two families (0 and 1000 B) of two cells, blocks of 10 rounds, 16 lanes: by rounds
    // alone a block is at most 10 units and six lanes would wait.
    const cfg = resolveConfig([flags({ ...raw, lanes: 16 })]);
    const plan = buildPlan(cfg);
    const pieces = (lanes: number) => {
      const schedule = new AdaptiveSchedule(cfg, plan, new Set<string>(), [], lanes);
      const units: Unit[] = [];
      for (let u = (schedule as unknown as { take(p: null): Unit | undefined }).take(null); u; ) {
        units.push(u);
        u = (schedule as unknown as { take(p: null): Unit | undefined }).take(null);
      }
      return units;
    };
    const many = pieces(16);
    expect(many.length).toBeGreaterThanOrEqual(16);
    expect(pieces(2).length).toBe(2); // a share within the rounds: split by rounds as before
    // Each piece holds whole families: both cells of one size.
    for (const u of many) {
      expect(u.cells).toBeDefined();
      expect(new Set(u.cells!.map((c) => c.bytes)).size).toBe(1);
      expect(u.cells).toHaveLength(2);
    }
    // Together they hold every cell of every round of the first block exactly once.
    const held = many.flatMap((u) =>
      u.cells!.flatMap((c) =>
        Array.from({ length: u.toRound - u.fromRound }, (_, i) => `${c.id}#${u.fromRound + i}`),
      ),
    );
    expect(new Set(held).size).toBe(held.length);
    expect(held.length).toBe(plan.cells.length * 10);
    // And the run's looks do not depend on how the blocks were handed out.
    const looksWith = async (lanes: number) => {
      const done = new Set<string>();
      const schedule = new AdaptiveSchedule(cfg, plan, done, [], lanes);
      // A value per cell and round, whichever lane records it when.
      const noise = (c: Cell, r: number) =>
        ((r * 7919 + c.id.length * 104729 + (/MLKEM/.test(c.kex) ? 31 : 0)) % 13) * 40;
      const ttlb = (c: Cell, r: number) => (/MLKEM/.test(c.kex) ? 12 : 10) + (c.bytes > 0 ? noise(c, r) : 0);
      const lane = async () => {
        for (let u = await schedule.next(); u; u = await schedule.next()) {
          await sampleUnit(schedule, done, u, ttlb, true);
          schedule.finished(u);
        }
      };
      await Promise.all(Array.from({ length: lanes }, lane));
      return schedule.decisions().map((d) => d.decisions.map((x) => [x.checkpoint, x.decision]));
    };
    const sixteen = await looksWith(16);
    expect(sixteen).toEqual(await looksWith(1));
    // Both kinds of family are in it: one stopped at its first look, one sampled on.
    expect(sixteen.map((d) => d.length).sort()).toEqual([1, 4]);
  });

  it("moves a lane to a group left more than BALANCE_ROUNDS behind, so no condition lags", async () => {
    // One lane, two link groups, both comparisons noisy (they sample to the cap). Before, the lane
    // kept its group's blocks to the cap and the other group waited at 0.
    const cfg = resolveConfig([
      flags({ ...raw, bytes: "0", rtt: "35ms,200ms", samples: 200, ci_width: 0.01, lanes: 1 }),
    ]);
    const plan = buildPlan(cfg);
    const done = new Set<string>();
    const schedule = new AdaptiveSchedule(cfg, plan, done, [], 1);
    const reached = new Map<number, number>(plan.groups.map((g) => [g.link.rtt_ms, 0]));
    let worstLag = 0;
    let switches = 0;
    let i = 0;
    let held: Unit["group"] | null = null;
    for (let u = await schedule.next(held); u; u = await schedule.next(held)) {
      if (held && u.group !== held) switches++;
      await sampleUnit(schedule, done, u, () => 10 + ((i++ * 7919) % 13));
      reached.set(u.group.link.rtt_ms, u.toRound);
      const [a, b] = [...reached.values()];
      worstLag = Math.max(worstLag, Math.abs(a - b));
      held = u.group;
      schedule.finished(u);
    }
    expect([...reached.values()]).toEqual([200, 200]);
    // A lane switches only when its group is over BALANCE_ROUNDS ahead, then by one block at most.
    expect(worstLag).toBeLessThanOrEqual(BALANCE_ROUNDS + 10);
    expect(worstLag).toBeGreaterThanOrEqual(BALANCE_ROUNDS);
    expect(switches).toBeLessThanOrEqual(Math.ceil(200 / BALANCE_ROUNDS) + 1);
  });

  it("gives the lanes of a group that stopped a share of the groups still sampling", async () => {
    // Two link groups: at 35 ms the comparison is deterministic (stops at 10), at 200 ms noisy (cap 40).
    const cfg = resolveConfig([flags({ ...raw, bytes: "0", rtt: "35ms,200ms" })]);
    const plan = buildPlan(cfg);
    expect(plan.groups).toHaveLength(2);
    const done = new Set<string>();
    const schedule = new AdaptiveSchedule(cfg, plan, done, [], 2);
    let i = 0;
    const taken: { lane: number; rtt: number; from: number; to: number }[] = [];
    const lane = async (index: number) => {
      let held: Unit["group"] | null = null;
      for (let u = await schedule.next(held); u; u = await schedule.next(held)) {
        taken.push({ lane: index, rtt: u.group.link.rtt_ms, from: u.fromRound, to: u.toRound });
        // At 35 ms the comparison is deterministic, at 200 ms noisy.
        await sampleUnit(
          schedule,
          done,
          u,
          (c) => (/MLKEM/.test(c.kex) ? 12 : 10) + (c.rtt_ms === 200 ? ((i++ * 7919) % 13) * 40 : 0),
          true,
        );
        held = u.group;
        schedule.finished(u);
      }
    };
    await Promise.all([lane(0), lane(1)]);
    const looks = schedule
      .decisions()
      .map((d) => [d.family.baseline.rtt_ms, d.decisions.map((x) => x.decision)]);
    expect(looks).toEqual([
      [35, ["stop"]],
      [200, ["continue", "continue", "continue", "cap"]],
    ]);
    // Before the first look each group has a lane of its own; after the 35 ms group stopped, the
    // 200 ms group's blocks are split between both lanes.
    expect(taken.filter((t) => t.from === 0).map((t) => [t.rtt, t.to])).toEqual([
      [35, 10],
      [200, 10],
    ]);
    for (const from of [10, 20, 30]) {
      const block = taken.filter((t) => t.rtt === 200 && t.from >= from && t.to <= from + 10);
      expect(block.map((t) => t.to - t.from)).toEqual([5, 5]);
      expect(new Set(block.map((t) => t.lane)).size).toBe(2);
    }
    expect(taken.filter((t) => t.rtt === 35)).toHaveLength(1);
  });
});
