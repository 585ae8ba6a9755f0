// Cross-checks between providers (the known-answer test where no library ships vectors): a server on
// one provider and a client on another derive byte-identical secrets; deterministic signatures are
// byte-identical; every provider verifies every other's signatures; bad input is refused the same way.

import { createPrivateKey, createPublicKey } from "node:crypto";
import { describe, expect, it } from "vitest";
import { generateKeyShares, generateSigningKey } from "../src/crypto/index.js";
import type { CryptoProvider, KeyAlgorithm } from "../src/crypto/provider.js";
import { TlsAlert } from "../src/errors.js";
import { type GroupName, NamedGroup, type SignatureSchemeName } from "../src/wire/codepoints.js";
import { signingKeyFor as keyFor, testProviders } from "./crypto-providers.js";

const toHex = (b: Uint8Array): string => Buffer.from(b).toString("hex");
const providers = testProviders();
const pairs: [CryptoProvider, CryptoProvider][] = providers.flatMap((a) =>
  providers.map((b) => [a, b] as [CryptoProvider, CryptoProvider]),
);
const pairName = ([a, b]: [CryptoProvider, CryptoProvider]): string => `client ${a.name} / server ${b.name}`;

const SCHEME_KEYS: [SignatureSchemeName, KeyAlgorithm][] = [
  ["rsa_pkcs1_sha256", "rsa"],
  ["rsa_pss_rsae_sha256", "rsa"],
  ["rsa_pss_rsae_sha384", "rsa"],
  ["rsa_pss_pss_sha256", "rsa-pss"],
  ["ecdsa_secp256r1_sha256", "p256"],
  ["ecdsa_secp384r1_sha384", "p384"],
  ["ed25519", "ed25519"],
  ["mldsa44", "mldsa44"],
  ["mldsa65", "mldsa65"],
  ["mldsa87", "mldsa87"],
];
const message = new TextEncoder().encode("cross-provider CertificateVerify content");

function alertOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return e instanceof TlsAlert ? e.alertName : `not a TlsAlert: ${e}`;
  }
  return "no error";
}

describe.each(pairs)("%#", (client, server) => {
  const label = pairName([client, server]);
  const common = (Object.keys(NamedGroup) as GroupName[]).filter((g) => client.groups[g] && server.groups[g]);

  it(`${label}: every common group derives the same secret on both sides`, () => {
    expect(common.length).toBeGreaterThanOrEqual(3);
    const shares = generateKeyShares(client, common);
    for (const name of common) {
      const share = shares.get(name)!;
      const { ciphertext, sharedSecret } = server.groups[name]!.encapsulate(share.publicKey);
      expect(toHex(client.groups[name]!.decapsulate(ciphertext, share.privateKey)), name).toBe(
        toHex(sharedSecret),
      );
    }
  });

  it(`${label}: signatures made by one verify with the other`, () => {
    for (const [name, alg] of SCHEME_KEYS) {
      const signer = client.signatures[name];
      const verifier = server.signatures[name];
      if (!signer || !verifier) continue;
      const key = keyFor(alg);
      const signature = signer.sign(key, message);
      expect(verifier.verify(key.publicKey, message, signature), name).toBe(true);
      const bad = signature.slice();
      bad[bad.length - 3] ^= 4;
      expect(verifier.verify(key.publicKey, message, bad), name).toBe(false);
    }
  });

  it(`${label}: deterministic signatures (Ed25519, RSA PKCS#1 v1.5) are byte-identical`, () => {
    for (const [name, alg] of [
      ["ed25519", "ed25519"],
      ["rsa_pkcs1_sha256", "rsa"],
    ] as const) {
      const key = keyFor(alg);
      expect(toHex(client.signatures[name]!.sign(key, message)), name).toBe(
        toHex(server.signatures[name]!.sign(key, message)),
      );
    }
  });

  it(`${label}: AEAD records sealed by one open with the other`, () => {
    for (const suite of [
      "TLS_AES_128_GCM_SHA256",
      "TLS_AES_256_GCM_SHA384",
      "TLS_CHACHA20_POLY1305_SHA256",
    ] as const) {
      const a = client.suites[suite];
      const b = server.suites[suite];
      if (!a || !b) continue;
      const key = client.randomBytes(a.aead.keyLength);
      const nonce = client.randomBytes(12);
      const aad = Uint8Array.of(23, 3, 3, 0x40, 0x11);
      const record = client.randomBytes(16384);
      const sealed = a.aead.init(key).seal(nonce, record, aad);
      expect(toHex(b.aead.init(key).seal(nonce, record, aad))).toBe(toHex(sealed));
      expect(toHex(b.aead.init(key).open(nonce, sealed, aad)!)).toBe(toHex(record));
    }
  });

  it(`${label}: invalid shares are refused with the same alert`, () => {
    for (const name of common) {
      const c = client.groups[name]!;
      const s = server.groups[name]!;
      const short = c.keyGen().publicKey.subarray(1);
      expect(
        alertOf(() => s.encapsulate(short)),
        name,
      ).toBe(alertOf(() => c.encapsulate(short)));
      expect(alertOf(() => s.encapsulate(short))).toBe("illegal_parameter");
    }
  });
});

describe("ML-DSA keys from RFC 9881 seeds", () => {
  it("noble's KeyGen_internal(seed) matches OpenSSL's where node:crypto has ML-DSA", () => {
    const key = generateSigningKey("mldsa65");
    const native = providers.find((p) => p.name === "native")!;
    if (!native.signatures.mldsa65) return; // Node < 24.7: checked in the Node 24 run (crypto-node24.test.ts)
    const spki = createPublicKey(
      createPrivateKey({ key: Buffer.from(key.pkcs8), format: "der", type: "pkcs8" }),
    ).export({
      type: "spki",
      format: "der",
    });
    expect(toHex(spki)).toBe(toHex(key.publicKey.spki));
  });
});
