// Runs each algorithm a handshake uses once, so lazily built tables (noble's curve precomputes and
// NTT tables, OpenSSL's first-use method fetches, V8 compilation) are paid at start-up, not inside the
// first measured handshake. Returns the milliseconds spent.

import { mldsaKeyFromSeed } from "./keygen.js";
import type { CryptoProvider, PrivateKey } from "./provider.js";

let warmKeys: PrivateKey[] | undefined;

/** The groups a default ClientHello offers; other parameter sets share their code and tables. */
const WARM_GROUPS = ["X25519MLKEM768", "x25519", "secp256r1"] as const;

export function warmUp(provider: CryptoProvider): number {
  const started = performance.now();
  for (const name of WARM_GROUPS) {
    const group = provider.groups[name];
    if (!group) continue;
    const pair = group.keyGen();
    const { ciphertext } = group.encapsulate(pair.publicKey);
    group.decapsulate(ciphertext, pair.privateKey);
  }
  // Fixed-seed ML-DSA keys: cheap to make, and signing then verifying touches every table.
  warmKeys ??= [
    mldsaKeyFromSeed("mldsa44", new Uint8Array(32)),
    mldsaKeyFromSeed("mldsa65", new Uint8Array(32)),
  ];
  const message = new Uint8Array(130);
  for (const key of warmKeys) {
    const scheme = provider.signatures[key.algorithm as "mldsa44" | "mldsa65"];
    if (scheme) scheme.verify(key.publicKey, message, scheme.sign(key, message));
  }
  for (const { aead, hash } of Object.values(provider.suites)) {
    const key = aead.init(new Uint8Array(aead.keyLength));
    const nonce = new Uint8Array(12);
    key.open(nonce, key.seal(nonce, message, message), message);
    hash.hmac(message, hash.create().update(message).clone().digest());
  }
  return performance.now() - started;
}

/**
 * Does the per-key work a first signature would otherwise pay inside a handshake: parsing PKCS#8 into
 * a KeyObject (native), expanding an ML-DSA seed (noble, wasm: 1-5 ms). Signs and verifies a dummy
 * message with every scheme of `provider` that takes this key; call it when a server loads its key.
 * Returns the schemes warmed.
 */
export function warmUpKey(provider: CryptoProvider, key: PrivateKey): string[] {
  const message = new Uint8Array(130);
  const warmed: string[] = [];
  for (const scheme of Object.values(provider.signatures)) {
    if (!scheme.keyAlgorithms.includes(key.algorithm)) continue;
    if (!scheme.verify(key.publicKey, message, scheme.sign(key, message))) {
      throw new Error(`${scheme.name}: a signature by this key does not verify with its public key`);
    }
    warmed.push(scheme.name);
  }
  return warmed;
}
