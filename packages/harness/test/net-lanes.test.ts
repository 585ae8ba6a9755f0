// Lanes: k lanes of one run come up in parallel, each with its own namespaces, addresses and link
// (checked by giving each a different RTT and pinging them at the same time); opening a lane again
// replaces it (idempotent set-up); readState reports the values in force; close leaves nothing.
import { afterAll, describe, expect, it } from "vitest";
import { probeNetns, probeTun } from "../src/net/detect.js";
import { type Lane, openLane, runTag, symmetricLink } from "../src/net/index.js";
import { measurePing } from "../src/net/probes.js";
import { relayBuilt } from "../src/net/relay.js";
import { isAlive, readRun } from "../src/net/runs.js";
import { hasPing, leftovers } from "./net-helpers.js";

const skipReason = await (async () => {
  const netns = await probeNetns();
  if (!netns.ok) return netns.detail;
  if (!(await probeTun()).ok) return "no TUN device";
  if (!relayBuilt()) return "TUN relay not built (npm run build -w packages/harness)";
  if (!(await hasPing())) return "ping not installed (apt-get install iputils-ping)";
  return null;
})();
if (skipReason) console.warn(`net-lanes tests skipped: ${skipReason}`);

const runId = `ln${process.pid % 10000}`;
const lanes: Lane[] = [];
afterAll(async () => {
  for (const l of lanes) await l.close();
});

describe.skipIf(!!skipReason)("parallel lanes", () => {
  it("three lanes in parallel, each with its own link", async () => {
    const rtts = [10, 30, 60];
    lanes.push(
      ...(await Promise.all(
        rtts.map((rttMs, i) =>
          openLane(symmetricLink({ rttMs, backend: "tun", initcwnd: 10 + i }), { runId, lane: i }),
        ),
      )),
    );
    expect(new Set(lanes.map((l) => l.client.ns)).size).toBe(3);
    expect(lanes.map((l) => l.server.addr)).toEqual(["10.0.0.2", "10.1.0.2", "10.2.0.2"]);
    const pings = await Promise.all(lanes.map((l) => measurePing(l, { count: 10, intervalS: 0.05 })));
    pings.forEach((p, i) => {
      expect(Math.abs(p.medianMs - rtts[i]), `lane ${i}: ${p.medianMs} ms`).toBeLessThanOrEqual(1);
    });
    const state = (await lanes[2].readState()) as {
      backend: string;
      client: {
        routes: string[];
        sysctls: Record<string, string>;
        device: { mtu: number };
        offloads: Record<string, string>;
      };
      relay: { up: { delay_ns: number } };
    };
    expect(state.backend).toBe("tun");
    expect(state.client.routes.join("\n")).toMatch(/initcwnd 12 initrwnd 12/);
    expect(state.client.sysctls["net.ipv4.tcp_congestion_control"]).toBe("cubic");
    expect(state.client.sysctls["net.ipv4.tcp_no_metrics_save"]).toBe("1");
    expect(state.client.sysctls["net.ipv6.conf.all.disable_ipv6"]).toBe("1");
    expect(state.client.device.mtu).toBe(1500);
    expect(state.client.offloads["generic-segmentation-offload"]).toMatch(/^off/);
    expect(state.relay.up.delay_ns).toBe(30_000_000);
  });

  it("reconfigure changes the link and the endpoints in place", async () => {
    const spec = symmetricLink({ rttMs: 20, backend: "tun", cc: "reno", mtu: 1400, initcwnd: 4 });
    await lanes[0].reconfigure(spec);
    const p = await measurePing(lanes[0], { count: 5, intervalS: 0.05 });
    expect(Math.abs(p.medianMs - 20)).toBeLessThanOrEqual(1);
    const state = JSON.stringify(await lanes[0].readState());
    expect(state).toContain('"net.ipv4.tcp_congestion_control":"reno"');
    expect(state).toContain('"mtu":1400');
    expect(state).toMatch(/initcwnd 4 initrwnd 4/);
    await expect(lanes[0].reconfigure({ ...spec, backend: "netem" })).rejects.toThrow(/open a new lane/);
  });

  it("opening a lane again replaces it; closing all leaves nothing", async () => {
    const again = await openLane(symmetricLink({ rttMs: 40, backend: "tun" }), { runId, lane: 1 });
    const p = await measurePing(again, { count: 5, intervalS: 0.05 });
    expect(Math.abs(p.medianMs - 40)).toBeLessThanOrEqual(1);
    lanes[1] = again;
    for (const l of lanes) await l.close();
    expect(readRun(runTag(runId))).toBeNull();
    expect(await leftovers(`pqtls-${runId}-`)).toEqual([]);
  });

  it("reopening a run's only lane keeps the run's record (so `pqtls cleanup` elsewhere spares it)", async () => {
    const solo = `${runId}s`;
    const first = await openLane(symmetricLink({ rttMs: 5, backend: "tun" }), { runId: solo, lane: 0 });
    lanes.push(first);
    const second = await openLane(symmetricLink({ rttMs: 5, backend: "tun" }), { runId: solo, lane: 0 });
    lanes.push(second);
    expect(isAlive(readRun(runTag(solo)))).toBe(true);
    await second.close();
    expect(readRun(runTag(solo))).toBeNull();
  });

  it("without real-time scheduling the relay still runs, and says so", async () => {
    process.env.PQTLS_RELAY_RT = "0";
    try {
      const lane = await openLane(symmetricLink({ rttMs: 10, backend: "tun" }), { runId, lane: 7 });
      lanes.push(lane);
      const state = (await lane.readState()) as { relay: { realtime: boolean } };
      expect(state.relay.realtime).toBe(false);
      const p = await measurePing(lane, { count: 5, intervalS: 0.05 });
      expect(Math.abs(p.medianMs - 10)).toBeLessThanOrEqual(1);
    } finally {
      delete process.env.PQTLS_RELAY_RT;
    }
  });

  it("a relay that dies makes the lane fail with a clear error, not hang", async () => {
    const lane = await openLane(symmetricLink({ rttMs: 10, backend: "tun" }), { runId, lane: 8 });
    lanes.push(lane);
    const state = (await lane.readState()) as { relay: { pid: number } };
    process.kill(state.relay.pid, "SIGKILL");
    await new Promise((r) => setTimeout(r, 200));
    await expect(lane.counters()).rejects.toThrow(/TUN relay exited/);
    await lane.close();
    expect(await leftovers(`pqtls-${runId}-8-`)).toEqual([]);
  });
});
