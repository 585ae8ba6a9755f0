// Where the repository is: the harness finds its presets, test PKI and the Node 24 peer relative to it.

import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { UserError } from "./errors.js";

/** The repository root: the nearest folder above this module holding fixtures/presets. */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, "fixtures", "presets"))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new UserError("cannot find fixtures/presets above the harness package");
    dir = up;
  }
}
