// RFC 8879 certificate compression helpers: round trips, data from node:zlib and from Node 24,
// and every way a received CompressedCertificate can be wrong. The file runs again under Node 24,
// where node:zlib has zstd, so the zstd path is exercised rather than skipped.

import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import * as zlib from "node:zlib";
import { describe, expect, it } from "vitest";
import { AlertDescription } from "../src/wire/codepoints.js";
import {
  type Certificate,
  certificateCompressionAlgorithms,
  chainWireSize,
  compressCertificateMessage,
  DEFAULT_MAX_UNCOMPRESSED,
  decodeCompressedCertificate,
  decompressCertificateMessage,
  encodeCompressCertificateExtension,
  encodeCompressedCertificate,
  parseCompressCertificateExtension,
} from "../src/x509/index.js";
import { expectAlert, loadFixture, node24, runNode24 } from "./x509-helpers.js";

const UNDER_NODE24 = process.env.PQTLS_X509_UNDER_NODE24 === "1";
const HAS_ZSTD = typeof (zlib as { zstdCompressSync?: unknown }).zstdCompressSync === "function";

/** A TLS 1.3 Certificate message body: empty request context, entries without extensions. */
function certificateMessageBody(chain: Certificate[]): Uint8Array {
  const u24 = (n: number) => [n >> 16, (n >> 8) & 0xff, n & 0xff];
  const entries = chain.flatMap((c) => [...u24(c.der.length), ...c.der, 0, 0]);
  return Uint8Array.from([0, ...u24(entries.length), ...entries]);
}

const algorithms = () => certificateCompressionAlgorithms();

describe("compress/decompress a Certificate message", () => {
  it("offers zstd exactly when node:zlib has it", () => {
    expect(algorithms()).toEqual(HAS_ZSTD ? ["zstd", "brotli", "zlib"] : ["brotli", "zlib"]);
    if (UNDER_NODE24) expect(HAS_ZSTD).toBe(true);
    if (!HAS_ZSTD) {
      expect(() => compressCertificateMessage("zstd", new Uint8Array(10))).toThrow(
        /zstd .* needs Node >= 22.15/,
      );
      expectAlert(
        () => decompressCertificateMessage("zstd", new Uint8Array(10), 10),
        AlertDescription.bad_certificate,
        /never offered/,
      );
    }
  });

  it("round-trips every fixture chain with every available algorithm; sizes match the wire size", () => {
    for (const name of ["rsa2048-leaf", "ecdsa-p256-leaf", "mldsa65-leaf", "mldsa65"]) {
      const { sent, root } = loadFixture(name);
      const body = certificateMessageBody([...sent, root]);
      expect(body.length + 4).toBe(chainWireSize([...sent, root]));
      for (const alg of algorithms()) {
        const compressed = compressCertificateMessage(alg, body);
        const back = decompressCertificateMessage(alg, compressed, body.length);
        expect(Buffer.from(back).equals(Buffer.from(body)), `${name} ${alg}`).toBe(true);
        // Repeated names and extensions compress; ML-DSA keys and signatures do not.
        if (name.startsWith("mldsa")) expect(compressed.length / body.length).toBeGreaterThan(0.9);
        else expect(compressed.length).toBeLessThan(body.length);
      }
    }
  });

  it("decompresses data made by node:zlib with default settings", () => {
    const body = certificateMessageBody(loadFixture("ed25519-leaf").sent);
    expect(decompressCertificateMessage("zlib", zlib.deflateSync(body), body.length)).toEqual(body);
    expect(decompressCertificateMessage("brotli", zlib.brotliCompressSync(body), body.length)).toEqual(body);
  });

  it.runIf(!UNDER_NODE24)(
    "decompresses what Node 24 compresses (zlib, brotli, zstd), where this runtime has the algorithm",
    () => {
      const body = certificateMessageBody(loadFixture("ecdsa-p256-leaf").sent);
      const made = runNode24<Record<string, string>>(
        `import * as z from "node:zlib";
       let input = ""; for await (const c of process.stdin) input += c;
       const body = Buffer.from(JSON.parse(input), "base64");
       console.log(JSON.stringify({ zlib: z.deflateSync(body).toString("base64"),
         brotli: z.brotliCompressSync(body).toString("base64"), zstd: z.zstdCompressSync(body).toString("base64") }));`,
        Buffer.from(body).toString("base64"),
      );
      for (const alg of algorithms())
        expect(decompressCertificateMessage(alg, Buffer.from(made[alg], "base64"), body.length), alg).toEqual(
          body,
        );
    },
  );
});

describe("a bad CompressedCertificate → bad_certificate", () => {
  const body = certificateMessageBody(loadFixture("rsa2048-leaf").sent);

  it("uncompressed_length that does not match", () => {
    for (const alg of algorithms()) {
      const data = compressCertificateMessage(alg, body);
      expectAlert(
        () => decompressCertificateMessage(alg, data, body.length - 1),
        AlertDescription.bad_certificate,
        /more than the announced/,
      );
      expectAlert(
        () => decompressCertificateMessage(alg, data, body.length + 1),
        AlertDescription.bad_certificate,
        /says/,
      );
    }
  });

  it("corrupt or truncated data", () => {
    for (const alg of algorithms()) {
      const data = compressCertificateMessage(alg, body);
      expectAlert(
        () => decompressCertificateMessage(alg, data.subarray(0, data.length >> 1), body.length),
        AlertDescription.bad_certificate,
      );
      expectAlert(
        () => decompressCertificateMessage(alg, Uint8Array.of(1, 2, 3, 4, 5), body.length),
        AlertDescription.bad_certificate,
      );
    }
  });

  it("a zero or oversized uncompressed_length, and a compression bomb, cost no more than the limit", () => {
    expectAlert(
      () => decompressCertificateMessage("zlib", new Uint8Array(8), 0),
      AlertDescription.bad_certificate,
      /not positive/,
    );
    expectAlert(
      () => decompressCertificateMessage("zlib", new Uint8Array(8), DEFAULT_MAX_UNCOMPRESSED + 1),
      AlertDescription.bad_certificate,
      /exceeds the limit/,
    );
    expectAlert(
      () => decompressCertificateMessage("zlib", new Uint8Array(8), 5000, 4096),
      AlertDescription.bad_certificate,
      /limit of 4096/,
    );
    const bomb = zlib.deflateSync(new Uint8Array(64 << 20)); // 64 MiB of zeros in ~64 KiB
    const t = performance.now();
    expectAlert(
      () => decompressCertificateMessage("zlib", bomb, 16384),
      AlertDescription.bad_certificate,
      /more than the announced/,
    );
    expect(performance.now() - t).toBeLessThan(1000);
  });
});

describe("compress_certificate extension and CompressedCertificate message", () => {
  it("encodes and parses the extension; unknown codes are skipped, malformed lists are decode_error", () => {
    const ext = encodeCompressCertificateExtension(["brotli", "zlib"]);
    expect(Buffer.from(ext).toString("hex")).toBe("0400020001");
    expect(parseCompressCertificateExtension(ext)).toEqual(["brotli", "zlib"]);
    expect(parseCompressCertificateExtension(Uint8Array.from([4, 0xfe, 0xfe, 0, 3]))).toEqual(["zstd"]);
    expectAlert(() => parseCompressCertificateExtension(Uint8Array.of(0)), AlertDescription.decode_error);
    expectAlert(
      () => parseCompressCertificateExtension(Uint8Array.of(3, 0, 1, 0)),
      AlertDescription.decode_error,
    );
    expectAlert(
      () => parseCompressCertificateExtension(Uint8Array.of(2, 0, 1, 9)),
      AlertDescription.decode_error,
      /trailing/,
    );
  });

  it("round-trips a Certificate body through the message, and maps each failure to its alert", () => {
    const body = certificateMessageBody(loadFixture("mldsa44-leaf").sent);
    for (const alg of algorithms()) {
      const message = encodeCompressedCertificate(alg, body);
      // algorithm(2) ‖ uncompressed_length(3) ‖ compressed<3-byte length>
      expect((message[0] << 8) | message[1]).toBe({ zlib: 1, brotli: 2, zstd: 3 }[alg]);
      expect((message[2] << 16) | (message[3] << 8) | message[4]).toBe(body.length);
      const { algorithm, certificateBody } = decodeCompressedCertificate(message, algorithms());
      expect(algorithm).toBe(alg);
      expect(certificateBody).toEqual(body);
    }
    const zlibMessage = encodeCompressedCertificate("zlib", body);
    expectAlert(
      () => decodeCompressedCertificate(zlibMessage, ["brotli"]),
      AlertDescription.illegal_parameter,
      /did not offer/,
    );
    expectAlert(
      () => decodeCompressedCertificate(zlibMessage.subarray(0, 10), ["zlib"]),
      AlertDescription.decode_error,
    );
    expectAlert(
      () => decodeCompressedCertificate(Uint8Array.from([...zlibMessage, 0]), ["zlib"]),
      AlertDescription.decode_error,
    );
    const wrongLength = zlibMessage.slice();
    wrongLength[4] ^= 1;
    expectAlert(() => decodeCompressedCertificate(wrongLength, ["zlib"]), AlertDescription.bad_certificate);
    expectAlert(
      () => decodeCompressedCertificate(Uint8Array.of(0, 1, 0, 0, 9, 0, 0, 0), ["zlib"]),
      AlertDescription.decode_error,
    );
  });
});

describe.runIf(!UNDER_NODE24)("the same tests under Node 24", () => {
  it("pass, with zstd available there", () => {
    const dir = mkdtempSync(join(tmpdir(), "pqtls-x509-node24-"));
    try {
      const report = join(dir, "report.json");
      const vitest = fileURLToPath(new URL("../../../node_modules/vitest/vitest.mjs", import.meta.url));
      const run = spawnSync(
        node24(),
        [vitest, "run", "test/x509-compression.test.ts", "--reporter=json", `--outputFile=${report}`],
        {
          cwd: fileURLToPath(new URL("..", import.meta.url)),
          env: { ...process.env, PQTLS_X509_UNDER_NODE24: "1", NO_COLOR: "1" },
          encoding: "utf8",
          timeout: 90_000,
        },
      );
      expect(run.error).toBeUndefined();
      const results = JSON.parse(readFileSync(report, "utf8")) as {
        testResults: { assertionResults: { fullName: string; status: string }[] }[];
      };
      const all = results.testResults.flatMap((f) => f.assertionResults);
      expect(
        all.filter((a) => a.status !== "passed" && a.status !== "skipped").map((a) => a.fullName),
      ).toEqual([]);
      expect(all.filter((a) => a.status === "passed").length).toBeGreaterThanOrEqual(8);
      expect(run.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
