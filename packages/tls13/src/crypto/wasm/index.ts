// The "wasm" provider: ML-KEM and ML-DSA from liboqs (WebAssembly), everything else from node:crypto.
// Hybrids pair wasm ML-KEM with native ECDH. Async because WASM modules instantiate asynchronously.

import { SignatureScheme } from "../../wire/codepoints.js";
import { assembleProvider, picksOf } from "../assemble.js";
import { mlkemGroup } from "../groups/mlkem.js";
import { nativeProvider } from "../native/index.js";
import type { CryptoProvider, SignatureAlgorithm } from "../provider.js";
import { rawPublicKey } from "../raw-keys.js";
import { type LiboqsBackend, loadLiboqs, type MlDsaName } from "./liboqs.js";

const SIGNATURE_LENGTH: Record<MlDsaName, number> = { mldsa44: 2420, mldsa65: 3309, mldsa87: 4627 };

function wasmMldsa(name: MlDsaName, backend: LiboqsBackend): SignatureAlgorithm {
  const dsa = backend.dsas[name];
  return {
    name,
    code: SignatureScheme[name],
    keyAlgorithms: [name],
    sign(key, message) {
      if (key.algorithm !== name) throw new Error(`${name} cannot sign with a ${key.algorithm} key`);
      return dsa.sign(key, message);
    },
    verify(key, message, signature) {
      if (key.algorithm !== name || signature.length !== SIGNATURE_LENGTH[name]) return false;
      try {
        return dsa.verify(rawPublicKey(key), message, signature);
      } catch {
        return false;
      }
    },
  };
}

/** The wasm provider's PQ picks (shared with the auto provider). */
export function wasmPicks(backend: LiboqsBackend) {
  return {
    groups: {
      MLKEM512: { impl: mlkemGroup("MLKEM512", backend.kems.MLKEM512), by: "wasm" },
      MLKEM768: { impl: mlkemGroup("MLKEM768", backend.kems.MLKEM768), by: "wasm" },
      MLKEM1024: { impl: mlkemGroup("MLKEM1024", backend.kems.MLKEM1024), by: "wasm" },
    },
    signatures: {
      mldsa44: { impl: wasmMldsa("mldsa44", backend), by: "wasm" },
      mldsa65: { impl: wasmMldsa("mldsa65", backend), by: "wasm" },
      mldsa87: { impl: wasmMldsa("mldsa87", backend), by: "wasm" },
    },
  };
}

let wasmProvider: Promise<CryptoProvider> | undefined;

/** Rejects when liboqs-js cannot be loaded or run on this runtime. */
export function loadWasmProvider(): Promise<CryptoProvider> {
  wasmProvider ??= loadLiboqs().then((backend) => {
    const base = picksOf(nativeProvider, "native");
    const pq = wasmPicks(backend);
    return assembleProvider("wasm", {
      ...base,
      groups: { ...base.groups, ...pq.groups },
      signatures: { ...base.signatures, ...pq.signatures },
    });
  });
  return wasmProvider;
}
