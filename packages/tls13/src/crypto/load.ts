// Choosing a provider by name. Everything is synchronous except the wasm backend, whose modules
// instantiate asynchronously: callers that want it await loadProvider("wasm" | "auto") once at
// start-up (the harness does), after which defaultProvider() returns the wasm-backed auto provider.

import { buildAutoProvider, warmed } from "./auto.js";
import { nativeProvider } from "./native/index.js";
import { nobleProvider } from "./noble/index.js";
import type { CryptoProvider } from "./provider.js";
import { loadWasmProvider } from "./wasm/index.js";
import { loadLiboqs } from "./wasm/liboqs.js";

export type ProviderName = "noble" | "native" | "wasm" | "auto";
export const PROVIDER_NAMES: readonly ProviderName[] = ["noble", "native", "wasm", "auto"];

let current: CryptoProvider | undefined;
let currentHasWasm = false;
let wasmFailure: string | undefined;
const loaded = new Map<ProviderName, CryptoProvider>();

/**
 * The best provider available without waiting: auto over native + noble, or the wasm-backed auto once
 * loadProvider("auto") has resolved. Built and warmed up on first use, which happens when this module
 * loads (see the end of the file), so no handshake pays for lazily built tables.
 */
export function defaultProvider(): CryptoProvider {
  current ??= warmed(buildAutoProvider(null));
  return current;
}

/** Why the wasm backend is unavailable here, once a load was tried and failed. */
export function wasmUnavailableReason(): string | undefined {
  return wasmFailure;
}

/** The named provider, warmed up (describe().warmUpMs says what that cost). Rejects if it cannot run here. */
export async function loadProvider(name: ProviderName): Promise<CryptoProvider> {
  const cached = loaded.get(name);
  if (cached) return cached;
  let provider: CryptoProvider;
  switch (name) {
    case "noble":
      provider = warmed(nobleProvider);
      break;
    case "native":
      provider = warmed(nativeProvider);
      break;
    case "wasm":
      try {
        provider = warmed(await loadWasmProvider());
      } catch (cause) {
        wasmFailure = (cause as Error).message;
        throw new Error(`the wasm crypto provider cannot run here: ${wasmFailure}`, { cause });
      }
      break;
    case "auto": {
      try {
        const backend = await loadLiboqs();
        if (!currentHasWasm) {
          current = warmed(buildAutoProvider(backend));
          currentHasWasm = true;
        }
      } catch (cause) {
        wasmFailure = (cause as Error).message; // auto falls back to native + noble
      }
      provider = defaultProvider();
      break;
    }
    default:
      throw new Error(`unknown crypto provider "${name as string}" (expected ${PROVIDER_NAMES.join(", ")})`);
  }
  loaded.set(name, provider);
  return provider;
}

// Warm up at load: the TLS core reaches for defaultProvider() inside the first handshake.
defaultProvider();
