// The bare key bytes the pure-JS backends need. X.509 fills PublicKey.raw / PrivateKey.raw; when a
// caller built a key without them, fall back to what the DER holds, so a missing field costs time,
// not correctness.

import { createPrivateKey } from "node:crypto";
import type { Bytes, KeyAlgorithm, PrivateKey, PublicKey } from "./provider.js";

/** Length of the bare public key at the end of each SPKI's BIT STRING. */
const RAW_PUBLIC_LENGTH: Partial<Record<KeyAlgorithm, number>> = {
  p256: 65,
  p384: 97,
  ed25519: 32,
  mldsa44: 1312,
  mldsa65: 1952,
  mldsa87: 2592,
};

export function rawPublicKey(key: PublicKey): Bytes {
  if (key.raw) return key.raw;
  const length = RAW_PUBLIC_LENGTH[key.algorithm];
  if (length === undefined || key.spki.length <= length)
    throw new Error(`no raw form for a ${key.algorithm} public key`);
  // These SPKIs end with the BIT STRING whose content (after the unused-bits byte) is the raw key.
  return key.spki.subarray(key.spki.length - length);
}

const derivedSecrets = new WeakMap<PrivateKey, Bytes>();

export function rawSecret(key: PrivateKey): Bytes {
  if (key.raw) return key.raw;
  let secret = derivedSecrets.get(key);
  if (!secret) {
    if (key.algorithm !== "p256" && key.algorithm !== "p384" && key.algorithm !== "ed25519") {
      throw new Error(`a ${key.algorithm} private key needs its raw seed (PrivateKey.raw)`);
    }
    const jwk = createPrivateKey({ key: Buffer.from(key.pkcs8), format: "der", type: "pkcs8" }).export({
      format: "jwk",
    });
    if (typeof jwk.d !== "string") throw new Error(`PKCS#8 ${key.algorithm} key has no private scalar`);
    secret = new Uint8Array(Buffer.from(jwk.d, "base64url"));
    derivedSecrets.set(key, secret);
  }
  return secret;
}
