// Adversarial scenario "hostile chain vs normal chain verify": a server presents its leaf followed
// by hundreds of same-named issuers whose RSA keys carry a 3071-bit public exponent (each
// verification with such a key costs ~150 times one with 65537). Before the path-building limits
// this blocked a client for seconds per handshake; now it must cost about what a normal chain does.
// The chain builder is shared with the regression test (test/x509-path-budget.test.ts).

import { nobleProvider } from "../crypto/noble/index.js";
import { checkServerChain } from "../handshake/credentials.js";
import { children, concatBytes, encodeTlv, readTlv, tlvBytes, tlvContent } from "../x509/der.js";
import { generateChain, generateKeyPair, issueCertificate } from "../x509/index.js";

const provider = nobleProvider;
const notBefore = new Date("2025-01-01T00:00:00Z");
const notAfter = new Date("2049-12-31T23:59:59Z");

/** A 3071-bit odd exponent: the issue's measured case (5.9 ms per verify against 0.04 ms). */
export const HUGE_EXPONENT = 2n ** 3070n + 1n;

function derUnsigned(n: bigint): Uint8Array {
  let hex = n.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  const bytes = Buffer.from(hex, "hex");
  return bytes[0] & 0x80 ? concatBytes(Uint8Array.of(0), bytes) : new Uint8Array(bytes);
}

/** The RSA SubjectPublicKeyInfo `template` with its public exponent replaced by `e`. */
export function rsaSpki(template: Uint8Array, e: bigint): Uint8Array {
  const [algorithm, bits] = children(template, readTlv(template, 0));
  const rsaKey = tlvContent(template, bits).subarray(1);
  const [modulus] = children(rsaKey, readTlv(rsaKey, 0));
  const rsaPublicKey = encodeTlv(
    0x30,
    concatBytes(tlvBytes(rsaKey, modulus), encodeTlv(0x02, derUnsigned(e))),
  );
  return encodeTlv(
    0x30,
    concatBytes(tlvBytes(template, algorithm), encodeTlv(0x03, concatBytes(Uint8Array.of(0), rsaPublicKey))),
  );
}

/** `der` with its subjectPublicKeyInfo swapped for `spki` (the signature is left as it was). */
function withSpki(der: Uint8Array, spki: Uint8Array): Uint8Array {
  const [tbs, signatureAlgorithm, signature] = children(der, readTlv(der, 0));
  const parts = children(der, tbs);
  const at = parts[0].tag === 0xa0 ? 6 : 5;
  const fields = parts.map((p, i) => (i === at ? spki : tlvBytes(der, p)));
  return encodeTlv(
    0x30,
    concatBytes(
      encodeTlv(0x30, concatBytes(...fields)),
      tlvBytes(der, signatureAlgorithm),
      tlvBytes(der, signature),
    ),
  );
}

/**
 * DER of a leaf for "localhost" followed by `issuers` certificates that all carry the leaf's issuer
 * name and key identifier, with an RSA key of exponent `exponent` under which the leaf's signature
 * does not verify. Every one of them is a candidate issuer a naive path builder tries in turn.
 */
export function hostileIssuerChain(issuers: number, exponent: bigint = HUGE_EXPONENT): Uint8Array[] {
  const rsa = generateKeyPair("rsa", { seed: "hostile issuer", rsaBits: 2048 });
  const rootKey = generateKeyPair("ed25519", { seed: "hostile root" });
  const common = { provider, notBefore, notAfter };
  const root = issueCertificate({
    ...common,
    subject: [["CN", "Hostile root"]],
    publicKey: rootKey.publicKey,
    signingKey: rootKey,
    isCA: true,
  });
  const ca = issueCertificate({
    ...common,
    subject: [["CN", "Hostile CA"]],
    publicKey: rsa.publicKey,
    issuer: root,
    signingKey: rootKey,
    isCA: true,
  });
  const leafKey = generateKeyPair("ed25519", { seed: "hostile leaf" });
  const leaf = issueCertificate({
    ...common,
    subject: [["CN", "localhost"]],
    publicKey: leafKey.publicKey,
    issuer: ca,
    signingKey: rsa,
    dnsNames: ["localhost"],
  });
  const hostileCa = withSpki(ca.der, rsaSpki(rsa.publicKey.spki, exponent));
  const copies = Array.from({ length: issuers }, (_, i) => {
    const copy = hostileCa.slice();
    copy[copy.length - 1] ^= i & 0xff; // distinct certificates, same name, key id and key
    return copy;
  });
  return [leaf.der, ...copies];
}

export interface HostileChainFigures {
  /** CPU per verification of a normal RSA-2048 chain (leaf + intermediate), microseconds. */
  normalUs: number;
  /** CPU per refusal of the hostile chain (leaf + 900 huge-exponent issuers), microseconds. */
  hostileUs: number;
  /** hostile / normal: must stay a small constant. */
  ratio: number;
}

/** Alternates normal and hostile verifications `rounds` times each, in CPU time of this process. */
export function hostileChainVerify(rounds = 200): HostileChainFigures {
  const normal = generateChain({ sig: "rsa2048", depth: 2, hostnames: ["localhost"], seed: "bench normal" });
  const normalDers = normal.chain.map((c) => c.der);
  const hostile = hostileIssuerChain(900);
  const verify = (ders: Uint8Array[]) =>
    checkServerChain(ders, {
      trustAnchors: [normal.root],
      hostname: "localhost",
      provider,
      rejectUnauthorized: false,
    });
  let normalUs = 0;
  let hostileUs = 0;
  const cpu = (f: () => void) => {
    const start = process.cpuUsage();
    f();
    const used = process.cpuUsage(start);
    return used.user + used.system;
  };
  for (let i = 0; i < rounds; i++) {
    normalUs += cpu(() => verify(normalDers));
    hostileUs += cpu(() => {
      try {
        verify(hostile);
      } catch {
        // refused: what the scenario measures
      }
    });
  }
  return { normalUs: normalUs / rounds, hostileUs: hostileUs / rounds, ratio: hostileUs / normalUs };
}
