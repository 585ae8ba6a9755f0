// Row fields in words, for tables and labels: titles, "RTT 35 ms", "rate unshaped", "loss model
// Bernoulli" for an absent one. What each field says comes from its entry in the registry's FIELDS.

import { type DimensionField, FIELD_ORDER, FIELDS, type FieldSpec } from "./dimensions.js";

/** Column titles of the condition fields and the size. */
export const FIELD_TITLES = Object.fromEntries(FIELD_ORDER.map((f) => [f, FIELDS[f].title])) as Record<
  DimensionField,
  string
>;

/** A field's title without its unit, for prose: "loss (%)" → "loss". */
export function fieldNoun(f: DimensionField): string {
  return FIELD_TITLES[f].replace(/ \(.*\)$/, "");
}

/** One field's value in words, e.g. "RTT 35 ms", "loss 1 %", "rate unshaped". */
export function describeField(f: DimensionField, value: string | number | null): string {
  const spec: FieldSpec = FIELDS[f];
  if (value === null) return spec.absent ? `${spec.title} ${spec.absent}` : `${f} unset`;
  return spec.describe ? spec.describe(value) : `${spec.title} ${value}`;
}

/** The value as a table cell shows it. */
export function formatFieldValue(f: DimensionField, value: string | number | null): string {
  const spec: FieldSpec = FIELDS[f];
  if (value === null) return spec.absent ?? "–";
  return spec.format ? spec.format(value) : String(value);
}
