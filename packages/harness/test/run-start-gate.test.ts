// Endpoint start-ups are gated run-wide: with 16 lanes, 48 Node programs starting at once on 2 cores
// each missed the 20 s ready timeout. The gate lets `slots` starts run at once, queues the rest in
// order, and an aborted run does not wait for a slot. Lanes measure only when no start runs or waits
// (quiet): a start takes a core for about a second and slowed other lanes' handshakes by 10-16 %.
import { describe, expect, it } from "vitest";
import { AbortedError, StartGate } from "../src/run/endpoints.js";

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("StartGate", () => {
  it("runs at most `slots` starts at once, in arrival order", async () => {
    const gate = new StartGate(2);
    let active = 0;
    let peak = 0;
    const order: number[] = [];
    await Promise.all(
      [0, 1, 2, 3, 4, 5].map((i) =>
        gate.run(async () => {
          active++;
          peak = Math.max(peak, active);
          order.push(i);
          await tick(20);
          active--;
        }),
      ),
    );
    expect(peak).toBe(2);
    expect(order).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it("frees the slot when a start fails", async () => {
    const gate = new StartGate(1);
    await expect(gate.run(async () => Promise.reject(new Error("no")))).rejects.toThrow("no");
    await expect(gate.run(async () => 7)).resolves.toBe(7);
  });

  it("an abort while queued rejects without starting", async () => {
    const gate = new StartGate(1);
    const abort = new AbortController();
    let started = false;
    const first = gate.run(() => tick(50));
    const queued = gate.run(async () => {
      started = true;
    }, abort.signal);
    abort.abort();
    await expect(queued).rejects.toBeInstanceOf(AbortedError);
    await first;
    await tick(10);
    expect(started).toBe(false);
  });

  it("is quiet only when no start runs or waits", async () => {
    const gate = new StartGate(1);
    expect(await gate.quiet()).toBe(false); // idle: at once, and says it did not wait
    let quietAt = 0;
    const ends: number[] = [];
    const starts = [30, 30].map((ms) =>
      gate.run(async () => {
        await tick(ms);
        ends.push(performance.now());
      }),
    );
    const quiet = gate.quiet().then((waited) => {
      expect(waited).toBe(true);
      quietAt = performance.now();
    });
    await Promise.all([...starts, quiet]);
    expect(ends.length).toBe(2);
    // Not after the first start (the second was queued), only after the last one.
    expect(quietAt).toBeGreaterThanOrEqual(ends[1]);
  });

  it("an abort while waiting for quiet rejects", async () => {
    const gate = new StartGate(1);
    const abort = new AbortController();
    const running = gate.run(() => tick(50));
    const waiting = gate.quiet(abort.signal);
    abort.abort();
    await expect(waiting).rejects.toBeInstanceOf(AbortedError);
    await running;
  });
});
