// trust_anchors (draft-ietf-tls-trust-anchor-ids §4.1). A trust anchor ID is a relative OID in
// binary (X.690 §8.20: base-128 components, high bit on all but a component's last byte):
//
//   opaque TrustAnchorID<1..32>;
//   ClientHello / CertificateRequest: TrustAnchorID RequestedTrustAnchorList<0..2^16-1>;
//   Certificate (first entry only):   struct {} Empty;
//   EncryptedExtensions:              TrustAnchorID AvailableTrustAnchorList<1..2^16-1>;
//
// The draft's extension number is TBD; pqtls uses 0xca34, the value BoringSSL and Chrome use for
// their experiment, so captures line up with theirs.

import { decodeError } from "../errors.js";
import { type Bytes, Reader, Writer } from "./bytes.js";
import { ExtensionType } from "./codepoints.js";
import type { Extension } from "./extensions.js";

/** "32473.1" → its binary relative OID. Each component is a non-negative integer. */
export function trustAnchorIdFromText(text: string): Uint8Array {
  if (!/^\d+(\.\d+)*$/.test(text)) throw new TypeError(`trust anchor ID "${text}" is not dotted decimal`);
  const out: number[] = [];
  for (const part of text.split(".")) {
    let v = BigInt(part);
    const digits = [Number(v & 0x7fn)];
    for (v >>= 7n; v > 0n; v >>= 7n) digits.unshift(Number(v & 0x7fn) | 0x80);
    out.push(...digits);
  }
  if (out.length > 32) throw new TypeError(`trust anchor ID "${text}" is longer than 32 bytes`);
  return Uint8Array.from(out);
}

/** Binary relative OID → "32473.1"; a non-minimal or truncated component is decode_error. */
export function trustAnchorIdToText(id: Uint8Array): string {
  const parts: string[] = [];
  let v = 0n;
  let start = true;
  for (const b of id) {
    if (start && b === 0x80) throw decodeError("trust anchor ID: component not minimally encoded");
    v = (v << 7n) | BigInt(b & 0x7f);
    start = (b & 0x80) === 0;
    if (start) {
      parts.push(v.toString());
      v = 0n;
    }
  }
  if (!start || parts.length === 0) throw decodeError("trust anchor ID: truncated component");
  return parts.join(".");
}

function writeList(ids: readonly Uint8Array[], w: Writer): void {
  w.begin(2);
  for (const id of ids) {
    if (id.length < 1 || id.length > 32) throw new RangeError("a TrustAnchorID is 1..32 bytes");
    w.vec8(id);
  }
  w.end();
}

function readList(data: Bytes, what: string, min: number): string[] {
  const r = new Reader(data, what);
  const list = r.sub16(min, 0xffff, `${what} list`);
  r.expectEnd();
  const out: string[] = [];
  while (!list.atEnd()) out.push(trustAnchorIdToText(list.vec8(1, 32)));
  return out;
}

/** RequestedTrustAnchorList (ClientHello, CertificateRequest); may be empty. */
export function encodeRequestedTrustAnchors(ids: readonly Uint8Array[]): Uint8Array {
  const w = new Writer(2 + ids.reduce((n, i) => n + 1 + i.length, 0));
  writeList(ids, w);
  return w.finish().slice();
}
export function decodeRequestedTrustAnchors(data: Bytes): string[] {
  return readList(data, "trust_anchors", 0);
}

/** AvailableTrustAnchorList (EncryptedExtensions): never empty (the server omits it instead). */
export function encodeAvailableTrustAnchors(ids: readonly Uint8Array[]): Uint8Array {
  if (ids.length === 0) throw new RangeError("AvailableTrustAnchorList must not be empty");
  return encodeRequestedTrustAnchors(ids);
}
export function decodeAvailableTrustAnchors(data: Bytes): string[] {
  return readList(data, "trust_anchors", 2);
}

/** The empty trust_anchors extension the first CertificateEntry carries when the path matched (§4.4). */
export const MATCHED_ENTRY_EXTENSION: Extension = {
  type: ExtensionType.trust_anchors,
  data: new Uint8Array(0),
};
