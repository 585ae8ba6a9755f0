// The record layer's allocation-free sealing paths must put the very same bytes on the wire as the
// plain seal() path, padding included: in place through the EVP addon (sealInto / openInto), and
// with node:crypto's detached ciphertext and tag plus a reused TLSInnerPlaintext buffer.

import { describe, expect, it } from "vitest";
import { nativeProvider, nobleProvider } from "../src/crypto/index.js";
import { nativeAeads } from "../src/crypto/native/symmetric.js";
import type { Aead, AeadKey } from "../src/crypto/provider.js";
import { RecordCipher } from "../src/record/cipher.js";
import { RecordReader } from "../src/record/reader.js";
import { RecordWriter } from "../src/record/writer.js";
import { ContentType } from "../src/wire/codepoints.js";

const SUITE = {
  AES_128_GCM: "TLS_AES_128_GCM_SHA256",
  CHACHA20_POLY1305: "TLS_CHACHA20_POLY1305_SHA256",
} as const;
const aeadOf = (p: typeof nativeProvider, name: keyof typeof SUITE): Aead => p.suites[SUITE[name]]!.aead;
/** node:crypto's cipher objects, never the addon: the detached path. */
const nodeCryptoAeads = nativeAeads(true, false);
const KEY = new Uint8Array(32).map((_, i) => i * 7);
const IV = new Uint8Array(12).map((_, i) => 200 - i);

/** The same AEAD with only seal/open: forces the joined path. */
function withoutDetached(aead: Aead, key: Uint8Array): AeadKey {
  const k = aead.init(key);
  return { seal: (n, p, a) => k.seal(n, p, a), open: (n, c, a) => k.open(n, c, a) };
}

function join(chunks: Uint8Array[]): Buffer {
  return Buffer.concat(chunks);
}

const payloads = [
  new Uint8Array(40000).map((_, i) => (i * 31) & 0xff), // three records, the first two full
  new Uint8Array(5).fill(0xab), // short, after full records left bytes in the reused buffer
  new Uint8Array(0),
];

describe("sealDetached and the reused inner buffer", () => {
  for (const name of ["AES_128_GCM", "CHACHA20_POLY1305"] as const) {
    it(`${name}: node:crypto sealDetached ‖ equals seal, and both equal noble`, () => {
      const aead = nodeCryptoAeads[name]!;
      const key = KEY.subarray(0, aead.keyLength);
      const native = aead.init(key);
      expect(native.sealDetached).toBeTypeOf("function");
      const noble = aeadOf(nobleProvider, name).init(key);
      const plaintext = new Uint8Array(1000).fill(9);
      const aad = Uint8Array.of(23, 3, 3, 3, 0xf8);
      const [ct, tag] = native.sealDetached!(IV, plaintext, aad);
      expect(tag.length).toBe(16);
      const joined = join([ct, tag]);
      expect(joined).toEqual(Buffer.from(native.seal(IV, plaintext, aad)));
      expect(joined).toEqual(Buffer.from(noble.seal(IV, plaintext, aad)));
    });

    for (const padding of [undefined, { block: 256 }] as const) {
      it(`${name}, padding ${padding ? "block 256" : "none"}: in-place, detached and joined paths put the same bytes on the wire, which read back`, () => {
        const aead = aeadOf(nativeProvider, name);
        const key = KEY.subarray(0, aead.keyLength);
        const inPlace = new RecordWriter(padding);
        inPlace.setCipher(new RecordCipher(aead.init(key), IV));
        const detached = new RecordWriter(padding);
        detached.setCipher(new RecordCipher(nodeCryptoAeads[name]!.init(key), IV));
        const plain = new RecordWriter(padding);
        plain.setCipher(new RecordCipher(withoutDetached(aead, key), IV));
        const reader = new RecordReader();
        reader.setCipher(new RecordCipher(aead.init(key), IV));
        for (const data of payloads) {
          inPlace.write(ContentType.application_data, data);
          detached.write(ContentType.application_data, data);
          plain.write(ContentType.application_data, data);
          const wire = join(inPlace.drain());
          expect(wire).toEqual(join(detached.drain()));
          expect(wire).toEqual(join(plain.drain()));
          reader.push(wire);
          const got: Uint8Array[] = [];
          for (let r = reader.next(); r; r = reader.next()) {
            expect(r.type).toBe(ContentType.application_data);
            got.push(r.data);
          }
          expect(join(got)).toEqual(Buffer.from(data));
        }
      });
    }
  }
});
