// Signature schemes on @noble/curves and @noble/post-quantum (RSA comes from node/rsa.ts).

import { ed25519 } from "@noble/curves/ed25519.js";
import { p256, p384 } from "@noble/curves/nist.js";
import { ml_dsa44, ml_dsa65, ml_dsa87 } from "@noble/post-quantum/ml-dsa.js";
import { SignatureScheme, type SignatureSchemeName } from "../../wire/codepoints.js";
import { rsaSignatures } from "../node/rsa.js";
import type { Bytes, KeyAlgorithm, PrivateKey, PublicKey, SignatureAlgorithm } from "../provider.js";
import { rawPublicKey, rawSecret } from "../raw-keys.js";

type Scheme = Exclude<SignatureSchemeName, "ed448" | "ecdsa_secp521r1_sha512">;

function scheme(
  name: Scheme,
  keyAlgorithm: KeyAlgorithm,
  sign: (key: PrivateKey, message: Bytes) => Bytes,
  verify: (publicKey: Bytes, message: Bytes, signature: Bytes) => boolean,
): SignatureAlgorithm {
  return {
    name,
    code: SignatureScheme[name],
    keyAlgorithms: [keyAlgorithm],
    sign(key, message) {
      if (key.algorithm !== keyAlgorithm) throw new Error(`${name} cannot sign with a ${key.algorithm} key`);
      return sign(key, message);
    },
    verify(key: PublicKey, message, signature) {
      if (key.algorithm !== keyAlgorithm) return false;
      try {
        return verify(rawPublicKey(key), message, signature);
      } catch {
        return false; // malformed key or signature encoding
      }
    },
  };
}

// TLS wants DER ECDSA signatures over the whole message (noble v2's defaults are prehash + compact +
// lowS, for Bitcoin); high-S signatures from other stacks are valid in TLS, so lowS is off.
const ECDSA_OPTS = { prehash: true, lowS: false, format: "der" } as const;

function ecdsa(name: Scheme, keyAlgorithm: KeyAlgorithm, curve: typeof p256): SignatureAlgorithm {
  return scheme(
    name,
    keyAlgorithm,
    (key, message) => curve.sign(message, rawSecret(key), ECDSA_OPTS),
    (publicKey, message, signature) => curve.verify(signature, message, publicKey, ECDSA_OPTS),
  );
}

/** ML-DSA keys are stored as the 32-byte seed (RFC 9881); the expanded key is made once per key. */
function mldsa(name: Scheme, keyAlgorithm: KeyAlgorithm, dsa: typeof ml_dsa65): SignatureAlgorithm {
  const expanded = new WeakMap<PrivateKey, Bytes>();
  const secretKey = (key: PrivateKey): Bytes => {
    let sk = expanded.get(key);
    if (!sk) {
      sk = dsa.keygen(rawSecret(key)).secretKey;
      expanded.set(key, sk);
    }
    return sk;
  };
  const signatureLength = dsa.lengths.signature;
  return scheme(
    name,
    keyAlgorithm,
    // draft-ietf-tls-mldsa: pure ML-DSA with an empty context; hedged (randomised) signing, as OpenSSL.
    (key, message) => dsa.sign(message, secretKey(key)),
    (publicKey, message, signature) =>
      signature.length === signatureLength && dsa.verify(signature, message, publicKey),
  );
}

export function nobleSignatures(): Record<Scheme, SignatureAlgorithm> {
  return {
    ...rsaSignatures,
    ecdsa_secp256r1_sha256: ecdsa("ecdsa_secp256r1_sha256", "p256", p256),
    ecdsa_secp384r1_sha384: ecdsa("ecdsa_secp384r1_sha384", "p384", p384 as unknown as typeof p256),
    ed25519: scheme(
      "ed25519",
      "ed25519",
      (key, message) => ed25519.sign(message, rawSecret(key)),
      // zip215 off: RFC 8032 strict verification, as OpenSSL does, so every provider agrees.
      (publicKey, message, signature) => ed25519.verify(signature, message, publicKey, { zip215: false }),
    ),
    mldsa44: mldsa("mldsa44", "mldsa44", ml_dsa44),
    mldsa65: mldsa("mldsa65", "mldsa65", ml_dsa65),
    mldsa87: mldsa("mldsa87", "mldsa87", ml_dsa87),
  };
}
