// AEADs and hashes on @noble/ciphers and @noble/hashes.

import { gcm } from "@noble/ciphers/aes.js";
import { chacha20poly1305 } from "@noble/ciphers/chacha.js";
import { hmac } from "@noble/hashes/hmac.js";
import { sha256, sha384, sha512 } from "@noble/hashes/sha2.js";
import type { Aead, AeadName, Bytes, Hash, HashName, HashState } from "../provider.js";
import { AEAD_KEY_LENGTH } from "../suites.js";

type NobleCipher = (
  key: Bytes,
  nonce: Bytes,
  aad?: Bytes,
) => {
  encrypt(data: Bytes): Bytes;
  decrypt(data: Bytes): Bytes;
};

function nobleAead(name: AeadName, keyLength: number, cipher: NobleCipher): Aead {
  return {
    name,
    keyLength,
    nonceLength: 12,
    tagLength: 16,
    init(key) {
      if (key.length !== keyLength) throw new RangeError(`${name} key must be ${keyLength} bytes`);
      const k = key.slice(); // the caller may wipe or reuse its buffer
      return {
        seal: (nonce, plaintext, aad) => cipher(k, nonce, aad).encrypt(plaintext),
        open(nonce, ciphertext, aad) {
          if (ciphertext.length < 16) return null;
          try {
            return cipher(k, nonce, aad).decrypt(ciphertext);
          } catch {
            return null; // tag mismatch
          }
        },
      };
    },
  };
}

export function nobleAeads(): Record<AeadName, Aead> {
  return {
    AES_128_GCM: nobleAead("AES_128_GCM", AEAD_KEY_LENGTH.AES_128_GCM, gcm),
    AES_256_GCM: nobleAead("AES_256_GCM", AEAD_KEY_LENGTH.AES_256_GCM, gcm),
    CHACHA20_POLY1305: nobleAead("CHACHA20_POLY1305", AEAD_KEY_LENGTH.CHACHA20_POLY1305, chacha20poly1305),
  };
}

type NobleHashFn = typeof sha256 | typeof sha384 | typeof sha512;
type NobleHashObject = ReturnType<NobleHashFn["create"]>;

class NobleHashState implements HashState {
  constructor(private readonly state: NobleHashObject) {}
  update(data: Bytes): HashState {
    this.state.update(data);
    return this;
  }
  /** Non-destructive: the transcript keeps growing after it is read. */
  digest(): Bytes {
    return this.state.clone().digest();
  }
  clone(): HashState {
    return new NobleHashState(this.state.clone());
  }
}

function nobleHash(name: HashName, fn: NobleHashFn): Hash {
  return {
    name,
    outputLength: fn.outputLen,
    blockLength: fn.blockLen,
    create: () => new NobleHashState(fn.create()),
    digest: (data) => fn(data),
    hmac: (key, data) => hmac(fn, key, data),
  };
}

export function nobleHashes(): Record<HashName, Hash> {
  return {
    sha256: nobleHash("sha256", sha256),
    sha384: nobleHash("sha384", sha384),
    sha512: nobleHash("sha512", sha512),
  };
}
