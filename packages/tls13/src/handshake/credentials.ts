// Certificates and keys from the caller's many forms (PEM text, DER, parsed objects) via the X.509
// module, and the chain checks (the client's of a server chain, the server's of a client chain) that
// turn the X.509 verdict into handshake state.

import type { CryptoProvider, PrivateKey } from "../crypto/provider.js";
import { TlsAlert } from "../errors.js";
import type { CertificatesInput } from "../options.js";
import { AlertDescription } from "../wire/codepoints.js";
import {
  type Certificate,
  checkPresentedCount,
  loadCertificates,
  loadPrivateKey,
  sharedCertificateCache,
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
  /** Certificates `completeWith` added after the presented ones. */
  added: number;
}

/**
 * Parses the received chain (malformed DER → bad_certificate; a chain seen before comes from the
 * parse cache) and validates it. With
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
    /** Where the CA certificates the server left out come from (draft-kampanakis-tls-scas). */
    completeWith?: { issuersFor(presented: readonly Certificate[]): Certificate[] };
  },
): ChainVerdict {
  // Counted before parsing: a hostile list of hundreds of certificates costs nothing to refuse.
  checkPresentedCount(ders.length);
  // Parsed once per distinct certificate (every rule and signature is still checked below).
  const chain = ders.map((d) => sharedCertificateCache.parse(d));
  const added = o.completeWith?.issuersFor(chain) ?? [];
  chain.push(...added);
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
    return { chain, authorized: true, added: added.length };
  } catch (e) {
    if (!(e instanceof TlsAlert)) throw e;
    if (o.rejectUnauthorized) throw e;
    return { chain, authorized: false, error: e, added: added.length };
  }
}

/**
 * The server's check of a client's chain: verified as a server's is (path to `trustAnchors`, dates,
 * algorithms), for the clientAuth purpose and without a name check. With rejectUnauthorized the
 * validation error is thrown; otherwise it is returned.
 */
export function checkClientChain(
  ders: Uint8Array[],
  o: {
    trustAnchors: Certificate[];
    provider: CryptoProvider;
    rejectUnauthorized: boolean;
    /** Where the CA certificates a client left out come from (draft-kampanakis-tls-scas, our CertificateRequest's flag). */
    completeWith?: { issuersFor(presented: readonly Certificate[]): Certificate[] };
  },
): ChainVerdict {
  checkPresentedCount(ders.length);
  // Parsed once per distinct certificate, as the server chain is (every rule is still checked).
  const chain = ders.map((d) => sharedCertificateCache.parse(d));
  const added = o.completeWith?.issuersFor(chain) ?? [];
  chain.push(...added);
  try {
    verifyChain(chain, { trustAnchors: o.trustAnchors, provider: o.provider, purpose: "client" });
    return { chain, authorized: true, added: added.length };
  } catch (e) {
    if (!(e instanceof TlsAlert)) throw e;
    if (o.rejectUnauthorized) throw e;
    return { chain, authorized: false, error: e, added: added.length };
  }
}
