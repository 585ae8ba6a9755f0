// TlsServer: a net.Server whose connections speak TLS 1.3 (shaped like node:tls.Server), plus
// accept() for any Duplex stream.

import { EventEmitter } from "node:events";
import { type AddressInfo, createServer as createNetServer, type Server, type Socket } from "node:net";
import type { Duplex } from "node:stream";
import { defaultProvider } from "./crypto/index.js";
import { resolveServerConfig, type ServerConfig } from "./handshake/config.js";
import type { ServerOptions } from "./options.js";
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
  private readonly config: ServerConfig;

  constructor(options: ServerOptions, secureConnectionListener?: (socket: TlsSocket) => void) {
    super();
    this.config = resolveServerConfig(options, options.provider ?? defaultProvider());
    this.server = createNetServer({ allowHalfOpen: true }, (socket) => this.handle(socket));
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
    socket.once("secure", () => this.emit("secureConnection", socket));
    // Handshake failures go to 'tlsClientError'; later errors belong to whoever uses the socket.
    socket.on("error", (err) => {
      if (socket.getProtocol() === null) this.emit("tlsClientError", err, socket);
    });
    return socket;
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
