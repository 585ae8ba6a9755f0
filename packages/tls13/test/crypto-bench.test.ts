// The bench's building blocks measure what they claim: primitive timings are positive and ordered
// as expected, the loopback loops complete real handshakes and transfers, the report renders ratios.

import tls from "node:tls";
import { describe, expect, it } from "vitest";
import { benchBulk, benchHandshakes } from "../src/bench/loopback.js";
import { measure } from "../src/bench/measure.js";
import { benchPrimitives } from "../src/bench/primitives.js";
import { renderText } from "../src/bench/report.js";
import { SCENARIOS } from "../src/bench/scenarios.js";
import { nodeTlsOptions } from "../src/bench/stacks.js";
import type { TlsLike } from "../src/bench/tls-like.js";
import { nativeProvider, nobleProvider } from "../src/crypto/index.js";

describe("bench", () => {
  it("measure() reports per-op time that grows with the work done", () => {
    const spin = (n: number) => () => {
      let x = 0;
      for (let i = 0; i < n; i++) x += i;
      return x;
    };
    const small = measure(spin(1_000), 20);
    const large = measure(spin(100_000), 20);
    expect(small.us).toBeGreaterThan(0);
    expect(large.us).toBeGreaterThan(small.us * 10);
  });

  it("primitives: native AEAD beats noble per 16 KiB record, and every row names its backend", () => {
    const noble = benchPrimitives(nobleProvider, 5);
    const native = benchPrimitives(nativeProvider, 5);
    const seal = (rows: typeof noble) =>
      rows.find((r) => r.algorithm === "AES_128_GCM" && r.operation === "seal 16KiB")!;
    expect(seal(native).us).toBeLessThan(seal(noble).us);
    expect(seal(native).mbPerSec).toBeGreaterThan(0);
    expect(
      noble.find((r) => r.algorithm === "X25519MLKEM768" && r.operation === "encapsulate")?.backend,
    ).toBe("noble");
    expect(noble.find((r) => r.algorithm === "rsa_pss_rsae_sha256")?.backend).toBe("node:crypto");
    for (const row of [...noble, ...native])
      expect(row.us, `${row.algorithm} ${row.operation}`).toBeGreaterThan(0);
  });

  it("the loopback loops complete real handshakes and a transfer (node:tls, classical scenario)", async () => {
    const classical = SCENARIOS.find((s) => s.id === "classical-rsa")!;
    const stack = tls as unknown as TlsLike;
    const hs = await benchHandshakes(stack, nodeTlsOptions(classical), 50);
    expect(hs.handshakes).toBeGreaterThanOrEqual(5);
    expect(hs.cpuMs).toBeGreaterThan(0.1); // an RSA-2048 signature alone is ~0.2 ms
    const bulk = await benchBulk(stack, nodeTlsOptions(classical, "TLS_AES_128_GCM_SHA256"), 1 << 20);
    expect(bulk.bytes).toBe(1 << 20);
    expect(bulk.cipher).toBe("TLS_AES_128_GCM_SHA256");
    expect(bulk.mbPerSec).toBeGreaterThan(1);
  });

  it("renders ratios against the node:tls reference", () => {
    const text = renderText({
      runtime: { node: "20", openssl: "3" },
      primitives: [],
      handshakes: [
        {
          stack: "pqtls",
          provider: "auto",
          runtime: "node24",
          scenario: "s",
          handshakes: 5,
          cpuMs: 4,
          wallMs: 4,
          ratio: 1.25,
        },
      ],
      bulk: [],
      firstHandshake: [],
      notes: ["wasm unavailable"],
    });
    expect(text).toMatch(/auto\s+node24\s+5\s+4\.00\s+4\.00\s+1\.25/);
    expect(text).toContain("- wasm unavailable");
  });
});

describe("bench: primitive cost of a scenario", () => {
  it("sums keyGen + encapsulate + decapsulate + sign + 2 verifies, or is undefined when one is missing", async () => {
    const { primitiveCostMs } = await import("../src/bench/runs.js");
    const scenario = SCENARIOS.find((s) => s.id === "pq-mldsa65")!;
    const row = (algorithm: string, operation: string, us: number) => ({
      provider: "p",
      algorithm,
      operation,
      backend: "b",
      us,
    });
    const rows = [
      row("X25519MLKEM768", "keyGen", 100),
      row("X25519MLKEM768", "encapsulate", 200),
      row("X25519MLKEM768", "decapsulate", 300),
      row("mldsa65", "sign", 1000),
      row("mldsa65", "verify", 400),
    ];
    expect(primitiveCostMs(scenario, rows)).toBeCloseTo(2.4, 6);
    expect(primitiveCostMs(scenario, rows.slice(1))).toBeUndefined();
  });
});
