// `pqtls report`: the CLI around @pqtls/report's writeReport — output formats, one-line errors that
// name the bad line, --skip-bad warnings, mixed runs side by side, output names. Runs the built CLI (dist/).

import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const bin = join(dirname(fileURLToPath(import.meta.url)), "..", "dist", "cli", "main.js");
const dir = mkdtempSync(join(tmpdir(), "pqtls-report-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function pqtls(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: "utf8", timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function metaLine(config: object = { preset: "cli-test" }) {
  return {
    type: "meta",
    run: "r1",
    format: 1,
    started_at: "2026-11-29T10:00:00Z",
    command_line: ["pqtls", "run"],
    config,
    versions: { node: process.version },
    kernel: "test",
    link_backend: "none",
    timing_definition: "from connect() to the last byte",
    seed: 3,
  };
}

function rows(kex: string, chain: string, base: number, n = 40) {
  return Array.from({ length: n }, (_, i) => ({
    type: "row",
    run: "r1",
    cell: `${kex}/${chain}`,
    sample: i,
    engine: "pqtls",
    kex,
    chain,
    suite: "TLS_AES_128_GCM_SHA256",
    rtt_ms: 0,
    jitter_ms: 0,
    rate_mbps: 0,
    loss_pct: 0,
    initcwnd: 10,
    mtu: 1500,
    cc: "cubic",
    bytes: 0,
    ok: true,
    error: null,
    tcp_connect_ms: 0.1,
    handshake_ms: base + (i % 10) * 0.1,
    ttfb_ms: null,
    ttlb_ms: null,
    hs_bytes_c2s: 1500,
    hs_bytes_s2c: 16000,
    retrans_segs: 0,
    lane: 0,
    ts: "2026-11-29T10:00:01Z",
  }));
}

function results(name: string, lines: object[], extra = ""): string {
  const path = join(dir, name);
  writeFileSync(path, `${lines.map((l) => JSON.stringify(l)).join("\n")}\n${extra}`);
  return path;
}

const good = results("good.jsonl", [
  metaLine(),
  ...rows("x25519", "rsa2048", 5),
  ...rows("X25519MLKEM768", "mldsa65", 6),
]);

describe("pqtls report", () => {
  it("writes a markdown report with charts next to it", () => {
    const out = join(dir, "md", "report.md");
    const r = pqtls("report", good, "-o", out);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /^wrote .*report\.md and \d+ charts \(SVG, Vega-Lite spec, data\) next to it\n$/,
    );
    const md = readFileSync(out, "utf8");
    expect(md).toContain("unshaped loopback");
    expect(existsSync(join(dir, "md", "report-handshake-increase.svg"))).toBe(true);
  });

  it("prints the JSON summary to stdout with --format json", () => {
    const r = pqtls("report", good, "--format", "json", "--resamples", "200");
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s.comparisons).toHaveLength(1);
    // Medians 5.45 and 6.45 ms (each value is base + 0.1 × (i mod 10)).
    expect(s.comparisons[0].metrics.handshake_ms.p50.increase_pct).toBeCloseTo(100 * (6.45 / 5.45 - 1), 6);
    expect(s.method.bootstrap).toMatchObject({ seed: 3, resamples: 200 });
  });

  it("names the file and line of a malformed row, in one line", () => {
    const bad = results(
      "bad.jsonl",
      [metaLine(), ...rows("x25519", "rsa2048", 5, 2)],
      '{"type":"row", oops\n',
    );
    const r = pqtls("report", bad, "--format", "csv");
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/^pqtls: .*bad\.jsonl:4: not valid JSON/);
  });

  it("with --skip-bad, warns about the line and reports the rest", () => {
    const bad = results("bad2.jsonl", [metaLine(), ...rows("x25519", "rsa2048", 5, 2)], '{"type":"row"}\n');
    const r = pqtls("report", bad, "--format", "tables-csv", "--skip-bad");
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/pqtls: warning: .*bad2\.jsonl:4: missing field "run" \(skipped\)/);
    expect(r.stdout.split("\n")[0]).toMatch(/^table,kex,chain,/);
  });

  it("--format csv and -o x.csv are the raw rows (alias rows); tables-csv the summary tables", () => {
    // To stdout: a line per connection with the row's fields as columns.
    const csv = pqtls("report", good, "--format", "csv");
    expect(csv.code).toBe(0);
    const [header, ...lines] = csv.stdout.trimEnd().split("\n");
    expect(header).toMatch(/^run,cell,sample,/);
    expect(lines).toHaveLength(80);
    const col = header.split(",").indexOf("handshake_ms");
    expect(lines.map((l) => Number(l.split(",")[col])).slice(0, 3)).toEqual([5, 5.1, 5.2]);
    expect(pqtls("report", good, "--format", "rows").stdout).toBe(csv.stdout);
    // To a file: the extension alone means the rows.
    const out = join(dir, "csv", "good.csv");
    const file = pqtls("report", good, "-o", out);
    expect(file.code).toBe(0);
    expect(file.stdout).toBe(`wrote ${out}\n`);
    expect(readFileSync(out, "utf8")).toBe(csv.stdout);
    // The summary tables by their own name, to stdout or a .csv file.
    const tables = pqtls("report", good, "--format", "tables-csv", "--resamples", "100");
    expect(tables.code).toBe(0);
    expect(tables.stdout.split("\n")[0]).toMatch(/^table,kex,chain,/);
    const tablesOut = join(dir, "csv", "tables.csv");
    expect(pqtls("report", good, "--format", "tables-csv", "-o", tablesOut, "--resamples", "100").code).toBe(
      0,
    );
    expect(readFileSync(tablesOut, "utf8").split("\n")[0]).toMatch(/^table,kex,chain,/);
    // --help tells a user of the old meaning where the tables went.
    const help = pqtls("report", "--help").stdout.replace(/\s+/g, " ");
    expect(help).toContain("csv (the raw rows");
    expect(help).toContain("tables-csv (the summary tables, long form; what csv meant before)");
  });

  it("exits quietly when the reader of its output goes away (`| head`), --help included", async () => {
    for (const args of [
      ["report", "--help"],
      ["compare", "--help"],
      ["report", good, "--format", "csv"],
    ]) {
      const child = spawn(process.execPath, [bin, ...args], { stdio: ["ignore", "pipe", "pipe"] });
      child.stdout.destroy(); // as `head` does once it has its lines: the next write gets EPIPE
      let stderr = "";
      child.stderr.on("data", (d) => (stderr += d));
      const code = await new Promise<number | null>((done) => child.on("close", done));
      expect(stderr, args.join(" ")).toBe("");
      expect(code, args.join(" ")).toBe(0);
    }
  });

  it("reports mixed runs side by side (the README's `pqtls report results/*.jsonl`), or pools them with --allow-mixed", () => {
    const other = results("other.jsonl", [
      metaLine({ preset: "another" }),
      ...rows("x25519", "ed25519", 5, 2),
    ]);
    const r = pqtls("report", good, other, "--format", "json", "--resamples", "100");
    expect(r.stderr).not.toMatch(/mixed runs/);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).runs).toHaveLength(2);
    const pooled = pqtls("report", good, other, "--format", "json", "--allow-mixed", "--resamples", "100");
    expect(pooled.code).toBe(0);
    expect(JSON.parse(pooled.stdout).cells).toHaveLength(3);
    const md = pqtls("report", good, other, "--resamples", "100");
    expect(md.code).toBe(0);
    expect(md.stdout).toMatch(/^wrote .*good-and-1-more\.md \(2 runs side by side\)/);
  });

  it("names its output after the input, and -o's extension chooses the format", () => {
    const first = results("first.jsonl", [metaLine(), ...rows("x25519", "rsa2048", 5, 12)]);
    const r = pqtls("report", first, "--resamples", "100");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^wrote .*first\.md and \d+ charts/);
    expect(existsSync(join(dir, "first.md"))).toBe(true);
    expect(existsSync(join(dir, "report.md"))).toBe(false);
    const html = join(dir, "out", "x.html");
    expect(pqtls("report", first, "-o", html, "--resamples", "100").code).toBe(0);
    expect(readFileSync(html, "utf8")).toMatch(/^<!DOCTYPE html>/);
    const bad = pqtls("report", first, "-o", join(dir, "out", "x.txt"));
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split("\n")).toHaveLength(1);
    expect(bad.stderr).toMatch(/^pqtls: .*x\.txt: unknown report extension "\.txt"/);
    expect(existsSync(join(dir, "out", "x.txt"))).toBe(false);
  });

  it("--study-variant names the study's PQ in 'Beside the study'; one naming no compared variant is one line", () => {
    const r = pqtls("report", good, "--format", "json", "--study-variant", "chain=mldsa65");
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary.beside_study.study_variant).toBe("X25519MLKEM768 + mldsa65");
    expect(summary.beside_study.study_variant_reason).toContain("--study-variant chain=mldsa65");
    const bad = pqtls("report", good, "--format", "json", "--study-variant", "chain=rsa2048");
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split("\n")).toHaveLength(1);
    expect(bad.stderr).toMatch(/--study-variant chain=rsa2048 matches no compared variant/);
  });

  it("rejects a bad selector, format or number with one line", () => {
    for (const args of [
      ["--baseline", "kex"],
      ["--format", "pdf"],
      ["--resamples", "ten"],
    ]) {
      const r = pqtls("report", good, ...args);
      expect(r.code, args.join(" ")).not.toBe(0);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
    }
    const md = pqtls("report", good, "-o", "-");
    expect(md.code).toBe(2);
    expect(md.stderr).toMatch(/needs a file/);
  });
});
