// Key exchange groups on @noble/curves and @noble/post-quantum. noble's ml_kem768_x25519 is X-Wing
// (a different combiner), not the TLS group, so hybrids are composed in groups/hybrid.ts.

import { x25519 } from "@noble/curves/ed25519.js";
import { p256, p384 } from "@noble/curves/nist.js";
import { ml_kem512, ml_kem768, ml_kem1024 } from "@noble/post-quantum/ml-kem.js";
import type { GroupName } from "../../wire/codepoints.js";
import { type DhPrimitive, ecdhGroup } from "../groups/ecdh.js";
import { hybridGroup } from "../groups/hybrid.js";
import { type KemPrimitive, mlkemGroup } from "../groups/mlkem.js";
import type { Bytes, KeyExchangeGroup } from "../provider.js";

const x25519Dh: DhPrimitive = {
  keyGen() {
    const { secretKey, publicKey } = x25519.keygen();
    return { publicKey, privateKey: secretKey };
  },
  derive: (privateKey, peer) => x25519.getSharedSecret(privateKey as Bytes, peer),
};

function nistDh(curve: typeof p256): DhPrimitive {
  return {
    keyGen() {
      const secretKey = curve.utils.randomSecretKey();
      return { publicKey: curve.getPublicKey(secretKey, false), privateKey: secretKey };
    },
    // getSharedSecret validates the point and returns it compressed: the x-coordinate follows the prefix byte.
    derive: (privateKey, peer) => curve.getSharedSecret(privateKey as Bytes, peer, true).subarray(1),
  };
}

function nobleKem(kem: typeof ml_kem768): KemPrimitive {
  return {
    keyGen() {
      const { secretKey, publicKey } = kem.keygen();
      return { publicKey, privateKey: secretKey };
    },
    encapsulate(publicKey) {
      const { cipherText, sharedSecret } = kem.encapsulate(publicKey);
      return { ciphertext: cipherText, sharedSecret };
    },
    decapsulate: (ciphertext, privateKey) => kem.decapsulate(ciphertext, privateKey as Bytes),
  };
}

export function nobleGroups(): Record<GroupName, KeyExchangeGroup> {
  const groups = {
    x25519: ecdhGroup("x25519", x25519Dh),
    secp256r1: ecdhGroup("secp256r1", nistDh(p256)),
    secp384r1: ecdhGroup("secp384r1", nistDh(p384)),
    MLKEM512: mlkemGroup("MLKEM512", nobleKem(ml_kem512)),
    MLKEM768: mlkemGroup("MLKEM768", nobleKem(ml_kem768)),
    MLKEM1024: mlkemGroup("MLKEM1024", nobleKem(ml_kem1024)),
  };
  return {
    ...groups,
    X25519MLKEM768: hybridGroup("X25519MLKEM768", groups.MLKEM768, groups.x25519),
    SecP256r1MLKEM768: hybridGroup("SecP256r1MLKEM768", groups.MLKEM768, groups.secp256r1),
    SecP384r1MLKEM1024: hybridGroup("SecP384r1MLKEM1024", groups.MLKEM1024, groups.secp384r1),
  };
}
