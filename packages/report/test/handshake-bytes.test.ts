// The "Handshake bytes" table on synthetic rows: medians per condition and variant (response sizes
// pooled, failures left out), differences from the condition's baseline in bytes and %, the
// certificate message column, and how the markdown report and the JSON summary show it.

import { describe, expect, it } from "vitest";
import { CSV_COLUMNS, renderCsv } from "../src/csv.js";
import { handshakeBytesTable } from "../src/handshake-bytes.js";
import { renderMarkdown } from "../src/markdown.js";
import type { Row } from "../src/row.js";
import { summarizeRows } from "../src/summary.js";
import { parseSelector } from "../src/variant.js";
import { meta, rowsFor } from "./synth.js";

/** Rows of one cell whose byte counts are the given lists (one entry per successful sample). */
function cell(
  kex: string,
  chain: string,
  o: {
    c2s: number[];
    s2c: number[];
    cert?: number[];
    compression?: "brotli";
    bytes?: number;
    failures?: number;
  },
): Row[] {
  const rows = rowsFor({
    kex,
    chain,
    bytes: o.bytes ?? 0,
    cell: `${kex}/${chain}/${o.compression ?? "none"}/${o.bytes ?? 0}`,
    handshake: o.c2s.map((_, i) => 100 + i),
    failures: o.failures,
  });
  return rows.map((r, i) => ({
    ...r,
    ...(o.compression ? { cert_compression: o.compression } : {}),
    // A failed attempt has odd byte counts: the table must not count them.
    hs_bytes_c2s: r.ok ? o.c2s[i] : 1,
    hs_bytes_s2c: r.ok ? o.s2c[i] : 1,
    ...(o.cert && r.ok ? { cert_msg_bytes: o.cert[i] } : {}),
  }));
}

const BASELINE = parseSelector("kex=classical,chain=classical");

const rows: Row[] = [
  // Plain certificates. Classical: medians 1500 / 5000 over both sizes; PQ: 2700 / 13000.
  ...cell("x25519", "rsa2048", { c2s: [1500, 1490], s2c: [5000, 4990], cert: [984, 984] }),
  ...cell("x25519", "rsa2048", { c2s: [1510], s2c: [5010], cert: [984], bytes: 10240 }),
  ...cell("X25519MLKEM768", "mldsa65", {
    c2s: [2700, 2700, 2700],
    s2c: [13000, 12900, 13100],
    cert: [5713, 5713, 5713],
    failures: 2,
  }),
  // brotli: the classical chain shrinks by 91 B, the PQ one by 50 B; ClientHellos grow by 7 B.
  ...cell("x25519", "rsa2048", { c2s: [1507], s2c: [4909], cert: [893], compression: "brotli" }),
  ...cell("X25519MLKEM768", "mldsa65", { c2s: [2707], s2c: [12950], cert: [5663], compression: "brotli" }),
];

describe("handshake bytes table", () => {
  it("gives medians per condition and variant, baseline first, with differences in bytes and %", () => {
    const t = handshakeBytesTable(rows, BASELINE);
    expect(
      t.map((r) => [
        r.condition.cert_compression,
        r.variant.kex,
        r.is_baseline,
        r.n,
        r.c2s.median,
        r.s2c.median,
      ]),
    ).toEqual([
      [null, "x25519", true, 3, 1500, 5000],
      [null, "X25519MLKEM768", false, 3, 2700, 13000],
      ["brotli", "x25519", true, 1, 1507, 4909],
      ["brotli", "X25519MLKEM768", false, 1, 2707, 12950],
    ]);
    const [base, pq, , pqBrotli] = t;
    expect(base.c2s.vs_baseline_bytes).toBe(0);
    expect(pq.baseline).toEqual({ kex: "x25519", chain: "rsa2048" });
    expect(pq.c2s.vs_baseline_bytes).toBe(1200);
    expect(pq.c2s.vs_baseline_pct).toBeCloseTo(80, 10);
    expect(pq.s2c.vs_baseline_bytes).toBe(8000);
    expect(pq.s2c.vs_baseline_pct).toBeCloseTo(160, 10);
    // Under brotli the comparison is against brotli's classical cell, not the plain one.
    expect(pqBrotli.s2c.vs_baseline_bytes).toBe(12950 - 4909);
    expect(t.map((r) => r.cert_msg_median)).toEqual([984, 5713, 893, 5663]);
  });

  it("leaves differences out where a condition has no baseline variant, and the certificate column out when unmeasured", () => {
    const pqOnly = cell("X25519MLKEM768", "mldsa65", { c2s: [2700], s2c: [13000] });
    const [only] = handshakeBytesTable(pqOnly, BASELINE);
    expect(only).toMatchObject({ baseline: null, is_baseline: false, cert_msg_median: null });
    expect(only.s2c).toEqual({ median: 13000, vs_baseline_bytes: null, vs_baseline_pct: null });
    // Two classical variants in one condition: which is the baseline is not guessed.
    const twoClassical = [
      ...cell("x25519", "rsa2048", { c2s: [267], s2c: [1449] }),
      ...cell("x25519", "ed25519", { c2s: [267], s2c: [989] }),
    ];
    expect(
      handshakeBytesTable(twoClassical, BASELINE).map((r) => [r.baseline, r.s2c.vs_baseline_bytes]),
    ).toEqual([
      [null, null],
      [null, null],
    ]);
    const md = renderMarkdown(summarizeRows(pqOnly, [meta()]));
    const section = md.slice(md.indexOf("## Handshake bytes"), md.indexOf("## Handshake time increase"));
    expect(section).not.toMatch(/certificate msg/);
    expect(section).toMatch(/\| X25519MLKEM768 \+ mldsa65 \| 1 \| 2,700 \| – \| 13,000 \| – \|/);
  });

  it("is in the JSON summary and the markdown report, with the compression condition as a column", () => {
    const s = summarizeRows(rows, [meta()]);
    expect(s.handshake_bytes).toEqual(handshakeBytesTable(rows, BASELINE));
    expect(JSON.parse(JSON.stringify(s)).handshake_bytes).toHaveLength(4);
    const md = renderMarkdown(s);
    const section = md.slice(md.indexOf("## Handshake bytes"), md.indexOf("## Handshake time increase"));
    expect(section).toMatch(/\| variant \| cert\. compression \| n \| client → server \(B\) \|/);
    expect(section).toMatch(
      /\| x25519 \+ rsa2048 \(baseline\) \| none \| 3 \| 1,500 \| – \| 5,000 \| – \| 984 \|/,
    );
    expect(section).toMatch(
      /\| X25519MLKEM768 \+ mldsa65 \| none \| 3 \| 2,700 \| \+1,200 B \(\+80\.0 %\) \| 13,000 \| \+8,000 B \(\+160\.0 %\) \| 5,713 \|/,
    );
    expect(section).toMatch(/\| x25519 \+ rsa2048 \(baseline\) \| brotli \| 1 \| 1,507 \|/);
    // CSV: table=handshake_bytes lines, one number each.
    const csv = renderCsv(s)
      .trim()
      .split("\n")
      .map((l) => l.split(","));
    const col = (name: (typeof CSV_COLUMNS)[number]) => CSV_COLUMNS.indexOf(name);
    const hb = csv.filter((l) => l[col("table")] === "handshake_bytes");
    const pick = (kex: string, compression: string, metric: string, statistic: string) =>
      hb.find(
        (l) =>
          l[col("kex")] === kex &&
          l[col("cert_compression")] === compression &&
          l[col("metric")] === metric &&
          l[col("statistic")] === statistic,
      )?.[col("value")];
    expect(pick("X25519MLKEM768", "", "hs_bytes_s2c", "p50")).toBe("13000");
    expect(pick("X25519MLKEM768", "", "hs_bytes_s2c", "vs_baseline_bytes")).toBe("8000");
    expect(pick("X25519MLKEM768", "brotli", "cert_msg_bytes", "p50")).toBe("5663");
    expect(hb).toHaveLength(4 * 7);
    // The compression condition also names the comparisons elsewhere in the report.
    expect(md).toMatch(/cert\. compression brotli/);
  });
});
