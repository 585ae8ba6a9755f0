// The registry of experiment dimensions: one table says, per dimension, its config key (and so its
// `pqtls run` flag), how its values are read, its default and how "none" is spelled, the row fields
// it fills, whether it is part of the variant or the condition, whether it is a link setting, where
// it sits in the cell id, whether it keys the server, which engines support it and how reports
// describe it. The harness plans, names cells, keys servers and writes rows from it; the report
// loads, validates, groups and labels rows from it. It lives here because this package owns the
// row format. Adding a dimension is one entry in FIELDS (its row field), one in DIMENSIONS, and the
// endpoint code that gives it meaning.
//
// Ids, server keys and rows from a cell are cells.ts, words for fields field-words.ts, the value
// lists vocabularies.ts, the --baseline selectors variant.ts; all are exported together as
// @pqtls/report/dimensions (registry.ts),
// which imports nothing heavy (no charts), so the CLI can list its flags from it cheaply.

import * as zlib from "node:zlib";
import {
  type CcName,
  CERT_COMPRESSIONS,
  type CertCompression,
  CHAIN_REDUCTIONS,
  type ChainReduction,
  CLIENT_KNOWLEDGE,
  type ClientKnowledge,
  CONGESTION_CONTROLS,
  ENGINES,
  type EngineName,
  JITTER_DISTS,
  type JitterDistName,
  RESUME_MODES,
  type ResumeMode,
} from "./vocabularies.js";

// ---- row fields ---------------------------------------------------------------------------------

/** A row field a dimension fills: its JSON type, whether rows and cells always carry it, and its words. */
export interface FieldSpec<T = unknown, InRow extends boolean = boolean, InCell extends boolean = boolean> {
  type: "string" | "number";
  /** Every row has it (old rows may lack the optional ones: they predate the field). */
  inRow: InRow;
  /** Every planned cell has it ("none" spelled out); loss_model is only there for Gilbert-Elliott loss. */
  inCell: InCell;
  /** Column title in tables. */
  title: string;
  /** What an absent value means, in words (tables and labels); without it, absent is "unset". */
  absent?: string;
  /** The value in words for labels; default "<title> <value>". */
  describe?: (value: string | number) => string;
  /** The value in a table cell; default the value itself. */
  format?: (value: string | number) => string;
  /**
   * The value in as few words as still say what it is, for chart labels and subtitles, given the
   * rest of the condition; null when it says nothing there. Default: `describe`'s words.
   */
  short?: (value: string | number | null, cell: Readonly<Record<string, unknown>>) => string | null;
  /** Phantom: the field's TypeScript type. */
  readonly _type?: T;
}

/** "1 Gbit/s", "20 Mbit/s", "500 kbit/s"; 0 = unshaped. */
export function formatRate(mbps: number): string {
  if (mbps === 0) return "unshaped";
  if (mbps >= 1000 && mbps % 1000 === 0) return `${mbps / 1000} Gbit/s`;
  if (mbps < 1) return `${+(mbps * 1000).toFixed(3)} kbit/s`;
  return `${mbps} Mbit/s`;
}

function field<T extends string | number>(
  type: T extends number ? "number" : "string",
  o: Omit<FieldSpec<T, true, true>, "type" | "inRow" | "inCell">,
): FieldSpec<T, true, true> {
  return { type, inRow: true, inCell: true, ...o };
}

/** A field rows may lack (left out at "none", or older rows) but every cell has. */
function rowOptional<T extends string | number>(
  type: T extends number ? "number" : "string",
  o: Omit<FieldSpec<T, false, true>, "type" | "inRow" | "inCell">,
): FieldSpec<T, false, true> {
  return { type, inRow: false, inCell: true, ...o };
}

/**
 * The row fields of the dimensions, in the order rows write them and tables list them. The order is
 * part of the format: reports order conditions field by field in this order.
 */
export const FIELDS = {
  engine: field<EngineName>("string", { title: "engine" }),
  kex: field<string>("string", { title: "key exchange" }), // group name, e.g. "X25519MLKEM768"
  chain: field<string>("string", { title: "chain" }), // chain spec, e.g. "mldsa65", "rsa2048@16KB"
  suite: field<string>("string", { title: "suite" }),
  resume: rowOptional<ResumeMode>("string", { title: "resume" }),
  /** Experiment hooks module both pqtls endpoints ran with; absent = none. */
  hooks: rowOptional<string>("string", { title: "hooks" }),
  /** RFC 8879 certificate compression both pqtls endpoints used; absent = none. */
  cert_compression: rowOptional<CertCompression>("string", { title: "cert. compression", absent: "none" }),
  /** The chain the client authenticated with (mTLS: the server requested and verified it); absent = none. */
  client_auth: rowOptional<string>("string", {
    title: "client auth",
    absent: "none",
    describe: (v) => `client chain ${v}`,
  }),
  /** Chain-size trimming mechanism both pqtls endpoints used (issue 20); absent = none. */
  chain_reduction: rowOptional<ChainReduction>("string", {
    title: "chain reduction",
    absent: "none",
    // A size model says so wherever it is named: its flow is today's handshake, not the draft's.
    describe: (v) =>
      typeof v === "string" && v.endsWith("-model")
        ? `chain reduction ${v} (size model; flow changes not modelled)`
        : `chain reduction ${v}`,
  }),
  /** CA certificates the client held before the measured connection; absent = none. */
  client_knowledge: rowOptional<ClientKnowledge>("string", { title: "client knowledge", absent: "none" }),
  rtt_ms: field<number>("number", {
    title: "RTT (ms)",
    describe: (v) => `RTT ${v} ms`,
    short: (v) => `${v} ms`,
  }),
  jitter_ms: field<number>("number", {
    title: "jitter (ms)",
    describe: (v) => `jitter ${v} ms`,
    short: (v) => (typeof v === "number" && v > 0 ? `±${v} ms jitter` : null),
  }),
  jitter_dist: rowOptional<JitterDistName>("string", {
    title: "jitter dist.",
    // Only says something when there is jitter to distribute.
    short: (v, c) => (typeof c.jitter_ms === "number" && c.jitter_ms > 0 && v !== null ? String(v) : null),
  }),
  /** 0 = unshaped. */
  rate_mbps: field<number>("number", {
    title: "rate (Mbit/s)",
    describe: (v) => (v === 0 ? "rate unshaped" : `${v} Mbit/s`),
    format: (v) => (v === 0 ? "unshaped" : String(v)),
    short: (v) => (typeof v === "number" ? formatRate(v) : null),
  }),
  loss_pct: field<number>("number", {
    title: "loss (%)",
    describe: (v) => `loss ${v} %`,
    short: (v) => `${v} % loss`,
  }),
  /** Gilbert-Elliott loss as netem's arguments, "gemodel p% r% h% k%"; loss_pct is then its mean rate. */
  loss_model: {
    type: "string",
    inRow: false,
    inCell: false,
    title: "loss model",
    absent: "Bernoulli",
  } as FieldSpec<string, false, false>,
  queue_limit: rowOptional<number>("number", { title: "queue limit", describe: (v) => `queue ${v}` }),
  initcwnd: field<number>("number", { title: "initcwnd" }),
  mtu: field<number>("number", { title: "MTU" }),
  cc: field<CcName>("string", { title: "cc" }),
  /** Response body size in bytes; 0 = handshake only (no request sent). */
  bytes: field<number>("number", { title: "data size" }),
} as const;
export type DimensionField = keyof typeof FIELDS;

type TypeOf<S> = S extends FieldSpec<infer T> ? T : never;
type Where<P extends "inRow" | "inCell", Present extends boolean> = {
  [K in DimensionField]: (typeof FIELDS)[K][P] extends Present ? K : never;
}[DimensionField];

/** The dimension fields of a row (a mapped type over FIELDS). */
export type DimensionRow = { [K in Where<"inRow", true>]: TypeOf<(typeof FIELDS)[K]> } & {
  [K in Where<"inRow", false>]?: TypeOf<(typeof FIELDS)[K]>;
};

/** A planned cell's parameters: every dimension field, "none" spelled out. */
export type CellParams = { [K in Where<"inCell", true>]: TypeOf<(typeof FIELDS)[K]> } & {
  [K in Where<"inCell", false>]?: TypeOf<(typeof FIELDS)[K]>;
};

/** The dimension fields in row order. */
export const FIELD_ORDER = Object.keys(FIELDS) as DimensionField[];

// ---- dimensions ---------------------------------------------------------------------------------

/**
 * How a config value is read. The harness has one parser per kind (its run/values.ts): units and
 * bounds for the measured kinds, @pqtls/tls13's own tables for groups and suites, the test PKI for
 * chains. Strings with units as on the command line; bare numbers in the field's own unit.
 */
export type ValueKind =
  | { kind: "enum"; values: readonly string[] }
  | { kind: "group" }
  | { kind: "suite" }
  | { kind: "chain"; none?: string }
  | { kind: "module"; none: string }
  | { kind: "duration"; max: number }
  | { kind: "rate"; max: number }
  | { kind: "loss" }
  | { kind: "bytes"; max: number }
  | { kind: "integer"; min: number; max: number };

/** Where a dimension's part sits in the cell id: `head/head/…/link,link,…/tail/tail…`. */
export type IdSection = "head" | "link" | "tail";

export interface Dimension {
  /** Config key (presets, config files) and, with - for _, the `pqtls run` flag. */
  key: string;
  /** What it means, for `pqtls run --help` and error messages. */
  help: string;
  value: ValueKind;
  /** The value list when no layer sets it. */
  default: readonly (string | number)[];
  /**
   * The value meaning "this dimension is off": cells at it keep the ids (and plan lines) they had
   * before the dimension existed. With `rowOmitsNone`, rows leave the field out at it too.
   */
  none?: string;
  rowOmitsNone?: boolean;
  /** The row fields it fills (one, except loss: loss_pct and, for Gilbert-Elliott, loss_model). */
  fields: readonly DimensionField[];
  /** variant: what the study compares (kex x chain); condition: what both are measured under; size: the response. */
  role: "variant" | "condition" | "size";
  /** A link setting: a lane reconfigures its link between groups of cells with equal link settings. */
  link: boolean;
  /** Its part of the cell id (and of `--dry-run` lines); none: its value is already in another's part. */
  id: { section: IdSection; part: (cell: CellParams) => string } | null;
  /** A change of value needs another server process (the value is part of the server key). */
  keysServer: boolean;
  /** Engines that support values other than none, and why the others do not. */
  engines?: { only: readonly EngineName[]; when: (value: string) => boolean; why: string };
  /** Why this machine cannot run a value (checked with the config), or null. */
  unavailable?: (value: string) => string | null;
  /** The value a link setting takes given its other values (zero jitter has no distribution). */
  normalize?: (values: Partial<CellParams>) => string | number | undefined;
  /**
   * The dimension matters only where another one (by config key) has one of `values`: elsewhere a
   * plan does not cross it, and its cells take its none (e.g. what a client holds changes nothing
   * without a mechanism that uses it). Needs `none`.
   */
  appliesWhen?: { key: string; values: readonly string[] };
}

/**
 * The dimensions, in cell-id order. Plans expand the link dimensions first (outermost), then the
 * response size, then the rest in this order (variant dimensions as one axis of pairs).
 */
export const DIMENSIONS = [
  {
    key: "engine",
    help: "TLS stack at both ends: pqtls, openssl",
    value: { kind: "enum", values: ENGINES },
    default: ["pqtls"],
    fields: ["engine"],
    role: "condition",
    link: false,
    id: { section: "head", part: (c) => c.engine },
    keysServer: true,
  },
  {
    key: "kex",
    help: "key exchange groups (crossed with chain), e.g. x25519, X25519MLKEM768",
    value: { kind: "group" },
    default: ["x25519"],
    fields: ["kex"],
    role: "variant",
    link: false,
    id: { section: "head", part: (c) => c.kex },
    // A server offering several groups may tell a client whose group is not its first choice so
    // (OpenSSL adds supported_groups to EncryptedExtensions): one server per group keeps bytes equal.
    keysServer: true,
  },
  {
    key: "chain",
    help: "certificate chains (crossed with kex): test-PKI names (mldsa65 = leaf + intermediate, mldsa65-leaf = the leaf alone), NAME@SIZE padded (rsa2048@16KiB), or a folder from pqtls certs --out (./mychain)",
    value: { kind: "chain" },
    default: ["rsa2048"],
    fields: ["chain"],
    role: "variant",
    link: false,
    id: { section: "head", part: (c) => c.chain },
    keysServer: true,
  },
  {
    key: "suite",
    help: "cipher suites, e.g. TLS_AES_128_GCM_SHA256",
    value: { kind: "suite" },
    default: ["TLS_AES_128_GCM_SHA256"],
    fields: ["suite"],
    role: "condition",
    link: false,
    id: { section: "head", part: (c) => c.suite },
    keysServer: true,
  },
  {
    key: "rtt",
    help: "round-trip times, e.g. 35ms (split evenly between directions)",
    value: { kind: "duration", max: 10_000 },
    default: ["0ms"],
    fields: ["rtt_ms"],
    role: "condition",
    link: true,
    id: { section: "link", part: (c) => `rtt=${c.rtt_ms}ms` },
    keysServer: false,
  },
  {
    key: "jitter",
    help: "delay jitter per direction, e.g. 8.75ms",
    value: { kind: "duration", max: 10_000 },
    default: ["0ms"],
    fields: ["jitter_ms"],
    role: "condition",
    link: true,
    id: { section: "link", part: (c) => `jitter=${c.jitter_ms}ms/${c.jitter_dist}` },
    keysServer: false,
  },
  {
    key: "jitter_dist",
    help: `jitter distribution: ${JITTER_DISTS.join(", ")}`,
    value: { kind: "enum", values: JITTER_DISTS },
    default: ["uniform"],
    fields: ["jitter_dist"],
    role: "condition",
    link: true,
    id: null,
    keysServer: false,
    // Zero jitter has no distribution: keep one setting, not one per distribution.
    normalize: (l) => (l.jitter_ms === 0 ? "uniform" : l.jitter_dist),
  },
  {
    key: "rate",
    help: "bottleneck rates, e.g. 1mbit, 1gbit; 0 = unshaped",
    value: { kind: "rate", max: 100_000 },
    default: [0],
    fields: ["rate_mbps"],
    role: "condition",
    link: true,
    id: { section: "link", part: (c) => `rate=${c.rate_mbps}mbit` },
    keysServer: false,
  },
  {
    key: "loss",
    help: 'loss per direction: 1% (random) or "gemodel P% R% [1-H% [1-K%]]" (Gilbert-Elliott)',
    value: { kind: "loss" },
    default: [0],
    fields: ["loss_pct", "loss_model"],
    role: "condition",
    link: true,
    id: { section: "link", part: (c) => `loss=${c.loss_model ?? `${c.loss_pct}%`}` },
    keysServer: false,
  },
  {
    key: "queue_limit",
    help: "link queue limit in packets (netem default 1000)",
    value: { kind: "integer", min: 1, max: 1_000_000 },
    default: [1000],
    fields: ["queue_limit"],
    role: "condition",
    link: true,
    id: { section: "link", part: (c) => `queue=${c.queue_limit}` },
    keysServer: false,
  },
  {
    key: "mtu",
    help: "MTU of both endpoints",
    value: { kind: "integer", min: 576, max: 9000 },
    default: [1500],
    fields: ["mtu"],
    role: "condition",
    link: true,
    id: { section: "link", part: (c) => `mtu=${c.mtu}` },
    keysServer: false,
  },
  {
    key: "initcwnd",
    help: "initial congestion (and receive) window in segments",
    value: { kind: "integer", min: 1, max: 1000 },
    default: [10],
    fields: ["initcwnd"],
    role: "condition",
    link: true,
    id: { section: "link", part: (c) => `initcwnd=${c.initcwnd}` },
    keysServer: false,
  },
  {
    key: "cc",
    help: `congestion control: ${CONGESTION_CONTROLS.join(", ")}`,
    value: { kind: "enum", values: CONGESTION_CONTROLS },
    default: ["cubic"],
    fields: ["cc"],
    role: "condition",
    link: true,
    id: { section: "link", part: (c) => `cc=${c.cc}` },
    keysServer: false,
  },
  {
    key: "bytes",
    help: "response sizes, e.g. 0, 1KiB, 200KiB; 0 = handshake only, no request",
    value: { kind: "bytes", max: 1024 * 1024 * 1024 },
    default: [0],
    fields: ["bytes"],
    role: "size",
    link: false,
    id: { section: "tail", part: (c) => `bytes=${c.bytes}` },
    // One server serves every response size.
    keysServer: false,
  },
  {
    key: "resumption",
    help: "handshake kinds: full, resumed (PSK ticket from a priming connection), 0rtt (the request as early data); rows say it as `resume`",
    value: { kind: "enum", values: RESUME_MODES },
    default: ["full"],
    none: "full",
    fields: ["resume"],
    role: "condition",
    link: false,
    id: { section: "tail", part: (c) => `resume=${c.resume}` },
    // The same server issues tickets and accepts them.
    keysServer: false,
    engines: {
      only: ["pqtls"],
      when: (v) => v === "0rtt",
      why: "0rtt needs engine pqtls only (node:tls, the openssl engine, has no 0-RTT API)",
    },
  },
  {
    key: "hooks",
    help: "experiment hooks (pqtls engine): none, or ES modules exporting `client`/`server` HandshakeHooks, e.g. none,examples/chain-trimming.hooks.mjs",
    value: { kind: "module", none: "none" },
    default: ["none"],
    none: "none",
    rowOmitsNone: true,
    fields: ["hooks"],
    role: "condition",
    link: false,
    id: { section: "tail", part: (c) => `hooks=${c.hooks}` },
    keysServer: true,
    engines: {
      only: ["pqtls"],
      when: (v) => v !== "none",
      why: "hooks need engine pqtls only (they are this library's API)",
    },
  },
  {
    key: "cert_compression",
    help: "RFC 8879 certificate compression offered by the client and used by the server (pqtls engine): none, zlib, brotli, zstd (zstd needs node:zlib zstd, Node >= 22.15)",
    value: { kind: "enum", values: CERT_COMPRESSIONS },
    default: ["none"],
    none: "none",
    rowOmitsNone: true,
    fields: ["cert_compression"],
    role: "condition",
    link: false,
    id: { section: "tail", part: (c) => `cert_compression=${c.cert_compression}` },
    keysServer: true,
    engines: {
      only: ["pqtls"],
      when: (v) => v !== "none",
      why: "needs engine pqtls only (node:tls, the openssl engine, has no certificate compression option)",
    },
    // The endpoints run on this Node: zstd must be in its node:zlib (Node >= 22.15), not only in the config.
    unavailable: (v) =>
      v === "zstd" && typeof (zlib as { zstdCompressSync?: unknown }).zstdCompressSync !== "function"
        ? `zstd needs node:zlib zstd (Node >= 22.15); this is Node ${process.versions.node}`
        : null,
  },
  {
    key: "client_auth",
    help: "mTLS: none, or the test-PKI chain the client presents (the server requests it and verifies it against that chain's root), e.g. none,mldsa44,mldsa65",
    value: { kind: "chain", none: "none" },
    default: ["none"],
    none: "none",
    rowOmitsNone: true,
    fields: ["client_auth"],
    role: "condition",
    link: false,
    id: { section: "tail", part: (c) => `client_auth=${c.client_auth}` },
    // The server's requestCert and trusted client root are set when it starts.
    keysServer: true,
  },
  {
    key: "chain_reduction",
    help: "chain-size trimming (pqtls engine): none, suppress-ca (Suppress CA certificates), trust-anchor-ids, abridged (list and dictionary built from the run's PKI), zlib, brotli, zstd (RFC 8879); size models, labelled model: mtc-model (a landmark-relative Merkle Tree Certificate), authkem-model (an ML-KEM leaf key, KEM-based authentication) — the model's certificate message carried by today's handshake, flow changes not modelled",
    value: { kind: "enum", values: CHAIN_REDUCTIONS },
    default: ["none"],
    none: "none",
    rowOmitsNone: true,
    fields: ["chain_reduction"],
    role: "condition",
    link: false,
    id: { section: "tail", part: (c) => `chain_reduction=${c.chain_reduction}` },
    keysServer: true,
    engines: {
      only: ["pqtls"],
      when: (v) => v !== "none",
      why: "needs engine pqtls only (node:tls, the openssl engine, has none of these mechanisms nor certificate compression)",
    },
    unavailable: (v) =>
      v === "zstd" && typeof (zlib as { zstdCompressSync?: unknown }).zstdCompressSync !== "function"
        ? `zstd needs node:zlib zstd (Node >= 22.15); this is Node ${process.versions.node}`
        : null,
  },
  {
    key: "client_knowledge",
    help: "CA certificates the client holds before a measured connection (pqtls engine): none, cached (by an unmeasured warm-up connection), preloaded",
    value: { kind: "enum", values: CLIENT_KNOWLEDGE },
    default: ["none"],
    none: "none",
    rowOmitsNone: true,
    fields: ["client_knowledge"],
    role: "condition",
    link: false,
    id: { section: "tail", part: (c) => `client_knowledge=${c.client_knowledge}` },
    // The server is the same whatever the client holds.
    keysServer: false,
    // Only suppression and trust anchor IDs read it (run/endpoint/chain-reduction.ts); crossing it
    // with the others would only add warm-up connections and identical cells.
    appliesWhen: { key: "chain_reduction", values: ["suppress-ca", "trust-anchor-ids"] },
    engines: {
      only: ["pqtls"],
      when: (v) => v !== "none",
      why: "needs engine pqtls only (the openssl engine has no chain reduction for it to matter to)",
    },
  },
] as const satisfies readonly Dimension[];
type Dimensions = (typeof DIMENSIONS)[number];

/** The dimension that fills a row field. */
export function dimensionOf(field: DimensionField): Dimension {
  const d = (DIMENSIONS as readonly Dimension[]).find((x) => x.fields.includes(field));
  if (!d) throw new Error(`no dimension fills row field ${field}`);
  return d;
}

/** The dimension behind a config key, or undefined. */
export function dimension(key: string): Dimension | undefined {
  return (DIMENSIONS as readonly Dimension[]).find((d) => d.key === key);
}

/** Config keys of the link dimensions, in cell-id order (allowed inside `links` entries). */
export const LINK_KEYS: readonly string[] = DIMENSIONS.filter((d) => d.link).map((d) => d.key);
/** Config keys of the variant dimensions (paired by the `variants` key as "KEX:CHAIN"). */
export const VARIANT_KEYS: readonly string[] = DIMENSIONS.filter((d) => d.role === "variant").map(
  (d) => d.key,
);

function fieldsWhere<F extends DimensionField>(test: (d: Dimension) => boolean): readonly F[] {
  return FIELD_ORDER.filter((f) => test(dimensionOf(f))) as F[];
}

export type LinkField = Extract<Dimensions, { link: true }>["fields"][number];
export type ConditionField = Extract<Dimensions, { role: "condition" }>["fields"][number];
export type VariantField = Extract<Dimensions, { role: "variant" }>["fields"][number];

/** A link setting: the values of the link dimensions (a lane's link and endpoints are set up with). */
export type LinkParams = Pick<CellParams, LinkField>;
/** One compared variant: the values of the variant dimensions (kex and chain). */
export type VariantParams = Pick<CellParams, VariantField>;
/**
 * A resolved config's value lists of the other dimensions, by config key (engine, suite, bytes,
 * resumption, ...): the link dimensions are in its `links`, the variant dimensions in its `variants`.
 */
export type ConfigAxes = {
  [D in Extract<
    Dimensions,
    { link: false; role: "condition" | "size" }
  > as D["key"]]: CellParams[D["fields"][0]][];
};

/** Row fields of the link dimensions, in row order. */
export const LINK_FIELDS = fieldsWhere<LinkField>((d) => d.link);
/** Row fields of the condition (everything both variants are measured under but the size), in row order. */
export const CONDITION_FIELDS = fieldsWhere<ConditionField>((d) => d.role === "condition");
/** Row fields of the variant. */
export const VARIANT_FIELDS = fieldsWhere<VariantField>((d) => d.role === "variant");
