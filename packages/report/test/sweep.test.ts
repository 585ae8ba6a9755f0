// The increase versus a swept link parameter (the loss-sweep preset's figure): which comparisons
// make a series (three values or more of one parameter, per pair, size and other conditions), the
// points against the comparisons they come from, and the chart and markdown section they make.

import { describe, expect, it } from "vitest";
import { renderSvg, sweepIncreaseSpec } from "../src/charts.js";
import { renderMarkdown } from "../src/markdown.js";
import { renderCharts } from "../src/report.js";
import type { Row } from "../src/row.js";
import { summarizeRows } from "../src/summary.js";
import { assertWellFormedSvg } from "./svg.js";
import { meta, mulberry32, rowsFor } from "./synth.js";

/** Two variants at 0 B and 200 KiB over the given losses and RTTs; the PQ side is slower by a known factor. */
function sweepRows(losses: number[], rtts: number[]): Row[] {
  const rand = mulberry32(3);
  const rows: Row[] = [];
  for (const rtt_ms of rtts)
    for (const loss_pct of losses)
      for (const bytes of [0, 204800]) {
        // The same times on both sides, the PQ side's scaled: its increase is exactly the factor's.
        const base = Array.from({ length: 40 }, () => (rtt_ms * 3 + bytes / 100) * (1 + 0.02 * rand()));
        for (const [kex, chain, factor] of [
          ["x25519", "rsa2048", 1],
          ["X25519MLKEM768", "mldsa65", 1.2 + loss_pct / 100],
        ] as const)
          rows.push(
            ...rowsFor({
              kex,
              chain,
              bytes,
              rtt_ms,
              loss_pct,
              rate_mbps: 1,
              handshake: base.map((t) => t * factor),
              ...(bytes > 0 ? { ttlb: base.map((t) => t * factor * 1.5) } : {}),
            }),
          );
      }
  return rows;
}

describe("increase versus a swept parameter", () => {
  it("makes a series per pair, size and other conditions from three values on, points in order", () => {
    const s = summarizeRows(sweepRows([0, 1, 2, 5], [35, 200]), [meta()]);
    const loss = s.figures.sweep.filter((x) => x.field === "loss_pct");
    // 2 RTTs × 2 sizes, one pair; RTT takes two values only, so it is not a sweep.
    expect(loss).toHaveLength(4);
    expect(s.figures.sweep.some((x) => x.field === "rtt_ms")).toBe(false);
    for (const series of loss) {
      expect(series.points.map((p) => p.x)).toEqual([0, 1, 2, 5]);
      // At 0 B the TTLB is the handshake time (the report's definition, as the study's).
      expect(series.metric).toBe("ttlb_ms");
      for (const pt of series.points) {
        const c = s.comparisons.find(
          (x) =>
            x.bytes === series.bytes &&
            x.condition.loss_pct === pt.x &&
            `RTT ${x.condition.rtt_ms} ms` === series.label,
        )!;
        expect(pt.increase).toBe(c.metrics.ttlb_ms);
        // The synthetic PQ side is slower by 20 % + loss/100.
        expect(pt.increase.p50.increase_pct).toBeCloseTo(100 * (0.2 + pt.x / 100), 6);
      }
    }
  });

  it("leaves runs with fewer than three values of every parameter alone", () => {
    const s = summarizeRows(sweepRows([0, 10], [35]), [meta()]);
    expect(s.figures.sweep).toEqual([]);
    expect(renderMarkdown(s)).not.toContain("## Increase versus");
  });

  it("draws a panel per size and is a section of the report with its table", async () => {
    const s = summarizeRows(sweepRows([0, 1, 2, 5], [35]), [meta()]);
    const svg = await renderSvg(sweepIncreaseSpec(s.figures.sweep));
    assertWellFormedSvg(svg);
    expect(svg).toContain("0 B");
    expect(svg).toContain("200 KiB");
    const { links, charts } = await renderCharts(s, "run");
    expect(links.sweep).toHaveLength(1);
    expect(charts.map((c) => c.file)).toContain(links.sweep![0].file);
    const md = renderMarkdown(s, links);
    expect(md).toContain("## Increase versus loss");
    expect(md).toContain(`](${links.sweep![0].file})`);
    // 4 losses × 2 sizes, one table row each.
    expect(md.match(/^\| X25519MLKEM768 \+ mldsa65 vs x25519 \+ rsa2048 \| (0 B|200 KiB) \|/gm)).toHaveLength(
      8,
    );
  });
});
