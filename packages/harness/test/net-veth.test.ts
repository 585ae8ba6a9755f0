// The netem backend's plumbing on a kernel without sch_netem: a `tc` stand-in on PATH records the
// qdisc commands (and answers `show` with an empty list), everything else is real — the veth pair
// across the two namespaces, addresses, MTU, offloads off via ethtool, routes with initcwnd, sysctls,
// readState, counters and teardown. The recorded tc commands must be exactly netemQdiscCommand's.
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { probeNetem, probeNetns } from "../src/net/detect.js";
import { hasEthtool } from "../src/net/endpoint.js";
import { NamespaceLane, symmetricLink } from "../src/net/index.js";
import { netemQdiscCommand } from "../src/net/netem.js";
import { measurePing } from "../src/net/probes.js";
import { hasPing, leftovers } from "./net-helpers.js";

const skipReason = await (async () => {
  if (!(await probeNetns()).ok) return "needs root for namespaces";
  if ((await probeNetem()).ok) return "this kernel has netem: net-netem.test.ts runs the real thing";
  if (!(await hasEthtool())) return "ethtool not installed (apt-get install ethtool)";
  if (!(await hasPing())) return "ping not installed";
  return null;
})();
if (skipReason) console.warn(`net-veth tests skipped: ${skipReason}`);

const dir = mkdtempSync(join(tmpdir(), "pqtls-faketc-"));
const log = join(dir, "tc.log");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!!skipReason)("netem backend plumbing (tc stand-in)", () => {
  it("sets up a veth lane, applies the netem commands it generates, reads state back and tears down", async () => {
    writeFileSync(
      join(dir, "tc"),
      `#!/bin/sh\necho "tc $*" >> ${log}\ncase "$*" in *show*) case "$*" in *-j*) echo "[]";; esac;; esac\nexit 0\n`,
    );
    chmodSync(join(dir, "tc"), 0o755);
    const path = process.env.PATH;
    process.env.PATH = `${dir}:${path}`;
    const runId = `ve${process.pid % 1000}`;
    const spec = symmetricLink({
      rttMs: 30,
      rateMbps: 10,
      lossPct: 0.5,
      mtu: 1400,
      initcwnd: 16,
      backend: "netem",
    });
    let lane: NamespaceLane | null = null;
    try {
      lane = await NamespaceLane.open(spec, { runId, lane: 4 }, "netem");
      const c = lane.client.ns;
      const s = lane.server.ns;
      const issued = readFileSync(log, "utf8").trim().split("\n");
      expect(issued).toEqual([
        netemQdiscCommand(c, `pqtls${runId}4c`, spec.up, null).join(" "),
        netemQdiscCommand(s, `pqtls${runId}4s`, spec.down, null).join(" "),
      ]);
      // No netem here, so the veth itself carries the ping: this checks addresses and routes, not delay.
      const ping = await measurePing(lane, { count: 3, intervalS: 0.05 });
      expect(ping.received).toBe(3);
      const state = (await lane.readState()) as {
        backend: string;
        client: { device: { kind: string; mtu: number }; routes: string[]; offloads: Record<string, string> };
      };
      expect(state.backend).toBe("netem");
      expect(state.client.device.kind).toBe("veth");
      expect(state.client.device.mtu).toBe(1400);
      expect(state.client.routes.join("\n")).toMatch(/initcwnd 16 initrwnd 16/);
      for (const k of ["tcp-segmentation-offload", "generic-segmentation-offload", "generic-receive-offload"])
        expect(state.client.offloads[k]).toMatch(/^off/);
      const counters = await lane.counters();
      expect(counters).toHaveProperty("up.qdiscDrops");
      expect(counters["up.txDropped"]).toBe(0);
    } finally {
      await lane?.close();
      process.env.PATH = path;
    }
    expect(await leftovers(`pqtls-${runId}-`)).toEqual([]);
    expect(await leftovers(`pqtls${runId}`)).toEqual([]);
  });
});
