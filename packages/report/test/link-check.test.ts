// The link check on synthetic rows: grouping by link parameters (variants and sizes pooled), type-7
// percentiles of the TCP connect times, the ok/check rule on both edges with and without jitter,
// failed rows and rows without a connect time left out, rows of `link: none` runs not judged, and how
// the markdown report (its own section and a Notes line) and the JSON summary show it.

import { describe, expect, it } from "vitest";
import { judgeConnectTimes, type LinkCheckRow, linkCheck, linkCheckBounds } from "../src/link-check.js";
import { renderMarkdown } from "../src/markdown.js";
import type { Row } from "../src/row.js";
import { summarizeRows } from "../src/summary.js";
import { meta, mulberry32, rowsFor } from "./synth.js";

/** Standard normal quantile by bisection on erf (Abramowitz & Stegun 7.1.26): the test's own. */
function probit(p: number): number {
  const erf = (x: number) => {
    const t = 1 / (1 + 0.3275911 * Math.abs(x));
    const y =
      1 -
      ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) *
        t *
        Math.exp(-x * x);
    return x >= 0 ? y : -y;
  };
  let lo = -8;
  let hi = 8;
  for (let i = 0; i < 60; i++) {
    const m = (lo + hi) / 2;
    if (0.5 * (1 + erf(m / Math.SQRT2)) < p) lo = m;
    else hi = m;
  }
  return lo;
}

/** iproute2's pareto: shape 3 from U, shifted to mean 0 and scaled by 4/3 (σ units), capped at 4σ. */
function paretoUnit(u: number): number {
  return Math.min((4 / 3) * (u ** (-1 / 3) - 1.5), 32767 / 8192);
}

function paretoDelay(mu: number, sigma: number, r: () => number): number {
  return Math.max(0, mu + sigma * paretoUnit(1 - r()));
}

/** One direction's delay of a 35 ms RTT link with 8.75 ms jitter, drawn as netem does. */
function jitterDelay(dist: "uniform" | "pareto" | "paretonormal", r: () => number): number {
  const mu = 17.5;
  const sigma = 8.75;
  const u = r();
  if (dist === "uniform") return mu - sigma + 2 * sigma * u;
  if (dist === "pareto") return paretoDelay(mu, sigma, () => u);
  // paretonormal: the normal and pareto quantiles of the same rank, 1/4 and 3/4 (iproute2's paretonormal.c).
  return Math.max(0, mu + (sigma * (probit(u) + 3 * paretoUnit(1 - u))) / 4);
}

/** Rows of one cell at `rtt_ms` whose successful samples have these TCP connect times. */
function cell(
  tcp: (number | null)[],
  o: {
    rtt_ms?: number;
    jitter_ms?: number;
    kex?: string;
    bytes?: number;
    failures?: number;
    run?: string;
  } = {},
): Row[] {
  const kex = o.kex ?? "x25519";
  return rowsFor(
    {
      cell: `${kex}/${o.rtt_ms ?? 35}/${o.jitter_ms ?? 0}/${o.bytes ?? 0}`,
      kex,
      chain: "rsa2048",
      rtt_ms: o.rtt_ms,
      jitter_ms: o.jitter_ms,
      bytes: o.bytes,
      tcp_connect: tcp,
      handshake: tcp.map((_, i) => 100 + i),
      failures: o.failures,
    },
    o.run,
  );
}

/** The one link check row of rows that share a link condition. */
function only(rows: Row[], metas = [meta()]): LinkCheckRow {
  const out = linkCheck(rows, metas);
  expect(out).toHaveLength(1);
  return out[0];
}

describe("link check: grouping and percentiles", () => {
  it("pools every variant and size of a link condition and splits different links", () => {
    const rows = [
      ...cell([200.4, 200.6], { rtt_ms: 200 }),
      ...cell([35.2, 35.4, 35.6], { rtt_ms: 35, kex: "X25519MLKEM768" }),
      ...cell([200.5], { rtt_ms: 200, kex: "X25519MLKEM768", bytes: 51200 }),
      ...cell([35.3], { rtt_ms: 35, bytes: 51200 }),
      // Same RTT, other rate: its own condition.
      ...cell([35.9], { rtt_ms: 35 }).map((r) => ({ ...r, cell: "slow", rate_mbps: 1 })),
      // Same numbers, Gilbert-Elliott loss: its own condition too.
      ...cell([36.5], { rtt_ms: 35 }).map((r) => ({
        ...r,
        cell: "ge",
        loss_model: "gemodel 1% 10% 100% 0%",
      })),
      // And another jitter distribution.
      ...cell([35.1], { rtt_ms: 35 }).map((r) => ({ ...r, cell: "pareto", jitter_dist: "pareto" })),
    ];
    const out = linkCheck(rows, [meta()]);
    expect(
      out.map((r) => [
        r.link.rtt_ms,
        r.link.jitter_dist,
        r.link.rate_mbps,
        r.link.loss_model,
        r.n,
        r.attempts,
        r.status,
      ]),
    ).toEqual([
      [35, null, 1, null, 1, 1, "ok"],
      [35, null, 1000, null, 4, 4, "ok"],
      [35, null, 1000, "gemodel 1% 10% 100% 0%", 1, 1, "ok"],
      [35, "pareto", 1000, null, 1, 1, "ok"],
      [200, null, 1000, null, 3, 3, "ok"],
    ]);
    const pooled = out[1];
    expect(pooled.p50).toBeCloseTo(35.35, 10); // 35.2 35.3 35.4 35.6: mean of the middle two
    expect(pooled.link).toMatchObject({ jitter_ms: 0, loss_pct: 0, initcwnd: 10, mtu: 1500, cc: "cubic" });
    expect(pooled.link_backend).toBe("netem");
    expect(pooled.runs).toEqual(["run-1"]);
  });

  it("gives type-7 p10/p50/p90 of the connect times, in any input order", () => {
    // Sorted 10 20 30 40 50: h = 4p, so p10 = 10 + 0.4 * 10, p50 = 30, p90 = 40 + 0.6 * 10.
    const r = only(cell([40, 10, 50, 30, 20], { rtt_ms: 30 }));
    expect(r.n).toBe(5);
    expect(r.p10).toBeCloseTo(14, 10);
    expect(r.p50).toBe(30);
    expect(r.p90).toBeCloseTo(46, 10);
    // An even count: the median is the mean of the middle two (not the upper one).
    const even = judgeConnectTimes(35, 0, [34, 36, 35, 100]);
    expect(even.p50).toBe(35.5);
    expect(even.p10).toBeCloseTo(34.3, 10);
    expect(even.p90).toBeCloseTo(80.8, 10);
  });
});

describe("link check: the rule", () => {
  it("has the runner's bounds without jitter: [RTT − 0.5, 1.1 RTT + 2]", () => {
    expect(linkCheckBounds(200, 0).low_ms).toBe(199.5);
    expect(linkCheckBounds(200, 0).high_ms).toBeCloseTo(222, 10);
    expect(linkCheckBounds(200, 0, "uniform", 5)).toMatchObject({ p10_ms: 200, p50_ms: 200, p90_ms: 200 });
  });

  it("expects a jittered round trip's own quantiles: two draws, one per direction", () => {
    // Uniform jitter σ each way: the sum of two U(−σ, σ) is triangular on [−2σ, 2σ].
    const u = linkCheckBounds(35, 5, "uniform");
    expect(u.p50_ms).toBeCloseTo(35, 2);
    expect(u.p10_ms).toBeCloseTo(35 - 10 + 10 * Math.sqrt(0.2), 2);
    expect(u.p90_ms).toBeCloseTo(35 + 10 - 10 * Math.sqrt(0.2), 2);
    // Normal jitter σ each way: N(RTT, 2σ²), p10/p90 at ∓1.2816 × √2 σ (the table stops at ±4σ).
    const n = linkCheckBounds(35, 5, "normal");
    expect(n.p50_ms).toBeCloseTo(35, 1);
    expect(n.p10_ms).toBeCloseTo(35 - 1.2816 * Math.SQRT2 * 5, 1);
    expect(n.p90_ms).toBeCloseTo(35 + 1.2816 * Math.SQRT2 * 5, 1);
    // Pareto (shape 3, zero mean, as iproute2's table): skewed, its median below the RTT.
    const r = mulberry32(5);
    const draws = Array.from(
      { length: 200_000 },
      () => paretoDelay(17.5, 5, r) + paretoDelay(17.5, 5, r),
    ).sort((a, b) => a - b);
    const p = linkCheckBounds(35, 5, "pareto");
    expect(p.p50_ms).toBeCloseTo(draws[100_000], 1);
    expect(p.p10_ms).toBeCloseTo(draws[20_000], 1);
    expect(p.p90_ms).toBeCloseTo(draws[180_000], 1);
    expect(p.p50_ms).toBeLessThan(34);
  });

  it.each(["paretonormal", "pareto", "uniform"] as const)(
    "a %s-jittered link 8 ms slower than configured is a check; one that delivers is ok",
    (dist) => {
      // 1000 connects through the configured link (two draws + 0.5 ms of processing), then the same + 8 ms.
      const r = mulberry32(11);
      const on = Array.from({ length: 1000 }, () => 0.5 + jitterDelay(dist, r) + jitterDelay(dist, r));
      const rows = (times: number[]) =>
        cell(times, { rtt_ms: 35, jitter_ms: 8.75 }).map((row) => ({ ...row, jitter_dist: dist }));
      expect(only(rows(on)).status).toBe("ok");
      const off = only(rows(on.map((t) => t + 8)));
      expect(off.status).toBe("check");
      // The old fixed slack (RTT ± 4 × jitter: 0–75.5 ms) could not see this.
      expect(off.expected.high_ms).toBeLessThan(off.p50!);
      expect(judgeConnectTimes(35, 8.75, on, dist).status).toBe("ok");
    },
  );
  it.each([
    [199.5, "ok"], // the lower edge itself
    [199.4, "check"], // just below it
    [222, "ok"], // the upper edge
    [222.1, "check"], // just above it
    [201.9, "ok"],
    [2.1, "check"], // no delay at all: the link was not shaped
  ] as const)("RTT 200 ms, no jitter, median %s ms: %s", (median, status) => {
    // Three values around the median, so the median (not one outlier) decides.
    expect(only(cell([median - 50, median, median + 500], { rtt_ms: 200 })).status).toBe(status);
  });

  it("the band for the median narrows with n and is p10–p90 at most", () => {
    const few = linkCheckBounds(200, 5, "normal", 4);
    expect(few.low_ms).toBeCloseTo(few.p10_ms - 0.5, 6);
    expect(few.high_ms).toBeCloseTo(few.p90_ms + 22, 6);
    const many = linkCheckBounds(200, 5, "normal", 10_000);
    expect(many.low_ms).toBeGreaterThan(few.low_ms + 5);
    expect(many.high_ms).toBeLessThan(few.high_ms - 5);
    // Jitter widens the range both ways against the same link without it.
    const none = linkCheckBounds(200, 0, "uniform", 4);
    expect(few.low_ms).toBeLessThan(none.low_ms - 5);
    expect(few.high_ms).toBeGreaterThan(none.high_ms + 5);
  });

  it("leaves out failed rows and rows without a TCP connect time", () => {
    const rows = cell([200.5, null, 200.7, null, 200.6], { rtt_ms: 200, failures: 4 }).map((r) =>
      // Failed attempts that did connect, fast: counted, they would pull the median to 5 ms.
      r.ok ? r : { ...r, tcp_connect_ms: 5 },
    );
    const r = only(rows);
    expect(r.attempts).toBe(9);
    expect(r.n).toBe(3);
    expect(r.p50).toBe(200.6);
    expect(r.status).toBe("ok");
    // Nothing left to judge: no data, neither ok nor check.
    const none = only(cell([null, null], { rtt_ms: 200, failures: 2 }));
    expect([none.n, none.p50, none.status]).toEqual([0, null, "no data"]);
  });
});

describe("link check: runs without emulation", () => {
  it("does not judge rows of a link: none run, but still shows their times", () => {
    const r = only(cell([0.05, 0.06, 0.07], { rtt_ms: 200 }), [meta({ link_backend: "none" })]);
    expect(r.status).toBe("not emulated");
    expect(r.link_backend).toBe("none");
    expect(r.p50).toBe(0.06);
    // The same rows from an emulated run fail the check.
    expect(only(cell([0.05, 0.06, 0.07], { rtt_ms: 200 }), [meta({ link_backend: "tun" })]).status).toBe(
      "check",
    );
  });

  it("keeps runs of different backends apart, and judges rows whose run has no meta line", () => {
    const rows = [
      ...cell([0.1, 0.1], { rtt_ms: 35, run: "loopback" }),
      ...cell([35.4, 35.5], { rtt_ms: 35, run: "shaped" }),
    ];
    const out = linkCheck(rows, [meta({ run: "loopback", link_backend: "none" }), meta({ run: "shaped" })]);
    expect(out.map((r) => [r.link_backend, r.runs, r.n, r.status])).toEqual([
      ["netem", ["shaped"], 2, "ok"],
      ["none", ["loopback"], 2, "not emulated"],
    ]);
    expect(linkCheck(rows).map((r) => [r.link_backend, r.n, r.status])).toEqual([[null, 4, "check"]]);
  });
});

/** The markdown between a heading and the next one. */
function section(md: string, heading: string): string {
  const start = md.indexOf(`\n${heading}\n`);
  expect(start).toBeGreaterThan(-1);
  const end = md.indexOf("\n## ", start + heading.length + 2);
  return md.slice(start, end < 0 ? undefined : end);
}

describe("link check in the report", () => {
  const rows = [
    ...cell([35.2, 35.6, 35.4], { rtt_ms: 35 }),
    ...cell([35.6, 35.8, 35.4], { rtt_ms: 35, kex: "X25519MLKEM768" }),
    ...cell([2.0, 2.2, 2.1], { rtt_ms: 200 }),
    ...cell([2.1, 2.3, 2.0], { rtt_ms: 200, kex: "X25519MLKEM768" }),
  ];

  it("has a Link check section after What was run, one table row per link condition", () => {
    const md = renderMarkdown(summarizeRows(rows, [meta()]));
    expect(md.indexOf("## What was run")).toBeLessThan(md.indexOf("## Link check"));
    expect(md.indexOf("## Link check")).toBeLessThan(md.indexOf("## Method"));
    const s = section(md, "## Link check");
    expect(s).toMatch(
      /\| RTT \(ms\) \| jitter \(ms\) \| rate \(Mbit\/s\) \| loss \(%\) \| n \| TCP connect p10 \(ms\) \| p50 \(ms\) \| p90 \(ms\) \| expected p50 \(ms\) \| status \|/,
    );
    expect(s).toContain("| 35 | 0 | 1000 | 0 | 6 | 35.3 | 35.5 | 35.7 | 34.5–40.5 | ok |");
    expect(s).toContain("| 200 | 0 | 1000 | 0 | 6 | 2.00 | 2.10 | 2.25 | 199.5–222.0 | ⚠ check |");
  });

  it("adds a Notes line for a condition that fails the check, and none for one that passes", () => {
    const notes = section(renderMarkdown(summarizeRows(rows, [meta()])), "## Notes: numbers not to trust");
    expect(notes).toContain(
      "- Link check at RTT 200 ms, jitter 0 ms, 1000 Mbit/s, loss 0 %: median TCP connect 2.10 ms is outside the 199.5–222.0 ms expected for the configured RTT (n=6)",
    );
    expect(notes).not.toContain("Link check at RTT 35 ms");
    const passing = rows.filter((r) => r.rtt_ms === 35);
    const md = renderMarkdown(summarizeRows(passing, [meta()]));
    expect(section(md, "## Notes: numbers not to trust")).not.toContain("Link check");
  });

  it("marks a link: none run not emulated, with no Notes line", () => {
    const md = renderMarkdown(summarizeRows(rows, [meta({ link_backend: "none" })]));
    expect(section(md, "## Link check")).toContain(
      "| 200 | 0 | 1000 | 0 | 6 | 2.00 | 2.10 | 2.25 | – | not emulated |",
    );
    expect(md).not.toContain("Link check at");
    expect(section(md, "## Link check")).toContain("had no link emulation");
  });

  it("is in the JSON summary with the rule", () => {
    const s = summarizeRows(rows, [meta()]);
    expect(s.method.link_check).toMatch(/q\(0\.5 \+ w\) \+ 0\.1 × RTT \+ 2/);
    const json = JSON.parse(JSON.stringify(s)) as typeof s;
    expect(json.link_check).toEqual(linkCheck(rows, [meta()]));
    expect(json.link_check.map((r) => [r.link.rtt_ms, r.n, r.status])).toEqual([
      [35, 6, "ok"],
      [200, 6, "check"],
    ]);
    expect(json.link_check[0].p50).toBeCloseTo(35.5, 10);
    expect(json.link_check[1].p90).toBeCloseTo(2.25, 10);
    expect(json.link_check[1].expected).toEqual(linkCheckBounds(200, 0, "uniform", 6));
    expect(json.link_check[1].expected).toMatchObject({
      low_ms: 199.5,
      high_ms: linkCheckBounds(200, 0).high_ms,
    });
  });
});
