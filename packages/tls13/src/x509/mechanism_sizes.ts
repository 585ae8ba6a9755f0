// What a chain costs on the wire under each chain-size trimming mechanism: the server's certificate
// message (Certificate, or CompressedCertificate standing for one), 4-byte handshake header
// included, before record framing. Built with the same codecs the handshake uses, so the figures
// are the bytes a connection with that option sends.

import { serializeCertificate } from "../wire/certificate.js";
import { MATCHED_ENTRY_EXTENSION } from "../wire/trust_anchors.js";
import { type AbridgedScheme, buildAbridgedScheme } from "./abridge.js";
import type { Certificate } from "./certificate.js";
import { certificateCompressionAlgorithms, encodeCompressedCertificate } from "./compression.js";

export interface MechanismSize {
  /** The option value: none, zlib, brotli, zstd, suppress-ca, trust-anchor-ids, tai-elided, abridged. */
  mechanism: string;
  /** Bytes of the server's certificate message. */
  bytes: number;
  /** What the client needs for it to work. */
  needs: string;
}

function certificateMessage(chain: readonly Certificate[], taiMatched = false) {
  return serializeCertificate({
    requestContext: new Uint8Array(0),
    entries: chain.map((c, i) => ({
      certData: c.der,
      extensions: taiMatched && i === 0 ? [MATCHED_ENTRY_EXTENSION] : [],
    })),
  });
}

/**
 * Sizes for `chain` (as sent, leaf first). `root` completes the PKI for the abridged list
 * (the draft's list holds roots and intermediates); `abridged` overrides the scheme built from
 * this chain's CA certificates.
 */
export function certificateMessageSizes(
  chain: readonly Certificate[],
  o: { root?: Certificate; abridged?: AbridgedScheme } = {},
): MechanismSize[] {
  const plain = certificateMessage(chain);
  const out: MechanismSize[] = [{ mechanism: "none", bytes: plain.raw.length, needs: "nothing" }];
  const compressed = (alg: Parameters<typeof encodeCompressedCertificate>[0], scheme?: AbridgedScheme) =>
    4 + encodeCompressedCertificate(alg, plain.body, scheme).length;
  for (const alg of certificateCompressionAlgorithms().slice().reverse())
    out.push({ mechanism: alg, bytes: compressed(alg), needs: "the algorithm (RFC 8879)" });
  out.push({
    mechanism: "suppress-ca",
    bytes: certificateMessage(chain.slice(0, 1)).raw.length,
    needs: "every intermediate, cached or preloaded (draft-kampanakis-tls-scas)",
  });
  out.push({
    mechanism: "trust-anchor-ids",
    bytes: certificateMessage(chain, true).raw.length,
    needs: "the root's trust anchor ID (draft-ietf-tls-trust-anchor-ids)",
  });
  out.push({
    mechanism: "tai-elided",
    bytes: certificateMessage(chain.slice(0, 1), true).raw.length,
    needs: "the issuing intermediate as a trust anchor with an ID",
  });
  const cas = [...chain.slice(1), ...(o.root ? [o.root] : [])];
  const scheme = o.abridged ?? buildAbridgedScheme(cas, chain.slice(0, 1));
  out.push({
    mechanism: "abridged",
    bytes: compressed("abridged", scheme),
    needs: "the shared CA list and dictionary (draft-ietf-tls-cert-abridge; built from this PKI)",
  });
  return out;
}
