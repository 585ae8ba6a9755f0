// Smaller certificate checks, as OpenSSL 3.5 and webpki make them: RSA keys of 2048 bits at least,
// no CA certificate as the leaf (unless pinned), extKeyUsage on intermediates, and the restriction
// an id-RSASSA-PSS key's SPKI parameters put on the hash.

import { describe, expect, it } from "vitest";
import { nobleProvider } from "../src/crypto/index.js";
import { AlertDescription } from "../src/wire/codepoints.js";
import { signatureAlgorithmFor } from "../src/x509/algorithms.js";
import { children, concatBytes, encodeTlv, readTlv, tlvBytes } from "../src/x509/der.js";
import {
  type Certificate,
  EKU,
  generateKeyPair,
  issueCertificate,
  parseSpki,
  verifyChain,
} from "../src/x509/index.js";
import { expectAlert, loadFixture } from "./x509-helpers.js";

const provider = nobleProvider;
const NOW = new Date("2026-06-01T00:00:00Z");
const dates = { notBefore: new Date("2025-01-01Z"), notAfter: new Date("2030-01-01Z") };
/** A root with no pathLen limit, for chains with an intermediate. */
function openRoot() {
  const rootKey = generateKeyPair("ed25519", { seed: "usage root" });
  const root = issueCertificate({
    ...dates,
    subject: [["CN", "usage root"]],
    publicKey: rootKey.publicKey,
    signingKey: rootKey,
    provider,
    isCA: true,
  });
  return { root, rootKey };
}

const verify = (chain: Certificate[], anchors: Certificate[]) =>
  verifyChain(chain, { trustAnchors: anchors, provider, now: NOW });

/** An rsaEncryption SPKI with a `bits`-bit modulus (odd, top bit set) and exponent 65537. */
function rsaSpkiOfSize(bits: number): Uint8Array {
  const n = new Uint8Array(bits / 8).fill(0xa5);
  n[0] = 0xc5;
  const key = encodeTlv(
    0x30,
    concatBytes(encodeTlv(0x02, concatBytes(Uint8Array.of(0), n)), encodeTlv(0x02, Uint8Array.of(1, 0, 1))),
  );
  const alg = Uint8Array.from(Buffer.from("300d06092a864886f70d0101010500", "hex"));
  return encodeTlv(0x30, concatBytes(alg, encodeTlv(0x03, concatBytes(Uint8Array.of(0), key))));
}

describe("RSA key size", () => {
  it("1024- and 1536-bit keys are refused, 2048 accepted", () => {
    expect(() => parseSpki(rsaSpkiOfSize(1024))).toThrow(/RSA modulus of 1024 bits/);
    expect(() => parseSpki(rsaSpkiOfSize(1536))).toThrow(/1536 bits/);
    expect(parseSpki(rsaSpkiOfSize(2048)).algorithm).toBe("rsa");
  });
});

describe("a CA certificate as the leaf", () => {
  const { root, rootKey } = loadFixture("ed25519-leaf");
  const key = generateKeyPair("ed25519", { seed: "ca leaf" });
  it("is refused under a root", () => {
    const caLeaf = issueCertificate({
      ...dates,
      subject: [["CN", "ca as leaf"]],
      publicKey: key.publicKey,
      issuer: root,
      signingKey: rootKey,
      provider,
      isCA: true,
      keyUsage: ["digitalSignature", "keyCertSign"],
      dnsNames: ["ca.example"],
    });
    expectAlert(() => verify([caLeaf], [root]), AlertDescription.bad_certificate, /is a CA certificate/);
  });
  it("is accepted when pinned (the same bytes are the trust anchor)", () => {
    const pinned = issueCertificate({
      ...dates,
      subject: [["CN", "pinned ca"]],
      publicKey: key.publicKey,
      signingKey: key,
      provider,
      isCA: true,
      keyUsage: ["digitalSignature", "keyCertSign"],
      dnsNames: ["pinned.example"],
    });
    expect(verify([pinned], [pinned])).toEqual([pinned]);
  });
});

describe("extKeyUsage on an intermediate", () => {
  const { root, rootKey } = openRoot();
  const midKey = generateKeyPair("ed25519", { seed: "eku mid" });
  const leafKey = generateKeyPair("ed25519", { seed: "eku leaf" });
  const chainWith = (eku: string[]) => {
    const mid = issueCertificate({
      ...dates,
      subject: [["CN", "eku intermediate"]],
      publicKey: midKey.publicKey,
      issuer: root,
      signingKey: rootKey,
      provider,
      isCA: true,
      extKeyUsage: eku,
    });
    const leaf = issueCertificate({
      ...dates,
      subject: [["CN", "leaf"]],
      publicKey: leafKey.publicKey,
      issuer: mid,
      signingKey: midKey,
      provider,
      dnsNames: ["leaf.example"],
    });
    return [leaf, mid];
  };
  it("must allow serverAuth when present", () => {
    expect(verify(chainWith([]), [root]).length).toBe(3);
    expect(verify(chainWith([EKU.serverAuth]), [root]).length).toBe(3);
    expect(verify(chainWith([EKU.any]), [root]).length).toBe(3);
    expectAlert(
      () => verify(chainWith([EKU.clientAuth]), [root]),
      AlertDescription.bad_certificate,
      /certificate 1 "CN=eku intermediate" extKeyUsage does not allow serverAuth/,
    );
  });
});

describe("id-RSASSA-PSS keys with SPKI parameters", () => {
  const pss = generateKeyPair("rsa-pss", { seed: "pss restricted", rsaBits: 2048 });
  /** pss's SPKI with parameters restricting it to the hash of `scheme`. */
  const restricted = (paramsDer: Uint8Array) => {
    const spki = pss.publicKey.spki as Uint8Array;
    const [, bits] = children(spki, readTlv(spki, 0));
    const alg = encodeTlv(
      0x30,
      concatBytes(Uint8Array.from(Buffer.from("06092a864886f70d01010a", "hex")), paramsDer),
    );
    return encodeTlv(0x30, concatBytes(alg, tlvBytes(spki, bits)));
  };
  const paramsOf = (scheme: "rsa_pss_pss_sha384") =>
    new Uint8Array(signatureAlgorithmFor(scheme).parameters as ArrayBuffer);

  it("are restricted to their hash, for certificate signatures", () => {
    const key384 = parseSpki(restricted(paramsOf("rsa_pss_pss_sha384")));
    expect(key384.pssHash).toBe("sha384");
    const { root, rootKey } = openRoot();
    const ca = issueCertificate({
      ...dates,
      subject: [["CN", "pss ca"]],
      publicKey: key384,
      issuer: root,
      signingKey: rootKey,
      provider,
      isCA: true,
    });
    const leafUnder = (signatureScheme: "rsa_pss_pss_sha256" | "rsa_pss_pss_sha384") =>
      issueCertificate({
        ...dates,
        subject: [["CN", "leaf"]],
        publicKey: generateKeyPair("ed25519", { seed: "pss leaf" }).publicKey,
        issuer: ca,
        signingKey: pss,
        signatureScheme,
        provider,
        dnsNames: ["leaf.example"],
      });
    expect(verify([leafUnder("rsa_pss_pss_sha384"), ca], [root]).length).toBe(3);
    expectAlert(
      () => verify([leafUnder("rsa_pss_pss_sha256"), ca], [root]),
      AlertDescription.bad_certificate,
      /restricted to RSASSA-PSS with sha384/,
    );
  });

  it("whose parameters no TLS 1.3 scheme can meet are refused when parsed", () => {
    // Empty RSASSA-PSS-params: every field at its default, SHA-1.
    expect(() => parseSpki(restricted(Uint8Array.of(0x30, 0x00)))).toThrow(/RSASSA-PSS/);
  });
});
