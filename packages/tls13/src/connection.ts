// A TLS connection without I/O: bytes in (feed), records out (handlers.write), application data
// out (handlers.appData). Binds the record layer to a role's handshake state machine, handles
// alerts, ChangeCipherSpec compatibility records, post-handshake messages (NewSessionTicket,
// KeyUpdate) and close_notify. Everything is synchronous: one feed() runs a whole flight.
//
// Every failure leaves as a TlsAlert through handlers.failed(): our own alert is sent first
// (protected when keys exist), and the connection accepts nothing afterwards.

import type { Bytes, CryptoProvider, Hash } from "./crypto/provider.js";
import { TlsAlert } from "./errors.js";
import type { HandshakeInfo, HandshakeIO, NegotiatedSuite, RoleHandshake } from "./handshake/io.js";
import { nextTrafficSecret, trafficKeys } from "./handshake/key_schedule.js";
import { defaultRecordsPerKey, ReceivedKeyUpdates } from "./handshake/key_updates.js";
import type { PostHandshakeAuth, PostHandshakeIO } from "./handshake/post_handshake_auth.js";
import { DEFAULT_MAX_CERTIFICATE_BYTES, HandshakeReassembler } from "./handshake/reassembly.js";
import { Transcript } from "./handshake/transcript.js";
import type { HandshakeHooks, HookContext } from "./hooks.js";
import type { KeylogLabel, KeylogWriter } from "./keylog.js";
import { RecordCipher } from "./record/cipher.js";
import type { PaddingPolicy } from "./record/padding.js";
import { type ChunkOwnership, RecordReader } from "./record/reader.js";
import { RecordWriter } from "./record/writer.js";
import { concatBytes } from "./wire/bytes.js";
import { AlertDescription, AlertLevel, alertName, ContentType, HandshakeType } from "./wire/codepoints.js";
import { frameHandshake, type HandshakeMessage, handshakeName } from "./wire/handshake.js";
import { parseKeyUpdate, serializeKeyUpdate } from "./wire/key_update.js";
import { type NewSessionTicket, parseNewSessionTicket } from "./wire/new_session_ticket.js";

export interface ConnectionHandlers {
  /**
   * Bytes for the transport, in order; a flight arrives as one call. A transport that no longer needs
   * them once written may pass `mark` to Connection.recordsWritten() then (see recycleRecordMemory).
   */
  write(chunks: Bytes[], mark: number): void;
  appData(data: Bytes): void;
  /** A secret was derived (for node:tls's 'keylog' event; the key log option has its own writer). */
  keylog?(label: KeylogLabel, clientRandom: Bytes, secret: Bytes): void;
  handshakeComplete(): void;
  /** The peer sent close_notify: no more data will arrive. */
  peerClosed(): void;
  /** Fatal: we sent (remote=false) or received (remote=true) this alert. */
  failed(err: TlsAlert): void;
  /** Client: a NewSessionTicket arrived (after the handshake). */
  sessionTicket?(ticket: NewSessionTicket): void;
}

export interface MessageTiming {
  direction: "sent" | "received";
  type: string;
  /** Framed message length (4-byte header included). */
  length: number;
  /** ms since timings.origin. */
  at: number;
}

/** High-resolution timestamps (process.hrtime.bigint), in ms relative to `origin`. */
export interface TlsTimings {
  /** process.hrtime.bigint() when the socket was created (before the transport connected). */
  origin: bigint;
  /** Client: when the TCP connection was established (when connect() opened it). */
  transportConnected?: number;
  messages: MessageTiming[];
  handshakeComplete?: number;
  firstAppDataReceived?: number;
  lastAppDataReceived?: number;
}

export interface ConnectionConfig {
  role: "client" | "server";
  provider: CryptoProvider;
  padding?: PaddingPolicy;
  keylog?: KeylogWriter;
  origin?: bigint;
  hooks?: HandshakeHooks;
  /** Cap on a received Certificate body (default DEFAULT_MAX_CERTIFICATE_BYTES); see reassembly.ts. */
  maxCertificateBytes?: number;
  /** Records sealed under one write key before we send a KeyUpdate (default: by AEAD, key_updates.ts). */
  maxRecordsPerKey?: number;
}

/**
 * ChangeCipherSpec and empty application_data records accepted in a row: records that move nothing
 * forward (BoringSSL's and rustls's limit, with the same alert).
 */
const MAX_EMPTY_RECORDS = 32;

type KeyPhase = "handshake" | "application" | "early";
type Phase = "handshake" | "open" | "closed";

export class Connection implements HandshakeIO, PostHandshakeIO {
  readonly provider: CryptoProvider;
  readonly role: "client" | "server";
  readonly transcript = new Transcript();
  readonly info: HandshakeInfo = { helloRetryRequest: false, peerCertificates: [], sessionTickets: 0 };
  readonly timings: TlsTimings;
  /** Bytes on the wire of records carrying handshake messages or ChangeCipherSpec, headers included. */
  readonly handshakeBytes = { sent: 0, received: 0 };

  private readonly reader = new RecordReader();
  private readonly writer: RecordWriter;
  private readonly keylogWriter?: KeylogWriter;
  private handshake!: RoleHandshake;
  private phase: Phase = "handshake";
  private suite?: NegotiatedSuite;
  /** The latest Finished verify_data each way (node:tls's getFinished / getPeerFinished). */
  readonly finished: { sent?: Bytes; received?: Bytes } = {};
  /** The negotiated suite's hash, once a suite is chosen (exporters need it). */
  get suiteHash(): Hash | undefined {
    return this.suite?.hash;
  }
  private readSecret?: Bytes;
  private writeSecret?: Bytes;
  private readPhase: "plaintext" | KeyPhase = "plaintext";
  private writePhase: "plaintext" | KeyPhase = "plaintext";
  private readonly hooks?: HandshakeHooks;
  private readonly hookContext: HookContext;
  /** Messages the send hook already saw (the client hooks its ClientHello before computing binders). */
  private readonly hooked = new WeakSet<HandshakeMessage>();
  private clientRandom?: Bytes;
  private readonly reassembler: HandshakeReassembler;
  private readonly keyUpdates = new ReceivedKeyUpdates();
  private readonly maxRecordsPerKeyOverride?: number;
  /** Records one write key may seal (set with the suite). */
  private recordsPerKey = Number.POSITIVE_INFINITY;
  /** Post-handshake client authentication, when both sides agreed to it (post_handshake_auth.ts). */
  private pha?: PostHandshakeAuth;
  /** Handshake messages of the current flight not yet in a record (coalesced per key epoch). */
  private hsOut: Bytes[] = [];
  private ccsOk = false;
  private emptyRecords = 0;
  /** Bytes of 0-RTT data the server accepts (limitEarlyData); none until then. */
  private earlyDataLimit = 0;
  private readClosed = false;
  private writeClosed = false;
  private handshakeDone = false;
  private feeding = false;
  /**
   * The handshake waits for the application (a server's SNICallback choosing its certificate):
   * records that arrive meanwhile stay in the reader, at most this many bytes.
   */
  private suspendedInputLimit?: number;

  constructor(
    config: ConnectionConfig,
    private readonly handlers: ConnectionHandlers,
  ) {
    this.role = config.role;
    this.provider = config.provider;
    this.writer = new RecordWriter(config.padding);
    // RFC 8446 §5.1: the initial ClientHello's record may say 0x0301, as deployed clients do.
    if (config.role === "client") this.writer.plaintextVersion = 0x0301;
    this.keylogWriter = config.keylog;
    this.timings = { origin: config.origin ?? process.hrtime.bigint(), messages: [] };
    this.hooks = config.hooks;
    this.hookContext = { role: config.role, state: {} };
    this.reassembler = new HandshakeReassembler({
      maxCertificateBytes: config.maxCertificateBytes ?? DEFAULT_MAX_CERTIFICATE_BYTES,
    });
    this.maxRecordsPerKeyOverride = config.maxRecordsPerKey;
  }

  /** Attaches the role's state machine and sends the first flight (client) or waits (server). */
  begin(handshake: RoleHandshake): void {
    this.handshake = handshake;
    this.guard(() => handshake.start());
  }

  get isOpen(): boolean {
    return this.phase === "open";
  }
  get isClosed(): boolean {
    return this.phase === "closed";
  }
  get readable(): boolean {
    return !this.readClosed && this.phase !== "closed";
  }

  now(): number {
    return Number(process.hrtime.bigint() - this.timings.origin) / 1e6;
  }

  // ---- input ------------------------------------------------------------------------------------

  /**
   * Takes transport bytes and runs every complete record. `ownership` says who else may touch the
   * chunk's memory (RecordReader's ChunkOwnership): "owned" lets records be opened in place,
   * "reused" (net's `onread`) has whatever is still needed copied before this returns.
   */
  feed(chunk: Bytes, ownership: ChunkOwnership = "shared"): void {
    if (this.phase === "closed" || this.readClosed) return;
    this.reader.push(chunk, ownership);
    if (this.feeding) return; // a handler re-entered; the outer loop drains the rest
    this.feeding = true;
    try {
      this.guard(() => {
        this.readRecords();
        this.answerKeyUpdate();
      });
    } finally {
      this.feeding = false;
      this.reader.retainReused();
    }
  }

  private readRecords(): void {
    for (;;) {
      if (this.phase === "closed" || this.readClosed) return;
      if (this.suspendedInputLimit !== undefined) {
        if (this.reader.pendingBytes > this.suspendedInputLimit)
          throw new TlsAlert(
            AlertDescription.unexpected_message,
            `${this.reader.pendingBytes} bytes arrived while the handshake waited for the application (limit ${this.suspendedInputLimit})`,
          );
        return;
      }
      const record = this.reader.next();
      if (!record) return;
      this.onRecord(record.type, record.data, record.wireLength);
    }
  }

  /**
   * Pauses the handshake after the message being handled until the returned function is called
   * with the step that continues it (run as any step: its TlsAlert becomes our alert). Input that
   * arrives meanwhile is kept, up to `inputLimit` bytes (more is unexpected_message), and read once
   * the step has run; handshake bytes after the message in the same record are unexpected_message.
   */
  suspend(inputLimit: number): (step: () => void) => void {
    this.suspendedInputLimit = inputLimit;
    let resumed = false;
    const resume = (step: () => void): void => {
      if (resumed || this.phase === "closed") return;
      // Called from inside a step (an application callback answering at once): after it returns.
      if (this.feeding) {
        queueMicrotask(() => resume(step));
        return;
      }
      resumed = true;
      this.suspendedInputLimit = undefined;
      this.feeding = true;
      try {
        this.guard(() => {
          step();
          this.readRecords();
          this.answerKeyUpdate();
        });
      } finally {
        this.feeding = false;
        this.reader.retainReused();
      }
    };
    return resume;
  }

  private onRecord(type: number, data: Bytes, wireLength: number): void {
    if (this.reassembler.partial && type !== ContentType.handshake)
      throw new TlsAlert(
        AlertDescription.unexpected_message,
        "record of another type inside a fragmented handshake message",
      );
    if (type === ContentType.change_cipher_spec || (type === ContentType.application_data && !data.length)) {
      if (++this.emptyRecords > MAX_EMPTY_RECORDS)
        throw new TlsAlert(
          AlertDescription.unexpected_message,
          `more than ${MAX_EMPTY_RECORDS} records in a row without content`,
        );
    } else this.emptyRecords = 0;
    switch (type) {
      case ContentType.handshake:
        this.handshakeBytes.received += wireLength;
        this.onHandshakeData(data);
        return;
      case ContentType.change_cipher_spec:
        // RFC 8446 §5: a single 0x01 byte, between the first ClientHello and the peer's Finished.
        if (!this.ccsOk || data.length !== 1 || data[0] !== 1)
          throw new TlsAlert(AlertDescription.unexpected_message, "unexpected change_cipher_spec record");
        this.handshakeBytes.received += wireLength;
        return;
      case ContentType.alert:
        this.onAlert(data);
        return;
      case ContentType.application_data:
        if (this.readPhase !== "application" && this.readPhase !== "early")
          throw new TlsAlert(
            AlertDescription.unexpected_message,
            "application data before the handshake completed",
          );
        if (data.length === 0) return;
        this.keyUpdates.applicationData();
        this.pha?.applicationData();
        {
          const t = this.now();
          this.timings.firstAppDataReceived ??= t;
          this.timings.lastAppDataReceived = t;
        }
        if (this.readPhase === "early") this.countEarlyData(data.length);
        this.handlers.appData(data);
        return;
    }
  }

  /** RFC 8446 §4.2.10: more 0-RTT data than the ticket's max_early_data_size is unexpected_message. */
  private countEarlyData(length: number): void {
    const received = (this.info.earlyDataReceived ?? 0) + length;
    if (received > this.earlyDataLimit)
      throw new TlsAlert(
        AlertDescription.unexpected_message,
        `0-RTT data exceeds the ticket's max_early_data_size of ${this.earlyDataLimit} bytes`,
      );
    this.info.earlyDataReceived = received;
  }

  private onAlert(data: Bytes): void {
    if (data.length !== 2)
      throw new TlsAlert(AlertDescription.decode_error, `alert record of ${data.length} bytes`);
    const [level, description] = data;
    if (description === AlertDescription.close_notify) {
      if (this.phase === "handshake") {
        // The handshake cannot finish: report it like any other alert from the peer.
        this.phase = "closed";
        this.handlers.failed(
          new TlsAlert(AlertDescription.close_notify, "peer closed during the handshake", { remote: true }),
        );
        return;
      }
      this.readClosed = true;
      this.handlers.peerClosed();
      if (this.writeClosed) this.phase = "closed";
      return;
    }
    // user_canceled is the one non-closure alert that is not fatal (RFC 8446 §6.1).
    if (description === AlertDescription.user_canceled && level === AlertLevel.warning) return;
    const err = new TlsAlert(description as AlertDescription, `peer sent ${alertName(description)}`, {
      remote: true,
    });
    this.phase = "closed";
    this.handlers.failed(err);
  }

  private onHandshakeData(data: Bytes): void {
    this.reassembler.push(data);
    for (let raw = this.reassembler.next(); raw; raw = this.reassembler.next()) {
      const msg: HandshakeMessage = { type: raw[0], body: raw.subarray(4), raw };
      if (this.hooks?.onReceive) {
        const body = this.hooks.onReceive(
          { type: handshakeName(msg.type), typeCode: msg.type, body: msg.body, direction: "received" },
          this.hookContext,
        );
        // The state machine parses the new body; the transcript keeps hashing what arrived (raw).
        if (body) msg.body = body;
      }
      this.timings.messages.push({
        direction: "received",
        type: handshakeName(msg.type),
        length: raw.length,
        at: this.now(),
      });
      const readEpoch = this.readSecret;
      if (msg.type === HandshakeType.finished) this.finished.received = msg.body;
      if (this.phase === "handshake") this.handshake.handle(msg);
      else this.onPostHandshake(msg);
      if (this.phase === "closed") return;
      if (this.suspendedInputLimit !== undefined) {
        if (this.reassembler.remainingInRecord > 0)
          throw new TlsAlert(
            AlertDescription.unexpected_message,
            `data after ${handshakeName(msg.type)} in its record while the handshake waits`,
          );
        break;
      }
      // RFC 8446 §5.1: a key change must fall on a record boundary.
      if (this.readSecret !== readEpoch && this.reassembler.remainingInRecord > 0)
        throw new TlsAlert(
          AlertDescription.unexpected_message,
          `data after ${handshakeName(msg.type)} in the same record as a key change`,
        );
    }
  }

  private onPostHandshake(msg: HandshakeMessage): void {
    switch (msg.type) {
      case HandshakeType.new_session_ticket:
        if (this.role !== "client")
          throw new TlsAlert(AlertDescription.unexpected_message, "NewSessionTicket sent by a client");
        {
          const ticket = parseNewSessionTicket(msg.body);
          this.info.sessionTickets++;
          this.handlers.sessionTicket?.(ticket);
        }
        return;
      case HandshakeType.key_update: {
        const requested = parseKeyUpdate(msg.body);
        if (!this.readSecret || !this.suite)
          throw new TlsAlert(AlertDescription.internal_error, "no traffic secret");
        this.keyUpdates.received(requested);
        this.setReadSecret(nextTrafficSecret(this.suite.hash, this.readSecret), "application");
        return; // a request is answered once the records at hand are read (answerKeyUpdate)
      }
      default:
        // CertificateRequest (client) or the client's answer (server), when post_handshake_auth is on.
        if (this.pha) {
          this.pha.handle(msg);
          return;
        }
        throw new TlsAlert(
          AlertDescription.unexpected_message,
          `unexpected post-handshake ${handshakeName(msg.type)}`,
        );
    }
  }

  /** Both sides agreed to post-handshake authentication; `create` builds this role's side of it. */
  setPostHandshakeAuth(create: (io: PostHandshakeIO) => PostHandshakeAuth): void {
    this.pha = create(this);
  }

  /** This role's post-handshake authentication, when on (the server's socket asks through it). */
  get postHandshakeAuth(): PostHandshakeAuth | undefined {
    return this.pha;
  }

  clientApplicationSecret(): Bytes {
    const secret = this.role === "client" ? this.writeSecret : this.readSecret;
    if (!secret || !this.handshakeDone)
      throw new TlsAlert(AlertDescription.internal_error, "no client application traffic secret");
    return secret;
  }

  /** Post-handshake messages (already hooked, outside the handshake's transcript): one record, now. */
  sendPostHandshake(msgs: HandshakeMessage[]): void {
    if (!this.canWriteAppData) throw new Error("TLS connection is not open for writing");
    // A KeyUpdate we owe goes after (answerKeyUpdate, at the end of the read): the Finished in
    // `msgs` was computed under the current write secret, and must be sealed under it too.
    const at = this.now();
    for (const m of msgs) {
      if (m.type === HandshakeType.finished) this.finished.sent = m.body;
      this.timings.messages.push({
        direction: "sent",
        type: handshakeName(m.type),
        length: m.raw.length,
        at,
      });
    }
    this.hsOut = msgs.map((m) => m.raw);
    this.sealHandshake();
    this.flush();
  }

  // ---- output -----------------------------------------------------------------------------------

  /** Runs the send hook over a message (once): the message as it will go on the wire. */
  hook(msg: HandshakeMessage): HandshakeMessage {
    if (!this.hooks?.onSend || this.hooked.has(msg)) return msg;
    const body = this.hooks.onSend(
      { type: handshakeName(msg.type), typeCode: msg.type, body: msg.body, direction: "sent" },
      this.hookContext,
    );
    const out = body ? frameHandshake(msg.type, body) : msg;
    this.hooked.add(out);
    return out;
  }

  send(original: HandshakeMessage): void {
    const msg = this.hook(original);
    if (msg.type === HandshakeType.finished) this.finished.sent = msg.body;
    this.transcript.add(msg.raw);
    this.hsOut.push(msg.raw);
    this.timings.messages.push({
      direction: "sent",
      type: handshakeName(msg.type),
      length: msg.raw.length,
      at: this.now(),
    });
  }

  /** Puts pending handshake messages into records under the current write keys. */
  private sealHandshake(): void {
    if (!this.hsOut.length) return;
    const data = this.hsOut.length === 1 ? this.hsOut[0] : concatBytes(...this.hsOut);
    this.hsOut = [];
    const max = this.hooks?.maxHandshakeRecordSize;
    if (max && max > 0 && data.length > max) {
      for (let at = 0; at < data.length; at += max)
        this.handshakeBytes.sent += this.writer.write(ContentType.handshake, data.subarray(at, at + max));
    } else this.handshakeBytes.sent += this.writer.write(ContentType.handshake, data);
  }

  sendChangeCipherSpec(): void {
    this.sealHandshake();
    this.handshakeBytes.sent += this.writer.writeChangeCipherSpec();
  }

  flush(): void {
    this.sealHandshake();
    if (this.writer.pendingBytes === 0) return;
    // The socket writes a batch with one writev (cork/uncork), so no copy is needed here.
    this.handlers.write(this.writer.drain(), this.writer.writtenMark);
    this.writer.plaintextVersion = 0x0303;
  }

  /**
   * The transport copies what it is given before its write callback runs: sealed records may then be
   * built in reused memory, each buffer cut again once recordsWritten() passes it.
   */
  recycleRecordMemory(): void {
    this.writer.recycleRecordMemory();
  }

  /** Everything handed to handlers.write() with this mark or an earlier one has been written. */
  recordsWritten(mark: number): void {
    this.writer.recordsWritten(mark);
  }

  setSuite(suite: NegotiatedSuite): void {
    this.suite = suite;
    this.info.cipherSuite = suite.name;
    this.recordsPerKey = this.maxRecordsPerKeyOverride ?? defaultRecordsPerKey(suite.aead.name);
  }

  private cipherFor(secret: Bytes): RecordCipher {
    if (!this.suite) throw new TlsAlert(AlertDescription.internal_error, "keys before a cipher suite");
    const keys = trafficKeys(this.suite.hash, this.suite.aead, secret);
    return new RecordCipher(this.suite.aead.init(keys.key), keys.iv);
  }

  setReadSecret(secret: Bytes, phase: KeyPhase): void {
    this.reader.setCipher(this.cipherFor(secret));
    this.readSecret = secret;
    this.readPhase = phase;
  }

  setWriteSecret(secret: Bytes, phase: KeyPhase): void {
    this.sealHandshake(); // messages already sent belong to the previous epoch
    this.writer.setCipher(this.cipherFor(secret));
    this.writeSecret = secret;
    this.writePhase = phase;
  }

  setPeerRecordSizeLimit(limit: number): void {
    this.writer.setPeerRecordSizeLimit(limit);
    this.info.peerRecordSizeLimit = limit;
  }
  setOwnRecordSizeLimit(limit: number): void {
    this.reader.setRecordSizeLimit(limit);
  }

  /** 0-RTT: application data under the early traffic key, in the current flight. */
  sendEarlyData(data: Bytes): void {
    if (this.writePhase !== "early") throw new Error("early data needs the early traffic key");
    this.sealHandshake();
    this.writer.write(ContentType.application_data, data);
  }

  /** Client: 0-RTT met a HelloRetryRequest; ClientHello2 goes in plaintext again. */
  dropEarlyWriteKey(): void {
    if (this.writePhase !== "early") return;
    this.sealHandshake();
    this.writer.clearCipher();
    this.writeSecret = undefined;
    this.writePhase = "plaintext";
  }

  /** Server that accepted 0-RTT: the early data the ticket allows (its max_early_data_size). */
  limitEarlyData(maxBytes: number): void {
    this.earlyDataLimit = maxBytes;
  }

  /** Server that rejected 0-RTT: drop records it cannot read, up to `maxBytes` (RFC 8446 §4.2.10). */
  skipEarlyData(maxBytes: number): void {
    this.reader.skipUndecryptable(maxBytes);
  }

  setClientRandom(random: Bytes): void {
    this.clientRandom = random;
  }

  keylog(label: KeylogLabel, secret: Bytes): void {
    if (!this.clientRandom) return;
    this.keylogWriter?.(label, this.clientRandom, secret);
    this.handlers.keylog?.(label, this.clientRandom, secret);
  }

  acceptChangeCipherSpec(yes: boolean): void {
    this.ccsOk = yes;
  }

  complete(): void {
    this.phase = "open";
    this.handshakeDone = true;
    this.timings.handshakeComplete = this.now();
    this.handlers.handshakeComplete();
  }

  get handshakeComplete(): boolean {
    return this.handshakeDone;
  }

  /** Largest application payload that fits one record now. */
  get maxRecordPayload(): number {
    return this.writer.maxFragment;
  }

  /** Encrypts application data and hands it to the transport. */
  /**
   * Application data can go out: after the handshake, and for a server already after its Finished
   * (0.5-RTT data, RFC 8446 §4.4.4: what lets a 0-RTT request be answered one round trip early).
   */
  get canWriteAppData(): boolean {
    return this.phase !== "closed" && this.writePhase === "application" && !this.writeClosed;
  }

  writeAppData(data: Bytes): void {
    if (!this.canWriteAppData) throw new Error("TLS connection is not open for writing");
    if (data.length === 0) return;
    this.answerKeyUpdate();
    // RFC 8446 §5.5: rekey before the key reaches its AEAD's usage limit, keeping one record of the
    // allowance for the KeyUpdate itself.
    for (let at = 0; at < data.length; ) {
      const room = this.recordsPerKey - 1 - this.writer.recordsUnderKey;
      if (room <= 0) {
        this.keyUpdate(false);
        continue;
      }
      const n = Math.min(data.length - at, room * this.writer.maxFragment);
      this.writer.write(ContentType.application_data, data.subarray(at, at + n));
      at += n;
    }
    this.flush();
  }

  /** A peer's update_requested, answered once for all that arrived since our last KeyUpdate. */
  private answerKeyUpdate(): void {
    if (this.keyUpdates.owed && this.phase === "open" && !this.writeClosed) this.keyUpdate(false);
  }

  private keyUpdatesSentCount = 0;
  /** KeyUpdates we sent: asked for, answering the peer, or for the AEAD usage limit. */
  get keyUpdatesSent(): number {
    return this.keyUpdatesSentCount;
  }

  /** Sends KeyUpdate and switches to the next write secret (RFC 8446 §4.6.3). */
  keyUpdate(requestPeer: boolean): void {
    if (this.phase !== "open" || this.writeClosed || !this.writeSecret || !this.suite)
      throw new Error("KeyUpdate needs an open connection");
    const msg = serializeKeyUpdate(requestPeer);
    this.timings.messages.push({
      direction: "sent",
      type: "key_update",
      length: msg.raw.length,
      at: this.now(),
    });
    this.handshakeBytes.sent += this.writer.write(ContentType.handshake, msg.raw);
    this.writer.setCipher(this.cipherFor(nextTrafficSecret(this.suite.hash, this.writeSecret)));
    this.writeSecret = nextTrafficSecret(this.suite.hash, this.writeSecret);
    this.keyUpdates.owed = false; // any KeyUpdate of ours answers the peer's requests so far
    this.keyUpdatesSentCount++;
    this.flush();
  }

  /** Sends close_notify; reading continues until the peer closes (half-close). */
  close(): void {
    if (this.phase === "closed" || this.writeClosed) return;
    this.writeClosed = true;
    this.sendAlert(AlertDescription.close_notify, AlertLevel.warning);
    if (this.readClosed) this.phase = "closed";
  }

  /** Aborts with an alert (e.g. user_canceled or internal_error from the socket). */
  abort(err: TlsAlert): void {
    if (this.phase === "closed") return;
    this.fail(err);
  }

  private sendAlert(description: number, level: number): void {
    this.sealHandshake();
    this.writer.write(ContentType.alert, Uint8Array.of(level, description));
    this.flush();
  }

  private fail(err: TlsAlert): void {
    if (this.phase === "closed") return;
    this.phase = "closed";
    if (!err.remote) {
      try {
        this.hsOut = [];
        this.sendAlert(err.alert, AlertLevel.fatal);
      } catch {
        // the transport is gone; the failure is reported below either way
      }
    }
    this.handlers.failed(err);
  }

  /** Runs a step; any exception becomes a fatal alert (non-TlsAlert errors are internal_error). */
  private guard(step: () => void): void {
    try {
      step();
    } catch (e) {
      const err =
        e instanceof TlsAlert
          ? e
          : new TlsAlert(AlertDescription.internal_error, e instanceof Error ? e.message : String(e), {
              cause: e,
            });
      this.fail(err);
    }
  }
}
