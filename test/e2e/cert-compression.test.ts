// End to end: `pqtls run --cert-compression none,brotli` on the TUN link through the built CLI.
// What the rows must show (RFC 8879; the library's numbers in packages/tls13/README.md):
//   - compressed cells carry cert_compression and have /cert_compression=brotli in their cell id;
//   - cert_msg_bytes of a plain cell is the fixture's Certificate message (fixtures/pki/manifest.json);
//   - the server sends exactly what compression saved fewer bytes (the same records, shorter), and
//     the client's ClientHello grows by the compress_certificate extension (4 + 1 + 2 B for one algorithm);
//   - an ed25519 chain (names, extensions) compresses by > 10 %, an ML-DSA-44 chain (high-entropy
//     keys and signatures) by < 5 %.
// The report written next to the results shows the "Handshake bytes" table per condition.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { expectRunRefused, pqtls, readRows, repoRoot, tunLinkSkipReason } from "../cli.js";

const skipWhy = tunLinkSkipReason("certificate compression end-to-end test");

const dir = mkdtempSync(join(tmpdir(), "pqtls-e2e-compress-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const manifest = JSON.parse(readFileSync(join(repoRoot, "fixtures", "pki", "manifest.json"), "utf8")) as {
  chains: Record<string, { certificateMessageBytes: number }>;
};

describe.skipIf(skipWhy !== null)("pqtls run --cert-compression on the tun link", () => {
  it("compressed rows carry the algorithm and the server sends what compression saved fewer bytes", async () => {
    const out = join(dir, "compress.jsonl");
    const samples = 2;
    const r = await pqtls(
      [
        "run",
        "--config",
        "/dev/null",
        "--engine",
        "pqtls",
        "--link",
        "tun",
        "--variants",
        "x25519:ed25519,X25519MLKEM768:mldsa44",
        "--cert-compression",
        "none,brotli",
        "--rtt",
        "10ms",
        "--bytes",
        "0",
        "--samples",
        String(samples),
        "--warmups",
        "0",
        "--out",
        out,
        "--quiet",
      ],
      { timeoutMs: 60_000 },
    );
    expect(r.stderr).not.toMatch(/pqtls: /);
    expect(r.code).toBe(0);
    const rows = readRows(out);
    expect(rows).toHaveLength(2 * 2 * samples);
    for (const row of rows) expect([row.ok, row.error]).toEqual([true, null]);

    for (const chain of ["ed25519", "mldsa44"]) {
      const plain = rows.filter((x) => x.chain === chain && x.cert_compression === undefined);
      const brotli = rows.filter((x) => x.chain === chain && x.cert_compression === "brotli");
      expect(plain).toHaveLength(samples);
      expect(brotli).toHaveLength(samples);
      for (const x of brotli) expect(x.cell).toMatch(/\/cert_compression=brotli$/);
      for (const x of plain) expect(x.cell).not.toMatch(/cert_compression/);
      // Every sample of a cell sends the same bytes.
      for (const cell of [plain, brotli])
        for (const f of ["cert_msg_bytes", "hs_bytes_c2s", "hs_bytes_s2c"])
          expect(new Set(cell.map((x) => x[f])).size, `${chain} ${f}`).toBe(1);
      const [p, b] = [plain[0], brotli[0]];
      expect(p.cert_msg_bytes).toBe(manifest.chains[chain].certificateMessageBytes);
      const saved = p.cert_msg_bytes - b.cert_msg_bytes;
      expect(saved).toBeGreaterThan(0);
      expect(p.hs_bytes_s2c - b.hs_bytes_s2c).toBe(saved);
      expect(b.hs_bytes_c2s - p.hs_bytes_c2s).toBe(7);
      if (chain === "ed25519") expect(saved / p.cert_msg_bytes).toBeGreaterThan(0.1);
      else expect(saved / p.cert_msg_bytes).toBeLessThan(0.05);
    }

    // The report next to the results compares handshake bytes per condition (compressed or not).
    const md = readFileSync(join(dir, "compress.md"), "utf8");
    const section = md.slice(md.indexOf("## Handshake bytes"));
    expect(section).toMatch(/cert\. compression/);
    expect(section).toMatch(/\| brotli \|/);
  });

  it("refuses zstd without node:zlib zstd, and any compression with the openssl engine, in one line", async () => {
    const cases: [string[], RegExp][] = [
      [["--engine", "openssl", "--cert-compression", "brotli"], /cert_compression: needs engine pqtls only/],
    ];
    if (
      typeof ((await import("node:zlib")) as { zstdCompressSync?: unknown }).zstdCompressSync !== "function"
    )
      cases.push([["--cert-compression", "none,zstd"], /cert_compression: zstd needs node:zlib zstd/]);
    for (const [args, message] of cases) await expectRunRefused(args, join(dir, "never.jsonl"), message);
  });
});
