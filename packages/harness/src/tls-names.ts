// TLS names as users type them, checked against @pqtls/tls13's own codepoint tables (imported, not
// copied): case does not matter and suites may leave out "TLS_"; what comes back is the IANA spelling.
// Used by the experiment config and by `pqtls serve` / `pqtls connect`.

import {
  CertificateCompressionAlgorithm,
  type CertificateCompressionName,
  CipherSuite,
  type CipherSuiteName,
  type GroupName,
  NamedGroup,
  SignatureScheme,
  type SignatureSchemeName,
} from "@pqtls/tls13";
import { UserError } from "./errors.js";

/** The table's name for `value` (case-insensitive, optional `prefix`), or a one-line UserError. */
function lookup<T extends string>(table: Record<T, number>, what: string, value: unknown, prefix = ""): T {
  const names = Object.keys(table) as T[];
  const v = typeof value === "string" ? value.trim().toUpperCase() : undefined;
  const hit = v === undefined ? undefined : names.find((n) => n.toUpperCase() === v || n === `${prefix}${v}`);
  if (!hit) throw new UserError(`unknown ${what} ${JSON.stringify(value)} (known: ${names.join(", ")})`);
  return hit;
}

export const groupName = (value: unknown): GroupName => lookup(NamedGroup, "group", value);
export const suiteName = (value: unknown): CipherSuiteName =>
  lookup(CipherSuite, "cipher suite", value, "TLS_");
export const signatureSchemeName = (value: unknown): SignatureSchemeName =>
  lookup(SignatureScheme, "signature scheme", value);
export const certCompressionName = (value: unknown): CertificateCompressionName =>
  lookup(CertificateCompressionAlgorithm, "certificate compression algorithm", value);
