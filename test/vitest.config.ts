import { defineConfig } from "vitest/config";
import { ciReporters } from "../vitest.shared.js";

export default defineConfig({
  test: {
    ...ciReporters,
    include: ["**/*.test.ts"],
    exclude: ["node_modules/**"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    fileParallelism: false,
  },
});
