// Interop with the Node 24 / OpenSSL 3.5 peer, both directions: groups × certificates × suites,
// each verifying the chain; HRR both ways; KeyUpdate; ALPN and SNI.

import type { AddressInfo } from "node:net";
import {
  type ChainAlgorithm,
  type CipherSuiteName,
  connect,
  createServer,
  type GroupName,
  type TlsServer,
  type TlsSocket,
} from "@pqtls/tls13";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { node24Missing } from "../../tools/node24/index.mjs";
import { OPENSSL_GROUP, Peer, TestPki } from "./peer.js";

const missing = node24Missing();
if (missing) console.warn(`skipping Node 24 interop: ${missing}`);

const GROUPS: GroupName[] = ["X25519MLKEM768", "SecP256r1MLKEM768", "MLKEM768", "x25519"];
/** The other groups both sides implement: one certificate and suite each, both directions. */
const OTHER_GROUPS: GroupName[] = ["SecP384r1MLKEM1024", "MLKEM512", "MLKEM1024", "secp256r1", "secp384r1"];
const CERTS: Array<[ChainAlgorithm, string]> = [
  ["rsa2048", "rsa_pss_rsae_sha256"],
  ["ecdsa-p256", "ecdsa_secp256r1_sha256"],
  ["ed25519", "ed25519"],
  ["mldsa65", "mldsa65"],
];
const SUITES: CipherSuiteName[] = [
  "TLS_AES_128_GCM_SHA256",
  "TLS_AES_256_GCM_SHA384",
  "TLS_CHACHA20_POLY1305_SHA256",
];

function waitFor<T>(emitter: NodeJS.EventEmitter, event: string, ms = 10_000): Promise<T> {
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

function readAll(s: TlsSocket, ms = 10_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    const t = setTimeout(() => reject(new Error("timeout reading")), ms);
    s.on("data", (d: Buffer) => parts.push(d));
    s.on("end", () => {
      clearTimeout(t);
      resolve(Buffer.concat(parts).toString());
    });
    s.on("error", (e) => {
      clearTimeout(t);
      reject(e);
    });
  });
}

describe.skipIf(missing !== null)("interop with Node 24 / OpenSSL 3.5", () => {
  const pki = new TestPki();
  let peer: Peer;
  let ports: Record<string, number>;

  beforeAll(async () => {
    const all = [...GROUPS, ...OTHER_GROUPS].map((g) => OPENSSL_GROUP[g]).join(":");
    peer = new Peer({
      role: "server",
      mode: "echo",
      servers: [
        ...CERTS.map(([sig]) => ({
          name: sig,
          cert: pki.get(sig).certFile,
          key: pki.get(sig).keyFile,
          groups: all,
        })),
        // Only a group our client does not share first: forces a HelloRetryRequest.
        {
          name: "hrr",
          cert: pki.get("ecdsa-p256").certFile,
          key: pki.get("ecdsa-p256").keyFile,
          groups: "X25519MLKEM768",
        },
        // Asks for a client certificate (and tolerates none): we answer with an empty Certificate.
        {
          name: "mtls",
          cert: pki.get("ecdsa-p256").certFile,
          key: pki.get("ecdsa-p256").keyFile,
          groups: all,
          requestCert: true,
        },
        {
          name: "alpn",
          cert: pki.get("ecdsa-p256").certFile,
          key: pki.get("ecdsa-p256").keyFile,
          groups: all,
          alpn: ["http/1.1"],
        },
      ],
    });
    ports = (await peer.next<{ listening: Record<string, number> }>()).listening;
  });
  afterAll(() => {
    peer?.stop();
    pki.dispose();
  });

  async function clientTo(
    name: string,
    sig: ChainAlgorithm,
    extra: Parameters<typeof connect>[0] = {},
  ): Promise<{ c: TlsSocket; server: Record<string, unknown>; echoed: string }> {
    const c = connect({
      host: "127.0.0.1",
      port: ports[name],
      servername: "localhost",
      ca: pki.get(sig).chain.root,
      ...extra,
    });
    await waitFor(c, "secureConnect");
    const reading = readAll(c);
    c.end(`ping ${name}`);
    const echoed = await reading;
    const server = (await peer.next<{ server: Record<string, unknown> }>()).server;
    return { c, server, echoed };
  }

  describe("our client → Node 24 server", () => {
    for (const [sig, scheme] of CERTS)
      for (const group of GROUPS)
        it(`${sig} × ${group} × 3 suites`, async () => {
          for (const suite of SUITES) {
            const { c, server, echoed } = await clientTo(sig, sig, {
              groups: [group],
              keyShares: [group],
              cipherSuites: [suite],
            });
            expect(server.error).toBeUndefined();
            expect(c.group).toBe(group);
            expect(c.cipherSuite).toBe(suite);
            expect(c.signatureScheme).toBe(scheme);
            expect(c.authorized).toBe(true);
            expect(server.cipher).toBe(suite);
            expect(echoed).toBe(`ping ${sig}`);
          }
        });

    it("negotiates each of the other groups (SecP384r1MLKEM1024, MLKEM512/1024, P-256, P-384)", async () => {
      for (const group of OTHER_GROUPS) {
        const { c, server, echoed } = await clientTo("ecdsa-p256", "ecdsa-p256", {
          groups: [group],
          keyShares: [group],
        });
        expect(server.error, group).toBeUndefined();
        expect(c.group).toBe(group);
        expect(c.authorized).toBe(true);
        expect(echoed).toBe("ping ecdsa-p256");
      }
    });

    it("answers the server's HelloRetryRequest", async () => {
      const { c, echoed } = await clientTo("hrr", "ecdsa-p256", {
        groups: ["x25519", "X25519MLKEM768"],
        keyShares: ["x25519"],
      });
      expect(c.helloRetryRequest).toBe(true);
      expect(c.group).toBe("X25519MLKEM768");
      expect(echoed).toBe("ping hrr");
    });

    it("answers a CertificateRequest with an empty Certificate", async () => {
      const { c, server, echoed } = await clientTo("mtls", "ecdsa-p256");
      expect(server.error).toBeUndefined();
      expect(server.peerSubject).toBeNull();
      expect(echoed).toBe("ping mtls");
      const sent = c.timings.messages.filter((m) => m.direction === "sent").map((m) => m.type);
      expect(sent).toEqual(["client_hello", "certificate", "finished"]);
    });

    it("negotiates ALPN and sends SNI", async () => {
      const { c, server } = await clientTo("alpn", "ecdsa-p256", {
        ALPNProtocols: ["h2", "http/1.1"],
        servername: "server.test",
      });
      expect(c.alpnProtocol).toBe("http/1.1");
      expect(server.alpn).toBe("http/1.1");
      expect(server.servername).toBe("server.test");
    });

    it("writes the same NSS key log lines as OpenSSL for the same connection", async () => {
      const lines: string[] = [];
      const { server } = await clientTo("ecdsa-p256", "ecdsa-p256", { keylog: (l) => lines.push(l.trim()) });
      expect(lines).toHaveLength(5);
      expect([...lines].sort()).toEqual([...(server.keylog as string[])].sort());
    });

    it("updates keys both ways mid-stream (KeyUpdate with update_requested)", async () => {
      const c = connect({
        host: "127.0.0.1",
        port: ports["ecdsa-p256"],
        servername: "localhost",
        ca: pki.get("ecdsa-p256").chain.root,
      });
      await waitFor(c, "secureConnect");
      const reading = readAll(c);
      c.write("before ");
      c.keyUpdate(true); // OpenSSL must switch its read keys and send its own KeyUpdate
      c.write("after");
      await new Promise((r) => setTimeout(r, 50));
      c.keyUpdate(false);
      c.end(" end");
      expect(await reading).toBe("before after end");
      const received = c.timings.messages.filter(
        (m) => m.direction === "received" && m.type === "key_update",
      );
      expect(received.length).toBeGreaterThanOrEqual(1);
      await peer.next();
    });
  });

  describe("Node 24 client → our server", () => {
    const servers: TlsServer[] = [];
    const accepted: TlsSocket[] = [];
    const serverPorts: Record<string, number> = {};

    beforeAll(async () => {
      const start = async (name: string, sig: ChainAlgorithm, opts: Record<string, unknown> = {}) => {
        const s = createServer(
          { cert: pki.get(sig).chain.chain, key: pki.get(sig).chain.leafKey, ...opts },
          (sock) => {
            accepted.push(sock);
            sock.on("data", (d: Buffer) => sock.write(d));
            sock.on("end", () => sock.end());
          },
        );
        await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
        serverPorts[name] = (s.address() as AddressInfo).port;
        servers.push(s);
      };
      for (const [sig] of CERTS) await start(sig, sig);
      await start("hrr", "ecdsa-p256", { groups: ["X25519MLKEM768"] });
      await start("alpn", "ecdsa-p256", { ALPNProtocols: ["http/1.1"] });
      await start("other-groups", "ecdsa-p256", { groups: OTHER_GROUPS });
    });
    afterAll(() => {
      for (const s of servers) s.close();
    });

    it("completes groups × certificates × suites, each chain verified by OpenSSL", async () => {
      const connections = [];
      const expected: Array<{ group: string; suite: string; scheme: string }> = [];
      for (const [sig, scheme] of CERTS)
        for (const group of GROUPS)
          for (const suite of SUITES) {
            connections.push({
              port: serverPorts[sig],
              ca: pki.get(sig).caFile,
              servername: "localhost",
              groups: OPENSSL_GROUP[group],
              ciphers: suite,
              send: `${sig}/${group}/${suite}`,
            });
            expected.push({ group, suite, scheme });
          }
      const client = new Peer({ role: "client", connections });
      try {
        for (let i = 0; i < connections.length; i++) {
          const r = (await client.next<{ client: Record<string, unknown> }>()).client;
          expect(r.error, JSON.stringify(r)).toBeUndefined();
          expect(r.protocol).toBe("TLSv1.3");
          expect(r.authorized).toBe(true);
          expect(r.cipher).toBe(expected[i].suite);
          expect(r.echoed).toBe(connections[i].send);
        }
      } finally {
        client.stop();
      }
      const mine = accepted.splice(0);
      expect(mine.map((s) => `${s.group}/${s.cipherSuite}/${s.signatureScheme}`)).toEqual(
        expected.map((e) => `${e.group}/${e.suite}/${e.scheme}`),
      );
    });

    it("negotiates each of the other groups with OpenSSL's client", async () => {
      const connections = OTHER_GROUPS.map((group) => ({
        port: serverPorts["other-groups"],
        ca: pki.get("ecdsa-p256").caFile,
        servername: "localhost",
        groups: OPENSSL_GROUP[group],
        send: group,
      }));
      const client = new Peer({ role: "client", connections });
      try {
        for (const c of connections) {
          const r = (await client.next<{ client: Record<string, unknown> }>()).client;
          expect(r.error, JSON.stringify(r)).toBeUndefined();
          expect(r.authorized).toBe(true);
          expect(r.echoed).toBe(c.send);
        }
      } finally {
        client.stop();
      }
      expect(accepted.splice(0).map((s) => s.group)).toEqual(OTHER_GROUPS);
    });

    it("sends HelloRetryRequest to OpenSSL, and negotiates ALPN/SNI with it", async () => {
      const client = new Peer({
        role: "client",
        connections: [
          {
            port: serverPorts.hrr,
            ca: pki.get("ecdsa-p256").caFile,
            servername: "localhost",
            groups: "X25519:X25519MLKEM768",
          },
          {
            port: serverPorts.alpn,
            ca: pki.get("ecdsa-p256").caFile,
            servername: "server.test",
            groups: "X25519MLKEM768",
            alpn: ["h2", "http/1.1"],
          },
        ],
      });
      try {
        const hrr = (await client.next<{ client: Record<string, unknown> }>()).client;
        expect(hrr.error).toBeUndefined();
        expect(hrr.echoed).toBe("hello from node24");
        const alpn = (await client.next<{ client: Record<string, unknown> }>()).client;
        expect(alpn.alpn).toBe("http/1.1");
      } finally {
        client.stop();
      }
      const [h, a] = accepted.splice(0);
      expect(h.helloRetryRequest).toBe(true);
      expect(h.group).toBe("X25519MLKEM768");
      expect(a.alpnProtocol).toBe("http/1.1");
      expect(a.servername).toBe("server.test");
    });
  });
});
