// Certificate signatures that already verified, so a client that meets the same certificate under
// the same issuer key again (the same server, a shared intermediate) skips the public-key
// operation. Keyed by SHA-256 over the scheme, the issuer's SubjectPublicKeyInfo, the signed bytes
// and the signature: a hit means exactly these bytes verified before under exactly this key, so
// the answer cannot differ. Only successes are remembered.
//
// Off by default: node:tls (OpenSSL) re-verifies every chain, and the benchmark compares like with
// like. Turn it on to model a client with a warm cache; the saving per hit is one signature
// verification (ML-DSA-65 about 0.12–0.17 ms, RSA-2048 about 0.02 ms) for one hash of ~2–8 KB.

import { createHash } from "node:crypto";

export class SignatureCache {
  private readonly verified = new Set<string>();

  constructor(readonly maxEntries = 1024) {
    if (!(Number.isInteger(maxEntries) && maxEntries > 0)) throw new RangeError("maxEntries must be > 0");
  }

  static key(scheme: string, issuerSpki: Uint8Array, signed: Uint8Array, signature: Uint8Array): string {
    const h = createHash("sha256").update(scheme).update(Uint8Array.of(0));
    for (const part of [issuerSpki, signed, signature]) {
      // Length-prefixed, so no two different splits hash alike.
      const n = part.length;
      h.update(Uint8Array.of(n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff)).update(part);
    }
    return h.digest("base64");
  }

  has(key: string): boolean {
    if (!this.verified.has(key)) return false;
    // Most recently used last: eviction drops the oldest.
    this.verified.delete(key);
    this.verified.add(key);
    return true;
  }

  add(key: string): void {
    this.verified.delete(key);
    this.verified.add(key);
    if (this.verified.size > this.maxEntries) this.verified.delete(this.verified.values().next().value!);
  }

  get size(): number {
    return this.verified.size;
  }

  clear(): void {
    this.verified.clear();
  }
}

let shared: SignatureCache | undefined;

/**
 * Turns the process-wide cache used by verifyChain (and so by every TLS client) on or off.
 * `true` = 1024 entries. Turning it off drops what it held.
 */
export function setSignatureCache(enabled: boolean | { maxEntries: number }): void {
  shared =
    enabled === false ? undefined : new SignatureCache(enabled === true ? undefined : enabled.maxEntries);
}

/** The process-wide cache, or undefined while it is off (the default). */
export function sharedSignatureCache(): SignatureCache | undefined {
  return shared;
}
