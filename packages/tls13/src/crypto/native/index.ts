// The node:crypto provider: OpenSSL for everything this runtime has. ML-KEM (and so the hybrids)
// and ML-DSA appear only where node:crypto supports them (Node >= 24.7), found by feature detection.

import { randomFillSync } from "node:crypto";
import type { CryptoProvider } from "../provider.js";
import { suitesOf } from "../suites.js";
import { evpAddonStatus } from "./evp-aead.js";
import { nativeFeatures } from "./features.js";
import { nativeGroups } from "./groups.js";
import { nativeSignatures } from "./signatures.js";
import { nativeAeads, nativeHashes } from "./symmetric.js";

/**
 * Small random values (randoms, nonces, ticket keys: ~8 per handshake) come from a 4 KiB block filled
 * by one randomFillSync, each served byte zeroed in the block once copied out; a call per value cost
 * 2 % of a classical handshake's CPU (profile, Node 24). Large requests go straight to OpenSSL.
 */
const RANDOM_BLOCK = 4096;
const randomBlock = new Uint8Array(RANDOM_BLOCK);
let randomAt = RANDOM_BLOCK;

function pooledRandomBytes(length: number): Uint8Array {
  if (length > 256) return randomFillSync(new Uint8Array(length));
  if (randomAt + length > RANDOM_BLOCK) {
    randomFillSync(randomBlock);
    randomAt = 0;
  }
  const out = randomBlock.slice(randomAt, randomAt + length);
  randomBlock.fill(0, randomAt, randomAt + length);
  randomAt += length;
  return out;
}

function createNativeProvider(): CryptoProvider {
  const features = nativeFeatures();
  const groups = nativeGroups();
  const aeads = nativeAeads(features.chacha20poly1305);
  const hashes = nativeHashes();
  const signatures = nativeSignatures(features.mldsa);
  const describe: Record<string, string> = {};
  for (const name of [
    ...Object.keys(groups),
    ...Object.keys(aeads),
    ...Object.keys(hashes),
    ...Object.keys(signatures),
  ]) {
    describe[name] = "native";
  }
  describe.random = "native";
  describe.recordAead = evpAddonStatus();
  return {
    name: "native",
    groups,
    suites: suitesOf(aeads, hashes),
    hashes,
    signatures,
    randomBytes: pooledRandomBytes,
    describe: () => ({ ...describe }),
  };
}

export const nativeProvider: CryptoProvider = createNativeProvider();
