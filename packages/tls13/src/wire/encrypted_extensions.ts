// EncryptedExtensions (RFC 8446 §4.3.1).

import { type Bytes, Reader } from "./bytes.js";
import { HandshakeType } from "./codepoints.js";
import { type Extension, readExtensions, writeExtensions } from "./extensions.js";
import { buildHandshake, type HandshakeMessage } from "./handshake.js";

export function serializeEncryptedExtensions(extensions: readonly Extension[]): HandshakeMessage {
  return buildHandshake(HandshakeType.encrypted_extensions, (w) => writeExtensions(w, extensions));
}

export function parseEncryptedExtensions(body: Bytes): Extension[] {
  const r = new Reader(body, "EncryptedExtensions");
  const exts = readExtensions(r, "EncryptedExtensions");
  r.expectEnd();
  return exts;
}
