// The server program: one per engine in the lane's server namespace, long-lived across the cells'
// samples, with one TLS server (its own port) per server configuration of the lane's cells: a lane
// makes one connection at a time, so the servers never compete, and a process per configuration
// (45 MB each) was most of a lane's memory. For each connection it reads `GET /N` and sends exactly
// N body bytes, then closes; a client that asks nothing (bytes = 0, handshake only) is simply closed
// when it closes.
// It exits when its stdin closes, so a runner that dies leaves no server behind. When the client's
// FIN arrives (every response byte acknowledged) it reports the socket's TCP_INFO for the row.

import { readFileSync } from "node:fs";
import type { Socket } from "node:net";
import type { Duplex } from "node:stream";
import { loadServerEngine } from "./engine.js";
import { RequestReader, responseHead } from "./http.js";
import type { EndpointMessage, ServerOptions } from "./protocol.js";
import { socketFd, tcpInfo, tcpInfoAvailable } from "./tcp-info.js";

function send(msg: EndpointMessage): void {
  process.stdout.write(`${JSON.stringify(msg)}\n`);
}

function describeError(err: unknown): string {
  const e = err as { code?: string; message?: string };
  const text = (e?.message ?? String(err)).split("\n")[0];
  return e?.code && !text.includes(e.code) ? `${e.code}: ${text}` : text;
}

const bodies = new Map<number, Buffer>();
function responseFor(bytes: number): Buffer {
  let r = bodies.get(bytes);
  if (!r) {
    // One write of head + body: the body is the same filler every time (TLS 1.3 has no compression).
    r = Buffer.concat([responseHead(bytes), Buffer.alloc(bytes, 0x78)]);
    if (bodies.size < 64) bodies.set(bytes, r);
  }
  return r;
}

/**
 * The accepted TCP sockets' file descriptors by the client's port, taken at accept (a TLS stack may
 * take the socket's handle over later) and dropped when the socket closes.
 */
const fds = new Map<number, number>();

function accepted(raw: Socket): void {
  const port = raw.remotePort;
  const fd = socketFd(raw);
  if (port === undefined || fd === null) return;
  fds.set(port, fd);
  raw.once("close", () => {
    if (fds.get(port) === fd) fds.delete(port);
  });
}

/** Sends the connection's TCP_INFO, read now, to the runner. */
function reportTcpInfo(remotePort: number | null): void {
  if (remotePort === null) return;
  const info = tcpInfo(fds.get(remotePort) ?? null);
  if (info) send({ type: "conn-info", port: remotePort, tcp_info: info });
}

function serve(socket: Duplex, remotePort: number | null): void {
  const reader = new RequestReader();
  socket.on("data", (chunk: Buffer) => {
    let bytes: number | null;
    try {
      bytes = reader.push(chunk);
    } catch (err) {
      send({ type: "conn-error", port: remotePort, message: describeError(err) });
      socket.end(Buffer.from("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"));
      return;
    }
    if (bytes !== null) socket.end(responseFor(bytes));
  });
  socket.on("end", () => {
    reportTcpInfo(remotePort);
    socket.end();
  });
  socket.on("error", (err) => send({ type: "conn-error", port: remotePort, message: describeError(err) }));
}

async function main(): Promise<void> {
  // argv[2]: the servers' options (one object is one server).
  const parsed = JSON.parse(process.argv[2] ?? "[]") as ServerOptions[] | ServerOptions;
  const servers = Array.isArray(parsed) ? parsed : [parsed];
  if (servers.length === 0) throw new Error("no server options given");
  const engines = new Set(servers.map((o) => o.engine));
  if (engines.size > 1) throw new Error(`one engine per server process, got ${[...engines].join(", ")}`);
  const engine = await loadServerEngine(servers[0].engine);
  const handlers = {
    onConnection: accepted,
    onSecure: serve,
    onError: (err: Error, remotePort: number | null) =>
      send({ type: "conn-error", port: remotePort, message: describeError(err) }),
  };
  const ports: number[] = [];
  for (const o of servers) {
    const material = {
      cert: readFileSync(o.certFile),
      key: readFileSync(o.keyFile),
      ...(o.clientCaFile ? { clientCa: readFileSync(o.clientCaFile) } : {}),
    };
    ports.push(await engine.listen(o, material, handlers));
  }
  send({
    type: "ready",
    pid: process.pid,
    port: ports[0],
    ports,
    tcpInfo: tcpInfoAvailable(),
    versions: { node: process.versions.node, openssl: process.versions.openssl },
  });
  process.stdin.resume();
  process.stdin.on("end", () => process.exit(0));
  process.on("SIGTERM", () => process.exit(0));
}

main().catch((err) => {
  send({ type: "fatal", message: describeError(err) });
  process.exit(1);
});
