// Two groups, one after the other. First the interop and cross-package tests (handshakes with
// OpenSSL, GnuTLS, Node 24 and Chromium over loopback; nothing in them is timed), files in
// parallel. Then the end-to-end runs on emulated links (e2e/), one file at a time: they check
// times against the link's model, and a second file on the 2 cores would move those times.
import { defineConfig } from "vitest/config";
import { ciReporters, untimedWorkers } from "../vitest.shared.js";

const timeouts = { testTimeout: 120_000, hookTimeout: 120_000 };

export default defineConfig({
  test: {
    ...ciReporters,
    projects: [
      {
        test: {
          name: "interop",
          include: ["**/*.test.ts"],
          exclude: ["node_modules/**", "e2e/**"],
          ...timeouts,
          maxWorkers: untimedWorkers,
          sequence: { groupOrder: 0 },
        },
      },
      {
        test: {
          name: "e2e",
          include: ["e2e/**/*.test.ts"],
          ...timeouts,
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
