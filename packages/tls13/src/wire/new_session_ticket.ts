// NewSessionTicket (RFC 8446 §4.6.1), with its one extension this stack speaks typed: early_data's
// max_early_data_size. Unrecognised extensions are ignored (§4.6.1); a recognised one that RFC 8446
// §4.2 does not allow here is illegal_parameter (extension_rules.ts).

import { type Bytes, Reader } from "./bytes.js";
import { ExtensionType, HandshakeType } from "./codepoints.js";
import { checkExtension } from "./extension_rules.js";
import { type Extension, extension, readExtensions, writeExtensions } from "./extensions.js";
import { buildHandshake, type HandshakeMessage } from "./handshake.js";
import { decodeMaxEarlyData, encodeMaxEarlyData } from "./psk.js";

export interface NewSessionTicket {
  lifetime: number;
  ageAdd: number;
  nonce: Bytes;
  ticket: Bytes;
  /** early_data's max_early_data_size; absent when the ticket allows no 0-RTT. */
  maxEarlyData?: number;
}

export function serializeNewSessionTicket(t: NewSessionTicket): HandshakeMessage {
  const extensions: Extension[] = [];
  if (t.maxEarlyData !== undefined)
    extensions.push(extension(ExtensionType.early_data, (w) => encodeMaxEarlyData(t.maxEarlyData!, w)));
  return buildHandshake(HandshakeType.new_session_ticket, (w) => {
    w.u32(t.lifetime).u32(t.ageAdd).vec8(t.nonce).vec16(t.ticket);
    writeExtensions(w, extensions);
  });
}

export function parseNewSessionTicket(body: Bytes): NewSessionTicket {
  const r = new Reader(body, "NewSessionTicket");
  const lifetime = r.u32();
  const ageAdd = r.u32();
  const nonce = r.vec8();
  const ticket = r.vec16(1);
  const extensions = readExtensions(r, "NewSessionTicket");
  r.expectEnd();
  const t: NewSessionTicket = { lifetime, ageAdd, nonce, ticket };
  for (const e of extensions) {
    if (!checkExtension("NST", e.type)) continue;
    if (e.type === ExtensionType.early_data) t.maxEarlyData = decodeMaxEarlyData(e.data);
  }
  return t;
}
