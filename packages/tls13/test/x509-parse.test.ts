// Parsing certificates, keys and PEM: the fields the TLS core relies on, and the alerts malformed
// or unsupported input must raise.

import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign as nodeSign,
  verify as nodeVerify,
} from "node:crypto";
import { readFileSync } from "node:fs";
import { ml_dsa65 } from "@noble/post-quantum/ml-dsa.js";
import { AsnConvert } from "@peculiar/asn1-schema";
import { Certificate as AsnCertificate } from "@peculiar/asn1-x509";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { nobleProvider } from "../src/crypto/index.js";
import type { KeyAlgorithm } from "../src/crypto/provider.js";
import { TlsAlert } from "../src/errors.js";
import { AlertDescription } from "../src/wire/codepoints.js";
import {
  encodePrivateKey,
  generateKeyPair,
  KEY_ALGORITHMS,
  loadCertificates,
  loadPrivateKey,
  parseCertificate,
  pemDecode,
  pemEncode,
  signatureSchemesFor,
} from "../src/x509/index.js";
import { BASE_CHAINS, expectAlert, loadFixture, node24, pkiFile } from "./x509-helpers.js";

const EXPECTED = {
  rsa2048: { key: "rsa", scheme: "rsa_pkcs1_sha256", sig: 256 },
  "ecdsa-p256": { key: "p256", scheme: "ecdsa_secp256r1_sha256", sig: undefined },
  ed25519: { key: "ed25519", scheme: "ed25519", sig: 64 },
  mldsa44: { key: "mldsa44", scheme: "mldsa44", sig: 2420 },
  mldsa65: { key: "mldsa65", scheme: "mldsa65", sig: 3309 },
  mldsa87: { key: "mldsa87", scheme: "mldsa87", sig: 4627 },
} as const;

const RAW_PUBLIC = { mldsa44: 1312, mldsa65: 1952, mldsa87: 2592, ed25519: 32, p256: 65 } as Record<
  string,
  number
>;

describe("parseCertificate on the test PKI", () => {
  for (const name of BASE_CHAINS) {
    it(`${name}: the fields the handshake needs`, () => {
      const { sent, root, leafKey } = loadFixture(`${name}-leaf`);
      const [leaf] = sent;
      const want = EXPECTED[name];
      expect(leaf.version).toBe(3);
      expect(leaf.subject).toBe("O=pqtls test PKI, CN=localhost");
      expect(leaf.issuer).toBe(root.subject);
      expect(root.subject).toBe(`O=pqtls test PKI, CN=pqtls ${name} root`);
      expect(leaf.publicKey.algorithm).toBe(want.key);
      expect(leaf.signatureScheme).toBe(want.scheme);
      if (want.sig) expect(leaf.signature.length).toBe(want.sig);
      if (RAW_PUBLIC[want.key]) expect(leaf.publicKey.raw?.length).toBe(RAW_PUBLIC[want.key]);
      expect(leaf.isCA).toBe(false);
      expect(root.isCA).toBe(true);
      expect(root.pathLen).toBe(0);
      expect(root.keyUsage).toEqual(["keyCertSign", "cRLSign"]);
      expect(leaf.keyUsage).toEqual(["digitalSignature"]);
      expect(leaf.dnsNames).toEqual(["localhost", "server.pqtls.test"]);
      expect(leaf.ipAddresses).toEqual(["127.0.0.1", "::1", "10.0.0.2", "10.1.0.2", "10.2.0.2", "10.3.0.2"]);
      expect(leaf.notBefore.toISOString()).toBe("2025-01-01T00:00:00.000Z");
      expect(leaf.notAfter.toISOString()).toBe("2049-12-31T23:59:59.000Z");
      expect(leaf.authorityKeyId).toEqual(root.subjectKeyId);
      expect(leaf.serialNumber).toMatch(/^[0-9a-f]{32}$/);
      expect(Buffer.from(leafKey.publicKey.spki).equals(Buffer.from(leaf.publicKey.spki))).toBe(true);
    });
  }
});

describe("malformed certificates → bad_certificate", () => {
  const der = loadFixture("mldsa44-leaf").sent[0].der;

  it("truncated DER", () => {
    expectAlert(
      () => parseCertificate(der.subarray(0, der.length - 1)),
      AlertDescription.bad_certificate,
      /truncated/,
    );
    expectAlert(() => parseCertificate(der.subarray(0, 100)), AlertDescription.bad_certificate, /truncated/);
    expectAlert(() => parseCertificate(new Uint8Array(0)), AlertDescription.bad_certificate);
  });

  it("trailing garbage after the certificate", () => {
    const padded = new Uint8Array([...der, 0x00]);
    expectAlert(() => parseCertificate(padded), AlertDescription.bad_certificate, /1 trailing bytes/);
  });

  it("BER indefinite length and non-minimal lengths", () => {
    const indefinite = Uint8Array.from([0x30, 0x80, 0x02, 0x01, 0x01, 0x00, 0x00]);
    expectAlert(() => parseCertificate(indefinite), AlertDescription.bad_certificate, /indefinite/);
    const nonMinimal = Uint8Array.from([0x30, 0x81, 0x03, 0x02, 0x01, 0x01]);
    expectAlert(() => parseCertificate(nonMinimal), AlertDescription.bad_certificate, /non-minimal/);
  });

  it("tbsCertificate.signature that differs from signatureAlgorithm", () => {
    // Only the outer signatureAlgorithm's OID changes (mldsa44 → mldsa65).
    const copy = der.slice();
    const oid = Buffer.from("0609608648016503040311", "hex");
    const last = Buffer.from(copy).lastIndexOf(oid);
    copy[last + oid.length - 1] = 0x12;
    expectAlert(() => parseCertificate(copy), AlertDescription.bad_certificate, /differs/);
  });

  it("random corruption never escapes as anything but a TlsAlert", () => {
    const small = loadFixture("ed25519-leaf").sent[0].der;
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: small.length - 1 }),
        fc.integer({ min: 1, max: 255 }),
        (at, xor) => {
          const bad = small.slice();
          bad[at] ^= xor;
          try {
            parseCertificate(bad);
          } catch (e) {
            expect(e).toBeInstanceOf(TlsAlert);
            expect([AlertDescription.bad_certificate, AlertDescription.unsupported_certificate]).toContain(
              (e as TlsAlert).alert,
            );
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("unsupported algorithms → unsupported_certificate", () => {
  const der = loadFixture("mldsa65-leaf").sent[0].der;
  const MLDSA65_OID = Buffer.from("0609608648016503040312", "hex");
  const occurrences = () => {
    const at: number[] = [];
    for (
      let i = Buffer.from(der).indexOf(MLDSA65_OID);
      i >= 0;
      i = Buffer.from(der).indexOf(MLDSA65_OID, i + 1)
    )
      at.push(i);
    return at; // tbs.signature, SPKI algorithm, outer signatureAlgorithm
  };

  it("an unknown public key algorithm OID", () => {
    const [, spki] = occurrences();
    const copy = der.slice();
    copy[spki + MLDSA65_OID.length - 1] = 0x7f; // 2.16.840.1.101.3.4.3.127
    expectAlert(
      () => parseCertificate(copy),
      AlertDescription.unsupported_certificate,
      /public key algorithm/,
    );
  });

  it("an unknown signature algorithm OID", () => {
    const [tbsSig, , outerSig] = occurrences();
    const copy = der.slice();
    copy[tbsSig + MLDSA65_OID.length - 1] = 0x7f;
    copy[outerSig + MLDSA65_OID.length - 1] = 0x7f;
    expectAlert(
      () => parseCertificate(copy),
      AlertDescription.unsupported_certificate,
      /signature algorithm/,
    );
  });

  it("ML-DSA AlgorithmIdentifier parameters, which RFC 9881 forbids", () => {
    const NULL = new Uint8Array([0x05, 0x00]).buffer;
    const withKeyParams = AsnConvert.parse(der, AsnCertificate);
    withKeyParams.tbsCertificate.subjectPublicKeyInfo.algorithm.parameters = NULL;
    withKeyParams.tbsCertificateRaw = undefined; // serialise the edited fields, not the original bytes
    expectAlert(
      () => parseCertificate(new Uint8Array(AsnConvert.serialize(withKeyParams))),
      AlertDescription.unsupported_certificate,
      /ML-DSA.*parameters/,
    );
    const withSigParams = AsnConvert.parse(der, AsnCertificate);
    withSigParams.tbsCertificate.signature.parameters = NULL;
    withSigParams.signatureAlgorithm.parameters = NULL;
    withSigParams.tbsCertificateRaw = undefined;
    expectAlert(
      () => parseCertificate(new Uint8Array(AsnConvert.serialize(withSigParams))),
      AlertDescription.unsupported_certificate,
      /ML-DSA.*parameters/,
    );
  });
});

describe("PEM", () => {
  it("round-trips certificates and reads several blocks in order", () => {
    const text = readFileSync(pkiFile("mldsa65", "chain.pem"), "utf8");
    const blocks = pemDecode(text);
    expect(blocks.map((b) => b.label)).toEqual(["CERTIFICATE", "CERTIFICATE"]);
    expect(blocks.map((b) => pemEncode(b.label, b.der)).join("")).toBe(text);
    const certs = loadCertificates(text);
    expect(certs[1].subject).toMatch(/intermediate 1/);
    expect(loadCertificates(certs[0].der)[0].subject).toBe(certs[0].subject);
  });

  it("rejects mismatched labels, bad base64 and missing blocks with a reason", () => {
    expect(() => pemDecode("-----BEGIN CERTIFICATE-----\nAAAA\n-----END PRIVATE KEY-----\n")).toThrow(
      /ends with/,
    );
    expect(() => pemDecode("-----BEGIN CERTIFICATE-----\nA*AA\n-----END CERTIFICATE-----\n")).toThrow(
      /base64/,
    );
    expect(() => loadCertificates("no pem here")).toThrow(/no PEM CERTIFICATE/);
  });
});

describe("private keys", () => {
  it("every fixture key loads, matches its certificate and re-encodes byte for byte", () => {
    for (const name of BASE_CHAINS) {
      const text = readFileSync(pkiFile(`${name}-leaf`, "leaf.key"), "utf8");
      const key = loadPrivateKey(text);
      expect(key.algorithm).toBe(EXPECTED[name].key);
      expect(encodePrivateKey(key)).toBe(text);
    }
  });

  it("ML-DSA: seed form is what we write; both form loads; expandedKey-only is refused clearly", () => {
    const seed = new Uint8Array(32).fill(9);
    const key = generateKeyPair("mldsa65", { seed: "x" });
    // PKCS#8 privateKey OCTET STRING holds [0] IMPLICIT OCTET STRING (tag 0x80) of 32 bytes.
    expect(Buffer.from(key.pkcs8).includes(Buffer.from([0x04, 0x22, 0x80, 0x20]))).toBe(true);

    const { publicKey, secretKey } = ml_dsa65.keygen(seed);
    const alg = Buffer.from("300b0609608648016503040312", "hex");
    const der = (tag: number, body: Uint8Array) => {
      const len = body.length;
      const head = len < 128 ? [tag, len] : len < 256 ? [tag, 0x81, len] : [tag, 0x82, len >> 8, len & 0xff];
      return Buffer.concat([Buffer.from(head), body]);
    };
    const pkcs8 = (inner: Uint8Array) =>
      der(0x30, Buffer.concat([Buffer.from([2, 1, 0]), alg, der(0x04, inner)]));
    const both = pkcs8(der(0x30, Buffer.concat([der(0x04, seed), der(0x04, secretKey)])));
    const loaded = loadPrivateKey(both);
    expect(Buffer.from(loaded.publicKey.raw!).equals(Buffer.from(publicKey))).toBe(true);
    expect(Buffer.from(loaded.raw!).equals(Buffer.from(seed))).toBe(true);

    const other = ml_dsa65.keygen(new Uint8Array(32).fill(1)).secretKey;
    const mismatched = pkcs8(der(0x30, Buffer.concat([der(0x04, seed), der(0x04, other)])));
    expect(() => loadPrivateKey(mismatched)).toThrow(/do not belong together/);
    expect(() => loadPrivateKey(pkcs8(der(0x04, secretKey)))).toThrow(/only the expandedKey/);
    const paramsAlg = Buffer.from("300d06096086480165030403120500", "hex");
    const withParams = der(
      0x30,
      Buffer.concat([Buffer.from([2, 1, 0]), paramsAlg, der(0x04, der(0x80, seed))]),
    );
    expect(() => loadPrivateKey(withParams)).toThrow(/must not carry parameters/);
  });

  it("ML-DSA keys written by OpenSSL 3.5 (Node 24) load with the same public key", () => {
    const out = JSON.parse(
      require("node:child_process").execFileSync(
        node24(),
        [
          "-e",
          `const c=require("node:crypto");const r={};for(const a of ["ml-dsa-44","ml-dsa-65","ml-dsa-87"]){const k=c.generateKeyPairSync(a);r[a]={pkcs8:k.privateKey.export({type:"pkcs8",format:"pem"}),spki:k.publicKey.export({type:"spki",format:"der"}).toString("hex")}}console.log(JSON.stringify(r))`,
        ],
        { encoding: "utf8", timeout: 30_000 },
      ),
    ) as Record<string, { pkcs8: string; spki: string }>;
    for (const [alg, { pkcs8, spki }] of Object.entries(out)) {
      const key = loadPrivateKey(pkcs8);
      expect(key.algorithm).toBe(alg.replace(/-/g, ""));
      expect(Buffer.from(key.publicKey.spki).toString("hex")).toBe(spki);
    }
  });

  it("classical keys from OpenSSL: PKCS#8, PKCS#1 RSA, SEC1 EC and RSA-PSS", () => {
    const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const fromPkcs1 = loadPrivateKey(rsa.privateKey.export({ type: "pkcs1", format: "pem" }) as string);
    expect(fromPkcs1.algorithm).toBe("rsa");
    expect(
      Buffer.from(fromPkcs1.publicKey.spki).equals(rsa.publicKey.export({ type: "spki", format: "der" })),
    ).toBe(true);
    const ec = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
    const fromSec1 = loadPrivateKey(ec.privateKey.export({ type: "sec1", format: "pem" }) as string);
    expect(fromSec1.algorithm).toBe("p256");
    expect(fromSec1.raw?.length).toBe(32);
    const pss = generateKeyPairSync("rsa-pss", { modulusLength: 2048 });
    const fromPss = loadPrivateKey(pss.privateKey.export({ type: "pkcs8", format: "der" }));
    expect(fromPss.algorithm).toBe("rsa-pss");
    expect(signatureSchemesFor(fromPss)).toEqual([
      "rsa_pss_pss_sha256",
      "rsa_pss_pss_sha384",
      "rsa_pss_pss_sha512",
    ]);
    expect(() =>
      loadPrivateKey("-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n"),
    ).toThrow(/encrypted/);
  });
});

describe("signatureSchemesFor", () => {
  it("maps every key type to its CertificateVerify schemes, never rsa_pkcs1", () => {
    const want: Record<KeyAlgorithm, string[]> = {
      rsa: ["rsa_pss_rsae_sha256", "rsa_pss_rsae_sha384", "rsa_pss_rsae_sha512"],
      "rsa-pss": ["rsa_pss_pss_sha256", "rsa_pss_pss_sha384", "rsa_pss_pss_sha512"],
      p256: ["ecdsa_secp256r1_sha256"],
      p384: ["ecdsa_secp384r1_sha384"],
      ed25519: ["ed25519"],
      mldsa44: ["mldsa44"],
      mldsa65: ["mldsa65"],
      mldsa87: ["mldsa87"],
    };
    for (const alg of KEY_ALGORITHMS) {
      const key = { algorithm: alg, spki: new Uint8Array(0) };
      expect(signatureSchemesFor(key)).toEqual(want[alg]);
    }
  });
});

describe("generateKeyPair", () => {
  it("is reproducible from a seed and gives working keys for every algorithm", () => {
    for (const alg of KEY_ALGORITHMS) {
      const a = generateKeyPair(alg, { seed: "seed-1" });
      const b = generateKeyPair(alg, { seed: "seed-1" });
      const c = generateKeyPair(alg, { seed: "seed-2" });
      expect(Buffer.from(a.pkcs8).equals(Buffer.from(b.pkcs8)), alg).toBe(true);
      expect(Buffer.from(a.pkcs8).equals(Buffer.from(c.pkcs8)), alg).toBe(false);
      const scheme = signatureSchemesFor(a)[0];
      const msg = new TextEncoder().encode(`hello ${alg}`);
      const sig = nobleProvider.signatures[scheme]!.sign(a, msg);
      expect(nobleProvider.signatures[scheme]!.verify(a.publicKey, msg, sig), alg).toBe(true);
      if (!alg.startsWith("mldsa")) {
        // OpenSSL agrees the key pair is consistent (RSA keys come from our own prime search).
        const priv = createPrivateKey({ key: Buffer.from(a.pkcs8), format: "der", type: "pkcs8" });
        const pub = createPublicKey({ key: Buffer.from(a.publicKey.spki), format: "der", type: "spki" });
        const hash = alg === "ed25519" ? null : alg === "p384" ? "sha384" : "sha256";
        const s = nodeSign(hash, msg, priv);
        expect(nodeVerify(hash, msg, pub, s), alg).toBe(true);
      }
    }
    const rsa = createPrivateKey({
      key: Buffer.from(generateKeyPair("rsa", { seed: "x" }).pkcs8),
      format: "der",
      type: "pkcs8",
    });
    expect(rsa.asymmetricKeyDetails?.modulusLength).toBe(2048);
    expect(rsa.asymmetricKeyDetails?.publicExponent).toBe(65537n);
  });
});
