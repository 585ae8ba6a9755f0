import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // The json report feeds the one-line total that tools/run-tests.mjs prints for CI.
    reporters: ["default", "json"],
    outputFile: { json: ".vitest/results.json" },
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
