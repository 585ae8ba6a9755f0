// Size models for mechanisms this stack cannot run end to end: chains whose bytes on the wire are
// what the drafts define, carried by today's TLS 1.3 handshake. They are MODELS: the flow changes
// of each draft are not modelled, and what differs is listed with each one.
//
// Merkle Tree Certificates (draft-ietf-plants-merkle-tree-certs §6.1), landmark-relative: the
// server sends one certificate whose signatureAlgorithm is id-alg-mtcProof and whose signatureValue
// holds an MTCProof with an inclusion proof and no signatures:
//
//   struct { uint64 start; uint64 end; HashValue inclusion_proof<0..2^16-1>;
//            MTCSignature signatures<0..2^16-1>; } MTCProof;   // 20 + 32·hashes bytes, no cosigners
//
// Model: the leaf (its real key, so CertificateVerify is the real one) is signed by an Ed25519
// stand-in for the landmark and padded to exactly the MTC certificate's DER size; the client trusts
// the stand-in as it would the landmark. Not modelled: landmark distribution, the fallback to a
// standalone certificate.
//
// KEM-based authentication (draft-celi-wiggers-tls-authkem): the leaf carries an ML-KEM key and the
// server sends no CertificateVerify; the client encapsulates to the leaf key instead. Model: the
// leaf has an Ed25519 key padded to exactly the size of the same leaf with an ML-KEM public key,
// signed by the usual ML-DSA intermediate; CertificateVerify shrinks to Ed25519's (72 bytes on the
// wire, where AuthKEM has none). Not modelled: the client's KEMEncapsulation message (the ML-KEM
// ciphertext, e.g. 1088 bytes for ML-KEM-768) and the extra half round trip for the client's proof.

import { nobleProvider } from "../crypto/noble/index.js";
import type { CryptoProvider } from "../crypto/provider.js";
import type { ChainAlgorithm, GeneratedChain } from "./chain.js";
import { generateChain } from "./chain.js";
import { padCertificate } from "./issue.js";
import type { Seed } from "./seeded.js";

/** Bytes of a DER header (tag + length) for a body of n bytes. */
function derHeader(n: number): number {
  return n < 0x80 ? 2 : n < 0x100 ? 3 : n < 0x10000 ? 4 : 5;
}
const tlv = (n: number) => derHeader(n) + n;
/** AlgorithmIdentifier with an OID of `oidBytes` content bytes and absent parameters. */
const algId = (oidBytes: number) => tlv(tlv(oidBytes));

/** id-alg-mtcProof, 1.3.6.1.4.1.44363.47.0: 10 content bytes. */
const MTC_PROOF_OID_BYTES = 10;
/** id-Ed25519, 1.3.101.112: 3 content bytes. */
const ED25519_OID_BYTES = 3;
/** ML-KEM public keys (FIPS 203) and their OIDs (2.16.840.1.101.3.4.4.1-3: 9 content bytes). */
export const ML_KEM_PUBLIC_KEY_BYTES = { mlkem512: 800, mlkem768: 1184, mlkem1024: 1568 } as const;
export type MlKemName = keyof typeof ML_KEM_PUBLIC_KEY_BYTES;

/** Size of a landmark-relative MTCProof (no signatures) with `hashes` inclusion-proof hashes. */
export function mtcProofBytes(hashes: number): number {
  return 8 + 8 + 2 + 32 * hashes + 2;
}

export interface SizeModelChain extends GeneratedChain {
  /** What the chain stands for, and what it leaves out: say it wherever its results are shown. */
  model: string;
}

export interface SizeModelOptions {
  hostnames: string[];
  seed?: Seed;
  provider?: CryptoProvider;
}

/**
 * A landmark-relative Merkle Tree Certificate's size, carried by a real chain: [leaf] signed by an
 * Ed25519 stand-in root. `proofHashes`: inclusion proof length, log2 of the landmark subtree
 * (default 18: a subtree of ~260k certificates, a few hours of a large CA's issuance).
 */
export function generateMtcModelChain(
  o: SizeModelOptions & { sig?: ChainAlgorithm; proofHashes?: number },
): SizeModelChain {
  const proofHashes = o.proofHashes ?? 18;
  const base = generateChain({
    sig: o.sig ?? "mldsa44",
    rootSig: "ed25519",
    depth: 2,
    hostnames: o.hostnames,
    ...(o.seed !== undefined ? { seed: o.seed } : {}),
    ...(o.provider ? { provider: o.provider } : {}),
  });
  const leaf = base.leaf;
  // The same certificate with id-alg-mtcProof in both AlgorithmIdentifiers and the MTCProof as its
  // signatureValue (BIT STRING: one unused-bits byte, then the proof).
  const tbsEd = tbsBytes(leaf.der);
  const tbsMtc = tbsEd - algId(ED25519_OID_BYTES) + algId(MTC_PROOF_OID_BYTES);
  const target = tlv(tlv(tbsMtc) + algId(MTC_PROOF_OID_BYTES) + tlv(1 + mtcProofBytes(proofHashes)));
  const padded = padCertificate(leaf, base.rootKey, target, o.provider ?? nobleProvider);
  return {
    ...base,
    certificates: [padded, base.root],
    chain: [padded],
    leaf: padded,
    model: `MTC model: landmark-relative certificate, ${proofHashes}-hash inclusion proof (${mtcProofBytes(proofHashes)}-byte MTCProof), no CA signature; landmark distribution and standalone fallback not modelled`,
  };
}

/**
 * KEM-based authentication's certificate size, carried by a real chain: root → intermediate (`sig`)
 * → leaf with an Ed25519 key, padded to the size of that leaf with an ML-KEM `kem` key.
 */
export function generateAuthKemModelChain(
  o: SizeModelOptions & { sig?: ChainAlgorithm; kem?: MlKemName },
): SizeModelChain {
  const sig = o.sig ?? "mldsa44";
  const kem = o.kem ?? "mlkem768";
  const base = generateChain({
    sig: "ed25519",
    intermediateSig: sig,
    rootSig: sig,
    depth: 3,
    hostnames: o.hostnames,
    ...(o.seed !== undefined ? { seed: o.seed } : {}),
    ...(o.provider ? { provider: o.provider } : {}),
  });
  const spki = (oidBytes: number, keyBytes: number) => tlv(algId(oidBytes) + tlv(1 + keyBytes));
  const delta = spki(9, ML_KEM_PUBLIC_KEY_BYTES[kem]) - spki(ED25519_OID_BYTES, 32);
  const tbs = tbsBytes(base.leaf.der) + delta;
  const signatureSide = headerAt(base.leaf.der, 0).length - tlv(tbsBytes(base.leaf.der));
  const target = tlv(tlv(tbs) + signatureSide);
  const padded = padCertificate(base.leaf, base.keys[1], target, o.provider ?? nobleProvider);
  const certificates = [padded, ...base.certificates.slice(1)];
  return {
    ...base,
    certificates,
    chain: [padded, ...base.chain.slice(1)],
    leaf: padded,
    model: `AuthKEM model: ${kem} leaf key (${ML_KEM_PUBLIC_KEY_BYTES[kem]} bytes) under a ${sig} intermediate, CertificateVerify cut to Ed25519's; the client's KEM ciphertext and AuthKEM's flow not modelled`,
  };
}

/** Length of the tbsCertificate body inside a certificate's DER (outer SEQUENCE, then TBS SEQUENCE). */
function tbsBytes(der: Uint8Array): number {
  const outerHeader = headerAt(der, 0);
  const tbsHeader = headerAt(der, outerHeader.size);
  return tbsHeader.length;
}
function headerAt(der: Uint8Array, at: number): { size: number; length: number } {
  const first = der[at + 1];
  if (first < 0x80) return { size: 2, length: first };
  const n = first & 0x7f;
  let length = 0;
  for (let i = 0; i < n; i++) length = length * 256 + der[at + 2 + i];
  return { size: 2 + n, length };
}
