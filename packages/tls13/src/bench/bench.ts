// The whole benchmark, run side by side in one go: our stack per provider on this runtime and on
// Node 24, node:tls on Node 24 as the reference every ratio is taken against, and first-handshake
// latency in fresh processes. Used by `npm run bench` (main.ts) and `pqtls bench`.

import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { median } from "./measure.js";
import type { BenchReport, BulkRow, HandshakeRow } from "./report.js";
import { BULK_V8_FLAGS, type RunOptions, type RunResult, runPqtls, runtimeLabel } from "./runs.js";

const run = promisify(execFile);
const CHILD = fileURLToPath(new URL("./child.js", import.meta.url));

export interface BenchOptions {
  /** Smaller budgets and a 16 MiB transfer: a quick look, not the published figures. */
  quick?: boolean;
  /** Bytes for the bulk transfer; default 100 MiB (16 MiB with quick). */
  bulkBytes?: number;
  /** Progress lines (stderr). */
  log?: (line: string) => void;
}

/** The Node 24 binary (tools/node24 in this repo, or $PQTLS_NODE24), or null. */
async function findNode24(): Promise<string | null> {
  if (process.env.PQTLS_NODE24) return process.env.PQTLS_NODE24;
  try {
    const helper = new URL("../../../../tools/node24/index.mjs", import.meta.url).href;
    const mod = (await import(helper)) as { node24Path(): string | null };
    return mod.node24Path();
  } catch {
    return null;
  }
}

async function child<T>(node: string, args: string[], nodeArgs: string[] = []): Promise<T> {
  const { stdout } = await run(node, [...nodeArgs, CHILD, ...args], {
    maxBuffer: 64 << 20,
    timeout: 300_000,
  });
  return JSON.parse(stdout) as T;
}

function merge(into: RunResult, from: RunResult): void {
  into.primitives.push(...from.primitives);
  into.handshakes.push(...from.handshakes);
  into.bulk.push(...from.bulk);
  into.notes.push(...from.notes);
}

export async function runBench(options: BenchOptions = {}): Promise<BenchReport> {
  const log = options.log ?? (() => {});
  const quick = options.quick ?? false;
  const bulkBytes = options.bulkBytes ?? (quick ? 16 : 100) * 1048576;
  const budgets = { primitiveBudgetMs: quick ? 20 : 60, handshakeBudgetMs: quick ? 200 : 600, bulkBytes };
  const here = runtimeLabel();
  const node24 = await findNode24();
  const onNode24 = process.versions.node.startsWith("24.");
  const all: RunResult = { primitives: [], handshakes: [], bulk: [], notes: [] };

  log(`our stack on ${here}: noble, native, wasm, auto`);
  const local: RunOptions = {
    providers: ["noble", "native", "wasm", "auto"],
    bulkProviders: ["noble", "auto"],
    ...budgets,
  };
  merge(all, await runPqtls(local));

  if (node24 && !onNode24) {
    log("our stack on node24: native, wasm, auto");
    // Bulk on Node 24 is measured below, each stack alone in a fresh process.
    const remote: RunOptions = { providers: ["native", "wasm", "auto"], bulkProviders: [], ...budgets };
    try {
      merge(all, await child<RunResult>(node24, ["pqtls", JSON.stringify(remote)]));
    } catch (e) {
      all.notes.push(`our stack on Node 24 failed: ${(e as Error).message.split("\n")[0]}`);
    }
  }

  const firstHandshake: BenchReport["firstHandshake"] = [];
  // Handshakes measured in fresh processes of their own, node:tls (the reference) and auto alike,
  // alternating: the two sides of a ratio then share the machine's ups and downs, and each row is the
  // median of its processes. A fresh process's JIT needs time: a third of each budget is warm-up.
  const aloneBudget = { handshakeBudgetMs: quick ? 600 : 2000, bulkBytes: 0 };
  const pairs = quick ? 1 : 3;
  if (node24) {
    log(`handshakes on node24: node:tls and auto, each alone in a fresh process, alternating ×${pairs}`);
    const alone: RunOptions = {
      providers: ["auto"],
      bulkProviders: [],
      primitiveBudgetMs: 0,
      ...aloneBudget,
      setting: "alone",
    };
    const reference: RunResult[] = [];
    const ours: RunResult[] = [];
    for (let i = 0; i < pairs; i++) {
      try {
        reference.push(await child<RunResult>(node24, ["node-tls", JSON.stringify(aloneBudget)]));
      } catch (e) {
        all.notes.push(`node:tls reference failed: ${(e as Error).message.split("\n")[0]}`);
      }
      try {
        ours.push(await child<RunResult>(node24, ["pqtls", JSON.stringify(alone)]));
      } catch (e) {
        all.notes.push(`auto alone on Node 24 failed: ${(e as Error).message.split("\n")[0]}`);
      }
    }
    merge(all, medianOfRuns(reference));
    merge(all, medianOfRuns(ours));
  } else {
    all.notes.push("no Node 24 binary (tools/node24 or $PQTLS_NODE24): no node:tls reference, so no ratios");
  }

  if (node24 && bulkBytes > 0) {
    // Each stack in a fresh process of its own, warmed, the median of several transfers: the
    // reference is node:tls alone; node:tls beside our stack shows what the heap alone costs it.
    const flagSets: string[][] = [[]];
    for (const flag of BULK_V8_FLAGS) if (await knowsV8Flag(node24, flag)) flagSets.push([flag]);
    const spec = JSON.stringify({ bytes: bulkBytes, runs: quick ? 1 : 3 });
    for (const flags of flagSets) {
      log(`bulk on node24, each stack in its own process${flags.length ? ` with ${flags.join(" ")}` : ""}`);
      for (const which of ["node-tls", "pqtls", "node-tls-beside-pqtls"])
        try {
          merge(all, await child<RunResult>(node24, ["bulk", which, spec], flags));
        } catch (e) {
          all.notes.push(`bulk ${which} ${flags.join(" ")}: ${(e as Error).message.split("\n")[0]}`);
        }
    }
  }

  log("first handshake in fresh processes");
  const firsts: [string, string[]][] = [[process.execPath, ["first", "pqtls", "auto"]]];
  if (node24) firsts.push([node24, ["first", "pqtls", "auto"]], [node24, ["first", "node:tls", "auto"]]);
  for (const [node, args] of firsts) {
    try {
      firstHandshake.push(await child(node, args));
    } catch (e) {
      all.notes.push(`first handshake (${args.slice(1).join(" ")}): ${(e as Error).message.split("\n")[0]}`);
    }
  }

  addRatios(all.handshakes, all.bulk);
  return {
    runtime: { node: process.versions.node, openssl: process.versions.openssl },
    primitives: all.primitives,
    handshakes: all.handshakes,
    bulk: all.bulk,
    firstHandshake,
    notes: all.notes,
  };
}

/**
 * One result from several processes' runs of the same handshakes: per row (scenario, stack,
 * provider), the median CPU and wall time, the handshakes summed, and how many processes there were.
 */
export function medianOfRuns(runs: RunResult[]): RunResult {
  const out: RunResult = { primitives: [], handshakes: [], bulk: [], notes: runs.flatMap((r) => r.notes) };
  const groups = new Map<string, HandshakeRow[]>();
  for (const row of runs.flatMap((r) => r.handshakes)) {
    const key = `${row.scenario}|${row.stack}|${row.provider}|${row.runtime}|${row.setting ?? ""}`;
    groups.set(key, [...(groups.get(key) ?? []), row]);
  }
  for (const rows of groups.values()) {
    out.handshakes.push({
      ...rows[0],
      handshakes: rows.reduce((n, r) => n + r.handshakes, 0),
      cpuMs: median(rows.map((r) => r.cpuMs)),
      wallMs: median(rows.map((r) => r.wallMs)),
      ...(rows.length > 1 ? { runs: rows.length } : {}),
    });
  }
  return out;
}

/** Whether this node's V8 has the flag (an unknown V8 flag only prints a warning, so ask first). */
async function knowsV8Flag(node: string, flag: string): Promise<boolean> {
  try {
    const { stdout } = await run(node, ["--v8-options"], { maxBuffer: 16 << 20, timeout: 30_000 });
    return stdout.includes(`  ${flag.split("=")[0]} `);
  } catch {
    return false;
  }
}

function addRatios(handshakes: HandshakeRow[], bulk: BulkRow[]): void {
  for (const h of handshakes) {
    const ref = handshakes.find((r) => r.stack === "node:tls" && r.scenario === h.scenario);
    if (ref && h.stack === "pqtls") h.ratio = h.cpuMs / ref.cpuMs;
  }
  const reference = (b: BulkRow, setting: BulkRow["setting"]) =>
    bulk.find(
      (r) =>
        r.stack === "node:tls" && r.setting === setting && r.suite === b.suite && r.v8Flags === b.v8Flags,
    );
  for (const b of bulk) {
    if (b.stack !== "pqtls") continue;
    const alone = reference(b, "alone");
    if (alone) b.ratio = b.mbPerCpuSec / alone.mbPerCpuSec;
    const beside = reference(b, "beside pqtls");
    if (beside) b.ratioSameHeap = b.mbPerCpuSec / beside.mbPerCpuSec;
  }
}

export type { BenchReport, BulkRow, FirstHandshakeRow, HandshakeRow } from "./report.js";
export { renderText } from "./report.js";
