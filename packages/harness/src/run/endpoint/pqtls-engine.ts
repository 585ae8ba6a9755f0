// The `pqtls` engine: this project's TLS 1.3 stack at both ends, through its node:tls-shaped API
// (connect / createServer). The client offers exactly the cell's group, with a key share for it,
// so no HelloRetryRequest is ever part of a measurement.

import type { Socket } from "node:net";
import type { Duplex } from "node:stream";
import { pathToFileURL } from "node:url";
import type { ClientEngine, ServerEngine } from "./engine.js";

/** The parts of @pqtls/tls13 the endpoints use (loaded lazily: only the pqtls engine needs it). */
interface PqtlsSocket extends Duplex {
  readonly group?: string;
  readonly cipherSuite?: string;
  readonly remotePort?: number;
  readonly transport?: Duplex;
  readonly resumed?: boolean;
  readonly earlyDataAccepted?: boolean;
  readonly certificateCompression?: { algorithm: string };
  readonly timings?: { messages: { direction: string; type: string; length: number }[] };
}
interface PqtlsServer {
  on(event: "secureConnection", listener: (s: PqtlsSocket) => void): this;
  on(event: "tlsClientError", listener: (err: Error, s: PqtlsSocket) => void): this;
  on(event: "connection", listener: (raw: Socket) => void): this;
  on(event: "handshakeStart", listener: (s: PqtlsSocket) => void): this;
  once(event: "error", listener: (err: Error) => void): this;
  listen(port: number, host: string, cb: () => void): this;
  address(): { port: number } | string | null;
}
interface PqtlsModule {
  connect(options: Record<string, unknown>): PqtlsSocket;
  createServer(options: Record<string, unknown>): PqtlsServer;
  loadProvider(name: "auto"): Promise<unknown>;
}

const tls = (await import("@pqtls/tls13")) as unknown as PqtlsModule;
// The best provider per algorithm, loaded (and warmed up) once before the first measured handshake.
const provider = await tls.loadProvider("auto");

/** The certificate message the client received (compressed or not), bytes with its header; null if none. */
function certMsgBytes(s: PqtlsSocket): number | null {
  const msg = s.timings?.messages.find(
    (m) => m.direction === "received" && (m.type === "certificate" || m.type === "compressed_certificate"),
  );
  return msg?.length ?? null;
}

/** The client's TCP port as the server sees it, to tie a server-side error to its connection. */
function remotePortOf(s: PqtlsSocket): number | null {
  const raw = (s.transport as Socket | undefined) ?? undefined;
  return s.remotePort ?? raw?.remotePort ?? null;
}

export const pqtlsClient: ClientEngine = {
  connect(raw: Socket, o) {
    const socket = tls.connect({
      socket: raw,
      servername: o.servername,
      ca: o.ca.toString("latin1"),
      groups: [o.kex],
      keyShares: [o.kex],
      cipherSuites: [o.suite],
      provider,
      ...(o.session ? { session: o.session } : {}),
      // Rejected early data is sent again after the handshake (the library's default).
      ...(o.earlyData ? { earlyData: o.earlyData } : {}),
      ...(o.hooks ? { hooks: o.hooks } : {}),
      ...(o.certCompression ? { certificateCompression: [o.certCompression] } : {}),
    });
    return {
      socket,
      negotiated: () => ({
        group: socket.group ?? null,
        suite: socket.cipherSuite ?? null,
        resumed: socket.resumed === true,
        earlyDataAccepted: socket.earlyDataAccepted ?? null,
        certCompression: socket.certificateCompression?.algorithm ?? null,
        certMsgBytes: certMsgBytes(socket),
      }),
    };
  },
};

export const pqtlsServer: ServerEngine = {
  async listen(o, material, handlers) {
    // Experiment hooks: the `server` export of the module (the client driver loads `client`).
    const hooks = o.hooks
      ? ((await import(pathToFileURL(o.hooks).href)) as { server?: unknown }).server
      : undefined;
    const server = tls.createServer({
      cert: material.cert.toString("latin1"),
      key: material.key.toString("latin1"),
      groups: o.groups,
      cipherSuites: o.suites,
      provider,
      // 0-RTT on for servers of resumption cells only, so other cells' tickets stay byte-identical.
      ...(o.resumption ? { maxEarlyData: 16384 } : {}),
      ...(hooks ? { hooks } : {}),
      // Compressed once per server and reused, so no connection's handshake time pays for brotli.
      ...(o.certCompression ? { certificateCompression: [o.certCompression] } : {}),
    });
    server.on("connection", (raw: Socket) => raw.setNoDelay(true));
    // Resumption servers take each connection as its handshake starts, so a 0-RTT request is read
    // (and answered, 0.5-RTT) before the client's Finished: the round trip 0-RTT exists to save.
    if (o.resumption)
      server.on("handshakeStart", (socket) => handlers.onSecure(socket, remotePortOf(socket)));
    else server.on("secureConnection", (socket) => handlers.onSecure(socket, remotePortOf(socket)));
    server.on("tlsClientError", (err, socket) => handlers.onError(err, socket ? remotePortOf(socket) : null));
    return new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen(o.port, o.host, () => {
        const addr = server.address();
        resolve(typeof addr === "object" && addr ? addr.port : o.port);
      });
    });
  },
};
