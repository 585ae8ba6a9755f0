// A results file written before the dimension registry (test/fixtures/results-before-registry.jsonl:
// `pqtls run --preset quick --link none --samples 2 --warmups 0 --bytes 0,1KiB --rtt 0ms --rate 0`,
// cut after 5 of its 8 rows) must still load in the report and resume to completion: its meta config
// and cell ids are the contract between old files and new code.
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadResults } from "@pqtls/report";
import { afterAll, describe, expect, it } from "vitest";

const here = dirname(fileURLToPath(import.meta.url));
const bin = join(here, "..", "dist", "cli", "main.js");
const fixture = join(here, "fixtures", "results-before-registry.jsonl");
const dir = mkdtempSync(join(tmpdir(), "pqtls-old-results-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("results written before the registry", () => {
  it("load in the report", async () => {
    const loaded = await loadResults([fixture]);
    expect(loaded.rows).toHaveLength(5);
    expect(loaded.warnings).toEqual([]);
  });

  const resumeArgs = (out: string) => [
    bin,
    ...["run", "--preset", "quick", "--link", "none", "--samples", "2", "--warmups", "0"],
    ...[
      "--bytes",
      "0,1KiB",
      "--rtt",
      "0ms",
      "--rate",
      "0",
      "--resume",
      "--out",
      out,
      "--no-report",
      "--quiet",
    ],
  ];

  it("resume: only the 3 missing samples run, and the completed file loads with every cell's 2 samples", async () => {
    const out = join(dir, "resumed.jsonl");
    copyFileSync(fixture, out);
    const r = spawnSync(process.execPath, resumeArgs(out), { encoding: "utf8", timeout: 120_000 });
    expect(r.stderr).toContain("3 rows written (0 failed), 5 already recorded");
    expect(r.status).toBe(0);
    const loaded = await loadResults([out]);
    expect(loaded.rows).toHaveLength(8);
    const perCell = new Map<string, number[]>();
    for (const row of loaded.rows) perCell.set(row.cell, [...(perCell.get(row.cell) ?? []), row.sample]);
    expect(perCell.size).toBe(4);
    for (const samples of perCell.values()) expect(samples.sort()).toEqual([0, 1]);
  });

  it("resume a run recorded before a dimension existed: the dimension was off (its none)", () => {
    // As if cert_compression had been added after this file was written: its meta config lacks the key.
    const out = join(dir, "older.jsonl");
    const [metaLine, ...rows] = readFileSync(fixture, "utf8").split("\n");
    const meta = JSON.parse(metaLine);
    delete meta.config.cert_compression;
    writeFileSync(out, [JSON.stringify(meta), ...rows].join("\n"));
    const r = spawnSync(process.execPath, resumeArgs(out), { encoding: "utf8", timeout: 120_000 });
    expect(r.stderr).toContain("3 rows written (0 failed), 5 already recorded");
    expect(r.status).toBe(0);
  });
});
