// AEAD record protection for one traffic secret (RFC 8446 §5.2, §5.3): per-record nonce is the
// static IV XOR the 64-bit sequence number; the additional data is the record header.

import type { AeadKey, Bytes } from "../crypto/provider.js";

export class RecordCipher {
  private seq = 0;
  private readonly nonceBuf = new Uint8Array(12);

  constructor(
    private readonly key: AeadKey,
    private readonly iv: Bytes,
  ) {}

  get sequenceNumber(): number {
    return this.seq;
  }

  private nextNonce(): Bytes {
    // The nonce buffer is reused, so hand the AEAD a copy it may keep.
    return this.advance().slice();
  }

  /** The next nonce in the reused buffer: only for calls that read it before returning. */
  private advance(): Bytes {
    const n = this.nonceBuf;
    n.set(this.iv);
    // seq < 2^53: high 32 bits and low 32 bits XORed into the last 8 bytes.
    const hi = Math.floor(this.seq / 0x100000000);
    const lo = this.seq >>> 0;
    n[4] ^= hi >>> 24;
    n[5] ^= (hi >>> 16) & 0xff;
    n[6] ^= (hi >>> 8) & 0xff;
    n[7] ^= hi & 0xff;
    n[8] ^= lo >>> 24;
    n[9] ^= (lo >>> 16) & 0xff;
    n[10] ^= (lo >>> 8) & 0xff;
    n[11] ^= lo & 0xff;
    this.seq++;
    return n;
  }

  seal(innerPlaintext: Bytes, header: Bytes): Bytes {
    return this.key.seal(this.nextNonce(), innerPlaintext, header);
  }

  /**
   * The sealed record body as chunks to write in order (ciphertext, tag), without joining them
   * when the AEAD can give them apart. `innerPlaintext` is only read during the call.
   */
  sealChunks(innerPlaintext: Bytes, header: Bytes): Bytes[] {
    if (!this.key.sealDetached) return [this.seal(innerPlaintext.slice(), header)];
    return this.key.sealDetached(this.advance(), innerPlaintext, header);
  }

  /** Whether the AEAD seals and opens in caller memory (sealInto / openInto). */
  get inPlace(): boolean {
    return this.key.sealInto !== undefined && this.key.openInto !== undefined;
  }

  /**
   * Seals `inner` into `output` (ciphertext, then the tag); `output` may start at `inner`'s own
   * memory. Only when `inPlace`.
   */
  sealInto(inner: Bytes, header: Bytes, output: Bytes): void {
    this.key.sealInto!(this.advance(), header, inner, output);
  }

  /**
   * Opens ciphertext||tag into `output` (which may be the ciphertext's own memory); false when
   * authentication fails, and then, with `keepSequence`, the sequence number is not used up (0-RTT
   * skipping). Only when `inPlace`.
   */
  openInto(ciphertext: Bytes, header: Bytes, output: Bytes, keepSequence = false): boolean {
    const ok = this.key.openInto!(this.advance(), header, ciphertext, output);
    if (!ok && keepSequence) this.seq--;
    return ok;
  }

  /** As open(), but a record that fails authentication does not use up a sequence number (0-RTT skipping). */
  tryOpen(ciphertext: Bytes, header: Bytes): Bytes | null {
    const inner = this.open(ciphertext, header);
    if (!inner) this.seq--;
    return inner;
  }

  /** null when authentication fails. The inputs are only read during the call (AeadKey.open). */
  open(ciphertext: Bytes, header: Bytes): Bytes | null {
    // The reused nonce buffer: a fresh 12-byte array per record would get its own backing store
    // when node:crypto reads it, and per-record backing stores drive the GC (see README, Benchmarks).
    return this.key.open(this.advance(), ciphertext, header);
  }
}
