// The settings all packages share (reporters for CI, timeouts): ../../vitest.shared.ts.
// Two groups, one after the other. First the tests that need no link (CLI, planning, reports,
// results files), files in parallel: they spawn processes and parse, nothing in them is timed.
// Then the tests that build namespaces, links and clusters, one file at a time: the link tests time
// real packets through a relay thread, and on 2 cores a second file (a Slurm cluster, an e2e run)
// stalls that thread and moves the figures they check. Nothing of the first group runs beside them.
import { defineConfig } from "vitest/config";
import { ciReporters, packageTimeouts, untimedWorkers } from "../../vitest.shared.js";

/** Files that open namespaces, links or cluster daemons. */
const linkFiles = ["test/net-*.test.ts", "test/cluster-*.test.ts"];

export default defineConfig({
  test: {
    ...ciReporters,
    projects: [
      {
        test: {
          name: "unit",
          include: ["test/**/*.test.ts"],
          exclude: linkFiles,
          ...packageTimeouts,
          maxWorkers: untimedWorkers,
          sequence: { groupOrder: 0 },
        },
      },
      {
        test: {
          name: "link",
          include: linkFiles,
          ...packageTimeouts,
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
