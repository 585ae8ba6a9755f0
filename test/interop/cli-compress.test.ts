// `pqtls serve --compress-cert` / `pqtls connect --compress-cert` (the built CLI): the algorithm
// chosen by the server's preference, the sizes connect reports (text and --json), that the bytes
// received shrink by exactly what compression saved, and one-line errors for bad lists.

import * as zlib from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectArgs, pqtlsSync as pqtls, type Served, serveJson as serve } from "../cli.js";
import { TestPki } from "./peer.js";

describe("pqtls serve / connect --compress-cert", () => {
  const pki = new TestPki();
  // ed25519 certificates are mostly names and extensions: they compress by ~20 %.
  const cert = () => pki.get("ed25519");
  let server: Served;

  beforeAll(async () => {
    server = await serve([
      "--cert",
      cert().certFile,
      "--key",
      cert().keyFile,
      "--compress-cert",
      "zlib,brotli",
    ]);
  });
  afterAll(() => {
    server?.proc.kill("SIGTERM");
    pki.dispose();
  });

  const connectJson = (...extra: string[]) => {
    const r = pqtls(...connectArgs(server.port, cert().caFile, ["--json", ...extra]));
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    return JSON.parse(r.stdout);
  };

  it("reports the server's choice and sizes; the bytes received shrink by what compression saved", async () => {
    const plain = connectJson();
    expect(plain.certificateCompression).toBeNull();
    // The client prefers brotli, the server zlib: the server's preference decides (RFC 8879 §3).
    const zlib = connectJson("--compress-cert", "brotli,zlib");
    expect(zlib.certificateCompression.algorithm).toBe("zlib");
    const { compressedBytes, uncompressedBytes } = zlib.certificateCompression;
    expect(compressedBytes).toBeLessThan(uncompressedBytes);
    expect(plain.handshakeBytes.received - zlib.handshakeBytes.received).toBe(
      uncompressedBytes - compressedBytes,
    );
    const brotli = connectJson("--compress-cert", "brotli");
    expect(brotli.certificateCompression.algorithm).toBe("brotli");
    expect(brotli.certificateCompression.uncompressedBytes).toBe(uncompressedBytes);
    // The server says which algorithm it used per connection.
    // The server says which algorithm it used per connection (its stdout is read while we wait:
    // spawnSync above blocked this process's event loop).
    const connections = () => server.lines.map((l) => JSON.parse(l)).filter((e) => e.event === "connection");
    for (let waited = 0; connections().length < 3 && waited < 5000; waited += 20)
      await new Promise((r) => setTimeout(r, 20));
    expect(connections().map((c) => c.certificateCompression?.algorithm ?? null)).toEqual([
      null,
      "zlib",
      "brotli",
    ]);
  });

  it("prints the algorithm and sizes in the text report", () => {
    const r = pqtls(...connectArgs(server.port, cert().caFile, ["--compress-cert", "zlib"]));
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/cert compression:\s+zlib, \d+ of \d+ bytes/);
    const none = pqtls(...connectArgs(server.port, cert().caFile));
    expect(none.stdout).toMatch(/cert compression:\s+none/);
  });

  it("refuses unknown algorithms, and zstd where node:zlib lacks it, with one line and exit 2", () => {
    const bad = pqtls("connect", `127.0.0.1:${server.port}`, "--insecure", "--compress-cert", "brotli,lz4");
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split("\n")).toEqual([
      expect.stringMatching(/unknown certificate compression algorithm "lz4"/),
    ]);
    const badServe = pqtls(
      "serve",
      "--cert",
      cert().certFile,
      "--key",
      cert().keyFile,
      "--compress-cert",
      "gzip",
    );
    expect(badServe.code).toBe(2);
    expect(badServe.stderr.trim().split("\n")).toHaveLength(1);
    const zstd = pqtls(...connectArgs(server.port, cert().caFile, ["--compress-cert", "zstd"]));
    if (typeof (zlib as { zstdCompressSync?: unknown }).zstdCompressSync === "function") {
      // zstd offered but the server only does zlib/brotli: a plain Certificate.
      expect(zstd.code).toBe(0);
      expect(zstd.stdout).toMatch(/cert compression:\s+none/);
    } else {
      expect(zstd.code).toBe(2);
      expect(zstd.stderr.trim().split("\n")).toEqual([expect.stringMatching(/zstd.*not available/)]);
    }
  });
});
