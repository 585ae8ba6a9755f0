#!/usr/bin/env node
// Chain-trimming experiment: does leaving cached intermediates out of the server's Certificate
// save a round trip for a post-quantum chain?
//
//   npm run build && node examples/chain-trimming.mjs [out.jsonl]
//
// One `pqtls run` measures X25519MLKEM768 with a 3-deep ML-DSA-65 chain (leaf + a 5.6 KB
// intermediate sent) twice over: without hooks, and with examples/chain-trimming.hooks.mjs at both
// ends (the client lists the intermediates it has cached from the warm-up connection, the server
// omits them). At initcwnd 10 (14.5 KB) the untrimmed server flight (~16 KB) needs a second
// congestion window; trimmed (~10 KB) it fits in the first: one RTT less. Then `pqtls report`
// turns the rows into a report with a `hooks` column.
//
// As root it runs on the emulated link (tun backend, 50 ms RTT); otherwise on loopback
// (--link none: bytes still show the effect, times do not).

import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const cli = join(here, "..", "packages", "harness", "dist", "cli", "main.js");
if (!existsSync(cli)) {
  console.error("build first: npm run build");
  process.exit(1);
}
const out = resolve(process.argv[2] ?? join(here, "..", "results", "examples", "chain-trimming.jsonl"));
mkdirSync(dirname(out), { recursive: true });
rmSync(out, { force: true }); // this example's own output from a previous run
const root = process.getuid?.() === 0;

const pqtls = (args) => {
  console.log(`$ pqtls ${args.join(" ")}`);
  const r = spawnSync(process.execPath, [cli, ...args], { stdio: "inherit" });
  if (r.status !== 0) process.exit(r.status ?? 1);
};

pqtls([
  "run",
  "--config",
  "/dev/null",
  "--engine",
  "pqtls",
  // The classical pair is the report's baseline: the PQ increase with and without trimming.
  "--variants",
  "x25519:rsa2048,X25519MLKEM768:mldsa65",
  "--hooks",
  `none,${join(here, "chain-trimming.hooks.mjs")}`,
  "--rtt",
  root ? "50ms" : "0ms",
  "--initcwnd",
  "10",
  "--bytes",
  "0",
  "--samples",
  "10",
  "--warmups",
  "1",
  "--link",
  root ? "tun" : "none",
  "--out",
  out,
  "--quiet",
]);
pqtls(["report", out, "-o", out.replace(/\.jsonl$/, ".md")]);

// The bytes the report does not tabulate: the server's handshake bytes per hooks setting.
const rows = readFileSync(out, "utf8")
  .trim()
  .split("\n")
  .map((l) => JSON.parse(l))
  .filter((r) => r.type === "row");
const median = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(
  "\nX25519MLKEM768 + mldsa65\nhooks              server→client handshake bytes   handshake p50 (ms)",
);
for (const hooks of [undefined, ...new Set(rows.map((r) => r.hooks).filter(Boolean))]) {
  const of = rows.filter((r) => r.ok && r.hooks === hooks && r.chain === "mldsa65");
  const label = hooks ? "chain-trimming" : "none";
  console.log(
    `${label.padEnd(18)} ${String(median(of.map((r) => r.hs_bytes_s2c))).padStart(10)}` +
      `${median(of.map((r) => r.handshake_ms))
        .toFixed(1)
        .padStart(28)}`,
  );
}
console.log(`\nreport: ${out.replace(/\.jsonl$/, ".md")}`);
