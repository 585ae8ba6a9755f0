// Name constraints and critical extensions on trust anchors and intermediates: enforced as webpki
// and OpenSSL do, or the CA is refused when they cannot be evaluated.

import { describe, expect, it } from "vitest";
import { nobleProvider } from "../src/crypto/index.js";
import { AlertDescription } from "../src/wire/codepoints.js";
import { encodeTlv } from "../src/x509/der.js";
import { nameConstraintsValue } from "../src/x509/extensions.js";
import { type Certificate, generateKeyPair, issueCertificate, verifyChain } from "../src/x509/index.js";
import { expectAlert } from "./x509-helpers.js";

const provider = nobleProvider;
const NOW = new Date("2026-06-01T00:00:00Z");
const dates = { notBefore: new Date("2025-01-01Z"), notAfter: new Date("2030-01-01Z") };
const NC = "2.5.29.30";

const rootKey = generateKeyPair("ed25519", { seed: "nc root" });
const midKey = generateKeyPair("ed25519", { seed: "nc intermediate" });
const leafKey = generateKeyPair("ed25519", { seed: "nc leaf" });

function root(extensions: Array<{ oid: string; critical: boolean; value: Uint8Array }>): Certificate {
  return issueCertificate({
    ...dates,
    subject: [["CN", "constrained root"]],
    publicKey: rootKey.publicKey,
    signingKey: rootKey,
    provider,
    isCA: true,
    extraExtensions: extensions,
  });
}

function leafUnder(
  issuer: Certificate,
  signingKey: typeof rootKey,
  names: { dns?: string[]; ip?: string[] },
) {
  return issueCertificate({
    ...dates,
    subject: [["CN", "leaf"]],
    publicKey: leafKey.publicKey,
    issuer,
    signingKey,
    provider,
    dnsNames: names.dns ?? [],
    ipAddresses: names.ip ?? [],
  });
}

const verify = (chain: Certificate[], anchor: Certificate, hostname?: string) =>
  verifyChain(chain, { trustAnchors: [anchor], provider, now: NOW, ...(hostname ? { hostname } : {}) });

describe("nameConstraints on a trust anchor", () => {
  const corp = root([
    {
      oid: NC,
      critical: true,
      value: nameConstraintsValue({
        permitted: ["corp.example", "10.0.0.0/8"],
        excluded: ["secret.corp.example"],
      }),
    },
  ]);

  it("a leaf inside the permitted subtrees verifies", () => {
    expect(
      verify([leafUnder(corp, rootKey, { dns: ["www.corp.example", "corp.example"] })], corp).length,
    ).toBe(2);
    expect(verify([leafUnder(corp, rootKey, { ip: ["10.1.2.3"] })], corp, "10.1.2.3").length).toBe(2);
  });

  it("a leaf for bank.example is refused", () => {
    expectAlert(
      () => verify([leafUnder(corp, rootKey, { dns: ["bank.example"] })], corp, "bank.example"),
      AlertDescription.bad_certificate,
      /bank.example is outside the permitted subtrees \(corp.example/,
    );
    // A name that only ends with the same letters is not inside the subtree.
    expectAlert(
      () => verify([leafUnder(corp, rootKey, { dns: ["xcorp.example"] })], corp),
      AlertDescription.bad_certificate,
    );
  });

  it("excluded subtrees win, and a wildcard that could match an excluded name is refused", () => {
    expectAlert(
      () => verify([leafUnder(corp, rootKey, { dns: ["a.secret.corp.example"] })], corp),
      AlertDescription.bad_certificate,
      /inside the excluded subtree secret.corp.example/,
    );
    expectAlert(
      () => verify([leafUnder(corp, rootKey, { dns: ["*.corp.example"] })], corp),
      AlertDescription.bad_certificate,
      /excluded/,
    );
    expectAlert(
      () => verify([leafUnder(corp, rootKey, { dns: ["*.example"] })], corp),
      AlertDescription.bad_certificate,
      /outside the permitted/,
    );
  });

  it("IP SANs are checked against iPAddress subtrees", () => {
    expectAlert(
      () => verify([leafUnder(corp, rootKey, { dns: ["www.corp.example"], ip: ["192.168.1.1"] })], corp),
      AlertDescription.bad_certificate,
      /IP 192.168.1.1 is outside the permitted subtrees \(10.0.0.0 mask 255.0.0.0\)/,
    );
  });

  it("constraints on an intermediate apply to the leaf below it", () => {
    const plain = root([]);
    const mid = issueCertificate({
      ...dates,
      subject: [["CN", "constrained intermediate"]],
      publicKey: midKey.publicKey,
      issuer: plain,
      signingKey: rootKey,
      provider,
      isCA: true,
      extraExtensions: [
        { oid: NC, critical: true, value: nameConstraintsValue({ excluded: ["bank.example"] }) },
      ],
    });
    expect(verify([leafUnder(mid, midKey, { dns: ["shop.example"] }), mid], plain).length).toBe(3);
    expectAlert(
      () => verify([leafUnder(mid, midKey, { dns: ["www.bank.example"] }), mid], plain),
      AlertDescription.bad_certificate,
      /violates the name constraints of certificate 1 "CN=constrained intermediate"/,
    );
  });

  it("critical constraints on forms pqtls does not evaluate make the anchor unusable", () => {
    const directoryName = encodeTlv(0xa4, encodeTlv(0x30, new Uint8Array(0)));
    const dn = root([
      {
        oid: NC,
        critical: true,
        value: nameConstraintsValue({ permitted: ["corp.example"], permittedRaw: [directoryName] }),
      },
    ]);
    expectAlert(
      () => verify([leafUnder(dn, rootKey, { dns: ["www.corp.example"] })], dn),
      AlertDescription.bad_certificate,
      /critical name constraints on directoryName names/,
    );
  });
});

describe("critical extensions on a trust anchor", () => {
  it("an unknown one makes the anchor unusable", () => {
    const odd = root([{ oid: "1.3.6.1.4.1.99999.7", critical: true, value: Uint8Array.of(0x05, 0x00) }]);
    expectAlert(
      () => verify([leafUnder(odd, rootKey, { dns: ["a.example"] })], odd),
      AlertDescription.bad_certificate,
      /certificate 1 "CN=constrained root" has unhandled critical extension 1.3.6.1.4.1.99999.7/,
    );
  });
});
