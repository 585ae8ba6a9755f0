// Signature schemes: every scheme signs and verifies, rejects tampering, malformed signatures and
// keys of the wrong kind, and loads ML-DSA keys from RFC 9881 seeds.

import { describe, expect, it } from "vitest";
import { generateSigningKey, mldsaKeyFromSeed } from "../src/crypto/index.js";
import type { KeyAlgorithm } from "../src/crypto/provider.js";
import { SignatureScheme, type SignatureSchemeName } from "../src/wire/codepoints.js";
import { signingKeyFor as keyFor, mustHave, testProviders } from "./crypto-providers.js";

const SCHEME_KEYS: [SignatureSchemeName, KeyAlgorithm][] = [
  ["rsa_pkcs1_sha256", "rsa"],
  ["rsa_pkcs1_sha384", "rsa"],
  ["rsa_pkcs1_sha512", "rsa"],
  ["rsa_pss_rsae_sha256", "rsa"],
  ["rsa_pss_rsae_sha384", "rsa"],
  ["rsa_pss_rsae_sha512", "rsa"],
  ["rsa_pss_pss_sha256", "rsa-pss"],
  ["rsa_pss_pss_sha384", "rsa-pss"],
  ["rsa_pss_pss_sha512", "rsa-pss"],
  ["ecdsa_secp256r1_sha256", "p256"],
  ["ecdsa_secp384r1_sha384", "p384"],
  ["ed25519", "ed25519"],
  ["mldsa44", "mldsa44"],
  ["mldsa65", "mldsa65"],
  ["mldsa87", "mldsa87"],
];

const message = new TextEncoder().encode(
  `${" ".repeat(64)}TLS 1.3, server CertificateVerify\0transcript hash`,
);

for (const provider of testProviders()) {
  const schemes = SCHEME_KEYS.filter(([name]) => provider.signatures[name] !== undefined);
  const mldsa = provider.signatures.mldsa44 !== undefined;
  describe(`${provider.name}: signatures`, () => {
    it("has every scheme it must on this runtime", () => {
      expect(schemes.map(([name]) => name)).toEqual(
        SCHEME_KEYS.map(([name]) => name).filter((name) => mustHave(provider.name, name)),
      );
    });

    it.each(schemes)("%s: sign → verify; tampered message, signature or truncation → false", (name, alg) => {
      const scheme = provider.signatures[name];
      if (!scheme) throw new Error(`${name} missing`);
      expect(scheme.code).toBe(SignatureScheme[name]);
      expect(scheme.keyAlgorithms).toContain(alg);
      const key = keyFor(alg);
      const signature = scheme.sign(key, message);
      expect(scheme.verify(key.publicKey, message, signature)).toBe(true);
      const otherMessage = message.slice();
      otherMessage[70] ^= 1;
      expect(scheme.verify(key.publicKey, otherMessage, signature)).toBe(false);
      const flipped = signature.slice();
      flipped[flipped.length >> 1] ^= 0x10;
      expect(scheme.verify(key.publicKey, message, flipped)).toBe(false);
      expect(scheme.verify(key.publicKey, message, signature.subarray(0, signature.length - 1))).toBe(false);
      expect(scheme.verify(key.publicKey, message, new Uint8Array(0))).toBe(false);
    });

    it("a key of the wrong kind: sign throws, verify is false", () => {
      const ed = keyFor("ed25519");
      const p256 = provider.signatures.ecdsa_secp256r1_sha256!;
      expect(() => p256.sign(ed, message)).toThrow(/ed25519/);
      const sig = provider.signatures.ed25519!.sign(ed, message);
      expect(p256.verify(ed.publicKey, message, sig)).toBe(false);
      // An ML-DSA-44 signature is not an ML-DSA-65 one.
      if (mldsa) {
        const k44 = keyFor("mldsa44");
        const sig44 = provider.signatures.mldsa44!.sign(k44, message);
        expect(provider.signatures.mldsa65!.verify(k44.publicKey, message, sig44)).toBe(false);
      }
      // rsaEncryption keys are not rsa_pss_pss keys.
      expect(() => provider.signatures.rsa_pss_pss_sha256!.sign(keyFor("rsa"), message)).toThrow(/rsa/);
    });

    it("signature sizes: ML-DSA 2420/3309/4627, Ed25519 64, RSA-2048 256", () => {
      if (mldsa) {
        expect(provider.signatures.mldsa44!.sign(keyFor("mldsa44"), message).length).toBe(2420);
        expect(provider.signatures.mldsa65!.sign(keyFor("mldsa65"), message).length).toBe(3309);
        expect(provider.signatures.mldsa87!.sign(keyFor("mldsa87"), message).length).toBe(4627);
      }
      expect(provider.signatures.ed25519!.sign(keyFor("ed25519"), message).length).toBe(64);
      expect(provider.signatures.rsa_pss_rsae_sha256!.sign(keyFor("rsa"), message).length).toBe(256);
    });

    it("ECDSA signatures are DER and verify without the low-S rule", () => {
      const key = keyFor("p256");
      const scheme = provider.signatures.ecdsa_secp256r1_sha256!;
      const sig = scheme.sign(key, message);
      expect(sig[0]).toBe(0x30); // DER SEQUENCE
      expect(sig[1]).toBe(sig.length - 2);
      // Re-encode with s' = n - s (the high-S twin): still valid for TLS.
      const n = BigInt("0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551");
      const rLen = sig[3];
      const r = sig.subarray(4, 4 + rLen);
      const s = BigInt(`0x${Buffer.from(sig.subarray(6 + rLen)).toString("hex")}`);
      const int = (v: bigint): Uint8Array => {
        let h = v.toString(16);
        if (h.length % 2) h = `0${h}`;
        if (Number.parseInt(h.slice(0, 2), 16) >= 0x80) h = `00${h}`;
        const b = Buffer.from(h, "hex");
        return Uint8Array.of(0x02, b.length, ...b);
      };
      const body = [...Uint8Array.of(0x02, rLen, ...r), ...int(n - s)];
      const twin = Uint8Array.of(0x30, body.length, ...body);
      expect(scheme.verify(key.publicKey, message, twin)).toBe(true);
    });

    if (!mldsa)
      console.warn(
        `skipping ${provider.name}'s ML-DSA seed test: this runtime's node:crypto has no ML-DSA (needs Node >= 24.7); crypto-node24.test.ts runs it under Node 24`,
      );
    it.runIf(mldsa)(
      "ML-DSA keys load from a 32-byte RFC 9881 seed and give the same public key every time",
      () => {
        const seed = new Uint8Array(32).map((_, i) => i);
        const a = mldsaKeyFromSeed("mldsa65", seed);
        const b = mldsaKeyFromSeed("mldsa65", seed);
        expect(Buffer.from(a.publicKey.raw!).equals(Buffer.from(b.publicKey.raw!))).toBe(true);
        expect(a.pkcs8.length).toBe(54); // SEQUENCE { version, AlgorithmIdentifier, OCTET STRING { [0] seed } }
        expect(a.publicKey.spki.length).toBe(1952 + 22);
        const sig = provider.signatures.mldsa65!.sign(a, message);
        expect(provider.signatures.mldsa65!.verify(b.publicKey, message, sig)).toBe(true);
      },
    );

    it("verify works from the SPKI alone when raw is absent", () => {
      for (const alg of (["p256", "ed25519", "mldsa44"] as const).filter((a) => a !== "mldsa44" || mldsa)) {
        const key = keyFor(alg);
        const name = alg === "p256" ? "ecdsa_secp256r1_sha256" : alg;
        const scheme = provider.signatures[name]!;
        const sig = scheme.sign(key, message);
        expect(scheme.verify({ algorithm: alg, spki: key.publicKey.spki }, message, sig)).toBe(true);
      }
    });
  });
}

describe("warmUpKey", () => {
  it("signs and verifies once with every scheme of the provider that takes the key", async () => {
    const { warmUpKey } = await import("../src/crypto/index.js");
    for (const provider of testProviders()) {
      const expected = provider.signatures.mldsa65 ? ["mldsa65"] : [];
      expect(warmUpKey(provider, keyFor("mldsa65"))).toEqual(expected);
      expect(warmUpKey(provider, keyFor("rsa-pss")).sort()).toEqual([
        "rsa_pss_pss_sha256",
        "rsa_pss_pss_sha384",
        "rsa_pss_pss_sha512",
      ]);
    }
  });

  it("refuses a key whose public half does not match its private half", async () => {
    const { warmUpKey } = await import("../src/crypto/index.js");
    const mismatched = { ...keyFor("ed25519"), publicKey: generateSigningKey("ed25519").publicKey };
    expect(() => warmUpKey(testProviders()[0], mismatched)).toThrow(/does not verify/);
  });
});
