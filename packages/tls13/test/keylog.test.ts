// The key log file sink: appends leave the handshake's path (asynchronous), keep call order across
// writers sharing a file, and are all in the file once flushed() resolves.

import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { keylogWriter } from "../src/keylog.js";

const dir = mkdtempSync(join(tmpdir(), "pqtls-keylog-unit-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const random = new Uint8Array(32).fill(0xab);
const secret = (n: number) => new Uint8Array(32).fill(n & 0xff);

describe("key log file sink", () => {
  it("does not touch the disk in the caller's turn; flushed() resolves once the lines are written", async () => {
    const path = join(dir, "async.log");
    const w = keylogWriter(path, false)!;
    w("CLIENT_HANDSHAKE_TRAFFIC_SECRET", random, secret(1));
    w("SERVER_HANDSHAKE_TRAFFIC_SECRET", random, secret(2));
    expect(existsSync(path)).toBe(false); // a synchronous append would have created it already
    await w.flushed!();
    expect(readFileSync(path, "utf8")).toBe(
      `CLIENT_HANDSHAKE_TRAFFIC_SECRET ${"ab".repeat(32)} ${"01".repeat(32)}\n` +
        `SERVER_HANDSHAKE_TRAFFIC_SECRET ${"ab".repeat(32)} ${"02".repeat(32)}\n`,
    );
  });

  it("keeps call order across writers sharing a file, while writes are in flight", async () => {
    const path = join(dir, "order.log");
    const a = keylogWriter(path, false)!;
    const b = keylogWriter(path, false)!;
    for (let i = 0; i < 2000; i++) {
      (i % 2 ? b : a)("EXPORTER_SECRET", random, secret(i));
      if (i % 500 === 0) await new Promise((r) => setImmediate(r)); // let some appends start
    }
    await Promise.all([a.flushed!(), b.flushed!()]);
    const lines = readFileSync(path, "utf8").trim().split("\n");
    expect(lines).toHaveLength(2000);
    lines.forEach((l, i) => {
      expect(l.endsWith(` ${(i & 0xff).toString(16).padStart(2, "0").repeat(32)}`)).toBe(true);
    });
  });

  it("uses $SSLKEYLOGFILE only when allowed", () => {
    process.env.SSLKEYLOGFILE = join(dir, "env.log");
    try {
      expect(keylogWriter(undefined, false)).toBeUndefined();
      expect(keylogWriter(undefined, true)).toBeTypeOf("function");
    } finally {
      delete process.env.SSLKEYLOGFILE;
    }
  });
});
