// The client's side of client authentication (RFC 8446 §4.4.2, §4.4.3): which of its certificate
// chains answers a CertificateRequest, and with which signature scheme. Go's getClientCertificate
// and rustls' ResolvesClientCert choose the same way: the first configured pair whose key can sign
// with a scheme the server listed and, when the server named certificate_authorities, whose chain
// hangs off one of them. No pair fits → an empty Certificate (the server decides what that means).

import type { CryptoProvider, PrivateKey } from "../crypto/provider.js";
import type { CertificateRequest } from "../wire/certificate_request.js";
import { SignatureScheme, type SignatureSchemeName } from "../wire/codepoints.js";
import { keyAllowsScheme } from "../x509/algorithms.js";
import { bytesEqual } from "../x509/der.js";
import type { Certificate } from "../x509/index.js";

/** One certificate chain (leaf first) and the private key of its leaf. */
export interface ClientCredential {
  chain: Certificate[];
  key: PrivateKey;
}

export interface ClientCredentialChoice {
  credential: ClientCredential;
  scheme: SignatureSchemeName;
}

/** `ours`: the schemes we may sign CertificateVerify with, preferred first. */
export function chooseClientCredential(
  credentials: readonly ClientCredential[],
  request: CertificateRequest,
  ours: readonly SignatureSchemeName[],
  provider: CryptoProvider,
): ClientCredentialChoice | undefined {
  for (const credential of credentials) {
    if (!issuedByListedAuthority(credential.chain, request.certificateAuthorities)) continue;
    const { key } = credential;
    const scheme = ours.find(
      (s) =>
        request.signatureSchemes.includes(SignatureScheme[s]) &&
        provider.signatures[s]?.keyAlgorithms.includes(key.algorithm) &&
        keyAllowsScheme(key.publicKey, s),
    );
    if (scheme) return { credential, scheme };
  }
  return undefined;
}

/** No list: any chain. Else some certificate of the chain is issued by (or is) a listed name. */
function issuedByListedAuthority(
  chain: readonly Certificate[],
  names: readonly Uint8Array[] | undefined,
): boolean {
  if (!names) return true;
  return chain.some((c) => names.some((n) => bytesEqual(n, c.issuerDer) || bytesEqual(n, c.subjectDer)));
}
