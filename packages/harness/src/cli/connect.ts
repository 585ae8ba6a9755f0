// `pqtls connect HOST:PORT`: a TLS 1.3 client in the spirit of `openssl s_client`. Prints what was
// negotiated (protocol, suite, group, signature scheme, HRR, chain, bytes each way, timings), as
// JSON with --json. With --get N it fetches N bytes over HTTP/1.1 from `pqtls serve --http` and
// reports time to first and last byte. Exit 0 on success, 1 when the connection or handshake fails.

import { connect, type TlsSocket } from "@pqtls/tls13";
import type { Command } from "commander";
import { UserError } from "../errors.js";
import { parseBytes, parseDurationMs } from "../units.js";
import { negotiated } from "./negotiated.js";
import {
  configure,
  parseAlpn,
  parseCertCompression,
  parseGroups,
  parseSigalgs,
  parseSuites,
  readFileArg,
} from "./tls-options.js";

/** How long `connect` without --get waits for the server's own close after sending close_notify. */
const CLOSE_GRACE_MS = 500;

interface ConnectFlags {
  servername?: string;
  ca?: string;
  insecure?: boolean;
  groups?: string;
  keyShares?: string;
  sigalgs?: string;
  suites?: string;
  alpn?: string;
  compressCert?: string;
  get?: string;
  keylog?: string;
  json?: boolean;
  timeout: string;
  cert?: string;
  key?: string;
}

export function parseHostPort(target: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(target);
  const port = m ? Number(m[3]) : Number.NaN;
  if (!m || !(port > 0 && port < 65536)) throw new UserError(`expected HOST:PORT, got "${target}"`);
  return { host: m[1] ?? m[2], port };
}

interface HttpResult {
  status: number;
  bodyBytes: number;
  expectedBytes: number;
  firstByteMs: number;
  lastByteMs: number;
}

/** Sends GET /N and reads the response to its end, counting body bytes. */
function httpGet(sock: TlsSocket, host: string, n: number): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const origin = sock.timings.origin;
    const now = () => Number(process.hrtime.bigint() - origin) / 1e6;
    let head = "";
    let status = 0;
    let body = 0;
    let inBody = false;
    let firstByteMs: number | undefined;
    sock.on("data", (d: Buffer) => {
      firstByteMs ??= now();
      if (inBody) {
        body += d.length;
        return;
      }
      head += d.toString("latin1");
      const end = head.indexOf("\r\n\r\n");
      if (end < 0) return;
      status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? 0);
      body += Buffer.byteLength(head.slice(end + 4), "latin1");
      inBody = true;
    });
    sock.on("end", () =>
      resolve({
        status,
        bodyBytes: body,
        expectedBytes: n,
        firstByteMs: firstByteMs ?? now(),
        lastByteMs: now(),
      }),
    );
    sock.on("error", reject);
    sock.end(`GET /${n} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
  });
}

function report(sock: TlsSocket, http: HttpResult | undefined) {
  const t = sock.timings;
  return {
    ...negotiated(sock),
    authorized: sock.authorized,
    authorizationError: sock.authorizationError ?? null,
    // mTLS: the scheme our CertificateVerify used, null when no certificate was asked for or sent.
    clientSignatureScheme: sock.clientSignatureScheme ?? null,
    chain: sock.peerCertificates.map((c) => c.subject),
    handshakeBytes: sock.handshakeBytes,
    // RFC 8879: null when the server sent a plain Certificate (nothing offered, or no common algorithm).
    certificateCompression: sock.certificateCompression ?? null,
    timings: {
      transportConnectedMs: t.transportConnected ?? null,
      handshakeCompleteMs: t.handshakeComplete ?? null,
      messages: t.messages,
    },
    ...(http ? { http } : {}),
  };
}

function printHuman(r: ReturnType<typeof report>): void {
  const lines = [
    `protocol:          ${r.protocol}`,
    `cipher suite:      ${r.cipherSuite}`,
    `group:             ${r.group}`,
    `signature scheme:  ${r.signatureScheme}`,
    `hello retry:       ${r.helloRetryRequest ? "yes" : "no"}`,
    `alpn:              ${r.alpn ?? "-"}`,
    `verified:          ${r.authorized ? "yes" : `no (${r.authorizationError})`}`,
    `client cert:       ${r.clientSignatureScheme ? `sent, ${r.clientSignatureScheme}` : "not sent"}`,
    ...r.chain.map((s, i) => `chain[${i}]:          ${s}`),
    `handshake bytes:   sent ${r.handshakeBytes.sent}, received ${r.handshakeBytes.received}`,
    `cert compression:  ${
      r.certificateCompression
        ? `${r.certificateCompression.algorithm}, ${r.certificateCompression.compressedBytes} of ${r.certificateCompression.uncompressedBytes} bytes`
        : "none"
    }`,
    `tcp connected:     ${r.timings.transportConnectedMs?.toFixed(3) ?? "-"} ms`,
    `handshake done:    ${r.timings.handshakeCompleteMs?.toFixed(3) ?? "-"} ms`,
  ];
  if (r.http)
    lines.push(
      `http:              ${r.http.status}, ${r.http.bodyBytes} body bytes`,
      `first byte:        ${r.http.firstByteMs.toFixed(3)} ms`,
      `last byte:         ${r.http.lastByteMs.toFixed(3)} ms`,
    );
  process.stdout.write(`${lines.join("\n")}\n`);
}

export function register(program: Command): void {
  program
    .command("connect")
    .description("connect with TLS 1.3 and print what was negotiated (optionally GET N bytes)")
    .argument("<host:port>", "server to connect to")
    .option("--servername <name>", "SNI and the name the certificate must match (default: the host)")
    .option("--ca <file>", "trust anchors PEM")
    .option("--insecure", "do not fail on an unverified certificate chain")
    .option("--groups <list>", "supported groups, preference first (comma-separated)")
    .option("--key-shares <list>", "groups that get a key share in the first ClientHello")
    .option("--sigalgs <list>", "signature schemes accepted for CertificateVerify")
    .option("--suites <list>", "cipher suites, preference first")
    .option("--alpn <list>", "ALPN protocols (comma-separated)")
    .option(
      "--compress-cert <list>",
      "offer RFC 8879 certificate compression: brotli, zlib, zstd (preference first)",
    )
    .option(
      "--get <size>",
      "send GET /N (pqtls serve --http) and read the N-byte response: 0, 4096, 100KiB, 1MB",
    )
    .option("--keylog <file>", "append NSS key log lines (SSLKEYLOGFILE format)")
    .option("--json", "print one JSON object")
    .option("--timeout <duration>", "give up after this long: 5s, 500ms (a bare number is ms)", "30s")
    .option("--cert <file>", "mTLS: our certificate chain PEM, leaf first, sent when the server asks")
    .option("--key <file>", "mTLS: the private key PEM of --cert")
    .action(async (target: string, flags: ConnectFlags) => {
      const { host, port } = parseHostPort(target);
      // The unit grammar of `pqtls run` and the config (units.ts); bare numbers stay bytes and ms.
      const getBytes =
        flags.get === undefined
          ? undefined
          : /^\s*0+\s*$/.test(flags.get)
            ? 0
            : parseBytes(flags.get, "--get");
      const timeoutMs = /^\s*\d+(\.\d+)?\s*$/.test(flags.timeout)
        ? Number(flags.timeout)
        : parseDurationMs(flags.timeout, "--timeout");
      if (!(timeoutMs > 0)) throw new UserError(`--timeout must be above 0 (got ${flags.timeout})`);
      if (!flags.ca && !flags.insecure)
        throw new UserError("give --ca CA.pem to verify the server, or --insecure");
      const ca = flags.ca ? readFileArg(flags.ca, "--ca") : undefined;
      if ((flags.cert === undefined) !== (flags.key === undefined))
        throw new UserError("--cert and --key go together");
      const cert = flags.cert ? readFileArg(flags.cert, "--cert") : undefined;
      const key = flags.key ? readFileArg(flags.key, "--key") : undefined;
      const sock = configure("cannot configure TLS client", () =>
        connect({
          host,
          port,
          servername: flags.servername,
          ca,
          rejectUnauthorized: !flags.insecure,
          groups: parseGroups(flags.groups),
          keyShares: parseGroups(flags.keyShares),
          signatureSchemes: parseSigalgs(flags.sigalgs),
          cipherSuites: parseSuites(flags.suites),
          ALPNProtocols: parseAlpn(flags.alpn),
          certificateCompression: parseCertCompression(flags.compressCert),
          keylog: flags.keylog,
          cert,
          key,
        }),
      );
      const timer = setTimeout(() => sock.destroy(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
      // In TLS 1.3 the server judges a client certificate after our Finished: its alert arrives
      // after 'secureConnect', and still means the connection failed.
      let lateError: Error | undefined;
      sock.on("error", (e: Error) => {
        lateError ??= e;
      });
      try {
        await new Promise<void>((resolve, reject) => {
          sock.once("secureConnect", () => resolve());
          sock.once("error", reject);
        });
        const http =
          getBytes === undefined ? undefined : await httpGet(sock, flags.servername ?? host, getBytes);
        if (getBytes === undefined) {
          // Send close_notify and give the server a moment to close too; servers that keep the
          // connection open (openssl s_server) must not hold us until the timeout.
          sock.end();
          await new Promise<void>((resolve) => {
            const grace = setTimeout(resolve, CLOSE_GRACE_MS);
            const done = () => {
              clearTimeout(grace);
              resolve();
            };
            sock.once("end", done);
            sock.once("close", done);
            sock.resume();
          });
        }
        if (lateError) throw lateError;
        const r = report(sock, http);
        if (flags.json) process.stdout.write(`${JSON.stringify(r)}\n`);
        else printHuman(r);
        if (http && (http.status !== 200 || http.bodyBytes !== http.expectedBytes))
          throw new UserError(
            `GET /${getBytes}: status ${http.status}, ${http.bodyBytes} of ${getBytes} body bytes`,
            1,
          );
      } catch (e) {
        if (e instanceof UserError) throw e;
        const err = e as Error & { code?: string };
        throw new UserError(
          `connection to ${host}:${port} failed: ${err.code && !err.message.includes(err.code) ? `${err.code} ` : ""}${err.message}`,
          1,
        );
      } finally {
        clearTimeout(timer);
        sock.destroy();
      }
    });
}
