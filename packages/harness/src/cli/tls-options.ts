// Option parsing shared by `pqtls serve` and `pqtls connect`: comma lists of groups, suites and
// signature schemes checked against the TLS vocabulary, so a typo is one clear line.

import { readFileSync } from "node:fs";
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
import { UserError } from "../errors.js";

function list<T extends string>(
  value: string | undefined,
  table: Record<string, number>,
  what: string,
): T[] | undefined {
  if (value === undefined) return undefined;
  const names = value
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  for (const n of names)
    if (!(n in table))
      throw new UserError(`unknown ${what} "${n}" (known: ${Object.keys(table).join(", ")})`);
  if (!names.length) throw new UserError(`empty ${what} list`);
  return names as T[];
}

export const parseGroups = (v?: string) => list<GroupName>(v, NamedGroup, "group");
export const parseSuites = (v?: string) => list<CipherSuiteName>(v, CipherSuite, "cipher suite");
export const parseSigalgs = (v?: string) => list<SignatureSchemeName>(v, SignatureScheme, "signature scheme");

/** `--compress-cert brotli,zlib`: RFC 8879 algorithms, preference first (zstd needs Node >= 22.15). */
export const parseCertCompression = (v?: string) =>
  list<CertificateCompressionName>(v, CertificateCompressionAlgorithm, "certificate compression algorithm");

export function parseAlpn(v?: string): string[] | undefined {
  return v === undefined ? undefined : v.split(",").filter(Boolean);
}

export function readFileArg(path: string, what: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (e) {
    throw new UserError(
      `cannot read ${what} ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
  }
}

/** Runs a TLS configuration step, turning configuration errors into one CLI line. */
export function configure<T>(what: string, build: () => T): T {
  try {
    return build();
  } catch (e) {
    throw new UserError(`${what}: ${(e as Error).message.split("\n")[0]}`);
  }
}
