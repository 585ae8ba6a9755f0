// Our client against our server, in memory and over TCP loopback: negotiation outcomes, data both
// ways, HRR, KeyUpdate, ALPN/SNI, record_size_limit, keylog, timings, failures with the right alerts.

import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { connect, createServer, nobleProvider, type TlsSocket } from "../src/index.js";
import type { ClientOptions, ServerOptions } from "../src/options.js";
import { failing, pair } from "./handshake-helpers.js";
import { once, readAll, testChain } from "./helpers.js";

function serverOptions(
  sig: Parameters<typeof testChain>[0] = "ecdsa-p256",
  extra: Partial<ServerOptions> = {},
): ServerOptions {
  const c = testChain(sig);
  return { cert: c.chain, key: c.leafKey, provider: nobleProvider, ...extra };
}
function clientOptions(
  sig: Parameters<typeof testChain>[0] = "ecdsa-p256",
  extra: Partial<ClientOptions> = {},
): ClientOptions {
  return { ca: testChain(sig).root, servername: "localhost", provider: nobleProvider, ...extra };
}

/** Lengths of the records a socket writes from now on (parsed from its transport's byte stream). */
function recordLengths(sock: TlsSocket): number[] {
  const lengths: number[] = [];
  let pending = Buffer.alloc(0);
  const transport = (sock as unknown as { transport: NodeJS.WritableStream }).transport;
  const origWrite = transport.write.bind(transport) as (...a: unknown[]) => boolean;
  (transport as { write: (...a: unknown[]) => boolean }).write = (chunk: unknown, ...rest: unknown[]) => {
    pending = Buffer.concat([pending, chunk as Buffer]);
    while (pending.length >= 5 && pending.length >= 5 + pending.readUInt16BE(3)) {
      const len = pending.readUInt16BE(3);
      lengths.push(len);
      pending = pending.subarray(5 + len);
    }
    return origWrite(chunk, ...rest);
  };
  return lengths;
}

describe("handshake between our client and our server", () => {
  it("negotiates X25519MLKEM768 with an ECDSA chain and moves data both ways", async () => {
    // No session tickets: the byte counts below compare the handshake flights alone.
    const { c, s } = await pair(clientOptions(), serverOptions("ecdsa-p256", { tickets: 0 }));
    expect(c.getProtocol()).toBe("TLSv1.3");
    expect(c.group).toBe("X25519MLKEM768");
    expect(s.group).toBe("X25519MLKEM768");
    expect(c.cipherSuite).toBe("TLS_AES_128_GCM_SHA256");
    expect(c.signatureScheme).toBe("ecdsa_secp256r1_sha256");
    expect(c.helloRetryRequest).toBe(false);
    expect(c.authorized).toBe(true);
    expect(c.peerCertificates[0].subject).toContain("localhost");
    expect(s.servername).toBe("localhost");
    // ClientHello with a 1216-byte hybrid share + 32-byte x25519 share; server flight carries a 1120-byte share.
    expect(c.handshakeBytes.sent).toBeGreaterThan(1216 + 32);
    expect(c.handshakeBytes.received).toBe(s.handshakeBytes.sent);
    expect(s.handshakeBytes.received).toBe(c.handshakeBytes.sent);
    s.end("pong");
    c.end("ping");
    const [fromServer, fromClient] = await Promise.all([readAll(c), readAll(s)]);
    expect(fromServer.toString()).toBe("pong");
    expect(fromClient.toString()).toBe("ping");
  });

  for (const suite of [
    "TLS_AES_128_GCM_SHA256",
    "TLS_AES_256_GCM_SHA384",
    "TLS_CHACHA20_POLY1305_SHA256",
  ] as const) {
    it(`negotiates ${suite}`, async () => {
      const { c, s } = await pair(
        clientOptions("ed25519", { cipherSuites: [suite] }),
        serverOptions("ed25519"),
      );
      expect(c.cipherSuite).toBe(suite);
      expect(s.cipherSuite).toBe(suite);
      expect(c.signatureScheme).toBe("ed25519");
      c.end("x");
      expect((await readAll(s)).toString()).toBe("x");
    });
  }

  for (const [sig, scheme] of [
    ["rsa2048", "rsa_pss_rsae_sha256"],
    ["mldsa65", "mldsa65"],
    ["ecdsa-p384", "ecdsa_secp384r1_sha384"],
  ] as const) {
    it(`authenticates with ${sig} (${scheme})`, async () => {
      const { c } = await pair(clientOptions(sig), serverOptions(sig));
      expect(c.signatureScheme).toBe(scheme);
      expect(c.authorized).toBe(true);
      c.destroy();
    });
  }

  for (const group of [
    "SecP256r1MLKEM768",
    "SecP384r1MLKEM1024",
    "MLKEM512",
    "MLKEM768",
    "MLKEM1024",
    "x25519",
    "secp256r1",
    "secp384r1",
  ] as const) {
    it(`key exchange over ${group}`, async () => {
      const { c, s } = await pair(
        clientOptions("ecdsa-p256", { groups: [group], keyShares: [group] }),
        serverOptions(),
      );
      expect(c.group).toBe(group);
      expect(s.group).toBe(group);
      c.destroy();
    });
  }

  it("sends HelloRetryRequest (with cookie) when no offered share suits the server", async () => {
    const { c, s } = await pair(
      clientOptions("ecdsa-p256", { groups: ["x25519", "X25519MLKEM768"], keyShares: ["x25519"] }),
      serverOptions("ecdsa-p256", { groups: ["X25519MLKEM768"] }),
    );
    expect(c.helloRetryRequest).toBe(true);
    expect(s.helloRetryRequest).toBe(true);
    expect(c.group).toBe("X25519MLKEM768");
    const types = c.timings.messages.map((m) => `${m.direction}:${m.type}`);
    expect(types.slice(0, 3)).toEqual(["sent:client_hello", "received:server_hello", "sent:client_hello"]);
    c.end("after hrr");
    expect((await readAll(s)).toString()).toBe("after hrr");
  });

  it("prefers the server's group order among offered shares, without HRR", async () => {
    const { c } = await pair(
      clientOptions("ecdsa-p256", { keyShares: ["X25519MLKEM768", "x25519"] }),
      serverOptions("ecdsa-p256", { groups: ["x25519", "X25519MLKEM768"] }),
    );
    expect(c.group).toBe("x25519");
    expect(c.helloRetryRequest).toBe(false);
    c.destroy();
  });

  it("negotiates ALPN and reports SNI", async () => {
    const { c, s } = await pair(
      clientOptions("ecdsa-p256", { ALPNProtocols: ["h2", "http/1.1"], servername: "server.test" }),
      serverOptions("ecdsa-p256", { ALPNProtocols: ["http/1.1"] }),
    );
    expect(c.alpnProtocol).toBe("http/1.1");
    expect(s.alpnProtocol).toBe("http/1.1");
    expect(s.servername).toBe("server.test");
    c.destroy();
  });

  it("fails with no_application_protocol when ALPN lists do not meet", async () => {
    const e = await failing(
      clientOptions("ecdsa-p256", { ALPNProtocols: ["h2"] }),
      serverOptions("ecdsa-p256", { ALPNProtocols: ["http/1.1"] }),
    );
    expect(e.server.alertName).toBe("no_application_protocol");
    expect(e.client.alertName).toBe("no_application_protocol");
    expect(e.client.remote).toBe(true);
  });

  it("rejects a chain from an unknown CA with unknown_ca, and accepts it with rejectUnauthorized: false", async () => {
    const e = await failing(clientOptions("ecdsa-p256", { ca: testChain("ed25519").root }), serverOptions());
    expect(e.client.alertName).toBe("unknown_ca");
    expect(e.client.remote).toBe(false);
    expect(e.server.alertName).toBe("unknown_ca");
    const { c } = await pair(
      clientOptions("ecdsa-p256", { ca: testChain("ed25519").root, rejectUnauthorized: false }),
      serverOptions(),
    );
    expect(c.authorized).toBe(false);
    expect(c.authorizationError).toMatch(/unknown_ca/);
    c.destroy();
  });

  it("rejects a certificate for another name", async () => {
    const e = await failing(clientOptions("ecdsa-p256", { servername: "other.test" }), serverOptions());
    expect(e.client.alertName).toBe("bad_certificate");
  });

  it("checks an IP literal host against the certificate's IP addresses when no servername is set", async () => {
    const chain = testChain("ecdsa-p256"); // valid for 127.0.0.1, not for 10.0.0.1
    const ok = await pair({ ca: chain.root, host: "127.0.0.1", provider: nobleProvider }, serverOptions());
    expect(ok.c.authorized).toBe(true);
    expect(ok.s.servername).toBeUndefined(); // no SNI for an IP literal
    ok.c.destroy();
    const e = await failing({ ca: chain.root, host: "10.0.0.1", provider: nobleProvider }, serverOptions());
    expect(e.client.alertName).toBe("bad_certificate");
  });

  it("fails with handshake_failure when no group is shared", async () => {
    const e = await failing(
      clientOptions("ecdsa-p256", { groups: ["x25519"], keyShares: ["x25519"] }),
      serverOptions("ecdsa-p256", { groups: ["MLKEM768"] }),
    );
    expect(e.server.alertName).toBe("handshake_failure");
  });

  it("updates keys both ways and keeps data flowing", async () => {
    const { c, s } = await pair(clientOptions(), serverOptions());
    const received: string[] = [];
    s.on("data", (d: Buffer) => received.push(d.toString()));
    c.write("one");
    c.keyUpdate(true); // server updates its receive keys and answers with its own KeyUpdate
    c.write("two");
    await new Promise((r) => setTimeout(r, 50));
    s.keyUpdate(false);
    s.write("three");
    const got = await once<Buffer>(c, "data");
    expect(got.toString()).toBe("three");
    expect(received.join("")).toBe("onetwo");
    const serverSent = s.timings.messages.filter((m) => m.direction === "sent" && m.type === "key_update");
    expect(serverSent.length).toBe(2); // the requested answer plus its own
    c.destroy();
  });

  it("honours record_size_limit: no record larger than the peer allows", async () => {
    const { c, s } = await pair(clientOptions("ecdsa-p256", { recordSizeLimit: 256 }), serverOptions());
    expect(s.peerRecordSizeLimit).toBe(256);
    expect(c.peerRecordSizeLimit).toBe(16385);
    const sizes = recordLengths(s);
    const payload = Buffer.alloc(5000, 7);
    s.end(payload);
    const got = await readAll(c);
    expect(got.equals(payload)).toBe(true);
    // TLSInnerPlaintext ≤ 256 → ciphertext ≤ 256 + 16.
    expect(Math.max(...sizes)).toBeLessThanOrEqual(256 + 16);
    expect(sizes.length).toBeGreaterThanOrEqual(Math.ceil(5000 / 255));
  });

  it("pads protected records to the policy's block size", async () => {
    const { c, s } = await pair(clientOptions("ecdsa-p256", { padding: { block: 512 } }), serverOptions());
    const lengths = recordLengths(c);
    c.write("a");
    c.write(Buffer.alloc(1000, 1));
    const got: Buffer[] = [];
    s.on("data", (d: Buffer) => got.push(d));
    await new Promise((r) => setTimeout(r, 50));
    expect(Buffer.concat(got).length).toBe(1001);
    expect(lengths).toEqual([512 + 16, 1024 + 16]);
    c.destroy();
  });

  it("honours SSLKEYLOGFILE without a keylog option: clients always, servers only with keylogFromEnv", async () => {
    const { mkdtempSync, readFileSync, rmSync } = await import("node:fs");
    const { join } = await import("node:path");
    const { tmpdir } = await import("node:os");
    const dir = mkdtempSync(join(tmpdir(), "pqtls-keylog-"));
    /** Lines in the file once both ends have closed (a socket's 'close' waits for its key log). */
    const linesAfterClose = async (server: ServerOptions, file: string) => {
      process.env.SSLKEYLOGFILE = file;
      try {
        const { c, s } = await pair(clientOptions(), server);
        const closed = Promise.all([once(c, "close"), once(s, "close")]);
        c.resume();
        s.resume();
        c.end();
        s.end();
        await closed;
      } finally {
        delete process.env.SSLKEYLOGFILE;
      }
      return readFileSync(file, "utf8").trim().split("\n");
    };
    // The server's environment alone does not turn its key log on: only the client's 5 lines.
    expect(await linesAfterClose(serverOptions(), join(dir, "client-only.log"))).toHaveLength(5);
    const both = await linesAfterClose(
      serverOptions("ecdsa-p256", { keylogFromEnv: true }),
      join(dir, "both.log"),
    );
    // Both ends of the in-process pair log: 5 lines each, identical sets.
    expect(both.length).toBe(10);
    expect(new Set(both).size).toBe(5);
    rmSync(dir, { recursive: true });
  });

  it("writes an NSS key log both sides agree on", async () => {
    const clientLines: string[] = [];
    const serverLines: string[] = [];
    const { c } = await pair(
      clientOptions("ecdsa-p256", { keylog: (l) => clientLines.push(l) }),
      serverOptions("ecdsa-p256", { keylog: (l) => serverLines.push(l) }),
    );
    expect(clientLines.map((l) => l.split(" ")[0])).toEqual([
      "CLIENT_HANDSHAKE_TRAFFIC_SECRET",
      "SERVER_HANDSHAKE_TRAFFIC_SECRET",
      "CLIENT_TRAFFIC_SECRET_0",
      "SERVER_TRAFFIC_SECRET_0",
      "EXPORTER_SECRET",
    ]);
    expect([...clientLines].sort()).toEqual([...serverLines].sort());
    expect(clientLines[0]).toMatch(/^CLIENT_HANDSHAKE_TRAFFIC_SECRET [0-9a-f]{64} [0-9a-f]{64}\n$/);
    c.destroy();
  });

  it("records timings for every handshake message, completion and first application byte", async () => {
    const { c, s } = await pair(clientOptions(), serverOptions("ecdsa-p256", { tickets: 0 }));
    s.write("hi");
    await once(c, "data");
    const t = c.timings;
    expect(t.messages.map((m) => `${m.direction}:${m.type}`)).toEqual([
      "sent:client_hello",
      "received:server_hello",
      "received:encrypted_extensions",
      "received:certificate",
      "received:certificate_verify",
      "received:finished",
      "sent:finished",
    ]);
    const ats = t.messages.map((m) => m.at);
    expect([...ats].sort((a, b) => a - b)).toEqual(ats);
    expect(t.handshakeComplete!).toBeGreaterThanOrEqual(ats[ats.length - 1]);
    expect(t.firstAppDataReceived!).toBeGreaterThanOrEqual(t.handshakeComplete!);
    c.destroy();
  });

  it("supports half-close: after close_notify the other side can still write", async () => {
    const { c, s } = await pair(clientOptions(), serverOptions());
    c.end(); // close_notify from the client
    const fromClient = await readAll(s);
    expect(fromClient.length).toBe(0);
    s.end("late reply");
    expect((await readAll(c)).toString()).toBe("late reply");
  });

  it("gives up on a silent client after handshakeTimeout (tlsClientError)", async () => {
    const { connect: tcpConnect } = await import("node:net");
    const server = createServer(serverOptions("ecdsa-p256", { handshakeTimeout: 200 }));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    try {
      const silent = tcpConnect((server.address() as AddressInfo).port, "127.0.0.1");
      const err = await once<Error & { code?: string }>(server, "tlsClientError", 5000);
      expect(err.code).toBe("ERR_TLS_HANDSHAKE_TIMEOUT");
      silent.destroy();
    } finally {
      server.close();
    }
  });

  it("runs over TCP loopback with createServer/connect(host, port)", async () => {
    const server = createServer(serverOptions(), (sock) => {
      sock.on("data", (d: Buffer) => sock.write(d));
      sock.on("end", () => sock.end());
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    try {
      const port = (server.address() as AddressInfo).port;
      const c = connect({ ...clientOptions(), host: "127.0.0.1", port });
      await once(c, "secureConnect");
      expect(c.timings.transportConnected).toBeGreaterThan(0);
      c.end("echo me");
      expect((await readAll(c)).toString()).toBe("echo me");
    } finally {
      server.close();
    }
  });
});
