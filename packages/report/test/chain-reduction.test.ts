// The "Chain-size trimming" section on synthetic rows: per mechanism against no reduction, the
// server→client bytes and bytes saved, the handshake/TTLB p50 change and Δ ms (numbers checked
// against a median computed here, intervals against the report's own comparisons), and the note
// where the server's flight crosses initcwnd × MSS — in the markdown, the HTML and the JSON summary.

import { describe, expect, it } from "vitest";
import { renderHtml } from "../src/html.js";
import { renderMarkdown } from "../src/markdown.js";
import type { Row } from "../src/row.js";
import { summarizeRows } from "../src/summary.js";
import { meta, rowsFor } from "./synth.js";

interface Spec {
  reduction: string;
  knowledge?: string;
  initcwnd: number;
  bytes: number;
  s2c: number;
  handshake: number[];
}

function rows(s: Spec): Row[] {
  return rowsFor({
    kex: "X25519MLKEM768",
    chain: "mldsa65",
    rtt_ms: 200,
    bytes: s.bytes,
    cell: `${s.reduction}/${s.knowledge ?? "none"}/${s.initcwnd}/${s.bytes}`,
    handshake: s.handshake,
  }).map((r) => ({
    ...r,
    initcwnd: s.initcwnd,
    hs_bytes_s2c: s.s2c,
    ...(s.reduction === "none" ? {} : { chain_reduction: s.reduction as Row["chain_reduction"] }),
    ...(s.knowledge ? { client_knowledge: s.knowledge as Row["client_knowledge"] } : {}),
  }));
}

/** Type-7 median of an odd number of values: the middle one once sorted (computed independently). */
function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[(s.length - 1) / 2];
}

// Seven samples each; without reduction the PQ flight (17,000 B) is over 10 × 1448 = 14,480 B and
// takes an extra round trip; suppress-ca (11,000 B) fits; zlib (16,500 B) does not. At initcwnd 20
// (28,960 B) every flight fits.
const NONE = [640, 610, 655, 600, 620, 630, 645];
const SCA = [420, 405, 440, 400, 410, 430, 415];
const ZLIB = [615, 600, 640, 590, 605, 625, 630];
// No reduction measured with a warm-up too (cached): suppress-ca with cached knowledge pairs with it.
const NONE_CACHED = [650, 660, 640, 655, 670, 645, 665];
const SCA_CACHED = [430, 425, 450, 410, 420, 440, 435];
const specs: Spec[] = [];
for (const initcwnd of [10, 20])
  for (const bytes of [0, 10240]) {
    specs.push({ reduction: "none", initcwnd, bytes, s2c: 17000, handshake: NONE });
    specs.push({
      reduction: "suppress-ca",
      knowledge: "preloaded",
      initcwnd,
      bytes,
      s2c: 11000,
      handshake: SCA,
    });
    specs.push({ reduction: "zlib", initcwnd, bytes, s2c: 16500, handshake: ZLIB });
    specs.push({
      reduction: "none",
      knowledge: "cached",
      initcwnd,
      bytes,
      s2c: 17100,
      handshake: NONE_CACHED,
    });
    specs.push({
      reduction: "suppress-ca",
      knowledge: "cached",
      initcwnd,
      bytes,
      s2c: 11000,
      handshake: SCA_CACHED,
    });
  }
const all = specs.flatMap(rows);

describe("chain-size trimming section", () => {
  const s = summarizeRows(all, [meta()], { resamples: 200 });

  it("compares each mechanism with none under equal other dimensions, bytes and times checked independently", () => {
    // 2 link conditions × 2 sizes × 3 mechanism cells (none with a warm-up is no mechanism).
    expect(s.chain_reduction).toHaveLength(12);
    expect(s.chain_reduction.filter((r) => r.mechanism === "none")).toEqual([]);
    const sca = s.chain_reduction.find(
      (r) =>
        r.mechanism === "suppress-ca" &&
        r.client_knowledge === "preloaded" &&
        r.condition.initcwnd === 10 &&
        r.bytes === 0,
    );
    expect(sca).toBeDefined();
    if (!sca) return;
    expect(sca.client_knowledge).toBe("preloaded");
    // None was not measured with preloaded knowledge: the client that holds nothing is the baseline.
    expect(sca.baseline_client_knowledge).toBe("none");
    expect(sca.s2c_none).toBe(17000);
    expect(sca.s2c_mechanism).toBe(11000);
    expect(sca.saved_bytes).toBe(6000);
    const hs = sca.handshake_p50;
    expect(hs?.baseline).toBe(median(NONE));
    expect(hs?.variant).toBe(median(SCA));
    expect(hs?.delta_ms).toBeCloseTo(median(SCA) - median(NONE), 9);
    expect(hs?.increase_pct).toBeCloseTo(100 * (median(SCA) / median(NONE) - 1), 9);
    // At 0 B the TTLB is the handshake time; at 10 KiB the synthetic rows put it 2 ms later.
    const sca10k = s.chain_reduction.find(
      (r) =>
        r.mechanism === "suppress-ca" &&
        r.client_knowledge === "preloaded" &&
        r.condition.initcwnd === 10 &&
        r.bytes === 10240,
    );
    expect(sca10k?.ttlb_p50?.delta_ms).toBeCloseTo(median(SCA) + 2 - (median(NONE) + 2), 9);
    // Cached knowledge: paired with none measured after a warm-up too.
    const cached = s.chain_reduction.find(
      (r) =>
        r.mechanism === "suppress-ca" &&
        r.client_knowledge === "cached" &&
        r.condition.initcwnd === 20 &&
        r.bytes === 0,
    );
    expect(cached?.baseline_client_knowledge).toBe("cached");
    expect(cached?.s2c_none).toBe(17100);
    expect(cached?.saved_bytes).toBe(6100);
    expect(cached?.handshake_p50?.delta_ms).toBeCloseTo(median(SCA_CACHED) - median(NONE_CACHED), 9);
    expect(sca.n_none).toBe(7);
    expect(sca.n_mechanism).toBe(7);
  });

  it("takes its intervals from the report's comparison code (same pairs as a --baseline chain_reduction=none report)", () => {
    const preloadedOrNone = all.filter((r) => r.client_knowledge !== "cached");
    const byBaseline = summarizeRows(preloadedOrNone, [meta()], {
      resamples: 200,
      baseline: "chain_reduction=none,client_knowledge=none",
    });
    for (const r of s.chain_reduction.filter((x) => x.client_knowledge !== "cached")) {
      const c = byBaseline.comparisons.find(
        (x) =>
          x.bytes === r.bytes &&
          x.condition.initcwnd === r.condition.initcwnd &&
          (x.variant.variant as Record<string, unknown>).chain_reduction === r.mechanism,
      );
      expect(c?.metrics.handshake_ms?.p50.ci).toEqual(r.handshake_p50?.ci);
      expect(c?.metrics.handshake_ms?.p50.delta_ci).toEqual(r.handshake_p50?.delta_ci);
      expect(r.handshake_p50?.ci.low).toBeLessThan(r.handshake_p50?.increase_pct ?? Number.NaN);
    }
  });

  it("sets the server flight against initcwnd × MSS with the MSS from the rows' MTU", () => {
    const at = (mech: string, cwnd: number) =>
      s.chain_reduction.find((r) => r.mechanism === mech && r.condition.initcwnd === cwnd && r.bytes === 0)
        ?.window;
    // MTU 1500 − 52 = 1448 (independently: the default Linux MSS with timestamps).
    expect(at("suppress-ca", 10)).toMatchObject({
      mss: 1448,
      mss_source: "mtu",
      budget_bytes: 14480,
      baseline_over: true,
      mechanism_over: false,
    });
    expect(at("zlib", 10)).toMatchObject({ baseline_over: true, mechanism_over: true });
    expect(at("zlib", 20)).toMatchObject({
      budget_bytes: 28960,
      baseline_over: false,
      mechanism_over: false,
    });
    const jumbo = summarizeRows(
      all.map((r) => ({ ...r, mtu: 9000 })),
      [meta()],
      { resamples: 50 },
    );
    expect(jumbo.chain_reduction[0].window?.mss).toBe(9000 - 52);
  });

  it("is a markdown and HTML section with a note per crossing", () => {
    const md = renderMarkdown(s);
    const section = md.slice(
      md.indexOf("## Chain-size trimming"),
      md.indexOf("## ", md.indexOf("## Chain-size trimming") + 3),
    );
    expect(section).toContain("## Chain-size trimming");
    expect(section).toContain("MSS = the rows' MTU − 52");
    expect(section).toMatch(
      /\| 10 \| 0 B \| suppress-ca \| preloaded \(vs none with knowledge none\) \| 17,000 → 11,000 \| 6,000 \|/,
    );
    expect(section).toContain(
      "without reduction the server's flight (17,000 B) is over 14,480 B (initcwnd 10 × MSS 1448); suppress-ca (client knowledge preloaded) brings it under (11,000 B).",
    );
    expect(section).toContain("zlib (client knowledge none) does not bring it under (16,500 B).");
    expect(section).toMatch(/\| 10 \| 0 B \| suppress-ca \| cached \| 17,100 → 11,000 \| 6,100 \|/);
    // At initcwnd 20 everything fits: no crossing note for it.
    expect(section).not.toContain("initcwnd 20 × MSS 1448);");
    expect(section).not.toContain("size model");
    const html = renderHtml("r", md, []);
    expect(html).toMatch(/<h2[^>]*>Chain-size trimming<\/h2>/);
    expect(html).toContain("17,000 → 11,000");
  });

  it("pairs with none under the same knowledge when none was measured only with it (no error for the missing blank client)", () => {
    const preloaded = specs
      .filter((x) => x.knowledge !== "cached")
      .map((x) => ({ ...x, knowledge: "preloaded" }))
      .flatMap(rows);
    const p = summarizeRows(preloaded, [meta()], { resamples: 50 });
    expect(p.chain_reduction.map((r) => [r.mechanism, r.baseline_client_knowledge])).toContainEqual([
      "suppress-ca",
      "preloaded",
    ]);
    expect(p.chain_reduction).toHaveLength(8);
    // No no-reduction cell at all: nothing to compare with, no section, no error.
    const noNone = specs.filter((x) => x.reduction !== "none").flatMap(rows);
    expect(summarizeRows(noNone, [meta()], { resamples: 50 }).chain_reduction).toEqual([]);
  });

  it("is absent when the run does not vary chain_reduction", () => {
    const plain = summarizeRows(specs.filter((x) => x.reduction === "none").flatMap(rows), [meta()], {
      resamples: 50,
    });
    expect(plain.chain_reduction).toEqual([]);
    expect(renderMarkdown(plain)).not.toContain("Chain-size trimming");
  });
});
