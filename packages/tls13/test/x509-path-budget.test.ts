// Path building under a hostile peer: the presented list is capped, signature checks are budgeted,
// and RSA keys whose exponent would make each check slow are refused at parse time.

import { describe, expect, it } from "vitest";
import { hostileIssuerChain, rsaSpki } from "../src/bench/hostile-chain.js";
import { nobleProvider } from "../src/crypto/index.js";
import { checkServerChain } from "../src/handshake/credentials.js";
import { AlertDescription } from "../src/wire/codepoints.js";
import {
  MAX_PRESENTED_CERTIFICATES,
  MAX_SIGNATURE_CHECKS,
  parseCertificate,
  parseSpki,
  verifyChain,
} from "../src/x509/index.js";
import { expectAlert, loadFixture } from "./x509-helpers.js";

const provider = nobleProvider;
const NOW = new Date("2026-06-01T00:00:00Z");

/** CPU microseconds (user + system) `f` costs over `rounds` runs. */
function cpuOf(rounds: number, f: () => void): number {
  const start = process.cpuUsage();
  for (let i = 0; i < rounds; i++) f();
  const used = process.cpuUsage(start);
  return used.user + used.system;
}

function refusal(f: () => unknown): void {
  try {
    f();
  } catch {
    return;
  }
  throw new Error("expected a refusal");
}

describe("RSA public exponents", () => {
  const { root } = loadFixture("rsa2048-leaf");
  const modulus = (root.publicKey.spki as Uint8Array).slice(); // any 2048-bit key's SPKI
  it("65537 and 3 are accepted; even, 1, and 2^32 or more are refused", () => {
    expect(parseSpki(rsaSpki(modulus, 65537n)).algorithm).toBe("rsa");
    expect(parseSpki(rsaSpki(modulus, 3n)).algorithm).toBe("rsa");
    expect(parseSpki(rsaSpki(modulus, 0xffffffffn)).algorithm).toBe("rsa");
    for (const [e, why] of [
      [65536n, /must be odd/],
      [1n, /at least 3/],
      [2n ** 32n + 1n, /at most 32/],
      [2n ** 3070n + 1n, /3071 bits/],
    ] as const)
      expect(() => parseSpki(rsaSpki(modulus, e))).toThrow(why);
  });
});

describe("a chain of same-named issuers with huge RSA exponents", () => {
  const normal = loadFixture("rsa2048-leaf");
  const normalDers = normal.sent.map((c) => c.der);
  const check = (ders: Uint8Array[]) =>
    checkServerChain(ders, {
      trustAnchors: [normal.root],
      hostname: "localhost",
      provider,
      rejectUnauthorized: true,
    });

  it("900 of them are refused before any is parsed, at the CPU cost of a normal verification", () => {
    const hostile = hostileIssuerChain(900);
    expectAlert(
      () => check(hostile),
      AlertDescription.bad_certificate,
      /presented 901 certificates; at most 10/,
    );
    // Alternate the two so a busy machine slows both alike; compare CPU time, not wall time.
    let normalCpu = 0;
    let hostileCpu = 0;
    for (let round = 0; round < 5; round++) {
      normalCpu += cpuOf(20, () => check(normalDers));
      hostileCpu += cpuOf(20, () => refusal(() => check(hostile)));
    }
    expect(hostileCpu / normalCpu).toBeLessThan(3);
  });

  it("within the cap, the first huge exponent is refused while parsing, with no signature checked", () => {
    const hostile = hostileIssuerChain(MAX_PRESENTED_CERTIFICATES - 1);
    expectAlert(() => check(hostile), AlertDescription.unsupported_certificate, /exponent of 3071 bits/);
    let normalCpu = 0;
    let hostileCpu = 0;
    for (let round = 0; round < 5; round++) {
      normalCpu += cpuOf(20, () => check(normalDers));
      hostileCpu += cpuOf(20, () => refusal(() => check(hostile)));
    }
    expect(hostileCpu / normalCpu).toBeLessThan(5);
  });

  it("verifyChain itself refuses a presented list over the cap", () => {
    const chain = hostileIssuerChain(MAX_PRESENTED_CERTIFICATES, 3n).map((d) => parseCertificate(d));
    expectAlert(
      () => verifyChain(chain, { trustAnchors: [normal.root], provider, now: NOW }),
      AlertDescription.bad_certificate,
      /presented 11 certificates/,
    );
  });
});

describe("the signature-check budget", () => {
  it("stops path building once spent, with unknown_ca", () => {
    // Nine same-named, same-key-id issuers with a small valid exponent: each costs one failed check.
    const chain = hostileIssuerChain(9, 3n).map((d) => parseCertificate(d));
    const anchors = [loadFixture("rsa2048-leaf").root];
    const verify = (maxSignatureChecks?: number) =>
      verifyChain(chain, { trustAnchors: anchors, provider, now: NOW, maxSignatureChecks });
    expectAlert(() => verify(5), AlertDescription.unknown_ca, /within 5 signature checks/);
    // With the default budget (100) all nine are tried and the last signature failure is reported.
    expect(MAX_SIGNATURE_CHECKS).toBe(100);
    expectAlert(() => verify(), AlertDescription.decrypt_error);
  });
});
