// Which variants are "post-quantum" and which "classical", and the --baseline / --variant selectors
// that pick the two sides of a comparison. A key exchange is PQ when its group name mentions ML-KEM
// (hybrids such as X25519MLKEM768 included); a chain is PQ when its algorithm part (before any
// "@size" padding suffix) mentions ML-DSA, so an RSA chain padded to ML-DSA size stays classical.

import type { Variant } from "./params.js";

export function isPqKex(kex: string): boolean {
  return /ml-?kem/i.test(kex);
}

export function isPqChain(chain: string): boolean {
  return /ml-?dsa/i.test(chain.split("@")[0]);
}

type Matcher = { kind: "pq" } | { kind: "classical" } | { kind: "any" } | { kind: "pattern"; re: RegExp };

export interface VariantSelector {
  /** The selector as the user wrote it (or the default's canonical text). */
  text: string;
  kex: Matcher;
  chain: Matcher;
}

export const DEFAULT_BASELINE = "kex=classical,chain=classical";
export const DEFAULT_VARIANT = "kex=pq,chain=pq";

/** Thrown for a selector that cannot be parsed; the message is one line for the CLI. */
export class SelectorError extends Error {
  override name = "SelectorError";
}

function parseMatcher(value: string, what: string): Matcher {
  const v = value.trim();
  if (v === "") throw new SelectorError(`${what}: empty value`);
  const lower = v.toLowerCase();
  if (lower === "pq") return { kind: "pq" };
  if (lower === "classical") return { kind: "classical" };
  if (lower === "any" || lower === "*") return { kind: "any" };
  const escaped = v.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*");
  return { kind: "pattern", re: new RegExp(`^${escaped}$`, "i") };
}

/**
 * Parse "kex=X25519MLKEM768,chain=mldsa65". Values: an exact name (case-insensitive, `*` wildcards
 * allowed), `pq`, `classical`, or `any`. A key left out matches anything.
 */
export function parseSelector(text: string, what = "selector"): VariantSelector {
  const sel: VariantSelector = { text, kex: { kind: "any" }, chain: { kind: "any" } };
  const parts = text
    .split(",")
    .map((p) => p.trim())
    .filter((p) => p !== "");
  if (parts.length === 0) throw new SelectorError(`${what}: empty selector (expected kex=...,chain=...)`);
  for (const part of parts) {
    const eq = part.indexOf("=");
    if (eq < 0) throw new SelectorError(`${what}: "${part}" is not key=value (expected kex=...,chain=...)`);
    const key = part.slice(0, eq).trim().toLowerCase();
    const value = part.slice(eq + 1);
    if (key === "kex") sel.kex = parseMatcher(value, `${what} kex`);
    else if (key === "chain") sel.chain = parseMatcher(value, `${what} chain`);
    else throw new SelectorError(`${what}: unknown key "${key}" (use kex=... and chain=...)`);
  }
  return sel;
}

function matches(m: Matcher, value: string, isPq: (v: string) => boolean): boolean {
  switch (m.kind) {
    case "any":
      return true;
    case "pq":
      return isPq(value);
    case "classical":
      return !isPq(value);
    case "pattern":
      return m.re.test(value);
  }
}

export function selectorMatches(sel: VariantSelector, v: Variant): boolean {
  return matches(sel.kex, v.kex, isPqKex) && matches(sel.chain, v.chain, isPqChain);
}
