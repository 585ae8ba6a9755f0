// TLS names as users type them, checked against @pqtls/tls13's own codepoint tables (imported, not
// copied): case does not matter and suites may leave out "TLS_"; what comes back is the IANA spelling.
// Used by the experiment config and by `pqtls serve` / `pqtls connect`.

import { CertificateCompressionAlgorithm, CipherSuite, NamedGroup, SignatureScheme } from "@pqtls/tls13";
import { UserError } from "./errors.js";

/** The table's name for `value` (case-insensitive, optional `prefix`), or a one-line UserError. */
function lookup<T extends string>(table: Record<T, number>, what: string, value: unknown, prefix = ""): T {
  const names = Object.keys(table) as T[]; // a codepoint table's keys are its names
  const v = typeof value === "string" ? value.trim().toUpperCase() : undefined;
  const hit = v === undefined ? undefined : names.find((n) => n.toUpperCase() === v || n === `${prefix}${v}`);
  if (!hit) throw new UserError(`unknown ${what} ${JSON.stringify(value)} (known: ${names.join(", ")})`);
  return hit;
}

// Each returns the table's own name type (GroupName, CipherSuiteName, ...), keyof its table.
export const groupName = (value: unknown) => lookup(NamedGroup, "group", value);
export const suiteName = (value: unknown) => lookup(CipherSuite, "cipher suite", value, "TLS_");
export const signatureSchemeName = (value: unknown) => lookup(SignatureScheme, "signature scheme", value);
export const certCompressionName = (value: unknown) =>
  lookup(CertificateCompressionAlgorithm, "certificate compression algorithm", value);
