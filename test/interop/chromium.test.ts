// Interop with Chromium (BoringSSL): headless Chromium fetches a page from our server over
// 127.0.0.1. On the server side we check what Chromium's ClientHello offered (read by a separate
// minimal parser), that we negotiated X25519MLKEM768 with it, and that the chain went as a brotli
// CompressedCertificate when Chromium offered brotli (RFC 8879) — an independent decompressor.

import { createHash, X509Certificate } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { type AddressInfo, createServer as createNetServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { accept, type TlsSocket } from "@pqtls/tls13";
import { afterAll, describe, expect, it } from "vitest";
import { captureClientHello, type OfferedHello } from "./client-hello.js";
import { TestPki } from "./peer.js";
import { run, toolVersion } from "./processes.js";

const version = toolVersion("chromium");
if (!version) console.warn("skipping Chromium interop: chromium does not run (apt-get install chromium)");

const X25519MLKEM768 = 0x11ec;
const BROTLI = 2;
const PAGE_TOKEN = `pqtls-page-${process.pid}`;

interface Seen {
  hello: OfferedHello;
  socket: TlsSocket;
  request?: string;
}

describe.skipIf(version === null)(`interop with ${version}`, () => {
  const pki = new TestPki();
  const profile = mkdtempSync(join(tmpdir(), "pqtls-chromium-"));
  let server: Server | undefined;
  afterAll(() => {
    server?.close();
    pki.dispose();
    rmSync(profile, { recursive: true, force: true });
  });

  it("fetches a page over X25519MLKEM768 with a brotli-compressed certificate chain", async () => {
    // ECDSA P-256: Chromium verifies neither Ed25519 nor ML-DSA certificates.
    const { chain } = pki.get("ecdsa-p256");
    const seen: Promise<Seen>[] = [];
    server = createNetServer({ allowHalfOpen: true }, (tcp) => {
      const socket = accept(tcp, {
        cert: chain.chain,
        key: chain.leafKey,
        certificateCompression: ["brotli", "zlib"],
      });
      socket.on("error", () => {}); // Chromium may drop spare (preconnected) sockets abruptly
      const entry: Seen = { hello: undefined as unknown as OfferedHello, socket };
      seen.push(
        captureClientHello(tcp).then((hello) => {
          entry.hello = hello;
          return entry;
        }),
      );
      let request = "";
      socket.on("data", (d: Buffer) => {
        request += d.toString("latin1");
        if (!request.includes("\r\n\r\n") || entry.request) return;
        entry.request = request.split("\r\n")[0];
        const body = `<html><body><p id="t">${PAGE_TOKEN}</p></body></html>`;
        socket.end(
          `HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
        );
      });
    });
    await new Promise<void>((r) => server!.listen(0, "127.0.0.1", r));
    const port = (server.address() as AddressInfo).port;

    // Trust exactly our leaf key (no system-wide root, no blanket --ignore-certificate-errors).
    const leafKey = new X509Certificate(chain.leaf.der).publicKey.export({ type: "spki", format: "der" });
    const spkiHash = createHash("sha256").update(leafKey).digest("base64");
    const r = await run(
      "chromium",
      [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        `--user-data-dir=${profile}`,
        `--ignore-certificate-errors-spki-list=${spkiHash}`,
        "--dump-dom",
        `https://localhost:${port}/page`,
      ],
      { ms: 60_000, env: { ...process.env, HOME: profile } },
    );
    expect(r.signal, `chromium was killed after 60 s; stderr: ${r.stderr.slice(-2000)}`).toBeNull();
    expect(r.stdout, `chromium stderr: ${r.stderr.slice(-2000)}`).toContain(PAGE_TOKEN);

    const all = await Promise.all(seen);
    const served = all.filter((s) => s.request);
    expect(served.length).toBeGreaterThanOrEqual(1);
    const { hello, socket, request } = served[0];
    expect(request).toBe("GET /page HTTP/1.1");
    // What Chromium offered: the hybrid group, with a key share for it.
    expect(hello.groups).toContain(X25519MLKEM768);
    expect(hello.keyShareGroups).toContain(X25519MLKEM768);
    // What we negotiated with it.
    expect(socket.group).toBe("X25519MLKEM768");
    expect(socket.signatureScheme).toBe("ecdsa_secp256r1_sha256");
    expect(socket.helloRetryRequest).toBe(false);
    if (hello.certificateCompression?.includes(BROTLI)) {
      expect(socket.certificateCompression?.algorithm).toBe("brotli");
      expect(socket.certificateCompression!.compressedBytes).toBeLessThan(
        socket.certificateCompression!.uncompressedBytes,
      );
    } else {
      console.warn(`${version} did not offer brotli certificate compression; compression not exercised`);
      expect(socket.certificateCompression).toBeUndefined();
    }
  });
});
