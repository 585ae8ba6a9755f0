// TlsSocket: a stream.Duplex carrying application data over TLS 1.3 on any transport Duplex
// (a net.Socket, a test pipe, ...). It binds a sans-I/O Connection to the transport: transport bytes
// are fed synchronously into the handshake, each flight leaves in one transport write, and
// application data flows with backpressure both ways.

import { X509Certificate } from "node:crypto";
import type { EventEmitter } from "node:events";
import { Socket } from "node:net";
import { Duplex } from "node:stream";
import { Connection, type TlsTimings } from "./connection.js";
import type { Bytes } from "./crypto/provider.js";
import { TlsAlert } from "./errors.js";
import type { CertificateCompressionInfo } from "./handshake/certificate_compression.js";
import { ClientHandshake } from "./handshake/client.js";
import type { ClientConfig, ServerConfig } from "./handshake/config.js";
import type { HandshakeInfo } from "./handshake/io.js";
import { opensslSigalgName } from "./handshake/openssl_names.js";
import { ServerPostHandshakeAuth } from "./handshake/post_handshake_auth.js";
import { ServerHandshake } from "./handshake/server.js";
import { type KeylogLabel, keylogLine } from "./keylog.js";
import {
  type EphemeralKeyInfo,
  ephemeralKeyInfo,
  exportKeyingMaterial,
  type PeerCertificateObject,
  peerCertificateObject,
} from "./node-compat.js";
import { bindingOf, mayEmitSessions } from "./resumption/binding.js";
import { encodeSession, sessionFromTicket, type TlsSession } from "./resumption/session.js";
import { AlertDescription } from "./wire/codepoints.js";
import type { NewSessionTicket } from "./wire/new_session_ticket.js";
import type { Certificate } from "./x509/index.js";

const STANDARD_TO_OPENSSL: Record<string, string> = {
  TLS_AES_128_GCM_SHA256: "TLS_AES_128_GCM_SHA256",
  TLS_AES_256_GCM_SHA384: "TLS_AES_256_GCM_SHA384",
  TLS_CHACHA20_POLY1305_SHA256: "TLS_CHACHA20_POLY1305_SHA256",
};

/** How long a failed socket waits for its final alert to drain before the transport is destroyed. */
const ALERT_DRAIN_MS = 2000;
/** Bytes queued in the transport beyond which writes wait for 'drain'. */
const TRANSPORT_QUEUE_LIMIT = 256 * 1024;

/** Re-raises a user callback's exception outside the protocol code, as an uncaught exception. */
/** A Buffer view of the bytes (no copy): what net.Socket writes without re-wrapping. */
function toBuffer(b: Bytes): Buffer {
  return Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}

function rethrowLater(e: unknown): void {
  process.nextTick(() => {
    throw e;
  });
}

export class TlsSocket extends Duplex {
  readonly role: "client" | "server";
  /** The underlying transport. */
  readonly transport: Duplex;
  private readonly connection: Connection;
  private transportBlocked = false;
  private readPaused = false;
  private pendingWrite?: () => void;
  private pendingFinal?: () => void;
  private failure?: Error;
  private secure = false;
  private transportEnded = false;

  constructor(
    transport: Duplex,
    role: "client" | "server",
    config: ClientConfig | ServerConfig,
    options: { origin?: bigint; startNow?: boolean } = {},
  ) {
    super({ allowHalfOpen: true });
    this.role = role;
    this.transport = transport;
    this.handshakeTimeoutMs = config.handshakeTimeout;
    this.connection = new Connection(
      {
        role,
        provider: config.provider,
        padding: config.padding,
        keylog: config.keylog,
        origin: options.origin,
        hooks: config.hooks,
        maxCertificateBytes: config.maxCertificateBytes,
        maxRecordsPerKey: config.maxRecordsPerKey,
      },
      {
        write: (chunks, mark) => this.writeTransport(chunks, mark),
        appData: (data) => this.onAppData(data),
        keylog: (label, clientRandom, secret) => this.onKeylog(label, clientRandom, secret),
        handshakeComplete: () => this.onHandshakeComplete(),
        peerClosed: () => {
          this.abandonCertificateRequests(new Error("the client closed its side before answering"));
          this.push(null);
        },
        failed: (err) => this.onFailed(err),
        sessionTicket: (t) => this.onSessionTicket(t, config),
      },
    );
    // A net.Socket's read buffers are fresh per read: when we are its only reader, records may be
    // opened in place in them. Any other stream's chunks may be held elsewhere, so are only read.
    const fromKernel = transport instanceof Socket;
    if (fromKernel) {
      this.recycling = true;
      this.connection.recycleRecordMemory();
    }
    transport.on("data", (chunk: Buffer) =>
      this.connection.feed(chunk, fromKernel && transport.listenerCount("data") === 1 ? "owned" : "shared"),
    );
    transport.on("end", () => this.onTransportEnd());
    transport.on("error", (err: Error) => this.destroy(err));
    transport.on("close", () => {
      if (this.destroyed) return;
      this.onTransportEnd();
      // The transport is gone while we could still write: nothing more can be sent, so close too.
      if (!this.destroyed && !this.writableEnded) this.destroy();
    });
    transport.on("drain", () => {
      this.transportBlocked = false;
      this.emit("_drain");
    });
    const handshake =
      role === "client"
        ? new ClientHandshake(this.connection, config as ClientConfig)
        : new ServerHandshake(this.connection, config as ServerConfig);
    this.handshake = handshake;
    this.config = config;
    if (options.startNow !== false) this.startHandshake();
  }

  private readonly handshake: ClientHandshake | ServerHandshake;
  private readonly config: ClientConfig | ServerConfig;
  private readonly handshakeTimeoutMs?: number;
  private started = false;

  /** Sends the ClientHello (client) or starts accepting one (server). Called once the transport is connected. */
  startHandshake(): void {
    if (this.started) return;
    this.started = true;
    if (this.handshakeTimeoutMs !== undefined && this.handshakeTimeoutMs > 0) {
      const timer = setTimeout(() => {
        if (this.secure || this.destroyed) return;
        const err = new Error(`TLS handshake timed out after ${this.handshakeTimeoutMs} ms`) as Error & {
          code: string;
        };
        err.code = "ERR_TLS_HANDSHAKE_TIMEOUT";
        this.destroy(err);
      }, this.handshakeTimeoutMs);
      timer.unref();
      this.once("close", () => clearTimeout(timer));
    }
    this.connection.begin(this.handshake);
  }

  // ---- what was negotiated -------------------------------------------------------------------------

  private get info(): HandshakeInfo {
    return this.connection.info;
  }
  get encrypted(): true {
    return true;
  }
  /** Client: the server's chain verified. Server: the client's did (only with requestCert), as node:tls. */
  get authorized(): boolean {
    return this.info.authorized === true;
  }
  /** node:tls's: the verification code of a chain that did not verify ("CERT_HAS_EXPIRED", …). */
  get authorizationError(): string | null {
    return this.info.authorizationError ?? null; // null when verified, as node:tls
  }
  /** Why the chain did not verify, in words (the alert we would have sent and our reason). */
  get authorizationReason(): string | undefined {
    return this.info.authorizationReason;
  }
  get cipherSuite(): string | undefined {
    return this.info.cipherSuite;
  }
  get group(): string | undefined {
    return this.info.group;
  }
  get signatureScheme(): string | undefined {
    return this.info.signatureScheme;
  }
  /** mTLS: the scheme of the client's CertificateVerify, when the client sent a certificate. */
  get clientSignatureScheme(): string | undefined {
    return this.info.clientSignatureScheme;
  }
  get helloRetryRequest(): boolean {
    return this.info.helloRetryRequest;
  }
  get peerCertificates(): Certificate[] {
    return this.info.peerCertificates;
  }
  get alpnProtocol(): string | false {
    return this.info.alpnProtocol ?? false;
  }
  get servername(): string | undefined {
    return this.info.servername;
  }
  /** Wire bytes (record headers included) of records carrying handshake messages or ChangeCipherSpec. */
  get handshakeBytes(): { sent: number; received: number } {
    return { ...this.connection.handshakeBytes };
  }
  get timings(): TlsTimings {
    return this.connection.timings;
  }
  /** Secrets kept for later features (exporters, resumption). */
  get secrets(): { resumptionMasterSecret?: Bytes; exporterMasterSecret?: Bytes } {
    return {
      resumptionMasterSecret: this.info.resumptionMasterSecret,
      exporterMasterSecret: this.info.exporterMasterSecret,
    };
  }
  get sessionTicketsReceived(): number {
    return this.info.sessionTickets;
  }
  /** The handshake resumed a session (PSK): no certificate chain was exchanged. */
  get resumed(): boolean {
    return this.info.resumed === true;
  }
  /** psk_dhe_ke or psk_ke when resumed. */
  get pskMode(): "psk_ke" | "psk_dhe_ke" | undefined {
    return this.info.pskMode;
  }
  /** 0-RTT: undefined when no early data was offered, else whether the server accepted it. */
  get earlyDataAccepted(): boolean | undefined {
    return this.info.earlyDataAccepted;
  }
  /** Server: bytes of 0-RTT data received (delivered as ordinary data, before 'secure'). */
  get earlyDataReceived(): number {
    return this.info.earlyDataReceived ?? 0;
  }
  /** Client: the latest session (as emitted by 'session'), or undefined before any ticket arrived. */
  getSession(): Buffer | undefined {
    if (this.unencodedTicket) {
      const { ticket, receivedAt } = this.unencodedTicket;
      this.unencodedTicket = undefined;
      const session = this.sessionOf(ticket);
      if (session) this.lastSession = encodeSession({ ...session, receivedAt });
    }
    return this.lastSession;
  }
  private lastSession?: Buffer;
  /** The latest ticket while nobody listened for 'session': encoded only if getSession() asks. */
  private unencodedTicket?: { ticket: NewSessionTicket; receivedAt: number };

  get peerRecordSizeLimit(): number | undefined {
    return this.info.peerRecordSizeLimit;
  }
  /** RFC 8879: the algorithm and message sizes when the server's chain went compressed, else undefined. */
  get certificateCompression(): CertificateCompressionInfo | undefined {
    return this.info.certificateCompression;
  }
  /**
   * draft-kampanakis-tls-scas: server, whether it sent its end-entity certificate only; client,
   * whether it asked for that, and how many CA certificates it then took from its store.
   */
  get caSuppression(): { suppressed: boolean; fromStore?: number } {
    return {
      suppressed: this.info.caCertificatesSuppressed === true,
      fromStore: this.info.intermediatesFromStore,
    };
  }

  /**
   * draft-ietf-tls-trust-anchor-ids: whether the server's path matched the requested IDs, and the
   * IDs it advertised (readable after a failed handshake too, for the retry: trustAnchorForRetry).
   */
  get trustAnchors(): { matched: boolean; available?: string[] } {
    return { matched: this.info.trustAnchorMatched === true, available: this.info.trustAnchorsAvailable };
  }

  getProtocol(): string | null {
    return this.secure ? "TLSv1.3" : null;
  }
  getCipher(): { name: string; standardName: string; version: string } | undefined {
    const s = this.info.cipherSuite;
    if (!s) return undefined;
    return { name: STANDARD_TO_OPENSSL[s] ?? s, standardName: s, version: "TLSv1.3" };
  }

  // ---- node:tls's getters, in its shapes (node-compat.ts) ------------------------------------------

  /** node:tls: whether the handshake resumed a session. */
  isSessionReused(): boolean {
    return this.resumed;
  }
  /**
   * node:tls: the peer's certificate as node:tls's object (`raw`, `subject`, `subjectaltname`,
   * `valid_from`, `fingerprint256`, …); with `detailed`, linked through `issuerCertificate` up to the
   * trust anchor. `{}` when the peer sent none (also on a resumed session: pqtls sessions do not keep
   * the certificate), null once the socket is destroyed.
   */
  getPeerCertificate(detailed = false): PeerCertificateObject | Record<string, never> | null {
    if (this.destroyed && !this.secure) return null;
    const anchors =
      this.role === "client"
        ? (this.config as ClientConfig).trustAnchors
        : (this.config as ServerConfig).postHandshakeClientAuth.trustAnchors; // requestCert's too
    return peerCertificateObject(this.info.peerCertificates, anchors, detailed);
  }
  /** node:tls: this side's own certificate object ({} for a client without one). */
  getCertificate(): PeerCertificateObject | Record<string, never> {
    return peerCertificateObject(this.ownChain(), [], false);
  }
  /**
   * The server's chain (the one an SNICallback or addContext chose), or the client's first configured
   * one (mTLS), as node:tls reports it.
   */
  private ownChain(): readonly Certificate[] {
    return this.handshake instanceof ServerHandshake
      ? this.handshake.chain
      : ((this.config as ClientConfig).credentials[0]?.chain ?? []);
  }
  /** node:tls: the peer's leaf as an X509Certificate. */
  getPeerX509Certificate(): X509Certificate | undefined {
    const leaf = this.info.peerCertificates[0];
    return leaf ? new X509Certificate(Buffer.from(leaf.der)) : undefined;
  }
  /**
   * Server: asks the client for a certificate after the handshake (RFC 8446 §4.6.2 post-handshake
   * authentication). The client must have offered post_handshake_auth (ours: the `postHandshakeAuth`
   * option; OpenSSL: `-enable_pha`). Its answer is judged as an in-handshake one (`ca`,
   * `rejectUnauthorized`, the clientAuth purpose); once it verifies, `getPeerCertificate()`,
   * `authorized` and `authorizationError` describe it, 'clientCertificate' is emitted with the
   * certificate object and `callback(null, certificate)` runs. A refused answer fails the connection
   * (certificate_required, the verifier's alert, decrypt_error) and `callback(err)` gets the error.
   * Throws (nothing sent) on a client socket, before the handshake completes, when the client did not
   * offer post_handshake_auth, after our end(), or with MAX_PENDING_CERTIFICATE_REQUESTS unanswered.
   */
  requestCertificate(
    callback?: (err: Error | null, certificate?: PeerCertificateObject | Record<string, never>) => void,
  ): void {
    if (this.role !== "server") throw new Error("requestCertificate() is for server sockets");
    if (!this.secure || this.destroyed)
      throw new Error("requestCertificate(): the handshake has not completed or the socket is destroyed");
    const pha = this.connection.postHandshakeAuth;
    if (!(pha instanceof ServerPostHandshakeAuth))
      throw Object.assign(
        new Error("requestCertificate(): the client did not offer post_handshake_auth (RFC 8446 §4.6.2)"),
        { code: "ERR_TLS_PHA_NOT_OFFERED" },
      );
    pha.request((err) => {
      if (err) {
        if (callback) process.nextTick(callback, err);
        return;
      }
      // Outside the record handling: a listener's exception must not become our alert.
      const certificate = this.getPeerCertificate() ?? {};
      process.nextTick(() => {
        this.emit("clientCertificate", certificate);
        callback?.(null, certificate);
      });
    });
  }
  /** @internal The tickets this server sent, once each (for the server's 'newSession' event). */
  takeIssuedTickets(): Uint8Array[] {
    return this.handshake instanceof ServerHandshake ? this.handshake.takeIssuedTickets() : [];
  }
  /** node:tls: this side's leaf as an X509Certificate. */
  getX509Certificate(): X509Certificate | undefined {
    const leaf = this.ownChain()[0];
    return leaf ? new X509Certificate(Buffer.from(leaf.der)) : undefined;
  }
  /**
   * node:tls: the key exchange's group on a client ({ type: "ECDH", name: "X25519", size: 253 }, or
   * { type: "TLSGroup", name: "X25519MLKEM768" } as OpenSSL 3.5 names hybrids); {} without one
   * (psk_ke); null on a server, as node:tls.
   */
  getEphemeralKeyInfo(): EphemeralKeyInfo | null {
    if (this.role === "server") return null;
    return ephemeralKeyInfo(this.secure ? this.info.group : undefined);
  }
  /**
   * node:tls: on a server after a full handshake, the signature algorithms both sides support, in
   * OpenSSL's names ("RSA-PSS+SHA256", "id-ml-dsa-65+UNDEF") and our order; [] on a client and on a
   * resumed session, as node:tls.
   */
  getSharedSigalgs(): string[] {
    return (this.info.sharedSignatureSchemes ?? []).map(opensslSigalgName);
  }
  /** node:tls: the verify_data of the latest Finished this side sent (undefined before it). */
  getFinished(): Buffer | undefined {
    const f = this.connection.finished.sent;
    return f ? Buffer.from(f) : undefined;
  }
  /** node:tls: the verify_data of the latest Finished the peer sent. */
  getPeerFinished(): Buffer | undefined {
    const f = this.connection.finished.received;
    return f ? Buffer.from(f) : undefined;
  }
  /** node:tls / RFC 8446 §7.5: keying material from the exporter master secret, once the handshake is complete. */
  exportKeyingMaterial(length: number, label: string, context?: Uint8Array): Buffer {
    const secret = this.info.exporterMasterSecret;
    const hash = this.connection.suiteHash;
    if (!this.secure || !secret || !hash) {
      const err = new Error("TLS socket connection must be securely established") as Error & { code: string };
      err.code = "ERR_TLS_INVALID_STATE";
      throw err;
    }
    return exportKeyingMaterial(hash, secret, length, label, context);
  }

  /** The server that accepted this socket, for its 'keylog' event (set by TlsServer). */
  keylogServer?: EventEmitter;

  /** node:tls's 'keylog' event: the line is formatted only when someone listens. */
  private onKeylog(label: KeylogLabel, clientRandom: Bytes, secret: Bytes): void {
    const server = this.keylogServer?.listenerCount("keylog") ? this.keylogServer : undefined;
    if (!server && this.listenerCount("keylog") === 0) return;
    const line = Buffer.from(keylogLine(label, clientRandom, secret), "latin1");
    this.emit("keylog", line);
    server?.emit("keylog", line, this);
  }

  /** Sends a KeyUpdate; with requestPeer the peer updates its sending keys too. */
  keyUpdate(requestPeer = false): void {
    this.connection.keyUpdate(requestPeer);
  }

  /**
   * Feeds transport bytes that sit in a buffer the transport reuses once this returns: for a
   * net.Socket created with the `onread` option, whose callback delivers reads instead of 'data'
   * events. One reused read buffer instead of a new 64 KiB one per read cut Node 24's full GCs in a
   * bulk download from 12–13 to 7–8 per 300 MiB (+5–20 % MB per CPU-second). Use:
   * `onread: { buffer, callback: (n, buf) => { tls.receiveReused(buf.subarray(0, n)); } }` and
   * `connect({ socket })`.
   */
  receiveReused(chunk: Uint8Array): void {
    this.connection.feed(chunk, "reused");
  }

  setNoDelay(noDelay = true): this {
    (this.transport as Socket).setNoDelay?.(noDelay);
    return this;
  }

  // ---- transport side --------------------------------------------------------------------------------

  /**
   * Application data goes to a net.Socket corked until the end of the current tick, so everything
   * sealed in one synchronous run (a writer's loop of 16 KiB writes) leaves in one writev: on
   * loopback one 16 KiB writev per record cost ~20 % of bulk CPU, the kernel's per-call and
   * per-segment work. Handshake flights leave at once, as one writev, so that none waits for user
   * code later in the tick (a 'secureConnect' listener runs right after the client's Finished is
   * sealed). A stream without writev would see one write per chunk, so it gets one joined buffer.
   */
  private writeTransport(chunks: Bytes[], mark: number): void {
    const t = this.transport;
    if (chunks.length === 0) return;
    if (typeof (t as { _writev?: unknown })._writev !== "function") {
      t.write(chunks.length === 1 ? toBuffer(chunks[0]) : Buffer.concat(chunks));
      this.checkTransportQueue();
      return;
    }
    const flight = !this.connection.handshakeComplete;
    if (flight) {
      this.uncorkTransport(); // keeps order behind any batched data (0.5-RTT)
      t.cork();
    } else if (!this.transportCorked) {
      this.transportCorked = true;
      t.cork();
      process.nextTick(this.uncorkTransport);
    }
    const last = chunks.length - 1;
    for (let i = 0; i < last; i++) t.write(toBuffer(chunks[i]));
    if (this.recycling) {
      this.writtenMarks.push(mark);
      t.write(toBuffer(chunks[last]), this.onChunksWritten);
    } else t.write(toBuffer(chunks[last]));
    if (flight) t.uncork();
    this.checkTransportQueue();
  }

  /**
   * A net.Socket has handed a write's bytes to the kernel when its callback runs, so the record
   * memory behind them may be reused (Connection.recycleRecordMemory): a bulk sender then makes no
   * new buffers per record. Callbacks run in write order, one per write given one: marks are a queue.
   */
  private recycling = false;
  private readonly writtenMarks: number[] = [];
  private readonly onChunksWritten = (err?: Error | null): void => {
    const mark = this.writtenMarks.shift();
    if (err) {
      this.recycling = false; // the transport failed: stop handing memory back
      return;
    }
    if (mark !== undefined && this.recycling) this.connection.recordsWritten(mark);
  };

  private checkTransportQueue(): void {
    const t = this.transport;
    // Keep a generous amount queued before pushing back on the writer: waiting for 'drain' at the
    // transport's 16 KiB mark leaves the pipe idle between writes.
    if (t.writableLength > TRANSPORT_QUEUE_LIMIT) this.transportBlocked = true;
  }

  private transportCorked = false;
  /** Hands the tick's records to the transport; also run before destroying it, so none are lost. */
  private readonly uncorkTransport = (): void => {
    if (!this.transportCorked) return;
    this.transportCorked = false;
    this.transport.uncork();
  };

  private onAppData(data: Bytes): void {
    let more: boolean;
    try {
      more = this.push(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
    } catch (e) {
      rethrowLater(e); // a user 'data' listener threw: not a protocol failure
      return;
    }
    if (!more && !this.readPaused) {
      this.readPaused = true;
      this.transport.pause();
    }
  }

  /** node:tls-style 'session' event: one opaque Buffer per NewSessionTicket, for `connect({ session })`. */
  private onSessionTicket(t: NewSessionTicket, config: ClientConfig | ServerConfig): void {
    const rms = this.info.resumptionMasterSecret;
    const suite = this.info.cipherSuite;
    if (!rms || !suite || this.role !== "client") return;
    if (!mayEmitSessions(this.info, config as ClientConfig)) return; // an unverified server's: only on opt-in
    if (t.lifetime === 0) return; // the server asks us not to resume
    // As node:tls (which serializes sessions only for a 'session' listener), a ticket nobody listens
    // for is kept as received and turned into a session only if getSession() asks: most connections
    // never resume, and deriving the PSK and encoding two sessions per connection showed in profiles.
    if (this.listenerCount("session") === 0) {
      // Copied: the ticket is a view into record memory that is reused.
      const ticket = { ...t, ticket: t.ticket.slice(), nonce: t.nonce.slice() };
      this.unencodedTicket = { ticket, receivedAt: Date.now() };
      return;
    }
    const session = this.sessionOf(t);
    if (!session) return;
    this.unencodedTicket = undefined;
    this.lastSession = encodeSession(session);
    try {
      this.emit("session", this.lastSession);
    } catch (e) {
      rethrowLater(e);
    }
  }

  /** The resumable session a ticket gives on this connection, undefined when it gives none. */
  private sessionOf(t: NewSessionTicket): TlsSession | undefined {
    const rms = this.info.resumptionMasterSecret;
    if (!rms) return undefined;
    return sessionFromTicket(
      t,
      rms,
      this.info,
      bindingOf(this.info, this.config as ClientConfig),
      this.config.provider,
    );
  }

  private onHandshakeComplete(): void {
    this.secure = true;
    // 0-RTT rejected: the early data was not delivered, so (by default) send it now as 1-RTT data.
    const c = this.config as ClientConfig;
    if (this.role === "client" && this.info.earlyDataAccepted === false && c.earlyData && c.retryEarlyData)
      this.connection.writeAppData(c.earlyData);
    try {
      this.emit(this.role === "client" ? "secureConnect" : "secure");
    } catch (e) {
      rethrowLater(e); // a user listener threw: surface it as node:tls would, outside the handshake
    }
    const write = this.pendingWrite;
    this.pendingWrite = undefined;
    write?.();
    const final = this.pendingFinal;
    this.pendingFinal = undefined;
    final?.();
  }

  private onFailed(err: TlsAlert): void {
    this.failure = err;
    this.abandonCertificateRequests(err);
    // Let our alert reach the wire, then drop the transport.
    this.uncorkTransport();
    this.transport.end();
    setTimeout(() => this.transport.destroy(), ALERT_DRAIN_MS).unref();
    this.destroy(err);
  }

  private onTransportEnd(): void {
    if (this.destroyed) return;
    if (!this.connection.handshakeComplete) {
      const err = new Error("transport closed before the TLS handshake completed") as Error & {
        code: string;
      };
      err.code = "ECONNRESET";
      this.destroy(err);
      return;
    }
    // No close_notify: a truncated stream; report it as end of data (as node:tls does).
    if (this.connection.readable) this.push(null);
  }

  // ---- Duplex implementation -------------------------------------------------------------------------

  override _read(): void {
    if (this.readPaused) {
      this.readPaused = false;
      this.transport.resume();
    }
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    // A server may answer early data before the client's Finished (0.5-RTT); otherwise wait.
    if (!this.connection.handshakeComplete && !this.connection.canWriteAppData) {
      this.pendingWrite = () => this._write(chunk, _encoding, callback);
      return;
    }
    try {
      const max = 1 << 20; // bound each flush so a huge write does not build one giant buffer
      for (let at = 0; at < chunk.length; at += max)
        this.connection.writeAppData(chunk.subarray(at, at + max));
    } catch (e) {
      callback(e as Error);
      return;
    }
    if (this.transportBlocked) this.once("_drain", () => callback());
    else callback();
  }

  override _final(callback: (error?: Error | null) => void): void {
    if (!this.connection.handshakeComplete && !this.connection.isClosed) {
      this.pendingFinal = () => this._final(callback);
      return;
    }
    this.connection.close();
    this.transportEnded = true;
    this.uncorkTransport();
    this.transport.end();
    callback();
  }

  /** Requests for a client certificate that can no longer be answered get `err`. */
  private abandonCertificateRequests(err: Error): void {
    const pha = this.connection.postHandshakeAuth;
    if (pha instanceof ServerPostHandshakeAuth) pha.abandon(err);
  }

  override _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
    this.abandonCertificateRequests(err ?? new Error("socket destroyed before the client answered"));
    if (!this.failure) {
      if (err && !this.connection.isClosed)
        this.connection.abort(new TlsAlert(AlertDescription.internal_error, err.message));
      this.uncorkTransport();
      if (!err && this.transportEnded) {
        // Orderly close: our close_notify is queued behind end(); let it drain, then release.
        setTimeout(() => this.transport.destroy(), ALERT_DRAIN_MS).unref();
      } else this.transport.destroy();
    }
    // 'close' means the key log holds this connection's lines (tools read it right after).
    const keylogFlushed = this.config.keylog?.flushed?.();
    if (keylogFlushed) keylogFlushed.then(() => callback(err));
    else callback(err);
  }
}
