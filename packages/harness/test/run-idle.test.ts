import { describe, expect, it } from "vitest";
import { IDLE_GUARD_MS, type IdleProbe, maxOneWayMs, waitLinkIdle } from "../src/run/idle.js";

/** A tun lane whose relay reports `queued` packets for its first `busyPolls` reads. */
function tunProbe(busyPolls: number, queued = 2): IdleProbe & { reads: number } {
  const p = {
    backend: "tun" as const,
    reads: 0,
    async counters() {
      p.reads++;
      const q = p.reads <= busyPolls ? queued : 0;
      return { "up.queued": 0, "down.queued": q };
    },
  };
  return p;
}

describe("waitLinkIdle", () => {
  it("tun: polls until neither direction has anything queued, then adds the guard", async () => {
    const probe = tunProbe(5);
    const waited = await waitLinkIdle(probe, { rtt_ms: 35, jitter_ms: 8.75 });
    expect(probe.reads).toBe(6);
    expect(waited).toBeGreaterThanOrEqual(IDLE_GUARD_MS);
  });

  it("tun: an idle link costs one read and the guard only", async () => {
    const probe = tunProbe(0);
    const waited = await waitLinkIdle(probe, { rtt_ms: 200, jitter_ms: 0 });
    expect(probe.reads).toBe(1);
    expect(waited).toBeLessThan(50);
  });

  it("tun: a queue that never drains is given up on after max one-way delay + 1 s", async () => {
    let t = 0;
    const probe: IdleProbe = {
      backend: "tun",
      async counters() {
        t += 100; // a fake clock: every read advances 100 ms
        return { "up.queued": 1, "down.queued": 0 };
      },
    };
    const waited = await waitLinkIdle(probe, { rtt_ms: 35, jitter_ms: 0 }, () => t);
    expect(waited).toBeGreaterThanOrEqual(1017.5);
    expect(waited).toBeLessThan(1200);
  });

  it("netem/none: a fixed guard of one-way delay + 4 × jitter, no counter reads", async () => {
    let reads = 0;
    const probe: IdleProbe = {
      backend: "netem",
      async counters() {
        reads++;
        return {};
      },
    };
    expect(maxOneWayMs({ rtt_ms: 20, jitter_ms: 5 })).toBe(30);
    const waited = await waitLinkIdle(probe, { rtt_ms: 20, jitter_ms: 5 });
    expect(reads).toBe(0);
    expect(waited).toBeGreaterThanOrEqual(29);
    const none = await waitLinkIdle({ ...probe, backend: "none" }, { rtt_ms: 0, jitter_ms: 0 });
    expect(none).toBeLessThan(20);
  });
});
