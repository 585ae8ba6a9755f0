// verifyChain: every check the issue lists, each failure with the alert it must raise.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { nobleProvider } from "../src/crypto/index.js";
import { TlsAlert } from "../src/errors.js";
import { AlertDescription } from "../src/wire/codepoints.js";
import {
  type Certificate,
  checkHostname,
  dnsNameMatches,
  generateChain,
  generateKeyPair,
  issueCertificate,
  parseCertificate,
  verifyChain,
} from "../src/x509/index.js";
import { BASE_CHAINS, expectAlert, flipByte, loadFixture } from "./x509-helpers.js";

const provider = nobleProvider;
const NOW = new Date("2026-06-01T00:00:00Z");
const notBefore = new Date("2025-01-01T00:00:00Z");
const notAfter = new Date("2030-01-01T00:00:00Z");

function verify(chain: Certificate[], anchors: Certificate[], extra: { hostname?: string; now?: Date } = {}) {
  return verifyChain(chain, { trustAnchors: anchors, provider, now: NOW, ...extra });
}

/** A hand-built chain for constraint tests: root → intermediates → leaf, all Ed25519 (fast). */
function buildChain(opts: {
  intermediates: number;
  rootPathLen?: number;
  intermediateIsCA?: boolean;
  intermediateKeyUsage?: Array<"digitalSignature" | "keyCertSign">;
  leafValidity?: [Date, Date];
  criticalUnknownOnLeaf?: boolean;
}) {
  const keys = Array.from({ length: opts.intermediates + 2 }, (_, i) =>
    generateKeyPair("ed25519", { seed: `c${i}` }),
  );
  const root = issueCertificate({
    subject: [["CN", "test root"]],
    publicKey: keys[0].publicKey,
    signingKey: keys[0],
    provider,
    notBefore,
    notAfter,
    isCA: true,
    ...(opts.rootPathLen !== undefined ? { pathLen: opts.rootPathLen } : {}),
  });
  const cas = [root];
  for (let i = 1; i <= opts.intermediates; i++) {
    cas.push(
      issueCertificate({
        subject: [["CN", `test intermediate ${i}`]],
        publicKey: keys[i].publicKey,
        issuer: cas[i - 1],
        signingKey: keys[i - 1],
        provider,
        notBefore,
        notAfter,
        isCA: opts.intermediateIsCA ?? true,
        ...(opts.intermediateKeyUsage ? { keyUsage: opts.intermediateKeyUsage } : {}),
      }),
    );
  }
  const [lb, la] = opts.leafValidity ?? [notBefore, notAfter];
  const leaf = issueCertificate({
    subject: [["CN", "leaf"]],
    publicKey: keys[keys.length - 1].publicKey,
    issuer: cas[cas.length - 1],
    signingKey: keys[keys.length - 2],
    provider,
    notBefore: lb,
    notAfter: la,
    dnsNames: ["leaf.test"],
    ...(opts.criticalUnknownOnLeaf
      ? {
          extraExtensions: [{ oid: "1.3.6.1.4.1.99999.1", critical: true, value: Uint8Array.of(0x05, 0x00) }],
        }
      : {}),
  });
  return { root, chain: [leaf, ...cas.slice(1).reverse()] };
}

describe("valid chains", () => {
  for (const name of BASE_CHAINS) {
    it(`${name}-leaf fixture verifies for its names and IPs, root omitted or sent`, () => {
      const { sent, root } = loadFixture(`${name}-leaf`);
      for (const hostname of ["localhost", "server.pqtls.test", "LOCALHOST.", "127.0.0.1", "::1", "10.3.0.2"])
        expect(verify(sent, [root], { hostname }).length).toBe(2);
      expect(verify([...sent, root], [root]).at(-1)).toBe(root);
    });
  }

  it("depth 1..4, mixed algorithms, intermediates out of order", () => {
    for (const depth of [1, 2, 3, 4]) {
      const c = generateChain({ sig: "ed25519", depth, hostnames: ["a.test"], seed: `d${depth}` });
      expect(verify(c.chain, [c.root], { hostname: "a.test" }).length).toBe(depth);
    }
    const mixed = generateChain({
      sig: "mldsa44",
      intermediateSig: "ecdsa-p256",
      rootSig: "ed25519",
      depth: 4,
      hostnames: ["m.test"],
      seed: "mixed",
    });
    expect(mixed.certificates.map((c) => c.publicKey.algorithm)).toEqual([
      "mldsa44",
      "p256",
      "p256",
      "ed25519",
    ]);
    const [leaf, i2, i1] = mixed.chain;
    expect(verify([leaf, i1, i2], [mixed.root], { hostname: "m.test" }).length).toBe(4);
  });

  it("the mixed fixture (ML-DSA under an RSA root) and RSA-PSS certificate signatures", () => {
    const { sent, root } = loadFixture("mldsa65-rsa-root");
    expect(verify(sent, [root], { hostname: "localhost" }).length).toBe(3);
    const pss = generateChain({ sig: "rsa-pss2048", depth: 2, hostnames: ["p.test"], seed: "pss" });
    expect(pss.leaf.signatureScheme).toBe("rsa_pss_rsae_sha256"); // verified as rsa_pss_pss_* under a PSS key
    expect(verify(pss.chain, [pss.root]).length).toBe(2);
    const rsaPss = issueCertificate({
      subject: [["CN", "pss-signed"]],
      publicKey: generateKeyPair("ed25519", { seed: "z" }).publicKey,
      issuer: loadFixture("rsa2048-leaf").root,
      signingKey: loadFixture("rsa2048-leaf").rootKey,
      signatureScheme: "rsa_pss_rsae_sha384",
      provider,
      notBefore,
      notAfter,
    });
    expect(rsaPss.signatureScheme).toBe("rsa_pss_rsae_sha384");
    expect(verify([rsaPss], [loadFixture("rsa2048-leaf").root]).length).toBe(2);
  });
});

describe("rejections", () => {
  it("wrong signature → decrypt_error", () => {
    for (const name of BASE_CHAINS) {
      const { sent, root } = loadFixture(`${name}-leaf`);
      const tampered = parseCertificate(flipByte(sent[0].der, -1));
      expectAlert(() => verify([tampered], [root]), AlertDescription.decrypt_error, /does not verify/);
    }
    // A changed TBS byte (the leaf's notAfter year digit) with the original signature.
    const { sent, root } = loadFixture("mldsa65-leaf");
    const at = Buffer.from(sent[0].der).indexOf(Buffer.from("491231235959Z"));
    const tbsTampered = parseCertificate(flipByte(sent[0].der, at));
    expectAlert(() => verify([tbsTampered], [root]), AlertDescription.decrypt_error);
  });

  it("expired and not yet valid → certificate_expired", () => {
    const { sent, root } = loadFixture("ecdsa-p256-leaf");
    expectAlert(
      () => verify(sent, [root], { now: new Date("2050-01-01T00:00:00Z") }),
      AlertDescription.certificate_expired,
      /expired at 2049-12-31T23:59:59.000Z/,
    );
    expectAlert(
      () => verify(sent, [root], { now: new Date("2024-12-31T23:59:59Z") }),
      AlertDescription.certificate_expired,
      /not valid before 2025-01-01/,
    );
    // An intermediate's validity counts too, and the boundaries are inclusive.
    const { chain, root: r } = buildChain({
      intermediates: 1,
      leafValidity: [notBefore, new Date("2026-01-01Z")],
    });
    expect(verify(chain, [r], { now: new Date("2026-01-01Z") }).length).toBe(3);
    expectAlert(
      () => verify(chain, [r], { now: new Date("2026-01-01T00:00:01Z") }),
      AlertDescription.certificate_expired,
      /leaf/,
    );
    expectAlert(
      () => verify(chain, [r], { now: new Date("2031-01-01Z") }),
      AlertDescription.certificate_expired,
    );
  });

  it("wrong host → bad_certificate", () => {
    const { sent, root } = loadFixture("ed25519-leaf");
    expectAlert(
      () => verify(sent, [root], { hostname: "evil.test" }),
      AlertDescription.bad_certificate,
      /not valid for evil.test/,
    );
    expectAlert(
      () => verify(sent, [root], { hostname: "10.4.0.2" }),
      AlertDescription.bad_certificate,
      /IP 10.4.0.2/,
    );
    expectAlert(() => verify(sent, [root], { hostname: "sub.localhost" }), AlertDescription.bad_certificate);
  });

  it("non-CA intermediate → bad_certificate", () => {
    const { chain, root } = buildChain({ intermediates: 1, intermediateIsCA: false });
    expectAlert(() => verify(chain, [root]), AlertDescription.bad_certificate, /is not a CA/);
  });

  it("CA without keyCertSign → bad_certificate", () => {
    const { chain, root } = buildChain({ intermediates: 1, intermediateKeyUsage: ["digitalSignature"] });
    expectAlert(() => verify(chain, [root]), AlertDescription.bad_certificate, /keyCertSign/);
  });

  it("pathLen exceeded → bad_certificate", () => {
    const ok = buildChain({ intermediates: 1, rootPathLen: 1 });
    expect(verify(ok.chain, [ok.root]).length).toBe(3);
    const tooDeep = buildChain({ intermediates: 2, rootPathLen: 1 });
    expectAlert(() => verify(tooDeep.chain, [tooDeep.root]), AlertDescription.bad_certificate, /pathLen/);
    // generateChain sets each CA's pathLen to exactly what it issues below it.
    const c = generateChain({ sig: "ed25519", depth: 4, hostnames: ["x.test"], seed: "p" });
    expect(c.certificates.map((x) => x.pathLen)).toEqual([undefined, 0, 1, 2]);
  });

  it("unknown root → unknown_ca", () => {
    const { sent, root } = loadFixture("mldsa44-leaf");
    const other = loadFixture("mldsa65-leaf").root;
    expectAlert(
      () => verify(sent, [other]),
      AlertDescription.unknown_ca,
      /neither a trust anchor nor in the chain/,
    );
    // A look-alike root: same name, different key (another seed); sent along or not.
    const fake = generateChain({
      sig: "mldsa44",
      depth: 2,
      hostnames: ["localhost"],
      seed: "not the fixture",
    });
    expect(fake.root.subject).toBe(root.subject);
    expectAlert(() => verify(fake.chain, [root]), AlertDescription.unknown_ca);
    expectAlert(
      () => verify([...fake.chain, fake.root], [root]),
      AlertDescription.unknown_ca,
      /self-issued root that is not a trust anchor/,
    );
    expectAlert(() => verify(sent, []), AlertDescription.unknown_ca);
  });

  it("unhandled critical extension → bad_certificate; empty chain → bad_certificate", () => {
    const { chain, root } = buildChain({ intermediates: 0, criticalUnknownOnLeaf: true });
    expectAlert(
      () => verify(chain, [root]),
      AlertDescription.bad_certificate,
      /unhandled critical extension 1.3.6.1.4.1.99999.1/,
    );
    expectAlert(() => verify([], [root]), AlertDescription.bad_certificate, /empty/);
  });

  it("a leaf whose extKeyUsage excludes the purpose → bad_certificate", () => {
    const k = generateKeyPair("ed25519", { seed: "eku" });
    const { root, rootKey } = loadFixture("ed25519-leaf");
    const clientOnly = issueCertificate({
      subject: [["CN", "client"]],
      publicKey: k.publicKey,
      issuer: root,
      signingKey: rootKey,
      provider,
      notBefore,
      notAfter,
      extKeyUsage: ["1.3.6.1.5.5.7.3.2"],
    });
    expectAlert(() => verify([clientOnly], [root]), AlertDescription.bad_certificate, /serverAuth/);
    expect(
      verifyChain([clientOnly], { trustAnchors: [root], provider, now: NOW, purpose: "client" }).length,
    ).toBe(2);
  });

  it("an issuer algorithm the provider lacks → unsupported_certificate", () => {
    const { sent, root } = loadFixture("mldsa87-leaf");
    const { mldsa87: _, ...signatures } = provider.signatures;
    expectAlert(
      () => verifyChain(sent, { trustAnchors: [root], now: NOW, provider: { ...provider, signatures } }),
      AlertDescription.unsupported_certificate,
      /mldsa87/,
    );
  });
});

describe("any single-byte change to a certificate", () => {
  it("is refused with a TlsAlert, whether it breaks parsing or only the signature", () => {
    const { sent, root } = loadFixture("ed25519-leaf");
    const der = sent[0].der;
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: der.length - 1 }),
        fc.integer({ min: 1, max: 255 }),
        (at, xor) => {
          const bad = der.slice();
          bad[at] ^= xor;
          expect(() => verify([parseCertificate(bad)], [root], { hostname: "localhost" })).toThrow(TlsAlert);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe("host names", () => {
  it("wildcards match exactly one leftmost label", () => {
    expect(dnsNameMatches("*.example.com", "a.example.com")).toBe(true);
    expect(dnsNameMatches("*.Example.COM", "A.example.com")).toBe(true);
    expect(dnsNameMatches("*.example.com", "example.com")).toBe(false);
    expect(dnsNameMatches("*.example.com", "a.b.example.com")).toBe(false);
    expect(dnsNameMatches("*.com", "example.com")).toBe(false);
    expect(dnsNameMatches("a*.example.com", "ab.example.com")).toBe(false);
    const c = generateChain({
      sig: "ed25519",
      depth: 2,
      hostnames: ["*.lab.test"],
      ipAddresses: ["fd00::1"],
      seed: "w",
    });
    checkHostname(c.leaf, "node1.lab.test");
    checkHostname(c.leaf, "fd00:0:0::1");
    checkHostname(c.leaf, "[fd00::1]");
    expectAlert(() => checkHostname(c.leaf, "lab.test"), AlertDescription.bad_certificate);
    expectAlert(() => checkHostname(c.leaf, "fd00::2"), AlertDescription.bad_certificate);
  });
});
