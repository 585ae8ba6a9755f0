// `pqtls compare A B`: a markdown table of Δ ms with intervals on stdout, and one line + exit 2 for
// runs that measure different conditions.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
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

/** The fixture run with every handshake `shift` ms slower and rows kept by `keep`. */
function variantOf(name: string, shift: number, keep: (row: Record<string, unknown>) => boolean): string {
  const lines = readFileSync(join(here, "fixtures", "results-before-registry.jsonl"), "utf8")
    .trim()
    .split("\n");
  const out = lines.map((l) => JSON.parse(l)).filter((o) => o.type === "meta" || keep(o));
  for (const o of out) if (o.type === "row" && typeof o.handshake_ms === "number") o.handshake_ms += shift;
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
});
