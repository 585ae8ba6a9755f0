// Handshake messages out of handshake records (RFC 8446 §5.1): a message may span records and a
// record may hold several messages. A message that fits its record is handed out as a view; one
// that spans records has its fragments copied once each and joined once when complete, so a
// message sent as many tiny records costs linear, not quadratic, time.
//
// Every message type has a size cap, checked as soon as its 4-byte header is in, and a message may
// span only so many records: together they bound the memory and CPU a peer can make us spend
// before it has proved anything (see README "Resource limits").

import type { Bytes } from "../crypto/provider.js";
import { TlsAlert } from "../errors.js";
import { AlertDescription, HandshakeType } from "../wire/codepoints.js";
import { handshakeName } from "../wire/handshake.js";

/**
 * Largest body of any handshake message without a cap of its own, as rustls and Go (64 KiB). The
 * largest legitimate ClientHello, with a key share for every group we know (~8 KB of ML-KEM and
 * hybrid keys), a few PSK identities and padding, stays under 10 KB; OpenSSL allows 128 KiB.
 */
export const MAX_HANDSHAKE_MESSAGE = 1 << 16;

/**
 * Default cap on a Certificate message body, and on what a CompressedCertificate says it
 * decompresses to: the harness pads chains to at most 1 MiB (`pqtls certs --pad-to`, chain specs
 * `name@SIZE`), and an unpadded ML-DSA-87 chain of depth 4 is ~30 KB. OpenSSL's max_cert_list
 * defaults to 100 KiB, Go's to 256 KiB.
 */
export const DEFAULT_MAX_CERTIFICATE_BYTES = 1 << 20;

/**
 * A message may arrive in at most 4 + ceil(length / MIN_AVERAGE_FRAGMENT) records. The smallest
 * record_size_limit a peer may ask for is 64 (RFC 8449), so a legitimate sender's fragments are at
 * least 63 bytes, bar the first and last; this leaves twice that margin.
 */
export const MIN_AVERAGE_FRAGMENT = 32;

export interface HandshakeSizeLimits {
  /** Cap on Certificate bodies and CompressedCertificate uncompressed_length. */
  maxCertificateBytes: number;
}

/** The largest body we accept for a message of this type. */
export function maxMessageLength(type: number, limits: HandshakeSizeLimits): number {
  switch (type) {
    case HandshakeType.certificate:
    case HandshakeType.compressed_certificate:
      return limits.maxCertificateBytes;
    case HandshakeType.finished:
      return 64; // verify_data is one hash: 48 bytes at most (SHA-384)
    case HandshakeType.key_update:
      return 1;
    case HandshakeType.end_of_early_data:
      return 0;
    default:
      return MAX_HANDSHAKE_MESSAGE;
  }
}

export class HandshakeReassembler {
  /** The handshake record being read, and how far. */
  private record: Bytes = new Uint8Array(0);
  private at = 0;
  /** A message spanning records: its header so far, its body fragments (copies), their total. */
  private header = new Uint8Array(4);
  private headerFilled = 0;
  private parts: Bytes[] = [];
  private partsLength = 0;
  /** Body length from the header, once the header is complete (-1 before). */
  private declared = -1;
  /** Records the partial message has spanned so far. */
  private records = 0;

  constructor(private readonly limits: HandshakeSizeLimits) {}

  /** Whether a message is incomplete: the next record must be a handshake record. */
  get partial(): boolean {
    return this.headerFilled > 0;
  }

  /** Bytes of the current record after the last message handed out (0 when a key may change). */
  get remainingInRecord(): number {
    return this.record.length - this.at;
  }

  /** Starts on the next handshake record's content (non-empty: the record layer refuses empty ones). */
  push(fragment: Bytes): void {
    this.record = fragment;
    this.at = 0;
    if (!this.partial) return;
    this.records++;
    if (this.declared >= 0 && this.records > 4 + Math.ceil(this.declared / MIN_AVERAGE_FRAGMENT))
      throw new TlsAlert(
        AlertDescription.unexpected_message,
        `${handshakeName(this.header[0])} of ${this.declared} bytes split into more than ${this.records - 1} records`,
      );
  }

  /**
   * The next complete message (4-byte header included) from the current record, or null when the
   * record is used up (its tail, if any, is kept for the next record). Throws TlsAlert.
   */
  next(): Bytes | null {
    if (this.partial) return this.continuePartial();
    const left = this.record.length - this.at;
    if (left === 0) return null;
    if (left >= 4) {
      const length = this.checkedLength(this.record, this.at);
      if (left >= 4 + length) {
        const raw = this.record.subarray(this.at, this.at + 4 + length);
        this.at += 4 + length;
        return raw;
      }
    }
    // The message goes on in later records: keep what is here (the record's memory may be reused).
    this.records = 1;
    return this.continuePartial();
  }

  private checkedLength(bytes: Bytes, at: number): number {
    const length = (bytes[at + 1] << 16) | (bytes[at + 2] << 8) | bytes[at + 3];
    const max = maxMessageLength(bytes[at], this.limits);
    // OpenSSL and BoringSSL answer an oversized message with illegal_parameter.
    if (length > max)
      throw new TlsAlert(
        AlertDescription.illegal_parameter,
        `${handshakeName(bytes[at])} of ${length} bytes exceeds the limit of ${max}`,
      );
    return length;
  }

  private continuePartial(): Bytes | null {
    const rec = this.record;
    while (this.headerFilled < 4 && this.at < rec.length) this.header[this.headerFilled++] = rec[this.at++];
    if (this.headerFilled < 4) return null;
    if (this.declared < 0) this.declared = this.checkedLength(this.header, 0);
    const take = Math.min(this.declared - this.partsLength, rec.length - this.at);
    if (take > 0) {
      // A copy (new Uint8Array, not slice(): on a Buffer, slice() is a view).
      this.parts.push(new Uint8Array(rec.subarray(this.at, this.at + take)));
      this.partsLength += take;
      this.at += take;
    }
    if (this.partsLength < this.declared) return null;
    const raw = new Uint8Array(4 + this.declared);
    raw.set(this.header);
    let o = 4;
    for (const p of this.parts) {
      raw.set(p, o);
      o += p.length;
    }
    this.header = new Uint8Array(4);
    this.headerFilled = 0;
    this.parts = [];
    this.partsLength = 0;
    this.declared = -1;
    this.records = 0;
    return raw;
  }
}
