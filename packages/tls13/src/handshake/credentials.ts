// Certificates and keys from the caller's many forms (PEM text, DER, parsed objects) via the X.509
// module, and the client's chain check that turns the X.509 verdict into handshake state.

import type { CryptoProvider, PrivateKey } from "../crypto/provider.js";
import { TlsAlert } from "../errors.js";
import type { CertificatesInput } from "../options.js";
import { AlertDescription } from "../wire/codepoints.js";
import {
  type Certificate,
  checkPresentedCount,
  loadCertificates,
  loadPrivateKey,
  parseCertificate,
  verifyChain,
} from "../x509/index.js";

function isCertificate(v: unknown): v is Certificate {
  return typeof v === "object" && v !== null && "der" in v && "publicKey" in v;
}

export function loadCertificateList(input: CertificatesInput): Certificate[] {
  const items = Array.isArray(input) ? input : [input];
  const out: Certificate[] = [];
  for (const item of items as Array<string | Uint8Array | Certificate>) {
    if (isCertificate(item)) out.push(item);
    else out.push(...loadCertificates(item));
  }
  return out;
}

export function loadKey(input: string | Uint8Array | PrivateKey): PrivateKey {
  if (typeof input === "object" && !(input instanceof Uint8Array)) return input;
  return loadPrivateKey(input);
}

export interface ChainVerdict {
  chain: Certificate[];
  authorized: boolean;
  error?: TlsAlert;
}

/**
 * Parses the received chain (malformed DER → bad_certificate) and validates it. With
 * rejectUnauthorized the validation error is thrown; otherwise it is returned.
 */
export function checkServerChain(
  ders: Uint8Array[],
  o: {
    trustAnchors: Certificate[];
    hostname: string;
    provider: CryptoProvider;
    rejectUnauthorized: boolean;
    /** Replaces the built-in name check (node:tls's option of the same name). */
    checkServerIdentity?: (hostname: string, cert: Certificate) => Error | undefined;
  },
): ChainVerdict {
  // Counted before parsing: a hostile list of hundreds of certificates costs nothing to refuse.
  checkPresentedCount(ders.length);
  const chain = ders.map((d) => parseCertificate(d));
  try {
    const custom = o.checkServerIdentity;
    verifyChain(chain, {
      trustAnchors: o.trustAnchors,
      ...(custom ? {} : { hostname: o.hostname }),
      provider: o.provider,
    });
    const refused = custom?.(o.hostname, chain[0]);
    if (refused instanceof Error)
      throw new TlsAlert(AlertDescription.bad_certificate, `checkServerIdentity: ${refused.message}`, {
        cause: refused,
        // node:tls reports the returned error's own code (ERR_TLS_CERT_ALTNAME_INVALID from its default).
        code:
          (refused as { code?: unknown }).code === undefined
            ? undefined
            : String((refused as { code?: unknown }).code),
      });
    return { chain, authorized: true };
  } catch (e) {
    if (!(e instanceof TlsAlert)) throw e;
    if (o.rejectUnauthorized) throw e;
    return { chain, authorized: false, error: e };
  }
}
