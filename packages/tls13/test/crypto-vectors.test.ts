// Published known-answer vectors for the symmetric primitives, run against every provider:
// RFC 4231 (HMAC), RFC 5869 (HKDF), the GCM spec's test cases 3/4, RFC 8439 §2.8.2 (ChaCha20-Poly1305).

import { describe, expect, it } from "vitest";
import { hkdfExpand, hkdfExtract } from "../src/crypto/index.js";
import { testProviders } from "./crypto-providers.js";

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ""), "hex"));
const toHex = (b: Uint8Array): string => Buffer.from(b).toString("hex");
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

const GCM_KEY = "feffe9928665731c6d6a8f9467308308";
const GCM_IV = "cafebabefacedbaddecaf888";
const GCM_PT =
  "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255";
const GCM_CT =
  "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091473f5985";

const CHACHA_PT =
  "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.";
const CHACHA_CT = `d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d63dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b3692ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc3ff4def08e4b7a9de576d26586cec64b6116`;
const CHACHA_TAG = "1ae10b594f09e26a7e902ecbd0600691";

for (const provider of testProviders()) {
  describe(`${provider.name}: symmetric known answers`, () => {
    it("HMAC-SHA-256/384/512 match RFC 4231 test cases 1 and 2", () => {
      const key1 = new Uint8Array(20).fill(0x0b);
      const data1 = utf8("Hi There");
      expect(toHex(provider.hashes.sha256.hmac(key1, data1))).toBe(
        "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
      );
      expect(toHex(provider.hashes.sha384.hmac(key1, data1))).toBe(
        "afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59cfaea9ea9076ede7f4af152e8b2fa9cb6",
      );
      expect(toHex(provider.hashes.sha512.hmac(key1, data1))).toBe(
        "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cdedaa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854",
      );
      expect(toHex(provider.hashes.sha256.hmac(utf8("Jefe"), utf8("what do ya want for nothing?")))).toBe(
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
      );
    });

    it("HKDF-SHA-256 matches RFC 5869 test case 1", () => {
      const hash = provider.hashes.sha256;
      const prk = hkdfExtract(hash, hex("000102030405060708090a0b0c"), new Uint8Array(22).fill(0x0b));
      expect(toHex(prk)).toBe("077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5");
      expect(toHex(hkdfExpand(hash, prk, hex("f0f1f2f3f4f5f6f7f8f9"), 42))).toBe(
        "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865",
      );
    });

    it("hash states fork: digest() does not end the running hash and clones are independent", () => {
      for (const hash of Object.values(provider.hashes)) {
        const state = hash.create().update(utf8("client hello "));
        const fork = state.clone();
        const early = state.digest();
        state.update(utf8("server hello"));
        expect(toHex(early)).toBe(toHex(hash.digest(utf8("client hello "))));
        expect(toHex(state.digest())).toBe(toHex(hash.digest(utf8("client hello server hello"))));
        expect(toHex(fork.update(utf8("x")).digest())).toBe(toHex(hash.digest(utf8("client hello x"))));
        expect(early.length).toBe(hash.outputLength);
      }
    });

    it("AES-128-GCM matches the GCM spec test cases 3 (no AAD) and 4 (AAD, partial block)", () => {
      const suite = provider.suites.TLS_AES_128_GCM_SHA256;
      if (!suite) throw new Error("AES-128-GCM missing");
      const key = suite.aead.init(hex(GCM_KEY));
      const sealed3 = key.seal(hex(GCM_IV), hex(GCM_PT), new Uint8Array(0));
      expect(toHex(sealed3)).toBe(`${GCM_CT}4d5c2af327cd64a62cf35abd2ba6fab4`);
      const aad = hex("feedfacedeadbeeffeedfacedeadbeefabaddad2");
      const sealed4 = key.seal(hex(GCM_IV), hex(GCM_PT).subarray(0, 60), aad);
      expect(toHex(sealed4)).toBe(`${GCM_CT.slice(0, 120)}5bc94fbc3221a5db94fae95ae7121a47`);
      expect(toHex(key.open(hex(GCM_IV), sealed4, aad) ?? new Uint8Array())).toBe(GCM_PT.slice(0, 120));
    });

    it("ChaCha20-Poly1305 matches RFC 8439 §2.8.2", () => {
      const suite = provider.suites.TLS_CHACHA20_POLY1305_SHA256;
      if (!suite) throw new Error("ChaCha20-Poly1305 missing");
      const key = suite.aead.init(hex("808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"));
      const nonce = hex("070000004041424344454647");
      const aad = hex("50515253c0c1c2c3c4c5c6c7");
      const sealed = key.seal(nonce, utf8(CHACHA_PT), aad);
      expect(toHex(sealed)).toBe(CHACHA_CT + CHACHA_TAG);
      expect(new TextDecoder().decode(key.open(nonce, sealed, aad) ?? new Uint8Array())).toBe(CHACHA_PT);
    });

    it("open() returns null for a flipped bit, wrong AAD, or a record shorter than the tag", () => {
      for (const { aead } of Object.values(provider.suites)) {
        const key = aead.init(new Uint8Array(aead.keyLength).fill(7));
        const nonce = new Uint8Array(12).fill(1);
        const aad = utf8("header");
        const sealed = key.seal(nonce, utf8("record body"), aad);
        expect(sealed.length).toBe(11 + 16);
        const flipped = sealed.slice();
        flipped[3] ^= 1;
        expect(key.open(nonce, flipped, aad)).toBeNull();
        expect(key.open(nonce, sealed, utf8("Header"))).toBeNull();
        expect(key.open(nonce, sealed.subarray(0, 15), aad)).toBeNull();
        expect(new TextDecoder().decode(key.open(nonce, sealed, aad) ?? new Uint8Array())).toBe(
          "record body",
        );
      }
    });

    it("randomBytes returns fresh bytes of the asked length", () => {
      const a = provider.randomBytes(32);
      const b = provider.randomBytes(32);
      expect(a.length).toBe(32);
      expect(toHex(a)).not.toBe(toHex(b));
    });
  });
}
