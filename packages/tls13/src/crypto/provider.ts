// The crypto provider contract: a plain object of algorithm tables (rustls' CryptoProvider idea).
// The TLS state machines and the X.509 code only ever reach primitives through this, so a new
// implementation (noble, node:crypto, wasm) is one file that fills these tables.
//
// Everything is synchronous: all three backends have synchronous primitives, and a handshake step
// that awaits nothing keeps the measured path free of event-loop hops.

import type { CipherSuiteName, GroupName, SignatureSchemeName } from "../wire/codepoints.js";

export type Bytes = Uint8Array;

// ---- key exchange ---------------------------------------------------------------------------

/** A key pair for one key share. `privateKey` is opaque to callers: each backend keeps its own form. */
export interface KemKeyPair {
  publicKey: Bytes;
  privateKey: unknown;
}

/**
 * Every group (ECDH, ML-KEM, hybrid) is expressed as a KEM:
 * - the client calls keyGen() and sends `publicKey` as its key share;
 * - the server calls encapsulate(clientShare) and sends `ciphertext` as its key share;
 * - the client calls decapsulate(serverShare, privateKey).
 * For ECDH, "encapsulate" makes an ephemeral key pair and the ciphertext is its public key.
 * Invalid input (bad length, ML-KEM modulus check, point not on curve, all-zero X25519 secret)
 * throws TlsAlert(illegal_parameter).
 */
export interface KeyExchangeGroup {
  readonly name: GroupName;
  readonly code: number;
  /** Length of the client's key share (the KEM public key). */
  readonly publicKeyLength: number;
  /** Length of the server's key share (the KEM ciphertext). */
  readonly ciphertextLength: number;
  keyGen(): KemKeyPair;
  encapsulate(publicKey: Bytes): { ciphertext: Bytes; sharedSecret: Bytes };
  decapsulate(ciphertext: Bytes, privateKey: unknown): Bytes;
}

// ---- symmetric --------------------------------------------------------------------------------

export type AeadName = "AES_128_GCM" | "AES_256_GCM" | "CHACHA20_POLY1305";

/** An AEAD bound to one key; reused for every record of one traffic secret. */
export interface AeadKey {
  seal(nonce: Bytes, plaintext: Bytes, aad: Bytes): Bytes;
  /**
   * Optional: seal() with the ciphertext and the tag as separate buffers, so the record layer can
   * hand them to the transport without joining them. Reads its inputs only during the call (the
   * caller may reuse them afterwards), and returns buffers the caller owns.
   */
  sealDetached?(nonce: Bytes, plaintext: Bytes, aad: Bytes): [ciphertext: Bytes, tag: Bytes];
  /**
   * Returns null when authentication fails (the record layer sends bad_record_mac). Reads its inputs
   * only during the call: the record layer passes a reused nonce buffer and may reuse the
   * ciphertext's memory afterwards; the plaintext returned must not alias the ciphertext.
   */
  open(nonce: Bytes, ciphertext: Bytes, aad: Bytes): Bytes | null;
  /**
   * Optional, allocation-free seal: writes the ciphertext to output[0..n) and the tag to
   * output[n..n+16), n = plaintext.length. `output` may be the plaintext's own memory (sealing in
   * place) but must not overlap it otherwise. The record layer prefers this to seal/sealDetached.
   */
  sealInto?(nonce: Bytes, aad: Bytes, plaintext: Bytes, output: Bytes): void;
  /**
   * Optional, allocation-free open of ciphertext||tag into output[0..n-16); false when the tag does
   * not verify (output then holds garbage). `output` may be the input's own memory (opening in place).
   */
  openInto?(nonce: Bytes, aad: Bytes, ciphertextAndTag: Bytes, output: Bytes): boolean;
}

export interface Aead {
  readonly name: AeadName;
  readonly keyLength: number;
  readonly nonceLength: 12;
  readonly tagLength: 16;
  init(key: Bytes): AeadKey;
}

export type HashName = "sha256" | "sha384" | "sha512";

/** A running hash that can be forked: the transcript hash is read at many points. */
export interface HashState {
  update(data: Bytes): HashState;
  digest(): Bytes;
  clone(): HashState;
}

export interface Hash {
  readonly name: HashName;
  readonly outputLength: number;
  readonly blockLength: number;
  create(): HashState;
  digest(data: Bytes): Bytes;
  hmac(key: Bytes, data: Bytes): Bytes;
}

// ---- signatures -------------------------------------------------------------------------------

/** The kinds of keys certificates carry. */
export type KeyAlgorithm =
  | "rsa" // rsaEncryption: usable for rsa_pss_rsae_* and rsa_pkcs1_*
  | "rsa-pss" // id-RSASSA-PSS keys: rsa_pss_pss_*
  | "p256"
  | "p384"
  | "ed25519"
  | "mldsa44"
  | "mldsa65"
  | "mldsa87";

export interface PublicKey {
  readonly algorithm: KeyAlgorithm;
  /** DER SubjectPublicKeyInfo. */
  readonly spki: Bytes;
  /** The bare key: the SEC1 uncompressed point, the Ed25519 or ML-DSA key bytes; absent for RSA. */
  readonly raw?: Bytes;
  /** id-RSASSA-PSS keys whose SPKI carries parameters (RFC 4055 §1.2): the only hash they may
   *  sign with. Absent: no restriction. */
  readonly pssHash?: "sha256" | "sha384" | "sha512";
}

export interface PrivateKey {
  readonly algorithm: KeyAlgorithm;
  /** DER PKCS#8 (ML-DSA in the RFC 9881 seed form). */
  readonly pkcs8: Bytes;
  /** The bare secret where one exists: ML-DSA and Ed25519 seed, EC scalar. Absent for RSA. */
  readonly raw?: Bytes;
  readonly publicKey: PublicKey;
}

/**
 * One TLS SignatureScheme (also used for X.509 signatures, which map onto the same schemes).
 * Backends may cache their own key objects on the key (e.g. a WeakMap from PrivateKey to KeyObject).
 */
export interface SignatureAlgorithm {
  readonly name: SignatureSchemeName;
  readonly code: number;
  /** Which key algorithms this scheme signs with. */
  readonly keyAlgorithms: readonly KeyAlgorithm[];
  sign(key: PrivateKey, message: Bytes): Bytes;
  /** false for a bad signature or a malformed one (wrong length); never throws for bad input. */
  verify(key: PublicKey, message: Bytes, signature: Bytes): boolean;
}

// ---- the provider -------------------------------------------------------------------------------

export interface CryptoProvider {
  /** "noble" | "native" | "wasm" | "auto" or a user's own. */
  readonly name: string;
  readonly groups: Partial<Record<GroupName, KeyExchangeGroup>>;
  readonly suites: Partial<Record<CipherSuiteName, { aead: Aead; hash: Hash }>>;
  readonly hashes: Record<HashName, Hash>;
  readonly signatures: Partial<Record<SignatureSchemeName, SignatureAlgorithm>>;
  randomBytes(length: number): Bytes;
  /** Which implementation serves each algorithm, e.g. { "X25519MLKEM768": "wasm+native", ... }:
   *  recorded by the harness next to every result. */
  describe(): Record<string, string>;
}
