// --baseline on any dimension of the registry: engine, certificate compression, resumption, several
// at once; a selector value no cell has is one error listing the values present; a report that
// compares nothing says why at its top.

import { describe, expect, it } from "vitest";
import { renderMarkdown } from "../src/markdown.js";
import type { Row } from "../src/row.js";
import { summarizeRows } from "../src/summary.js";
import { SelectorError } from "../src/variant.js";
import { exponential, meta, mulberry32, rowsFor } from "./synth.js";

const rand = mulberry32(7);
const CLASSIC = { kex: "x25519", chain: "rsa2048" };
const PQ = { kex: "X25519MLKEM768", chain: "mldsa65" };

/** Rows of one cell with extra dimension fields set (engine, cert_compression, resume ...). */
function cell(v: { kex: string; chain: string }, extra: Partial<Row>, offset: number, n = 200): Row[] {
  const id = `${v.kex}/${v.chain}/${JSON.stringify(extra)}`;
  return rowsFor({ ...v, cell: id, handshake: exponential(n, 4, offset, rand) }).map((r) => ({
    ...r,
    ...extra,
  }));
}

describe("--baseline on any dimension", () => {
  it("engine=openssl pairs each pqtls cell with the openssl cell of the same kex and chain", () => {
    const rows = [
      ...cell(CLASSIC, { engine: "openssl" }, 50),
      ...cell(CLASSIC, { engine: "pqtls" }, 100),
      ...cell(PQ, { engine: "openssl" }, 60),
      ...cell(PQ, { engine: "pqtls" }, 120),
    ];
    const s = summarizeRows(rows, [meta()], { baseline: "engine=openssl", resamples: 200 });
    expect(s.no_comparison).toBeNull();
    expect(s.comparisons).toHaveLength(2);
    for (const c of s.comparisons) {
      expect(c.baseline.variant).toMatchObject({
        kex: c.variant.variant.kex,
        chain: c.variant.variant.chain,
      });
      expect(c.baseline.variant).toMatchObject({ engine: "openssl" });
      expect(c.variant.variant).toMatchObject({ engine: "pqtls" });
      // pqtls cells sit at twice the openssl offset: a large, positive increase.
      expect(c.metrics.handshake_ms?.p50.increase_pct).toBeGreaterThan(50);
    }
    const md = renderMarkdown(s);
    expect(md).toContain("engine openssl");
    expect(md).not.toContain("No comparison in this report");
    // The comparison tables have no engine column: it would show the baseline's engine on a row
    // comparing two engines. Each side's label names its engine instead.
    const summary = md.slice(md.indexOf("## Summary"));
    const header = summary.split("\n").find((l) => l.startsWith("| variant"))!;
    expect(header).not.toContain("| engine |");
    expect(summary).toContain(
      "| X25519MLKEM768 + mldsa65, engine pqtls | X25519MLKEM768 + mldsa65, engine openssl |",
    );
    // The per-cell statistics keep it: there a cell is one engine's.
    const cells = md.slice(md.indexOf("## Per-cell statistics"));
    expect(cells.split("\n").find((l) => l.startsWith("| "))).toContain("| engine |");
  });

  it("compression=brotli compares with the none cells (rows leave cert_compression out at none)", () => {
    const rows = [
      ...cell(PQ, {}, 100),
      ...cell(PQ, { cert_compression: "brotli" }, 90),
      ...cell(PQ, { cert_compression: "zlib" }, 95),
    ];
    const s = summarizeRows(rows, [meta()], { baseline: "cert_compression=none", resamples: 200 });
    expect(s.comparisons.map((c) => c.variant.variant.cert_compression).sort()).toEqual(["brotli", "zlib"]);
    const narrowed = summarizeRows(rows, [meta()], {
      baseline: "compression=none",
      variant: "compression=brotli",
      resamples: 200,
    });
    expect(narrowed.comparisons).toHaveLength(1);
    expect(narrowed.comparisons[0].metrics.handshake_ms?.p50.increase_pct).toBeLessThan(0);
  });

  it("several dimensions at once: resumption=full,engine=openssl", () => {
    const rows = [
      ...cell(CLASSIC, { engine: "openssl", resume: "full" }, 100),
      ...cell(CLASSIC, { engine: "openssl", resume: "resumed" }, 60),
      ...cell(CLASSIC, { engine: "pqtls", resume: "full" }, 110),
      ...cell(CLASSIC, { engine: "pqtls", resume: "resumed" }, 70),
    ];
    const s = summarizeRows(rows, [meta()], { baseline: "resumption=full,engine=openssl", resamples: 200 });
    expect(s.comparisons).toHaveLength(3);
    expect(new Set(s.comparisons.map((c) => c.baseline.cell)).size).toBe(1);
  });

  it("a value no cell has is one error naming the values present", () => {
    const rows = [...cell(CLASSIC, {}, 50), ...cell(PQ, {}, 60)];
    expect(() => summarizeRows(rows, [meta()], { baseline: "kex=foo" })).toThrow(SelectorError);
    expect(() => summarizeRows(rows, [meta()], { baseline: "kex=foo" })).toThrow(
      /--baseline kex=foo matches no kex .*present: x25519, X25519MLKEM768/,
    );
    expect(() => summarizeRows(rows, [meta()], { baseline: "colour=red" })).toThrow(/unknown key "colour"/);
  });

  it("a report without any comparison says why at the top", () => {
    // Only PQ cells (an override dropped the classical variant): nothing to compare with.
    const rows = [...cell(PQ, {}, 60), ...cell({ kex: "X25519MLKEM768", chain: "mldsa44" }, {}, 55)];
    const s = summarizeRows(rows, [meta()], { baseline: "kex=pq,chain=mldsa44", variant: "chain=mldsa65" });
    expect(s.comparisons).toHaveLength(1);
    const none = summarizeRows([...cell(PQ, {}, 60)], [meta()], { resamples: 200 });
    expect(none.comparisons).toHaveLength(0);
    expect(none.no_comparison).toMatch(/baseline/);
    const md = renderMarkdown(none);
    const top = md.split("\n").slice(0, 6).join("\n");
    expect(top).toContain(`No comparison in this report**: ${none.no_comparison}`);
  });
});

describe("chain=pq / chain=classical by the leaf key the rows record (chain_key)", () => {
  // Folder chains (`--chain ./mine`): their names say nothing, so the rows' chain_key decides.
  const FOLDER_PQ = { kex: "X25519MLKEM768", chain: "./chains/mine" };
  const FOLDER_RSA = { kex: "x25519", chain: "/data/chains/deployed" };
  const keyed = (rows: Row[], key: string) => rows.map((r) => ({ ...r, chain_key: key }));

  it("compares a folder chain with an ML-DSA leaf as PQ against a folder chain with an RSA leaf", () => {
    const rows = [...keyed(cell(FOLDER_RSA, {}, 100), "rsa"), ...keyed(cell(FOLDER_PQ, {}, 230), "mldsa65")];
    const s = summarizeRows(rows, [meta()], { resamples: 50 });
    expect(s.comparisons.map((c) => [c.baseline.variant.chain, c.variant.variant.chain])).toEqual([
      ["/data/chains/deployed", "./chains/mine"],
    ]);
    expect(s.comparisons[0].variant.chain_key).toBe("mldsa65");
  });

  it("takes the key from any row of a cell, as when an older file is merged with a newer one", () => {
    const older = cell(FOLDER_PQ, {}, 230, 100);
    const newer = keyed(cell(FOLDER_PQ, {}, 230, 100), "mldsa65").map((r) => ({
      ...r,
      sample: r.sample + 100,
    }));
    const rows = [...keyed(cell(FOLDER_RSA, {}, 100), "rsa"), ...older, ...newer];
    const s = summarizeRows(rows, [meta()], { resamples: 50 });
    expect(s.comparisons.map((c) => c.variant.variant.chain)).toEqual(["./chains/mine"]);
    expect(s.comparisons[0].variant.attempts).toBe(200);
  });

  it("without chain_key (older files) the name decides, so the same folders compare nothing", () => {
    const rows = [...cell(FOLDER_RSA, {}, 100), ...cell(FOLDER_PQ, {}, 230)];
    const s = summarizeRows(rows, [meta()], { resamples: 50 });
    expect(s.comparisons).toHaveLength(0);
    expect(s.no_comparison).not.toBeNull();
  });

  it("a recorded key wins over a misleading name: an RSA chain called mldsa-like is classical", () => {
    const MISNAMED = { kex: "x25519", chain: "./mldsa65-lookalike" };
    const rows = [...keyed(cell(MISNAMED, {}, 100), "rsa"), ...keyed(cell(PQ, {}, 230), "mldsa65")];
    const s = summarizeRows(rows, [meta()], { resamples: 50 });
    expect(s.comparisons.map((c) => [c.baseline.variant.chain, c.variant.variant.chain])).toEqual([
      ["./mldsa65-lookalike", "mldsa65"],
    ]);
  });
});

describe("the run's own comparison (config report_baseline / report_variant)", () => {
  // A study preset's size-only chains are RSA padded to ML-DSA sizes: classical by name, so the
  // default variant (kex=pq,chain=pq) leaves them out; the preset says report_variant: kex=pq.
  const PADDED = { kex: "X25519MLKEM768", chain: "rsa2048@16KiB" };
  const rows = [...cell(CLASSIC, {}, 100), ...cell(PADDED, {}, 240), ...cell(PQ, {}, 220)];
  const chains = (s: ReturnType<typeof summarizeRows>) =>
    s.comparisons.map((c) => c.variant.variant.chain).sort();

  it("by default compares PQ kex + PQ chain only", () => {
    expect(chains(summarizeRows(rows, [meta()], { resamples: 50 }))).toEqual(["mldsa65"]);
  });

  it("takes the run's report_variant from its meta line, and an explicit --variant over it", () => {
    const m = meta({ config: { preset: "handshake-loss", samples: 200, report_variant: "kex=pq" } });
    expect(chains(summarizeRows(rows, [m], { resamples: 50 }))).toEqual(["mldsa65", "rsa2048@16KiB"]);
    expect(chains(summarizeRows(rows, [m], { resamples: 50, variant: "chain=pq" }))).toEqual(["mldsa65"]);
  });

  it("takes report_baseline too; an explicit --baseline replaces the run's whole comparison", () => {
    const m = meta({ config: { samples: 200, report_baseline: "chain=mldsa65", report_variant: "kex=pq" } });
    const s = summarizeRows(rows, [m], { resamples: 50 });
    expect(s.comparisons.map((c) => [c.baseline.variant.chain, c.variant.variant.chain])).toEqual([
      ["mldsa65", "rsa2048@16KiB"],
    ]);
    const own = summarizeRows(rows, [m], { resamples: 50, baseline: "kex=classical,chain=classical" });
    expect(chains(own)).toEqual(["mldsa65", "rsa2048@16KiB"]);
  });
});
