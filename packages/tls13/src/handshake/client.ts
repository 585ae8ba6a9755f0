// The client handshake, RFC 8446 §2 / §4 top to bottom (Go crypto/tls style: one method per step).
//
//   start ─ ClientHello ─▶ onServerHello ─(HRR)─▶ onHelloRetryRequest ─ ClientHello2 ─▶ onServerHello
//         ─▶ onEncryptedExtensions ─▶ [onCertificateRequest] ─▶ onCertificate ─▶ onCertificateVerify
//         ─▶ onServerFinished ─ [Certificate] Finished ─▶ done
//
// Each message is built in exactly one method (makeClientHello, ...) so message hooks can wrap them.

import { generateKeyShares } from "../crypto/key-shares.js";
import type { Bytes, Hash, KemKeyPair, PublicKey } from "../crypto/provider.js";
import { TlsAlert } from "../errors.js";
import { sessionUsable, type TlsSession } from "../resumption/session.js";
import { equalBytes, Writer } from "../wire/bytes.js";
import { parseCertificate as parseCertificateMessage, serializeCertificate } from "../wire/certificate.js";
import { parseCertificateRequest } from "../wire/certificate_request.js";
import { certificateVerifyInput, parseCertificateVerify } from "../wire/certificate_verify.js";
import { type ClientHello, serializeClientHello } from "../wire/client_hello.js";
import {
  AlertDescription,
  CipherSuite,
  type CipherSuiteName,
  ExtensionType,
  type GroupName,
  HandshakeType,
  NamedGroup,
  nameOf,
  ProtocolVersion,
  PskKeyExchangeMode,
  SignatureScheme,
  type SignatureSchemeName,
} from "../wire/codepoints.js";
import { parseEncryptedExtensions } from "../wire/encrypted_extensions.js";
import {
  decodeAlpn,
  decodeCookie,
  decodeKeyShareHrr,
  decodeKeyShareServer,
  decodeRecordSizeLimit,
  decodeSupportedVersionsServer,
  decodeU16List,
  type Extension,
  encodeAlpn,
  encodeCookie,
  encodeKeyShareClient,
  encodeRecordSizeLimit,
  encodeServerName,
  encodeSupportedVersionsClient,
  encodeU16List,
  expectEmpty,
  findExtension,
} from "../wire/extensions.js";
import { parseFinished, serializeFinished } from "../wire/finished.js";
import { type HandshakeMessage, handshakeName } from "../wire/handshake.js";
import {
  bindersListLength,
  decodePreSharedKeyServer,
  encodePreSharedKeyClient,
  encodePskModes,
  serializeEndOfEarlyData,
} from "../wire/psk.js";
import {
  DOWNGRADE_TLS11,
  DOWNGRADE_TLS12,
  isHelloRetryRequest,
  parseServerHello,
  type ServerHello,
} from "../wire/server_hello.js";
import { encodeCompressCertificateExtension } from "../x509/compression.js";
import { receiveCompressedCertificate } from "./certificate_compression.js";
import type { ClientConfig } from "./config.js";
import { checkServerChain } from "./credentials.js";
import type { HandshakeIO, NegotiatedSuite, RoleHandshake } from "./io.js";
import { EarlySecret, finishedVerifyData, type HandshakeSecret } from "./key_schedule.js";

/** The resumption PSK we offer (one identity: the session's ticket). */
interface OfferedPsk {
  session: TlsSession;
  hash: Hash;
  early: EarlySecret;
}

type State =
  | "wait_server_hello"
  | "wait_encrypted_extensions"
  | "wait_certificate_or_request"
  | "wait_certificate"
  | "wait_certificate_verify"
  | "wait_finished"
  | "done";

const alert = (code: AlertDescription, reason: string) => new TlsAlert(code, reason);

/** Extensions a server may put in EncryptedExtensions (RFC 8446 §4.2 table, plus RFC 8449). */
const EE_ALLOWED = new Set<number>([
  ExtensionType.server_name,
  ExtensionType.max_fragment_length,
  ExtensionType.supported_groups,
  ExtensionType.use_srtp,
  ExtensionType.heartbeat,
  ExtensionType.application_layer_protocol_negotiation,
  ExtensionType.client_certificate_type,
  ExtensionType.server_certificate_type,
  ExtensionType.early_data,
  ExtensionType.record_size_limit,
]);
const KNOWN_EXTENSIONS = new Set<number>(Object.values(ExtensionType));

export class ClientHandshake implements RoleHandshake {
  private state: State = "wait_server_hello";
  private hello!: ClientHello;
  private keyShares!: Map<GroupName, KemKeyPair>;
  private offeredExtensions = new Set<number>();
  private retried = false;
  private retrySuite?: number;
  private retryGroup?: GroupName;
  private suite!: NegotiatedSuite;
  private handshakeSecret!: HandshakeSecret;
  private clientHandshakeSecret!: Bytes;
  private serverHandshakeSecret!: Bytes;
  private leafKey?: PublicKey;
  private certificateRequestContext?: Bytes;
  private psk?: OfferedPsk;
  private offeringEarlyData = false;
  private sentEarlyCcs = false;
  private resumed = false;

  constructor(
    private readonly io: HandshakeIO,
    private readonly config: ClientConfig,
  ) {}

  start(): void {
    const { provider } = this.config;
    this.keyShares = generateKeyShares(provider, this.config.keyShares);
    const sessionId = this.config.middleboxCompat ? provider.randomBytes(32) : new Uint8Array(0);
    this.psk = this.pskToOffer();
    const c = this.config;
    this.offeringEarlyData =
      this.psk !== undefined &&
      c.earlyData !== undefined &&
      c.earlyData.length > 0 &&
      c.earlyData.length <= this.psk.session.maxEarlyData &&
      c.cipherSuites.includes(this.psk.session.cipherSuite);
    this.hello = this.makeClientHello(provider.randomBytes(32), sessionId, undefined);
    this.io.setClientRandom(this.hello.random);
    this.io.info.servername = this.config.servername;
    const hello = this.helloWithBinders(this.hello);
    this.io.send(hello);
    this.io.acceptChangeCipherSpec(true);
    if (this.offeringEarlyData) this.sendEarlyData(hello);
    this.io.flush();
  }

  /** The session, when it may be offered: unexpired, same server name, a hash we still offer. */
  private pskToOffer(): OfferedPsk | undefined {
    const s = this.config.session;
    if (!s || !sessionUsable(s) || (s.servername ?? undefined) !== this.config.servername) return undefined;
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
  private helloWithBinders(ch: ClientHello): HandshakeMessage {
    const msg = this.io.hook(serializeClientHello(ch));
    if (!this.psk) return msg;
    const { hash, early } = this.psk;
    const truncated = msg.raw.subarray(0, msg.raw.length - bindersListLength([hash.outputLength]));
    const th = this.retried ? this.io.transcript.digestWith(hash, truncated) : hash.digest(truncated);
    const binder = finishedVerifyData(hash, early.binderKey(false), th);
    msg.raw.set(binder, msg.raw.length - hash.outputLength);
    return msg;
  }

  /** 0-RTT: [CCS] then the early data under client_early_traffic_secret, in the ClientHello's flight. */
  private sendEarlyData(hello: HandshakeMessage): void {
    const { session, hash, early } = this.psk!;
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
    this.io.sendEarlyData(this.config.earlyData!);
    this.io.info.earlyDataAccepted = false; // until EncryptedExtensions says otherwise
  }

  handle(msg: HandshakeMessage): void {
    switch (this.state) {
      case "wait_server_hello":
        this.onServerHello(this.expect(msg, HandshakeType.server_hello));
        return;
      case "wait_encrypted_extensions":
        this.onEncryptedExtensions(this.expect(msg, HandshakeType.encrypted_extensions));
        return;
      case "wait_certificate_or_request":
        if (msg.type === HandshakeType.certificate_request) {
          this.onCertificateRequest(msg);
          return;
        }
        this.onCertificateMessage(msg);
        return;
      case "wait_certificate":
        this.onCertificateMessage(msg);
        return;
      case "wait_certificate_verify":
        this.onCertificateVerify(this.expect(msg, HandshakeType.certificate_verify));
        return;
      case "wait_finished":
        this.onServerFinished(this.expect(msg, HandshakeType.finished));
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
  private makeClientHello(random: Bytes, sessionId: Bytes, cookie: Bytes | undefined): ClientHello {
    const c = this.config;
    const exts: Extension[] = [];
    const add = (type: number, write: (w: Writer) => void) => {
      const w = new Writer(64);
      write(w);
      exts.push({ type, data: w.finish() });
      this.offeredExtensions.add(type);
    };
    if (c.servername) add(ExtensionType.server_name, (w) => encodeServerName(c.servername!, w));
    add(ExtensionType.supported_groups, (w) =>
      encodeU16List(
        c.groups.map((g) => NamedGroup[g]),
        w,
      ),
    );
    add(ExtensionType.signature_algorithms, (w) =>
      encodeU16List(
        c.advertisedSignatureSchemes.map((s) => SignatureScheme[s]),
        w,
      ),
    );
    if (c.alpn.length)
      add(ExtensionType.application_layer_protocol_negotiation, (w) => encodeAlpn(c.alpn, w));
    if (c.recordSizeLimit !== undefined)
      add(ExtensionType.record_size_limit, (w) => encodeRecordSizeLimit(c.recordSizeLimit!, w));
    if (c.certificateCompression.length)
      add(ExtensionType.compress_certificate, (w) =>
        w.bytes(encodeCompressCertificateExtension(c.certificateCompression)),
      );
    add(ExtensionType.supported_versions, (w) => encodeSupportedVersionsClient([ProtocolVersion.TLS13], w));
    if (cookie) add(ExtensionType.cookie, (w) => encodeCookie(cookie, w));
    add(ExtensionType.key_share, (w) =>
      encodeKeyShareClient(
        [...this.keyShares].map(([g, kp]) => ({ group: NamedGroup[g], keyExchange: kp.publicKey })),
        w,
      ),
    );
    if (this.psk) {
      const { session, hash } = this.psk;
      add(ExtensionType.psk_key_exchange_modes, (w) =>
        encodePskModes(
          c.pskModes.map((m) => PskKeyExchangeMode[m]),
          w,
        ),
      );
      // RFC 8446 §4.2.10: never in a ClientHello after HelloRetryRequest.
      if (this.offeringEarlyData && !cookie && !this.retried) add(ExtensionType.early_data, () => {});
      // pre_shared_key goes last (§4.2.11); the binder is a placeholder filled by helloWithBinders.
      const age = (Date.now() - session.receivedAt + session.ticketAgeAdd) >>> 0;
      add(ExtensionType.pre_shared_key, (w) =>
        encodePreSharedKeyClient(
          [{ identity: session.ticket, obfuscatedTicketAge: age }],
          [new Uint8Array(hash.outputLength)],
          w,
        ),
      );
    }
    return {
      legacyVersion: ProtocolVersion.TLS12,
      random,
      legacySessionId: sessionId,
      cipherSuites: c.cipherSuites.map((s) => CipherSuite[s]),
      legacyCompressionMethods: Uint8Array.of(0),
      extensions: exts,
    };
  }

  // ---- ServerHello / HelloRetryRequest ------------------------------------------------------------

  private onServerHello(msg: HandshakeMessage): void {
    const sh = parseServerHello(msg.body);
    this.checkVersion(sh);
    if (!equalBytes(sh.legacySessionIdEcho, this.hello.legacySessionId))
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
      this.onHelloRetryRequest(sh, msg, suiteName);
      return;
    }

    if (this.retrySuite !== undefined && sh.cipherSuite !== this.retrySuite)
      throw alert(
        AlertDescription.illegal_parameter,
        "ServerHello: cipher suite differs from HelloRetryRequest's",
      );
    for (const e of sh.extensions) {
      if (
        e.type !== ExtensionType.supported_versions &&
        e.type !== ExtensionType.key_share &&
        !(e.type === ExtensionType.pre_shared_key && this.psk)
      )
        throw this.unexpectedExtension(e.type, "ServerHello");
    }
    const pskData = findExtension(sh.extensions, ExtensionType.pre_shared_key);
    if (pskData) this.acceptPsk(decodePreSharedKeyServer(pskData), suiteName);
    const shareData = findExtension(sh.extensions, ExtensionType.key_share);
    if (!shareData && this.resumed && this.config.pskModes.includes("psk_ke")) {
      this.onServerHelloKeys(msg, suiteName, new Uint8Array(this.suiteHash(suiteName).outputLength));
      return;
    }
    if (!shareData) throw alert(AlertDescription.missing_extension, "ServerHello: no key_share");
    const share = decodeKeyShareServer(shareData);
    const groupName = nameOf(NamedGroup, share.group) as GroupName | undefined;
    const keyPair = groupName && this.keyShares.get(groupName);
    if (!groupName || !keyPair)
      throw alert(
        AlertDescription.illegal_parameter,
        `ServerHello: key share for group 0x${share.group.toString(16)} we did not send`,
      );
    if (this.retryGroup !== undefined && groupName !== this.retryGroup)
      throw alert(
        AlertDescription.illegal_parameter,
        `ServerHello: ${groupName} after HelloRetryRequest asked for ${this.retryGroup}`,
      );
    const group = this.config.provider.groups[groupName]!;
    if (share.keyExchange.length !== group.ciphertextLength)
      throw alert(
        AlertDescription.illegal_parameter,
        `ServerHello: ${groupName} share of ${share.keyExchange.length} bytes`,
      );
    const sharedSecret = group.decapsulate(share.keyExchange, keyPair.privateKey);
    this.io.info.group = groupName;
    this.onServerHelloKeys(msg, suiteName, sharedSecret);
  }

  private suiteHash(name: CipherSuiteName): Hash {
    return this.config.provider.suites[name]!.hash;
  }

  /** RFC 8446 §4.2.11: the server picked our PSK (we offer one identity). */
  private acceptPsk(selected: number, suiteName: CipherSuiteName): void {
    if (selected !== 0)
      throw alert(
        AlertDescription.illegal_parameter,
        `ServerHello: selected PSK identity ${selected} not offered`,
      );
    if (this.suiteHash(suiteName).name !== this.psk!.hash.name)
      throw alert(
        AlertDescription.illegal_parameter,
        "ServerHello: cipher suite hash differs from the PSK's",
      );
    this.resumed = true;
    this.io.info.resumed = true;
    this.io.info.authorized = true; // authenticated by the connection that issued the ticket
  }

  /** ServerHello accepted: handshake keys from the (PSK or zero) early secret and the shared secret. */
  private onServerHelloKeys(msg: HandshakeMessage, suiteName: CipherSuiteName, sharedSecret: Bytes): void {
    this.useSuite(suiteName);
    if (this.resumed) this.io.info.pskMode = this.io.info.group ? "psk_dhe_ke" : "psk_ke";
    this.io.transcript.add(msg.raw);
    const th = this.io.transcript.digest();
    this.handshakeSecret = (
      this.resumed ? this.psk!.early : new EarlySecret(this.suite.hash)
    ).handshakeSecret(sharedSecret);
    this.clientHandshakeSecret = this.handshakeSecret.clientTrafficSecret(th);
    this.serverHandshakeSecret = this.handshakeSecret.serverTrafficSecret(th);
    this.io.keylog("CLIENT_HANDSHAKE_TRAFFIC_SECRET", this.clientHandshakeSecret);
    this.io.keylog("SERVER_HANDSHAKE_TRAFFIC_SECRET", this.serverHandshakeSecret);
    this.io.setReadSecret(this.serverHandshakeSecret, "handshake");
    // Our own records (alerts included) are protected from here on; a compatibility CCS stays plaintext.
    // With 0-RTT under way the early key stays until EncryptedExtensions says whether it was accepted.
    if (!(this.offeringEarlyData && this.resumed))
      this.io.setWriteSecret(this.clientHandshakeSecret, "handshake");
    this.keyShares.clear(); // private keys are no longer needed
    this.state = "wait_encrypted_extensions";
  }

  /** RFC 8446 §4.1.3 / §4.2.1: only TLS 1.3, and a TLS 1.2 answer must not carry a downgrade sentinel. */
  private checkVersion(sh: ServerHello): void {
    const sv = findExtension(sh.extensions, ExtensionType.supported_versions);
    if (!sv) {
      const tail = sh.random.subarray(24);
      if (equalBytes(tail, DOWNGRADE_TLS12) || equalBytes(tail, DOWNGRADE_TLS11))
        throw alert(AlertDescription.illegal_parameter, "ServerHello: downgrade sentinel in random");
      throw alert(
        AlertDescription.protocol_version,
        `server chose legacy version 0x${sh.legacyVersion.toString(16)}; only TLS 1.3 is supported`,
      );
    }
    const version = decodeSupportedVersionsServer(sv);
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

  private onHelloRetryRequest(hrr: ServerHello, msg: HandshakeMessage, suiteName: CipherSuiteName): void {
    if (this.retried) throw alert(AlertDescription.unexpected_message, "second HelloRetryRequest");
    this.retried = true;
    this.io.info.helloRetryRequest = true;
    let cookie: Bytes | undefined;
    let selected: GroupName | undefined;
    for (const e of hrr.extensions) {
      if (e.type === ExtensionType.cookie) cookie = decodeCookie(e.data);
      else if (e.type === ExtensionType.key_share) {
        const code = decodeKeyShareHrr(e.data);
        selected = nameOf(NamedGroup, code) as GroupName | undefined;
        if (!selected || !this.config.groups.includes(selected))
          throw alert(
            AlertDescription.illegal_parameter,
            `HelloRetryRequest: group 0x${code.toString(16)} not offered`,
          );
        if (this.keyShares.has(selected))
          throw alert(
            AlertDescription.illegal_parameter,
            `HelloRetryRequest: asks for ${selected}, which already has a share`,
          );
      } else if (e.type !== ExtensionType.supported_versions)
        throw this.unexpectedExtension(e.type, "HelloRetryRequest");
    }
    // RFC 8446 §4.1.4: an HRR that would not change the ClientHello is illegal.
    if (!cookie && !selected)
      throw alert(AlertDescription.illegal_parameter, "HelloRetryRequest changes nothing");

    this.useSuite(suiteName);
    this.retrySuite = hrr.cipherSuite;
    // A HelloRetryRequest rejects 0-RTT (RFC 8446 §4.2.10); the PSK stays if its hash still fits.
    if (this.offeringEarlyData) {
      this.offeringEarlyData = false;
      this.io.dropEarlyWriteKey();
    }
    if (this.psk && this.psk.hash.name !== this.suite.hash.name) this.psk = undefined;
    this.retryGroup = selected;
    // Transcript: message_hash(ClientHello1) ‖ HelloRetryRequest (RFC 8446 §4.4.1).
    this.io.transcript.replaceWithMessageHash();
    this.io.transcript.add(msg.raw);

    if (selected) {
      this.keyShares = generateKeyShares(this.config.provider, [selected]);
    }
    this.hello = this.makeClientHello(this.hello.random, this.hello.legacySessionId, cookie);
    // Middlebox compatibility: the CCS goes right before the second flight (RFC 8446 §D.4).
    if (this.config.middleboxCompat && !this.sentEarlyCcs) this.io.sendChangeCipherSpec();
    this.sentEarlyCcs = true;
    this.io.send(this.helloWithBinders(this.hello));
    this.io.flush();
  }

  private useSuite(name: CipherSuiteName): void {
    const s = this.config.provider.suites[name]!;
    this.suite = { name, code: CipherSuite[name], aead: s.aead, hash: s.hash };
    this.io.setSuite(this.suite);
    this.io.transcript.useHash(s.hash);
  }

  private unexpectedExtension(type: number, where: string): TlsAlert {
    // RFC 8446 §4.2: not offered → unsupported_extension; offered but not allowed here → illegal_parameter.
    if (!this.offeredExtensions.has(type))
      return alert(AlertDescription.unsupported_extension, `${where}: extension ${type} was not offered`);
    return alert(AlertDescription.illegal_parameter, `${where}: extension ${type} is not allowed here`);
  }

  // ---- EncryptedExtensions ------------------------------------------------------------------------

  private onEncryptedExtensions(msg: HandshakeMessage): void {
    const exts = parseEncryptedExtensions(msg.body);
    for (const e of exts) {
      if (!EE_ALLOWED.has(e.type)) {
        if (KNOWN_EXTENSIONS.has(e.type) || this.offeredExtensions.has(e.type))
          throw alert(
            AlertDescription.illegal_parameter,
            `EncryptedExtensions: extension ${e.type} not allowed there`,
          );
        throw alert(
          AlertDescription.unsupported_extension,
          `EncryptedExtensions: extension ${e.type} was not offered`,
        );
      }
      if (!this.offeredExtensions.has(e.type))
        throw alert(
          AlertDescription.unsupported_extension,
          `EncryptedExtensions: extension ${e.type} was not offered`,
        );
      switch (e.type) {
        case ExtensionType.server_name:
          expectEmpty(e.data, "server_name");
          break;
        case ExtensionType.early_data:
          expectEmpty(e.data, "early_data");
          // §4.2.10: accepting early data means accepting the first PSK; we offered it after no HRR.
          if (!this.resumed || !this.offeringEarlyData)
            throw alert(
              AlertDescription.illegal_parameter,
              "EncryptedExtensions: early_data without our PSK",
            );
          this.io.info.earlyDataAccepted = true;
          break;
        case ExtensionType.application_layer_protocol_negotiation: {
          const list = decodeAlpn(e.data);
          if (list.length !== 1 || !this.config.alpn.includes(list[0]))
            throw alert(
              AlertDescription.illegal_parameter,
              "ALPN: server selected a protocol we did not offer",
            );
          this.io.info.alpnProtocol = list[0];
          break;
        }
        case ExtensionType.supported_groups:
          decodeU16List(e.data, "supported_groups"); // the server's preferences: informational
          break;
        case ExtensionType.record_size_limit: {
          const limit = decodeRecordSizeLimit(e.data);
          this.io.setPeerRecordSizeLimit(limit);
          if (this.config.recordSizeLimit !== undefined)
            this.io.setOwnRecordSizeLimit(this.config.recordSizeLimit);
          break;
        }
      }
    }
    this.io.transcript.add(msg.raw);
    if (this.offeringEarlyData && this.resumed && !this.io.info.earlyDataAccepted)
      this.io.setWriteSecret(this.clientHandshakeSecret, "handshake"); // rejected: no EndOfEarlyData
    // A resumed handshake authenticates with the PSK: no Certificate/CertificateVerify (§2.2).
    this.state = this.resumed ? "wait_finished" : "wait_certificate_or_request";
  }

  // ---- server authentication ---------------------------------------------------------------------

  private onCertificateRequest(msg: HandshakeMessage): void {
    const req = parseCertificateRequest(msg.body);
    this.certificateRequestContext = req.requestContext;
    this.io.transcript.add(msg.raw);
    this.state = "wait_certificate";
  }

  /** Certificate, or (RFC 8879) CompressedCertificate standing for one; anything else is unexpected. */
  private onCertificateMessage(msg: HandshakeMessage): void {
    if (msg.type !== HandshakeType.compressed_certificate) {
      this.onCertificate(this.expect(msg, HandshakeType.certificate), msg.body);
      return;
    }
    const { certificateBody, info } = receiveCompressedCertificate(
      msg,
      this.config.certificateCompression,
      this.config.maxCertificateBytes,
    );
    this.io.info.certificateCompression = info;
    this.onCertificate(msg, certificateBody);
  }

  /** `body` is the Certificate message body; `msg` is what arrived, and goes into the transcript as is. */
  private onCertificate(msg: HandshakeMessage, body: Bytes): void {
    const cert = parseCertificateMessage(body);
    if (cert.requestContext.length !== 0)
      throw alert(AlertDescription.illegal_parameter, "server Certificate with a non-empty request context");
    if (cert.entries.length === 0)
      throw alert(AlertDescription.decode_error, "server sent an empty Certificate");
    for (const entry of cert.entries)
      for (const e of entry.extensions) throw this.unexpectedExtension(e.type, "CertificateEntry");
    const verdict = checkServerChain(
      cert.entries.map((e) => e.certData),
      {
        trustAnchors: this.config.trustAnchors,
        hostname: this.config.verifyName,
        provider: this.config.provider,
        rejectUnauthorized: this.config.rejectUnauthorized,
      },
    );
    this.io.info.peerCertificates = verdict.chain;
    this.io.info.authorized = verdict.authorized;
    this.io.info.authorizationError = verdict.error?.message;
    this.leafKey = verdict.chain[0].publicKey;
    this.io.transcript.add(msg.raw);
    this.state = "wait_certificate_verify";
  }

  private onCertificateVerify(msg: HandshakeMessage): void {
    const cv = parseCertificateVerify(msg.body);
    const name = nameOf(SignatureScheme, cv.algorithm) as SignatureSchemeName | undefined;
    if (!name || !this.config.signatureSchemes.includes(name))
      throw alert(
        AlertDescription.illegal_parameter,
        `CertificateVerify: scheme 0x${cv.algorithm.toString(16)} not offered`,
      );
    const scheme = this.config.provider.signatures[name]!;
    const key = this.leafKey!;
    if (!scheme.keyAlgorithms.includes(key.algorithm))
      throw alert(
        AlertDescription.illegal_parameter,
        `CertificateVerify: ${name} does not match the ${key.algorithm} certificate key`,
      );
    const signed = certificateVerifyInput("server", this.io.transcript.digest());
    if (!scheme.verify(key, signed, cv.signature))
      throw alert(AlertDescription.decrypt_error, "CertificateVerify: signature does not verify");
    this.io.info.signatureScheme = name;
    this.io.transcript.add(msg.raw);
    this.state = "wait_finished";
  }

  // ---- Finished ------------------------------------------------------------------------------------

  private onServerFinished(msg: HandshakeMessage): void {
    const hash = this.suite.hash;
    const verifyData = parseFinished(msg.body, hash.outputLength);
    const expected = finishedVerifyData(hash, this.serverHandshakeSecret, this.io.transcript.digest());
    if (!equalBytes(verifyData, expected))
      throw alert(AlertDescription.decrypt_error, "server Finished does not verify");
    this.io.transcript.add(msg.raw);
    this.io.acceptChangeCipherSpec(false);

    const thServerFinished = this.io.transcript.digest();
    const master = this.handshakeSecret.masterSecret();
    const clientApp = master.clientTrafficSecret(thServerFinished);
    const serverApp = master.serverTrafficSecret(thServerFinished);
    const exporter = master.exporterSecret(thServerFinished);
    this.io.keylog("CLIENT_TRAFFIC_SECRET_0", clientApp);
    this.io.keylog("SERVER_TRAFFIC_SECRET_0", serverApp);
    this.io.keylog("EXPORTER_SECRET", exporter);
    this.io.info.exporterMasterSecret = exporter;
    this.io.setReadSecret(serverApp, "application");

    // Second flight: [EndOfEarlyData] [CCS] [Certificate] Finished.
    if (this.io.info.earlyDataAccepted) {
      this.io.send(serializeEndOfEarlyData());
      this.io.setWriteSecret(this.clientHandshakeSecret, "handshake");
    }
    if (this.config.middleboxCompat && !this.retried && !this.sentEarlyCcs) this.io.sendChangeCipherSpec();
    if (this.certificateRequestContext !== undefined) {
      // We have no client certificate: an empty Certificate, as RFC 8446 §4.4.2 allows.
      this.io.send(serializeCertificate({ requestContext: this.certificateRequestContext, entries: [] }));
    }
    this.io.send(this.makeFinished());
    this.io.info.resumptionMasterSecret = master.resumptionSecret(this.io.transcript.digest());
    this.io.setWriteSecret(clientApp, "application");
    this.io.flush();
    this.state = "done";
    this.io.complete();
  }

  private makeFinished(): HandshakeMessage {
    const hash = this.suite.hash;
    return serializeFinished(
      finishedVerifyData(hash, this.clientHandshakeSecret, this.io.transcript.digest()),
    );
  }
}
