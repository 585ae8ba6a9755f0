// The experiment runner: plan → lanes → endpoints → one row per connection → report.
// Each lane takes units (a slice of one link group's rounds) from a shared queue, configures its
// link for the group, starts one server process per engine (a TLS server per cell configuration)
// and runs the rounds, one connection at a time, writing each row as it finishes. Interruption (the abort signal) stops at once: the
// in-flight connection is discarded (resume redoes it), endpoints are killed and lanes torn down.

import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import {
  activeValue,
  isDisturbed,
  isMarked,
  judgeConnectTimes,
  type Row,
  type RowFidelity,
  recordedValue,
  serverKey as registryServerKey,
  rowFields,
  type TcpInfo,
} from "@pqtls/report";
import { COMPRESSING_CHAIN_REDUCTIONS, MODEL_CHAIN_REDUCTIONS } from "@pqtls/report/dimensions";
import { UserError } from "../errors.js";
import {
  type Lane,
  type LinkSpec,
  openLane,
  parseLoss,
  symmetricLink,
  validateLinkSpec,
} from "../net/index.js";
import { AdaptiveSchedule, type Look } from "./adaptive.js";
import type { EngineName, LinkParams, RunConfig } from "./config.js";
import type { Measurement, ServerOptions } from "./endpoint/protocol.js";
import {
  AbortedError,
  ClientDriver,
  EndpointStartError,
  endpointStartsQuiet,
  ServerProcess,
} from "./endpoints.js";
import { type EngineRuntime, resolveEngines } from "./engines.js";
import { type FidelitySnapshot, fidelitySnapshot, rowFidelity } from "./fidelity.js";
import { waitLinkIdle } from "./idle.js";
import { type ExistingResults, ResultsWriter, readResults, sampleKey } from "./jsonl.js";
import { UnitAdmission } from "./lane-packing.js";
import { buildMeta } from "./meta.js";
import {
  type ChainMaterial,
  modelChainKey,
  prepareChains,
  prepareModelChains,
  type SizeModel,
} from "./pki.js";
import { type Cell, type Group, type Plan, planLanes, roundOrder, type Unit } from "./plan.js";
import { Progress } from "./progress.js";
import type { ShardMeta } from "./shard.js";
import { counterDelta, readTcpCounters } from "./tcpstats.js";

export interface RunOptions {
  config: RunConfig;
  plan: Plan;
  out: string;
  resume: boolean;
  progress: "bar" | "lines" | "quiet";
  commandLine: string[];
  signal: AbortSignal;
  /** Set when `plan` is one shard of a larger plan (run/shard.ts): recorded in the meta line, checked on resume. */
  shard?: ShardMeta;
}

export interface RunResult {
  runId: string;
  out: string;
  /** Rows written by this invocation. */
  written: number;
  failed: number;
  /** Rows whose lane dropped packets outside the configured loss (report's DISTURBANCE_COUNTERS). */
  disturbed: number;
  /** Rows the fidelity guard marked (relay late or endpoints waiting for a CPU; report's fidelity.ts). */
  marked: number;
  /** Samples already in the file (resume). */
  skipped: number;
  interrupted: boolean;
  /** Link checks: the measured TCP connect time (one RTT) against the configured RTT, per link group. */
  linkChecks: string[];
}

/** The LinkSpec of a group: the symmetric testbed of the study (RTT/2 each way). */
export function linkSpecFor(link: LinkParams, config: RunConfig): LinkSpec {
  const spec = symmetricLink({
    rttMs: link.rtt_ms,
    jitterMs: link.jitter_ms,
    jitterDist: link.jitter_dist,
    rateMbps: link.rate_mbps,
    lossPct: link.loss_pct,
    queueLimit: link.queue_limit,
    mtu: link.mtu,
    initcwnd: link.initcwnd,
    cc: link.cc,
    backend: config.link,
    seed: config.seed,
  });
  if (link.loss_model) spec.up.loss = spec.down.loss = parseLoss(link.loss_model);
  return spec;
}

/**
 * The link the warm-ups run on: the group's endpoints (MTU, initcwnd, congestion control, buffers)
 * with the link itself unshaped (no delay, jitter, rate limit or loss). Warm-ups are there to warm
 * the endpoint programs (JIT, first-use crypto, caches), which the link does not affect, and are
 * never recorded; on a 1 Mbit/s, 10 % loss link the study's 3 per cell cost a lane ~6 minutes
 * before its first sample. The endpoints keep no TCP state between connections (metrics saving
 * off), so the measured connections start the same either way.
 */
export function warmUpLinkSpec(spec: LinkSpec): LinkSpec {
  const unshaped = (d: LinkSpec["up"]) => ({ ...d, delayMs: 0, jitterMs: 0, rateMbps: 0, loss: null });
  return { ...spec, up: unshaped(spec.up), down: unshaped(spec.down) };
}

/** Checks everything that can be checked without touching the system: link specs of every group, root. */
export function preflight(config: RunConfig, plan: Plan): void {
  for (const g of plan.groups) validateLinkSpec(linkSpecFor(g.link, config));
  if (config.link !== "none" && typeof process.getuid === "function" && process.getuid() !== 0)
    throw new UserError(
      "pqtls run needs root to create network namespaces and the emulated link (run it with sudo), " +
        "or pass --link none to run over loopback, unshaped",
    );
}

function newRunId(): string {
  // 6 [a-z0-9] characters: short enough to be the lanes' namespace tag as is. The process id is part
  // of it (base 36, at most 5 characters for Linux's largest pid_max), so runs alive at the same time on
  // one host, such as shards of one experiment, never share a tag or a namespace name.
  const pid = process.pid.toString(36).slice(-5);
  const r = Array.from(randomBytes(6 - pid.length), (b) => (b % 36).toString(36)).join("");
  return `${r}${pid}`;
}

/** Keys of the resolved config that may change between a run and its resume. */
const OPERATIONAL_KEYS = new Set([
  "samples",
  "lanes",
  "machine",
  "timeout_ms",
  "description",
  "preset",
  "report_baseline",
  "report_variant",
]);

function checkResumable(
  existing: ExistingResults,
  config: RunConfig,
  out: string,
  shard: ShardMeta | undefined,
): void {
  const before = existing.meta.config;
  for (const [k, v] of Object.entries(config)) {
    if (OPERATIONAL_KEYS.has(k) || k === "stop_rule") continue; // the stop rule: below, with its cap
    // A dimension added since the run was recorded reads as its none (the run had it off).
    if (JSON.stringify(recordedValue(before, k)) !== JSON.stringify(v))
      throw new UserError(
        `--resume: ${k} differs from the run recorded in ${out}; resume with the same config or choose another --out`,
      );
  }
  // An adaptive run continues exactly only under the same stop rule and cap.
  const beforeRule = (before as { stop_rule?: unknown }).stop_rule;
  if (beforeRule !== undefined || config.stop_rule !== undefined) {
    const rule = (r: unknown, samples: unknown) =>
      r === undefined ? "fixed samples" : JSON.stringify({ ...r, cap: samples });
    const was = rule(beforeRule, (before as { samples?: unknown }).samples);
    const is = rule(config.stop_rule, config.samples);
    if (was !== is)
      throw new UserError(
        `--resume: ${out} was sampled with ${was}, not ${is}; resume with the same --ci-width, --ci-on, --min-samples and --samples`,
      );
  }
  const was = existing.meta.shard;
  const is = shard;
  if (
    (was || is) &&
    (was?.index !== is?.index || was?.count !== is?.count || was?.plan_hash !== is?.plan_hash)
  )
    throw new UserError(
      `--resume: ${out} holds ${was ? `shard ${was.index}/${was.count} of plan ${was.plan_hash}` : "an unsharded run"}, not ${is ? `shard ${is.index}/${is.count} of plan ${is.plan_hash}` : "an unsharded run"}`,
    );
}

/** Link values that are levels or statistics, not monotonic counters. */
const LINK_GAUGE = /queued|queuePeak|late|Mean|Max/;

/**
 * A server configuration: the cells of a group one server process serves (all response sizes).
 * Which dimensions key the server is the registry's `keysServer`.
 */
export function serverKey(c: Cell): string {
  return registryServerKey(c);
}

/** A cell's size model (chain_reduction mtc-model / authkem-model), or null. */
function sizeModelOf(c: Cell): SizeModel | null {
  const r = activeValue(c, "chain_reduction");
  return r && MODEL_CHAIN_REDUCTIONS.includes(r) ? (r as SizeModel) : null;
}

/** The chain the cell's server sends: its chain spec's, or the size model's chain for that spec. */
function serverChain(chains: Map<string, ChainMaterial>, c: Cell): ChainMaterial {
  const model = sizeModelOf(c);
  return chains.get(model ? modelChainKey(c.chain, model) : c.chain)!;
}

interface LaneContext {
  config: RunConfig;
  runId: string;
  engines: Map<EngineName, EngineRuntime>;
  chains: Map<string, ChainMaterial>;
  done: Set<string>;
  remaining: Map<string, number>;
  writer: ResultsWriter;
  progress: Progress;
  signal: AbortSignal;
  stats: { written: number; failed: number; disturbed: number; marked: number };
  laneCount: number;
  /** TCP connect times of successful samples, per link group key. */
  connectTimes: Map<string, number[]>;
  /** Adaptive runs (`--ci-width`): which rounds run next, and the stop rule each row records. */
  schedule: AdaptiveSchedule | null;
}

/** Spacing of lanes' first connections after a quiet wait: about one handshake's CPU on a core. */
const STAGGER_MS = 40;

class LaneWorker {
  private readonly drivers = new Map<EngineName, ClientDriver>();
  /** By server key: the engine's server process of this lane and the port of that key's TLS server. */
  private servers = new Map<string, { process: ServerProcess; port: number }>();
  /**
   * This lane's own abort signal, aborted by kill(): waits on endpoints listen here, not on the run's
   * signal, so the run's signal has one listener however many lanes there are (16 lanes each waiting
   * on it crossed Node's limit of 10 listeners and printed MaxListenersExceededWarning).
   */
  private readonly abort = new AbortController();
  /** The group whose link, servers and warm-ups this lane still holds (adaptive runs only). */
  private warmGroup: Group | null = null;

  constructor(
    private readonly index: number,
    private readonly ctx: LaneContext,
    /** Lane 0 arrives already open (its link state went into the meta line). */
    private lane: Lane | null,
  ) {}

  /** One server process per engine, with a TLS server per server key of the group's cells. */
  private async startServers(group: Group): Promise<void> {
    const lane = this.lane!;
    const byKey = new Map<string, Cell[]>();
    for (const c of group.cells) byKey.set(serverKey(c), [...(byKey.get(serverKey(c)) ?? []), c]);
    const byEngine = new Map<EngineName, { keys: string[]; options: ServerOptions[] }>();
    for (const [key, cells] of byKey) {
      const c = cells[0];
      const hooks = activeValue(c, "hooks");
      const certCompression = activeValue(c, "cert_compression");
      const clientAuth = activeValue(c, "client_auth");
      const chainReduction = activeValue(c, "chain_reduction");
      const chain = serverChain(this.ctx.chains, c);
      const e = byEngine.get(c.engine) ?? { keys: [], options: [] };
      byEngine.set(c.engine, e);
      e.keys.push(key);
      e.options.push({
        engine: c.engine,
        host: lane.server.addr,
        port: 0,
        certFile: chain.certFile,
        keyFile: chain.keyFile,
        groups: [...new Set(cells.map((x) => x.kex))],
        suites: [...new Set(cells.map((x) => x.suite))],
        ...(cells.some((x) => activeValue(x, "resume")) ? { resumption: true } : {}),
        ...(hooks ? { hooks } : {}),
        ...(certCompression ? { certCompression } : {}),
        ...(clientAuth ? { clientCaFile: this.ctx.chains.get(clientAuth)!.caFile } : {}),
        ...(chainReduction ? { chainReduction, rootFile: chain.caFile } : {}),
      });
    }
    for (const [engine, { keys, options }] of byEngine) {
      const proc = await ServerProcess.start(lane, this.ctx.engines.get(engine)!, options, this.abort.signal);
      for (const [i, key] of keys.entries()) this.servers.set(key, { process: proc, port: proc.ports[i] });
    }
  }

  /** The distinct server processes (several server keys share one). */
  private serverProcesses(): ServerProcess[] {
    return [...new Set([...this.servers.values()].map((s) => s.process))];
  }

  private async stopServers(): Promise<void> {
    await Promise.all(this.serverProcesses().map((s) => s.stop()));
    this.servers.clear();
  }

  private driver(engine: EngineName): ClientDriver {
    let d = this.drivers.get(engine);
    if (!d) {
      d = new ClientDriver(this.lane!, this.ctx.engines.get(engine)!);
      this.drivers.set(engine, d);
    }
    return d;
  }

  /**
   * Counters of both namespaces and the link (one read when both sides share a namespace), and the
   * fidelity guard's readings (run/fidelity.ts).
   */
  private async snapshot(
    driverPid: number,
    serverPid: number,
  ): Promise<{ counters: Record<string, number>; fidelity: FidelitySnapshot }> {
    const lane = this.lane!;
    const shared = lane.client.ns === lane.server.ns;
    const none = (): Record<string, number> => ({});
    const [client, server, link] = await Promise.all([
      readTcpCounters(driverPid).catch(none),
      shared ? none() : readTcpCounters(serverPid).catch(none),
      lane.counters().catch(none),
    ]);
    const out: Record<string, number> = {};
    for (const [k, v] of Object.entries(client)) out[`${shared ? "host" : "client"}.${k}`] = v;
    for (const [k, v] of Object.entries(server)) out[`server.${k}`] = v;
    // Only counters make sense as deltas; gauges (queue length, lateness means and maxima) do not.
    for (const [k, v] of Object.entries(link)) if (!LINK_GAUGE.test(k)) out[`link.${k}`] = v;
    return { counters: out, fidelity: await fidelitySnapshot(driverPid, serverPid, link) };
  }

  /** One connection of `cell`; returns the measurement, counter deltas and the fidelity guard's figures. */
  private async connect(cell: Cell): Promise<{
    m: Measurement;
    delta: Record<string, number> | null;
    fidelity?: RowFidelity;
    serverTcpInfo?: TcpInfo | null;
  }> {
    const lane = this.lane!;
    const { process: server, port } = this.servers.get(serverKey(cell))!;
    const chain = serverChain(this.ctx.chains, cell);
    const driver = this.driver(cell.engine);
    await driver.ensureStarted(this.abort.signal);
    const hooks = activeValue(cell, "hooks");
    const certCompression = activeValue(cell, "cert_compression");
    const clientAuth = activeValue(cell, "client_auth");
    const clientChain = clientAuth ? this.ctx.chains.get(clientAuth)! : null;
    const chainReduction = activeValue(cell, "chain_reduction");
    const clientKnowledge = activeValue(cell, "client_knowledge");
    const resume = activeValue(cell, "resume");
    const target = {
      host: lane.server.addr,
      port,
      servername: chain.servername,
      caFile: chain.caFile,
      kex: cell.kex,
      suite: cell.suite,
      bytes: cell.bytes,
      timeoutMs: this.ctx.config.timeout_ms,
      ...(hooks ? { hooks } : {}),
      ...(certCompression ? { certCompression } : {}),
      ...(clientChain ? { clientCertFile: clientChain.certFile, clientKeyFile: clientChain.keyFile } : {}),
      ...(chainReduction ? { chainReduction, chainFile: chain.certFile } : {}),
      ...(clientKnowledge ? { clientKnowledge } : {}),
    };
    // Every connection starts on an idle link, so its SYN never queues behind earlier packets.
    await waitLinkIdle(lane, cell);
    if (clientKnowledge === "cached") {
      // What the client caches comes from an unmeasured connection to the same server, before the counters are read.
      const warm = await driver.connect({ ...target, bytes: 0, warmup: true }, this.abort.signal);
      if (!warm.ok) return { m: { ...warm, error: `warm-up connection: ${warm.error}` }, delta: null };
      await waitLinkIdle(lane, cell);
    }
    if (resume) {
      // The ticket comes from an unmeasured connection to the same server, before the counters are read.
      const primed = await driver.connect({ ...target, bytes: 0, prime: true }, this.abort.signal);
      if (!primed.ok) return { m: { ...primed, error: `priming connection: ${primed.error}` }, delta: null };
    }
    if (resume) await waitLinkIdle(lane, cell);
    const before = await this.snapshot(driver.pid, server.pid);
    const m = await driver.connect({ ...target, ...(resume ? { resume } : {}) }, this.abort.signal);
    // The connection's last packets (the closing FIN/ACKs) are still in the delay line when the
    // client returns: read the counters once they have left it, so a row counts all of its own
    // packets and none of them spill into the next connection's window (delivered > packets).
    await waitLinkIdle(lane, cell);
    const after = await this.snapshot(driver.pid, server.pid);
    // The server reports it when the client's FIN arrives, which has crossed the link by now; a
    // failed connection may have none, and is not waited for.
    const serverTcpInfo = await server.tcpInfoFor(m.local_port, m.ok ? 100 : 0);
    // A compressing mechanism the server did not use would record the plain chain under its name.
    if (
      m.ok &&
      chainReduction &&
      COMPRESSING_CHAIN_REDUCTIONS.includes(chainReduction) &&
      !m.resumed &&
      m.cert_compression !== chainReduction
    ) {
      m.ok = false;
      m.error = `chain_reduction ${chainReduction}: the certificate came with compression ${m.cert_compression ?? "none"}`;
    }
    if (!m.ok) {
      const why = await server.errorFor(m.local_port);
      if (why && m.error && !m.error.includes(why)) m.error = `${m.error} (server: ${why})`;
      if (!server.alive) m.error = `${m.error ?? "failed"} (server process died)`;
    }
    // A driver restarted between the two reads has a new pid: its counters do not compare.
    // Lanes without namespaces share the host's counters: with several of them, no delta is one connection's.
    const shared = lane.client.ns === null && this.ctx.laneCount > 1;
    const rowMs = m.ttlb_ms ?? m.handshake_ms;
    return {
      m,
      delta: driver.pid && !shared ? counterDelta(before.counters, after.counters) : null,
      fidelity: rowFidelity(before.fidelity, after.fidelity, cell, rowMs),
      serverTcpInfo,
    };
  }

  private row(
    cell: Cell,
    sample: number,
    m: Measurement,
    delta: Record<string, number> | null,
    fidelity: RowFidelity | undefined,
    serverTcpInfo: TcpInfo | null = null,
  ): Row {
    const tcp: Record<string, number> = {};
    const link: Record<string, number> = {};
    for (const [k, v] of Object.entries(delta ?? {})) {
      if (k.startsWith("link.")) link[k.slice(5)] = v;
      else tcp[k] = v;
    }
    const chain = serverChain(this.ctx.chains, cell);
    const retrans =
      delta === null
        ? null
        : (tcp["client.Tcp.RetransSegs"] ?? 0) +
          (tcp["server.Tcp.RetransSegs"] ?? 0) +
          (tcp["host.Tcp.RetransSegs"] ?? 0);
    return {
      type: "row",
      run: this.ctx.runId,
      cell: cell.id,
      sample,
      ...rowFields(cell),
      ok: m.ok,
      error: m.error,
      tcp_connect_ms: m.tcp_connect_ms,
      handshake_ms: m.handshake_ms,
      ttfb_ms: m.ttfb_ms,
      ttlb_ms: m.ttlb_ms,
      close_ms: m.close_ms,
      hs_bytes_c2s: m.hs_bytes_c2s,
      hs_bytes_s2c: m.hs_bytes_s2c,
      ...(m.cert_msg_bytes !== undefined ? { cert_msg_bytes: m.cert_msg_bytes } : {}),
      chain_certs: chain.sent.certs,
      chain_msg_bytes: chain.sent.messageBytes,
      chain_key: chain.leafKey,
      retrans_segs: retrans,
      tcp,
      link,
      ...(m.tcp_info || serverTcpInfo
        ? { tcp_info: { client: m.tcp_info ?? null, server: serverTcpInfo } }
        : {}),
      ...(fidelity ? { fidelity } : {}),
      lane: this.index,
      ts: new Date().toISOString(),
      ...(this.ctx.schedule ? { stop_rule: this.ctx.schedule.rowRecord(cell, sample) } : {}),
    };
  }

  /** Runs one unit: link set-up, servers, warm-ups, then the unit's rounds. */
  async runUnit(unit: Unit): Promise<void> {
    const { config, done, signal } = this.ctx;
    const { group } = unit;
    // An adaptive run's block samples only the cells still sampling, in the group's round order.
    const sampled = new Set((unit.cells ?? group.cells).map((c) => c.id));
    const order = (r: number) => roundOrder(group, r, config.seed).filter((c) => sampled.has(c.id));
    const todo = (r: number) => order(r).filter((c) => !done.has(sampleKey(c.id, r)));
    let left = 0;
    for (let r = unit.fromRound; r < unit.toRound; r++) left += todo(r).length;
    if (left === 0) return;

    // An adaptive run's lane that takes the next block of the group it just sampled keeps its link,
    // servers and warm-ups: a block is only 10 rounds, and set-up each time would cost as much again.
    const warm = this.warmGroup === group;
    this.warmGroup = null;
    const spec = linkSpecFor(group.link, config);
    if (!warm) {
      await this.stopServers(); // another group's, kept from its last block
      // Warm-ups on the same endpoints with the link unshaped (warmUpLinkSpec), then the link.
      const first = config.warmups > 0 ? warmUpLinkSpec(spec) : spec;
      if (!this.lane) this.lane = await openLane(first, { runId: this.ctx.runId, lane: this.index });
      else await this.lane.reconfigure(first);
    }
    let keep = false;
    try {
      if (!warm) {
        await this.startServers(group);
        // The client drivers too, before measuring: started inside the first connection, every lane
        // released from a quiet wait started its driver at once while the others measured (64 lanes:
        // handshakes +80 %).
        for (const engine of new Set(group.cells.map((c) => c.engine)))
          await this.driver(engine).ensureStarted(this.abort.signal);
        for (let w = 0; w < config.warmups; w++)
          for (const cell of order(-1 - w)) {
            if (signal.aborted) throw new AbortedError();
            await this.connect(cell);
          }
        if (config.warmups > 0) await this.lane!.reconfigure(spec);
      }
      for (let r = unit.fromRound; r < unit.toRound; r++) {
        for (const cell of order(r)) {
          if (done.has(sampleKey(cell.id, r))) continue;
          if (signal.aborted) throw new AbortedError();
          // Not while another lane's endpoint program starts: that takes a core for about a second.
          // Lanes released together from that wait would all handshake in the same instant (64
          // lanes x ~40 ms of CPU on 2 cores): each waits its own offset first.
          if (await endpointStartsQuiet(this.abort.signal)) await this.stagger();
          const { m, delta, fidelity, serverTcpInfo } = await this.connect(cell);
          if (signal.aborted) throw new AbortedError(); // a connection cut short by the interrupt is not a sample
          const row = this.row(cell, r, m, delta, fidelity, serverTcpInfo);
          this.ctx.writer.write(row);
          if (m.ok && m.tcp_connect_ms !== null) {
            const times = this.ctx.connectTimes.get(group.key) ?? [];
            times.push(m.tcp_connect_ms);
            this.ctx.connectTimes.set(group.key, times);
          }
          done.add(sampleKey(cell.id, r));
          this.ctx.schedule?.record(row);
          this.ctx.stats.written++;
          if (!m.ok) this.ctx.stats.failed++;
          if (isDisturbed(row)) this.ctx.stats.disturbed++;
          if (isMarked(row)) this.ctx.stats.marked++;
          const rest = (this.ctx.remaining.get(cell.id) ?? 1) - 1;
          this.ctx.remaining.set(cell.id, rest);
          this.ctx.progress.sample(m.ok, rest === 0);
        }
      }
      keep = this.ctx.schedule !== null;
    } finally {
      if (keep) this.warmGroup = group;
      else await this.stopServers();
    }
  }

  /** The group whose servers this lane holds between units (adaptive runs), if any. */
  get holding(): Group | null {
    return this.warmGroup;
  }

  /** Lane i waits i x STAGGER_MS, so lanes released at once start their connections apart. */
  private async stagger(): Promise<void> {
    try {
      await sleep(this.index * STAGGER_MS, undefined, { signal: this.abort.signal });
    } catch {
      throw new AbortedError();
    }
  }

  /** Kills everything at once (interrupt); close() still tears the lane down. */
  kill(): void {
    this.abort.abort();
    for (const d of this.drivers.values()) d.kill();
    for (const s of this.serverProcesses()) s.kill();
  }

  async close(): Promise<void> {
    await Promise.all([...this.drivers.values()].map((d) => d.stop()));
    await this.stopServers();
    await this.lane?.close();
  }
}

/** A look of the stop rule in the progress output; a family that stopped takes its cells off what is left. */
function noteLook(look: Look, progress: Progress | null, remaining: Map<string, number>): void {
  const { family, decision } = look;
  const width = decision.width === null ? "no interval" : `${decision.width.toFixed(2)} points`;
  progress?.note(`look at ${decision.checkpoint} samples: ${decision.decision} (${width}): ${family.label}`);
  if (decision.decision === "continue") return;
  let left = 0;
  for (const c of family.cells) {
    left += remaining.get(c.id) ?? 0;
    remaining.set(c.id, 0);
  }
  progress?.skip(left, family.cells.length);
}

/**
 * The TCP handshake takes one round trip (plus serialisation of two small packets), so its median
 * should sit just above the configured RTT: a link that does not deliver what was asked shows here.
 * The rule and the median (type 7) are @pqtls/report's judgeConnectTimes, which the report's
 * "Link check" section uses too, so this line and the report agree on the same samples.
 */
export function checkRtt(groups: Group[], connectTimes: Map<string, number[]>): string[] {
  const out: string[] = [];
  for (const g of groups) {
    const times = connectTimes.get(g.key);
    if (!times || times.length === 0) continue;
    const rtt = g.link.rtt_ms;
    const check = judgeConnectTimes(rtt, g.link.jitter_ms, times, g.link.jitter_dist);
    const median = check.p50 ?? Number.NaN;
    out.push(
      `${check.status === "ok" ? "ok" : "CHECK"}: median TCP connect ${median.toFixed(1)} ms for configured RTT ${rtt} ms (${g.key}, n=${times.length})`,
    );
  }
  return out;
}

/** Opens lane 0 and reads back every group's link state on it before the run, for the meta line. */
async function readLinkStates(runId: string, groups: Group[], config: RunConfig) {
  const states: { group: string; state: Record<string, unknown> }[] = [];
  const lane = await openLane(linkSpecFor(groups[0].link, config), { runId, lane: 0 });
  try {
    for (const [i, g] of groups.entries()) {
      if (i > 0) await lane.reconfigure(linkSpecFor(g.link, config));
      states.push({ group: g.key, state: await lane.readState() });
    }
  } catch (err) {
    await lane.close();
    throw err;
  }
  return { lane, states };
}

export async function runExperiment(o: RunOptions): Promise<RunResult> {
  const { config, plan } = o;
  preflight(config, plan);
  const engines = await resolveEngines(config.engine);
  // Server chains and mTLS client chains (client_auth) come from the same test PKI.
  const chains = await prepareChains([
    ...new Set(
      plan.cells.flatMap((c) => [c.chain, activeValue(c, "client_auth")].filter((x) => x !== undefined)),
    ),
  ]);
  // Size-model cells send the model's chain for their chain spec instead.
  const models = plan.cells.flatMap((c) => {
    const model = sizeModelOf(c);
    return model ? [{ spec: c.chain, model }] : [];
  });
  for (const [key, m] of await prepareModelChains(models)) chains.set(key, m);

  let existing: ExistingResults | null = null;
  if (o.resume) {
    existing = readResults(o.out);
    checkResumable(existing, config, o.out, o.shard);
  }
  const runId = existing?.meta.run ?? newRunId();
  const done = existing?.done ?? new Set<string>();
  const remaining = new Map<string, number>();
  let todoTotal = 0;
  let cellsDone = 0;
  // The plan's units cover its samples exactly once (all of them, or one shard's).
  for (const u of plan.units)
    for (const c of u.group.cells)
      for (let s = u.fromRound; s < u.toRound; s++)
        if (!done.has(sampleKey(c.id, s))) remaining.set(c.id, (remaining.get(c.id) ?? 0) + 1);
  for (const c of plan.cells) {
    const n = remaining.get(c.id) ?? 0;
    remaining.set(c.id, n);
    todoTotal += n;
    if (n === 0) cellsDone++;
  }
  const skipped = plan.connections - todoTotal;
  const pendingUnits = plan.units.filter((u) =>
    u.group.cells.some((c) => {
      for (let r = u.fromRound; r < u.toRound; r++) if (!done.has(sampleKey(c.id, r))) return true;
      return false;
    }),
  );
  const result: RunResult = {
    runId,
    out: o.out,
    written: 0,
    failed: 0,
    disturbed: 0,
    marked: 0,
    skipped,
    interrupted: false,
    linkChecks: [],
  };
  const connectTimes = new Map<string, number[]>();
  let progress: Progress | null = null;
  // Adaptive runs: the schedule replays the looks the file's rows already decided.
  const schedule = config.stop_rule
    ? new AdaptiveSchedule(
        config,
        plan,
        done,
        existing?.rows ?? [],
        planLanes(plan, config.lanes),
        (look) => noteLook(look, progress, remaining),
        new Map([...chains].map(([spec, m]) => [spec, m.leafKey])),
      )
    : null;
  if (todoTotal === 0 || schedule?.idle()) return result;

  const laneCount = Math.min(planLanes(plan, config.lanes), pendingUnits.length);
  const abort = new AbortController();
  const onOuterAbort = () => abort.abort();
  o.signal.addEventListener("abort", onOuterAbort, { once: true });
  const workers: LaneWorker[] = [];
  let writer: ResultsWriter | null = null;
  let failure: unknown = null;
  try {
    const stats = { written: 0, failed: 0, disturbed: 0, marked: 0 };
    // The meta line holds the link state read back, so lane 0 comes up first.
    const groupsToRun = schedule ? schedule.groupsToRun() : [...new Set(pendingUnits.map((u) => u.group))];
    const { lane, states } = await readLinkStates(runId, groupsToRun, config);
    try {
      if (existing) writer = ResultsWriter.append(o.out);
      else
        writer = ResultsWriter.create(
          o.out,
          await buildMeta({
            runId,
            config,
            commandLine: o.commandLine,
            engines,
            backend: lane.backend,
            linkState: { lanes: laneCount, groups: states },
            shard: o.shard,
          }),
        );
    } catch (err) {
      await lane.close();
      throw err;
    }
    progress = new Progress(todoTotal, plan.cells.length, cellsDone, o.progress);
    const ctx: LaneContext = {
      config,
      runId,
      engines,
      chains,
      done,
      remaining,
      writer,
      progress,
      signal: abort.signal,
      stats,
      laneCount,
      connectTimes,
      schedule,
    };
    for (let i = 0; i < laneCount; i++) workers.push(new LaneWorker(i, ctx, i === 0 ? lane : null));

    // Fixed runs take units from the plan's queue as the packing admits them. An adaptive lane asks
    // the schedule for the next block of the group it holds first, and the packing still decides
    // when that unit may start beside the others.
    const queue = new UnitAdmission(schedule ? [] : pendingUnits, plan.packing);
    // Lanes waiting for the packing to admit a unit: woken whenever a unit ends.
    let wakeWaiting: Array<() => void> = [];
    const waitForAUnitToEnd = () => new Promise<void>((r) => wakeWaiting.push(r));
    const nextUnit = async (w: LaneWorker): Promise<Unit | null> => {
      if (schedule) {
        const unit = await schedule.next(w.holding);
        if (!unit) return null;
        for (;;) {
          if (abort.signal.aborted) return null;
          if (queue.tryStart(unit)) {
            // A unit that waited for the budget started: the lanes it held back may fit beside it.
            wakeAll();
            return unit;
          }
          await waitForAUnitToEnd();
        }
      }
      for (;;) {
        if (abort.signal.aborted || queue.empty) return null;
        const unit = queue.take();
        if (unit) return unit;
        await waitForAUnitToEnd();
      }
    };
    const wakeAll = () => {
      const waiting = wakeWaiting;
      wakeWaiting = [];
      for (const w of waiting) w();
    };
    abort.signal.addEventListener("abort", wakeAll, { once: true });
    const killAll = () => {
      schedule?.close();
      for (const w of workers) w.kill();
    };
    abort.signal.addEventListener("abort", killAll, { once: true });
    await Promise.all(
      workers.map(async (w) => {
        try {
          for (let unit = await nextUnit(w); unit && !abort.signal.aborted; unit = await nextUnit(w)) {
            try {
              await w.runUnit(unit);
            } finally {
              queue.finish(unit);
              wakeAll();
            }
            schedule?.finished(unit);
            progress!.note(`done: ${unit.group.key} rounds ${unit.fromRound}-${unit.toRound - 1}`);
          }
        } catch (err) {
          // After an interrupt, errors are its consequences (the link layer closes lanes on SIGINT too).
          if (!(err instanceof AbortedError) && !abort.signal.aborted && failure === null) {
            failure = err;
            abort.abort();
          }
        }
      }),
    );
    result.written = stats.written;
    result.failed = stats.failed;
    result.disturbed = stats.disturbed;
    result.marked = stats.marked;
    result.interrupted = o.signal.aborted;
    if (lane.backend !== "none") result.linkChecks = checkRtt(plan.groups, connectTimes);
  } catch (err) {
    if (!(err instanceof AbortedError) && !o.signal.aborted) failure ??= err;
    result.interrupted = o.signal.aborted;
  } finally {
    o.signal.removeEventListener("abort", onOuterAbort);
    progress?.stop();
    await Promise.all(workers.map((w) => w.close().catch(() => {})));
    writer?.close();
  }
  if (failure !== null) {
    if (failure instanceof EndpointStartError) throw new UserError(failure.message, 1);
    throw failure;
  }
  return result;
}
