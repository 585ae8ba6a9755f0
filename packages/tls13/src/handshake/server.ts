// The server handshake (RFC 8446 §4), one method per step:
//
//   onClientHello ─(no acceptable share)─▶ HelloRetryRequest ─▶ onClientHello (second)
//     ─ ServerHello [CCS] EncryptedExtensions [CertificateRequest] Certificate CertificateVerify
//       Finished ─▶ [onEndOfEarlyData] ─▶ [onClientCertificate ─▶ [onClientCertificateVerify]]
//   ─▶ onClientFinished ─▶ done
//
// The server chooses by its own preference: cipher suite, then group (a group the client already
// sent a share for; otherwise HelloRetryRequest for the best mutually supported group), then the
// signature scheme for its key.
//
// Each state is a type holding what the handshake knows at that point: the step for a message
// receives its state, so no field is read before the step that sets it, and nothing negotiated is
// read back from io.info (which is only written, for the application and the harness).

import type { Bytes, KeyExchangeGroup } from "../crypto/provider.js";
import { TlsAlert } from "../errors.js";
import type { TicketState } from "../resumption/tickets.js";
import { equalBytes } from "../wire/bytes.js";
import { serializeCertificate } from "../wire/certificate.js";
import { serializeCertificateRequest } from "../wire/certificate_request.js";
import { certificateVerifyInput, serializeCertificateVerify } from "../wire/certificate_verify.js";
import {
  type ClientHello,
  type ClientHelloExtensions,
  decodeClientHelloExtensions,
  parseClientHello,
} from "../wire/client_hello.js";
import {
  AlertDescription,
  type CertificateCompressionName,
  CipherSuite,
  type CipherSuiteName,
  ExtensionType,
  type GroupName,
  HandshakeType,
  NamedGroup,
  ProtocolVersion,
  PskKeyExchangeMode,
  SignatureScheme,
  type SignatureSchemeName,
  TlsFlag,
} from "../wire/codepoints.js";
import { type EncryptedExtensions, serializeEncryptedExtensions } from "../wire/encrypted_extensions.js";
import { parseFinished, serializeFinished } from "../wire/finished.js";
import { type HandshakeMessage, handshakeName } from "../wire/handshake.js";
import { serializeNewSessionTicket } from "../wire/new_session_ticket.js";
import { parseEndOfEarlyData } from "../wire/psk.js";
import {
  encodeHelloRetryRequestExtensions,
  encodeServerHelloExtensions,
  HRR_RANDOM,
  type ServerHello,
  serializeServerHello,
} from "../wire/server_hello.js";
import { MATCHED_ENTRY_EXTENSION } from "../wire/trust_anchors.js";
import { keyAllowsScheme } from "../x509/algorithms.js";
import type { Certificate } from "../x509/index.js";
import { serverCertificateMessage } from "./certificate_compression.js";
import { type ClientAuthState, onClientCertificate, onClientCertificateVerify } from "./client_auth.js";
import type { CredentialsSelector, ServerConfig, ServerCredentials, SessionLookup } from "./config.js";
import type { HandshakeIO, NegotiatedSuite, RoleHandshake } from "./io.js";
import { EarlySecret, finishedVerifyData, type HandshakeSecret, ticketPsk } from "./key_schedule.js";
import { ServerPostHandshakeAuth } from "./post_handshake_auth.js";
import { checkSecondClientHello } from "./second_hello.js";
import { clientAsksSuppression } from "./suppress_ca.js";
import { chooseTrustAnchorChain, type TrustAnchorChain } from "./trust_anchors.js";

/** Beyond 0-RTT data, what a client may send while we wait for SNICallback (CCS, record overheads). */
const SUSPENDED_INPUT_SLACK = 4096;

/** RFC 8446 §4.2.10: how far the client's idea of the ticket age may be from ours for 0-RTT. */
const EARLY_DATA_AGE_WINDOW_MS = 10_000;

/** A resumption PSK whose binder verified. */
interface AcceptedPsk {
  index: number;
  identity: Bytes;
  obfuscatedAge: number;
  state: TicketState;
  early: EarlySecret;
  mode: "psk_ke" | "psk_dhe_ke";
}

/** After a HelloRetryRequest: what the second ClientHello must agree with. */
interface WaitClientHelloRetry {
  name: "wait_client_hello_retry";
  firstHello: ClientHello;
  suite: NegotiatedSuite;
  /** The group the HelloRetryRequest asked a share for. */
  group: GroupName;
  cookie: Bytes;
}

/** What the server chose from the ClientHello it answers: everything its flight is built from. */
interface Negotiated {
  suite: NegotiatedSuite;
  scheme: SignatureSchemeName;
  psk?: AcceptedPsk;
  /** The key exchange: group and our key_share (the KEM ciphertext); absent with psk_ke. */
  share?: { group: GroupName; ciphertext: Bytes };
  sharedSecret: Bytes;
  alpn?: string;
  servername?: string;
  earlyAccepted: boolean;
  /** The client's record_size_limit. */
  peerRecordSizeLimit?: number;
  /** RFC 8879 compress_certificate: the client's algorithms we know, in its order. */
  clientCertificateCompression?: CertificateCompressionName[];
  /** draft-kampanakis-tls-scas: send the end-entity certificate only. */
  suppressCa: boolean;
  /** draft-ietf-tls-trust-anchor-ids: the matching candidate path, and the IDs to advertise. */
  trustAnchor: { matched?: TrustAnchorChain; available?: string[] };
  /** The client offered post_handshake_auth (RFC 8446 §4.2.6). */
  postHandshakeAuth: boolean;
}

/** After our Finished: what the client's [EndOfEarlyData] and Finished, and our tickets, need. */
interface ServerKeys {
  suite: NegotiatedSuite;
  handshakeSecret: HandshakeSecret;
  clientHandshakeSecret: Bytes;
  clientAppSecret: Bytes;
  /** Remembered in the tickets we issue. */
  alpn?: string;
  servername?: string;
  /** We sent a CertificateRequest: its extension types (what CertificateEntry extensions may answer). */
  certificateRequest?: ReadonlySet<number>;
  /** The client offered post_handshake_auth. */
  postHandshakeAuth: boolean;
}

type State =
  | { name: "wait_client_hello" }
  | WaitClientHelloRetry
  /** Building ServerHello..Finished (makeCertificate reads the choice from here). */
  | { name: "send_server_flight"; negotiated: Negotiated }
  | { name: "wait_end_of_early_data"; keys: ServerKeys }
  | { name: "wait_client_certificate"; keys: ServerKeys }
  | { name: "wait_client_certificate_verify"; keys: ServerKeys; client: ClientAuthState }
  | { name: "wait_finished"; keys: ServerKeys }
  | { name: "done" };

const alert = (code: AlertDescription, reason: string) => new TlsAlert(code, reason);

/** The ClientHello extensions the server acts on, decoded once (wire/client_hello.ts). */
type OfferedParameters = ClientHelloExtensions;

export class ServerHandshake implements RoleHandshake {
  private state: State = { name: "wait_client_hello" };
  /** The compatibility ChangeCipherSpec went out already (RFC 8446 §D.4). */
  private sentCcs = false;
  /** The chain and key we authenticate with: the configured ones, or what selectCredentials chose. */
  private credentials: ServerCredentials;
  /** selectCredentials was asked (once per connection, on the first ClientHello). */
  private credentialsAsked = false;
  /** sessionLookup was asked (once per connection, on the first ClientHello). */
  private sessionLookupAsked = false;
  /** The tickets sent, until the server takes them for node:tls's 'newSession' event. */
  private issuedTickets: Bytes[] = [];

  constructor(
    private readonly io: HandshakeIO,
    private readonly config: ServerConfig,
  ) {
    this.credentials = config;
  }

  /** The tickets sent since the last call (node:tls's 'newSession' reports one event per ticket). */
  takeIssuedTickets(): Bytes[] {
    const tickets = this.issuedTickets;
    this.issuedTickets = [];
    return tickets;
  }

  /** The chain we present (the SNI-selected one when a callback chose one). */
  get chain(): readonly Certificate[] {
    return this.credentials.chain;
  }

  start(): void {}

  handle(msg: HandshakeMessage): void {
    const state = this.state;
    switch (state.name) {
      case "wait_client_hello":
      case "wait_client_hello_retry":
        if (msg.type !== HandshakeType.client_hello)
          throw alert(
            AlertDescription.unexpected_message,
            `expected client_hello, got ${handshakeName(msg.type)}`,
          );
        this.onClientHello(msg, state.name === "wait_client_hello_retry" ? state : undefined);
        return;
      case "wait_end_of_early_data":
        if (msg.type !== HandshakeType.end_of_early_data)
          throw alert(
            AlertDescription.unexpected_message,
            `expected end_of_early_data, got ${handshakeName(msg.type)}`,
          );
        parseEndOfEarlyData(msg.body);
        this.io.transcript.add(msg.raw);
        this.io.setReadSecret(state.keys.clientHandshakeSecret, "handshake");
        this.state = this.afterServerFinished(state.keys);
        return;
      case "wait_client_certificate": {
        const client = onClientCertificate(
          this.io,
          this.config.clientAuth!,
          msg,
          state.keys.certificateRequest!,
        );
        this.state = client
          ? { name: "wait_client_certificate_verify", keys: state.keys, client }
          : { name: "wait_finished", keys: state.keys };
        return;
      }
      case "wait_client_certificate_verify":
        onClientCertificateVerify(this.io, this.config.signatureSchemes, msg, state.client);
        this.state = { name: "wait_finished", keys: state.keys };
        return;
      case "wait_finished":
        if (msg.type !== HandshakeType.finished)
          throw alert(
            AlertDescription.unexpected_message,
            `expected finished, got ${handshakeName(msg.type)}`,
          );
        this.onClientFinished(msg, state.keys);
        return;
      default:
        throw alert(AlertDescription.unexpected_message, `unexpected ${handshakeName(msg.type)}`);
    }
  }

  // ---- ClientHello ------------------------------------------------------------------------------

  /** `retried`: the state after our HelloRetryRequest, when this is the second ClientHello. */
  private onClientHello(msg: HandshakeMessage, retried: WaitClientHelloRetry | undefined): void {
    const ch = parseClientHello(msg.body);
    const offered = decodeClientHelloExtensions(ch.extensions);
    // RFC 8446 §4.1.2 first: a second ClientHello that changed what it may not is illegal_parameter,
    // whatever else is wrong with it.
    if (retried) checkSecondClientHello(retried.firstHello, ch);
    // RFC 8446 §D.5: legacy_version 0x0300 or less is protocol_version. Above that it is not used
    // for negotiation (§4.2.1): 0x0301 and 0x0302 with supported_versions pass, as in OpenSSL and Go.
    if (ch.legacyVersion <= 0x0300)
      throw alert(
        AlertDescription.protocol_version,
        `ClientHello: legacy_version 0x${ch.legacyVersion.toString(16).padStart(4, "0")}`,
      );
    if (!offered.versions?.includes(ProtocolVersion.TLS13))
      throw alert(AlertDescription.protocol_version, "client does not offer TLS 1.3");
    if (ch.legacyCompressionMethods.length !== 1 || ch.legacyCompressionMethods[0] !== 0)
      throw alert(
        AlertDescription.illegal_parameter,
        "ClientHello: legacy_compression_methods must be [null]",
      );
    if (!offered.signatureSchemes)
      throw alert(AlertDescription.missing_extension, "ClientHello: no signature_algorithms");
    // RFC 8446 §4.2.9: a PSK offered without psk_key_exchange_modes aborts the handshake.
    if (offered.psks && !offered.pskModes)
      throw alert(
        AlertDescription.missing_extension,
        "ClientHello: pre_shared_key without psk_key_exchange_modes",
      );
    // RFC 8446 §9.2: supported_groups and key_share come together; only a PSK offer may omit both.
    if (!offered.groups !== !offered.shares || (!offered.shares && !offered.psks))
      throw alert(
        AlertDescription.missing_extension,
        "ClientHello: key_share and supported_groups are both required",
      );
    const supportedGroups = new Set(offered.groups);
    for (const s of offered.shares ?? [])
      if (!supportedGroups.has(s.group))
        throw alert(
          AlertDescription.illegal_parameter,
          `key_share for group 0x${s.group.toString(16)} not in supported_groups`,
        );

    // node:tls's 'resumeSession' comes first (node asks it before OpenSSL reads the ClientHello).
    if (
      !retried &&
      ch.legacySessionId.length > 0 &&
      !this.sessionLookupAsked &&
      this.config.sessionLookup?.wanted()
    ) {
      this.lookupSession(msg, ch.legacySessionId, this.config.sessionLookup);
      return;
    }
    // node:tls's SNICallback: the handshake waits here, the ClientHello parsed and nothing chosen yet.
    if (
      !retried &&
      offered.servername !== undefined &&
      this.config.selectCredentials &&
      !this.credentialsAsked
    ) {
      this.selectCredentials(msg, offered.servername, this.config.selectCredentials);
      return;
    }

    const retry = retried !== undefined;
    if (retried) this.checkSecondHello(offered, retried.cookie);
    else this.io.setClientRandom(ch.random);

    const suiteName = this.config.cipherSuites.find((s) => ch.cipherSuites.includes(CipherSuite[s]));
    if (!suiteName) throw alert(AlertDescription.handshake_failure, "no cipher suite in common");
    if (retried && CipherSuite[suiteName] !== retried.suite.code)
      throw alert(AlertDescription.illegal_parameter, "second ClientHello changes the cipher suite choice");
    const scheme = this.chooseSignatureScheme(offered.signatureSchemes);
    const psk = this.choosePsk(msg, offered, suiteName, retry);
    const pskKe = psk?.mode === "psk_ke";
    // No key_share: only a psk_ke resumption could proceed (OpenSSL answers the same way).
    if (!offered.shares && !pskKe)
      throw alert(
        AlertDescription.handshake_failure,
        "ClientHello: no key_share, and no PSK usable for a psk_ke resumption",
      );

    // Group: the best (by our preference) one the client sent a share for; else retry with the best
    // one it supports (RFC 8446 §4.1.1, §4.2.8).
    const shared = pskKe
      ? undefined
      : this.config.groups.find((g) => offered.shares!.some((s) => s.group === NamedGroup[g]));
    if (!shared && !pskKe) {
      if (retry)
        throw alert(
          AlertDescription.illegal_parameter,
          "second ClientHello has no share for the requested group",
        );
      const supported = this.config.groups.find((g) => offered.groups!.includes(NamedGroup[g]));
      if (!supported) throw alert(AlertDescription.handshake_failure, "no key exchange group in common");
      // A HelloRetryRequest rejects 0-RTT: skip the early data that follows ClientHello1.
      if (offered.earlyData) this.io.skipEarlyData(Math.max(this.config.maxEarlyData, 16384));
      this.sendHelloRetryRequest(ch, msg, suiteName, supported);
      return;
    }
    if (retried && shared !== retried.group)
      throw alert(
        AlertDescription.illegal_parameter,
        `second ClientHello shares ${shared}, not the requested ${retried.group}`,
      );

    const suite = retried ? retried.suite : this.useSuite(suiteName);
    this.io.transcript.add(msg.raw);
    this.io.acceptChangeCipherSpec(true);
    this.io.info.servername = offered.servername;
    const alpn = this.chooseAlpn(offered.alpn);
    if (alpn) this.io.info.alpnProtocol = alpn;

    let share: Negotiated["share"];
    let sharedSecret: Bytes;
    if (shared) {
      const group = this.config.provider.groups[shared]!;
      const clientShare = offered.shares!.find((s) => s.group === NamedGroup[shared])!.keyExchange;
      let ciphertext: Bytes;
      ({ ciphertext, sharedSecret } = this.encapsulate(group, clientShare));
      share = { group: shared, ciphertext };
      this.io.info.group = shared;
    } else sharedSecret = new Uint8Array(suite.hash.outputLength); // psk_ke: zero (EC)DHE input
    if (psk) {
      this.io.info.resumed = true;
      this.io.info.pskMode = psk.mode;
    } else
      this.io.info.sharedSignatureSchemes = this.config.signatureSchemes.filter((s) =>
        offered.signatureSchemes!.includes(SignatureScheme[s]),
      );
    let earlyAccepted = false;
    if (offered.earlyData) {
      earlyAccepted = this.acceptEarlyData(psk, suiteName, alpn, retry);
      this.io.info.earlyDataAccepted = earlyAccepted;
      if (!earlyAccepted) this.io.skipEarlyData(Math.max(this.config.maxEarlyData, 16384));
    }
    this.sendServerFlight(ch, {
      suite,
      scheme,
      psk,
      share,
      sharedSecret,
      alpn,
      servername: offered.servername,
      earlyAccepted,
      peerRecordSizeLimit: offered.recordSizeLimit,
      clientCertificateCompression: offered.certificateCompression,
      // The trust anchor chains belong to the server's own credentials (same key), not to ones an
      // SNICallback chose.
      trustAnchor: chooseTrustAnchorChain(
        this.credentials === this.config ? this.config.trustAnchorChains : [],
        offered.trustAnchors,
      ),
      suppressCa:
        this.config.suppressCaCertificates &&
        clientAsksSuppression(offered.tlsFlags) &&
        this.credentials.chain.length > 1,
      postHandshakeAuth: offered.postHandshakeAuth === true,
    });
  }

  /**
   * Asks the application for the credentials for `servername`, then answers the same ClientHello
   * with them. Input that arrives meanwhile waits (bounded by what 0-RTT may legitimately send).
   */
  private selectCredentials(msg: HandshakeMessage, servername: string, select: CredentialsSelector): void {
    this.credentialsAsked = true;
    const resume = this.io.suspend(Math.max(this.config.maxEarlyData, 16384) + SUSPENDED_INPUT_SLACK);
    const answer = (err: Error | null | undefined, credentials?: ServerCredentials) =>
      resume(() => {
        // OpenSSL's servername callback failing fatally sends unrecognized_name.
        if (err)
          throw new TlsAlert(AlertDescription.unrecognized_name, `SNICallback: ${err.message}`, {
            cause: err,
          });
        if (credentials) this.credentials = credentials;
        this.onClientHello(msg, undefined);
      });
    try {
      select(servername, answer);
    } catch (e) {
      resume(() => {
        throw new TlsAlert(
          AlertDescription.internal_error,
          `SNICallback threw: ${e instanceof Error ? e.message : String(e)}`,
          { cause: e },
        );
      });
    }
  }

  /**
   * Tells the application the client's legacy_session_id and waits for its answer before going on
   * with the same ClientHello (input meanwhile bounded as for selectCredentials).
   */
  private lookupSession(msg: HandshakeMessage, sessionId: Bytes, lookup: SessionLookup): void {
    this.sessionLookupAsked = true;
    const resume = this.io.suspend(Math.max(this.config.maxEarlyData, 16384) + SUSPENDED_INPUT_SLACK);
    const fail = (what: string, cause: unknown) => {
      throw new TlsAlert(
        AlertDescription.internal_error,
        `resumeSession ${what}: ${cause instanceof Error ? cause.message : String(cause)}`,
        { cause },
      );
    };
    try {
      lookup.lookup(sessionId, (err) =>
        resume(() => {
          if (err) fail("failed", err);
          this.onClientHello(msg, undefined);
        }),
      );
    } catch (e) {
      resume(() => fail("threw", e));
    }
  }

  /** The second ClientHello carries our cookie and the one share we asked for. */
  private checkSecondHello(offered: OfferedParameters, cookie: Bytes): void {
    if (!offered.cookie || !equalBytes(offered.cookie, cookie))
      throw alert(AlertDescription.illegal_parameter, "second ClientHello does not echo our cookie");
    if (offered.shares?.length !== 1)
      throw alert(AlertDescription.illegal_parameter, "second ClientHello must carry exactly one key share");
  }

  // ---- resumption (RFC 8446 §4.2.9-§4.2.11, §4.6.1) --------------------------------------------------

  /** Our accepted PSK modes that the client offers, in our order. */
  private pskModesInCommon(offered: OfferedParameters): ("psk_ke" | "psk_dhe_ke")[] {
    const theirs = offered.pskModes ?? [];
    return this.config.pskModes.filter(
      (m) => theirs.includes(PskKeyExchangeMode[m]) && (m === "psk_ke" || offered.shares !== undefined),
    );
  }

  /**
   * The first offered ticket we can open, that has not expired, was issued for this server name and
   * a cipher suite with the hash we chose. Its binder must verify (else decrypt_error). Anything
   * else (forged, foreign, stale ticket) means a full handshake.
   */
  private choosePsk(
    msg: HandshakeMessage,
    offered: OfferedParameters,
    suiteName: CipherSuiteName,
    retry: boolean,
  ): AcceptedPsk | undefined {
    const psks = offered.psks;
    const mode = this.pskModesInCommon(offered)[0];
    if (!psks || !mode || this.config.tickets === 0) return undefined;
    const hash = this.config.provider.suites[suiteName]!.hash;
    const now = Date.now();
    for (let index = 0; index < psks.identities.length && index < 8; index++) {
      const { identity, obfuscatedTicketAge } = psks.identities[index];
      const state = this.config.ticketKeys.open(identity);
      if (!state) continue;
      if (now - state.issuedAt > state.lifetime * 1000 || now < state.issuedAt) continue;
      if (this.config.provider.suites[state.cipherSuite]?.hash.name !== hash.name) continue;
      if ((state.servername ?? undefined) !== offered.servername) continue;
      const early = new EarlySecret(hash, state.psk);
      const truncated = msg.raw.subarray(0, msg.raw.length - psks.bindersLength);
      const th = retry ? this.io.transcript.digestWith(hash, truncated) : hash.digest(truncated);
      const expected = finishedVerifyData(hash, early.binderKey(false), th);
      if (!equalBytes(expected, psks.binders[index]))
        throw alert(AlertDescription.decrypt_error, "pre_shared_key: binder does not verify");
      return { index, identity, obfuscatedAge: obfuscatedTicketAge, state, early, mode };
    }
    return undefined;
  }

  /** RFC 8446 §4.2.10 + §8: 0-RTT only on the first PSK, same suite and ALPN, fresh age, first use. */
  private acceptEarlyData(
    p: AcceptedPsk | undefined,
    suiteName: CipherSuiteName,
    alpn: string | undefined,
    retry: boolean,
  ): boolean {
    if (!p || retry || p.index !== 0 || this.config.maxEarlyData === 0 || p.state.maxEarlyData === 0)
      return false;
    if (p.state.cipherSuite !== suiteName || (p.state.alpnProtocol ?? undefined) !== alpn) return false;
    const clientAge = (p.obfuscatedAge - p.state.ageAdd) >>> 0;
    const serverAge = Date.now() - p.state.issuedAt;
    if (Math.abs(serverAge - clientAge) > EARLY_DATA_AGE_WINDOW_MS) return false;
    return this.config.replayCache.firstUse(p.identity, p.state.issuedAt + p.state.lifetime * 1000);
  }

  /** NewSessionTickets after the handshake (RFC 8446 §4.6.1): stateless, sealed with our ticket key. */
  private sendTickets(keys: ServerKeys, resumptionSecret: Bytes): void {
    const { provider, tickets, ticketLifetime, ticketKeys, maxEarlyData } = this.config;
    for (let i = 0; i < tickets; i++) {
      const nonce = Uint8Array.of(i);
      const r = provider.randomBytes(4);
      const ageAdd = ((r[0] << 24) | (r[1] << 16) | (r[2] << 8) | r[3]) >>> 0;
      const ticket = ticketKeys.seal({
        cipherSuite: keys.suite.name as CipherSuiteName,
        psk: ticketPsk(keys.suite.hash, resumptionSecret, nonce),
        issuedAt: Date.now(),
        ageAdd,
        lifetime: ticketLifetime,
        maxEarlyData,
        alpnProtocol: keys.alpn,
        servername: keys.servername,
      });
      this.issuedTickets.push(ticket);
      this.io.send(
        serializeNewSessionTicket({
          lifetime: ticketLifetime,
          ageAdd,
          nonce,
          ticket,
          maxEarlyData: maxEarlyData > 0 ? maxEarlyData : undefined,
        }),
      );
    }
    this.io.flush();
  }

  private chooseSignatureScheme(offered: number[]): SignatureSchemeName {
    const { provider, signatureSchemes } = this.config;
    const { key } = this.credentials;
    const scheme = signatureSchemes.find(
      (s) =>
        offered.includes(SignatureScheme[s]) &&
        provider.signatures[s]?.keyAlgorithms.includes(key.algorithm) &&
        keyAllowsScheme(key.publicKey, s),
    );
    if (!scheme)
      throw alert(
        AlertDescription.handshake_failure,
        `client accepts no signature scheme for our ${key.algorithm} key`,
      );
    return scheme;
  }

  private chooseAlpn(offered: string[] | undefined): string | undefined {
    if (!offered || !this.config.alpn.length) return undefined;
    const pick = this.config.alpn.find((p) => offered.includes(p));
    // RFC 7301 §3.2: no overlap is fatal.
    if (!pick) throw alert(AlertDescription.no_application_protocol, "no ALPN protocol in common");
    return pick;
  }

  private encapsulate(group: KeyExchangeGroup, share: Bytes): { ciphertext: Bytes; sharedSecret: Bytes } {
    if (share.length !== group.publicKeyLength)
      throw alert(
        AlertDescription.illegal_parameter,
        `${group.name} key share of ${share.length} bytes, expected ${group.publicKeyLength}`,
      );
    return group.encapsulate(share); // invalid keys throw illegal_parameter (provider contract)
  }

  private useSuite(name: CipherSuiteName): NegotiatedSuite {
    const s = this.config.provider.suites[name]!;
    const suite = { name, code: CipherSuite[name], aead: s.aead, hash: s.hash };
    this.io.setSuite(suite);
    this.io.transcript.useHash(s.hash);
    return suite;
  }

  // ---- HelloRetryRequest -------------------------------------------------------------------------

  private sendHelloRetryRequest(
    ch: ClientHello,
    msg: HandshakeMessage,
    suite: CipherSuiteName,
    group: GroupName,
  ): void {
    const negotiated = this.useSuite(suite);
    this.io.transcript.add(msg.raw);
    this.io.transcript.replaceWithMessageHash();
    const cookie = this.config.provider.randomBytes(32);
    this.io.info.helloRetryRequest = true;
    this.io.acceptChangeCipherSpec(true);
    this.io.send(serializeServerHello(this.makeHelloRetryRequest(ch, negotiated, group, cookie)));
    this.sendCompatChangeCipherSpec(ch);
    this.state = { name: "wait_client_hello_retry", firstHello: ch, suite: negotiated, group, cookie };
    this.io.flush();
  }

  private makeHelloRetryRequest(
    ch: ClientHello,
    suite: NegotiatedSuite,
    group: GroupName,
    cookie: Bytes,
  ): ServerHello {
    return {
      legacyVersion: ProtocolVersion.TLS12,
      random: HRR_RANDOM,
      legacySessionIdEcho: ch.legacySessionId,
      cipherSuite: suite.code,
      legacyCompressionMethod: 0,
      extensions: encodeHelloRetryRequestExtensions({
        version: ProtocolVersion.TLS13,
        selectedGroup: NamedGroup[group],
        cookie,
      }),
    };
  }

  /** RFC 8446 §D.4: after the first ServerHello/HRR, when the client asked for compatibility mode. */
  private sendCompatChangeCipherSpec(ch: ClientHello): void {
    if (this.sentCcs || ch.legacySessionId.length === 0) return;
    this.sentCcs = true;
    this.io.sendChangeCipherSpec();
  }

  // ---- ServerHello .. Finished -------------------------------------------------------------------

  private sendServerFlight(ch: ClientHello, negotiated: Negotiated): void {
    const { provider } = this.config;
    const { suite, psk, earlyAccepted, peerRecordSizeLimit } = negotiated;
    const hash = suite.hash;
    this.state = { name: "send_server_flight", negotiated };
    const helloHash = earlyAccepted ? this.io.transcript.digest() : undefined; // ClientHello only
    this.io.send(serializeServerHello(this.makeServerHello(ch, negotiated)));
    const th = this.io.transcript.digest();
    const earlySecret = psk?.early ?? new EarlySecret(hash);
    const handshakeSecret = earlySecret.handshakeSecret(negotiated.sharedSecret);
    const serverHs = handshakeSecret.serverTrafficSecret(th);
    const clientHandshakeSecret = handshakeSecret.clientTrafficSecret(th);
    this.io.keylog("CLIENT_HANDSHAKE_TRAFFIC_SECRET", clientHandshakeSecret);
    this.io.keylog("SERVER_HANDSHAKE_TRAFFIC_SECRET", serverHs);
    this.sendCompatChangeCipherSpec(ch);
    this.io.setWriteSecret(serverHs, "handshake");
    if (helloHash) {
      // Early data follows the ClientHello under client_early_traffic_secret (Hash(ClientHello)).
      const clientEarly = earlySecret.clientEarlyTrafficSecret(helloHash);
      this.io.keylog("CLIENT_EARLY_TRAFFIC_SECRET", clientEarly);
      this.io.setReadSecret(clientEarly, "early");
      if (psk) this.io.limitEarlyData(psk.state.maxEarlyData); // what the ticket told the client
    } else this.io.setReadSecret(clientHandshakeSecret, "handshake");

    this.io.send(serializeEncryptedExtensions(this.makeEncryptedExtensions(negotiated)));
    if (peerRecordSizeLimit !== undefined) {
      this.io.setPeerRecordSizeLimit(peerRecordSizeLimit);
      if (this.config.recordSizeLimit !== undefined)
        this.io.setOwnRecordSizeLimit(this.config.recordSizeLimit);
    }
    // RFC 8446 §4.3.2: a server authenticating with a PSK sends no CertificateRequest.
    const certificateRequest = !psk && this.config.clientAuth ? this.sendCertificateRequest() : undefined;
    if (!psk) {
      // A resumed handshake is authenticated by the PSK: no Certificate/CertificateVerify (§2.2).
      this.io.send(this.makeCertificate());
      const signed = certificateVerifyInput("server", this.io.transcript.digest());
      const signature = provider.signatures[negotiated.scheme]!.sign(this.credentials.key, signed);
      this.io.info.signatureScheme = negotiated.scheme;
      this.io.send(serializeCertificateVerify({ algorithm: SignatureScheme[negotiated.scheme], signature }));
    }
    this.io.send(serializeFinished(finishedVerifyData(hash, serverHs, this.io.transcript.digest())));

    const thServerFinished = this.io.transcript.digest();
    const master = handshakeSecret.masterSecret();
    const serverApp = master.serverTrafficSecret(thServerFinished);
    const clientAppSecret = master.clientTrafficSecret(thServerFinished);
    const exporter = master.exporterSecret(thServerFinished);
    this.io.keylog("CLIENT_TRAFFIC_SECRET_0", clientAppSecret);
    this.io.keylog("SERVER_TRAFFIC_SECRET_0", serverApp);
    this.io.keylog("EXPORTER_SECRET", exporter);
    this.io.info.exporterMasterSecret = exporter;
    this.io.setWriteSecret(serverApp, "application");
    const keys: ServerKeys = {
      suite,
      handshakeSecret,
      clientHandshakeSecret,
      clientAppSecret,
      alpn: negotiated.alpn,
      servername: negotiated.servername,
      certificateRequest,
      postHandshakeAuth: negotiated.postHandshakeAuth,
    };
    this.io.flush();
    this.state = earlyAccepted ? { name: "wait_end_of_early_data", keys } : this.afterServerFinished(keys);
  }

  /** What the client's flight starts with once its handshake key is in use. */
  private afterServerFinished(keys: ServerKeys): State {
    return keys.certificateRequest
      ? { name: "wait_client_certificate", keys }
      : { name: "wait_finished", keys };
  }

  /** mTLS: the CertificateRequest (empty context in the main handshake, §4.3.2); returns its extension types. */
  private sendCertificateRequest(): ReadonlySet<number> {
    const { advertisedSignatureSchemes, authorities, clientIntermediates } = this.config.clientAuth!;
    const msg = serializeCertificateRequest({
      requestContext: new Uint8Array(0),
      signatureSchemes: advertisedSignatureSchemes.map((s) => SignatureScheme[s]),
      certificateAuthorities: authorities,
      // draft-kampanakis-tls-scas: we hold the client chains' intermediates; the leaf is enough.
      ...(clientIntermediates ? { tlsFlags: [TlsFlag.suppress_ca_certificates] } : {}),
    });
    this.io.send(msg);
    const types = new Set([ExtensionType.signature_algorithms as number]);
    if (authorities) types.add(ExtensionType.certificate_authorities);
    if (clientIntermediates) types.add(ExtensionType.tls_flags);
    return types;
  }

  private makeServerHello(ch: ClientHello, negotiated: Negotiated): ServerHello {
    const { share, psk, suite } = negotiated;
    const extensions = encodeServerHelloExtensions({
      share: share && { group: NamedGroup[share.group], keyExchange: share.ciphertext },
      version: ProtocolVersion.TLS13,
      selectedPsk: psk?.index,
    });
    return {
      legacyVersion: ProtocolVersion.TLS12,
      random: this.config.provider.randomBytes(32),
      legacySessionIdEcho: ch.legacySessionId,
      cipherSuite: suite.code,
      legacyCompressionMethod: 0,
      extensions,
    };
  }

  /**
   * Certificate, or CompressedCertificate when the client offered one of our algorithms (RFC 8879).
   * Built while sending the server flight (tests wrap it, arguments and all).
   */
  private makeCertificate(): HandshakeMessage {
    const state = this.state;
    if (state.name !== "send_server_flight")
      throw alert(AlertDescription.internal_error, `Certificate built in ${state.name}`);
    const { suppressCa, trustAnchor } = state.negotiated;
    // A matched trust anchor path goes complete and strict (draft-ietf-tls-trust-anchor-ids §4.4).
    const matched = trustAnchor.matched;
    // The server's own leaf-only chain is a stable array (compression caches it once); credentials an
    // SNICallback chose get theirs per connection.
    const own = this.credentials === this.config;
    const leafOnly = own ? this.config.leafOnlyChain : this.credentials.chain.slice(0, 1);
    const chain = matched ? matched.chain : suppressCa ? leafOnly : this.credentials.chain;
    if (suppressCa && !matched) this.io.info.caCertificatesSuppressed = true;
    if (matched) this.io.info.trustAnchorMatched = true;
    const certificate = serializeCertificate({
      requestContext: new Uint8Array(0),
      entries: chain.map((c, i) => ({
        certData: c.der,
        extensions: matched && i === 0 ? [MATCHED_ENTRY_EXTENSION] : [],
      })),
    });
    const { message, info } = serverCertificateMessage(
      certificate,
      this.config.certificateCompression,
      state.negotiated.clientCertificateCompression,
      chain,
      this.config.abridgedScheme,
    );
    if (info) this.io.info.certificateCompression = info;
    return message;
  }

  private makeEncryptedExtensions(negotiated: Negotiated): EncryptedExtensions {
    const { earlyAccepted, servername, alpn, peerRecordSizeLimit } = negotiated;
    // Advertised only in a full handshake: a resumption sends no certificate to retry over.
    const available = negotiated.psk ? undefined : negotiated.trustAnchor.available;
    if (available) this.io.info.trustAnchorsAvailable = available;
    return {
      trustAnchorsAvailable: available,
      earlyData: earlyAccepted,
      servername: servername !== undefined,
      alpn: alpn || undefined,
      recordSizeLimit: peerRecordSizeLimit !== undefined ? (this.config.recordSizeLimit ?? 16385) : undefined,
    };
  }

  // ---- client Finished ---------------------------------------------------------------------------

  private onClientFinished(msg: HandshakeMessage, keys: ServerKeys): void {
    const hash = keys.suite.hash;
    const verifyData = parseFinished(msg.body, hash.outputLength);
    const expected = finishedVerifyData(hash, keys.clientHandshakeSecret, this.io.transcript.digest());
    if (!equalBytes(verifyData, expected))
      throw alert(AlertDescription.decrypt_error, "client Finished does not verify");
    this.io.transcript.add(msg.raw);
    this.io.acceptChangeCipherSpec(false);
    const master = keys.handshakeSecret.masterSecret();
    const resumptionSecret = master.resumptionSecret(this.io.transcript.digest());
    this.io.info.resumptionMasterSecret = resumptionSecret;
    this.io.setReadSecret(keys.clientAppSecret, "application");
    // Forked before the tickets: post-handshake authentication hashes onto the handshake as of here.
    if (keys.postHandshakeAuth) {
      const handshake = this.io.transcript.fork();
      const { postHandshakeClientAuth, signatureSchemes } = this.config;
      this.io.setPostHandshakeAuth(
        (io) => new ServerPostHandshakeAuth(io, handshake, postHandshakeClientAuth, signatureSchemes),
      );
    }
    this.state = { name: "done" };
    // Tickets go before anything the application writes, as OpenSSL does.
    this.sendTickets(keys, resumptionSecret);
    this.io.complete();
  }
}
