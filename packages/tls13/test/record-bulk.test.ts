// The bulk-transfer paths that avoid per-record work: a burst of writes leaves in one writev, and
// protected records spanning transport chunks are joined in one reused buffer without the reuse
// showing through in the data handed out.

import { type AddressInfo, connect as netConnect, type Socket } from "node:net";
import { describe, expect, it } from "vitest";
import { nativeProvider } from "../src/crypto/index.js";
import { TlsAlert } from "../src/errors.js";
import { connect, createServer, type TlsSocket } from "../src/index.js";
import { RecordCipher } from "../src/record/cipher.js";
import { RecordReader } from "../src/record/reader.js";
import { RecordWriter } from "../src/record/writer.js";
import { AlertDescription, ContentType } from "../src/wire/codepoints.js";
import { once, testChain } from "./helpers.js";

const SUITES = {
  AES_128_GCM: "TLS_AES_128_GCM_SHA256",
  CHACHA20_POLY1305: "TLS_CHACHA20_POLY1305_SHA256",
} as const;
const KEY = new Uint8Array(32).map((_, i) => i * 11);
const IV = new Uint8Array(12).map((_, i) => 100 + i);

function cipherPair(suite: keyof typeof SUITES): [RecordCipher, RecordCipher] {
  const aead = nativeProvider.suites[SUITES[suite]]!.aead;
  const key = KEY.subarray(0, aead.keyLength);
  return [new RecordCipher(aead.init(key), IV), new RecordCipher(aead.init(key), IV)];
}

/** Wire bytes of `payload` as application_data records under `cipher`. */
function seal(cipher: RecordCipher, payload: Uint8Array): Buffer {
  const writer = new RecordWriter();
  writer.setCipher(cipher);
  writer.write(ContentType.application_data, payload);
  return Buffer.concat(writer.drain());
}

describe("records spanning transport chunks", () => {
  for (const suite of Object.keys(SUITES) as (keyof typeof SUITES)[]) {
    it(`${suite}: data handed out stays intact while later records reuse the reassembly buffer`, () => {
      const [sealer, opener] = cipherPair(suite);
      // Seven full records and a short one, each byte depending on its position.
      const payload = new Uint8Array(7 * 16384 + 1000).map((_, i) => (i * 131 + (i >>> 14)) & 0xff);
      const wire = seal(sealer, payload);
      const reader = new RecordReader();
      reader.setCipher(opener);
      const got: Uint8Array[] = [];
      // 7000-byte chunks: every full record spans two or three of them.
      for (let at = 0; at < wire.length; at += 7000) {
        reader.push(wire.subarray(at, at + 7000));
        for (let r = reader.next(); r; r = reader.next()) got.push(r.data);
      }
      expect(got).toHaveLength(8);
      expect(reader.pendingBytes).toBe(0);
      // Compared only now: an output aliasing the reused buffer would hold a later record's bytes.
      expect(Buffer.concat(got)).toEqual(Buffer.from(payload));
    });
  }

  it("a tampered record spanning chunks fails with bad_record_mac", () => {
    const [sealer, opener] = cipherPair("AES_128_GCM");
    const wire = seal(sealer, new Uint8Array(3 * 16384).fill(7));
    wire[16384 + 22 + 100] ^= 1; // inside the second record's ciphertext
    const reader = new RecordReader();
    reader.setCipher(opener);
    reader.push(wire.subarray(0, 20000));
    expect(reader.next()?.data.length).toBe(16384);
    reader.push(wire.subarray(20000));
    let caught: unknown;
    try {
      reader.next();
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(TlsAlert);
    expect((caught as TlsAlert).alert).toBe(AlertDescription.bad_record_mac);
  });
});

describe("reads from a reused transport buffer (net's onread)", () => {
  it("records and partial records survive the buffer being overwritten after each read", () => {
    const [sealer, opener] = cipherPair("AES_128_GCM");
    const payload = new Uint8Array(5 * 16384 + 300).map((_, i) => (i * 29 + (i >>> 12)) & 0xff);
    const wire = seal(sealer, payload);
    const reader = new RecordReader();
    reader.setCipher(opener);
    const readBuffer = new Uint8Array(6000);
    const got: Uint8Array[] = [];
    for (let at = 0; at < wire.length; at += readBuffer.length) {
      const n = Math.min(readBuffer.length, wire.length - at);
      readBuffer.set(wire.subarray(at, at + n));
      reader.push(readBuffer.subarray(0, n), "reused");
      for (let r = reader.next(); r; r = reader.next()) got.push(r.data);
      reader.retainReused();
      readBuffer.fill(0xee); // what the transport's next read does to it
    }
    expect(reader.pendingBytes).toBe(0);
    expect(Buffer.concat(got)).toEqual(Buffer.from(payload));
  });

  it("a plaintext record read from a reused buffer is handed out as a copy", () => {
    const writer = new RecordWriter();
    writer.write(ContentType.handshake, Uint8Array.of(2, 0, 0, 3, 9, 8, 7));
    const readBuffer = Buffer.concat(writer.drain());
    const reader = new RecordReader();
    reader.push(readBuffer, "reused");
    const record = reader.next();
    reader.retainReused();
    readBuffer.fill(0);
    expect(record?.data).toEqual(Uint8Array.of(2, 0, 0, 3, 9, 8, 7));
  });

  it("a client on a net.Socket with onread handshakes, pauses, and downloads every byte intact", async () => {
    const chain = testChain("ecdsa-p256");
    const payload = new Uint8Array(40 * 16384 + 77).map((_, i) => (i * 13 + (i >>> 9)) & 0xff);
    const server = createServer(
      { cert: chain.chain, key: chain.leafKey, provider: nativeProvider, groups: ["x25519"], tickets: 0 },
      (s: TlsSocket) => {
        for (let at = 0; at < payload.length; at += 16384) s.write(payload.subarray(at, at + 16384));
        s.end();
      },
    );
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    try {
      let tls: TlsSocket | undefined;
      // 5000 bytes: smaller than a record, so most reads end inside one and leave a partial record.
      const tcp = netConnect({
        host: "127.0.0.1",
        port: (server.address() as AddressInfo).port,
        onread: {
          buffer: Buffer.alloc(5000),
          callback: (n: number, buf: Buffer) => {
            tls?.receiveReused(buf.subarray(0, n));
          },
        },
      });
      tls = connect({
        socket: tcp,
        ca: chain.root,
        servername: "localhost",
        provider: nativeProvider,
        keyShares: ["x25519"],
        groups: ["x25519"],
      });
      // Read nothing for a while: the socket must pause the transport (readStop under onread) and
      // resume it when reading starts, without losing or corrupting what was buffered.
      await once(tls, "secureConnect");
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(tls.readableLength).toBeLessThan(payload.length);
      const parts: Buffer[] = [];
      tls.on("data", (d: Buffer) => parts.push(d));
      await once(tls, "end");
      expect(tls.authorized).toBe(true);
      expect(Buffer.concat(parts)).toEqual(Buffer.from(payload));
      tls.destroy();
    } finally {
      server.close();
    }
  });
});

describe("write batching on a net.Socket", () => {
  it("the client's Finished has left (not corked) when 'secureConnect' listeners run", async () => {
    const chain = testChain("ecdsa-p256");
    const server = createServer(
      { cert: chain.chain, key: chain.leafKey, provider: nativeProvider, groups: ["x25519"], tickets: 0 },
      (s: TlsSocket) => s.end(),
    );
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    try {
      const c = connect({
        host: "127.0.0.1",
        port: (server.address() as AddressInfo).port,
        ca: chain.root,
        servername: "localhost",
        provider: nativeProvider,
        keyShares: ["x25519"],
        groups: ["x25519"],
      });
      const seen = new Promise<{ corked: number; queued: number }>((resolve) =>
        c.once("secureConnect", () => {
          const t = c.transport as Socket;
          resolve({ corked: t.writableCorked, queued: t.writableLength });
        }),
      );
      expect(await seen).toEqual({ corked: 0, queued: 0 });
      c.destroy();
    } finally {
      server.close();
    }
  });

  it("a burst of writes in one tick leaves as one writev, and every byte arrives", async () => {
    const chain = testChain("ecdsa-p256");
    const burst = 8;
    const payload = new Uint8Array(burst * 16384).map((_, i) => (i * 7 + (i >>> 10)) & 0xff);
    const server = createServer(
      { cert: chain.chain, key: chain.leafKey, provider: nativeProvider, groups: ["x25519"], tickets: 0 },
      (s: TlsSocket) => {
        const transport = s.transport as Socket & {
          _writev(chunks: unknown[], cb: () => void): void;
          _write(chunk: unknown, enc: string, cb: () => void): void;
        };
        const calls: number[] = [];
        const writev = transport._writev.bind(transport);
        const write = transport._write.bind(transport);
        transport._writev = (chunks, cb) => {
          calls.push(chunks.length);
          writev(chunks, cb);
        };
        transport._write = (chunk, enc, cb) => {
          calls.push(1);
          write(chunk, enc, cb);
        };
        for (let i = 0; i < burst; i++) s.write(payload.subarray(i * 16384, (i + 1) * 16384));
        const beforeTickEnd = calls.length;
        process.nextTick(() => {
          server.emit("burstCalls", { beforeTickEnd, atTickEnd: [...calls] });
          s.end();
        });
      },
    );
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    const callsSeen = once<{ beforeTickEnd: number; atTickEnd: number[] }>(server, "burstCalls");
    try {
      const port = (server.address() as AddressInfo).port;
      const c = connect({
        host: "127.0.0.1",
        port,
        ca: chain.root,
        servername: "localhost",
        provider: nativeProvider,
        keyShares: ["x25519"],
        groups: ["x25519"],
      });
      const parts: Buffer[] = [];
      c.on("data", (d: Buffer) => parts.push(d));
      await once(c, "end");
      // Nothing leaves before the tick ends; then every record in one call: one buffer per record when
      // the AEAD seals in place (the addon), else header, ciphertext and tag.
      const perRecord = nativeProvider.suites.TLS_AES_128_GCM_SHA256!.aead.init(KEY.subarray(0, 16)).sealInto
        ? 1
        : 3;
      expect(await callsSeen).toEqual({ beforeTickEnd: 0, atTickEnd: [perRecord * burst] });
      expect(Buffer.concat(parts)).toEqual(Buffer.from(payload));
      c.destroy();
    } finally {
      server.close();
    }
  });
});
