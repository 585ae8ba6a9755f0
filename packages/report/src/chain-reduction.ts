// The "Chain-size trimming" section (issue 20): for a run that varies `chain_reduction`, each
// mechanism against no reduction under otherwise equal conditions — server→client handshake bytes
// and what the mechanism saved, the handshake time and TTLB change with their bootstrap intervals
// (the report's own comparisons, compareAll, with the mechanism as the compared field), and whether
// the server's flight fits the initial congestion window: a flight over initcwnd × MSS waits a round
// trip for ACKs, so a mechanism that brings it under saves a round trip, not just bytes.

import type { BootstrapOptions } from "./bootstrap.js";
import { type Comparison, compareAll, type IncreaseStat } from "./compare.js";
import type { HandshakeBytesRow } from "./handshake-bytes.js";
import { type Condition, compareConditions, conditionKey, type Variant, variantKey } from "./params.js";
import type { CellData, TrustRules } from "./stats.js";
import { parseSelector } from "./variant.js";

/** No reduction under the mechanism's own client knowledge (the compared field is the mechanism alone). */
const SAME_KNOWLEDGE_BASELINE = "chain_reduction=none";
/** No reduction with a client that holds nothing: the fallback where none was not measured under a knowledge. */
export const CHAIN_REDUCTION_BASELINE = "chain_reduction=none,client_knowledge=none";
/** TCP payload per segment at the default 1500-byte MTU: 1500 − 20 (IPv4) − 20 (TCP) − 12 (timestamps). */
export const DEFAULT_MSS = 1448;
/** IPv4 + TCP headers with the timestamp option, what a segment of an MTU-sized packet loses to headers. */
const TCP_IP_HEADERS = 52;

export interface FlightWindow {
  /** Initial congestion window in segments (the link's initcwnd). */
  initcwnd: number;
  /** Segment payload, bytes. */
  mss: number;
  /** Where mss came from: the rows' MTU (MTU − 52) or the default. */
  mss_source: "mtu" | "default";
  /** initcwnd × mss: what the server may send before the client's first ACK returns. */
  budget_bytes: number;
  /** The no-reduction flight is over the budget. */
  baseline_over: boolean;
  /** The mechanism's flight is over the budget. */
  mechanism_over: boolean;
}

export interface ChainReductionRow {
  /** The no-reduction cell's condition (chain_reduction none; its client knowledge, see baseline_client_knowledge). */
  condition: Condition;
  variant: Variant;
  bytes: number;
  /** The mechanism (a chain_reduction value) and what the client held. */
  mechanism: string;
  client_knowledge: string;
  /** What the client of the no-reduction cell held: the mechanism's client knowledge, or none where that was not measured. */
  baseline_client_knowledge: string;
  /** Median server→client handshake bytes without reduction and with the mechanism; null when unmeasured. */
  s2c_none: number | null;
  s2c_mechanism: number | null;
  /** s2c_none − s2c_mechanism (positive: bytes saved). */
  saved_bytes: number | null;
  /** The report's comparison of the two cells: median handshake and TTLB, % and Δ ms with intervals. */
  handshake_p50: IncreaseStat | null;
  ttlb_p50: IncreaseStat | null;
  /** The server flight against initcwnd × MSS; null without byte counts or initcwnd. */
  window: FlightWindow | null;
  n_none: number;
  n_mechanism: number;
}

/** The condition fields the mechanism rows set (the rest is the comparison's shared condition). */
const MECHANISM_FIELDS = ["chain_reduction", "client_knowledge"] as const;

function mechanismCondition(c: Comparison): Condition {
  const extra = c.variant.variant as Variant & Partial<Condition>;
  const out = { ...c.condition };
  // A field the comparison did not compare is the shared condition's.
  for (const f of MECHANISM_FIELDS) if (f in extra) out[f] = extra[f] ?? null;
  return out;
}

function plainVariant(v: Variant): Variant {
  return { kex: v.kex, chain: v.chain };
}

function segmentPayload(c: Condition): { mss: number; source: "mtu" | "default" } {
  const mtu = c.mtu;
  if (typeof mtu === "number" && Number.isFinite(mtu) && mtu > TCP_IP_HEADERS)
    return { mss: mtu - TCP_IP_HEADERS, source: "mtu" };
  return { mss: DEFAULT_MSS, source: "default" };
}

function flightWindow(c: Condition, none: number | null, mech: number | null): FlightWindow | null {
  const initcwnd = c.initcwnd;
  if (none === null || mech === null || typeof initcwnd !== "number" || !(initcwnd > 0)) return null;
  const { mss, source } = segmentPayload(c);
  const budget = initcwnd * mss;
  return {
    initcwnd,
    mss,
    mss_source: source,
    budget_bytes: budget,
    baseline_over: none > budget,
    mechanism_over: mech > budget,
  };
}

/**
 * The report's comparisons of each mechanism's cell with a no-reduction cell under the same other
 * dimensions: the one with the same client knowledge where the run measured it, else the one whose
 * client held nothing (what a client holds does not change a connection without reduction, and a
 * plan need not measure none under every knowledge).
 */
function mechanismComparisons(
  cells: readonly CellData[],
  bootstrap: BootstrapOptions,
  trust: TrustRules,
): Comparison[] {
  const any = parseSelector("any");
  const isNone = (c: CellData) => (c.condition.chain_reduction ?? "none") === "none";
  // A selector naming a value no cell has is refused: ask only for the baselines that were measured.
  if (!cells.some(isNone)) return [];
  const same = compareAll(cells, parseSelector(SAME_KNOWLEDGE_BASELINE), any, bootstrap, trust).comparisons;
  const paired = new Set(same.map((c) => c.variant.cell));
  const blank = cells.some((c) => isNone(c) && (c.condition.client_knowledge ?? "none") === "none");
  const fallback = blank
    ? compareAll(cells, parseSelector(CHAIN_REDUCTION_BASELINE), any, bootstrap, trust).comparisons.filter(
        (c) => !paired.has(c.variant.cell) && mechanismCondition(c).chain_reduction !== null,
      )
    : [];
  return [...same, ...fallback].sort(
    (a, b) =>
      compareConditions(mechanismCondition(a), mechanismCondition(b)) ||
      a.bytes - b.bytes ||
      variantKey(plainVariant(a.baseline.variant)).localeCompare(
        variantKey(plainVariant(b.baseline.variant)),
      ),
  );
}

/**
 * One row per mechanism, condition and size (see mechanismComparisons for the no-reduction cell it
 * is set against). Empty when the cells do not vary chain_reduction. Byte medians come from the
 * Handshake bytes table (all sizes of a condition pooled).
 */
export function chainReductionTable(
  cells: readonly CellData[],
  handshakeBytes: readonly HandshakeBytesRow[],
  bootstrap: BootstrapOptions,
  trust: TrustRules,
): ChainReductionRow[] {
  if (new Set(cells.map((c) => c.condition.chain_reduction ?? "none")).size < 2) return [];
  const s2c = new Map<string, number>();
  for (const h of handshakeBytes)
    s2c.set(`${conditionKey(h.condition)}|${variantKey(h.variant)}`, h.s2c.median);
  const medianOf = (c: Condition, v: Variant) => s2c.get(`${conditionKey(c)}|${variantKey(v)}`) ?? null;

  return mechanismComparisons(cells, bootstrap, trust).map((c) => {
    const variant = plainVariant(c.baseline.variant);
    const mechCondition = mechanismCondition(c);
    const none = medianOf(c.condition, variant);
    const mech = medianOf(mechCondition, variant);
    const hs = c.metrics.handshake_ms?.p50 ?? null;
    return {
      condition: { ...c.condition },
      variant,
      bytes: c.bytes,
      mechanism: String(mechCondition.chain_reduction ?? "none"),
      client_knowledge: String(mechCondition.client_knowledge ?? "none"),
      baseline_client_knowledge: String(c.condition.client_knowledge ?? "none"),
      s2c_none: none,
      s2c_mechanism: mech,
      saved_bytes: none !== null && mech !== null ? none - mech : null,
      handshake_p50: hs,
      ttlb_p50: c.metrics.ttlb_ms?.p50 ?? null,
      window: flightWindow(c.condition, none, mech),
      n_none: hs?.n_baseline ?? 0,
      n_mechanism: hs?.n_variant ?? 0,
    };
  });
}

/** What the mechanism does to the flight's crossing of initcwnd × MSS, in words for the table. */
export function windowVerdict(w: FlightWindow): string {
  if (!w.baseline_over && !w.mechanism_over) return "under without and with it";
  if (w.baseline_over && !w.mechanism_over) return "brings it under";
  if (w.baseline_over) return "over without and with it";
  return "pushes it over";
}
