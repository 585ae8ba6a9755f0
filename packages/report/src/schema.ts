// JSON Schemas of the results format: a row and the meta line. The published copies are
// packages/report/schema/{row,meta}.schema.json (a test keeps them equal to these); the loader
// validates every line with them through ajv. The row schema is built from the registry, so a new
// dimension's field is in it without another edit.

import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import { type DimensionField, FIELDS } from "./dimensions.js";
import { REQUIRED_ROW_FIELDS, TCP_INFO_FIELDS } from "./row.js";

type Schema = Record<string, unknown>;

const NULLABLE_COUNT = { type: ["number", "null"], minimum: 0 };

/** The row's TCP_INFO of both ends (row.ts TcpInfo): each end an object of nullable numbers, or null. */
function tcpInfoSchema(): Schema {
  const end = {
    type: ["object", "null"],
    additionalProperties: false,
    properties: Object.fromEntries(TCP_INFO_FIELDS.map((f) => [f, { type: ["number", "null"] }])),
  };
  return {
    type: "object",
    description:
      "getsockopt(TCP_INFO) of the client (at the last body byte) and the server (at the client's FIN)",
    required: ["client", "server"],
    additionalProperties: false,
    properties: { client: end, server: end },
  };
}

/** The row's fidelity guard (fidelity.ts RowFidelity). */
function fidelitySchema(): Schema {
  const ms = (description: string) => ({ ...NULLABLE_COUNT, description });
  return {
    type: "object",
    description:
      "what the machine did during this connection, and whether the row was taken on a disturbed lane",
    required: ["marked", "thresholds"],
    properties: {
      late_max_ms: ms("relay release lateness, latest packet (bucket upper bound), both directions"),
      late_p99_ms: ms("relay release lateness, 99th percentile (bucket upper bound)"),
      late_packets: ms("packets the relay released during the connection"),
      window_ms: ms("wall time between the readings the CPU, wait and pressure figures are deltas over"),
      client_cpu_ms: ms("client endpoint process CPU time"),
      server_cpu_ms: ms("server endpoint process CPU time"),
      client_wait_ms: ms("client endpoint main thread: runnable, waiting for a CPU"),
      server_wait_ms: ms("server endpoint main thread: runnable, waiting for a CPU"),
      pressure: {
        type: ["object", "null"],
        description: "machine CPU pressure: PSI some share of the wall time, else loadavg per CPU",
        properties: {
          source: { enum: ["psi_some", "loadavg_per_cpu"] },
          pct: { type: "number" },
          value: { type: "number" },
        },
        required: ["source"],
      },
      thresholds: {
        type: "object",
        required: ["late_ms", "wait_ms"],
        properties: { late_ms: { type: "number" }, wait_ms: { type: "number" } },
      },
      marked: {
        type: "array",
        items: { enum: ["relay_late", "endpoint_wait"] },
        description: "why the row was taken on a disturbed lane; empty when it was not",
      },
    },
  };
}

/** The JSON Schema of a result row (format 1). */
export function rowSchema(): Schema {
  const dimensions = Object.fromEntries(
    (Object.keys(FIELDS) as DimensionField[]).map((f) => [
      f,
      { type: FIELDS[f].type, description: FIELDS[f].title, ...(f === "bytes" ? { minimum: 0 } : {}) },
    ]),
  );
  return {
    $schema: "http://json-schema.org/draft-07/schema#",
    $id: "https://pqtls.invalid/schema/row.schema.json",
    title: "pqtls result row (format 1): one connection",
    type: "object",
    required: ["type", ...REQUIRED_ROW_FIELDS],
    properties: {
      type: { const: "row" },
      run: { type: "string", description: "run id, as in the meta line" },
      cell: { type: "string", description: "stable id of the cell's parameters" },
      sample: { type: "number", description: "0-based sample index within the cell" },
      ...dimensions,
      ok: { type: "boolean" },
      error: { type: ["string", "null"] },
      tcp_connect_ms: NULLABLE_COUNT,
      handshake_ms: NULLABLE_COUNT,
      ttfb_ms: NULLABLE_COUNT,
      ttlb_ms: NULLABLE_COUNT,
      hs_bytes_c2s: NULLABLE_COUNT,
      hs_bytes_s2c: NULLABLE_COUNT,
      cert_msg_bytes: NULLABLE_COUNT,
      chain_certs: { type: "integer", minimum: 1, description: "certificates the server's chain sends" },
      chain_msg_bytes: {
        type: "integer",
        minimum: 0,
        description: "bytes of the Certificate message the server's chain makes, uncompressed",
      },
      chain_key: {
        type: "string",
        minLength: 1,
        description:
          "key algorithm of the server's leaf (rsa, p256, ed25519, mldsa65, ...): decides chain=pq",
      },
      retrans_segs: NULLABLE_COUNT,
      close_ms: { type: ["number", "null"] },
      tcp: { type: "object", additionalProperties: { type: "number" }, description: "TCP counters, deltas" },
      link: { type: "object", additionalProperties: { type: "number" }, description: "link drop counters" },
      tcp_info: tcpInfoSchema(),
      fidelity: fidelitySchema(),
      lane: { type: "number" },
      ts: { type: "string", description: "ISO 8601 wall clock at the end of the connection" },
      stop_rule: {
        type: "object",
        description:
          "adaptive runs (--ci-width): the stop rule and the decision at the last checkpoint before this sample",
        required: ["ci_width", "ci_on", "every", "min", "cap", "checkpoint", "width", "decision"],
        properties: {
          ci_width: { type: "number", exclusiveMinimum: 0 },
          ci_on: { enum: ["p50", "p90"] },
          every: { type: "integer", minimum: 1 },
          min: { type: "integer", minimum: 1 },
          cap: { type: "integer", minimum: 1 },
          checkpoint: { type: ["integer", "null"] },
          width: { type: ["number", "null"] },
          decision: { enum: ["continue", null] },
        },
      },
    },
    // A successful connection has a handshake time.
    if: { properties: { ok: { const: true } } },
    // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then keyword, not a thenable
    then: { properties: { handshake_ms: { type: "number" } } },
  };
}

/** The JSON Schema of a results file's first line. */
export function metaSchema(): Schema {
  return {
    $schema: "http://json-schema.org/draft-07/schema#",
    $id: "https://pqtls.invalid/schema/meta.schema.json",
    title: "pqtls results meta line (format 1): what was run",
    type: "object",
    required: ["type", "run", "format", "config", "link_backend", "timing_definition", "seed"],
    properties: {
      type: { const: "meta" },
      run: { type: "string" },
      format: { const: 1 },
      started_at: { type: "string" },
      command_line: { type: "array", items: { type: "string" } },
      config: { type: "object", description: "the fully resolved experiment config" },
      git_commit: { type: "string" },
      versions: { type: "object", additionalProperties: { type: "string" } },
      providers: { type: "object", additionalProperties: { type: "string" } },
      kernel: { type: "string" },
      link_backend: { enum: ["netem", "tun", "none"] },
      timing_definition: { type: "string" },
      seed: { type: "number" },
    },
  };
}

// verbose: errors carry their parentSchema, whose type words the message.
const ajv = new Ajv({ allErrors: false, verbose: true });
let rowValidator: ValidateFunction | undefined;
let metaValidator: ValidateFunction | undefined;

/** The first problem of an ajv error in the loader's words ('missing field "cc"'). */
function words(e: ErrorObject, prefix: string): string {
  const field = e.instancePath.replace(/^\//, "").replace(/\//g, ".");
  if (e.keyword === "required")
    return `${prefix}missing field "${(e.params as { missingProperty: string }).missingProperty}"`;
  const t = (e.parentSchema as Schema | undefined)?.type;
  if (field === "handshake_ms" && e.keyword === "type" && t === "number")
    return "ok is true but handshake_ms is null";
  if (field === "format") return `unsupported results format`;
  const what =
    field === "ok"
      ? "true or false"
      : Array.isArray(t) && t.includes("null")
        ? t.includes("string")
          ? "a string or null"
          : "a non-negative number or null"
        : t === "number"
          ? e.keyword === "minimum"
            ? "not negative"
            : "a finite number"
          : t === "string"
            ? "a string"
            : `valid (${e.message})`;
  return `${prefix}field "${field}" must ${what.startsWith("not") ? "" : "be "}${what}`;
}

/** Why a row is invalid (the first problem found), or null. */
export function rowSchemaProblem(o: unknown): string | null {
  rowValidator ??= ajv.compile(rowSchema());
  if (rowValidator(o)) return null;
  return words((rowValidator.errors ?? [])[0] as ErrorObject, "");
}

/** Why a meta line is invalid, or null. */
export function metaSchemaProblem(o: unknown): string | null {
  metaValidator ??= ajv.compile(metaSchema());
  if (metaValidator(o)) return null;
  const e = (metaValidator.errors ?? [])[0] as ErrorObject;
  if (e.instancePath === "/format")
    return `unsupported results format ${JSON.stringify((o as Schema).format)} (this report reads format 1)`;
  return e.keyword === "required" ? words(e, "meta line is ") : `meta ${words(e, "")}`;
}
