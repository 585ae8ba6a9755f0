// The parsed-certificate cache: a chain seen before is not parsed again, different bytes (even one
// byte inside) are parsed afresh, and the cache stays within its entry and byte limits.

import { describe, expect, it } from "vitest";
import { nobleProvider } from "../src/crypto/index.js";
import { checkServerChain } from "../src/handshake/credentials.js";
import { AlertDescription } from "../src/wire/codepoints.js";
import { CertificateCache, sharedCertificateCache } from "../src/x509/index.js";
import { BASE_CHAINS, expectAlert, loadFixture } from "./x509-helpers.js";

const rsa = loadFixture("rsa2048-leaf");
const depth3 = loadFixture("mldsa65"); // leaf + intermediate sent, root as anchor
const distinct = BASE_CHAINS.flatMap((name) => {
  const f = loadFixture(`${name}-leaf`);
  return [...f.sent, f.root].map((c) => c.der);
});

/** A copy of `der` with the byte at `at` changed. */
function flipped(der: Uint8Array, at: number): Uint8Array {
  const copy = new Uint8Array(der);
  copy[at] ^= 0x01;
  return copy;
}

describe("certificate parse cache", () => {
  it("serves a received chain seen before from the cache, and still validates it", () => {
    const ders = depth3.sent.map((c) => new Uint8Array(c.der)); // fresh buffers, as off the wire
    expect(ders.length).toBe(2);
    const options = {
      trustAnchors: [depth3.root],
      hostname: "localhost",
      provider: nobleProvider,
      rejectUnauthorized: true,
    };
    const first = checkServerChain(ders, options);
    const again = checkServerChain(
      ders.map((d) => new Uint8Array(d)),
      options,
    );
    expect(first.authorized).toBe(true);
    expect(again.authorized).toBe(true);
    expect(again.chain[0]).toBe(first.chain[0]);
    expect(again.chain[1]).toBe(first.chain[1]);
    // The verdict is recomputed, not cached: the same chain under another name is refused.
    expectAlert(
      () => checkServerChain(ders, { ...options, hostname: "other.test" }),
      AlertDescription.bad_certificate,
    );
    expect(sharedCertificateCache.size).toBeGreaterThanOrEqual(2);
  });

  it("parses changed bytes afresh: a byte inside (same length and tail) or in the tail", () => {
    const cache = new CertificateCache();
    const der = rsa.sent[0].der;
    const original = cache.parse(der);
    // The serial number's last content byte: same length, same last 24 bytes (the cache key).
    const serialHex = original.serialNumber;
    const serialAt = indexOfBytes(der, hexBytes(serialHex)) + serialHex.length / 2 - 1;
    expect(serialAt).toBeGreaterThan(0);
    const inner = cache.parse(flipped(der, serialAt));
    expect(inner).not.toBe(original);
    expect(inner.serialNumber).not.toBe(serialHex);
    expect(Buffer.from(inner.der).equals(Buffer.from(flipped(der, serialAt)))).toBe(true);
    const tail = cache.parse(flipped(der, der.length - 1));
    expect(tail).not.toBe(original);
    expect(tail.signature.at(-1)).not.toBe(original.signature.at(-1));
    // And the original bytes still give the original's content.
    expect(cache.parse(der).serialNumber).toBe(serialHex);
  });

  it("keeps its own copy: a caller reusing its buffer does not change what was cached", () => {
    const cache = new CertificateCache();
    const buffer = new Uint8Array(rsa.sent[0].der);
    const cert = cache.parse(buffer);
    const serial = cert.serialNumber;
    buffer.set(rsa.root.der.subarray(0, buffer.length));
    expect(cert.serialNumber).toBe(serial);
    expect(Buffer.from(cert.der).equals(Buffer.from(rsa.sent[0].der))).toBe(true);
  });

  it("stays within maxEntries, dropping the least recently used", () => {
    expect(distinct.length).toBeGreaterThanOrEqual(6);
    const cache = new CertificateCache({ maxEntries: 3 });
    const kept = cache.parse(distinct[0]);
    for (const der of distinct.slice(1, 6)) {
      cache.parse(distinct[0]); // keeps the first one recently used
      cache.parse(der);
      expect(cache.size).toBeLessThanOrEqual(3);
    }
    expect(cache.parse(distinct[0])).toBe(kept);
    const evicted = cache.parse(distinct[1]);
    expect(cache.parse(distinct[1])).toBe(evicted); // parsed again, then cached again
  });

  it("stays within maxBytes and never keeps a certificate larger than it", () => {
    const limit = Math.max(...distinct.map((d) => d.length)) + 10;
    const cache = new CertificateCache({ maxBytes: limit });
    for (const der of distinct) {
      cache.parse(der);
      expect(cache.heldBytes).toBeLessThanOrEqual(limit);
    }
    const tiny = new CertificateCache({ maxBytes: 100 });
    const a = tiny.parse(distinct[0]);
    expect(tiny.size).toBe(0);
    expect(tiny.parse(distinct[0])).not.toBe(a);
  });

  it("refuses malformed DER as parseCertificate does, and keeps nothing of it", () => {
    const cache = new CertificateCache();
    expectAlert(() => cache.parse(rsa.sent[0].der.subarray(0, 100)), AlertDescription.bad_certificate);
    expect(cache.size).toBe(0);
    expect(() => new CertificateCache({ maxEntries: 0 })).toThrow(RangeError);
  });
});

function hexBytes(hex: string): Uint8Array {
  return Uint8Array.from(Buffer.from(hex, "hex"));
}

function indexOfBytes(haystack: Uint8Array, needle: Uint8Array): number {
  return Buffer.from(haystack).indexOf(Buffer.from(needle));
}
