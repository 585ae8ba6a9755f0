// Which variants are "post-quantum" and which "classical", and the --baseline / --variant selectors
// that pick the two sides of a comparison. A key exchange is PQ when its group name mentions ML-KEM
// (hybrids such as X25519MLKEM768 included). A chain is PQ when its leaf's key is (ML-DSA, or an
// AuthKEM model's ML-KEM key), as the rows record it (`chain_key`); rows from before that field
// fall back to the chain's name: its algorithm part (before any "@size" padding suffix) mentioning
// ML-DSA. Either way an RSA chain padded to ML-DSA size stays classical, and by the recorded key a
// folder chain (`./mychain`) is what it holds whatever it is called.

import {
  DIMENSIONS,
  type Dimension,
  type DimensionField,
  dimension,
  dimensionOf,
  FIELDS,
} from "./dimensions.js";

export function isPqKex(kex: string): boolean {
  return /ml-?kem/i.test(kex);
}

/** A chain by its name alone (rows without `chain_key`). */
export function isPqChain(chain: string): boolean {
  return /ml-?dsa/i.test(chain.split("@")[0]);
}

/** A chain by its leaf's key algorithm (`chain_key`: rsa, p256, ed25519, mldsa65, mlkem768, ...). */
export function isPqChainKey(key: string): boolean {
  return /ml-?dsa|ml-?kem|slh-?dsa/i.test(key);
}

type Matcher = { kind: "pq" } | { kind: "classical" } | { kind: "any" } | { kind: "pattern"; re: RegExp };

/** One `key=value` of a selector: the row field it tests (from the registry) and how. */
export interface SelectorTerm {
  /** The key as written (e.g. "compression"). */
  key: string;
  field: DimensionField;
  /** The value as written (e.g. "pq", "brotli", "X25519*"). */
  value: string;
  matcher: Matcher;
}

export interface VariantSelector {
  /** The selector as the user wrote it (or the default's canonical text). */
  text: string;
  /** Every term must match; none (the selector "any") matches every cell. */
  terms: SelectorTerm[];
}

export const DEFAULT_BASELINE = "kex=classical,chain=classical";
export const DEFAULT_VARIANT = "kex=pq,chain=pq";
/** The variant selector when --baseline is given without --variant: every cell that is not a baseline. */
export const ANY_VARIANT = "any";

/** Thrown for a selector that cannot be parsed; the message is one line for the CLI. */
export class SelectorError extends Error {
  override name = "SelectorError";
}

/** What `pq` / `classical` mean per field; other fields only take names. */
const PQ_TESTS: Partial<Record<DimensionField, (v: string) => boolean>> = { kex: isPqKex, chain: isPqChain };

/** Keys a selector accepts: every dimension's config key and row fields (loss_model aside). */
function selectorKeys(): string[] {
  const keys = new Set<string>();
  for (const d of DIMENSIONS as readonly Dimension[]) {
    if (d.role === "size") continue;
    keys.add(d.key);
    for (const f of d.fields) keys.add(f);
  }
  return [...keys];
}

/**
 * The row field a selector key names: a dimension's config key (`resumption`, `cert_compression`,
 * `rtt`), a row field (`resume`, `rtt_ms`), or one unambiguous word of either (`compression`).
 */
function resolveKey(key: string, what: string): DimensionField {
  const d = dimension(key);
  if (d && d.role !== "size") return d.fields[0];
  if (key in FIELDS && dimensionOf(key as DimensionField).role !== "size") return key as DimensionField;
  const byWord = [
    ...new Set(
      (DIMENSIONS as readonly Dimension[])
        .filter((x) => x.role !== "size" && [x.key, ...x.fields].some((k) => k.split("_").includes(key)))
        .map((x) => x.fields[0]),
    ),
  ];
  if (byWord.length === 1) return byWord[0];
  throw new SelectorError(`${what}: unknown key "${key}" (keys: ${selectorKeys().join(", ")})`);
}

/** The dimension fields a comma list of selector keys names (`engine`, `compression=`'s key, ...). */
export function parseFieldList(text: string, what: string): DimensionField[] {
  const keys = text
    .split(",")
    .map((k) => k.trim())
    .filter((k) => k !== "");
  if (keys.length === 0) throw new SelectorError(`${what}: no key given`);
  return [...new Set(keys.map((k) => resolveKey(k, what)))];
}

function parseMatcher(value: string, what: string, field: DimensionField): Matcher {
  const v = value.trim();
  if (v === "") throw new SelectorError(`${what}: empty value`);
  const lower = v.toLowerCase();
  if (lower === "any" || lower === "*") return { kind: "any" };
  if (PQ_TESTS[field]) {
    if (lower === "pq") return { kind: "pq" };
    if (lower === "classical") return { kind: "classical" };
  }
  const escaped = v.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*");
  return { kind: "pattern", re: new RegExp(`^${escaped}$`, "i") };
}

/**
 * Parse "kex=X25519MLKEM768,chain=mldsa65" or "engine=openssl" or "compression=brotli,resumption=full":
 * any dimension's key (see resolveKey). Values: an exact value (case-insensitive, `*` wildcards
 * allowed), `any`, and for kex and chain `pq` or `classical`. A key left out matches anything; the
 * selector "any" matches every cell.
 */
export function parseSelector(text: string, what = "selector"): VariantSelector {
  const sel: VariantSelector = { text, terms: [] };
  if (text.trim().toLowerCase() === ANY_VARIANT) return sel;
  const parts = text
    .split(",")
    .map((p) => p.trim())
    .filter((p) => p !== "");
  if (parts.length === 0) throw new SelectorError(`${what}: empty selector (expected key=value,...)`);
  for (const part of parts) {
    const eq = part.indexOf("=");
    if (eq < 0)
      throw new SelectorError(`${what}: "${part}" is not key=value (e.g. kex=pq,chain=pq or engine=openssl)`);
    const key = part.slice(0, eq).trim().toLowerCase();
    const field = resolveKey(key, what);
    const label = `${what} ${key}`;
    const value = part.slice(eq + 1).trim();
    const term = { key, field, value, matcher: parseMatcher(value, label, field) };
    const i = sel.terms.findIndex((t) => t.field === field);
    if (i >= 0) sel.terms[i] = term;
    else sel.terms.push(term);
  }
  return sel;
}

/** The row fields a selector tests. */
export function selectorFields(sel: VariantSelector): DimensionField[] {
  return sel.terms.map((t) => t.field);
}

/**
 * A cell's dimension values by row field (absent = the dimension's none, e.g. cert_compression), and
 * its chain's leaf key algorithm when the rows recorded it (then `chain=pq` reads that, not the name).
 */
export type CellValues = Partial<Record<DimensionField, string | number | null>> & {
  chain_key?: string | null;
};

function valueText(field: DimensionField, v: string | number | null | undefined): string {
  if (v === null || v === undefined) return dimensionOf(field).none ?? "";
  return String(v);
}

/** Whether a cell is post-quantum in `field` (null: the field has no such notion). */
function isPq(field: DimensionField, values: CellValues): boolean | null {
  if (field === "chain" && values.chain_key) return isPqChainKey(values.chain_key);
  const test = PQ_TESTS[field];
  return test ? test(valueText(field, values[field])) : null;
}

function termMatches(t: SelectorTerm, values: CellValues): boolean {
  const m = t.matcher;
  switch (m.kind) {
    case "any":
      return true;
    case "pq":
      return isPq(t.field, values) ?? false;
    case "classical":
      return !(isPq(t.field, values) ?? true);
    case "pattern":
      return m.re.test(valueText(t.field, values[t.field]));
  }
}

export function selectorMatches(sel: VariantSelector, values: CellValues): boolean {
  return sel.terms.every((t) => termMatches(t, values));
}

/**
 * Refuse a selector naming a value no cell has (`--baseline kex=foo`): one line listing the values
 * present, instead of a report that silently compares nothing.
 */
export function checkSelectorValues(sel: VariantSelector, cells: readonly CellValues[], what: string): void {
  if (cells.length === 0) return;
  // Named values only: `pq`/`classical` with no such cell is a run without that side, said in the report.
  for (const t of sel.terms.filter((x) => x.matcher.kind === "pattern")) {
    const present = [...new Set(cells.map((c) => valueText(t.field, c[t.field])))];
    if (!cells.some((c) => termMatches(t, c))) {
      throw new SelectorError(
        `${what} ${t.key}=${t.value} matches no ${t.key} in these results (present: ${present.join(", ")})`,
      );
    }
  }
}
