// ClientHello (RFC 8446 §4.1.2): the message with its extensions as sent (the transcript, the PSK
// binder and the second-ClientHello check need them byte for byte), and the typed view of those
// extensions (Go's clientHelloMsg fields) with one encode/decode pair.

import { decodeError, illegalParameter } from "../errors.js";
import { type Bytes, Reader } from "./bytes.js";
import {
  type CertificateCompressionName,
  ExtensionType,
  HandshakeType,
  ProtocolVersion,
} from "./codepoints.js";
import { checkExtension } from "./extension_rules.js";
import {
  decodeAlpn,
  decodeCookie,
  decodeKeyShareClient,
  decodeRecordSizeLimit,
  decodeServerName,
  decodeSupportedGroups,
  decodeSupportedVersionsClient,
  decodeU16List,
  type Extension,
  encodeAlpn,
  encodeCompressCertificateExtension,
  encodeCookie,
  encodeKeyShareClient,
  encodeRecordSizeLimit,
  encodeServerName,
  encodeSupportedVersionsClient,
  encodeU16List,
  extension,
  type KeyShareEntry,
  parseCompressCertificateExtension,
  readExtensions,
  writeExtensions,
} from "./extensions.js";
import { buildHandshake, type HandshakeMessage } from "./handshake.js";
import {
  decodePreSharedKeyClient,
  decodePskModes,
  encodePreSharedKeyClient,
  encodePskModes,
  expectEmptyEarlyData,
  type OfferedPsks,
} from "./psk.js";
import { decodeTlsFlags, encodeTlsFlags } from "./tls_flags.js";
import {
  decodeRequestedTrustAnchors,
  encodeRequestedTrustAnchors,
  trustAnchorIdFromText,
} from "./trust_anchors.js";

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

/** The ClientHello extensions this stack sends or acts on; an absent field is an absent extension. */
export interface ClientHelloExtensions {
  servername?: string;
  /** supported_groups (codes). */
  groups?: number[];
  /** signature_algorithms (codes). */
  signatureSchemes?: number[];
  /** signature_algorithms_cert (codes): read and checked, not acted on. */
  signatureSchemesCert?: number[];
  alpn?: string[];
  recordSizeLimit?: number;
  /** RFC 8879 compress_certificate: the algorithms we know, in the sender's order. */
  certificateCompression?: CertificateCompressionName[];
  /** trust_anchors (draft-ietf-tls-trust-anchor-ids): requested IDs, dotted decimal; may be empty. */
  trustAnchors?: string[];
  /** tls_flags (draft-ietf-tls-tlsflags): the flag numbers set; unknown ones are kept, and ignored. */
  tlsFlags?: number[];
  /** post_handshake_auth (RFC 8446 §4.2.6, empty): the client answers a CertificateRequest later. */
  postHandshakeAuth?: boolean;
  /** supported_versions. */
  versions?: number[];
  cookie?: Bytes;
  /** key_share client_shares. */
  shares?: KeyShareEntry[];
  /** psk_key_exchange_modes (codes). */
  pskModes?: number[];
  /** early_data (empty in a ClientHello). */
  earlyData?: boolean;
  /** pre_shared_key; encoding ignores bindersLength (it is what the binders' sizes make it). */
  psks?: OfferedPsks;
}

/**
 * The extensions in the order this stack sends them (pre_shared_key last, as RFC 8446 §4.2.11
 * requires): the order is part of the wire bytes the RFC 8448 trace test pins.
 */
export function encodeClientHelloExtensions(e: ClientHelloExtensions): Extension[] {
  const out: Extension[] = [];
  if (e.servername !== undefined)
    out.push(extension(ExtensionType.server_name, (w) => encodeServerName(e.servername!, w)));
  if (e.groups) out.push(extension(ExtensionType.supported_groups, (w) => encodeU16List(e.groups!, w)));
  if (e.signatureSchemes)
    out.push(extension(ExtensionType.signature_algorithms, (w) => encodeU16List(e.signatureSchemes!, w)));
  if (e.signatureSchemesCert)
    out.push(
      extension(ExtensionType.signature_algorithms_cert, (w) => encodeU16List(e.signatureSchemesCert!, w)),
    );
  if (e.alpn)
    out.push(extension(ExtensionType.application_layer_protocol_negotiation, (w) => encodeAlpn(e.alpn!, w)));
  if (e.recordSizeLimit !== undefined)
    out.push(extension(ExtensionType.record_size_limit, (w) => encodeRecordSizeLimit(e.recordSizeLimit!, w)));
  if (e.certificateCompression)
    out.push(
      extension(ExtensionType.compress_certificate, (w) =>
        w.bytes(encodeCompressCertificateExtension(e.certificateCompression!)),
      ),
    );
  if (e.trustAnchors)
    out.push({
      type: ExtensionType.trust_anchors,
      data: encodeRequestedTrustAnchors(e.trustAnchors.map(trustAnchorIdFromText)),
    });
  if (e.tlsFlags) out.push({ type: ExtensionType.tls_flags, data: encodeTlsFlags(e.tlsFlags) });
  if (e.postHandshakeAuth) out.push({ type: ExtensionType.post_handshake_auth, data: new Uint8Array(0) });
  if (e.versions)
    out.push(
      extension(ExtensionType.supported_versions, (w) => encodeSupportedVersionsClient(e.versions!, w)),
    );
  if (e.cookie) out.push(extension(ExtensionType.cookie, (w) => encodeCookie(e.cookie!, w)));
  if (e.shares) out.push(extension(ExtensionType.key_share, (w) => encodeKeyShareClient(e.shares!, w)));
  if (e.pskModes)
    out.push(extension(ExtensionType.psk_key_exchange_modes, (w) => encodePskModes(e.pskModes!, w)));
  if (e.earlyData) out.push({ type: ExtensionType.early_data, data: new Uint8Array(0) });
  if (e.psks)
    out.push(
      extension(ExtensionType.pre_shared_key, (w) =>
        encodePreSharedKeyClient(e.psks!.identities, e.psks!.binders, w),
      ),
    );
  return out;
}

/**
 * Decodes the extensions this stack acts on. Extensions we do not recognise are ignored (RFC 8446
 * §4.1.2); a recognised one not allowed in a ClientHello is illegal_parameter (extension_rules.ts),
 * and so is a pre_shared_key that is not the last extension (§4.2.11).
 */
export function decodeClientHelloExtensions(exts: readonly Extension[]): ClientHelloExtensions {
  const p: ClientHelloExtensions = {};
  exts.forEach((e, i) => {
    if (!checkExtension("CH", e.type)) return;
    switch (e.type) {
      case ExtensionType.supported_versions:
        p.versions = decodeSupportedVersionsClient(e.data);
        break;
      case ExtensionType.supported_groups:
        p.groups = decodeSupportedGroups(e.data);
        break;
      case ExtensionType.key_share:
        p.shares = decodeKeyShareClient(e.data);
        break;
      case ExtensionType.signature_algorithms:
        p.signatureSchemes = decodeU16List(e.data, "signature_algorithms");
        break;
      case ExtensionType.signature_algorithms_cert:
        p.signatureSchemesCert = decodeU16List(e.data, "signature_algorithms_cert");
        break;
      case ExtensionType.application_layer_protocol_negotiation:
        p.alpn = decodeAlpn(e.data);
        break;
      case ExtensionType.server_name:
        p.servername = decodeServerName(e.data);
        break;
      case ExtensionType.record_size_limit:
        p.recordSizeLimit = decodeRecordSizeLimit(e.data);
        break;
      case ExtensionType.cookie:
        p.cookie = decodeCookie(e.data);
        break;
      case ExtensionType.trust_anchors:
        p.trustAnchors = decodeRequestedTrustAnchors(e.data);
        break;
      case ExtensionType.tls_flags:
        p.tlsFlags = [...decodeTlsFlags(e.data)];
        break;
      case ExtensionType.post_handshake_auth:
        if (e.data.length !== 0) throw decodeError("post_handshake_auth is not empty");
        p.postHandshakeAuth = true;
        break;
      case ExtensionType.compress_certificate:
        p.certificateCompression = parseCompressCertificateExtension(e.data);
        break;
      case ExtensionType.pre_shared_key:
        if (i !== exts.length - 1) throw illegalParameter("pre_shared_key is not the last extension");
        p.psks = decodePreSharedKeyClient(e.data);
        break;
      case ExtensionType.psk_key_exchange_modes:
        p.pskModes = decodePskModes(e.data);
        break;
      case ExtensionType.early_data:
        expectEmptyEarlyData(e.data);
        p.earlyData = true;
        break;
    }
  });
  return p;
}
