// Handshake message framing (RFC 8446 §4): msg_type(1) ‖ length(3) ‖ body.
// Every message keeps its framed bytes (`raw`) because the transcript hashes exactly what was sent.

import { type Bytes, Writer } from "./bytes.js";
import { HandshakeType, nameOf } from "./codepoints.js";

export interface HandshakeMessage {
  type: number;
  body: Bytes;
  /** header ‖ body, as on the wire. */
  raw: Bytes;
}

export function frameHandshake(type: number, body: Bytes): HandshakeMessage {
  const w = new Writer(body.length + 4);
  w.u8(type).u24(body.length).bytes(body);
  const raw = w.finish();
  return { type, body: raw.subarray(4), raw };
}

/** Builds a message body with a Writer and frames it. */
export function buildHandshake(type: number, write: (w: Writer) => void, sizeHint = 256): HandshakeMessage {
  const w = new Writer(sizeHint);
  w.u8(type).begin(3);
  write(w);
  w.end();
  const raw = w.finish();
  return { type, body: raw.subarray(4), raw };
}

export function handshakeName(type: number): string {
  return (nameOf(HandshakeType, type) as string | undefined) ?? `handshake_${type}`;
}
