// CertificateVerify (RFC 8446 §4.4.3): the message and the signed content it covers.

import { type Bytes, Reader } from "./bytes.js";
import { HandshakeType } from "./codepoints.js";
import { buildHandshake, type HandshakeMessage } from "./handshake.js";

export interface CertificateVerify {
  algorithm: number;
  signature: Bytes;
}

export function serializeCertificateVerify(cv: CertificateVerify): HandshakeMessage {
  return buildHandshake(
    HandshakeType.certificate_verify,
    (w) => w.u16(cv.algorithm).vec16(cv.signature),
    cv.signature.length + 8,
  );
}

export function parseCertificateVerify(body: Bytes): CertificateVerify {
  const r = new Reader(body, "CertificateVerify");
  const algorithm = r.u16();
  const signature = r.vec16(1);
  r.expectEnd();
  return { algorithm, signature };
}

const SERVER_CONTEXT = new TextEncoder().encode("TLS 1.3, server CertificateVerify");
const CLIENT_CONTEXT = new TextEncoder().encode("TLS 1.3, client CertificateVerify");

/** 64 spaces ‖ context string ‖ 0 ‖ transcript hash: the bytes the signature covers. */
export function certificateVerifyInput(role: "server" | "client", transcriptHash: Bytes): Bytes {
  const context = role === "server" ? SERVER_CONTEXT : CLIENT_CONTEXT;
  const out = new Uint8Array(64 + context.length + 1 + transcriptHash.length);
  out.fill(0x20, 0, 64);
  out.set(context, 64);
  out[64 + context.length] = 0;
  out.set(transcriptHash, 64 + context.length + 1);
  return out;
}
