// The Link parameter set: one type for every backend (netem, the TUN relay, plain loopback), plus the
// symmetric shorthand and validation. Semantics follow kernel netem so both backends mean the same thing.

import {
  type CcName,
  CONGESTION_CONTROLS,
  JITTER_DISTS,
  type JitterDistName,
} from "@pqtls/report/dimensions";
import { UserError } from "../errors.js";
import type { LossModel } from "../units.js";

// The vocabularies are the registry's (@pqtls/report/dimensions): the config and the rows use the same.
export { CONGESTION_CONTROLS, JITTER_DISTS };
export type JitterDist = JitterDistName;
export type { LossModel };

/** One direction of the link. */
export interface DirectionSpec {
  delayMs: number;
  jitterMs: number;
  jitterDist: JitterDist;
  /** 0 = unshaped. */
  rateMbps: number;
  /** Count a 14 B Ethernet header per packet in the rate, as netem does on a veth. */
  countL2: boolean;
  loss: LossModel | null;
  /** Packets held per direction, including those still in the delay line (netem's `limit`, default 1000). */
  queueLimit: number;
}

/** One endpoint's TCP/IP settings. */
export interface EndpointSpec {
  mtu: number;
  initcwnd: number;
  initrwnd: number;
  cc: CcName;
  noMetricsSave: boolean;
  /** Socket buffer maxima in bytes (net.core.*mem_max and the max of net.ipv4.tcp_*mem). */
  rmemMax: number;
  wmemMax: number;
}

export type Backend = "auto" | "netem" | "tun" | "none";
export const BACKENDS: readonly Backend[] = ["auto", "netem", "tun", "none"];

export interface LinkSpec {
  /** none = plain loopback, no namespaces. */
  backend: Backend;
  /** client -> server */
  up: DirectionSpec;
  /** server -> client */
  down: DirectionSpec;
  client: EndpointSpec;
  server: EndpointSpec;
  /** loss/jitter RNG seed */
  seed: number;
}

/** 32 MiB: enough for 1 Gbit/s x 200 ms (25 MB) in flight; the kernel default 4 MiB caps 100 Mbit/s at 200 ms. */
export const DEFAULT_SOCKET_BUFFER_MAX = 32 * 1024 * 1024;

export interface SymmetricLinkOptions {
  rttMs: number;
  jitterMs?: number;
  jitterDist?: JitterDist;
  rateMbps?: number;
  lossPct?: number;
  queueLimit?: number;
  mtu?: number;
  initcwnd?: number;
  cc?: CcName;
  backend?: Backend;
  seed?: number;
}

/** The usual testbed: RTT/2 of delay each way, the same rate, jitter and loss in both directions. */
export function symmetricLink(o: SymmetricLinkOptions): LinkSpec {
  const direction = (): DirectionSpec => ({
    delayMs: o.rttMs / 2,
    jitterMs: o.jitterMs ?? 0,
    // netem's own default when jitter is given without a distribution.
    jitterDist: o.jitterDist ?? "uniform",
    rateMbps: o.rateMbps ?? 0,
    countL2: true,
    loss: o.lossPct ? { kind: "bernoulli", pct: o.lossPct } : null,
    queueLimit: o.queueLimit ?? 1000,
  });
  const endpoint = (): EndpointSpec => ({
    mtu: o.mtu ?? 1500,
    initcwnd: o.initcwnd ?? 10,
    initrwnd: o.initcwnd ?? 10,
    cc: o.cc ?? "cubic",
    noMetricsSave: true,
    rmemMax: DEFAULT_SOCKET_BUFFER_MAX,
    wmemMax: DEFAULT_SOCKET_BUFFER_MAX,
  });
  return {
    backend: o.backend ?? "auto",
    up: direction(),
    down: direction(),
    client: endpoint(),
    server: endpoint(),
    seed: o.seed ?? 1,
  };
}

function check(ok: boolean, message: string): void {
  if (!ok) throw new UserError(message);
}

function isFiniteNumber(v: unknown): v is number {
  return typeof v === "number" && Number.isFinite(v);
}

function checkPct(v: unknown, what: string): void {
  check(isFiniteNumber(v) && v >= 0 && v <= 100, `${what} must be a percentage between 0 and 100 (got ${v})`);
}

export function validateDirection(d: DirectionSpec, name: string): void {
  check(isFiniteNumber(d.delayMs) && d.delayMs >= 0, `${name} delay must be >= 0 ms (got ${d.delayMs})`);
  check(d.delayMs <= 60_000, `${name} delay must be at most 60 s (got ${d.delayMs} ms)`);
  check(isFiniteNumber(d.jitterMs) && d.jitterMs >= 0, `${name} jitter must be >= 0 ms (got ${d.jitterMs})`);
  check(
    JITTER_DISTS.includes(d.jitterDist),
    `${name} jitter distribution must be one of ${JITTER_DISTS.join(", ")} (got ${d.jitterDist})`,
  );
  check(
    isFiniteNumber(d.rateMbps) && d.rateMbps >= 0,
    `${name} rate must be >= 0 Mbit/s, 0 = unshaped (got ${d.rateMbps})`,
  );
  check(d.rateMbps <= 100_000, `${name} rate must be at most 100 Gbit/s (got ${d.rateMbps} Mbit/s)`);
  check(
    d.rateMbps === 0 || d.rateMbps * 1e6 >= 8 * 1600,
    `${name} rate ${d.rateMbps} Mbit/s is too slow to carry a packet per second`,
  );
  check(typeof d.countL2 === "boolean", `${name} countL2 must be true or false`);
  check(
    Number.isInteger(d.queueLimit) && d.queueLimit >= 1 && d.queueLimit <= 1_000_000,
    `${name} queue limit must be a whole number of packets between 1 and 1000000 (got ${d.queueLimit})`,
  );
  const loss = d.loss;
  if (loss === null) return;
  if (loss.kind === "bernoulli") checkPct(loss.pct, `${name} loss`);
  else if (loss.kind === "gilbert-elliott") {
    checkPct(loss.p, `${name} gemodel p`);
    checkPct(loss.r, `${name} gemodel r`);
    if (loss.h !== undefined) checkPct(loss.h, `${name} gemodel 1-h`);
    if (loss.k !== undefined) checkPct(loss.k, `${name} gemodel 1-k`);
  } else check(false, `${name} loss model must be bernoulli or gilbert-elliott`);
}

export function validateEndpoint(e: EndpointSpec, name: string): void {
  check(
    Number.isInteger(e.mtu) && e.mtu >= 576 && e.mtu <= 9000,
    `${name} MTU must be 576..9000 (got ${e.mtu})`,
  );
  check(
    Number.isInteger(e.initcwnd) && e.initcwnd >= 1 && e.initcwnd <= 1000,
    `${name} initcwnd must be a whole number 1..1000 (got ${e.initcwnd})`,
  );
  check(
    Number.isInteger(e.initrwnd) && e.initrwnd >= 1 && e.initrwnd <= 1000,
    `${name} initrwnd must be a whole number 1..1000 (got ${e.initrwnd})`,
  );
  check(
    CONGESTION_CONTROLS.includes(e.cc),
    `${name} congestion control must be one of ${CONGESTION_CONTROLS.join(", ")} (got ${e.cc})`,
  );
  check(typeof e.noMetricsSave === "boolean", `${name} noMetricsSave must be true or false`);
  for (const [k, v] of [
    ["rmemMax", e.rmemMax],
    ["wmemMax", e.wmemMax],
  ] as const)
    check(
      Number.isInteger(v) && v >= 65536 && v <= 2 ** 31 - 1,
      `${name} ${k} must be a byte count between 64 KiB and 2 GiB (got ${v})`,
    );
}

/** Throws a one-line UserError on the first bad value. */
export function validateLinkSpec(spec: LinkSpec): void {
  check(spec !== null && typeof spec === "object", "link spec must be an object");
  check(
    BACKENDS.includes(spec.backend),
    `backend must be one of ${BACKENDS.join(", ")} (got ${spec.backend})`,
  );
  validateDirection(spec.up, "up");
  validateDirection(spec.down, "down");
  validateEndpoint(spec.client, "client");
  validateEndpoint(spec.server, "server");
  check(
    Number.isInteger(spec.seed) && spec.seed >= 0 && spec.seed <= Number.MAX_SAFE_INTEGER,
    `seed must be a non-negative integer (got ${spec.seed})`,
  );
}
