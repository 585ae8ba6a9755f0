// 100 MiB each way with content checked, streamed (never buffered whole): our client ↔ the Node 24 /
// OpenSSL 3.5 server, its client ↔ our server, and our client ↔ our server, all over TCP loopback.
// Sender: an 8-byte length, then the AES-128-CTR keystream pattern; the receiver hashes it and
// answers with the same number of pattern bytes, which we hash and compare.

import { createCipheriv, createHash } from "node:crypto";
import type { AddressInfo } from "node:net";
import { type CertificatesInput, connect, createServer, type TlsSocket } from "@pqtls/tls13";
import { afterAll, describe, expect, it } from "vitest";
import { node24Missing } from "../../tools/node24/index.mjs";
import { Peer, TestPki } from "./peer.js";

const SIZE = 100 * 1024 * 1024;

function patternStream(): (n: number) => Buffer {
  const c = createCipheriv("aes-128-ctr", Buffer.alloc(16, 7), Buffer.alloc(16, 0));
  return (n) => c.update(Buffer.alloc(n));
}

function patternHash(size: number): string {
  const next = patternStream();
  const h = createHash("sha256");
  for (let at = 0; at < size; at += 1 << 20) h.update(next(Math.min(1 << 20, size - at)));
  return h.digest("hex");
}

/** Writes `size` pattern bytes with backpressure, then ends. */
function pumpPattern(sock: TlsSocket, size: number): void {
  const next = patternStream();
  let sent = 0;
  const pump = () => {
    while (sent < size) {
      const n = Math.min(1 << 20, size - sent);
      sent += n;
      if (!sock.write(next(n))) {
        sock.once("drain", pump);
        return;
      }
    }
    sock.end();
  };
  pump();
}

/** Writes the length header, then `size` pattern bytes with backpressure, then ends. */
function sendPattern(sock: TlsSocket, size: number): void {
  const head = Buffer.alloc(8);
  head.writeBigUInt64BE(BigInt(size));
  sock.write(head);
  pumpPattern(sock, size);
}

/** Hashes everything the socket delivers until end. */
function hashIncoming(sock: TlsSocket, ms = 90_000): Promise<{ bytes: number; sha256: string }> {
  return new Promise((resolve, reject) => {
    const h = createHash("sha256");
    let bytes = 0;
    const t = setTimeout(() => reject(new Error(`timeout after ${bytes} bytes`)), ms);
    sock.on("data", (d: Buffer) => {
      bytes += d.length;
      h.update(d);
    });
    sock.on("end", () => {
      clearTimeout(t);
      resolve({ bytes, sha256: h.digest("hex") });
    });
    sock.on("error", (e) => {
      clearTimeout(t);
      reject(e);
    });
  });
}

const missing = node24Missing();

/**
 * Our client against a bulk server on `port`: sends the header and `size` pattern bytes while
 * hashing what comes back; the wall time runs from the handshake's end to the last byte received.
 */
async function ourClientBothWays(
  port: number,
  ca: CertificatesInput,
  size: number,
): Promise<{ got: { bytes: number; sha256: string }; seconds: number }> {
  const c = connect({ host: "127.0.0.1", port, servername: "localhost", ca });
  await new Promise((r, j) => c.once("secureConnect", r).once("error", j));
  const started = process.hrtime.bigint();
  const incoming = hashIncoming(c);
  sendPattern(c, size);
  const got = await incoming;
  return { got, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
}

describe("100 MiB transfer each way", () => {
  const pki = new TestPki();
  const expected = patternHash(SIZE);
  afterAll(() => pki.dispose());

  it.skipIf(missing !== null)("with the Node 24 / OpenSSL 3.5 server", async () => {
    const cert = pki.get("ecdsa-p256");
    const peer = new Peer({
      role: "server",
      mode: "bulk",
      servers: [{ name: "bulk", cert: cert.certFile, key: cert.keyFile, groups: "X25519MLKEM768" }],
    });
    try {
      const port = (await peer.next<{ listening: Record<string, number> }>()).listening.bulk;
      const { got, seconds } = await ourClientBothWays(port, cert.chain.root, SIZE);
      const report = (await peer.next<{ server: { received: number; sha256: string } }>(60_000)).server;
      expect(report.received).toBe(SIZE);
      expect(report.sha256).toBe(expected);
      expect(got.bytes).toBe(SIZE);
      expect(got.sha256).toBe(expected);
      console.log(
        `100 MiB each way with Node 24: ${seconds.toFixed(2)} s (${((2 * SIZE) / 2 ** 20 / seconds).toFixed(0)} MiB/s total)`,
      );
    } finally {
      peer.stop();
    }
  });

  /** Our server: receives the header + pattern, then answers with SIZE pattern bytes. */
  async function ourBulkServer(): Promise<{
    port: number;
    close: () => void;
    received: () => Promise<{ bytes: number; sha256: string }>;
  }> {
    const cert = pki.get("ecdsa-p256");
    let serverDone!: Promise<{ bytes: number; sha256: string }>;
    const server = createServer({ cert: cert.chain.chain, key: cert.chain.leafKey }, (s) => {
      serverDone = new Promise((resolve, reject) => {
        const h = createHash("sha256");
        let bytes = -8;
        s.on("data", (d: Buffer) => {
          const body = bytes < 0 ? d.subarray(Math.min(-bytes, d.length)) : d;
          bytes += d.length;
          h.update(body);
        });
        s.on("end", () => {
          resolve({ bytes, sha256: h.digest("hex") });
          pumpPattern(s, SIZE);
        });
        s.on("error", reject);
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    return {
      port: (server.address() as AddressInfo).port,
      close: () => server.close(),
      received: () => serverDone,
    };
  }

  it.skipIf(missing !== null)("with a Node 24 / OpenSSL 3.5 client against our server", async () => {
    const ours = await ourBulkServer();
    const client = new Peer({
      role: "client",
      connections: [
        {
          port: ours.port,
          ca: pki.get("ecdsa-p256").caFile,
          servername: "localhost",
          groups: "X25519MLKEM768",
          bulk: SIZE,
        },
      ],
    });
    try {
      const r = (await client.next<{ client: { received: number; sha256: string; error?: string } }>(90_000))
        .client;
      expect(r.error).toBeUndefined();
      expect(await ours.received()).toEqual({ bytes: SIZE, sha256: expected });
      expect(r.received).toBe(SIZE);
      expect(r.sha256).toBe(expected);
    } finally {
      client.stop();
      ours.close();
    }
  });

  it("between our client and our server over TCP", async () => {
    const cert = pki.get("ecdsa-p256");
    const ours = await ourBulkServer();
    try {
      const { got, seconds } = await ourClientBothWays(ours.port, cert.chain.root, SIZE);
      expect(await ours.received()).toEqual({ bytes: SIZE, sha256: expected });
      expect(got).toEqual({ bytes: SIZE, sha256: expected });
      console.log(`100 MiB each way, ours ↔ ours: ${seconds.toFixed(2)} s`);
    } finally {
      ours.close();
    }
  });
});
