// Whole chains for experiments: root → intermediates → leaf of any (mixed) algorithms, the knobs
// that shape their size (depth, send or omit the root, pad to an exact total), and the wire size
// a chain costs in a TLS 1.3 Certificate message.

import { nobleProvider } from "../crypto/noble/index.js";
import type { CryptoProvider, KeyAlgorithm, PrivateKey } from "../crypto/provider.js";
import type { Certificate } from "./certificate.js";
import { type IssueCertificateOptions, issueCertificate, padCertificate } from "./issue.js";
import { generateKeyPair } from "./keys.js";
import { embeddedSctExtension } from "./sct.js";
import type { Seed } from "./seeded.js";

/** Signature algorithm names accepted by generateChain and `pqtls certs --sig`. */
export const CHAIN_ALGORITHMS = {
  rsa2048: { key: "rsa", rsaBits: 2048 },
  rsa3072: { key: "rsa", rsaBits: 3072 },
  rsa4096: { key: "rsa", rsaBits: 4096 },
  "rsa-pss2048": { key: "rsa-pss", rsaBits: 2048 },
  "ecdsa-p256": { key: "p256" },
  "ecdsa-p384": { key: "p384" },
  ed25519: { key: "ed25519" },
  mldsa44: { key: "mldsa44" },
  mldsa65: { key: "mldsa65" },
  mldsa87: { key: "mldsa87" },
} as const satisfies Record<string, { key: KeyAlgorithm; rsaBits?: number }>;
export type ChainAlgorithm = keyof typeof CHAIN_ALGORITHMS;

export const DEFAULT_NOT_BEFORE = new Date("2025-01-01T00:00:00Z");
/** Last UTCTime second: keeps every date a 13-byte UTCTime, as most issued certificates are. */
export const DEFAULT_NOT_AFTER = new Date("2049-12-31T23:59:59Z");

export interface GenerateChainOptions {
  /** Leaf algorithm (and of every CA unless overridden). */
  sig: ChainAlgorithm;
  /**
   * Certificates on the path, root included: 1 = a self-signed leaf (its own trust anchor),
   * 2 = root + leaf, 3 = root + intermediate + leaf, 4 = root + 2 intermediates + leaf.
   */
  depth: number;
  rootSig?: ChainAlgorithm;
  intermediateSig?: ChainAlgorithm;
  /** Leaf DNS SANs; the first also names the leaf (CN). */
  hostnames: string[];
  ipAddresses?: string[];
  /** Send the root in the chain (default false: RFC 8446 lets it be omitted and servers usually do). */
  includeRoot?: boolean;
  /** Pad the sent chain so its Certificate message is exactly this many bytes (see chainWireSize). */
  padTo?: number;
  /**
   * Embed this many SCTs in the leaf, each signed with ML-DSA-44 as a post-quantum CT log would
   * (x509/sct.ts: the right size, not verifiable as CT). A WebPKI leaf carries two or three.
   */
  scts?: number;
  /** Reproducible keys, serials and padding; without it keys are random. */
  seed?: Seed;
  notBefore?: Date;
  notAfter?: Date;
  provider?: CryptoProvider;
}

export interface GeneratedChain {
  /** Every certificate, leaf first, root last (depth entries). */
  certificates: Certificate[];
  /** Their private keys, in the same order. */
  keys: PrivateKey[];
  /** What a server sends: leaf first, the root only with includeRoot. */
  chain: Certificate[];
  leaf: Certificate;
  leafKey: PrivateKey;
  /** The trust anchor clients need (the leaf itself at depth 1). */
  root: Certificate;
  rootKey: PrivateKey;
}

function algorithmOf(name: string): { key: KeyAlgorithm; rsaBits?: number } {
  const a = (CHAIN_ALGORITHMS as Record<string, { key: KeyAlgorithm; rsaBits?: number }>)[name];
  if (!a)
    throw new Error(
      `unknown signature algorithm "${name}" (known: ${Object.keys(CHAIN_ALGORITHMS).join(", ")})`,
    );
  return a;
}

export function generateChain(o: GenerateChainOptions): GeneratedChain {
  if (!Number.isInteger(o.depth) || o.depth < 1 || o.depth > 4)
    throw new Error(`depth must be 1..4, got ${o.depth}`);
  if (o.hostnames.length === 0 && !o.ipAddresses?.length)
    throw new Error("a leaf needs at least one hostname or IP");
  const provider = o.provider ?? nobleProvider;
  const notBefore = o.notBefore ?? DEFAULT_NOT_BEFORE;
  const notAfter = o.notAfter ?? DEFAULT_NOT_AFTER;

  // Roles from the root down: index 0 root, then intermediates, last the leaf. Intermediates are
  // numbered in chain order: "intermediate 1" issues the leaf (it is chain[1] when sent).
  const roles = Array.from({ length: o.depth }, (_, i) =>
    i === o.depth - 1 ? "leaf" : i === 0 ? "root" : `intermediate ${o.depth - 1 - i}`,
  );
  const algorithms = roles.map((role) =>
    algorithmOf(
      role === "leaf" ? o.sig : role === "root" ? (o.rootSig ?? o.sig) : (o.intermediateSig ?? o.sig),
    ),
  );
  const keys = algorithms.map((a, i) =>
    generateKeyPair(a.key, {
      rsaBits: a.rsaBits,
      ...(o.seed !== undefined ? { seed: `${seedText(o.seed)}/${roles[i]}` } : {}),
    }),
  );
  const label = (i: number) =>
    roles[i] === "leaf"
      ? (o.hostnames[0] ?? o.ipAddresses![0])
      : `pqtls ${algorithmNameOf(algorithms[i])} ${roles[i]}`;

  const certs: Certificate[] = [];
  for (let i = 0; i < o.depth; i++) {
    const isLeaf = i === o.depth - 1;
    const opts: IssueCertificateOptions = {
      subject: [
        ["O", "pqtls test PKI"],
        ["CN", label(i)],
      ],
      publicKey: keys[i].publicKey,
      ...(i > 0 ? { issuer: certs[i - 1] } : {}),
      signingKey: i > 0 ? keys[i - 1] : keys[i],
      provider,
      notBefore,
      notAfter,
      isCA: !isLeaf,
      // Each CA allows exactly the intermediates generated below it.
      ...(!isLeaf ? { pathLen: o.depth - 2 - i } : {}),
      ...(isLeaf ? { dnsNames: o.hostnames, ipAddresses: o.ipAddresses ?? [] } : {}),
      ...(isLeaf && o.scts
        ? {
            extraExtensions: [
              embeddedSctExtension(
                o.scts,
                keys[i].publicKey.raw ?? new Uint8Array(0),
                provider,
                o.seed !== undefined ? `${seedText(o.seed)}/ct-log` : undefined,
              ),
            ],
          }
        : {}),
    };
    certs.push(issueCertificate(opts));
  }

  // Leaf first from here on.
  const certificates = certs.reverse();
  const keysLeafFirst = [...keys].reverse();
  // Who signed each certificate (leaf first): the next one up, or itself at the root.
  const issuerKeys = keysLeafFirst.map((_, i) => keysLeafFirst[Math.min(i + 1, keysLeafFirst.length - 1)]);
  const sendCount = o.includeRoot || o.depth === 1 ? o.depth : o.depth - 1;
  if (o.padTo !== undefined) {
    const padded = padChain(certificates.slice(0, sendCount), issuerKeys, o.padTo, provider);
    // A padded CA keeps its name and key, so the certificates it issued still verify.
    for (let i = 0; i < padded.length; i++) certificates[i] = padded[i];
  }
  return {
    certificates,
    keys: keysLeafFirst,
    chain: certificates.slice(0, sendCount),
    leaf: certificates[0],
    leafKey: keysLeafFirst[0],
    root: certificates[certificates.length - 1],
    rootKey: keysLeafFirst[keysLeafFirst.length - 1],
  };
}

function algorithmNameOf(a: { key: KeyAlgorithm; rsaBits?: number }): string {
  for (const [name, v] of Object.entries(CHAIN_ALGORITHMS))
    if (v.key === a.key && (v as { rsaBits?: number }).rsaBits === a.rsaBits) return name;
  return a.key;
}

function seedText(seed: Seed): string {
  return typeof seed === "string" ? seed : Buffer.from(seed).toString("hex");
}

// ---- sizes ------------------------------------------------------------------------------------

/** Handshake header (4) + certificate_request_context length (1) + certificate_list length (3). */
const CERTIFICATE_MESSAGE_OVERHEAD = 4 + 1 + 3;
/** Per CertificateEntry: cert_data length (3) + extensions length (2), with no entry extensions. */
const CERTIFICATE_ENTRY_OVERHEAD = 3 + 2;

/**
 * Bytes the chain costs as a TLS 1.3 Certificate handshake message (header included, empty
 * request context, no per-entry extensions), before record framing.
 */
export function chainWireSize(chain: ReadonlyArray<{ der: Uint8Array }>): number {
  return chain.reduce((n, c) => n + c.der.length + CERTIFICATE_ENTRY_OVERHEAD, CERTIFICATE_MESSAGE_OVERHEAD);
}

/**
 * Re-signs the certificates (same fields, same issuers) with padding so chainWireSize() is exactly
 * `total`. `issuerKeys[i]` is the key that signed chain[i] (for a self-signed one, its own key).
 * The extra bytes are spread evenly over the certificates (the last takes the rounding); when the
 * total is too small for that, all of it goes to the leaf.
 */
export function padChain(
  chain: Certificate[],
  issuerKeys: PrivateKey[],
  total: number,
  provider: CryptoProvider = nobleProvider,
): Certificate[] {
  if (issuerKeys.length < chain.length) throw new Error("padChain needs the issuer key of every certificate");
  const current = chainWireSize(chain);
  const extra = total - current;
  if (extra === 0) return chain;
  if (extra < 0) throw new Error(`cannot pad chain to ${total} bytes: it is already ${current} bytes`);
  const MIN_PER_CERT = 128; // comfortably above the padding extension's own overhead
  const spread = extra >= MIN_PER_CERT * chain.length ? chain.length : 1;
  const share = Math.floor(extra / spread);
  return chain.map((cert, i) => {
    if (i >= spread) return cert;
    const add = i === spread - 1 ? extra - share * (spread - 1) : share;
    return padCertificate(cert, issuerKeys[i], cert.der.length + add, provider);
  });
}
