// What a row was measured under, split the way the report compares things: the *variant* (key
// exchange + certificate chain: what the study changes) versus the *condition* (the link and endpoint
// set-up both variants are measured under) and the response size.

import { CONDITION_FIELDS, type ConditionField, VARIANT_FIELDS, type VariantParams } from "./dimensions.js";
import { describeField } from "./field-words.js";
import type { Row } from "./row.js";

// The condition and link fields, their titles and words come from the registry (dimensions.ts).
export { CONDITION_FIELDS, type ConditionField, LINK_FIELDS } from "./dimensions.js";
export { describeField, FIELD_TITLES, fieldNoun, formatFieldValue } from "./field-words.js";
export type Condition = { [K in ConditionField]: string | number | null };

/** What the study compares: the values of the variant dimensions (key exchange and chain). */
export type Variant = VariantParams;

export function conditionOf(row: Row): Condition {
  const c = {} as Condition;
  for (const f of CONDITION_FIELDS) {
    const v = (row as unknown as Record<string, unknown>)[f];
    c[f] = typeof v === "string" || typeof v === "number" ? v : null;
  }
  return c;
}

export function variantOf(row: Row): Variant {
  return Object.fromEntries(VARIANT_FIELDS.map((f) => [f, row[f]])) as Variant;
}

/** A canonical string for a condition (field order fixed), usable as a map key. */
export function conditionKey(c: Condition): string {
  return JSON.stringify(CONDITION_FIELDS.map((f) => c[f]));
}

export function variantKey(v: Variant): string {
  return JSON.stringify(VARIANT_FIELDS.map((f) => v[f]));
}

/**
 * "X25519MLKEM768 + mldsa65"; a comparison side also carries the condition fields a --baseline
 * compares (engine, cert_compression, ...), named after it: "x25519 + rsa2048, engine openssl".
 */
export function variantLabel(v: Variant): string {
  const extra = Object.entries(v)
    .filter(([f]) => !(VARIANT_FIELDS as readonly string[]).includes(f))
    .map(([f, value]) => describeField(f as ConditionField, value ?? null));
  return [VARIANT_FIELDS.map((f) => v[f]).join(" + "), ...extra].join(", ");
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

/** The condition in words, naming only `fields` (normally the varying ones); "all" when none vary. */
export function conditionLabel(c: Condition, fields: readonly ConditionField[]): string {
  if (fields.length === 0) return "all";
  return fields.map((f) => describeField(f, c[f])).join(", ");
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
