// The native TUN relay as seen from Node: where the binary is, starting it, the line protocol on its
// stdin/stdout (set / stats / quit) and its counters.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { UserError } from "../errors.js";
import type { DirectionSpec } from "./spec.js";
import { distTablePath } from "./tables.js";

/** native/build/pqtls-relay of this package (src/net and dist/net are both two levels below it). */
export function relayPath(): string {
  if (process.env.PQTLS_RELAY) return process.env.PQTLS_RELAY;
  return join(dirname(fileURLToPath(import.meta.url)), "..", "..", "native", "build", "pqtls-relay");
}

export function relayBuilt(): boolean {
  return existsSync(relayPath());
}

export interface RelayDirectionStats {
  rx: number;
  rx_bytes: number;
  lost: number;
  overflow: number;
  /** Packets dropped because the relay's writer thread fell too far behind (never expected). */
  stalls: number;
  tx: number;
  tx_bytes: number;
  tx_errors: number;
  read_errors: number;
  /** Kernel counters of the TUN devices, read by the relay over netlink (-1: unreadable). */
  tun_tx_dropped: number;
  tun_rx_dropped: number;
  queued: number;
  queue_peak: number;
  late_count: number;
  late_mean_us: number;
  late_max_us: number;
  /** Release lateness histogram: one bucket per bound of @pqtls/report's LATE_BOUNDS_US (relay.c late_bounds_us) (≤ bound), then one above the last. */
  late_hist: number[];
  rt: boolean;
  params: Record<string, unknown>;
}

export interface RelayStats {
  up: RelayDirectionStats;
  down: RelayDirectionStats;
}

/** The `set` line for one direction: every parameter, so the relay's state never depends on history. */
export function relaySetLine(which: "up" | "down", d: DirectionSpec, seed: number): string {
  let table = "none";
  if (d.jitterMs > 0 && d.jitterDist !== "uniform") {
    const path = distTablePath(d.jitterDist);
    if (!path)
      throw new UserError(
        `jitter distribution ${d.jitterDist} needs iproute2's ${d.jitterDist}.dist table (install iproute2 or set TC_LIB_DIR)`,
      );
    if (/\s/.test(path)) throw new UserError(`distribution table path has spaces: ${path}`);
    table = path;
  }
  let loss = "none";
  if (d.loss?.kind === "bernoulli" && d.loss.pct > 0) loss = `bern:${d.loss.pct}`;
  else if (d.loss?.kind === "gilbert-elliott")
    loss = `ge:${d.loss.p}:${d.loss.r}:${d.loss.h ?? 100}:${d.loss.k ?? 0}`;
  return [
    `set ${which}`,
    `delay_ns=${Math.round(d.delayMs * 1e6)}`,
    `jitter_ns=${Math.round(d.jitterMs * 1e6)}`,
    `table=${table}`,
    `rate_bps=${Math.round(d.rateMbps * 1e6)}`,
    `l2=${d.countL2 ? 1 : 0}`,
    `loss=${loss}`,
    `limit=${d.queueLimit}`,
    `seed=${seed}`,
  ].join(" ");
}

export class Relay {
  private readonly lines: string[] = [];
  private waiters: Array<(line: string | null) => void> = [];
  private chain: Promise<unknown> = Promise.resolve();
  private exited = false;
  private stderr = "";
  finalStats: RelayStats | null = null;
  rt = false;

  private constructor(readonly child: ChildProcess) {
    const rl = createInterface({ input: child.stdout! });
    rl.on("line", (line) => {
      const w = this.waiters.shift();
      if (w) w(line);
      else this.lines.push(line);
    });
    child.stderr!.on("data", (d) => {
      this.stderr += d;
    });
    child.once("exit", () => {
      this.exited = true;
      // Let readline flush the last lines first.
      setImmediate(() => {
        for (const w of this.waiters.splice(0)) w(null);
      });
    });
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** Starts the relay with its two TUN devices created inside the two namespaces; resolves when ready. */
  static async start(o: {
    nsA: string;
    devA: string;
    nsB: string;
    devB: string;
    rtPriority: number;
  }): Promise<Relay> {
    const bin = relayPath();
    if (!existsSync(bin))
      throw new UserError(
        `TUN relay not built (${bin}): run \`npm run build -w packages/harness\` (needs a C compiler)`,
      );
    const args = [
      "--a-ns",
      `/run/netns/${o.nsA}`,
      "--a-dev",
      o.devA,
      "--b-ns",
      `/run/netns/${o.nsB}`,
      "--b-dev",
      o.devB,
    ];
    if (o.rtPriority > 0) args.push("--rt", String(o.rtPriority));
    const relay = new Relay(spawn(bin, args, { stdio: ["pipe", "pipe", "pipe"] }));
    relay.child.stdin!.on("error", () => {});
    const ready = await relay.nextLine(5000);
    if (!ready?.startsWith("{")) {
      relay.child.kill("SIGKILL");
      throw new Error(`TUN relay failed to start: ${relay.stderr.trim().split("\n")[0] || "no reply"}`);
    }
    relay.rt = JSON.parse(ready).rt === true;
    return relay;
  }

  private nextLine(timeoutMs: number): Promise<string | null> {
    const queued = this.lines.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    if (this.exited) return Promise.resolve(null);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== done);
        resolve(null);
      }, timeoutMs);
      const done = (line: string | null) => {
        clearTimeout(timer);
        resolve(line);
      };
      this.waiters.push(done);
    });
  }

  /** Sends one command and waits for its one-line reply (commands are serialised). */
  command(line: string, timeoutMs = 5000): Promise<string> {
    const next = this.chain.then(async () => {
      if (this.exited) throw new Error(`TUN relay exited: ${this.stderr.trim().split("\n")[0] ?? ""}`);
      this.child.stdin!.write(`${line}\n`);
      const reply = await this.nextLine(timeoutMs);
      if (reply === null) throw new Error(`TUN relay did not answer "${line.split(" ")[0]}"`);
      return reply;
    });
    this.chain = next.catch(() => {});
    return next;
  }

  async set(which: "up" | "down", d: DirectionSpec, seed: number): Promise<void> {
    const reply = await this.command(relaySetLine(which, d, seed));
    if (reply !== "ok") throw new Error(`TUN relay refused ${which} parameters: ${reply}`);
  }

  async stats(): Promise<RelayStats> {
    if (this.exited && this.finalStats) return this.finalStats;
    return JSON.parse(await this.command("stats")) as RelayStats;
  }

  /** Asks the relay to quit and returns its final counters; kills it if it does not answer in time. */
  async stop(): Promise<RelayStats | null> {
    if (this.exited) return this.finalStats;
    try {
      const line = await this.command("quit", 3000);
      this.finalStats = JSON.parse(line) as RelayStats;
    } catch {
      this.child.kill("SIGKILL");
    }
    if (!this.exited) await new Promise((r) => this.child.once("exit", r));
    return this.finalStats;
  }
}
