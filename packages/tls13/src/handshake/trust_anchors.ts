// Trust Anchor Identifiers (draft-ietf-tls-trust-anchor-ids) in the handshake: which of the
// server's candidate paths answers a ClientHello, what the server advertises for a retry, the
// client's checks on the Certificate's trust_anchors, and the client's retry choice (§4.5).
//
// Matching is by exact ID; trust anchor groups and ID patterns (§4.3.1, §5) are not implemented.
// A candidate path may end below a root when the client holds that intermediate as a trust anchor
// with an ID: that is how the draft elides intermediates the client already has.

import { TlsAlert } from "../errors.js";
import type { CertificatesInput } from "../options.js";
import { AlertDescription, ExtensionType } from "../wire/codepoints.js";
import type { Extension } from "../wire/extensions.js";
import { trustAnchorIdFromText } from "../wire/trust_anchors.js";
import type { Certificate } from "../x509/index.js";
import { loadCertificateList } from "./credentials.js";

/** A server's candidate path that participates: the ID of the CA that issued it, and the path. */
export interface TrustAnchorChain {
  id: string;
  chain: Certificate[];
}

/** Server option → candidates, in the server's preference order; IDs checked before any byte is sent. */
export function resolveTrustAnchorChains(
  option: ReadonlyArray<{ id: string; cert: CertificatesInput }> | undefined,
): TrustAnchorChain[] {
  return (option ?? []).map(({ id, cert }) => {
    trustAnchorIdFromText(id); // throws TypeError on a malformed ID
    const chain = loadCertificateList(cert);
    if (!chain.length) throw new TypeError(`trust anchor chain ${id} holds no certificate`);
    return { id, chain };
  });
}

/** Client option → the requested IDs, checked. */
export function resolveRequestedTrustAnchors(ids: readonly string[] | undefined): string[] | undefined {
  if (ids === undefined) return undefined;
  for (const id of ids) trustAnchorIdFromText(id);
  return [...new Set(ids)];
}

/**
 * The server's answer to a ClientHello's trust_anchors: the first candidate (server preference)
 * whose ID the client requested, if any, and the IDs to advertise in EncryptedExtensions (all
 * candidates, §4.5: MUST when the client sent trust_anchors and there is any).
 */
export function chooseTrustAnchorChain(
  candidates: readonly TrustAnchorChain[],
  requested: readonly string[] | undefined,
): { matched?: TrustAnchorChain; available?: string[] } {
  if (requested === undefined || candidates.length === 0) return {};
  return {
    matched: candidates.find((c) => requested.includes(c.id)),
    available: candidates.map((c) => c.id),
  };
}

/**
 * Client: whether the server's Certificate says its path matched our request. The extension must
 * be empty (decode_error) and only in the first entry (illegal_parameter); whether it may appear
 * at all (we asked) is the extension table's check.
 */
export function certificateMatchedTrustAnchor(entries: ReadonlyArray<{ extensions: Extension[] }>): boolean {
  entries.forEach((entry, i) => {
    const e = entry.extensions.find((x) => x.type === ExtensionType.trust_anchors);
    if (!e) return;
    if (i !== 0)
      throw new TlsAlert(
        AlertDescription.illegal_parameter,
        "trust_anchors in a CertificateEntry other than the first",
      );
    if (e.data.length !== 0)
      throw new TlsAlert(AlertDescription.decode_error, "trust_anchors in Certificate must be empty");
  });
  return entries[0]?.extensions.some((x) => x.type === ExtensionType.trust_anchors) === true;
}

/**
 * The retry of §4.5: after a failed connection or an untrusted certificate, the server's advertised
 * ID (its order first) that the client trusts; the caller connects again requesting only that one.
 * Undefined: nothing to retry with, return the error to the application.
 */
export function trustAnchorForRetry(
  available: readonly string[] | undefined,
  trusted: readonly string[],
): string | undefined {
  return available?.find((id) => trusted.includes(id));
}
