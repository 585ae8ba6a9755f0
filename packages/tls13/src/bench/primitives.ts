// Per-primitive cost for each provider: the key exchange and signature operations a handshake does,
// and AEAD seal/open of one full 16 KiB record (the per-record cost of a bulk transfer).

import { generateSigningKey } from "../crypto/keygen.js";
import type { CryptoProvider, KeyAlgorithm, PrivateKey } from "../crypto/provider.js";
import type { GroupName, SignatureSchemeName } from "../wire/codepoints.js";
import { measure } from "./measure.js";

export interface PrimitiveResult {
  provider: string;
  /** e.g. "X25519MLKEM768", "mldsa65", "AES_128_GCM". */
  algorithm: string;
  /** e.g. "keyGen", "encapsulate", "sign", "seal 16KiB". */
  operation: string;
  /** Which backend served it (the provider's describe()). */
  backend: string;
  us: number;
  /** For AEADs: MB/s of plaintext. */
  mbPerSec?: number;
}

export const BENCH_GROUPS: readonly GroupName[] = [
  "x25519",
  "secp256r1",
  "MLKEM768",
  "X25519MLKEM768",
  "SecP256r1MLKEM768",
];
export const BENCH_SIGNATURES: readonly [SignatureSchemeName, KeyAlgorithm][] = [
  ["mldsa44", "mldsa44"],
  ["mldsa65", "mldsa65"],
  ["mldsa87", "mldsa87"],
  ["ed25519", "ed25519"],
  ["ecdsa_secp256r1_sha256", "p256"],
  ["rsa_pss_rsae_sha256", "rsa"],
];
export const RECORD = 16384;

const keys = new Map<KeyAlgorithm, PrivateKey>();
function keyFor(algorithm: KeyAlgorithm): PrivateKey {
  let key = keys.get(algorithm);
  if (!key) {
    key = generateSigningKey(algorithm);
    keys.set(algorithm, key);
  }
  return key;
}

export function benchPrimitives(provider: CryptoProvider, budgetMs = 120): PrimitiveResult[] {
  const results: PrimitiveResult[] = [];
  const described = provider.describe();
  const add = (algorithm: string, operation: string, us: number, extra: Partial<PrimitiveResult> = {}) =>
    results.push({
      provider: provider.name,
      algorithm,
      operation,
      backend: described[algorithm] ?? "?",
      us,
      ...extra,
    });

  for (const name of BENCH_GROUPS) {
    const group = provider.groups[name];
    if (!group) continue;
    const pair = group.keyGen();
    const { ciphertext } = group.encapsulate(pair.publicKey);
    add(name, "keyGen", measure(() => group.keyGen(), budgetMs).us);
    add(name, "encapsulate", measure(() => group.encapsulate(pair.publicKey), budgetMs).us);
    add(name, "decapsulate", measure(() => group.decapsulate(ciphertext, pair.privateKey), budgetMs).us);
  }

  const message = new Uint8Array(130).fill(0x20); // the size of a CertificateVerify input
  for (const [name, algorithm] of BENCH_SIGNATURES) {
    const scheme = provider.signatures[name];
    if (!scheme) continue;
    const key = keyFor(algorithm);
    const signature = scheme.sign(key, message);
    add(name, "sign", measure(() => scheme.sign(key, message), budgetMs).us);
    add(name, "verify", measure(() => scheme.verify(key.publicKey, message, signature), budgetMs).us);
  }

  const record = new Uint8Array(RECORD).fill(0xab);
  const aad = Uint8Array.of(23, 3, 3, 0x40, 0x11);
  const nonce = new Uint8Array(12);
  for (const { aead } of Object.values(provider.suites)) {
    if (aead.name === "AES_256_GCM") continue;
    const key = aead.init(new Uint8Array(aead.keyLength).fill(1));
    const sealed = key.seal(nonce, record, aad);
    const seal = measure(() => key.seal(nonce, record, aad), budgetMs).us;
    const open = measure(() => key.open(nonce, sealed, aad), budgetMs).us;
    add(aead.name, "seal 16KiB", seal, { mbPerSec: RECORD / seal });
    add(aead.name, "open 16KiB", open, { mbPerSec: RECORD / open });
  }
  return results;
}
