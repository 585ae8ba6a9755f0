// Builds the TUN link relay (native/relay.c → native/build/pqtls-relay) with the system C compiler.
// Run by the harness package's `build` script. A machine without a compiler still builds the rest:
// this prints why and exits 0; `pqtls doctor` then reports the relay as missing, with the fix.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, renameSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const source = join(here, "relay.c");
const output = join(here, "build", "pqtls-relay");
const cc = process.env.CC || "cc";

if (process.platform !== "linux") {
  console.log(`pqtls-relay: skipped (TUN relay is Linux-only; this is ${process.platform})`);
  process.exit(0);
}
const upToDate =
  existsSync(output) &&
  statSync(output).mtimeMs >= statSync(source).mtimeMs &&
  statSync(output).mtimeMs >= statSync(fileURLToPath(import.meta.url)).mtimeMs;
if (upToDate && !process.argv.includes("--force")) process.exit(0);

mkdirSync(join(here, "build"), { recursive: true });
const tmp = `${output}.tmp${process.pid}`;
try {
  execFileSync(
    cc,
    ["-O2", "-g", "-std=gnu11", "-Wall", "-Wextra", "-Werror", "-pthread", "-o", tmp, source],
    {
      stdio: ["ignore", "inherit", "inherit"],
    },
  );
  renameSync(tmp, output);
  console.log(`pqtls-relay: built ${output}`);
} catch (err) {
  const why = err.code === "ENOENT" ? `no C compiler "${cc}" (install gcc, or set CC)` : "compile failed";
  console.warn(`pqtls-relay: not built: ${why}; the tun link backend is unavailable until it is`);
  if (process.env.PQTLS_REQUIRE_RELAY) process.exit(1);
}
