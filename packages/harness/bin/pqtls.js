#!/usr/bin/env node
// The `pqtls` bin. It lives outside dist/ so that npm can link it at install time, before the first
// build; it runs the built CLI, or says how to build it.
import { existsSync } from "node:fs";

const main = new URL("../dist/cli/main.js", import.meta.url);
if (!existsSync(main)) {
  process.stderr.write("pqtls: not built yet: run `npm run build` at the repository root\n");
  process.exit(2);
}
await import(main.href);
