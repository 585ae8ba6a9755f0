// Size models (labelled as such): a landmark-relative Merkle Tree Certificate and a KEM-auth leaf,
// carried by today's handshake, at the byte sizes the drafts define.

import { describe, expect, it } from "vitest";
import {
  generateAuthKemModelChain,
  generateChain,
  generateMtcModelChain,
  mtcProofBytes,
  nobleProvider,
} from "../src/index.js";
import { pair } from "./handshake-helpers.js";

/** DER of an X.509 certificate as the MTC draft shapes it: TBS with mtcProof alg, proof as signature. */
function mtcCertificateSize(tbsBody: number, proof: number): number {
  const tlv = (n: number) => (n < 0x80 ? 2 : n < 0x100 ? 3 : 4) + n;
  const algId = tlv(tlv(10)); // 1.3.6.1.4.1.44363.47.0, parameters absent
  return tlv(tlv(tbsBody) + algId + tlv(1 + proof));
}

describe("size models", () => {
  it("MTCProof: 16 bytes of range, the proof's hashes, an empty signature list", () => {
    expect(mtcProofBytes(0)).toBe(20);
    expect(mtcProofBytes(18)).toBe(596);
  });

  it("the MTC model's leaf is exactly the landmark-relative certificate's size, and a handshake carries it", async () => {
    const m = generateMtcModelChain({ hostnames: ["localhost"], proofHashes: 18, seed: "mtc" });
    expect(m.chain).toHaveLength(1);
    expect(m.model).toMatch(/^MTC model/);
    // An ML-DSA-44 leaf has a 1312-byte key: with a 596-byte proof in place of a 2420-byte
    // ML-DSA-44 CA signature the certificate is about 1.9 KB.
    const real = generateChain({ sig: "mldsa44", depth: 2, hostnames: ["localhost"], seed: "mtc" }).leaf;
    expect(m.leaf.der.length).toBeLessThan(real.der.length - 2420 + 700);
    // Exactly: the unpadded Ed25519-signed leaf's TBS, with the 14-byte mtcProof AlgorithmIdentifier
    // in place of Ed25519's 7-byte one, then the AlgorithmIdentifier and the proof as signature.
    const unpadded = generateChain({
      sig: "mldsa44",
      rootSig: "ed25519",
      depth: 2,
      hostnames: ["localhost"],
      seed: "mtc",
    }).leaf;
    const tbsEd = (unpadded.der[6] << 8) | unpadded.der[7]; // 30 82 LL LL 30 82 TT TT
    expect([unpadded.der[4], unpadded.der[5]]).toEqual([0x30, 0x82]);
    expect(m.leaf.der.length).toBe(mtcCertificateSize(tbsEd - 7 + 14, 596));
    const { c } = await pair(
      { ca: m.root, servername: "localhost", provider: nobleProvider },
      { cert: m.chain, key: m.leafKey, provider: nobleProvider, tickets: 0 },
    );
    expect(c.authorized).toBe(true);
    expect(c.timings.messages.find((x) => x.type === "certificate")!.length).toBe(8 + m.leaf.der.length + 5);
  });

  it("the AuthKEM model's leaf is the size of the same leaf with an ML-KEM-768 key", async () => {
    const m = generateAuthKemModelChain({ hostnames: ["localhost"], kem: "mlkem768", seed: "authkem" });
    expect(m.model).toMatch(/^AuthKEM model/);
    const unpadded = generateChain({
      sig: "ed25519",
      intermediateSig: "mldsa44",
      rootSig: "mldsa44",
      depth: 3,
      hostnames: ["localhost"],
      seed: "authkem",
    }).leaf;
    // SubjectPublicKeyInfo grows from Ed25519's 44 bytes to ML-KEM-768's 1206 (13 + 4 + 1 + 1184 + 4).
    expect(m.leaf.der.length - unpadded.der.length).toBe(1206 - 44);
    const { c } = await pair(
      { ca: m.root, servername: "localhost", provider: nobleProvider },
      { cert: m.chain, key: m.leafKey, provider: nobleProvider, tickets: 0 },
    );
    expect(c.authorized).toBe(true);
  });

  it("the MTC size formula matches a certificate assembled the draft's way", () => {
    expect(mtcCertificateSize(1500, 596)).toBe(4 + (4 + 1500) + 14 + (4 + 597));
  });
});

describe("leaves with embedded post-quantum SCTs", () => {
  it("carry two RFC 6962 SCTs with ML-DSA-44 signatures: 4940 bytes of SCT list", async () => {
    const plain = generateChain({ sig: "mldsa44", depth: 3, hostnames: ["localhost"], seed: "sct" });
    const withScts = generateChain({
      sig: "mldsa44",
      depth: 3,
      hostnames: ["localhost"],
      seed: "sct",
      scts: 2,
    });
    const ext = withScts.leaf.extensions.find((e) => e.oid === "1.3.6.1.4.1.11129.2.4.2")!;
    expect(ext.critical).toBe(false);
    // extnValue = OCTET STRING { SignedCertificateTimestampList }.
    const v = Buffer.from(ext.value);
    expect([v[0], v[1]]).toEqual([0x04, 0x82]);
    const list = v.subarray(4);
    expect(list.readUInt16BE(0)).toBe(list.length - 2);
    let at = 2;
    const scts: Buffer[] = [];
    while (at < list.length) {
      const n = list.readUInt16BE(at);
      scts.push(list.subarray(at + 2, at + 2 + n));
      at += 2 + n;
    }
    expect(scts).toHaveLength(2);
    for (const sct of scts) {
      // version(1) log_id(32) timestamp(8) extensions<2> algorithm(2) signature<2>
      expect(sct[0]).toBe(0);
      expect(sct.readUInt16BE(41)).toBe(0);
      expect(sct.readUInt16BE(43)).toBe(0x0904);
      expect(sct.readUInt16BE(45)).toBe(2420);
      expect(sct.length).toBe(47 + 2420);
    }
    expect(list.length).toBe(4940);
    // The leaf grows by the Extension: SEQUENCE { OID (12), OCTET STRING (4 + 4944) } = 4964, plus
    // at most a byte each where the extensions' length headers grow.
    const grew = withScts.leaf.der.length - plain.leaf.der.length;
    expect(grew).toBeGreaterThanOrEqual(4964);
    expect(grew).toBeLessThanOrEqual(4966);
    const { c } = await pair(
      { ca: withScts.root, servername: "localhost", provider: nobleProvider },
      { cert: withScts.chain, key: withScts.leafKey, provider: nobleProvider, tickets: 0 },
    );
    expect(c.authorized).toBe(true);
  });
});
