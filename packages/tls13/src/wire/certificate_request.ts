// CertificateRequest (RFC 8446 §4.3.2). We never authenticate with a client certificate; the client
// parses the request so it can answer with an empty Certificate, as the RFC allows. Unrecognised
// extensions are ignored (§4.3.2); a recognised one RFC 8446 §4.2 does not allow here is
// illegal_parameter (extension_rules.ts).

import { TlsAlert } from "../errors.js";
import { type Bytes, Reader } from "./bytes.js";
import { AlertDescription, ExtensionType } from "./codepoints.js";
import { checkExtension } from "./extension_rules.js";
import { decodeU16List, readExtensions } from "./extensions.js";

export interface CertificateRequest {
  requestContext: Bytes;
  /** signature_algorithms (codes), mandatory here. */
  signatureSchemes: number[];
}

export function parseCertificateRequest(body: Bytes): CertificateRequest {
  const r = new Reader(body, "CertificateRequest");
  const requestContext = r.vec8();
  const extensions = readExtensions(r, "CertificateRequest");
  r.expectEnd();
  let signatureSchemes: number[] | undefined;
  for (const e of extensions) {
    if (!checkExtension("CR", e.type)) continue;
    if (e.type === ExtensionType.signature_algorithms)
      signatureSchemes = decodeU16List(e.data, "signature_algorithms");
  }
  // signature_algorithms is mandatory here (RFC 8446 §4.3.2).
  if (!signatureSchemes)
    throw new TlsAlert(AlertDescription.missing_extension, "CertificateRequest: no signature_algorithms");
  return { requestContext, signatureSchemes };
}
