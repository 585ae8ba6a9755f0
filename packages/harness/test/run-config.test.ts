// Config resolution: presets + config file + flags with the same keys, every value checked before
// anything is set up, and one-line errors that name the key and where it came from.
import { describe, expect, it } from "vitest";
import { type ConfigLayer, resolveConfig } from "../src/run/config.js";
import { buildPlan } from "../src/run/plan.js";
import { listPresets, loadPreset } from "../src/run/presets.js";
import { errorOf, flags } from "./config-helpers.js";

describe("presets", () => {
  it("every preset resolves and plans", () => {
    const names = listPresets();
    expect(names).toEqual(expect.arrayContaining(["quick", "handshake-loss", "ttlb-increase", "ttlb-cdf"]));
    for (const name of names) {
      const config = resolveConfig([loadPreset(name)], name);
      expect(buildPlan(config).cells.length).toBeGreaterThan(0);
    }
  });

  it("quick compares x25519+rsa2048 with X25519MLKEM768+mldsa65 on two links and two sizes", () => {
    const c = resolveConfig([loadPreset("quick")], "quick");
    expect(c.variants).toEqual([
      { kex: "x25519", chain: "rsa2048" },
      { kex: "X25519MLKEM768", chain: "mldsa65" },
    ]);
    expect(c.links.map((l) => [l.rate_mbps, l.rtt_ms, l.initcwnd])).toEqual([
      [1, 200, 20],
      [1000, 35, 20],
    ]);
    expect(c.bytes).toEqual([0, 50 * 1024]);
  });

  it("handshake-loss crosses loss {0,1,3,10}% with RTT {35,200} ms at 1 Mbit/s, handshake only", () => {
    const c = resolveConfig([loadPreset("handshake-loss")]);
    expect(c.links.length).toBe(8);
    expect(new Set(c.links.map((l) => l.loss_pct))).toEqual(new Set([0, 1, 3, 10]));
    expect(new Set(c.links.map((l) => l.rtt_ms))).toEqual(new Set([35, 200]));
    expect(c.links.every((l) => l.rate_mbps === 1)).toBe(true);
    expect(c.bytes).toEqual([0]);
    // Its size-only chains are RSA by name: the preset makes the report compare every PQ-kex variant.
    expect(c.report_variant).toBe("kex=pq");
  });

  it("report_baseline / report_variant are the report's selectors, checked before the run in one line", () => {
    const c = resolveConfig([flags({ report_baseline: "engine=openssl", report_variant: "kex=pq" })]);
    expect([c.report_baseline, c.report_variant]).toEqual(["engine=openssl", "kex=pq"]);
    expect(errorOf([flags({ report_variant: "kex" })])).toMatch(
      /^flags: report_variant: "kex" is not key=value/,
    );
    expect(errorOf([flags({ report_baseline: "colour=blue" })])).toMatch(
      /^flags: report_baseline: unknown key "colour" \(keys: /,
    );
  });

  it("the study presets compare classical as deployed with both size-only chains and the real ML-DSA-65 chain", () => {
    for (const name of ["handshake-loss", "ttlb-increase", "ttlb-increase-35ms", "ttlb-cdf"]) {
      const c = resolveConfig([loadPreset(name)], name);
      expect(c.variants, name).toEqual(
        expect.arrayContaining([
          { kex: "x25519", chain: "rsa2048" },
          { kex: "X25519MLKEM768", chain: "rsa2048@8KiB" },
          { kex: "X25519MLKEM768", chain: "rsa2048@16KiB" },
          { kex: "X25519MLKEM768", chain: "mldsa65" },
        ]),
      );
      expect(c.variants[0], `${name}: the baseline comes first`).toEqual({ kex: "x25519", chain: "rsa2048" });
    }
    // ttlb-cdf's one size carries the wider set: the ECDSA baseline and every ML-DSA level.
    const cdf = resolveConfig([loadPreset("ttlb-cdf")], "ttlb-cdf");
    expect(cdf.variants.map((v) => v.chain)).toEqual(
      expect.arrayContaining(["ecdsa-p256", "mldsa44", "mldsa65", "mldsa87"]),
    );
  });

  it("ttlb-cdf is figure 6: 200 KiB on 1 Gbit/s 0 and 5 %, 1 Mbit/s 0 and 10 %, and the volatile link", () => {
    const c = resolveConfig([loadPreset("ttlb-cdf")], "ttlb-cdf");
    expect(c.bytes).toEqual([200 * 1024]);
    expect(c.links.map((l) => [l.rate_mbps, l.rtt_ms, l.loss_pct, l.jitter_dist])).toEqual([
      [1000, 35, 0, "uniform"],
      [1000, 35, 5, "uniform"],
      [1, 200, 0, "uniform"],
      [1, 200, 10, "uniform"],
      [1000, 35, 0, "paretonormal"],
    ]);
  });

  it("ttlb-increase-35ms is figures 3 and 4 at 35 ms; loss-sweep steps loss 0-10 % by 1 at 1 Mbit/s and 1 Gbit/s", () => {
    const short = resolveConfig([loadPreset("ttlb-increase-35ms")], "ttlb-increase-35ms");
    expect(short.links.map((l) => [l.rate_mbps, l.rtt_ms, l.loss_pct])).toEqual([
      [1, 35, 0],
      [1, 35, 10],
    ]);
    expect(short.bytes).toEqual(resolveConfig([loadPreset("ttlb-increase")]).bytes);
    const sweep = resolveConfig([loadPreset("loss-sweep")], "loss-sweep");
    expect(sweep.links).toHaveLength(22);
    for (const rate of [1, 1000])
      expect(sweep.links.filter((l) => l.rate_mbps === rate).map((l) => l.loss_pct)).toEqual([
        0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
      ]);
  });

  it("ttlb-increase has the volatile paretonormal link (mean 35 ms RTT, jitter 35/4 ms)", () => {
    const c = resolveConfig([loadPreset("ttlb-increase")]);
    expect(c.links).toContainEqual(
      expect.objectContaining({ rtt_ms: 35, jitter_ms: 8.75, jitter_dist: "paretonormal" }),
    );
    expect(c.bytes.at(-1)).toBe(200 * 1024);
  });

  it("an unknown preset names the available ones", () => {
    expect(() => loadPreset("nope")).toThrow(/unknown preset "nope" \(available: .*quick/);
  });
});

describe("layers", () => {
  it("flags override preset values, and a top-level link key overrides it in every links entry", () => {
    const c = resolveConfig([loadPreset("quick"), flags({ rtt: "100ms", samples: "3" })]);
    expect(c.links.map((l) => [l.rate_mbps, l.rtt_ms])).toEqual([
      [1, 100],
      [1000, 100],
    ]);
    expect(c.samples).toBe(3);
  });

  it("--kex replaces the preset's pairs with kex x chain, keeping the preset's chains", () => {
    const c = resolveConfig([loadPreset("quick"), flags({ kex: "x25519,MLKEM768" })]);
    expect(c.variants).toEqual([
      { kex: "x25519", chain: "rsa2048" },
      { kex: "x25519", chain: "mldsa65" },
      { kex: "MLKEM768", chain: "rsa2048" },
      { kex: "MLKEM768", chain: "mldsa65" },
    ]);
  });

  it("units: KiB is 1024, KB is 1000, bare numbers are bytes / ms / Mbit/s / %", () => {
    const c = resolveConfig([
      flags({ bytes: "1KiB,1KB,7", rtt: [35, "0.2s"], rate: ["1gbit", 0], loss: ["1%", 3] }),
    ]);
    expect(c.bytes).toEqual([1024, 1000, 7]);
    expect(c.links.map((l) => l.rtt_ms)).toEqual([35, 35, 35, 35, 200, 200, 200, 200]);
    expect([...new Set(c.links.map((l) => l.rate_mbps))]).toEqual([1000, 0]);
    expect([...new Set(c.links.map((l) => l.loss_pct))]).toEqual([1, 3]);
  });

  it("Gilbert-Elliott loss keeps netem's arguments and records its stationary mean as loss_pct", () => {
    const c = resolveConfig([flags({ loss: ["1%", "gemodel 1% 10%", "gemodel 2% 20% 50% 1%"] })]);
    expect(c.links.map((l) => [l.loss_pct, l.loss_model])).toEqual([
      [1, undefined],
      [Math.round((1 / 11) * 100 * 1e6) / 1e6, "gemodel 1% 10% 100% 0%"],
      [Math.round(((2 / 22) * 50 + (20 / 22) * 1) * 1e6) / 1e6, "gemodel 2% 20% 50% 1%"],
    ]);
    const ids = buildPlan(c).cells.map((x) => x.id);
    expect(ids.filter((id) => id.includes("loss=gemodel 1% 10% 100% 0%"))).toHaveLength(1);
  });

  it("group and suite names are case-insensitive and come out in IANA spelling", () => {
    const c = resolveConfig([flags({ kex: "x25519mlkem768", suite: "aes_256_gcm_sha384" })]);
    expect(c.variants[0].kex).toBe("X25519MLKEM768");
    expect(c.suite).toEqual(["TLS_AES_256_GCM_SHA384"]);
  });
});

describe("bad configs are one line naming key and source", () => {
  const cases: [string, ConfigLayer[], RegExp][] = [
    [
      "unknown key",
      [{ source: "my.yaml", values: { rtts: ["35ms"] } }],
      /^my\.yaml: unknown config key "rtts" \(did you mean "rtt"\?\)/,
    ],
    [
      "unknown group",
      [flags({ kex: "x25519,X25519Kyber768" })],
      /^flags: kex: unknown group "X25519Kyber768" \(known: .*X25519MLKEM768/,
    ],
    ["negative size", [flags({ bytes: "-5" })], /^flags: bytes must not be negative/],
    ["unknown chain", [flags({ chain: "rsa4096" })], /^flags: chain: unknown chain "rsa4096"/],
    [
      "chain padded below its size",
      [flags({ chain: "mldsa65@1KiB" })],
      /already has a \d+ B Certificate message/,
    ],
    ["loss above 100 %", [flags({ loss: "150%" })], /loss/],
    ["a duration without unit word", [flags({ rtt: "35 parsecs" })], /rtt/],
    ["zero samples", [flags({ samples: 0 })], /^flags: samples: 0 is below the minimum 1/],
    [
      "unknown engine",
      [flags({ engine: "boringssl" })],
      /^flags: engine: unknown value "boringssl" \(known: pqtls, openssl\)/,
    ],
    [
      "a link entry with a non-link key",
      [{ source: "c.yaml", values: { links: [{ rtt: "1ms", bytes: 3 }] } }],
      /^c\.yaml links\[0\]: bytes: is not a link key/,
    ],
    [
      "a variant that is not KEX:CHAIN",
      [flags({ variants: "x25519" })],
      /^flags: variants: "x25519" is not KEX:CHAIN/,
    ],
    ["a value listed twice", [flags({ bytes: "1KiB,1024" })], /^flags: bytes: 1024 is listed twice/],
  ];
  for (const [what, layers, message] of cases)
    it(what, () => {
      const m = errorOf(layers);
      expect(m).toMatch(message);
      expect(m).not.toContain("\n");
    });
});
