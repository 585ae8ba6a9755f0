// `pqtls certs` (the built CLI): per-certificate sizes and the chain's wire size, exact padding,
// files in the test-PKI layout that OpenSSL accepts, and one-line errors.

import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const bin = fileURLToPath(new URL("../dist/cli/main.js", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "pqtls-certs-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function pqtls(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, "certs", ...args], { encoding: "utf8", timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** DER size of each certificate in a PEM file, in order. */
function derSizes(pemFile: string): number[] {
  return [...readFileSync(pemFile, "utf8").matchAll(/-----BEGIN CERTIFICATE-----([\s\S]*?)-----END/g)].map(
    (m) => Buffer.from(m[1].replace(/\s+/g, ""), "base64").length,
  );
}

describe("pqtls certs", () => {
  it("prints each certificate's size and the chain's wire size, and they match the files", () => {
    const out = join(dir, "mldsa65");
    const r = pqtls("--sig", "mldsa65", "--depth", "3", "--out", out, "--seed", "cli");
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const rows = r.stdout.split("\n").filter((l) => /^(leaf|intermediate|root)/.test(l));
    expect(rows.map((l) => l.split(/\s+/)[0])).toEqual(["leaf", "intermediate-1", "root"]);
    const printed = rows.map((l) => Number(l.split(/\s+/)[3]));
    const files = [
      ...derSizes(join(out, "leaf.pem")),
      ...derSizes(join(out, "intermediate-1.pem")),
      ...derSizes(join(out, "root.pem")),
    ];
    expect(printed).toEqual(files);
    // Sent: leaf + intermediate; Certificate message = 8 + sum(5 + DER).
    const wire = 8 + files.slice(0, 2).reduce((n, s) => n + 5 + s, 0);
    expect(r.stdout).toContain(`chain wire size: ${wire} B`);
    expect(derSizes(join(out, "chain.pem"))).toEqual(files.slice(0, 2));
    expect(readdirSync(out).sort()).toEqual(
      [
        "chain.pem",
        "intermediate-1.key",
        "intermediate-1.pem",
        "leaf.key",
        "leaf.pem",
        "root.key",
        "root.pem",
        "servername",
      ].sort(),
    );
  });

  it("prints the Certificate message size under each trimming mechanism", () => {
    const r = pqtls("--sig", "mldsa44", "--depth", "3", "--seed", "mechanisms", "--json");
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    const size = (m: string) => j.mechanisms.find((x: { mechanism: string }) => x.mechanism === m)?.bytes;
    const [leaf, intermediate] = j.certificates.map((c: { bytes: number }) => c.bytes);
    expect(size("none")).toBe(j.certificateMessageBytes);
    // Suppressed CAs: exactly the intermediate's entry (DER + 3-byte length + 2-byte extensions) less.
    expect(size("suppress-ca")).toBe(j.certificateMessageBytes - intermediate - 5);
    // Trust anchor IDs: the empty trust_anchors extension (4 bytes) in the leaf's entry.
    expect(size("trust-anchor-ids")).toBe(j.certificateMessageBytes + 4);
    expect(size("tai-elided")).toBe(8 + leaf + 5 + 4);
    // RFC 8879 cannot shrink ML-DSA keys and signatures much; abridged drops the intermediate.
    expect(size("brotli")).toBeGreaterThan(size("suppress-ca"));
    expect(size("abridged")).toBeLessThan(size("suppress-ca"));
    // Size models, labelled: an MTC leaf alone, smaller than the leaf plus its CA's signature.
    expect(size("mtc (model)")).toBeLessThan(size("suppress-ca"));
    expect(j.mechanisms.find((x: { mechanism: string }) => x.mechanism === "mtc (model)").needs).toMatch(
      /^MTC model/,
    );
    expect(size("authkem (model)")).toBeGreaterThan(0);
    // --scts 2: two ML-DSA-44 SCTs make the leaf ~4.96 KB larger.
    const scts = JSON.parse(
      pqtls("--sig", "mldsa44", "--depth", "3", "--seed", "mechanisms", "--scts", "2", "--json").stdout,
    );
    const grew = scts.certificates[0].bytes - leaf;
    expect(grew).toBeGreaterThanOrEqual(4964);
    expect(grew).toBeLessThanOrEqual(4966);
    const table = pqtls("--sig", "mldsa44", "--depth", "3", "--seed", "mechanisms");
    expect(table.stdout).toMatch(new RegExp(`^suppress-ca\\s+${size("suppress-ca")}\\s+needs`, "m"));
  });

  it("--pad-to makes the wire size exact; OpenSSL verifies the written classical chain", () => {
    const out = join(dir, "rsa");
    const r = pqtls("--sig", "rsa2048", "--depth", "3", "--pad-to", "16KiB", "--out", out, "--json");
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary.certificateMessageBytes).toBe(16384);
    const sent = derSizes(join(out, "chain.pem"));
    expect(8 + sent.reduce((n, s) => n + 5 + s, 0)).toBe(16384);
    const v = spawnSync(
      "/usr/bin/openssl",
      [
        "verify",
        "-x509_strict",
        "-CAfile",
        join(out, "root.pem"),
        "-untrusted",
        join(out, "intermediate-1.pem"),
        "-verify_hostname",
        "server.pqtls.test",
        join(out, "leaf.pem"),
      ],
      { encoding: "utf8", timeout: 30_000 },
    );
    expect(v.stdout + v.stderr).toMatch(/OK/);
    expect(v.status).toBe(0);
  });

  it("by default makes what a WebPKI server sends: leaf + intermediate, the root kept back", () => {
    const s = JSON.parse(pqtls("--sig", "ed25519", "--json").stdout);
    expect(s.sentCertificates).toBe(2);
    expect(s.certificateMessageBytesWithRoot).toBeGreaterThan(s.certificateMessageBytes);
  });

  it("--include-root counts the root; bad input is one line and a non-zero exit", () => {
    const r = pqtls("--sig", "ed25519", "--include-root", "--json");
    const s = JSON.parse(r.stdout);
    expect(s.sentCertificates).toBe(3);
    expect(s.certificateMessageBytes).toBe(s.certificateMessageBytesWithRoot);
    const refusals = [
      ["--sig", "nope"],
      ["--sig", "ed25519", "--depth", "7"],
      ["--sig", "ed25519", "--pad-to", "100"],
    ];
    const errors = refusals.map((args) => {
      const bad = pqtls(...args);
      expect(bad.code, args.join(" ")).not.toBe(0);
      expect(bad.stderr.trim().split("\n").length, bad.stderr).toBe(1);
      return bad.stderr;
    });
    expect(errors[0]).toMatch(/Allowed choices are rsa2048/);
    expect(errors[1]).toMatch(/expected 1..4/);
    expect(errors[2]).toMatch(/cannot pad chain to 100 bytes: it is already \d+ bytes/);
  });
});
