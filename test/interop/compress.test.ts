// RFC 8879 with OpenSSL peers: Node 24's OpenSSL 3.5 (whose build has no compression algorithm) and
// Debian's OpenSSL 3.0 (which predates RFC 8879). Turning compression on must cost nothing with
// them: an ML-DSA chain goes plain and verifies both ways. What the peer's ClientHello offered is
// read by a separate parser, so the day a Node 24 build does offer an algorithm we speak, the
// server-side case turns into a real compressed round trip and asserts it. Also runs our own client
// and server under Node 24, whose node:zlib has zstd (Node 20's has not), so the zstd path is tested.

import { spawn } from "node:child_process";
import { createServer as createNetServer } from "node:net";
import { fileURLToPath } from "node:url";
import { accept, connect, type TlsSocket } from "@pqtls/tls13";
import { afterAll, describe, expect, it } from "vitest";
import { node24Path } from "../../tools/node24/index.mjs";
import { captureClientHello, type OfferedHello } from "./client-hello.js";
import { Peer, TestPki } from "./peer.js";
import { freePort, run, stop, toolVersion, waitForOutput } from "./processes.js";

const node24 = node24Path();
if (!node24) console.warn("skipping Node 24 compression interop: Node 24 peer missing (npm install)");
const openssl = toolVersion("openssl", ["version"]);
if (!openssl) console.warn("skipping OpenSSL 3.0 compression interop: no openssl binary");

/** RFC 8879 codes we can decompress and compress. */
const OURS: Record<number, "zlib" | "brotli"> = { 1: "zlib", 2: "brotli" };

/** Our client (offering brotli and zlib) says hello to an echo server and reads the echo. */
async function clientEcho(port: number, ca: Uint8Array, group: "X25519MLKEM768" | "x25519") {
  const c = connect({
    host: "127.0.0.1",
    port,
    servername: "localhost",
    ca,
    groups: [group],
    keyShares: [group],
    certificateCompression: ["brotli", "zlib"],
  });
  const echoed = await new Promise<string>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error("no echo")), 15_000);
    c.once("error", (e) => {
      clearTimeout(t);
      reject(e);
    });
    c.once("secureConnect", () => c.write("hello\n"));
    c.once("data", (d: Buffer) => {
      clearTimeout(t);
      resolve(d.toString());
    });
  });
  c.end();
  return { c, echoed };
}

describe("certificate compression with OpenSSL peers, and zstd on Node 24", () => {
  const pki = new TestPki();
  afterAll(() => pki.dispose());

  describe.skipIf(!node24)("Node 24 / OpenSSL 3.5", () => {
    it("our client offers brotli+zlib to an ML-DSA-65 server: plain Certificate, verified", async () => {
      const pem = pki.get("mldsa65");
      const peer = new Peer({
        role: "server",
        mode: "echo",
        servers: [{ name: "s", cert: pem.certFile, key: pem.keyFile, groups: "X25519MLKEM768" }],
      });
      try {
        const port = (await peer.next<{ listening: Record<string, number> }>()).listening.s;
        const { c, echoed } = await clientEcho(port, pem.chain.root.der, "X25519MLKEM768");
        expect(echoed).toBe("hello\n");
        expect(c.authorized).toBe(true);
        expect(c.signatureScheme).toBe("mldsa65");
        expect(c.certificateCompression).toBeUndefined();
        expect(c.timings.messages.filter((m) => m.direction === "received").map((m) => m.type)).toContain(
          "certificate",
        );
      } finally {
        peer.stop();
      }
    });

    it("a Node 24 client against our compressing server: compressed exactly when it offers an algorithm we have", async () => {
      const pem = pki.get("mldsa65");
      const accepted: Array<{ socket: TlsSocket; hello: Promise<OfferedHello> }> = [];
      const server = createNetServer({ allowHalfOpen: true }, (tcp) => {
        const socket = accept(tcp, {
          cert: pem.chain.chain,
          key: pem.chain.leafKey,
          certificateCompression: ["brotli", "zlib"],
        });
        accepted.push({ socket, hello: captureClientHello(tcp) });
        socket.on("data", (d: Buffer) => socket.write(d));
        socket.on("end", () => socket.end());
        socket.on("error", () => {});
      });
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
      const port = (server.address() as { port: number }).port;
      const client = new Peer({
        role: "client",
        connections: [{ port, ca: pem.caFile, servername: "localhost", groups: "X25519MLKEM768" }],
      });
      try {
        const r = (await client.next<{ client: Record<string, unknown> }>()).client;
        expect(r.error, JSON.stringify(r)).toBeUndefined();
        expect(r.authorized).toBe(true);
        expect(r.echoed).toBe("hello from node24");
        const { socket, hello } = accepted[0];
        const offered = ((await hello).certificateCompression ?? [])
          .map((code) => OURS[code])
          .filter(Boolean);
        if (offered.length) {
          const ourPick = (["brotli", "zlib"] as const).find((a) => offered.includes(a));
          expect(socket.certificateCompression?.algorithm).toBe(ourPick);
        } else {
          expect(socket.certificateCompression).toBeUndefined();
        }
        expect(socket.group).toBe("X25519MLKEM768");
      } finally {
        client.stop();
        server.close();
      }
    });
  });

  it.skipIf(!node24)(
    "zstd, which node:zlib has only from Node 22.15: ours ↔ ours run by Node 24",
    async () => {
      const script = fileURLToPath(new URL("./zstd-node24.mjs", import.meta.url));
      const r = await run(node24!, [script], { ms: 30_000 });
      expect(r.code, r.stderr).toBe(0);
      const seen = JSON.parse(r.stdout.trim());
      expect(seen.echoed).toBe("zstd?");
      expect(seen.authorized).toBe(true);
      expect(seen.client.algorithm).toBe("zstd");
      expect(seen.server).toEqual(seen.client);
      expect(seen.client.compressedBytes).toBeLessThan(seen.client.uncompressedBytes);
    },
  );

  describe.skipIf(!openssl)(`Debian ${openssl}`, () => {
    it("openssl s_server ignores our compress_certificate offer and the handshake completes", async () => {
      const pem = pki.get("ecdsa-p256");
      const port = await freePort();
      const srv = spawn("openssl", [
        "s_server",
        "-accept",
        String(port),
        "-cert",
        pem.certFile,
        "-key",
        pem.keyFile,
        "-tls1_3",
        "-groups",
        "X25519",
        "-rev", // answers each line reversed: proof the data path works
        "-naccept",
        "1",
      ]);
      try {
        await waitForOutput(srv, "ACCEPT");
        const { c, echoed } = await clientEcho(port, pem.chain.root.der, "x25519");
        expect(echoed).toContain("olleh");
        expect(c.authorized).toBe(true);
        expect(c.certificateCompression).toBeUndefined();
      } finally {
        await stop(srv);
      }
    });
  });
});
