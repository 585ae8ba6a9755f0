// Command-line link flags (`--rtt 200ms --rate 1mbit --loss 1% ...`): value parsers and a commander
// helper shared by `pqtls link check` and the runner's commands. Bad values stop with one line.
import type { Command } from "commander";
import { UserError } from "../errors.js";
import {
  BACKENDS,
  type Backend,
  CONGESTION_CONTROLS,
  type EndpointSpec,
  JITTER_DISTS,
  type JitterDist,
  type LinkSpec,
  type LossModel,
  symmetricLink,
  validateLinkSpec,
} from "./spec.js";

const TIME_UNITS: Record<string, number> = { us: 1e-3, usec: 1e-3, ms: 1, msec: 1, s: 1000, sec: 1000 };
const RATE_UNITS: Record<string, number> = { bit: 1e-6, kbit: 1e-3, mbit: 1, gbit: 1e3, tbit: 1e6 };
const SIZE_UNITS: Record<string, number> = {
  b: 1,
  k: 1024,
  kb: 1000,
  kib: 1024,
  m: 1024 ** 2,
  mb: 1e6,
  mib: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1e9,
  gib: 1024 ** 3,
};

function split(text: string, what: string): { value: number; unit: string } {
  const m = /^\s*(-?\d+(?:\.\d+)?)\s*([a-z%/]*)\s*$/i.exec(text);
  if (!m) throw new UserError(`${what}: cannot read "${text}"`);
  return { value: Number(m[1]), unit: m[2].toLowerCase() };
}

/** "200ms", "0.2s", "500us" → milliseconds. A unit is required; negative values are refused. */
export function parseDurationMs(text: string, what = "duration"): number {
  const { value, unit } = split(text, what);
  const scale = TIME_UNITS[unit];
  if (scale === undefined) throw new UserError(`${what}: "${text}" needs a unit: us, ms or s (e.g. 200ms)`);
  if (value < 0) throw new UserError(`${what} must not be negative (got ${text})`);
  return value * scale;
}

/** "1mbit", "100mbit", "1gbit" → Mbit/s; "unlimited" → 0 (unshaped). Zero and byte units are refused. */
export function parseRateMbps(text: string, what = "rate"): number {
  if (/^\s*(unlimited|none)\s*$/i.test(text)) return 0;
  const { value, unit } = split(text, what);
  if (value === 0)
    throw new UserError(`${what} must be above 0 (leave it out, or say "unlimited", for no shaping)`);
  const u = unit.replace(/\/s$/, "").replace(/ps$/, "");
  if (unit.endsWith("bps") || unit.endsWith("b/s"))
    throw new UserError(
      `${what}: "${text}" is ambiguous (tc reads bps as bytes/s); write e.g. 1mbit or 1gbit`,
    );
  const scale = RATE_UNITS[u];
  if (scale === undefined)
    throw new UserError(`${what}: "${text}" needs a unit: kbit, mbit or gbit (e.g. 1mbit)`);
  if (value < 0) throw new UserError(`${what} must not be negative (got ${text})`);
  if (value === 0)
    throw new UserError(`${what} must be above 0 (leave it out, or say "unlimited", for no shaping)`);
  return value * scale;
}

/** "1%", "0.5%" → percent in [0, 100]. */
export function parsePercent(text: string, what = "percentage"): number {
  const { value, unit } = split(text, what);
  if (unit !== "%") throw new UserError(`${what}: "${text}" must be a percentage, e.g. 1%`);
  if (value < 0 || value > 100) throw new UserError(`${what} must be between 0% and 100% (got ${text})`);
  return value;
}

/** "1%" (Bernoulli) or "gemodel 1% 10% [100% [0%]]" (netem's Gilbert-Elliott arguments). */
export function parseLoss(text: string): LossModel | null {
  const words = text.trim().split(/[\s,]+/);
  if (words[0]?.toLowerCase() === "gemodel") {
    const [p, r, h, k] = words
      .slice(1)
      .map((w, i) => parsePercent(w, `loss gemodel ${["p", "r", "1-h", "1-k"][i]}`));
    if (p === undefined || r === undefined || words.length > 5)
      throw new UserError(`loss: write "gemodel P% R% [1-H% [1-K%]]" (got "${text}")`);
    return {
      kind: "gilbert-elliott",
      p,
      r,
      ...(h !== undefined ? { h } : {}),
      ...(k !== undefined ? { k } : {}),
    };
  }
  const pct = parsePercent(text, "loss");
  return pct === 0 ? null : { kind: "bernoulli", pct };
}

/** "200KiB", "1MB", "4096" → bytes (a bare number is bytes). */
export function parseBytes(text: string, what = "size"): number {
  const { value, unit } = split(text, what);
  const scale = SIZE_UNITS[unit || "b"];
  if (scale === undefined) throw new UserError(`${what}: "${text}" needs a unit: B, KiB, MiB, KB, MB`);
  if (value <= 0) throw new UserError(`${what} must be above 0 (got ${text})`);
  return Math.round(value * scale);
}

export function parseInteger(text: string, what: string, min: number, max: number): number {
  if (!/^\s*-?\d+\s*$/.test(text)) throw new UserError(`${what} must be a whole number (got "${text}")`);
  const n = Number(text);
  if (n < min || n > max) throw new UserError(`${what} must be between ${min} and ${max} (got ${text})`);
  return n;
}

function oneOf<T extends string>(allowed: readonly T[], what: string): (text: string) => T {
  return (text) => {
    if (!(allowed as readonly string[]).includes(text))
      throw new UserError(`${what} must be one of ${allowed.join(", ")} (got "${text}")`);
    return text as T;
  };
}

/** What `addLinkOptions` leaves in commander's opts(). */
export interface LinkFlags {
  rtt?: number;
  jitter?: number;
  dist?: JitterDist;
  rate?: number;
  loss?: LossModel | null;
  queue?: number;
  mtu?: number;
  initcwnd?: number;
  initrwnd?: number;
  cc?: EndpointSpec["cc"];
  backend?: Backend;
  seed?: number;
  l2?: boolean;
}

/** Adds the link flags to a command; read them back with `linkSpecFromFlags(cmd.opts())`. */
export function addLinkOptions(cmd: Command): Command {
  return cmd
    .option("--rtt <time>", "round-trip time, split evenly each way (e.g. 200ms)", (v) =>
      parseDurationMs(v, "--rtt"),
    )
    .option("--jitter <time>", "delay jitter per direction (e.g. 5ms)", (v) => parseDurationMs(v, "--jitter"))
    .option("--dist <name>", `jitter distribution: ${JITTER_DISTS.join(", ")}`, oneOf(JITTER_DISTS, "--dist"))
    .option("--rate <rate>", "link rate per direction (e.g. 1mbit, 1gbit)", (v) => parseRateMbps(v, "--rate"))
    .option("--loss <pct>", 'loss per direction: "1%" or "gemodel P% R% [1-H% [1-K%]]"', parseLoss)
    .option("--queue <packets>", "queue limit per direction in packets (netem limit)", (v) =>
      parseInteger(v, "--queue", 1, 1_000_000),
    )
    .option("--mtu <bytes>", "MTU of both endpoints", (v) => parseInteger(v, "--mtu", 576, 9000))
    .option("--initcwnd <segments>", "initial congestion window on the routes", (v) =>
      parseInteger(v, "--initcwnd", 1, 1000),
    )
    .option("--initrwnd <segments>", "initial receive window on the routes (default: initcwnd)", (v) =>
      parseInteger(v, "--initrwnd", 1, 1000),
    )
    .option(
      "--cc <name>",
      `congestion control: ${CONGESTION_CONTROLS.join(", ")}`,
      oneOf(CONGESTION_CONTROLS, "--cc"),
    )
    .option("--backend <name>", `link backend: ${BACKENDS.join(", ")}`, oneOf(BACKENDS, "--backend"))
    .option("--seed <n>", "loss/jitter RNG seed", (v) => parseInteger(v, "--seed", 0, 2 ** 32 - 1))
    .option("--no-l2", "do not count the 14 B Ethernet header in the rate (netem counts it)");
}

/** Builds and validates a LinkSpec from parsed flags; unset flags take `base`'s values (or the defaults). */
export function linkSpecFromFlags(flags: LinkFlags, base?: LinkSpec): LinkSpec {
  const spec: LinkSpec = structuredClone(base ?? symmetricLink({ rttMs: 0 }));
  for (const d of [spec.up, spec.down]) {
    if (flags.rtt !== undefined) d.delayMs = flags.rtt / 2;
    if (flags.jitter !== undefined) d.jitterMs = flags.jitter;
    if (flags.dist !== undefined) d.jitterDist = flags.dist;
    if (flags.rate !== undefined) d.rateMbps = flags.rate;
    if (flags.loss !== undefined) d.loss = flags.loss;
    if (flags.queue !== undefined) d.queueLimit = flags.queue;
    if (flags.l2 !== undefined) d.countL2 = flags.l2;
  }
  for (const e of [spec.client, spec.server]) {
    if (flags.mtu !== undefined) e.mtu = flags.mtu;
    if (flags.initcwnd !== undefined) {
      e.initcwnd = flags.initcwnd;
      e.initrwnd = flags.initcwnd;
    }
    if (flags.initrwnd !== undefined) e.initrwnd = flags.initrwnd;
    if (flags.cc !== undefined) e.cc = flags.cc;
  }
  if (flags.backend !== undefined) spec.backend = flags.backend;
  if (flags.seed !== undefined) spec.seed = flags.seed;
  if (flags.dist !== undefined && flags.dist !== "uniform" && spec.up.jitterMs === 0)
    throw new UserError(`--dist ${flags.dist} needs --jitter (a distribution of zero jitter is no jitter)`);
  validateLinkSpec(spec);
  return spec;
}
