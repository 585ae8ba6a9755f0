// RFC 8879 certificate compression in the handshake: which algorithms a configuration may use,
// the server's choice and its CompressedCertificate message, and the client's acceptance of one.
// The wire encodings live in x509/compression.ts; this file decides when they apply.

import { TlsAlert } from "../errors.js";
import { AlertDescription, type CertificateCompressionName, HandshakeType } from "../wire/codepoints.js";
import { frameHandshake, type HandshakeMessage } from "../wire/handshake.js";
import type { AbridgedScheme } from "../x509/abridge.js";
import {
  certificateCompressionAlgorithms,
  DEFAULT_MAX_UNCOMPRESSED,
  decodeCompressedCertificate,
  encodeCompressedCertificate,
} from "../x509/compression.js";

/** What certificate compression did on a connection (both roles record it). */
export interface CertificateCompressionInfo {
  algorithm: CertificateCompressionName;
  /** The CompressedCertificate message as sent, 4-byte handshake header included. */
  compressedBytes: number;
  /** The Certificate message it stands for, header included (uncompressed_length + 4). */
  uncompressedBytes: number;
}

/**
 * Checks a configured algorithm list: known names this runtime can do (zstd needs Node >= 22.15),
 * duplicates dropped, order kept. A misconfiguration is a TypeError before any byte is sent.
 */
export function resolveCertificateCompression(
  names: readonly string[] | undefined,
  abridged?: AbridgedScheme,
): CertificateCompressionName[] {
  if (names === undefined) return [];
  const available = certificateCompressionAlgorithms();
  const out: CertificateCompressionName[] = [];
  for (const n of names) {
    if (n === "abridged") {
      if (!abridged)
        throw new TypeError(
          'certificate compression "abridged" needs the abridgedScheme option (its list and dictionary)',
        );
      if (!out.includes(n)) out.push(n);
      continue;
    }
    if (n !== "zlib" && n !== "brotli" && n !== "zstd")
      throw new TypeError(
        `unknown certificate compression algorithm "${n}" (known: zlib, brotli, zstd, abridged)`,
      );
    if (!available.includes(n))
      throw new TypeError(
        `certificate compression "${n}" is not available in this runtime (Node ${process.version}; zstd needs >= 22.15)`,
      );
    if (!out.includes(n)) out.push(n);
  }
  return out;
}

/**
 * Compressed chains per Certificate message body: a server's chain is fixed, so it is compressed
 * once per algorithm rather than on every handshake (brotli at maximum quality costs milliseconds
 * for an ML-DSA chain, which would otherwise be measured as handshake time).
 */
const compressedCache = new WeakMap<object, Map<CertificateCompressionName, Uint8Array>>();

/**
 * The server's certificate message: the Certificate message itself, or a CompressedCertificate (25)
 * when the client offered an algorithm that is also in ours (first of ours wins: server preference).
 * `cacheKey` identifies the chain (the config's chain array) so compression happens once.
 */
export function serverCertificateMessage(
  certificate: HandshakeMessage,
  ours: readonly CertificateCompressionName[],
  offeredByClient: readonly CertificateCompressionName[] | undefined,
  cacheKey: object,
  abridged?: AbridgedScheme,
): { message: HandshakeMessage; info?: CertificateCompressionInfo } {
  const algorithm = offeredByClient && ours.find((a) => offeredByClient.includes(a));
  if (!algorithm) return { message: certificate };
  let perAlg = compressedCache.get(cacheKey);
  if (!perAlg) {
    perAlg = new Map();
    compressedCache.set(cacheKey, perAlg);
  }
  let body = perAlg.get(algorithm);
  if (!body) {
    body = encodeCompressedCertificate(algorithm, certificate.body, abridged);
    perAlg.set(algorithm, body);
  }
  const message = frameHandshake(HandshakeType.compressed_certificate, body);
  return {
    message,
    info: { algorithm, compressedBytes: message.raw.length, uncompressedBytes: certificate.raw.length },
  };
}

/**
 * The Certificate message body inside a received CompressedCertificate. Unsolicited (we offered
 * nothing) → unexpected_message; an algorithm we did not offer → illegal_parameter (RFC 8879 §4);
 * corrupt data, a wrong length or uncompressed_length over `maxUncompressed` → bad_certificate.
 */
export function receiveCompressedCertificate(
  msg: HandshakeMessage,
  offered: readonly CertificateCompressionName[],
  maxUncompressed = DEFAULT_MAX_UNCOMPRESSED,
  abridged?: AbridgedScheme,
): { certificateBody: Uint8Array; info: CertificateCompressionInfo } {
  if (offered.length === 0)
    throw new TlsAlert(
      AlertDescription.unexpected_message,
      "CompressedCertificate received, but we offered no certificate compression",
    );
  const { algorithm, certificateBody } = decodeCompressedCertificate(
    msg.body,
    offered,
    maxUncompressed,
    abridged,
  );
  return {
    certificateBody,
    info: { algorithm, compressedBytes: msg.raw.length, uncompressedBytes: certificateBody.length + 4 },
  };
}
