// Chain-size knobs: exact certificate and chain padding, depth and root inclusion, and the test PKI
// regenerating byte for byte from its seeds.

import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
// @ts-expect-error: plain .mjs generator without types
import { deterministicProvider, generateTestPki } from "../../../fixtures/scripts/gen-pki.mjs";
import { nobleProvider } from "../src/crypto/index.js";
import * as x509 from "../src/x509/index.js";
import {
  chainWireSize,
  generateChain,
  generateKeyPair,
  issueCertificate,
  loadPrivateKey,
  PADDING_EXTENSION_OID,
  padCertificate,
  padChain,
  verifyChain,
} from "../src/x509/index.js";
import { loadFixture, PKI_DIR } from "./x509-helpers.js";

const provider = nobleProvider;
const dates = { notBefore: new Date("2025-01-01Z"), notAfter: new Date("2030-01-01Z") };

describe("padding a certificate to an exact DER size", () => {
  const ecKey = generateKeyPair("p256", { seed: "pad-ec" });
  const edKey = generateKeyPair("ed25519", { seed: "pad-ed" });

  it("hits every requested size DER can encode, for fixed- and variable-length signatures", () => {
    const issue = (padTo: number | undefined, key = edKey) =>
      issueCertificate({
        subject: [["CN", "pad"]],
        publicKey: key.publicKey,
        signingKey: key,
        provider,
        ...dates,
        padTo,
      });
    const base = issue(undefined).der.length;
    /** Exact, or refused because a DER length steps over it — then both neighbours must work. */
    const check = (size: number, key = edKey): boolean => {
      try {
        const cert = issue(size, key);
        expect(cert.der.length).toBe(size);
        expect(cert.extensions.find((e) => e.oid === PADDING_EXTENSION_OID)?.critical).toBe(false);
        return true;
      } catch (e) {
        expect((e as Error).message).toMatch(/steps over that size/);
        expect(issue(size - 1, key).der.length).toBe(size - 1);
        expect(issue(size + 1, key).der.length).toBe(size + 1);
        return false;
      }
    };
    // Every size from the smallest padded one upward, through the 128- and 256-byte steps of the
    // padding extension's and the extension list's lengths.
    let refused = 0;
    for (let size = base + 30; size < base + 200; size++) if (!check(size)) refused++;
    expect(refused).toBeLessThanOrEqual(2);
    // Around 64 KiB the TBS and certificate lengths gain a third length byte.
    const refusedNear64k = [65536, 65538, 65540, 65542].filter((size) => !check(size));
    expect(refusedNear64k).toEqual([65540]); // certificate content 65535 → 65536 needs a 4th length byte
    fc.assert(
      fc.property(fc.integer({ min: 600, max: 20_000 }), fc.boolean(), (size, ecdsa) => {
        expect(check(size, ecdsa ? ecKey : edKey)).toBe(true);
      }),
      { numRuns: 30 },
    );
  });

  it("keeps the certificate valid for our verifier and says why a size is impossible", () => {
    const { root, rootKey, sent } = loadFixture("mldsa65-leaf");
    const padded = padCertificate(sent[0], rootKey, 9000, provider);
    expect(padded.der.length).toBe(9000);
    expect(padded.subject).toBe(sent[0].subject);
    expect(verifyChain([padded], { trustAnchors: [root], provider, hostname: "localhost" }).length).toBe(2);
    // Re-padding replaces the old padding rather than adding a second extension.
    const repadded = padCertificate(padded, rootKey, 6000, provider);
    expect(repadded.der.length).toBe(6000);
    expect(repadded.extensions.filter((e) => e.oid === PADDING_EXTENSION_OID).length).toBe(1);
    expect(() => padCertificate(sent[0], rootKey, sent[0].der.length + 3, provider)).toThrow(
      /padding adds at least/,
    );
    expect(() => padCertificate(sent[0], rootKey, 100, provider)).toThrow(/cannot pad/);
  });

  it("pads with incompressible bytes, so compression cannot undo it", () => {
    const { sent } = loadFixture("rsa2048-16k");
    const body = sent[0].der;
    const compressed = x509.compressCertificateMessage("zlib", body);
    expect(compressed.length).toBeGreaterThan(body.length * 0.95);
  });
});

describe("chain size knobs", () => {
  it("pads the sent chain to an exact Certificate message size, spread over its certificates", () => {
    for (const [sig, total] of [
      ["ecdsa-p256", 8192],
      ["ed25519", 16384],
      ["mldsa44", 12000],
    ] as const) {
      const c = generateChain({ sig, depth: 3, hostnames: ["s.test"], seed: `size-${sig}`, padTo: total });
      expect(chainWireSize(c.chain), sig).toBe(total);
      expect(c.chain.length).toBe(2);
      verifyChain(c.chain, { trustAnchors: [c.root], provider, hostname: "s.test" });
    }
    // A little extra goes to the leaf alone.
    const small = generateChain({ sig: "ed25519", depth: 3, hostnames: ["s.test"], seed: "s" });
    const plain = chainWireSize(small.chain);
    const padded = padChain(small.chain, [small.keys[1], small.keys[2]], plain + 100, provider);
    expect(chainWireSize(padded)).toBe(plain + 100);
    expect(padded[1]).toBe(small.chain[1]);
    expect(() => padChain(small.chain, [small.keys[1], small.keys[2]], plain - 1, provider)).toThrow(
      /already/,
    );
  });

  it("counts wire size as a TLS 1.3 Certificate message: 8 + per certificate 5 + DER", () => {
    const c = generateChain({
      sig: "ed25519",
      depth: 3,
      hostnames: ["s.test"],
      seed: "w",
      includeRoot: true,
    });
    expect(c.chain.length).toBe(3);
    expect(chainWireSize(c.chain)).toBe(8 + c.chain.reduce((n, x) => n + 5 + x.der.length, 0));
    const omitted = generateChain({ sig: "ed25519", depth: 3, hostnames: ["s.test"], seed: "w" });
    expect(omitted.chain.map((x) => x.subject)).toEqual(c.chain.slice(0, 2).map((x) => x.subject));
    expect(() => generateChain({ sig: "ed25519", depth: 5, hostnames: ["s.test"] })).toThrow(
      /depth must be 1..4/,
    );
    expect(() => generateChain({ sig: "nope" as "ed25519", depth: 2, hostnames: ["s.test"] })).toThrow(
      /unknown signature algorithm/,
    );
  });

  it("re-padding the rsa2048 fixture (leaf + intermediate) with its issuers' keys reproduces rsa2048-16k exactly", () => {
    const base = loadFixture("rsa2048");
    const intermediateKey = loadPrivateKey(readFileSync(`${PKI_DIR}rsa2048/intermediate-1.key`, "utf8"));
    const padded = padChain(base.sent, [intermediateKey, base.rootKey], 16384, provider);
    const fixture = loadFixture("rsa2048-16k").sent;
    expect(padded.length).toBe(2);
    expect(chainWireSize(padded)).toBe(16384);
    for (const [i, cert] of padded.entries())
      expect(Buffer.from(cert.der).equals(Buffer.from(fixture[i].der))).toBe(true);
  });
});

describe("test PKI", () => {
  it("regenerates byte for byte from its seeds", () => {
    const files = generateTestPki(x509, deterministicProvider(nobleProvider)) as Record<string, string>;
    expect(Object.keys(files).length).toBeGreaterThan(40);
    for (const [path, content] of Object.entries(files))
      expect(readFileSync(`${PKI_DIR}${path}`, "utf8"), path).toBe(content);
  });
});
