// Importing the package entry loads the fastest provider (top-level await): no loadProvider ritual.
// Checked in a fresh process on the built package, as a user's `import "@pqtls/tls13"` would run it,
// since a vitest worker shares module state with whatever else the file imported.

import { execFileSync, spawnSync } from "node:child_process";
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

/** The files of @oqs/liboqs-js that `import "@pqtls/tls13"` loads, seen by an ESM load hook. */
function liboqsFilesLoadedByImport(): string[] {
  const hook = `export async function load(url, context, next) {
    if (url.includes("/@oqs/liboqs-js/")) process.stderr.write("LOADED " + url.split("/@oqs/liboqs-js/")[1] + "\\n");
    return next(url, context);
  }`;
  const script = `import { register } from "node:module";
    register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(hook)}`)});
    await import(${JSON.stringify(entry)});`;
  const run = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" });
  expect(run.status, run.stderr).toBe(0);
  return [...run.stderr.matchAll(/^LOADED (\S+)$/gm)].map((m) => m[1]).sort();
}

it.runIf(existsSync(entry))(
  "import loads only the six liboqs parameter sets it uses, not the entry that imports ~100 algorithms",
  () => {
    // The package entry (src/index.js) imports all 103 algorithms' wrappers: 2.4 MB more heap kept and
    // ~4 MB more young-generation survival at start-up (README, "Bulk and the GC").
    const files = liboqsFilesLoadedByImport();
    const wrappers = files.filter((f) => f.startsWith("src/algorithms/"));
    expect(wrappers).toEqual([
      "src/algorithms/kem/ml-kem/ml-kem-1024.js",
      "src/algorithms/kem/ml-kem/ml-kem-512.js",
      "src/algorithms/kem/ml-kem/ml-kem-768.js",
      "src/algorithms/sig/ml-dsa/ml-dsa-44.js",
      "src/algorithms/sig/ml-dsa/ml-dsa-65.js",
      "src/algorithms/sig/ml-dsa/ml-dsa-87.js",
    ]);
    expect(files).not.toContain("src/index.js");
    expect(files.filter((f) => f.startsWith("dist/"))).toHaveLength(6); // their WASM builds
  },
);
