// `pqtls serve` and `pqtls connect` end to end (the built CLI): negotiation report, --get N with
// exactly N body bytes, --json, HRR, and one-line errors with distinct exit codes.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectArgs, pqtlsSync as pqtls, type Served, serveJson as serve } from "../cli.js";
import { TestPki } from "./peer.js";

describe("pqtls serve / connect", () => {
  const pki = new TestPki();
  let server: Served;
  let hrrServer: Served;
  const cert = () => pki.get("ecdsa-p256");

  beforeAll(async () => {
    server = await serve(["--cert", cert().certFile, "--key", cert().keyFile, "--http"]);
    hrrServer = await serve([
      "--cert",
      cert().certFile,
      "--key",
      cert().keyFile,
      "--groups",
      "SecP256r1MLKEM768",
    ]);
  });
  afterAll(() => {
    server?.proc.kill("SIGTERM");
    hrrServer?.proc.kill("SIGTERM");
    pki.dispose();
  });

  it("reports the negotiation and fetches exactly N bytes with --get", () => {
    const r = pqtls(...connectArgs(server.port, cert().caFile, ["--get", "123456", "--json"]));
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.protocol).toBe("TLSv1.3");
    expect(out.group).toBe("X25519MLKEM768");
    expect(out.signatureScheme).toBe("ecdsa_secp256r1_sha256");
    expect(out.helloRetryRequest).toBe(false);
    expect(out.chain).toHaveLength(1);
    expect(out.handshakeBytes.sent).toBeGreaterThan(1216);
    expect(out.http).toMatchObject({ status: 200, bodyBytes: 123456, expectedBytes: 123456 });
    expect(out.http.lastByteMs).toBeGreaterThanOrEqual(out.http.firstByteMs);
    expect(out.http.firstByteMs).toBeGreaterThanOrEqual(out.timings.handshakeCompleteMs);
  });

  it("prints a readable report and shows HRR", () => {
    const r = pqtls(...connectArgs(hrrServer.port, cert().caFile));
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/group:\s+SecP256r1MLKEM768/);
    expect(r.stdout).toMatch(/hello retry:\s+yes/);
    expect(r.stdout).toMatch(/handshake bytes:\s+sent \d+, received \d+/);
  });

  it("fails with one line and exit 1 when the certificate does not verify", () => {
    const r = pqtls(...connectArgs(server.port, cert().caFile, [], "other.test"));
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/bad_certificate/);
  });

  it("fails with exit 1 when nothing listens, and exit 2 on bad arguments", () => {
    const refused = pqtls("connect", "127.0.0.1:1", "--insecure");
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/ECONNREFUSED/);
    const badGroup = pqtls("connect", `127.0.0.1:${server.port}`, "--insecure", "--groups", "x25519,nope");
    expect(badGroup.code).toBe(2);
    expect(badGroup.stderr.trim().split("\n")).toHaveLength(1);
    const badTarget = pqtls("connect", "no-port", "--insecure");
    expect(badTarget.code).toBe(2);
    const noCert = pqtls("serve", "--cert", "/nonexistent.pem", "--key", cert().keyFile);
    expect(noCert.code).toBe(2);
    expect(noCert.stderr).toMatch(/cannot read --cert/);
  });

  it("answers a non-GET request on --http with 400", async () => {
    const { connect } = await import("@pqtls/tls13");
    const c = connect({
      host: "127.0.0.1",
      port: server.port,
      servername: "localhost",
      ca: cert().chain.root,
    });
    const body = await new Promise<string>((resolve, reject) => {
      const parts: Buffer[] = [];
      c.on("data", (d: Buffer) => parts.push(d));
      c.on("end", () => resolve(Buffer.concat(parts).toString()));
      c.on("error", reject);
      c.once("secureConnect", () => c.write("POST / HTTP/1.1\r\n\r\n"));
    });
    expect(body).toMatch(/^HTTP\/1\.1 400 /);
    c.destroy();
  });
});
