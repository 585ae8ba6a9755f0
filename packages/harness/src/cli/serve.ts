// `pqtls serve`: a TLS 1.3 server in the spirit of `openssl s_server`. Echoes by default; with
// --http answers `GET /N` or `GET /?bytes=N` with an HTTP/1.1 response of exactly N body bytes.
// One line (or JSON object with --json) per connection says what was negotiated.

import type { AddressInfo } from "node:net";
import { createServer, type TlsSocket } from "@pqtls/tls13";
import type { Command } from "commander";
import { UserError } from "../errors.js";
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

interface ServeFlags {
  host: string;
  port: string;
  cert: string;
  key: string;
  groups?: string;
  sigalgs?: string;
  suites?: string;
  alpn?: string;
  compressCert?: string;
  http?: boolean;
  keylog?: string;
  json?: boolean;
  requestCert?: boolean;
  ca?: string;
  allowUnauthorized?: boolean;
  caNames: boolean;
}

const MAX_REQUEST_HEAD = 8192;
const BODY_CHUNK = Buffer.alloc(64 * 1024, 0x61);

/** N from "GET /N" or "GET /?bytes=N", or null when the request is not one of those. */
export function requestedBytes(requestLine: string): number | null {
  const m = /^GET\s+\/(?:(\d+)|\?bytes=(\d+))\s+HTTP\/1\.[01]$/.exec(requestLine.trim());
  if (!m) return null;
  const n = Number(m[1] ?? m[2]);
  return Number.isSafeInteger(n) ? n : null;
}

function sendBody(sock: TlsSocket, n: number): void {
  let left = n;
  const pump = () => {
    while (left > 0) {
      const chunk = left >= BODY_CHUNK.length ? BODY_CHUNK : BODY_CHUNK.subarray(0, left);
      left -= chunk.length;
      if (!sock.write(chunk)) {
        sock.once("drain", pump);
        return;
      }
    }
    sock.end();
  };
  pump();
}

function serveHttp(sock: TlsSocket): void {
  let head = "";
  const onData = (d: Buffer) => {
    head += d.toString("latin1");
    const end = head.indexOf("\r\n\r\n");
    if (end < 0) {
      if (head.length > MAX_REQUEST_HEAD)
        sock.end("HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Length: 0\r\n\r\n");
      return;
    }
    sock.off("data", onData);
    const n = requestedBytes(head.slice(0, head.indexOf("\r\n")));
    if (n === null) {
      const msg = "expected GET /N or GET /?bytes=N\n";
      sock.end(
        `HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nContent-Length: ${msg.length}\r\nConnection: close\r\n\r\n${msg}`,
      );
      return;
    }
    sock.write(
      `HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: ${n}\r\nConnection: close\r\n\r\n`,
    );
    sendBody(sock, n);
  };
  sock.on("data", onData);
}

/** mTLS: what the client proved (only with --request-cert). */
function clientCertificate(sock: TlsSocket) {
  return {
    authorized: sock.authorized,
    authorizationError: sock.authorizationError ?? null,
    subject: sock.peerCertificates[0]?.subject ?? null,
    signatureScheme: sock.clientSignatureScheme ?? null,
  };
}

function describeConnection(sock: TlsSocket, requestCert: boolean) {
  return {
    ...negotiated(sock),
    ...(requestCert ? { client: clientCertificate(sock) } : {}),
    handshakeBytes: sock.handshakeBytes,
    certificateCompression: sock.certificateCompression ?? null,
    handshakeMs: sock.timings.handshakeComplete,
  };
}

export function register(program: Command): void {
  program
    .command("serve")
    .description("run a TLS 1.3 server (echo, or HTTP byte source with --http) until interrupted")
    .option("--host <host>", "address to listen on", "127.0.0.1")
    .option("--port <port>", "port to listen on (0 picks one)", "4433")
    .requiredOption("--cert <file>", "certificate chain PEM, leaf first")
    .requiredOption("--key <file>", "private key PEM (PKCS#8, RSA or EC)")
    .option("--groups <list>", "key exchange groups, server preference first (comma-separated)")
    .option("--sigalgs <list>", "signature schemes for CertificateVerify (comma-separated)")
    .option("--suites <list>", "cipher suites, preference first (comma-separated)")
    .option("--alpn <list>", "ALPN protocols (comma-separated)")
    .option(
      "--compress-cert <list>",
      "compress the certificate (RFC 8879) with the first of these the client offers",
    )
    .option("--http", "answer GET /N or GET /?bytes=N with exactly N body bytes")
    .option("--keylog <file>", "append NSS key log lines (SSLKEYLOGFILE format)")
    .option("--json", "one JSON object per line")
    .option(
      "--request-cert",
      "mTLS: ask for a client certificate, verified against --ca (required unless --allow-unauthorized)",
    )
    .option("--ca <file>", "with --request-cert: trust anchors PEM for client chains")
    .option("--allow-unauthorized", "with --request-cert: accept clients without a valid certificate")
    .option(
      "--no-ca-names",
      "with --request-cert: leave certificate_authorities out of the CertificateRequest",
    )
    .action(async (flags: ServeFlags) => {
      const port = Number(flags.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535)
        throw new UserError(`invalid --port ${flags.port}`);
      const open = new Set<TlsSocket>();
      const cert = readFileArg(flags.cert, "--cert");
      const key = readFileArg(flags.key, "--key");
      if (!flags.requestCert && (flags.ca || flags.allowUnauthorized || !flags.caNames))
        throw new UserError("--ca, --allow-unauthorized and --no-ca-names go with --request-cert");
      if (flags.requestCert && !flags.ca && !flags.allowUnauthorized)
        throw new UserError("--request-cert needs --ca CA.pem to verify clients, or --allow-unauthorized");
      const ca = flags.ca ? readFileArg(flags.ca, "--ca") : undefined;
      const requestCert = flags.requestCert === true;
      const server = configure("cannot configure TLS server", () =>
        createServer(
          {
            cert,
            key,
            groups: parseGroups(flags.groups),
            signatureSchemes: parseSigalgs(flags.sigalgs),
            cipherSuites: parseSuites(flags.suites),
            ALPNProtocols: parseAlpn(flags.alpn),
            certificateCompression: parseCertCompression(flags.compressCert),
            keylog: flags.keylog,
            requestCert,
            ca,
            rejectUnauthorized: !flags.allowUnauthorized,
            sendCertificateAuthorities: flags.caNames,
          },
          (sock) => {
            open.add(sock);
            sock.on("close", () => open.delete(sock));
            const info = describeConnection(sock, requestCert);
            const client = info.client
              ? ` client=${info.client.authorized ? (info.client.subject ?? "-") : `unauthorized (${info.client.authorizationError})`}`
              : "";
            process.stdout.write(
              flags.json
                ? `${JSON.stringify({ event: "connection", ...info })}\n`
                : `connection: ${info.group} ${info.cipherSuite} ${info.signatureScheme}${info.helloRetryRequest ? " (HRR)" : ""} sni=${info.servername ?? "-"} alpn=${info.alpn ?? "-"}${info.certificateCompression ? ` cert=${info.certificateCompression.algorithm}` : ""}${client}\n`,
            );
            sock.on("error", () => {});
            if (flags.http) serveHttp(sock);
            else {
              sock.on("data", (d: Buffer) => sock.write(d));
              sock.on("end", () => sock.end());
            }
          },
        ),
      );
      server.on("tlsClientError", (err: Error) => {
        process.stderr.write(
          flags.json
            ? `${JSON.stringify({ event: "tlsClientError", error: err.message })}\n`
            : `handshake failed: ${err.message}\n`,
        );
      });
      await new Promise<void>((resolve, reject) => {
        server.once("error", (e: NodeJS.ErrnoException) =>
          reject(new UserError(`cannot listen on ${flags.host}:${port}: ${e.code ?? e.message}`, 1)),
        );
        server.listen(port, flags.host, () => resolve());
      });
      const addr = server.address() as AddressInfo;
      process.stdout.write(
        flags.json
          ? `${JSON.stringify({ event: "listening", host: addr.address, port: addr.port })}\n`
          : `listening on ${addr.address}:${addr.port}\n`,
      );
      await new Promise<void>((resolve) => {
        const stop = () => {
          server.close();
          for (const s of open) s.destroy();
          resolve();
        };
        process.once("SIGINT", stop);
        process.once("SIGTERM", stop);
      });
    });
}
