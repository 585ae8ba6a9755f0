// CertificateRequest (RFC 8446 §4.3.2): the server asks for a client certificate. The server sends
// signature_algorithms (mandatory) and, optionally, certificate_authorities (§4.2.4: the
// DistinguishedNames of the trust anchors it accepts, as a hint for the client's choice) and
// tls_flags (draft-ietf-tls-tlsflags; draft-kampanakis-tls-scas: suppress_ca_certificates asks the
// client for its end-entity certificate alone, the server holding the intermediates).
// Unrecognised extensions are ignored (§4.3.2); a recognised one RFC 8446 §4.2 does not allow here
// is illegal_parameter (extension_rules.ts).

import { TlsAlert } from "../errors.js";
import { type Bytes, Reader } from "./bytes.js";
import { AlertDescription, ExtensionType, HandshakeType } from "./codepoints.js";
import { checkExtension } from "./extension_rules.js";
import {
  decodeU16List,
  type Extension,
  encodeU16List,
  extension,
  readExtensions,
  writeExtensions,
} from "./extensions.js";
import { buildHandshake, type HandshakeMessage } from "./handshake.js";
import { decodeTlsFlags, encodeTlsFlags } from "./tls_flags.js";

export interface CertificateRequest {
  requestContext: Bytes;
  /** signature_algorithms (codes), mandatory here. */
  signatureSchemes: number[];
  /** certificate_authorities: DER DistinguishedNames; absent when the server sent none. */
  certificateAuthorities?: Bytes[];
  /** tls_flags: the flag numbers set (unknown ones kept, and ignored); absent when not sent. */
  tlsFlags?: number[];
  /** The extension types present: what the client's CertificateEntry extensions may answer. */
  extensionTypes: Set<number>;
}

export function serializeCertificateRequest(
  req: Omit<CertificateRequest, "extensionTypes">,
): HandshakeMessage {
  const exts: Extension[] = [
    extension(ExtensionType.signature_algorithms, (w) => encodeU16List(req.signatureSchemes, w)),
  ];
  const cas = req.certificateAuthorities;
  if (cas?.length)
    exts.push(
      extension(ExtensionType.certificate_authorities, (w) => {
        w.begin(2);
        for (const dn of cas) w.vec16(dn);
        w.end();
      }),
    );
  if (req.tlsFlags?.length) exts.push({ type: ExtensionType.tls_flags, data: encodeTlsFlags(req.tlsFlags) });
  return buildHandshake(HandshakeType.certificate_request, (w) => {
    w.vec8(req.requestContext);
    writeExtensions(w, exts);
  });
}

/** `DistinguishedName authorities<3..2^16-1>`, each `opaque DistinguishedName<1..2^16-1>`. */
function decodeCertificateAuthorities(data: Bytes): Bytes[] {
  const r = new Reader(data, "certificate_authorities");
  const list = r.sub16(3, 0xffff, "certificate_authorities");
  r.expectEnd();
  const out: Bytes[] = [];
  while (!list.atEnd()) out.push(list.vec16(1));
  return out;
}

export function parseCertificateRequest(body: Bytes): CertificateRequest {
  const r = new Reader(body, "CertificateRequest");
  const requestContext = r.vec8();
  const extensions = readExtensions(r, "CertificateRequest");
  r.expectEnd();
  let signatureSchemes: number[] | undefined;
  let certificateAuthorities: Bytes[] | undefined;
  let tlsFlags: number[] | undefined;
  const extensionTypes = new Set<number>();
  for (const e of extensions) {
    if (!checkExtension("CR", e.type)) continue;
    extensionTypes.add(e.type);
    if (e.type === ExtensionType.signature_algorithms)
      signatureSchemes = decodeU16List(e.data, "signature_algorithms");
    else if (e.type === ExtensionType.certificate_authorities)
      certificateAuthorities = decodeCertificateAuthorities(e.data);
    else if (e.type === ExtensionType.tls_flags) tlsFlags = [...decodeTlsFlags(e.data)];
  }
  // signature_algorithms is mandatory here (RFC 8446 §4.3.2).
  if (!signatureSchemes)
    throw new TlsAlert(AlertDescription.missing_extension, "CertificateRequest: no signature_algorithms");
  return {
    requestContext,
    signatureSchemes,
    certificateAuthorities,
    ...(tlsFlags ? { tlsFlags } : {}),
    extensionTypes,
  };
}
