// Strict DER framing checks. The ASN.1 library (asn1js underneath) is a lenient BER reader that
// ignores bytes after the first value and accepts indefinite or non-minimal lengths; a certificate
// must be exactly one DER value, so we walk the TLV tree ourselves before handing bytes over.

/** One tag-length-value as found in the input: where its header and contents sit. */
export interface Tlv {
  tag: number;
  constructed: boolean;
  headerLength: number;
  contentLength: number;
  /** Offset of the tag byte within the buffer that was read. */
  start: number;
}

export class DerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DerError";
  }
}

/** Reads the TLV header at `offset`; throws DerError on truncation or non-DER length forms. */
export function readTlv(buf: Uint8Array, offset: number): Tlv {
  if (offset + 2 > buf.length) throw new DerError(`truncated: no TLV header at offset ${offset}`);
  const tag = buf[offset];
  if ((tag & 0x1f) === 0x1f)
    throw new DerError(`high tag numbers are not used in certificates (offset ${offset})`);
  const first = buf[offset + 1];
  let contentLength: number;
  let headerLength: number;
  if (first < 0x80) {
    contentLength = first;
    headerLength = 2;
  } else {
    const n = first & 0x7f;
    if (n === 0) throw new DerError(`indefinite length at offset ${offset} (BER, not DER)`);
    if (n > 4) throw new DerError(`length of ${n} bytes at offset ${offset} is too long`);
    if (offset + 2 + n > buf.length) throw new DerError(`truncated length at offset ${offset}`);
    contentLength = 0;
    for (let i = 0; i < n; i++) contentLength = contentLength * 256 + buf[offset + 2 + i];
    if (buf[offset + 2] === 0 || contentLength < 0x80)
      throw new DerError(`non-minimal length encoding at offset ${offset}`);
    headerLength = 2 + n;
  }
  if (offset + headerLength + contentLength > buf.length)
    throw new DerError(
      `truncated: value at offset ${offset} needs ${contentLength} bytes, ${buf.length - offset - headerLength} left`,
    );
  return { tag, constructed: (tag & 0x20) !== 0, headerLength, contentLength, start: offset };
}

/** The children of a constructed TLV, in order. */
export function children(buf: Uint8Array, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  let at = parent.start + parent.headerLength;
  const end = at + parent.contentLength;
  while (at < end) {
    const child = readTlv(buf, at);
    if (child.start + child.headerLength + child.contentLength > end)
      throw new DerError(`value at offset ${at} overruns its parent`);
    out.push(child);
    at += child.headerLength + child.contentLength;
  }
  return out;
}

export function tlvBytes(buf: Uint8Array, t: Tlv): Uint8Array {
  return buf.subarray(t.start, t.start + t.headerLength + t.contentLength);
}

export function tlvContent(buf: Uint8Array, t: Tlv): Uint8Array {
  return buf.subarray(t.start + t.headerLength, t.start + t.headerLength + t.contentLength);
}

/**
 * Checks that `buf` is exactly one DER value whose constructed parts all nest properly (no trailing
 * bytes, no truncation, definite minimal lengths). Returns the outer TLV.
 */
export function assertSingleDerValue(buf: Uint8Array): Tlv {
  const outer = readTlv(buf, 0);
  const total = outer.headerLength + outer.contentLength;
  if (total !== buf.length) throw new DerError(`${buf.length - total} trailing bytes after the DER value`);
  const walk = (t: Tlv, depth: number): void => {
    if (depth > 32) throw new DerError("nesting deeper than 32 levels");
    if (!t.constructed) return;
    for (const c of children(buf, t)) walk(c, depth + 1);
  };
  walk(outer, 0);
  return outer;
}

// ---- a few encoders for the structures we assemble by hand (padding, PKCS#8 choices) ----------

export function encodeLength(n: number): Uint8Array {
  if (n < 0x80) return Uint8Array.of(n);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Uint8Array.from([0x80 | bytes.length, ...bytes]);
}

export function encodeTlv(tag: number, content: Uint8Array): Uint8Array {
  const len = encodeLength(content.length);
  const out = new Uint8Array(1 + len.length + content.length);
  out[0] = tag;
  out.set(len, 1);
  out.set(content, 1 + len.length);
  return out;
}

/** Size of a TLV with `contentLength` bytes of content. */
export function tlvSize(contentLength: number): number {
  return 1 + encodeLength(contentLength).length + contentLength;
}

// The DER writers join parts with the wire layer's concatenation (one function, one behaviour).
export { concatBytes } from "../wire/bytes.js";

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
