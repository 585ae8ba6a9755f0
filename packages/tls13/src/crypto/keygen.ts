// Fresh signing keys in the contract's form (PKCS#8 + SPKI + raw), for tests, benchmarks and the
// test-PKI generator. Classical keys come from node:crypto; ML-DSA keys from a 32-byte seed
// (FIPS 204 KeyGen_internal via noble) encoded as RFC 9881 seed-only PKCS#8.

import { createPrivateKey, generateKeyPairSync, randomBytes } from "node:crypto";
import { ml_dsa44, ml_dsa65, ml_dsa87 } from "@noble/post-quantum/ml-dsa.js";
import type { Bytes, KeyAlgorithm, PrivateKey, PublicKey } from "./provider.js";

/** DER TLV with a definite length. */
function der(tag: number, content: Bytes): Bytes {
  const n = content.length;
  const head = n < 0x80 ? [tag, n] : n < 0x100 ? [tag, 0x81, n] : [tag, 0x82, n >> 8, n & 0xff];
  const out = new Uint8Array(head.length + n);
  out.set(head, 0);
  out.set(content, head.length);
  return out;
}

function join(...parts: Bytes[]): Bytes {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

// id-ml-dsa-44/65/87: 2.16.840.1.101.3.4.3.{17,18,19}; AlgorithmIdentifier parameters absent (RFC 9881).
const MLDSA = {
  mldsa44: { oidLast: 0x11, dsa: ml_dsa44 },
  mldsa65: { oidLast: 0x12, dsa: ml_dsa65 },
  mldsa87: { oidLast: 0x13, dsa: ml_dsa87 },
} as const;

function mldsaAlgorithmIdentifier(oidLast: number): Bytes {
  return der(0x30, der(0x06, Uint8Array.of(0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x03, oidLast)));
}

/** An ML-DSA key from its 32-byte seed (the RFC 9881 `seed [0]` private key form). */
export function mldsaKeyFromSeed(algorithm: "mldsa44" | "mldsa65" | "mldsa87", seed: Bytes): PrivateKey {
  if (seed.length !== 32) throw new RangeError("ML-DSA seed must be 32 bytes");
  const { oidLast, dsa } = MLDSA[algorithm];
  const raw = dsa.keygen(seed).publicKey;
  const algorithmId = mldsaAlgorithmIdentifier(oidLast);
  const publicKey: PublicKey = {
    algorithm,
    spki: der(0x30, join(algorithmId, der(0x03, join(Uint8Array.of(0), raw)))),
    raw,
  };
  const version = Uint8Array.of(0x02, 0x01, 0x00);
  const pkcs8 = der(0x30, join(version, algorithmId, der(0x04, der(0x80, seed))));
  return { algorithm, pkcs8, raw: seed.slice(), publicKey };
}

function fromNode(algorithm: KeyAlgorithm, pkcs8: Buffer, spki: Buffer): PrivateKey {
  if (algorithm === "rsa" || algorithm === "rsa-pss") {
    return { algorithm, pkcs8: new Uint8Array(pkcs8), publicKey: { algorithm, spki: new Uint8Array(spki) } };
  }
  const jwk = createPrivateKey({ key: pkcs8, format: "der", type: "pkcs8" }).export({ format: "jwk" });
  let raw: Bytes | undefined;
  let publicRaw: Bytes | undefined;
  if (algorithm === "ed25519") {
    raw = new Uint8Array(Buffer.from(jwk.d as string, "base64url"));
    publicRaw = new Uint8Array(Buffer.from(jwk.x as string, "base64url"));
  } else if (algorithm === "p256" || algorithm === "p384") {
    raw = new Uint8Array(Buffer.from(jwk.d as string, "base64url"));
    const x = Buffer.from(jwk.x as string, "base64url");
    const y = Buffer.from(jwk.y as string, "base64url");
    publicRaw = join(Uint8Array.of(0x04), x, y);
  }
  const publicKey: PublicKey = {
    algorithm,
    spki: new Uint8Array(spki),
    ...(publicRaw ? { raw: publicRaw } : {}),
  };
  return { algorithm, pkcs8: new Uint8Array(pkcs8), ...(raw ? { raw } : {}), publicKey };
}

export interface KeyGenOptions {
  /** RSA modulus size; default 2048. */
  rsaBits?: number;
  /** ML-DSA only: the 32-byte seed, for deterministic keys. */
  seed?: Bytes;
}

export function generateSigningKey(algorithm: KeyAlgorithm, options: KeyGenOptions = {}): PrivateKey {
  if (algorithm === "mldsa44" || algorithm === "mldsa65" || algorithm === "mldsa87") {
    return mldsaKeyFromSeed(algorithm, options.seed ?? new Uint8Array(randomBytes(32)));
  }
  const publicKeyEncoding = { type: "spki", format: "der" } as const;
  const privateKeyEncoding = { type: "pkcs8", format: "der" } as const;
  const modulusLength = options.rsaBits ?? 2048;
  const pair =
    algorithm === "rsa"
      ? generateKeyPairSync("rsa", { modulusLength, publicKeyEncoding, privateKeyEncoding })
      : algorithm === "rsa-pss"
        ? generateKeyPairSync("rsa-pss", { modulusLength, publicKeyEncoding, privateKeyEncoding })
        : algorithm === "ed25519"
          ? generateKeyPairSync("ed25519", { publicKeyEncoding, privateKeyEncoding })
          : generateKeyPairSync("ec", {
              namedCurve: algorithm === "p256" ? "prime256v1" : "secp384r1",
              publicKeyEncoding,
              privateKeyEncoding,
            });
  return fromNode(algorithm, pair.privateKey, pair.publicKey);
}
