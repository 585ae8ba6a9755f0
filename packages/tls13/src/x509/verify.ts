// Certificate path validation for TLS: build a path from the leaf to a trust anchor through the
// presented certificates, then check every link. Alerts follow rustls' mapping: malformed or
// not-valid-for-this-use → bad_certificate, no path to an anchor → unknown_ca, outside the validity
// window → certificate_expired, an algorithm we cannot verify → unsupported_certificate, a
// signature that does not verify → decrypt_error.

import type { CryptoProvider } from "../crypto/provider.js";
import { TlsAlert } from "../errors.js";
import { AlertDescription } from "../wire/codepoints.js";
import { keyAllowsScheme, schemeForIssuerKey } from "./algorithms.js";
import { type Certificate, EKU } from "./certificate.js";
import { bytesEqual } from "./der.js";
import { formatIp, parseIp } from "./ip.js";
import { nameConstraintViolation } from "./name-constraints.js";
import { SignatureCache, sharedSignatureCache } from "./signature-cache.js";

export interface VerifyChainOptions {
  trustAnchors: Certificate[];
  /** DNS name or IP literal the leaf must be valid for; omit to skip the name check. */
  hostname?: string;
  /** Injectable clock; default now. */
  now?: Date;
  provider: CryptoProvider;
  /** Which extendedKeyUsage the leaf must allow (when it has the extension); default "server". */
  purpose?: "server" | "client";
  /** Longest path accepted, anchor included; default 8. */
  maxDepth?: number;
  /** Most certificates the peer may present; default MAX_PRESENTED_CERTIFICATES. */
  maxPresented?: number;
  /** Most signature checks while building the path; default MAX_SIGNATURE_CHECKS. */
  maxSignatureChecks?: number;
  /** Remember verified signatures here; default the process-wide one (off unless setSignatureCache). */
  signatureCache?: SignatureCache;
}

/** The validated path: leaf first, ending with the trust anchor that vouched for it. */
export type CertificatePath = Certificate[];

/**
 * Certificates a peer may present. A path is at most 8 long (maxDepth: webpki allows 6
 * intermediates), and servers add the root or a cross-signed twin now and then; 10 leaves room for
 * that, as Go and several stacks do, while a hostile list of hundreds of look-alike issuers is
 * refused before anything is parsed or verified.
 */
export const MAX_PRESENTED_CERTIFICATES = 10;

/**
 * Signature checks per verification, as webpki budgets them (100): every candidate issuer tried
 * costs one, whatever its outcome, so the CPU one chain can cost is bounded even with many
 * same-named issuers among the presented certificates and the trust anchors.
 */
export const MAX_SIGNATURE_CHECKS = 100;

const alert = (code: AlertDescription, reason: string) => new TlsAlert(code, reason);
const bad = (reason: string) => alert(AlertDescription.bad_certificate, reason);

/** Refuses a presented list longer than `max` (callers run it before parsing the certificates). */
export function checkPresentedCount(count: number, max = MAX_PRESENTED_CERTIFICATES): void {
  if (count > max) throw bad(`the peer presented ${count} certificates; at most ${max} are accepted`);
}

/**
 * Validates `chain` (leaf first, as received) against the trust anchors. Throws TlsAlert with the
 * alert to send and a readable reason; returns the path it validated.
 */
export function verifyChain(chain: Certificate[], o: VerifyChainOptions): CertificatePath {
  if (chain.length === 0) throw bad("empty certificate chain");
  checkPresentedCount(chain.length, o.maxPresented);
  const now = o.now ?? new Date();
  const maxDepth = o.maxDepth ?? 8;
  const leaf = chain[0];

  // Checks on the presented certificates that do not depend on the path.
  for (const [i, cert] of chain.entries()) {
    if (cert.unhandledCriticalExtensions.length)
      throw bad(
        `${label(cert, i)} has unhandled critical extension ${cert.unhandledCriticalExtensions.join(", ")}`,
      );
  }
  checkLeafUse(leaf, o.purpose ?? "server");
  // A CA certificate is no end-entity (webpki: CaUsedAsEndEntity), except a pinned one: the exact
  // bytes configured as a trust anchor, as `openssl req -x509` makes them with cA=TRUE.
  if (leaf.isCA && !o.trustAnchors.some((a) => bytesEqual(a.der, leaf.der)))
    throw bad(`leaf "${leaf.subject}" is a CA certificate (basicConstraints cA=TRUE), not an end-entity one`);
  if (o.hostname !== undefined) checkHostname(leaf, o.hostname);

  const path = buildPath(chain, o, maxDepth);

  // Validity of the leaf, always (a pinned certificate that is itself the anchor included, as
  // node:tls checks it), and of every intermediate. An anchor above the leaf is trusted as
  // configured, as in webpki: its own dates are the operator's business.
  for (const [i, cert] of path.slice(0, Math.max(1, path.length - 1)).entries()) {
    if (now < cert.notBefore)
      throw alert(
        AlertDescription.certificate_expired,
        `certificate is not yet valid: ${label(cert, i)} is not valid before ${cert.notBefore.toISOString()} (now ${now.toISOString()})`,
      );
    if (now > cert.notAfter)
      throw alert(
        AlertDescription.certificate_expired,
        `certificate has expired: ${label(cert, i)} expired at ${cert.notAfter.toISOString()} (now ${now.toISOString()})`,
      );
  }

  // CA constraints on every issuer (intermediates and the anchor), pathLen counting the
  // non-self-issued intermediates below each (RFC 5280 §4.2.1.9).
  for (let i = 1; i < path.length; i++) {
    const ca = path[i];
    const isAnchor = i === path.length - 1;
    // An anchor is configured, not presented, so the early loop above did not see it.
    if (ca.unhandledCriticalExtensions.length)
      throw bad(
        `${label(ca, i)} has unhandled critical extension ${ca.unhandledCriticalExtensions.join(", ")}`,
      );
    if (!ca.isCA && !(isAnchor && ca.version === 1))
      throw bad(
        `${label(ca, i)} issued "${path[i - 1].subject}" but is not a CA (basicConstraints cA is not set)`,
      );
    // extKeyUsage on an intermediate limits what it may issue for (OpenSSL and webpki read it so;
    // RFC 5280 leaves it open). Anchors are trusted as configured, as webpki does.
    if (!isAnchor && ca.extKeyUsage) {
      const need = (o.purpose ?? "server") === "server" ? EKU.serverAuth : EKU.clientAuth;
      if (!ca.extKeyUsage.includes(need) && !ca.extKeyUsage.includes(EKU.any))
        throw bad(`${label(ca, i)} extKeyUsage does not allow ${o.purpose ?? "server"}Auth`);
    }
    if (ca.keyUsage && !ca.keyUsage.includes("keyCertSign"))
      throw bad(`${label(ca, i)} is a CA whose keyUsage lacks keyCertSign`);
    if (ca.pathLen !== undefined) {
      const below = path.slice(1, i).filter((c) => !c.selfIssued).length;
      if (below > ca.pathLen)
        throw bad(`${label(ca, i)} allows ${ca.pathLen} intermediate(s) below it (pathLen) but has ${below}`);
    }
    if (ca.nameConstraints) checkNameConstraints(path, i);
  }
  return path;
}

/**
 * The names of every certificate below path[i] against its nameConstraints: the leaf always,
 * intermediates unless self-issued (RFC 5280 §4.2.1.10). Constraints on name forms we do not
 * evaluate make a critical extension unusable, as an unknown critical extension would be.
 */
function checkNameConstraints(path: CertificatePath, i: number): void {
  const ca = path[i];
  const nc = ca.nameConstraints!;
  if (nc.critical && nc.unevaluated.length)
    throw bad(
      `${label(ca, i)} has critical name constraints on ${nc.unevaluated.join(", ")} names, which pqtls does not evaluate`,
    );
  for (let j = 0; j < i; j++) {
    const cert = path[j];
    if (j > 0 && cert.selfIssued) continue;
    const ips = cert.ipAddresses.map((ip) => parseIp(ip)!);
    const why = nameConstraintViolation(nc, cert.dnsNames, ips);
    if (why) throw bad(`${label(cert, j)} violates the name constraints of ${label(ca, i)}: ${why}`);
  }
}

function label(cert: Certificate, index: number): string {
  return `${index === 0 ? "leaf" : `certificate ${index}`} "${cert.subject}"`;
}

/** The leaf must be usable to sign a TLS handshake (keyUsage) for this role (extKeyUsage). */
function checkLeafUse(leaf: Certificate, purpose: "server" | "client"): void {
  if (leaf.keyUsage && !leaf.keyUsage.includes("digitalSignature"))
    throw bad(`leaf "${leaf.subject}" keyUsage lacks digitalSignature`);
  if (leaf.extKeyUsage) {
    const need = purpose === "server" ? EKU.serverAuth : EKU.clientAuth;
    if (!leaf.extKeyUsage.includes(need) && !leaf.extKeyUsage.includes(EKU.any))
      throw bad(`leaf "${leaf.subject}" extKeyUsage does not allow ${purpose}Auth`);
  }
}

/**
 * From the leaf upward: each step finds the issuer among the trust anchors first, then among the
 * unused presented certificates. Candidates must match by name and, where both sides carry key
 * identifiers, by key id; the first candidate whose key verifies the signature wins.
 */
function buildPath(chain: Certificate[], o: VerifyChainOptions, maxDepth: number): CertificatePath {
  const path: Certificate[] = [chain[0]];
  const maxChecks = o.maxSignatureChecks ?? MAX_SIGNATURE_CHECKS;
  let checks = 0;
  const used = new Set<Certificate>([chain[0]]);
  for (;;) {
    const cert = path[path.length - 1];
    const depth = path.length - 1;
    // A presented certificate that is byte for byte a trust anchor ends the path. Name and key
    // alone are not enough: a look-alike with the anchor's name and key but its own SANs, dates
    // and a forged signature would otherwise be trusted as presented.
    const asAnchor = o.trustAnchors.find((a) => bytesEqual(a.der, cert.der));
    if (asAnchor) {
      path[path.length - 1] = asAnchor;
      return path;
    }
    if (path.length >= maxDepth)
      throw alert(AlertDescription.unknown_ca, `no trust anchor within ${maxDepth} certificates`);

    // A root the peer sent that is not ours: unknown_ca, not a signature failure against an anchor
    // that happens to share its name.
    if (selfSigned(cert))
      throw alert(
        AlertDescription.unknown_ca,
        `${label(cert, depth)} is a self-issued root that is not a trust anchor`,
      );
    const anchorCandidates = o.trustAnchors.filter((a) => issuedBy(cert, a));
    const chainCandidates = chain.filter((c) => !used.has(c) && issuedBy(cert, c));
    const candidates = [...anchorCandidates, ...chainCandidates];
    if (candidates.length === 0) {
      if (cert.selfIssued)
        throw alert(
          AlertDescription.unknown_ca,
          `${label(cert, depth)} is self-issued and not a trust anchor`,
        );
      throw alert(
        AlertDescription.unknown_ca,
        `issuer "${cert.issuer}" of ${label(cert, depth)} is neither a trust anchor nor in the chain`,
      );
    }
    let lastError: TlsAlert | undefined;
    let next: Certificate | undefined;
    for (const issuer of candidates) {
      if (++checks > maxChecks)
        throw alert(
          AlertDescription.unknown_ca,
          `no path to a trust anchor within ${maxChecks} signature checks (${label(cert, depth)} has ${candidates.length} candidate issuers)`,
        );
      try {
        checkSignature(cert, issuer, o.provider, depth, o.signatureCache ?? sharedSignatureCache());
        next = issuer;
        break;
      } catch (e) {
        lastError = e as TlsAlert;
      }
    }
    if (!next) throw lastError!;
    if (anchorCandidates.includes(next)) {
      path.push(next);
      return path;
    }
    used.add(next);
    path.push(next);
  }
}

/** Self-issued and naming its own key as the authority key (or naming none): a root. */
function selfSigned(cert: Certificate): boolean {
  if (!cert.selfIssued) return false;
  return !cert.authorityKeyId || !cert.subjectKeyId || bytesEqual(cert.authorityKeyId, cert.subjectKeyId);
}

function issuedBy(cert: Certificate, issuer: Certificate): boolean {
  if (!bytesEqual(cert.issuerDer, issuer.subjectDer)) return false;
  if (cert.authorityKeyId && issuer.subjectKeyId) return bytesEqual(cert.authorityKeyId, issuer.subjectKeyId);
  return true;
}

function checkSignature(
  cert: Certificate,
  issuer: Certificate,
  provider: CryptoProvider,
  depth: number,
  cache: SignatureCache | undefined,
): void {
  const scheme = schemeForIssuerKey(cert.signatureScheme, issuer.publicKey.algorithm);
  const algorithm = provider.signatures[scheme];
  if (!algorithm)
    throw alert(
      AlertDescription.unsupported_certificate,
      `${label(cert, depth)} is signed with ${scheme}, which provider "${provider.name}" does not verify`,
    );
  if (!algorithm.keyAlgorithms.includes(issuer.publicKey.algorithm))
    throw alert(
      AlertDescription.unsupported_certificate,
      `${label(cert, depth)} is signed with ${scheme} but its issuer "${issuer.subject}" has a ${issuer.publicKey.algorithm} key`,
    );
  if (!keyAllowsScheme(issuer.publicKey, scheme))
    throw bad(
      `${label(cert, depth)} is signed with ${scheme} but the key of "${issuer.subject}" is restricted to RSASSA-PSS with ${issuer.publicKey.pssHash} (its SPKI parameters)`,
    );
  const key = cache && SignatureCache.key(scheme, issuer.publicKey.spki, cert.tbs, cert.signature);
  if (key && cache.has(key)) return;
  if (!algorithm.verify(issuer.publicKey, cert.tbs, cert.signature))
    throw alert(
      AlertDescription.decrypt_error,
      `${scheme} signature on ${label(cert, depth)} does not verify with the key of "${issuer.subject}"`,
    );
  if (key) cache.add(key);
}

/**
 * RFC 6125 / RFC 9525: IP literals match iPAddress SANs only; DNS names match dNSName SANs
 * case-insensitively, with a wildcard only as the whole leftmost label matching exactly one label.
 * The subject CN is not consulted (CA/B Forum and RFC 9525 §6.3 dropped it).
 */
export function checkHostname(leaf: Certificate, hostname: string): void {
  const ip = parseIp(hostname);
  if (ip) {
    const want = formatIp(ip);
    if (!leaf.ipAddresses.includes(want))
      throw bad(
        `leaf "${leaf.subject}" is not valid for IP ${want} (iPAddress SANs: ${leaf.ipAddresses.join(", ") || "none"})`,
      );
    return;
  }
  const host = hostname.toLowerCase().replace(/\.$/, "");
  if (!leaf.dnsNames.some((pattern) => dnsNameMatches(pattern, host)))
    throw bad(
      `leaf "${leaf.subject}" is not valid for ${hostname} (DNS SANs: ${leaf.dnsNames.join(", ") || "none"})`,
    );
}

export function dnsNameMatches(pattern: string, host: string): boolean {
  const p = pattern.toLowerCase().replace(/\.$/, "");
  if (!p.startsWith("*.")) return p === host;
  const suffix = p.slice(1); // ".example.com"
  // The wildcard must stand for one whole, non-empty label, and not sit right above a public
  // suffix-like single label ("*.com" is refused: it needs at least two labels after it).
  if (suffix.split(".").filter(Boolean).length < 2) return false;
  if (!host.endsWith(suffix)) return false;
  const label = host.slice(0, host.length - suffix.length);
  return label.length > 0 && !label.includes(".");
}
