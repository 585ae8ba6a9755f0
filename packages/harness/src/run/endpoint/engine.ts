// What an engine must provide to the endpoint programs: a client that runs TLS over an already
// connected TCP socket (so t0, the TCP connect and the byte counts stay in the driver's hands, the
// same for every engine) and a server that listens. Engines load lazily: the openssl engine runs
// under Node 24 and must never load this stack's modules, and the other way round.

import type { Socket } from "node:net";
import type { Duplex } from "node:stream";
import type { EngineName, ServerOptions } from "./protocol.js";

export interface ClientConnectOptions {
  servername: string;
  ca: Buffer;
  kex: string;
  suite: string;
  /** A session from an earlier connection's "session" event, to resume. */
  session?: Buffer;
  /** 0-RTT: sent with the ClientHello when the session allows (pqtls engine only). */
  earlyData?: Buffer;
  /** Experiment hooks (pqtls engine only): the `client` export of this module. */
  hooks?: unknown;
  /** RFC 8879: offer this one certificate compression algorithm (pqtls engine only). */
  certCompression?: string;
  /** mTLS: the chain (PEM, leaf first) and key to answer a CertificateRequest with. */
  clientCert?: { cert: Buffer; key: Buffer };
  /** chain_reduction × client_knowledge (pqtls engine only), with the server's chain as PEM text. */
  chainReduction?: { reduction: string; knowledge: string; chainPem: string; warmup: boolean };
}

/** What the handshake settled, in IANA spelling. */
export interface Negotiated {
  group: string | null;
  suite: string | null;
  resumed: boolean;
  /** null when no early data was offered. */
  earlyDataAccepted: boolean | null;
  /** RFC 8879 algorithm the server's certificate came compressed with; null = plain Certificate. */
  certCompression?: string | null;
  /** Bytes of the certificate message received (header included); null when unknown or none was sent. */
  certMsgBytes?: number | null;
  /** Whether the client sent a certificate (answered a CertificateRequest with a non-empty chain). */
  clientCertSent?: boolean;
}

export interface ClientEngine {
  /** Starts the TLS handshake on `raw`; the socket emits "secureConnect" when the client has sent Finished. */
  connect(raw: Socket, o: ClientConnectOptions): { socket: Duplex; negotiated(): Negotiated };
}

export interface ServerHandlers {
  /** A TCP connection was accepted (before its handshake): the raw socket, to read TCP_INFO from. */
  onConnection(raw: Socket): void;
  /**
   * A handshake completed; `remotePort` identifies the client's connection. (The pqtls engine's
   * resumption servers call it when the handshake starts, so 0-RTT data is served at once.)
   */
  onSecure(socket: Duplex, remotePort: number | null): void;
  /** A handshake failed (the engine has already sent its alert). */
  onError(err: Error, remotePort: number | null): void;
}

export interface ServerEngine {
  /** Resolves with the bound port. TCP_NODELAY must be set on every accepted socket. */
  listen(
    o: ServerOptions,
    material: { cert: Buffer; key: Buffer; clientCa?: Buffer },
    handlers: ServerHandlers,
  ): Promise<number>;
}

export async function loadClientEngine(name: EngineName): Promise<ClientEngine> {
  if (name === "openssl") return (await import("./openssl-engine.js")).opensslClient;
  return (await import("./pqtls-engine.js")).pqtlsClient;
}

export async function loadServerEngine(name: EngineName): Promise<ServerEngine> {
  if (name === "openssl") return (await import("./openssl-engine.js")).opensslServer;
  return (await import("./pqtls-engine.js")).pqtlsServer;
}
