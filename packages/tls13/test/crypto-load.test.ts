// Provider selection: loadProvider by name, the auto provider's per-algorithm choice and its report,
// the synchronous default, and the wasm backend's availability on this runtime.

import { describe, expect, it } from "vitest";
import {
  defaultProvider,
  loadProvider,
  nativeFeatures,
  PROVIDER_NAMES,
  wasmUnavailableReason,
} from "../src/crypto/index.js";
import { CipherSuite, NamedGroup, SignatureScheme } from "../src/wire/codepoints.js";

describe("loadProvider / defaultProvider", () => {
  it("loads every named provider, each warmed up, and rejects unknown names", async () => {
    for (const name of PROVIDER_NAMES) {
      const provider = await loadProvider(name);
      expect(provider.name).toBe(name);
      expect(Number(provider.describe().warmUpMs)).toBeGreaterThan(0);
      expect(provider.describe().runtime).toBe(
        `node ${process.versions.node}, openssl ${process.versions.openssl}`,
      );
      expect(await loadProvider(name)).toBe(provider);
    }
    await expect(loadProvider("openssl" as never)).rejects.toThrow(/unknown crypto provider "openssl"/);
  });

  it("wasm (liboqs-js) runs on this Node although its engines field says >= 22", async () => {
    const wasm = await loadProvider("wasm");
    expect(wasmUnavailableReason()).toBeUndefined();
    expect(wasm.describe().MLKEM768).toBe("wasm");
    expect(wasm.describe().X25519MLKEM768).toBe("wasm+native");
    expect(wasm.describe().mldsa65).toBe("wasm");
    expect(wasm.describe().AES_128_GCM).toBe("native");
  });

  it("auto offers every group, suite and scheme (ed448/P-521 aside) and names the backend of each", async () => {
    const auto = await loadProvider("auto");
    const described = auto.describe();
    for (const name of Object.keys(NamedGroup))
      expect(auto.groups[name as keyof typeof NamedGroup], name).toBeDefined();
    for (const name of Object.keys(CipherSuite))
      expect(auto.suites[name as keyof typeof CipherSuite], name).toBeDefined();
    for (const name of Object.keys(SignatureScheme)) {
      if (name === "ed448" || name === "ecdsa_secp521r1_sha512") continue;
      expect(auto.signatures[name as keyof typeof SignatureScheme], name).toBeDefined();
      expect(described[name], name).toMatch(/^(native|wasm|noble)$/);
    }
    // The ranking: native ML-KEM where node:crypto has it, else wasm; ML-DSA from wasm; the rest native.
    const kem = nativeFeatures().mlkem ? "native" : "wasm";
    expect(described.MLKEM768).toBe(kem);
    expect(described.X25519MLKEM768).toBe(kem === "native" ? "native" : "wasm+native");
    expect(described.mldsa65).toBe("wasm");
    expect(described.x25519).toBe("native");
    expect(described.ecdsa_secp256r1_sha256).toBe("native");
    expect(described.CHACHA20_POLY1305).toBe("native");
  });

  it("defaultProvider() is synchronous, and after loadProvider('auto') it is the wasm-backed auto", async () => {
    const auto = await loadProvider("auto");
    expect(defaultProvider()).toBe(auto);
    const group = defaultProvider().groups.X25519MLKEM768!;
    const pair = group.keyGen();
    const { ciphertext, sharedSecret } = group.encapsulate(pair.publicKey);
    expect(
      Buffer.from(group.decapsulate(ciphertext, pair.privateKey)).equals(Buffer.from(sharedSecret)),
    ).toBe(true);
  });
});
