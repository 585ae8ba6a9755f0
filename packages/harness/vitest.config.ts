// The settings all packages share (reporters for CI, includes, timeouts): ../../vitest.shared.ts.
// Files run one at a time: the link tests time real packets through a relay thread, and on 2 cores a
// second file (a Slurm cluster, an e2e run) stalls that thread and moves the figures they check.
// The suite's wall time barely changes (its tests mostly wait on the emulated link).
import { mergeConfig } from "vitest/config";
import { packageTestConfig } from "../../vitest.shared.js";

export default mergeConfig(packageTestConfig, { test: { fileParallelism: false } });
