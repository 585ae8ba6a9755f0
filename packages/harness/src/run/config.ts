// The experiment config: the raw layers (preset, config file, CLI flags — same keys everywhere)
// and the resolved, validated matrix the planner expands. Every value is checked here, before any
// namespace, process or file is touched, so a typo costs one line of error and nothing else.

import { existsSync } from "node:fs";
import { resolve as resolvePath } from "node:path";
import * as zlib from "node:zlib";
import { CipherSuite, NamedGroup } from "@pqtls/tls13";
import { UserError } from "../errors.js";
import { CONFIG_KEYS } from "./keys.js";
import { parseChainSpec } from "./pki.js";
import { type LossValue, parseBytes, parseDurationMs, parseLoss, parseRateMbps } from "./units.js";

export const ENGINES = ["pqtls", "openssl"] as const;
export type EngineName = (typeof ENGINES)[number];
export const JITTER_DISTS = ["uniform", "normal", "pareto", "paretonormal"] as const;
export type JitterDistName = (typeof JITTER_DISTS)[number];
export const CCS = ["cubic", "bbr", "reno"] as const;
export type CcName = (typeof CCS)[number];
export const BACKENDS = ["auto", "netem", "tun", "none"] as const;
/** How each measured connection starts: a full handshake, or resuming a ticket primed beforehand (1-RTT or 0-RTT). */
export const RESUME_MODES = ["full", "resumed", "0rtt"] as const;
export type ResumeMode = (typeof RESUME_MODES)[number];
export type BackendName = (typeof BACKENDS)[number];
/** RFC 8879 certificate compression per cell: none, or the one algorithm both ends use. */
export const CERT_COMPRESSIONS = ["none", "zlib", "brotli", "zstd"] as const;
export type CertCompression = (typeof CERT_COMPRESSIONS)[number];

/** A raw layer: what a preset, a config file or the CLI flags say, before resolution. */
export type RawConfig = Record<string, unknown>;

/** One (key exchange, certificate chain) pair compared in the experiment. */
export interface Variant {
  kex: string;
  chain: string;
}

/** One link setting: the parameters a lane's link and endpoints are configured with. */
export interface LinkParams {
  rtt_ms: number;
  jitter_ms: number;
  jitter_dist: JitterDistName;
  rate_mbps: number;
  /** Mean loss per direction in % (for Gilbert-Elliott, its stationary rate). */
  loss_pct: number;
  /** Present for Gilbert-Elliott loss: "gemodel p% r% h% k%" (netem's arguments). */
  loss_model?: string;
  queue_limit: number;
  mtu: number;
  initcwnd: number;
  cc: CcName;
}

/** The config keys that describe the link (allowed at top level and inside `links` entries). */
export const LINK_KEYS = [
  "rtt",
  "jitter",
  "jitter_dist",
  "rate",
  "loss",
  "queue_limit",
  "mtu",
  "initcwnd",
  "cc",
] as const;
type LinkKey = (typeof LINK_KEYS)[number];

/** The resolved matrix: every axis a non-empty list of checked values, every setting a checked scalar. */
export interface RunConfig {
  preset: string | null;
  description: string;
  engine: EngineName[];
  variants: Variant[];
  suite: string[];
  /** Handshake kinds (config key `resumption`, row field `resume`). */
  resumption: ResumeMode[];
  /** "none" or absolute paths of experiment hook modules (pqtls engine). */
  hooks: string[];
  /** Certificate compression per cell (pqtls engine): "none" or one RFC 8879 algorithm. */
  cert_compression: CertCompression[];
  /** Every link setting, expanded (the `links` entries, or the product of the top-level link keys). */
  links: LinkParams[];
  bytes: number[];
  samples: number;
  warmups: number;
  seed: number;
  lanes: number;
  link: BackendName;
  timeout_ms: number;
}

const DEFAULTS: RawConfig = {
  description: "",
  engine: ["pqtls"],
  kex: ["x25519"],
  chain: ["rsa2048"],
  suite: ["TLS_AES_128_GCM_SHA256"],
  resumption: ["full"],
  hooks: ["none"],
  cert_compression: ["none"],
  rtt: ["0ms"],
  jitter: ["0ms"],
  jitter_dist: ["uniform"],
  rate: [0],
  loss: [0],
  queue_limit: [1000],
  mtu: [1500],
  initcwnd: [10],
  cc: ["cubic"],
  bytes: [0],
  samples: 10,
  warmups: 1,
  seed: 1,
  lanes: 1,
  link: "auto",
  timeout: "30s",
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

/** Checks a layer's keys (not values) so an unknown key is named with its source. */
export function checkKeys(layer: ConfigLayer): void {
  if (typeof layer.values !== "object" || layer.values === null || Array.isArray(layer.values))
    throw new UserError(`${layer.source}: expected a mapping of config keys`);
  for (const key of Object.keys(layer.values)) {
    if (!(key in CONFIG_KEYS)) {
      const near = Object.keys(CONFIG_KEYS).find(
        (k) => editDistance(k, key.replace(/-/g, "_").toLowerCase()) <= 2,
      );
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
    if ("variants" in v) {
      delete values.kex;
      delete values.chain;
    }
    if ("kex" in v || "chain" in v) {
      if ("variants" in values && !("variants" in v)) {
        // The earlier layer's pairs fix both kex and chain; keep the side this layer does not set.
        const pairs = parseVariants(sources.variants ?? "defaults", values.variants);
        if (!("kex" in v)) values.kex = [...new Set(pairs.map((p) => p.kex))];
        if (!("chain" in v)) values.chain = [...new Set(pairs.map((p) => p.chain))];
        delete values.variants;
      }
      values.kex ??= DEFAULTS.kex;
      values.chain ??= DEFAULTS.chain;
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

function oneOf<T extends string>(source: string, key: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value === "string") {
    const hit = allowed.find((a) => a.toLowerCase() === value.toLowerCase());
    if (hit) return hit;
  }
  return fail(source, key, `unknown value ${JSON.stringify(value)} (known: ${allowed.join(", ")})`);
}

function integer(source: string, key: string, value: unknown, min: number, max: number): number {
  const n = typeof value === "string" && /^\s*-?\d+\s*$/.test(value) ? Number(value) : value;
  if (typeof n !== "number" || !Number.isInteger(n))
    fail(source, key, `${JSON.stringify(value)} is not an integer`);
  if (n < min) fail(source, key, `${n} is below the minimum ${min}`);
  if (n > max) fail(source, key, `${n} is above the maximum ${max}`);
  return n;
}

function measured(
  source: string,
  key: string,
  value: unknown,
  parse: (what: string, v: unknown) => number,
  min: number,
  max: number,
  unit: string,
): number {
  let n: number;
  try {
    n = parse(key, value);
  } catch (err) {
    throw new UserError(`${source}: ${(err as Error).message}`);
  }
  if (n < min) fail(source, key, `${JSON.stringify(value)} is negative or below ${min}${unit}`);
  if (n > max) fail(source, key, `${JSON.stringify(value)} is above ${max}${unit}`);
  return n;
}

const GROUP_NAMES = Object.keys(NamedGroup);
const SUITE_NAMES = Object.keys(CipherSuite);

/** Canonical group name ("x25519mlkem768" → "X25519MLKEM768"), or a one-line error. */
export function checkGroup(source: string, value: unknown): string {
  const hit = typeof value === "string" && GROUP_NAMES.find((g) => g.toLowerCase() === value.toLowerCase());
  if (!hit) fail(source, "kex", `unknown group ${JSON.stringify(value)} (known: ${GROUP_NAMES.join(", ")})`);
  return hit;
}

/** A chain of the test PKI, optionally "@SIZE" padded (pki.ts), or a one-line error. */
export function checkChain(source: string, value: unknown): string {
  if (typeof value !== "string") return fail(source, "chain", `${JSON.stringify(value)} is not a chain name`);
  try {
    parseChainSpec(value);
  } catch (err) {
    throw new UserError(`${source}: chain: ${(err as Error).message}`);
  }
  return value;
}

export function checkSuite(source: string, value: unknown): string {
  const v = typeof value === "string" ? value.toUpperCase() : "";
  const hit = SUITE_NAMES.find((s) => s === v || s === `TLS_${v}`);
  if (!hit)
    fail(source, "suite", `unknown cipher suite ${JSON.stringify(value)} (known: ${SUITE_NAMES.join(", ")})`);
  return hit;
}

function parseVariants(source: string, value: unknown): Variant[] {
  return asList(source, "variants", value).map((item) => {
    if (typeof item === "string") {
      const parts = item.split(":");
      if (parts.length !== 2) fail(source, "variants", `${JSON.stringify(item)} is not KEX:CHAIN`);
      return { kex: checkGroup(source, parts[0].trim()), chain: checkChain(source, parts[1].trim()) };
    }
    if (typeof item === "object" && item !== null && !Array.isArray(item)) {
      const o = item as Record<string, unknown>;
      const extra = Object.keys(o).filter((k) => k !== "kex" && k !== "chain");
      if (extra.length > 0)
        fail(source, "variants", `unknown key "${extra[0]}" in a variant (only kex, chain)`);
      return { kex: checkGroup(source, o.kex), chain: checkChain(source, o.chain) };
    }
    return fail(source, "variants", `${JSON.stringify(item)} is neither "KEX:CHAIN" nor {kex, chain}`);
  });
}

/** Resolves and validates merged layers into the matrix. Throws UserError naming the key and its source. */
export function resolveConfig(layers: ConfigLayer[], preset: string | null = null): RunConfig {
  const { values: v, sources } = mergeLayers(layers);
  const src = (k: string) => sources[k] ?? "defaults";
  const list = <T>(key: string, each: (s: string, x: unknown) => T): T[] =>
    unique(
      src(key),
      key,
      asList(src(key), key, v[key]).map((x) => each(src(key), x)),
    );

  const variants =
    v.variants !== undefined
      ? unique(src("variants"), "variants", parseVariants(src("variants"), v.variants))
      : list("kex", checkGroup).flatMap((kex) => list("chain", checkChain).map((chain) => ({ kex, chain })));

  const description = v.description ?? "";
  if (typeof description !== "string") fail(src("description"), "description", "must be text");

  const linkAxis = (entry: RawConfig, source: string, key: LinkKey): unknown[] => {
    const from = key in entry ? source : src(key);
    const raw = key in entry ? entry[key] : v[key];
    const each: Record<LinkKey, (x: unknown) => unknown> = {
      rtt: (x) => measured(from, key, x, parseDurationMs, 0, 10_000, " ms"),
      jitter: (x) => measured(from, key, x, parseDurationMs, 0, 10_000, " ms"),
      jitter_dist: (x) => oneOf(from, key, x, JITTER_DISTS),
      rate: (x) => measured(from, key, x, parseRateMbps, 0, 100_000, " Mbit/s"),
      loss: (x) => {
        let l: LossValue;
        try {
          l = parseLoss(key, x);
        } catch (err) {
          throw new UserError(`${from}: ${(err as Error).message}`);
        }
        if (l.pct < 0 || l.pct > 100) fail(from, key, `${JSON.stringify(x)} is not between 0 and 100 %`);
        return l;
      },
      queue_limit: (x) => integer(from, key, x, 1, 1_000_000),
      mtu: (x) => integer(from, key, x, 576, 9000),
      initcwnd: (x) => integer(from, key, x, 1, 1000),
      cc: (x) => oneOf(from, key, x, CCS),
    };
    return unique(from, key, asList(from, key, raw).map(each[key]));
  };
  const entries: { entry: RawConfig; source: string }[] =
    v.links === undefined
      ? [{ entry: {}, source: src("links") }]
      : asList(src("links"), "links", v.links).map((entry, i) => {
          const source = `${src("links")} links[${i}]`;
          if (typeof entry !== "object" || entry === null || Array.isArray(entry))
            fail(source, "links", "each entry must be a mapping of link keys (rtt, rate, loss, ...)");
          const bad = Object.keys(entry).find((k) => !(LINK_KEYS as readonly string[]).includes(k));
          if (bad) fail(source, bad, `is not a link key (link keys: ${LINK_KEYS.join(", ")})`);
          return { entry: entry as RawConfig, source };
        });
  const links: LinkParams[] = [];
  const seen = new Set<string>();
  for (const { entry, source } of entries) {
    const axes = LINK_KEYS.map((k) => linkAxis(entry, source, k));
    let rows: unknown[][] = [[]];
    for (const axis of axes) rows = rows.flatMap((row) => axis.map((x) => [...row, x]));
    for (const r of rows) {
      const l: LinkParams = {
        rtt_ms: r[0] as number,
        jitter_ms: r[1] as number,
        // Zero jitter has no distribution: keep one setting, not one per distribution.
        jitter_dist: (r[1] as number) === 0 ? "uniform" : (r[2] as JitterDistName),
        rate_mbps: r[3] as number,
        loss_pct: (r[4] as LossValue).pct,
        ...((r[4] as LossValue).model ? { loss_model: (r[4] as LossValue).model } : {}),
        queue_limit: r[5] as number,
        mtu: r[6] as number,
        initcwnd: r[7] as number,
        cc: r[8] as CcName,
      };
      const key = JSON.stringify(l);
      if (!seen.has(key)) links.push(l);
      seen.add(key);
    }
  }

  const engine = list("engine", (s, x) => oneOf(s, "engine", x, ENGINES));
  const resumption = list("resumption", (s, x) => oneOf(s, "resumption", x, RESUME_MODES));
  if (engine.includes("openssl") && resumption.includes("0rtt"))
    fail(
      src("resumption"),
      "resumption",
      "0rtt needs engine pqtls only (node:tls, the openssl engine, has no 0-RTT API)",
    );

  const hooks = list("hooks", (s, x) => {
    if (x === "none") return "none";
    if (typeof x !== "string" || !/\.m?js$/.test(x))
      fail(s, "hooks", `${JSON.stringify(x)} is neither none nor a .mjs/.js module`);
    const path = resolvePath(x);
    if (!existsSync(path)) fail(s, "hooks", `no such module ${path}`);
    return path;
  });
  if (engine.includes("openssl") && hooks.some((h) => h !== "none"))
    fail(src("hooks"), "hooks", "hooks need engine pqtls only (they are this library's API)");

  const certCompression = list("cert_compression", (s, x) =>
    oneOf(s, "cert_compression", x, CERT_COMPRESSIONS),
  );
  // The endpoints run on this Node: zstd must be in its node:zlib (Node >= 22.15), not only in the config.
  if (
    certCompression.includes("zstd") &&
    typeof (zlib as { zstdCompressSync?: unknown }).zstdCompressSync !== "function"
  )
    fail(
      src("cert_compression"),
      "cert_compression",
      `zstd needs node:zlib zstd (Node >= 22.15); this is Node ${process.versions.node}`,
    );
  if (engine.includes("openssl") && certCompression.some((c) => c !== "none"))
    fail(
      src("cert_compression"),
      "cert_compression",
      "needs engine pqtls only (node:tls, the openssl engine, has no certificate compression option)",
    );

  return {
    preset,
    description,
    engine,
    resumption,
    hooks,
    cert_compression: certCompression,
    variants,
    suite: list("suite", checkSuite),
    links,
    bytes: list("bytes", (s, x) => measured(s, "bytes", x, parseBytes, 0, 1024 * 1024 * 1024, " B")),
    samples: integer(src("samples"), "samples", v.samples, 1, 1_000_000),
    warmups: integer(src("warmups"), "warmups", v.warmups, 0, 1000),
    seed: integer(src("seed"), "seed", v.seed, 0, 2 ** 32 - 1),
    lanes: integer(src("lanes"), "lanes", v.lanes, 1, 64),
    link: oneOf(src("link"), "link", v.link, BACKENDS),
    timeout_ms: measured(src("timeout"), "timeout", v.timeout, parseDurationMs, 1, 3_600_000, " ms"),
  };
}
