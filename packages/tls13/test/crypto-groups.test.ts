// Key exchange groups: every group round-trips, hybrids are laid out as draft-ietf-tls-ecdhe-mlkem
// says, shared ECDH key pairs work, and bad shares are refused with illegal_parameter.

import { describe, expect, it } from "vitest";
import { generateKeyShares, isHybridGroup } from "../src/crypto/index.js";
import { TlsAlert } from "../src/errors.js";
import type { GroupName } from "../src/wire/codepoints.js";
import { NamedGroup } from "../src/wire/codepoints.js";
import { mustHave, testProviders } from "./crypto-providers.js";

const toHex = (b: Uint8Array): string => Buffer.from(b).toString("hex");
const ALL_GROUPS = Object.keys(NamedGroup) as GroupName[];

/** Asserts `fn` throws TlsAlert(illegal_parameter). */
function expectIllegalParameter(fn: () => unknown): void {
  let error: unknown;
  try {
    fn();
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(TlsAlert);
  expect((error as TlsAlert).alertName).toBe("illegal_parameter");
}

const SIZES: Record<GroupName, [number, number, number]> = {
  // client share, server share, shared secret
  secp256r1: [65, 65, 32],
  secp384r1: [97, 97, 48],
  x25519: [32, 32, 32],
  MLKEM512: [800, 768, 32],
  MLKEM768: [1184, 1088, 32],
  MLKEM1024: [1568, 1568, 32],
  SecP256r1MLKEM768: [1249, 1153, 64],
  X25519MLKEM768: [1216, 1120, 64],
  SecP384r1MLKEM1024: [1665, 1665, 80],
};

for (const provider of testProviders()) {
  const groups = ALL_GROUPS.filter((name) => provider.groups[name] !== undefined);
  const has = (name: GroupName): boolean => provider.groups[name] !== undefined;
  describe(`${provider.name}: key exchange groups`, () => {
    it("has every group it must on this runtime", () => {
      expect(groups).toEqual(ALL_GROUPS.filter((name) => mustHave(provider.name, name)));
    });

    it.each(groups)("%s: sizes as specified, both sides agree, secrets differ per exchange", (name) => {
      const group = provider.groups[name];
      if (!group) throw new Error(`${name} missing`);
      expect(group.code).toBe(NamedGroup[name]);
      const [pk, ct, ss] = SIZES[name];
      expect([group.publicKeyLength, group.ciphertextLength]).toEqual([pk, ct]);
      const client = group.keyGen();
      expect(client.publicKey.length).toBe(pk);
      const server = group.encapsulate(client.publicKey);
      expect(server.ciphertext.length).toBe(ct);
      expect(server.sharedSecret.length).toBe(ss);
      expect(toHex(group.decapsulate(server.ciphertext, client.privateKey))).toBe(toHex(server.sharedSecret));
      expect(toHex(group.encapsulate(client.publicKey).sharedSecret)).not.toBe(toHex(server.sharedSecret));
    });

    it("hybrids order shares and secrets per draft-ietf-tls-ecdhe-mlkem (ML-KEM first only in X25519MLKEM768)", () => {
      for (const name of (["X25519MLKEM768", "SecP256r1MLKEM768", "SecP384r1MLKEM1024"] as const).filter(
        has,
      )) {
        const group = provider.groups[name];
        if (!group || !isHybridGroup(group)) throw new Error(`${name} is not a composed hybrid`);
        const kemFirst = name === "X25519MLKEM768";
        const shares = generateKeyShares(provider, [name]);
        const client = shares.get(name)!;
        const { ciphertext, sharedSecret } = group.encapsulate(client.publicKey);
        const priv = client.privateKey as { kem: unknown; ecdh: unknown };
        const kemCt = kemFirst
          ? ciphertext.subarray(0, group.kem.ciphertextLength)
          : ciphertext.subarray(group.ecdh.ciphertextLength);
        const ecdhCt = kemFirst
          ? ciphertext.subarray(group.kem.ciphertextLength)
          : ciphertext.subarray(0, group.ecdh.ciphertextLength);
        const kemSecret = group.kem.decapsulate(kemCt, priv.kem);
        const ecdhSecret = group.ecdh.decapsulate(ecdhCt, priv.ecdh);
        const expected = kemFirst ? [kemSecret, ecdhSecret] : [ecdhSecret, kemSecret];
        expect(toHex(sharedSecret)).toBe(toHex(expected[0]) + toHex(expected[1]));
      }
    });

    if (!has("X25519MLKEM768"))
      console.warn(
        `skipping ${provider.name}'s shared-key-pair test: this runtime's node:crypto has no ML-KEM (needs Node >= 24.7); crypto-node24.test.ts runs it under Node 24`,
      );
    it.runIf(has("X25519MLKEM768"))(
      "generateKeyShares shares one ECDH key pair between a plain group and its hybrid",
      () => {
        const shares = generateKeyShares(provider, [
          "X25519MLKEM768",
          "x25519",
          "SecP256r1MLKEM768",
          "secp256r1",
        ]);
        const hybrid = shares.get("X25519MLKEM768")!;
        const x = shares.get("x25519")!;
        expect(toHex(hybrid.publicKey.subarray(1184))).toBe(toHex(x.publicKey));
        expect(toHex(shares.get("SecP256r1MLKEM768")!.publicKey.subarray(0, 65))).toBe(
          toHex(shares.get("secp256r1")!.publicKey),
        );
        // Each share still decapsulates with its own group.
        for (const [name, pair] of shares) {
          const group = provider.groups[name]!;
          const server = group.encapsulate(pair.publicKey);
          expect(toHex(group.decapsulate(server.ciphertext, pair.privateKey))).toBe(
            toHex(server.sharedSecret),
          );
        }
        expect(() => generateKeyShares({ ...provider, name: "empty", groups: {} }, ["x25519"])).toThrow(
          /x25519/,
        );
      },
    );

    it.each(groups)("%s: wrong-length shares are illegal_parameter on both sides", (name) => {
      const group = provider.groups[name]!;
      const client = group.keyGen();
      expectIllegalParameter(() => group.encapsulate(client.publicKey.subarray(1)));
      expectIllegalParameter(() => group.encapsulate(new Uint8Array(group.publicKeyLength + 1)));
      const { ciphertext } = group.encapsulate(client.publicKey);
      expectIllegalParameter(() =>
        group.decapsulate(ciphertext.subarray(0, ciphertext.length - 1), client.privateKey),
      );
    });

    it("ML-KEM encapsulation keys failing the FIPS 203 modulus check are illegal_parameter", () => {
      const names = ["MLKEM512", "MLKEM768", "MLKEM1024", "X25519MLKEM768", "SecP256r1MLKEM768"] as const;
      for (const name of names.filter(has)) {
        const group = provider.groups[name]!;
        const key = group.keyGen().publicKey.slice();
        // The first 12-bit coefficient of t̂ (of the ML-KEM part) set to 4095 ≥ q.
        const at = name.startsWith("SecP") ? 65 : 0;
        key[at] = 0xff;
        key[at + 1] |= 0x0f;
        expectIllegalParameter(() => group.encapsulate(key));
      }
    });

    it("X25519 small-order points (all-zero shared secret) are illegal_parameter", () => {
      const x = provider.groups.x25519!;
      const zero = new Uint8Array(32);
      const one = new Uint8Array(32);
      one[0] = 1; // u = 1 has order 4 on curve25519: the output is zero too
      expectIllegalParameter(() => x.encapsulate(zero));
      expectIllegalParameter(() => x.encapsulate(one));
      expectIllegalParameter(() => x.decapsulate(zero, x.keyGen().privateKey));
      const hybrid = provider.groups.X25519MLKEM768;
      if (!hybrid) return;
      const pair = hybrid.keyGen();
      const { ciphertext } = hybrid.encapsulate(pair.publicKey);
      const bad = ciphertext.slice();
      bad.fill(0, 1088);
      expectIllegalParameter(() => hybrid.decapsulate(bad, pair.privateKey));
    });

    it("NIST points off the curve or not uncompressed are illegal_parameter", () => {
      for (const name of (["secp256r1", "secp384r1", "SecP256r1MLKEM768"] as const).filter(has)) {
        const group = provider.groups[name]!;
        const key = group.keyGen().publicKey.slice();
        key[10] ^= 1; // x changed, y kept: off the curve
        expectIllegalParameter(() => group.encapsulate(key));
        const compressed = group.keyGen().publicKey.slice();
        compressed[0] = 0x02;
        expectIllegalParameter(() => group.encapsulate(compressed));
      }
      const p256 = provider.groups.secp256r1!;
      const pair = p256.keyGen();
      const offCurve = p256.keyGen().publicKey.slice();
      offCurve[64] ^= 1;
      expectIllegalParameter(() => p256.decapsulate(offCurve, pair.privateKey));
    });
  });
}

describe("native key generation never exports a freshly generated KeyObject", () => {
  // Node 20 can deadlock when a GC during KeyObject.export() of a generated key finalizes the
  // finished key-generation job (see src/crypto/native/groups.ts): the public key must come encoded
  // from generateKeyPairSync itself. Checked by watching export() on both key classes.
  it("keyGen of every native group encodes the public key without calling export()", async () => {
    const { generateKeyPairSync } = await import("node:crypto");
    const { nativeProvider } = await import("../src/crypto/index.js");
    const sample = generateKeyPairSync("x25519");
    const protos = [Object.getPrototypeOf(sample.publicKey), Object.getPrototypeOf(sample.privateKey)];
    const originals = protos.map((p) => p.export);
    let exports = 0;
    for (const [i, p] of protos.entries())
      p.export = function (this: unknown, ...args: unknown[]) {
        exports++;
        return originals[i].apply(this, args);
      };
    try {
      const names = Object.keys(nativeProvider.groups) as GroupName[];
      expect(names).toContain("x25519");
      for (const name of names) {
        const group = nativeProvider.groups[name]!;
        const pair = group.keyGen();
        const { ciphertext, sharedSecret } = group.encapsulate(pair.publicKey);
        expect(Buffer.from(group.decapsulate(ciphertext, pair.privateKey)), name).toEqual(
          Buffer.from(sharedSecret),
        );
      }
      expect(exports).toBe(0);
    } finally {
      for (const [i, p] of protos.entries()) p.export = originals[i];
    }
  });
});
