// The CDFs of `pqtls compare`: one figure per variant and size with run A (grey) and run B on one
// plot, a panel per link condition; the CSV beside each SVG holds exactly both runs' samples.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { BASELINE_COLOUR } from "../src/charts.js";
import { compareCdfFigures, renderCompareCdfs } from "../src/compare-cdfs.js";
import { compareRuns, renderCompareMarkdown } from "../src/compare-runs.js";
import { parseResults } from "../src/load.js";
import { chartFiles } from "../src/report.js";
import type { Row } from "../src/row.js";
import { exponential, jsonl, meta, mulberry32, rowsFor } from "./synth.js";

const rand = mulberry32(7);
const PQ = { kex: "X25519MLKEM768", chain: "mldsa65" };
const CLASSIC = { kex: "X25519", chain: "ed25519" };
const dir = mkdtempSync(join(tmpdir(), "pqtls-compare-cdfs-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(name: string, rows: Row[]) {
  return parseResults(jsonl(meta({ run: name }), rows), `${name}.jsonl`);
}

/** Split CSV text into records of named fields (quoted fields may hold commas and doubled quotes). */
function parseCsv(text: string): Record<string, string>[] {
  const records = text
    .trimEnd()
    .split("\n")
    .map((line) => [...line.matchAll(/("(?:[^"]|"")*"|[^,]*)(?:,|$)/g)].map((m) => m[1]))
    .map((fields) =>
      fields.slice(0, -1).map((f) => (f.startsWith('"') ? f.slice(1, -1).replace(/""/g, '"') : f)),
    );
  const [header, ...rest] = records;
  return rest.map((r) => Object.fromEntries(header.map((h, i) => [h, r[i]])));
}

describe("compare CDFs", () => {
  // TTLB samples set by hand so the CSV can be checked value by value.
  const ttlbA35 = exponential(60, 50, 80, rand);
  const ttlbB35 = exponential(70, 60, 90, rand);
  const side = (name: string, ttlb35: number[], shift: number) =>
    run(name, [
      ...rowsFor({ ...PQ, rtt_ms: 35, bytes: 1024, handshake: ttlb35.map((x) => x - 5), ttlb: ttlb35 }, name),
      ...rowsFor(
        { ...PQ, rtt_ms: 200, bytes: 1024, handshake: exponential(50, 400, 450 + shift, rand) },
        name,
      ),
      ...rowsFor(
        { ...CLASSIC, rtt_ms: 35, bytes: 1024, handshake: exponential(40, 40, 60 + shift, rand) },
        name,
      ),
    ]);
  const a = side("a", ttlbA35, 0);
  const b = side("b", ttlbB35, 10);
  const result = compareRuns(
    a,
    b,
    { a: "x/a.jsonl", b: "y/b.jsonl" },
    { bootstrap: { resamples: 100, level: 0.95, seed: 1 } },
  );

  it("groups the compared cells into one figure per variant and size, A and B in each panel", () => {
    const figures = compareCdfFigures(a, b, result);
    expect(figures.map((f) => f.label).sort()).toEqual([
      "X25519 + ed25519, 1 KiB",
      "X25519MLKEM768 + mldsa65, 1 KiB",
    ]);
    const pq = figures.find((f) => f.label.startsWith("X25519MLKEM768"))!;
    expect(pq.series).toHaveLength(4); // two conditions × two runs
    expect(pq.series.map((s) => `${s.variant_label}/${s.role}`)).toContain("A: a.jsonl/baseline");
    expect(pq.series.map((s) => `${s.variant_label}/${s.role}`)).toContain("B: b.jsonl/variant");
    expect(pq.series.every((s) => s.metric === "ttlb_ms")).toBe(true);
  });

  it("writes linked SVGs whose CSV holds exactly both runs' samples of a cell", async () => {
    const { links, charts } = await renderCompareCdfs(a, b, result, "ab");
    expect(charts).toHaveLength(2);
    for (const c of charts) for (const f of chartFiles(c)) writeFileSync(join(dir, f.file), f.text);
    const md = renderCompareMarkdown(result, links);
    for (const c of charts) {
      expect(md).toContain(`](${c.file})`);
      const svg = readFileSync(join(dir, c.file), "utf8");
      expect(svg).toMatch(/^<svg/);
      expect(svg).toContain("A: a.jsonl");
      expect(svg).toContain("B: b.jsonl");
      expect(svg).toContain(BASELINE_COLOUR); // A, the reference, in the neutral grey
      expect(svg).toContain("grey: run A, the reference");
    }
    const pq = charts.find((c) => c.svg.includes("X25519MLKEM768"))!;
    expect(readFileSync(join(dir, pq.file), "utf8")).toContain("n = 60 / 70"); // n on the plot
    const rows = parseCsv(readFileSync(join(dir, pq.file.replace(/\.svg$/, ".csv")), "utf8"));
    // Each side's step starts at (min, 0), then one point per sample.
    const samples = (variant: string, rtt: string) =>
      rows
        .filter((r) => r.variant === variant && r.condition.includes(rtt) && Number(r.fraction) > 0)
        .map((r) => Number(r.ms));
    const sorted = (xs: number[]) => [...xs].sort((x, y) => x - y);
    expect(samples("A: a.jsonl", "35 ms")).toEqual(sorted(ttlbA35));
    expect(samples("B: b.jsonl", "35 ms")).toEqual(sorted(ttlbB35));
    expect(samples("A: a.jsonl", "200 ms")).toHaveLength(50);
    expect(rows.filter((r) => Number(r.fraction) === 0)).toHaveLength(4);
    expect(new Set(rows.map((r) => r.variant))).toEqual(new Set(["A: a.jsonl", "B: b.jsonl"]));
  });

  it("plots the handshake time of handshake-only runs", async () => {
    const hsA = run("a", rowsFor({ ...PQ, handshake: exponential(30, 50, 70, rand) }, "a"));
    const hsB = run("b", rowsFor({ ...PQ, handshake: exponential(30, 55, 75, rand) }, "b"));
    const r = compareRuns(hsA, hsB, { a: "a.jsonl", b: "b.jsonl" });
    const [figure] = compareCdfFigures(hsA, hsB, r);
    expect(figure.series.every((s) => s.metric === "handshake_ms" && s.n === 30)).toBe(true);
    const { charts } = await renderCompareCdfs(hsA, hsB, r, "hs");
    expect(charts[0].svg).toContain("Handshake time CDF");
  });
});
