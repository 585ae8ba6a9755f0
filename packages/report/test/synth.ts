// Synthetic results for tests: a meta line and rows whose timing distributions the test chooses.
// Uses its own PRNG (mulberry32), independent of the library's, so tests do not check the
// library against itself.

import type { MetaLine, Row } from "../src/row.js";

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function meta(overrides: Partial<MetaLine> = {}): MetaLine {
  return {
    type: "meta",
    run: "run-1",
    format: 1,
    started_at: "2026-11-29T09:00:00Z",
    command_line: ["pqtls", "run", "--preset", "synthetic"],
    config: { preset: "synthetic", samples: 100 },
    git_commit: "0123abc",
    versions: { node: "20.20.2", "@pqtls/tls13": "0.1.0" },
    providers: { X25519MLKEM768: "noble", "ML-DSA-65": "noble" },
    kernel: "6.8.0-test",
    link_backend: "netem",
    timing_definition: "t0 just before connect(); handshake at client Finished; TTLB at last body byte",
    seed: 42,
    ...overrides,
  };
}

export interface CellSpec {
  cell?: string;
  kex: string;
  chain: string;
  bytes?: number;
  rtt_ms?: number;
  loss_pct?: number;
  rate_mbps?: number;
  jitter_ms?: number;
  /** TCP connect times of the successful samples (default: RTT + 0.5 ms each; failed attempts: null). */
  tcp_connect?: (number | null)[];
  /** Successful samples' times; ttfb/ttlb default to handshake + 1 / + 2 ms (null when bytes is 0). */
  handshake: number[];
  ttlb?: number[];
  /** Failed attempts appended after the successes. */
  failures?: number;
  error?: string;
}

export function rowsFor(spec: CellSpec, run = "run-1"): Row[] {
  const bytes = spec.bytes ?? 0;
  const cell = spec.cell ?? `${spec.kex}/${spec.chain}/${spec.rtt_ms ?? 35}/${spec.loss_pct ?? 0}/${bytes}`;
  const base = {
    type: "row" as const,
    run,
    cell,
    engine: "pqtls" as const,
    kex: spec.kex,
    chain: spec.chain,
    suite: "TLS_AES_128_GCM_SHA256",
    rtt_ms: spec.rtt_ms ?? 35,
    jitter_ms: spec.jitter_ms ?? 0,
    rate_mbps: spec.rate_mbps ?? 1000,
    loss_pct: spec.loss_pct ?? 0,
    initcwnd: 10,
    mtu: 1500,
    cc: "cubic",
    bytes,
    hs_bytes_c2s: 1500,
    hs_bytes_s2c: 15000,
    retrans_segs: 0,
    lane: 0,
    ts: "2026-11-29T09:01:00Z",
  };
  const rows: Row[] = spec.handshake.map((hs, i) => ({
    ...base,
    sample: i,
    ok: true,
    error: null,
    tcp_connect_ms: spec.tcp_connect ? spec.tcp_connect[i] : (spec.rtt_ms ?? 35) + 0.5,
    handshake_ms: hs,
    ttfb_ms: bytes === 0 ? null : hs + 1,
    ttlb_ms: bytes === 0 ? null : (spec.ttlb?.[i] ?? hs + 2),
  }));
  for (let j = 0; j < (spec.failures ?? 0); j++) {
    rows.push({
      ...base,
      sample: spec.handshake.length + j,
      ok: false,
      error: spec.error ?? "timeout",
      tcp_connect_ms: null,
      handshake_ms: null,
      ttfb_ms: null,
      ttlb_ms: null,
    });
  }
  return rows;
}

export function jsonl(m: MetaLine, rows: Row[]): string {
  return `${[m, ...rows].map((x) => JSON.stringify(x)).join("\n")}\n`;
}

/** n draws from an exponential distribution with the given mean, shifted by `offset`. */
export function exponential(n: number, meanMs: number, offset: number, rand: () => number): number[] {
  return Array.from({ length: n }, () => offset - meanMs * Math.log(1 - rand()));
}
