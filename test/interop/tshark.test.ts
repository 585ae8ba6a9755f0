// tshark (Wireshark) decrypts a loopback capture of our client talking HTTP/1.1 to our server, using
// only our SSLKEYLOGFILE output: proof that the key log is right for every secret it writes, and
// Wireshark's own TLS dissector doubles as an independent reader of our CompressedCertificate.

import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type CertificateCompressionInfo, connect, createServer } from "@pqtls/tls13";
import { afterAll, describe, expect, it } from "vitest";
import { TestPki } from "./peer.js";
import { freePort, run, stop, toolVersion, waitForOutput } from "./processes.js";

const version = toolVersion("tshark");
if (!version) console.warn("skipping tshark decryption test: no tshark (apt-get install tshark)");

const BODY = `decrypted-body-${process.pid}`;

describe.skipIf(version === null)(`${version} decrypts our traffic with our key log`, () => {
  const pki = new TestPki();
  const dir = mkdtempSync(join(tmpdir(), "pqtls-tshark-"));
  afterAll(() => {
    pki.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it("shows the HTTP request and response inside X25519MLKEM768 TLS, and our brotli CompressedCertificate", async () => {
    const port = await freePort();
    const capture = join(dir, "capture.pcapng");
    const keylog = join(dir, "keys.log");
    // Capture only this test's port on loopback.
    let compression: CertificateCompressionInfo | undefined;
    const tshark = spawn("tshark", ["-i", "lo", "-f", `tcp port ${port}`, "-w", capture]);
    try {
      await waitForOutput(tshark, "Capturing on", 15_000);

      const { chain } = pki.get("ecdsa-p256");
      const server = createServer(
        { cert: chain.chain, key: chain.leafKey, certificateCompression: ["brotli"] },
        (s) => {
          let req = "";
          s.on("data", (d: Buffer) => {
            req += d.toString();
            if (req.includes("\r\n\r\n"))
              s.end(
                `HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: ${BODY.length}\r\n\r\n${BODY}`,
              );
          });
        },
      );
      await new Promise<void>((r) => server.listen(port, "127.0.0.1", r));
      const c = connect({
        host: "127.0.0.1",
        port,
        servername: "localhost",
        ca: chain.root,
        keylog,
        certificateCompression: ["brotli"],
      });
      c.once("secureConnect", () => c.write("GET /secret-path HTTP/1.1\r\nHost: localhost\r\n\r\n"));
      const response = await new Promise<string>((resolve, reject) => {
        let r = "";
        const t = setTimeout(() => reject(new Error("no HTTP response")), 15_000);
        c.on("data", (d: Buffer) => {
          r += d.toString();
        });
        c.once("end", () => {
          clearTimeout(t);
          c.end();
          resolve(r);
        });
        c.once("error", reject);
      });
      server.close();
      expect(response).toContain(BODY);
      expect(c.group).toBe("X25519MLKEM768");
      compression = c.certificateCompression;
      expect(compression?.algorithm).toBe("brotli");
      // Let the last segments (FIN, ACK) reach the capture before stopping it.
      await new Promise((r) => setTimeout(r, 300));
    } finally {
      await stop(tshark, 10_000, "SIGINT"); // SIGINT: tshark finishes writing the file
    }
    expect(existsSync(capture)).toBe(true);
    expect(readFileSync(keylog, "utf8")).toMatch(
      /^CLIENT_HANDSHAKE_TRAFFIC_SECRET [0-9a-f]{64} [0-9a-f]{64}$/m,
    );

    const read = (keys: string, filter: string, fields: string[]) =>
      run(
        "tshark",
        [
          "-r",
          capture,
          "-o",
          `tls.keylog_file:${keys}`,
          "-d",
          `tcp.port==${port},tls`,
          "-Y",
          filter,
          "-T",
          "fields",
          "-E",
          "separator=|",
          ...fields.flatMap((f) => ["-e", f]),
        ],
        { ms: 30_000 },
      );

    const http = await read(keylog, "http", [
      "http.request.method",
      "http.request.uri",
      "http.response.code",
      "http.file_data",
    ]);
    expect(http.code, http.stderr).toBe(0);
    const rows = http.stdout.trim().split("\n");
    expect(rows).toContain("GET|/secret-path||");
    expect(rows.some((r) => r.startsWith("||200|") && r.includes(BODY))).toBe(true);

    // Without the key log the same capture shows no HTTP at all: the decryption came from our keys.
    const blind = await read("", "http", ["http.request.uri"]);
    expect(blind.stdout.trim()).toBe("");

    // Wireshark decompresses our CompressedCertificate itself and finds the leaf inside.
    const cert = await read(keylog, "tls.handshake.type == 25", [
      "tls.compress_certificate.algorithm",
      "tls.compress_certificate.uncompressed_length",
      "tls.decompression_error",
      "x509sat.uTF8String",
    ]);
    const [alg, uncompressed, error, names] = cert.stdout.trim().split("|");
    expect(alg).toBe("2");
    expect(error).toBe("");
    expect(names.split(",")).toContain("localhost");
    expect(Number(uncompressed)).toBe(compression!.uncompressedBytes - 4);
  });
});
