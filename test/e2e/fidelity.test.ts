// End to end: the fidelity guard of `pqtls run` (issue 15) on a real TUN lane. A lane deliberately
// disturbed is marked; the same lane left alone is not, as far as a shared machine allows saying so:
// - relay: the run's own relay is stopped (SIGSTOP) for 50 ms every 250 ms during a 1 Mbit/s
//   transfer. Its rows are marked `relay_late` (lateness threshold 20 ms there) and `--fail-on
//   disturbed` exits 1 naming them. The same run left alone: its relay threads run SCHED_FIFO and
//   were ≤ 0.25 ms late on every row here, but other runs' relays on this machine are SCHED_FIFO at
//   the same priority and can hold a CPU for a while (a run pinned to one CPU saw one row over 20 ms),
//   so the quiet run is allowed one marked row of six and must have a median lateness under the
//   threshold and fewer marked rows than the stopped run.
// - endpoints: the run is pinned to CPU 0 beside three busy loops pinned there too. The endpoints'
//   run-queue wait is compared with the same pinned run without the loops, in the same test: on a
//   2-core machine shared with other work, even the quiet run's endpoints wait tens of ms (PSI "some"
//   was 75–99 % while this was written, and such rows are marked `endpoint_wait` — rightly: they did
//   wait), so this half asserts on relative figures: the starved run waits at least twice as long
//   (measured: median 412 ms against 76 ms) and most of its rows are marked.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { pqtls, readRows, tunLinkSkipReason } from "../cli.js";

const skipWhy = tunLinkSkipReason("fidelity guard end-to-end test");
const dir = mkdtempSync(join(tmpdir(), "pqtls-e2e-fidelity-"));
const hogs: ChildProcess[] = [];
afterAll(() => {
  for (const h of hogs) h.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

/** A 1 Mbit/s lane: one MTU packet is 12 ms on the wire, so the lateness threshold is 20 ms. */
const runArgs = (out: string, extra: string[] = []) => [
  "run",
  "--config",
  "/dev/null",
  "--engine",
  "pqtls",
  "--variants",
  "x25519:rsa2048",
  "--rtt",
  "40ms",
  "--rate",
  "1mbit",
  "--bytes",
  "32KiB",
  "--samples",
  "6",
  "--warmups",
  "1",
  "--lanes",
  "1",
  "--out",
  out,
  "--quiet",
  "--no-report",
  ...extra,
];

interface Fidelity {
  late_max_ms: number | null;
  client_wait_ms: number | null;
  server_wait_ms: number | null;
  thresholds: { late_ms: number; wait_ms: number };
  marked: string[];
}
const fidelityOf = (out: string): Fidelity[] => readRows(out).map((r) => r.fidelity as Fidelity);

/** pids of the relays `parent` started (children named pqtls-relay): only this run's, never another's. */
function relaysOf(parent: number): number[] {
  const pids: number[] = [];
  for (const p of readdirSync("/proc").filter((x) => /^\d+$/.test(x))) {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, "utf8");
      const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (comm === "pqtls-relay" && ppid === parent) pids.push(Number(p));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

describe.skipIf(skipWhy !== null)("fidelity guard on a TUN lane", () => {
  it("marks the rows of a lane whose relay is stopped 50 ms at a time, and --fail-on disturbed names them", async () => {
    const quietOut = join(dir, "relay-quiet.jsonl");
    const quietRun = await pqtls(runArgs(quietOut), { timeoutMs: 150_000 });
    expect(quietRun.code).toBe(0);

    const out = join(dir, "stopped.jsonl");
    let cli: ChildProcess | null = null;
    let done = false;
    const run = pqtls(runArgs(out, ["--fail-on", "disturbed"]), {
      timeoutMs: 150_000,
      onSpawn: (c) => {
        cli = c;
      },
    });
    const stopper = (async () => {
      while (!done) {
        const [relay] = cli?.pid ? relaysOf(cli.pid) : [];
        if (relay === undefined) {
          await sleep(100);
          continue;
        }
        try {
          process.kill(relay, "SIGSTOP");
          await sleep(50);
        } finally {
          try {
            process.kill(relay, "SIGCONT");
          } catch {
            // the relay has exited
          }
        }
        await sleep(200);
      }
    })();
    const r = await run.finally(() => {
      done = true;
    });
    await stopper;
    const rows = fidelityOf(out);
    expect(rows).toHaveLength(6);
    const late = rows.filter((f) => f.marked.includes("relay_late"));
    // Most connections overlap a stop while packets are queued; generous: half of them.
    expect(late.length).toBeGreaterThanOrEqual(3);
    for (const f of late) {
      expect(f.thresholds.late_ms).toBe(20);
      expect(f.late_max_ms!).toBeGreaterThan(20);
    }
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/rows marked by the fidelity guard/);

    const quiet = fidelityOf(quietOut);
    expect(quiet).toHaveLength(6);
    const quietLate = quiet.filter((f) => f.marked.includes("relay_late")).length;
    expect(quietLate).toBeLessThanOrEqual(1);
    expect(quietLate).toBeLessThan(late.length);
    expect(median(quiet.map((f) => f.late_max_ms!))).toBeLessThanOrEqual(20);
  }, 320_000);

  it("marks endpoints starved beside CPU hogs: they wait far longer than the same run without them", async () => {
    const pinToCpu0 = (c: ChildProcess) => {
      // Before the CLI starts its relay and endpoints, which inherit the affinity.
      execFileSync("taskset", ["-a", "-p", "-c", "0", String(c.pid)], { stdio: "ignore" });
    };
    const quietOut = join(dir, "quiet.jsonl");
    const quiet = await pqtls(runArgs(quietOut), { timeoutMs: 150_000, onSpawn: pinToCpu0 });
    expect(quiet.code).toBe(0);

    for (let i = 0; i < 3; i++)
      hogs.push(spawn("taskset", ["-c", "0", "sh", "-c", "while :; do :; done"], { stdio: "ignore" }));
    const starvedOut = join(dir, "starved.jsonl");
    let starved: Awaited<ReturnType<typeof pqtls>>;
    try {
      starved = await pqtls(runArgs(starvedOut), { timeoutMs: 150_000, onSpawn: pinToCpu0 });
    } finally {
      for (const h of hogs.splice(0)) h.kill("SIGKILL");
    }
    expect(starved.code).toBe(0);

    const q = fidelityOf(quietOut);
    const s = fidelityOf(starvedOut);
    expect(q).toHaveLength(6);
    expect(s).toHaveLength(6);
    const wait = (f: Fidelity) => (f.client_wait_ms ?? 0) + (f.server_wait_ms ?? 0);
    const quietWait = median(q.map(wait));
    const starvedWait = median(s.map(wait));
    expect(
      starvedWait,
      `median endpoint wait: starved ${starvedWait} ms, quiet ${quietWait} ms`,
    ).toBeGreaterThan(2 * quietWait);
    expect(s.filter((f) => f.marked.includes("endpoint_wait")).length).toBeGreaterThanOrEqual(4);
  }, 320_000);
});
