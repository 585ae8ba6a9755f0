// What a handshake state machine may do to its connection: the seam between the client/server
// state machines and the record layer. States never build records or touch sockets; the connection
// never interprets handshake messages other than the post-handshake ones.

import type { Aead, Bytes, CryptoProvider, Hash } from "../crypto/provider.js";
import type { KeylogLabel } from "../keylog.js";
import type { SignatureSchemeName } from "../wire/codepoints.js";
import type { HandshakeMessage } from "../wire/handshake.js";
import type { Certificate } from "../x509/index.js";
import type { CertificateCompressionInfo } from "./certificate_compression.js";
import type { PostHandshakeAuth, PostHandshakeIO } from "./post_handshake_auth.js";
import type { Transcript } from "./transcript.js";

export interface NegotiatedSuite {
  name: string;
  code: number;
  aead: Aead;
  hash: Hash;
}

/** What was negotiated, filled in as the handshake goes. */
export interface HandshakeInfo {
  cipherSuite?: string;
  group?: string;
  signatureScheme?: string;
  /** mTLS: the scheme of the client's CertificateVerify (both sides), when it sent a certificate. */
  clientSignatureScheme?: string;
  helloRetryRequest: boolean;
  alpnProtocol?: string;
  servername?: string;
  peerCertificates: Certificate[];
  /** Whether the peer's chain verified: the server's (client), the client's with requestCert (server). */
  authorized?: boolean;
  /** node:tls's value: the verification code (e.g. "UNABLE_TO_VERIFY_LEAF_SIGNATURE"). */
  authorizationError?: string;
  /** Our message for the same refusal (the TlsAlert's, alert name included). */
  authorizationReason?: string;
  /** The peer's record_size_limit, when negotiated. */
  peerRecordSizeLimit?: number;
  /** resumption_master_secret, kept for the session-resumption feature. */
  resumptionMasterSecret?: Bytes;
  exporterMasterSecret?: Bytes;
  /** NewSessionTickets received (client). */
  sessionTickets: number;
  /** The handshake used a resumption PSK (no certificate was sent). */
  resumed?: boolean;
  /** psk_ke (no key exchange) or psk_dhe_ke, when resumed. */
  pskMode?: "psk_ke" | "psk_dhe_ke";
  /** 0-RTT: undefined when not offered, else whether the server accepted the early data. */
  earlyDataAccepted?: boolean;
  /** Server: bytes of early data received and delivered. */
  earlyDataReceived?: number;
  /**
   * Server, full handshakes: our signature schemes (in our order) that the client's
   * signature_algorithms also lists, as OpenSSL computes node:tls's getSharedSigalgs().
   */
  sharedSignatureSchemes?: SignatureSchemeName[];
  /** RFC 8879: set when the server's certificate went as a CompressedCertificate. */
  certificateCompression?: CertificateCompressionInfo;
  /**
   * draft-kampanakis-tls-scas. Server: it sent its end-entity certificate only. Client: it asked
   * for that (tls_flags), and `intermediatesFromStore` says how many certificates it added.
   */
  caCertificatesSuppressed?: boolean;
  intermediatesFromStore?: number;
  /** draft-ietf-tls-trust-anchor-ids: the path sent matched the client's request (both roles). */
  trustAnchorMatched?: boolean;
  /** The IDs the server advertised in EncryptedExtensions (client), or advertises (server). */
  trustAnchorsAvailable?: string[];
}

export interface HandshakeIO {
  readonly provider: CryptoProvider;
  readonly transcript: Transcript;
  readonly info: HandshakeInfo;
  /** Runs the experiment send hook over a message (once); send() calls it for messages not hooked yet. */
  hook(msg: HandshakeMessage): HandshakeMessage;
  /** 0-RTT: application data under the early write key, in the current flight. */
  sendEarlyData(data: Bytes): void;
  /** Client: 0-RTT met a HelloRetryRequest, so ClientHello2 goes in plaintext. */
  dropEarlyWriteKey(): void;
  /** Server accepting 0-RTT: more early data than maxBytes aborts with unexpected_message. */
  limitEarlyData(maxBytes: number): void;
  /** Server rejecting 0-RTT: drop unreadable records up to maxBytes. */
  skipEarlyData(maxBytes: number): void;
  /** Adds a message to the transcript and to the current flight. */
  send(msg: HandshakeMessage): void;
  sendChangeCipherSpec(): void;
  /** Writes the pending flight to the transport in one write. */
  flush(): void;
  setSuite(suite: NegotiatedSuite): void;
  /** Installs new read protection; the next record must start a new message (RFC 8446 §5.1). */
  setReadSecret(secret: Bytes, phase: "handshake" | "application" | "early"): void;
  setWriteSecret(secret: Bytes, phase: "handshake" | "application" | "early"): void;
  setPeerRecordSizeLimit(limit: number): void;
  setOwnRecordSizeLimit(limit: number): void;
  keylog(label: KeylogLabel, secret: Bytes): void;
  setClientRandom(random: Bytes): void;
  /** Whether an unprotected ChangeCipherSpec may arrive now. */
  acceptChangeCipherSpec(yes: boolean): void;
  /**
   * Pauses the handshake after the current message until the returned function is called with the
   * step that continues it; input arriving meanwhile waits (at most inputLimit bytes).
   */
  suspend(inputLimit: number): (step: () => void) => void;
  /**
   * Both sides agreed to post-handshake authentication (RFC 8446 §4.6.2): after the handshake the
   * connection hands CertificateRequest (client) or the client's answer (server) to what `create` builds.
   */
  setPostHandshakeAuth(create: (io: PostHandshakeIO) => PostHandshakeAuth): void;
  /** The handshake is complete for this side. */
  complete(): void;
}

/** A role's handshake: started once, then fed each handshake message in order. */
export interface RoleHandshake {
  start(): void;
  handle(msg: HandshakeMessage): void;
}
