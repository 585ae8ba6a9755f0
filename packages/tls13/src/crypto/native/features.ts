// What this runtime's node:crypto can do, found by trying (not by version number): ML-KEM and ML-DSA
// arrived in Node 24.7 with OpenSSL 3.5, and a Node built against an older OpenSSL lacks them.

import * as nodeCrypto from "node:crypto";

function tryKeyType(type: string): boolean {
  try {
    // The type is a runtime string: older @types/node do not list the PQ key types.
    (nodeCrypto.generateKeyPairSync as (t: string) => unknown)(type);
    return true;
  } catch {
    return false;
  }
}

export interface NativeFeatures {
  mlkem: boolean;
  mldsa: boolean;
  chacha20poly1305: boolean;
}

let cached: NativeFeatures | undefined;

export function nativeFeatures(): NativeFeatures {
  cached ??= {
    mlkem:
      typeof (nodeCrypto as Record<string, unknown>).encapsulate === "function" &&
      typeof (nodeCrypto as Record<string, unknown>).decapsulate === "function" &&
      tryKeyType("ml-kem-768"),
    mldsa: tryKeyType("ml-dsa-44"),
    chacha20poly1305: nodeCrypto.getCiphers().includes("chacha20-poly1305"),
  };
  return cached;
}
