// `pqtls serve --request-cert --ca FILE` and `pqtls connect --cert FILE --key FILE` end to end (the
// built CLI): the client certificate goes out and is verified, a missing one fails the connection
// with certificate_required on both sides, and the flags are checked up front.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectArgs, pqtls, pqtlsSync, type Served, serveJson as serve } from "../cli.js";
import { TestPki } from "./peer.js";

describe("pqtls serve --request-cert / connect --cert --key", () => {
  const pki = new TestPki();
  let server: Served;
  /** serve prints handshake failures on stderr. */
  let serverStderr = "";
  const serverCert = () => pki.get("ecdsa-p256");
  const clientCert = () => pki.get("mldsa65");

  beforeAll(async () => {
    server = await serve([
      ...["--cert", serverCert().certFile, "--key", serverCert().keyFile],
      ...["--request-cert", "--ca", clientCert().caFile],
    ]);
    server.proc.stderr!.on("data", (d: Buffer) => (serverStderr += d));
  });
  afterAll(() => {
    server?.proc.kill("SIGTERM");
    pki.dispose();
  });

  /** serve's JSON lines of one kind so far. */
  const events = (kind: string) =>
    server.lines.map((l) => JSON.parse(l)).filter((e: { event: string }) => e.event === kind);

  it("sends the ML-DSA-65 client chain; the server reports it verified", async () => {
    const args = ["--cert", clientCert().certFile, "--key", clientCert().keyFile, "--json"];
    const r = await pqtls(connectArgs(server.port, serverCert().caFile, args), { timeoutMs: 30_000 });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).clientSignatureScheme).toBe("mldsa65");
    const seen = events("connection").at(-1);
    expect(seen.client).toEqual({
      authorized: true,
      authorizationError: null,
      subject: clientCert().chain.leaf.subject,
      signatureScheme: "mldsa65",
    });
  });

  it("without a client certificate: exit 1 with certificate_required, and the server says why", async () => {
    const before = events("connection").length;
    const r = await pqtls(connectArgs(server.port, serverCert().caFile), { timeoutMs: 30_000 });
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/certificate_required/);
    expect(events("connection").length).toBe(before);
    await new Promise((r) => setTimeout(r, 200));
    const failures = serverStderr
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(failures.at(-1)).toMatchObject({
      event: "tlsClientError",
      error: expect.stringMatching(/certificate_required/),
    });
  });

  it("checks the flags up front: exit 2, one line", () => {
    const noCa = pqtlsSync(
      ...["serve", "--cert", serverCert().certFile, "--key", serverCert().keyFile, "--request-cert"],
    );
    expect(noCa.code).toBe(2);
    expect(noCa.stderr).toMatch(/--request-cert needs --ca/);
    const caAlone = pqtlsSync(
      ...[
        "serve",
        "--cert",
        serverCert().certFile,
        "--key",
        serverCert().keyFile,
        "--ca",
        clientCert().caFile,
      ],
    );
    expect(caAlone.code).toBe(2);
    expect(caAlone.stderr).toMatch(/go with --request-cert/);
    const certAlone = pqtlsSync(
      ...connectArgs(server.port, serverCert().caFile, ["--cert", clientCert().certFile]),
    );
    expect(certAlone.code).toBe(2);
    expect(certAlone.stderr.trim().split("\n")).toHaveLength(1);
    expect(certAlone.stderr).toMatch(/--cert and --key go together/);
  });
});
