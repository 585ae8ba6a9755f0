// writeReport end to end on synthetic files: the markdown report with its charts next to it, the
// CSV export agreeing with the JSON summary, and format selection.

import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { CSV_COLUMNS } from "../src/csv.js";
import { defaultReportPath, writeReport } from "../src/report.js";
import type { Row } from "../src/row.js";
import { ROW_COLUMNS } from "../src/rows-csv.js";
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
      // The study's figure 1: RTT 35 and 200 ms at one rate, pooled.
      "report-handshake-pooled-1.svg",
      "report-handshake-increase.svg",
      // One TTLB-vs-size figure per link condition, one CDF figure per response size.
      "report-ttlb-increase-1.svg",
      "report-ttlb-increase-2.svg",
      "report-ttlb-cdf-1.svg",
      "report-ttlb-cdf-2.svg",
      // The study's figure 6: the largest size's CDFs of both link conditions on one plot.
      "report-ttlb-cdf-links.svg",
    ]);
    for (const l of links) {
      const path = join(dir, "md", l);
      expect(existsSync(path)).toBe(true);
      assertWellFormedSvg(readFileSync(path, "utf8"));
      // Beside each SVG: its Vega-Lite spec (data inline) and the same data as CSV, to restyle in R/pandas.
      const spec = JSON.parse(readFileSync(path.replace(/\.svg$/, ".vl.json"), "utf8"));
      expect(spec.$schema).toMatch(/vega-lite/);
      const values = spec.data.values as Record<string, unknown>[];
      expect(values.length).toBeGreaterThan(0);
      const csv = parseCsv(readFileSync(path.replace(/\.svg$/, ".csv"), "utf8"));
      expect(csv[0]).toEqual(Object.keys(values[0]));
      expect(csv).toHaveLength(1 + values.length);
      expect(csv[1]).toEqual(Object.values(values[0]).map((v) => (v === null ? "" : String(v))));
    }
    expect(r.files).toHaveLength(1 + 3 * links.length);
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

describe("output names and formats", () => {
  it("without out, names the report after its input (a second input's report does not overwrite it)", async () => {
    const other = join(dir, "other-run.jsonl");
    writeFileSync(
      other,
      jsonl(
        meta({ run: "run-2" }),
        rows.slice(0, 40).map((r) => ({ ...r, run: "run-2" })),
      ),
    );
    const a = await writeReport([input], { resamples: 100 });
    const b = await writeReport([other], { resamples: 100 });
    expect(a.files[0]).toBe(join(dir, "run.md"));
    expect(b.files[0]).toBe(join(dir, "other-run.md"));
    expect(readFileSync(a.files[0], "utf8")).toContain("# pqtls report: run-1");
    expect(existsSync(join(dir, "run-handshake-increase.svg"))).toBe(true);
    expect(defaultReportPath([input, other], "html")).toBe(join(dir, "run-and-1-more.html"));
    expect(defaultReportPath([join(dir, "run.jsonl.gz")], "md")).toBe(join(dir, "run.md"));
  });

  it("takes the format from the extension, and refuses an unknown one or a contradicting --format", async () => {
    const html = join(dir, "fmt", "x.html");
    expect((await writeReport([input], { out: html, resamples: 100 })).format).toBe("html");
    expect(readFileSync(html, "utf8")).toMatch(/^<!DOCTYPE html>/);
    const md = join(dir, "fmt", "x.md");
    expect((await writeReport([input], { out: md, resamples: 100 })).format).toBe("md");
    expect(readFileSync(md, "utf8")).toMatch(/^# pqtls report/);
    await expect(writeReport([input], { out: join(dir, "fmt", "x.pdf") })).rejects.toThrow(
      /x\.pdf: unknown report extension "\.pdf"; use \.md, \.markdown, \.html, \.htm, \.json, \.csv/,
    );
    await expect(writeReport([input], { out: join(dir, "fmt", "x") })).rejects.toThrow(
      /unknown report extension/,
    );
    await expect(writeReport([input], { out: html, format: "md" })).rejects.toThrow(
      /is a html file but --format is md/,
    );
    expect(existsSync(join(dir, "fmt", "x.pdf"))).toBe(false);
  });

  it("writes the raw rows for a .csv output, and the summary tables only with --format tables-csv", async () => {
    // .csv alone: one line per connection (what pandas loads), not the summary tables.
    const rowsOut = join(dir, "fmt", "rows.csv");
    const r = await writeReport([input], { out: rowsOut, resamples: 100 });
    expect(r.format).toBe("csv");
    const [header, ...lines] = parseCsv(readFileSync(rowsOut, "utf8"));
    expect(header.slice(0, ROW_COLUMNS.length)).toEqual([...ROW_COLUMNS]);
    expect(lines).toHaveLength(rows.length);
    // `rows`, its old name, is the same format.
    const alias = join(dir, "fmt", "alias.csv");
    expect((await writeReport([input], { out: alias, format: "rows" })).format).toBe("csv");
    expect(readFileSync(alias, "utf8")).toBe(readFileSync(rowsOut, "utf8"));
    // The summary tables keep a name of their own and still go to a .csv file.
    const tables = join(dir, "fmt", "tables.csv");
    expect((await writeReport([input], { out: tables, format: "tables-csv", resamples: 100 })).format).toBe(
      "tables-csv",
    );
    expect(parseCsv(readFileSync(tables, "utf8"))[0]).toEqual([...CSV_COLUMNS]);
    await expect(
      writeReport([input], { out: join(dir, "fmt", "t.json"), format: "tables-csv" }),
    ).rejects.toThrow(/is a json file but --format is tables-csv/);
    // Named after the input without -o, the two CSVs apart.
    expect(defaultReportPath([input], "csv")).toBe(join(dir, "run.csv"));
    expect(defaultReportPath([input], "rows")).toBe(join(dir, "run.csv"));
    expect(defaultReportPath([input], "tables-csv")).toBe(join(dir, "run-tables.csv"));
  });

  it("reports different experiments side by side, each in its own section, instead of refusing them", async () => {
    const slow = join(dir, "slow.jsonl");
    const slowRows = rows.filter((r) => r.rtt_ms === 200).map((r) => ({ ...r, run: "run-slow" }));
    writeFileSync(slow, jsonl(meta({ run: "run-slow", config: { preset: "slow", samples: 12 } }), slowRows));
    const out = join(dir, "mixed", "both.md");
    const r = await writeReport([input, slow], { out, resamples: 100 });
    expect(r.summaries.map((s) => s.meta.map((m) => m.run))).toEqual([["run-1"], ["run-slow"]]);
    expect(r.summaries[1].cells.every((c) => c.condition.rtt_ms === 200)).toBe(true);
    const md = readFileSync(out, "utf8");
    expect(md).toMatch(/^# pqtls report: 2 runs side by side/);
    expect(md).toContain("their meta lines differ in `preset`");
    expect(md).toContain("## Run 1: run-1 (run.jsonl)");
    expect(md).toContain("## Run 2: run-slow (slow.jsonl)");
    // Each run's own sections, one level down, and charts of their own.
    expect(md.match(/^### Summary$/gm)).toHaveLength(2);
    expect(md).toContain("](both-run1-handshake-increase.svg)");
    expect(md).toContain("](both-run2-handshake-increase.svg)");
    // JSON: one summary per run; --allow-mixed still pools them into one.
    const json = join(dir, "mixed", "both.json");
    await writeReport([input, slow], { out: json, resamples: 100 });
    expect(JSON.parse(readFileSync(json, "utf8")).runs).toHaveLength(2);
    const pooled = await writeReport([input, slow], { out: json, resamples: 100, allowMixed: true });
    expect(pooled.summaries).toHaveLength(1);
    // The summary tables' CSV: one header, every line tagged with its run.
    const csv = join(dir, "mixed", "both-tables.csv");
    await writeReport([input, slow], { out: csv, format: "tables-csv", resamples: 100 });
    const [header, ...lines] = parseCsv(readFileSync(csv, "utf8"));
    expect(lines.some((l) => l[0] === "table")).toBe(false);
    expect(new Set(lines.map((l) => l[header.indexOf("run")]))).toEqual(new Set(["run-1", "run-slow"]));
  });
});

describe("CSV export", () => {
  it("has one line per number, agreeing with the JSON summary", async () => {
    const jsonOut = join(dir, "s.json");
    const csvOut = join(dir, "s.csv");
    await writeReport([input], { out: jsonOut, resamples: 200 });
    const r = await writeReport([input], { out: csvOut, format: "tables-csv", resamples: 200 });
    expect(r.format).toBe("tables-csv");
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
