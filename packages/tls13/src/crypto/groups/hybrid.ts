// Hybrid groups (draft-ietf-tls-ecdhe-mlkem) composed from an ML-KEM group and an ECDH group. Shares
// and secrets are plain concatenations; only the order differs: X25519MLKEM768 puts ML-KEM first
// (for FIPS-approved-first KDF input), the SecP hybrids put ECDH first. Composing from whole
// KeyExchangeGroups lets any backend pair be mixed (e.g. wasm ML-KEM with native X25519) and lets one
// ECDH key pair serve both a hybrid and a plain share (see key-shares.ts).

import { illegalParameter } from "../../errors.js";
import { NamedGroup } from "../../wire/codepoints.js";
import { concatBytes } from "../bytes.js";
import type { Bytes, KeyExchangeGroup } from "../provider.js";

export type HybridGroupName = "X25519MLKEM768" | "SecP256r1MLKEM768" | "SecP384r1MLKEM1024";

/** Components of each hybrid and whether ML-KEM comes first on the wire and in the secret. */
export const HYBRID_LAYOUT = {
  X25519MLKEM768: { kem: "MLKEM768", ecdh: "x25519", kemFirst: true },
  SecP256r1MLKEM768: { kem: "MLKEM768", ecdh: "secp256r1", kemFirst: false },
  SecP384r1MLKEM1024: { kem: "MLKEM1024", ecdh: "secp384r1", kemFirst: false },
} as const;

/** A hybrid's private key: each component's own opaque private key. */
export interface HybridPrivateKey {
  readonly kem: unknown;
  readonly ecdh: unknown;
}

export interface HybridGroup extends KeyExchangeGroup {
  readonly kem: KeyExchangeGroup;
  readonly ecdh: KeyExchangeGroup;
  readonly kemFirst: boolean;
  /** Builds the hybrid share from component key pairs (used to share one ECDH pair across groups). */
  combine(
    kem: { publicKey: Bytes; privateKey: unknown },
    ecdh: { publicKey: Bytes; privateKey: unknown },
  ): {
    publicKey: Bytes;
    privateKey: HybridPrivateKey;
  };
}

export function isHybridGroup(group: KeyExchangeGroup): group is HybridGroup {
  return "kem" in group && "ecdh" in group && "combine" in group;
}

export function hybridGroup(
  name: HybridGroupName,
  kem: KeyExchangeGroup,
  ecdh: KeyExchangeGroup,
): HybridGroup {
  const { kemFirst } = HYBRID_LAYOUT[name];
  const publicKeyLength = kem.publicKeyLength + ecdh.publicKeyLength;
  const ciphertextLength = kem.ciphertextLength + ecdh.ciphertextLength;
  // Splits `data` into its [kem, ecdh] parts by the components' lengths.
  const split = (data: Bytes, kemLength: number, ecdhLength: number): [Bytes, Bytes] =>
    kemFirst
      ? [data.subarray(0, kemLength), data.subarray(kemLength)]
      : [data.subarray(ecdhLength), data.subarray(0, ecdhLength)];
  const join = (kemPart: Bytes, ecdhPart: Bytes): Bytes =>
    kemFirst ? concatBytes(kemPart, ecdhPart) : concatBytes(ecdhPart, kemPart);

  const combine: HybridGroup["combine"] = (k, e) => ({
    publicKey: join(k.publicKey, e.publicKey),
    privateKey: { kem: k.privateKey, ecdh: e.privateKey },
  });

  return {
    name,
    code: NamedGroup[name],
    publicKeyLength,
    ciphertextLength,
    kem,
    ecdh,
    kemFirst,
    combine,
    keyGen: () => combine(kem.keyGen(), ecdh.keyGen()),
    encapsulate(publicKey) {
      if (publicKey.length !== publicKeyLength) {
        throw illegalParameter(`${name} key share is ${publicKey.length} bytes, expected ${publicKeyLength}`);
      }
      const [kemKey, ecdhKey] = split(publicKey, kem.publicKeyLength, ecdh.publicKeyLength);
      const k = kem.encapsulate(kemKey);
      const e = ecdh.encapsulate(ecdhKey);
      return {
        ciphertext: join(k.ciphertext, e.ciphertext),
        sharedSecret: join(k.sharedSecret, e.sharedSecret),
      };
    },
    decapsulate(ciphertext, privateKey) {
      if (ciphertext.length !== ciphertextLength) {
        throw illegalParameter(
          `${name} key share is ${ciphertext.length} bytes, expected ${ciphertextLength}`,
        );
      }
      const priv = privateKey as HybridPrivateKey;
      const [kemCt, ecdhCt] = split(ciphertext, kem.ciphertextLength, ecdh.ciphertextLength);
      return join(kem.decapsulate(kemCt, priv.kem), ecdh.decapsulate(ecdhCt, priv.ecdh));
    },
  };
}
