// @pqtls/tls13: TLS 1.3 with hybrid post-quantum key exchange, shaped like node:tls.
//
//   connect(options, listener?)            → TlsSocket (client), emits 'secureConnect'
//   createServer(options, listener?)       → TlsServer, emits 'secureConnection' / 'tlsClientError'
//   accept(duplex, options)                → TlsSocket (server) over any stream

import { connect as netConnect } from "node:net";
import { defaultProvider, loadProvider } from "./crypto/index.js";
import { resolveClientConfig } from "./handshake/config.js";
import { normalizeConnectArgs } from "./node-compat.js";
import type { ClientOptions } from "./options.js";
import { returnReadBuffer, takeReadBuffer } from "./read-buffers.js";
import { TlsSocket } from "./socket.js";

export type { MessageTiming, TlsTimings } from "./connection.js";
export * from "./crypto/index.js";
export { decodeError, illegalParameter, TlsAlert } from "./errors.js";
export type { CertificateCompressionInfo } from "./handshake/certificate_compression.js";
export { IntermediateStore, sharedIntermediateStore } from "./handshake/suppress_ca.js";
export { trustAnchorForRetry } from "./handshake/trust_anchors.js";
export type { HandshakeHooks, HookContext, HookMessage } from "./hooks.js";
export type { EphemeralKeyInfo, PeerCertificateObject } from "./node-compat.js";
export type { KeylogOption, PskModeName } from "./options.js";
export {
  type CertificatesInput,
  type ClientOptions,
  type CommonOptions,
  DEFAULT_CIPHER_SUITES,
  DEFAULT_GROUPS,
  DEFAULT_KEY_SHARES,
  DEFAULT_SIGNATURE_SCHEMES,
  type ServerOptions,
} from "./options.js";
export type { PaddingPolicy } from "./record/padding.js";
export {
  decodeSession,
  encodeSession,
  MemorySessionStore,
  type TlsSession,
} from "./resumption/session.js";
export { ReplayCache, TicketKeys, type TicketKeysOptions } from "./resumption/tickets.js";
export {
  createSecureContext,
  SecureContext,
  type SecureContextOptions,
  type SNICallback,
} from "./secure-context.js";
export { accept, createServer, TlsServer } from "./server.js";
export { TlsSocket } from "./socket.js";
export * from "./wire/codepoints.js";
export { trustAnchorIdFromText, trustAnchorIdToText } from "./wire/trust_anchors.js";
export * from "./x509/index.js";

// Fast by default: importing the package waits (top-level await) for the fastest provider this runtime
// has, so `connect`/`createServer` need no `await loadProvider("auto")` ritual. Without it, Node 20
// (no ML-DSA/ML-KEM in node:crypto) ran pure-JS ML-DSA and ML-KEM: ~21 ms CPU per X25519MLKEM768 +
// ML-DSA-65 handshake instead of ~6 ms. Loading liboqs' WASM costs the import ~0.1–0.2 s once; if it
// cannot run here, auto falls back to native + noble (wasmUnavailableReason() says why). An explicit
// loadProvider(name) or `provider` option still chooses otherwise.
await loadProvider("auto");

/**
 * Opens a TLS 1.3 client connection: over `options.socket` when given, else a new TCP connection
 * to host:port (Nagle off). Misconfiguration throws here; handshake failures arrive as 'error'
 * (a TlsAlert naming the alert).
 */
export function connect(options: ClientOptions, secureConnectListener?: () => void): TlsSocket;
export function connect(
  port: number,
  host?: string,
  options?: ClientOptions,
  listener?: () => void,
): TlsSocket;
export function connect(port: number, options?: ClientOptions, listener?: () => void): TlsSocket;
export function connect(...args: unknown[]): TlsSocket {
  const [options, secureConnectListener] = normalizeConnectArgs(args);
  const origin = process.hrtime.bigint();
  const config = resolveClientConfig(options, options.provider ?? defaultProvider());
  if (options.socket) {
    const transport = options.socket;
    const pending = (transport as { connecting?: boolean }).connecting === true;
    const socket = new TlsSocket(transport, "client", config, { origin, startNow: !pending });
    if (pending)
      transport.once("connect", () => {
        socket.timings.transportConnected = Number(process.hrtime.bigint() - origin) / 1e6;
        socket.startHandshake();
      });
    if (secureConnectListener) socket.once("secureConnect", secureConnectListener);
    return socket;
  }
  if (options.port === undefined) throw new TypeError("connect() needs port (and host) or socket");
  // Reads land in one buffer reused for the whole connection (net's onread) rather than a new
  // 64 KiB Buffer per read: on Node 24 that halves the full GCs of a bulk download. The record
  // layer copies out whatever it keeps past the callback (TlsSocket.receiveReused). The buffer
  // goes back to a small pool when the socket closes (read-buffers.ts).
  let tls: TlsSocket | undefined;
  const readBuffer = takeReadBuffer();
  const tcp = netConnect({
    host: options.host ?? "localhost",
    port: options.port,
    allowHalfOpen: true,
    noDelay: true,
    onread: {
      buffer: readBuffer,
      callback: (n: number, buf: Uint8Array) => {
        tls?.receiveReused(buf.subarray(0, n));
        return true; // flow control is the TlsSocket's: it pauses the transport itself
      },
    },
  });
  tcp.setNoDelay(true);
  tcp.once("close", () => returnReadBuffer(readBuffer));
  const socket = new TlsSocket(tcp, "client", config, { origin, startNow: false });
  tls = socket;
  tcp.once("connect", () => {
    socket.timings.transportConnected = Number(process.hrtime.bigint() - origin) / 1e6;
    socket.startHandshake();
  });
  if (secureConnectListener) socket.once("secureConnect", secureConnectListener);
  return socket;
}
