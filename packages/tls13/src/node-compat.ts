// What node:tls users read off a socket, in node:tls's own shapes: peer certificate objects (built by
// node:crypto's X509Certificate.toLegacyObject(), the function node:tls itself uses, so every field
// and its formatting is the runtime's own), ephemeral key info, keying material exporters (RFC 8446
// §7.5) and the connect() argument overloads. Kept apart from socket.ts so the socket stays about I/O.

import { X509Certificate } from "node:crypto";
import type { Hash } from "./crypto/provider.js";
import { deriveSecret, emptyHash, hkdfExpandLabel } from "./handshake/key_schedule.js";
import type { ClientOptions } from "./options.js";
import type { Certificate } from "./x509/index.js";

/** node:tls's PeerCertificate (DetailedPeerCertificate with issuerCertificate when detailed). */
export type PeerCertificateObject = Record<string, unknown> & {
  raw: Buffer;
  issuerCertificate?: PeerCertificateObject;
};

function legacyObject(cert: Certificate): PeerCertificateObject {
  const raw = Buffer.from(cert.der);
  return { ...(new X509Certificate(raw).toLegacyObject() as object), raw } as PeerCertificateObject;
}

const sameBytes = (a: Uint8Array, b: Uint8Array) => a.length === b.length && Buffer.compare(a, b) === 0;

/**
 * The leaf as node:tls's getPeerCertificate(detailed) returns it: without `detailed` the leaf alone;
 * with it, each certificate's `issuerCertificate` is the next one presented, then the trust anchor that
 * issued the last one (when known), and a self-issued certificate is its own issuer, as in node.
 */
export function peerCertificateObject(
  presented: readonly Certificate[],
  anchors: readonly Certificate[],
  detailed: boolean,
): PeerCertificateObject | Record<string, never> {
  if (presented.length === 0) return {};
  const objects = presented.map(legacyObject);
  if (!detailed) return objects[0];
  const last = presented[presented.length - 1];
  const anchor = anchors.find((a) => sameBytes(a.subjectDer, last.issuerDer) && !sameBytes(a.der, last.der));
  if (anchor) {
    objects.push(legacyObject(anchor));
    presented = [...presented, anchor];
  }
  for (let i = 0; i < objects.length; i++) {
    if (i + 1 < objects.length) objects[i].issuerCertificate = objects[i + 1];
    else if (sameBytes(presented[i].subjectDer, presented[i].issuerDer))
      objects[i].issuerCertificate = objects[i];
  }
  return objects[0];
}

export interface EphemeralKeyInfo {
  type?: "ECDH" | "TLSGroup";
  name?: string;
  size?: number;
}

/** OpenSSL's names and sizes, as node:tls on OpenSSL 3.5 reports them for each group. */
const EPHEMERAL: Record<string, EphemeralKeyInfo> = {
  x25519: { type: "ECDH", name: "X25519", size: 253 },
  secp256r1: { type: "ECDH", name: "prime256v1", size: 256 },
  secp384r1: { type: "ECDH", name: "secp384r1", size: 384 },
  secp521r1: { type: "ECDH", name: "secp521r1", size: 521 },
};

/** getEphemeralKeyInfo(): {} when no key was exchanged (psk_ke) or before the handshake. */
export function ephemeralKeyInfo(group: string | undefined): EphemeralKeyInfo {
  if (!group) return {};
  // Hybrid and pure ML-KEM groups are "TLSGroup"s in OpenSSL 3.5, reported with an undefined size.
  return EPHEMERAL[group] ?? { type: "TLSGroup", name: group, size: undefined };
}

/**
 * RFC 8446 §7.5: TLS-Exporter(label, context_value, key_length) =
 *   HKDF-Expand-Label(Derive-Secret(exporter_master_secret, label, ""), "exporter", Hash(context_value), key_length).
 * TLS 1.3 makes no difference between an absent and an empty context (node:tls agrees).
 */
export function exportKeyingMaterial(
  hash: Hash,
  exporterMasterSecret: Uint8Array,
  length: number,
  label: string,
  context: Uint8Array = new Uint8Array(0),
): Buffer {
  if (!Number.isInteger(length) || length < 0 || length > 255 * hash.outputLength)
    throw new RangeError(
      `exportKeyingMaterial: length must be an integer from 0 to ${255 * hash.outputLength}`,
    );
  if (typeof label !== "string") throw new TypeError("exportKeyingMaterial: label must be a string");
  // HkdfLabel's label is opaque<7..255> including the "tls13 " prefix.
  if (Buffer.byteLength(label) > 249)
    throw new RangeError("exportKeyingMaterial: label longer than 249 bytes");
  const secret = deriveSecret(hash, exporterMasterSecret, label, emptyHash(hash));
  return Buffer.from(hkdfExpandLabel(hash, secret, "exporter", hash.digest(context), length));
}

/**
 * node:tls's connect() forms: (options[, cb]), (port[, host][, options][, cb]). Returns the options
 * with port and host folded in, and the listener.
 */
export function normalizeConnectArgs(args: unknown[]): [ClientOptions, (() => void) | undefined] {
  const listener = typeof args[args.length - 1] === "function" ? (args.pop() as () => void) : undefined;
  if (typeof args[0] === "object" && args[0] !== null) return [args[0] as ClientOptions, listener];
  if (typeof args[0] !== "number" && typeof args[0] !== "string")
    throw new TypeError("connect() takes (options[, listener]) or (port[, host][, options][, listener])");
  const port = Number(args[0]);
  let i = 1;
  const host = typeof args[i] === "string" ? (args[i++] as string) : undefined;
  const options = typeof args[i] === "object" && args[i] !== null ? (args[i] as ClientOptions) : {};
  return [{ ...options, port, ...(host !== undefined ? { host } : {}) }, listener];
}
