// Test settings every package's vitest.config.ts shares (test/ adds its own on top). The json
// report path is what tools/run-tests.mjs reads to print CI's one-line total, so it lives in one place.
import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";

/** Reporters for people (default) and for tools/run-tests.mjs (json, relative to the suite's root). */
export const ciReporters = {
  reporters: ["default", "json"],
  outputFile: { json: ".vitest/results.json" },
};

/** One minute per test and hook. */
export const packageTimeouts = { testTimeout: 60_000, hookTimeout: 60_000 };

/**
 * Files at a time for tests that time nothing: one per core. (Vitest's default is cores - 1, which
 * on the 2-core machines CI and this project's runs use is 1: every suite ran its files one by one.)
 */
export const untimedWorkers = Math.max(2, availableParallelism());

/** A package's unit tests: test/**\/*.test.ts. */
export const packageTestConfig = defineConfig({
  test: { ...ciReporters, include: ["test/**/*.test.ts"], ...packageTimeouts, maxWorkers: untimedWorkers },
});
