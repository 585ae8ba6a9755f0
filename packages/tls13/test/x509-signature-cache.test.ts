// The verified-signature cache: off by default; when on, a certificate verified before under the
// same issuer key skips the signature check, and nothing else ever does.

import { afterEach, describe, expect, it } from "vitest";
import { nobleProvider } from "../src/crypto/index.js";
import type { CryptoProvider } from "../src/crypto/provider.js";
import { AlertDescription } from "../src/wire/codepoints.js";
import {
  type Certificate,
  parseCertificate,
  SignatureCache,
  setSignatureCache,
  verifyChain,
} from "../src/x509/index.js";
import { expectAlert, loadFixture } from "./x509-helpers.js";

/** nobleProvider (ML-DSA on every runtime) with its signature verifications counted. */
function counting(): { provider: CryptoProvider; calls: () => number } {
  let n = 0;
  const signatures = Object.fromEntries(
    Object.entries(nobleProvider.signatures).map(([name, s]) => [
      name,
      {
        ...s,
        verify: (...a: Parameters<typeof s.verify>) => {
          n++;
          return s.verify(...a);
        },
      },
    ]),
  );
  return { provider: { ...nobleProvider, signatures } as CryptoProvider, calls: () => n };
}

const depth3 = loadFixture("mldsa65"); // leaf + intermediate sent, root as anchor
const verify = (chain: Certificate[], provider: CryptoProvider, signatureCache?: SignatureCache) =>
  verifyChain(chain, {
    trustAnchors: [depth3.root],
    provider,
    hostname: "server.pqtls.test",
    signatureCache,
  });

afterEach(() => setSignatureCache(false));

describe("verified-signature cache", () => {
  it("is off by default: every verification checks every signature", () => {
    const { provider, calls } = counting();
    verify(depth3.sent, provider);
    verify(depth3.sent, provider);
    expect(calls()).toBe(4);
  });

  it("skips signatures it has seen verify, under the same issuer key only", () => {
    const { provider, calls } = counting();
    const cache = new SignatureCache();
    verify(depth3.sent, provider, cache);
    expect(calls()).toBe(2);
    expect(cache.size).toBe(2);
    verify(depth3.sent, provider, cache);
    expect(calls()).toBe(2);
    // The same leaf presented under another issuer key must be checked (and fail).
    const other = loadFixture("mldsa65-leaf");
    expectAlert(
      () => verifyChain([depth3.sent[0]], { trustAnchors: [other.root], provider, signatureCache: cache }),
      AlertDescription.unknown_ca,
    );
  });

  it("never caches a failure, and a changed signature is a miss that fails", () => {
    const { provider, calls } = counting();
    const cache = new SignatureCache();
    const der = depth3.sent[0].der.slice();
    der[der.length - 5] ^= 1;
    const tampered = parseCertificate(der);
    for (let i = 0; i < 2; i++)
      expectAlert(() => verify([tampered, depth3.sent[1]], provider, cache), AlertDescription.decrypt_error);
    expect(calls()).toBe(2); // the leaf (checked first) failed both times: nothing was remembered
    expect(cache.size).toBe(0);
    verify(depth3.sent, provider, cache);
    expect(calls()).toBe(4);
    verify(depth3.sent, provider, cache);
    expect(calls()).toBe(4);
  });

  it("the process-wide switch applies to verifyChain, and keeps at most maxEntries", () => {
    const { provider, calls } = counting();
    setSignatureCache({ maxEntries: 1 });
    verify(depth3.sent, provider);
    verify(depth3.sent, provider);
    // Room for one: the leaf (checked first) is evicted by the intermediate, and the intermediate
    // by the leaf on the next round, so nothing is ever found.
    expect(calls()).toBe(4);
    setSignatureCache(true);
    verify(depth3.sent, provider);
    const before = calls();
    verify(depth3.sent, provider);
    expect(calls()).toBe(before);
  });
});
