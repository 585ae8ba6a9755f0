// ClientHello (RFC 8446 §4.1.2).

import { type Bytes, Reader } from "./bytes.js";
import { HandshakeType, ProtocolVersion } from "./codepoints.js";
import { type Extension, readExtensions, writeExtensions } from "./extensions.js";
import { buildHandshake, type HandshakeMessage } from "./handshake.js";

export interface ClientHello {
  legacyVersion: number;
  random: Bytes;
  legacySessionId: Bytes;
  cipherSuites: number[];
  legacyCompressionMethods: Bytes;
  extensions: Extension[];
}

export function serializeClientHello(ch: ClientHello): HandshakeMessage {
  return buildHandshake(
    HandshakeType.client_hello,
    (w) => {
      w.u16(ch.legacyVersion).bytes(ch.random).vec8(ch.legacySessionId);
      w.begin(2);
      for (const s of ch.cipherSuites) w.u16(s);
      w.end();
      w.vec8(ch.legacyCompressionMethods);
      writeExtensions(w, ch.extensions);
    },
    512 + ch.extensions.reduce((n, e) => n + e.data.length + 4, 0),
  );
}

export function parseClientHello(body: Bytes): ClientHello {
  const r = new Reader(body, "ClientHello");
  const legacyVersion = r.u16();
  const random = r.bytesN(32);
  const legacySessionId = r.vec8(0, 32);
  const cipherSuites = r.u16List(16, 2, 0xfffe);
  const legacyCompressionMethods = r.vec8(1);
  // A ClientHello without extensions is a pre-1.3 hello: let negotiation reject it as protocol_version.
  const extensions = r.atEnd() ? [] : readExtensions(r, "ClientHello");
  r.expectEnd();
  return { legacyVersion, random, legacySessionId, cipherSuites, legacyCompressionMethods, extensions };
}

export const TLS12_LEGACY_VERSION = ProtocolVersion.TLS12;
