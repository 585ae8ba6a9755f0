import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // The json report feeds the one-line total that tools/run-tests.mjs prints for CI.
    reporters: ["default", "json"],
    outputFile: { json: ".vitest/results.json" },
    include: ["**/*.test.ts"],
    exclude: ["node_modules/**"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    fileParallelism: false,
  },
});
