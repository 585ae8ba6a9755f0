// Runs the crypto test files again under Node 24 (OpenSSL 3.5), where node:crypto has ML-KEM and
// ML-DSA: the native provider's PQ path and its agreement with noble are checked there, not skipped.

import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
// @ts-expect-error: plain .mjs helper without types
import { node24Missing, node24Path } from "../../../tools/node24/index.mjs";

const packageDir = fileURLToPath(new URL("..", import.meta.url));
const vitest = fileURLToPath(new URL("../../../node_modules/vitest/vitest.mjs", import.meta.url));
const FILES = [
  "test/crypto-kat.test.ts",
  "test/crypto-load.test.ts",
  "test/crypto-default.test.ts",
  "test/crypto-vectors.test.ts",
  "test/crypto-groups.test.ts",
  "test/crypto-signatures.test.ts",
  "test/crypto-cross.test.ts",
  "test/crypto-evp-aead.test.ts",
  "test/record-seal.test.ts",
  // The record layer over real sockets with the addon on Node 24's OpenSSL: in-place opening, memory
  // reuse after write callbacks, one writev per burst.
  "test/record-slab.test.ts",
  "test/record-bulk.test.ts",
];

interface AssertionResult {
  fullName: string;
  status: string;
}

describe("crypto tests under Node 24", () => {
  it("pass with the native provider's ML-KEM and ML-DSA required", () => {
    const bin = node24Path() as string | null;
    if (!bin) throw new Error(node24Missing() as string);
    const dir = mkdtempSync(join(tmpdir(), "pqtls-crypto-node24-"));
    try {
      const report = join(dir, "report.json");
      const run = spawnSync(bin, [vitest, "run", ...FILES, "--reporter=json", `--outputFile=${report}`], {
        cwd: packageDir,
        env: { ...process.env, PQTLS_EXPECT_NATIVE_PQ: "1", NO_COLOR: "1" },
        encoding: "utf8",
        timeout: 90_000,
      });
      expect(run.error).toBeUndefined();
      const results = JSON.parse(readFileSync(report, "utf8")) as {
        numFailedTests: number;
        numPassedTests: number;
        testResults: { assertionResults: AssertionResult[] }[];
      };
      const all = results.testResults.flatMap((f) => f.assertionResults);
      const failed = all.filter((a) => a.status !== "passed").map((a) => `${a.status}: ${a.fullName}`);
      expect(failed).toEqual([]);
      expect(run.status).toBe(0);
      // The PQ paths of the native provider really ran.
      const names = all.map((a) => a.fullName);
      for (const wanted of [
        "native: key exchange groups X25519MLKEM768: sizes as specified",
        "native: signatures mldsa65: sign → verify",
        "client noble / server native: every common group",
        "noble's KeyGen_internal(seed) matches OpenSSL's",
        // The addon built with Node 20's headers loads and agrees on Node 24's OpenSSL 3.5.
        "is built wherever a C compiler is, and serves all three AEADs",
        "AES_128_GCM: seal equals node:crypto and noble at every length class",
        "on a net.Socket: 8 MiB leave intact from a handful of reused buffers",
      ]) {
        expect(
          names.some((n) => n.includes(wanted)),
          wanted,
        ).toBe(true);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
