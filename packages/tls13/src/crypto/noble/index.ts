// The portable provider: pure JS on @noble/*, the reference every other provider is checked against.
// Exception: RSA signatures use node:crypto (noble has no RSA); describe() says so.

import { randomBytes } from "@noble/hashes/utils.js";
import type { CryptoProvider } from "../provider.js";
import { suitesOf } from "../suites.js";
import { nobleGroups } from "./groups.js";
import { nobleSignatures } from "./signatures.js";
import { nobleAeads, nobleHashes } from "./symmetric.js";

function createNobleProvider(): CryptoProvider {
  const groups = nobleGroups();
  const aeads = nobleAeads();
  const hashes = nobleHashes();
  const signatures = nobleSignatures();
  const describe: Record<string, string> = {};
  for (const name of Object.keys(groups)) describe[name] = "noble";
  for (const name of Object.keys(aeads)) describe[name] = "noble";
  for (const name of Object.keys(hashes)) describe[name] = "noble";
  for (const name of Object.keys(signatures))
    describe[name] = name.startsWith("rsa_") ? "node:crypto" : "noble";
  describe.random = "noble (crypto.getRandomValues)";
  return {
    name: "noble",
    groups,
    suites: suitesOf(aeads, hashes),
    hashes,
    signatures,
    randomBytes: (length) => randomBytes(length),
    describe: () => ({ ...describe }),
  };
}

export const nobleProvider: CryptoProvider = createNobleProvider();
