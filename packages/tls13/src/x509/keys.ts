// Keys in and out: SubjectPublicKeyInfo → PublicKey, PKCS#8 ⇄ PrivateKey (every algorithm, ML-DSA
// per RFC 9881), and key generation (random, or reproducible from a seed for the test PKI).

import { createPrivateKey, createPublicKey } from "node:crypto";
import { ECPrivateKey } from "@peculiar/asn1-ecc";
import { PrivateKeyInfo } from "@peculiar/asn1-pkcs8";
import { RSAPrivateKey } from "@peculiar/asn1-rsa";
import { AsnConvert, OctetString } from "@peculiar/asn1-schema";
import { SubjectPublicKeyInfo } from "@peculiar/asn1-x509";
import { generateSigningKey, mldsaKeyFromSeed } from "../crypto/keygen.js";
import type { KeyAlgorithm, PrivateKey, PublicKey } from "../crypto/provider.js";
import {
  AlgorithmError,
  algorithmFromDer,
  keyAlgorithmOf,
  pssKeyHash,
  spkiAlgorithmFor,
} from "./algorithms.js";
import {
  assertSingleDerValue,
  bytesEqual,
  children,
  type DerError,
  encodeTlv,
  readTlv,
  tlvBytes,
  tlvContent,
} from "./der.js";
import { asText, looksLikePem, pemDecode, pemEncode } from "./pem.js";
import { seededRsaKey } from "./rsa-keygen.js";
import { expandSeed, type Seed } from "./seeded.js";

export const KEY_ALGORITHMS: readonly KeyAlgorithm[] = [
  "rsa",
  "rsa-pss",
  "p256",
  "p384",
  "ed25519",
  "mldsa44",
  "mldsa65",
  "mldsa87",
];

/** Why a key was refused: "unsupported" algorithm or "malformed" encoding (callers pick the alert). */
export class KeyError extends Error {
  constructor(
    readonly kind: "unsupported" | "malformed",
    message: string,
  ) {
    super(message);
    this.name = "KeyError";
  }
}

const RAW_PUBLIC_LENGTH: Partial<Record<KeyAlgorithm, number>> = {
  ed25519: 32,
  p256: 65,
  p384: 97,
  mldsa44: 1312,
  mldsa65: 1952,
  mldsa87: 2592,
};

const MLDSA_EXPANDED_LENGTH = { mldsa44: 2560, mldsa65: 4032, mldsa87: 4896 } as const;

function u8(b: ArrayBuffer | ArrayBufferView): Uint8Array {
  return ArrayBuffer.isView(b) ? new Uint8Array(b.buffer, b.byteOffset, b.byteLength) : new Uint8Array(b);
}

function wrap<T>(kind: "malformed", what: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof KeyError || e instanceof AlgorithmError) throw e;
    throw new KeyError(kind, `${what}: ${(e as Error).message}`);
  }
}

/** The AlgorithmIdentifier that is child `index` of the outer SEQUENCE, parameters as encoded. */
function algorithmAt(der: Uint8Array, index: number): ReturnType<typeof algorithmFromDer> {
  const parts = children(der, readTlv(der, 0));
  if (!parts[index]) throw new KeyError("malformed", "missing AlgorithmIdentifier");
  return algorithmFromDer(tlvBytes(der, parts[index]));
}

// ---- public keys ------------------------------------------------------------------------------

/** A PublicKey from DER SubjectPublicKeyInfo; throws KeyError / AlgorithmError. */
export function parseSpki(spki: Uint8Array): PublicKey {
  // Read straight from the DER (this runs for every certificate a peer sends, and the ASN.1
  // library costs more than the signature check): SEQUENCE { AlgorithmIdentifier, BIT STRING }.
  const key = wrap("malformed", "SubjectPublicKeyInfo", () => {
    const outer = assertSingleDerValue(spki);
    const parts = children(spki, outer);
    if (outer.tag !== 0x30 || parts.length !== 2 || parts[0].tag !== 0x30 || parts[1].tag !== 0x03)
      throw new Error("not SEQUENCE { algorithm, subjectPublicKey BIT STRING }");
    const bits = tlvContent(spki, parts[1]);
    if (bits.length < 1 || bits[0] !== 0) throw new Error("subjectPublicKey BIT STRING has unused bits");
    return bits.subarray(1);
  });
  const algorithmId = algorithmAt(spki, 0);
  const algorithm = keyAlgorithmOf(algorithmId);
  const rawLength = RAW_PUBLIC_LENGTH[algorithm];
  if (rawLength !== undefined) {
    if (key.length !== rawLength)
      throw new KeyError(
        "malformed",
        `${algorithm} public key is ${key.length} bytes, expected ${rawLength}`,
      );
    if ((algorithm === "p256" || algorithm === "p384") && key[0] !== 0x04)
      throw new KeyError("malformed", `${algorithm} public key is not an uncompressed point`);
    return { algorithm, spki: spki.slice(), raw: key.slice() };
  }
  // RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }
  const [modulus, exponent] = wrap("malformed", "RSAPublicKey", () => {
    const outer = assertSingleDerValue(key);
    const parts = children(key, outer);
    if (outer.tag !== 0x30 || parts.length !== 2 || parts[0].tag !== 0x02 || parts[1].tag !== 0x02)
      throw new Error("not SEQUENCE { modulus INTEGER, publicExponent INTEGER }");
    return [tlvContent(key, parts[0]), tlvContent(key, parts[1])];
  });
  const bits = modulusBits(modulus);
  // 2048 bits at least, as OpenSSL 3.5 at its default security level 2 and webpki require.
  if (bits < 2048 || bits > 16384)
    throw new KeyError("unsupported", `RSA modulus of ${bits} bits (2048 to 16384 are accepted)`);
  checkRsaExponent(exponent);
  const pssHash = algorithm === "rsa-pss" ? pssKeyHash(algorithmId) : undefined;
  return { algorithm, spki: spki.slice(), ...(pssHash ? { pssHash } : {}) };
}

/**
 * RSA public exponents: odd and at least 3 (RFC 8017 §3.1), and below 2^32. Verification costs
 * grow with the exponent's length (a 3071-bit one costs ~150 times 65537), so a peer could make
 * every signature check slow; ring/webpki and Go refuse large exponents the same way.
 */
function checkRsaExponent(e: Uint8Array): void {
  if (e.length === 0 || e[0] & 0x80) throw new KeyError("malformed", "RSA public exponent is not positive");
  let i = 0;
  while (i < e.length - 1 && e[i] === 0) i++;
  const significant = e.subarray(i);
  if (significant.length > 4)
    throw new KeyError(
      "unsupported",
      `RSA public exponent of ${modulusBits(e)} bits (at most 32 are accepted)`,
    );
  const value = significant.reduce((n, b) => n * 256 + b, 0);
  if (value < 3 || value % 2 === 0)
    throw new KeyError("malformed", `RSA public exponent ${value} (it must be odd and at least 3)`);
}

function modulusBits(n: Uint8Array): number {
  let i = 0;
  while (i < n.length && n[i] === 0) i++;
  if (i === n.length) return 0;
  return (n.length - i - 1) * 8 + (32 - Math.clz32(n[i]));
}

/** SPKI DER for a key algorithm and its bare public key bytes (BIT STRING content). */
export function encodeSpki(algorithm: KeyAlgorithm, subjectPublicKey: Uint8Array): Uint8Array {
  const info = new SubjectPublicKeyInfo({
    algorithm: spkiAlgorithmFor(algorithm),
    subjectPublicKey: new Uint8Array(subjectPublicKey).buffer,
  });
  return u8(AsnConvert.serialize(info));
}

export function publicKeyEquals(a: PublicKey, b: PublicKey): boolean {
  return a.algorithm === b.algorithm && bytesEqual(a.spki, b.spki);
}

// ---- private keys -----------------------------------------------------------------------------

/** A PrivateKey from DER PKCS#8 (PrivateKeyInfo / OneAsymmetricKey v1). */
export function parsePkcs8(pkcs8: Uint8Array): PrivateKey {
  const info = wrap("malformed", "PKCS#8 PrivateKeyInfo", () => {
    assertSingleDerValue(pkcs8);
    return AsnConvert.parse(pkcs8, PrivateKeyInfo);
  });
  const algorithm = keyAlgorithmOf(algorithmAt(pkcs8, 1));
  const inner = u8(info.privateKey.buffer);
  switch (algorithm) {
    case "mldsa44":
    case "mldsa65":
    case "mldsa87":
      return parseMldsaPrivateKey(algorithm, inner, pkcs8);
    case "rsa":
    case "rsa-pss":
      wrap("malformed", "RSAPrivateKey", () => AsnConvert.parse(inner, RSAPrivateKey));
      return fromNodeDerivedPublic(algorithm, pkcs8, undefined);
    case "p256":
    case "p384": {
      const ec = wrap("malformed", "ECPrivateKey", () => AsnConvert.parse(inner, ECPrivateKey));
      const size = algorithm === "p256" ? 32 : 48;
      const scalar = u8(ec.privateKey.buffer);
      if (scalar.length > size)
        throw new KeyError("malformed", `${algorithm} private scalar is ${scalar.length} bytes`);
      const raw = new Uint8Array(size);
      raw.set(scalar, size - scalar.length);
      return fromNodeDerivedPublic(algorithm, pkcs8, raw);
    }
    case "ed25519": {
      const seed = wrap("malformed", "Ed25519 CurvePrivateKey", () =>
        u8(AsnConvert.parse(inner, OctetString).buffer),
      );
      if (seed.length !== 32)
        throw new KeyError("malformed", `Ed25519 private key is ${seed.length} bytes, expected 32`);
      return fromNodeDerivedPublic(algorithm, pkcs8, seed.slice());
    }
  }
}

/** Classical keys: node:crypto (OpenSSL) checks the key and derives the public half. */
function fromNodeDerivedPublic(
  algorithm: KeyAlgorithm,
  pkcs8: Uint8Array,
  raw: Uint8Array | undefined,
): PrivateKey {
  const spki = wrap("malformed", `${algorithm} private key`, () => {
    const obj = createPrivateKey({ key: Buffer.from(pkcs8), format: "der", type: "pkcs8" });
    return u8(createPublicKey(obj).export({ type: "spki", format: "der" }));
  });
  const publicKey = parseSpki(spki);
  return { algorithm, pkcs8: pkcs8.slice(), ...(raw ? { raw } : {}), publicKey };
}

/**
 * RFC 9881 ML-DSA-PrivateKey ::= CHOICE { seed [0] OCTET STRING (32), expandedKey OCTET STRING,
 * both SEQUENCE { seed, expandedKey } }. Signing here works from the seed, so expandedKey-only keys
 * are refused with a clear reason; for "both" the expanded key must match the seed's public key seed.
 */
function parseMldsaPrivateKey(
  algorithm: "mldsa44" | "mldsa65" | "mldsa87",
  inner: Uint8Array,
  original: Uint8Array,
): PrivateKey {
  let seed: Uint8Array | undefined;
  let expanded: Uint8Array | undefined;
  try {
    assertSingleDerValue(inner);
  } catch (e) {
    throw new KeyError("malformed", `ML-DSA private key: ${(e as DerError).message}`);
  }
  const tag = inner[0];
  const body = (b: Uint8Array) => b.subarray(b[1] < 0x80 ? 2 : 2 + (b[1] & 0x7f));
  if (tag === 0x80) seed = body(inner);
  else if (tag === 0x04) expanded = body(inner);
  else if (tag === 0x30) {
    const content = body(inner);
    if (content[0] !== 0x04 || content[1] !== 32)
      throw new KeyError("malformed", "ML-DSA 'both' form must start with a 32-byte seed OCTET STRING");
    seed = content.subarray(2, 34);
    const rest = content.subarray(34);
    if (rest[0] !== 0x04)
      throw new KeyError("malformed", "ML-DSA 'both' form lacks the expandedKey OCTET STRING");
    expanded = body(rest);
  } else throw new KeyError("malformed", `ML-DSA private key has unknown CHOICE tag 0x${tag.toString(16)}`);

  const expandedLength = MLDSA_EXPANDED_LENGTH[algorithm];
  if (expanded && expanded.length !== expandedLength)
    throw new KeyError(
      "malformed",
      `${algorithm} expandedKey is ${expanded.length} bytes, expected ${expandedLength}`,
    );
  if (!seed)
    throw new KeyError(
      "unsupported",
      `${algorithm} private key holds only the expandedKey; this stack signs from the 32-byte seed (RFC 9881 seed or both form)`,
    );
  if (seed.length !== 32)
    throw new KeyError("malformed", `${algorithm} seed is ${seed.length} bytes, expected 32`);
  const key = mldsaKeyFromSeed(algorithm, seed.slice());
  // The expanded key starts with rho, which is also the start of the public key (FIPS 204 §7.2).
  if (expanded && !bytesEqual(expanded.subarray(0, 32), key.publicKey.raw!.subarray(0, 32)))
    throw new KeyError("malformed", `${algorithm} private key: seed and expandedKey do not belong together`);
  return { ...key, pkcs8: original.slice() };
}

function privateKeyInfo(algorithm: KeyAlgorithm, inner: Uint8Array): Uint8Array {
  const info = new PrivateKeyInfo({
    privateKeyAlgorithm: spkiAlgorithmFor(algorithm),
    privateKey: new OctetString(inner),
  });
  return u8(AsnConvert.serialize(info));
}

/** The PEM "PRIVATE KEY" (PKCS#8) text of a key; ML-DSA in the RFC 9881 seed form. */
export function encodePrivateKey(key: PrivateKey): string {
  return pemEncode("PRIVATE KEY", key.pkcs8);
}

/** The PEM "PUBLIC KEY" (SPKI) text of a key. */
export function encodePublicKey(key: PublicKey): string {
  return pemEncode("PUBLIC KEY", key.spki);
}

/**
 * A private key from PEM ("PRIVATE KEY", also OpenSSL's "RSA PRIVATE KEY" / "EC PRIVATE KEY") or
 * DER PKCS#8. Throws a plain Error with a readable reason (this is configuration, not the wire).
 */
export function loadPrivateKey(input: string | Uint8Array): PrivateKey {
  let der: Uint8Array;
  if (looksLikePem(input)) {
    const blocks = pemDecode(asText(input)).filter((b) => b.label.endsWith("PRIVATE KEY"));
    if (blocks.length === 0) throw new Error("no PEM private key block found");
    const { label, der: body } = blocks[0];
    if (label === "PRIVATE KEY") der = body;
    else if (label === "RSA PRIVATE KEY") der = privateKeyInfo("rsa", body);
    else if (label === "EC PRIVATE KEY") der = ecKeyToPkcs8(body);
    else throw new Error(`unsupported PEM block "${label}" (encrypted keys are not supported)`);
  } else der = input as Uint8Array;
  try {
    return parsePkcs8(der);
  } catch (e) {
    throw new Error(`cannot load private key: ${(e as Error).message}`);
  }
}

function ecKeyToPkcs8(sec1: Uint8Array): Uint8Array {
  const obj = createPrivateKey({ key: Buffer.from(sec1), format: "der", type: "sec1" });
  return u8(obj.export({ type: "pkcs8", format: "der" }));
}

// ---- generation ---------------------------------------------------------------------------------

export interface GenerateKeyOptions {
  /** Reproducible key: the same seed and algorithm always give the same key. */
  seed?: Seed;
  /** RSA modulus size (2048, 3072, 4096); default 2048. */
  rsaBits?: number;
}

/**
 * A new key pair. Without a seed: node:crypto for classical keys, a random seed for ML-DSA. With a
 * seed: ML-DSA and Ed25519 use a 32-byte seed derived from it, ECDSA a derived scalar, RSA a seeded
 * prime search (rsa-keygen.ts).
 */
export function generateKeyPair(algorithm: KeyAlgorithm, options: GenerateKeyOptions = {}): PrivateKey {
  if (!KEY_ALGORITHMS.includes(algorithm)) throw new Error(`unknown key algorithm "${algorithm}"`);
  const rsaBits = options.rsaBits ?? 2048;
  if (options.seed === undefined) {
    if (algorithm === "rsa" || algorithm === "rsa-pss")
      return parsePkcs8(generateSigningKey(algorithm, { rsaBits }).pkcs8);
    if (algorithm.startsWith("mldsa")) return generateSigningKey(algorithm);
    return parsePkcs8(generateSigningKey(algorithm).pkcs8);
  }
  const seed = options.seed;
  switch (algorithm) {
    case "mldsa44":
    case "mldsa65":
    case "mldsa87":
      return mldsaKeyFromSeed(algorithm, expandSeed(seed, algorithm, 32));
    case "ed25519":
      return canonicalPkcs8(privateKeyInfo("ed25519", encodeTlv(0x04, expandSeed(seed, algorithm, 32))));
    case "p256":
    case "p384": {
      const scalar = ecScalarFromSeed(algorithm, seed);
      const ec = new ECPrivateKey({ privateKey: new OctetString(scalar) });
      return canonicalPkcs8(privateKeyInfo(algorithm, u8(AsnConvert.serialize(ec))));
    }
    case "rsa":
    case "rsa-pss": {
      const k = seededRsaKey(rsaBits, seed);
      const int = (v: bigint) => {
        let hex = v.toString(16);
        if (hex.length % 2) hex = `0${hex}`;
        if (Number.parseInt(hex.slice(0, 2), 16) >= 0x80) hex = `00${hex}`;
        return new Uint8Array(Buffer.from(hex, "hex")).buffer;
      };
      const rsa = new RSAPrivateKey({
        modulus: int(k.n),
        publicExponent: int(k.e),
        privateExponent: int(k.d),
        prime1: int(k.p),
        prime2: int(k.q),
        exponent1: int(k.dp),
        exponent2: int(k.dq),
        coefficient: int(k.qinv),
      });
      return parsePkcs8(privateKeyInfo(algorithm, u8(AsnConvert.serialize(rsa))));
    }
  }
}

/** Lets OpenSSL re-export the key so it carries the public point as OpenSSL writes it. */
function canonicalPkcs8(pkcs8: Uint8Array): PrivateKey {
  const obj = createPrivateKey({ key: Buffer.from(pkcs8), format: "der", type: "pkcs8" });
  return parsePkcs8(u8(obj.export({ type: "pkcs8", format: "der" })));
}

const CURVE_ORDER = {
  p256: 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n,
  p384: 0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n,
} as const;

/** A scalar in [1, n-1] from the seed (64 extra bits before the reduction keep the bias negligible). */
function ecScalarFromSeed(algorithm: "p256" | "p384", seed: Seed): Uint8Array {
  const size = algorithm === "p256" ? 32 : 48;
  const n = CURVE_ORDER[algorithm];
  const wide = expandSeed(seed, algorithm, size + 8);
  const v = (BigInt(`0x${Buffer.from(wide).toString("hex")}`) % (n - 1n)) + 1n;
  return u8(Buffer.from(v.toString(16).padStart(size * 2, "0"), "hex"));
}
