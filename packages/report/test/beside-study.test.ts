// "Beside the study": verdicts from hand-chosen numbers, the choice of the variant standing for the
// study's PQ, a synthetic run whose numbers are known exactly, and a real run
// (docs/results/ttlb-increase.jsonl) whose rows are checked against the raw rows.

import { readFileSync } from "node:fs";
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { chainSuffixBytes, judge } from "../src/beside-study.js";
import { writeReport } from "../src/report.js";
import type { Row } from "../src/row.js";
import { STUDY_CLAIMS } from "../src/study.js";
import { summarizeRows } from "../src/summary.js";
import { SelectorError } from "../src/variant.js";
import { meta, rowsFor } from "./synth.js";

const ci = (low: number, high: number) => ({ low, high });

describe("verdicts", () => {
  it("a value is inside or outside our interval", () => {
    expect(judge({ kind: "point", value: 32 }, 30, ci(28, 33))).toEqual({
      verdict: "inside",
      difference: -2,
    });
    expect(judge({ kind: "approx", value: 32 }, 20, ci(19.8, 20.2))).toEqual({
      verdict: "outside",
      difference: -12,
    });
    expect(judge({ kind: "point", value: 5 }, 5, ci(5, 5)).verdict).toBe("inside");
  });

  it("a bound is met only when the whole interval is below it", () => {
    expect(judge({ kind: "bound", below: 15 }, 8, ci(7, 9))).toEqual({ verdict: "met", difference: -7 });
    expect(judge({ kind: "bound", below: 15 }, 14, ci(12, 16)).verdict).toBe("undecided");
    expect(judge({ kind: "bound", below: 15 }, 18, ci(15, 20)).verdict).toBe("not met");
  });

  it("a band is inside when our interval overlaps it; the difference is to its nearest end", () => {
    expect(judge({ kind: "range", low: 20, high: 30 }, 25, ci(22, 28))).toEqual({
      verdict: "inside",
      difference: 0,
    });
    expect(judge({ kind: "range", low: 20, high: 30 }, 40, ci(29, 50))).toEqual({
      verdict: "inside",
      difference: 10,
    });
    expect(judge({ kind: "range", low: 20, high: 30 }, 12, ci(10, 15))).toEqual({
      verdict: "outside",
      difference: -8,
    });
  });

  it("without an interval there is no verdict", () => {
    expect(judge({ kind: "point", value: 1 }, 1, ci(Number.NaN, Number.NaN)).verdict).toBe("no interval");
  });

  it("reads a chain's size from its padding suffix", () => {
    expect(chainSuffixBytes("mldsa44@16KB")).toBe(16384);
    expect(chainSuffixBytes("rsa2048@8KB")).toBe(8192);
    expect(chainSuffixBytes("mldsa65")).toBeNull();
  });
});

/** One cell at the study's absolute-TTLB condition: 1 Mbit/s, 200 ms, 10 % loss, 200 KiB. */
function slowLossy(kex: string, chain: string, ttlb: number[], cert?: number): Row[] {
  return rowsFor({
    kex,
    chain,
    rate_mbps: 1,
    rtt_ms: 200,
    loss_pct: 10,
    bytes: 204800,
    cell: `${kex}/${chain}`,
    handshake: ttlb.map(() => 900),
    ttlb,
  }).map((r) => (cert === undefined ? r : { ...r, cert_msg_bytes: cert }));
}

describe("which variant is the study's PQ", () => {
  const rows = [
    ...slowLossy("x25519", "rsa2048", Array(30).fill(4000)),
    ...slowLossy("X25519MLKEM768", "mldsa44@8KB", Array(30).fill(4400)),
    ...slowLossy("X25519MLKEM768", "mldsa65", Array(30).fill(4600), 11000),
    ...slowLossy("X25519MLKEM768", "mldsa87", Array(30).fill(4800), 17000),
    // Exactly 16 KB, but a classical key exchange: the study's PQ has a PQ key exchange.
    ...slowLossy("x25519", "mldsa44@16KB", Array(30).fill(4700)),
  ];

  it("defaults to the PQ key exchange whose chain is closest to 16 KB (suffix, else the certificate measured)", () => {
    const s = summarizeRows(rows, [meta()], { resamples: 50, variant: "chain=pq" });
    expect(s.comparisons).toHaveLength(4);
    expect(s.beside_study.study_variant).toBe("X25519MLKEM768 + mldsa87");
    expect(s.beside_study.study_variant_reason).toContain("17,000 B");
    // The PQ side's absolute times are that variant's: 4,800 ms.
    const pq = s.beside_study.rows.filter((r) => r.claim.startsWith("ttlb200k-pq-10"));
    expect(pq.map((r) => r.ours)).toEqual([4800, 4800, 4800]);
  });

  it("takes --study-variant, and refuses one that matches no compared variant", () => {
    const s = summarizeRows(rows, [meta()], {
      resamples: 50,
      variant: "chain=pq",
      studyVariant: "chain=mldsa44@8KB",
    });
    expect(s.beside_study.study_variant).toBe("X25519MLKEM768 + mldsa44@8KB");
    expect(() =>
      summarizeRows(rows, [meta()], { resamples: 50, variant: "chain=pq", studyVariant: "chain=rsa2048" }),
    ).toThrow(SelectorError);
  });
});

describe("a run at the study's absolute-TTLB condition", () => {
  // Every connection the same: each percentile and its interval are that value.
  const s = summarizeRows(
    [
      ...slowLossy("x25519", "rsa2048", Array(40).fill(4644)),
      ...slowLossy("X25519MLKEM768", "mldsa65", Array(40).fill(6010)),
    ],
    [meta()],
    { resamples: 100 },
  );
  const b = s.beside_study;
  const row = (claim: string, p = "p50") => b.rows.find((r) => r.claim === claim && r.percentile === p)!;

  it("sets the study's absolute times beside ours with their differences", () => {
    expect(row("ttlb200k-classical-10-p50")).toMatchObject({ ours: 4644, difference: 0, verdict: "inside" });
    expect(row("ttlb200k-classical-10-p75", "p75")).toMatchObject({
      ours: 4644,
      difference: 4644 - 7093,
      verdict: "outside",
    });
    expect(row("ttlb200k-pq-10-p90", "p90")).toMatchObject({ ours: 6010, difference: 6010 - 12378 });
  });

  it("judges figure 4's 20–30 % band by the increase 6010 / 4644", () => {
    const expected = 100 * (6010 / 4644 - 1); // 29.41 %
    for (const p of ["p50", "p75", "p90"]) {
      const r = row("figure4", p);
      expect(r.ours).toBeCloseTo(expected, 9);
      expect(r.verdict).toBe("inside");
      expect(r.where).toBe("1 Mbit/s, 200 ms, 10 % loss, engine pqtls, 200 KiB");
    }
  });

  it("lists every claim it could not set beside ours", () => {
    const measured = new Set(b.rows.map((r) => r.claim));
    const missing = new Set(b.not_measured.map((m) => m.claim));
    for (const c of STUDY_CLAIMS) expect(measured.has(c.id) !== missing.has(c.id)).toBe(true);
    // 1 Gbit/s, 0 % loss and the handshake claims are not in a 10 %-loss, 200 KiB-only run.
    expect([...missing]).toEqual(
      expect.arrayContaining(["figure2-0k", "abstract-ttlb-high", "figure3-200k"]),
    );
    expect([...measured].sort()).toEqual(
      [
        "figure4",
        ...["p50", "p75", "p90"].flatMap((p) => [`ttlb200k-classical-10-${p}`, `ttlb200k-pq-10-${p}`]),
      ].sort(),
    );
  });
});

/** Type 7, written out. */
function type7(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  const h = (s.length - 1) * p;
  const lo = Math.floor(h);
  return s[lo] + (h - lo) * (s[Math.min(lo + 1, s.length - 1)] - s[lo]);
}

/** The verdict rule, restated independently of the module. */
function expectedVerdict(
  study: { kind: string; value?: number; below?: number; low?: number; high?: number },
  lo: number,
  hi: number,
): string {
  if (study.kind === "bound") return hi < study.below! ? "met" : lo >= study.below! ? "not met" : "undecided";
  if (study.kind === "range") return hi < study.low! || lo > study.high! ? "outside" : "inside";
  return lo <= study.value! && study.value! <= hi ? "inside" : "outside";
}

describe("on a real run (docs/results/ttlb-increase.jsonl)", () => {
  const input = join(__dirname, "..", "..", "..", "docs", "results", "ttlb-increase.jsonl");

  it("prints the section, each verdict following from the numbers, the absolute time from the raw rows", async () => {
    const dir = await mkdtemp(join(tmpdir(), "beside-"));
    const json = await writeReport([input], { out: join(dir, "r.json"), resamples: 300 });
    const b = json.summary.beside_study;
    expect(b.study_variant).toBe("X25519MLKEM768 + mldsa65");
    expect(b.rows.length).toBeGreaterThan(20);
    for (const r of b.rows) {
      expect(r.verdict).toBe(expectedVerdict(r.study, r.ci.low, r.ci.high));
      expect(r.ci.low).toBeLessThanOrEqual(r.ours + 1e-9);
      expect(r.ci.high).toBeGreaterThanOrEqual(r.ours - 1e-9);
    }
    // Figure 3 at 200 KiB is the Summary's own comparison.
    const fig3 = b.rows.find((r) => r.claim === "figure3-200k" && r.percentile === "p50")!;
    const cmp = json.summary.comparisons.find(
      (c) =>
        c.condition.rtt_ms === 200 &&
        c.condition.loss_pct === 0 &&
        c.condition.rate_mbps === 1 &&
        c.bytes === 204800,
    )!;
    expect(fig3.ours).toBe(cmp.metrics.ttlb_ms!.p50.increase_pct);
    // The classical 2,364 ms at 0 % loss against the raw rows' own p50.
    const raw = readFileSync(input, "utf8")
      .split("\n")
      .filter((l) => l.trim() !== "")
      .map((l) => JSON.parse(l))
      .filter(
        (r) =>
          r.type === "row" &&
          r.ok &&
          r.kex === "x25519" &&
          r.rate_mbps === 1 &&
          r.rtt_ms === 200 &&
          r.loss_pct === 0 &&
          r.bytes === 204800,
      )
      .map((r) => r.ttlb_ms as number);
    expect(raw.length).toBe(25);
    const abs = b.rows.find((r) => r.claim === "ttlb200k-classical-0" && r.percentile === "p50")!;
    expect(abs.ours).toBeCloseTo(type7(raw, 0.5), 9);
    expect(abs.difference).toBeCloseTo(type7(raw, 0.5) - 2364, 9);

    const md = await writeReport([input], { out: join(dir, "r.md"), resamples: 300 });
    const text = await readFile(md.files[0], "utf8");
    const section = text.slice(text.indexOf("## Beside the study"), text.indexOf("## Notes"));
    expect(section).toContain("The study's PQ is **X25519MLKEM768 + mldsa65**");
    const tableRows = section
      .split("\n")
      .filter((l) => l.startsWith("| ") && !l.startsWith("| study") && !l.startsWith("| ---"));
    expect(tableRows).toHaveLength(b.rows.length);
    expect(tableRows.map((l) => l.split(" | ").at(-1)!.replace(/ \|$/, ""))).toEqual(
      b.rows.map((r) => r.verdict),
    );
    // The claims whose condition the run lacks are named, not dropped.
    for (const m of b.not_measured) expect(section).toContain(m.words);
  });
});

describe("a run on the volatile link (figure 5)", () => {
  it("names the link in the registry's words: 1 Gbit/s, not 1000 Mbit/s", () => {
    const volatile = (kex: string, chain: string, ttlb: number) =>
      rowsFor({
        kex,
        chain,
        rate_mbps: 1000,
        rtt_ms: 35,
        jitter_ms: 8.75,
        bytes: 204800,
        cell: `${kex}/${chain}/volatile`,
        handshake: Array(30).fill(90),
        ttlb: Array(30).fill(ttlb),
      }).map((r) => ({ ...r, jitter_dist: "paretonormal" }));
    const s = summarizeRows(
      [...volatile("x25519", "rsa2048", 300), ...volatile("X25519MLKEM768", "mldsa65", 313.5)],
      [meta()],
      { resamples: 50 },
    );
    const r = s.beside_study.rows.find((x) => x.claim === "figure5-200k" && x.percentile === "p50")!;
    expect(r.where).toBe("1 Gbit/s, 35 ms, ±8.75 ms paretonormal, 0 % loss, engine pqtls, 200 KiB");
    expect(r.ours).toBeCloseTo(4.5, 9);
    expect(r.verdict).toBe("inside");
  });
});
