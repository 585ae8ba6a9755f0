// The client driver: a long-lived program in the lane's client namespace. It reads one `connect`
// command per line on stdin, makes that one connection and answers with its measurement. One
// connection at a time, so the namespace's TCP counters around it belong to it alone.
//
// Timers (performance.now, monotonic), all from t0 = just before the TCP connect():
//   tcp_connect_ms  the TCP socket is connected (SYN-ACK received, ACK sent)
//   handshake_ms    TLS handshake complete: the client has sent its Finished (secureConnect)
//   ttfb_ms         first byte of the HTTP response decrypted
//   ttlb_ms         last body byte decrypted; with bytes = 0 no request is sent and ttlb = handshake
//   close_ms        the TCP connection is closed
// At the last body byte (the handshake's end for bytes = 0) the socket's TCP_INFO goes in the result.
//
// Resumption cells: the runner first sends a `prime` command (an unmeasured connection that waits
// for a session ticket, then closes); the driver keeps that session for the next measured
// connection to the same server, which resumes it ("resumed") and, for "0rtt", sends the request
// as early data with the ClientHello. A measured connection that does not resume is a failure.

import { readFileSync } from "node:fs";
import net from "node:net";
import { performance } from "node:perf_hooks";
import { createInterface } from "node:readline";
import { pathToFileURL } from "node:url";
import { type ClientConnectOptions, type ClientEngine, loadClientEngine } from "./engine.js";
import { ResponseReader, requestFor } from "./http.js";
import {
  type ClientOptions,
  type ConnectCommand,
  type EndpointMessage,
  failedMeasurement,
  type Measurement,
} from "./protocol.js";
import { socketFd, tcpInfo } from "./tcp-info.js";

function send(msg: EndpointMessage): void {
  process.stdout.write(`${JSON.stringify(msg)}\n`);
}

const round = (ms: number) => Math.round(ms * 1000) / 1000;

function describeError(err: unknown): string {
  const e = err as { code?: string; message?: string };
  const text = (e?.message ?? String(err)).split("\n")[0];
  return e?.code && !text.includes(e.code) ? `${e.code}: ${text}` : text;
}

const caCache = new Map<string, Buffer>();
/** PEM files of client chains and keys (mTLS), read once per driver. */
const clientCertFiles = new Map<string, Buffer>();
function clientCertFile(path: string): Buffer {
  let b = clientCertFiles.get(path);
  if (!b) {
    b = readFileSync(path);
    clientCertFiles.set(path, b);
  }
  return b;
}
/** Sessions from priming connections, by server address, each used once. */
const primed = new Map<string, Buffer>();
const PRIME_WAIT_MS = 10_000;

const hookModules = new Map<string, unknown>();
/** The `client` export of an experiment hooks module (loaded once per driver). */
async function clientHooks(path: string | undefined): Promise<unknown> {
  if (!path) return undefined;
  if (!hookModules.has(path)) {
    const mod = (await import(pathToFileURL(path).href)) as { client?: unknown };
    hookModules.set(path, mod.client);
  }
  return hookModules.get(path);
}

/** What the engine connects with for this cell, priming or measured (resumption adds to it). */
function connectOptions(cmd: ConnectCommand, ca: Buffer, hooks: unknown): ClientConnectOptions {
  return {
    servername: cmd.servername,
    ca,
    kex: cmd.kex,
    suite: cmd.suite,
    ...(hooks ? { hooks } : {}),
    ...(cmd.certCompression ? { certCompression: cmd.certCompression } : {}),
    ...(cmd.clientCertFile && cmd.clientKeyFile
      ? { clientCert: { cert: clientCertFile(cmd.clientCertFile), key: clientCertFile(cmd.clientKeyFile) } }
      : {}),
    ...(cmd.chainReduction
      ? {
          chainReduction: {
            reduction: cmd.chainReduction,
            knowledge: cmd.clientKnowledge ?? "none",
            chainPem: chainPem(cmd.chainFile),
            warmup: cmd.warmup === true,
          },
        }
      : {}),
  };
}

const chainCache = new Map<string, string>();
/** The server's chain as PEM text (what the client may hold of it), read once per file. */
function chainPem(file: string | undefined): string {
  if (!file) throw new Error("chain_reduction needs the server's chain file");
  let pem = chainCache.get(file);
  if (pem === undefined) {
    pem = readFileSync(file, "latin1");
    chainCache.set(file, pem);
  }
  return pem;
}

/** An unmeasured connection that waits for the server's first session ticket and keeps it. */
export function prime(
  engine: ClientEngine,
  cmd: ConnectCommand,
  ca: Buffer,
  hooks?: unknown,
): Promise<string | null> {
  return new Promise((resolve) => {
    let error: string | null = null;
    let session: Buffer | undefined;
    const raw = net.connect({ host: cmd.host, port: cmd.port });
    raw.setNoDelay(true);
    const timer = setTimeout(
      () => {
        error = `no session ticket within ${PRIME_WAIT_MS} ms`;
        raw.destroy();
      },
      Math.min(PRIME_WAIT_MS, cmd.timeoutMs),
    );
    raw.once("close", () => {
      clearTimeout(timer);
      if (session) primed.set(`${cmd.host}:${cmd.port}`, session);
      resolve(session ? null : (error ?? "connection closed before a session ticket arrived"));
    });
    raw.on("error", (err) => {
      error ??= describeError(err);
    });
    raw.once("connect", () => {
      let socket: import("node:stream").Duplex;
      try {
        socket = engine.connect(raw, connectOptions(cmd, ca, hooks)).socket;
      } catch (err) {
        error = describeError(err);
        raw.destroy();
        return;
      }
      socket.on("error", (err) => {
        error ??= describeError(err);
        raw.destroy();
      });
      socket.on("data", () => {});
      socket.once("session", (s: Buffer) => {
        session = s;
        socket.end();
      });
      socket.on("end", () => raw.end());
    });
  });
}

export function measure(engine: ClientEngine, cmd: ConnectCommand, hooks?: unknown): Promise<Measurement> {
  return new Promise((resolve) => {
    const m = failedMeasurement(null);
    let ca = caCache.get(cmd.caFile);
    if (!ca) {
      try {
        ca = readFileSync(cmd.caFile);
      } catch (err) {
        m.error = `cannot read CA ${cmd.caFile}: ${describeError(err)}`;
        resolve(m);
        return;
      }
      caCache.set(cmd.caFile, ca);
    }
    let session: Buffer | undefined;
    if (cmd.resume && cmd.resume !== "full") {
      const key = `${cmd.host}:${cmd.port}`;
      session = primed.get(key);
      primed.delete(key);
      if (!session) {
        m.error = `no primed session for ${key} (resume=${cmd.resume})`;
        resolve(m);
        return;
      }
    }
    const earlyData =
      cmd.resume === "0rtt" && cmd.bytes > 0 ? Buffer.from(requestFor(cmd.bytes, cmd.servername)) : undefined;
    let stage = "tcp connect";
    let finished = false;
    let complete = false; // every asked-for byte arrived
    const reader = new ResponseReader(cmd.bytes);

    const t0 = performance.now();
    const raw = net.connect({ host: cmd.host, port: cmd.port });
    raw.setNoDelay(true);
    let tlsSocket: import("node:stream").Duplex | null = null;

    const finish = (error: string | null) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      if (error !== null && m.error === null) m.error = error;
      m.ok = m.error === null && complete;
      if (m.ok === false && m.error === null) m.error = `connection ended during ${stage}`;
      resolve(m);
    };
    const fail = (error: string) => {
      if (m.error === null) m.error = error;
      tlsSocket?.destroy();
      // "close" follows destroy(); finish there so the next connection starts after this one is gone.
      raw.destroy();
    };
    const timer = setTimeout(() => {
      fail(`timeout after ${cmd.timeoutMs} ms during ${stage}`);
      // A socket that never closes must not hold the driver: give close a moment, then answer anyway.
      setTimeout(() => finish(null), 1000).unref();
    }, cmd.timeoutMs);

    raw.once("close", () => {
      m.close_ms = round(performance.now() - t0);
      finish(null);
    });
    raw.on("error", (err) => fail(`${stage}: ${describeError(err)}`));
    raw.once("connect", () => {
      m.tcp_connect_ms = round(performance.now() - t0);
      m.local_port = raw.localPort ?? null;
      // Taken now: the openssl engine's TLS socket takes the handle over.
      const fd = socketFd(raw);
      stage = "tls handshake";
      let tls: ReturnType<ClientEngine["connect"]>;
      try {
        tls = engine.connect(raw, {
          ...connectOptions(cmd, ca!, hooks),
          ...(session ? { session } : {}),
          ...(earlyData ? { earlyData } : {}),
        });
      } catch (err) {
        fail(`${stage}: ${describeError(err)}`);
        return;
      }
      const socket = tls.socket;
      tlsSocket = socket;
      socket.on("error", (err) => fail(`${stage}: ${describeError(err)}`));
      socket.once("secureConnect", () => {
        m.handshake_ms = round(performance.now() - t0);
        m.hs_bytes_c2s = raw.bytesWritten;
        m.hs_bytes_s2c = raw.bytesRead;
        const n = tls.negotiated();
        m.group = n.group;
        m.suite = n.suite;
        m.resumed = n.resumed;
        m.early_data = n.earlyDataAccepted;
        m.cert_msg_bytes = n.certMsgBytes ?? null;
        m.cert_compression = n.certCompression ?? null;
        if (session && !n.resumed)
          return fail(`resume=${cmd.resume}: the server did not resume the primed session`);
        if (earlyData && n.earlyDataAccepted !== true)
          return fail("resume=0rtt: the server rejected the early data");
        // A resumed handshake has no certificate; a full one must have used the cell's algorithm.
        if (cmd.certCompression && !n.resumed && m.cert_compression !== cmd.certCompression)
          return fail(
            `certificate compression ${m.cert_compression ?? "none"}, asked for ${cmd.certCompression}`,
          );
        // mTLS: a full handshake must have answered the server's CertificateRequest with the chain.
        if (cmd.clientCertFile && !n.resumed && n.clientCertSent !== true)
          return fail("client_auth: the client sent no certificate (did the server request one?)");
        if (m.group !== cmd.kex) return fail(`negotiated group ${m.group}, asked for ${cmd.kex}`);
        if (m.suite !== cmd.suite) return fail(`negotiated cipher suite ${m.suite}, asked for ${cmd.suite}`);
        if (cmd.bytes === 0) {
          // Handshake only, as in the study: the clock stops at handshake completion.
          m.ttlb_ms = m.handshake_ms;
          m.tcp_info = tcpInfo(fd);
          complete = true;
          stage = "close";
          socket.end();
          return;
        }
        stage = "response";
        if (!earlyData) socket.write(requestFor(cmd.bytes, cmd.servername)); // else it went as 0-RTT data
      });
      socket.on("data", (chunk: Buffer) => {
        if (m.ttfb_ms === null) m.ttfb_ms = round(performance.now() - t0);
        if (complete) return fail(`unexpected ${chunk.length} bytes after the response`);
        const ev = reader.push(chunk);
        m.body_bytes = reader.bodyBytes;
        if (ev.kind === "error") return fail(`response: ${ev.message}`);
        if (ev.kind === "complete") {
          m.ttlb_ms = round(performance.now() - t0);
          m.tcp_info = tcpInfo(fd);
          complete = true;
          stage = "close";
          socket.end();
        }
      });
      socket.on("end", () => {
        if (!complete)
          fail(`server closed during ${stage} after ${reader.bodyBytes} of ${cmd.bytes} body bytes`);
      });
    });
  });
}

async function main(): Promise<void> {
  const options = JSON.parse(process.argv[2] ?? "{}") as ClientOptions;
  const engine = await loadClientEngine(options.engine);
  send({
    type: "ready",
    pid: process.pid,
    versions: { node: process.versions.node, openssl: process.versions.openssl },
  });
  // Commands are handled strictly one after another.
  const lines = createInterface({ input: process.stdin, crlfDelay: Number.POSITIVE_INFINITY });
  for await (const line of lines) {
    if (line.trim() === "") continue;
    const cmd = JSON.parse(line) as ConnectCommand;
    let hooks: unknown;
    try {
      hooks = await clientHooks(cmd.hooks);
    } catch (err) {
      send({
        type: "result",
        id: cmd.id,
        ...failedMeasurement(`hooks ${cmd.hooks}: ${describeError(err)}`),
      });
      continue;
    }
    if (cmd.prime) {
      let error: string | null;
      try {
        error = await prime(engine, cmd, readFileSync(cmd.caFile), hooks);
      } catch (err) {
        error = describeError(err);
      }
      send({ type: "result", id: cmd.id, ...failedMeasurement(error), ok: error === null });
      continue;
    }
    const m = await measure(engine, cmd, hooks);
    send({ type: "result", id: cmd.id, ...m });
  }
  process.exit(0);
}

main().catch((err) => {
  send({ type: "fatal", message: describeError(err) });
  process.exit(1);
});
