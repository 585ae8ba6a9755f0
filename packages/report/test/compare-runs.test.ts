// compareRuns: cells of two runs paired on equal dimension values, Δ ms and Δ % with intervals that
// bracket a known shift; runs measuring different conditions are refused, naming which.

import { describe, expect, it } from "vitest";
import { compareRuns, renderCompareMarkdown } from "../src/compare-runs.js";
import { parseResults } from "../src/load.js";
import type { Row } from "../src/row.js";
import { exponential, jsonl, meta, mulberry32, rowsFor } from "./synth.js";

const rand = mulberry32(11);
const PQ = { kex: "X25519MLKEM768", chain: "mldsa65" };

function run(name: string, rows: Row[]) {
  return parseResults(jsonl(meta({ run: name }), rows), `${name}.jsonl`);
}

describe("compareRuns", () => {
  const base = exponential(400, 5, 100, rand);
  const a = run("a", [
    ...rowsFor({ ...PQ, rtt_ms: 35, handshake: base }, "a"),
    ...rowsFor({ ...PQ, rtt_ms: 200, handshake: base.map((x) => x + 200) }, "a"),
  ]);
  // B: 10 ms slower at 35 ms, unchanged at 200 ms; its cell ids differ (a later plan's naming).
  const b = run("b", [
    ...rowsFor({ ...PQ, rtt_ms: 35, cell: "renamed-35", handshake: exponential(400, 5, 110, rand) }, "b"),
    ...rowsFor({ ...PQ, rtt_ms: 200, cell: "renamed-200", handshake: exponential(400, 5, 300, rand) }, "b"),
  ]);

  it("pairs equal cells and reports Δ ms and Δ % with intervals around the true shift", () => {
    const r = compareRuns(
      a,
      b,
      { a: "a.jsonl", b: "b.jsonl" },
      { bootstrap: { resamples: 500, level: 0.95, seed: 3 } },
    );
    expect(r.cells).toHaveLength(2);
    const at35 = r.cells.find((c) => c.condition.rtt_ms === 35)!;
    expect(at35.cell_b).toBe("renamed-35");
    const p50 = at35.deltas.find((d) => d.metric === "handshake_ms" && d.percentile === "p50")!;
    expect(p50.delta_ms).toBeCloseTo(p50.b_ms - p50.a_ms, 10);
    expect(p50.delta_ci.low).toBeLessThan(10);
    expect(p50.delta_ci.high).toBeGreaterThan(10);
    expect(p50.delta_ci.low).toBeGreaterThan(7);
    expect(p50.pct_ci.low).toBeGreaterThan(0);
    const at200 = r.cells.find((c) => c.condition.rtt_ms === 200)!;
    const same = at200.deltas.find((d) => d.metric === "handshake_ms" && d.percentile === "p50")!;
    expect(same.delta_ci.low).toBeLessThan(0);
    expect(same.delta_ci.high).toBeGreaterThan(0);
    const md = renderCompareMarkdown(r);
    expect(md).toContain("Δ ms [95 % CI]");
    expect(md).toContain(`+${p50.delta_ms.toFixed(2)} [`);
  });

  it("refuses runs whose conditions differ, naming the cells, unless matchingOnly", () => {
    const c = run("c", rowsFor({ ...PQ, rtt_ms: 35, handshake: exponential(100, 5, 100, rand) }, "c"));
    expect(() => compareRuns(a, c, { a: "a.jsonl", b: "c.jsonl" })).toThrow(
      /do not measure the same conditions: 1 cells only in a\.jsonl \(e\.g\. X25519MLKEM768 \+ mldsa65, .*rtt_ms=200/,
    );
    const r = compareRuns(a, c, { a: "a.jsonl", b: "c.jsonl" }, { matchingOnly: true });
    expect(r.cells).toHaveLength(1);
    expect(r.only_a).toHaveLength(1);
    expect(renderCompareMarkdown(r)).toContain("only in A:");
    const d = run("d", rowsFor({ ...PQ, rtt_ms: 80, handshake: exponential(100, 5, 100, rand) }, "d"));
    expect(() => compareRuns(a, d, { a: "a.jsonl", b: "d.jsonl" }, { matchingOnly: true })).toThrow(
      /share no cell/,
    );
  });

  it("compares two engines' runs across engine: pairs on every other dimension, refuses without it", () => {
    // B: the same cells run by OpenSSL, 4 ms slower at 35 ms.
    const openssl = run(
      "o",
      [
        ...rowsFor({ ...PQ, rtt_ms: 35, handshake: exponential(400, 5, 104, rand) }, "o"),
        ...rowsFor({ ...PQ, rtt_ms: 200, handshake: exponential(400, 5, 300, rand) }, "o"),
      ].map((r) => ({ ...r, engine: "openssl" as const, cell: `openssl/${r.cell}` })),
    );
    // Without --across nothing pairs, and the refusal names the way out.
    expect(() => compareRuns(a, openssl, { a: "a.jsonl", b: "o.jsonl" })).toThrow(
      /share no cell .*; the runs differ throughout in engine pqtls vs openssl: --across engine compares them across it$/,
    );
    const r = compareRuns(
      a,
      openssl,
      { a: "a.jsonl", b: "o.jsonl" },
      { across: ["engine"], bootstrap: { resamples: 500, level: 0.95, seed: 3 } },
    );
    expect(r.cells).toHaveLength(2);
    expect(r.across).toEqual([{ field: "engine", a: ["pqtls"], b: ["openssl"] }]);
    const at35 = r.cells.find((c) => c.condition.rtt_ms === 35)!;
    expect(at35.cell_b).toBe(`openssl/${at35.cell_a}`);
    const p50 = at35.deltas.find((d) => d.metric === "handshake_ms" && d.percentile === "p50")!;
    expect(p50.delta_ci.low).toBeLessThan(4);
    expect(p50.delta_ci.high).toBeGreaterThan(4);
    expect(renderCompareMarkdown(r)).toContain("Compared across **engine** (A: pqtls; B: openssl)");
    // A run holding both engines cannot be paired across engine: refused, naming the two cells.
    const both = run(
      "both",
      [...a.rows, ...openssl.rows].map((x) => ({ ...x, run: "both" })),
    );
    expect(() =>
      compareRuns(both, openssl, { a: "both.jsonl", b: "o.jsonl" }, { across: ["engine"] }),
    ).toThrow(
      /^both\.jsonl has cells that differ only in engine \(.*engine=pqtls.* and .*engine=openssl.*\); comparing across engine needs one value of it per cell in each run$/,
    );
  });
});
