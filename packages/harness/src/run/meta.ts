// The meta line that opens every results file: everything needed to reproduce or question a run —
// command line, resolved config, git commit, versions, crypto providers, kernel, the link backend and
// every link/TCP value read back from the lanes, and where each timer starts and stops.

import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { release } from "node:os";
import { join } from "node:path";
import type { MetaLine } from "@pqtls/report";
import { repoRoot } from "../repo.js";
import type { RunConfig } from "./config.js";
import type { EngineRuntime } from "./engines.js";
import { harnessRoot } from "./engines.js";
import { IDLE_POLICY } from "./idle.js";

export const TIMING_DEFINITION =
  "All times in ms from t0, taken in the client namespace just before the TCP connect() call " +
  "(performance.now, monotonic); so handshake_ms and ttlb_ms include the TCP handshake, as in the study. " +
  "tcp_connect_ms: TCP connected. handshake_ms: TLS handshake complete on the client (it has sent Finished; " +
  "secureConnect). ttfb_ms: first byte of the HTTP response decrypted by the client. ttlb_ms: last body byte " +
  "decrypted; with bytes = 0 no request is sent and ttlb_ms = handshake_ms. close_ms: the TCP socket closed. " +
  "hs_bytes_*: TCP payload bytes each way until handshake completion (TLS records incl. headers). " +
  "Nagle is off (TCP_NODELAY) on both sides. retrans_segs and tcp.*: deltas of /proc/net/snmp and " +
  "/proc/net/netstat of the client and server namespaces across the connection (one connection at a time " +
  "per lane); with link backend none both sides share the host namespace, whose counters include other traffic " +
  "(and with several lanes there they are not recorded: retrans_segs null). " +
  "Warm-up connections (never recorded) run on the lane's endpoints with the link unshaped, before the link is set. " +
  IDLE_POLICY;

function gitCommit(): string | undefined {
  try {
    const root = repoRoot();
    const head = execFileSync("git", ["-C", root, "rev-parse", "HEAD"], {
      encoding: "utf8",
      stdio: "pipe",
    }).trim();
    const dirty = execFileSync("git", ["-C", root, "status", "--porcelain", "--untracked-files=no"], {
      encoding: "utf8",
      stdio: "pipe",
    }).trim();
    return dirty ? `${head}-dirty` : head;
  } catch {
    return undefined;
  }
}

function packageVersion(dir: string): string {
  try {
    return JSON.parse(readFileSync(join(dir, "package.json"), "utf8")).version as string;
  } catch {
    return "unknown";
  }
}

/** Crypto provider per algorithm: the same choice the pqtls endpoints make at start-up (the auto ranking is fixed, not timed per run). */
async function providers(engines: Map<string, EngineRuntime>): Promise<Record<string, string> | undefined> {
  if (!engines.has("pqtls")) return undefined;
  // Loaded here, not at the top: runs of the openssl engine alone never load the stack.
  const { loadProvider } = await import("@pqtls/tls13");
  return (await loadProvider("auto")).describe();
}

export async function buildMeta(o: {
  runId: string;
  config: RunConfig;
  commandLine: string[];
  engines: Map<string, EngineRuntime>;
  backend: MetaLine["link_backend"];
  linkState: unknown;
  shard?: MetaLine["shard"];
}): Promise<MetaLine> {
  const root = repoRoot();
  const versions: Record<string, string> = {
    node: process.versions.node,
    openssl: process.versions.openssl,
    kernel: release(),
    "@pqtls/harness": packageVersion(harnessRoot()),
    "@pqtls/tls13": packageVersion(join(root, "packages", "tls13")),
    "@pqtls/report": packageVersion(join(root, "packages", "report")),
  };
  for (const [name, rt] of o.engines)
    for (const [k, v] of Object.entries(rt.versions)) versions[`engine.${name}.${k}`] = v;
  const meta: MetaLine = {
    type: "meta",
    run: o.runId,
    format: 1,
    started_at: new Date().toISOString(),
    command_line: o.commandLine,
    config: o.config,
    versions,
    kernel: release(),
    link_backend: o.backend,
    link_state: o.linkState,
    timing_definition: TIMING_DEFINITION,
    seed: o.config.seed,
  };
  if (o.shard) meta.shard = o.shard;
  const commit = gitCommit();
  if (commit) meta.git_commit = commit;
  const p = await providers(o.engines);
  if (p) meta.providers = p;
  return meta;
}
