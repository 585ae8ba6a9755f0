// Reading results files: malformed input names file and line; --skip-bad warns and goes on; shards
// of one run merge; runs with different configs are refused unless allowed.

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { loadResults, parseResults, ReportInputError } from "../src/load.js";
import { splitRuns } from "../src/runs.js";
import { jsonl, meta, rowsFor } from "./synth.js";

const dir = mkdtempSync(join(tmpdir(), "pqtls-report-load-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const good = rowsFor({ kex: "x25519", chain: "rsa2048", handshake: [10, 11, 12, 13] });
const lines = jsonl(meta(), good).trimEnd().split("\n");

function withLine(n: number, text: string): string {
  const copy = [...lines];
  copy[n - 1] = text;
  return `${copy.join("\n")}\n`;
}

function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ReportInputError);
    return (err as Error).message;
  }
  throw new Error("expected an error");
}

describe("parseResults", () => {
  it("reads a meta line and its rows", () => {
    const r = parseResults(jsonl(meta(), good), "a.jsonl");
    expect(r.rows).toHaveLength(4);
    expect(r.files[0].meta.run).toBe("run-1");
    expect(r.origins[2]).toBe("a.jsonl:4");
  });

  it("names the line of invalid JSON", () => {
    const msg = errorOf(() => parseResults(withLine(3, '{"type":"row",'), "a.jsonl"));
    expect(msg).toMatch(/^a\.jsonl:3: not valid JSON/);
  });

  it("names the line and the field of a row missing one", () => {
    const row = JSON.parse(lines[2]);
    delete row.ttlb_ms;
    const msg = errorOf(() => parseResults(withLine(3, JSON.stringify(row)), "a.jsonl"));
    expect(msg).toBe('a.jsonl:3: missing field "ttlb_ms"');
  });

  it("rejects wrongly typed fields and an ok row without a handshake time", () => {
    const row = JSON.parse(lines[1]);
    expect(errorOf(() => parseResults(withLine(2, JSON.stringify({ ...row, rtt_ms: "35" }))))).toMatch(
      /:2: field "rtt_ms" must be a finite number/,
    );
    expect(errorOf(() => parseResults(withLine(2, JSON.stringify({ ...row, handshake_ms: null }))))).toMatch(
      /:2: ok is true but handshake_ms is null/,
    );
    expect(errorOf(() => parseResults(withLine(2, JSON.stringify({ ...row, ttlb_ms: -1 }))))).toMatch(
      /:2: field "ttlb_ms" must be a non-negative number or null/,
    );
  });

  it("requires the meta line first, and only once", () => {
    expect(errorOf(() => parseResults(lines.slice(1).join("\n"), "a.jsonl"))).toMatch(
      /^a\.jsonl:1: the first line must be the meta line/,
    );
    expect(errorOf(() => parseResults(withLine(4, lines[0]), "a.jsonl"))).toMatch(
      /^a\.jsonl:4: a second meta line/,
    );
    expect(errorOf(() => parseResults("", "empty.jsonl"))).toMatch(/^empty\.jsonl: empty file/);
  });

  it("rejects a duplicate sample, naming both lines", () => {
    const msg = errorOf(() => parseResults(`${lines.join("\n")}\n${lines[1]}\n`, "a.jsonl"));
    expect(msg).toMatch(/^a\.jsonl:6: duplicate sample 0 of cell .* \(also at a\.jsonl:2/);
  });

  it("rejects a row whose run differs from the file's meta line", () => {
    const row = { ...JSON.parse(lines[1]), run: "other", sample: 99 };
    expect(errorOf(() => parseResults(withLine(2, JSON.stringify(row)), "a.jsonl"))).toMatch(
      /^a\.jsonl:2: row is from run "other"/,
    );
  });

  it("rejects rows of one cell id with different parameters", () => {
    const row = { ...JSON.parse(lines[4]), rtt_ms: 200 };
    expect(errorOf(() => parseResults(withLine(5, JSON.stringify(row)), "a.jsonl"))).toMatch(
      /^a\.jsonl:5: row of cell .* has different parameters than the cell's row at a\.jsonl:2/,
    );
  });

  it("with skipBad, warns about each bad line and keeps the good ones", () => {
    const text = `${withLine(3, "not json").trimEnd()}\n{"type":"row"}\n`;
    const r = parseResults(text, "a.jsonl", { skipBad: true });
    expect(r.rows.map((x) => x.sample)).toEqual([0, 2, 3]);
    expect(r.warnings).toHaveLength(2);
    expect(r.warnings[0]).toMatch(/^a\.jsonl:3: not valid JSON .*\(skipped\)$/);
    expect(r.warnings[1]).toMatch(/^a\.jsonl:6: missing field "run" \(skipped\)$/);
    expect(r.files[0].skipped).toBe(2);
  });

  it("with skipBad, still refuses a file without a valid meta line", () => {
    expect(
      errorOf(() => parseResults(`garbage\n${lines.slice(1).join("\n")}`, "a.jsonl", { skipBad: true })),
    ).toMatch(/^a\.jsonl:1: the meta line is not valid JSON/);
  });
});

describe("loadResults", () => {
  const shard1 = rowsFor({ kex: "x25519", chain: "rsa2048", handshake: [10, 11] });
  const shard2 = rowsFor({ kex: "X25519MLKEM768", chain: "mldsa65", handshake: [12, 13] });

  it("merges shards of one run", async () => {
    const a = file("s1.jsonl", jsonl(meta(), shard1));
    const b = file("s2.jsonl", jsonl(meta(), shard2));
    const r = await loadResults([a, b]);
    expect(r.rows).toHaveLength(4);
    expect(r.files.map((f) => f.rows)).toEqual([2, 2]);
  });

  it("reads a gzipped results file (.jsonl.gz) as the plain one; a corrupt one is one clear error", async () => {
    const plain = file("z1.jsonl", jsonl(meta(), shard1));
    const zipped = join(dir, "z1.jsonl.gz");
    writeFileSync(zipped, gzipSync(jsonl(meta(), shard1)));
    const [a, b] = [await loadResults([plain]), await loadResults([zipped])];
    expect(b.rows).toEqual(a.rows);
    expect(b.rows).toHaveLength(2);
    const bad = file("z2.jsonl.gz", "not gzip at all\n");
    await expect(loadResults([bad])).rejects.toThrow(/z2\.jsonl\.gz: cannot read \(/);
  });

  it("refuses files with different configs, naming both and the differing keys, unless allowed", async () => {
    const a = file("m1.jsonl", jsonl(meta(), shard1));
    const b = file("m2.jsonl", jsonl(meta({ config: { preset: "other", samples: 100 } }), shard2));
    await expect(loadResults([a, b])).rejects.toThrow(
      /^mixed runs: .*m1\.jsonl and .*m2\.jsonl differ in config \(preset\); pass --allow-mixed/,
    );
    const r = await loadResults([a, b], { allowMixed: true });
    expect(r.rows).toHaveLength(4);
  });

  it("reads a dimension a file predates as its none: an old file and a new one of the same experiment pool", async () => {
    // Written before `hooks` and `cert_compression` existed: its config lacks both keys.
    const before = file("before.jsonl", jsonl(meta(), shard1));
    const now = meta({
      run: "run-2",
      config: { preset: "synthetic", samples: 100, hooks: ["none"], cert_compression: ["none"] },
    });
    const after = file(
      "after.jsonl",
      jsonl(now, rowsFor({ kex: "x25519", chain: "rsa2048", handshake: [12] }, "run-2")),
    );
    const r = await loadResults([before, after]);
    expect(r.rows).toHaveLength(3);
    expect(splitRuns(r)).toHaveLength(1);
    // A value other than none is a different experiment, as before.
    const zlib = meta({
      run: "run-3",
      config: { preset: "synthetic", samples: 100, cert_compression: ["zlib"] },
    });
    const other = file(
      "zlib.jsonl",
      jsonl(zlib, rowsFor({ kex: "x25519", chain: "rsa2048", handshake: [9] }, "run-3")),
    );
    await expect(loadResults([before, other])).rejects.toThrow(/differ in config \(cert_compression\)/);
    const parts = splitRuns(await loadResults([before, after, other], { allowMixed: true }));
    expect(parts.map((p) => [p.loaded.rows.length, p.differs])).toEqual([
      [3, ["cert_compression"]],
      [1, ["cert_compression"]],
    ]);
  });

  it("treats the same file given twice as duplicate samples", async () => {
    const a = file("twice.jsonl", jsonl(meta(), shard1));
    await expect(loadResults([a, a])).rejects.toThrow(/twice\.jsonl:2: duplicate sample 0/);
  });

  it("names a file that cannot be read", async () => {
    await expect(loadResults([join(dir, "missing.jsonl")])).rejects.toThrow(
      /missing\.jsonl: cannot read \(no such file\)/,
    );
  });

  it("reads CRLF line endings", async () => {
    const a = file("crlf.jsonl", jsonl(meta(), shard1).replace(/\n/g, "\r\n"));
    expect((await loadResults([a])).rows).toHaveLength(2);
  });
});
