// "Beside the study": each of the study's published numbers (study.ts) that this run measured the
// condition of, set beside ours with its 95 % interval, the difference and a verdict; the numbers
// whose condition the run lacks are listed, not dropped.
//
// Which of the run's variants stands for the study's "PQ" is explicit: a selector
// (`--study-variant`), or by default the compared variant with a PQ key exchange whose chain is
// closest to the study's 16 KB chain (its size from an `@16KB`-style suffix, else the median
// certificate message the client received); the study's classical side is the report's baseline.
//
// Verdicts: a point or "~" value is `inside` or `outside` our interval; a bound "< B" is `met` when
// our whole interval is below B, `not met` when it is wholly at or above, else `undecided` (the
// interval straddles B: more samples decide); a band "L–H" is `inside` when our interval overlaps it,
// else `outside`. Without an interval the verdict is `no interval`.

import { type BootstrapOptions, bootstrapQuantiles, DEFAULT_BOOTSTRAP, type Interval } from "./bootstrap.js";
import type { Comparison, IncreaseStat } from "./compare.js";
import { formatRate } from "./dimensions.js";
import type { HandshakeBytesRow } from "./handshake-bytes.js";
import { conditionKey, formatBytes, variantLabel } from "./params.js";
import type { PooledHandshakeRow } from "./pooled-handshake.js";
import { quantileSorted } from "./quantile.js";
import { type CellData, PERCENTILE_NAMES, PERCENTILES, type PercentileName } from "./stats.js";
import {
  STUDY_CHAIN_BYTES,
  STUDY_CLAIMS,
  type StudyClaim,
  type StudyCondition,
  type StudyValue,
} from "./study.js";
import { isPqKex, parseSelector, SelectorError, selectorMatches } from "./variant.js";

export type StudyVerdict = "inside" | "outside" | "met" | "not met" | "undecided" | "no interval";

export interface BesideStudyRow {
  claim: string;
  source: string;
  words: string;
  /** Where ours was measured, in words (RTT, loss, size, and any other field that varies). */
  where: string;
  percentile: PercentileName;
  study: StudyValue;
  /** "+32 %", "~6 %", "< 15 %", "20–30 %", "2,364 ms". */
  study_text: string;
  unit: "%" | "ms";
  ours: number;
  ci: Interval;
  /** ours − the study's value (for a bound or band: − its nearest end; 0 inside a band). */
  difference: number;
  verdict: StudyVerdict;
  /** Our number carries data-quality flags (see the report's Notes). */
  flagged: boolean;
}

export interface BesideStudy {
  /** The variant standing for the study's PQ (its label), or null when none could be chosen. */
  study_variant: string | null;
  /** How it was chosen, in words. */
  study_variant_reason: string;
  /** The study's classical side: the report's baseline selector. */
  baseline: string;
  rows: BesideStudyRow[];
  /** Claims whose condition the run did not measure (id, source, words). */
  not_measured: { claim: string; source: string; words: string }[];
}

const KIB = 1024;

/** A chain's size from a padding suffix: "mldsa44@16KB" → 16,384; null without one. */
export function chainSuffixBytes(chain: string): number | null {
  const m = /@(\d+(?:\.\d+)?)\s*(KB|KIB|K|B|MB|MIB)?$/i.exec(chain);
  if (!m) return null;
  const unit = (m[2] ?? "B").toUpperCase();
  const scale = unit.startsWith("M") ? KIB * KIB : unit.startsWith("K") ? KIB : 1;
  return Math.round(Number(m[1]) * scale);
}

interface Candidate {
  label: string;
  chain: string;
  kex: string;
  bytes: number | null;
}

function candidates(
  comparisons: readonly Comparison[],
  bytesRows: readonly HandshakeBytesRow[],
): Candidate[] {
  const out = new Map<string, Candidate>();
  for (const c of comparisons) {
    const v = c.variant.variant;
    const label = variantLabel(v);
    if (out.has(label)) continue;
    const chain = String(v.chain ?? "");
    const certs = bytesRows
      .filter((r) => variantLabel(r.variant) === label && r.cert_msg_median !== null)
      .map((r) => r.cert_msg_median as number)
      .sort((a, b) => a - b);
    const measured = certs.length > 0 ? certs[Math.floor((certs.length - 1) / 2)] : null;
    out.set(label, { label, chain, kex: String(v.kex ?? ""), bytes: chainSuffixBytes(chain) ?? measured });
  }
  return [...out.values()];
}

function closestTo16k(cs: readonly Candidate[]): Candidate {
  const dist = (c: Candidate) =>
    c.bytes === null ? Number.POSITIVE_INFINITY : Math.abs(c.bytes - STUDY_CHAIN_BYTES);
  return [...cs].sort((a, b) => dist(a) - dist(b) || a.label.localeCompare(b.label))[0];
}

/**
 * The variant standing for the study's PQ. `selector` (key=value over the variant's fields) narrows
 * the compared variants; a selector matching none is refused (SelectorError, one line naming those
 * present). Among several, the one with a PQ key exchange whose chain is closest to 16 KB.
 */
export function chooseStudyVariant(
  comparisons: readonly Comparison[],
  bytesRows: readonly HandshakeBytesRow[],
  selector?: string,
): { label: string | null; reason: string } {
  let cs = candidates(comparisons, bytesRows);
  if (cs.length === 0) return { label: null, reason: "no compared variant in this run" };
  if (selector !== undefined) {
    const sel = parseSelector(selector, "--study-variant");
    const matching = cs.filter((c) =>
      comparisons.some(
        (x) =>
          variantLabel(x.variant.variant) === c.label &&
          selectorMatches(sel, { ...x.variant.variant, chain_key: x.variant.chain_key }),
      ),
    );
    if (matching.length === 0)
      throw new SelectorError(
        `--study-variant ${selector} matches no compared variant (compared: ${cs.map((c) => c.label).join("; ")})`,
      );
    cs = matching;
    if (cs.length === 1) return { label: cs[0].label, reason: `chosen with --study-variant ${selector}` };
  }
  const pq = cs.filter((c) => isPqKex(c.kex));
  const pool = pq.length > 0 ? pq : cs;
  const pick = closestTo16k(pool);
  const size =
    pick.bytes === null
      ? "chain size unknown"
      : `${chainSuffixBytes(pick.chain) !== null ? "chain" : "certificate message"} ${pick.bytes.toLocaleString("en-US")} B`;
  const how =
    cs.length > 1
      ? `closest to the study's 16 KB chain among the ${pool.length} compared variants${pq.length > 0 ? " with a PQ key exchange" : ""}`
      : "the only compared variant";
  return {
    label: pick.label,
    reason: `${selector !== undefined ? `--study-variant ${selector}, then ` : ""}${how}; ${size}`,
  };
}

function matchesCondition(cond: StudyCondition, c: Record<string, unknown>, bytes: number): boolean {
  for (const f of ["rate_mbps", "rtt_ms", "loss_pct", "jitter_ms", "jitter_dist"] as const) {
    const want = cond[f];
    if (want === undefined) continue;
    const have = c[f] ?? (f === "jitter_ms" ? 0 : null);
    if (have !== want) return false;
  }
  if (cond.bytes !== undefined && bytes !== cond.bytes) return false;
  if (cond.min_bytes !== undefined && bytes < cond.min_bytes) return false;
  if (cond.max_bytes !== undefined && bytes > cond.max_bytes) return false;
  return true;
}

export function studyValueText(v: StudyValue, unit: "%" | "ms"): string {
  const n = (x: number) => (unit === "ms" ? `${x.toLocaleString("en-US")} ms` : `${x} %`);
  switch (v.kind) {
    case "point":
      return unit === "%" ? `+${n(v.value)}` : n(v.value);
    case "approx":
      return `~${n(v.value)}`;
    case "bound":
      return `< ${n(v.below)}`;
    case "range":
      return `${v.low}–${n(v.high)}`;
  }
}

/** The verdict and difference of ours (with its interval) against a study value; see the header. */
export function judge(
  v: StudyValue,
  ours: number,
  ci: Interval,
): { verdict: StudyVerdict; difference: number } {
  const finite = Number.isFinite(ci.low) && Number.isFinite(ci.high);
  switch (v.kind) {
    case "point":
    case "approx":
      return {
        difference: ours - v.value,
        verdict: !finite ? "no interval" : ci.low <= v.value && v.value <= ci.high ? "inside" : "outside",
      };
    case "bound":
      return {
        difference: ours - v.below,
        verdict: !finite
          ? "no interval"
          : ci.high < v.below
            ? "met"
            : ci.low >= v.below
              ? "not met"
              : "undecided",
      };
    case "range": {
      const difference = ours < v.low ? ours - v.low : ours > v.high ? ours - v.high : 0;
      return {
        difference,
        verdict: !finite ? "no interval" : ci.high >= v.low && ci.low <= v.high ? "inside" : "outside",
      };
    }
  }
}

/** What each of our numbers needs: comparisons, figure 1's pooled rows, cells for absolute times. */
export interface BesideStudyInput {
  comparisons: readonly Comparison[];
  pooled: readonly PooledHandshakeRow[];
  cells: readonly CellData[];
  handshakeBytes: readonly HandshakeBytesRow[];
  baseline: string;
  /** --study-variant. */
  selector?: string;
  bootstrap?: BootstrapOptions;
  claims?: readonly StudyClaim[];
}

function whereWords(cond: Record<string, unknown>, bytes: number | null): string {
  const parts: string[] = [];
  if (typeof cond.rate_mbps === "number") parts.push(formatRate(cond.rate_mbps));
  if (typeof cond.rtt_ms === "number") parts.push(`${cond.rtt_ms} ms`);
  if (typeof cond.jitter_ms === "number" && cond.jitter_ms > 0)
    parts.push(`±${cond.jitter_ms} ms ${cond.jitter_dist ?? ""}`.trim());
  if (typeof cond.loss_pct === "number") parts.push(`${cond.loss_pct} % loss`);
  if (typeof cond.engine === "string") parts.push(`engine ${cond.engine}`);
  if (bytes !== null) parts.push(formatBytes(bytes));
  return parts.join(", ");
}

export function besideStudy(input: BesideStudyInput): BesideStudy {
  const { comparisons, pooled, cells } = input;
  const bootstrap = input.bootstrap ?? DEFAULT_BOOTSTRAP;
  const chosen = chooseStudyVariant(comparisons, input.handshakeBytes, input.selector);
  const result: BesideStudy = {
    study_variant: chosen.label,
    study_variant_reason: chosen.reason,
    baseline: input.baseline,
    rows: [],
    not_measured: [],
  };
  const ours = comparisons.filter((c) => variantLabel(c.variant.variant) === chosen.label);
  const byCell = new Map(cells.map((c) => [c.cell, c]));
  const smallestBytes = new Map<string, number>();
  for (const c of ours) {
    const k = conditionKey(c.condition);
    smallestBytes.set(k, Math.min(smallestBytes.get(k) ?? Number.POSITIVE_INFINITY, c.bytes));
  }
  const cellCis = new Map<string, Interval[]>();
  const cellInterval = (cell: CellData, metric: StudyClaim["metric"], p: PercentileName): Interval => {
    const key = `${cell.cell}|${metric}`;
    let cis = cellCis.get(key);
    if (!cis) {
      cis = bootstrapQuantiles(cell.samples[metric], PERCENTILES, `study:${key}`, bootstrap);
      cellCis.set(key, cis);
    }
    return cis[PERCENTILE_NAMES.indexOf(p)];
  };
  for (const claim of input.claims ?? STUDY_CLAIMS) {
    const unit = claim.quantity === "increase_pct" ? "%" : "ms";
    const before = result.rows.length;
    const push = (where: string, p: PercentileName, value: number, ci: Interval, flagged: boolean) => {
      const { verdict, difference } = judge(claim.value, value, ci);
      result.rows.push({
        claim: claim.id,
        source: claim.source,
        words: claim.words,
        where,
        percentile: p,
        study: claim.value,
        study_text: studyValueText(claim.value, unit),
        unit,
        ours: value,
        ci,
        difference,
        verdict,
        flagged,
      });
    };
    if (claim.condition.pooled) {
      for (const r of pooled) {
        if (r.variant_label !== chosen.label) continue;
        if (claim.condition.rate_mbps !== undefined && r.rate_mbps !== claim.condition.rate_mbps) continue;
        for (const p of claim.percentiles) {
          const s = r.increase[p];
          push(`pooled over ${r.label}`, p, s.increase_pct, s.ci, s.flags.length > 0);
        }
      }
    } else {
      for (const c of ours) {
        if (!matchesCondition(claim.condition, c.condition, c.bytes)) continue;
        // A handshake time does not depend on the response size: each condition's smallest size, as
        // the handshake figure takes it.
        if (claim.metric === "handshake_ms" && c.bytes !== smallestBytes.get(conditionKey(c.condition)))
          continue;
        const stats = c.metrics[claim.metric];
        if (!stats) continue;
        const where = whereWords(c.condition, c.bytes);
        for (const p of claim.percentiles) {
          const s: IncreaseStat = stats[p];
          if (claim.quantity === "increase_pct") {
            push(where, p, s.increase_pct, s.ci, s.flags.length > 0);
            continue;
          }
          const side = claim.quantity === "classical_ms" ? c.baseline : c.variant;
          const cell = byCell.get(side.cell);
          if (!cell || cell.samples[claim.metric].length === 0) continue;
          const value = quantileSorted(cell.samples[claim.metric], PERCENTILES[PERCENTILE_NAMES.indexOf(p)]);
          push(where, p, value, cellInterval(cell, claim.metric, p), s.flags.length > 0);
        }
      }
    }
    if (result.rows.length === before)
      result.not_measured.push({ claim: claim.id, source: claim.source, words: claim.words });
  }
  // A classical absolute time is the same cell for every variant: keep one row per cell.
  const seen = new Set<string>();
  result.rows = result.rows.filter((r) => {
    const k = `${r.claim}|${r.where}|${r.percentile}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
  return result;
}
