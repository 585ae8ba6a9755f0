// Record memory slabs: pieces never overlap while live, buffers are cut again only after release()
// says every piece in them is done, and a bulk sender on a kernel socket really reuses its memory
// (while a transport that may hold chunks keeps getting fresh memory).

import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { nativeProvider } from "../src/crypto/index.js";
import { accept, connect, createServer, type TlsSocket } from "../src/index.js";
import { Slab } from "../src/record/slab.js";
import { duplexPair, once, testChain } from "./helpers.js";

/** Counts the distinct buffers a Slab's pieces are cut from (every Slab, while installed). */
function countBuffers(): { distinct: () => number; restore: () => void } {
  const seen = new Set<ArrayBufferLike>();
  const take = Slab.prototype.take;
  Slab.prototype.take = function (this: Slab, n: number) {
    const piece = take.call(this, n);
    seen.add(piece.buffer);
    return piece;
  };
  const restore = () => {
    Slab.prototype.take = take;
  };
  return { distinct: () => seen.size, restore };
}

describe("Slab", () => {
  it("without recycling, a full buffer is never cut again", () => {
    const slab = new Slab(16, 64);
    const pieces = Array.from({ length: 40 }, (_, i) => slab.take(10).fill(i));
    slab.release(slab.mark); // no effect without recycle()
    for (let i = 0; i < 40; i++) expect(pieces[i].every((b) => b === i)).toBe(true);
    expect(new Set(pieces.map((p) => p.buffer)).size).toBeGreaterThan(5);
  });

  it("starts small and grows to max; a piece larger than max gets a buffer of its own", () => {
    const slab = new Slab(16, 64);
    expect(slab.take(10).buffer.byteLength).toBe(16);
    expect(slab.take(10).buffer.byteLength).toBe(32);
    expect(slab.take(40).buffer.byteLength).toBe(64);
    expect(slab.take(100).buffer.byteLength).toBe(100);
  });

  it("with recycling, a buffer returns only after release() passes its last piece", () => {
    const slab = new Slab(64, 64);
    slab.recycle();
    const first = slab.take(40);
    first.fill(1);
    const markAfterFirst = slab.mark;
    const second = slab.take(40); // does not fit: a second buffer; the first is retired
    expect(second.buffer).not.toBe(first.buffer);
    second.fill(2);
    const third = slab.take(40); // a third buffer: the first is not released yet
    expect(third.buffer).not.toBe(first.buffer);
    expect(first.every((b) => b === 1)).toBe(true);
    slab.release(markAfterFirst - 1); // not past the first buffer's last piece
    expect(slab.take(40).buffer).not.toBe(first.buffer);
    slab.release(markAfterFirst);
    expect(slab.take(40).buffer).toBe(first.buffer);
  });
});

describe("record memory of a bulk sender", () => {
  const chain = testChain("ecdsa-p256");
  const payload = new Uint8Array(8 * 1048576).map((_, i) => (i * 7 + (i >>> 13)) & 0xff);
  const serverOptions = {
    cert: chain.chain,
    key: chain.leafKey,
    provider: nativeProvider,
    groups: ["x25519" as const],
    tickets: 0,
  };
  const clientOptions = {
    ca: chain.root,
    servername: "localhost",
    provider: nativeProvider,
    keyShares: ["x25519" as const],
    groups: ["x25519" as const],
  };

  function send(s: TlsSocket): void {
    let at = 0;
    const pump = () => {
      while (at < payload.length) {
        const ok = s.write(payload.subarray(at, at + 16384));
        at += 16384;
        if (!ok) return void s.once("drain", pump);
      }
      s.end();
    };
    pump();
  }

  async function receive(c: TlsSocket): Promise<boolean> {
    const parts: Buffer[] = [];
    c.on("data", (d: Buffer) => parts.push(Buffer.from(d)));
    await once(c, "end", 30_000);
    c.destroy();
    return Buffer.concat(parts).equals(Buffer.from(payload));
  }

  it("on a net.Socket: 8 MiB leave intact from a handful of reused buffers", async () => {
    const counter = countBuffers();
    const server = createServer(serverOptions, send);
    server.listen(0, "127.0.0.1");
    try {
      await once(server, "listening");
      const c = connect({
        ...clientOptions,
        host: "127.0.0.1",
        port: (server.address() as AddressInfo).port,
      });
      expect(await receive(c)).toBe(true);
      // Without reuse, 8 MiB in 512 KiB buffers would take at least 16.
      expect(counter.distinct()).toBeLessThan(10);
    } finally {
      counter.restore();
      server.close();
    }
  });

  it("on a stream that may hold chunks after its write callback: fresh memory, and every byte intact", async () => {
    // duplexPair hands the very chunk written to the peer, and calls back before the peer reads it:
    // reusing record memory there would corrupt data in flight.
    const counter = countBuffers();
    try {
      const [a, b] = duplexPair();
      const s = accept(b, serverOptions);
      const c = connect({ ...clientOptions, socket: a });
      s.once("secure", () => send(s));
      expect(await receive(c)).toBe(true);
      expect(counter.distinct()).toBeGreaterThanOrEqual(16);
    } finally {
      counter.restore();
    }
  });
});
