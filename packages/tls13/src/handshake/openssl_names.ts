// node:tls's string options (OpenSSL's colon-separated lists) mapped onto ours, so code written for
// node:tls keeps its `ecdhCurve`, `ciphers` and `sigalgs`. Names are matched as OpenSSL matches them:
// group and signature names case-insensitively, cipher strings by the TLS 1.3 suite names in them
// (node:tls moves TLS_* names out of `ciphers` into TLS 1.3's list the same way; TLS 1.2 names are
// skipped, since this stack speaks TLS 1.3 only).

import {
  CipherSuite,
  type CipherSuiteName,
  type GroupName,
  NamedGroup,
  SignatureScheme,
  type SignatureSchemeName,
} from "../wire/codepoints.js";

const lower = <T extends string>(table: Record<T, number>): Map<string, T> =>
  new Map((Object.keys(table) as T[]).map((n) => [n.toLowerCase(), n]));

/** OpenSSL's aliases for the classical groups (NIST and X9.62 names). */
const GROUP_ALIASES: Record<string, GroupName> = {
  "p-256": "secp256r1",
  prime256v1: "secp256r1",
  "p-384": "secp384r1",
};

/** OpenSSL's "SIG+HASH" spellings of the TLS 1.3 schemes, and the ML-DSA OIDs' short names. */
const SIGALG_ALIASES: Record<string, SignatureSchemeName> = {
  "rsa-pss+sha256": "rsa_pss_rsae_sha256",
  "rsa-pss+sha384": "rsa_pss_rsae_sha384",
  "rsa-pss+sha512": "rsa_pss_rsae_sha512",
  "ecdsa+sha256": "ecdsa_secp256r1_sha256",
  "ecdsa+sha384": "ecdsa_secp384r1_sha384",
  "ecdsa+sha512": "ecdsa_secp521r1_sha512",
  "rsa+sha256": "rsa_pkcs1_sha256",
  "rsa+sha384": "rsa_pkcs1_sha384",
  "rsa+sha512": "rsa_pkcs1_sha512",
  "id-ml-dsa-44": "mldsa44",
  "id-ml-dsa-65": "mldsa65",
  "id-ml-dsa-87": "mldsa87",
};

function parseList<T extends string>(
  option: string,
  value: string,
  lookup: (name: string) => T | undefined,
  skip: (name: string) => boolean = () => false,
): T[] {
  const out: T[] = [];
  for (const raw of value.split(":")) {
    const name = raw.trim();
    if (!name || skip(name)) continue;
    const found = lookup(name.toLowerCase());
    if (!found) throw new TypeError(`${option}: unknown or unsupported name "${name}"`);
    if (!out.includes(found)) out.push(found);
  }
  if (!out.length) throw new TypeError(`${option}: "${value}" names nothing this TLS 1.3 stack supports`);
  return out;
}

const GROUPS = lower(NamedGroup);
/** `ecdhCurve: "X25519MLKEM768:X25519:P-256"` → groups, preferred first. "auto" means the defaults. */
export function groupsFromEcdhCurve(value: string): GroupName[] | undefined {
  if (value.trim().toLowerCase() === "auto") return undefined;
  return parseList("ecdhCurve", value, (n) => GROUPS.get(n) ?? GROUP_ALIASES[n]);
}

const SUITES = lower(CipherSuite);
/** `ciphers: "TLS_AES_256_GCM_SHA384:ECDHE-RSA-AES128-GCM-SHA256"` → the TLS 1.3 suites in it. */
export function suitesFromCiphers(value: string): CipherSuiteName[] {
  return parseList(
    "ciphers",
    value,
    (n) => SUITES.get(n),
    (n) => !/^TLS_/i.test(n),
  );
}

const SCHEMES = lower(SignatureScheme);
/** `sigalgs: "rsa_pss_rsae_sha256:ECDSA+SHA256:ed25519"` → signature schemes, preferred first. */
export function schemesFromSigalgs(value: string): SignatureSchemeName[] {
  return parseList("sigalgs", value, (n) => SCHEMES.get(n) ?? SIGALG_ALIASES[n]);
}
