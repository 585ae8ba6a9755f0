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

/**
 * getsockopt(TCP_INFO) of one end of the connection, as the kernel left it (the harness's
 * native/tcpinfo.c): the server's when the client's FIN arrived (every response byte acknowledged),
 * the client's when the last body byte arrived (the handshake's end for bytes = 0). A field the
 * kernel did not fill is null; `snd_ssthresh` is null while slow start has no threshold yet.
 * Times in µs, rates in bit/s, counts since the connection opened.
 */
export interface TcpInfo {
  /** TCP_ESTABLISHED = 1, TCP_CLOSE_WAIT = 8, ... (linux/tcp.h). */
  state: number | null;
  /** Congestion-avoidance state: 0 open, 1 disorder, 2 CWR, 3 recovery, 4 loss. */
  ca_state: number | null;
  snd_cwnd: number | null;
  snd_ssthresh: number | null;
  snd_mss: number | null;
  rtt_us: number | null;
  rttvar_us: number | null;
  min_rtt_us: number | null;
  rto_us: number | null;
  total_retrans: number | null;
  lost: number | null;
  unacked: number | null;
  reordering: number | null;
  segs_out: number | null;
  segs_in: number | null;
  data_segs_out: number | null;
  data_segs_in: number | null;
  bytes_acked: number | null;
  bytes_received: number | null;
  bytes_sent: number | null;
  bytes_retrans: number | null;
  delivery_rate_bps: number | null;
  /** Time the sender had data in flight, and how much of it the peer's window or the send buffer limited it. */
  busy_us: number | null;
  rwnd_limited_us: number | null;
  sndbuf_limited_us: number | null;
  dsack_dups: number | null;
  reord_seen: number | null;
  rcv_ooopack: number | null;
}

/** The names of TcpInfo's fields, in its order (the schema and the tests use them). */
export const TCP_INFO_FIELDS: readonly (keyof TcpInfo)[] = [
  "state",
  "ca_state",
  "snd_cwnd",
  "snd_ssthresh",
  "snd_mss",
  "rtt_us",
  "rttvar_us",
  "min_rtt_us",
  "rto_us",
  "total_retrans",
  "lost",
  "unacked",
  "reordering",
  "segs_out",
  "segs_in",
  "data_segs_out",
  "data_segs_in",
  "bytes_acked",
  "bytes_received",
  "bytes_sent",
  "bytes_retrans",
  "delivery_rate_bps",
  "busy_us",
  "rwnd_limited_us",
  "sndbuf_limited_us",
  "dsack_dups",
  "reord_seen",
  "rcv_ooopack",
];

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
   * TCP_INFO of both ends (TcpInfo); an end is null when it could not be read (the addon not built,
   * a connection that failed before the point it is read at). Absent in older files and without the addon.
   */
  tcp_info?: { client: TcpInfo | null; server: TcpInfo | null };
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
