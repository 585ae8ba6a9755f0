// Client read buffers are pooled across connections and random values come from a pooled block:
// both must stay invisible to the data (no byte of one connection or value shows up in another).

import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { nativeProvider } from "../src/crypto/index.js";
import { connect, createServer, type TlsSocket } from "../src/index.js";
import { returnReadBuffer, takeReadBuffer } from "../src/read-buffers.js";
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
