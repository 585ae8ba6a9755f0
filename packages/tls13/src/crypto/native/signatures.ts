// Signature schemes on node:crypto. KeyObjects are parsed from PKCS#8/SPKI once per key (node/keys.ts).

import { sign as nodeSign, verify as nodeVerify } from "node:crypto";
import { SignatureScheme, type SignatureSchemeName } from "../../wire/codepoints.js";
import { asBytes } from "../bytes.js";
import { privateKeyObject, publicKeyObject } from "../node/keys.js";
import { rsaSignatures } from "../node/rsa.js";
import type { KeyAlgorithm, SignatureAlgorithm } from "../provider.js";

type Scheme = Exclude<SignatureSchemeName, "ed448" | "ecdsa_secp521r1_sha512">;

function scheme(
  name: Scheme,
  keyAlgorithm: KeyAlgorithm,
  digest: string | null,
  options: { dsaEncoding?: "der" } = {},
  signatureLength?: number,
): SignatureAlgorithm {
  return {
    name,
    code: SignatureScheme[name],
    keyAlgorithms: [keyAlgorithm],
    sign(key, message) {
      if (key.algorithm !== keyAlgorithm) throw new Error(`${name} cannot sign with a ${key.algorithm} key`);
      return asBytes(nodeSign(digest, message, { key: privateKeyObject(key), ...options }));
    },
    verify(key, message, signature) {
      if (key.algorithm !== keyAlgorithm) return false;
      if (signatureLength !== undefined && signature.length !== signatureLength) return false;
      try {
        return nodeVerify(digest, message, { key: publicKeyObject(key), ...options }, signature);
      } catch {
        return false;
      }
    },
  };
}

export function nativeSignatures(mldsa: boolean): Partial<Record<Scheme, SignatureAlgorithm>> {
  return {
    ...rsaSignatures,
    ecdsa_secp256r1_sha256: scheme("ecdsa_secp256r1_sha256", "p256", "sha256", { dsaEncoding: "der" }),
    ecdsa_secp384r1_sha384: scheme("ecdsa_secp384r1_sha384", "p384", "sha384", { dsaEncoding: "der" }),
    ed25519: scheme("ed25519", "ed25519", null, {}, 64),
    // Pure ML-DSA with the empty context (OpenSSL's default), hedged signing.
    ...(mldsa
      ? {
          mldsa44: scheme("mldsa44", "mldsa44", null, {}, 2420),
          mldsa65: scheme("mldsa65", "mldsa65", null, {}, 3309),
          mldsa87: scheme("mldsa87", "mldsa87", null, {}, 4627),
        }
      : {}),
  };
}
