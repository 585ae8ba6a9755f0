// A lane in two network namespaces joined by an emulated link, with either backend:
//   tun   — the native relay (relay.ts) owns a TUN device in each namespace;
//   netem — a veth pair with a netem qdisc on each end (netem.ts).
// Order matters for the TUN backend: a TUN device vanishes with its process, taking its routes, so the
// routes carrying initcwnd/initrwnd are applied after the relay is up.
import { type ChildProcess, type SpawnOptions, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { LATE_BOUNDS_US } from "@pqtls/report";
import { UserError } from "../errors.js";
import { netemTakesSeed } from "./detect.js";
import {
  applySysctls,
  deviceDrops,
  offloadsOff,
  readDevice,
  readOffloads,
  readRootState,
  readRoutes,
  readSysctls,
  routeArgs,
} from "./endpoint.js";
import { run } from "./exec.js";
import type { Lane } from "./lane.js";
import { devName, laneAddresses, nsName, runTag, type Side } from "./names.js";
import { deviceCommands, netemQdiscCommand, vethCommand } from "./netem.js";
import { Relay, type RelayStats } from "./relay.js";
import { claimRun, deleteNamespace, ourRelays, releaseRun } from "./runs.js";
import type { DirectionSpec, EndpointSpec, LinkSpec } from "./spec.js";
import { validateLinkSpec } from "./spec.js";
import { deleteNamespaceSync, killSync, track, untrack } from "./teardown.js";

/** SCHED_FIFO priority for the relay's packet threads (0 = none). Below the kernel's own RT threads. */
function relayRtPriority(): number {
  const env = process.env.PQTLS_RELAY_RT;
  return env === undefined ? 20 : Number(env) || 0;
}

/** TUN ring size: absorbs a sender's burst while the relay's reader thread is scheduled in. */
export const TUN_TXQUEUELEN = 10_000;

interface SideInfo {
  ns: string;
  dev: string;
  addr: string;
}

/** The counters of Lane.counters() from one relay report. */
function relayCounters(stats: RelayStats): Record<string, number> {
  const out: Record<string, number> = {};
  const known = (v: number) => (v < 0 ? Number.NaN : v);
  for (const which of ["up", "down"] as const) {
    const d = stats[which];
    Object.assign(out, {
      // Kernel → relay: the sending side's TUN ring overflowed (the relay fell behind).
      [`${which}.tunTxDropped`]: known(d.tun_tx_dropped),
      // Relay → kernel: the receiving side refused a packet.
      [`${which}.rxDropped`]: known(d.tun_rx_dropped),
      [`${which}.packets`]: d.rx,
      [`${which}.delivered`]: d.tx,
      [`${which}.lost`]: d.lost,
      [`${which}.overflow`]: d.overflow,
      [`${which}.stalls`]: d.stalls,
      [`${which}.writeErrors`]: d.tx_errors,
      [`${which}.queued`]: d.queued,
      [`${which}.queuePeak`]: d.queue_peak,
      [`${which}.lateMeanUs`]: d.late_mean_us,
      [`${which}.lateMaxUs`]: d.late_max_us,
      // Packets released more than 5 ms after their due time: the relay thread was not scheduled
      // (a host stall), so a window containing any measured the host, not the configured link.
      [`${which}.lateOver5ms`]: d.late_hist
        .slice(LATE_BOUNDS_US.indexOf(5000) + 1)
        .reduce((a, b) => a + b, 0),
    });
    // The histogram itself (lateHist<i>: packets released at most LATE_BOUNDS_US[i] late, the last
    // bucket above): the runner's fidelity guard reads its change over one connection.
    d.late_hist.forEach((n, i) => {
      out[`${which}.lateHist${i}`] = n;
    });
  }
  return out;
}

/** Lanes of each run tag open in this process (the run record is released with the last one). */
const openByTag = new Map<string, Set<NamespaceLane>>();

export class NamespaceLane implements Lane {
  readonly client: { ns: string; addr: string };
  readonly server: { ns: string; addr: string };
  private readonly sides: Record<Side, SideInfo>;
  private readonly tag: string;
  private readonly prefix: string;
  private spec: LinkSpec;
  private relay: Relay | null = null;
  private readonly children = new Set<ChildProcess>();
  private closing: Promise<void> | null = null;
  /** Why this backend was chosen (recorded in readState: "auto" resolves per machine). */
  backendReason = "requested";
  /** Counters read at close(), after which the devices are gone. */
  finalCounters: Record<string, number> | null = null;

  private constructor(
    readonly runId: string,
    readonly index: number,
    readonly backend: "tun" | "netem",
    spec: LinkSpec,
  ) {
    this.tag = runTag(runId);
    const addrs = laneAddresses(index);
    this.prefix = `10.${index}.0.0/${addrs.prefixLen}`;
    const side = (s: Side): SideInfo => ({
      ns: nsName(this.tag, index, s),
      dev: devName(this.tag, index, s),
      addr: addrs[s],
    });
    this.sides = { client: side("client"), server: side("server") };
    this.client = { ns: this.sides.client.ns, addr: this.sides.client.addr };
    this.server = { ns: this.sides.server.ns, addr: this.sides.server.addr };
    this.spec = structuredClone(spec);
  }

  static async open(
    spec: LinkSpec,
    o: { runId: string; lane: number },
    backend: "tun" | "netem",
    reason = "requested",
  ): Promise<NamespaceLane> {
    const lane = new NamespaceLane(o.runId, o.lane, backend, spec);
    lane.backendReason = reason;
    // Idempotent set-up: an earlier lane with the same names (this process or a dead one) is replaced.
    for (const other of [...(openByTag.get(lane.tag) ?? [])]) if (other.index === o.lane) await other.close();
    // Claimed after that close, which releases the run record when it closes the run's last lane.
    claimRun(lane.tag, o.runId);
    const mine = openByTag.get(lane.tag) ?? new Set();
    openByTag.set(lane.tag, mine);
    mine.add(lane);
    track(lane);
    try {
      await lane.removeOwnLeftovers();
      await lane.setUp();
    } catch (err) {
      await lane.close();
      throw err;
    }
    return lane;
  }

  private async removeOwnLeftovers(): Promise<void> {
    const wanted = [this.sides.client.ns, this.sides.server.ns];
    for (const r of ourRelays()) if (wanted.includes(r.ns)) killSync(r.pid);
    for (const dev of [this.sides.client.dev, this.sides.server.dev])
      if (existsSync(`/sys/class/net/${dev}`)) await run(["ip", "link", "del", dev], { allowFail: true });
    for (const ns of wanted) if (existsSync(`/run/netns/${ns}`)) await deleteNamespace(ns);
  }

  private async setUp(): Promise<void> {
    const { client, server } = this.sides;
    for (const side of [client, server]) {
      await run(["ip", "netns", "add", side.ns]);
      await run(["ip", "-n", side.ns, "link", "set", "dev", "lo", "up"]);
    }
    await applySysctls(client.ns, this.spec.client);
    await applySysctls(server.ns, this.spec.server);
    if (this.backend === "tun") {
      this.relay = await Relay.start({
        nsA: client.ns,
        devA: client.dev,
        nsB: server.ns,
        devB: server.dev,
        rtPriority: relayRtPriority(),
      });
      // If the relay dies, its devices go with it: fail loudly instead of measuring a dead link.
      this.relay.child.once("exit", (code, signal) => {
        if (!this.closing)
          process.emitWarning(`pqtls: TUN relay of lane ${this.index} exited (${signal ?? code})`);
      });
    } else {
      await run(vethCommand(client, server));
    }
    await this.applyLink(this.spec);
    await this.applyEndpoints(this.spec);
  }

  private async applyLink(spec: LinkSpec): Promise<void> {
    const dirs: Array<["up" | "down", DirectionSpec, Side, number]> = [
      ["up", spec.up, "client", spec.seed],
      ["down", spec.down, "server", spec.seed + 1],
    ];
    for (const [which, d, side, seed] of dirs) {
      if (this.relay) await this.relay.set(which, d, seed);
      else
        await run(
          netemQdiscCommand(this.sides[side].ns, this.sides[side].dev, d, netemTakesSeed() ? seed : null),
        );
    }
  }

  private async applyEndpoints(spec: LinkSpec): Promise<void> {
    for (const s of ["client", "server"] as const) {
      const side = this.sides[s];
      const e: EndpointSpec = spec[s];
      for (const argv of deviceCommands(side, 24, e, this.backend === "tun" ? TUN_TXQUEUELEN : 1000))
        await run(argv);
      await offloadsOff(side.ns, side.dev, this.backend === "netem");
      await run(routeArgs(side.ns, side.dev, this.prefix, side.addr, e));
    }
  }

  spawn(side: "client" | "server", cmd: string, args: string[], o?: SpawnOptions): ChildProcess {
    if (this.closing) throw new Error(`lane ${this.index} of run ${this.runId} is closed`);
    const child = spawn("ip", ["netns", "exec", this.sides[side].ns, cmd, ...args], o ?? {});
    this.children.add(child);
    child.once("exit", () => this.children.delete(child));
    return child;
  }

  async reconfigure(spec: LinkSpec): Promise<void> {
    validateLinkSpec(spec);
    if (spec.backend !== "auto" && spec.backend !== this.backend)
      throw new UserError(
        `lane ${this.index} runs the ${this.backend} backend; open a new lane for ${spec.backend}`,
      );
    if (this.closing) throw new Error(`lane ${this.index} of run ${this.runId} is closed`);
    const endpointsChanged =
      JSON.stringify([spec.client, spec.server]) !== JSON.stringify([this.spec.client, this.spec.server]);
    if (endpointsChanged) {
      await applySysctls(this.sides.client.ns, spec.client);
      await applySysctls(this.sides.server.ns, spec.server);
      await this.applyEndpoints(spec);
    }
    await this.applyLink(spec);
    this.spec = structuredClone(spec);
  }

  async readState(): Promise<Record<string, unknown>> {
    const side = async (s: Side) => {
      const info = this.sides[s];
      return {
        ns: info.ns,
        dev: info.dev,
        addr: info.addr,
        device: await readDevice(info.ns, info.dev),
        offloads: await readOffloads(info.ns, info.dev),
        routes: await readRoutes(info.ns),
        sysctls: await readSysctls(info.ns),
        qdisc:
          this.backend === "netem"
            ? (await run(["tc", "-n", info.ns, "qdisc", "show", "dev", info.dev])).stdout.trim()
            : undefined,
      };
    };
    const relay = this.relay ? await this.relay.stats() : null;
    return {
      backend: this.backend,
      backendReason: this.backendReason,
      runId: this.runId,
      lane: this.index,
      requested: structuredClone(this.spec),
      relay: relay
        ? { pid: this.relay!.pid, realtime: this.relay!.rt, up: relay.up.params, down: relay.down.params }
        : null,
      client: await side("client"),
      server: await side("server"),
      root: await readRootState(),
    };
  }

  async counters(): Promise<Record<string, number>> {
    if (this.finalCounters) return this.finalCounters;
    return this.collectCounters();
  }

  private async collectCounters(): Promise<Record<string, number>> {
    if (this.relay) return relayCounters(await this.relay.stats());
    const c = this.sides.client;
    const s = this.sides.server;
    const out: Record<string, number> = {};
    {
      const [cd, sd] = [await deviceDrops(c.ns, c.dev), await deviceDrops(s.ns, s.dev)];
      Object.assign(out, {
        "up.txDropped": cd.txDropped,
        "down.txDropped": sd.txDropped,
        "up.rxDropped": sd.rxDropped,
        "down.rxDropped": cd.rxDropped,
      });
      for (const [which, side] of [
        ["up", c],
        ["down", s],
      ] as const) {
        const { stdout } = await run(["tc", "-n", side.ns, "-s", "-j", "qdisc", "show", "dev", side.dev], {
          allowFail: true,
        });
        try {
          const q = JSON.parse(stdout)[0] ?? {};
          out[`${which}.qdiscDrops`] = Number(q.drops ?? 0);
          out[`${which}.qdiscOverlimits`] = Number(q.overlimits ?? 0);
          out[`${which}.delivered`] = Number(q.packets ?? 0);
        } catch {
          out[`${which}.qdiscDrops`] = Number.NaN;
        }
      }
    }
    return out;
  }

  close(): Promise<void> {
    this.closing ??= this.teardown();
    return this.closing;
  }

  private async teardown(): Promise<void> {
    for (const child of this.children) child.kill("SIGKILL");
    if (this.relay) {
      // The relay's last report, with the TUN devices' kernel counters read just before they vanish.
      const final = await this.relay.stop();
      if (final) this.finalCounters = relayCounters(final);
    } else if (this.backend === "netem") {
      this.finalCounters = await this.collectCounters().catch(() => null);
    }
    await deleteNamespace(this.sides.client.ns);
    await deleteNamespace(this.sides.server.ns);
    this.forget();
  }

  closeSync(): void {
    for (const child of this.children) killSync(child.pid);
    killSync(this.relay?.pid);
    deleteNamespaceSync(this.sides.client.ns);
    deleteNamespaceSync(this.sides.server.ns);
    this.forget();
  }

  private forget(): void {
    untrack(this);
    const mine = openByTag.get(this.tag);
    mine?.delete(this);
    if (!mine?.size) {
      openByTag.delete(this.tag);
      releaseRun(this.tag);
    }
  }
}
