// Config values with units. Strings go through the link layer's flag parsers ("200ms", "1mbit",
// "1%", "200KiB": KiB is 1024, KB is 1000, so a "1 KiB" cell is never silently 10 KiB); bare numbers,
// as YAML/JSON write them, are in the row's own unit: ms, Mbit/s, %, bytes. Zero is allowed where
// a matrix needs it (rate 0 = unshaped, bytes 0 = handshake only).

import * as flags from "../net/flags.js";

function bare(what: string, value: unknown): number | null {
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new Error(`${what}: ${value} is not a finite number`);
    return value;
  }
  if (typeof value !== "string")
    throw new Error(`${what}: expected a number or a string, got ${JSON.stringify(value)}`);
  return /^\s*-?\d+(?:\.\d+)?\s*$/.test(value) ? Number(value) : null;
}

/** A leading minus sign is refused as "negative", whatever the unit parser would say. */
function noMinus(what: string, value: unknown): void {
  if (typeof value === "string" && /^\s*-/.test(value))
    throw new Error(`${what} must not be negative (got ${JSON.stringify(value)})`);
}

function negative(what: string, value: unknown, n: number): number {
  if (n < 0) throw new Error(`${what} must not be negative (got ${JSON.stringify(value)})`);
  return n;
}

/** Milliseconds. */
export function parseDurationMs(what: string, value: unknown): number {
  noMinus(what, value);
  return negative(what, value, bare(what, value) ?? flags.parseDurationMs(value as string, what));
}

/** Mbit/s; 0 or "unlimited" = unshaped. */
export function parseRateMbps(what: string, value: unknown): number {
  noMinus(what, value);
  return negative(what, value, bare(what, value) ?? flags.parseRateMbps(value as string, what));
}

/** Percent: "1%" or a bare 1. */
export function parsePercent(what: string, value: unknown): number {
  noMinus(what, value);
  return negative(what, value, bare(what, value) ?? flags.parsePercent(value as string, what));
}

/** Bytes; a fraction of a byte is refused. */
export function parseBytes(what: string, value: unknown): number {
  noMinus(what, value);
  const n = negative(what, value, bare(what, value) ?? flags.parseBytes(value as string, what));
  if (!Number.isInteger(n))
    throw new Error(`${what}: ${JSON.stringify(value)} is not a whole number of bytes`);
  return n;
}

/** A loss value: a percentage (Bernoulli), or netem's "gemodel P% R% [1-H% [1-K%]]" (Gilbert-Elliott). */
export interface LossValue {
  /** Mean loss in %: for Gilbert-Elliott the stationary rate, P/(P+R) x (1-H) + R/(P+R) x (1-K). */
  pct: number;
  /** Canonical "gemodel p% r% h% k%" for Gilbert-Elliott; absent for Bernoulli. */
  model?: string;
}

export function parseLoss(what: string, value: unknown): LossValue {
  if (typeof value === "string" && /^\s*gemodel\b/i.test(value)) {
    const m = flags.parseLoss(value);
    if (m?.kind !== "gilbert-elliott") throw new Error(`${what}: cannot read ${JSON.stringify(value)}`);
    const h = m.h ?? 100;
    const k = m.k ?? 0;
    const bad = m.p + m.r === 0 ? 0 : m.p / (m.p + m.r);
    const pct = Math.round((bad * h + (1 - bad) * k) * 1e6) / 1e6;
    return { pct, model: `gemodel ${m.p}% ${m.r}% ${h}% ${k}%` };
  }
  return { pct: parsePercent(what, value) };
}
