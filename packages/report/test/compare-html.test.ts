// `pqtls compare -o x.html` in a real browser: writeCompare writes one self-contained HTML file (the
// report's renderer), headless Chromium opens it and runs its scripts, and the test reads the DOM it
// rendered: the comparison table carries the Δ ms of the comparison result (B is A with every time
// 5 ms later, so every Δ is +5.00), and every CDF chart is a live Vega view. Skipped, with the reason
// printed, where Chromium is missing. The format choice (extension, --format, refusals) needs no browser.

import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { resolveCompareOutput, writeCompare } from "../src/compare-output.js";
import { fmtMs } from "../src/markdown.js";
import type { Row } from "../src/row.js";
import { chromiumMissing, renderedDom, tableAfter } from "./chromium.js";
import { exponential, jsonl, meta, mulberry32, rowsFor } from "./synth.js";

const dir = mkdtempSync(join(tmpdir(), "pqtls-compare-html-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const skipWhy = chromiumMissing();
if (skipWhy) console.warn(`compare-html.test.ts skipped: ${skipWhy}`);

const rand = mulberry32(7);
const rowsA: Row[] = [];
for (const rtt of [35, 200])
  for (const [kex, chain, extra] of [
    ["x25519", "rsa2048", 0],
    ["X25519MLKEM768", "mldsa65", 10],
  ] as const)
    rowsA.push(
      ...rowsFor({
        kex,
        chain,
        rtt_ms: rtt,
        bytes: 51200,
        handshake: exponential(40, 4, 2 * rtt + extra, rand),
      }),
    );
const later = (x: number | null | undefined) => (typeof x === "number" ? x + 5 : x);
const rowsB = rowsA.map((r) => ({
  ...r,
  run: "run-2",
  handshake_ms: later(r.handshake_ms),
  ttfb_ms: later(r.ttfb_ms),
  ttlb_ms: later(r.ttlb_ms),
})) as Row[];
const a = join(dir, "before.jsonl");
const b = join(dir, "after.jsonl");
writeFileSync(a, jsonl(meta(), rowsA));
writeFileSync(b, jsonl(meta({ run: "run-2" }), rowsB));

const signedMs = (x: number) => `${x >= 0 ? "+" : ""}${fmtMs(x)}`;

describe("compare output format", () => {
  it("comes from the extension or --format, and an unknown extension is refused in one line", () => {
    expect(resolveCompareOutput("x.html", undefined)).toBe("html");
    expect(resolveCompareOutput("x.HTM", "html")).toBe("html");
    expect(resolveCompareOutput("x.md", undefined)).toBe("md");
    expect(resolveCompareOutput("x.json", undefined)).toBe("json");
    expect(resolveCompareOutput(undefined, undefined)).toBe("md");
    expect(resolveCompareOutput(undefined, "json")).toBe("json");
    expect(() => resolveCompareOutput("x.txt", undefined)).toThrow(
      /^x\.txt: unknown compare extension "\.txt"; use \.md, \.markdown, \.html, \.htm, \.json$/,
    );
    expect(() => resolveCompareOutput("x.csv", undefined)).toThrow(/unknown compare extension "\.csv"/);
    expect(() => resolveCompareOutput("x.html", "md")).toThrow(/is a html file but --format is md/);
    expect(() => resolveCompareOutput(undefined, "html")).toThrow(/needs a file/);
  });

  it("writes nothing for a refused extension", async () => {
    await expect(writeCompare(a, b, { out: join(dir, "refused.txt") })).rejects.toThrow(/unknown compare/);
    expect(existsSync(join(dir, "refused.txt"))).toBe(false);
  });
});

describe.skipIf(skipWhy !== null)("compare as HTML in headless Chromium", () => {
  it("shows the Δ ms of the comparison in its table and every CDF as a live Vega view", async () => {
    const out = join(dir, "out", "ab.html");
    const w = await writeCompare(a, b, { out, resamples: 200 });
    expect(w.format).toBe("html");
    expect(w.files[0]).toBe(out);
    const html = readFileSync(out, "utf8");
    expect(html).toMatch(/^<!DOCTYPE html>/);
    // Self-contained: no script, stylesheet or image is loaded from anywhere else.
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+stylesheet|<img[^>]+src="(?!data:)/);
    // Its charts' files are next to it, as for markdown.
    expect(w.charts.length).toBe(2); // one per variant (one size), a panel per RTT
    for (const c of w.charts)
      expect(existsSync(join(dir, "out", c.file.replace(/\.svg$/, ".vl.json")))).toBe(true);

    const dom = renderedDom(out, dir);
    const table = tableAfter(dom, "pqtls compare: B over A</h1>");
    const header = table[0];
    const col = (name: string) => header.indexOf(name);
    expect(col("Δ ms [95 % CI]")).toBeGreaterThan(0);
    const deltas = w.result.cells.flatMap((c) => c.deltas);
    expect(deltas.length).toBe(4 * 3 * 2); // 4 cells × handshake/TTFB/TTLB × p50/p90
    expect(table).toHaveLength(1 + deltas.length);
    for (const [i, d] of deltas.entries()) {
      const line = table[1 + i];
      expect(d.delta_ms).toBeCloseTo(5, 9);
      expect(line[col("Δ ms [95 % CI]")]).toBe(
        `${signedMs(d.delta_ms)} [${signedMs(d.delta_ci.low)}, ${signedMs(d.delta_ci.high)}]`,
      );
      expect(line[col("Δ ms [95 % CI]")]).toMatch(/^\+5\.00 /);
      expect(line[col("A (ms)")]).toBe(fmtMs(d.a_ms));
      expect(line[col("B (ms)")]).toBe(fmtMs(d.b_ms));
      expect(line[col("n A / B")]).toBe("40 / 40");
    }

    const charts = [...dom.matchAll(/<div class="vega-chart" id="(chart-\d+)"([^>]*)>/g)];
    expect(charts).toHaveLength(w.charts.length);
    for (const [, id, attrs] of charts) {
      expect(attrs, id).toContain('data-rendered="vega"');
      expect(attrs, id).not.toContain("data-render-error");
    }
    expect((dom.match(/class="marks"/g) ?? []).length).toBeGreaterThanOrEqual(w.charts.length);
    expect(dom).toContain("role-mark");
  }, 180_000);
});
