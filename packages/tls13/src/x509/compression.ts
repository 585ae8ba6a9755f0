// RFC 8879 certificate compression: the compressed form of a Certificate message body and back,
// plus the bytes of the compress_certificate extension (27) and the CompressedCertificate message
// (25) body, so the handshake only decides when to send and accept them.

import * as zlib from "node:zlib";
import { TlsAlert } from "../errors.js";
import { Reader, Writer } from "../wire/bytes.js";
import {
  AlertDescription,
  CertificateCompressionAlgorithm,
  type CertificateCompressionName,
  nameOf,
} from "../wire/codepoints.js";

/** Largest uncompressed_length accepted by default: 2^24-1 is the wire limit; real chains are far smaller. */
export const DEFAULT_MAX_UNCOMPRESSED = 1 << 20;

type Zstd = {
  zstdCompressSync(data: Uint8Array): Buffer;
  zstdDecompressSync(data: Uint8Array, options?: { maxOutputLength?: number }): Buffer;
};

/** node:zlib gained zstd in Node 22.15 / 23.8; on older runtimes zstd is simply not offered. */
function zstd(): Zstd | undefined {
  const z = zlib as unknown as Partial<Zstd>;
  return typeof z.zstdCompressSync === "function" && typeof z.zstdDecompressSync === "function"
    ? (z as Zstd)
    : undefined;
}

/** The algorithms this runtime can do, in preference order (for the compress_certificate extension). */
export function certificateCompressionAlgorithms(): CertificateCompressionName[] {
  return zstd() ? ["zstd", "brotli", "zlib"] : ["brotli", "zlib"];
}

function u8(b: Buffer): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/**
 * Compresses a Certificate message body (what follows the 4-byte handshake header). The caller
 * sends CompressedCertificate { algorithm, uncompressed_length = body.length, compressed }.
 */
export function compressCertificateMessage(alg: CertificateCompressionName, body: Uint8Array): Uint8Array {
  switch (alg) {
    case "zlib":
      return u8(zlib.deflateSync(body, { level: 9 }));
    case "brotli":
      return u8(
        zlib.brotliCompressSync(body, {
          params: {
            [zlib.constants.BROTLI_PARAM_QUALITY]: zlib.constants.BROTLI_MAX_QUALITY,
            [zlib.constants.BROTLI_PARAM_SIZE_HINT]: body.length,
          },
        }),
      );
    case "zstd": {
      const z = zstd();
      if (!z)
        throw new Error(`zstd certificate compression needs Node >= 22.15 (this is ${process.version})`);
      return u8(z.zstdCompressSync(body));
    }
    default:
      throw new Error(`unknown certificate compression algorithm "${alg as string}"`);
  }
}

/**
 * Decompresses a received CompressedCertificate. Anything wrong — an algorithm we did not offer,
 * an announced length over the limit, corrupt data, or a result of another length than announced —
 * is bad_certificate (RFC 8879 §4). Output is capped at the announced length, so a compression bomb
 * costs at most `uncompressedLength` bytes.
 */
export function decompressCertificateMessage(
  alg: CertificateCompressionName,
  data: Uint8Array,
  uncompressedLength: number,
  maxUncompressed = DEFAULT_MAX_UNCOMPRESSED,
): Uint8Array {
  const fail = (reason: string, cause?: unknown) =>
    new TlsAlert(
      AlertDescription.bad_certificate,
      `CompressedCertificate (${alg}): ${reason}`,
      cause ? { cause } : undefined,
    );
  if (!Number.isInteger(uncompressedLength) || uncompressedLength <= 0)
    throw fail(`uncompressed_length ${uncompressedLength} is not positive`);
  if (uncompressedLength > maxUncompressed)
    throw fail(`uncompressed_length ${uncompressedLength} exceeds the limit of ${maxUncompressed}`);
  // One byte of headroom tells "exactly the announced length" apart from "more than announced".
  const limit = { maxOutputLength: uncompressedLength + 1 };
  let out: Buffer;
  try {
    if (alg === "zlib") out = zlib.inflateSync(data, limit);
    else if (alg === "brotli") out = zlib.brotliDecompressSync(data, limit);
    else if (alg === "zstd") {
      const z = zstd();
      if (!z) throw fail("zstd is not available in this runtime, so it was never offered");
      out = z.zstdDecompressSync(data, limit);
    } else throw fail("unknown algorithm");
  } catch (e) {
    if (e instanceof TlsAlert) throw e;
    const err = e as NodeJS.ErrnoException;
    if (err.code === "ERR_BUFFER_TOO_LARGE" || err instanceof RangeError)
      throw fail(`decompresses to more than the announced ${uncompressedLength} bytes`, e);
    throw fail(`corrupt data: ${err.message}`, e);
  }
  if (out.length > uncompressedLength)
    throw fail(`decompresses to more than the announced ${uncompressedLength} bytes`);
  if (out.length < uncompressedLength)
    throw fail(`decompressed to ${out.length} bytes, but uncompressed_length says ${uncompressedLength}`);
  return u8(out);
}

// ---- the RFC 8879 wire structures around the algorithms ----------------------------------------

// The compress_certificate extension's codec lives with the other extension codecs in wire/; it is
// re-exported here, beside the rest of RFC 8879.
export { encodeCompressCertificateExtension, parseCompressCertificateExtension } from "../wire/extensions.js";

/**
 * The CompressedCertificate (25) message body for a Certificate message body:
 * algorithm (uint16), uncompressed_length (uint24), compressed_certificate_message<1..2^24-1>.
 * The sender puts this on the wire (and in the transcript) instead of the Certificate message.
 */
export function encodeCompressedCertificate(
  alg: CertificateCompressionName,
  certificateBody: Uint8Array,
): Uint8Array {
  const compressed = compressCertificateMessage(alg, certificateBody);
  return new Writer(8 + compressed.length)
    .u16(CertificateCompressionAlgorithm[alg])
    .u24(certificateBody.length)
    .vec24(compressed)
    .finish()
    .slice();
}

/**
 * The Certificate message body inside a received CompressedCertificate body. Framing errors →
 * decode_error; an algorithm we did not offer → illegal_parameter (RFC 8879 §4: it MUST be one we
 * listed); anything wrong with the compressed data or its length → bad_certificate.
 */
export function decodeCompressedCertificate(
  body: Uint8Array,
  offered: readonly CertificateCompressionName[],
  maxUncompressed = DEFAULT_MAX_UNCOMPRESSED,
): { algorithm: CertificateCompressionName; certificateBody: Uint8Array } {
  const r = new Reader(body, "CompressedCertificate");
  const code = r.u16();
  const uncompressedLength = r.u24();
  const data = r.vec24(1);
  r.expectEnd();
  const algorithm = nameOf(CertificateCompressionAlgorithm, code);
  if (!algorithm || !offered.includes(algorithm))
    throw new TlsAlert(
      AlertDescription.illegal_parameter,
      `CompressedCertificate uses algorithm ${algorithm ?? code}, which we did not offer (${offered.join(", ") || "none"})`,
    );
  return {
    algorithm,
    certificateBody: decompressCertificateMessage(algorithm, data, uncompressedLength, maxUncompressed),
  };
}
