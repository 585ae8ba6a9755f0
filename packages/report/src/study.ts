// The study's published numbers, each with the condition it applies to, so a report can set its
// own beside them (beside-study.ts). Data only. Source: the study's abstract, its figures 1–5 as
// read in issue #17, and its table of absolute TTLB at 200 KiB; "~" values are read off a figure.
// The study's "PQ" is a PQ key exchange with an ML-DSA-sized chain (its figure 1 compares an 8 KB
// and a 16 KB chain); which of a run's variants stands for it is the report's choice, said in the
// section (see beside-study.ts).

import type { Metric, PercentileName } from "./stats.js";

/** How the study states a number. */
export type StudyValue =
  /** A number the study prints (e.g. the absolute TTLB table). */
  | { kind: "point"; value: number }
  /** A number read off a figure or rounded in prose ("~3 %"). */
  | { kind: "approx"; value: number }
  /** An upper bound ("< 15 %"). */
  | { kind: "bound"; below: number }
  /** A band ("20–30 %"). */
  | { kind: "range"; low: number; high: number };

/**
 * The condition a number applies to. A field left out is not constrained (the claim then applies to
 * every value of it the run measured, one row each); `jitter_ms: 0` means a stable link.
 */
export interface StudyCondition {
  rate_mbps?: number;
  rtt_ms?: number;
  loss_pct?: number;
  jitter_ms?: number;
  jitter_dist?: string;
  /** One response size, bytes (0 = handshake only, the study's "0 KiB"). */
  bytes?: number;
  /** A size range, bytes, both ends included: every measured size inside it. */
  min_bytes?: number;
  max_bytes?: number;
  /** The study's figure 1: pooled over every RTT and loss measured at `rate_mbps`. */
  pooled?: boolean;
}

export interface StudyClaim {
  id: string;
  /** Where the study says it: "abstract", "figure 3", "absolute TTLB at 200 KiB". */
  source: string;
  /** The claim in the study's words (as quoted in issue #17). */
  words: string;
  metric: Metric;
  /** increase_pct: PQ over classical, %; classical_ms / pq_ms: that side's time, ms. */
  quantity: "increase_pct" | "classical_ms" | "pq_ms";
  percentiles: PercentileName[];
  condition: StudyCondition;
  value: StudyValue;
}

const KIB = 1024;
const ALL: PercentileName[] = ["p50", "p75", "p90"];
/** Low-bandwidth stable link: 1 Mbit/s, no loss, no jitter. */
const LOW_STABLE = { rate_mbps: 1, loss_pct: 0, jitter_ms: 0 };
/** High-bandwidth stable link: 1 Gbit/s, no loss, no jitter. */
const HIGH_STABLE = { rate_mbps: 1000, loss_pct: 0, jitter_ms: 0 };
const SLOW_200 = { rate_mbps: 1, rtt_ms: 200, jitter_ms: 0 };

export const STUDY_CLAIMS: readonly StudyClaim[] = [
  {
    id: "abstract-handshake",
    source: "abstract",
    words: "handshake time +32 % on low-bandwidth stable links",
    metric: "handshake_ms",
    quantity: "increase_pct",
    percentiles: ["p50"],
    condition: { ...LOW_STABLE },
    value: { kind: "point", value: 32 },
  },
  {
    id: "figure1-pooled",
    source: "figure 1",
    words: "handshake time +32 % over the 1 Mbit/s datasets (loss 0/1/3/10 %, RTT 35/200 ms)",
    metric: "handshake_ms",
    quantity: "increase_pct",
    percentiles: ["p50"],
    condition: { rate_mbps: 1, pooled: true },
    value: { kind: "approx", value: 32 },
  },
  {
    id: "abstract-ttlb-low-50k",
    source: "abstract",
    words: "TTLB increase < 15 % on low-bandwidth stable links once ≥ 50 KiB is sent",
    metric: "ttlb_ms",
    quantity: "increase_pct",
    percentiles: ALL,
    condition: { ...LOW_STABLE, min_bytes: 50 * KIB },
    value: { kind: "bound", below: 15 },
  },
  {
    id: "abstract-ttlb-low-200k",
    source: "abstract",
    words: "TTLB increase < 10 % on low-bandwidth stable links at 200 KiB",
    metric: "ttlb_ms",
    quantity: "increase_pct",
    percentiles: ALL,
    condition: { ...LOW_STABLE, bytes: 200 * KIB },
    value: { kind: "bound", below: 10 },
  },
  {
    id: "abstract-ttlb-high",
    source: "abstract",
    words: "TTLB increase < 5 % on high-bandwidth stable links",
    metric: "ttlb_ms",
    quantity: "increase_pct",
    percentiles: ALL,
    condition: { ...HIGH_STABLE },
    value: { kind: "bound", below: 5 },
  },
  {
    id: "figure2-0k",
    source: "figure 2",
    words: "1 Gbit/s, 35 ms, 0 %: ~3 % at 0 KiB",
    metric: "ttlb_ms",
    quantity: "increase_pct",
    percentiles: ["p50"],
    condition: { ...HIGH_STABLE, rtt_ms: 35, bytes: 0 },
    value: { kind: "approx", value: 3 },
  },
  {
    id: "figure2-200k",
    source: "figure 2",
    words: "1 Gbit/s, 35 ms, 0 %: falling to ~1 % at 200 KiB",
    metric: "ttlb_ms",
    quantity: "increase_pct",
    percentiles: ["p50"],
    condition: { ...HIGH_STABLE, rtt_ms: 35, bytes: 200 * KIB },
    value: { kind: "approx", value: 1 },
  },
  {
    id: "figure3-0k",
    source: "figure 3",
    words: "1 Mbit/s, 200 ms, 0 %: ~33 % at 0 KiB, percentiles nearly identical",
    metric: "ttlb_ms",
    quantity: "increase_pct",
    percentiles: ALL,
    condition: { ...SLOW_200, loss_pct: 0, bytes: 0 },
    value: { kind: "approx", value: 33 },
  },
  {
    id: "figure3-200k",
    source: "figure 3",
    words: "1 Mbit/s, 200 ms, 0 %: falling to ~6 % at 200 KiB, percentiles nearly identical",
    metric: "ttlb_ms",
    quantity: "increase_pct",
    percentiles: ALL,
    condition: { ...SLOW_200, loss_pct: 0, bytes: 200 * KIB },
    value: { kind: "approx", value: 6 },
  },
  {
    id: "figure4",
    source: "figure 4",
    words: "1 Mbit/s, 200 ms, 10 % loss: 20–30 % at every percentile (0–200 KiB)",
    metric: "ttlb_ms",
    quantity: "increase_pct",
    percentiles: ALL,
    condition: { ...SLOW_200, loss_pct: 10, min_bytes: 0, max_bytes: 200 * KIB },
    value: { kind: "range", low: 20, high: 30 },
  },
  {
    id: "figure5-200k",
    source: "figure 5",
    words: "volatile (paretonormal) link: falling to 4–5 % at 200 KiB",
    metric: "ttlb_ms",
    quantity: "increase_pct",
    percentiles: ALL,
    condition: { jitter_dist: "paretonormal", bytes: 200 * KIB },
    value: { kind: "range", low: 4, high: 5 },
  },
  {
    id: "ttlb200k-classical-0",
    source: "absolute TTLB at 200 KiB",
    words: "classical 2,364 ms at 0 % loss (p50 = p75 = p90)",
    metric: "ttlb_ms",
    quantity: "classical_ms",
    percentiles: ALL,
    condition: { ...SLOW_200, loss_pct: 0, bytes: 200 * KIB },
    value: { kind: "point", value: 2364 },
  },
  ...(
    [
      ["p50", 4644, 6010],
      ["p75", 7093, 8883],
      ["p90", 10178, 12378],
    ] as const
  ).flatMap(([p, classical, pq]): StudyClaim[] => [
    {
      id: `ttlb200k-classical-10-${p}`,
      source: "absolute TTLB at 200 KiB",
      words: `classical ${classical.toLocaleString("en-US")} ms at 10 % loss (${p})`,
      metric: "ttlb_ms",
      quantity: "classical_ms",
      percentiles: [p],
      condition: { ...SLOW_200, loss_pct: 10, bytes: 200 * KIB },
      value: { kind: "point", value: classical },
    },
    {
      id: `ttlb200k-pq-10-${p}`,
      source: "absolute TTLB at 200 KiB",
      words: `PQ ${pq.toLocaleString("en-US")} ms at 10 % loss (${p})`,
      metric: "ttlb_ms",
      quantity: "pq_ms",
      percentiles: [p],
      condition: { ...SLOW_200, loss_pct: 10, bytes: 200 * KIB },
      value: { kind: "point", value: pq },
    },
  ]),
];

/** The study's chain size its "PQ" is closest to: the 16 KB chain of its figure 1. */
export const STUDY_CHAIN_BYTES = 16 * KIB;
