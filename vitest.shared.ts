// Test settings every package's vitest.config.ts shares (test/ adds its own on top). The json
// report path is what tools/run-tests.mjs reads to print CI's one-line total, so it lives in one place.
import { defineConfig } from "vitest/config";

/** Reporters for people (default) and for tools/run-tests.mjs (json, relative to the suite's root). */
export const ciReporters = {
  reporters: ["default", "json"],
  outputFile: { json: ".vitest/results.json" },
};

/** A package's unit tests: test/**\/*.test.ts, one minute per test and hook. */
export const packageTestConfig = defineConfig({
  test: {
    ...ciReporters,
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
