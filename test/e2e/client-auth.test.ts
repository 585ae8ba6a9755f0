// End to end: `pqtls run --client-auth none,mldsa44,mldsa65` (mTLS) on the TUN link through the
// built CLI, on both engines. What the rows must show:
//   - mTLS cells carry client_auth and end their cell id with /client_auth=<chain>; none cells do not;
//   - every connection succeeds: the server requested the chain and verified it against its root
//     (a chain it refused would be an alert, a failed row), and the client sent it;
//   - on the pqtls engine the client's handshake bytes grow, against the none cell, by exactly its
//     Certificate message (4 + 1 + 3 + per certificate 3 + DER + 2, the DERs read from the chain's
//     PEM) plus its CertificateVerify (4 + 2 + 2 + signature, FIPS 204's ML-DSA signature sizes): the
//     client's second flight stays one record (< 2^14 B), so no record header is added. The openssl
//     engine's hs_bytes_c2s cannot show it: node:tls emits secureConnect before OpenSSL's client
//     flight (Certificate, CertificateVerify, Finished) reaches the TCP socket, so its c2s count is
//     the ClientHello alone (239 B with or without a client chain); there the test checks that the
//     client sent more TCP segments with a chain and that the server's flight grew.
import { X509Certificate } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { expectRunRefused, pqtls, readRows, repoRoot, tunLinkSkipReason } from "../cli.js";

const skipWhy = tunLinkSkipReason("client_auth (mTLS) end-to-end test");

const dir = mkdtempSync(join(tmpdir(), "pqtls-e2e-mtls-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** FIPS 204 signature sizes (bytes) of the client chains' leaf keys. */
const SIGNATURE_BYTES: Record<string, number> = { mldsa44: 2420, mldsa65: 3309 };

/** The client's Certificate message for a fixture chain (empty request context, no extensions). */
function certificateMessageBytes(chain: string): number {
  const pem = readFileSync(join(repoRoot, "fixtures", "pki", chain, "chain.pem"), "utf8");
  const ders = pem.match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g) ?? [];
  expect(ders.length).toBeGreaterThan(0);
  const entries = ders.map((p) => 3 + new X509Certificate(p).raw.length + 2);
  return 4 + 1 + 3 + entries.reduce((a, b) => a + b, 0);
}

const certificateVerifyBytes = (chain: string) => 4 + 2 + 2 + SIGNATURE_BYTES[chain];

describe.skipIf(skipWhy !== null)("pqtls run --client-auth on the tun link", () => {
  it("mTLS succeeds on both engines; the pqtls client sends exactly its Certificate and CertificateVerify more", async () => {
    const out = join(dir, "mtls.jsonl");
    const samples = 2;
    const r = await pqtls(
      [
        "run",
        "--config",
        "/dev/null",
        "--engine",
        "pqtls,openssl",
        "--link",
        "tun",
        "--variants",
        "x25519:ed25519",
        "--client-auth",
        "none,mldsa44,mldsa65",
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
    expect(rows).toHaveLength(2 * 3 * samples);
    for (const row of rows) expect([row.ok, row.error]).toEqual([true, null]);

    for (const engine of ["pqtls", "openssl"]) {
      const none = rows.filter((x) => x.engine === engine && x.client_auth === undefined);
      expect(none).toHaveLength(samples);
      for (const x of none) expect(x.cell).not.toMatch(/client_auth/);
      // Every sample of a cell sends the same bytes.
      expect(new Set(none.map((x) => x.hs_bytes_c2s)).size).toBe(1);
      for (const chain of ["mldsa44", "mldsa65"]) {
        const mtls = rows.filter((x) => x.engine === engine && x.client_auth === chain);
        expect(mtls).toHaveLength(samples);
        for (const x of mtls) expect(x.cell).toMatch(new RegExp(`/client_auth=${chain}$`));
        expect(new Set(mtls.map((x) => x.hs_bytes_c2s)).size).toBe(1);
        if (engine === "pqtls") {
          const grew = mtls[0].hs_bytes_c2s - none[0].hs_bytes_c2s;
          expect(grew, `${engine} ${chain}`).toBe(
            certificateMessageBytes(chain) + certificateVerifyBytes(chain),
          );
        } else {
          // An 8-11 KiB chain and a 2-3 KiB signature take more segments than a Finished alone.
          const segs = (x: (typeof rows)[number]) => x.tcp["client.Tcp.OutSegs"];
          expect(segs(mtls[0]), `${engine} ${chain} segments`).toBeGreaterThan(segs(none[0]) + 3);
        }
        // The server's flight grows by its CertificateRequest (a few dozen bytes, not a chain).
        const serverGrew = mtls[0].hs_bytes_s2c - none[0].hs_bytes_s2c;
        expect(serverGrew, `${engine} ${chain} server`).toBeGreaterThan(0);
        expect(serverGrew, `${engine} ${chain} server`).toBeLessThan(1000);
      }
    }
  });

  it("refuses a chain the test PKI lacks and resumed mTLS cells, in one line", async () => {
    await expectRunRefused(
      ["--client-auth", "mldsa99"],
      join(dir, "never.jsonl"),
      /client_auth: unknown chain "mldsa99"/,
    );
    await expectRunRefused(
      ["--client-auth", "mldsa44", "--resumption", "full,resumed"],
      join(dir, "never.jsonl"),
      /client_auth: mTLS cells are full handshakes only/,
    );
  });
});
