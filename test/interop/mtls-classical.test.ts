// mTLS interop with Debian's OpenSSL 3.0 (`s_server -Verify`, `s_client -cert -key`) and GnuTLS
// (`gnutls-serv --require-client-cert`, `gnutls-cli --x509certfile --x509keyfile`), both directions,
// with classical client chains (RSA, ECDSA, Ed25519), and a missing client certificate refused with
// certificate_required both ways.

import { type ChildProcess, spawn } from "node:child_process";
import type { AddressInfo } from "node:net";
import { type ChainAlgorithm, connect, createServer, type TlsServer, type TlsSocket } from "@pqtls/tls13";
import { afterAll, describe, expect, it } from "vitest";
import { TestPki } from "./peer.js";
import { freePort, opensslServer, run, stop, toolVersion, waitForOutput } from "./processes.js";

const openssl = toolVersion("openssl", ["version"]);
if (!openssl) console.warn("skipping OpenSSL mTLS interop: no openssl binary");
const gnutls = toolVersion("gnutls-cli");
if (!gnutls) console.warn("skipping GnuTLS mTLS interop: no gnutls-cli (apt-get install gnutls-bin)");

/** Client chains and the CertificateVerify scheme each signs with. */
const CLIENT_CHAINS: Array<[ChainAlgorithm, string]> = [
  ["rsa2048", "rsa_pss_rsae_sha256"],
  ["ecdsa-p256", "ecdsa_secp256r1_sha256"],
  ["ed25519", "ed25519"],
];

const pki = new TestPki();
const serverCert = () => pki.get("ecdsa-p256");
const running: ChildProcess[] = [];
const servers: TlsServer[] = [];
afterAll(async () => {
  await Promise.all(running.map((p) => stop(p)));
  for (const s of servers) s.close();
  pki.dispose();
});

/**
 * Our server asking for a client certificate under `clientSig`'s CA: an echo server, or with
 * `greet` one that sends a line and closes (s_client quits at the end of its input before reading
 * an echo, so it runs with -ign_eof and stops when we close).
 */
async function ourServer(clientSig: ChainAlgorithm, greet = false) {
  const sockets: TlsSocket[] = [];
  const failures: Error[] = [];
  const server = createServer(
    {
      cert: serverCert().chain.chain,
      key: serverCert().chain.leafKey,
      requestCert: true,
      ca: pki.get(clientSig).chain.root,
      groups: ["x25519", "secp256r1"],
    },
    (s) => {
      sockets.push(s);
      if (greet) s.end("hello from pqtls\n");
      else s.on("data", (d: Buffer) => s.write(d));
      s.on("end", () => s.end());
      s.on("error", () => {});
    },
  );
  server.on("tlsClientError", (e: Error) => failures.push(e));
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { port: (server.address() as AddressInfo).port, sockets, failures };
}

/** Our client with `clientSig`'s chain (none when undefined) writes a line; resolves with the reply. */
async function ourClient(port: number, clientSig: ChainAlgorithm | undefined) {
  const own = clientSig
    ? { cert: pki.get(clientSig).chain.chain, key: pki.get(clientSig).chain.leafKey }
    : {};
  const c = connect({
    host: "127.0.0.1",
    port,
    servername: "localhost",
    ca: serverCert().chain.root,
    groups: ["x25519"],
    keyShares: ["x25519"],
    ...own,
  });
  const reply = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("timeout")), 15_000);
    c.once("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    c.once("secureConnect", () => c.write("hello pqtls\n"));
    let got = "";
    c.on("data", (d: Buffer) => {
      got += d.toString();
      if (got.includes("\n")) {
        clearTimeout(timer);
        resolve(got);
      }
    });
  });
  c.destroy();
  return { c, reply };
}

type Alerted = Error & { alertName?: string; remote?: boolean };

describe.skipIf(openssl === null)(`mTLS interop with ${openssl}`, () => {
  for (const [sig, scheme] of CLIENT_CHAINS) {
    it(`our client → s_server -Verify (${sig} client chain)`, async () => {
      const port = await freePort();
      const server = opensslServer(port, serverCert(), [
        ...["-Verify", "2", "-CAfile", pki.get(sig).caFile, "-verify_return_error"],
        ...["-groups", "X25519", "-rev", "-naccept", "1"],
      ]);
      running.push(server);
      await waitForOutput(server, "ACCEPT");
      const { c, reply } = await ourClient(port, sig);
      expect(reply.trim()).toBe("sltqp olleh");
      expect(c.clientSignatureScheme).toBe(scheme);
      // -Verify with -verify_return_error: s_server aborts unless our chain verified.
    });

    it(`s_client -cert -key → our server (${sig} client chain)`, async () => {
      const { port, sockets } = await ourServer(sig, true);
      const r = await run(
        "openssl",
        [
          ...["s_client", "-connect", `127.0.0.1:${port}`, "-tls1_3", "-groups", "X25519"],
          ...["-CAfile", serverCert().caFile, "-servername", "localhost", "-verify_return_error", "-brief"],
          ...["-cert", pki.get(sig).certFile, "-key", pki.get(sig).keyFile, "-ign_eof"],
        ],
        { input: "", ms: 20_000 },
      );
      expect(r.stdout + r.stderr).toContain("Verification: OK");
      expect(r.stdout).toContain("hello from pqtls");
      expect(r.code).toBe(0);
      expect(sockets[0]?.authorized).toBe(true);
      expect(sockets[0]?.clientSignatureScheme).toBe(scheme);
    });
  }

  it("s_server -Verify refuses our client without a certificate: certificate_required", async () => {
    const port = await freePort();
    const server = opensslServer(port, serverCert(), [
      ...["-Verify", "2", "-CAfile", pki.get("ecdsa-p256").caFile, "-groups", "X25519", "-naccept", "1"],
    ]);
    running.push(server);
    await waitForOutput(server, "ACCEPT");
    const err = await ourClient(port, undefined).then(
      () => undefined,
      (e: Alerted) => e,
    );
    expect(err?.alertName).toBe("certificate_required");
    expect(err?.remote).toBe(true);
  });

  it("our server refuses s_client without a certificate: certificate_required", async () => {
    const { port, failures } = await ourServer("ecdsa-p256", true);
    const r = await run(
      "openssl",
      [
        ...["s_client", "-connect", `127.0.0.1:${port}`, "-tls1_3", "-groups", "X25519"],
        ...["-CAfile", serverCert().caFile, "-servername", "localhost", "-brief", "-ign_eof"],
      ],
      { input: "", ms: 20_000 },
    );
    // TLS 1.3: s_client finishes its handshake first, then reads our alert.
    expect(r.stdout + r.stderr).toMatch(/alert certificate required/);
    expect(r.stdout).not.toContain("hello from pqtls");
    expect(failures[0]?.message).toMatch(/certificate_required/);
  });
});

describe.skipIf(gnutls === null)(`mTLS interop with ${gnutls}`, () => {
  const PRIORITY = "NORMAL:-VERS-ALL:+VERS-TLS1.3";

  for (const [sig, scheme] of CLIENT_CHAINS) {
    it(`our client → gnutls-serv --require-client-cert (${sig} client chain)`, async () => {
      const port = await freePort();
      const p = spawn("gnutls-serv", [
        ...["--echo", "-p", String(port), "--priority", PRIORITY],
        ...["--x509certfile", serverCert().certFile, "--x509keyfile", serverCert().keyFile],
        ...["--require-client-cert", "--verify-client-cert", "--x509cafile", pki.get(sig).caFile],
      ]);
      running.push(p);
      let out = "";
      p.stdout.on("data", (d: Buffer) => (out += d));
      await waitForOutput(p, /listening on IPv4 .*\.\.\.done/);
      const { c, reply } = await ourClient(port, sig);
      expect(reply).toBe("hello pqtls\n");
      expect(c.clientSignatureScheme).toBe(scheme);
      await stop(p);
      expect(out).toMatch(/Peer's certificate is trusted|The certificate is trusted/);
    });

    it(`gnutls-cli --x509certfile --x509keyfile → our server (${sig} client chain)`, async () => {
      const { port, sockets } = await ourServer(sig);
      const r = await run(
        "gnutls-cli",
        [
          ...["--x509cafile", serverCert().caFile, "--priority", PRIORITY, "-p", String(port)],
          ...["--x509certfile", pki.get(sig).certFile, "--x509keyfile", pki.get(sig).keyFile, "localhost"],
        ],
        { input: "ping\n", ms: 20_000 },
      );
      expect(r.stdout).toContain("- Handshake was completed");
      expect(r.stdout).toContain("ping");
      expect(sockets[0]?.authorized).toBe(true);
      expect(sockets[0]?.clientSignatureScheme).toBe(scheme);
    });
  }

  it("our server refuses gnutls-cli without a certificate: certificate_required", async () => {
    const { port, failures } = await ourServer("ecdsa-p256");
    const r = await run(
      "gnutls-cli",
      ["--x509cafile", serverCert().caFile, "--priority", PRIORITY, "-p", String(port), "localhost"],
      { input: "ping\n", ms: 20_000 },
    );
    expect(r.stdout + r.stderr).toMatch(/certificate.required|Certificate is required/i);
    expect(failures[0]?.message).toMatch(/certificate_required/);
  });
});
