// Extension blocks and the codec of each extension we speak (RFC 8446 §4.2, RFC 6066 SNI,
// RFC 7301 ALPN, RFC 8449 record_size_limit, RFC 8879 compress_certificate). Codecs are pure: they
// know bytes, not state. Which extension may appear in which message is extension_rules.ts' table,
// applied by each message's typed codec (client_hello.ts, server_hello.ts, ...).

import { decodeError, illegalParameter } from "../errors.js";
import { type Bytes, Reader, Writer } from "./bytes.js";
import { CertificateCompressionAlgorithm, type CertificateCompressionName, nameOf } from "./codepoints.js";

export interface Extension {
  type: number;
  data: Bytes;
}

/** Parses `Extension extensions<0..2^16-1>`; a repeated type is illegal_parameter (RFC 8446 §4.2). */
export function readExtensions(r: Reader, what: string): Extension[] {
  const block = r.sub16(0, 0xffff, `${what} extensions`);
  const out: Extension[] = [];
  const seen = new Set<number>();
  while (!block.atEnd()) {
    const type = block.u16();
    const data = block.vec16();
    if (seen.has(type)) throw illegalParameter(`${what}: duplicate extension ${type}`);
    seen.add(type);
    out.push({ type, data });
  }
  return out;
}

export function writeExtensions(w: Writer, exts: readonly Extension[]): void {
  w.begin(2);
  for (const e of exts) w.u16(e.type).vec16(e.data);
  w.end();
}

export function findExtension(exts: readonly Extension[], type: number): Bytes | undefined {
  for (const e of exts) if (e.type === type) return e.data;
  return undefined;
}

/** Runs a codec over an extension body, insisting it is consumed exactly. */
function decodeBody<T>(data: Bytes, what: string, body: (r: Reader) => T): T {
  const r = new Reader(data, what);
  const v = body(r);
  r.expectEnd();
  return v;
}

function u16ListBytes(values: readonly number[], prefix: 1 | 2, w: Writer): void {
  w.begin(prefix);
  for (const v of values) w.u16(v);
  w.end();
}

// ---- server_name (RFC 6066 §3) ----------------------------------------------------------------

export function encodeServerName(host: string, w: Writer): void {
  const name = new TextEncoder().encode(host);
  w.begin(2).u8(0).vec16(name).end();
}

/** Returns the host_name; the list must hold exactly one host_name entry (RFC 6066 §3). */
export function decodeServerName(data: Bytes): string {
  return decodeBody(data, "server_name", (r) => {
    const list = r.sub16(1, 0xffff, "server_name list");
    let host: string | undefined;
    while (!list.atEnd()) {
      const kind = list.u8();
      const name = list.vec16(1);
      if (kind !== 0) continue; // unknown name types are skipped
      if (host !== undefined) throw illegalParameter("server_name: more than one host_name");
      for (const c of name) if (c === 0) throw illegalParameter("server_name: NUL in host_name");
      host = new TextDecoder().decode(name);
    }
    if (host === undefined) throw illegalParameter("server_name: no host_name");
    return host;
  });
}

// ---- application_layer_protocol_negotiation (RFC 7301) -------------------------------------------

export function encodeAlpn(protocols: readonly string[], w: Writer): void {
  w.begin(2);
  for (const p of protocols) {
    const b = new TextEncoder().encode(p);
    if (b.length === 0 || b.length > 255)
      throw new RangeError(`ALPN protocol name "${p}" must be 1..255 bytes`);
    w.vec8(b);
  }
  w.end();
}

export function decodeAlpn(data: Bytes): string[] {
  return decodeBody(data, "application_layer_protocol_negotiation", (r) => {
    const list = r.sub16(2, 0xffff, "ALPN list");
    const out: string[] = [];
    while (!list.atEnd()) out.push(new TextDecoder().decode(list.vec8(1)));
    return out;
  });
}

// ---- supported_versions (RFC 8446 §4.2.1) -------------------------------------------------------

export function encodeSupportedVersionsClient(versions: readonly number[], w: Writer): void {
  u16ListBytes(versions, 1, w);
}
export function decodeSupportedVersionsClient(data: Bytes): number[] {
  return decodeBody(data, "supported_versions", (r) => r.u16List(8, 2, 254));
}
export function encodeSupportedVersionsServer(version: number, w: Writer): void {
  w.u16(version);
}
export function decodeSupportedVersionsServer(data: Bytes): number {
  return decodeBody(data, "supported_versions", (r) => r.u16());
}

// ---- signature_algorithms(_cert), supported_groups (lists of uint16) ----------------------------

export function encodeU16List(values: readonly number[], w: Writer): void {
  u16ListBytes(values, 2, w);
}
export function decodeU16List(data: Bytes, what: string): number[] {
  return decodeBody(data, what, (r) => r.u16List(16, 2, 0xfffe));
}

// ---- key_share (RFC 8446 §4.2.8) ----------------------------------------------------------------

export interface KeyShareEntry {
  group: number;
  keyExchange: Bytes;
}

function readKeyShareEntry(r: Reader): KeyShareEntry {
  const group = r.u16();
  const keyExchange = r.vec16(1);
  return { group, keyExchange };
}

export function encodeKeyShareClient(entries: readonly KeyShareEntry[], w: Writer): void {
  w.begin(2);
  for (const e of entries) w.u16(e.group).vec16(e.keyExchange);
  w.end();
}
/** client_shares; a group offered twice is illegal_parameter (RFC 8446 §4.2.8). */
export function decodeKeyShareClient(data: Bytes): KeyShareEntry[] {
  return decodeBody(data, "key_share", (r) => {
    const list = r.sub16(0, 0xffff, "key_share client_shares");
    const out: KeyShareEntry[] = [];
    while (!list.atEnd()) {
      const e = readKeyShareEntry(list);
      if (out.some((o) => o.group === e.group))
        throw illegalParameter(`key_share: group ${e.group} offered twice`);
      out.push(e);
    }
    return out;
  });
}
export function encodeKeyShareServer(entry: KeyShareEntry, w: Writer): void {
  w.u16(entry.group).vec16(entry.keyExchange);
}
export function decodeKeyShareServer(data: Bytes): KeyShareEntry {
  return decodeBody(data, "key_share", readKeyShareEntry);
}
/** In a HelloRetryRequest key_share carries only the selected group. */
export function encodeKeyShareHrr(group: number, w: Writer): void {
  w.u16(group);
}
export function decodeKeyShareHrr(data: Bytes): number {
  return decodeBody(data, "key_share", (r) => r.u16());
}

// ---- cookie (RFC 8446 §4.2.2) -------------------------------------------------------------------

export function encodeCookie(cookie: Bytes, w: Writer): void {
  w.vec16(cookie);
}
export function decodeCookie(data: Bytes): Bytes {
  return decodeBody(data, "cookie", (r) => r.vec16(1));
}

// ---- record_size_limit (RFC 8449 §4) ------------------------------------------------------------

export function encodeRecordSizeLimit(limit: number, w: Writer): void {
  w.u16(limit);
}
/** A value below 64 is illegal_parameter (RFC 8449 §4). */
export function decodeRecordSizeLimit(data: Bytes): number {
  const limit = decodeBody(data, "record_size_limit", (r) => r.u16());
  if (limit < 64) throw illegalParameter(`record_size_limit ${limit} < 64`);
  return limit;
}

// ---- compress_certificate (RFC 8879 §3) ---------------------------------------------------------

/** compress_certificate (27) extension_data: CertificateCompressionAlgorithm algorithms<2..2^8-2>. */
export function encodeCompressCertificateExtension(algorithms: CertificateCompressionName[]): Uint8Array {
  if (algorithms.length === 0 || algorithms.length > 127)
    throw new Error("compress_certificate needs 1..127 algorithms");
  const w = new Writer(1 + 2 * algorithms.length).begin(1);
  for (const a of algorithms) w.u16(CertificateCompressionAlgorithm[a]);
  return w.end().finish().slice();
}

/**
 * The peer's algorithms from a compress_certificate extension, in its order. Codes we do not know
 * are skipped (RFC 8879 §3 lets a peer list more than we speak); a malformed list is decode_error.
 */
export function parseCompressCertificateExtension(data: Uint8Array): CertificateCompressionName[] {
  const r = new Reader(data, "compress_certificate");
  const codes = r.u16List(8, 2, 0xfe);
  r.expectEnd();
  const out: CertificateCompressionName[] = [];
  for (const code of codes) {
    const name = nameOf(CertificateCompressionAlgorithm, code);
    if (name && !out.includes(name)) out.push(name);
  }
  return out;
}

/** An extension that must be empty (e.g. server_name in EncryptedExtensions). */
export function expectEmpty(data: Bytes, what: string): void {
  if (data.length !== 0) throw decodeError(`${what}: expected an empty extension body`);
}

/** One extension of `type` whose body a Writer builds. */
export function extension(type: number, write: (w: Writer) => void): Extension {
  const w = new Writer(64);
  write(w);
  return { type, data: w.finish() };
}
