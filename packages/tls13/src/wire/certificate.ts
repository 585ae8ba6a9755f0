// Certificate (RFC 8446 §4.4.2): a request context and a list of (cert_data, extensions) entries.

import { type Bytes, Reader } from "./bytes.js";
import { HandshakeType } from "./codepoints.js";
import { checkExtension } from "./extension_rules.js";
import { type Extension, readExtensions, writeExtensions } from "./extensions.js";
import { buildHandshake, type HandshakeMessage } from "./handshake.js";

export interface CertificateEntry {
  certData: Bytes;
  extensions: Extension[];
}

export interface CertificateMessage {
  requestContext: Bytes;
  entries: CertificateEntry[];
}

export function serializeCertificate(msg: CertificateMessage): HandshakeMessage {
  const size = msg.entries.reduce((n, e) => n + e.certData.length + 8, 16);
  return buildHandshake(
    HandshakeType.certificate,
    (w) => {
      w.vec8(msg.requestContext).begin(3);
      for (const e of msg.entries) {
        w.vec24(e.certData);
        writeExtensions(w, e.extensions);
      }
      w.end();
    },
    size,
  );
}

export function parseCertificate(body: Bytes): CertificateMessage {
  const r = new Reader(body, "Certificate");
  const requestContext = r.vec8();
  const list = r.sub24(0, 0xffffff, "Certificate certificate_list");
  r.expectEnd();
  const entries: CertificateEntry[] = [];
  while (!list.atEnd()) {
    const certData = list.vec24(1);
    const extensions = readExtensions(list, "CertificateEntry");
    entries.push({ certData, extensions });
  }
  return { requestContext, entries };
}

/**
 * Checks the extensions of a peer's certificate entries against RFC 8446 §4.2 (extension_rules.ts):
 * they answer our ClientHello, and this stack offers none of the ones allowed there (status_request,
 * signed_certificate_timestamp), so any extension ends the handshake with the table's alert.
 */
export function checkCertificateEntryExtensions(msg: CertificateMessage, offered: ReadonlySet<number>): void {
  for (const entry of msg.entries) for (const e of entry.extensions) checkExtension("CT", e.type, offered);
}
