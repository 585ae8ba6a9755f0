// The bench's result shape (also what `pqtls bench --json` prints) and its text rendering.

import type { PrimitiveResult } from "./primitives.js";

export interface Runtime {
  node: string;
  openssl: string;
}

export interface HandshakeRow {
  stack: "pqtls" | "node:tls";
  provider: string;
  runtime: string;
  scenario: string;
  handshakes: number;
  cpuMs: number;
  wallMs: number;
  /** cpuMs / node:tls cpuMs for the same scenario on Node 24 (lower is better; target ≤ 1.0 PQ, ≤ 1.2 classical). */
  ratio?: number;
  /** The scenario's key exchange + signature primitives from this run's primitive timings (a lower
   *  bound on the crypto in cpuMs; the rest is the TLS stack, X.509 and TCP). */
  cryptoMs?: number;
  /**
   * Absent: measured in the bench's process for that runtime, after the other providers' rounds and
   * the primitives (so with its JIT warm). "alone": a fresh process running only this provider's
   * handshakes, as node:tls's reference process does.
   */
  setting?: "alone";
  /** The median of this many processes' measurements (absent: one). */
  runs?: number;
}

export interface BulkRow {
  stack: "pqtls" | "node:tls";
  provider: string;
  runtime: string;
  suite: string;
  bytes: number;
  /** Wall-clock throughput: meaningful only on an idle machine. */
  mbPerSec: number;
  cpuMs: number;
  /** MB per CPU-second (both ends): what the stack costs, robust to a busy machine. Client and server
   *  share one thread, so on an idle machine this equals mbPerSec. */
  mbPerCpuSec: number;
  /**
   * mbPerCpuSec / that of node:tls alone on Node 24 (its own fresh process) for the same suite and
   * V8 flags (higher is better; target ≥ 0.7).
   */
  ratio?: number;
  /** mbPerCpuSec / that of node:tls beside our stack (same process heap), same suite and flags. */
  ratioSameHeap?: number;
  /** V8 flags the measuring process ran with (see BULK_V8_FLAGS in runs.ts); absent = the runtime's defaults. */
  v8Flags?: string;
  /**
   * Absent: measured in the bench's process for that runtime, after its handshake rounds. "alone":
   * a fresh process with only this stack loaded. "beside pqtls": node:tls in a fresh process that
   * has also loaded our stack and provider (the same heap as ours; see runs.ts, BulkAlone).
   */
  setting?: "alone" | "beside pqtls";
  /** Median of this many measured transfers (absent: one). */
  runs?: number;
}

export interface FirstHandshakeRow {
  stack: "pqtls" | "node:tls";
  provider: string;
  runtime: string;
  scenario: string;
  /** Loading the TLS stack (and the provider's warm-up), ms. */
  loadMs: number;
  /** connect() → secureConnect of the first handshake in the process, ms. */
  handshakeMs: number;
}

export interface BenchReport {
  runtime: Runtime;
  primitives: (PrimitiveResult & { runtime: string })[];
  handshakes: HandshakeRow[];
  bulk: BulkRow[];
  firstHandshake: FirstHandshakeRow[];
  /** What could not run, and why. */
  notes: string[];
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

const fixed = (n: number | undefined, digits: number): string => (n === undefined ? "-" : n.toFixed(digits));

/** What each bulk V8 flag changes (runs.ts, BULK_V8_FLAGS), for the table's footnotes. */
const V8_FLAG_NOTES: Record<string, string> = {
  "--external-memory-accounted-in-global-limit":
    "V8 counts ArrayBuffer memory towards its ordinary heap limits instead of starting a full GC per ~64 MB of it",
  "--max-semi-space-size":
    "semi-spaces of at most that many MB (an application's choice: the 8-16 MB that importing our library leaves bring back-to-back full GCs)",
};

export function renderText(report: BenchReport): string {
  const out: string[] = [];
  out.push(
    `pqtls crypto bench — this runtime: Node ${report.runtime.node}, OpenSSL ${report.runtime.openssl}`,
  );
  if (report.handshakes.length) {
    out.push(
      "",
      "Full handshake, client+server CPU over loopback (ratio = CPU / node:tls on Node 24; lower is better)",
    );
    out.push(
      table(
        [
          "scenario",
          "stack",
          "provider",
          "runtime",
          "process",
          "runs",
          "n",
          "CPU ms",
          "wall ms",
          "ratio",
          "KEX+sig ms",
        ],
        report.handshakes.map((h) => [
          h.scenario,
          h.stack,
          h.provider,
          h.runtime,
          h.setting ?? (h.stack === "node:tls" ? "alone" : "bench"),
          String(h.runs ?? 1),
          String(h.handshakes),
          fixed(h.cpuMs, 2),
          fixed(h.wallMs, 2),
          fixed(h.ratio, 2),
          fixed(h.cryptoMs, 2),
        ]),
      ),
    );
    out.push(
      "KEX+sig ms: this scenario's key exchange (keyGen, encapsulate, decapsulate) plus one signature and two",
      "verifications, from this run's primitive timings: a lower bound on the crypto inside CPU ms.",
    );
  }
  if (report.bulk.length) {
    // Rows measured under V8 flags are marked *, **, ... in the runtime column, one mark per flag set.
    const flagSets = [...new Set(report.bulk.flatMap((b) => (b.v8Flags ? [b.v8Flags] : [])))];
    const mark = (flags: string | undefined) => (flags ? "*".repeat(flagSets.indexOf(flags) + 1) : "");
    out.push(
      "",
      "Bulk transfer one way over loopback (ratio = MB per CPU-second / node:tls on Node 24; higher is better)",
    );
    out.push(
      table(
        [
          "suite",
          "stack",
          "provider",
          "runtime",
          "process",
          "MiB",
          "runs",
          "MB/s wall",
          "CPU ms",
          "MB/CPU-s",
          "ratio",
          "same heap",
        ],
        report.bulk.map((b) => [
          b.suite,
          b.stack,
          b.provider,
          `${b.runtime}${mark(b.v8Flags)}`,
          b.setting ?? "bench",
          String(b.bytes / 1048576),
          String(b.runs ?? 1),
          fixed(b.mbPerSec, 0),
          fixed(b.cpuMs, 0),
          fixed(b.mbPerCpuSec, 0),
          fixed(b.ratio, 2),
          fixed(b.ratioSameHeap, 2),
        ]),
      ),
    );
    out.push(
      "process: alone = a fresh process with only that stack loaded, warmed, median of `runs`; beside pqtls =",
      "node:tls in a fresh process that has also loaded our stack (our heap size); bench = the bench's own",
      "process after its handshake rounds. ratio: against node:tls alone; same heap: against node:tls beside",
      "pqtls (Node 24's default GC starts far more full GCs during fast I/O in a larger heap, whatever the stack).",
    );
    for (const flags of flagSets)
      out.push(
        `${mark(flags)} with ${flags}: ${V8_FLAG_NOTES[flags.split("=")[0]] ?? "a V8 flag"}; compared with node:tls run the same way.`,
      );
  }
  if (report.firstHandshake.length) {
    out.push("", "First handshake in a fresh process");
    out.push(
      table(
        ["scenario", "stack", "provider", "runtime", "load ms", "handshake ms"],
        report.firstHandshake.map((f) => [
          f.scenario,
          f.stack,
          f.provider,
          f.runtime,
          fixed(f.loadMs, 1),
          fixed(f.handshakeMs, 1),
        ]),
      ),
    );
  }
  if (report.primitives.length) {
    out.push("", "Primitives (µs per operation; AEAD rows per 16 KiB record)");
    out.push(
      table(
        ["algorithm", "operation", "provider", "backend", "runtime", "µs", "MB/s"],
        report.primitives.map((p) => [
          p.algorithm,
          p.operation,
          p.provider,
          p.backend,
          p.runtime,
          fixed(p.us, 1),
          p.mbPerSec ? fixed(p.mbPerSec, 0) : "",
        ]),
      ),
    );
  }
  if (report.notes.length) out.push("", "Notes:", ...report.notes.map((n) => `- ${n}`));
  return out.join("\n");
}
