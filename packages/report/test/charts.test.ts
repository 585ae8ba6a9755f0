// Charts: well-formed SVG whose marks carry the summary's numbers, with the expected series and
// axis titles; rendered to PNG by librsvg (required in CI, where .ci/run installs librsvg2-bin).

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { handshakeIncreaseSpec, renderSvg, ttlbCdfSpec, ttlbIncreaseSpec } from "../src/charts.js";
import { parseResults } from "../src/load.js";
import type { Row } from "../src/row.js";
import { type ReportSummary, summarize } from "../src/summary.js";
import { assertWellFormedSvg, hasRsvg, rsvgToPng } from "./svg.js";
import { exponential, jsonl, meta, mulberry32, rowsFor } from "./synth.js";

const dir = mkdtempSync(join(tmpdir(), "pqtls-report-charts-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const SIZES = [0, 10240, 102400];
let summary: ReportSummary;

beforeAll(() => {
  const rand = mulberry32(99);
  const rows: Row[] = [];
  for (const loss of [0, 3]) {
    for (const bytes of SIZES) {
      const base = exponential(60, 5, 70 + loss * 10, rand);
      const pq = exponential(60, 5, 82 + loss * 10, rand);
      const t = bytes / 100;
      rows.push(
        ...rowsFor({
          kex: "x25519",
          chain: "rsa2048",
          loss_pct: loss,
          bytes,
          handshake: base,
          ttlb: base.map((x) => x + t),
        }),
      );
      rows.push(
        ...rowsFor({
          kex: "X25519MLKEM768",
          chain: "mldsa65",
          loss_pct: loss,
          bytes,
          handshake: pq,
          ttlb: pq.map((x) => x + t),
        }),
      );
    }
  }
  summary = summarize(parseResults(jsonl(meta(), rows), "charts.jsonl"), { resamples: 200 });
});

function textsOf(svg: string): string[] {
  return [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
}

function ariaLabels(svg: string, role: string): string[] {
  return [
    ...svg.matchAll(
      new RegExp(`<path aria-label="([^"]*)" role="graphics-symbol" aria-roledescription="${role}"`, "g"),
    ),
  ].map((m) => m[1]);
}

describe("handshake increase bar chart", () => {
  it("draws one bar per condition and percentile, at the summary's values, with titled axes", async () => {
    const rows = summary.figures.handshake_increase;
    const svg = await renderSvg(handshakeIncreaseSpec(rows));
    assertWellFormedSvg(svg);
    const texts = textsOf(svg);
    expect(texts).toEqual(
      expect.arrayContaining([
        "Link condition",
        "Handshake time increase (%)",
        "Percentile",
        "p50",
        "p75",
        "p90",
      ]),
    );
    expect(texts).toEqual(expect.arrayContaining(["loss 0 %", "loss 3 %"]));
    const bars = ariaLabels(svg, "bar");
    expect(bars).toHaveLength(rows.length * 3);
    for (const r of rows) {
      for (const p of ["p50", "p75", "p90"] as const) {
        const bar = bars.find(
          (b) => b.startsWith(`Link condition: ${r.label};`) && b.includes(`percentile: ${p}`),
        );
        expect(bar, `${r.label} ${p}`).toBeDefined();
        const drawn = Number(/Handshake time increase \(%\): ([-\d.e]+)/.exec(bar!)![1]);
        expect(drawn).toBeCloseTo(r.increase[p].increase_pct, 6);
      }
    }
    expect(svg).not.toMatch(/NaN/);
  });

  it("gives each compared pair its own row of bars when there are several", async () => {
    const one = summary.figures.handshake_increase;
    const two = [...one, ...one.map((r) => ({ ...r, pair: "MLKEM1024 + mldsa87 vs x25519 + rsa2048" }))];
    const svg = await renderSvg(handshakeIncreaseSpec(two));
    assertWellFormedSvg(svg);
    expect(textsOf(svg)).toEqual(
      expect.arrayContaining([
        one[0].pair,
        "MLKEM1024 + mldsa87 vs x25519 + rsa2048",
        "Handshake time increase",
      ]),
    );
    expect(ariaLabels(svg, "bar")).toHaveLength(two.length * 3);
  });
});

describe("TTLB increase line chart", () => {
  it("has a panel per condition and a line per percentile through every size", async () => {
    const svg = await renderSvg(ttlbIncreaseSpec(summary.figures.ttlb_increase));
    assertWellFormedSvg(svg);
    const texts = textsOf(svg);
    expect(texts).toEqual(
      expect.arrayContaining(["Response size (KiB)", "TTLB increase (%)", "loss 0 %", "loss 3 %"]),
    );
    const lines = ariaLabels(svg, "line mark");
    expect(lines).toHaveLength(2 * 3);
    for (const p of ["p50", "p75", "p90"])
      expect(lines.filter((l) => l.endsWith(`Percentile: ${p}`))).toHaveLength(2);
    const points = ariaLabels(svg, "point");
    expect(points).toHaveLength(2 * 3 * SIZES.length);
    const series = summary.figures.ttlb_increase[0];
    const at10k = series.points.find((pt) => pt.bytes === 10240)!.increase.p90.increase_pct;
    const drawn = points
      .filter((pt) => pt.startsWith("Response size (KiB): 10;") && pt.endsWith("Percentile: p90"))
      .map((pt) => Number(/TTLB increase \(%\): ([-\d.e]+)/.exec(pt)![1]));
    expect(drawn).toHaveLength(2);
    expect(drawn.some((v) => Math.abs(v - at10k) < 1e-6)).toBe(true);
  });
});

describe("TTLB CDF chart", () => {
  it("has a panel per size and one step line per variant, rising to 1", async () => {
    const series = summary.figures.ttlb_cdf.filter((s) => s.condition.loss_pct === 0);
    const svg = await renderSvg(ttlbCdfSpec(series, "TTLB CDF, loss 0 %"));
    assertWellFormedSvg(svg);
    const texts = textsOf(svg);
    expect(texts).toEqual(
      expect.arrayContaining([
        "TTLB CDF, loss 0 %",
        "Time to last byte (ms)",
        "Fraction of connections",
        "x25519 + rsa2048",
        "X25519MLKEM768 + mldsa65",
        "0 B",
        "10 KiB",
        "100 KiB",
      ]),
    );
    const lines = ariaLabels(svg, "line mark");
    expect(lines).toHaveLength(SIZES.length * 2);
    expect(lines.filter((l) => l.includes("Variant: X25519MLKEM768 + mldsa65;"))).toHaveLength(SIZES.length);
  });

  it("renders to a PNG with librsvg", async (ctx) => {
    if (!hasRsvg()) {
      if (process.env.CI) throw new Error("rsvg-convert missing: .ci/run must install librsvg2-bin");
      ctx.skip();
    }
    const svgPath = join(dir, "cdf.svg");
    const series = summary.figures.ttlb_cdf.filter((x) => x.condition.loss_pct === 3);
    writeFileSync(svgPath, await renderSvg(ttlbCdfSpec(series, "TTLB CDF, loss 3 %")));
    const png = rsvgToPng(svgPath, join(dir, "cdf.png"));
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    const width = png.readUInt32BE(16);
    const height = png.readUInt32BE(20);
    expect(width).toBeGreaterThan(400);
    expect(height).toBeGreaterThan(200);
  });
});

describe("the SVG checker itself", () => {
  it("rejects unbalanced or rootless markup", () => {
    expect(() => assertWellFormedSvg("<svg><g></svg>")).toThrow();
    expect(() => assertWellFormedSvg("<svg/><svg/>")).toThrow();
    expect(() => assertWellFormedSvg('<svg><g a="1"></g></svg>')).not.toThrow();
  });
});
