// CSV export in long ("tidy") form, one number per line, so a notebook can filter and pivot it:
// table=cell lines carry each cell's statistics, table=increase lines each % increase with its CI,
// table=difference lines the same comparisons' absolute difference (variant − baseline, ms) with its CI,
// table=handshake_bytes lines the Handshake bytes table (median bytes, differences from the baseline),
// table=link_check lines the Link check (TCP connect percentiles per link condition, `flags` = status).

import { CONDITION_FIELDS } from "./params.js";
import { METRICS, PERCENTILE_NAMES } from "./stats.js";
import type { ReportSummary } from "./summary.js";

export const CSV_COLUMNS = [
  "table",
  "kex",
  "chain",
  "baseline_kex",
  "baseline_chain",
  ...CONDITION_FIELDS,
  "bytes",
  "metric",
  "statistic",
  "value",
  "ci_low",
  "ci_high",
  "baseline_value",
  "variant_value",
  "n",
  "n_baseline",
  "attempts",
  "failures",
  "cell",
  "baseline_cell",
  "flags",
  "significant",
  "run",
] as const;

type CsvRecord = Partial<Record<(typeof CSV_COLUMNS)[number], string | number | null | undefined>>;

function field(v: string | number | null | undefined): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "number") return Number.isFinite(v) ? String(v) : "";
  return /[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

export function renderCsv(s: ReportSummary): string {
  const records: CsvRecord[] = [];
  for (const c of s.cells) {
    const base: CsvRecord = {
      table: "cell",
      kex: c.variant.kex,
      chain: c.variant.chain,
      ...c.condition,
      bytes: c.bytes,
    };
    base.attempts = c.attempts;
    base.failures = c.failures;
    base.cell = c.cell;
    for (const m of METRICS) {
      const st = c.metrics[m];
      if (!st) continue;
      const row = (statistic: string, value: number, extra: CsvRecord = {}): CsvRecord => ({
        ...base,
        metric: m,
        statistic,
        value,
        n: st.n,
        ...extra,
      });
      records.push(row("mean", st.mean), row("stdev", st.stdev), row("min", st.min), row("max", st.max));
      for (const p of PERCENTILE_NAMES) {
        const ci = p === "p50" ? { ci_low: st.median_ci.low, ci_high: st.median_ci.high } : {};
        records.push(row(p, st.percentiles[p], { ...ci, flags: st.flags[p].join("; ") }));
      }
    }
  }
  for (const c of s.comparisons) {
    for (const m of METRICS) {
      const perP = c.metrics[m];
      if (!perP) continue;
      for (const p of PERCENTILE_NAMES) {
        const x = perP[p];
        records.push({
          table: "increase",
          kex: c.variant.variant.kex,
          chain: c.variant.variant.chain,
          baseline_kex: c.baseline.variant.kex,
          baseline_chain: c.baseline.variant.chain,
          ...c.condition,
          bytes: c.bytes,
          metric: m,
          statistic: p,
          value: x.increase_pct,
          ci_low: x.ci.low,
          ci_high: x.ci.high,
          baseline_value: x.baseline,
          variant_value: x.variant,
          n: x.n_variant,
          n_baseline: x.n_baseline,
          attempts: c.variant.attempts,
          failures: c.variant.failures,
          cell: c.variant.cell,
          baseline_cell: c.baseline.cell,
          flags: x.flags.join("; "),
          significant: x.significant === null ? null : String(x.significant),
        });
        // The absolute difference (ms) beside the %: same columns, table=difference.
        records.push({
          ...records[records.length - 1],
          table: "difference",
          value: x.delta_ms,
          ci_low: x.delta_ci.low,
          ci_high: x.delta_ci.high,
        });
      }
    }
  }
  // The Handshake bytes table: medians (statistic p50) and differences from the condition's baseline.
  for (const h of s.handshake_bytes) {
    const base: CsvRecord = {
      table: "handshake_bytes",
      kex: h.variant.kex,
      chain: h.variant.chain,
      baseline_kex: h.baseline?.kex,
      baseline_chain: h.baseline?.chain,
      ...h.condition,
      n: h.n,
    };
    for (const [metric, d] of [
      ["hs_bytes_c2s", h.c2s],
      ["hs_bytes_s2c", h.s2c],
    ] as const)
      records.push(
        { ...base, metric, statistic: "p50", value: d.median },
        { ...base, metric, statistic: "vs_baseline_bytes", value: d.vs_baseline_bytes },
        { ...base, metric, statistic: "vs_baseline_pct", value: d.vs_baseline_pct },
      );
    if (h.cert_msg_median !== null)
      records.push({ ...base, metric: "cert_msg_bytes", statistic: "p50", value: h.cert_msg_median });
  }
  // The Link check: one line per statistic of each link condition; the status is in `flags`.
  for (const l of s.link_check) {
    const base: CsvRecord = {
      table: "link_check",
      ...l.link,
      metric: "tcp_connect_ms",
      n: l.n,
      attempts: l.attempts,
      flags: l.status,
    };
    records.push(
      { ...base, statistic: "p10", value: l.p10 },
      { ...base, statistic: "p50", value: l.p50, ci_low: l.expected.low_ms, ci_high: l.expected.high_ms },
      { ...base, statistic: "p90", value: l.p90 },
    );
  }
  // The run(s) every line belongs to, so several reports' CSVs concatenate without losing track.
  const run = [...new Set(s.meta.map((m) => m.run))].join("+");
  const lines = [CSV_COLUMNS.join(",")];
  for (const r of records)
    lines.push(CSV_COLUMNS.map((col) => field(col === "run" ? run : r[col])).join(","));
  return `${lines.join("\n")}\n`;
}
