// writeReport end to end on synthetic files: the markdown report with its charts next to it, the
// CSV export agreeing with the JSON summary, and format selection.

import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { CSV_COLUMNS } from "../src/csv.js";
import { writeReport } from "../src/report.js";
import type { Row } from "../src/row.js";
import type { ReportSummary } from "../src/summary.js";
import { assertWellFormedSvg } from "./svg.js";
import { exponential, jsonl, meta, mulberry32, rowsFor } from "./synth.js";

const dir = mkdtempSync(join(tmpdir(), "pqtls-report-out-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const rand = mulberry32(5);
const rows: Row[] = [];
for (const rtt of [35, 200]) {
  for (const bytes of [0, 51200]) {
    const n = rtt === 200 ? 12 : 80; // the 200 ms cells are too small for p90
    rows.push(
      ...rowsFor({
        kex: "x25519",
        chain: "rsa2048",
        rtt_ms: rtt,
        bytes,
        handshake: exponential(n, 4, 2 * rtt, rand),
      }),
    );
    rows.push(
      ...rowsFor({
        kex: "X25519MLKEM768",
        chain: "mldsa65",
        rtt_ms: rtt,
        bytes,
        handshake: exponential(n, 4, 2 * rtt + 10, rand),
        failures: rtt === 200 ? 3 : 0,
        error: "handshake timeout, 10 s",
      }),
    );
  }
}
const input = join(dir, "run.jsonl");
writeFileSync(input, jsonl(meta(), rows));

/** Minimal RFC 4180 reader: quoted fields may hold commas and doubled quotes. */
function parseCsv(text: string): string[][] {
  return text
    .trimEnd()
    .split("\n")
    .map((line) => {
      const out: string[] = [];
      let i = 0;
      while (i <= line.length) {
        if (line[i] === '"') {
          let v = "";
          i++;
          while (i < line.length && !(line[i] === '"' && line[i + 1] !== '"')) {
            v += line[i] === '"' ? '"' : line[i];
            i += line[i] === '"' ? 2 : 1;
          }
          out.push(v);
          i += 2;
        } else {
          const end = line.indexOf(",", i);
          out.push(line.slice(i, end < 0 ? line.length : end));
          i = end < 0 ? line.length + 1 : end + 1;
        }
      }
      return out;
    });
}

describe("markdown report", () => {
  it("writes report.md with every chart next to it, linked by relative name", async () => {
    const out = join(dir, "md", "report.md");
    const r = await writeReport([input], { out, resamples: 200 });
    expect(r.format).toBe("md");
    expect(r.files[0]).toBe(out);
    const md = readFileSync(out, "utf8");
    const links = [...md.matchAll(/!\[[^\]]*\]\(([^)]+)\)/g)].map((m) => m[1]);
    expect(links).toEqual([
      "report-handshake-increase.svg",
      "report-ttlb-increase.svg",
      "report-ttlb-cdf-1.svg",
      "report-ttlb-cdf-2.svg",
    ]);
    for (const l of links) {
      const path = join(dir, "md", l);
      expect(existsSync(path)).toBe(true);
      assertWellFormedSvg(readFileSync(path, "utf8"));
    }
    expect(r.files).toHaveLength(1 + links.length);
  });

  it("states what was run, how percentiles and intervals are computed, and what not to trust", async () => {
    const out = join(dir, "md2", "r.md");
    await writeReport([input], { out, resamples: 200 });
    const md = readFileSync(out, "utf8");
    for (const want of [
      "# pqtls report: run-1",
      "| link backend | netem |",
      "| kernel | 6.8.0-test |",
      "X25519MLKEM768: noble",
      "t0 just before connect()",
      "R type 7 / numpy default",
      "200 resamples, seed 42",
      "## Summary",
      "## Handshake time increase per link condition",
      "## TTLB increase versus response size",
      "## TTLB distributions (CDFs)",
      "## Per-cell statistics",
      "X25519MLKEM768 + mldsa65 at RTT 200 ms, 0 B: 3 of 15 attempts failed (handshake timeout, 10 s ×3)",
      "too few samples for p90: n = 12 < 30",
    ]) {
      expect(md).toContain(want);
    }
    // Flagged numbers carry the mark in the tables.
    expect(md).toMatch(/\| 200 \| 0 B \|[^\n]*⚠/);
    expect(md).not.toContain("unshaped loopback");
  });

  it("warns that a run over backend none was not shaped", async () => {
    const loop = join(dir, "loop.jsonl");
    writeFileSync(loop, jsonl(meta({ link_backend: "none" }), rows.slice(0, 40)));
    const out = join(dir, "loop", "report.md");
    await writeReport([loop], { out, resamples: 100 });
    expect(readFileSync(out, "utf8")).toContain("unshaped loopback");
  });

  it("shows meta fields it has no row for, as recorded", async () => {
    const extra = join(dir, "extra.jsonl");
    writeFileSync(
      extra,
      jsonl({ ...meta(), host: "lab-7", cpu: { model: "EPYC", cores: 2 } } as never, rows.slice(0, 10)),
    );
    const out = join(dir, "extra", "report.md");
    await writeReport([extra], { out, resamples: 100 });
    const md = readFileSync(out, "utf8");
    expect(md).toContain("| host | lab-7 |");
    expect(md).toContain('| cpu | {"model":"EPYC","cores":2} |');
  });

  it("refuses markdown to stdout", async () => {
    await expect(writeReport([input], { out: "-", format: "md" })).rejects.toThrow(/needs a file/);
  });
});

describe("CSV export", () => {
  it("has one line per number, agreeing with the JSON summary", async () => {
    const jsonOut = join(dir, "s.json");
    const csvOut = join(dir, "s.csv");
    await writeReport([input], { out: jsonOut, resamples: 200 });
    const r = await writeReport([input], { out: csvOut, resamples: 200 });
    expect(r.format).toBe("csv");
    const summary: ReportSummary = JSON.parse(readFileSync(jsonOut, "utf8"));
    const [header, ...lines] = parseCsv(readFileSync(csvOut, "utf8"));
    expect(header).toEqual([...CSV_COLUMNS]);
    const col = (name: string) => header.indexOf(name);
    expect(lines.every((l) => l.length === header.length)).toBe(true);

    const increases = lines.filter((l) => l[col("table")] === "increase");
    // 4 comparisons × 3 timers × 5 percentiles, but 0-byte cells have no TTFB.
    expect(increases).toHaveLength(
      summary.comparisons.reduce((n, c) => n + Object.keys(c.metrics).length * 5, 0),
    );
    for (const c of summary.comparisons) {
      for (const [metric, perP] of Object.entries(c.metrics)) {
        for (const [p, x] of Object.entries(perP)) {
          const line = increases.find(
            (l) =>
              l[col("cell")] === c.variant.cell && l[col("metric")] === metric && l[col("statistic")] === p,
          )!;
          expect(Number(line[col("value")])).toBe(x.increase_pct);
          expect(Number(line[col("ci_low")])).toBe(x.ci.low);
          expect(Number(line[col("ci_high")])).toBe(x.ci.high);
          expect(line[col("baseline_cell")]).toBe(c.baseline.cell);
          expect(line[col("flags")]).toBe(x.flags.join("; "));
          expect(line[col("significant")]).toBe(x.significant === null ? "" : String(x.significant));
          // The absolute difference beside it, on a table=difference line of the same comparison.
          const diff = lines.find(
            (l) =>
              l[col("table")] === "difference" &&
              l[col("cell")] === c.variant.cell &&
              l[col("metric")] === metric &&
              l[col("statistic")] === p,
          )!;
          expect(Number(diff[col("value")])).toBe(x.delta_ms);
          expect(Number(diff[col("ci_low")])).toBe(x.delta_ci.low);
          expect(Number(diff[col("ci_high")])).toBe(x.delta_ci.high);
        }
      }
    }
    const cellP90 = lines.filter((l) => l[col("table")] === "cell" && l[col("statistic")] === "p90");
    for (const cell of summary.cells) {
      const line = cellP90.find((l) => l[col("cell")] === cell.cell && l[col("metric")] === "handshake_ms")!;
      expect(Number(line[col("value")])).toBe(cell.metrics.handshake_ms!.percentiles.p90);
      expect(Number(line[col("failures")])).toBe(cell.failures);
    }
    // The Link check: p10/p50/p90 per link condition, the expected range on the p50 line, the status.
    const links = lines.filter((l) => l[col("table")] === "link_check");
    expect(summary.link_check.length).toBeGreaterThan(0);
    expect(links).toHaveLength(summary.link_check.length * 3);
    for (const l of summary.link_check) {
      const mine = links.filter(
        (x) => Number(x[col("rtt_ms")]) === l.link.rtt_ms && Number(x[col("loss_pct")]) === l.link.loss_pct,
      );
      const p50 = mine.find((x) => x[col("statistic")] === "p50")!;
      expect(Number(p50[col("value")])).toBe(l.p50);
      expect(Number(p50[col("ci_low")])).toBe(l.expected.low_ms);
      expect(Number(p50[col("ci_high")])).toBe(l.expected.high_ms);
      expect(p50[col("flags")]).toBe(l.status);
      expect(Number(mine.find((x) => x[col("statistic")] === "p90")![col("value")])).toBe(l.p90);
      expect(Number(p50[col("n")])).toBe(l.n);
    }
  });
});

describe("degenerate inputs still give a report", () => {
  it("a file with only its meta line", async () => {
    const empty = join(dir, "empty-run.jsonl");
    writeFileSync(empty, jsonl(meta(), []));
    const out = join(dir, "empty", "report.md");
    const r = await writeReport([empty], { out });
    expect(r.files).toEqual([out]);
    const md = readFileSync(out, "utf8");
    expect(md).toContain("from 0 connections in 0 cells");
    expect(md).toContain("No comparison could be made");
  });

  it("a cell whose every attempt failed, a single-sample cell, and a variant without a baseline", async () => {
    const odd = join(dir, "odd.jsonl");
    writeFileSync(
      odd,
      jsonl(meta(), [
        ...rowsFor({ kex: "x25519", chain: "rsa2048", handshake: [], failures: 4, error: "reset" }),
        ...rowsFor({ kex: "X25519MLKEM768", chain: "mldsa65", handshake: [50] }),
        ...rowsFor({ kex: "X25519MLKEM768", chain: "mldsa65", rtt_ms: 200, handshake: [300, 310] }),
      ]),
    );
    const jsonOut = join(dir, "odd.json");
    const r = await writeReport([odd], { out: jsonOut, resamples: 100 });
    const s: ReportSummary = JSON.parse(readFileSync(jsonOut, "utf8"));
    const failed = s.cells.find((c) => c.variant.kex === "x25519")!;
    expect(failed).toMatchObject({ attempts: 4, failures: 4, failure_share: 1, metrics: {} });
    const single = s.cells.find((c) => c.variant.kex === "X25519MLKEM768" && c.condition.rtt_ms === 35)!;
    expect(single.metrics.handshake_ms).toMatchObject({ n: 1, mean: 50, stdev: null, min: 50, max: 50 });
    // The comparison exists but has no timers: the baseline has no successful sample.
    expect(s.comparisons).toHaveLength(1);
    expect(s.comparisons[0].metrics).toEqual({});
    expect(r.summary.notes).toEqual([
      expect.stringMatching(/^no baseline \(kex=classical,chain=classical\) measured at .*RTT 200 ms/),
    ]);
    const md = join(dir, "odd", "report.md");
    await writeReport([odd], { out: md, resamples: 100 });
    expect(readFileSync(md, "utf8")).toContain("4 of 4 attempts failed (reset ×4)");
  });
});
