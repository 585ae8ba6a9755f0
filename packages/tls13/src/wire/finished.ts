// Finished (RFC 8446 §4.4.4): the body is verify_data, exactly Hash.length bytes.

import { decodeError } from "../errors.js";
import type { Bytes } from "./bytes.js";
import { HandshakeType } from "./codepoints.js";
import { frameHandshake, type HandshakeMessage } from "./handshake.js";

export function serializeFinished(verifyData: Bytes): HandshakeMessage {
  return frameHandshake(HandshakeType.finished, verifyData);
}

export function parseFinished(body: Bytes, hashLength: number): Bytes {
  if (body.length !== hashLength) throw decodeError(`Finished: ${body.length} bytes, expected ${hashLength}`);
  return body;
}
