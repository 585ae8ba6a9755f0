// Rows of an adaptive run (`pqtls run --ci-width`) carry the stop rule: the report states the
// sequential stopping and its effect on coverage, and flags a comparison that reached the cap with
// its interval still wider than asked, but not one that stopped narrow or one cut short below the cap.

import { describe, expect, it } from "vitest";
import { renderMarkdown } from "../src/markdown.js";
import type { Row, StopRuleSettings } from "../src/row.js";
import { summarizeRows } from "../src/summary.js";
import { exponential, meta, mulberry32, rowsFor } from "./synth.js";

const RULE: StopRuleSettings = { ci_width: 2, ci_on: "p50", every: 10, min: 30, cap: 100 };

/** Rows as an adaptive run writes them: the rule, and no look before the minimum (enough for the report). */
function adaptive(rows: Row[], rule = RULE): Row[] {
  return rows.map((r) => ({
    ...r,
    stop_rule: { ...rule, checkpoint: null, width: null, decision: null },
  }));
}

const rand = mulberry32(5);
/** A lossless condition (rtt 35): the same time every connection; it stopped at the minimum. */
const steady = (kex: string, chain: string, ms: number) =>
  rowsFor({
    kex,
    chain,
    bytes: 1000,
    rtt_ms: 35,
    handshake: Array(30).fill(ms - 2),
    ttlb: Array(30).fill(ms),
  });
/** A lossy condition (loss 5 %): timeouts spread the times; `n` samples. */
const lossy = (kex: string, chain: string, ms: number, n: number) =>
  rowsFor({ kex, chain, bytes: 1000, rtt_ms: 35, loss_pct: 5, handshake: exponential(n, 300, ms, rand) });

const rows = adaptive([
  ...steady("x25519", "rsa2048", 100),
  ...steady("X25519MLKEM768", "mldsa65", 112),
  ...lossy("x25519", "rsa2048", 100, 100),
  ...lossy("X25519MLKEM768", "mldsa65", 112, 100),
  // Interrupted below the cap: wide, but not "at the cap".
  ...adaptive([
    ...rowsFor({
      kex: "x25519",
      chain: "rsa2048",
      bytes: 1000,
      rtt_ms: 200,
      loss_pct: 5,
      handshake: exponential(40, 300, 100, rand),
    }),
    ...rowsFor({
      kex: "X25519MLKEM768",
      chain: "mldsa65",
      bytes: 1000,
      rtt_ms: 200,
      loss_pct: 5,
      handshake: exponential(40, 300, 112, rand),
    }),
  ]),
]);

describe("sequential stopping in the report", () => {
  const s = summarizeRows(rows, [meta()]);
  const at = (rtt: number, loss: number) =>
    s.comparisons.find((c) => c.condition.rtt_ms === rtt && c.condition.loss_pct === loss)!.metrics.ttlb_ms!;

  it("flags the comparison that reached the cap wider than --ci-width, and only that one", () => {
    const capped = at(35, 5).p50;
    expect(capped.ci.high - capped.ci.low).toBeGreaterThan(2);
    expect(capped.flags).toContain(
      `sampled to the cap (100) with the interval ${(capped.ci.high - capped.ci.low).toFixed(1)} points wide, above --ci-width 2`,
    );
    // The p90 is not watched under ci_on p50.
    expect(at(35, 5).p90.flags.join()).not.toMatch(/sampled to the cap/);
    const stopped = at(35, 0).p50;
    expect(stopped.ci.high - stopped.ci.low).toBeLessThanOrEqual(2);
    expect(stopped.flags.join()).not.toMatch(/sampled to the cap/);
    const short = at(200, 5).p50;
    expect(short.ci.high - short.ci.low).toBeGreaterThan(2);
    expect(short.flags.join()).not.toMatch(/sampled to the cap/);
  });

  it("with --ci-on p90 the p90 is watched too", () => {
    const p90 = summarizeRows(adaptive(rows, { ...RULE, ci_on: "p90" }), [meta()]);
    const c = p90.comparisons.find((x) => x.condition.loss_pct === 5 && x.condition.rtt_ms === 35)!;
    expect(c.metrics.ttlb_ms!.p90.flags.join()).toMatch(/sampled to the cap \(100\)/);
  });

  it("states the rule, the outcome and what stopping does to the intervals' coverage, with a reference", () => {
    expect(s.method.sequential_stopping).toMatchObject({ rules: [RULE], narrow: 1, at_cap_wide: 1 });
    const md = renderMarkdown(s);
    const bullet = md.split("\n").find((l) => l.startsWith("- **Sequential stopping**"))!;
    expect(bullet).toContain("at most 2 percentage points wide, looking every 10 pairs from 30 samples on");
    expect(bullet).toContain("1 comparison reached the width, 1 stopped at the cap wider");
    expect(bullet).toContain("not exactly 95 % intervals");
    expect(bullet).toMatch(/Chow and H\. Robbins.*1965/);
    expect(md).toMatch(/sampled to the cap \(100\)/); // in the Notes
  });

  it("says nothing of stopping for a fixed-sample run", () => {
    const fixed = summarizeRows(
      rows.map(({ stop_rule: _, ...r }) => r as Row),
      [meta()],
    );
    expect(fixed.method.sequential_stopping).toBeNull();
    expect(renderMarkdown(fixed)).not.toMatch(/Sequential stopping|sampled to the cap/);
  });
});
