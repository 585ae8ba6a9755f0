// `pqtls lanes check`'s verdict (run/lanes-check.ts) on synthetic rows: a cell whose packed side is
// 10 % slower with tight samples is shifted beyond tolerance; one drawn from the same distribution
// is not; the default tolerance follows the link rate; marked rows are counted per side; and the
// chunks of the interleaving keep K lanes busy.
import type { Row } from "@pqtls/report";
import { describe, expect, it } from "vitest";
import { chunkSizes, compareSides, defaultTolerancePct, formatShifts } from "../src/run/lanes-check.js";

/** Deterministic spread around `center` (±1 %), independent of the library's random streams. */
function times(n: number, center: number): number[] {
  return Array.from({ length: n }, (_, i) => center * (1 + (((i * 37) % n) / n - 0.5) / 50));
}

function rows(cell: string, rate: number, ttlb: number[], marked = 0): Row[] {
  return ttlb.map(
    (t, i) =>
      ({
        type: "row",
        run: "r",
        cell,
        sample: i,
        engine: "pqtls",
        kex: "x25519",
        chain: "rsa2048",
        suite: "TLS_AES_128_GCM_SHA256",
        rtt_ms: 200,
        jitter_ms: 0,
        rate_mbps: rate,
        loss_pct: 0,
        initcwnd: 20,
        mtu: 1500,
        cc: "cubic",
        bytes: 1000,
        ok: true,
        error: null,
        tcp_connect_ms: 200,
        handshake_ms: t / 2,
        ttfb_ms: t - 1,
        ttlb_ms: t,
        hs_bytes_c2s: 1,
        hs_bytes_s2c: 1,
        retrans_segs: 0,
        lane: 0,
        ts: "2026-12-07T00:00:00Z",
        ...(i < marked
          ? {
              fidelity: {
                late_max_ms: 50,
                late_p99_ms: 0.05,
                late_packets: 30,
                window_ms: 500,
                client_cpu_ms: 5,
                server_cpu_ms: 5,
                client_wait_ms: 0,
                server_wait_ms: 0,
                pressure: null,
                thresholds: { late_ms: 20, wait_ms: 5 },
                marked: ["relay_late"],
              },
            }
          : {}),
      }) as unknown as Row,
  );
}

describe("lanes check verdict", () => {
  it("flags a cell whose packed p50 is 10 % higher, passes one from the same distribution", () => {
    const one = [...rows("slow", 1, times(60, 1000)), ...rows("same", 1, times(60, 1000))];
    const packed = [...rows("slow", 1, times(60, 1100), 4), ...rows("same", 1, times(60, 1000))];
    const [slow, same] = compareSides(one, packed);
    expect(slow.cell).toBe("slow");
    expect(slow.shiftPct).toBeCloseTo(10, 0);
    expect(slow.shiftCi.low).toBeGreaterThan(1);
    expect(slow.shifted).toBe(true);
    expect(slow.packed.marked).toBe(4);
    expect(slow.one.marked).toBe(0);
    expect(same.shiftPct).toBeCloseTo(0, 6);
    expect(same.shiftCi.low).toBeLessThanOrEqual(0);
    expect(same.shiftCi.high).toBeGreaterThanOrEqual(0);
    expect(same.shifted).toBe(false);
    const text = formatShifts([slow, same], 8).join("\n");
    expect(text).toMatch(
      /slow: 1 lane p50 999\.8 ms \(n=60, marked 0\/60\); 8 lanes p50 1099\.8 ms \(n=60, marked 4\/60\); shift \+10\.\d\d %/,
    );
    expect(text).toMatch(/SHIFTED/);
  });

  it("tolerates 1 % below 100 Mbit/s and 2 % above, or what is given", () => {
    expect(defaultTolerancePct(1)).toBe(1);
    expect(defaultTolerancePct(1000)).toBe(2);
    expect(defaultTolerancePct(0)).toBe(2);
    // A 1.5 % shift: beyond 1 % at 1 Mbit/s, inside 2 % at 1 Gbit/s, inside a given 5 %.
    const at = (rate: number, tol?: number) =>
      compareSides(rows("c", rate, times(60, 1000)), rows("c", rate, times(60, 1015)), tol)[0].shifted;
    expect(at(1)).toBe(true);
    expect(at(1000)).toBe(false);
    expect(at(1, 5)).toBe(false);
  });

  it("compares only cells on both sides", () => {
    expect(compareSides(rows("a", 1, times(10, 100)), rows("b", 1, times(10, 100)))).toEqual([]);
  });
});

describe("interleaving chunks", () => {
  it("split the samples into at most N chunks, each with rounds enough for K lanes", () => {
    expect(chunkSizes(100, 4, 8, 2)).toEqual([25, 25, 25, 25]);
    // 16 lanes on 1 link group need 16 rounds per chunk: 40 samples make 2 chunks.
    expect(chunkSizes(40, 4, 16, 1)).toEqual([20, 20]);
    expect(chunkSizes(5, 4, 16, 1)).toEqual([5]);
    expect(chunkSizes(7, 3, 2, 1).reduce((a, b) => a + b)).toBe(7);
  });
});
