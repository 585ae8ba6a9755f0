// Outgoing records: fragments content into records no larger than the peer allows, protects them,
// and collects them as chunks for one transport write per flight (RFC 8446 §5, RFC 8449). A
// protected record is three chunks (header, ciphertext, tag), which the socket hands to one writev.

import type { Bytes } from "../crypto/provider.js";
import { ContentType, ProtocolVersion } from "../wire/codepoints.js";
import type { RecordCipher } from "./cipher.js";
import { AEAD_TAG_LENGTH, MAX_INNER_PLAINTEXT, MAX_PLAINTEXT, RECORD_HEADER_LENGTH } from "./limits.js";
import { type PaddingPolicy, paddingFor } from "./padding.js";
import { Slab } from "./slab.js";

const HEADER_SLAB_BYTES = 4000;
/** Record slabs: a handshake flight fits the first; bulk gets ~32 full records per buffer. */
const RECORD_SLAB_MIN = 8192;
const RECORD_SLAB_MAX = 512 * 1024;

/** The outer header of a protected record: opaque_type application_data, legacy version 0x0303. */
function writeHeader(header: Bytes, length: number): void {
  header[0] = ContentType.application_data;
  header[1] = 0x03;
  header[2] = 0x03;
  header[3] = length >>> 8;
  header[4] = length & 0xff;
}

export class RecordWriter {
  private cipher: RecordCipher | null = null;
  /** Largest TLSInnerPlaintext the peer accepts (its record_size_limit, RFC 8449 §4). */
  private maxInner = MAX_INNER_PLAINTEXT;
  /** Records built but not yet handed to the transport. */
  private out: Bytes[] = [];
  private outBytes = 0;
  /** TLSInnerPlaintext of the record being sealed; grows to the largest record sent so far. */
  private scratch = new Uint8Array(0);
  /** legacy_record_version of plaintext records: 0x0301 for the first ClientHello (RFC 8446 §5.1). */
  plaintextVersion: number = ProtocolVersion.TLS12;

  constructor(private readonly padding?: PaddingPolicy) {}

  setCipher(cipher: RecordCipher): void {
    this.cipher = cipher;
  }
  /** Back to plaintext records: a client whose 0-RTT met a HelloRetryRequest sends ClientHello2 in clear. */
  clearCipher(): void {
    this.cipher = null;
  }
  get isProtected(): boolean {
    return this.cipher !== null;
  }
  /** Records sealed under the current key (its AEAD usage, RFC 8446 §5.5). */
  get recordsUnderKey(): number {
    return this.cipher?.sequenceNumber ?? 0;
  }
  setPeerRecordSizeLimit(limit: number): void {
    this.maxInner = Math.min(limit, MAX_INNER_PLAINTEXT);
  }

  /** Largest content per record given the current limit and protection. */
  get maxFragment(): number {
    return this.cipher ? this.maxInner - 1 : Math.min(this.maxInner, MAX_PLAINTEXT);
  }

  /** Appends `data` of one content type as one or more records; returns the wire bytes added. */
  write(type: number, data: Bytes): number {
    const before = this.outBytes;
    const max = this.maxFragment;
    if (data.length === 0) {
      // Only application data may be empty (RFC 8446 §5.1); callers never send empty handshakes.
      this.writeOne(type, data);
    }
    for (let at = 0; at < data.length; at += max)
      this.writeOne(type, data.subarray(at, Math.min(at + max, data.length)));
    return this.outBytes - before;
  }

  private writeOne(type: number, fragment: Bytes): void {
    if (!this.cipher) {
      const rec = new Uint8Array(RECORD_HEADER_LENGTH + fragment.length);
      rec[0] = type;
      rec[1] = this.plaintextVersion >>> 8;
      rec[2] = this.plaintextVersion & 0xff;
      rec[3] = fragment.length >>> 8;
      rec[4] = fragment.length & 0xff;
      rec.set(fragment, RECORD_HEADER_LENGTH);
      this.push(rec);
      return;
    }
    const pad = paddingFor(this.padding, type, fragment.length, this.maxInner - fragment.length - 1);
    const innerLength = fragment.length + 1 + pad;
    if (this.cipher.inPlace) {
      // The whole record (header, TLSInnerPlaintext sealed in place, tag) in one piece of a slab:
      // no per-record allocation, no copy besides the fragment's, one chunk for the writev.
      const rec = this.records.take(RECORD_HEADER_LENGTH + innerLength + AEAD_TAG_LENGTH);
      writeHeader(rec, innerLength + AEAD_TAG_LENGTH);
      const inner = rec.subarray(RECORD_HEADER_LENGTH, RECORD_HEADER_LENGTH + innerLength);
      inner.set(fragment);
      inner[fragment.length] = type;
      if (pad) inner.fill(0, fragment.length + 1); // padding is zeros
      this.cipher.sealInto(inner, rec.subarray(0, RECORD_HEADER_LENGTH), rec.subarray(RECORD_HEADER_LENGTH));
      this.push(rec);
      return;
    }
    // TLSInnerPlaintext is built in a buffer reused for every record (the AEAD only reads it
    // during the call): no per-record allocation for it.
    if (this.scratch.length < innerLength)
      this.scratch = new Uint8Array(
        Math.min(MAX_INNER_PLAINTEXT, Math.max(innerLength, 2 * this.scratch.length)),
      );
    const inner = this.scratch.subarray(0, innerLength);
    inner.set(fragment);
    inner[fragment.length] = type;
    if (pad) inner.fill(0, fragment.length + 1); // padding is zeros
    const header = this.nextHeader();
    writeHeader(header, innerLength + AEAD_TAG_LENGTH);
    this.push(header);
    for (const chunk of this.cipher.sealChunks(inner, header)) this.push(chunk);
  }

  /**
   * A 5-byte view for the next record header, cut from a shared slab. The transport may hold it
   * until the write completes, so slabs are never reused, only replaced when full: one buffer per
   * 800 records instead of one each (small typed arrays passed as Buffers get their own backing
   * store, and per-record backing stores are what keeps the GC busy in bulk transfers).
   */
  private nextHeader(): Bytes {
    if (this.headerAt + RECORD_HEADER_LENGTH > this.headerSlab.length) {
      this.headerSlab = new Uint8Array(HEADER_SLAB_BYTES);
      this.headerAt = 0;
    }
    const header = this.headerSlab.subarray(this.headerAt, this.headerAt + RECORD_HEADER_LENGTH);
    this.headerAt += RECORD_HEADER_LENGTH;
    return header;
  }
  private headerSlab = new Uint8Array(0);
  private headerAt = 0;
  /** Whole protected records, when the AEAD seals in place (see writeOne). */
  private readonly records = new Slab(RECORD_SLAB_MIN, RECORD_SLAB_MAX);

  /** A ChangeCipherSpec compatibility record (RFC 8446 §D.4): never protected. */
  writeChangeCipherSpec(): number {
    this.push(Uint8Array.of(ContentType.change_cipher_spec, 0x03, 0x03, 0x00, 0x01, 0x01));
    return 6;
  }

  private push(b: Bytes): void {
    this.out.push(b);
    this.outBytes += b.length;
  }

  get pendingBytes(): number {
    return this.outBytes;
  }

  /**
   * For a transport that copies what it is given by the time its write callback runs (a kernel
   * socket): record memory is then reused once recordsWritten() says so, instead of allocated anew.
   */
  recycleRecordMemory(): void {
    this.records.recycle();
  }

  /** The mark after every record drained so far (for recordsWritten). */
  get writtenMark(): number {
    return this.records.mark;
  }

  /** The transport is done with every record drained before `mark` (see recycleRecordMemory). */
  recordsWritten(mark: number): void {
    this.records.release(mark);
  }

  /** Takes every pending chunk (in order) for the transport. */
  drain(): Bytes[] {
    const out = this.out;
    this.out = [];
    this.outBytes = 0;
    return out;
  }
}
