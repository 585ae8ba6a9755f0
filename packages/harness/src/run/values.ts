// One config value of a dimension, read by the kind the registry gives it (@pqtls/report's
// dimensions.ts): one reader per kind, so every dimension of a kind accepts the same spellings and
// refuses bad values with the same one-line message. Messages name the key; the config adds the
// layer's source in front.

import { existsSync } from "node:fs";
import { resolve as resolvePath } from "node:path";
import type { Dimension, ValueKind } from "@pqtls/report/dimensions";
import { UserError } from "../errors.js";
import { groupName, suiteName } from "../tls-names.js";
import { type LossValue, readBytes, readDurationMs, readLoss, readRateMbps } from "../units.js";
import { parseChainSpec } from "./pki.js";

/** A dimension's value as the plan uses it: a name, a number, or a loss (loss_pct and loss_model). */
export type DimensionValue = string | number | LossValue;

/** One of `allowed`, case-insensitively, in its spelling there. */
export function readName<T extends string>(key: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value === "string") {
    const hit = allowed.find((a) => a.toLowerCase() === value.toLowerCase());
    if (hit) return hit;
  }
  throw new UserError(`${key}: unknown value ${JSON.stringify(value)} (known: ${allowed.join(", ")})`);
}

/** A whole number in [min, max]; numeric strings (as flags give them) are read. */
export function readInteger(key: string, value: unknown, min: number, max: number): number {
  const n = typeof value === "string" && /^\s*-?\d+\s*$/.test(value) ? Number(value) : value;
  if (typeof n !== "number" || !Number.isInteger(n))
    throw new UserError(`${key}: ${JSON.stringify(value)} is not an integer`);
  if (n < min) throw new UserError(`${key}: ${n} is below the minimum ${min}`);
  if (n > max) throw new UserError(`${key}: ${n} is above the maximum ${max}`);
  return n;
}

/** A measured value in [min, max] of its unit. */
export function readMeasured(
  key: string,
  value: unknown,
  read: (what: string, v: unknown) => number,
  min: number,
  max: number,
  unit: string,
): number {
  const n = read(key, value);
  if (n < min) throw new UserError(`${key}: ${JSON.stringify(value)} is negative or below ${min}${unit}`);
  if (n > max) throw new UserError(`${key}: ${JSON.stringify(value)} is above ${max}${unit}`);
  return n;
}

/** A name with a message that says which key it was for. */
function named<T>(key: string, read: () => T): T {
  try {
    return read();
  } catch (err) {
    throw new UserError(`${key}: ${(err as Error).message}`);
  }
}

function readKind(key: string, kind: ValueKind, value: unknown): DimensionValue {
  switch (kind.kind) {
    case "enum":
      return readName(key, value, kind.values);
    case "group":
      return named(key, () => groupName(value));
    case "suite":
      return named(key, () => suiteName(value));
    case "chain":
      // A chain of the test PKI, optionally "@SIZE" padded (pki.ts); or the dimension's none.
      if (kind.none !== undefined && value === kind.none) return kind.none;
      if (typeof value !== "string")
        throw new UserError(`${key}: ${JSON.stringify(value)} is not a chain name`);
      named(key, () => parseChainSpec(value));
      return value;
    case "module": {
      if (value === kind.none) return kind.none;
      if (typeof value !== "string" || !/\.m?js$/.test(value))
        throw new UserError(`${key}: ${JSON.stringify(value)} is neither ${kind.none} nor a .mjs/.js module`);
      const path = resolvePath(value);
      if (!existsSync(path)) throw new UserError(`${key}: no such module ${path}`);
      return path;
    }
    case "duration":
      return readMeasured(key, value, readDurationMs, 0, kind.max, " ms");
    case "rate":
      return readMeasured(key, value, readRateMbps, 0, kind.max, " Mbit/s");
    case "bytes":
      return readMeasured(key, value, readBytes, 0, kind.max, " B");
    case "loss": {
      const loss = readLoss(key, value);
      if (loss.pct < 0 || loss.pct > 100)
        throw new UserError(`${key}: ${JSON.stringify(value)} is not between 0 and 100 %`);
      return loss;
    }
    case "integer":
      return readInteger(key, value, kind.min, kind.max);
  }
}

/** One value of dimension `d`, checked, with whether this machine can run it. */
export function readDimensionValue(d: Dimension, value: unknown): DimensionValue {
  const v = readKind(d.key, d.value, value);
  const why = typeof v === "string" ? d.unavailable?.(v) : null;
  if (why) throw new UserError(`${d.key}: ${why}`);
  return v;
}

/** The row fields a value fills (loss fills loss_pct and, for Gilbert-Elliott, loss_model). */
export function fieldsOf(d: Dimension, v: DimensionValue): Record<string, string | number> {
  if (typeof v === "object") return { [d.fields[0]]: v.pct, ...(v.model ? { [d.fields[1]]: v.model } : {}) };
  return { [d.fields[0]]: v };
}
