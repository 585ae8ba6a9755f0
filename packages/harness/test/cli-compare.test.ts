// `pqtls compare A B`: a markdown table of Δ ms with intervals on stdout, and one line + exit 2 for
// runs that measure different conditions; -o's extension chooses md, html or json (the HTML itself is
// checked in a browser by the report package's test/compare-html.test.ts).
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const here = dirname(fileURLToPath(import.meta.url));
const bin = join(here, "..", "dist", "cli", "main.js");
const dir = mkdtempSync(join(tmpdir(), "pqtls-cli-compare-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function pqtls(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: "utf8", timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The fixture run with every handshake (and TTLB) `shift` ms slower and rows kept by `keep`. */
function variantOf(
  name: string,
  shift: number,
  keep: (row: Record<string, unknown>) => boolean,
  ttlbShift = 0,
): string {
  const lines = readFileSync(join(here, "fixtures", "results-before-registry.jsonl"), "utf8")
    .trim()
    .split("\n");
  const out = lines.map((l) => JSON.parse(l)).filter((o) => o.type === "meta" || keep(o));
  for (const o of out) if (o.type === "row" && typeof o.handshake_ms === "number") o.handshake_ms += shift;
  for (const o of out) if (o.type === "row" && typeof o.ttlb_ms === "number") o.ttlb_ms += ttlbShift;
  const file = join(dir, name);
  writeFileSync(file, `${out.map((o) => JSON.stringify(o)).join("\n")}\n`);
  return file;
}

describe("pqtls compare", () => {
  const a = variantOf("a.jsonl", 0, () => true);
  const b = variantOf("b.jsonl", 5, () => true);

  it("prints a markdown table of B over A with Δ ms", () => {
    const r = pqtls("compare", a, b, "--resamples", "100");
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("# pqtls compare: B over A");
    expect(r.stdout).toMatch(/\| handshake time \| p50 \| [\d.]+ \| [\d.]+ \| \+5\.00 \[/);
  });

  it("refuses runs with different conditions in one line, exit 2", () => {
    const fewer = variantOf("fewer.jsonl", 0, (o) => o.bytes === 0);
    const r = pqtls("compare", a, fewer);
    expect(r.code).toBe(2);
    const lines = r.stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^pqtls: the runs do not measure the same conditions: \d+ cells only in .*a\.jsonl/,
    );
    expect(pqtls("compare", a, fewer, "--matching-only").code).toBe(0);
  });

  it("takes the format from -o's extension: html with its charts, json; refuses others in one line", () => {
    const html = join(dir, "out", "ab.html");
    const r = pqtls("compare", a, b, "-o", html, "--resamples", "100");
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`wrote ${html} and 4 CDF charts (SVG, Vega-Lite spec, data) next to it\n`);
    const page = readFileSync(html, "utf8");
    expect(page).toMatch(/^<!DOCTYPE html>/);
    expect(page).toContain("<h1>pqtls compare: B over A</h1>");
    expect(page.match(/<div class="vega-chart"/g)).toHaveLength(4);
    expect(existsSync(join(dir, "out", "ab-cdf-1.vl.json"))).toBe(true);
    // .json means JSON, not markdown in a .json file.
    const json = join(dir, "out", "ab.json");
    expect(pqtls("compare", a, b, "-o", json, "--resamples", "100").code).toBe(0);
    expect(JSON.parse(readFileSync(json, "utf8")).cells.length).toBeGreaterThan(0);
    for (const args of [
      ["-o", join(dir, "out", "ab.txt")],
      ["-o", html, "--format", "md"],
      ["--format", "html"],
    ]) {
      const bad = pqtls("compare", a, b, ...args);
      expect(bad.code, args.join(" ")).toBe(2);
      expect(bad.stderr.trim().split("\n"), args.join(" ")).toHaveLength(1);
    }
    expect(pqtls("compare", a, b, "-o", join(dir, "out", "ab.txt")).stderr).toMatch(
      /^pqtls: .*ab\.txt: unknown compare extension "\.txt"; use \.md, \.markdown, \.html, \.htm, \.json\n$/,
    );
    expect(existsSync(join(dir, "out", "ab.txt"))).toBe(false);
  });

  it("compares another engine's run with --across engine, and says so when it is missing", () => {
    const lines = readFileSync(b, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    for (const o of lines) if (o.type === "row") o.engine = "openssl";
    const openssl = join(dir, "openssl.jsonl");
    writeFileSync(openssl, `${lines.map((o) => JSON.stringify(o)).join("\n")}\n`);
    const refused = pqtls("compare", a, openssl);
    expect(refused.code).toBe(2);
    expect(refused.stderr.trim().split("\n")).toHaveLength(1);
    expect(refused.stderr).toMatch(/--across engine compares them across it\n$/);
    const r = pqtls("compare", a, openssl, "--across", "engine", "--resamples", "100");
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Compared across **engine** (A: pqtls; B: openssl)");
    expect(r.stdout).toMatch(/\| handshake time \| p50 \| [\d.]+ \| [\d.]+ \| \+5\.00 \[/);
    const bad = pqtls("compare", a, openssl, "--across", "colour");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^pqtls: --across: unknown key "colour" \(keys: /);
  });

  it("writes the CDFs of both runs next to an -o markdown file, linked, with their samples as CSV", () => {
    const slower = variantOf("b-ttlb.jsonl", 5, () => true, 7);
    const md = join(dir, "out", "ab.md");
    const r = pqtls("compare", a, slower, "-o", md, "--resamples", "100");
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`wrote ${md} and 4 CDF charts (SVG, Vega-Lite spec, data) next to it\n`);
    const text = readFileSync(md, "utf8");
    const svgs = [...text.matchAll(/!\[CDF, A vs B: ([^\]]+)\]\((ab-cdf-\d\.svg)\)/g)];
    expect(svgs).toHaveLength(4);
    for (const [, , file] of svgs) {
      expect(readFileSync(join(dir, "out", file), "utf8")).toMatch(/^<svg/);
      expect(existsSync(join(dir, "out", file.replace(/\.svg$/, ".vl.json")))).toBe(true);
    }
    // The PQ 1 KiB cell has two connections in each run: the CSV holds exactly those, B's 7 ms later.
    const fixture = readFileSync(join(here, "fixtures", "results-before-registry.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l))
      .filter((o) => o.type === "row" && o.kex === "X25519MLKEM768" && o.bytes === 1024);
    const ttlbA = fixture.map((o) => o.ttlb_ms as number).sort((x, y) => x - y);
    expect(ttlbA).toHaveLength(2);
    const [, , pqFile] = svgs.find(([, label]) => label === "X25519MLKEM768 + mldsa65, 1 KiB")!;
    const [header, ...lines] = readFileSync(join(dir, "out", pqFile.replace(/\.svg$/, ".csv")), "utf8")
      .trim()
      .split("\n");
    const col = (name: string) => header.split(",").indexOf(name);
    const samples = (run: string) =>
      lines
        .map((l) => l.split(","))
        .filter((f) => f[col("variant")] === run && Number(f[col("fraction")]) > 0)
        .map((f) => Number(f[col("ms")]));
    expect(samples("A: a.jsonl")).toEqual(ttlbA);
    expect(samples("B: b-ttlb.jsonl")).toEqual(ttlbA.map((x) => x + 7));
  });
});
