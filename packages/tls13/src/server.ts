// TlsServer: a net.Server whose connections speak TLS 1.3 (shaped like node:tls.Server), plus
// accept() for any Duplex stream.

import { randomBytes } from "node:crypto";
import { EventEmitter } from "node:events";
import { type AddressInfo, createServer as createNetServer, type Server, type Socket } from "node:net";
import type { Duplex } from "node:stream";
import { defaultProvider } from "./crypto/index.js";
import {
  credentialsFromSNICallback,
  resolveServerConfig,
  type ServerConfig,
  type SessionLookup,
} from "./handshake/config.js";
import type { ServerOptions } from "./options.js";
import { ContextsByName, type SecureContext, type SecureContextOptions } from "./secure-context.js";
import { TlsSocket } from "./socket.js";

/** Server side of TLS over an existing stream (e.g. a socket from another server or a test pipe). */
export function accept(duplex: Duplex, options: ServerOptions | ServerConfig): TlsSocket {
  const config = isResolved(options)
    ? options
    : resolveServerConfig(options, options.provider ?? defaultProvider());
  return new TlsSocket(duplex, "server", config);
}

function isResolved(o: ServerOptions | ServerConfig): o is ServerConfig {
  return (
    "chain" in o &&
    Array.isArray((o as ServerConfig).chain) &&
    "groups" in o &&
    Array.isArray(o.groups) &&
    "alpn" in o
  );
}

export class TlsServer extends EventEmitter {
  readonly server: Server;
  private config: ServerConfig;
  private readonly options: ServerOptions;
  /** node:tls's addContext() entries, looked up when no SNICallback option is given. */
  private readonly contexts = new ContextsByName();

  constructor(options: ServerOptions, secureConnectionListener?: (socket: TlsSocket) => void) {
    super();
    this.options = options;
    this.config = this.resolve(options);
    this.server = createNetServer({ allowHalfOpen: true }, (socket) => this.handle(socket));
    // node:tls's 'connection': the accepted TCP socket, after its TLS socket was made (as there).
    this.server.on("connection", (socket: Socket) => this.emit("connection", socket));
    this.server.on("error", (err) => this.emit("error", err));
    this.server.on("listening", () => this.emit("listening"));
    this.server.on("close", () => this.emit("close"));
    if (secureConnectionListener) this.on("secureConnection", secureConnectionListener);
  }

  /** Runs the server side of TLS on a stream; emits 'secureConnection' or 'tlsClientError'. */
  handle(duplex: Duplex): TlsSocket {
    (duplex as Socket).setNoDelay?.(true);
    const socket = new TlsSocket(duplex, "server", this.config);
    socket.keylogServer = this; // node:tls's server 'keylog' event (line, socket)
    // Before the handshake: a listener may read 0-RTT data (and answer it, 0.5-RTT) before 'secureConnection'.
    this.emit("handshakeStart", socket);
    socket.once("secure", () => {
      this.emit("secureConnection", socket);
      this.emitNewSessions(socket);
    });
    // Handshake failures go to 'tlsClientError'; later errors belong to whoever uses the socket.
    socket.on("error", (err) => {
      if (socket.getProtocol() === null) this.emit("tlsClientError", err, socket);
    });
    return socket;
  }

  /**
   * node:tls's 'newSession'(sessionId, sessionData, cb): once per ticket sent, after
   * 'secureConnection', as Node 24 emits it in TLS 1.3. The id is fresh and random (32 bytes, as
   * OpenSSL's); the data is the ticket as sent (our sealed session state). Nothing waits for cb.
   */
  private emitNewSessions(socket: TlsSocket): void {
    const tickets = socket.takeIssuedTickets();
    if (this.listenerCount("newSession") === 0) return;
    for (const ticket of tickets) this.emit("newSession", randomBytes(32), Buffer.from(ticket), () => {});
  }

  private resolve(options: ServerOptions): ServerConfig {
    const config = this.withContexts(resolveServerConfig(options, options.provider ?? defaultProvider()));
    return { ...config, sessionLookup: this.sessionLookup };
  }

  /** node:tls's 'resumeSession'(sessionId, cb), asked only while someone listens (see SessionLookup). */
  private readonly sessionLookup: SessionLookup = {
    wanted: () => this.listenerCount("resumeSession") > 0,
    lookup: (sessionId, done) =>
      this.emit("resumeSession", Buffer.from(sessionId), (err?: Error | null) => done(err)),
  };

  /**
   * node:tls's default SNICallback looks the name up in addContext()'s entries. Installed only once
   * there are some: a handshake that waits for a callback costs a pause, which servers without
   * contexts need not pay.
   */
  private withContexts(config: ServerConfig): ServerConfig {
    if (config.selectCredentials || this.contexts.size === 0) return config;
    const lookup = (servername: string, cb: (err: null, ctx?: SecureContext) => void) =>
      cb(null, this.contexts.find(servername));
    return { ...config, selectCredentials: credentialsFromSNICallback(lookup) };
  }

  /**
   * node:tls: connections asking for a name matching `hostname` ("*" for one label) get this
   * context's chain and key, unless an SNICallback option decides. Latest added wins.
   */
  addContext(hostname: string, context: SecureContext | SecureContextOptions): void {
    this.contexts.add(hostname, context);
    this.config = this.withContexts(this.config);
  }

  /**
   * node:tls: new connections use these credentials (`cert`/`key` or `secureContext`); connections
   * already open keep theirs. The ticket keys carry over, so earlier tickets still resume.
   */
  setSecureContext(options: Pick<ServerOptions, "cert" | "key" | "ca" | "secureContext">): void {
    const { cert, key, ca, secureContext } = options;
    // As node:tls's, a context option left out is unset (requestCert and the rest stay the server's).
    this.config = this.resolve({
      ...this.options,
      cert,
      key,
      ca,
      secureContext,
      ticketKeys: this.config.ticketKeys,
    });
  }

  /** Same arguments as net.Server#listen (port, host, backlog, callback or an options object). */
  listen(...args: unknown[]): this {
    (this.server.listen as (...a: unknown[]) => unknown).apply(this.server, args);
    return this;
  }

  close(callback?: (err?: Error) => void): this {
    this.server.close(callback);
    return this;
  }

  address(): AddressInfo | string | null {
    return this.server.address();
  }
}

export function createServer(
  options: ServerOptions,
  secureConnectionListener?: (socket: TlsSocket) => void,
): TlsServer {
  return new TlsServer(options, secureConnectionListener);
}
