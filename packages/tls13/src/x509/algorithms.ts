// The algorithm identifiers certificates use, and how each maps onto the provider's key algorithms
// and TLS SignatureSchemes. One table per direction so parsing and issuing agree by construction.

import { ECParameters } from "@peculiar/asn1-ecc";
import { RsaSaPssParams } from "@peculiar/asn1-rsa";
import { AsnConvert } from "@peculiar/asn1-schema";
import { AlgorithmIdentifier } from "@peculiar/asn1-x509";
import type { KeyAlgorithm } from "../crypto/provider.js";
import type { SignatureSchemeName } from "../wire/codepoints.js";
import { bytesEqual, children, readTlv, tlvBytes, tlvContent } from "./der.js";

export const OID = {
  rsaEncryption: "1.2.840.113549.1.1.1",
  rsassaPss: "1.2.840.113549.1.1.10",
  mgf1: "1.2.840.113549.1.1.8",
  sha256WithRSA: "1.2.840.113549.1.1.11",
  sha384WithRSA: "1.2.840.113549.1.1.12",
  sha512WithRSA: "1.2.840.113549.1.1.13",
  sha256: "2.16.840.1.101.3.4.2.1",
  sha384: "2.16.840.1.101.3.4.2.2",
  sha512: "2.16.840.1.101.3.4.2.3",
  ecPublicKey: "1.2.840.10045.2.1",
  p256: "1.2.840.10045.3.1.7",
  p384: "1.3.132.0.34",
  ecdsaSha256: "1.2.840.10045.4.3.2",
  ecdsaSha384: "1.2.840.10045.4.3.3",
  ecdsaSha512: "1.2.840.10045.4.3.4",
  ed25519: "1.3.101.112",
  // RFC 9881 (pure ML-DSA): the same OID names the key and the signature.
  mldsa44: "2.16.840.1.101.3.4.3.17",
  mldsa65: "2.16.840.1.101.3.4.3.18",
  mldsa87: "2.16.840.1.101.3.4.3.19",
} as const;

const DER_NULL = Uint8Array.of(0x05, 0x00);

export type HashName = "sha256" | "sha384" | "sha512";
const HASH_LENGTH: Record<HashName, number> = { sha256: 32, sha384: 48, sha512: 64 };
const HASH_BY_OID: Record<string, HashName> = {
  [OID.sha256]: "sha256",
  [OID.sha384]: "sha384",
  [OID.sha512]: "sha512",
};

/** Why an AlgorithmIdentifier was refused: "unsupported" (unknown) or "malformed" (known but wrong). */
export class AlgorithmError extends Error {
  constructor(
    readonly kind: "unsupported" | "malformed",
    message: string,
  ) {
    super(message);
  }
}

/**
 * An AlgorithmIdentifier read from its DER with `parameters` exactly as encoded: the library maps
 * an ASN.1 NULL to null, which would make "NULL" and "absent" look alike, and RFC 9881 (ML-DSA) and
 * RFC 8410 (Ed25519) need absent to mean absent.
 */
export function algorithmFromDer(der: Uint8Array): AlgorithmIdentifier {
  const outer = readTlv(der, 0);
  const parts = children(der, outer);
  if (outer.tag !== 0x30 || parts.length < 1 || parts.length > 2 || parts[0].tag !== 0x06)
    throw new AlgorithmError("malformed", "AlgorithmIdentifier is not SEQUENCE { OID, parameters OPTIONAL }");
  // Built from the DER walk above rather than the ASN.1 library: this runs for every certificate
  // and key a peer sends.
  let algorithm: string;
  try {
    algorithm = oidToString(tlvContent(der, parts[0]));
  } catch (e) {
    throw new AlgorithmError("malformed", `AlgorithmIdentifier: ${(e as Error).message}`);
  }
  const parameters = parts.length === 2 ? new Uint8Array(tlvBytes(der, parts[1])).buffer : undefined;
  return new AlgorithmIdentifier({ algorithm, parameters });
}

function params(alg: AlgorithmIdentifier): Uint8Array | undefined {
  return alg.parameters == null ? undefined : new Uint8Array(alg.parameters);
}

function requireAbsent(alg: AlgorithmIdentifier, what: string): void {
  if (alg.parameters != null)
    throw new AlgorithmError("unsupported", `${what} AlgorithmIdentifier must not carry parameters`);
}

/** RSA PKCS#1 algorithm identifiers carry NULL; RFC 4055 lets readers accept an absent one. */
function requireNullOrAbsent(alg: AlgorithmIdentifier, what: string): void {
  const p = params(alg);
  if (p !== undefined && !bytesEqual(p, DER_NULL))
    throw new AlgorithmError("malformed", `${what} parameters must be NULL`);
}

/** Ed25519 (RFC 8410) and pure ML-DSA (RFC 9881): one OID names the key and the signature, and the
 *  key algorithm and the TLS SignatureScheme have the same name. */
const KEY_AND_SCHEME_NAMES: Record<string, "ed25519" | "mldsa44" | "mldsa65" | "mldsa87"> = {
  [OID.ed25519]: "ed25519",
  [OID.mldsa44]: "mldsa44",
  [OID.mldsa65]: "mldsa65",
  [OID.mldsa87]: "mldsa87",
};

/** The name an Ed25519 or ML-DSA AlgorithmIdentifier gives both key and scheme (parameters must be
 *  absent), or undefined for any other algorithm. SPKI and signature parsing both use it. */
function sharedKeyAndSchemeName(alg: AlgorithmIdentifier): (typeof KEY_AND_SCHEME_NAMES)[string] | undefined {
  const name = KEY_AND_SCHEME_NAMES[alg.algorithm];
  if (name) requireAbsent(alg, name === "ed25519" ? "Ed25519" : "ML-DSA (RFC 9881)");
  return name;
}

// ---- public keys (SubjectPublicKeyInfo.algorithm) ----------------------------------------------

/** The key algorithm an SPKI AlgorithmIdentifier names. */
export function keyAlgorithmOf(alg: AlgorithmIdentifier): KeyAlgorithm {
  switch (alg.algorithm) {
    case OID.rsaEncryption:
      requireNullOrAbsent(alg, "rsaEncryption");
      return "rsa";
    case OID.rsassaPss:
      // Parameters here only restrict how the key may be used; we accept them and rely on the
      // signature's own parameters.
      return "rsa-pss";
    case OID.ecPublicKey: {
      const p = params(alg);
      if (!p) throw new AlgorithmError("malformed", "id-ecPublicKey without a named curve");
      const curve = AsnConvert.parse(p, ECParameters).namedCurve;
      if (curve === OID.p256) return "p256";
      if (curve === OID.p384) return "p384";
      throw new AlgorithmError("unsupported", `unsupported elliptic curve ${curve}`);
    }
    default: {
      const name = sharedKeyAndSchemeName(alg);
      if (name) return name;
      throw new AlgorithmError("unsupported", `unsupported public key algorithm ${alg.algorithm}`);
    }
  }
}

export function spkiAlgorithmFor(key: KeyAlgorithm): AlgorithmIdentifier {
  switch (key) {
    case "rsa":
      return new AlgorithmIdentifier({ algorithm: OID.rsaEncryption, parameters: DER_NULL.slice().buffer });
    case "rsa-pss":
      return new AlgorithmIdentifier({ algorithm: OID.rsassaPss });
    case "p256":
    case "p384":
      return new AlgorithmIdentifier({
        algorithm: OID.ecPublicKey,
        parameters: oidDer(key === "p256" ? OID.p256 : OID.p384).buffer as ArrayBuffer,
      });
    default:
      return new AlgorithmIdentifier({ algorithm: OID[key] });
  }
}

/** DER of a bare OBJECT IDENTIFIER. */
export function oidDer(oid: string): Uint8Array {
  const arcs = oid.split(".").map((a) => BigInt(a));
  const body: number[] = [];
  const push = (v: bigint) => {
    const septets: number[] = [];
    do {
      septets.unshift(Number(v & 0x7fn));
      v >>= 7n;
    } while (v > 0n);
    for (let i = 0; i < septets.length - 1; i++) septets[i] |= 0x80;
    body.push(...septets);
  };
  push(arcs[0] * 40n + arcs[1]);
  for (const a of arcs.slice(2)) push(a);
  return Uint8Array.from([0x06, body.length, ...body]);
}

/** Dotted text of an OBJECT IDENTIFIER's content octets (arcs of any size). */
export function oidToString(content: Uint8Array): string {
  // Arcs in plain numbers while they stay exact (every OID in practice); BigInt beyond 2^52,
  // e.g. the UUID arcs under 2.25. BigInt arithmetic on every arc cost more than the rest of
  // a certificate parse.
  const arcs: Array<number | bigint> = [];
  let v = 0;
  let big: bigint | undefined;
  for (const byte of content) {
    if (big === undefined && v < 2 ** 45) v = v * 128 + (byte & 0x7f);
    else big = ((big ?? BigInt(v)) << 7n) | BigInt(byte & 0x7f);
    if ((byte & 0x80) === 0) {
      arcs.push(big ?? v);
      v = 0;
      big = undefined;
    }
  }
  if (arcs.length === 0 || (content[content.length - 1] & 0x80) !== 0)
    throw new Error("truncated OBJECT IDENTIFIER");
  const head = arcs[0];
  const first = head < 40 ? 0 : head < 80 ? 1 : 2;
  const second = typeof head === "bigint" ? head - BigInt(first * 40) : head - first * 40;
  return [first, second, ...arcs.slice(1)].join(".");
}

// ---- signatures (Certificate.signatureAlgorithm) -----------------------------------------------

/**
 * The TLS SignatureScheme that verifies a certificate signature with this AlgorithmIdentifier.
 * RSASSA-PSS maps to rsa_pss_rsae_*; the verifier switches to rsa_pss_pss_* when the issuer's key
 * is an id-RSASSA-PSS key (the math is the same, the scheme name records the key type).
 */
export function signatureSchemeOf(alg: AlgorithmIdentifier): SignatureSchemeName {
  switch (alg.algorithm) {
    case OID.sha256WithRSA:
      requireNullOrAbsent(alg, "sha256WithRSAEncryption");
      return "rsa_pkcs1_sha256";
    case OID.sha384WithRSA:
      requireNullOrAbsent(alg, "sha384WithRSAEncryption");
      return "rsa_pkcs1_sha384";
    case OID.sha512WithRSA:
      requireNullOrAbsent(alg, "sha512WithRSAEncryption");
      return "rsa_pkcs1_sha512";
    case OID.rsassaPss:
      return `rsa_pss_rsae_${pssHash(alg)}`;
    case OID.ecdsaSha256:
      requireAbsent(alg, "ecdsa-with-SHA256");
      return "ecdsa_secp256r1_sha256";
    case OID.ecdsaSha384:
      requireAbsent(alg, "ecdsa-with-SHA384");
      return "ecdsa_secp384r1_sha384";
    case OID.ecdsaSha512:
      requireAbsent(alg, "ecdsa-with-SHA512");
      return "ecdsa_secp521r1_sha512";
    default: {
      const name = sharedKeyAndSchemeName(alg);
      if (name) return name;
      throw new AlgorithmError("unsupported", `unsupported signature algorithm ${alg.algorithm}`);
    }
  }
}

/** TLS only has PSS with MGF1 over the same hash and salt = hash length (RFC 8446 §4.2.3). */
function pssHash(alg: AlgorithmIdentifier): HashName {
  const p = params(alg);
  if (!p) throw new AlgorithmError("malformed", "RSASSA-PSS signature without parameters");
  return readPssParams(p, "signature");
}

/**
 * The hash an id-RSASSA-PSS key is restricted to by its SPKI parameters (RFC 4055 §1.2), or
 * undefined when it has none. OpenSSL honours the restriction the same way; a key whose
 * restriction no TLS 1.3 scheme meets (SHA-1, another MGF, a minimum salt longer than the hash)
 * could never verify anything here, so it is refused when parsed.
 */
export function pssKeyHash(alg: AlgorithmIdentifier): HashName | undefined {
  const p = params(alg);
  return p ? readPssParams(p, "key") : undefined;
}

/** Can `key` verify (or sign) with `scheme`? Only a PSS restriction says no here. */
export function keyAllowsScheme(key: { pssHash?: HashName }, scheme: SignatureSchemeName): boolean {
  return !key.pssHash || (scheme.startsWith("rsa_pss_") && scheme.endsWith(`_${key.pssHash}`));
}

/** RSASSA-PSS-params of a signature (salt = hash length) or a key (salt is a minimum). */
function readPssParams(p: Uint8Array, of: "signature" | "key"): HashName {
  let pss: RsaSaPssParams;
  try {
    pss = AsnConvert.parse(p, RsaSaPssParams);
  } catch (e) {
    throw new AlgorithmError("malformed", `RSASSA-PSS parameters do not parse: ${(e as Error).message}`);
  }
  const hash = HASH_BY_OID[pss.hashAlgorithm.algorithm];
  if (!hash) throw new AlgorithmError("unsupported", `RSASSA-PSS with hash ${pss.hashAlgorithm.algorithm}`);
  if (pss.maskGenAlgorithm.algorithm !== OID.mgf1 || !pss.maskGenAlgorithm.parameters)
    throw new AlgorithmError("unsupported", "RSASSA-PSS with a mask generation function other than MGF1");
  const mgfHash = AsnConvert.parse(pss.maskGenAlgorithm.parameters, AlgorithmIdentifier).algorithm;
  if (HASH_BY_OID[mgfHash] !== hash)
    throw new AlgorithmError("unsupported", "RSASSA-PSS with MGF1 over another hash");
  if (of === "signature" ? pss.saltLength !== HASH_LENGTH[hash] : pss.saltLength > HASH_LENGTH[hash])
    throw new AlgorithmError(
      "unsupported",
      `RSASSA-PSS ${of} with salt length ${pss.saltLength}, TLS needs ${HASH_LENGTH[hash]}`,
    );
  if (pss.trailerField !== 1) throw new AlgorithmError("malformed", "RSASSA-PSS trailerField must be 1");
  return hash;
}

function pssAlgorithm(hash: HashName): AlgorithmIdentifier {
  const hashId = new AlgorithmIdentifier({ algorithm: hashOid(hash), parameters: DER_NULL.slice().buffer });
  const pss = new RsaSaPssParams({
    hashAlgorithm: hashId,
    maskGenAlgorithm: new AlgorithmIdentifier({
      algorithm: OID.mgf1,
      parameters: AsnConvert.serialize(hashId),
    }),
    saltLength: HASH_LENGTH[hash],
  });
  return new AlgorithmIdentifier({ algorithm: OID.rsassaPss, parameters: AsnConvert.serialize(pss) });
}

function hashOid(hash: HashName): string {
  return hash === "sha256" ? OID.sha256 : hash === "sha384" ? OID.sha384 : OID.sha512;
}

/** The AlgorithmIdentifier a certificate signed with `scheme` carries. */
export function signatureAlgorithmFor(scheme: SignatureSchemeName): AlgorithmIdentifier {
  const nul = () => DER_NULL.slice().buffer;
  switch (scheme) {
    case "rsa_pkcs1_sha256":
      return new AlgorithmIdentifier({ algorithm: OID.sha256WithRSA, parameters: nul() });
    case "rsa_pkcs1_sha384":
      return new AlgorithmIdentifier({ algorithm: OID.sha384WithRSA, parameters: nul() });
    case "rsa_pkcs1_sha512":
      return new AlgorithmIdentifier({ algorithm: OID.sha512WithRSA, parameters: nul() });
    case "rsa_pss_rsae_sha256":
    case "rsa_pss_pss_sha256":
      return pssAlgorithm("sha256");
    case "rsa_pss_rsae_sha384":
    case "rsa_pss_pss_sha384":
      return pssAlgorithm("sha384");
    case "rsa_pss_rsae_sha512":
    case "rsa_pss_pss_sha512":
      return pssAlgorithm("sha512");
    case "ecdsa_secp256r1_sha256":
      return new AlgorithmIdentifier({ algorithm: OID.ecdsaSha256 });
    case "ecdsa_secp384r1_sha384":
      return new AlgorithmIdentifier({ algorithm: OID.ecdsaSha384 });
    case "ed25519":
      return new AlgorithmIdentifier({ algorithm: OID.ed25519 });
    case "mldsa44":
    case "mldsa65":
    case "mldsa87":
      return new AlgorithmIdentifier({ algorithm: OID[scheme] });
    default:
      throw new AlgorithmError("unsupported", `cannot sign certificates with ${scheme}`);
  }
}

/**
 * The scheme that actually verifies a signature of kind `scheme` under an issuer key of kind `key`:
 * RSASSA-PSS by an id-RSASSA-PSS key is rsa_pss_pss_*.
 */
export function schemeForIssuerKey(scheme: SignatureSchemeName, key: KeyAlgorithm): SignatureSchemeName {
  if (key === "rsa-pss" && scheme.startsWith("rsa_pss_rsae_"))
    return scheme.replace("rsa_pss_rsae_", "rsa_pss_pss_") as SignatureSchemeName;
  return scheme;
}

/** How an issuer of each key type signs certificates by default (what OpenSSL and CAs emit). */
export function defaultCertificateSignatureScheme(key: KeyAlgorithm): SignatureSchemeName {
  switch (key) {
    case "rsa":
      return "rsa_pkcs1_sha256";
    case "rsa-pss":
      return "rsa_pss_pss_sha256";
    case "p256":
      return "ecdsa_secp256r1_sha256";
    case "p384":
      return "ecdsa_secp384r1_sha384";
    default:
      return key;
  }
}

/**
 * Schemes a key of this kind can sign a TLS 1.3 CertificateVerify with (never rsa_pkcs1_*:
 * RFC 8446 §4.4.3 forbids PKCS#1 v1.5 there).
 */
export function certificateVerifySchemesFor(key: KeyAlgorithm): SignatureSchemeName[] {
  switch (key) {
    case "rsa":
      return ["rsa_pss_rsae_sha256", "rsa_pss_rsae_sha384", "rsa_pss_rsae_sha512"];
    case "rsa-pss":
      return ["rsa_pss_pss_sha256", "rsa_pss_pss_sha384", "rsa_pss_pss_sha512"];
    case "p256":
      return ["ecdsa_secp256r1_sha256"];
    case "p384":
      return ["ecdsa_secp384r1_sha384"];
    default:
      return [key];
  }
}
