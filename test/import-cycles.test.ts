// No import cycles anywhere: between modules of a package (biome's noImportCycles, an error in
// biome.json, run here over every package's sources) and between the packages themselves (their
// package.json dependencies). A cycle makes a module see another half-initialised and hides which
// layer owns what; data flows one way: config -> link + endpoints -> rows -> report.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "./cli.js";

const biome = join(repoRoot, "node_modules", ".bin", "biome");

function cyclesReported(args: string[], cwd: string): { code: number | null; out: string } {
  const r = spawnSync(
    biome,
    ["lint", "--only=suspicious/noImportCycles", "--error-on-warnings", "--max-diagnostics=50", ...args],
    { cwd, encoding: "utf8", timeout: 120_000 },
  );
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

describe("import cycles", () => {
  it("the check fails on a cycle (a.ts -> b.ts -> a.ts)", () => {
    const dir = mkdtempSync(join(tmpdir(), "pqtls-cycle-"));
    try {
      writeFileSync(
        join(dir, "biome.json"),
        JSON.stringify({ linter: { rules: { suspicious: { noImportCycles: "error" } } } }),
      );
      writeFileSync(join(dir, "a.ts"), 'import { b } from "./b.ts";\nexport const a = () => b;\n');
      writeFileSync(join(dir, "b.ts"), 'import { a } from "./a.ts";\nexport const b = () => a;\n');
      const r = cyclesReported(["."], dir);
      expect(r.out).toContain("noImportCycles");
      expect(r.code).not.toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("no module of any package imports itself back", () => {
    const r = cyclesReported(["packages"], repoRoot);
    expect(r.out).not.toContain("noImportCycles");
    expect(r.code).toBe(0);
  });

  it("no package depends on itself through other workspace packages", () => {
    const dir = join(repoRoot, "packages");
    const deps = new Map<string, string[]>();
    for (const p of readdirSync(dir)) {
      const pkg = JSON.parse(readFileSync(join(dir, p, "package.json"), "utf8"));
      const all = { ...pkg.dependencies, ...pkg.devDependencies, ...pkg.peerDependencies };
      deps.set(
        pkg.name,
        Object.keys(all).filter((d) => d.startsWith("@pqtls/")),
      );
    }
    const reaches = (from: string, to: string, seen = new Set<string>()): boolean =>
      (deps.get(from) ?? []).some((d) => d === to || (!seen.has(d) && seen.add(d) && reaches(d, to, seen)));
    expect(deps.size).toBeGreaterThanOrEqual(3);
    for (const name of deps.keys()) expect(reaches(name, name), `${name} depends on itself`).toBe(false);
  });
});
