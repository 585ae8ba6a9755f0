// The connect time a jittered link should give: TCP's handshake is one packet each way, and each
// direction draws its own delay the way netem does (mu + sigma · t / 8192, t an entry of iproute2's
// normal / pareto / paretonormal table picked uniformly, or uniform in [mu − sigma, mu + sigma)
// without a table; negative delays send at once). The expected connect time is the sum of two such
// draws, so its median and p10–p90 follow from the table's distribution, not from a fixed slack.
//
// The tables are rebuilt here from their definition (iproute2's normal.c, pareto.c, paretonormal.c:
// 4096 entries at evenly spaced quantiles, one sigma = 8192) so the report needs neither iproute2
// nor the harness; the harness's own copy (net/tables.ts) is checked against iproute2's files.

export type JitterDistName = "uniform" | "normal" | "pareto" | "paretonormal";
export const JITTER_DIST_NAMES: readonly JitterDistName[] = ["uniform", "normal", "pareto", "paretonormal"];

const ENTRIES = 4096;
const QUANTILE_STEPS = 16384;

/** Standard normal quantile (Acklam's rational approximation, relative error < 1.2e-9). */
function normalQuantile(p: number): number {
  const a = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716,
    2.506628277459239,
  ];
  const b = [
    -54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572,
  ];
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (
      (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
      ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
    );
  }
  if (p > 1 - low) return -normalQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) /
    (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
  );
}

/** iproute2's pareto entry: shape 3, shifted to zero mean, 4/3 · 8192 per unit, capped at 32767. */
function paretoEntry(i: number): number {
  return Math.min((4 / 3) * 8192 * (1 / (i / 65536) ** (1 / 3) - 1.5), 32767) / 8192;
}

/** The table's entries in units of sigma, ascending: what netem draws t / 8192 from. */
export function jitterTable(dist: Exclude<JitterDistName, "uniform">): Float64Array {
  const out = new Float64Array(ENTRIES);
  for (let k = 0; k < ENTRIES; k++) {
    const i = 4 * k;
    // normal.c stores, at index i, the last x whose CDF rounds to i / 16384: Φ(x) = (i + 0.5) / 16384.
    const normal = Math.max(-4, Math.min(4, normalQuantile((i + 0.5) / QUANTILE_STEPS)));
    if (dist === "normal") out[k] = normal;
    else if (dist === "pareto") out[k] = paretoEntry(65536 - 16 * k);
    // paretonormal.c pairs the i-th normal quantile with the matching pareto one: (n + 3p) / 4.
    else out[k] = (normal + 3 * paretoEntry(65536 - 4 * i)) / 4;
  }
  return out.sort();
}

/** P(one-way delay <= x) for delay mu and jitter sigma (ms), negative draws clamped to 0. */
function oneWayCdf(x: number, mu: number, sigma: number, table: Float64Array | null): number {
  if (x < 0) return 0;
  if (table === null) {
    // Uniform on [mu − sigma, mu + sigma).
    const u = (x - (mu - sigma)) / (2 * sigma);
    return Math.max(0, Math.min(1, u));
  }
  // Count table entries t with mu + sigma·t <= x (binary search).
  const limit = (x - mu) / sigma;
  let lo = 0;
  let hi = table.length;
  while (lo < hi) {
    const m = (lo + hi) >> 1;
    if (table[m] <= limit) lo = m + 1;
    else hi = m;
  }
  return lo / table.length;
}

/** The one-way delays (ms) a direction can draw, as an equally weighted sample (uniform: 4096 midpoints). */
function oneWaySample(mu: number, sigma: number, table: Float64Array | null): Float64Array {
  const out = new Float64Array(ENTRIES);
  for (let k = 0; k < ENTRIES; k++) {
    const t = table === null ? -1 + (2 * (k + 0.5)) / ENTRIES : table[k];
    out[k] = Math.max(0, mu + sigma * t);
  }
  return out;
}

const tables = new Map<string, Float64Array>();

function cachedTable(dist: Exclude<JitterDistName, "uniform">): Float64Array {
  let t = tables.get(dist);
  if (!t) {
    t = jitterTable(dist);
    tables.set(dist, t);
  }
  return t;
}

/**
 * Quantiles `ps` of one round trip (two independent one-way draws of delay rtt/2 and jitter
 * `jitter_ms` each, as the harness configures both directions) for the given distribution, in ms.
 */
export function roundTripQuantiles(
  rtt_ms: number,
  jitter_ms: number,
  dist: JitterDistName,
  ps: readonly number[],
): number[] {
  const mu = rtt_ms / 2;
  if (!(jitter_ms > 0)) return ps.map(() => rtt_ms);
  const table = dist === "uniform" ? null : cachedTable(dist);
  const first = oneWaySample(mu, jitter_ms, table);
  // P(sum <= x) = mean over the first draw's values v of P(second <= x − v).
  const cdf = (x: number) => {
    let s = 0;
    for (const v of first) s += oneWayCdf(x - v, mu, jitter_ms, table);
    return s / first.length;
  };
  return ps.map((p) => {
    let lo = 0;
    let hi = rtt_ms + 2 * 5 * jitter_ms;
    while (hi - lo > 1e-4) {
      const m = (lo + hi) / 2;
      if (cdf(m) < p) lo = m;
      else hi = m;
    }
    return (lo + hi) / 2;
  });
}
