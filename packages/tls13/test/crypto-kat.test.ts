// Known answers through the provider interface, with private keys built from published or fixed
// values: RFC 7748 §6.1 X25519, and ML-KEM-768 from a fixed 64-byte seed (d ‖ z), where noble, liboqs
// and OpenSSL must agree on the encapsulation key and on the implicit-rejection secret of a garbage
// ciphertext (FIPS 203's J(z ‖ c): any deviation in decapsulation shows up here).

import { createPrivateKey, createPublicKey, type KeyObject } from "node:crypto";
import { ml_kem768 } from "@noble/post-quantum/ml-kem.js";
import { describe, expect, it } from "vitest";
import type { CryptoProvider } from "../src/crypto/provider.js";
import { testProviders } from "./crypto-providers.js";

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, "hex"));
const toHex = (b: Uint8Array): string => Buffer.from(b).toString("hex");

const ALICE_PRIVATE = "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a";
const ALICE_PUBLIC = "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a";
const BOB_PUBLIC = "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f";
const SHARED = "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742";

/** The private key form of the backend serving `algorithm` in `provider`. */
function backendOf(provider: CryptoProvider, algorithm: string): string {
  return provider.describe()[algorithm] ?? "?";
}

function x25519Private(backend: string, raw: Uint8Array): unknown {
  if (backend === "noble") return raw;
  const b64 = (b: Uint8Array) => Buffer.from(b).toString("base64url");
  return createPrivateKey({
    key: { kty: "OKP", crv: "X25519", d: b64(raw), x: b64(hex(ALICE_PUBLIC)) },
    format: "jwk",
  });
}

// RFC 9935 (ML-KEM in X.509) seed-only PKCS#8: OCTET STRING { [0] 64-byte seed }, id-alg-ml-kem-768.
function mlkem768FromSeed(seed: Uint8Array): KeyObject {
  const prefix = hex("3054020100300b060960864801650304040204428040");
  return createPrivateKey({ key: Buffer.concat([prefix, seed]), format: "der", type: "pkcs8" });
}

const SEED = Uint8Array.from({ length: 64 }, (_, i) => (i * 7 + 3) & 0xff);
const noble = ml_kem768.keygen(SEED);
const garbage = Uint8Array.from({ length: 1088 }, (_, i) => (i * 31 + 11) & 0xff);
// noble's answer is the reference the other backends must match byte for byte.
const rejection = toHex(ml_kem768.decapsulate(garbage, noble.secretKey));

for (const provider of testProviders()) {
  describe(`${provider.name}: known answers`, () => {
    it("X25519: RFC 7748 §6.1 (Alice's key, Bob's share)", () => {
      const group = provider.groups.x25519!;
      const priv = x25519Private(backendOf(provider, "x25519"), hex(ALICE_PRIVATE));
      expect(toHex(group.decapsulate(hex(BOB_PUBLIC), priv))).toBe(SHARED);
    });

    it("ML-KEM-768 from a fixed seed: same implicit-rejection secret and a working round trip", () => {
      const group = provider.groups.MLKEM768;
      if (!group) return; // native on Node < 24.7: checked by the Node 24 run
      const backend = backendOf(provider, "MLKEM768");
      const priv = backend === "native" ? mlkem768FromSeed(SEED) : noble.secretKey;
      expect(toHex(group.decapsulate(garbage, priv))).toBe(rejection);
      const { ciphertext, sharedSecret } = group.encapsulate(noble.publicKey);
      expect(toHex(group.decapsulate(ciphertext, priv))).toBe(toHex(sharedSecret));
      if (backend === "native") {
        // OpenSSL derives the same encapsulation key from the seed as noble does.
        const publicKey = createPublicKey(mlkem768FromSeed(SEED));
        const pub = (publicKey.export as (o: object) => Buffer)({ format: "raw-public" });
        expect(toHex(pub)).toBe(toHex(noble.publicKey));
      }
    });
  });
}
