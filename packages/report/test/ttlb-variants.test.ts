// Figures 2–5 with several PQ variants (two size-only chains and a real one over one baseline): one
// figure per link condition, each variant a panel of it on a shared y scale, every point the
// summary's number.

import { describe, expect, it } from "vitest";
import { renderSvg } from "../src/charts.js";
import { renderCharts } from "../src/report.js";
import type { Row } from "../src/row.js";
import { summarizeRows } from "../src/summary.js";
import { meta, mulberry32, rowsFor } from "./synth.js";

const VARIANTS = [
  ["x25519", "rsa2048", 0],
  ["X25519MLKEM768", "mldsa44@8KB", 40],
  ["X25519MLKEM768", "mldsa44@16KB", 90],
  ["X25519MLKEM768", "mldsa65", 60],
] as const;
const SIZES = [0, 10240, 204800];

function rows(): Row[] {
  const rand = mulberry32(11);
  const out: Row[] = [];
  for (const [rtt, loss] of [
    [35, 0],
    [200, 10],
  ])
    for (const bytes of SIZES)
      for (const [kex, chain, extra] of VARIANTS) {
        const hs = Array.from({ length: 12 }, () => 2 * rtt + extra + 5 * rand());
        out.push(
          ...rowsFor({
            kex,
            chain,
            rtt_ms: rtt,
            loss_pct: loss,
            bytes,
            cell: `${kex}/${chain}/${rtt}/${loss}/${bytes}`,
            handshake: hs,
            ttlb: hs.map((h) => h + bytes / 1000 + rand()),
          }),
        );
      }
  return out;
}

describe("TTLB increase figures with several variants", () => {
  const s = summarizeRows(rows(), [meta()], { resamples: 100 });

  it("draws one figure per link, each variant a panel on one shared y scale", async () => {
    expect(s.figures.ttlb_increase).toHaveLength(6);
    const { links, charts } = await renderCharts(s, "r");
    expect(links.ttlb!.map((l) => l.file)).toEqual(["r-ttlb-increase-1.svg", "r-ttlb-increase-2.svg"]);
    for (const [i, file] of ["r-ttlb-increase-1.svg", "r-ttlb-increase-2.svg"].entries()) {
      const chart = charts.find((c) => c.file === file)!;
      const spec = chart.spec as unknown as {
        facet: { field: string };
        resolve: { scale: { y: string } };
        data: { values: { pair: string; bytes: number; percentile: string; increase: number }[] };
      };
      expect(spec.facet.field).toBe("pair");
      expect(spec.resolve.scale.y).toBe("shared");
      const condition = links.ttlb![i].label;
      const series = s.figures.ttlb_increase.filter((x) => x.label === condition);
      expect(new Set(series.map((x) => x.pair)).size).toBe(3);
      expect(spec.data.values).toHaveLength(3 * SIZES.length * 3);
      for (const x of series)
        for (const pt of x.points)
          for (const p of ["p50", "p75", "p90"] as const) {
            const v = spec.data.values.find(
              (d) => d.pair === x.pair && d.bytes === pt.bytes && d.percentile === p,
            )!;
            expect(v.increase).toBe(pt.increase[p].increase_pct);
          }
      // Each variant's panel is headed by its name.
      for (const x of series) expect(chart.svg).toContain(x.pair.replace(/&/g, "&amp;"));
    }
  });

  it("keeps a single variant's figure unfaceted", async () => {
    const one = summarizeRows(rows(), [meta()], { resamples: 50, variant: "chain=mldsa65" });
    const { charts } = await renderCharts(one, "one");
    const spec = charts.find((c) => c.file === "one-ttlb-increase-1.svg")!.spec as Record<string, unknown>;
    expect(spec.facet).toBeUndefined();
    expect(spec.layer).toBeDefined();
    await renderSvg(spec as never);
  });
});
