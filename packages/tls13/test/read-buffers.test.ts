// Client read buffers are pooled across connections and random values come from a pooled block:
// both must stay invisible to the data (no byte of one connection or value shows up in another).

import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { nativeProvider } from "../src/crypto/index.js";
import { connect, createServer, type TlsSocket } from "../src/index.js";
import { ClientReadBuffers, returnReadBuffer, takeReadBuffer } from "../src/read-buffers.js";
import { RecordCipher } from "../src/record/cipher.js";
import { RecordReader } from "../src/record/reader.js";
import { Slab } from "../src/record/slab.js";
import { RecordWriter } from "../src/record/writer.js";
import { ContentType } from "../src/wire/codepoints.js";
import { once, testChain } from "./helpers.js";

describe("client read buffers", () => {
  it("a returned buffer is handed out again, once, and the pool is bounded", () => {
    const a = takeReadBuffer();
    expect(a.length).toBe(65536);
    returnReadBuffer(a);
    returnReadBuffer(a); // a second return of the same buffer must not duplicate it
    expect(takeReadBuffer()).toBe(a);
    expect(takeReadBuffer()).not.toBe(a);
    const many = Array.from({ length: 40 }, () => takeReadBuffer());
    for (const b of many) returnReadBuffer(b);
    const again = new Set(Array.from({ length: 40 }, () => takeReadBuffer()));
    expect([...again].filter((b) => many.includes(b)).length).toBe(16);
  });

  it("consecutive downloads over reused buffers each arrive intact", async () => {
    const chain = testChain("ecdsa-p256");
    let served = 0;
    const payloads = [0, 1, 2, 3].map((k) =>
      new Uint8Array(200_000 + k * 777).map((_, i) => (i * (k + 3) + (i >>> 8)) & 0xff),
    );
    const server = createServer(
      { cert: chain.chain, key: chain.leafKey, provider: nativeProvider, groups: ["x25519"], tickets: 0 },
      (s: TlsSocket) => s.end(payloads[served++]),
    );
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    try {
      for (const payload of payloads) {
        const c = connect({
          host: "127.0.0.1",
          port: (server.address() as AddressInfo).port,
          ca: chain.root,
          servername: "localhost",
          provider: nativeProvider,
          keyShares: ["x25519"],
          groups: ["x25519"],
        });
        const parts: Buffer[] = [];
        c.on("data", (d: Buffer) => parts.push(d));
        await once(c, "end");
        c.destroy();
        await once(c, "close");
        expect(Buffer.concat(parts).equals(Buffer.from(payload))).toBe(true);
      }
    } finally {
      server.close();
    }
  });
});

describe("read arenas", () => {
  it("small reads stay in the pooled buffer; a full read moves to arenas of adjacent, never reused reads", () => {
    const reads = new ClientReadBuffers();
    const pooled = reads.next();
    expect(reads.delivered(pooled, 1000).ownership).toBe("reused");
    expect(reads.next()).toBe(pooled);
    expect(reads.delivered(pooled, pooled.length).ownership).toBe("reused");
    // From here on: arena reads, each right after the previous one's bytes, owned by the record layer.
    let prev = reads.next();
    expect(prev.buffer).not.toBe(pooled.buffer);
    const arena = prev.buffer;
    const first = reads.delivered(prev, 30_000);
    expect(first.ownership).toBe("owned");
    const ends = new Set<ArrayBufferLike>([arena]);
    let total = 30_000;
    for (let i = 0; i < 40; i++) {
      const next = reads.next();
      if (next.buffer === prev.buffer)
        expect(next.byteOffset).toBe(prev.byteOffset + (i === 0 ? 30_000 : 50_000));
      else expect(next.byteOffset).toBe(0); // a new arena starts at its beginning
      ends.add(next.buffer);
      expect(next.length).toBeGreaterThanOrEqual(2 * (16384 + 256 + 5));
      reads.delivered(next, 50_000);
      total += 50_000;
      prev = next;
    }
    // 2 MB through 256 KiB arenas: a new one roughly every 5 reads, never the pooled buffer again.
    expect(ends.has(pooled.buffer)).toBe(false);
    expect(ends.size).toBeGreaterThanOrEqual(Math.floor(total / (256 * 1024)));
    reads.release();
  });

  it("a record cut between two adjacent arena reads is opened in place, with no copy and no new buffer", () => {
    const aead = nativeProvider.suites.TLS_AES_128_GCM_SHA256!.aead;
    const key = new Uint8Array(16).fill(7);
    const iv = new Uint8Array(12).fill(9);
    const writer = new RecordWriter();
    writer.setCipher(new RecordCipher(aead.init(key), iv));
    const payload = new Uint8Array(40_000).map((_, i) => (i * 31) & 0xff);
    writer.write(ContentType.application_data, payload);
    const wire = Buffer.concat(writer.drain());
    const reader = new RecordReader();
    reader.setCipher(new RecordCipher(aead.init(key), iv));
    const arena = Buffer.alloc(wire.length + 100);
    wire.copy(arena, 10);
    // Reads cut inside the first and the second record.
    const cuts = [10, 10 + 7000, 10 + 20000, 10 + wire.length];
    const taken = countPlaintextPieces();
    const out: Uint8Array[] = [];
    try {
      for (let i = 0; i + 1 < cuts.length; i++) {
        reader.push(arena.subarray(cuts[i], cuts[i + 1]), "owned");
        for (let r = reader.next(); r; r = reader.next()) out.push(r.data);
      }
    } finally {
      taken.restore();
    }
    expect(Buffer.concat(out).equals(Buffer.from(payload))).toBe(true);
    for (const data of out) expect(data.buffer).toBe(arena.buffer); // in place: views of the arena
    expect(taken.count()).toBe(0);
  });

  it("a 3 MiB download kept chunk by chunk (no copies) arrives intact through arenas", async () => {
    const chain = testChain("ecdsa-p256");
    const payload = new Uint8Array(3 * 1048576 + 1234).map((_, i) => (i * 7 + (i >>> 12)) & 0xff);
    const server = createServer(
      { cert: chain.chain, key: chain.leafKey, provider: nativeProvider, groups: ["x25519"], tickets: 0 },
      (s: TlsSocket) => s.end(payload),
    );
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    const taken = countPlaintextPieces();
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
      const parts: Buffer[] = [];
      c.on("data", (d: Buffer) => parts.push(d)); // kept as handed out: later reads must not change them
      await once(c, "end", 30_000);
      c.destroy();
      await once(c, "close");
      expect(Buffer.concat(parts).equals(Buffer.from(payload))).toBe(true);
      // Records were opened in place: only those cut by an arena's end (or read before the first full
      // read) were decrypted elsewhere — far fewer than the ~190 records.
      expect(taken.count()).toBeLessThan(60);
    } finally {
      taken.restore();
      server.close();
    }
  });
});

/** Counts pieces cut from record readers' plaintext slabs (64 KiB buffers) while installed. */
function countPlaintextPieces(): { count: () => number; restore: () => void } {
  let n = 0;
  const take = Slab.prototype.take;
  Slab.prototype.take = function (this: Slab, size: number) {
    if ((this as unknown as { max: number }).max === 64 * 1024) n++;
    return take.call(this, size);
  };
  const restore = () => {
    Slab.prototype.take = take;
  };
  return { count: () => n, restore };
}

describe("pooled random bytes", () => {
  it("gives fresh values of the asked length, small and large", () => {
    const seen = new Set<string>();
    for (let i = 0; i < 5000; i++) {
      const v = nativeProvider.randomBytes(32);
      expect(v.length).toBe(32);
      seen.add(Buffer.from(v).toString("hex"));
    }
    expect(seen.size).toBe(5000);
    for (const n of [0, 1, 255, 256, 257, 5000]) expect(nativeProvider.randomBytes(n).length).toBe(n);
    // A value handed out is the caller's: later draws do not change it.
    const kept = nativeProvider.randomBytes(64);
    const copy = Uint8Array.from(kept);
    for (let i = 0; i < 200; i++) nativeProvider.randomBytes(48);
    expect(kept).toEqual(copy);
    // Roughly uniform bytes: each of the 256 values within 40 % of its expected count over 256 KiB.
    const counts = new Array(256).fill(0);
    for (let i = 0; i < 1024; i++) for (const b of nativeProvider.randomBytes(256)) counts[b]++;
    for (const c of counts) expect(Math.abs(c - 1024)).toBeLessThan(410);
  });
});
