// The CLI ends of "any dimension as a baseline": a selector value the results do not have is one
// line and exit 2 (not a note per condition and exit 0), and `run --dry-run` warns when the plan has
// no cell of the default baseline (an override dropped the classical variant).
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { reportSelectorWarnings } from "../src/cli/run.js";
import { resolveConfig } from "../src/run/config.js";
import { buildPlan } from "../src/run/plan.js";
import { flags } from "./config-helpers.js";

const here = dirname(fileURLToPath(import.meta.url));
const bin = join(here, "..", "dist", "cli", "main.js");
const dir = mkdtempSync(join(tmpdir(), "pqtls-cli-baseline-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function pqtls(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: "utf8", timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("--baseline at the CLI", () => {
  const results = join(dir, "old.jsonl");
  copyFileSync(join(here, "fixtures", "results-before-registry.jsonl"), results);

  it("refuses a value no cell has with one line listing the values present, exit 2", () => {
    const r = pqtls(
      "report",
      results,
      "--baseline",
      "kex=foo",
      "--format",
      "json",
      "-o",
      join(dir, "x.json"),
    );
    expect(r.code).toBe(2);
    const lines = r.stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^pqtls: --baseline kex=foo matches no kex in these results \(present: .*x25519/,
    );
  });

  it("takes any dimension of the registry as the baseline", () => {
    const r = pqtls(
      "report",
      results,
      "--baseline",
      "engine=pqtls,kex=x25519,chain=rsa2048",
      "--format",
      "json",
      "-o",
      "-",
    );
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary.comparisons.length).toBeGreaterThan(0);
    for (const c of summary.comparisons) {
      expect(c.baseline.variant).toMatchObject({ engine: "pqtls", kex: "x25519", chain: "rsa2048" });
      expect(c.variant.variant).toMatchObject({ kex: "X25519MLKEM768", chain: "mldsa65" });
    }
  });

  it("run --dry-run warns when an override drops the baseline variant", () => {
    const dropped = pqtls("run", "--kex", "X25519MLKEM768", "--dry-run");
    expect(dropped.code).toBe(0);
    expect(dropped.stderr).toMatch(
      /^pqtls: warning: the plan has no baseline cell \(kex=classical,chain=classical/,
    );
    const kept = pqtls("run", "--dry-run");
    expect(kept.code).toBe(0);
    expect(kept.stderr).toBe("");
  });

  it("warns a run (not only --dry-run) about configured selectors only: a PQ-only plan is often meant", () => {
    const pqOnly = buildPlan(resolveConfig([flags({ kex: "X25519MLKEM768", link: "none" })]));
    expect(reportSelectorWarnings(pqOnly)).toEqual([expect.stringMatching(/^the plan has no baseline cell/)]);
    expect(reportSelectorWarnings(pqOnly, {}, { defaultBaseline: false })).toEqual([]);
    expect(
      reportSelectorWarnings(pqOnly, { report_baseline: "kex=x25519" }, { defaultBaseline: false }),
    ).toEqual([expect.stringMatching(/^the run's report_baseline kex=x25519 matches no planned cell/)]);
  });

  it("warns before the run when the preset's report_baseline / report_variant match no planned cell", () => {
    // ttlb-cdf's report_baseline names chain=rsa2048; the old name rsa2048-depth3 is the same chain
    // but not the same name, so the run's report would fail after the whole run.
    const renamed = pqtls(
      "run",
      "--preset",
      "ttlb-cdf",
      "--variants",
      "x25519:rsa2048-depth3,X25519MLKEM768:mldsa65",
      "--dry-run",
    );
    expect(renamed.code).toBe(0);
    expect(renamed.stderr).toMatch(
      /^pqtls: warning: the run's report_baseline kex=x25519,chain=rsa2048 matches no planned cell \(it plans x25519:rsa2048-depth3, X25519MLKEM768:mldsa65\): its report will fail/,
    );
    const named = pqtls(
      "run",
      "--preset",
      "ttlb-cdf",
      "--variants",
      "x25519:rsa2048,X25519MLKEM768:mldsa65",
      "--dry-run",
    );
    expect(named.code).toBe(0);
    expect(named.stderr).toBe("");
    // ttlb-increase's report_variant (kex=pq) with only classical variants left: nothing to compare.
    const classical = pqtls(
      "run",
      "--preset",
      "ttlb-increase",
      "--variants",
      "x25519:rsa2048,x25519:ecdsa-p256",
      "--dry-run",
    );
    expect(classical.code).toBe(0);
    expect(classical.stderr).toMatch(/report_variant kex=pq matches no planned cell .*will compare nothing/);
  });
});
