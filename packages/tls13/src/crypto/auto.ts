// The "auto" provider: per algorithm, the fastest implementation this runtime has, chosen once by a
// fixed ranking measured on this project's machine (packages/tls13/README.md has the table):
//   ML-KEM: native (OpenSSL 3.5, Node >= 24.7) > wasm (liboqs) > noble.  Node 24: native keyGen/encaps/
//           decaps 36/40/27 µs vs wasm 45/45/53 µs vs noble 360/340/300 µs.
//   ML-DSA: wasm > native > noble.  ML-DSA-65 sign/verify: wasm 478/123 µs, native 668/145 µs,
//           noble 5.2-6.9/1.4-1.7 ms.
//   ECDH, AEADs, hashes/HMAC, RSA/ECDSA/Ed25519, random: native (5-40x faster than noble).
// A fixed ranking rather than a start-up race: on a shared 2-core box a few-ms race is noisier than the
// gaps it would measure, and a fixed choice keeps results comparable between runs.

import { assembleProvider, type Pick, type Picks, picksOf } from "./assemble.js";
import { evpAddonStatus } from "./native/evp-aead.js";
import { nativeProvider } from "./native/index.js";
import { nobleProvider } from "./noble/index.js";
import type { CryptoProvider } from "./provider.js";
import { warmUp } from "./warm-up.js";
import { wasmPicks } from "./wasm/index.js";
import type { LiboqsBackend } from "./wasm/liboqs.js";

/** First defined pick wins. */
function first<T>(...candidates: (Pick<T> | undefined)[]): Pick<T> | undefined {
  return candidates.find((c) => c !== undefined);
}

export function buildAutoProvider(wasm: LiboqsBackend | null): CryptoProvider {
  const native = picksOf(nativeProvider, "native");
  const noble = picksOf(nobleProvider, "noble");
  const pq = wasm ? wasmPicks(wasm) : undefined;
  const groups: Picks["groups"] = {};
  for (const name of ["x25519", "secp256r1", "secp384r1"] as const)
    groups[name] = first(native.groups[name], noble.groups[name]);
  for (const name of ["MLKEM512", "MLKEM768", "MLKEM1024"] as const) {
    groups[name] = first(native.groups[name], pq?.groups[name], noble.groups[name]);
  }
  const signatures: Picks["signatures"] = { ...noble.signatures, ...native.signatures };
  for (const name of ["mldsa44", "mldsa65", "mldsa87"] as const) {
    signatures[name] = first(pq?.signatures[name], native.signatures[name], noble.signatures[name]);
  }
  return assembleProvider("auto", {
    groups,
    aeads: { ...noble.aeads, ...native.aeads },
    hashes: native.hashes,
    signatures,
    random: native.random,
  });
}

/** Adds the warm-up cost and the runtime to describe(), so results record what served them. */
export function warmed(provider: CryptoProvider): CryptoProvider {
  const ms = warmUp(provider);
  const describe = provider.describe();
  describe.warmUpMs = ms.toFixed(1);
  describe.runtime = `node ${process.versions.node}, openssl ${process.versions.openssl}`;
  // How native AEADs protect records (the in-place addon or node:crypto objects): bulk cost differs.
  if (["AES_128_GCM", "AES_256_GCM", "CHACHA20_POLY1305"].some((a) => describe[a]?.includes("native")))
    describe.recordAead = evpAddonStatus();
  return { ...provider, describe: () => ({ ...describe }) };
}
