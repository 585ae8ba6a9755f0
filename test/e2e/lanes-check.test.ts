// End to end: `pqtls lanes check` runs the given cells with 1 lane and with --lanes K on TUN lanes,
// interleaved, and prints per cell both sides' p50, their marked rows and the shift with its
// interval; its exit code follows its own verdict. Few samples on a fast link: the intervals are
// wide, so this checks that the command works end to end, not the packing's fidelity (the bench
// does that). `pqtls run --calibrate` reaches the same command with run's flags.
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { pqtls, readRows, tunLinkSkipReason } from "../cli.js";

const skipWhy = tunLinkSkipReason("lanes check end-to-end test");
const dir = mkdtempSync(join(tmpdir(), "pqtls-e2e-lanes-check-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cells = [
  "--config",
  "/dev/null",
  "--engine",
  "pqtls",
  "--variants",
  "x25519:rsa2048",
  "--rtt",
  "10ms",
  "--rate",
  "100mbit",
  "--bytes",
  "0,16KiB",
  "--samples",
  "8",
  "--warmups",
  "0",
];

describe.skipIf(skipWhy !== null)("pqtls lanes check", () => {
  it("prints each cell's 1-lane and 2-lane p50, marked rows and shift, and exits by its verdict", async () => {
    const out = join(dir, "check");
    const r = await pqtls(["lanes", "check", ...cells, "--lanes", "2", "--chunks", "2", "--out-dir", out], {
      timeoutMs: 240_000,
    });
    const lines = r.stdout.split("\n").filter((l) => l.includes(": 1 lane p50"));
    expect(lines, r.stderr).toHaveLength(2);
    for (const l of lines)
      expect(l).toMatch(
        /1 lane p50 [\d.]+ ms \(n=8, marked \d\/8\); 2 lanes p50 [\d.]+ ms \(n=8, marked \d\/8\); shift [+-][\d.]+ % \[[+-][\d.]+ %, [+-][\d.]+ %\]: (ok|SHIFTED)/,
      );
    const shifted = lines.some((l) => l.includes("SHIFTED"));
    expect(r.code).toBe(shifted ? 1 : 0);
    // Interleaved: two chunks per side, each side's rows on its own lane count.
    expect(readdirSync(out).sort()).toEqual([
      "1-lane-chunk0.jsonl",
      "1-lane-chunk1.jsonl",
      "2-lanes-chunk0.jsonl",
      "2-lanes-chunk1.jsonl",
    ]);
    const lanesUsed = (f: string) => new Set(readRows(join(out, f)).map((x) => x.lane));
    expect(lanesUsed("1-lane-chunk0.jsonl")).toEqual(new Set([0]));
    expect(lanesUsed("2-lanes-chunk1.jsonl")).toEqual(new Set([0, 1]));
    for (const f of readdirSync(out))
      for (const row of readRows(join(out, f))) expect(row.fidelity).toBeDefined();
  }, 250_000);

  it("run --calibrate is the same check, and needs a packing to compare with", async () => {
    const out = join(dir, "calibrate");
    const r = await pqtls(["run", ...cells, "--lanes", "1", "--calibrate", "--out", join(out, "x.jsonl")], {
      timeoutMs: 30_000,
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/lanes check compares 1 lane with a packing: pass --lanes K/);
    expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(existsSync(out)).toBe(false);
  });
});
