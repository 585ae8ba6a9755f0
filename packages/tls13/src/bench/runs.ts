// The measurement runs, each self-contained so it can execute in this process or in a child process
// on another runtime (Node 24): our stack per provider, node:tls, and a first handshake.

import type { ProviderName } from "../crypto/load.js";
import type { CryptoProvider } from "../crypto/provider.js";
import { benchBulk, benchHandshakes } from "./loopback.js";
import type { PrimitiveResult } from "./primitives.js";
import type { BulkRow, FirstHandshakeRow, HandshakeRow } from "./report.js";
import { SCENARIOS, type Scenario } from "./scenarios.js";
import { nodeTlsOptions, pqtlsOptions } from "./stacks.js";
import type { StackOptions, TlsLike } from "./tls-like.js";

export const BULK_SUITES = ["TLS_AES_128_GCM_SHA256", "TLS_CHACHA20_POLY1305_SHA256"] as const;

/**
 * The V8 flag the bench's second bulk measurement runs with on Node 24: new ArrayBuffer memory (a
 * buffer per record sealed or opened, one per socket read) counts towards the ordinary heap limits
 * instead of V8's separate external-memory limit, which is the likely trigger of the first full GC
 * of a fast transfer. The back-to-back full GCs that follow come from the young generation's size
 * (README, "Bulk and the GC"; BULK_NURSERY_FLAG). Node 20's V8 does not have (or need) it.
 */
export const BULK_GC_FLAG = "--external-memory-accounted-in-global-limit";

/**
 * The third bulk measurement's V8 flag: semi-spaces of at most 4 MB. V8 grows its young generation
 * with what survives at start-up, and importing this library (like any few MB of modules) leaves
 * 8–16 MB semi-spaces; from 8 MB on, fast I/O sends V8 into back-to-back full GCs whichever TLS stack
 * runs (README, "Bulk and the GC"). An application can set this flag; a library cannot.
 */
export const BULK_NURSERY_FLAG = "--max-semi-space-size=4";

/** The flag sets of the bench's extra bulk measurements, one set of processes each. */
export const BULK_V8_FLAGS = [BULK_GC_FLAG, BULK_NURSERY_FLAG] as const;

const withV8Flags = (): { v8Flags?: string } => {
  const v8Flags = v8FlagsOfProcess();
  return v8Flags ? { v8Flags } : {};
};

/** The V8 flags among this process's exec arguments, for the row (undefined when none). */
function v8FlagsOfProcess(): string | undefined {
  const flags = process.execArgv.filter((a) => (BULK_V8_FLAGS as readonly string[]).includes(a));
  return flags.length ? flags.join(" ") : undefined;
}

export interface RunOptions {
  providers: ProviderName[];
  /** Providers whose bulk throughput is measured (AEAD speed differs only between noble and native). */
  bulkProviders: ProviderName[];
  primitiveBudgetMs: number;
  handshakeBudgetMs: number;
  bulkBytes: number;
  /** Marks the handshake rows as measured in a process of their own (see HandshakeRow.setting). */
  setting?: "alone";
}

export interface RunResult {
  primitives: (PrimitiveResult & { runtime: string })[];
  handshakes: HandshakeRow[];
  bulk: BulkRow[];
  notes: string[];
}

// Our crypto modules load only where a run needs them: a process measuring node:tls alone must not
// carry our heap (Node 24's GC treats fast I/O in a larger heap differently; see BulkAlone).
async function loadProvider(name: ProviderName): Promise<CryptoProvider> {
  return (await import("../crypto/load.js")).loadProvider(name);
}

export const runtimeLabel = (): string => `node${process.versions.node.split(".")[0]}`;

/** The TLS core, or why it cannot be benchmarked yet. */
async function loadStack(): Promise<TlsLike | string> {
  try {
    const stack = (await import("../index.js")) as unknown as TlsLike;
    if (typeof stack.connect !== "function" || typeof stack.createServer !== "function")
      return "index.js has no connect/createServer";
    return stack;
  } catch (e) {
    return `the TLS core does not load: ${(e as Error).message}`;
  }
}

/**
 * An untimed transfer (a quarter of the measured size, at most 32 MiB) with the suite about to be
 * measured, for every stack alike, so the measured transfers do not also pay for compiling the data
 * path. One 8 MiB warm-up for both suites was too little for a fresh process: the suite measured
 * first (AES-128-GCM) read 10-20 % below the one after it, against the AEADs' own costs.
 */
async function warmUpBulk(
  tls: TlsLike,
  options: StackOptions,
  bytes: number,
  notes: string[],
): Promise<void> {
  try {
    await benchBulk(tls, options, Math.min(bytes >> 2, 32 << 20));
  } catch (e) {
    notes.push(`bulk warm-up: ${(e as Error).message}`);
  }
}

/**
 * Per bulk suite, a warm-up, then `runs` measured transfers (the row is the median by MB per
 * CPU-second), for either stack: a failure becomes a note naming the stack, provider and suite, and
 * the other suites still run.
 */
async function benchBulkSuites(
  tls: TlsLike,
  optionsFor: (suite?: string) => StackOptions,
  label: Pick<BulkRow, "stack" | "provider" | "runtime" | "setting">,
  bytes: number,
  result: RunResult,
  runs = 1,
): Promise<void> {
  for (const suite of BULK_SUITES) {
    await warmUpBulk(tls, optionsFor(suite), bytes, result.notes);
    try {
      const rows: BulkRow[] = [];
      for (let i = 0; i < runs; i++) {
        const r = await benchBulk(tls, optionsFor(suite), bytes);
        rows.push({
          ...label,
          suite,
          bytes: r.bytes,
          mbPerSec: r.mbPerSec,
          mbPerCpuSec: r.bytes / 1e3 / r.cpuMs,
          cpuMs: r.cpuMs,
          ...(runs > 1 ? { runs } : {}),
          ...withV8Flags(),
        });
      }
      rows.sort((a, b) => a.mbPerCpuSec - b.mbPerCpuSec);
      result.bulk.push(rows[rows.length >> 1]);
    } catch (e) {
      const who = label.stack === "pqtls" ? `pqtls/${label.provider}` : label.stack;
      result.notes.push(`${who}/${label.runtime} bulk ${suite}: ${(e as Error).message}`);
    }
  }
}

/**
 * What runs in a process measuring bulk alone: our stack (auto provider), node:tls with nothing else
 * loaded, or node:tls in a process that has also loaded our stack and provider. The last one is the
 * like-for-like reference under Node 24's default GC: V8 13 starts full GCs during fast network I/O
 * much more often in a process with a larger heap, whichever TLS stack is running (README, "Bulk and
 * the GC").
 */
export type BulkAlone = "pqtls" | "node-tls" | "node-tls-beside-pqtls";

/** Bulk only, warmed, median of `runs` transfers per suite; meant for a fresh process per call. */
export async function runBulkAlone(which: BulkAlone, bytes: number, runs: number): Promise<RunResult> {
  const runtime = runtimeLabel();
  const result: RunResult = { primitives: [], handshakes: [], bulk: [], notes: [] };
  if (which !== "node-tls") {
    const stack = await loadStack();
    if (typeof stack === "string") throw new Error(stack);
    const provider = await loadProvider("auto");
    if (which === "pqtls") {
      await benchBulkSuites(
        stack,
        (suite) => pqtlsOptions(SCENARIOS[0], provider, suite),
        { stack: "pqtls", provider: "auto", runtime, setting: "alone" },
        bytes,
        result,
        runs,
      );
      return result;
    }
  }
  const tls = (await import("node:tls")) as unknown as TlsLike;
  await benchBulkSuites(
    tls,
    (suite) => nodeTlsOptions(SCENARIOS[0], suite),
    {
      stack: "node:tls",
      provider: `openssl ${process.versions.openssl}`,
      runtime,
      setting: which === "node-tls" ? "alone" : "beside pqtls",
    },
    bytes,
    result,
    runs,
  );
  return result;
}

export async function runPqtls(options: RunOptions): Promise<RunResult> {
  const runtime = runtimeLabel();
  const result: RunResult = { primitives: [], handshakes: [], bulk: [], notes: [] };
  const stack = await loadStack();
  if (typeof stack === "string") result.notes.push(`handshake and bulk benches skipped: ${stack}`);
  for (const name of options.providers) {
    let provider: Awaited<ReturnType<typeof loadProvider>>;
    try {
      provider = await loadProvider(name);
    } catch (e) {
      result.notes.push(`${name} provider unavailable on ${runtime}: ${(e as Error).message}`);
      continue;
    }
    const primitives =
      options.primitiveBudgetMs > 0
        ? (await import("./primitives.js")).benchPrimitives(provider, options.primitiveBudgetMs)
        : [];
    for (const row of primitives) result.primitives.push({ ...row, runtime });
    if (typeof stack === "string") continue;
    for (const scenario of options.handshakeBudgetMs > 0 ? SCENARIOS : []) {
      try {
        const r = await benchHandshakes(
          stack,
          pqtlsOptions(scenario, provider),
          options.handshakeBudgetMs,
          scenario.close,
        );
        const cryptoMs = primitiveCostMs(scenario, primitives);
        result.handshakes.push({
          stack: "pqtls",
          provider: name,
          runtime,
          scenario: scenario.label,
          ...r,
          ...(cryptoMs !== undefined ? { cryptoMs } : {}),
          ...(options.setting ? { setting: options.setting } : {}),
        });
      } catch (e) {
        result.notes.push(`pqtls/${name}/${runtime} ${scenario.label}: ${(e as Error).message}`);
      }
    }
    if (!options.bulkProviders.includes(name) || options.bulkBytes <= 0) continue;
    await benchBulkSuites(
      stack,
      (suite) => pqtlsOptions(SCENARIOS[0], provider, suite),
      { stack: "pqtls", provider: name, runtime },
      options.bulkBytes,
      result,
    );
  }
  return result;
}

/**
 * What a scenario's key exchange and signatures cost with these primitives: keyGen + encapsulate +
 * decapsulate of the group, one signature and two verifications (CertificateVerify, leaf certificate).
 * HKDF, transcript hashing and record protection are not included, so this is a lower bound on crypto.
 */
export function primitiveCostMs(scenario: Scenario, primitives: PrimitiveResult[]): number | undefined {
  const us = (algorithm: string, operation: string) =>
    primitives.find((p) => p.algorithm === algorithm && p.operation === operation)?.us;
  const parts = [
    us(scenario.group, "keyGen"),
    us(scenario.group, "encapsulate"),
    us(scenario.group, "decapsulate"),
    us(scenario.scheme, "sign"),
    us(scenario.scheme, "verify"),
    us(scenario.scheme, "verify"),
  ];
  if (parts.some((p) => p === undefined)) return undefined;
  return (parts as number[]).reduce((a, b) => a + b, 0) / 1000;
}

export async function runNodeTls(
  options: Pick<RunOptions, "handshakeBudgetMs" | "bulkBytes">,
): Promise<RunResult> {
  const tls = (await import("node:tls")) as unknown as TlsLike;
  const runtime = runtimeLabel();
  const result: RunResult = { primitives: [], handshakes: [], bulk: [], notes: [] };
  for (const scenario of options.handshakeBudgetMs > 0 ? SCENARIOS : []) {
    try {
      const r = await benchHandshakes(
        tls,
        nodeTlsOptions(scenario),
        options.handshakeBudgetMs,
        scenario.close,
      );
      result.handshakes.push({
        stack: "node:tls",
        provider: `openssl ${process.versions.openssl}`,
        runtime,
        scenario: scenario.label,
        ...r,
      });
    } catch (e) {
      result.notes.push(`node:tls/${runtime} ${scenario.label}: ${(e as Error).message}`);
    }
  }
  if (options.bulkBytes > 0) {
    await benchBulkSuites(
      tls,
      (suite) => nodeTlsOptions(SCENARIOS[0], suite),
      { stack: "node:tls", provider: `openssl ${process.versions.openssl}`, runtime },
      options.bulkBytes,
      result,
    );
  }
  return result;
}

/** Run in a fresh process: load the stack, then time one handshake (client and server in-process). */
export async function runFirstHandshake(
  stackName: "pqtls" | "node:tls",
  providerName: ProviderName,
): Promise<FirstHandshakeRow> {
  const t0 = performance.now();
  const scenario = SCENARIOS[0];
  let tls: TlsLike;
  let options: StackOptions;
  if (stackName === "node:tls") {
    tls = (await import("node:tls")) as unknown as TlsLike;
    options = nodeTlsOptions(scenario);
  } else {
    const stack = await loadStack();
    if (typeof stack === "string") throw new Error(stack);
    tls = stack;
    options = pqtlsOptions(scenario, await loadProvider(providerName));
  }
  const loadMs = performance.now() - t0;
  const r = await benchFirst(tls, options);
  return {
    stack: stackName,
    provider: stackName === "node:tls" ? `openssl ${process.versions.openssl}` : providerName,
    runtime: runtimeLabel(),
    scenario: scenario.label,
    loadMs,
    handshakeMs: r,
  };
}

async function benchFirst(tls: TlsLike, options: { server: object; client: object }): Promise<number> {
  const server = tls.createServer(options.server, (s) => s.destroy());
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const address = server.address();
  if (!address || typeof address === "string") throw new Error("no address");
  try {
    return await new Promise<number>((resolve, reject) => {
      const t = performance.now();
      const socket = tls.connect({ ...options.client, host: "127.0.0.1", port: address.port }, () => {
        resolve(performance.now() - t);
        socket.destroy();
      });
      socket.once("error", reject);
      setTimeout(() => reject(new Error("first handshake timed out")), 10_000).unref();
    });
  } finally {
    server.close();
  }
}
