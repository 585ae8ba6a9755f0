// ECDH expressed as a KEM (the provider contract's shape for every group): "encapsulate" makes an
// ephemeral key pair, the "ciphertext" is its public key. The checks RFC 8446 §4.2.8.2 / §7.4 ask
// for live here once, so every backend rejects bad shares the same way.

import { illegalParameter, TlsAlert } from "../../errors.js";
import { AlertDescription, NamedGroup } from "../../wire/codepoints.js";
import { isAllZero } from "../bytes.js";
import type { Bytes, KemKeyPair, KeyExchangeGroup } from "../provider.js";

export type EcdhGroupName = "x25519" | "secp256r1" | "secp384r1";

/** What a backend supplies for one curve. `derive` may throw anything on a bad peer key. */
export interface DhPrimitive {
  keyGen(): KemKeyPair;
  /** The raw shared secret: X25519 output or the NIST x-coordinate. */
  derive(privateKey: unknown, peerPublicKey: Bytes): Bytes;
}

/** Share lengths: X25519 u-coordinate, or SEC1 uncompressed points (0x04 ‖ x ‖ y). */
export const ECDH_SHARE_LENGTH: Record<EcdhGroupName, number> = { x25519: 32, secp256r1: 65, secp384r1: 97 };

function checkShare(name: EcdhGroupName, share: Bytes): void {
  const expected = ECDH_SHARE_LENGTH[name];
  if (share.length !== expected) {
    throw illegalParameter(`${name} key share is ${share.length} bytes, expected ${expected}`);
  }
  // RFC 8446 §4.2.8.2: only the uncompressed form is allowed in TLS 1.3.
  if (name !== "x25519" && share[0] !== 0x04)
    throw illegalParameter(`${name} key share is not an uncompressed point`);
}

function derive(name: EcdhGroupName, dh: DhPrimitive, privateKey: unknown, share: Bytes): Bytes {
  checkShare(name, share);
  let secret: Bytes;
  try {
    secret = dh.derive(privateKey, share);
  } catch (cause) {
    if (cause instanceof TlsAlert) throw cause;
    throw new TlsAlert(
      AlertDescription.illegal_parameter,
      `${name} key share rejected: ${(cause as Error).message}`,
      { cause },
    );
  }
  // RFC 8446 §7.4.2: an all-zero X25519 result means a small-order point was sent.
  if (isAllZero(secret)) throw illegalParameter(`${name} shared secret is all zero`);
  return secret;
}

export function ecdhGroup(name: EcdhGroupName, dh: DhPrimitive): KeyExchangeGroup {
  const length = ECDH_SHARE_LENGTH[name];
  return {
    name,
    code: NamedGroup[name],
    publicKeyLength: length,
    ciphertextLength: length,
    keyGen: () => dh.keyGen(),
    encapsulate(publicKey) {
      checkShare(name, publicKey);
      const eph = dh.keyGen();
      return { ciphertext: eph.publicKey, sharedSecret: derive(name, dh, eph.privateKey, publicKey) };
    },
    decapsulate: (ciphertext, privateKey) => derive(name, dh, privateKey, ciphertext),
  };
}
