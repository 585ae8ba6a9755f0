// Byte Reader and Writer for TLS's length-prefixed encodings (RFC 8446 §3).
// The Writer back-fills length prefixes (subtls' idea): open a vector, write its body, close it.
// The Reader never reads past its end: every shortfall is a decode_error TlsAlert.

import { decodeError } from "../errors.js";

export type Bytes = Uint8Array;

export class Reader {
  private pos = 0;
  private readonly end: number;

  constructor(
    readonly bytes: Bytes,
    /** What is being parsed, for error messages ("ClientHello", "key_share"). */
    private readonly what = "message",
  ) {
    this.end = bytes.length;
  }

  get offset(): number {
    return this.pos;
  }
  get remaining(): number {
    return this.end - this.pos;
  }
  atEnd(): boolean {
    return this.pos === this.end;
  }

  private need(n: number): void {
    if (this.end - this.pos < n)
      throw decodeError(`${this.what}: truncated (need ${n} bytes, have ${this.end - this.pos})`);
  }

  u8(): number {
    this.need(1);
    return this.bytes[this.pos++];
  }
  u16(): number {
    this.need(2);
    const v = (this.bytes[this.pos] << 8) | this.bytes[this.pos + 1];
    this.pos += 2;
    return v;
  }
  u24(): number {
    this.need(3);
    const b = this.bytes;
    const v = (b[this.pos] << 16) | (b[this.pos + 1] << 8) | b[this.pos + 2];
    this.pos += 3;
    return v;
  }
  u32(): number {
    this.need(4);
    const b = this.bytes;
    const v =
      ((b[this.pos] << 24) >>> 0) + ((b[this.pos + 1] << 16) | (b[this.pos + 2] << 8) | b[this.pos + 3]);
    this.pos += 4;
    return v;
  }
  /** A view (no copy) of the next n bytes. */
  bytesN(n: number): Bytes {
    this.need(n);
    const v = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }
  vec8(min = 0, max = 0xff): Bytes {
    return this.bounded(this.u8(), min, max);
  }
  vec16(min = 0, max = 0xffff): Bytes {
    return this.bounded(this.u16(), min, max);
  }
  vec24(min = 0, max = 0xffffff): Bytes {
    return this.bounded(this.u24(), min, max);
  }
  private bounded(len: number, min: number, max: number): Bytes {
    if (len < min || len > max)
      throw decodeError(`${this.what}: vector length ${len} outside [${min}, ${max}]`);
    return this.bytesN(len);
  }
  /** A sub-reader over a length-prefixed vector; the caller must consume it fully (see expectEnd). */
  sub16(min = 0, max = 0xffff, what = this.what): Reader {
    return new Reader(this.vec16(min, max), what);
  }
  sub8(min = 0, max = 0xff, what = this.what): Reader {
    return new Reader(this.vec8(min, max), what);
  }
  sub24(min = 0, max = 0xffffff, what = this.what): Reader {
    return new Reader(this.vec24(min, max), what);
  }
  /** Rejects trailing bytes: TLS structures have exactly one encoding. */
  expectEnd(): void {
    if (this.pos !== this.end)
      throw decodeError(`${this.what}: ${this.end - this.pos} unexpected trailing bytes`);
  }
  /** Reads a vector of uint16 values (e.g. cipher suites, groups) of a given byte-length prefix width. */
  u16List(prefix: 8 | 16, min = 0, max = 0xffff): number[] {
    const body = prefix === 8 ? this.vec8(min, max) : this.vec16(min, max);
    if (body.length % 2 !== 0)
      throw decodeError(`${this.what}: odd length ${body.length} for a list of uint16`);
    const out: number[] = new Array(body.length / 2);
    for (let i = 0; i < out.length; i++) out[i] = (body[2 * i] << 8) | body[2 * i + 1];
    return out;
  }
}

/** Growable output buffer with back-filled length prefixes. */
export class Writer {
  private buf: Bytes;
  private pos = 0;
  private readonly open: { at: number; width: 1 | 2 | 3 }[] = [];

  constructor(initialCapacity = 256) {
    this.buf = new Uint8Array(initialCapacity);
  }

  get length(): number {
    return this.pos;
  }

  private reserve(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.pos + n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
  }

  u8(v: number): this {
    this.reserve(1);
    this.buf[this.pos++] = v & 0xff;
    return this;
  }
  u16(v: number): this {
    this.reserve(2);
    this.buf[this.pos++] = (v >>> 8) & 0xff;
    this.buf[this.pos++] = v & 0xff;
    return this;
  }
  u24(v: number): this {
    this.reserve(3);
    this.buf[this.pos++] = (v >>> 16) & 0xff;
    this.buf[this.pos++] = (v >>> 8) & 0xff;
    this.buf[this.pos++] = v & 0xff;
    return this;
  }
  u32(v: number): this {
    this.reserve(4);
    this.buf[this.pos++] = (v >>> 24) & 0xff;
    this.buf[this.pos++] = (v >>> 16) & 0xff;
    this.buf[this.pos++] = (v >>> 8) & 0xff;
    this.buf[this.pos++] = v & 0xff;
    return this;
  }
  bytes(b: Bytes): this {
    this.reserve(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
    return this;
  }
  /** Opens a length-prefixed vector of the given prefix width; close with end(). */
  begin(width: 1 | 2 | 3): this {
    this.reserve(width);
    this.open.push({ at: this.pos, width });
    this.pos += width;
    return this;
  }
  end(): this {
    const frame = this.open.pop();
    if (!frame) throw new Error("Writer.end() without begin()");
    const len = this.pos - frame.at - frame.width;
    if (len >= 2 ** (8 * frame.width))
      throw new Error(`vector of ${len} bytes overflows a ${frame.width}-byte length`);
    for (let i = frame.width - 1, v = len; i >= 0; i--, v >>>= 8) this.buf[frame.at + i] = v & 0xff;
    return this;
  }
  vec8(b: Bytes): this {
    return this.begin(1).bytes(b).end();
  }
  vec16(b: Bytes): this {
    return this.begin(2).bytes(b).end();
  }
  vec24(b: Bytes): this {
    return this.begin(3).bytes(b).end();
  }
  /** The written bytes (a view over the internal buffer; do not write after taking it). */
  finish(): Bytes {
    if (this.open.length) throw new Error("Writer.finish() with an unclosed vector");
    return this.buf.subarray(0, this.pos);
  }
}

export function concatBytes(...parts: Bytes[]): Bytes {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export function equalBytes(a: Bytes, b: Bytes): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}

export function toHex(b: Bytes): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("hex");
}

export function fromHex(hex: string): Bytes {
  return new Uint8Array(Buffer.from(hex.replace(/\s+/g, ""), "hex"));
}
