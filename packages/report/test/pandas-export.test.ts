// The raw-row exports read by other people's code, on a real run (docs/results/ttlb-increase-openssl.jsonl,
// 350 connections, with one connection turned into a failure): the CSV is loaded by pandas through
// examples/pandas/ttlb_cdf.py, whose printed n and medians must be the JSONL rows' and whose figure
// must have a panel per condition; the Parquet file is read by DuckDB (its own C++ Parquet reader,
// not hyparquet, which wrote it) and every column of every row must equal the JSONL row's value.
// Each part is skipped, with the reason printed, where pandas/matplotlib or DuckDB is missing.

import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { writeReport } from "../src/report.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const dir = mkdtempSync(join(tmpdir(), "pqtls-pandas-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Json = Record<string, unknown>;

// The real run, with its first 1 KiB post-quantum connection failed as the runner records a failure.
const lines: Json[] = readFileSync(join(root, "docs", "results", "ttlb-increase-openssl.jsonl"), "utf8")
  .trim()
  .split("\n")
  .map((l) => JSON.parse(l));
const failed = lines.find((l) => l.type === "row" && l.kex === "X25519MLKEM768" && l.bytes === 1024)!;
Object.assign(failed, {
  ok: false,
  error: 'alert "bad_record_mac", then reset',
  tcp_connect_ms: null,
  handshake_ms: null,
  ttfb_ms: null,
  ttlb_ms: null,
  close_ms: null,
});
const rows = lines.filter((l) => l.type === "row");
const input = join(dir, "run.jsonl");
writeFileSync(input, `${lines.map((l) => JSON.stringify(l)).join("\n")}\n`);

/** A python3 that has pandas and matplotlib ($PQTLS_PYTHON, python3 on PATH, Debian's), or why not. */
function findPython(): { python: string } | { why: string } {
  const candidates = [process.env.PQTLS_PYTHON, "python3", "/usr/bin/python3"].filter(
    (p): p is string => p !== undefined,
  );
  for (const python of candidates) {
    const r = spawnSync(python, ["-c", "import pandas, matplotlib"], { encoding: "utf8" });
    if (r.status === 0) return { python };
  }
  return {
    why: `no python3 with pandas and matplotlib among ${candidates.join(", ")} (apt-get install python3-pandas python3-matplotlib, or set PQTLS_PYTHON)`,
  };
}
const py = findPython();
if ("why" in py) console.warn(`pandas-export.test.ts: the pandas part is skipped: ${py.why}`);

let duckdbWhy: string | null = null;
const duckdb = await import("@duckdb/node-api").catch((err: Error) => {
  duckdbWhy = `@duckdb/node-api does not load: ${err.message.split("\n")[0]}`;
  return null;
});
if (duckdbWhy) console.warn(`pandas-export.test.ts: the Parquet part is skipped: ${duckdbWhy}`);

/** Type-7 median (numpy's and pandas' default), written here rather than taken from the package. */
function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const h = (s.length - 1) / 2;
  return s[Math.floor(h)] + (h - Math.floor(h)) * (s[Math.ceil(h)] - s[Math.floor(h)]);
}

/**
 * Export `lines` as the rows CSV, run the pandas example on it, and check what it prints against
 * the JSONL: a header naming the panel columns (`panel`, then variant, n, p50_ms), one line per
 * panel and variant with its n and type-7 median TTLB. Returns the printed lines and the PNG.
 */
async function runExample(name: string, data: Json[], panel: string[]) {
  const file = join(dir, `${name}.jsonl`);
  writeFileSync(file, `${data.map((l) => JSON.stringify(l)).join("\n")}\n`);
  const csv = join(dir, `${name}.csv`);
  await writeReport([file], { out: csv });
  const png = join(dir, `${name}.png`);
  const r = spawnSync(
    (py as { python: string }).python,
    [join(root, "examples", "pandas", "ttlb_cdf.py"), csv, png],
    {
      encoding: "utf8",
      timeout: 120_000,
    },
  );
  expect(r.status, r.stderr).toBe(0);
  const [header, ...printed] = r.stdout.trimEnd().split("\n");
  expect(header).toBe([...panel, "variant", "n", "p50_ms"].join("\t"));

  // What the JSONL says, computed here: successful rows per panel and variant.
  const expected = new Map<string, number[]>();
  for (const row of data) {
    if (row.type !== "row" || !row.ok) continue;
    const key = JSON.stringify([...panel.map((f) => row[f]), `${row.kex} + ${row.chain}`]);
    expected.set(key, [...(expected.get(key) ?? []), (row.ttlb_ms ?? row.handshake_ms) as number]);
  }
  expect(printed).toHaveLength(expected.size);
  for (const line of printed) {
    const f = line.split("\t");
    // pandas prints a float column's 0 as 0.0: numbers compare as numbers.
    const key = JSON.stringify([
      ...f.slice(0, panel.length).map((v) => (v === "" || Number.isNaN(Number(v)) ? v : Number(v))),
      f[panel.length],
    ]);
    const values = expected.get(key);
    expect(values, line).toBeDefined();
    expect(Number(f[panel.length + 1]), line).toBe(values!.length);
    expect(Number(f[panel.length + 2]), line).toBeCloseTo(median(values!), 9);
  }
  // The figure: a PNG 7 in wide and 3.2 in per panel at 120 dpi.
  const image = readFileSync(png);
  expect(image.subarray(1, 4).toString("latin1")).toBe("PNG");
  const panels = new Set(printed.map((l) => l.split("\t").slice(0, panel.length).join())).size;
  expect([image.readUInt32BE(16), image.readUInt32BE(20)]).toEqual([7 * 120, Math.round(3.2 * panels * 120)]);
  return { printed, panels, stderr: r.stderr, png };
}

describe.skipIf("why" in py)("the rows CSV in pandas (examples/pandas/ttlb_cdf.py)", () => {
  it("prints the rows' n and median TTLB per size and variant, failures left out, a panel per size", async () => {
    // The OpenSSL run varies only the size.
    const r = await runExample("openssl", lines, ["bytes"]);
    expect(r.panels).toBe(7);
    expect(r.stderr).toContain(`wrote ${r.png}; 1 failed connections left out`);
    // The failed connection is left out of its cell: 24 of its 25.
    expect(r.printed.filter((l) => l.split("\t")[2] === "24")).toEqual([
      expect.stringMatching(/^1024\tX25519MLKEM768 \+ mldsa65\t24\t/),
    ]);
  }, 180_000);

  it("keeps a jittered and an unjittered link at the same RTT apart", async () => {
    // docs/results/ttlb-increase.jsonl at 35 ms, 0 B and 1 KiB: jitter 0 and 8.75 ms paretonormal.
    const ttlb: Json[] = readFileSync(join(root, "docs", "results", "ttlb-increase.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l))
      .filter((l) => l.type === "meta" || (l.rtt_ms === 35 && (l.bytes as number) <= 1024));
    const r = await runExample("jitter", ttlb, ["jitter_ms", "jitter_dist", "bytes"]);
    expect(r.panels).toBe(4);
    expect(r.printed.every((l) => l.split("\t")[4] === "25")).toBe(true);
  }, 180_000);
});

describe.skipIf(duckdbWhy !== null)("the rows Parquet in DuckDB", () => {
  it("has a column per field and every row's values as in the JSONL", async () => {
    const parquet = join(dir, "rows.parquet");
    await writeReport([input], { out: parquet });
    const db = await duckdb!.DuckDBInstance.create(":memory:");
    const connection = await db.connect();
    const read = await connection.runAndReadAll(
      `SELECT * FROM read_parquet('${parquet.replace(/'/g, "''")}')`,
    );
    const columns = read.columnNames();
    const got = read.getRowObjectsJS();
    connection.closeSync();

    expect(got).toHaveLength(rows.length);
    // Every top-level field of the rows is a column; the nested tcp/link counters are `tcp.<key>`.
    const expectedColumns = new Set<string>();
    for (const row of rows) {
      for (const [k, v] of Object.entries(row)) {
        if (k === "type") continue;
        if (v !== null && typeof v === "object")
          for (const sub of Object.keys(v)) expectedColumns.add(`${k}.${sub}`);
        else expectedColumns.add(k);
      }
    }
    // The other columns are the row format's fields this older run predates: all null.
    const schemaFields = Object.keys(
      JSON.parse(readFileSync(join(root, "packages", "report", "schema", "row.schema.json"), "utf8"))
        .properties,
    );
    const extra = columns.filter((c) => !expectedColumns.has(c));
    expect(extra.length).toBeGreaterThan(0);
    for (const c of extra) {
      expect(schemaFields, c).toContain(c);
      expect(got.every((g) => g[c] === null)).toBe(true);
    }
    expect(columns.filter((c) => expectedColumns.has(c))).toHaveLength(expectedColumns.size);
    expect(columns.filter((c) => c.startsWith("link.")).length).toBeGreaterThan(0);

    const jsonValue = (row: Json, column: string): unknown => {
      if (column in row) return row[column] ?? null;
      const dot = column.indexOf(".");
      const nested = row[column.slice(0, dot)] as Json | undefined;
      return nested?.[column.slice(dot + 1)] ?? null;
    };
    for (const [i, row] of rows.entries()) {
      for (const column of columns)
        expect(got[i][column], `row ${i} ${column}`).toEqual(jsonValue(row, column));
    }
    const bad = got.find((g) => g.ok === false)!;
    expect(bad.error).toBe('alert "bad_record_mac", then reset');
    expect(bad.handshake_ms).toBeNull();
  }, 120_000);
});
