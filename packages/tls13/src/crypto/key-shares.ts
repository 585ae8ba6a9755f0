// The client's key shares for one ClientHello. One ECDH key pair serves both a plain group and the
// hybrid built on it (x25519 + X25519MLKEM768, secp256r1 + SecP256r1MLKEM768, ...), as
// draft-ietf-tls-hybrid-design §3.2 allows and rustls does: one keygen and 32 bytes fewer to make.

import type { GroupName } from "../wire/codepoints.js";
import { isHybridGroup } from "./groups/hybrid.js";
import type { CryptoProvider, KemKeyPair } from "./provider.js";

/**
 * Key pairs for each requested group, each usable with `provider.groups[name].decapsulate`.
 * Throws if the provider lacks a group. The ECDH pair is shared only when the plain group is the
 * very object the hybrid was composed from, so the private key form always matches.
 */
export function generateKeyShares(
  provider: CryptoProvider,
  groups: readonly GroupName[],
): Map<GroupName, KemKeyPair> {
  const shares = new Map<GroupName, KemKeyPair>();
  const ecdhPairs = new Map<object, KemKeyPair>(); // per ECDH group object
  const ecdhPair = (group: NonNullable<CryptoProvider["groups"][GroupName]>): KemKeyPair => {
    let pair = ecdhPairs.get(group);
    if (!pair) {
      pair = group.keyGen();
      ecdhPairs.set(group, pair);
    }
    return pair;
  };
  for (const name of groups) {
    if (shares.has(name)) continue;
    const group = provider.groups[name];
    if (!group) throw new Error(`crypto provider "${provider.name}" does not support group ${name}`);
    if (isHybridGroup(group)) {
      shares.set(name, group.combine(group.kem.keyGen(), ecdhPair(group.ecdh)));
    } else if (name === "x25519" || name === "secp256r1" || name === "secp384r1") {
      shares.set(name, ecdhPair(group));
    } else {
      shares.set(name, group.keyGen());
    }
  }
  return shares;
}
