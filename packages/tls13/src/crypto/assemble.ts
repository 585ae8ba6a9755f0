// Builds a provider from per-algorithm picks, each tagged with the backend that serves it. The wasm
// and auto providers are assembled this way; hybrids are composed from the picked ML-KEM and ECDH
// groups, so they mix backends (describe() then says e.g. "wasm+native").

import type { GroupName, SignatureSchemeName } from "../wire/codepoints.js";
import type { EcdhGroupName } from "./groups/ecdh.js";
import { HYBRID_LAYOUT, type HybridGroupName, hybridGroup } from "./groups/hybrid.js";
import type { MlKemName } from "./groups/mlkem.js";
import type {
  Aead,
  AeadName,
  Bytes,
  CryptoProvider,
  Hash,
  HashName,
  KeyExchangeGroup,
  SignatureAlgorithm,
} from "./provider.js";
import { SUITES, suitesOf } from "./suites.js";

/** An implementation and the name of the backend it comes from. */
export interface Pick<T> {
  impl: T;
  by: string;
}

export interface Picks {
  groups: Partial<Record<EcdhGroupName | MlKemName, Pick<KeyExchangeGroup>>>;
  aeads: Partial<Record<AeadName, Pick<Aead>>>;
  hashes: Record<HashName, Pick<Hash>>;
  signatures: Partial<Record<SignatureSchemeName, Pick<SignatureAlgorithm>>>;
  random: Pick<(length: number) => Bytes>;
}

export function assembleProvider(name: string, picks: Picks): CryptoProvider {
  const describe: Record<string, string> = {};
  const groups: Partial<Record<GroupName, KeyExchangeGroup>> = {};
  for (const [group, pick] of Object.entries(picks.groups) as [GroupName, Pick<KeyExchangeGroup>][]) {
    groups[group] = pick.impl;
    describe[group] = pick.by;
  }
  for (const [hybrid, layout] of Object.entries(HYBRID_LAYOUT) as [
    HybridGroupName,
    (typeof HYBRID_LAYOUT)[HybridGroupName],
  ][]) {
    const kem = picks.groups[layout.kem];
    const ecdh = picks.groups[layout.ecdh];
    if (!kem || !ecdh) continue;
    groups[hybrid] = hybridGroup(hybrid, kem.impl, ecdh.impl);
    describe[hybrid] = kem.by === ecdh.by ? kem.by : `${kem.by}+${ecdh.by}`;
  }
  // AEADs named in describe() in suite order, as before the suite table moved to suites.ts.
  const aeads: Partial<Record<AeadName, Aead>> = {};
  for (const { aead: aeadName } of Object.values(SUITES)) {
    const aead = picks.aeads[aeadName];
    if (!aead || aeads[aeadName]) continue;
    aeads[aeadName] = aead.impl;
    describe[aeadName] = aead.by;
  }
  const hashes = {} as Record<HashName, Hash>;
  for (const [hash, pick] of Object.entries(picks.hashes) as [HashName, Pick<Hash>][]) {
    hashes[hash] = pick.impl;
    describe[hash] = pick.by;
  }
  const suites = suitesOf(aeads, hashes);
  const signatures: CryptoProvider["signatures"] = {};
  for (const [scheme, pick] of Object.entries(picks.signatures) as [
    SignatureSchemeName,
    Pick<SignatureAlgorithm>,
  ][]) {
    signatures[scheme] = pick.impl;
    describe[scheme] = pick.by;
  }
  describe.random = picks.random.by;
  return {
    name,
    groups,
    suites,
    hashes,
    signatures,
    randomBytes: picks.random.impl,
    describe: () => ({ ...describe }),
  };
}

/** Picks everything a provider has, tagged with one backend name (hybrids are recomposed). */
export function picksOf(provider: CryptoProvider, by: string): Picks {
  const groups: Picks["groups"] = {};
  for (const name of ["x25519", "secp256r1", "secp384r1", "MLKEM512", "MLKEM768", "MLKEM1024"] as const) {
    const group = provider.groups[name];
    if (group) groups[name] = { impl: group, by };
  }
  const aeads: Picks["aeads"] = {};
  for (const { aead } of Object.values(provider.suites)) aeads[aead.name] = { impl: aead, by };
  const hashes = {} as Picks["hashes"];
  for (const [name, hash] of Object.entries(provider.hashes) as [HashName, Hash][])
    hashes[name] = { impl: hash, by };
  const signatures: Picks["signatures"] = {};
  for (const [name, scheme] of Object.entries(provider.signatures) as [
    SignatureSchemeName,
    SignatureAlgorithm,
  ][]) {
    signatures[name] = { impl: scheme, by };
  }
  return { groups, aeads, hashes, signatures, random: { impl: provider.randomBytes, by } };
}
