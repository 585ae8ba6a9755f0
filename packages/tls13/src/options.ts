// Options of connect() / createServer() and their defaults. Names follow node:tls where one exists
// (servername, ALPNProtocols, ca, cert, key, rejectUnauthorized).

import type { Duplex } from "node:stream";
import type { CryptoProvider, PrivateKey } from "./crypto/provider.js";
import type { IntermediateStore } from "./handshake/suppress_ca.js";
import type { HandshakeHooks } from "./hooks.js";
import type { PaddingPolicy } from "./record/padding.js";
import type { TlsSession } from "./resumption/session.js";
import type { TicketKeys } from "./resumption/tickets.js";
import type { SecureContext, SNICallback } from "./secure-context.js";
import type {
  CertificateCompressionName,
  CipherSuiteName,
  GroupName,
  SignatureSchemeName,
} from "./wire/codepoints.js";
import type { AbridgedScheme } from "./x509/abridge.js";
import type { Certificate } from "./x509/index.js";

/** RFC 8446 §4.2.9: resumption with a fresh key exchange (psk_dhe_ke) or with the PSK alone (psk_ke). */
export type PskModeName = "psk_dhe_ke" | "psk_ke";

/** A key log sink: a file path (appended to) or a callback receiving one NSS key log line. */
export type KeylogOption = string | ((line: string) => void);

/** PEM text (one or more certificates), DER bytes, or parsed certificates. */
export type CertificatesInput =
  | string
  | Uint8Array
  | Certificate
  | ReadonlyArray<string | Uint8Array | Certificate>;

export interface CommonOptions {
  /** Crypto implementation; default defaultProvider(). */
  provider?: CryptoProvider;
  /** supported_groups, most preferred first. The server picks by its own list. */
  groups?: GroupName[];
  /** Cipher suites, most preferred first. The server picks by its own list. */
  cipherSuites?: CipherSuiteName[];
  /** Signature schemes accepted (client) / usable (server) for CertificateVerify, preferred first. */
  signatureSchemes?: SignatureSchemeName[];
  /** node:tls's form of `groups`: OpenSSL's colon-separated names ("X25519MLKEM768:X25519:P-256"; "auto" = default). */
  ecdhCurve?: string;
  /** node:tls's form of `cipherSuites`: the TLS 1.3 suite names in an OpenSSL cipher string (others are skipped). */
  ciphers?: string;
  /** node:tls's form of `signatureSchemes`: "rsa_pss_rsae_sha256:ECDSA+SHA256:ed25519". */
  sigalgs?: string;
  ALPNProtocols?: string[];
  /** RFC 8449 record_size_limit to advertise (64..16385). Default: not sent by the client; the server answers with 16385 when asked. */
  recordSizeLimit?: number;
  /** Padding for protected records we send. */
  padding?: PaddingPolicy;
  /**
   * NSS key log (SSLKEYLOGFILE format): a file appended to asynchronously (complete by the socket's
   * 'close') or a callback per line. Absent: a client uses $SSLKEYLOGFILE when set; a server only
   * with `keylogFromEnv`.
   */
  keylog?: KeylogOption;
  /** Abort a handshake that has not completed after this many ms (server default 120000, client none). */
  handshakeTimeout?: number;
  /** Protocol-experiment hooks over handshake messages (see hooks.ts / README "Experiment hooks"). */
  hooks?: HandshakeHooks;
  /**
   * Resumption modes. Client: offered with a session, in this order (default ["psk_dhe_ke"]; the
   * key share stays hybrid). Server: accepted, preferred first (default ["psk_dhe_ke"]). "psk_ke"
   * resumes without a key exchange, so the resumed connection has no forward secrecy of its own
   * (its keys follow from the ticket's PSK): a server accepts it only when listed here, as OpenSSL
   * and rustls servers do.
   */
  pskModes?: PskModeName[];
  /**
   * RFC 8879 certificate compression, preferred first ("zstd" only where node:zlib has it).
   * Client: the algorithms offered in compress_certificate. Server: the algorithms it compresses its
   * chain with, picking its first one the client offered. Default: none (plain Certificate).
   */
  certificateCompression?: CertificateCompressionName[];
  /**
   * draft-ietf-tls-cert-abridge: the shared CA list and dictionary that make "abridged" usable in
   * `certificateCompression` (build one with buildAbridgedScheme). Both ends need the same one.
   */
  abridgedScheme?: AbridgedScheme;
  /**
   * Largest Certificate message body accepted from the peer, and largest uncompressed_length of a
   * CompressedCertificate (default 1 MiB, the largest padded chain the harness makes; OpenSSL's
   * max_cert_list is 100 KiB). Over it: illegal_parameter (bad_certificate when compressed).
   */
  maxCertificateBytes?: number;
  /**
   * Records sealed under one traffic key before a KeyUpdate is sent on our own (RFC 8446 §5.5).
   * Default 2^24 for AES-GCM (under its 2^24.5 limit), none for ChaCha20-Poly1305. At least 2.
   */
  maxRecordsPerKey?: number;
}

export interface ClientOptions extends CommonOptions {
  host?: string;
  port?: number;
  /** Run TLS over this stream instead of opening a TCP connection. */
  socket?: Duplex;
  /**
   * SNI and the name the certificate must match. SNI defaults to `host` unless it is an IP literal;
   * the name checked defaults, as in node:tls, to `servername`, else `host`, else "localhost" (so
   * `connect({ port, ca })` and `connect({ socket, ca })` check "localhost").
   */
  servername?: string;
  /**
   * Replaces the built-in name check, as node:tls's option does: called with the name above and the
   * leaf after the chain verified; return an Error to refuse the certificate (bad_certificate, or
   * `authorized: false` without rejectUnauthorized). `() => undefined` is the explicit opt-out of
   * the name check; the chain, dates and usage are still verified.
   */
  checkServerIdentity?: (hostname: string, cert: Certificate) => Error | undefined;
  /** Groups that get a key share in the first ClientHello; default ["X25519MLKEM768", "x25519"]. */
  keyShares?: GroupName[];
  /** Trust anchors. */
  ca?: CertificatesInput;
  /** Default true: a chain that does not verify aborts the handshake. */
  rejectUnauthorized?: boolean;
  /** Send a 32-byte legacy_session_id and a ChangeCipherSpec record (RFC 8446 §D.4); default true. */
  middleboxCompat?: boolean;
  /**
   * A session to resume: the Buffer of an earlier socket's 'session' event (or its decoded form).
   * Offered when unexpired, for the same name (servername, else the host connected to) and the same
   * trust configuration (`ca`, accepted signature schemes); otherwise a full handshake. A resumed
   * socket reports the original connection's `authorized` / `authorizationError`.
   */
  session?: Uint8Array | TlsSession;
  /**
   * With rejectUnauthorized: false, still emit 'session' from a connection whose chain did not
   * verify, and offer such sessions (default false: neither). Their resumptions report
   * `authorized: false` and the original error.
   */
  allowUnauthorizedSessions?: boolean;
  /**
   * 0-RTT: data sent with the ClientHello under the early traffic key when `session` allows early
   * data (its max_early_data_size, no larger). `socket.earlyDataAccepted` tells the outcome.
   */
  earlyData?: Uint8Array | string;
  /** When the server rejects 0-RTT, send `earlyData` again after the handshake (default true). */
  retryEarlyData?: boolean;
  /**
   * Suppress CA certificates (draft-kampanakis-tls-scas): ask the server for its end-entity
   * certificate only, and complete the chain from an IntermediateStore. `true` uses the process-wide
   * store, filled from the verified chains of earlier connections that had this option; pass your
   * own store to preload intermediates (`new IntermediateStore(pem)`) or to keep caches apart.
   * A chain the store cannot complete fails the handshake (unknown_ca), and the store then stops
   * asking that server name (the draft's §3.1). Default false.
   */
  suppressCaCertificates?: boolean | IntermediateStore;
  /**
   * Trust Anchor Identifiers (draft-ietf-tls-trust-anchor-ids): the IDs (dotted decimal, e.g.
   * "32473.1") sent in trust_anchors. The socket's `trustAnchors` then tells whether the server's
   * path matched and which IDs it has paths for; `trustAnchorForRetry` picks the ID for the
   * draft's retry (a new connection). Default: no extension.
   */
  trustAnchorIds?: string[];
  /**
   * mTLS: our certificate chain (leaf first) and its key, sent when a server asks (CertificateRequest)
   * and the pair fits its request; node:tls's options of the same names.
   */
  cert?: CertificatesInput;
  key?: string | Uint8Array | PrivateKey;
  /**
   * mTLS with several chains (node:tls has no such option): tried after `cert`/`key`, in order; the
   * first whose key signs with a scheme the server's CertificateRequest lists, and whose chain is
   * issued by one of its certificate_authorities when it names any, is sent. None fits → an empty
   * Certificate.
   */
  certificates?: ReadonlyArray<{ cert: CertificatesInput; key: string | Uint8Array | PrivateKey }>;
  /**
   * Post-handshake client authentication (RFC 8446 §4.6.2; OpenSSL's `-enable_pha`, node:tls has
   * none): offer the post_handshake_auth extension and answer each CertificateRequest the server
   * sends after the handshake with the `cert`/`key` or `certificates` pair that fits it (an empty
   * Certificate when none does). Default false: such a request is then unexpected_message.
   */
  postHandshakeAuth?: boolean;
}

export interface ServerOptions extends CommonOptions {
  /** Certificate chain, leaf first (required unless `secureContext` is given). */
  cert?: CertificatesInput;
  key?: string | Uint8Array | PrivateKey;
  /**
   * The chain, key and ca (for requestCert) from createSecureContext(), instead of cert, key and ca.
   * node:tls has this option on sockets only; its createServer ignores it.
   */
  secureContext?: SecureContext;
  /**
   * node:tls's SNICallback(servername, cb): called after the ClientHello is parsed, when it names a
   * server, before the certificate is chosen; `cb(null, ctx)` presents ctx's chain and key,
   * `cb(null)` the server's own, `cb(err)` fails the handshake with unrecognized_name. The handshake
   * waits for cb (input meanwhile is kept, bounded; the handshake timeout still runs).
   */
  SNICallback?: SNICallback;
  /** NewSessionTickets sent after each full or resumed handshake (default 2, as OpenSSL); 0 = none. */
  tickets?: number;
  /** ticket_lifetime in seconds (default 7200, as OpenSSL; at most 604800 and the key rotation period). */
  ticketLifetime?: number;
  /** Ticket sealing keys; share one between servers that should accept each other's tickets. */
  ticketKeys?: TicketKeys;
  /** max_early_data_size put in tickets: >0 enables 0-RTT (default 0: off, as OpenSSL). */
  maxEarlyData?: number;
  /**
   * Log every connection's secrets to $SSLKEYLOGFILE when `keylog` is absent (default false: a
   * server's environment alone never turns key logging on, as OpenSSL's explicit keylog callback).
   */
  keylogFromEnv?: boolean;
  /**
   * Honour a client's request to suppress CA certificates (draft-kampanakis-tls-scas): send only
   * the end-entity certificate then. Default true (the draft's SHOULD); false ignores the flag.
   */
  suppressCaCertificates?: boolean;
  /**
   * Trust Anchor Identifiers: further certification paths, each with the ID of the CA that issued
   * it, in preference order, all for the same `key`. A ClientHello requesting one of the IDs gets
   * that path (complete up to the anchor the ID names); otherwise `cert` is the fallback.
   */
  trustAnchorChains?: Array<{ id: string; cert: CertificatesInput }>;
  /** mTLS: send a CertificateRequest in every full handshake (default false, as node:tls). */
  requestCert?: boolean;
  /**
   * mTLS with suppressed CA certificates (draft-kampanakis-tls-scas): the intermediates of the
   * client chains we accept (PEM, DER, parsed, or an IntermediateStore). Given with requestCert,
   * the CertificateRequest carries the suppress_ca_certificates flag, the client sends its
   * end-entity certificate alone, and we complete its chain from these before verifying it; one we
   * cannot complete fails as a chain without its issuer does (unknown_ca). Default: no flag.
   */
  suppressClientCaCertificates?: IntermediateStore | CertificatesInput;
  /**
   * With requestCert: a client without a certificate that verifies against `ca` fails the handshake
   * (certificate_required when it sent none; the verifier's alert otherwise). Default true, as
   * node:tls; false lets it through with `authorized: false` and `authorizationError`.
   */
  rejectUnauthorized?: boolean;
  /** With requestCert: the trust anchors client chains are verified against. */
  ca?: CertificatesInput;
  /**
   * With requestCert: name the `ca` anchors' subjects in the CertificateRequest's
   * certificate_authorities (RFC 8446 §4.2.4), so a client with several chains can pick; default
   * true. false leaves the extension out (it costs each anchor's DN in bytes).
   */
  sendCertificateAuthorities?: boolean;
}

export const DEFAULT_GROUPS: readonly GroupName[] = [
  "X25519MLKEM768",
  "x25519",
  "SecP256r1MLKEM768",
  "SecP384r1MLKEM1024",
  "MLKEM768",
  "MLKEM1024",
  "MLKEM512",
  "secp256r1",
  "secp384r1",
];

export const DEFAULT_KEY_SHARES: readonly GroupName[] = ["X25519MLKEM768", "x25519"];

export const DEFAULT_CIPHER_SUITES: readonly CipherSuiteName[] = [
  "TLS_AES_128_GCM_SHA256",
  "TLS_AES_256_GCM_SHA384",
  "TLS_CHACHA20_POLY1305_SHA256",
];

/** CertificateVerify schemes, preferred first. */
export const DEFAULT_SIGNATURE_SCHEMES: readonly SignatureSchemeName[] = [
  "ecdsa_secp256r1_sha256",
  "ed25519",
  "rsa_pss_rsae_sha256",
  "ecdsa_secp384r1_sha384",
  "rsa_pss_rsae_sha384",
  "rsa_pss_rsae_sha512",
  "rsa_pss_pss_sha256",
  "rsa_pss_pss_sha384",
  "rsa_pss_pss_sha512",
  "mldsa44",
  "mldsa65",
  "mldsa87",
];

/** Only valid for certificate signatures (RFC 8446 §4.2.3); advertised so PKCS#1-signed chains are acceptable. */
export const CERTIFICATE_ONLY_SCHEMES: readonly SignatureSchemeName[] = [
  "rsa_pkcs1_sha256",
  "rsa_pkcs1_sha384",
  "rsa_pkcs1_sha512",
];
