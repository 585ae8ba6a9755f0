// The providers every crypto test runs against (those this runtime can load).

import { nobleProvider } from "../src/crypto/index.js";
import type { CryptoProvider } from "../src/crypto/provider.js";

export function testProviders(): CryptoProvider[] {
  return [nobleProvider];
}
