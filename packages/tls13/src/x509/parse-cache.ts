// Parsed certificates by their exact DER bytes, so a client that meets the same chain again (every
// connection to one server) skips the parse and, with it, the node:crypto KeyObject of each key
// (cached per PublicKey object in crypto/node/keys.ts). Profiled on Node 24, parsing the server's
// 2-certificate chain and importing its keys was ~6–8% of a whole loopback handshake (both ends).
//
// Only the parse is reused: every signature and every rule (validity, names, usage) is still
// checked on every connection, so the verdict cannot differ from a fresh parse. A hit requires
// byte-equal DER; a miss parses as before. Bounded by entries and by bytes, least recently used
// out first, so a hostile peer sending fresh certificates only costs the parses it would anyway.
// Cached certificates are shared between connections: treat them as the read-only values their
// type says they are.

import { type Certificate, parseCertificate } from "./certificate.js";

export interface CertificateCacheLimits {
  /** Certificates kept (default 256). */
  maxEntries?: number;
  /** Sum of their DER sizes kept, bytes (default 4 MiB); a larger certificate is never kept. */
  maxBytes?: number;
}

/** Equal bytes, via memcmp (a JS loop costs ~µs on a 5 KB ML-DSA certificate). */
function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return (
    a.length === b.length &&
    Buffer.from(a.buffer, a.byteOffset, a.length).equals(Buffer.from(b.buffer, b.byteOffset, b.length))
  );
}

/**
 * The map key: the length and the last 24 bytes (inside the signature, so they differ between any
 * two certificates that are not copies). Two certificates sharing a key only evict each other.
 */
function keyOf(der: Uint8Array): string {
  const tail = Math.min(24, der.length);
  return `${der.length}:${Buffer.from(der.buffer, der.byteOffset + der.length - tail, tail).toString("latin1")}`;
}

export class CertificateCache {
  private readonly entries = new Map<string, Certificate>();
  private bytes = 0;
  readonly maxEntries: number;
  readonly maxBytes: number;

  constructor(limits: CertificateCacheLimits = {}) {
    this.maxEntries = limits.maxEntries ?? 256;
    this.maxBytes = limits.maxBytes ?? 4 * 1024 * 1024;
    if (!(Number.isInteger(this.maxEntries) && this.maxEntries > 0))
      throw new RangeError("maxEntries must be a positive integer");
    if (!(Number.isInteger(this.maxBytes) && this.maxBytes > 0))
      throw new RangeError("maxBytes must be a positive integer");
  }

  /** parseCertificate(der), from the cache when these exact bytes were parsed before. Throws as it does. */
  parse(der: Uint8Array): Certificate {
    const key = keyOf(der);
    const hit = this.entries.get(key);
    if (hit && sameBytes(hit.der, der)) {
      // Most recently used last: eviction drops the oldest.
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit;
    }
    const cert = parseCertificate(der);
    if (hit) this.remove(key, hit);
    if (cert.der.length <= this.maxBytes) {
      this.entries.set(key, cert);
      this.bytes += cert.der.length;
      while (this.entries.size > this.maxEntries || this.bytes > this.maxBytes) {
        const [oldestKey, oldest] = this.entries.entries().next().value!;
        this.remove(oldestKey, oldest);
      }
    }
    return cert;
  }

  private remove(key: string, cert: Certificate): void {
    this.entries.delete(key);
    this.bytes -= cert.der.length;
  }

  get size(): number {
    return this.entries.size;
  }

  /** DER bytes held. */
  get heldBytes(): number {
    return this.bytes;
  }

  clear(): void {
    this.entries.clear();
    this.bytes = 0;
  }
}

/** The process-wide cache TLS clients parse received chains through. */
export const sharedCertificateCache = new CertificateCache();
