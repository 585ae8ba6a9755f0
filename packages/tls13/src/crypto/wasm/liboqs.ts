// ML-KEM and ML-DSA from liboqs compiled to WebAssembly (@oqs/liboqs-js). Each parameter set is its
// own WASM module that must be instantiated asynchronously, so this backend is only reachable through
// loadProvider("wasm" | "auto"), which awaits it once at start-up.
//
// The package declares engines node >= 22 (for WASM SIMD); Node 20.19+ runs it (V8 has had WASM SIMD
// since Node 16), and loadLiboqs() proves it works here by a round trip before anything uses it.

import { ml_dsa44, ml_dsa65, ml_dsa87 } from "@noble/post-quantum/ml-dsa.js";
import { type KemPrimitive, MLKEM_SIZES, type MlKemName } from "../groups/mlkem.js";
import type { Bytes, PrivateKey } from "../provider.js";
import { rawSecret } from "../raw-keys.js";

/** The slice of the liboqs-js KEM/SIG objects this backend uses. */
interface OqsKem {
  generateKeyPair(): { publicKey: Uint8Array; secretKey: Uint8Array };
  encapsulate(publicKey: Uint8Array): { ciphertext: Uint8Array; sharedSecret: Uint8Array };
  decapsulate(ciphertext: Uint8Array, secretKey: Uint8Array): Uint8Array;
}
interface OqsSig {
  sign(message: Uint8Array, secretKey: Uint8Array): Uint8Array;
  verify(message: Uint8Array, signature: Uint8Array, publicKey: Uint8Array): boolean;
}

export type MlDsaName = "mldsa44" | "mldsa65" | "mldsa87";

export interface LiboqsBackend {
  kems: Record<MlKemName, KemPrimitive>;
  /** Pure ML-DSA (liboqs' OQS_SIG_sign: empty context, hedged). */
  dsas: Record<
    MlDsaName,
    { sign(key: PrivateKey, message: Bytes): Bytes; verify(pub: Bytes, msg: Bytes, sig: Bytes): boolean }
  >;
  /** Milliseconds spent importing and instantiating the WASM modules. */
  initMs: number;
}

/** liboqs-js rejects Buffers (it checks constructor.name): hand it plain Uint8Array views. */
function plain(data: Bytes): Uint8Array {
  return data.constructor === Uint8Array
    ? data
    : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

function kemPrimitive(kem: OqsKem): KemPrimitive {
  return {
    keyGen() {
      const { publicKey, secretKey } = kem.generateKeyPair();
      return { publicKey, privateKey: secretKey };
    },
    encapsulate: (publicKey) => kem.encapsulate(plain(publicKey)),
    decapsulate: (ciphertext, privateKey) => kem.decapsulate(plain(ciphertext), privateKey as Uint8Array),
  };
}

const NOBLE_DSA = { mldsa44: ml_dsa44, mldsa65: ml_dsa65, mldsa87: ml_dsa87 } as const;

function dsaBackend(name: MlDsaName, sig: OqsSig): LiboqsBackend["dsas"][MlDsaName] {
  // liboqs-js has no keypair-from-seed: expand the RFC 9881 seed to the FIPS 204 secret key once
  // per key with noble's KeyGen_internal (same algorithm, same encoding).
  const expanded = new WeakMap<PrivateKey, Uint8Array>();
  return {
    sign(key, message) {
      let sk = expanded.get(key);
      if (!sk) {
        sk = NOBLE_DSA[name].keygen(rawSecret(key)).secretKey;
        expanded.set(key, sk);
      }
      return sig.sign(plain(message), sk);
    },
    verify: (publicKey, message, signature) => sig.verify(plain(message), plain(signature), plain(publicKey)),
  };
}

/**
 * Each parameter set's wrapper module, imported by its file in the pinned package rather than through
 * the package's entry point: that entry imports the wrappers of all 103 liboqs algorithms, which cost
 * 2.4 MB of heap that stays and ~4 MB of young-generation survival at start-up, by which V8 sizes its
 * nursery for the rest of the process (README, "Bulk and the GC"). The factories are the package's own.
 */
const OQS_WRAPPERS = {
  MLKEM512: ["kem/ml-kem/ml-kem-512", "createMLKEM512"],
  MLKEM768: ["kem/ml-kem/ml-kem-768", "createMLKEM768"],
  MLKEM1024: ["kem/ml-kem/ml-kem-1024", "createMLKEM1024"],
  mldsa44: ["sig/ml-dsa/ml-dsa-44", "createMLDSA44"],
  mldsa65: ["sig/ml-dsa/ml-dsa-65", "createMLDSA65"],
  mldsa87: ["sig/ml-dsa/ml-dsa-87", "createMLDSA87"],
} as const;

async function instantiate(name: keyof typeof OQS_WRAPPERS): Promise<unknown> {
  const [path, factory] = OQS_WRAPPERS[name];
  // Resolved here, not at module load: a missing package must reject loadLiboqs(), not the import.
  const entry = import.meta.resolve("@oqs/liboqs-js");
  const wrapper = await import(new URL(`./algorithms/${path}.js`, entry).href);
  if (typeof wrapper[factory] !== "function") throw new Error(`@oqs/liboqs-js has no ${factory} in ${path}`);
  return wrapper[factory]();
}

let loading: Promise<LiboqsBackend> | undefined;

/** Instantiates the six WASM modules (once per process) and checks each works. Rejects if it cannot. */
export function loadLiboqs(): Promise<LiboqsBackend> {
  loading ??= (async () => {
    const started = performance.now();
    const [k512, k768, k1024, d44, d65, d87] = await Promise.all(
      (["MLKEM512", "MLKEM768", "MLKEM1024", "mldsa44", "mldsa65", "mldsa87"] as const).map(instantiate),
    );
    const kems = {
      MLKEM512: kemPrimitive(k512 as OqsKem),
      MLKEM768: kemPrimitive(k768 as OqsKem),
      MLKEM1024: kemPrimitive(k1024 as OqsKem),
    };
    const dsas = {
      mldsa44: dsaBackend("mldsa44", d44 as OqsSig),
      mldsa65: dsaBackend("mldsa65", d65 as OqsSig),
      mldsa87: dsaBackend("mldsa87", d87 as OqsSig),
    };
    // A round trip per KEM proves the modules run on this runtime (and warms them up).
    for (const [name, kem] of Object.entries(kems) as [MlKemName, KemPrimitive][]) {
      const pair = kem.keyGen();
      if (pair.publicKey.length !== MLKEM_SIZES[name].publicKey)
        throw new Error(`liboqs ${name} key size mismatch`);
      const { ciphertext, sharedSecret } = kem.encapsulate(pair.publicKey);
      const again = kem.decapsulate(ciphertext, pair.privateKey);
      if (Buffer.compare(again, sharedSecret) !== 0) throw new Error(`liboqs ${name} round trip failed`);
    }
    return { kems, dsas, initMs: performance.now() - started };
  })();
  return loading;
}
