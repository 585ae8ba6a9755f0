// Options for each stack in each scenario: our @pqtls/tls13 with a given provider, or node:tls
// (OpenSSL 3.5 under Node 24) with the same group, certificates and cipher suite.

import type { CryptoProvider } from "../crypto/provider.js";
import { loadScenarioPki, type Scenario } from "./scenarios.js";
import type { StackOptions } from "./tls-like.js";

export function pqtlsOptions(scenario: Scenario, provider: CryptoProvider, suite?: string): StackOptions {
  const pki = loadScenarioPki(scenario);
  const common = { provider, groups: [scenario.group], ...(suite ? { cipherSuites: [suite] } : {}) };
  return {
    server: { ...common, cert: pki.cert, key: pki.key },
    client: { ...common, keyShares: [scenario.group], ca: pki.ca, servername: pki.servername },
  };
}

export function nodeTlsOptions(scenario: Scenario, suite?: string): StackOptions {
  const pki = loadScenarioPki(scenario);
  const common = {
    minVersion: "TLSv1.3",
    maxVersion: "TLSv1.3",
    ecdhCurve: scenario.opensslGroup,
    ...(suite ? { ciphers: suite } : {}),
  };
  return {
    server: { ...common, cert: pki.cert, key: pki.key },
    client: { ...common, ca: pki.ca, servername: pki.servername },
  };
}
