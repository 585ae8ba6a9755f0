// Comparing the configs runs recorded in their meta lines: the report's mixed-runs check and its
// side-by-side sections, the harness's --resume and merge checks. A dimension added after a run was
// recorded is absent from that run's config: the run had it off, so it reads as the dimension's
// "none" (a one-value list, as resolved configs spell value lists), and an old file still compares
// equal to a new run of the same experiment.

import { DIMENSIONS, type Dimension, dimension } from "./dimensions.js";

type Config = Record<string, unknown>;

function asConfig(config: unknown): Config {
  return (config && typeof config === "object" ? config : {}) as Config;
}

/** What a recorded config says for `key`; a dimension it predates reads as [none]. */
export function recordedValue(config: unknown, key: string): unknown {
  const c = asConfig(config);
  if (key in c) return c[key];
  const none = dimension(key)?.none;
  return none === undefined ? undefined : [none];
}

/** The recorded config with every dimension it predates written out at [none]. */
export function completeConfig(config: unknown): Config {
  const out = { ...asConfig(config) };
  for (const d of DIMENSIONS as readonly Dimension[])
    if (d.none !== undefined && !(d.key in out)) out[d.key] = [d.none];
  return out;
}

/** Canonical JSON (object keys sorted) so two configs compare equal whatever their key order. */
export function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value && typeof value === "object") {
    const o = value as Config;
    return `{${Object.keys(o)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`)
      .join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

/** The keys in which two recorded configs differ, sorted; dimensions either predates are at none. */
export function differingKeys(a: unknown, b: unknown): string[] {
  const keys = new Set([...Object.keys(asConfig(a)), ...Object.keys(asConfig(b))]);
  return [...keys].filter((k) => canonical(recordedValue(a, k)) !== canonical(recordedValue(b, k))).sort();
}
