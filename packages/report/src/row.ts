// The raw-row format the runner writes (JSONL) and the report reads. The report owns it because it
// is the reader: the harness imports these types, so the two can never drift apart.
//
// File layout: the first line of a results file is a MetaLine ({"type":"meta",...}); every other
// line is a Row ({"type":"row",...}). Several files (shards, resumed runs) may be merged; each keeps
// its own meta line. All times are milliseconds from t0 = just before the TCP connect() call in the
// client's network namespace, so handshake_ms and ttlb_ms include the TCP handshake (as in the study).

import { type DimensionField, type DimensionRow, FIELDS } from "./dimensions.js";
import type { RowFidelity } from "./fidelity.js";

export interface MetaLine {
  type: "meta";
  /** Run id (also in every row). */
  run: string;
  /** Format version of rows in this file. */
  format: 1;
  started_at: string; // ISO 8601
  command_line: string[];
  /** The fully resolved experiment config (preset + overrides). */
  config: unknown;
  git_commit?: string;
  versions: Record<string, string>; // node, openssl, @pqtls/*, kernel ...
  /** Crypto provider chosen per algorithm (CryptoProvider.describe()). */
  providers?: Record<string, string>;
  kernel: string;
  link_backend: "netem" | "tun" | "none";
  /** Every sysctl / route / qdisc value read back after set-up, per lane. */
  link_state?: unknown;
  /** Where each timer starts and stops, in words. */
  timing_definition: string;
  seed: number;
  /** One shard of a plan run on many machines (`pqtls run --shard K/N`). */
  shard?: ShardInfo;
  /** A file merged from shards (`pqtls merge`): every shard's own meta line, in shard order. */
  shards?: MetaLine[];
}

export interface ShardInfo {
  index: number;
  count: number;
  /** Hash of the full plan (cells, samples, warm-ups, seed): shards of one experiment share it. */
  plan_hash: string;
  host: string;
}

/**
 * The stop rule of an adaptive run (`pqtls run --ci-width W`): sample each comparison until the 95 %
 * bootstrap interval of its TTLB p50 % increase (and of the p90 when `ci_on` is "p90") is at most
 * `ci_width` percentage points wide, looking every `every` pairs from `min` on, never beyond `cap`.
 */
export interface StopRuleSettings {
  ci_width: number;
  ci_on: "p50" | "p90";
  every: number;
  min: number;
  cap: number;
}

/** The stop rule as a row records it: the settings and the last look at the interval before the row was taken. */
export interface StopRuleRecord extends StopRuleSettings {
  /** Samples per cell at the last checkpoint before this sample; null before the first. */
  checkpoint: number | null;
  /** The widest watched interval of the row's comparisons at that checkpoint, percentage points. */
  width: number | null;
  /** What was decided there (always "continue": a stopped comparison takes no more rows). */
  decision: "continue" | null;
}

/** What one connection measured, beside the parameters of its cell. */
export interface RowMeasurement {
  ok: boolean;
  error: string | null;
  tcp_connect_ms: number | null;
  handshake_ms: number | null;
  ttfb_ms: number | null;
  ttlb_ms: number | null;
  hs_bytes_c2s: number | null;
  hs_bytes_s2c: number | null;
  /**
   * Bytes of the server's certificate message as the client received it (CompressedCertificate when
   * compressed, else Certificate; 4-byte header included). null: none sent (resumed) or not measurable (openssl).
   */
  cert_msg_bytes?: number | null;
  /**
   * The chain the server was given (from its file, so for every engine): certificates it sends
   * (leaf + intermediates) and the Certificate message they make uncompressed. Chain names changed
   * meaning once (`mldsa65` was the leaf alone); these say what a row's chain was. Absent in older files.
   */
  chain_certs?: number;
  chain_msg_bytes?: number;
  /**
   * The key algorithm of the chain's leaf (rsa, p256, ed25519, mldsa65, ...): what the report's
   * `chain=pq` / `chain=classical` read when present, so a folder chain (`./mychain`) is classified
   * by what it holds rather than by its name. Absent in older files (then the name decides).
   */
  chain_key?: string;
  retrans_segs: number | null;
  /** Other TCP counters from the lane namespace (deltas over this connection). */
  tcp?: Record<string, number>;
  /** When the TCP connection closed, ms from t0 (the runner records it; not required). */
  close_ms?: number | null;
  /** The link's drop counters over this connection (emulated loss, queue overflow, TUN ring drops). */
  link?: Record<string, number>;
  /**
   * The fidelity guard (fidelity.ts): relay lateness, endpoint CPU and wait, machine pressure over
   * this connection, and why the row is marked as taken on a disturbed lane. Absent in older files.
   */
  fidelity?: RowFidelity;
}

/**
 * One connection: which run and cell, the cell's parameters (one field or two per dimension of
 * dimensions.ts, a mapped type over its FIELDS), and what was measured.
 */
export type Row = {
  type: "row";
  run: string;
  /** Stable id of the cell's parameters (same parameters → same id across runs). */
  cell: string;
  /** 0-based sample index within the cell (warm-ups are not recorded as samples). */
  sample: number;
} & DimensionRow &
  RowMeasurement & {
    lane: number;
    ts: string; // ISO 8601 wall-clock at the end of the connection
    /** Present in adaptive runs only (`--ci-width`). */
    stop_rule?: StopRuleRecord;
  };

export type ResultLine = MetaLine | Row;

/** The fields every row must have (the loader checks these and names the line that lacks one). */
export const REQUIRED_ROW_FIELDS: readonly (keyof Row)[] = [
  "run",
  "cell",
  "sample",
  ...(Object.keys(FIELDS) as DimensionField[]).filter((f) => FIELDS[f].inRow),
  "ok",
  "error",
  "tcp_connect_ms",
  "handshake_ms",
  "ttfb_ms",
  "ttlb_ms",
  "hs_bytes_c2s",
  "hs_bytes_s2c",
  "retrans_segs",
  "lane",
  "ts",
];
