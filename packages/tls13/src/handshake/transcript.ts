// The transcript hash (RFC 8446 §4.4.1). Until the cipher suite (and so the hash) is known the
// messages are buffered; after a HelloRetryRequest ClientHello1 is replaced by message_hash.

import type { Bytes, Hash, HashState } from "../crypto/provider.js";
import { HandshakeType } from "../wire/codepoints.js";

export class Transcript {
  private pending: Bytes[] = [];
  private state: HashState | null = null;
  private hashAlg: Hash | null = null;

  get hash(): Hash {
    if (!this.hashAlg) throw new Error("transcript hash not chosen yet");
    return this.hashAlg;
  }

  /** Adds one framed handshake message. */
  add(raw: Bytes): void {
    if (this.state) this.state.update(raw);
    else this.pending.push(raw);
  }

  /** Fixes the hash (once the suite is negotiated) and hashes the buffered messages. */
  useHash(hash: Hash): void {
    if (this.hashAlg) {
      if (this.hashAlg !== hash && this.hashAlg.name !== hash.name)
        throw new Error("transcript hash changed");
      return;
    }
    this.hashAlg = hash;
    this.state = hash.create();
    for (const m of this.pending) this.state.update(m);
    this.pending = [];
  }

  /** Hash of everything so far. */
  digest(): Bytes {
    if (!this.state) throw new Error("transcript hash not chosen yet");
    return this.state.clone().digest();
  }

  /** Hash of everything so far followed by `extra` (a PSK binder covers a truncated ClientHello). */
  digestWith(hash: Hash, extra: Bytes): Bytes {
    if (!this.state) {
      const s = hash.create();
      for (const m of this.pending) s.update(m);
      return s.update(extra).digest();
    }
    return this.state.clone().update(extra).digest();
  }

  /**
   * An independent copy of the transcript so far: post-handshake authentication (RFC 8446 §4.4.1)
   * hashes each exchange onto the handshake's transcript through client Finished, not onto the last.
   */
  fork(): Transcript {
    if (!this.state || !this.hashAlg) throw new Error("transcript hash not chosen yet");
    const copy = new Transcript();
    copy.hashAlg = this.hashAlg;
    copy.state = this.state.clone();
    return copy;
  }

  /** On HelloRetryRequest: replaces the transcript with message_hash(Hash(ClientHello1)) (§4.4.1). */
  replaceWithMessageHash(): void {
    const d = this.digest();
    this.state = this.hash.create();
    this.state.update(Uint8Array.of(HandshakeType.message_hash, 0, 0, d.length));
    this.state.update(d);
  }
}
