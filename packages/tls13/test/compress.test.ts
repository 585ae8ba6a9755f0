// RFC 8879 certificate compression between our client and our server: what is offered and chosen,
// the sizes reported on the socket, and every way a server's CompressedCertificate can be wrong,
// each answered by the client with the alert RFC 8879 / RFC 8446 name.

import { afterEach, describe, expect, it, vi } from "vitest";
import { ServerHandshake } from "../src/handshake/server.js";
import {
  accept,
  type CertificateCompressionName,
  certificateCompressionAlgorithms,
  chainWireSize,
  connect,
  encodeCompressedCertificate,
  generateChain,
  HandshakeType,
  nobleProvider,
  parseCompressCertificateExtension,
  type TlsSocket,
} from "../src/index.js";
import type { ClientOptions, ServerOptions } from "../src/options.js";
import { Writer } from "../src/wire/bytes.js";
import { parseClientHello } from "../src/wire/client_hello.js";
import { ExtensionType } from "../src/wire/codepoints.js";
import { frameHandshake, type HandshakeMessage } from "../src/wire/handshake.js";
import { failing, pair } from "./handshake-helpers.js";
import { duplexPair, once, readAll, testChain } from "./helpers.js";

const SIG = "mldsa44" as const;
const hasZstd = certificateCompressionAlgorithms().includes("zstd");

function serverOptions(extra: Partial<ServerOptions> = {}): ServerOptions {
  const c = testChain(SIG);
  return { cert: c.chain, key: c.leafKey, provider: nobleProvider, ...extra };
}
function clientOptions(extra: Partial<ClientOptions> = {}): ClientOptions {
  return { ca: testChain(SIG).root, servername: "localhost", provider: nobleProvider, ...extra };
}

/** The handshake messages (type, framed length) a socket received, from its timings. */
function received(sock: TlsSocket): Array<{ type: string; length: number }> {
  return sock.timings.messages.filter((m) => m.direction === "received");
}

/** Every byte a socket writes to its transport from now on. */
function tapWrites(sock: TlsSocket): Buffer[] {
  const out: Buffer[] = [];
  const transport = sock.transport;
  const orig = transport.write.bind(transport) as (...a: unknown[]) => boolean;
  (transport as unknown as { write: (...a: unknown[]) => boolean }).write = (chunk: unknown, ...rest) => {
    out.push(Buffer.from(chunk as Uint8Array));
    return orig(chunk, ...rest);
  };
  return out;
}

/** Makes every server built from now on send `forge(realCertificateMessage)` as its certificate. */
function forgeServerCertificate(forge: (certificate: HandshakeMessage) => HandshakeMessage): void {
  const proto = ServerHandshake.prototype as unknown as { makeCertificate(): HandshakeMessage };
  const real = proto.makeCertificate;
  vi.spyOn(proto, "makeCertificate").mockImplementation(function (this: unknown) {
    return forge(real.call(this));
  });
}

/** Makes every client built from now on send `data` as its compress_certificate extension body. */
async function replaceClientCompressCertificate(data: Uint8Array): Promise<void> {
  const { ClientHandshake } = await import("../src/handshake/client.js");
  const proto = ClientHandshake.prototype as unknown as {
    makeClientHello(...a: unknown[]): { extensions: Array<{ type: number; data: Uint8Array }> };
  };
  const real = proto.makeClientHello;
  vi.spyOn(proto, "makeClientHello").mockImplementation(function (this: unknown, ...a: unknown[]) {
    const hello = real.apply(this, a);
    for (const e of hello.extensions) if (e.type === ExtensionType.compress_certificate) e.data = data;
    return hello;
  });
}

/** A CompressedCertificate body with every field chosen by the test. */
function compressedBody(code: number, uncompressedLength: number, data: Uint8Array): Uint8Array {
  return new Writer(8 + data.length).u16(code).u24(uncompressedLength).vec24(data).finish();
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("certificate compression (RFC 8879) between our client and our server", () => {
  const algorithms: CertificateCompressionName[] = hasZstd ? ["brotli", "zlib", "zstd"] : ["brotli", "zlib"];

  it.each(algorithms)(
    "sends the chain as a %s CompressedCertificate that the client verifies",
    async (alg) => {
      const { c, s } = await pair(
        clientOptions({ certificateCompression: [alg] }),
        serverOptions({
          certificateCompression: ["zstd", "brotli", "zlib"].filter(
            (a) => a !== "zstd" || hasZstd,
          ) as CertificateCompressionName[],
        }),
      );
      const chainBytes = chainWireSize(testChain(SIG).chain);
      for (const sock of [c, s]) {
        expect(sock.certificateCompression?.algorithm).toBe(alg);
        expect(sock.certificateCompression?.uncompressedBytes).toBe(chainBytes);
      }
      const info = c.certificateCompression!;
      expect(s.certificateCompression).toEqual(info);
      // The client saw a CompressedCertificate of exactly the reported size and no Certificate.
      const types = received(c).map((m) => m.type);
      expect(types).toContain("compressed_certificate");
      expect(types).not.toContain("certificate");
      expect(received(c).find((m) => m.type === "compressed_certificate")!.length).toBe(info.compressedBytes);
      // An ML-DSA chain barely compresses (keys and signatures are random), but the header repeats.
      expect(info.compressedBytes).toBeLessThan(info.uncompressedBytes);
      expect(c.authorized).toBe(true);
      expect(c.peerCertificates.map((x) => x.der)).toEqual(testChain(SIG).chain.map((x) => x.der));
      s.end("pong");
      c.end("ping");
      expect((await readAll(s)).toString()).toBe("ping");
      expect((await readAll(c)).toString()).toBe("pong");
    },
  );

  it("shrinks a classical chain's handshake by the bytes compression saves", async () => {
    // Root sent too, so the issuer name and key structure repeat; seeded, so the sizes are fixed.
    const rsa = generateChain({
      sig: "rsa2048",
      depth: 2,
      includeRoot: true,
      hostnames: ["localhost"],
      seed: "compress",
    });
    const opts = { cert: rsa.chain, key: rsa.leafKey, provider: nobleProvider };
    const plain = await pair(clientOptions({ ca: rsa.root }), opts);
    const compressed = await pair(clientOptions({ ca: rsa.root, certificateCompression: ["brotli"] }), {
      ...opts,
      certificateCompression: ["brotli"],
    });
    const info = compressed.c.certificateCompression!;
    expect(plain.c.certificateCompression).toBeUndefined();
    expect(info.algorithm).toBe("brotli");
    expect(info.uncompressedBytes).toBe(chainWireSize(rsa.chain));
    expect(info.compressedBytes).toBeLessThan(info.uncompressedBytes * 0.9);
    // The server flight shrinks by exactly the saved message bytes (+/- nothing: same record count).
    const saved = info.uncompressedBytes - info.compressedBytes;
    expect(plain.s.handshakeBytes.sent - compressed.s.handshakeBytes.sent).toBe(saved);
    // The ClientHello grew by the extension: 2 type + 2 length + 1 list length + 2 code.
    expect(compressed.c.handshakeBytes.sent - plain.c.handshakeBytes.sent).toBe(7);
    for (const p of [plain, compressed]) {
      p.c.destroy();
      p.s.destroy();
    }
  });

  it("offers compress_certificate with the configured algorithms in order, in both ClientHellos after HRR", async () => {
    const [a, b] = duplexPair();
    const s = accept(b, serverOptions({ certificateCompression: ["zlib"], groups: ["secp256r1"] }));
    const c = connect({
      ...clientOptions({ certificateCompression: ["brotli", "zlib"], keyShares: ["x25519"] }),
      socket: a,
    });
    const written = tapWrites(c);
    await Promise.all([once(c, "secureConnect"), once(s, "secure")]);
    expect(c.helloRetryRequest).toBe(true);
    expect(c.certificateCompression?.algorithm).toBe("zlib");
    // The second ClientHello is in the first write after the HRR (the first went before tapping).
    const bytes = Buffer.concat(written);
    let ccs = 0;
    while (bytes[ccs] === 20) ccs += 5 + bytes.readUInt16BE(ccs + 3); // skip a compatibility CCS
    expect(bytes[ccs]).toBe(22);
    expect(bytes[ccs + 5]).toBe(HandshakeType.client_hello);
    const hello = parseClientHello(bytes.subarray(ccs + 9, ccs + 9 + bytes.readUIntBE(ccs + 6, 3)));
    const ext = hello.extensions.find((e) => e.type === ExtensionType.compress_certificate);
    expect(ext).toBeDefined();
    expect([...ext!.data]).toEqual([4, 0, 2, 0, 1]);
    expect(parseCompressCertificateExtension(ext!.data)).toEqual(["brotli", "zlib"]);
    c.destroy();
    s.destroy();
  });

  it("lets the server pick by its own preference among the client's algorithms", async () => {
    const { c, s } = await pair(
      clientOptions({ certificateCompression: ["brotli", "zlib"] }),
      serverOptions({ certificateCompression: ["zlib", "brotli"] }),
    );
    expect(c.certificateCompression?.algorithm).toBe("zlib");
    c.destroy();
    s.destroy();
  });

  it.each([
    ["the client offers nothing", undefined, ["brotli"]],
    ["the server has compression off", ["brotli", "zlib"], undefined],
    ["no algorithm is shared", ["zlib"], ["brotli"]],
  ] as const)("sends a plain Certificate when %s", async (_why, offered, ours) => {
    const { c, s } = await pair(
      clientOptions({ certificateCompression: offered ? [...offered] : undefined }),
      serverOptions({ certificateCompression: ours ? [...ours] : undefined }),
    );
    expect(c.certificateCompression).toBeUndefined();
    expect(s.certificateCompression).toBeUndefined();
    const types = received(c).map((m) => m.type);
    expect(types).toContain("certificate");
    expect(types).not.toContain("compressed_certificate");
    expect(c.authorized).toBe(true);
    c.destroy();
    s.destroy();
  });

  it("refuses unknown or unavailable algorithms in the options before sending anything", () => {
    expect(() =>
      connect({ ...clientOptions({ certificateCompression: ["lzma" as "zlib"] }), port: 1 }),
    ).toThrow(/unknown certificate compression algorithm "lzma"/);
    if (!hasZstd)
      expect(() => connect({ ...clientOptions({ certificateCompression: ["zstd"] }), port: 1 })).toThrow(
        /"zstd" is not available in this runtime/,
      );
  });
});

describe("a server's bad CompressedCertificate is answered with the right alert", () => {
  it("unexpected_message when the client never offered compression", async () => {
    forgeServerCertificate((cert) =>
      frameHandshake(HandshakeType.compressed_certificate, encodeCompressedCertificate("zlib", cert.body)),
    );
    const e = await failing(clientOptions(), serverOptions());
    expect(e.client.alertName).toBe("unexpected_message");
    expect(e.client.remote).toBe(false);
    expect(e.server.alertName).toBe("unexpected_message");
    expect(e.server.remote).toBe(true);
  });

  it("illegal_parameter when it uses an algorithm the client did not offer", async () => {
    forgeServerCertificate((cert) =>
      frameHandshake(HandshakeType.compressed_certificate, encodeCompressedCertificate("brotli", cert.body)),
    );
    const e = await failing(clientOptions({ certificateCompression: ["zlib"] }), serverOptions());
    expect(e.client.alertName).toBe("illegal_parameter");
    expect(e.client.message).toMatch(/brotli, which we did not offer/);
    expect(e.server.alertName).toBe("illegal_parameter");
  });

  it("illegal_parameter for an algorithm code nobody defined", async () => {
    forgeServerCertificate((cert) =>
      frameHandshake(
        HandshakeType.compressed_certificate,
        compressedBody(0x4242, cert.body.length, cert.body),
      ),
    );
    const e = await failing(clientOptions({ certificateCompression: ["zlib"] }), serverOptions());
    expect(e.client.alertName).toBe("illegal_parameter");
  });

  it("bad_certificate when uncompressed_length exceeds the limit, without inflating anything", async () => {
    const inflate = vi.fn();
    forgeServerCertificate(() => {
      inflate();
      // 2^24-1 announced; the data is a tiny valid zlib stream, so only the limit can reject it.
      const body = encodeCompressedCertificate("zlib", new Uint8Array(16));
      body.set([0xff, 0xff, 0xff], 2);
      return frameHandshake(HandshakeType.compressed_certificate, body);
    });
    const e = await failing(clientOptions({ certificateCompression: ["zlib"] }), serverOptions());
    expect(inflate).toHaveBeenCalledOnce();
    expect(e.client.alertName).toBe("bad_certificate");
    expect(e.client.message).toMatch(/uncompressed_length 16777215 exceeds the limit/);
    expect(e.server.alertName).toBe("bad_certificate");
  });

  it("bad_certificate when the data decompresses to more than announced (a compression bomb)", async () => {
    forgeServerCertificate(() => {
      const bomb = encodeCompressedCertificate("brotli", new Uint8Array(512 * 1024));
      bomb.set([0, 0, 100], 2); // announce 100 bytes
      return frameHandshake(HandshakeType.compressed_certificate, bomb);
    });
    const e = await failing(clientOptions({ certificateCompression: ["brotli"] }), serverOptions());
    expect(e.client.alertName).toBe("bad_certificate");
    expect(e.client.message).toMatch(/more than the announced 100 bytes/);
  });

  it("bad_certificate when the data decompresses to fewer bytes than announced", async () => {
    forgeServerCertificate((cert) => {
      const body = encodeCompressedCertificate("zlib", cert.body);
      body.set([0, (cert.body.length + 1) >> 8, (cert.body.length + 1) & 0xff], 2);
      return frameHandshake(HandshakeType.compressed_certificate, body);
    });
    const e = await failing(clientOptions({ certificateCompression: ["zlib"] }), serverOptions());
    expect(e.client.alertName).toBe("bad_certificate");
    expect(e.client.message).toMatch(/uncompressed_length says/);
  });

  it("bad_certificate for corrupt compressed data", async () => {
    forgeServerCertificate((cert) => {
      const body = encodeCompressedCertificate("zlib", cert.body);
      body.fill(0x5a, 10, 40);
      return frameHandshake(HandshakeType.compressed_certificate, body);
    });
    const e = await failing(clientOptions({ certificateCompression: ["zlib"] }), serverOptions());
    expect(e.client.alertName).toBe("bad_certificate");
    expect(e.client.message).toMatch(/corrupt data/);
  });

  it("decode_error when the decompressed bytes are no Certificate message", async () => {
    const junk = new Uint8Array(300).fill(7);
    forgeServerCertificate(() =>
      frameHandshake(HandshakeType.compressed_certificate, encodeCompressedCertificate("zlib", junk)),
    );
    const e = await failing(clientOptions({ certificateCompression: ["zlib"] }), serverOptions());
    expect(e.client.alertName).toBe("decode_error");
  });

  it("decode_error for a CompressedCertificate with empty data or trailing bytes", async () => {
    forgeServerCertificate((cert) =>
      frameHandshake(
        HandshakeType.compressed_certificate,
        compressedBody(1, cert.body.length, new Uint8Array(0)),
      ),
    );
    let e = await failing(clientOptions({ certificateCompression: ["zlib"] }), serverOptions());
    expect(e.client.alertName).toBe("decode_error");
    vi.restoreAllMocks();
    forgeServerCertificate((cert) => {
      const body = encodeCompressedCertificate("zlib", cert.body);
      const longer = new Uint8Array(body.length + 1);
      longer.set(body);
      return frameHandshake(HandshakeType.compressed_certificate, longer);
    });
    e = await failing(clientOptions({ certificateCompression: ["zlib"] }), serverOptions());
    expect(e.client.alertName).toBe("decode_error");
  });

  it("decrypt_error when the server hashed the uncompressed Certificate but sent the compressed one", async () => {
    // The transcript must carry the CompressedCertificate as sent (RFC 8879 §4): a server that
    // signs over the other message is caught by the client's CertificateVerify check.
    const proto = ServerHandshake.prototype as unknown as { makeCertificate(): HandshakeMessage };
    const real = proto.makeCertificate;
    vi.spyOn(proto, "makeCertificate").mockImplementation(function (this: {
      io: { send(m: HandshakeMessage): void; transcript: { add(b: Uint8Array): void } };
    }) {
      const cert = real.call(this);
      const compressed = frameHandshake(
        HandshakeType.compressed_certificate,
        encodeCompressedCertificate("zlib", cert.body),
      );
      // Hash the plain Certificate, then put only the compressed bytes on the wire.
      const io = this.io;
      const realAdd = io.transcript.add.bind(io.transcript);
      io.transcript.add = (b: Uint8Array) => {
        io.transcript.add = realAdd;
        realAdd(b === compressed.raw ? cert.raw : b);
      };
      return compressed;
    });
    const e = await failing(clientOptions({ certificateCompression: ["zlib"] }), serverOptions());
    expect(e.client.alertName).toBe("decrypt_error");
    expect(e.client.message).toMatch(/CertificateVerify/);
    // The chain itself was accepted: the certificate step passed before the signature check.
    expect(e.client.message).not.toMatch(/certificate\b.*(bad|corrupt)/i);
  });
});

describe("a client's bad compress_certificate extension", () => {
  it("is decode_error at the server when its list is malformed", async () => {
    await replaceClientCompressCertificate(Uint8Array.of(3, 0, 2, 0)); // odd length
    const e = await failing(
      clientOptions({ certificateCompression: ["brotli"] }),
      serverOptions({ certificateCompression: ["brotli"] }),
    );
    expect(e.server.alertName).toBe("decode_error");
    expect(e.client.alertName).toBe("decode_error");
    expect(e.client.remote).toBe(true);
  });

  it("is ignored by the server when it lists only codes we do not know", async () => {
    await replaceClientCompressCertificate(Uint8Array.of(4, 0x12, 0x34, 0xab, 0xcd));
    const { c, s } = await pair(
      clientOptions({ certificateCompression: ["brotli"] }),
      serverOptions({ certificateCompression: ["brotli", "zlib"] }),
    );
    expect(s.certificateCompression).toBeUndefined();
    expect(c.certificateCompression).toBeUndefined();
    c.destroy();
    s.destroy();
  });
});
