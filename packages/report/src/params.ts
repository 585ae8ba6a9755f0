// What a row was measured under, split the way the report compares things: the *variant* (key
// exchange + certificate chain: what the study changes) versus the *condition* (the link and endpoint
// set-up both variants are measured under) and the response size.

import type { Row } from "./row.js";

/** Row fields that describe the emulated link (and the endpoints' TCP), in the order tables show them. */
export const LINK_FIELDS = [
  "rtt_ms",
  "jitter_ms",
  "jitter_dist",
  "rate_mbps",
  "loss_pct",
  "loss_model",
  "queue_limit",
  "initcwnd",
  "mtu",
  "cc",
] as const;

/** Row fields that make up a link/endpoint condition. Comparisons only pair cells of equal condition. */
export const CONDITION_FIELDS = [
  "engine",
  "suite",
  "resume",
  "hooks",
  "cert_compression",
  ...LINK_FIELDS,
] as const;
export type ConditionField = (typeof CONDITION_FIELDS)[number];
export type Condition = { [K in ConditionField]: string | number | null };

export interface Variant {
  kex: string;
  chain: string;
}

export const FIELD_TITLES: Record<ConditionField | "bytes", string> = {
  engine: "engine",
  suite: "suite",
  resume: "resume",
  hooks: "hooks",
  cert_compression: "cert. compression",
  rtt_ms: "RTT (ms)",
  jitter_ms: "jitter (ms)",
  jitter_dist: "jitter dist.",
  rate_mbps: "rate (Mbit/s)",
  loss_pct: "loss (%)",
  loss_model: "loss model",
  queue_limit: "queue limit",
  initcwnd: "initcwnd",
  mtu: "MTU",
  cc: "cc",
  bytes: "data size",
};

export function conditionOf(row: Row): Condition {
  const c = {} as Condition;
  for (const f of CONDITION_FIELDS) {
    const v = (row as unknown as Record<string, unknown>)[f];
    c[f] = typeof v === "string" || typeof v === "number" ? v : null;
  }
  return c;
}

export function variantOf(row: Row): Variant {
  return { kex: row.kex, chain: row.chain };
}

/** A canonical string for a condition (field order fixed), usable as a map key. */
export function conditionKey(c: Condition): string {
  return JSON.stringify(CONDITION_FIELDS.map((f) => c[f]));
}

export function variantKey(v: Variant): string {
  return JSON.stringify([v.kex, v.chain]);
}

export function variantLabel(v: Variant): string {
  return `${v.kex} + ${v.chain}`;
}

/** Fields whose value differs between at least two of the conditions. */
export function varyingFields(conditions: readonly Condition[]): ConditionField[] {
  return CONDITION_FIELDS.filter((f) => new Set(conditions.map((c) => c[f])).size > 1);
}

/** Fields with one value across all conditions, with that value (absent ones left out). */
export function fixedFields(conditions: readonly Condition[]): Partial<Condition> {
  const fixed: Partial<Condition> = {};
  if (conditions.length === 0) return fixed;
  for (const f of CONDITION_FIELDS) {
    const values = new Set(conditions.map((c) => c[f]));
    if (values.size === 1 && conditions[0][f] !== null) fixed[f] = conditions[0][f];
  }
  return fixed;
}

/** One field's value in words, e.g. "RTT 35 ms", "loss 1 %", "rate unshaped". */
export function describeField(field: ConditionField, value: string | number | null): string {
  // Rows leave cert_compression out when the certificate went uncompressed.
  if (field === "cert_compression") return `cert. compression ${value ?? "none"}`;
  // Rows carry loss_model only for Gilbert-Elliott loss; without it the loss is independent per packet.
  if (field === "loss_model") return `loss model ${value ?? "Bernoulli"}`;
  if (value === null) return `${field} unset`;
  switch (field) {
    case "rtt_ms":
      return `RTT ${value} ms`;
    case "jitter_ms":
      return `jitter ${value} ms`;
    case "rate_mbps":
      return value === 0 ? "rate unshaped" : `${value} Mbit/s`;
    case "loss_pct":
      return `loss ${value} %`;
    case "jitter_dist":
      return `jitter dist. ${value}`;
    case "queue_limit":
      return `queue ${value}`;
    case "mtu":
      return `MTU ${value}`;
    default:
      return `${field} ${value}`;
  }
}

/** The condition in words, naming only `fields` (normally the varying ones); "all" when none vary. */
export function conditionLabel(c: Condition, fields: readonly ConditionField[]): string {
  if (fields.length === 0) return "all";
  return fields.map((f) => describeField(f, c[f])).join(", ");
}

/** The value as a table cell shows it. */
export function formatFieldValue(field: ConditionField, value: string | number | null): string {
  if (field === "cert_compression" && value === null) return "none";
  if (field === "loss_model" && value === null) return "Bernoulli";
  if (value === null) return "–";
  if (field === "rate_mbps" && value === 0) return "unshaped";
  return String(value);
}

/** Response size in words: 0 B, 512 B, 1 KiB, 200 KiB, 1.5 MiB. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${trim(bytes / 1024)} KiB`;
  return `${trim(bytes / (1024 * 1024))} MiB`;
}

function trim(x: number): string {
  return Number.isInteger(x) ? String(x) : x.toFixed(2).replace(/0+$/, "");
}

/** Orders conditions field by field (numbers numerically), so tables read 35 ms before 200 ms. */
export function compareConditions(a: Condition, b: Condition): number {
  for (const f of CONDITION_FIELDS) {
    const x = a[f];
    const y = b[f];
    if (x === y) continue;
    if (x === null) return -1;
    if (y === null) return 1;
    if (typeof x === "number" && typeof y === "number") return x - y;
    return String(x).localeCompare(String(y));
  }
  return 0;
}
