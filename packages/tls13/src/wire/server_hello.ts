// ServerHello and HelloRetryRequest (RFC 8446 §4.1.3, §4.1.4): one wire format, told apart by
// the special random value.

import { illegalParameter } from "../errors.js";
import { type Bytes, equalBytes, fromHex, Reader } from "./bytes.js";
import { HandshakeType } from "./codepoints.js";
import { type Extension, readExtensions, writeExtensions } from "./extensions.js";
import { buildHandshake, type HandshakeMessage } from "./handshake.js";

/** SHA-256("HelloRetryRequest"), the random of every HRR. */
export const HRR_RANDOM = fromHex("CF21AD74E59A6111BE1D8C021E65B891C2A211167ABB8C5E079E09E2C8A8339C");
/** Downgrade sentinels in the last 8 bytes of ServerHello.random (RFC 8446 §4.1.3). */
export const DOWNGRADE_TLS12 = fromHex("444F574E47524401");
export const DOWNGRADE_TLS11 = fromHex("444F574E47524400");

export interface ServerHello {
  legacyVersion: number;
  random: Bytes;
  legacySessionIdEcho: Bytes;
  cipherSuite: number;
  legacyCompressionMethod: number;
  extensions: Extension[];
}

export function isHelloRetryRequest(sh: ServerHello): boolean {
  return equalBytes(sh.random, HRR_RANDOM);
}

export function serializeServerHello(sh: ServerHello): HandshakeMessage {
  return buildHandshake(HandshakeType.server_hello, (w) => {
    w.u16(sh.legacyVersion).bytes(sh.random).vec8(sh.legacySessionIdEcho);
    w.u16(sh.cipherSuite).u8(sh.legacyCompressionMethod);
    writeExtensions(w, sh.extensions);
  });
}

export function parseServerHello(body: Bytes): ServerHello {
  const r = new Reader(body, "ServerHello");
  const legacyVersion = r.u16();
  const random = r.bytesN(32);
  const legacySessionIdEcho = r.vec8(0, 32);
  const cipherSuite = r.u16();
  const legacyCompressionMethod = r.u8();
  const extensions = r.atEnd() ? [] : readExtensions(r, "ServerHello");
  r.expectEnd();
  if (legacyCompressionMethod !== 0)
    throw illegalParameter("ServerHello: legacy_compression_method must be 0");
  return { legacyVersion, random, legacySessionIdEcho, cipherSuite, legacyCompressionMethod, extensions };
}
