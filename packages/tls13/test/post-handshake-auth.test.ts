// Post-handshake client authentication (RFC 8446 §4.6.2) between our client and our server: the
// post_handshake_auth extension, the server's requestCertificate(), the client's answer (its own
// transcript and the client_application_traffic_secret_N Finished key), how the answer is judged,
// and the bounds on a peer that asks or never answers.

import { Duplex } from "node:stream";
import { describe, expect, it } from "vitest";
import {
  MAX_CERTIFICATE_REQUESTS_WITHOUT_DATA,
  MAX_PENDING_CERTIFICATE_REQUESTS,
} from "../src/handshake/post_handshake_auth.js";
import { accept, connect, nobleProvider, TicketKeys, type TlsSocket } from "../src/index.js";
import type { ClientOptions, ServerOptions } from "../src/options.js";
import { serializeCertificateRequest } from "../src/wire/certificate_request.js";
import {
  type ClientHelloExtensions,
  decodeClientHelloExtensions,
  encodeClientHelloExtensions,
} from "../src/wire/client_hello.js";
import type { ChainAlgorithm } from "../src/x509/index.js";
import { pair } from "./handshake-helpers.js";
import { once, testChain } from "./helpers.js";

/** A server (ECDSA chain) without requestCert, trusting client chains under `clientRoot`. */
function server(clientRoot: ChainAlgorithm, extra: Partial<ServerOptions> = {}): ServerOptions {
  const c = testChain("ecdsa-p256");
  return { cert: c.chain, key: c.leafKey, provider: nobleProvider, ca: testChain(clientRoot).root, ...extra };
}

/** A client offering post_handshake_auth, with `sig`'s test chain (none when undefined). */
function client(sig: ChainAlgorithm | undefined, extra: Partial<ClientOptions> = {}): ClientOptions {
  const own = sig ? { cert: testChain(sig).chain, key: testChain(sig).leafKey } : {};
  return {
    ca: testChain("ecdsa-p256").root,
    servername: "localhost",
    provider: nobleProvider,
    postHandshakeAuth: true,
    ...own,
    ...extra,
  };
}

/** An in-memory transport pair that delivers everything written in one tick as one chunk. */
function coalescingPair(): [Duplex, Duplex] {
  const make = (peer: () => Duplex) => {
    let queued: Buffer[] = [];
    return new Duplex({
      allowHalfOpen: true,
      read() {},
      write(chunk: Buffer, _encoding, cb) {
        if (queued.length === 0)
          setImmediate(() => {
            const all = Buffer.concat(queued);
            queued = [];
            if (!peer().destroyed) peer().push(all);
          });
        queued.push(chunk);
        cb();
      },
      final(cb) {
        setImmediate(() => {
          if (!peer().destroyed) peer().push(null);
          cb();
        });
      },
    });
  };
  const a: Duplex = make(() => b);
  const b: Duplex = make(() => a);
  return [a, b];
}

/** requestCertificate() as a promise of what its callback gets. */
function requestCertificate(s: TlsSocket): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) =>
    s.requestCertificate((err, cert) => (err ? reject(err) : resolve(cert as Record<string, unknown>))),
  );
}

/** The socket's connection, to put messages on the wire that the API would not send. */
function connectionOf(s: TlsSocket): { send(m: unknown): void; flush(): void } {
  return (s as unknown as { connection: { send(m: unknown): void; flush(): void } }).connection;
}

describe("post_handshake_auth extension", () => {
  it("round-trips empty; a non-empty one is decode_error", () => {
    const exts = encodeClientHelloExtensions({ postHandshakeAuth: true } as ClientHelloExtensions);
    expect(exts).toEqual([{ type: 49, data: new Uint8Array(0) }]);
    expect(decodeClientHelloExtensions(exts).postHandshakeAuth).toBe(true);
    expect(() => decodeClientHelloExtensions([{ type: 49, data: Uint8Array.of(0) }])).toThrow(/decode_error/);
  });

  it("is sent only with postHandshakeAuth: true", async () => {
    const seen: boolean[] = [];
    const hooks: ServerOptions["hooks"] = {
      onReceive(m) {
        if (m.type !== "client_hello") return;
        // extensions start after version, random, session id, suites, compression
        let at = 2 + 32;
        at += 1 + m.body[at];
        at += 2 + ((m.body[at] << 8) | m.body[at + 1]);
        at += 1 + m.body[at];
        const end = at + 2 + ((m.body[at] << 8) | m.body[at + 1]);
        let has = false;
        for (at += 2; at < end; ) {
          const type = (m.body[at] << 8) | m.body[at + 1];
          const len = (m.body[at + 2] << 8) | m.body[at + 3];
          if (type === 49) has = len === 0;
          at += 4 + len;
        }
        seen.push(has);
      },
    };
    await pair(client(undefined), server("ecdsa-p256", { hooks }));
    await pair(client(undefined, { postHandshakeAuth: false }), server("ecdsa-p256", { hooks }));
    expect(seen).toEqual([true, false]);
  });
});

describe("post-handshake authentication: our client ↔ our server", () => {
  it.each([
    ["mldsa65", "mldsa65"],
    ["ecdsa-p256", "ecdsa_secp256r1_sha256"],
  ] as const)("authenticates a %s client after the handshake", async (sig, scheme) => {
    const { c, s } = await pair(client(sig), server(sig));
    expect(s.authorized).toBe(false); // nothing asked yet
    expect(s.getPeerCertificate()).toEqual({});
    const event = once<Record<string, unknown>>(s, "clientCertificate");
    const cert = await requestCertificate(s);
    expect(await event).toBe(cert);
    expect(cert).toMatchObject({ subject: { CN: "localhost" } });
    expect(s.authorized).toBe(true);
    expect(s.authorizationError).toBeNull();
    expect(Buffer.from(s.peerCertificates[0].der)).toEqual(Buffer.from(testChain(sig).leaf.der));
    expect(s.clientSignatureScheme).toBe(scheme);
    expect(c.clientSignatureScheme).toBe(scheme);
    // node:tls's detailed form links the chain up to the `ca` anchor (no requestCert here).
    const root = testChain(sig).root;
    const detailed = s.getPeerCertificate(true) as {
      issuerCertificate: { issuerCertificate: { raw: Buffer } };
    };
    expect(detailed.issuerCertificate.issuerCertificate.raw).toEqual(Buffer.from(root.der));
    // The connection goes on both ways.
    const back = once<Buffer>(c, "data");
    s.write("after");
    expect((await back).toString()).toBe("after");
    const there = once<Buffer>(s, "data");
    c.write("and back");
    expect((await there).toString()).toBe("and back");
    c.destroy();
    s.destroy();
  });

  it("after KeyUpdates both ways the Finished key is client_application_traffic_secret_N", async () => {
    const { c, s } = await pair(client("ed25519"), server("ed25519"));
    c.keyUpdate(true); // the server answers with its own
    const got = once<Buffer>(s, "data");
    c.write("x");
    await got;
    await requestCertificate(s);
    expect(s.authorized).toBe(true);
    c.destroy();
    s.destroy();
  });

  it("after in-handshake mTLS, and after a resumed handshake (RFC 8446 §4.3.2 allows it there)", async () => {
    {
      // Authenticated in the handshake with one chain, then again after it with the same.
      const { c, s } = await pair(client("ecdsa-p256"), server("ecdsa-p256", { requestCert: true }));
      expect(s.authorized).toBe(true);
      await requestCertificate(s);
      expect(s.authorized).toBe(true);
      expect(s.getPeerCertificate(true)).toMatchObject({
        issuerCertificate: { subject: { CN: expect.stringMatching(/intermediate|root/) } },
      });
      c.destroy();
      s.destroy();
    }
    const ticketKeys = new TicketKeys(nobleProvider);
    const first = await pair(client("ed25519"), server("ed25519", { ticketKeys }));
    const session = await once<Buffer>(first.c, "session");
    first.c.destroy();
    first.s.destroy();
    const { c, s } = await pair(client("ed25519", { session }), server("ed25519", { ticketKeys }));
    expect(s.resumed).toBe(true);
    expect(s.getPeerCertificate()).toEqual({});
    await requestCertificate(s);
    expect(s.authorized).toBe(true);
    expect(Buffer.from(s.peerCertificates[0].der)).toEqual(Buffer.from(testChain("ed25519").leaf.der));
    c.destroy();
    s.destroy();
  });

  it("a request that comes with a KeyUpdate asking for ours: the Finished key and its record agree", async () => {
    // Both reach the client in one chunk, so it reads them in one pass: its KeyUpdate answer must not
    // go between computing the Finished (under secret N) and sealing it.
    const [a, b] = coalescingPair();
    const s = accept(b, server("ecdsa-p256"));
    const c = connect({ ...client("ecdsa-p256"), socket: a });
    await Promise.all([once(c, "secureConnect"), once(s, "secure")]);
    s.keyUpdate(true);
    await requestCertificate(s);
    expect(s.authorized).toBe(true);
    const got = once<Buffer>(s, "data");
    c.write("still in step");
    expect((await got).toString()).toBe("still in step");
    c.destroy();
    s.destroy();
  });

  it("delivers the client's application data sent between the request and its answer, and keeps data flowing", async () => {
    const { c, s } = await pair(client("ecdsa-p256"), server("ecdsa-p256"));
    const events: string[] = [];
    let clientGot = "";
    s.on("data", (d: Buffer) => events.push(`data:${d.toString()}`));
    const allThree = new Promise<void>((resolve) =>
      c.on("data", (d: Buffer) => {
        clientGot += d.toString();
        if (clientGot === "onetwothree") resolve();
      }),
    );
    // The client's data leaves before the request reaches it: the server reads it while waiting.
    c.write("before the request arrives");
    s.write("one");
    const answered = requestCertificate(s).then(() => events.push("answered"));
    s.write("two");
    await answered;
    s.write("three");
    await allThree;
    expect(events).toEqual(["data:before the request arrives", "answered"]);
    c.destroy();
    s.destroy();
  });

  it("answers several requests in a row, each in order; more than the pending limit is refused", async () => {
    const { c, s } = await pair(client("ecdsa-p256"), server("ecdsa-p256"));
    const order: number[] = [];
    const all = Array.from({ length: MAX_PENDING_CERTIFICATE_REQUESTS }, (_, i) =>
      requestCertificate(s).then(() => order.push(i)),
    );
    expect(() => s.requestCertificate()).toThrow(/already wait/);
    await Promise.all(all);
    expect(order).toEqual([0, 1, 2, 3]);
    // Answered requests free their places.
    await requestCertificate(s);
    c.destroy();
    s.destroy();
  });

  it("refuses when the client did not offer post_handshake_auth, and on a client socket", async () => {
    const { c, s } = await pair(client("ecdsa-p256", { postHandshakeAuth: false }), server("ecdsa-p256"));
    expect(() => s.requestCertificate()).toThrow(
      expect.objectContaining({
        code: "ERR_TLS_PHA_NOT_OFFERED",
        message: expect.stringMatching(/did not offer/),
      }),
    );
    expect(() => c.requestCertificate()).toThrow(/server sockets/);
    c.destroy();
    s.destroy();
  });

  it("a CertificateVerify that does not verify: decrypt_error, and the callback gets it", async () => {
    const flip: ClientOptions["hooks"] = {
      onSend(m) {
        if (m.type !== "certificate_verify") return;
        const b = Buffer.from(m.body);
        b[b.length - 1] ^= 1;
        return b;
      },
    };
    const { c, s } = await pair(client("ed25519", { hooks: flip }), server("ed25519"));
    const serverError = once<Error & { alertName: string }>(s, "error");
    const clientError = once<Error & { alertName: string; remote: boolean }>(c, "error");
    const answer = requestCertificate(s);
    await expect(answer).rejects.toMatchObject({ alertName: "decrypt_error" });
    expect((await serverError).message).toMatch(/client CertificateVerify/);
    expect(await clientError).toMatchObject({ alertName: "decrypt_error", remote: true });
    expect(s.authorized).toBe(false);
  });

  it("a Finished that does not verify: decrypt_error", async () => {
    const flip: ClientOptions["hooks"] = {
      onSend(m) {
        if (m.type !== "finished" || !flipNow) return;
        const b = Buffer.from(m.body);
        b[0] ^= 1;
        return b;
      },
    };
    let flipNow = false;
    const { s } = await pair(client("ed25519", { hooks: flip }), server("ed25519"));
    flipNow = true; // the handshake's Finished went out intact
    const serverError = once<Error>(s, "error");
    await expect(requestCertificate(s)).rejects.toMatchObject({ alertName: "decrypt_error" });
    expect((await serverError).message).toMatch(/post-handshake client Finished/);
  });

  it("an empty Certificate: certificate_required with rejectUnauthorized, unauthorized without", async () => {
    {
      const { c, s } = await pair(client(undefined), server("ecdsa-p256"));
      const clientError = once<Error & { alertName: string; remote: boolean }>(c, "error");
      s.on("error", () => {});
      await expect(requestCertificate(s)).rejects.toMatchObject({ alertName: "certificate_required" });
      expect(await clientError).toMatchObject({ alertName: "certificate_required", remote: true });
    }
    {
      const { c, s } = await pair(client(undefined), server("ecdsa-p256", { rejectUnauthorized: false }));
      expect(await requestCertificate(s)).toEqual({});
      expect(s.authorized).toBe(false);
      expect(s.authorizationError).toMatch(/no certificate/);
      c.destroy();
      s.destroy();
    }
  });

  it("a chain from an anchor the server does not trust: unknown_ca", async () => {
    const { s } = await pair(client("ecdsa-p256"), server("ed25519", { sendCertificateAuthorities: false }));
    s.on("error", () => {});
    await expect(requestCertificate(s)).rejects.toMatchObject({ alertName: "unknown_ca" });
  });

  it("a client whose end() went first: the pending request fails with a clear error", async () => {
    const { c, s } = await pair(client("ecdsa-p256"), server("ecdsa-p256"));
    c.end(); // close_notify is on its way before the request arrives
    const answer = requestCertificate(s);
    await expect(answer).rejects.toThrow(/closed its side before answering/);
    s.destroy();
  });
});

describe("post-handshake CertificateRequests the client refuses", () => {
  it("an empty request context is unexpected_message", async () => {
    const { c, s } = await pair(client("ecdsa-p256"), server("ecdsa-p256"));
    s.on("error", () => {});
    const failed = once<Error & { alertName: string }>(c, "error");
    connectionOf(s).send(
      serializeCertificateRequest({ requestContext: new Uint8Array(0), signatureSchemes: [0x0403] }),
    );
    connectionOf(s).flush();
    const err = await failed;
    expect(err.alertName).toBe("unexpected_message");
    expect(err.message).toMatch(/empty request context/);
  });

  it(`more than ${MAX_CERTIFICATE_REQUESTS_WITHOUT_DATA} in a row without application data is unexpected_message`, async () => {
    const { c, s } = await pair(client("ecdsa-p256"), server("ecdsa-p256"));
    s.on("error", () => {});
    const failed = once<Error & { alertName: string }>(c, "error");
    for (let i = 0; i <= MAX_CERTIFICATE_REQUESTS_WITHOUT_DATA; i++)
      connectionOf(s).send(
        serializeCertificateRequest({ requestContext: Uint8Array.of(i + 1), signatureSchemes: [0x0403] }),
      );
    connectionOf(s).flush();
    const err = await failed;
    expect(err.alertName).toBe("unexpected_message");
    expect(err.message).toMatch(/CertificateRequests without application data/);
  });
});
