// The bench's building blocks measure what they claim: primitive timings are positive and ordered
// as expected, the loopback loops complete real handshakes and transfers, the report renders ratios.

import tls from "node:tls";
import { describe, expect, it } from "vitest";
import { benchBulk, benchHandshakes } from "../src/bench/loopback.js";
import { measure } from "../src/bench/measure.js";
import { benchPrimitives } from "../src/bench/primitives.js";
import { renderText } from "../src/bench/report.js";
import { SCENARIOS } from "../src/bench/scenarios.js";
import { nodeTlsOptions, pqtlsOptions } from "../src/bench/stacks.js";
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

  it("graceful-close scenarios end every connection on both sides, for node:tls and for our stack", async () => {
    const scenario = SCENARIOS.find((s) => s.id === "classical-rsa-close")!;
    expect(scenario.close).toBe("graceful");
    const closes = { client: 0, server: 0 };
    // Counts 'close' events through the stack's own sockets: the loop resolves only after both closed.
    const counting = (inner: TlsLike): TlsLike => ({
      createServer: (options, listener) =>
        inner.createServer(options, (s) => {
          s.once("close", () => closes.server++);
          listener(s);
        }),
      connect: (options, listener) => {
        const s = inner.connect(options, listener);
        s.once("close", () => closes.client++);
        return s;
      },
    });
    const ours = await import("../src/index.js");
    for (const [stack, options] of [
      [tls as unknown as TlsLike, nodeTlsOptions(scenario)],
      [ours as unknown as TlsLike, pqtlsOptions(scenario, ours.defaultProvider())],
    ] as const) {
      closes.client = closes.server = 0;
      const hs = await benchHandshakes(counting(stack), options, 50, scenario.close);
      expect(hs.handshakes).toBeGreaterThanOrEqual(5);
      // Warm-up connections count too; every measured one closed on both ends before the next began.
      expect(closes.client).toBeGreaterThanOrEqual(hs.handshakes);
      expect(closes.server).toBe(closes.client);
    }
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
        {
          stack: "pqtls",
          provider: "auto",
          runtime: "node24",
          scenario: "s",
          handshakes: 400,
          cpuMs: 3,
          wallMs: 3.5,
          ratio: 0.94,
          setting: "alone",
          runs: 3,
        },
      ],
      bulk: [],
      firstHandshake: [],
      notes: ["wasm unavailable"],
    });
    expect(text).toMatch(/auto\s+node24\s+bench\s+1\s+5\s+4\.00\s+4\.00\s+1\.25/);
    expect(text).toMatch(/auto\s+node24\s+alone\s+3\s+400\s+3\.00\s+3\.50\s+0\.94/);
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

describe("bench: bulk alone in a process", () => {
  it("measures each stack with its setting and the median of its runs, and renders both ratios", async () => {
    const { runBulkAlone } = await import("../src/bench/runs.js");
    const ours = await runBulkAlone("pqtls", 1 << 20, 3);
    const theirs = await runBulkAlone("node-tls", 1 << 20, 1);
    expect(ours.notes).toEqual([]);
    expect(ours.bulk.map((b) => [b.stack, b.provider, b.setting, b.runs, b.suite])).toEqual([
      ["pqtls", "auto", "alone", 3, "TLS_AES_128_GCM_SHA256"],
      ["pqtls", "auto", "alone", 3, "TLS_CHACHA20_POLY1305_SHA256"],
    ]);
    // The bench's bulk scenario uses X25519MLKEM768 and ML-DSA-65, which node:tls has only on OpenSSL
    // >= 3.5 (Node 24): elsewhere each suite's failure is a note naming the stack and suite.
    const [major, minor] = process.versions.openssl.split(".").map(Number);
    const nodeHasPq = major > 3 || (major === 3 && minor >= 5);
    if (nodeHasPq)
      expect(theirs.bulk.map((b) => [b.stack, b.setting, b.runs])).toEqual([
        ["node:tls", "alone", undefined],
        ["node:tls", "alone", undefined],
      ]);
    else {
      expect(theirs.bulk).toEqual([]);
      expect(
        theirs.notes.map((n) => n.slice(0, n.indexOf(": "))).filter((n) => n.startsWith("node:tls/")),
      ).toEqual([
        `node:tls/node${process.versions.node.split(".")[0]} bulk TLS_AES_128_GCM_SHA256`,
        `node:tls/node${process.versions.node.split(".")[0]} bulk TLS_CHACHA20_POLY1305_SHA256`,
      ]);
    }
    for (const b of [...ours.bulk, ...theirs.bulk]) {
      expect(b.bytes).toBe(1 << 20);
      expect(b.mbPerCpuSec).toBeGreaterThan(0);
      expect(b.v8Flags).toBeUndefined();
    }
    const text = renderText({
      runtime: { node: "24", openssl: "3.5" },
      primitives: [],
      handshakes: [],
      bulk: [{ ...ours.bulk[0], mbPerCpuSec: 800, ratio: 0.8, ratioSameHeap: 0.95 }],
      firstHandshake: [],
      notes: [],
    });
    expect(text).toMatch(/pqtls\s+auto\s+node\d+\s+alone\s+1\s+3\s+\d+\s+\d+\s+800\s+0\.80\s+0\.95/);
  });
});

describe("bench: bulk rows under V8 flags", () => {
  it("marks each flag set apart in the runtime column and explains each below the table", () => {
    const row = (v8Flags: string | undefined, mbPerCpuSec: number) => ({
      stack: "pqtls" as const,
      provider: "auto",
      runtime: "node24",
      suite: "TLS_AES_128_GCM_SHA256",
      bytes: 1 << 20,
      mbPerSec: mbPerCpuSec,
      cpuMs: 10,
      mbPerCpuSec,
      setting: "alone" as const,
      ...(v8Flags ? { v8Flags } : {}),
    });
    const text = renderText({
      runtime: { node: "24", openssl: "3.5" },
      primitives: [],
      handshakes: [],
      bulk: [
        row(undefined, 300),
        row("--external-memory-accounted-in-global-limit", 400),
        row("--max-semi-space-size=4", 450),
      ],
      firstHandshake: [],
      notes: [],
    });
    expect(text).toMatch(/node24\s+alone\s+1\s+1\s+300\s+10\s+300/);
    expect(text).toMatch(/node24\*\s+alone\s+1\s+1\s+400\s+10\s+400/);
    expect(text).toMatch(/node24\*\*\s+alone\s+1\s+1\s+450\s+10\s+450/);
    expect(text).toMatch(
      /^\* with --external-memory-accounted-in-global-limit: V8 counts ArrayBuffer memory/m,
    );
    expect(text).toMatch(/^\*\* with --max-semi-space-size=4: semi-spaces of at most that many MB/m);
  });
});

describe("bench: several processes' handshakes as one row", () => {
  it("takes the median CPU and wall time per scenario and stack, and sums the handshakes", async () => {
    const { medianOfRuns } = await import("../src/bench/bench.js");
    const row = (scenario: string, cpuMs: number, wallMs: number) => ({
      stack: "node:tls" as const,
      provider: "openssl",
      runtime: "node24",
      scenario,
      handshakes: 100,
      cpuMs,
      wallMs,
    });
    const run = (a: number, b: number) => ({
      primitives: [],
      handshakes: [row("pq", a, a + 1), row("classical", b, b + 1)],
      bulk: [],
      notes: [] as string[],
    });
    const merged = medianOfRuns([run(3, 1.5), run(2, 1.2), { ...run(9, 1.4), notes: ["slow"] }]);
    expect(merged.handshakes.map((h) => [h.scenario, h.cpuMs, h.wallMs, h.handshakes, h.runs])).toEqual([
      ["pq", 3, 4, 300, 3],
      ["classical", 1.4, 2.4, 300, 3],
    ]);
    expect(merged.notes).toEqual(["slow"]);
    expect(medianOfRuns([run(2, 1)]).handshakes[0].runs).toBeUndefined();
  });
});
