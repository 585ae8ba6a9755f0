// `npm test`: runs every package's tests through turbo (one package at a time: the link tests time
// real packets and must not share the 2 cores with a parallel suite), then prints one closing line
// with the totals over all packages, "N passed, N failed, N skipped", for people and CI alike.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const suites = ["packages/tls13", "packages/report", "packages/harness", "test"];
const resultFile = (dir) => join(root, dir, ".vitest", "results.json");

for (const dir of suites) rmSync(resultFile(dir), { force: true });
const turbo = spawnSync("npx", ["turbo", "run", "test", "--concurrency=1", ...process.argv.slice(2)], {
  cwd: root,
  stdio: "inherit",
});

let passed = 0;
let failed = 0;
let skipped = 0;
const missing = [];
for (const dir of suites) {
  const file = resultFile(dir);
  if (!existsSync(file)) {
    missing.push(dir);
    continue;
  }
  const r = JSON.parse(readFileSync(file, "utf8"));
  passed += r.numPassedTests;
  failed += r.numFailedTests;
  skipped += r.numPendingTests + r.numTodoTests;
}
if (missing.length) console.log(`no test results from: ${missing.join(", ")}`);
console.log(`Tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(turbo.status === 0 && missing.length === 0 && failed === 0 ? 0 : 1);
