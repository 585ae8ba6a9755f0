// Values with units, one set for the whole harness: the link flags (`pqtls link --rtt 200ms`), the
// experiment config (`rtt: [35ms, 200]`) and the link layer read durations, rates, sizes, percentages
// and loss specs here and nowhere else.
//
// parse*(text, what): text as typed on a command line, a unit required ("200ms", "1mbit", "1%",
// "200KiB": KiB is 1024, KB is 1000, so a "1 KiB" cell is never silently 10 KiB).
// read*(value, what): a config value: the same texts, or a bare number (as YAML/JSON write them) in
// the row's own unit: ms, Mbit/s, %, bytes. Zero is allowed where a matrix needs it (rate 0 =
// unshaped, bytes 0 = handshake only). Bad values throw a one-line UserError naming `what`.

import { UserError } from "./errors.js";

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

/** Seconds for people (estimates, elapsed, ETA): "45 s", "12 min", "3.5 h". */
export function formatDuration(seconds: number): string {
  if (seconds < 90) return `${Math.round(seconds)} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
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
  return value * scale;
}

/** "1%", "0.5%" → percent in [0, 100]. */
export function parsePercent(text: string, what = "percentage"): number {
  const { value, unit } = split(text, what);
  if (unit !== "%") throw new UserError(`${what}: "${text}" must be a percentage, e.g. 1%`);
  if (value < 0 || value > 100) throw new UserError(`${what} must be between 0% and 100% (got ${text})`);
  return value;
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

/**
 * Packet loss per direction, decided per packet before queueing (as netem does).
 * gilbert-elliott fields are the four arguments of netem's `loss gemodel p r 1-h 1-k`, in %:
 * p = P(good→bad), r = P(bad→good), h = loss probability in the bad state (netem's "1-h", default 100),
 * k = loss probability in the good state (netem's "1-k", default 0).
 */
export type LossModel =
  | { kind: "bernoulli"; pct: number }
  | { kind: "gilbert-elliott"; p: number; r: number; h?: number; k?: number };

/** "1%" (Bernoulli) or "gemodel 1% 10% [100% [0%]]" (netem's Gilbert-Elliott arguments); 0% → null. */
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

/** A loss as rows record it: the mean rate, and netem's arguments for Gilbert-Elliott. */
export interface LossValue {
  /** Mean loss in %: for Gilbert-Elliott the stationary rate, P/(P+R) x (1-H) + R/(P+R) x (1-K). */
  pct: number;
  /** Canonical "gemodel p% r% h% k%" for Gilbert-Elliott; absent for Bernoulli. */
  model?: string;
}

export function lossValue(loss: LossModel | null): LossValue {
  if (loss === null) return { pct: 0 };
  if (loss.kind === "bernoulli") return { pct: loss.pct };
  const h = loss.h ?? 100;
  const k = loss.k ?? 0;
  const bad = loss.p + loss.r === 0 ? 0 : loss.p / (loss.p + loss.r);
  const pct = Math.round((bad * h + (1 - bad) * k) * 1e6) / 1e6;
  return { pct, model: `gemodel ${loss.p}% ${loss.r}% ${h}% ${k}%` };
}

// ---- config values: a text with its unit, or a bare number in the row's unit ---------------------

/** A config value through `parse`, or its bare number; never negative. */
function read(what: string, value: unknown, parse: (text: string, what: string) => number): number {
  let n: number;
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new UserError(`${what}: ${value} is not a finite number`);
    n = value;
  } else if (typeof value !== "string") {
    throw new UserError(`${what}: expected a number or a string, got ${JSON.stringify(value)}`);
  } else if (/^\s*-/.test(value)) {
    // A leading minus sign is refused as "negative", whatever the unit parser would say.
    throw new UserError(`${what} must not be negative (got ${JSON.stringify(value)})`);
  } else {
    n = /^\s*\d+(?:\.\d+)?\s*$/.test(value) ? Number(value) : parse(value, what);
  }
  if (n < 0) throw new UserError(`${what} must not be negative (got ${JSON.stringify(value)})`);
  return n;
}

/** Milliseconds. */
export const readDurationMs = (what: string, value: unknown): number => read(what, value, parseDurationMs);
/** Mbit/s; 0 or "unlimited" = unshaped. */
export const readRateMbps = (what: string, value: unknown): number => read(what, value, parseRateMbps);
/** Percent: "1%" or a bare 1. */
export const readPercent = (what: string, value: unknown): number => read(what, value, parsePercent);

/** Bytes; a fraction of a byte is refused. */
export function readBytes(what: string, value: unknown): number {
  const n = read(what, value, parseBytes);
  if (!Number.isInteger(n))
    throw new UserError(`${what}: ${JSON.stringify(value)} is not a whole number of bytes`);
  return n;
}

/** A percentage (Bernoulli) or netem's "gemodel P% R% [1-H% [1-K%]]" (Gilbert-Elliott). */
export function readLoss(what: string, value: unknown): LossValue {
  if (typeof value === "string" && /^\s*gemodel\b/i.test(value)) return lossValue(parseLoss(value));
  return { pct: readPercent(what, value) };
}
