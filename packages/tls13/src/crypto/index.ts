// The crypto layer's public face: the provider contract, the providers, and helpers built on them.

export { type HybridGroup, type HybridPrivateKey, isHybridGroup } from "./groups/hybrid.js";
export { mlkemModulusOk } from "./groups/mlkem.js";
export { hkdfExpand, hkdfExtract } from "./hkdf.js";
export { generateKeyShares } from "./key-shares.js";
export { generateSigningKey, type KeyGenOptions, mldsaKeyFromSeed } from "./keygen.js";
export {
  defaultProvider,
  loadProvider,
  PROVIDER_NAMES,
  type ProviderName,
  wasmUnavailableReason,
} from "./load.js";
export { evpAddonStatus } from "./native/evp-aead.js";
export { nativeFeatures } from "./native/features.js";
export { nativeProvider } from "./native/index.js";
export { nobleProvider } from "./noble/index.js";
export type * from "./provider.js";
export { warmUp, warmUpKey } from "./warm-up.js";
