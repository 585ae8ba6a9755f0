// The `pqtls` engine: this project's TLS 1.3 stack at both ends, through its node:tls-shaped API
// (connect / createServer). The client offers exactly the cell's group, with a key share for it,
// so no HelloRetryRequest is ever part of a measurement.

import { readFileSync } from "node:fs";
import { Socket } from "node:net";
import { pathToFileURL } from "node:url";
import { connect, createServer, type HandshakeHooks, loadProvider, type TlsSocket } from "@pqtls/tls13";
import { certCompressionName, groupName, suiteName } from "../../tls-names.js";
import {
  type ChainReduction,
  type ClientKnowledge,
  clientReductionOptions,
  serverReductionOptions,
} from "./chain-reduction.js";
import type { ClientEngine, ServerEngine } from "./engine.js";

// This module is loaded only for the pqtls engine (engine.ts loads engines lazily), so importing the
// stack here never reaches the openssl engine's Node 24 process.

// The best provider per algorithm, loaded (and warmed up) once before the first measured handshake.
const provider = await loadProvider("auto");

/** The certificate message the client received (compressed or not), bytes with its header; null if none. */
function certMsgBytes(s: TlsSocket): number | null {
  const msg = s.timings.messages.find(
    (m) => m.direction === "received" && (m.type === "certificate" || m.type === "compressed_certificate"),
  );
  return msg?.length ?? null;
}

/** The client's TCP port as the server sees it, to tie a server-side error to its connection. */
function remotePortOf(s: TlsSocket): number | null {
  return s.transport instanceof Socket ? (s.transport.remotePort ?? null) : null;
}

/** A hooks module's export, checked: an object whose members are functions (HandshakeHooks). */
function asHooks(value: unknown, what: string): HandshakeHooks | undefined {
  if (value === undefined) return undefined;
  const ok =
    typeof value === "object" && value !== null && Object.values(value).every((f) => typeof f === "function");
  if (!ok) throw new Error(`${what}: its export is not an object of hook functions`);
  return value;
}

export const pqtlsClient: ClientEngine = {
  connect(raw: Socket, o) {
    const group = groupName(o.kex);
    const hooks = asHooks(o.hooks, "the client's hooks module");
    const socket = connect({
      socket: raw,
      servername: o.servername,
      ca: o.ca.toString("latin1"),
      groups: [group],
      keyShares: [group],
      cipherSuites: [suiteName(o.suite)],
      provider,
      ...(o.session ? { session: o.session } : {}),
      // Rejected early data is sent again after the handshake (the library's default).
      ...(o.earlyData ? { earlyData: o.earlyData } : {}),
      ...(hooks ? { hooks } : {}),
      ...(o.certCompression ? { certificateCompression: [certCompressionName(o.certCompression)] } : {}),
      ...(o.clientCert
        ? { cert: o.clientCert.cert.toString("latin1"), key: o.clientCert.key.toString("latin1") }
        : {}),
      // Last: trust-anchor-ids may replace `ca` by an intermediate held as a trust anchor.
      ...(o.chainReduction
        ? clientReductionOptions(
            o.chainReduction.reduction as ChainReduction,
            o.chainReduction.knowledge as ClientKnowledge,
            o.chainReduction.chainPem,
            o.ca.toString("latin1"),
            o.chainReduction.warmup,
          )
        : {}),
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
        clientCertSent: socket.clientSignatureScheme !== undefined,
      }),
    };
  },
};

export const pqtlsServer: ServerEngine = {
  async listen(o, material, handlers) {
    // Experiment hooks: the `server` export of the module (the client driver loads `client`).
    let hooks: HandshakeHooks | undefined;
    if (o.hooks) {
      const mod: Record<string, unknown> = await import(pathToFileURL(o.hooks).href);
      hooks = asHooks(mod.server, `hooks module ${o.hooks}`);
    }
    const server = createServer({
      cert: material.cert.toString("latin1"),
      key: material.key.toString("latin1"),
      groups: o.groups.map(groupName),
      cipherSuites: o.suites.map(suiteName),
      provider,
      // 0-RTT on for servers of resumption cells only, so other cells' tickets stay byte-identical.
      ...(o.resumption ? { maxEarlyData: 16384 } : {}),
      ...(hooks ? { hooks } : {}),
      // mTLS: every full handshake asks for the client's chain; one that does not verify is refused.
      ...(material.clientCa
        ? { requestCert: true, rejectUnauthorized: true, ca: material.clientCa.toString("latin1") }
        : {}),
      // Compressed once per server and reused, so no connection's handshake time pays for brotli.
      ...(o.certCompression ? { certificateCompression: [certCompressionName(o.certCompression)] } : {}),
      ...(o.chainReduction
        ? serverReductionOptions(
            o.chainReduction as ChainReduction,
            material.cert.toString("latin1"),
            readFileSync(o.rootFile ?? "", "latin1"),
          )
        : {}),
    });
    server.on("connection", (raw: Socket) => {
      raw.setNoDelay(true);
      handlers.onConnection(raw);
    });
    // Resumption servers take each connection as its handshake starts, so a 0-RTT request is read
    // (and answered, 0.5-RTT) before the client's Finished: the round trip 0-RTT exists to save.
    if (o.resumption)
      server.on("handshakeStart", (socket: TlsSocket) => handlers.onSecure(socket, remotePortOf(socket)));
    else
      server.on("secureConnection", (socket: TlsSocket) => handlers.onSecure(socket, remotePortOf(socket)));
    server.on("tlsClientError", (err: Error, socket?: TlsSocket) =>
      handlers.onError(err, socket ? remotePortOf(socket) : null),
    );
    return new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen(o.port, o.host, () => {
        const addr = server.address();
        resolve(typeof addr === "object" && addr ? addr.port : o.port);
      });
    });
  },
};
