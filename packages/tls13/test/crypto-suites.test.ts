// The suite table (src/crypto/suites.ts) is the one place a suite's AEAD, hash and key length are
// written down: every provider's `suites` must be exactly what the table says for its AEADs.

import { describe, expect, it } from "vitest";
import { nativeFeatures } from "../src/crypto/index.js";
import { AEAD_KEY_LENGTH, SUITES } from "../src/crypto/suites.js";
import type { CipherSuiteName } from "../src/wire/codepoints.js";
import { testProviders } from "./crypto-providers.js";

describe("suite table", () => {
  it("names each suite's AEAD key length as the AEAD table does", () => {
    for (const spec of Object.values(SUITES)) expect(spec.keyLength).toBe(AEAD_KEY_LENGTH[spec.aead]);
  });

  for (const provider of testProviders())
    it(`${provider.name}: every suite it serves has the table's AEAD, hash and key length`, () => {
      const names = Object.keys(provider.suites) as CipherSuiteName[];
      const chacha = provider.name !== "native" || nativeFeatures().chacha20poly1305;
      expect(names).toEqual(
        Object.keys(SUITES).filter((n) => chacha || n !== "TLS_CHACHA20_POLY1305_SHA256"),
      );
      for (const name of names) {
        const { aead, hash } = provider.suites[name]!;
        expect(aead.name).toBe(SUITES[name].aead);
        expect(hash.name).toBe(SUITES[name].hash);
        expect(aead.keyLength).toBe(SUITES[name].keyLength);
      }
    });
});
