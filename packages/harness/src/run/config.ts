// The experiment config: the raw layers (preset, config file, CLI flags — same keys everywhere)
// and the resolved, validated matrix the planner expands. The dimensions (their keys, readers,
// defaults, engine support) come from the registry, @pqtls/report's dimensions.ts; the settings
// below are the run's own knobs. Every value is checked here, before any namespace, process or
// file is touched, so a typo costs one line of error and nothing else.

import {
  type CcName,
  type CertCompression,
  COMPRESSING_CHAIN_REDUCTIONS,
  type ConfigAxes,
  DIMENSIONS,
  type Dimension,
  type EngineName,
  type JitterDistName,
  LINK_KEYS,
  type LinkParams,
  MODEL_CHAIN_REDUCTIONS,
  parseSelector,
  type ResumeMode,
  SelectorError,
  VARIANT_KEYS,
  type VariantParams,
} from "@pqtls/report/dimensions";
import { UserError } from "../errors.js";
import { BACKENDS, type Backend } from "../net/spec.js";
import { readDurationMs } from "../units.js";
import { CONFIG_KEYS } from "./keys.js";
import { type Machine, parseMachine } from "./lane-packing.js";
import { CHECKPOINT_EVERY, DEFAULT_MIN_SAMPLES, type StopRuleSettings } from "./stop-rule.js";
import {
  type DimensionValue,
  fieldsOf,
  readDimensionValue,
  readInteger,
  readMeasured,
  readName,
} from "./values.js";

export type { CcName, CertCompression, EngineName, JitterDistName, LinkParams, ResumeMode };
export { LINK_KEYS };
export type BackendName = Backend;

/** A raw layer: what a preset, a config file or the CLI flags say, before resolution. */
export type RawConfig = Record<string, unknown>;

/** One (key exchange, certificate chain) pair compared in the experiment. */
export type Variant = VariantParams;

/** The resolved matrix: every axis a non-empty list of checked values, every setting a checked scalar. */
export type RunConfig = {
  preset: string | null;
  description: string;
  /** The variant dimensions' pairs (the `variants` entries, or the product of kex and chain). */
  variants: Variant[];
  /** Every link setting, expanded (the `links` entries, or the product of the top-level link keys). */
  links: LinkParams[];
  samples: number;
  warmups: number;
  seed: number;
  /** Parallel lanes: a number forces it; "auto" packs the plan by its cost model (run/lane-packing.ts). */
  lanes: number | "auto";
  /** What `lanes: auto` may use: null is this machine; "cores=N,memory=SIZE" describes another. */
  machine: Machine | null;
  link: BackendName;
  timeout_ms: number;
  /**
   * Adaptive sampling (`--ci-width`): each comparison samples until its interval is narrow enough,
   * `samples` being the cap (run/stop-rule.ts). Absent in a fixed-sample run.
   */
  stop_rule?: StopRuleConfig;
  /** The comparison the run's report (and a later `pqtls report`) makes, as the report's selectors. */
  report_baseline?: string;
  report_variant?: string;
} & ConfigAxes;

/** The stop rule's settings as the config holds them; its cap is the config's `samples`. */
export type StopRuleConfig = Omit<StopRuleSettings, "cap">;

/** The run's own settings (not dimensions: they are in no cell id and no row). */
const SETTINGS_DEFAULTS: RawConfig = {
  description: "",
  samples: 10,
  warmups: 1,
  seed: 1,
  lanes: "auto",
  machine: "auto",
  link: "auto",
  timeout: "30s",
};

const DEFAULTS: RawConfig = {
  ...Object.fromEntries(DIMENSIONS.map((d) => [d.key, d.default])),
  ...SETTINGS_DEFAULTS,
};

/** A layer and where it came from, for error messages ("preset quick", "config.yaml", "flags"). */
export interface ConfigLayer {
  source: string;
  values: RawConfig;
}

function fail(source: string, key: string, message: string): never {
  throw new UserError(`${source}: ${key}: ${message}`);
}

/** Levenshtein distance, for "did you mean" on a mistyped key. */
function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++)
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length];
}

/**
 * The known key closest to a mistyped one (within 2 edits), or undefined. Ties go to the longer
 * shared start: "rat" is one edit from both rtt and rate, and meant rate.
 */
export function closestKey(typed: string, known: readonly string[]): string | undefined {
  const t = typed.replace(/-/g, "_").toLowerCase();
  const prefix = (k: string) => {
    let i = 0;
    while (i < k.length && i < t.length && k[i] === t[i]) i++;
    return i;
  };
  let best: { key: string; d: number; p: number } | undefined;
  for (const key of known) {
    const d = editDistance(key, t);
    if (d > 2) continue;
    const p = prefix(key);
    if (!best || d < best.d || (d === best.d && p > best.p)) best = { key, d, p };
  }
  return best?.key;
}

/** Checks a layer's keys (not values) so an unknown key is named with its source. */
export function checkKeys(layer: ConfigLayer): void {
  if (typeof layer.values !== "object" || layer.values === null || Array.isArray(layer.values))
    throw new UserError(`${layer.source}: expected a mapping of config keys`);
  for (const key of Object.keys(layer.values)) {
    if (!(key in CONFIG_KEYS)) {
      const near = closestKey(key, Object.keys(CONFIG_KEYS));
      throw new UserError(
        `${layer.source}: unknown config key "${key}"${near ? ` (did you mean "${near}"?)` : ""}; known keys: ${Object.keys(CONFIG_KEYS).join(", ")}`,
      );
    }
  }
}

/** Merges layers left to right. kex/chain and variants replace each other: the later layer wins. */
export function mergeLayers(layers: ConfigLayer[]): { values: RawConfig; sources: Record<string, string> } {
  const values: RawConfig = { ...DEFAULTS };
  const sources: Record<string, string> = {};
  for (const layer of layers) {
    checkKeys(layer);
    const v = layer.values;
    if ("variants" in v) for (const k of VARIANT_KEYS) delete values[k];
    if (VARIANT_KEYS.some((k) => k in v)) {
      if ("variants" in values && !("variants" in v)) {
        // The earlier layer's pairs fix every variant key; keep the sides this layer does not set.
        const pairs = parseVariants(sources.variants ?? "defaults", values.variants);
        for (const k of VARIANT_KEYS)
          if (!(k in v)) values[k] = [...new Set(pairs.map((p) => p[k as keyof Variant]))]; // keys are the fields
        delete values.variants;
      }
      for (const k of VARIANT_KEYS) values[k] ??= DEFAULTS[k];
    }
    // A later top-level link key overrides that key in every earlier `links` entry.
    if (Array.isArray(values.links) && !("links" in v)) {
      const overridden = LINK_KEYS.filter((k) => k in v);
      if (overridden.length > 0)
        values.links = values.links.map((entry) =>
          typeof entry === "object" && entry !== null
            ? Object.fromEntries(Object.entries(entry).filter(([k]) => !(overridden as string[]).includes(k)))
            : entry,
        );
    }
    for (const [key, value] of Object.entries(v)) {
      values[key] = value;
      sources[key] = layer.source;
    }
  }
  return { values, sources };
}

function asList(source: string, key: string, value: unknown): unknown[] {
  const list = Array.isArray(value)
    ? value
    : typeof value === "string"
      ? value
          .split(",")
          .map((s) => s.trim())
          .filter((s) => s !== "")
      : [value];
  if (list.length === 0) fail(source, key, "must not be empty");
  return list;
}

function unique<T>(source: string, key: string, list: T[]): T[] {
  const seen = new Set<string>();
  for (const v of list) {
    const k = JSON.stringify(v);
    if (seen.has(k)) fail(source, key, `${k} is listed twice`);
    seen.add(k);
  }
  return list;
}

/** A number above 0; numeric strings (as flags give them) are read. */
function readPositiveNumber(key: string, value: unknown): number {
  const n = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
  if (typeof n !== "number" || !Number.isFinite(n) || n <= 0)
    throw new UserError(`${key}: ${JSON.stringify(value)} is not a number above 0`);
  return n;
}

/** Runs a reader, putting the layer's source in front of its one-line message. */

function from<T>(source: string, read: () => T): T {
  try {
    return read();
  } catch (err) {
    if (err instanceof UserError) throw new UserError(`${source}: ${err.message}`);
    throw err;
  }
}

const VARIANT_DIMENSIONS = VARIANT_KEYS.map((k) => DIMENSIONS.find((d) => d.key === k)!) as Dimension[];
const readValue = (source: string, d: Dimension, x: unknown): DimensionValue =>
  from(source, () => readDimensionValue(d, x));

/** A dimension's value list from one layer: each value read and checked, none listed twice. */
function readList(source: string, d: Dimension, raw: unknown): DimensionValue[] {
  return unique(
    source,
    d.key,
    asList(source, d.key, raw).map((x) => readValue(source, d, x)),
  );
}

function parseVariants(source: string, value: unknown): Variant[] {
  const pair = (parts: unknown[]): Variant =>
    Object.fromEntries(
      VARIANT_DIMENSIONS.map((d, i) => [d.fields[0], readValue(source, d, parts[i])]),
    ) as unknown as Variant;
  const shape = VARIANT_KEYS.map((k) => k.toUpperCase()).join(":");
  return asList(source, "variants", value).map((item) => {
    if (typeof item === "string") {
      const parts = item.split(":");
      if (parts.length !== VARIANT_KEYS.length)
        fail(source, "variants", `${JSON.stringify(item)} is not ${shape}`);
      return pair(parts.map((p) => p.trim()));
    }
    if (typeof item === "object" && item !== null && !Array.isArray(item)) {
      const o = item as Record<string, unknown>;
      const extra = Object.keys(o).filter((k) => !VARIANT_KEYS.includes(k));
      if (extra.length > 0)
        fail(source, "variants", `unknown key "${extra[0]}" in a variant (only ${VARIANT_KEYS.join(", ")})`);
      return pair(VARIANT_KEYS.map((k) => o[k]));
    }
    return fail(
      source,
      "variants",
      `${JSON.stringify(item)} is neither "${shape}" nor {${VARIANT_KEYS.join(", ")}}`,
    );
  });
}

/** Resolves and validates merged layers into the matrix. Throws UserError naming the key and its source. */
export function resolveConfig(layers: ConfigLayer[], preset: string | null = null): RunConfig {
  const { values: v, sources } = mergeLayers(layers);
  const src = (k: string) => sources[k] ?? "defaults";
  const axis = (d: Dimension) => readList(src(d.key), d, v[d.key]);

  const description = v.description ?? "";
  if (typeof description !== "string") fail(src("description"), "description", "must be text");

  const variants =
    v.variants !== undefined
      ? unique(src("variants"), "variants", parseVariants(src("variants"), v.variants))
      : (VARIANT_DIMENSIONS.reduce<Record<string, DimensionValue>[]>(
          (pairs, d) => pairs.flatMap((p) => axis(d).map((x) => ({ ...p, [d.fields[0]]: x }))),
          [{}],
        ) as unknown as Variant[]);

  const links = resolveLinks(v, src);

  const axes: Record<string, DimensionValue[]> = {};
  for (const d of DIMENSIONS) if (!d.link && d.role !== "variant") axes[d.key] = axis(d);
  // Values some engines cannot run: refused with the engines that can.
  const engines = axes.engine as EngineName[];
  for (const d of DIMENSIONS as readonly Dimension[]) {
    const only = d.engines;
    if (!only || engines.every((e) => only.only.includes(e))) continue;
    const values = d.role === "variant" ? variants.map((p) => p[d.fields[0] as keyof Variant]) : axes[d.key];
    if (values.some((x) => typeof x === "string" && only.when(x))) fail(src(d.key), d.key, only.why);
  }
  // A server that requests client certificates issues no session tickets (@pqtls/tls13's mTLS), so
  // resumed cells could only fail: refused together, in one line.
  const resumed = (axes.resumption as string[]).filter((x) => x !== "full");
  if ((axes.client_auth as string[]).some((x) => x !== "none") && resumed.length > 0)
    fail(
      src("client_auth"),
      "client_auth",
      `mTLS cells are full handshakes only (resumption ${resumed.join(", ")} asked for): a server requesting client certificates issues no tickets`,
    );
  // Both pick the one certificate compression algorithm a cell's server uses: a cell may set only one.
  const compressing = (axes.chain_reduction as string[]).filter((r) =>
    (COMPRESSING_CHAIN_REDUCTIONS as readonly string[]).includes(r),
  );
  const compressed = (axes.cert_compression as string[]).filter((c) => c !== "none");
  if (compressing.length > 0 && compressed.length > 0)
    fail(
      src("chain_reduction"),
      "chain_reduction",
      `${compressing[0]} compresses the certificate, and so does cert_compression ${compressed[0]}: set one of them per run (cert_compression none, or chain_reduction none/suppress-ca/trust-anchor-ids)`,
    );

  // A size model replaces the chain by the model's for the same algorithm: a padded chain has no model.
  const models = (axes.chain_reduction as string[]).filter((r) =>
    (MODEL_CHAIN_REDUCTIONS as readonly string[]).includes(r),
  );
  const padded = variants.map((p) => p.chain).filter((c) => c.includes("@"));
  if (models.length > 0 && padded.length > 0)
    fail(
      src("chain_reduction"),
      "chain_reduction",
      `${models[0]} is a size model that replaces the chain, and chain ${padded[0]} is padded: measure models on unpadded chains`,
    );

  return {
    preset,
    description,
    ...(axes as ConfigAxes),
    variants,
    links,
    samples: readSetting("samples", (x) => readInteger("samples", x, 1, 1_000_000)),
    warmups: readSetting("warmups", (x) => readInteger("warmups", x, 0, 1000)),
    seed: readSetting("seed", (x) => readInteger("seed", x, 0, 2 ** 32 - 1)),
    lanes: readSetting("lanes", (x) => (x === "auto" ? "auto" : readInteger("lanes", x, 1, 64))),
    machine: readSetting("machine", (x) => parseMachine(String(x))),
    link: readSetting("link", (x) => readName("link", x, BACKENDS)),
    timeout_ms: readSetting("timeout", (x) =>
      readMeasured("timeout", x, readDurationMs, 1, 3_600_000, " ms"),
    ),
    ...readStopRule(),
    ...readReportSelectors(),
  };

  /** The report's selectors, checked now so a typo is one line before the run, not after it. */
  function readReportSelectors(): { report_baseline?: string; report_variant?: string } {
    const out: { report_baseline?: string; report_variant?: string } = {};
    for (const key of ["report_baseline", "report_variant"] as const) {
      if (v[key] === undefined) continue;
      const text = v[key];
      if (typeof text !== "string") fail(src(key), key, "must be a selector such as kex=pq");
      try {
        parseSelector(text, key);
      } catch (err) {
        if (err instanceof SelectorError) fail(src(key), key, err.message.replace(`${key}: `, ""));
        throw err;
      }
      out[key] = text;
    }
    return out;
  }

  /** ci_width turns adaptive sampling on; ci_on and min_samples mean nothing without it. */
  function readStopRule(): { stop_rule?: StopRuleConfig } {
    if (v.ci_width === undefined) {
      const orphan = ["ci_on", "min_samples"].find((k) => v[k] !== undefined);
      if (orphan) fail(src(orphan), orphan, "applies to adaptive sampling only: set ci_width too");
      return {};
    }
    return {
      stop_rule: {
        ci_width: readSetting("ci_width", (x) => readPositiveNumber("ci_width", x)),
        ci_on:
          v.ci_on === undefined ? "p50" : readSetting("ci_on", (x) => readName("ci_on", x, ["p50", "p90"])),
        every: CHECKPOINT_EVERY,
        min:
          v.min_samples === undefined
            ? DEFAULT_MIN_SAMPLES
            : readSetting("min_samples", (x) => readInteger("min_samples", x, 1, 1_000_000)),
      },
    };
  }

  function readSetting<T>(key: string, read: (x: unknown) => T): T {
    return from(src(key), () => read(v[key]));
  }
}

/**
 * The link settings: each `links` entry (or the top level alone) expanded as the product of its
 * link keys in registry order, a key an entry leaves out taken from the top level. Equal settings
 * (zero jitter under several distributions) are kept once.
 */
function resolveLinks(v: RawConfig, src: (k: string) => string): LinkParams[] {
  const linkDimensions = DIMENSIONS.filter((d) => d.link) as Dimension[];
  const entries: { entry: RawConfig; source: string }[] =
    v.links === undefined
      ? [{ entry: {}, source: src("links") }]
      : asList(src("links"), "links", v.links).map((entry, i) => {
          const source = `${src("links")} links[${i}]`;
          if (typeof entry !== "object" || entry === null || Array.isArray(entry))
            fail(source, "links", "each entry must be a mapping of link keys (rtt, rate, loss, ...)");
          const bad = Object.keys(entry).find((k) => !LINK_KEYS.includes(k));
          if (bad) fail(source, bad, `is not a link key (link keys: ${LINK_KEYS.join(", ")})`);
          return { entry: entry as RawConfig, source };
        });
  const links: LinkParams[] = [];
  const seen = new Set<string>();
  for (const { entry, source } of entries) {
    let settings: Record<string, string | number>[] = [{}];
    for (const d of linkDimensions) {
      const origin = d.key in entry ? source : src(d.key);
      const raw = d.key in entry ? entry[d.key] : v[d.key];
      const values = readList(origin, d, raw);
      settings = settings.flatMap((s) => values.map((x) => ({ ...s, ...fieldsOf(d, x) })));
    }
    for (const s of settings) {
      for (const d of linkDimensions) {
        const normal = d.normalize?.(s as Partial<LinkParams>);
        if (normal !== undefined) s[d.fields[0]] = normal;
      }
      const key = JSON.stringify(s);
      if (!seen.has(key)) links.push(s as unknown as LinkParams);
      seen.add(key);
    }
  }
  return links;
}
