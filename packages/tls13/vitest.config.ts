// The settings all packages share (reporters for CI, includes, timeouts): ../../vitest.shared.ts.
import { packageTestConfig } from "../../vitest.shared.js";

export default packageTestConfig;
