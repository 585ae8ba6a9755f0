// The markdown report: what was run, whether the link delivered its RTT, how numbers were computed,
// a summary table, one section per figure (chart + the table behind it), the notes on numbers not to
// trust, and per-cell statistics.

import type { BesideStudyRow } from "./beside-study.js";
import { type ChainReductionRow, windowVerdict } from "./chain-reduction.js";
import type { Comparison, IncreaseStat } from "./compare.js";
import { MAX_MARKED_SHARE } from "./fidelity.js";
import type { IncreaseByPercentile } from "./figures.js";
import { LINK_CHECK_FIELDS, type LinkCheckField, type LinkCheckRow } from "./link-check.js";
import {
  type Condition,
  type ConditionField,
  describeField,
  FIELD_TITLES,
  fieldNoun,
  formatBytes,
  formatFieldValue,
  variantLabel,
} from "./params.js";
import type { MetaLine } from "./row.js";
import { shardsSection } from "./shards.js";
import { METRIC_TITLES, METRICS, PERCENTILE_NAMES, type PercentileName } from "./stats.js";
import type { ReportSummary } from "./summary.js";

/** Chart files (relative to the report) per figure, as written next to it. */
export interface ChartLinks {
  handshake?: string;
  /** The study's figure 1, pooled over one rate's conditions: one chart per group, keyed by its label. */
  pooled?: { label: string; file: string }[];
  /** One TTLB-vs-size chart per link condition (and pair), keyed by the condition label. */
  ttlb?: { label: string; file: string }[];
  /** One CDF chart per response size (link conditions side by side), keyed by the size. */
  cdf?: { label: string; file: string }[];
  /** The largest size's CDFs of every link condition on one plot (the study's figure 6), if several. */
  cdfOverlay?: { label: string; file: string };
  /** One increase-versus-parameter chart per swept link field and set of other conditions. */
  sweep?: { field: string; label: string; file: string }[];
}

const WARN = "⚠";
/** Meta fields the header renders in their own rows (or, for config, in a details block). */
const RENDERED_META_KEYS = new Set([
  "type",
  "run",
  "format",
  "started_at",
  "command_line",
  "config",
  "git_commit",
  "versions",
  "providers",
  "kernel",
  "link_backend",
  "link_state",
  "timing_definition",
  "seed",
  "shard",
  "shards",
]);
/** Bullet notes listed in full before the rest are only counted (all are in the JSON summary). */
const MAX_NOTES = 150;

export function escapeCell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

export function fmtMs(x: number | undefined): string {
  if (x === undefined || !Number.isFinite(x)) return "–";
  return Math.abs(x) < 10 ? x.toFixed(2) : x.toFixed(1);
}

export function fmtPct(x: number): string {
  if (!Number.isFinite(x)) return "–";
  return `${x >= 0 ? "+" : ""}${x.toFixed(1)} %`;
}

/** Marks a difference whose interval includes 0: no measurable difference (a result, not a warning). */
export const NOT_SIGNIFICANT = "n.s.";

function marks(s: IncreaseStat): string {
  return `${s.significant === false ? ` ${NOT_SIGNIFICANT}` : ""}${s.flags.length > 0 ? ` ${WARN}` : ""}`;
}

function fmtIncrease(s: IncreaseStat | undefined): string {
  if (!s) return "–";
  const ci = Number.isFinite(s.ci.low) ? ` [${s.ci.low.toFixed(1)}, ${s.ci.high.toFixed(1)}]` : "";
  return `${fmtPct(s.increase_pct)}${ci}${marks(s)}`;
}

/** Signed milliseconds: "+12.3 ms", "−0.40 ms". */
export function fmtDeltaMs(x: number): string {
  if (!Number.isFinite(x)) return "–";
  return `${x >= 0 ? "+" : "−"}${fmtMs(Math.abs(x))} ms`;
}

/** The absolute difference with its interval, e.g. "+12.3 ms [11.0, 13.1]". */
function fmtDelta(s: IncreaseStat | undefined): string {
  if (!s) return "–";
  const ci = Number.isFinite(s.delta_ci.low) ? ` [${fmtMs(s.delta_ci.low)}, ${fmtMs(s.delta_ci.high)}]` : "";
  return `${fmtDeltaMs(s.delta_ms)}${ci}${marks(s)}`;
}

/** One table cell with both forms of a difference: % increase, then Δ ms. */
function fmtBoth(s: IncreaseStat | undefined): string {
  if (!s) return "–";
  const ci = Number.isFinite(s.ci.low) ? ` [${s.ci.low.toFixed(1)}, ${s.ci.high.toFixed(1)}]` : "";
  const dci = Number.isFinite(s.delta_ci.low) ? ` [${fmtMs(s.delta_ci.low)}, ${fmtMs(s.delta_ci.high)}]` : "";
  return `${fmtPct(s.increase_pct)}${ci}<br>${fmtDeltaMs(s.delta_ms)}${dci}${marks(s)}`;
}

function table(header: string[], rows: string[][]): string {
  const lines = [
    `| ${header.map(escapeCell).join(" | ")} |`,
    `| ${header.map(() => "---").join(" | ")} |`,
    ...rows.map((r) => `| ${r.map(escapeCell).join(" | ")} |`),
  ];
  return `${lines.join("\n")}\n`;
}

function conditionCells(c: Condition, fields: readonly ConditionField[]): string[] {
  return fields.map((f) => formatFieldValue(f, c[f]));
}

function metaSection(s: ReportSummary): string {
  const out: string[] = ["## What was run\n"];
  const metas = s.meta;
  const first: MetaLine | undefined = metas[0];
  const rows: string[][] = [];
  const uniq = <T>(xs: T[]) => [...new Set(xs)];
  const runs = uniq(metas.map((m) => `${m.run} (started ${m.started_at})`));
  rows.push(["run", runs.join("; ")]);
  if (first) {
    rows.push(["command", uniq(metas.map((m) => `\`${(m.command_line ?? []).join(" ")}\``)).join("; ")]);
    rows.push(["git commit", uniq(metas.map((m) => m.git_commit ?? "unknown")).join("; ")]);
    rows.push(["kernel", uniq(metas.map((m) => m.kernel)).join("; ")]);
    const backends = uniq(metas.map((m) => m.link_backend));
    const backendText = backends
      .map((b) =>
        b === "none"
          ? `none — **unshaped loopback: the RTT, rate and loss values below were not emulated**`
          : b,
      )
      .join("; ");
    rows.push(["link backend", backendText]);
    const providers = Object.entries(first.providers ?? {}).map(([k, v]) => `${k}: ${v}`);
    rows.push(["crypto providers", providers.length > 0 ? providers.join(", ") : "not recorded"]);
    const versions = Object.entries(first.versions ?? {}).map(([k, v]) => `${k} ${v}`);
    rows.push(["versions", versions.join(", ")]);
    rows.push(["run seed", uniq(metas.map((m) => String(m.seed))).join("; ")]);
    rows.push(["timing", uniq(metas.map((m) => m.timing_definition)).join(" / ")]);
    // Anything else the runner records (e.g. host, CPU) is shown as it is, so the header keeps up.
    for (const [key, value] of Object.entries(first as unknown as Record<string, unknown>)) {
      if (RENDERED_META_KEYS.has(key) || value === null || value === undefined) continue;
      const text = typeof value === "string" ? value : JSON.stringify(value);
      rows.push([key, text.length > 300 ? `${text.slice(0, 300)}…` : text]);
    }
  }
  rows.push([
    "inputs",
    s.inputs.map((f) => `${f.file} (${f.rows} rows${f.skipped ? `, ${f.skipped} skipped` : ""})`).join("; "),
  ]);
  const fixed = Object.entries(s.dimensions.fixed).map(([f, v]) =>
    describeField(f as ConditionField, v ?? null),
  );
  rows.push(["same for all cells", fixed.join(", ") || "–"]);
  rows.push(["response sizes", s.dimensions.bytes.map(formatBytes).join(", ")]);
  out.push(table(["", ""], rows));
  if (first) {
    out.push(
      `\n<details><summary>Resolved experiment config</summary>\n\n\`\`\`json\n${JSON.stringify(first.config, null, 2)}\n\`\`\`\n\n</details>\n`,
    );
  }
  return out.join("\n");
}

/** Link fields a link check table shows: RTT, jitter, rate and loss always, any other when it varies. */
function linkCheckFields(rows: readonly LinkCheckRow[]): LinkCheckField[] {
  const always: readonly LinkCheckField[] = ["rtt_ms", "jitter_ms", "rate_mbps", "loss_pct"];
  return LINK_CHECK_FIELDS.filter((f) => always.includes(f) || new Set(rows.map((r) => r.link[f])).size > 1);
}

function severalBackends(rows: readonly LinkCheckRow[]): boolean {
  return new Set(rows.map((r) => r.link_backend)).size > 1;
}

/** A link condition in words, e.g. "RTT 35 ms, jitter 0 ms, 1000 Mbit/s, loss 0 %". */
function linkWhere(r: LinkCheckRow, rows: readonly LinkCheckRow[]): string {
  const parts = linkCheckFields(rows).map((f) => describeField(f, r.link[f]));
  if (severalBackends(rows)) parts.push(`link backend ${r.link_backend ?? "unknown"}`);
  return parts.join(", ");
}

/** The Notes line of a link condition whose check failed; null for any other status. */
export function linkCheckNote(r: LinkCheckRow, rows: readonly LinkCheckRow[]): string | null {
  if (r.status !== "check") return null;
  const jittered = typeof r.link.jitter_ms === "number" && r.link.jitter_ms > 0;
  const what = jittered
    ? `configured RTT and jitter (expected median ${fmtMs(r.expected.p50_ms)} ms, p10–p90 ${fmtMs(r.expected.p10_ms)}–${fmtMs(r.expected.p90_ms)} ms)`
    : "configured RTT";
  return `Link check at ${linkWhere(r, rows)}: median TCP connect ${fmtMs(r.p50 ?? Number.NaN)} ms is outside the ${fmtMs(r.expected.low_ms)}–${fmtMs(r.expected.high_ms)} ms expected for the ${what} (n=${r.n}): the link may not have delivered its RTT, so every time measured under it is suspect`;
}

const LINK_STATUS_TEXT: Record<LinkCheckRow["status"], string> = {
  ok: "ok",
  check: `${WARN} check`,
  "no data": "no data",
  "not emulated": "not emulated",
};

function linkCheckSection(s: ReportSummary): string {
  const rows = s.link_check;
  const out = ["## Link check\n"];
  const notEmulated = rows.some((r) => r.status === "not emulated");
  out.push(
    "Did the emulated link deliver its RTT? TCP's handshake takes one round trip, so the median TCP connect time (`tcp_connect_ms`, successful connections of every variant and size) should sit just above the configured RTT: **ok** when it is within [RTT − 0.5, 1.1 × RTT + 2] ms, the rule `pqtls run` prints at the end of a run; **check** otherwise (see Notes). On a jittered link each direction draws its own delay from the configured distribution (netem's tables), so the expected round trip is a distribution: its p10/p50/p90 are shown, and the median must fall between its quantiles 0.5 ± w (w = min(0.4, 1.645 / √n), the spread of a sample median of n), less 0.5 ms and plus 0.1 × RTT + 2 ms." +
      (notEmulated
        ? " Rows of a run with link backend `none` had no link emulation, so their configured RTT is not judged (**not emulated**)."
        : "") +
      "\n",
  );
  if (rows.length === 0) {
    out.push("No connections.\n");
    return out.join("\n");
  }
  const fields = linkCheckFields(rows);
  const backends = severalBackends(rows);
  const jittered = rows.some((r) => typeof r.link.jitter_ms === "number" && r.link.jitter_ms > 0);
  out.push(
    table(
      [
        ...fields.map((f) => FIELD_TITLES[f]),
        ...(backends ? ["link backend"] : []),
        "n",
        "TCP connect p10 (ms)",
        "p50 (ms)",
        "p90 (ms)",
        ...(jittered ? ["expected p10 / p50 / p90 (ms)"] : []),
        "expected p50 (ms)",
        "status",
      ],
      rows.map((r) => [
        ...fields.map((f) => formatFieldValue(f, r.link[f])),
        ...(backends ? [r.link_backend ?? "unknown"] : []),
        r.n === r.attempts ? String(r.n) : `${r.n} of ${r.attempts}`,
        fmtMs(r.p10 ?? Number.NaN),
        fmtMs(r.p50 ?? Number.NaN),
        fmtMs(r.p90 ?? Number.NaN),
        ...(jittered
          ? [
              r.status === "not emulated"
                ? "–"
                : `${fmtMs(r.expected.p10_ms)} / ${fmtMs(r.expected.p50_ms)} / ${fmtMs(r.expected.p90_ms)}`,
            ]
          : []),
        r.status === "not emulated" ? "–" : `${fmtMs(r.expected.low_ms)}–${fmtMs(r.expected.high_ms)}`,
        LINK_STATUS_TEXT[r.status],
      ]),
    ),
  );
  return out.join("\n");
}

function methodSection(s: ReportSummary): string {
  const m = s.method;
  const t = m.trust;
  return [
    "## Method\n",
    `- **Percentiles**: ${m.percentiles}. Statistics use successful connections only; failed ones are counted per cell (\`failures\`), never averaged in.`,
    `- **Confidence intervals**: ${Math.round(m.bootstrap.level * 100)} % ${m.bootstrap.method}, ${m.bootstrap.resamples} resamples, seed ${m.bootstrap.seed} (rerunning the report gives the same intervals).`,
    `- **% increase** = 100 × (variant / baseline − 1) of the same percentile, between cells whose link condition and response size are equal; **Δ** = variant − baseline in ms (the absolute cost), with its ${Math.round(m.bootstrap.level * 100)} % interval from the same resamples. Variant: \`${m.variant}\`; baseline: \`${m.baseline}\`. ${m.pq_definition}.`,
    `- **${NOT_SIGNIFICANT}** (not significant) marks a difference whose interval includes 0: no difference was detected at that percentile. That is a result (e.g. a PQ handshake costing ≈ 0 on a fast link), not a reason to distrust the number.`,
    `- **TTLB at 0 B**: ${m.ttlb_at_zero_bytes}.`,
    ...(s.figures.handshake_pooled.length > 0
      ? [
          `- **Handshake increase pooled over a rate's conditions** (the study's figure 1, "over the 1 Mbit/s datasets"): ${m.pooling}. Pooling then taking percentiles is how the study's sentence reads (a percentile of every connection made at that rate); the stratified resampling keeps each condition's share fixed, as the design fixed it, so the interval does not include variability from re-weighting links whose handshake times differ several-fold.`,
        ]
      : []),
    ...(m.sequential_stopping ? [`- **Sequential stopping**: ${m.sequential_stopping.statement}`] : []),
    `- **${WARN} marks a number not to trust** (data quality; reasons under *Notes*): a percentile p needs n ≥ ${t.minTailSamples} / (1 − p) samples (p90: 30, p99: 300); failures reaching into the percentile's tail (failure share ≥ 1 − p) or above ${Math.round(t.maxFailureShare * 100)} % of attempts; a % increase whose CI is wider than ${t.maxCiWidthPct} percentage points; connections whose link emulator dropped packets outside the configured loss (a disturbed lane: TUN ring overflow, refused write, stalled relay); more than ${MAX_MARKED_SHARE * 100} % of a cell's connections marked by the fidelity guard (relay releases or endpoints' CPU waits above their thresholds). A link whose check failed is marked ⚠ in the Link check and named under Notes.`,
    "",
  ].join("\n");
}

function pairColumn(s: ReportSummary): boolean {
  return (
    new Set(
      s.comparisons.map((c) => `${variantLabel(c.variant.variant)}|${variantLabel(c.baseline.variant)}`),
    ).size > 1
  );
}

/**
 * The condition columns of a table of comparisons: the varying fields less the compared ones
 * (`engine` under --baseline engine=openssl), which each side's label names; as a column they would
 * show the baseline's value on a row that compares two values.
 */
function comparisonFields(s: ReportSummary): ConditionField[] {
  const compared = new Set(s.comparisons.flatMap((c) => Object.keys(c.variant.variant)));
  return s.dimensions.varying.filter((f) => !compared.has(f));
}

function summarySection(s: ReportSummary): string {
  const fields = comparisonFields(s);
  const pairs = pairColumn(s);
  // A handshake-only run's TTLB is its handshake time: no columns repeating it.
  const ttlb = !s.handshake_only;
  const header = [
    ...(pairs ? ["variant", "baseline"] : []),
    ...fields.map((f) => FIELD_TITLES[f]),
    "size",
    "handshake p50 (ms) base → var",
    "handshake p50 increase [95 % CI]",
    "handshake p50 Δ (ms) [95 % CI]",
    ...(ttlb ? ["TTLB p50 (ms) base → var", "TTLB p50 increase [95 % CI]", "TTLB p50 Δ (ms) [95 % CI]"] : []),
    "n base / var",
    "failures base / var",
  ];
  const rows = s.comparisons.map((c) => {
    const hs = c.metrics.handshake_ms?.p50;
    const tl = c.metrics.ttlb_ms?.p50;
    return [
      ...(pairs ? [variantLabel(c.variant.variant), variantLabel(c.baseline.variant)] : []),
      ...conditionCells(c.condition, fields),
      formatBytes(c.bytes),
      hs ? `${fmtMs(hs.baseline)} → ${fmtMs(hs.variant)}` : "–",
      fmtIncrease(hs),
      fmtDelta(hs),
      ...(ttlb
        ? [tl ? `${fmtMs(tl.baseline)} → ${fmtMs(tl.variant)}` : "–", fmtIncrease(tl), fmtDelta(tl)]
        : []),
      hs ? `${hs.n_baseline} / ${hs.n_variant}` : "–",
      `${c.baseline.failures} / ${c.variant.failures}`,
    ];
  });
  const intro =
    s.comparisons.length > 0
      ? `Variant ${describePairs(s)}, at each link condition and response size.\n`
      : "No comparison could be made (see Notes).\n";
  return `## Summary\n\n${intro}\n${rows.length > 0 ? table(header, rows) : ""}`;
}

/** "+1,184 B (+92.1 %)": a difference from the baseline's median. */
function fmtByteDelta(bytes: number | null, pct: number | null): string {
  if (bytes === null) return "–";
  const sign = bytes > 0 ? "+" : bytes < 0 ? "−" : "±";
  return `${sign}${Math.abs(bytes).toLocaleString("en-US")} B${pct === null ? "" : ` (${fmtPct(pct)})`}`;
}

function handshakeBytesSection(s: ReportSummary): string {
  const out = ["## Handshake bytes\n"];
  if (s.handshake_bytes.length === 0) return `${out[0]}\nNo successful connections with byte counts.\n`;
  const fields = s.dimensions.varying;
  const hasCert = s.handshake_bytes.some((r) => r.cert_msg_median !== null);
  out.push(
    `TCP payload bytes each way up to handshake completion (TLS records as sent), median over successful connections of all response sizes; differences are against the condition's baseline (\`${s.method.baseline}\`)${hasCert ? "; certificate message: as the client received it, compressed or not (4-byte header included)" : ""}.\n`,
  );
  const rows = s.handshake_bytes.map((r) => [
    variantLabel(r.variant) + (r.is_baseline ? " (baseline)" : ""),
    ...conditionCells(r.condition, fields),
    String(r.n),
    r.c2s.median.toLocaleString("en-US"),
    r.is_baseline ? "–" : fmtByteDelta(r.c2s.vs_baseline_bytes, r.c2s.vs_baseline_pct),
    r.s2c.median.toLocaleString("en-US"),
    r.is_baseline ? "–" : fmtByteDelta(r.s2c.vs_baseline_bytes, r.s2c.vs_baseline_pct),
    ...(hasCert ? [r.cert_msg_median === null ? "–" : r.cert_msg_median.toLocaleString("en-US")] : []),
  ]);
  out.push(
    table(
      [
        "variant",
        ...fields.map((f) => FIELD_TITLES[f]),
        "n",
        "client → server (B)",
        "vs baseline",
        "server → client (B)",
        "vs baseline",
        ...(hasCert ? ["certificate msg (B)"] : []),
      ],
      rows,
    ),
  );
  return out.join("\n");
}

/** The increase versus each swept link parameter (figures.sweep): charts, then the points as a table. */
function sweepSection(s: ReportSummary, charts: ChartLinks): string {
  const series = s.figures.sweep;
  if (series.length === 0) return "";
  const out: string[] = [];
  for (const field of [...new Set(series.map((x) => x.field))]) {
    const title = FIELD_TITLES[field];
    out.push(`\n## Increase versus ${fieldNoun(field)}\n`);
    out.push(
      `The % increase of each compared pair (TTLB; the handshake time at 0 B) at every value of ${title} measured, one panel per response size; whiskers: 95 % bootstrap CI.\n`,
    );
    for (const c of (charts.sweep ?? []).filter((x) => x.field === field))
      out.push(`![Increase versus ${title}${c.label !== "all" ? `, ${c.label}` : ""}](${c.file})\n`);
    const ci = (p: IncreaseStat) => `${fmtPct(p.increase_pct)} [${fmtPct(p.ci.low)}, ${fmtPct(p.ci.high)}]`;
    const rows = series
      .filter((x) => x.field === field)
      .flatMap((x) =>
        x.points.map((pt) => [
          x.pair,
          ...(x.label !== "all" ? [x.label] : []),
          formatBytes(x.bytes),
          formatFieldValue(field, pt.x),
          ci(pt.increase.p50),
          fmtPct(pt.increase.p75.increase_pct),
          fmtPct(pt.increase.p90.increase_pct),
          `${pt.increase.p50.n_baseline}/${pt.increase.p50.n_variant}`,
        ]),
      );
    const others = series.some((x) => x.field === field && x.label !== "all");
    out.push(
      table(
        [
          "pair",
          ...(others ? ["other conditions"] : []),
          "size",
          title,
          "p50 % [95 % CI]",
          "p75 %",
          "p90 %",
          "n base/var",
        ],
        rows,
      ),
    );
  }
  return out.join("\n");
}

function lossAnatomySection(s: ReportSummary): string {
  if (s.loss_anatomy.length === 0) return "";
  const fields = s.dimensions.varying;
  const metric = s.handshake_only ? "handshake time" : "time to last byte";
  const hasCwnd = s.loss_anatomy.some((r) => r.server_cwnd_p50 !== null);
  const fmt = (x: number | null, digits = 0) => (x === null ? "–" : x.toFixed(digits));
  const rows = s.loss_anatomy.map((r) => [
    variantLabel(r.variant),
    ...conditionCells(r.condition, fields),
    formatBytes(r.bytes),
    String(r.n),
    `${r.opening_retransmitted} (${((100 * r.opening_retransmitted) / r.n).toFixed(0)} %)`,
    `${fmtMs(r.all.p50)} / ${fmtMs(r.all.p90)}`,
    r.without_opening ? `${fmtMs(r.without_opening.p50)} / ${fmtMs(r.without_opening.p90)}` : "–",
    fmt(r.rto_mean, 2),
    r.retrans_p50 === null ? "–" : `${fmt(r.retrans_p50)} / ${fmt(r.retrans_mean, 1)}`,
    ...(hasCwnd ? [fmt(r.server_cwnd_p50)] : []),
  ]);
  return [
    "## Where lossy connections lose time\n",
    `Per cell of a lossy condition (successful connections): how many had their SYN or SYN-ACK retransmitted (the namespaces' \`TCPSynRetrans\` counters; in files without them, a TCP connect of at least 1 s) — such a connection waits the kernel's 1 s initial RTO and then starts at a window of one segment (RFC 6298) — and the ${metric} p50 / p90 of all connections and of the others: the difference is the opening's timeout, which no chain causes. Then what loss recovery did: RTO expiries per connection (client and server, mean), retransmitted segments per connection (p50 / mean)${hasCwnd ? ", and the server's congestion window in segments when the client's FIN arrived (TCP_INFO, p50)" : ""}.\n`,
    table(
      [
        "variant",
        ...fields.map((f) => FIELD_TITLES[f]),
        "size",
        "n",
        "SYN or SYN-ACK retransmitted",
        "p50 / p90 all (ms)",
        "p50 / p90 without them (ms)",
        "RTOs / conn",
        "retransmitted p50 / mean",
        ...(hasCwnd ? ["server cwnd at end"] : []),
      ],
      rows,
    ),
  ].join("\n");
}

/** "14,480 B (initcwnd 10 × MSS 1448)". */
function fmtBudget(r: ChainReductionRow): string {
  const w = r.window;
  if (!w) return "–";
  return `${w.budget_bytes.toLocaleString("en-US")} B (initcwnd ${w.initcwnd} × MSS ${w.mss})`;
}

function chainReductionSection(s: ReportSummary): string {
  if (s.chain_reduction.length === 0) return "";
  const own = new Set<string>(["chain_reduction", "client_knowledge"]);
  const fields = s.dimensions.varying.filter((f) => !own.has(f));
  const rows = s.chain_reduction;
  const variants = new Set(rows.map((r) => variantLabel(r.variant))).size > 1;
  const knowledge =
    new Set(rows.map((r) => r.client_knowledge)).size > 1 || rows[0].client_knowledge !== "none";
  const ttlb = !s.handshake_only;
  const sources = new Set(rows.flatMap((r) => (r.window ? [r.window.mss_source] : [])));
  const mssWords = [
    ...(sources.has("mtu") ? ["MSS = the rows' MTU − 52 (IPv4 and TCP headers with timestamps)"] : []),
    ...(sources.has("default") ? ["MSS = 1448 (the default: these rows carry no MTU)"] : []),
  ].join("; ");
  const models = [...new Set(rows.map((r) => r.mechanism).filter((m) => m.endsWith("-model")))].join(", ");
  const out = [
    "## Chain-size trimming\n",
    `Each chain-size trimming mechanism against no reduction under otherwise equal conditions and response size: with the same client knowledge where the run measured no reduction with it, else with a client that holds nothing (marked; what a client holds does not change a connection without reduction). Server → client: median TCP payload bytes up to handshake completion (all sizes pooled, as in Handshake bytes); saved = without − with. Handshake and TTLB: p50 change and Δ ms with 95 % bootstrap intervals, computed as in the Summary. The server's flight is set against initcwnd × MSS, what it may send before the client's first ACK returns${mssWords ? ` (${mssWords})` : ""}; a flight over it waits a round trip.${models ? ` ${models} ${models.includes(",") ? "are size models" : "is a size model"}: the server's certificate message has the size the draft defines, carried by today's handshake; flow changes are not modelled.` : ""}\n`,
  ];
  const header = [
    ...(variants ? ["variant"] : []),
    ...fields.map((f) => FIELD_TITLES[f]),
    "size",
    "mechanism",
    ...(knowledge ? ["client knowledge"] : []),
    "server → client (B) none → with",
    "saved (B)",
    "handshake p50 change [95 % CI]",
    "handshake p50 Δ (ms) [95 % CI]",
    ...(ttlb ? ["TTLB p50 change [95 % CI]", "TTLB p50 Δ (ms) [95 % CI]"] : []),
    "initcwnd × MSS",
    "flight vs initcwnd × MSS",
    "n none / with",
  ];
  const bytesText = (x: number | null) => (x === null ? "–" : x.toLocaleString("en-US"));
  const body = rows.map((r) => [
    ...(variants ? [variantLabel(r.variant)] : []),
    ...conditionCells(r.condition, fields),
    formatBytes(r.bytes),
    r.mechanism,
    ...(knowledge
      ? [
          r.client_knowledge === r.baseline_client_knowledge
            ? r.client_knowledge
            : `${r.client_knowledge} (vs none with knowledge ${r.baseline_client_knowledge})`,
        ]
      : []),
    `${bytesText(r.s2c_none)} → ${bytesText(r.s2c_mechanism)}`,
    r.saved_bytes === null ? "–" : r.saved_bytes.toLocaleString("en-US"),
    fmtIncrease(r.handshake_p50 ?? undefined),
    fmtDelta(r.handshake_p50 ?? undefined),
    ...(ttlb ? [fmtIncrease(r.ttlb_p50 ?? undefined), fmtDelta(r.ttlb_p50 ?? undefined)] : []),
    fmtBudget(r),
    r.window ? windowVerdict(r.window) : "–",
    `${r.n_none} / ${r.n_mechanism}`,
  ]);
  out.push(table(header, body));
  // One line per condition and mechanism where the flight crosses the window (bytes do not depend on size).
  const crossings = new Map<string, string>();
  for (const r of rows) {
    const w = r.window;
    if (!w || (!w.baseline_over && !w.mechanism_over)) continue;
    const where = [
      ...(variants ? [variantLabel(r.variant)] : []),
      ...fields.map((f) => describeField(f, r.condition[f])),
    ].join(", ");
    const mech = `${r.mechanism}${knowledge ? ` (client knowledge ${r.client_knowledge})` : ""}`;
    const line = w.baseline_over
      ? `- ${where ? `${where}: ` : ""}without reduction the server's flight (${bytesText(r.s2c_none)} B) is over ${fmtBudget(r)}; ${mech} ${w.mechanism_over ? `does not bring it under (${bytesText(r.s2c_mechanism)} B)` : `brings it under (${bytesText(r.s2c_mechanism)} B)`}.`
      : `- ${where ? `${where}: ` : ""}${mech} pushes the server's flight over ${fmtBudget(r)} (${bytesText(r.s2c_none)} → ${bytesText(r.s2c_mechanism)} B).`;
    crossings.set(line, line);
  }
  if (crossings.size > 0)
    out.push(`Where the server's flight crosses initcwnd × MSS:\n\n${[...crossings.values()].join("\n")}\n`);
  return out.join("\n");
}

function describePairs(s: ReportSummary): string {
  const pairs = [
    ...new Set(
      s.comparisons.map(
        (c) => `**${variantLabel(c.variant.variant)}** over **${variantLabel(c.baseline.variant)}**`,
      ),
    ),
  ];
  return pairs.join("; ");
}

function increaseTable(
  s: ReportSummary,
  rows: { pair: string; condition: Condition; bytes: number; increase: IncreaseByPercentile }[],
): string {
  const fields = comparisonFields(s);
  const pairs = pairColumn(s);
  const header = [
    ...(pairs ? ["comparison"] : []),
    ...fields.map((f) => FIELD_TITLES[f]),
    "size",
    ...PERCENTILE_NAMES.map((p) => `${p} increase, Δ [95 % CI]`),
    "n base / var",
  ];
  return table(
    header,
    rows.map((r) => [
      ...(pairs ? [r.pair] : []),
      ...conditionCells(r.condition, fields),
      formatBytes(r.bytes),
      ...PERCENTILE_NAMES.map((p) => fmtBoth(r.increase[p])),
      `${r.increase.p50.n_baseline} / ${r.increase.p50.n_variant}`,
    ]),
  );
}

function figureSections(s: ReportSummary, charts: ChartLinks): string {
  const out: string[] = [];
  const pooled = s.figures.handshake_pooled;
  if (pooled.length > 0) {
    out.push("## Handshake time increase pooled over each rate (the study's figure 1)\n");
    out.push(
      "Each side's handshake times of every condition at one rate pooled (RTT and loss varying; each condition's smallest response size), one bar per variant at each percentile; whiskers: 95 % CI from a bootstrap that resamples within each condition (see Method).\n",
    );
    for (const c of charts.pooled ?? []) out.push(`![Handshake time increase, ${c.label}](${c.file})\n`);
    out.push(
      table(
        [
          "pooled over",
          "comparison",
          "conditions",
          ...PERCENTILE_NAMES.map((p) => `${p} increase, Δ [95 % CI]`),
          "n base / var",
        ],
        pooled.map((r) => [
          r.label,
          r.pair,
          String(r.conditions),
          ...PERCENTILE_NAMES.map((p) => fmtBoth(r.increase[p])),
          `${r.increase.p50.n_baseline} / ${r.increase.p50.n_variant}`,
        ]),
      ),
    );
    out.push("");
  }
  const hs = s.figures.handshake_increase;
  out.push("## Handshake time increase per link condition\n");
  if (hs.length === 0) out.push("No handshake comparisons.\n");
  else {
    out.push(
      "Handshake times from each condition's smallest response size. Bars: % increase at p50/p75/p90; whiskers: 95 % CI.\n",
    );
    if (charts.handshake) out.push(`![Handshake time increase per link condition](${charts.handshake})\n`);
    out.push(increaseTable(s, hs));
  }
  const tl = s.figures.ttlb_increase;
  if (s.handshake_only) {
    out.push(
      "\nThis run measured handshakes only (every response size is 0 B: no request was sent), so it has no time-to-last-byte figures; the distributions below are of the handshake time.\n",
    );
  } else {
    out.push("\n## TTLB increase versus response size\n");
  }
  if (s.handshake_only) {
    // Nothing: the sentence above says why.
  } else if (tl.length === 0) out.push("No TTLB comparisons over two or more response sizes.\n");
  else {
    out.push(
      "One figure per link condition. Lines: % increase of time to last byte at p50/p75/p90 per response size (sizes evenly spaced); markers set slightly apart; whiskers: 95 % CI.\n",
    );
    for (const c of charts.ttlb ?? [])
      out.push(`![TTLB increase versus response size, ${c.label}](${c.file})\n`);
    out.push(
      increaseTable(
        s,
        tl.flatMap((series) =>
          series.points.map((p) => ({
            pair: series.pair,
            condition: series.condition,
            bytes: p.bytes,
            increase: p.increase,
          })),
        ),
      ),
    );
  }
  out.push(sweepSection(s, charts));
  const cdf = s.figures.cdf;
  const metric = s.handshake_only ? "handshake_ms" : "ttlb_ms";
  const what = s.handshake_only ? "Handshake time" : "TTLB";
  out.push(`\n## ${what} distributions (CDFs)\n`);
  if (cdf.length === 0) out.push(`No ${what} samples.\n`);
  else {
    out.push(
      "One figure per response size, the link conditions side by side; the baseline in grey, n per variant over each panel.\n",
    );
    for (const c of charts.cdf ?? []) out.push(`![${what} CDF, ${c.label}](${c.file})\n`);
    if (charts.cdfOverlay)
      out.push(
        `Every link condition on one plot at ${charts.cdfOverlay.label}, as the study's figure 6 draws it (colour: link condition; line style: variant, the baseline solid; log time axis):\n`,
        `![${what} CDF, ${charts.cdfOverlay.label}, all link conditions](${charts.cdfOverlay.file})\n`,
      );
    const byCell = new Map(s.cells.map((c) => [c.cell, c]));
    const fields = s.dimensions.varying;
    const rows: string[][] = [];
    for (const cell of s.cells) {
      const st = cell.metrics[metric];
      if (!st || !cdf.some((x) => x.variant_label === variantLabel(cell.variant) && x.bytes === cell.bytes))
        continue;
      rows.push([
        ...conditionCells(cell.condition, fields),
        formatBytes(cell.bytes),
        variantLabel(cell.variant),
        String(st.n),
        String(byCell.get(cell.cell)?.failures ?? 0),
        ...PERCENTILE_NAMES.map(
          (p) => `${fmtMs(st.percentiles[p])}${st.flags[p].length > 0 ? ` ${WARN}` : ""}`,
        ),
        fmtMs(st.max),
      ]);
    }
    out.push(
      table(
        [
          ...fields.map((f) => FIELD_TITLES[f]),
          "size",
          "variant",
          "n",
          "failures",
          ...PERCENTILE_NAMES.map((p) => `${p} (ms)`),
          "max (ms)",
        ],
        rows,
      ),
    );
  }
  return out.join("\n");
}

function fmtStudyNumber(x: number, unit: "%" | "ms"): string {
  if (!Number.isFinite(x)) return "–";
  return unit === "%" ? x.toFixed(1) : Math.round(x).toLocaleString("en-US");
}

function fmtOurs(r: BesideStudyRow): string {
  const ci = Number.isFinite(r.ci.low)
    ? ` [${fmtStudyNumber(r.ci.low, r.unit)}, ${fmtStudyNumber(r.ci.high, r.unit)}]`
    : "";
  const value = r.unit === "%" ? fmtPct(r.ours) : `${fmtStudyNumber(r.ours, "ms")} ms`;
  return `${value}${ci}${r.flagged ? ` ${WARN}` : ""}`;
}

function fmtDifference(r: BesideStudyRow): string {
  if (!Number.isFinite(r.difference)) return "–";
  const sign = r.difference > 0 ? "+" : r.difference < 0 ? "−" : "±";
  const abs = fmtStudyNumber(Math.abs(r.difference), r.unit);
  return `${sign}${abs} ${r.unit === "%" ? "points" : "ms"}`;
}

/** The study's published numbers beside ours, the claims the run lacks in one line. */
function besideStudySection(s: ReportSummary): string {
  const b = s.beside_study;
  const out = ["## Beside the study\n"];
  if (b.study_variant === null) {
    out.push(`No compared variant to set beside the study's numbers (${b.study_variant_reason}).\n`);
    return out.join("\n");
  }
  out.push(
    `The study's published numbers whose condition this run measured, beside ours. The study's PQ is **${b.study_variant}** here (${b.study_variant_reason}; \`pqtls report --study-variant\` picks another); its classical side is the baseline (\`${b.baseline}\`). Ours: the report's own numbers with their 95 % interval (increases: as in the Summary; figure 1: the pooled figure above; absolute times: the cell's percentile with a bootstrap interval). Difference: ours − the study's value (for a bound or band: − its nearest end). Verdict: a value (\`~\`: read off the study's figure) is *inside* or *outside* our interval; a bound \`< B\` is *met* when our whole interval is below B, *not met* when it is wholly at or above, *undecided* when it straddles B; a band is *inside* when our interval overlaps it.\n`,
  );
  if (b.rows.length > 0)
    out.push(
      table(
        [
          "study",
          "claim",
          "ours at",
          "percentile",
          "study's value",
          "ours [95 % CI]",
          "difference",
          "verdict",
        ],
        b.rows.map((r) => [
          r.source,
          r.words,
          r.where,
          r.percentile,
          r.study_text,
          fmtOurs(r),
          fmtDifference(r),
          r.verdict,
        ]),
      ),
    );
  else out.push("None of the study's conditions was measured in this run.\n");
  if (b.not_measured.length > 0)
    out.push(
      `\nNot measured in this run: ${b.not_measured.map((m) => `${m.source} (${m.words})`).join("; ")}.\n`,
    );
  return out.join("\n");
}

function where(c: Condition, bytes: number, fields: readonly ConditionField[]): string {
  const parts = fields.map((f) => describeField(f, c[f]));
  parts.push(formatBytes(bytes));
  return parts.join(", ");
}

function notesSection(s: ReportSummary): string {
  const fields = s.dimensions.varying;
  const notes: string[] = [...s.notes];
  for (const r of s.link_check) {
    const note = linkCheckNote(r, s.link_check);
    if (note) notes.push(note);
  }
  for (const cell of s.cells) {
    if (cell.failures === 0) continue;
    const errors = Object.entries(cell.errors)
      .sort((a, b) => b[1] - a[1])
      .map(([e, n]) => `${e} ×${n}`)
      .join("; ");
    notes.push(
      `${variantLabel(cell.variant)} at ${where(cell.condition, cell.bytes, fields)}: ${cell.failures} of ${cell.attempts} attempts failed (${errors})`,
    );
  }
  const pairs = pairColumn(s);
  for (const c of s.comparisons as Comparison[]) {
    const prefix = pairs ? `${variantLabel(c.variant.variant)} vs ${variantLabel(c.baseline.variant)}, ` : "";
    for (const m of METRICS) {
      const perP = c.metrics[m];
      if (!perP) continue;
      for (const p of PERCENTILE_NAMES as PercentileName[]) {
        if (perP[p].flags.length === 0) continue;
        notes.push(
          `${prefix}${METRIC_TITLES[m]} ${p} increase at ${where(c.condition, c.bytes, fields)}: ${perP[p].flags.join("; ")}`,
        );
      }
    }
  }
  for (const r of s.figures.handshake_pooled)
    for (const p of PERCENTILE_NAMES as PercentileName[])
      if (r.increase[p].flags.length > 0)
        notes.push(
          `${r.pair}, handshake ${p} increase pooled over ${r.label}: ${r.increase[p].flags.join("; ")}`,
        );
  const out = ["## Notes: numbers not to trust\n"];
  if (notes.length === 0)
    out.push("None: every cell has enough samples and no failures above the thresholds.\n");
  else {
    out.push(...notes.slice(0, MAX_NOTES).map((n) => `- ${n}`));
    if (notes.length > MAX_NOTES)
      out.push(`- … and ${notes.length - MAX_NOTES} more (all flags are in the JSON summary)`);
    out.push("");
  }
  if (s.warnings.length > 0) {
    out.push(`\n**${s.warnings.length} input lines were skipped** (--skip-bad):\n`);
    out.push(...s.warnings.slice(0, 20).map((w) => `- ${w}`));
    if (s.warnings.length > 20) out.push(`- … and ${s.warnings.length - 20} more`);
    out.push("");
  }
  return out.join("\n");
}

function cellSection(s: ReportSummary): string {
  const fields = s.dimensions.varying;
  const out = ["## Per-cell statistics\n"];
  for (const m of METRICS) {
    // A handshake-only run's TTFB/TTLB are its handshake times again.
    if (s.handshake_only && m !== "handshake_ms") continue;
    const rows = s.cells
      .filter((c) => c.metrics[m] || c.failures > 0)
      .map((c) => {
        const st = c.metrics[m];
        const p = (name: PercentileName) =>
          st ? `${fmtMs(st.percentiles[name])}${st.flags[name].length > 0 ? ` ${WARN}` : ""}` : "–";
        const ci =
          st && Number.isFinite(st.median_ci.low)
            ? ` [${fmtMs(st.median_ci.low)}, ${fmtMs(st.median_ci.high)}]`
            : "";
        return [
          variantLabel(c.variant),
          ...conditionCells(c.condition, fields),
          formatBytes(c.bytes),
          String(st?.n ?? 0),
          String(c.failures),
          fmtMs(st?.mean),
          fmtMs(st?.stdev),
          fmtMs(st?.min),
          `${p("p50")}${ci}`,
          p("p75"),
          p("p90"),
          p("p95"),
          p("p99"),
          fmtMs(st?.max),
        ];
      });
    if (rows.every((r) => r[fields.length + 2] === "0" && r[fields.length + 3] === "0")) continue;
    out.push(`### ${METRIC_TITLES[m]} (\`${m}\`, ms)\n`);
    out.push(
      table(
        [
          "variant",
          ...fields.map((f) => FIELD_TITLES[f]),
          "size",
          "n",
          "failures",
          "mean",
          "sd",
          "min",
          "p50 [95 % CI]",
          "p75",
          "p90",
          "p95",
          "p99",
          "max",
        ],
        rows,
      ),
    );
  }
  return out.join("\n");
}

export function renderMarkdown(s: ReportSummary, charts: ChartLinks = {}): string {
  const runs = [...new Set(s.meta.map((m) => m.run))].join(", ") || "rows";
  return [
    `# pqtls report: ${runs}\n`,
    `Generated by ${s.generator} from ${s.cells.reduce((n, c) => n + c.attempts, 0)} connections in ${s.cells.length} cells.\n`,
    ...(s.no_comparison ? [`> **No comparison in this report**: ${s.no_comparison}.\n`] : []),
    metaSection(s),
    shardsSection(s.meta, table),
    linkCheckSection(s),
    methodSection(s),
    summarySection(s),
    handshakeBytesSection(s),
    chainReductionSection(s),
    figureSections(s, charts),
    lossAnatomySection(s),
    besideStudySection(s),
    notesSection(s),
    cellSection(s),
  ].join("\n");
}
