// Entry point of the bench's child processes (a fresh process, or another runtime such as Node 24):
//   child.js pqtls <RunOptions json> | node-tls <json> | first <pqtls|node:tls> <provider>
//          | bulk <pqtls|node-tls|node-tls-beside-pqtls> <{"bytes","runs"} json>
// Prints one JSON document on stdout and exits.

import type { ProviderName } from "../crypto/load.js";
import { type BulkAlone, runBulkAlone, runFirstHandshake, runNodeTls, runPqtls } from "./runs.js";

async function childMain(argv: string[]): Promise<unknown> {
  const [mode, a, b] = argv;
  if (mode === "pqtls") return runPqtls(JSON.parse(a));
  if (mode === "node-tls") return runNodeTls(JSON.parse(a));
  if (mode === "first") return runFirstHandshake(a as "pqtls" | "node:tls", b as ProviderName);
  if (mode === "bulk") {
    const { bytes, runs } = JSON.parse(b) as { bytes: number; runs: number };
    return runBulkAlone(a as BulkAlone, bytes, runs);
  }
  throw new Error(`unknown bench child mode "${mode}"`);
}

childMain(process.argv.slice(2)).then(
  (result) => {
    process.stdout.write(`${JSON.stringify(result)}\n`);
    process.exit(0);
  },
  (error) => {
    process.stderr.write(`bench child: ${(error as Error).message}\n`);
    process.exit(1);
  },
);
