// The HTML report in a real browser: headless Chromium opens the single file, runs its scripts, and
// the test reads the DOM it rendered (no screenshots): every chart is a live Vega view with marks,
// the tables carry the summary's numbers, nothing failed to render, and nothing was fetched from
// elsewhere (the file is self-contained). Skipped, with the reason printed, where Chromium is missing.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { fmtDeltaMs, fmtMs, fmtPct } from "../src/markdown.js";
import { writeReport } from "../src/report.js";
import type { Row } from "../src/row.js";
import { chromiumMissing, renderedDom, tableAfter } from "./chromium.js";
import { exponential, jsonl, meta, mulberry32, rowsFor } from "./synth.js";

const dir = mkdtempSync(join(tmpdir(), "pqtls-report-html-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const skipWhy = chromiumMissing();
if (skipWhy) console.warn(`html.test.ts skipped: ${skipWhy}`);

const rand = mulberry32(31);
const rows: Row[] = [];
for (const rtt of [35, 200]) {
  for (const bytes of [0, 51200]) {
    rows.push(
      ...rowsFor({
        kex: "x25519",
        chain: "rsa2048",
        rtt_ms: rtt,
        bytes,
        handshake: exponential(60, 4, 2 * rtt, rand),
      }),
      ...rowsFor({
        kex: "X25519MLKEM768",
        chain: "mldsa65",
        rtt_ms: rtt,
        bytes,
        handshake: exponential(60, 4, 2 * rtt + 10, rand),
      }),
    );
  }
}
const input = join(dir, "run.jsonl");
writeFileSync(input, jsonl(meta(), rows));

describe.skipIf(skipWhy !== null)("HTML report in headless Chromium", () => {
  it("shows every chart as a live Vega view and the summary's numbers in its tables", async () => {
    const out = join(dir, "report.html");
    const r = await writeReport([input], { out, resamples: 200 });
    expect(r.format).toBe("html");
    const html = readFileSync(out, "utf8");
    // Self-contained: no script, stylesheet or image is loaded from anywhere else.
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+stylesheet|<img[^>]+src="(?!data:)/);

    const dom = renderedDom(out, dir);
    const charts = [...dom.matchAll(/<div class="vega-chart" id="(chart-\d+)"([^>]*)>/g)];
    const svgs = r.files.filter((f) => f.endsWith(".svg"));
    expect(charts).toHaveLength(svgs.length);
    expect(svgs.length).toBeGreaterThanOrEqual(4);
    for (const [, id, attrs] of charts) {
      expect(attrs, id).toContain('data-rendered="vega"');
      expect(attrs, id).not.toContain("data-render-error");
    }
    // The live views drew marks (Vega's SVG renderer tags them role-mark), as many charts as files.
    expect((dom.match(/class="marks"/g) ?? []).length).toBeGreaterThanOrEqual(svgs.length);
    expect(dom).toContain("role-mark");

    // The summary table: one row per comparison, its p50 increase and Δ as the JSON summary has them.
    const table = tableAfter(dom, ">Summary</h2>");
    const header = table[0];
    const col = (name: string) => header.indexOf(name);
    expect(col("handshake p50 increase [95 % CI]")).toBeGreaterThan(0);
    expect(table).toHaveLength(1 + r.summary.comparisons.length);
    for (const c of r.summary.comparisons) {
      const hs = c.metrics.handshake_ms!.p50;
      const line = table.find(
        (t) => t[0] === String(c.condition.rtt_ms) && t[1] === (c.bytes === 0 ? "0 B" : "50 KiB"),
      )!;
      expect(line, `${c.condition.rtt_ms} ms, ${c.bytes} B`).toBeDefined();
      expect(line[col("handshake p50 increase [95 % CI]")]).toContain(
        `${fmtPct(hs.increase_pct)} [${hs.ci.low.toFixed(1)}, ${hs.ci.high.toFixed(1)}]`,
      );
      expect(line[col("handshake p50 Δ (ms) [95 % CI]")]).toContain(
        `${fmtDeltaMs(hs.delta_ms)} [${fmtMs(hs.delta_ci.low)}, ${fmtMs(hs.delta_ci.high)}]`,
      );
    }
    // The link check table shows each link condition's measured median.
    const links = tableAfter(dom, ">Link check</h2>");
    for (const l of r.summary.link_check) expect(links.some((t) => t.includes(fmtMs(l.p50!)))).toBe(true);
  }, 180_000);
});
