// The synchronous default before any async load (its own file: module state is per test file).

import { expect, it } from "vitest";
import { defaultProvider, nativeFeatures } from "../src/crypto/index.js";

it("defaultProvider() without loadProvider: auto over native + noble, already warmed up at import", () => {
  const provider = defaultProvider();
  expect(provider.name).toBe("auto");
  const described = provider.describe();
  expect(Number(described.warmUpMs)).toBeGreaterThan(0);
  expect(described.MLKEM768).toBe(nativeFeatures().mlkem ? "native" : "noble");
  expect(described.mldsa65).toBe(nativeFeatures().mldsa ? "native" : "noble");
  expect(described.x25519).toBe("native");
  expect(defaultProvider()).toBe(provider);
});
