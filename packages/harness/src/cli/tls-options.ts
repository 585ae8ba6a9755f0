// Option parsing shared by `pqtls serve` and `pqtls connect`: comma lists of groups, suites and
// signature schemes checked against the TLS vocabulary (../tls-names.ts), so a typo is one clear line.

import { readFileSync } from "node:fs";
import { UserError } from "../errors.js";
import { certCompressionName, groupName, signatureSchemeName, suiteName } from "../tls-names.js";

function list<T extends string>(
  value: string | undefined,
  name: (v: string) => T,
  what: string,
): T[] | undefined {
  if (value === undefined) return undefined;
  const names = value
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)
    .map(name);
  if (!names.length) throw new UserError(`empty ${what} list`);
  return names;
}

export const parseGroups = (v?: string) => list(v, groupName, "group");
export const parseSuites = (v?: string) => list(v, suiteName, "cipher suite");
export const parseSigalgs = (v?: string) => list(v, signatureSchemeName, "signature scheme");

/** `--compress-cert brotli,zlib`: RFC 8879 algorithms, preference first (zstd needs Node >= 22.15). */
export const parseCertCompression = (v?: string) =>
  list(v, certCompressionName, "certificate compression algorithm");

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
