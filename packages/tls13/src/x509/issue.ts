// Issuing certificates: build the TBSCertificate, sign it through the provider, and (optionally)
// grow it to an exact DER size with a non-critical private padding extension.

import { AsnConvert, OctetString } from "@peculiar/asn1-schema";
import {
  Extension,
  Extensions,
  Name,
  SubjectPublicKeyInfo,
  TBSCertificate,
  Validity,
  Version,
} from "@peculiar/asn1-x509";
import type { CryptoProvider, PrivateKey, PublicKey } from "../crypto/provider.js";
import type { SignatureSchemeName } from "../wire/codepoints.js";
import {
  defaultCertificateSignatureScheme,
  schemeForIssuerKey,
  signatureAlgorithmFor,
} from "./algorithms.js";
import { type Certificate, EKU, EXT, type KeyUsageName, parseCertificate } from "./certificate.js";
import { children, concatBytes, encodeTlv, readTlv, tlvSize } from "./der.js";
import {
  authorityKeyIdentifierValue,
  basicConstraintsValue,
  extKeyUsageValue,
  keyUsageValue,
  subjectAltNameValue,
  subjectKeyIdentifierValue,
} from "./extensions.js";
import { buildName } from "./names.js";
import { expandSeed } from "./seeded.js";

/**
 * The padding extensions: UUID-derived OIDs (ITU-T X.667 arc 2.25, free to use without
 * registration), never critical, so every verifier skips them. Each value is an OCTET STRING of
 * pseudo-random bytes: random so certificate compression cannot erase them (the keys and
 * signatures they stand in for do not compress either). The bulk extension carries most bytes; a
 * second, small one (under 128 bytes, so its own length fields never grow) steps the size one byte
 * at a time across the points where the bulk extension's DER lengths jump.
 */
export const PADDING_EXTENSION_OID = "2.25.236547745546919155126545622554268722293";
export const PADDING_FINE_EXTENSION_OID = `${PADDING_EXTENSION_OID}.1`;

export interface IssueCertificateOptions {
  /** Subject: a Name, or ordered attribute pairs, e.g. [["O", "pqtls"], ["CN", "leaf"]]. */
  subject: Name | ReadonlyArray<readonly [string, string]>;
  publicKey: PublicKey;
  /** The issuing CA's certificate; omit for a self-signed certificate (then signingKey is the subject's own). */
  issuer?: Certificate;
  signingKey: PrivateKey;
  provider: CryptoProvider;
  notBefore: Date;
  notAfter: Date;
  /** Positive serial number bytes; default derived from the subject name and key (reproducible). */
  serialNumber?: Uint8Array;
  isCA?: boolean;
  /** basicConstraints pathLenConstraint (CAs only). */
  pathLen?: number;
  /** Default: CAs keyCertSign+cRLSign, others digitalSignature. */
  keyUsage?: KeyUsageName[];
  /** Default: non-CAs serverAuth+clientAuth, CAs none. [] leaves the extension out. */
  extKeyUsage?: string[];
  dnsNames?: string[];
  ipAddresses?: string[];
  /** Scheme for the certificate signature; default by the signing key (RSA: rsa_pkcs1_sha256). */
  signatureScheme?: SignatureSchemeName;
  /** Grow the certificate to exactly this many DER bytes with the padding extension. */
  padTo?: number;
  /** Extra extensions, appended as given (e.g. an unknown critical one, for tests). */
  extraExtensions?: Array<{ oid: string; critical: boolean; value: Uint8Array }>;
}

function isPaddingExtension(oid: string): boolean {
  return oid === PADDING_EXTENSION_OID || oid === PADDING_FINE_EXTENSION_OID;
}

/** Padding sizes: `bulk` bytes in the main extension, `fine` (0..127) in the second, if present. */
interface Padding {
  bulk: number;
  fine?: number;
}

/** Issues (signs) one certificate and returns it parsed. */
export function issueCertificate(o: IssueCertificateOptions): Certificate {
  const scheme = o.signatureScheme ?? defaultCertificateSignatureScheme(o.signingKey.algorithm);
  return signToSize(tbsBuilder(o, scheme), scheme, o.signingKey, o.provider, o.padTo, subjectLabel(o));
}

/**
 * Re-signs an existing certificate with its issuer's key, padded (or re-padded) to exactly `padTo`
 * DER bytes; every other field stays as it was. This is how fixture chains are shaped to a size
 * without regenerating keys: the issuer's key is all it needs.
 */
export function padCertificate(
  cert: Certificate,
  issuerKey: PrivateKey,
  padTo: number,
  provider: CryptoProvider,
): Certificate {
  const scheme = schemeForIssuerKey(cert.signatureScheme, issuerKey.algorithm);
  const original = AsnConvert.parse(cert.tbs, TBSCertificate);
  // cert.extensions has the same order as the library's list, with OIDs decoded exactly.
  const kept = (original.extensions ?? []).filter((_, i) => !isPaddingExtension(cert.extensions[i].oid));
  const algorithm = signatureAlgorithmFor(scheme);
  const filler = paddingFiller(cert.subjectDer, cert.publicKey.spki);
  const tbsFor = (p: Padding | undefined) => {
    const list = [...kept];
    if (p) list.push(...paddingExtensions(p, filler));
    const tbs = new TBSCertificate({ ...original, signature: algorithm, extensions: new Extensions(list) });
    return new Uint8Array(AsnConvert.serialize(tbs));
  };
  return signToSize(tbsFor, scheme, issuerKey, provider, padTo, cert.subject);
}

/**
 * Signs tbsFor(undefined), or — with padTo — finds the padding that makes the signed certificate
 * exactly padTo bytes. Certificate size = SEQUENCE header + tbs + signatureAlgorithm +
 * BIT STRING(signature); the signature length is known after one signing (fixed for RSA, EdDSA
 * and ML-DSA; ECDSA varies by a byte or two, so we re-sign with a nudged padding until it lands).
 */
function signToSize(
  tbsFor: (p: Padding | undefined) => Uint8Array,
  scheme: SignatureSchemeName,
  signingKey: PrivateKey,
  provider: CryptoProvider,
  padTo: number | undefined,
  label: string,
): Certificate {
  const signer = provider.signatures[scheme];
  if (!signer) throw new Error(`provider "${provider.name}" cannot sign ${scheme}`);
  const signatureAlgorithm = new Uint8Array(AsnConvert.serialize(signatureAlgorithmFor(scheme)));
  const sign = (tbs: Uint8Array) => {
    const sig = signer.sign(signingKey, tbs);
    return encodeTlv(
      0x30,
      concatBytes(tbs, signatureAlgorithm, encodeTlv(0x03, concatBytes(Uint8Array.of(0), sig))),
    );
  };

  const plain = sign(tbsFor(undefined));
  if (padTo === undefined || padTo === plain.length) return parseCertificate(plain);
  const target = padTo;
  const minimum = sign(tbsFor({ bulk: 0 })).length;
  if (!Number.isInteger(target) || target < minimum)
    throw new Error(
      `cannot pad certificate "${label}" to ${target} bytes: it is ${plain.length} bytes and padding adds at least ${minimum - plain.length}`,
    );
  if (target > 0xffffff) throw new Error(`certificate size ${target} exceeds the TLS limit of 2^24-1 bytes`);

  let sigLength = signatureLength(plain);
  const predict = (p: Padding) => {
    const tbsLength = tbsFor(p).length;
    return tlvSize(tbsLength + signatureAlgorithm.length + tlvSize(1 + sigLength));
  };
  const tried = new Set<string>();
  for (const fine of [undefined, ...Array.from({ length: 128 }, (_, k) => k)]) {
    const bulk = solveBulk(predict, fine, target);
    if (bulk === undefined) continue;
    const key = `${fine}/${bulk}`;
    if (tried.has(key)) continue;
    tried.add(key);
    const der = sign(tbsFor({ bulk, fine }));
    if (der.length === target) return parseCertificate(der);
    // ECDSA: learn the length this signature had and try the next fine-tuning value.
    sigLength = signatureLength(der);
  }
  throw new Error(
    `cannot pad certificate "${label}" to exactly ${target} bytes: a DER length field of the certificate, ` +
      `its TBS or its extensions steps over that size (try ${target - 1} or ${target + 1})`,
  );
}

/** Pseudo-random filler bytes fixed by the certificate's subject and key (reproducible). */
function paddingFiller(subjectDer: Uint8Array, spki: Uint8Array): (n: number) => Uint8Array {
  let cache: Uint8Array = new Uint8Array(0);
  return (n) => {
    if (cache.length < n) cache = expandSeed(concatBytes(subjectDer, spki), "padding", n * 2);
    return cache.subarray(0, n);
  };
}

function paddingExtensions(p: Padding, filler: (n: number) => Uint8Array): Extension[] {
  const bytes = filler(p.bulk + (p.fine ?? 0));
  const ext = (oid: string, content: Uint8Array) =>
    new Extension({ extnID: oid, critical: false, extnValue: new OctetString(encodeTlv(0x04, content)) });
  const list = [ext(PADDING_EXTENSION_OID, bytes.subarray(0, p.bulk))];
  if (p.fine !== undefined) list.push(ext(PADDING_FINE_EXTENSION_OID, bytes.subarray(p.bulk)));
  return list;
}

/** Length of the signature inside a certificate's signatureValue BIT STRING. */
function signatureLength(der: Uint8Array): number {
  const parts = children(der, readTlv(der, 0));
  return parts[2].contentLength - 1;
}

/**
 * The bulk padding size that makes predict() hit target for this fine size, if one exists. Size
 * grows with bulk one byte per byte except where a DER length gains a byte, so the first guess is
 * within a few bytes; a binary search over a small bracket around it finds the exact value.
 */
function solveBulk(
  predict: (p: Padding) => number,
  fine: number | undefined,
  target: number,
): number | undefined {
  const f = (bulk: number) => predict({ bulk, fine });
  const guess = Math.max(0, target - f(0));
  let lo = Math.max(0, guess - 16);
  let hi = guess + 16;
  if (f(lo) > target) lo = 0;
  if (f(lo) > target || f(hi) < target) return undefined;
  // Smallest bulk in [lo, hi] with f(bulk) >= target.
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (f(mid) >= target) hi = mid;
    else lo = mid + 1;
  }
  return f(lo) === target ? lo : undefined;
}

function subjectLabel(o: IssueCertificateOptions): string {
  return o.subject instanceof Name ? "certificate" : o.subject.map(([k, v]) => `${k}=${v}`).join(", ");
}

/** SHA-256 of the subjectPublicKey bits, first 160 bits (RFC 7093 §2 method 1). */
export function keyIdentifier(publicKey: PublicKey, provider: CryptoProvider): Uint8Array {
  const spki = AsnConvert.parse(publicKey.spki, SubjectPublicKeyInfo);
  return provider.hashes.sha256.digest(new Uint8Array(spki.subjectPublicKey)).slice(0, 20);
}

function tbsBuilder(
  o: IssueCertificateOptions,
  scheme: SignatureSchemeName,
): (p: Padding | undefined) => Uint8Array {
  const subject = o.subject instanceof Name ? o.subject : buildName(o.subject);
  const subjectDer = new Uint8Array(AsnConvert.serialize(subject));
  const issuerName = o.issuer ? AsnConvert.parse(o.issuer.subjectDer, Name) : subject;
  const isCA = o.isCA ?? false;
  const ski = keyIdentifier(o.publicKey, o.provider);
  const aki = o.issuer ? (o.issuer.subjectKeyId ?? keyIdentifier(o.issuer.publicKey, o.provider)) : ski;
  const serial = o.serialNumber ?? defaultSerial(subjectDer, o.publicKey, o.provider);
  if (serial.length === 0 || serial.length > 20) throw new Error("serial number must be 1..20 bytes");

  const base: Array<[string, boolean, Uint8Array]> = [
    [EXT.basicConstraints, true, basicConstraintsValue(isCA, isCA ? o.pathLen : undefined)],
    [
      EXT.keyUsage,
      true,
      keyUsageValue(o.keyUsage ?? (isCA ? ["keyCertSign", "cRLSign"] : ["digitalSignature"])),
    ],
  ];
  const eku = o.extKeyUsage ?? (isCA ? [] : [EKU.serverAuth, EKU.clientAuth]);
  if (eku.length) base.push([EXT.extKeyUsage, false, extKeyUsageValue(eku)]);
  if (o.dnsNames?.length || o.ipAddresses?.length)
    base.push([EXT.subjectAltName, false, subjectAltNameValue(o.dnsNames ?? [], o.ipAddresses ?? [])]);
  base.push([EXT.subjectKeyIdentifier, false, subjectKeyIdentifierValue(ski)]);
  if (o.issuer || !isCA) base.push([EXT.authorityKeyIdentifier, false, authorityKeyIdentifierValue(aki)]);
  for (const e of o.extraExtensions ?? []) base.push([e.oid, e.critical, e.value]);

  const filler = paddingFiller(subjectDer, o.publicKey.spki);
  const spki = AsnConvert.parse(o.publicKey.spki, SubjectPublicKeyInfo);
  const algorithm = signatureAlgorithmFor(scheme);

  return (p) => {
    const list = base.map(
      ([oid, critical, value]) => new Extension({ extnID: oid, critical, extnValue: new OctetString(value) }),
    );
    if (p) list.push(...paddingExtensions(p, filler));
    const tbs = new TBSCertificate({
      version: Version.v3,
      serialNumber: new Uint8Array(serial).buffer,
      signature: algorithm,
      issuer: issuerName,
      validity: new Validity({ notBefore: o.notBefore, notAfter: o.notAfter }),
      subject,
      subjectPublicKeyInfo: spki,
      extensions: new Extensions(list),
    });
    return new Uint8Array(AsnConvert.serialize(tbs));
  };
}

/** 16 bytes from SHA-256(subject ‖ SPKI), top bit clear so the INTEGER stays positive, never zero. */
function defaultSerial(subjectDer: Uint8Array, publicKey: PublicKey, provider: CryptoProvider): Uint8Array {
  const h = provider.hashes.sha256.digest(concatBytes(subjectDer, publicKey.spki)).slice(0, 16);
  h[0] = (h[0] & 0x7f) | 0x40;
  return h;
}
