// The runner's fidelity readings (run/fidelity.ts): the relay histograms of both directions read
// from a lane's counters and combined over one connection, endpoint CPU and wait from schedstat
// (a restarted process does not compare), CPU pressure from PSI, and the marks that follow.
import { existsSync } from "node:fs";
import { LATE_BOUNDS_US } from "@pqtls/report";
import { describe, expect, it } from "vitest";
import {
  type FidelitySnapshot,
  latenessOf,
  readProcessSched,
  readPsiSomeUs,
  rowFidelity,
} from "../src/run/fidelity.js";

/** Lane counters with histograms `up`/`down` (missing buckets 0) and all-time maxima. */
function link(up: Record<number, number>, down: Record<number, number>, upMax = 30, downMax = 30) {
  const out: Record<string, number> = { "up.lateMaxUs": upMax, "down.lateMaxUs": downMax };
  for (let i = 0; i <= LATE_BOUNDS_US.length; i++) {
    out[`up.lateHist${i}`] = up[i] ?? 0;
    out[`down.lateHist${i}`] = down[i] ?? 0;
  }
  return out;
}

function snapshot(
  atMs: number,
  counters: Record<string, number>,
  client: { pid: number; cpuNs: number; waitNs: number; threads?: Map<string, number> } | null,
  psiUs: number | null,
): FidelitySnapshot {
  return {
    atMs,
    client,
    server: { pid: 2, cpuNs: atMs * 1e5, waitNs: 0 },
    psiUs,
    up: latenessOf(counters, "up"),
    down: latenessOf(counters, "down"),
  };
}

describe("row fidelity from two readings", () => {
  it("adds both directions' histogram changes and marks a late relay on a 1 Mbit/s link", () => {
    const before = snapshot(0, link({ 0: 100 }, { 0: 80 }), { pid: 1, cpuNs: 0, waitNs: 0 }, 1_000_000);
    // During the connection: 40 packets up on time, 20 down, one of them 20–50 ms late (max grew to 31 ms).
    const after = snapshot(
      500,
      link({ 0: 140 }, { 0: 99, 10: 1 }, 30, 31_000),
      { pid: 1, cpuNs: 7.5e6, waitNs: 2e6 },
      1_250_000,
    );
    const f = rowFidelity(before, after, { rate_mbps: 1, mtu: 1500 }, 1000);
    expect(f.late_packets).toBe(60);
    expect(f.window_ms).toBe(500);
    expect(f.late_max_ms).toBe(31);
    expect(f.late_p99_ms).toBe(31);
    expect(f.client_cpu_ms).toBe(7.5);
    expect(f.client_wait_ms).toBe(2);
    expect(f.server_cpu_ms).toBe(50);
    // 250 ms of the 500 ms some task waited for a CPU.
    expect(f.pressure).toEqual({ source: "psi_some", pct: 50 });
    // 2 % of the row's 1,000 ms, above the 10 ms floor.
    expect(f.thresholds).toEqual({ late_ms: 20, wait_ms: 20 });
    expect(f.marked).toEqual(["relay_late"]);
  });

  it("marks nothing on a quiet connection, and leaves lateness null without a relay", () => {
    const quiet = rowFidelity(
      snapshot(0, link({ 0: 10 }, { 0: 10 }), { pid: 1, cpuNs: 0, waitNs: 0 }, 0),
      snapshot(100, link({ 0: 30, 3: 1 }, { 0: 25 }), { pid: 1, cpuNs: 5e6, waitNs: 3e5 }, 1000),
      { rate_mbps: 1000, mtu: 1500 },
      80,
    );
    expect(quiet.late_max_ms).toBe(0.25);
    expect(quiet.marked).toEqual([]);
    const none = rowFidelity(
      snapshot(0, {}, { pid: 1, cpuNs: 0, waitNs: 0 }, 0),
      snapshot(100, {}, { pid: 1, cpuNs: 5e6, waitNs: 12e6 }, 1000), // 12 ms > the 10 ms floor
      { rate_mbps: 1000, mtu: 1500 },
      80,
    );
    expect(none.late_max_ms).toBeNull();
    expect(none.marked).toEqual(["endpoint_wait"]);
  });

  it("sums CPU per thread, so a thread that exits between the readings does not make it negative", () => {
    // CI saw client_cpu_ms −492 ms: a thread with 492 ms of CPU exited during the connection.
    const before = {
      pid: 1,
      cpuNs: 500e6,
      waitNs: 0,
      threads: new Map([
        ["1", 8e6],
        ["7", 492e6],
      ]),
    };
    const after = {
      pid: 1,
      cpuNs: 13e6,
      waitNs: 1e6,
      threads: new Map([
        ["1", 11e6],
        ["9", 2e6],
      ]),
    };
    const f = rowFidelity(
      snapshot(0, {}, before, null),
      snapshot(100, {}, after, null),
      { rate_mbps: 1, mtu: 1500 },
      100,
    );
    // Thread 1 ran 3 ms, the new thread 9 ran 2 ms; thread 7's exit is left out.
    expect(f.client_cpu_ms).toBe(5);
    // Without per-thread readings the total's change is never below 0.
    const plain = rowFidelity(
      snapshot(0, {}, { pid: 1, cpuNs: 500e6, waitNs: 0 }, null),
      snapshot(100, {}, { pid: 1, cpuNs: 13e6, waitNs: 0 }, null),
      { rate_mbps: 1, mtu: 1500 },
      100,
    );
    expect(plain.client_cpu_ms).toBe(0);
  });

  it("does not compare a client driver restarted between the readings", () => {
    const f = rowFidelity(
      snapshot(0, {}, { pid: 1, cpuNs: 9e9, waitNs: 9e9 }, null),
      snapshot(100, {}, { pid: 7, cpuNs: 1e6, waitNs: 1e6 }, null),
      { rate_mbps: 1000, mtu: 1500 },
      80,
    );
    expect(f.client_cpu_ms).toBeNull();
    expect(f.client_wait_ms).toBeNull();
    expect(f.pressure?.source).toBe("loadavg_per_cpu");
  });
});

describe("readings from procfs", () => {
  it("read this process's CPU time, growing with work, and none for a missing pid", async () => {
    const a = await readProcessSched(process.pid);
    expect(a).not.toBeNull();
    let x = 0;
    for (let i = 0; i < 3e6; i++) x += Math.sqrt(i);
    expect(x).toBeGreaterThan(0);
    const b = await readProcessSched(process.pid);
    expect(b!.cpuNs).toBeGreaterThan(a!.cpuNs);
    expect(await readProcessSched(0)).toBeNull();
    expect(await readProcessSched(2 ** 22 + 1)).toBeNull();
  });

  it("read PSI's cumulative CPU 'some' time where the kernel has it, and null where not", async () => {
    const psi = await readPsiSomeUs();
    if (existsSync("/proc/pressure/cpu")) expect(psi).toBeGreaterThanOrEqual(0);
    else expect(psi).toBeNull();
  });
});
