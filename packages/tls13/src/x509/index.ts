// X.509 for TLS 1.3: parse, verify, issue and shape certificate chains. The TLS core and the
// harness use only what this file exports.

import type { PrivateKey, PublicKey } from "../crypto/provider.js";
import type { SignatureSchemeName } from "../wire/codepoints.js";
import { certificateVerifySchemesFor } from "./algorithms.js";
import { type Certificate, parseCertificate } from "./certificate.js";
import { asText, looksLikePem, pemDecode } from "./pem.js";

export { OID } from "./algorithms.js";
export {
  type Certificate,
  type CertificateExtension,
  EKU,
  EXT,
  type KeyUsageName,
  parseCertificate,
} from "./certificate.js";
export {
  CHAIN_ALGORITHMS,
  type ChainAlgorithm,
  chainWireSize,
  DEFAULT_NOT_AFTER,
  DEFAULT_NOT_BEFORE,
  type GenerateChainOptions,
  type GeneratedChain,
  generateChain,
  padChain,
} from "./chain.js";
export {
  certificateCompressionAlgorithms,
  compressCertificateMessage,
  DEFAULT_MAX_UNCOMPRESSED,
  decodeCompressedCertificate,
  decompressCertificateMessage,
  encodeCompressCertificateExtension,
  encodeCompressedCertificate,
  parseCompressCertificateExtension,
} from "./compression.js";
export {
  type IssueCertificateOptions,
  issueCertificate,
  keyIdentifier,
  PADDING_EXTENSION_OID,
  PADDING_FINE_EXTENSION_OID,
  padCertificate,
} from "./issue.js";
export {
  encodePrivateKey,
  encodePublicKey,
  type GenerateKeyOptions,
  generateKeyPair,
  KEY_ALGORITHMS,
  loadPrivateKey,
  parsePkcs8,
  parseSpki,
} from "./keys.js";
export { buildName, formatName } from "./names.js";
export { CertificateCache, type CertificateCacheLimits, sharedCertificateCache } from "./parse-cache.js";
export { type PemBlock, pemDecode, pemEncode } from "./pem.js";
export { SignatureCache, setSignatureCache, sharedSignatureCache } from "./signature-cache.js";
export {
  type CertificatePath,
  checkHostname,
  checkPresentedCount,
  dnsNameMatches,
  MAX_PRESENTED_CERTIFICATES,
  MAX_SIGNATURE_CHECKS,
  type VerifyChainOptions,
  verifyChain,
} from "./verify.js";

/**
 * Certificates from PEM text (every CERTIFICATE block, in order) or one DER certificate.
 * Malformed input throws TlsAlert(bad_certificate) with the reason.
 */
export function loadCertificates(pemOrDer: string | Uint8Array): Certificate[] {
  if (!looksLikePem(pemOrDer)) return [parseCertificate(pemOrDer as Uint8Array)];
  const blocks = pemDecode(asText(pemOrDer)).filter((b) => b.label === "CERTIFICATE");
  if (blocks.length === 0) throw new Error("no PEM CERTIFICATE block found");
  return blocks.map((b) => parseCertificate(b.der));
}

/**
 * SignatureSchemes this key can sign a TLS 1.3 CertificateVerify with, preferred first
 * (rsa → rsa_pss_rsae_*, rsa-pss → rsa_pss_pss_*, p256 → ecdsa_secp256r1_sha256, ...;
 * never rsa_pkcs1_*).
 */
export function signatureSchemesFor(key: PublicKey | PrivateKey): SignatureSchemeName[] {
  return certificateVerifySchemesFor(key.algorithm);
}
