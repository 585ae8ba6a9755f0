// Importing the package entry loads the fastest provider (top-level await): no loadProvider ritual.
// Checked in a fresh process on the built package, as a user's `import "@pqtls/tls13"` would run it,
// since a vitest worker shares module state with whatever else the file imported.

import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";

const entry = fileURLToPath(new URL("../dist/index.js", import.meta.url));

function describeAfterImport(): Record<string, string> & { wasmUnavailable?: string } {
  const script = `const t = await import(${JSON.stringify(entry)});
    process.stdout.write(JSON.stringify({ ...t.defaultProvider().describe(), wasmUnavailable: t.wasmUnavailableReason() }));`;
  return JSON.parse(
    execFileSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" }),
  );
}

if (!existsSync(entry)) console.warn("fast-default: skipped, the package is not built (npm run build)");

it.runIf(existsSync(entry))("import alone gives the wasm-backed auto provider (ML-DSA on liboqs)", () => {
  const d = describeAfterImport();
  expect(d.wasmUnavailable).toBeUndefined();
  // The auto ranking puts liboqs first for ML-DSA: it is only chosen once its WASM was loaded.
  expect(d.mldsa65).toBe("wasm");
  expect(d.mldsa44).toBe("wasm");
  expect(d.x25519).toBe("native");
});
