// mTLS interop with the Node 24 / OpenSSL 3.5 peer, both directions: ML-DSA-44/65/87, RSA (rsae and
// PSS keys), ECDSA and Ed25519 client chains verified by the other side; a missing or untrusted
// client certificate refused with OpenSSL's alerts (and ours); the chain chosen by OpenSSL's
// certificate_authorities.

import type { AddressInfo } from "node:net";
import {
  type ChainAlgorithm,
  connect,
  createServer,
  generateChain,
  type TlsServer,
  type TlsSocket,
} from "@pqtls/tls13";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { node24Missing } from "../../tools/node24/index.mjs";
import { Peer, TestPki } from "./peer.js";

const missing = node24Missing();
if (missing) console.warn(`skipping Node 24 mTLS interop: ${missing}`);

/** Client chains and the CertificateVerify scheme each signs with. */
const CLIENT_CHAINS: Array<[ChainAlgorithm, string]> = [
  ["mldsa44", "mldsa44"],
  ["mldsa65", "mldsa65"],
  ["mldsa87", "mldsa87"],
  ["rsa2048", "rsa_pss_rsae_sha256"],
  ["rsa-pss2048", "rsa_pss_pss_sha256"],
  ["ecdsa-p256", "ecdsa_secp256r1_sha256"],
  ["ed25519", "ed25519"],
];

/** Resolves on `event`, rejects on 'error' first. */
function waitFor<T>(emitter: NodeJS.EventEmitter, event: string, ms = 15_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`timeout waiting for ${event}`)), ms);
    emitter.once(event, (v: T) => {
      clearTimeout(t);
      resolve(v);
    });
    emitter.once("error", (e: Error) => {
      clearTimeout(t);
      reject(e);
    });
  });
}

/** Sends `text`, ends, and resolves with what came back, or rejects with the socket's error. */
function echo(c: TlsSocket, text: string, ms = 15_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    const t = setTimeout(() => reject(new Error("timeout reading")), ms);
    c.on("data", (d: Buffer) => parts.push(d));
    c.on("end", () => {
      clearTimeout(t);
      resolve(Buffer.concat(parts).toString());
    });
    c.on("error", (e) => {
      clearTimeout(t);
      reject(e);
    });
    c.end(text);
  });
}

describe.skipIf(missing !== null)("mTLS interop with Node 24 / OpenSSL 3.5", () => {
  const pki = new TestPki();
  const serverCert = () => pki.get("ecdsa-p256");

  describe("our client → Node 24 server (requestCert, rejectUnauthorized)", () => {
    let peer: Peer;
    let ports: Record<string, number>;

    beforeAll(async () => {
      peer = new Peer({
        role: "server",
        mode: "echo",
        servers: CLIENT_CHAINS.map(([sig]) => ({
          name: sig,
          cert: serverCert().certFile,
          key: serverCert().keyFile,
          groups: "X25519MLKEM768:X25519",
          requestCert: true,
          rejectUnauthorized: true,
          clientCa: pki.get(sig).caFile,
        })),
      });
      ports = (await peer.next<{ listening: Record<string, number> }>()).listening;
    }, 60_000);
    afterAll(() => peer?.stop());

    const connectTo = (name: string, own: Record<string, unknown>) =>
      connect({
        host: "127.0.0.1",
        port: ports[name],
        servername: "localhost",
        ca: serverCert().chain.root,
        ...own,
      });
    const pairOf = (sig: ChainAlgorithm) => ({
      cert: pki.get(sig).chain.chain,
      key: pki.get(sig).chain.leafKey,
    });

    for (const [sig, scheme] of CLIENT_CHAINS)
      it(`a ${sig} client chain, verified by OpenSSL`, async () => {
        const c = connectTo(sig, pairOf(sig));
        await waitFor(c, "secureConnect");
        expect(await echo(c, `ping ${sig}`)).toBe(`ping ${sig}`);
        const server = (await peer.next<{ server: Record<string, unknown> }>()).server;
        expect(server.error).toBeUndefined();
        expect(server.authorized).toBe(true);
        expect(server.peerSubject).toMatchObject({ CN: "localhost" });
        expect(c.clientSignatureScheme).toBe(scheme);
      });

    it("no client certificate: OpenSSL's certificate_required", async () => {
      const c = connectTo("mldsa65", {});
      const err = await echo(c, "x").then(
        () => undefined,
        (e: Error & { alertName?: string; remote?: boolean }) => e,
      );
      expect(err?.alertName).toBe("certificate_required");
      expect(err?.remote).toBe(true);
      expect(((await peer.next<{ server: Record<string, unknown> }>()).server.error as string) ?? "").toMatch(
        /certificate/i,
      );
    });

    it("a look-alike client chain (the CA's name, another key): Node refuses it", async () => {
      // Same names as the trusted mldsa65 CA, so our client picks it from the certificate_authorities.
      const impostor = generateChain({ sig: "mldsa65", depth: 2, hostnames: ["localhost"] });
      const c = connectTo("mldsa65", { cert: impostor.chain, key: impostor.leafKey });
      // node:tls checks the client chain after OpenSSL's handshake and destroys the socket (no
      // alert): nothing is echoed, and the server reports the connection as failed.
      expect(await echo(c, "x").catch((e: Error) => e.message)).not.toBe("x");
      const server = (await peer.next<{ server: Record<string, unknown> }>()).server;
      expect(server.error).toBeDefined();
      expect(server.authorized).toBeUndefined();
    });

    it("of several pairs, sends the one under the certificate_authorities OpenSSL names", async () => {
      const c = connectTo("mldsa87", { certificates: [pairOf("ecdsa-p256"), pairOf("mldsa87")] });
      await waitFor(c, "secureConnect");
      expect(await echo(c, "pick")).toBe("pick");
      const server = (await peer.next<{ server: Record<string, unknown> }>()).server;
      expect(server.authorized).toBe(true);
      expect(c.clientSignatureScheme).toBe("mldsa87");
    });
  });

  describe("Node 24 client → our server (requestCert, ca)", () => {
    const servers: TlsServer[] = [];
    const accepted: TlsSocket[] = [];
    const ports: Record<string, number> = {};

    beforeAll(async () => {
      for (const [sig] of CLIENT_CHAINS) {
        const s = createServer(
          {
            cert: serverCert().chain.chain,
            key: serverCert().chain.leafKey,
            requestCert: true,
            ca: pki.get(sig).chain.root,
          },
          (sock) => {
            accepted.push(sock);
            sock.on("data", (d: Buffer) => sock.write(d));
            sock.on("end", () => sock.end());
          },
        );
        s.on("tlsClientError", () => {});
        await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
        ports[sig] = (s.address() as AddressInfo).port;
        servers.push(s);
      }
    }, 60_000);
    afterAll(() => {
      for (const s of servers) s.close();
    });

    it("each client chain signed by OpenSSL, verified by us", async () => {
      const connections = CLIENT_CHAINS.map(([sig]) => ({
        port: ports[sig],
        ca: serverCert().caFile,
        servername: "localhost",
        groups: "X25519MLKEM768:X25519",
        cert: pki.get(sig).certFile,
        key: pki.get(sig).keyFile,
        send: `from ${sig}`,
      }));
      const client = new Peer({ role: "client", connections });
      try {
        for (const [i, [sig]] of CLIENT_CHAINS.entries()) {
          const r = (await client.next<{ client: Record<string, unknown> }>(30_000)).client;
          expect(r.error, `${sig}: ${JSON.stringify(r)}`).toBeUndefined();
          expect(r.echoed).toBe(connections[i].send);
        }
      } finally {
        client.stop();
      }
      const mine = accepted.splice(0);
      expect(mine.map((s) => [s.authorized, s.clientSignatureScheme])).toEqual(
        CLIENT_CHAINS.map(([, scheme]) => [true, scheme]),
      );
      expect(
        mine
          .map((s) => s.getPeerCertificate())
          .every((p) => (p as { subject?: { CN?: string } }).subject?.CN === "localhost"),
      ).toBe(true);
    });

    it("a Node 24 client without a certificate gets certificate_required", async () => {
      const failures: Error[] = [];
      servers[1].once("tlsClientError", (e: Error) => failures.push(e));
      const client = new Peer({
        role: "client",
        connections: [
          { port: ports.mldsa65, ca: serverCert().caFile, servername: "localhost", groups: "X25519MLKEM768" },
        ],
      });
      try {
        const r = (await client.next<{ client: Record<string, unknown> }>(30_000)).client;
        expect(`${r.error} ${r.code}`).toMatch(/certificate required|CERTIFICATE_REQUIRED/i);
      } finally {
        client.stop();
      }
      expect(failures[0]?.message).toMatch(/certificate_required/);
    });
  });
});
