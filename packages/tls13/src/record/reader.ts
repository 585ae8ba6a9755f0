// Incoming records: reassembles TLSPlaintext/TLSCiphertext records from a byte stream, removes
// protection and padding, and enforces the size limits (RFC 8446 §5.1-§5.4, RFC 8449).
// Bytes arrive in arbitrary chunks; a record is copied only when it spans chunks.

import type { Bytes } from "../crypto/provider.js";
import { TlsAlert } from "../errors.js";
import { AlertDescription, ContentType } from "../wire/codepoints.js";
import type { RecordCipher } from "./cipher.js";
import {
  AEAD_TAG_LENGTH,
  MAX_CIPHERTEXT,
  MAX_INNER_PLAINTEXT,
  MAX_PLAINTEXT,
  RECORD_HEADER_LENGTH,
} from "./limits.js";

/**
 * Who may write to a pushed chunk's memory. "owned": only the record layer (a net.Socket's fresh read
 * buffer with no other 'data' listener), so protected records are opened in place. "shared": others
 * may hold it, so it is only read. "reused": the transport overwrites it once push's caller returns
 * (net's `onread`), so whatever is kept is copied (retainReused).
 */
export type ChunkOwnership = "owned" | "shared" | "reused";

export interface InboundRecord {
  /** The real content type (the inner one for protected records). */
  type: number;
  data: Bytes;
  /** Bytes this record took on the wire, header included. */
  wireLength: number;
  /** Whether it arrived protected. */
  protected: boolean;
}

export class RecordReader {
  private chunks: Bytes[] = [];
  private head = 0; // read offset into chunks[0]
  private buffered = 0;
  private cipher: RecordCipher | null = null;
  /** Largest TLSInnerPlaintext we accept: our record_size_limit once negotiated. */
  private maxInner = MAX_INNER_PLAINTEXT;
  /** Whether any record has decrypted: until then a plaintext alert is still read (see next()). */
  private decrypted = false;
  /** 0-RTT rejected: bytes of unreadable records still to drop (RFC 8446 §4.2.10); 0 = off. */
  private skipBudget = 0;
  /** Where protected records spanning chunks are joined (see take). */
  private reassembly = new Uint8Array(0);

  /**
   * Adds transport bytes (see ChunkOwnership). For "reused" chunks, plaintext records are handed out
   * as copies, and the caller must call retainReused() before returning.
   */
  push(chunk: Bytes, ownership: ChunkOwnership = "shared"): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.owned.push(ownership === "owned");
    this.buffered += chunk.length;
    if (ownership === "reused") this.holdsReused = true;
  }

  /** Per entry of `chunks`: whether its bytes are ours to overwrite (records opened in place). */
  private owned: boolean[] = [];
  /** Whether the last take() returned a view into an owned chunk. */
  private tookOwned = false;

  /** Whether buffered bytes or views handed out may sit in a transport's reused buffer. */
  private holdsReused = false;

  /** Copies the bytes of a partial record out of a reused transport buffer (see push). */
  retainReused(): void {
    if (!this.holdsReused) return;
    this.holdsReused = false;
    if (this.buffered === 0) {
      this.chunks = [];
      this.owned = [];
      this.head = 0;
      return;
    }
    const own = new Uint8Array(this.buffered);
    let at = 0;
    for (let i = 0; i < this.chunks.length; i++) {
      const c = i === 0 ? this.chunks[0].subarray(this.head) : this.chunks[i];
      own.set(c, at);
      at += c.length;
    }
    this.chunks = [own];
    this.owned = [true];
    this.head = 0;
  }

  /** Bytes received but not yet consumed as records. */
  get pendingBytes(): number {
    return this.buffered;
  }

  setCipher(cipher: RecordCipher): void {
    this.cipher = cipher;
  }
  get isProtected(): boolean {
    return this.cipher !== null;
  }
  /**
   * Until a record decrypts, drop application_data records we cannot read (plaintext or failing
   * authentication) up to `maxBytes`: a server rejecting 0-RTT skips the client's early data.
   */
  skipUndecryptable(maxBytes: number): void {
    this.skipBudget = maxBytes;
  }

  private skip(length: number): InboundRecord | null {
    this.skipBudget -= Math.max(0, length - AEAD_TAG_LENGTH);
    if (this.skipBudget < 0)
      throw new TlsAlert(
        AlertDescription.unexpected_message,
        "rejected early data exceeds max_early_data_size",
      );
    if (this.skipBudget === 0) this.skipBudget = -1; // spent: stays on until a record decrypts
    return this.next();
  }

  setRecordSizeLimit(limit: number): void {
    this.maxInner = Math.min(limit, MAX_INNER_PLAINTEXT);
  }

  private peekByte(i: number): number {
    let idx = 0;
    let off = this.head + i;
    while (off >= this.chunks[idx].length) {
      off -= this.chunks[idx].length;
      idx++;
    }
    return this.chunks[idx][off];
  }

  /**
   * Takes n bytes off the front, as a view when they lie in one chunk. A record spanning chunks is
   * copied: into a fresh buffer, or with `transient` (the caller is done with the bytes before the
   * next take) into one reassembly buffer reused for the connection's life.
   */
  private take(n: number, transient: boolean): Bytes {
    const first = this.chunks[0];
    if (first.length - this.head >= n) {
      const out = first.subarray(this.head, this.head + n);
      this.tookOwned = this.owned[0];
      this.head += n;
      if (this.head === first.length) {
        this.chunks.shift();
        this.owned.shift();
        this.head = 0;
      }
      this.buffered -= n;
      return out;
    }
    this.tookOwned = false;
    let out: Bytes;
    if (transient) {
      if (this.reassembly.length < n) this.reassembly = new Uint8Array(RECORD_HEADER_LENGTH + MAX_CIPHERTEXT);
      out = this.reassembly.subarray(0, n);
    } else out = new Uint8Array(n);
    let at = 0;
    while (at < n) {
      const c = this.chunks[0];
      const k = Math.min(n - at, c.length - this.head);
      out.set(c.subarray(this.head, this.head + k), at);
      at += k;
      this.head += k;
      if (this.head === c.length) {
        this.chunks.shift();
        this.owned.shift();
        this.head = 0;
      }
    }
    this.buffered -= n;
    return out;
  }

  /**
   * TLSInnerPlaintext of a protected record, null when authentication fails. With an in-place AEAD
   * the plaintext replaces the ciphertext when the record is a view into a chunk we own (no
   * allocation at all), and otherwise goes to a new buffer of its own (it is handed to the user, who
   * may keep it: a shared slab would keep every neighbour alive with it).
   */
  private open(fragment: Bytes, header: Bytes, skipping: boolean): Bytes | null {
    const cipher = this.cipher!;
    if (!cipher.inPlace) return skipping ? cipher.tryOpen(fragment, header) : cipher.open(fragment, header);
    const length = fragment.length - AEAD_TAG_LENGTH;
    const output = this.tookOwned ? fragment : new Uint8Array(length);
    return cipher.openInto(fragment, header, output, skipping) ? output.subarray(0, length) : null;
  }

  /** The next complete record, or null when more bytes are needed. Throws TlsAlert. */
  next(): InboundRecord | null {
    if (this.buffered < RECORD_HEADER_LENGTH) return null;
    const type = this.peekByte(0);
    const length = (this.peekByte(3) << 8) | this.peekByte(4);
    if (
      type !== ContentType.handshake &&
      type !== ContentType.alert &&
      type !== ContentType.change_cipher_spec &&
      type !== ContentType.application_data
    )
      throw new TlsAlert(AlertDescription.unexpected_message, `record of unknown content type ${type}`);
    if (length > MAX_CIPHERTEXT)
      throw new TlsAlert(AlertDescription.record_overflow, `record length ${length} > 2^14+256`);
    if (this.buffered < RECORD_HEADER_LENGTH + length) return null;
    // A protected record is only read by the AEAD, whose output is a new buffer: its bytes can go in
    // the reused reassembly buffer. Plaintext records reach the handshake as views, so they cannot.
    const record = this.take(
      RECORD_HEADER_LENGTH + length,
      this.cipher !== null && type === ContentType.application_data,
    );
    const header = record.subarray(0, RECORD_HEADER_LENGTH);
    const fragment = record.subarray(RECORD_HEADER_LENGTH);
    const wireLength = record.length;

    // change_cipher_spec is never protected; the handshake layer decides whether to drop it.
    if (type === ContentType.application_data && !this.cipher && this.skipBudget !== 0)
      return this.skip(length);
    // Once keys are in use RFC 8446 §5 leaves any other unprotected record unexpected_message, but a
    // peer that failed before it had keys (a client rejecting our ServerHello) can only send a
    // plaintext alert: as OpenSSL 3.5 and rustls, one is read as the peer's alert until a record
    // decrypts.
    const plainAlert = type === ContentType.alert && !this.decrypted;
    if (type === ContentType.change_cipher_spec || !this.cipher || plainAlert) {
      if (type === ContentType.application_data && !this.cipher)
        throw new TlsAlert(
          AlertDescription.unexpected_message,
          "application_data before keys are established",
        );
      if (length > MAX_PLAINTEXT)
        throw new TlsAlert(AlertDescription.record_overflow, `plaintext record length ${length} > 2^14`);
      if (length === 0 && type !== ContentType.application_data)
        throw new TlsAlert(
          AlertDescription.unexpected_message,
          `zero-length ${type === ContentType.handshake ? "handshake" : "alert"} record`,
        );
      // The handshake may keep views of a plaintext record (a ClientHello's fields). A copy made with
      // new Uint8Array: transport chunks are Buffers, whose slice() is a view.
      return {
        type,
        data: this.holdsReused ? new Uint8Array(fragment) : fragment,
        wireLength,
        protected: false,
      };
    }
    if (type !== ContentType.application_data)
      throw new TlsAlert(
        AlertDescription.unexpected_message,
        `unprotected record of type ${type} after keys changed`,
      );
    if (length < AEAD_TAG_LENGTH + 1)
      throw new TlsAlert(AlertDescription.bad_record_mac, "protected record too short");
    // TLSInnerPlaintext is the ciphertext minus the tag: reject oversize before spending an AEAD open.
    if (length - AEAD_TAG_LENGTH > this.maxInner)
      throw new TlsAlert(
        AlertDescription.record_overflow,
        `TLSInnerPlaintext of ${length - AEAD_TAG_LENGTH} bytes > limit ${this.maxInner}`,
      );
    const skipping = this.skipBudget !== 0;
    const inner = this.open(fragment, header, skipping);
    if (!inner && skipping) return this.skip(length);
    this.skipBudget = 0;
    if (!inner) throw new TlsAlert(AlertDescription.bad_record_mac, "record authentication failed");
    this.decrypted = true;
    // Strip zero padding: the content type is the last non-zero byte.
    let end = inner.length - 1;
    while (end >= 0 && inner[end] === 0) end--;
    if (end < 0)
      throw new TlsAlert(AlertDescription.unexpected_message, "protected record with no content type");
    const innerType = inner[end];
    const data = inner.subarray(0, end);
    if (innerType === ContentType.change_cipher_spec)
      throw new TlsAlert(AlertDescription.unexpected_message, "protected change_cipher_spec record");
    if (
      innerType !== ContentType.handshake &&
      innerType !== ContentType.alert &&
      innerType !== ContentType.application_data
    )
      throw new TlsAlert(
        AlertDescription.unexpected_message,
        `protected record of unknown content type ${innerType}`,
      );
    if (data.length === 0 && innerType !== ContentType.application_data)
      throw new TlsAlert(AlertDescription.unexpected_message, "zero-length protected handshake/alert record");
    return { type: innerType, data, wireLength, protected: true };
  }
}
