// The TLS 1.3 cipher suites as data (RFC 8446 §B.4): each suite's AEAD, hash and AEAD key length,
// in one table that every provider reads. A provider fills `suites` from its AEADs and hashes with
// suitesOf(); a suite whose AEAD the provider lacks (ChaCha20 on an OpenSSL without it) is left out.

import type { CipherSuiteName } from "../wire/codepoints.js";
import type { Aead, AeadName, CryptoProvider, Hash, HashName } from "./provider.js";

/** AEAD key lengths in bytes (RFC 5116 §5.1/§5.2, RFC 8439 §2.8). */
export const AEAD_KEY_LENGTH: Readonly<Record<AeadName, number>> = {
  AES_128_GCM: 16,
  AES_256_GCM: 32,
  CHACHA20_POLY1305: 32,
};

export interface SuiteSpec {
  readonly aead: AeadName;
  readonly hash: HashName;
  /** The AEAD's key length (= AEAD_KEY_LENGTH[aead]): the traffic key the key schedule derives. */
  readonly keyLength: number;
}

/** Suite → AEAD and hash, in the order providers list them. */
export const SUITES: Readonly<Record<CipherSuiteName, SuiteSpec>> = {
  TLS_AES_128_GCM_SHA256: { aead: "AES_128_GCM", hash: "sha256", keyLength: AEAD_KEY_LENGTH.AES_128_GCM },
  TLS_AES_256_GCM_SHA384: { aead: "AES_256_GCM", hash: "sha384", keyLength: AEAD_KEY_LENGTH.AES_256_GCM },
  TLS_CHACHA20_POLY1305_SHA256: {
    aead: "CHACHA20_POLY1305",
    hash: "sha256",
    keyLength: AEAD_KEY_LENGTH.CHACHA20_POLY1305,
  },
};

/** The suites a provider with these AEADs and hashes serves, in SUITES order. */
export function suitesOf(
  aeads: Partial<Record<AeadName, Aead>>,
  hashes: Record<HashName, Hash>,
): CryptoProvider["suites"] {
  const suites: CryptoProvider["suites"] = {};
  for (const [name, spec] of Object.entries(SUITES) as [CipherSuiteName, SuiteSpec][]) {
    const aead = aeads[spec.aead];
    if (aead) suites[name] = { aead, hash: hashes[spec.hash] };
  }
  return suites;
}
