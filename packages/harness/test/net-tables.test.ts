// netem's distribution tables: the generated ones (used where iproute2's are not installed) equal
// iproute2's entry for entry, and follow their distributions (KS against the normal CDF and the shifted
// Pareto(3) CDF); tableDelayNs reproduces netem's tabledist() rounding.
import { describe, expect, it } from "vitest";
import {
  formatDistTable,
  generateDistTable,
  installedDistTablePath,
  NETEM_DIST_SCALE,
  readDistTable,
  tableDelayNs,
} from "../src/net/tables.js";

function ks(values: Int16Array, cdf: (x: number) => number): number {
  const s = Array.from(values, (v) => v / NETEM_DIST_SCALE).sort((a, b) => a - b);
  let d = 0;
  // At each distinct value compare both sides of the step: the empirical CDF just below it (first index of
  // its ties) with the model's left limit, and at it (after its last tie) with the model's value.
  for (let i = 0; i < s.length; ) {
    let j = i;
    while (j + 1 < s.length && s[j + 1] === s[i]) j++;
    d = Math.max(d, Math.abs(i / s.length - cdf(s[i] - 1e-9)), Math.abs((j + 1) / s.length - cdf(s[i])));
    i = j + 1;
  }
  return d;
}

// Standard normal CDF by numerical integration (Simpson), independent of the generator's erf.
function phi(x: number): number {
  if (x < -8) return 0;
  const n = 2000;
  const a = -8;
  const h = (x - a) / n;
  const pdf = (t: number) => Math.exp((-t * t) / 2) / Math.sqrt(2 * Math.PI);
  let sum = pdf(a) + pdf(x);
  for (let i = 1; i < n; i++) sum += (i % 2 ? 4 : 2) * pdf(a + i * h);
  return (sum * h) / 3;
}

describe("netem distribution tables", () => {
  for (const dist of ["normal", "pareto", "paretonormal"] as const) {
    const installed = installedDistTablePath(dist);
    it.skipIf(!installed)(
      `generated ${dist} table equals iproute2's ${installed ?? "(not installed)"}`,
      () => {
        const generated = generateDistTable(dist);
        const theirs = readDistTable(installed!);
        expect(generated.length).toBe(4096);
        expect(Array.from(generated)).toEqual(Array.from(theirs));
        // And the text format round-trips through the reader the relay's parser mirrors.
        expect(formatDistTable(dist, generated).split("\n")[1].trim().split(" ")).toHaveLength(8);
      },
    );
  }

  it("normal table: KS distance to the normal CDF below 1/1000", () => {
    expect(ks(generateDistTable("normal"), phi)).toBeLessThan(0.001);
  });

  it("pareto table: KS distance to the shifted, scaled Pareto(3) CDF below 1/1000", () => {
    // value = (4/3)(U^(-1/3) - 1.5) in sigmas, so U^(-1/3) = 0.75 v + 1.5 and F(v) = 1 - (0.75 v + 1.5)^-3;
    // entries are clamped to a 16-bit 32767 (4 sigmas), which holds the top 1.1 % of the mass.
    const top = 32767 / NETEM_DIST_SCALE;
    const cdf = (v: number) => (v >= top ? 1 : Math.max(0, 1 - (0.75 * v + 1.5) ** -3));
    expect(ks(generateDistTable("pareto"), cdf)).toBeLessThan(0.001);
  });

  it("tableDelayNs rounds as netem's tabledist()", () => {
    // sigma = 8193 ns: one whole NETEM_DIST_SCALE plus 1, so both terms of netem's formula contribute.
    expect(tableDelayNs(1000, 8193, 8192)).toBe(1000 + 8193);
    expect(tableDelayNs(0, 10_000_000, -4096)).toBe(-5_000_000);
    expect(tableDelayNs(0, 3, 4095)).toBe(Math.trunc((3 * 4095 + 4096) / 8192));
  });
});
