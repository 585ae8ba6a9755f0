// parseCertificate reads the DER itself (the handshake's hot path); the ASN.1 library it used to
// call is kept here as the independent reference. Every field the two can both produce must agree,
// on the fixtures, on generated chains with every option, and on corrupted certificates that the
// library still accepts.

import { readdirSync, readFileSync } from "node:fs";
import { AsnConvert } from "@peculiar/asn1-schema";
import {
  Certificate as AsnCertificate,
  AuthorityKeyIdentifier,
  BasicConstraints,
  ExtendedKeyUsage,
  KeyUsage,
  SubjectKeyIdentifier,
  SubjectPublicKeyInfo,
} from "@peculiar/asn1-x509";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { nobleProvider } from "../src/crypto/index.js";
import { TlsAlert } from "../src/errors.js";
import { oidToString } from "../src/x509/algorithms.js";
import { type Certificate, generateChain, loadCertificates, parseCertificate } from "../src/x509/index.js";
import { formatName } from "../src/x509/names.js";
import { PKI_DIR } from "./x509-helpers.js";

const KEY_USAGE_ORDER = [
  "digitalSignature",
  "nonRepudiation",
  "keyEncipherment",
  "dataEncipherment",
  "keyAgreement",
  "keyCertSign",
  "cRLSign",
  "encipherOnly",
  "decipherOnly",
];

/** The fields as the ASN.1 library reads them. */
function reference(der: Uint8Array) {
  const t = AsnConvert.parse(der, AsnCertificate).tbsCertificate;
  const ext = <T>(oid: string, type: new () => T): T | undefined => {
    const e = t.extensions?.find((x) => x.extnID === oid);
    return e ? AsnConvert.parse(e.extnValue.buffer, type) : undefined;
  };
  const bc = ext("2.5.29.19", BasicConstraints);
  const ku = ext("2.5.29.15", KeyUsage);
  const eku = ext("2.5.29.37", ExtendedKeyUsage);
  const ski = ext("2.5.29.14", SubjectKeyIdentifier);
  const aki = ext("2.5.29.35", AuthorityKeyIdentifier);
  return {
    version: (t.version ?? 0) + 1,
    serialNumber: Buffer.from(t.serialNumber).toString("hex"),
    subject: formatName(t.subject),
    issuer: formatName(t.issuer),
    notBefore: t.validity.notBefore.getTime().toISOString(),
    notAfter: t.validity.notAfter.getTime().toISOString(),
    isCA: bc?.cA ?? false,
    pathLen: bc?.pathLenConstraint,
    keyUsage: ku ? KEY_USAGE_ORDER.filter((_, i) => (ku.toNumber() & (1 << i)) !== 0) : undefined,
    extKeyUsage: eku ? Array.from(eku) : undefined,
    subjectKeyId: ski ? Buffer.from(ski.buffer).toString("hex") : undefined,
    authorityKeyId: aki?.keyIdentifier ? Buffer.from(aki.keyIdentifier.buffer).toString("hex") : undefined,
    spki: Buffer.from(AsnConvert.serialize(t.subjectPublicKeyInfo)).toString("hex"),
    rawKey: Buffer.from(t.subjectPublicKeyInfo.subjectPublicKey).toString("hex"),
  };
}

function fields(c: Certificate) {
  return {
    version: c.version,
    serialNumber: c.serialNumber,
    subject: c.subject,
    issuer: c.issuer,
    notBefore: c.notBefore.toISOString(),
    notAfter: c.notAfter.toISOString(),
    isCA: c.isCA,
    pathLen: c.pathLen,
    keyUsage: c.keyUsage,
    extKeyUsage: c.extKeyUsage,
    subjectKeyId: c.subjectKeyId && Buffer.from(c.subjectKeyId).toString("hex"),
    authorityKeyId: c.authorityKeyId && Buffer.from(c.authorityKeyId).toString("hex"),
    spki: Buffer.from(c.publicKey.spki).toString("hex"),
    // RSA keys carry no raw form: the whole BIT STRING (the RSAPublicKey) is then compared via spki.
    rawKey: Buffer.from(
      c.publicKey.raw ?? AsnConvert.parse(c.publicKey.spki, SubjectPublicKeyInfo).subjectPublicKey,
    ).toString("hex"),
  };
}

function fixtureCertificates(): Certificate[] {
  const out: Certificate[] = [];
  for (const dir of readdirSync(PKI_DIR, { withFileTypes: true })) {
    if (!dir.isDirectory()) continue;
    for (const file of ["chain.pem", "root.pem"])
      out.push(...loadCertificates(readFileSync(`${PKI_DIR}${dir.name}/${file}`, "utf8")));
  }
  return out;
}

/** DER content of an OBJECT IDENTIFIER, by the X.690 rules, arcs as BigInt. */
function encodeOid(dotted: string): Uint8Array {
  const a = dotted.split(".").map(BigInt);
  const out: number[] = [];
  for (const arc of [a[0] * 40n + a[1], ...a.slice(2)]) {
    const bytes: number[] = [];
    for (let v = arc; ; v >>= 7n) {
      bytes.unshift(Number(v & 0x7fn) | (bytes.length ? 0x80 : 0));
      if (v < 0x80n) break;
    }
    out.push(...bytes);
  }
  return Uint8Array.from(out);
}

describe("oidToString", () => {
  it("decodes arcs exactly on both sides of the number/BigInt switch", () => {
    for (const oid of [
      "2.5.29.17",
      "1.2.840.113549.1.1.11",
      "0.9.2342.19200300.100.1.25",
      "2.999.1",
      "2.25.35184372088831", // 2^45 - 1
      "2.25.35184372088832", // 2^45
      "2.25.9007199254740993", // 2^53 + 1: not a double
      "2.25.329800735698586629295641978511506172918",
    ])
      expect(oidToString(encodeOid(oid))).toBe(oid);
    expect(() => oidToString(Uint8Array.of(0x2a, 0x86))).toThrow(/truncated/);
  });
});

describe("the DER fast path agrees with the ASN.1 library", () => {
  it("on every fixture certificate", () => {
    const certs = fixtureCertificates();
    expect(certs.length).toBeGreaterThan(15);
    for (const c of certs) expect(fields(c), c.subject).toEqual(reference(c.der));
  });

  it("on generated chains: depth 4, pathLen, IP SANs, GeneralizedTime dates, mixed algorithms", () => {
    const chain = generateChain({
      sig: "ed25519",
      rootSig: "ecdsa-p256",
      depth: 4,
      hostnames: ["a.test", "b.test"],
      ipAddresses: ["10.0.0.1", "fd00::2"],
      notBefore: new Date("1999-06-30T12:34:56Z"),
      notAfter: new Date("2051-01-01T00:00:00Z"), // after 2049: GeneralizedTime
      seed: "fast-parse",
      provider: nobleProvider,
    });
    for (const c of chain.certificates) expect(fields(c)).toEqual(reference(c.der));
    expect(chain.leaf.notAfter.toISOString()).toBe("2051-01-01T00:00:00.000Z");
    expect(chain.leaf.notBefore.toISOString()).toBe("1999-06-30T12:34:56.000Z");
    expect(chain.certificates.map((c) => c.pathLen)).toEqual([undefined, 0, 1, 2]);
    expect(chain.leaf.ipAddresses).toEqual(["10.0.0.1", "fd00::2"]);
  });

  it("on corrupted certificates: whatever both accept reads the same, and ours throws only TlsAlert", () => {
    const certs = fixtureCertificates().filter((c) => c.der.length < 3000);
    let bothAccepted = 0;
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: certs.length - 1 }),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        (which, where, xor) => {
          const der = certs[which].der.slice();
          der[where % der.length] ^= xor;
          let ours: Certificate;
          try {
            ours = parseCertificate(der);
          } catch (e) {
            expect(e).toBeInstanceOf(TlsAlert);
            return;
          }
          let theirs: ReturnType<typeof reference>;
          try {
            theirs = reference(der);
          } catch {
            return; // the library is the stricter one here (e.g. a name it cannot decode)
          }
          bothAccepted++;
          expect(fields(ours)).toEqual(theirs);
        },
      ),
      { numRuns: 1500, seed: 20261129 },
    );
    expect(bothAccepted).toBeGreaterThan(50);
  });
});
