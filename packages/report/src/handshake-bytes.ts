// The "Handshake bytes" table: what each variant puts on the wire up to handshake completion, per
// condition, and how far that is from the baseline variant under the same condition. Bytes, not
// times: they explain the times (a flight over the initial congestion window costs a round trip) and
// show what a byte-saving knob such as certificate compression (a condition) actually saved.
// Handshake bytes do not depend on the response size, so rows of every size are pooled.

import {
  type Condition,
  compareConditions,
  conditionKey,
  conditionOf,
  type Variant,
  variantKey,
  variantOf,
} from "./params.js";
import { quantile } from "./quantile.js";
import type { Row } from "./row.js";
import { selectorMatches, type VariantSelector } from "./variant.js";

/** Median bytes of one direction, and its difference from the baseline's median. */
export interface DirectionBytes {
  median: number;
  /** variant − baseline in bytes; null without a baseline in this condition. */
  vs_baseline_bytes: number | null;
  /** 100 × (variant / baseline − 1); null without a baseline (or a baseline of 0 bytes). */
  vs_baseline_pct: number | null;
}

export interface HandshakeBytesRow {
  condition: Condition;
  variant: Variant;
  /** The condition's baseline variant these differences are against; null when none was measured. */
  baseline: Variant | null;
  /** Whether this row is that baseline. */
  is_baseline: boolean;
  /** Successful connections with both byte counts (all response sizes of the condition). */
  n: number;
  c2s: DirectionBytes;
  s2c: DirectionBytes;
  /** Median bytes of the server's certificate message as received (`cert_msg_bytes`); null when unmeasured. */
  cert_msg_median: number | null;
}

interface Group {
  condition: Condition;
  variant: Variant;
  /** The server leaf's key algorithm (rows' `chain_key`), for `chain=pq` selectors; null in older files. */
  chainKey: string | null;
  c2s: number[];
  s2c: number[];
  cert: number[];
}

function direction(median: number, base: number | undefined): DirectionBytes {
  if (base === undefined) return { median, vs_baseline_bytes: null, vs_baseline_pct: null };
  return {
    median,
    vs_baseline_bytes: median - base,
    vs_baseline_pct: base === 0 ? null : 100 * (median / base - 1),
  };
}

/**
 * One row per (condition, variant) with successful connections, ordered by condition and then with
 * the baseline first. The baseline of a condition is the one variant the selector matches there;
 * where none or several match, the condition's rows get no differences.
 */
export function handshakeBytesTable(rows: readonly Row[], baseline: VariantSelector): HandshakeBytesRow[] {
  const groups = new Map<string, Group>();
  for (const row of rows) {
    if (!row.ok || row.hs_bytes_c2s === null || row.hs_bytes_s2c === null) continue;
    const condition = conditionOf(row);
    const variant = variantOf(row);
    const key = `${conditionKey(condition)}|${variantKey(variant)}`;
    let g = groups.get(key);
    if (!g) {
      g = { condition, variant, chainKey: row.chain_key ?? null, c2s: [], s2c: [], cert: [] };
      groups.set(key, g);
    }
    g.c2s.push(row.hs_bytes_c2s);
    g.s2c.push(row.hs_bytes_s2c);
    if (typeof row.cert_msg_bytes === "number") g.cert.push(row.cert_msg_bytes);
  }
  const sorted = [...groups.values()].sort(
    (a, b) =>
      compareConditions(a.condition, b.condition) ||
      variantKey(a.variant).localeCompare(variantKey(b.variant)),
  );
  const out: HandshakeBytesRow[] = [];
  for (let i = 0; i < sorted.length; ) {
    const key = conditionKey(sorted[i].condition);
    let j = i;
    while (j < sorted.length && conditionKey(sorted[j].condition) === key) j++;
    const same = sorted.slice(i, j);
    // Several matching variants: no baseline rather than a guess (as the comparisons do).
    const matching = same.filter((g) => selectorMatches(baseline, { ...g.variant, chain_key: g.chainKey }));
    const base = matching.length === 1 ? matching[0] : undefined;
    const baseC2s = base ? quantile(base.c2s, 0.5) : undefined;
    const baseS2c = base ? quantile(base.s2c, 0.5) : undefined;
    for (const g of base ? [base, ...same.filter((x) => x !== base)] : same)
      out.push({
        condition: g.condition,
        variant: g.variant,
        baseline: base?.variant ?? null,
        is_baseline: g === base,
        n: g.c2s.length,
        c2s: direction(quantile(g.c2s, 0.5), baseC2s),
        s2c: direction(quantile(g.s2c, 0.5), baseS2c),
        cert_msg_median: g.cert.length > 0 ? quantile(g.cert, 0.5) : null,
      });
    i = j;
  }
  return out;
}
