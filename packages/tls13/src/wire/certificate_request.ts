// CertificateRequest (RFC 8446 §4.3.2). We never authenticate with a client certificate; the client
// parses the request so it can answer with an empty Certificate, as the RFC allows.

import { TlsAlert } from "../errors.js";
import { type Bytes, Reader } from "./bytes.js";
import { AlertDescription, ExtensionType } from "./codepoints.js";
import { type Extension, findExtension, readExtensions } from "./extensions.js";

export interface CertificateRequest {
  requestContext: Bytes;
  extensions: Extension[];
}

export function parseCertificateRequest(body: Bytes): CertificateRequest {
  const r = new Reader(body, "CertificateRequest");
  const requestContext = r.vec8();
  const extensions = readExtensions(r, "CertificateRequest");
  r.expectEnd();
  // signature_algorithms is mandatory here (RFC 8446 §4.3.2).
  if (!findExtension(extensions, ExtensionType.signature_algorithms))
    throw new TlsAlert(AlertDescription.missing_extension, "CertificateRequest: no signature_algorithms");
  return { requestContext, extensions };
}
