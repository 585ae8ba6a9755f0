// The server handshake (RFC 8446 §4), one method per step:
//
//   onClientHello ─(no acceptable share)─▶ HelloRetryRequest ─▶ onClientHello (second)
//     ─ ServerHello [CCS] EncryptedExtensions Certificate CertificateVerify Finished ─▶
//   onClientFinished ─▶ done
//
// The server chooses by its own preference: cipher suite, then group (a group the client already
// sent a share for; otherwise HelloRetryRequest for the best mutually supported group), then the
// signature scheme for its key.

import type { Bytes, KeyExchangeGroup } from "../crypto/provider.js";
import { TlsAlert } from "../errors.js";
import type { TicketState } from "../resumption/tickets.js";
import { equalBytes, Writer } from "../wire/bytes.js";
import { serializeCertificate } from "../wire/certificate.js";
import { certificateVerifyInput, serializeCertificateVerify } from "../wire/certificate_verify.js";
import { type ClientHello, parseClientHello } from "../wire/client_hello.js";
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
} from "../wire/codepoints.js";
import { serializeEncryptedExtensions } from "../wire/encrypted_extensions.js";
import {
  decodeAlpn,
  decodeCookie,
  decodeKeyShareClient,
  decodeRecordSizeLimit,
  decodeServerName,
  decodeSupportedGroups,
  decodeSupportedVersionsClient,
  decodeU16List,
  type Extension,
  encodeAlpn,
  encodeCookie,
  encodeKeyShareHrr,
  encodeKeyShareServer,
  encodeRecordSizeLimit,
  encodeSupportedVersionsServer,
  type KeyShareEntry,
} from "../wire/extensions.js";
import { parseFinished, serializeFinished } from "../wire/finished.js";
import { type HandshakeMessage, handshakeName } from "../wire/handshake.js";
import { serializeNewSessionTicket } from "../wire/new_session_ticket.js";
import {
  decodePreSharedKeyClient,
  decodePskModes,
  encodeMaxEarlyData,
  encodePreSharedKeyServer,
  expectEmptyEarlyData,
  type OfferedPsks,
  parseEndOfEarlyData,
} from "../wire/psk.js";
import { HRR_RANDOM, type ServerHello, serializeServerHello } from "../wire/server_hello.js";
import { parseCompressCertificateExtension } from "../x509/compression.js";
import { serverCertificateMessage } from "./certificate_compression.js";
import type { ServerConfig } from "./config.js";
import type { HandshakeIO, NegotiatedSuite, RoleHandshake } from "./io.js";
import { EarlySecret, finishedVerifyData, type HandshakeSecret, ticketPsk } from "./key_schedule.js";
import { checkSecondClientHello } from "./second_hello.js";

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

type State =
  | "wait_client_hello"
  | "wait_client_hello_retry"
  | "wait_end_of_early_data"
  | "wait_finished"
  | "done";

const alert = (code: AlertDescription, reason: string) => new TlsAlert(code, reason);

/** The ClientHello extensions the server acts on, decoded once. */
interface OfferedParameters {
  versions?: number[];
  groups?: number[];
  shares?: KeyShareEntry[];
  signatureSchemes?: number[];
  alpn?: string[];
  servername?: string;
  recordSizeLimit?: number;
  cookie?: Bytes;
  pskModes?: number[];
  psks?: OfferedPsks;
  earlyData?: boolean;
  /** RFC 8879 compress_certificate: the client's algorithms we know, in its order. */
  certificateCompression?: CertificateCompressionName[];
}

export class ServerHandshake implements RoleHandshake {
  private state: State = "wait_client_hello";
  private suite!: NegotiatedSuite;
  private firstHello?: ClientHello;
  private retryGroup?: GroupName;
  private cookie?: Bytes;
  private sentCcs = false;
  private handshakeSecret!: HandshakeSecret;
  private clientHandshakeSecret!: Bytes;
  private clientAppSecret!: Bytes;
  private psk?: AcceptedPsk;
  private earlyAccepted = false;
  private clientCertificateCompression?: CertificateCompressionName[];

  constructor(
    private readonly io: HandshakeIO,
    private readonly config: ServerConfig,
  ) {}

  start(): void {}

  handle(msg: HandshakeMessage): void {
    switch (this.state) {
      case "wait_client_hello":
      case "wait_client_hello_retry":
        if (msg.type !== HandshakeType.client_hello)
          throw alert(
            AlertDescription.unexpected_message,
            `expected client_hello, got ${handshakeName(msg.type)}`,
          );
        this.onClientHello(msg);
        return;
      case "wait_end_of_early_data":
        if (msg.type !== HandshakeType.end_of_early_data)
          throw alert(
            AlertDescription.unexpected_message,
            `expected end_of_early_data, got ${handshakeName(msg.type)}`,
          );
        parseEndOfEarlyData(msg.body);
        this.io.transcript.add(msg.raw);
        this.io.setReadSecret(this.clientHandshakeSecret, "handshake");
        this.state = "wait_finished";
        return;
      case "wait_finished":
        if (msg.type !== HandshakeType.finished)
          throw alert(
            AlertDescription.unexpected_message,
            `expected finished, got ${handshakeName(msg.type)}`,
          );
        this.onClientFinished(msg);
        return;
      default:
        throw alert(AlertDescription.unexpected_message, `unexpected ${handshakeName(msg.type)}`);
    }
  }

  // ---- ClientHello ------------------------------------------------------------------------------

  private onClientHello(msg: HandshakeMessage): void {
    const ch = parseClientHello(msg.body);
    const offered = this.readExtensions(ch);
    // RFC 8446 §4.1.2 first: a second ClientHello that changed what it may not is illegal_parameter,
    // whatever else is wrong with it.
    if (this.state === "wait_client_hello_retry") checkSecondClientHello(this.firstHello!, ch);
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
    const pskKeOnly =
      offered.psks !== undefined && !offered.shares && this.pskModesInCommon(offered)[0] === "psk_ke";
    if ((!offered.groups || !offered.shares) && !pskKeOnly)
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

    const retry = this.state === "wait_client_hello_retry";
    if (retry) this.checkSecondHello(offered);
    else this.io.setClientRandom(ch.random);

    const suiteName = this.config.cipherSuites.find((s) => ch.cipherSuites.includes(CipherSuite[s]));
    if (!suiteName) throw alert(AlertDescription.handshake_failure, "no cipher suite in common");
    if (retry && CipherSuite[suiteName] !== this.suite.code)
      throw alert(AlertDescription.illegal_parameter, "second ClientHello changes the cipher suite choice");
    const scheme = this.chooseSignatureScheme(offered.signatureSchemes);
    this.psk = this.choosePsk(msg, offered, suiteName, retry);
    const pskKe = this.psk?.mode === "psk_ke";

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
    if (retry && shared !== this.retryGroup)
      throw alert(
        AlertDescription.illegal_parameter,
        `second ClientHello shares ${shared}, not the requested ${this.retryGroup}`,
      );

    if (!retry) this.useSuite(suiteName);
    this.io.transcript.add(msg.raw);
    this.io.acceptChangeCipherSpec(true);
    this.io.info.servername = offered.servername;
    const alpn = this.chooseAlpn(offered.alpn);
    if (alpn) this.io.info.alpnProtocol = alpn;

    let ciphertext: Bytes | undefined;
    let sharedSecret: Bytes;
    if (shared) {
      const group = this.config.provider.groups[shared]!;
      const clientShare = offered.shares!.find((s) => s.group === NamedGroup[shared])!.keyExchange;
      ({ ciphertext, sharedSecret } = this.encapsulate(group, clientShare));
      this.io.info.group = shared;
    } else sharedSecret = new Uint8Array(this.suite.hash.outputLength); // psk_ke: zero (EC)DHE input
    if (this.psk) {
      this.io.info.resumed = true;
      this.io.info.pskMode = this.psk.mode;
    }
    if (offered.earlyData) {
      this.earlyAccepted = this.acceptEarlyData(suiteName, alpn, retry);
      this.io.info.earlyDataAccepted = this.earlyAccepted;
      if (!this.earlyAccepted) this.io.skipEarlyData(Math.max(this.config.maxEarlyData, 16384));
    }
    this.clientCertificateCompression = offered.certificateCompression;
    this.sendServerFlight(ch, ciphertext, sharedSecret, scheme, alpn, offered.recordSizeLimit);
  }

  /** Decodes the extensions we act on; unknown ones are ignored (RFC 8446 §4.2). */
  private readExtensions(ch: ClientHello): OfferedParameters {
    const p: OfferedParameters = {};
    ch.extensions.forEach((e, i) => {
      switch (e.type) {
        case ExtensionType.supported_versions:
          p.versions = decodeSupportedVersionsClient(e.data);
          break;
        case ExtensionType.supported_groups:
          p.groups = decodeSupportedGroups(e.data);
          break;
        case ExtensionType.key_share:
          p.shares = decodeKeyShareClient(e.data);
          break;
        case ExtensionType.signature_algorithms:
          p.signatureSchemes = decodeU16List(e.data, "signature_algorithms");
          break;
        case ExtensionType.signature_algorithms_cert:
          decodeU16List(e.data, "signature_algorithms_cert");
          break;
        case ExtensionType.application_layer_protocol_negotiation:
          p.alpn = decodeAlpn(e.data);
          break;
        case ExtensionType.server_name:
          p.servername = decodeServerName(e.data);
          break;
        case ExtensionType.record_size_limit:
          p.recordSizeLimit = decodeRecordSizeLimit(e.data);
          break;
        case ExtensionType.cookie:
          p.cookie = decodeCookie(e.data);
          break;
        case ExtensionType.compress_certificate:
          p.certificateCompression = parseCompressCertificateExtension(e.data);
          break;
        case ExtensionType.pre_shared_key:
          // RFC 8446 §4.2.11: must be the last extension.
          if (i !== ch.extensions.length - 1)
            throw alert(AlertDescription.illegal_parameter, "pre_shared_key is not the last extension");
          p.psks = decodePreSharedKeyClient(e.data);
          break;
        case ExtensionType.psk_key_exchange_modes:
          p.pskModes = decodePskModes(e.data);
          break;
        case ExtensionType.early_data:
          expectEmptyEarlyData(e.data);
          p.earlyData = true;
          break;
      }
    });
    return p;
  }

  /** The second ClientHello carries our cookie and the one share we asked for. */
  private checkSecondHello(offered: OfferedParameters): void {
    if (!offered.cookie || !this.cookie || !equalBytes(offered.cookie, this.cookie))
      throw alert(AlertDescription.illegal_parameter, "second ClientHello does not echo our cookie");
    if (offered.shares!.length !== 1)
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
  private acceptEarlyData(suiteName: CipherSuiteName, alpn: string | undefined, retry: boolean): boolean {
    const p = this.psk;
    if (!p || retry || p.index !== 0 || this.config.maxEarlyData === 0 || p.state.maxEarlyData === 0)
      return false;
    if (p.state.cipherSuite !== suiteName || (p.state.alpnProtocol ?? undefined) !== alpn) return false;
    const clientAge = (p.obfuscatedAge - p.state.ageAdd) >>> 0;
    const serverAge = Date.now() - p.state.issuedAt;
    if (Math.abs(serverAge - clientAge) > EARLY_DATA_AGE_WINDOW_MS) return false;
    return this.config.replayCache.firstUse(p.identity, p.state.issuedAt + p.state.lifetime * 1000);
  }

  /** NewSessionTickets after the handshake (RFC 8446 §4.6.1): stateless, sealed with our ticket key. */
  private sendTickets(resumptionSecret: Bytes): void {
    const { provider, tickets, ticketLifetime, ticketKeys, maxEarlyData } = this.config;
    for (let i = 0; i < tickets; i++) {
      const nonce = Uint8Array.of(i);
      const r = provider.randomBytes(4);
      const ageAdd = ((r[0] << 24) | (r[1] << 16) | (r[2] << 8) | r[3]) >>> 0;
      const ticket = ticketKeys.seal({
        cipherSuite: this.suite.name as CipherSuiteName,
        psk: ticketPsk(this.suite.hash, resumptionSecret, nonce),
        issuedAt: Date.now(),
        ageAdd,
        lifetime: ticketLifetime,
        maxEarlyData,
        alpnProtocol: this.io.info.alpnProtocol,
        servername: this.io.info.servername,
      });
      const extensions =
        maxEarlyData > 0 ? [ext(ExtensionType.early_data, (w) => encodeMaxEarlyData(maxEarlyData, w))] : [];
      this.io.send(
        serializeNewSessionTicket({ lifetime: ticketLifetime, ageAdd, nonce, ticket, extensions }),
      );
    }
    this.io.flush();
  }

  private chooseSignatureScheme(offered: number[]): SignatureSchemeName {
    const { key, provider, signatureSchemes } = this.config;
    const scheme = signatureSchemes.find(
      (s) =>
        offered.includes(SignatureScheme[s]) && provider.signatures[s]?.keyAlgorithms.includes(key.algorithm),
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

  private useSuite(name: CipherSuiteName): void {
    const s = this.config.provider.suites[name]!;
    this.suite = { name, code: CipherSuite[name], aead: s.aead, hash: s.hash };
    this.io.setSuite(this.suite);
    this.io.transcript.useHash(s.hash);
  }

  // ---- HelloRetryRequest -------------------------------------------------------------------------

  private sendHelloRetryRequest(
    ch: ClientHello,
    msg: HandshakeMessage,
    suite: CipherSuiteName,
    group: GroupName,
  ): void {
    this.useSuite(suite);
    this.io.transcript.add(msg.raw);
    this.io.transcript.replaceWithMessageHash();
    this.firstHello = ch;
    this.retryGroup = group;
    this.cookie = this.config.provider.randomBytes(32);
    this.io.info.helloRetryRequest = true;
    this.io.acceptChangeCipherSpec(true);
    this.io.send(serializeServerHello(this.makeHelloRetryRequest(ch, group, this.cookie)));
    this.sendCompatChangeCipherSpec(ch);
    this.io.flush();
    this.state = "wait_client_hello_retry";
  }

  private makeHelloRetryRequest(ch: ClientHello, group: GroupName, cookie: Bytes): ServerHello {
    return {
      legacyVersion: ProtocolVersion.TLS12,
      random: HRR_RANDOM,
      legacySessionIdEcho: ch.legacySessionId,
      cipherSuite: this.suite.code,
      legacyCompressionMethod: 0,
      extensions: [
        ext(ExtensionType.supported_versions, (w) => encodeSupportedVersionsServer(ProtocolVersion.TLS13, w)),
        ext(ExtensionType.key_share, (w) => encodeKeyShareHrr(NamedGroup[group], w)),
        ext(ExtensionType.cookie, (w) => encodeCookie(cookie, w)),
      ],
    };
  }

  /** RFC 8446 §D.4: after the first ServerHello/HRR, when the client asked for compatibility mode. */
  private sendCompatChangeCipherSpec(ch: ClientHello): void {
    if (this.sentCcs || ch.legacySessionId.length === 0) return;
    this.sentCcs = true;
    this.io.sendChangeCipherSpec();
  }

  // ---- ServerHello .. Finished -------------------------------------------------------------------

  private sendServerFlight(
    ch: ClientHello,
    ciphertext: Bytes | undefined,
    sharedSecret: Bytes,
    scheme: SignatureSchemeName,
    alpn: string | undefined,
    peerRecordSizeLimit: number | undefined,
  ): void {
    const { provider } = this.config;
    const hash = this.suite.hash;
    const helloHash = this.earlyAccepted ? this.io.transcript.digest() : undefined; // ClientHello only
    this.io.send(serializeServerHello(this.makeServerHello(ch, ciphertext)));
    const th = this.io.transcript.digest();
    const earlySecret = this.psk?.early ?? new EarlySecret(hash);
    this.handshakeSecret = earlySecret.handshakeSecret(sharedSecret);
    const serverHs = this.handshakeSecret.serverTrafficSecret(th);
    this.clientHandshakeSecret = this.handshakeSecret.clientTrafficSecret(th);
    this.io.keylog("CLIENT_HANDSHAKE_TRAFFIC_SECRET", this.clientHandshakeSecret);
    this.io.keylog("SERVER_HANDSHAKE_TRAFFIC_SECRET", serverHs);
    this.sendCompatChangeCipherSpec(ch);
    this.io.setWriteSecret(serverHs, "handshake");
    if (this.earlyAccepted) {
      // Early data follows the ClientHello under client_early_traffic_secret (Hash(ClientHello)).
      const clientEarly = earlySecret.clientEarlyTrafficSecret(helloHash!);
      this.io.keylog("CLIENT_EARLY_TRAFFIC_SECRET", clientEarly);
      this.io.setReadSecret(clientEarly, "early");
    } else this.io.setReadSecret(this.clientHandshakeSecret, "handshake");

    this.io.send(serializeEncryptedExtensions(this.makeEncryptedExtensions(alpn, peerRecordSizeLimit)));
    if (peerRecordSizeLimit !== undefined) {
      this.io.setPeerRecordSizeLimit(peerRecordSizeLimit);
      if (this.config.recordSizeLimit !== undefined)
        this.io.setOwnRecordSizeLimit(this.config.recordSizeLimit);
    }
    if (!this.psk) {
      // A resumed handshake is authenticated by the PSK: no Certificate/CertificateVerify (§2.2).
      this.io.send(this.makeCertificate());
      const signed = certificateVerifyInput("server", this.io.transcript.digest());
      const signature = provider.signatures[scheme]!.sign(this.config.key, signed);
      this.io.info.signatureScheme = scheme;
      this.io.send(serializeCertificateVerify({ algorithm: SignatureScheme[scheme], signature }));
    }
    this.io.send(serializeFinished(finishedVerifyData(hash, serverHs, this.io.transcript.digest())));

    const thServerFinished = this.io.transcript.digest();
    const master = this.handshakeSecret.masterSecret();
    const serverApp = master.serverTrafficSecret(thServerFinished);
    this.clientAppSecret = master.clientTrafficSecret(thServerFinished);
    const exporter = master.exporterSecret(thServerFinished);
    this.io.keylog("CLIENT_TRAFFIC_SECRET_0", this.clientAppSecret);
    this.io.keylog("SERVER_TRAFFIC_SECRET_0", serverApp);
    this.io.keylog("EXPORTER_SECRET", exporter);
    this.io.info.exporterMasterSecret = exporter;
    this.io.setWriteSecret(serverApp, "application");
    this.io.flush();
    this.state = this.earlyAccepted ? "wait_end_of_early_data" : "wait_finished";
  }

  private makeServerHello(ch: ClientHello, ciphertext: Bytes | undefined): ServerHello {
    const extensions: Extension[] = [];
    if (ciphertext)
      extensions.push(
        ext(ExtensionType.key_share, (w) =>
          encodeKeyShareServer(
            { group: NamedGroup[this.io.info.group as GroupName], keyExchange: ciphertext },
            w,
          ),
        ),
      );
    extensions.push(
      ext(ExtensionType.supported_versions, (w) => encodeSupportedVersionsServer(ProtocolVersion.TLS13, w)),
    );
    if (this.psk)
      extensions.push(ext(ExtensionType.pre_shared_key, (w) => encodePreSharedKeyServer(this.psk!.index, w)));
    return {
      legacyVersion: ProtocolVersion.TLS12,
      random: this.config.provider.randomBytes(32),
      legacySessionIdEcho: ch.legacySessionId,
      cipherSuite: this.suite.code,
      legacyCompressionMethod: 0,
      extensions,
    };
  }

  /** Certificate, or CompressedCertificate when the client offered one of our algorithms (RFC 8879). */
  private makeCertificate(): HandshakeMessage {
    const certificate = serializeCertificate({
      requestContext: new Uint8Array(0),
      entries: this.config.chain.map((c) => ({ certData: c.der, extensions: [] })),
    });
    const { message, info } = serverCertificateMessage(
      certificate,
      this.config.certificateCompression,
      this.clientCertificateCompression,
      this.config.chain,
    );
    if (info) this.io.info.certificateCompression = info;
    return message;
  }

  private makeEncryptedExtensions(
    alpn: string | undefined,
    peerRecordSizeLimit: number | undefined,
  ): Extension[] {
    const exts: Extension[] = [];
    if (this.earlyAccepted) exts.push({ type: ExtensionType.early_data, data: new Uint8Array(0) });
    if (this.io.info.servername !== undefined)
      exts.push({ type: ExtensionType.server_name, data: new Uint8Array(0) });
    if (alpn)
      exts.push(ext(ExtensionType.application_layer_protocol_negotiation, (w) => encodeAlpn([alpn], w)));
    if (peerRecordSizeLimit !== undefined)
      exts.push(
        ext(ExtensionType.record_size_limit, (w) =>
          encodeRecordSizeLimit(this.config.recordSizeLimit ?? 16385, w),
        ),
      );
    return exts;
  }

  // ---- client Finished ---------------------------------------------------------------------------

  private onClientFinished(msg: HandshakeMessage): void {
    const hash = this.suite.hash;
    const verifyData = parseFinished(msg.body, hash.outputLength);
    const expected = finishedVerifyData(hash, this.clientHandshakeSecret, this.io.transcript.digest());
    if (!equalBytes(verifyData, expected))
      throw alert(AlertDescription.decrypt_error, "client Finished does not verify");
    this.io.transcript.add(msg.raw);
    this.io.acceptChangeCipherSpec(false);
    const master = this.handshakeSecret.masterSecret();
    this.io.info.resumptionMasterSecret = master.resumptionSecret(this.io.transcript.digest());
    this.io.setReadSecret(this.clientAppSecret, "application");
    this.state = "done";
    // Tickets go before anything the application writes, as OpenSSL does.
    this.sendTickets(this.io.info.resumptionMasterSecret);
    this.io.complete();
  }
}

function ext(type: number, write: (w: Writer) => void): Extension {
  const w = new Writer(64);
  write(w);
  return { type, data: w.finish() };
}
