// The in-place AEAD addon (native/aead.c via src/crypto/native/evp-aead.ts): it must be built where a
// C compiler is, agree byte for byte with node:crypto and noble, reject what they reject, refuse
// misuse with an error instead of corrupting memory, and let the record reader open records in
// place only in chunks it owns.

import { execFileSync } from "node:child_process";
import { createCipheriv, randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { nobleProvider } from "../src/crypto/index.js";
import { evpAddonStatus } from "../src/crypto/native/evp-aead.js";
import { nativeAeads } from "../src/crypto/native/symmetric.js";
import type { Aead, AeadKey, AeadName } from "../src/crypto/provider.js";
import { RecordCipher } from "../src/record/cipher.js";
import { type ChunkOwnership, RecordReader } from "../src/record/reader.js";
import { RecordWriter } from "../src/record/writer.js";
import { ContentType } from "../src/wire/codepoints.js";

const addonFile = fileURLToPath(new URL("../native/build/pqtls-aead.node", import.meta.url));
const NAMES: AeadName[] = ["AES_128_GCM", "AES_256_GCM", "CHACHA20_POLY1305"];
const NODE_NAME = {
  AES_128_GCM: "aes-128-gcm",
  AES_256_GCM: "aes-256-gcm",
  CHACHA20_POLY1305: "chacha20-poly1305",
};
const evp = nativeAeads(true, true);
const nobleAead = (name: AeadName): Aead =>
  Object.values(nobleProvider.suites).find((s) => s?.aead.name === name)!.aead;

function hasCompiler(): boolean {
  try {
    execFileSync(process.env.CC || "cc", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** An addon-backed key; fails the test (rather than falling back quietly) if the addon is not serving. */
function evpKey(name: AeadName, key: Uint8Array): Required<AeadKey> {
  const k = evp[name]!.init(key);
  expect(k.sealInto, `addon not serving ${name}: ${evpAddonStatus()}`).toBeTypeOf("function");
  return k as Required<AeadKey>;
}

function nodeSeal(
  name: AeadName,
  key: Uint8Array,
  nonce: Uint8Array,
  aad: Uint8Array,
  pt: Uint8Array,
): Buffer {
  const c = createCipheriv(NODE_NAME[name] as "aes-128-gcm", key, nonce, { authTagLength: 16 });
  c.setAAD(aad);
  return Buffer.concat([c.update(pt), c.final(), c.getAuthTag()]);
}

describe("EVP addon: built and loaded", () => {
  it("is built wherever a C compiler is, and serves all three AEADs", () => {
    if (!hasCompiler()) {
      console.log(`skipping the build check: no C compiler here; ${evpAddonStatus()}`);
      return;
    }
    expect(existsSync(addonFile), "npm run build should have built native/build/pqtls-aead.node").toBe(true);
    expect(evpAddonStatus()).toBe("evp addon (in place, one OpenSSL context per key)");
  });
});

describe.runIf(existsSync(addonFile))("EVP addon: agreement and rejection", () => {
  for (const name of NAMES) {
    const keyLength = name === "AES_128_GCM" ? 16 : 32;
    it(`${name}: seal equals node:crypto and noble at every length class; open inverts it, in place and apart`, () => {
      const key = randomBytes(keyLength);
      const k = evpKey(name, key);
      const noble = nobleAead(name).init(key);
      for (const length of [0, 1, 15, 16, 17, 255, 1000, 16385, 17000]) {
        const nonce = randomBytes(12);
        const aad = randomBytes(length % 7 === 0 ? 0 : 5);
        const pt = randomBytes(length);
        const expected = nodeSeal(name, key, nonce, aad, pt);
        // Out of place.
        const out = new Uint8Array(length + 16);
        k.sealInto(nonce, aad, pt, out);
        expect(Buffer.from(out)).toEqual(expected);
        expect(Buffer.from(noble.seal(nonce, pt, aad))).toEqual(expected);
        expect(Buffer.from(k.seal(nonce, pt, aad))).toEqual(expected);
        // In place, in the middle of a larger buffer.
        const big = new Uint8Array(length + 16 + 40).fill(0x5a);
        const view = big.subarray(20, 20 + length + 16);
        view.set(pt);
        k.sealInto(nonce, aad, view.subarray(0, length), view);
        expect(Buffer.from(view)).toEqual(expected);
        expect(big.subarray(0, 20).every((b) => b === 0x5a)).toBe(true);
        expect(big.subarray(20 + length + 16).every((b) => b === 0x5a)).toBe(true);
        // Open apart, then in place.
        const opened = new Uint8Array(length);
        expect(k.openInto(nonce, aad, expected, opened)).toBe(true);
        expect(Buffer.from(opened)).toEqual(pt);
        expect(k.openInto(nonce, aad, view, view)).toBe(true);
        expect(Buffer.from(view.subarray(0, length))).toEqual(pt);
        expect(Buffer.from(k.open(nonce, expected, aad)!)).toEqual(pt);
      }
    });

    it(`${name}: a changed tag, ciphertext, aad or nonce is refused, as noble refuses it`, () => {
      const key = randomBytes(keyLength);
      const k = evpKey(name, key);
      const noble = nobleAead(name).init(key);
      const nonce = randomBytes(12);
      const aad = Uint8Array.of(23, 3, 3, 0x40, 0x11);
      const sealed = nodeSeal(name, key, nonce, aad, randomBytes(4096));
      const out = new Uint8Array(4096);
      const cases: [string, Uint8Array, Uint8Array, Uint8Array][] = [];
      for (const at of [0, 2000, 4095, 4096, 4111]) {
        const bad = Buffer.from(sealed);
        bad[at] ^= 0x80;
        cases.push([`byte ${at}`, nonce, aad, bad]);
      }
      const badAad = Uint8Array.from(aad);
      badAad[4] ^= 1;
      cases.push(["aad", nonce, badAad, sealed]);
      const badNonce = Uint8Array.from(nonce);
      badNonce[11] ^= 1;
      cases.push(["nonce", badNonce, aad, sealed]);
      for (const [what, n, a, c] of cases) {
        expect(k.openInto(n, a, c, out), what).toBe(false);
        expect(k.open(n, c, a), what).toBeNull();
        expect(noble.open(n, c, a), what).toBeNull();
      }
      // The context is still good after refusals.
      expect(k.openInto(nonce, aad, sealed, out)).toBe(true);
      expect(k.openInto(nonce, aad, sealed.subarray(0, 15), out)).toBe(false); // shorter than a tag
    });
  }

  it("misuse throws a clear error instead of touching memory it should not", () => {
    const k = evpKey("AES_128_GCM", new Uint8Array(16));
    const nonce = new Uint8Array(12);
    const buf = new Uint8Array(100);
    expect(() => k.sealInto(nonce, new Uint8Array(0), buf.subarray(0, 84), buf)).not.toThrow();
    expect(() => k.sealInto(nonce, new Uint8Array(0), buf.subarray(0, 90), new Uint8Array(105))).toThrow(
      /plaintext and a 16-byte tag/,
    );
    expect(() => k.sealInto(nonce, new Uint8Array(0), buf.subarray(0, 50), buf.subarray(10, 76))).toThrow(
      /overlap/,
    );
    expect(() => k.sealInto(new Uint8Array(8), new Uint8Array(0), buf.subarray(0, 10), buf)).toThrow(
      /12 bytes/,
    );
    expect(() =>
      k.sealInto(nonce, new Uint8Array(0), new Uint16Array(4) as unknown as Uint8Array, buf),
    ).toThrow(/Uint8Array/);
    expect(() => k.openInto(nonce, new Uint8Array(0), new Uint8Array(40), new Uint8Array(10))).toThrow(
      /hold the plaintext/,
    );
    expect(() => evp.AES_128_GCM!.init(new Uint8Array(15))).toThrow(/16 bytes/);
  });
});

describe.runIf(existsSync(addonFile))("record reader: opening in place only in owned chunks", () => {
  const key = new Uint8Array(16).map((_, i) => i + 1);
  const iv = new Uint8Array(12).map((_, i) => 3 * i);
  const payload = new Uint8Array(3 * 16384 + 500).map((_, i) => (i * 17 + (i >>> 11)) & 0xff);

  function wire(): Buffer {
    const w = new RecordWriter();
    w.setCipher(new RecordCipher(evpKey("AES_128_GCM", key), iv));
    w.write(ContentType.application_data, payload);
    return Buffer.concat(w.drain());
  }

  function read(chunk: Buffer, ownership: ChunkOwnership): Uint8Array[] {
    const r = new RecordReader();
    r.setCipher(new RecordCipher(evpKey("AES_128_GCM", key), iv));
    r.push(chunk, ownership);
    const got: Uint8Array[] = [];
    for (let rec = r.next(); rec; rec = r.next()) got.push(rec.data);
    return got;
  }

  it("owned: the plaintext is handed out as views of the chunk itself, which now holds it", () => {
    const chunk = wire();
    const got = read(chunk, "owned");
    expect(Buffer.concat(got)).toEqual(Buffer.from(payload));
    for (const d of got) expect(d.buffer).toBe(chunk.buffer);
    // The first record's body in the chunk is now its plaintext (decrypted where it lay).
    expect(Buffer.from(chunk.subarray(5, 5 + 100))).toEqual(Buffer.from(payload.subarray(0, 100)));
  });

  it("shared: the chunk is left exactly as it came, and the plaintext lives elsewhere", () => {
    const chunk = wire();
    const before = Buffer.from(chunk);
    const got = read(chunk, "shared");
    expect(Buffer.concat(got)).toEqual(Buffer.from(payload));
    expect(chunk).toEqual(before);
    for (const d of got) expect(d.buffer).not.toBe(chunk.buffer);
  });

  it("a forged record in an owned chunk still fails with bad_record_mac", () => {
    const chunk = wire();
    chunk[5 + 300] ^= 1;
    expect(() => read(chunk, "owned")).toThrow(/authentication failed/);
  });
});

describe("EVP addon: switched off", () => {
  it("PQTLS_AEAD_ADDON=0 keeps every AEAD on node:crypto, and records still round-trip", () => {
    const dist = new URL("../dist/index.js", import.meta.url).href;
    const script = `
      const m = await import(${JSON.stringify(dist)});
      const p = await m.loadProvider("auto");
      const k = p.suites.TLS_AES_128_GCM_SHA256.aead.init(new Uint8Array(16));
      const n = new Uint8Array(12), aad = Uint8Array.of(23, 3, 3, 0, 21);
      const sealed = k.seal(n, Uint8Array.of(1, 2, 3, 4, 5), aad);
      console.log(JSON.stringify({
        status: p.describe().recordAead,
        inPlace: typeof k.sealInto,
        opened: Array.from(k.open(n, sealed, aad)),
      }));`;
    const out = execFileSync(process.execPath, ["--input-type=module", "-e", script], {
      env: { ...process.env, PQTLS_AEAD_ADDON: "0" },
      encoding: "utf8",
    });
    expect(JSON.parse(out.trim().split("\n").pop()!)).toEqual({
      status: "off (PQTLS_AEAD_ADDON=0): node:crypto per record",
      inPlace: "undefined",
      opened: [1, 2, 3, 4, 5],
    });
  });
});
