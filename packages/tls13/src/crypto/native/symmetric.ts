// AEADs, hashes and HMAC on node:crypto's OpenSSL. AEAD records go through the in-place addon
// (evp-aead.ts) when it is available; otherwise each key is imported once as a KeyObject, and per
// record the only allocations are OpenSSL's cipher context, the output buffer and (sealing) the tag.

import * as nodeCrypto from "node:crypto";
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  createSecretKey,
  type Hash as NodeHash,
} from "node:crypto";
import { asBytes } from "../bytes.js";
import type { Aead, AeadKey, AeadName, Bytes, Hash, HashName, HashState } from "../provider.js";
import { AEAD_KEY_LENGTH } from "../suites.js";
import { type EvpAeadKey, evpAeadKey } from "./evp-aead.js";

// (typed as one GCM name below only to pick node's AEAD overload; ChaCha20-Poly1305 has the same API)
const CIPHER: Record<AeadName, "aes-128-gcm" | "aes-256-gcm" | "chacha20-poly1305"> = {
  AES_128_GCM: "aes-128-gcm",
  AES_256_GCM: "aes-256-gcm",
  CHACHA20_POLY1305: "chacha20-poly1305",
};

/** Seal and open on the in-place addon (evp-aead.ts); seal/open allocate only their result. */
function evpKey(k: EvpAeadKey): AeadKey {
  return {
    seal(nonce, plaintext, aad) {
      const out = new Uint8Array(plaintext.length + 16);
      k.sealInto(nonce, aad, plaintext, out);
      return out;
    },
    open(nonce, ciphertext, aad) {
      if (ciphertext.length < 16) return null;
      const out = new Uint8Array(ciphertext.length - 16);
      return k.openInto(nonce, aad, ciphertext, out) ? out : null;
    },
    sealInto: (nonce, aad, plaintext, output) => k.sealInto(nonce, aad, plaintext, output),
    openInto: (nonce, aad, ciphertextAndTag, output) =>
      ciphertextAndTag.length >= 16 && k.openInto(nonce, aad, ciphertextAndTag, output),
  };
}

/**
 * One AEAD on node:crypto's OpenSSL: through the in-place addon when it is built and passed its
 * check (`addon`, the default), else through node:crypto's cipher objects.
 */
function nativeAead(name: AeadName, keyLength: number, addon: boolean): Aead {
  const cipher = CIPHER[name];
  return {
    name,
    keyLength,
    nonceLength: 12,
    tagLength: 16,
    init(key) {
      if (key.length !== keyLength) throw new RangeError(`${name} key must be ${keyLength} bytes`);
      const evp = addon ? evpAeadKey(name, key) : null;
      if (evp) return evpKey(evp);
      const secret = createSecretKey(key);
      const sealDetached = (nonce: Bytes, plaintext: Bytes, aad: Bytes): [Bytes, Bytes] => {
        const c = createCipheriv(cipher as "aes-128-gcm", secret, nonce, { authTagLength: 16 });
        c.setAAD(aad);
        const body = c.update(plaintext);
        // final() is empty for these AEADs (stream modes), but part of the API contract.
        const tail = c.final();
        // Buffers (a Uint8Array subclass) as they are: the socket writes them without re-wrapping.
        return [tail.length ? Buffer.concat([body, tail]) : body, c.getAuthTag()];
      };
      return {
        seal(nonce, plaintext, aad) {
          const [body, tag] = sealDetached(nonce, plaintext, aad);
          const out = new Uint8Array(body.length + tag.length);
          out.set(body);
          out.set(tag, body.length);
          return out;
        },
        // The record layer's path: node:crypto allocates the ciphertext anyway, and joining it
        // with the tag would cost a second 16 KiB allocation and copy per record.
        sealDetached,
        open(nonce, ciphertext, aad) {
          if (ciphertext.length < 16) return null;
          const bodyLength = ciphertext.length - 16;
          const d = createDecipheriv(cipher as "aes-128-gcm", secret, nonce, { authTagLength: 16 });
          d.setAuthTag(ciphertext.subarray(bodyLength));
          d.setAAD(aad);
          const body = d.update(ciphertext.subarray(0, bodyLength));
          try {
            d.final();
          } catch {
            return null; // tag mismatch
          }
          return asBytes(body);
        },
      };
    },
  };
}

/** `addon: false` keeps every record on node:crypto's cipher objects (for comparison and tests). */
export function nativeAeads(chacha: boolean, addon = true): Partial<Record<AeadName, Aead>> {
  return {
    AES_128_GCM: nativeAead("AES_128_GCM", AEAD_KEY_LENGTH.AES_128_GCM, addon),
    AES_256_GCM: nativeAead("AES_256_GCM", AEAD_KEY_LENGTH.AES_256_GCM, addon),
    ...(chacha
      ? { CHACHA20_POLY1305: nativeAead("CHACHA20_POLY1305", AEAD_KEY_LENGTH.CHACHA20_POLY1305, addon) }
      : {}),
  };
}

class NativeHashState implements HashState {
  constructor(private readonly state: NodeHash) {}
  update(data: Bytes): HashState {
    this.state.update(data);
    return this;
  }
  /** Non-destructive (digests a copy): the transcript keeps growing after it is read. */
  digest(): Bytes {
    return asBytes(this.state.copy().digest());
  }
  clone(): HashState {
    return new NativeHashState(this.state.copy());
  }
}

// crypto.hash() (Node >= 20.12) skips the Hash object for one-shot digests: about half the cost.
const oneShot = (nodeCrypto as { hash?: (algorithm: string, data: Bytes, encoding: "buffer") => Buffer })
  .hash;

function nativeHash(name: HashName, outputLength: number, blockLength: number): Hash {
  return {
    name,
    outputLength,
    blockLength,
    create: () => new NativeHashState(createHash(name)),
    digest: oneShot
      ? (data) => asBytes(oneShot(name, data, "buffer"))
      : (data) => asBytes(createHash(name).update(data).digest()),
    hmac: (key, data) => asBytes(createHmac(name, key).update(data).digest()),
  };
}

export function nativeHashes(): Record<HashName, Hash> {
  return {
    sha256: nativeHash("sha256", 32, 64),
    sha384: nativeHash("sha384", 48, 128),
    sha512: nativeHash("sha512", 64, 128),
  };
}
