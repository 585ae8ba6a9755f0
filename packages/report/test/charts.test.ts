// Charts: well-formed SVG whose marks carry the summary's numbers, with the expected series and
// axis titles; short distinct condition labels; whiskers inside the plot; one TTLB figure per link
// with evenly spaced sizes and markers set apart; CDFs side by side per size with a grey baseline,
// n on the plot and a log option; handshake-only runs without TTLB figures; rendered to PNG by
// librsvg (required in CI, where .ci/run installs librsvg2-bin).

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  BASELINE_COLOUR,
  cdfOverlaySpec,
  cdfSpec,
  handshakeIncreaseSpec,
  renderSvg,
  ttlbIncreaseSpec,
} from "../src/charts.js";
import { shortConditionLabels } from "../src/labels.js";
import { parseResults } from "../src/load.js";
import { renderMarkdown } from "../src/markdown.js";
import { type Condition, conditionKey } from "../src/params.js";
import { renderCharts } from "../src/report.js";
import type { Row } from "../src/row.js";
import { type ReportSummary, summarize } from "../src/summary.js";
import { assertWellFormedSvg, hasRsvg, rsvgToPng } from "./svg.js";
import { exponential, jsonl, meta, mulberry32, rowsFor } from "./synth.js";

const dir = mkdtempSync(join(tmpdir(), "pqtls-report-charts-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const SIZES = [0, 10240, 102400];
let summary: ReportSummary;
let summaryRows: Row[];

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
  summaryRows = rows;
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
    // Short condition labels, and n and the whiskers' meaning on the chart.
    expect(texts).toEqual(expect.arrayContaining(["0 % loss", "3 % loss"]));
    expect(texts.some((t) => /n = 60 per side and condition; whiskers: 95 % CI/.test(t))).toBe(true);
    const bars = ariaLabels(svg, "bar");
    expect(bars).toHaveLength(rows.length * 3);
    for (const r of rows) {
      for (const p of ["p50", "p75", "p90"] as const) {
        const bar = bars.find(
          (b) => b.startsWith(`Link condition: ${r.chart_label};`) && b.includes(`percentile: ${p}`),
        );
        expect(bar, `${r.chart_label} ${p}`).toBeDefined();
        const drawn = Number(/Handshake time increase \(%\): ([-−\d.e]+)/.exec(bar!)![1].replace("−", "-"));
        expect(drawn).toBeCloseTo(r.increase[p].increase_pct, 6);
      }
    }
    expect(svg).not.toMatch(/NaN/);
  });

  it("keeps every whisker inside the plot: the y scale spans all interval ends", () => {
    const rows = summary.figures.handshake_increase.map((r, i) =>
      // One interval far beyond every bar, as a lossy link's p90 gives.
      i === 0
        ? { ...r, increase: { ...r.increase, p90: { ...r.increase.p90, ci: { low: -180, high: 950 } } } }
        : r,
    );
    const spec = handshakeIncreaseSpec(rows) as unknown as {
      layer: { encoding: { y: { scale: { domain: [number, number] } } } }[];
    };
    for (const layer of spec.layer) {
      const [lo, hi] = layer.encoding.y.scale.domain;
      expect(lo).toBeLessThanOrEqual(-180);
      expect(hi).toBeGreaterThanOrEqual(950);
    }
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

describe("short chart labels", () => {
  const cond = (o: Partial<Condition>): Condition => ({ ...summary.cells[0].condition, ...o });

  it("are short and distinct where the long labels share a prefix", () => {
    const a = cond({ rtt_ms: 200, jitter_ms: 0, jitter_dist: "uniform", rate_mbps: 1, loss_pct: 0 });
    const b = cond({ rtt_ms: 200, jitter_ms: 0, jitter_dist: "uniform", rate_mbps: 1, loss_pct: 10 });
    const c = cond({
      rtt_ms: 35,
      jitter_ms: 8.75,
      jitter_dist: "paretonormal",
      rate_mbps: 1000,
      loss_pct: 0,
    });
    const varying = ["rtt_ms", "jitter_ms", "jitter_dist", "rate_mbps", "loss_pct"] as const;
    const labels = shortConditionLabels([a, b, c], varying);
    expect([a, b, c].map((x) => labels.get(conditionKey(x)))).toEqual([
      "200 ms, 1 Mbit/s, 0 % loss",
      "200 ms, 1 Mbit/s, 10 % loss",
      "35 ms, ±8.75 ms jitter, paretonormal, 1 Gbit/s, 0 % loss",
    ]);
  });

  it("call a link by the name its config gives it", () => {
    const slow = cond({ rtt_ms: 200, rate_mbps: 1, loss_pct: 0 });
    const fast = cond({ rtt_ms: 35, rate_mbps: 1000, loss_pct: 0 });
    const m = meta({
      config: {
        links: [
          { name: "slow", rtt_ms: 200, rate_mbps: 1 },
          { rtt_ms: 35, rate_mbps: 1000 },
        ],
      },
    });
    const labels = shortConditionLabels([slow, fast], ["rtt_ms", "rate_mbps"], [m]);
    expect(labels.get(conditionKey(slow))).toBe("slow");
    expect(labels.get(conditionKey(fast))).toBe("35 ms, 1 Gbit/s");
  });
});

describe("TTLB increase chart, one per link condition", () => {
  it("spaces the sizes evenly (0, 10 and 100 KiB apart), sets markers apart, and draws every point", async () => {
    const series = summary.figures.ttlb_increase[0];
    const spec = ttlbIncreaseSpec([series]);
    const svg = await renderSvg(spec);
    assertWellFormedSvg(svg);
    const texts = textsOf(svg);
    expect(texts).toEqual(
      expect.arrayContaining([
        "Response size",
        "TTLB increase (%)",
        "0 B",
        "10 KiB",
        "100 KiB",
        "Whiskers",
        "95 % CI",
      ]),
    );
    expect(texts).toContain(`TTLB increase vs response size: ${series.chart_label}`);
    // The whisker legend entry is drawn (a one-value range once gave its symbol a NaN width).
    expect(svg).not.toMatch(/NaN/);
    const values = (
      spec as unknown as { data: { values: { x: number; bytes: number; percentile: string }[] } }
    ).data.values;
    // Sizes at 0, 1, 2 on the axis; each percentile's marker offset within its size.
    const xs = (bytes: number) => values.filter((v) => v.bytes === bytes).map((v) => v.x);
    expect(Math.min(...xs(10240)) - Math.max(...xs(0))).toBeGreaterThan(0.5);
    expect(new Set(xs(0)).size).toBe(3);
    const points = ariaLabels(svg, "point");
    expect(points).toHaveLength(3 * SIZES.length);
    const at10k = series.points.find((pt) => pt.bytes === 10240)!.increase.p90.increase_pct;
    const drawn = points
      .filter((pt) => pt.includes("; size: 10 KiB;") && pt.includes("percentile: p90"))
      .map((pt) => Number(/; increase: ([-−\d.e]+)/.exec(pt)![1].replace("−", "-")));
    expect(drawn).toHaveLength(1);
    expect(drawn[0]).toBeCloseTo(at10k, 6);
    // Distinct marker shapes per percentile (p90 cannot hide p50/p75 behind the same symbol).
    const shapes = (
      spec as unknown as { layer: { encoding: { shape?: { scale: { range: string[] } } } }[] }
    ).layer
      .map((l) => l.encoding.shape?.scale.range)
      .find(Boolean)!;
    expect(new Set(shapes.slice(0, 3)).size).toBe(3);
  });

  it("is one figure per link condition in the report", async () => {
    const { links } = await renderCharts(summary, "r");
    expect(links.ttlb!.map((l) => l.file)).toEqual(["r-ttlb-increase-1.svg", "r-ttlb-increase-2.svg"]);
  });
});

describe("CDF chart", () => {
  it("puts the link conditions side by side for one size, the baseline grey, n over each panel", async () => {
    const series = summary.figures.cdf.filter((s) => s.bytes === 10240);
    const svg = await renderSvg(cdfSpec(series));
    assertWellFormedSvg(svg);
    const texts = textsOf(svg);
    expect(texts).toEqual(
      expect.arrayContaining([
        "TTLB CDF, 10 KiB responses",
        "Time to last byte (ms)",
        "Fraction of connections",
        "x25519 + rsa2048",
        "X25519MLKEM768 + mldsa65",
      ]),
    );
    // Panel headers (two lines each): the condition, and n per variant (baseline first).
    for (const panel of ["0 % loss", "3 % loss"])
      expect(svg).toContain(`<tspan>${panel}</tspan><tspan x="0" dy="13">n = 60 / 60</tspan>`);
    const lines = ariaLabels(svg, "line mark");
    expect(lines).toHaveLength(2 * 2);
    // The baseline's lines in the neutral grey, the variant's not.
    const strokes = [
      ...svg.matchAll(
        /aria-label="([^"]*)" role="graphics-symbol" aria-roledescription="line mark"[^>]*stroke="([^"]+)"/g,
      ),
    ];
    expect(strokes).toHaveLength(4);
    for (const [, label, stroke] of strokes)
      if (label.includes("x25519 + rsa2048")) expect(stroke).toBe(BASELINE_COLOUR);
      else expect(stroke).not.toBe(BASELINE_COLOUR);
  });

  it("has a log time axis on request", async () => {
    const series = summary.figures.cdf.filter((s) => s.bytes === 0);
    const spec = cdfSpec(series, { log: true }) as unknown as {
      spec: { encoding: { x: { scale: { type: string } } } };
    };
    expect(spec.spec.encoding.x.scale.type).toBe("log");
    const svg = await renderSvg(cdfSpec(series, { log: true }));
    expect(textsOf(svg)).toContain("Time to last byte (ms, log scale)");
  });

  it("renders to a PNG with librsvg", async (ctx) => {
    if (!hasRsvg()) {
      if (process.env.CI) throw new Error("rsvg-convert missing: .ci/run must install librsvg2-bin");
      ctx.skip();
    }
    const svgPath = join(dir, "cdf.svg");
    const series = summary.figures.cdf.filter((x) => x.bytes === 102400);
    writeFileSync(svgPath, await renderSvg(cdfSpec(series)));
    const png = rsvgToPng(svgPath, join(dir, "cdf.png"));
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    const width = png.readUInt32BE(16);
    const height = png.readUInt32BE(20);
    expect(width).toBeGreaterThan(400);
    expect(height).toBeGreaterThan(200);
  });
});

describe("CDF of every link condition on one plot (the study's figure 6)", () => {
  it("colours by link condition, styles lines by variant (baseline solid), on a log time axis", async () => {
    const series = summary.figures.cdf.filter((s) => s.bytes === 102400);
    const spec = cdfOverlaySpec(series) as unknown as {
      facet?: unknown;
      encoding: {
        x: { scale: { type: string } };
        color: { field: string; scale: { domain: string[]; range: string[] } };
        strokeDash: { field: string; scale: { domain: string[]; range: number[][] } };
      };
    };
    expect(spec.facet).toBeUndefined();
    expect(spec.encoding.x.scale.type).toBe("log");
    expect(spec.encoding.color.field).toBe("condition");
    expect(spec.encoding.color.scale.domain).toEqual(["0 % loss", "3 % loss"]);
    expect(new Set(spec.encoding.color.scale.range).size).toBe(2);
    expect(spec.encoding.strokeDash.scale.domain).toEqual(["x25519 + rsa2048", "X25519MLKEM768 + mldsa65"]);
    expect(spec.encoding.strokeDash.scale.range[0]).toEqual([1, 0]);
    const svg = await renderSvg(cdfOverlaySpec(series));
    assertWellFormedSvg(svg);
    expect(textsOf(svg)).toEqual(
      expect.arrayContaining([
        "TTLB CDF at 100 KiB, all link conditions",
        "Time to last byte (ms, log scale)",
      ]),
    );
    // One line per condition and variant, each ending at fraction 1 at its cell's largest sample.
    expect(ariaLabels(svg, "line mark")).toHaveLength(2 * 2);
    for (const s of series) expect(s.points.at(-1)!.fraction).toBe(1);
  });

  it("is in the report for the largest size when there are several link conditions, and only then", async () => {
    const { links, charts } = await renderCharts(summary, "r");
    expect(links.cdfOverlay).toEqual({ label: "100 KiB", file: "r-ttlb-cdf-links.svg" });
    expect(charts.map((c) => c.file)).toContain("r-ttlb-cdf-links.svg");
    expect(renderMarkdown(summary, links)).toContain(
      "![TTLB CDF, 100 KiB, all link conditions](r-ttlb-cdf-links.svg)",
    );
    const oneLink = summarize(
      parseResults(
        jsonl(
          meta(),
          summaryRows.filter((r) => r.loss_pct === 0),
        ),
        "one.jsonl",
      ),
      { resamples: 50 },
    );
    expect((await renderCharts(oneLink, "one")).links.cdfOverlay).toBeUndefined();
  });
});

describe("a handshake-only run", () => {
  it("gets no TTLB figures: its CDFs are of the handshake time, and the report says why", async () => {
    const only = summarize(
      parseResults(
        jsonl(
          meta(),
          summaryRows.filter((r) => r.bytes === 0),
        ),
        "hs.jsonl",
      ),
      { resamples: 100 },
    );
    expect(only.handshake_only).toBe(true);
    expect(only.figures.ttlb_increase).toEqual([]);
    expect(only.figures.cdf.every((s) => s.metric === "handshake_ms")).toBe(true);
    const { links, charts } = await renderCharts(only, "hs");
    expect(links.ttlb).toEqual([]);
    // Figure 1 pooled over both RTTs, the per-condition bars, the handshake CDF, and both
    // conditions' handshake CDFs on one plot.
    expect(charts.map((c) => c.file)).toEqual([
      "hs-handshake-pooled-1.svg",
      "hs-handshake-increase.svg",
      "hs-handshake-cdf-1.svg",
      "hs-handshake-cdf-links.svg",
    ]);
    const texts = textsOf(charts[2].svg);
    expect(texts).toContain("Handshake time CDF");
    expect(texts).toContain("Handshake time (ms)");
    expect(texts.join(" ")).not.toMatch(/TTLB|last byte/);
    const overlay = textsOf(charts[3].svg);
    expect(overlay).toContain("Handshake time CDF, all link conditions");
    expect(overlay.join(" ")).not.toMatch(/TTLB|last byte/);
    const md = renderMarkdown(only, links);
    expect(md).not.toContain("## TTLB");
    expect(md).toContain("## Handshake time distributions (CDFs)");
    expect(md).toContain("This run measured handshakes only");
    expect(md).not.toContain("### time to last byte");
  });
});

describe("the SVG checker itself", () => {
  it("rejects unbalanced or rootless markup", () => {
    expect(() => assertWellFormedSvg("<svg><g></svg>")).toThrow();
    expect(() => assertWellFormedSvg("<svg/><svg/>")).toThrow();
    expect(() => assertWellFormedSvg('<svg><g a="1"></g></svg>')).not.toThrow();
  });
});
