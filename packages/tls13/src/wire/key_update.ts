// KeyUpdate (RFC 8446 §4.6.3): one byte, update_not_requested(0) or update_requested(1).

import { illegalParameter } from "../errors.js";
import { type Bytes, Reader } from "./bytes.js";
import { HandshakeType } from "./codepoints.js";
import { frameHandshake, type HandshakeMessage } from "./handshake.js";

export function serializeKeyUpdate(requestPeer: boolean): HandshakeMessage {
  return frameHandshake(HandshakeType.key_update, Uint8Array.of(requestPeer ? 1 : 0));
}

/** Returns whether the peer requested an update in return. */
export function parseKeyUpdate(body: Bytes): boolean {
  const r = new Reader(body, "KeyUpdate");
  const v = r.u8();
  r.expectEnd();
  if (v > 1) throw illegalParameter(`KeyUpdate: request_update ${v}`);
  return v === 1;
}
