// The client handshake, RFC 8446 §2 / §4 top to bottom (Go crypto/tls style: one method per step).
//
//   start ─ ClientHello ─▶ onServerHello ─(HRR)─▶ onHelloRetryRequest ─ ClientHello2 ─▶ onServerHello
//         ─▶ onEncryptedExtensions ─▶ [onCertificateRequest] ─▶ onCertificate ─▶ onCertificateVerify
//         ─▶ onServerFinished ─ [Certificate [CertificateVerify]] Finished ─▶ done
//
// Each message is built in exactly one method (makeClientHello, ...) so message hooks can wrap them.
// Each state is a type holding what the handshake knows at that point (rustls' one type per expected
// message): the step for a message receives its state and returns nothing but the next state, so no
// field is read before the step that sets it, and nothing negotiated is read back from io.info.

import { generateKeyShares } from "../crypto/key-shares.js";
import type { Bytes, Hash, KemKeyPair, PublicKey } from "../crypto/provider.js";
import { TlsAlert } from "../errors.js";
import { mayOffer, restoreVerdict } from "../resumption/binding.js";
import { sessionUsable, type TlsSession } from "../resumption/session.js";
import { equalBytes } from "../wire/bytes.js";
import {
  checkCertificateEntryExtensions,
  parseCertificate as parseCertificateMessage,
  serializeCertificate,
} from "../wire/certificate.js";
import { type CertificateRequest, parseCertificateRequest } from "../wire/certificate_request.js";
import {
  certificateVerifyInput,
  parseCertificateVerify,
  serializeCertificateVerify,
} from "../wire/certificate_verify.js";
import {
  type ClientHello,
  type ClientHelloExtensions,
  encodeClientHelloExtensions,
  serializeClientHello,
} from "../wire/client_hello.js";
import {
  AlertDescription,
  CipherSuite,
  type CipherSuiteName,
  type GroupName,
  HandshakeType,
  NamedGroup,
  nameOf,
  ProtocolVersion,
  PskKeyExchangeMode,
  SignatureScheme,
  type SignatureSchemeName,
  TlsFlag,
} from "../wire/codepoints.js";
import { parseEncryptedExtensions } from "../wire/encrypted_extensions.js";
import { parseFinished, serializeFinished } from "../wire/finished.js";
import { type HandshakeMessage, handshakeName } from "../wire/handshake.js";
import { bindersListLength, serializeEndOfEarlyData } from "../wire/psk.js";
import {
  DOWNGRADE_TLS11,
  DOWNGRADE_TLS12,
  decodeHelloRetryRequestExtensions,
  decodeServerHelloExtensions,
  isHelloRetryRequest,
  parseServerHello,
  type ServerHello,
  selectedVersion,
} from "../wire/server_hello.js";
import { keyAllowsScheme } from "../x509/algorithms.js";
import { receiveCompressedCertificate } from "./certificate_compression.js";
import { chooseClientCredential } from "./client_certificate.js";
import type { ClientConfig } from "./config.js";
import type { HandshakeIO, NegotiatedSuite, RoleHandshake } from "./io.js";
import { EarlySecret, finishedVerifyData, type HandshakeSecret } from "./key_schedule.js";
import { ClientPostHandshakeAuth } from "./post_handshake_auth.js";
import { checkServerChainFromStore } from "./suppress_ca.js";
import { certificateMatchedTrustAnchor } from "./trust_anchors.js";

/** The resumption PSK we offer (one identity: the session's ticket). */
interface OfferedPsk {
  session: TlsSession;
  hash: Hash;
  early: EarlySecret;
}

/** What one ClientHello offers; HelloRetryRequest replaces it with the second ClientHello's. */
interface Offer {
  keyShares: Map<GroupName, KemKeyPair>;
  psk?: OfferedPsk;
  /** 0-RTT data went with this (first) ClientHello. */
  earlyData: boolean;
}

/** Waiting for the answer to a ClientHello; `retry` says what the HelloRetryRequest before it chose. */
interface WaitServerHello {
  name: "wait_server_hello";
  hello: ClientHello;
  offer: Offer;
  retry?: { suite: number; group?: GroupName };
}

/** What the client knows once the ServerHello is accepted: the suite and the handshake secrets. */
interface HandshakeKeys {
  suite: NegotiatedSuite;
  handshakeSecret: HandshakeSecret;
  clientHandshakeSecret: Bytes;
  serverHandshakeSecret: Bytes;
  /** The server accepted our PSK: no Certificate/CertificateVerify follow (RFC 8446 §2.2). */
  resumed: boolean;
  /** 0-RTT data is out under the early key; EncryptedExtensions says whether it was accepted. */
  earlyDataPending: boolean;
}

type State =
  | { name: "start" }
  | WaitServerHello
  | { name: "wait_encrypted_extensions"; keys: HandshakeKeys }
  | { name: "wait_certificate_or_request"; keys: HandshakeKeys }
  | { name: "wait_certificate"; keys: HandshakeKeys; certificateRequest: CertificateRequest }
  | {
      name: "wait_certificate_verify";
      keys: HandshakeKeys;
      certificateRequest?: CertificateRequest;
      leafKey: PublicKey;
    }
  | {
      name: "wait_finished";
      keys: HandshakeKeys;
      certificateRequest?: CertificateRequest;
      earlyDataAccepted: boolean;
    }
  | { name: "done" };

type WaitCertificate = Extract<State, { name: "wait_certificate_or_request" | "wait_certificate" }>;
type WaitCertificateVerify = Extract<State, { name: "wait_certificate_verify" }>;
type WaitFinished = Extract<State, { name: "wait_finished" }>;

const alert = (code: AlertDescription, reason: string) => new TlsAlert(code, reason);

export class ClientHandshake implements RoleHandshake {
  private state: State = { name: "start" };
  /** Extension types our ClientHello(s) carried: what the server's extensions may answer. */
  private readonly offeredExtensions = new Set<number>();
  /** A HelloRetryRequest came (there may be only one). */
  private retried = false;
  /** The compatibility ChangeCipherSpec went out already (RFC 8446 §D.4). */
  private sentEarlyCcs = false;
  /** draft-kampanakis-tls-scas: decided once, so both ClientHellos carry the same flag. */
  private readonly asksSuppression: boolean;

  constructor(
    private readonly io: HandshakeIO,
    private readonly config: ClientConfig,
  ) {
    this.asksSuppression = config.intermediateStore?.mayAsk(config.verifyName) === true;
  }

  start(): void {
    const { provider } = this.config;
    const keyShares = generateKeyShares(provider, this.config.keyShares);
    const sessionId = this.config.middleboxCompat ? provider.randomBytes(32) : new Uint8Array(0);
    const psk = this.pskToOffer();
    const c = this.config;
    const earlyData =
      psk !== undefined &&
      c.earlyData !== undefined &&
      c.earlyData.length > 0 &&
      c.earlyData.length <= psk.session.maxEarlyData &&
      c.cipherSuites.includes(psk.session.cipherSuite)
        ? c.earlyData
        : undefined;
    const offer: Offer = { keyShares, psk, earlyData: earlyData !== undefined };
    const ch = this.makeClientHello(offer, provider.randomBytes(32), sessionId, undefined);
    this.io.setClientRandom(ch.random);
    this.io.info.servername = this.config.servername;
    const hello = this.helloWithBinders(ch, psk);
    this.io.send(hello);
    this.io.acceptChangeCipherSpec(true);
    if (psk && earlyData) this.sendEarlyData(hello, psk, earlyData);
    // The answer may arrive inside flush() when the transport is synchronous.
    this.state = { name: "wait_server_hello", hello: ch, offer };
    this.io.flush();
  }

  /** The session, when it may be offered: unexpired, bound to this name and trust, a hash we still offer. */
  private pskToOffer(): OfferedPsk | undefined {
    const s = this.config.session;
    if (!s || !sessionUsable(s) || !mayOffer(s, this.config)) return undefined;
    const suite = this.config.provider.suites[s.cipherSuite];
    if (!suite) return undefined;
    const hash = suite.hash;
    if (!this.config.cipherSuites.some((n) => this.config.provider.suites[n]?.hash.name === hash.name))
      return undefined;
    return { session: s, hash, early: new EarlySecret(hash, s.psk) };
  }

  /**
   * Serializes a ClientHello, runs the experiment hook, then fills in the PSK binder over the
   * truncated hello (RFC 8446 §4.2.11.2): the binder is the last `hash length` bytes.
   */
  private helloWithBinders(ch: ClientHello, psk: OfferedPsk | undefined): HandshakeMessage {
    const msg = this.io.hook(serializeClientHello(ch));
    if (!psk) return msg;
    const { hash, early } = psk;
    const truncated = msg.raw.subarray(0, msg.raw.length - bindersListLength([hash.outputLength]));
    const th = this.retried ? this.io.transcript.digestWith(hash, truncated) : hash.digest(truncated);
    const binder = finishedVerifyData(hash, early.binderKey(false), th);
    msg.raw.set(binder, msg.raw.length - hash.outputLength);
    return msg;
  }

  /** 0-RTT: [CCS] then the early data under client_early_traffic_secret, in the ClientHello's flight. */
  private sendEarlyData(hello: HandshakeMessage, psk: OfferedPsk, data: Bytes): void {
    const { session, hash, early } = psk;
    const s = this.config.provider.suites[session.cipherSuite]!;
    const secret = early.clientEarlyTrafficSecret(hash.digest(hello.raw));
    this.io.keylog("CLIENT_EARLY_TRAFFIC_SECRET", secret);
    // RFC 8446 §D.4: with early data the compatibility CCS goes right after the ClientHello.
    if (this.config.middleboxCompat) {
      this.io.sendChangeCipherSpec();
      this.sentEarlyCcs = true;
    }
    this.io.setSuite({
      name: session.cipherSuite,
      code: CipherSuite[session.cipherSuite],
      aead: s.aead,
      hash,
    });
    this.io.setWriteSecret(secret, "early");
    this.io.sendEarlyData(data);
    this.io.info.earlyDataAccepted = false; // until EncryptedExtensions says otherwise
  }

  handle(msg: HandshakeMessage): void {
    const state = this.state;
    switch (state.name) {
      case "wait_server_hello":
        this.onServerHello(this.expect(msg, HandshakeType.server_hello), state);
        return;
      case "wait_encrypted_extensions":
        this.onEncryptedExtensions(this.expect(msg, HandshakeType.encrypted_extensions), state.keys);
        return;
      case "wait_certificate_or_request":
        if (msg.type === HandshakeType.certificate_request) {
          this.onCertificateRequest(msg, state.keys);
          return;
        }
        this.onCertificateMessage(msg, state);
        return;
      case "wait_certificate":
        this.onCertificateMessage(msg, state);
        return;
      case "wait_certificate_verify":
        this.onCertificateVerify(this.expect(msg, HandshakeType.certificate_verify), state);
        return;
      case "wait_finished":
        this.onServerFinished(this.expect(msg, HandshakeType.finished), state);
        return;
      default:
        throw alert(AlertDescription.unexpected_message, `unexpected ${handshakeName(msg.type)}`);
    }
  }

  private expect(msg: HandshakeMessage, type: number): HandshakeMessage {
    if (msg.type !== type)
      throw alert(
        AlertDescription.unexpected_message,
        `expected ${handshakeName(type)}, got ${handshakeName(msg.type)}`,
      );
    return msg;
  }

  // ---- ClientHello ------------------------------------------------------------------------------

  /** The one place a ClientHello is built (first and, after HRR, second). */
  private makeClientHello(
    offer: Offer,
    random: Bytes,
    sessionId: Bytes,
    cookie: Bytes | undefined,
  ): ClientHello {
    const c = this.config;
    const fields: ClientHelloExtensions = {
      servername: c.servername || undefined,
      groups: c.groups.map((g) => NamedGroup[g]),
      signatureSchemes: c.advertisedSignatureSchemes.map((s) => SignatureScheme[s]),
      alpn: c.alpn.length ? c.alpn : undefined,
      recordSizeLimit: c.recordSizeLimit,
      certificateCompression: c.certificateCompression.length ? c.certificateCompression : undefined,
      tlsFlags: this.asksSuppression ? [TlsFlag.suppress_ca_certificates] : undefined,
      postHandshakeAuth: c.postHandshakeAuth || undefined,
      trustAnchors: c.trustAnchorIds,
      versions: [ProtocolVersion.TLS13],
      cookie,
      shares: [...offer.keyShares].map(([g, kp]) => ({ group: NamedGroup[g], keyExchange: kp.publicKey })),
    };
    if (offer.psk) {
      const { session, hash } = offer.psk;
      fields.pskModes = c.pskModes.map((m) => PskKeyExchangeMode[m]);
      // RFC 8446 §4.2.10: never in a ClientHello after HelloRetryRequest.
      fields.earlyData = offer.earlyData && !cookie && !this.retried;
      // pre_shared_key goes last (§4.2.11); the binder is a placeholder filled by helloWithBinders.
      const age = (Date.now() - session.receivedAt + session.ticketAgeAdd) >>> 0;
      fields.psks = {
        identities: [{ identity: session.ticket, obfuscatedTicketAge: age }],
        binders: [new Uint8Array(hash.outputLength)],
        bindersLength: bindersListLength([hash.outputLength]),
      };
    }
    const extensions = encodeClientHelloExtensions(fields);
    for (const e of extensions) this.offeredExtensions.add(e.type);
    return {
      legacyVersion: ProtocolVersion.TLS12,
      random,
      legacySessionId: sessionId,
      cipherSuites: c.cipherSuites.map((s) => CipherSuite[s]),
      legacyCompressionMethods: Uint8Array.of(0),
      extensions,
    };
  }

  // ---- ServerHello / HelloRetryRequest ------------------------------------------------------------

  private onServerHello(msg: HandshakeMessage, state: WaitServerHello): void {
    const { hello, offer, retry } = state;
    const sh = parseServerHello(msg.body);
    this.checkVersion(sh);
    if (!equalBytes(sh.legacySessionIdEcho, hello.legacySessionId))
      throw alert(
        AlertDescription.illegal_parameter,
        "ServerHello: legacy_session_id_echo differs from ours",
      );
    const suiteName = nameOf(CipherSuite, sh.cipherSuite) as CipherSuiteName | undefined;
    if (!suiteName || !this.config.cipherSuites.includes(suiteName))
      throw alert(
        AlertDescription.illegal_parameter,
        `ServerHello: cipher suite 0x${sh.cipherSuite.toString(16)} not offered`,
      );
    if (isHelloRetryRequest(sh)) {
      this.onHelloRetryRequest(sh, msg, suiteName, state);
      return;
    }

    if (retry && sh.cipherSuite !== retry.suite)
      throw alert(
        AlertDescription.illegal_parameter,
        "ServerHello: cipher suite differs from HelloRetryRequest's",
      );
    const ext = decodeServerHelloExtensions(sh.extensions, this.offeredExtensions);
    let psk: OfferedPsk | undefined; // the PSK the server accepted
    if (ext.selectedPsk !== undefined) {
      // After a HelloRetryRequest that dropped our PSK, pre_shared_key answers nothing we still offer.
      if (!offer.psk)
        throw alert(AlertDescription.illegal_parameter, "ServerHello: pre_shared_key is not allowed here");
      psk = this.acceptPsk(ext.selectedPsk, suiteName, offer.psk);
    }
    if (!ext.share && psk && this.config.pskModes.includes("psk_ke")) {
      const zeros = new Uint8Array(this.suiteHash(suiteName).outputLength);
      this.onServerHelloKeys(msg, suiteName, zeros, { offer, psk, group: undefined });
      return;
    }
    if (!ext.share) throw alert(AlertDescription.missing_extension, "ServerHello: no key_share");
    const share = ext.share;
    const groupName = nameOf(NamedGroup, share.group) as GroupName | undefined;
    const keyPair = groupName && offer.keyShares.get(groupName);
    if (!groupName || !keyPair)
      throw alert(
        AlertDescription.illegal_parameter,
        `ServerHello: key share for group 0x${share.group.toString(16)} we did not send`,
      );
    if (retry?.group !== undefined && groupName !== retry.group)
      throw alert(
        AlertDescription.illegal_parameter,
        `ServerHello: ${groupName} after HelloRetryRequest asked for ${retry.group}`,
      );
    const group = this.config.provider.groups[groupName]!;
    if (share.keyExchange.length !== group.ciphertextLength)
      throw alert(
        AlertDescription.illegal_parameter,
        `ServerHello: ${groupName} share of ${share.keyExchange.length} bytes`,
      );
    const sharedSecret = group.decapsulate(share.keyExchange, keyPair.privateKey);
    this.io.info.group = groupName;
    this.onServerHelloKeys(msg, suiteName, sharedSecret, { offer, psk, group: groupName });
  }

  private suiteHash(name: CipherSuiteName): Hash {
    return this.config.provider.suites[name]!.hash;
  }

  /** RFC 8446 §4.2.11: the server picked our PSK (we offer one identity). Returns it. */
  private acceptPsk(selected: number, suiteName: CipherSuiteName, offered: OfferedPsk): OfferedPsk {
    if (selected !== 0)
      throw alert(
        AlertDescription.illegal_parameter,
        `ServerHello: selected PSK identity ${selected} not offered`,
      );
    if (this.suiteHash(suiteName).name !== offered.hash.name)
      throw alert(
        AlertDescription.illegal_parameter,
        "ServerHello: cipher suite hash differs from the PSK's",
      );
    this.io.info.resumed = true;
    restoreVerdict(this.io.info, offered.session); // judged by the connection that got the ticket
    return offered;
  }

  /** ServerHello accepted: handshake keys from the (PSK or zero) early secret and the shared secret. */
  private onServerHelloKeys(
    msg: HandshakeMessage,
    suiteName: CipherSuiteName,
    sharedSecret: Bytes,
    accepted: { offer: Offer; psk?: OfferedPsk; group?: GroupName },
  ): void {
    const { offer, psk, group } = accepted;
    const suite = this.useSuite(suiteName);
    if (psk) this.io.info.pskMode = group ? "psk_dhe_ke" : "psk_ke";
    this.io.transcript.add(msg.raw);
    const th = this.io.transcript.digest();
    const handshakeSecret = (psk ? psk.early : new EarlySecret(suite.hash)).handshakeSecret(sharedSecret);
    const keys: HandshakeKeys = {
      suite,
      handshakeSecret,
      clientHandshakeSecret: handshakeSecret.clientTrafficSecret(th),
      serverHandshakeSecret: handshakeSecret.serverTrafficSecret(th),
      resumed: psk !== undefined,
      earlyDataPending: offer.earlyData && psk !== undefined,
    };
    this.io.keylog("CLIENT_HANDSHAKE_TRAFFIC_SECRET", keys.clientHandshakeSecret);
    this.io.keylog("SERVER_HANDSHAKE_TRAFFIC_SECRET", keys.serverHandshakeSecret);
    this.io.setReadSecret(keys.serverHandshakeSecret, "handshake");
    // Our own records (alerts included) are protected from here on; a compatibility CCS stays plaintext.
    // With 0-RTT under way the early key stays until EncryptedExtensions says whether it was accepted.
    if (!keys.earlyDataPending) this.io.setWriteSecret(keys.clientHandshakeSecret, "handshake");
    offer.keyShares.clear(); // private keys are no longer needed
    this.state = { name: "wait_encrypted_extensions", keys };
  }

  /** RFC 8446 §4.1.3 / §4.2.1: only TLS 1.3, and a TLS 1.2 answer must not carry a downgrade sentinel. */
  private checkVersion(sh: ServerHello): void {
    const version = selectedVersion(sh);
    if (version === undefined) {
      const tail = sh.random.subarray(24);
      if (equalBytes(tail, DOWNGRADE_TLS12) || equalBytes(tail, DOWNGRADE_TLS11))
        throw alert(AlertDescription.illegal_parameter, "ServerHello: downgrade sentinel in random");
      throw alert(
        AlertDescription.protocol_version,
        `server chose legacy version 0x${sh.legacyVersion.toString(16)}; only TLS 1.3 is supported`,
      );
    }
    if (version !== ProtocolVersion.TLS13)
      throw alert(
        AlertDescription.illegal_parameter,
        `ServerHello: supported_versions selected 0x${version.toString(16)}, not offered`,
      );
    if (sh.legacyVersion !== ProtocolVersion.TLS12)
      throw alert(
        AlertDescription.illegal_parameter,
        `ServerHello: legacy_version 0x${sh.legacyVersion.toString(16)}`,
      );
  }

  private onHelloRetryRequest(
    hrr: ServerHello,
    msg: HandshakeMessage,
    suiteName: CipherSuiteName,
    { hello, offer }: WaitServerHello,
  ): void {
    if (this.retried) throw alert(AlertDescription.unexpected_message, "second HelloRetryRequest");
    this.retried = true;
    this.io.info.helloRetryRequest = true;
    const { cookie, selectedGroup: code } = decodeHelloRetryRequestExtensions(
      hrr.extensions,
      this.offeredExtensions,
    );
    let selected: GroupName | undefined;
    if (code !== undefined) {
      selected = nameOf(NamedGroup, code) as GroupName | undefined;
      if (!selected || !this.config.groups.includes(selected))
        throw alert(
          AlertDescription.illegal_parameter,
          `HelloRetryRequest: group 0x${code.toString(16)} not offered`,
        );
      if (offer.keyShares.has(selected))
        throw alert(
          AlertDescription.illegal_parameter,
          `HelloRetryRequest: asks for ${selected}, which already has a share`,
        );
    }
    // RFC 8446 §4.1.4: an HRR that would not change the ClientHello is illegal.
    if (!cookie && !selected)
      throw alert(AlertDescription.illegal_parameter, "HelloRetryRequest changes nothing");

    const suite = this.useSuite(suiteName);
    // A HelloRetryRequest rejects 0-RTT (RFC 8446 §4.2.10); the PSK stays if its hash still fits.
    if (offer.earlyData) this.io.dropEarlyWriteKey();
    const psk = offer.psk && offer.psk.hash.name === suite.hash.name ? offer.psk : undefined;
    // Transcript: message_hash(ClientHello1) ‖ HelloRetryRequest (RFC 8446 §4.4.1).
    this.io.transcript.replaceWithMessageHash();
    this.io.transcript.add(msg.raw);

    const keyShares = selected ? generateKeyShares(this.config.provider, [selected]) : offer.keyShares;
    const second: Offer = { keyShares, psk, earlyData: false };
    const ch = this.makeClientHello(second, hello.random, hello.legacySessionId, cookie);
    // Middlebox compatibility: the CCS goes right before the second flight (RFC 8446 §D.4).
    if (this.config.middleboxCompat && !this.sentEarlyCcs) this.io.sendChangeCipherSpec();
    this.sentEarlyCcs = true;
    this.io.send(this.helloWithBinders(ch, psk));
    this.state = {
      name: "wait_server_hello",
      hello: ch,
      offer: second,
      retry: { suite: hrr.cipherSuite, group: selected },
    };
    this.io.flush();
  }

  private useSuite(name: CipherSuiteName): NegotiatedSuite {
    const s = this.config.provider.suites[name]!;
    const suite = { name, code: CipherSuite[name], aead: s.aead, hash: s.hash };
    this.io.setSuite(suite);
    this.io.transcript.useHash(s.hash);
    return suite;
  }

  // ---- EncryptedExtensions ------------------------------------------------------------------------

  private onEncryptedExtensions(msg: HandshakeMessage, keys: HandshakeKeys): void {
    const ee = parseEncryptedExtensions(msg.body, this.offeredExtensions);
    if (ee.earlyData) {
      // §4.2.10: accepting early data means accepting the first PSK; we offered it after no HRR.
      if (!keys.earlyDataPending)
        throw alert(AlertDescription.illegal_parameter, "EncryptedExtensions: early_data without our PSK");
      this.io.info.earlyDataAccepted = true;
    }
    if (ee.alpn !== undefined) {
      if (!this.config.alpn.includes(ee.alpn))
        throw alert(AlertDescription.illegal_parameter, "ALPN: server selected a protocol we did not offer");
      this.io.info.alpnProtocol = ee.alpn;
    }
    if (ee.trustAnchorsAvailable) this.io.info.trustAnchorsAvailable = ee.trustAnchorsAvailable;
    if (ee.recordSizeLimit !== undefined) {
      this.io.setPeerRecordSizeLimit(ee.recordSizeLimit);
      if (this.config.recordSizeLimit !== undefined)
        this.io.setOwnRecordSizeLimit(this.config.recordSizeLimit);
    }
    this.io.transcript.add(msg.raw);
    const earlyDataAccepted = ee.earlyData === true;
    if (keys.earlyDataPending && !earlyDataAccepted)
      this.io.setWriteSecret(keys.clientHandshakeSecret, "handshake"); // rejected: no EndOfEarlyData
    // A resumed handshake authenticates with the PSK: no Certificate/CertificateVerify (§2.2).
    this.state = keys.resumed
      ? { name: "wait_finished", keys, earlyDataAccepted }
      : { name: "wait_certificate_or_request", keys };
  }

  // ---- server authentication ---------------------------------------------------------------------

  private onCertificateRequest(msg: HandshakeMessage, keys: HandshakeKeys): void {
    const req = parseCertificateRequest(msg.body);
    // RFC 8446 §4.3.2: the context is for post-handshake authentication; empty in the handshake.
    if (req.requestContext.length !== 0)
      throw alert(
        AlertDescription.illegal_parameter,
        "CertificateRequest: non-empty context in the handshake",
      );
    this.io.transcript.add(msg.raw);
    this.state = { name: "wait_certificate", keys, certificateRequest: req };
  }

  /** Certificate, or (RFC 8879) CompressedCertificate standing for one; anything else is unexpected. */
  private onCertificateMessage(msg: HandshakeMessage, state: WaitCertificate): void {
    if (msg.type !== HandshakeType.compressed_certificate) {
      this.onCertificate(this.expect(msg, HandshakeType.certificate), msg.body, state);
      return;
    }
    const { certificateBody, info } = receiveCompressedCertificate(
      msg,
      this.config.certificateCompression,
      this.config.maxCertificateBytes,
      this.config.abridgedScheme,
    );
    this.io.info.certificateCompression = info;
    this.onCertificate(msg, certificateBody, state);
  }

  /** `body` is the Certificate message body; `msg` is what arrived, and goes into the transcript as is. */
  private onCertificate(msg: HandshakeMessage, body: Bytes, state: WaitCertificate): void {
    const cert = parseCertificateMessage(body);
    if (cert.requestContext.length !== 0)
      throw alert(AlertDescription.illegal_parameter, "server Certificate with a non-empty request context");
    if (cert.entries.length === 0)
      throw alert(AlertDescription.decode_error, "server sent an empty Certificate");
    checkCertificateEntryExtensions(cert, this.offeredExtensions);
    if (certificateMatchedTrustAnchor(cert.entries)) this.io.info.trustAnchorMatched = true;
    const store = this.config.intermediateStore;
    const verdict = checkServerChainFromStore(
      cert.entries.map((e) => e.certData),
      {
        trustAnchors: this.config.trustAnchors,
        hostname: this.config.verifyName,
        checkServerIdentity: this.config.checkServerIdentity,
        provider: this.config.provider,
        rejectUnauthorized: this.config.rejectUnauthorized,
      },
      store,
      this.asksSuppression,
    );
    if (this.asksSuppression) {
      this.io.info.caCertificatesSuppressed = true;
      this.io.info.intermediatesFromStore = verdict.added;
    }
    this.io.info.peerCertificates = verdict.chain;
    this.io.info.authorized = verdict.authorized;
    // node:tls: authorizationError is the verification code ("CERT_HAS_EXPIRED", …), else the message.
    this.io.info.authorizationError = verdict.error && (verdict.error.code || verdict.error.message);
    this.io.info.authorizationReason = verdict.error?.message;
    this.io.transcript.add(msg.raw);
    this.state = {
      name: "wait_certificate_verify",
      keys: state.keys,
      certificateRequest: state.name === "wait_certificate" ? state.certificateRequest : undefined,
      leafKey: verdict.chain[0].publicKey,
    };
  }

  private onCertificateVerify(msg: HandshakeMessage, state: WaitCertificateVerify): void {
    const cv = parseCertificateVerify(msg.body);
    const name = nameOf(SignatureScheme, cv.algorithm) as SignatureSchemeName | undefined;
    if (!name || !this.config.signatureSchemes.includes(name))
      throw alert(
        AlertDescription.illegal_parameter,
        `CertificateVerify: scheme 0x${cv.algorithm.toString(16)} not offered`,
      );
    const scheme = this.config.provider.signatures[name]!;
    const key = state.leafKey;
    if (!scheme.keyAlgorithms.includes(key.algorithm) || !keyAllowsScheme(key, name))
      throw alert(
        AlertDescription.illegal_parameter,
        `CertificateVerify: ${name} does not match the ${key.algorithm} certificate key`,
      );
    const signed = certificateVerifyInput("server", this.io.transcript.digest());
    if (!scheme.verify(key, signed, cv.signature))
      throw alert(AlertDescription.decrypt_error, "CertificateVerify: signature does not verify");
    this.io.info.signatureScheme = name;
    this.io.transcript.add(msg.raw);
    const { keys, certificateRequest } = state;
    this.state = { name: "wait_finished", keys, certificateRequest, earlyDataAccepted: false };
  }

  // ---- Finished ------------------------------------------------------------------------------------

  private onServerFinished(msg: HandshakeMessage, state: WaitFinished): void {
    const { keys } = state;
    const hash = keys.suite.hash;
    const verifyData = parseFinished(msg.body, hash.outputLength);
    const expected = finishedVerifyData(hash, keys.serverHandshakeSecret, this.io.transcript.digest());
    if (!equalBytes(verifyData, expected))
      throw alert(AlertDescription.decrypt_error, "server Finished does not verify");
    this.io.transcript.add(msg.raw);
    this.io.acceptChangeCipherSpec(false);

    const thServerFinished = this.io.transcript.digest();
    const master = keys.handshakeSecret.masterSecret();
    const clientApp = master.clientTrafficSecret(thServerFinished);
    const serverApp = master.serverTrafficSecret(thServerFinished);
    const exporter = master.exporterSecret(thServerFinished);
    this.io.keylog("CLIENT_TRAFFIC_SECRET_0", clientApp);
    this.io.keylog("SERVER_TRAFFIC_SECRET_0", serverApp);
    this.io.keylog("EXPORTER_SECRET", exporter);
    this.io.info.exporterMasterSecret = exporter;
    this.io.setReadSecret(serverApp, "application");

    // Second flight: [EndOfEarlyData] [CCS] [Certificate] Finished.
    if (state.earlyDataAccepted) {
      this.io.send(serializeEndOfEarlyData());
      this.io.setWriteSecret(keys.clientHandshakeSecret, "handshake");
    }
    if (this.config.middleboxCompat && !this.retried && !this.sentEarlyCcs) this.io.sendChangeCipherSpec();
    if (state.certificateRequest) this.sendClientCertificate(state.certificateRequest);
    this.io.send(this.makeFinished());
    if (this.config.postHandshakeAuth) {
      // RFC 8446 §4.4.1: each post-handshake exchange hashes onto the handshake through this Finished.
      const handshake = this.io.transcript.fork();
      this.io.setPostHandshakeAuth((io) => new ClientPostHandshakeAuth(io, handshake, this.config));
    }
    this.io.info.resumptionMasterSecret = master.resumptionSecret(this.io.transcript.digest());
    this.io.setWriteSecret(clientApp, "application");
    this.io.flush();
    this.state = { name: "done" };
    this.io.complete();
  }

  /**
   * mTLS (RFC 8446 §4.4.2-§4.4.3): the chain that fits the request, then CertificateVerify over the
   * transcript with the client context; an empty Certificate (and no CertificateVerify) when none fits.
   */
  private sendClientCertificate(request: CertificateRequest): void {
    const { credentials, signatureSchemes, provider } = this.config;
    const choice = chooseClientCredential(credentials, request, signatureSchemes, provider);
    const chain = choice?.credential.chain ?? [];
    // draft-kampanakis-tls-scas: the server holds our intermediates and asked for the leaf alone.
    const suppress = request.tlsFlags?.includes(TlsFlag.suppress_ca_certificates) === true;
    const sent = suppress ? chain.slice(0, 1) : chain;
    const entries = sent.map((c) => ({ certData: c.der, extensions: [] }));
    this.io.send(serializeCertificate({ requestContext: request.requestContext, entries }));
    if (!choice) return;
    const signed = certificateVerifyInput("client", this.io.transcript.digest());
    const signature = provider.signatures[choice.scheme]!.sign(choice.credential.key, signed);
    this.io.send(serializeCertificateVerify({ algorithm: SignatureScheme[choice.scheme], signature }));
    this.io.info.clientSignatureScheme = choice.scheme;
  }

  /** The client Finished; built while waiting for the server's Finished (tests wrap it, arguments and all). */
  private makeFinished(): HandshakeMessage {
    const state = this.state;
    if (state.name !== "wait_finished")
      throw alert(AlertDescription.internal_error, `client Finished built in ${state.name}`);
    const { suite, clientHandshakeSecret } = state.keys;
    return serializeFinished(
      finishedVerifyData(suite.hash, clientHandshakeSecret, this.io.transcript.digest()),
    );
  }
}
