// The endpoint programs through the runner's process wrappers, on a loopback lane (no root needed):
// exact bodies, failures as measurements with the alert (and the server's side of it), a refused
// port, and a driver that survives them all; one server process serving two configurations, each
// on its own port with only its own group and chain; both ends' TCP_INFO.
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Lane, openLane, symmetricLink } from "../src/net/index.js";
import { ClientDriver, ServerProcess } from "../src/run/endpoints.js";
import { resolveEngines } from "../src/run/engines.js";
import { pkiDir } from "../src/run/pki.js";

const pki = (chain: string, file: string) => join(pkiDir(), chain, file);
const servername = "server.pqtls.test";

for (const engine of ["pqtls", "openssl"] as const) {
  describe(`${engine} endpoints on loopback`, () => {
    let lane: Lane;
    let server: ServerProcess;
    let driver: ClientDriver;

    beforeAll(async () => {
      const rt = (await resolveEngines([engine])).get(engine)!;
      lane = await openLane(symmetricLink({ rttMs: 0, backend: "none" }), {
        runId: `ep${engine[0]}`,
        lane: 0,
      });
      server = await ServerProcess.start(lane, rt, [
        {
          engine,
          host: "127.0.0.1",
          port: 0,
          certFile: pki("mldsa65", "chain.pem"),
          keyFile: pki("mldsa65", "leaf.key"),
          groups: ["X25519MLKEM768"],
          suites: ["TLS_AES_128_GCM_SHA256"],
        },
        {
          engine,
          host: "127.0.0.1",
          port: 0,
          certFile: pki("rsa2048", "chain.pem"),
          keyFile: pki("rsa2048", "leaf.key"),
          groups: ["x25519"],
          suites: ["TLS_AES_128_GCM_SHA256"],
        },
      ]);
      driver = new ClientDriver(lane, rt);
    });
    afterAll(async () => {
      await driver?.stop();
      await server?.stop();
      await lane?.close();
    });

    const connect = (o: { caChain?: string; kex?: string; bytes?: number; port?: number }) =>
      driver.connect({
        host: "127.0.0.1",
        port: o.port ?? server.ports[0],
        servername,
        caFile: pki(o.caChain ?? "mldsa65", "root.pem"),
        kex: o.kex ?? "X25519MLKEM768",
        suite: "TLS_AES_128_GCM_SHA256",
        bytes: o.bytes ?? 0,
        timeoutMs: 10_000,
      });

    it("measures a handshake-only connection and one with exactly N body bytes", async () => {
      const hs = await connect({});
      expect(hs).toMatchObject({
        ok: true,
        error: null,
        group: "X25519MLKEM768",
        suite: "TLS_AES_128_GCM_SHA256",
      });
      expect(hs.ttlb_ms).toBe(hs.handshake_ms);
      expect(hs.ttfb_ms).toBeNull();
      expect(hs.handshake_ms as number).toBeGreaterThan(hs.tcp_connect_ms as number);
      expect(hs.hs_bytes_c2s as number).toBeGreaterThan(1184); // carries the ML-KEM-768 key
      expect(hs.hs_bytes_s2c as number).toBeGreaterThan(11331 + 3309); // ML-DSA-65 leaf + intermediate + signature
      const n = 123_457;
      const data = await connect({ bytes: n });
      expect(data).toMatchObject({ ok: true, body_bytes: n });
      expect(data.ttlb_ms as number).toBeGreaterThanOrEqual(data.ttfb_ms as number);
      expect(data.ttfb_ms as number).toBeGreaterThan(data.handshake_ms as number);
      expect(data.close_ms as number).toBeGreaterThanOrEqual(data.ttlb_ms as number);
    });

    it("turns a chain the client does not trust into a failed measurement, with the server's side", async () => {
      const m = await connect({ caChain: "rsa2048" });
      expect(m.ok).toBe(false);
      expect(m.error).toMatch(/^tls handshake: /);
      expect(m.handshake_ms).toBeNull();
      expect(m.tcp_connect_ms).not.toBeNull();
      expect(await server.errorFor(m.local_port, 2000)).toMatch(
        /unknown_ca|alert|certificate|hang up|reset/i,
      );
    });

    it("reports a group the server refuses and a closed port, then still works", async () => {
      const g = await connect({ kex: "x25519" });
      expect(g.ok).toBe(false);
      expect(g.error).toMatch(/handshake_failure|HANDSHAKE_FAILURE/);
      const refused = await connect({ port: 1 });
      expect(refused).toMatchObject({ ok: false, tcp_connect_ms: null });
      expect(refused.error).toMatch(/^tcp connect: .*ECONNREFUSED/);
      expect((await connect({})).ok).toBe(true);
    });

    it("serves its second configuration on its own port, with only that one's group and chain", async () => {
      expect(server.ports).toHaveLength(2);
      expect(server.ports[1]).not.toBe(server.ports[0]);
      const rsa = await connect({ port: server.ports[1], kex: "x25519", caChain: "rsa2048", bytes: 1000 });
      expect(rsa).toMatchObject({ ok: true, group: "x25519", body_bytes: 1000 });
      expect(rsa.hs_bytes_s2c as number).toBeLessThan(5000); // the RSA chain, not the ML-DSA one
      // Each server offers only its own group.
      const pqOnRsa = await connect({ port: server.ports[1], caChain: "rsa2048" });
      expect(pqOnRsa.ok).toBe(false);
      expect(pqOnRsa.error).toMatch(/handshake_failure|HANDSHAKE_FAILURE/);
    });

    it("reports both ends' TCP_INFO of a connection", async () => {
      const m = await connect({ bytes: 50_000 });
      expect(m.ok).toBe(true);
      expect(m.tcp_info?.bytes_received as number).toBeGreaterThanOrEqual(
        (m.hs_bytes_s2c as number) + 50_000,
      );
      const info = await server.tcpInfoFor(m.local_port, 2000);
      expect(info?.bytes_acked as number).toBeGreaterThanOrEqual((m.hs_bytes_s2c as number) + 50_000);
      expect(info?.total_retrans).toBe(0);
      // Taken once: a second ask for the same connection has nothing.
      expect(await server.tcpInfoFor(m.local_port, 0)).toBeNull();
    });
  });
}
