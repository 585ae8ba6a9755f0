// ServerHello and HelloRetryRequest (RFC 8446 §4.1.3, §4.1.4): one wire format, told apart by
// the special random value. The extensions of each have a typed view (Go's serverHelloMsg fields)
// with one encode/decode pair, checked against the RFC 8446 §4.2 table (extension_rules.ts).

import { illegalParameter } from "../errors.js";
import { type Bytes, equalBytes, fromHex, Reader } from "./bytes.js";
import { ExtensionType, HandshakeType } from "./codepoints.js";
import { checkExtension } from "./extension_rules.js";
import {
  decodeCookie,
  decodeKeyShareHrr,
  decodeKeyShareServer,
  decodeSupportedVersionsServer,
  type Extension,
  encodeCookie,
  encodeKeyShareHrr,
  encodeKeyShareServer,
  encodeSupportedVersionsServer,
  extension,
  findExtension,
  type KeyShareEntry,
  readExtensions,
  writeExtensions,
} from "./extensions.js";
import { buildHandshake, type HandshakeMessage } from "./handshake.js";
import { decodePreSharedKeyServer, encodePreSharedKeyServer } from "./psk.js";

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

/**
 * supported_versions' selected_version, or undefined when the server did not send one (a TLS 1.2
 * or older answer). Read on its own, before the other extensions: which extensions may appear
 * depends on the version (RFC 8446 §4.1.3).
 */
export function selectedVersion(sh: ServerHello): number | undefined {
  const sv = findExtension(sh.extensions, ExtensionType.supported_versions);
  return sv ? decodeSupportedVersionsServer(sv) : undefined;
}

/** The extensions of a ServerHello; an absent field is an absent extension. */
export interface ServerHelloExtensions {
  /** key_share server_share. */
  share?: KeyShareEntry;
  /** supported_versions selected_version. */
  version?: number;
  /** pre_shared_key selected_identity. */
  selectedPsk?: number;
}

/** In the order this stack sends them. */
export function encodeServerHelloExtensions(e: ServerHelloExtensions): Extension[] {
  const out: Extension[] = [];
  if (e.share) out.push(extension(ExtensionType.key_share, (w) => encodeKeyShareServer(e.share!, w)));
  if (e.version !== undefined)
    out.push(
      extension(ExtensionType.supported_versions, (w) => encodeSupportedVersionsServer(e.version!, w)),
    );
  if (e.selectedPsk !== undefined)
    out.push(extension(ExtensionType.pre_shared_key, (w) => encodePreSharedKeyServer(e.selectedPsk!, w)));
  return out;
}

/** `offered`: the extension types our ClientHello(s) carried (anything else is unsupported_extension). */
export function decodeServerHelloExtensions(
  exts: readonly Extension[],
  offered: ReadonlySet<number>,
): ServerHelloExtensions {
  const p: ServerHelloExtensions = {};
  for (const e of exts) {
    checkExtension("SH", e.type, offered);
    switch (e.type) {
      case ExtensionType.key_share:
        p.share = decodeKeyShareServer(e.data);
        break;
      case ExtensionType.supported_versions:
        p.version = decodeSupportedVersionsServer(e.data);
        break;
      case ExtensionType.pre_shared_key:
        p.selectedPsk = decodePreSharedKeyServer(e.data);
        break;
    }
  }
  return p;
}

/** The extensions of a HelloRetryRequest. */
export interface HelloRetryRequestExtensions {
  /** supported_versions selected_version. */
  version?: number;
  /** key_share selected_group. */
  selectedGroup?: number;
  cookie?: Bytes;
}

/** In the order this stack sends them. */
export function encodeHelloRetryRequestExtensions(e: HelloRetryRequestExtensions): Extension[] {
  const out: Extension[] = [];
  if (e.version !== undefined)
    out.push(
      extension(ExtensionType.supported_versions, (w) => encodeSupportedVersionsServer(e.version!, w)),
    );
  if (e.selectedGroup !== undefined)
    out.push(extension(ExtensionType.key_share, (w) => encodeKeyShareHrr(e.selectedGroup!, w)));
  if (e.cookie) out.push(extension(ExtensionType.cookie, (w) => encodeCookie(e.cookie!, w)));
  return out;
}

/** `offered` as for decodeServerHelloExtensions; the cookie needs no offer. */
export function decodeHelloRetryRequestExtensions(
  exts: readonly Extension[],
  offered: ReadonlySet<number>,
): HelloRetryRequestExtensions {
  const p: HelloRetryRequestExtensions = {};
  for (const e of exts) {
    checkExtension("HRR", e.type, offered);
    switch (e.type) {
      case ExtensionType.supported_versions:
        p.version = decodeSupportedVersionsServer(e.data);
        break;
      case ExtensionType.key_share:
        p.selectedGroup = decodeKeyShareHrr(e.data);
        break;
      case ExtensionType.cookie:
        p.cookie = decodeCookie(e.data);
        break;
    }
  }
  return p;
}
