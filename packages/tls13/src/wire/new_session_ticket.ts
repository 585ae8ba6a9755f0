// NewSessionTicket (RFC 8446 §4.6.1). Parsed and kept; resumption is a later feature.

import { type Bytes, Reader } from "./bytes.js";
import { HandshakeType } from "./codepoints.js";
import { type Extension, readExtensions, writeExtensions } from "./extensions.js";
import { buildHandshake, type HandshakeMessage } from "./handshake.js";

export interface NewSessionTicket {
  lifetime: number;
  ageAdd: number;
  nonce: Bytes;
  ticket: Bytes;
  extensions: Extension[];
}

export function serializeNewSessionTicket(t: NewSessionTicket): HandshakeMessage {
  return buildHandshake(HandshakeType.new_session_ticket, (w) => {
    w.u32(t.lifetime).u32(t.ageAdd).vec8(t.nonce).vec16(t.ticket);
    writeExtensions(w, t.extensions);
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
  return { lifetime, ageAdd, nonce, ticket, extensions };
}
