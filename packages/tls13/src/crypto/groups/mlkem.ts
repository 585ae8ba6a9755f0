// ML-KEM as a TLS group (draft-ietf-tls-mlkem): the client share is the encapsulation key, the server
// share the ciphertext. The FIPS 203 §7.2 encapsulation-key check is done here, in one place, so a
// backend that skips it (or words its error differently) still rejects with illegal_parameter.

import { illegalParameter, TlsAlert } from "../../errors.js";
import { AlertDescription, NamedGroup } from "../../wire/codepoints.js";
import type { Bytes, KemKeyPair, KeyExchangeGroup } from "../provider.js";

export type MlKemName = "MLKEM512" | "MLKEM768" | "MLKEM1024";

export const MLKEM_SIZES: Record<MlKemName, { k: number; publicKey: number; ciphertext: number }> = {
  MLKEM512: { k: 2, publicKey: 800, ciphertext: 768 },
  MLKEM768: { k: 3, publicKey: 1184, ciphertext: 1088 },
  MLKEM1024: { k: 4, publicKey: 1568, ciphertext: 1568 },
};

export interface KemPrimitive {
  keyGen(): KemKeyPair;
  encapsulate(publicKey: Bytes): { ciphertext: Bytes; sharedSecret: Bytes };
  decapsulate(ciphertext: Bytes, privateKey: unknown): Bytes;
}

const Q = 3329;

/**
 * FIPS 203 §7.2 modulus check: every 12-bit coefficient of t̂ (the first 384·k bytes) must be < q,
 * i.e. ByteEncode12(ByteDecode12(ek)) == ek. Cheap (~1k iterations), so it runs before any backend.
 */
export function mlkemModulusOk(publicKey: Bytes, k: number): boolean {
  const end = 384 * k;
  for (let i = 0; i < end; i += 3) {
    const b0 = publicKey[i];
    const b1 = publicKey[i + 1];
    const b2 = publicKey[i + 2];
    if ((b0 | ((b1 & 0x0f) << 8)) >= Q) return false;
    if (((b1 >> 4) | (b2 << 4)) >= Q) return false;
  }
  return true;
}

export function mlkemGroup(name: MlKemName, kem: KemPrimitive): KeyExchangeGroup {
  const size = MLKEM_SIZES[name];
  return {
    name,
    code: NamedGroup[name],
    publicKeyLength: size.publicKey,
    ciphertextLength: size.ciphertext,
    keyGen: () => kem.keyGen(),
    encapsulate(publicKey) {
      if (publicKey.length !== size.publicKey) {
        throw illegalParameter(
          `${name} encapsulation key is ${publicKey.length} bytes, expected ${size.publicKey}`,
        );
      }
      if (!mlkemModulusOk(publicKey, size.k))
        throw illegalParameter(`${name} encapsulation key fails the modulus check`);
      try {
        return kem.encapsulate(publicKey);
      } catch (cause) {
        throw new TlsAlert(
          AlertDescription.illegal_parameter,
          `${name} encapsulation key rejected: ${(cause as Error).message}`,
          { cause },
        );
      }
    },
    decapsulate(ciphertext, privateKey) {
      if (ciphertext.length !== size.ciphertext) {
        throw illegalParameter(
          `${name} ciphertext is ${ciphertext.length} bytes, expected ${size.ciphertext}`,
        );
      }
      // ML-KEM decapsulation never fails on a well-sized ciphertext (implicit rejection), so an
      // error here is a backend fault, not the peer's: let it surface as is.
      return kem.decapsulate(ciphertext, privateKey);
    },
  };
}
