// The providers every crypto test runs against, and what each must offer on this runtime. The same
// test files also run under Node 24 (crypto-node24.test.ts), where PQTLS_EXPECT_NATIVE_PQ=1 makes the
// native provider's ML-KEM/ML-DSA mandatory, so a broken feature detection cannot pass as "absent".

import {
  generateSigningKey,
  loadProvider,
  nativeFeatures,
  nativeProvider,
  nobleProvider,
} from "../src/crypto/index.js";
import type { CryptoProvider, KeyAlgorithm, PrivateKey } from "../src/crypto/provider.js";

// liboqs-js runs on Node >= 20.19 (checked by crypto-load.test.ts), so wasm is always among them.
const wasm = await loadProvider("wasm");
const auto = await loadProvider("auto");

export function testProviders(): CryptoProvider[] {
  return [nobleProvider, nativeProvider, wasm, auto];
}

const PQ = /MLKEM|mldsa/;

export function expectNativePq(): boolean {
  return process.env.PQTLS_EXPECT_NATIVE_PQ === "1";
}

/** Whether `provider` must implement `algorithm` (a group or signature scheme name) here. */
export function mustHave(provider: string, algorithm: string): boolean {
  if (provider !== "native" || !PQ.test(algorithm)) return true;
  const features = nativeFeatures();
  if (expectNativePq() && !(features.mlkem && features.mldsa)) {
    throw new Error("this runtime was expected to have ML-KEM and ML-DSA in node:crypto");
  }
  return algorithm.startsWith("mldsa") ? features.mldsa : features.mlkem;
}

const signingKeys = new Map<KeyAlgorithm, PrivateKey>();
/** One signing key per algorithm for the whole test file (RSA and ML-DSA key generation is slow). */
export function signingKeyFor(algorithm: KeyAlgorithm): PrivateKey {
  let key = signingKeys.get(algorithm);
  if (!key) {
    key = generateSigningKey(algorithm);
    signingKeys.set(algorithm, key);
  }
  return key;
}
