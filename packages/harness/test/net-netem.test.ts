// The netem backend's exact tc/ip commands for a parameter set, the relay's equivalent `set` lines,
// and the live netem path where the kernel has sch_netem (skipped here, with the reason, where not).
import { describe, expect, it } from "vitest";
import { probeNetem } from "../src/net/detect.js";
import { openLane, symmetricLink } from "../src/net/index.js";
import { expectedGoodputMbps, transferTimeMs } from "../src/net/model.js";
import { deviceCommands, netemQdiscCommand, vethCommand } from "../src/net/netem.js";
import { measurePing } from "../src/net/probes.js";
import { relaySetLine } from "../src/net/relay.js";
import { distTablePath } from "../src/net/tables.js";

/** 200 ms / 1 Mbit/s / 1 % loss with paretonormal jitter: netem and the relay must say the same. */
const slowLossyJitteryLink = () =>
  symmetricLink({ rttMs: 200, rateMbps: 1, lossPct: 1, jitterMs: 5, jitterDist: "paretonormal" });

describe("netem commands", () => {
  it("a symmetric 200 ms / 1 Mbit/s / 1 % link with paretonormal jitter", () => {
    const spec = slowLossyJitteryLink();
    expect(netemQdiscCommand("pqtls-r1-0-c", "pqtlsr10c", spec.up, 1)).toEqual(
      "tc -n pqtls-r1-0-c qdisc replace dev pqtlsr10c root netem limit 1000 delay 100ms 5ms distribution paretonormal rate 1000000bit loss random 1% seed 1".split(
        " ",
      ),
    );
  });

  it("fractional delays in µs, uniform jitter without a table, no L2 as a -14 B overhead, Gilbert-Elliott", () => {
    const spec = symmetricLink({ rttMs: 35, jitterMs: 0.5, rateMbps: 1000, queueLimit: 5000 });
    spec.down.countL2 = false;
    spec.down.loss = { kind: "gilbert-elliott", p: 1, r: 25, h: 70 };
    expect(netemQdiscCommand("n", "d", spec.down, 9).slice(9).join(" ")).toBe(
      "limit 5000 delay 17500us 500us rate 1000000000bit -14 loss gemodel 1% 25% 70% 0% seed 9",
    );
    expect(
      netemQdiscCommand("n", "d", symmetricLink({ rttMs: 0 }).up, 1)
        .slice(9)
        .join(" "),
    ).toBe("limit 1000 delay 0ms seed 1");
    // Without seed support (tc/kernel before 6.3) the keyword is left out.
    expect(
      netemQdiscCommand("n", "d", symmetricLink({ rttMs: 0 }).up, null)
        .slice(9)
        .join(" "),
    ).toBe("limit 1000 delay 0ms");
  });

  it("the veth pair and the per-end device set-up", () => {
    const c = { ns: "pqtls-r1-0-c", dev: "pqtlsr10c", addr: "10.0.0.1" };
    const s = { ns: "pqtls-r1-0-s", dev: "pqtlsr10s", addr: "10.0.0.2" };
    expect(vethCommand(c, s).join(" ")).toBe(
      "ip link add pqtlsr10c netns pqtls-r1-0-c type veth peer name pqtlsr10s netns pqtls-r1-0-s",
    );
    const e = symmetricLink({ rttMs: 10, mtu: 1400 }).client;
    expect(deviceCommands(c, 24, e).map((a) => a.join(" "))).toEqual([
      "ip -n pqtls-r1-0-c addr replace 10.0.0.1/24 dev pqtlsr10c",
      "ip -n pqtls-r1-0-c link set dev pqtlsr10c mtu 1400 txqueuelen 1000 up",
    ]);
  });

  it("the relay gets the same parameters", () => {
    const spec = slowLossyJitteryLink();
    const table = distTablePath("paretonormal");
    if (!table) return; // without iproute2's tables the relay refuses table distributions (tested in spec)
    expect(relaySetLine("up", spec.up, 3)).toBe(
      `set up delay_ns=100000000 jitter_ns=5000000 table=${table} rate_bps=1000000 l2=1 loss=bern:1 limit=1000 seed=3`,
    );
  });
});

describe("packet-level model", () => {
  it("with initcwnd above the BDP the link never idles: handshake + serialisation of every packet + one-way delay", () => {
    const bytes = 200 * 1024;
    const t = transferTimeMs({ rttMs: 200, rateMbps: 1, bytes, initcwnd: 20 });
    const ser = (len: number) => ((len + 14) * 8) / 1000;
    const full = Math.floor(bytes / 1448);
    const closedForm =
      3 * 100 + 2 * ser(60) + ser(52) + full * ser(1500) + ser(bytes - full * 1448 + 52) + 100;
    expect(t).toBeCloseTo(closedForm, 6);
    expect(expectedGoodputMbps(100, 1500, false)).toBeCloseTo((100 * 1448) / 1500, 9);
  });

  it("initcwnd 10 below the BDP idles for one ACK round trip minus the first flight", () => {
    const p = { rttMs: 200, rateMbps: 1, bytes: 200 * 1024 };
    const diff = transferTimeMs({ ...p, initcwnd: 10 }) - transferTimeMs({ ...p, initcwnd: 20 });
    const ser = (len: number) => ((len + 14) * 8) / 1000;
    // First ACK returns after one packet + RTT + the ACK's own serialisation; the flight took 10 packets.
    expect(diff).toBeCloseTo(ser(1500) + 200 + ser(52) - 10 * ser(1500), 6);
  });
});

const netem = await probeNetem();
describe.skipIf(!netem.ok)(
  `netem backend live (${netem.ok ? "available" : `skipped: ${netem.detail}`})`,
  () => {
    it("RTT 35 ms over veth + netem", async () => {
      const lane = await openLane(symmetricLink({ rttMs: 35, backend: "netem" }), {
        runId: `nm${process.pid % 1000}`,
        lane: 2,
      });
      try {
        expect(lane.backend).toBe("netem");
        const ping = await measurePing(lane, { count: 10, intervalS: 0.05 });
        expect(Math.abs(ping.medianMs - 35)).toBeLessThanOrEqual(1);
        const state = await lane.readState();
        expect(JSON.stringify(state)).toContain("netem");
      } finally {
        await lane.close();
      }
    });
  },
);
if (!netem.ok) console.warn(`netem live test skipped: ${netem.detail}`);
