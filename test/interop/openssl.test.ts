// Interop with Debian's OpenSSL 3.0 command-line tools for the classical cases: our client against
// `openssl s_server`, `openssl s_client` against our server, with RSA, ECDSA and Ed25519 chains.

import { spawn } from "node:child_process";
import type { AddressInfo } from "node:net";
import { type ChainAlgorithm, connect, createServer, type GroupName, type TlsSocket } from "@pqtls/tls13";
import { afterAll, describe, expect, it } from "vitest";
import { TestPki } from "./peer.js";
import { freePort, opensslServer, toolVersion, waitForOutput } from "./processes.js";

const version = toolVersion("openssl", ["version"]);
if (!version) console.warn("skipping OpenSSL CLI interop: no openssl binary (apt-get install openssl)");

const CASES: Array<[ChainAlgorithm, string, GroupName, string]> = [
  ["rsa2048", "rsa_pss_rsae_sha256", "x25519", "X25519"],
  ["ecdsa-p256", "ecdsa_secp256r1_sha256", "secp256r1", "P-256"],
  ["ed25519", "ed25519", "secp384r1", "P-384"],
];

describe.skipIf(version === null)(`interop with ${version}`, () => {
  const pki = new TestPki();
  afterAll(() => pki.dispose());

  it("follows a KeyUpdate that s_server initiates (with update_requested) and parses its NewSessionTickets", async () => {
    const port = await freePort();
    const cert = pki.get("ecdsa-p256");
    const server = opensslServer(port, cert, ["-naccept", "1"]);
    let serverOut = "";
    server.stdout.on("data", (d: Buffer) => {
      serverOut += d.toString();
    });
    try {
      await waitForOutput(server, "ACCEPT");
      const c = connect({ host: "127.0.0.1", port, servername: "localhost", ca: cert.chain.root });
      await new Promise((r, j) => c.once("secureConnect", r).once("error", j));
      const got = new Promise<string>((resolve) => {
        let text = "";
        c.on("data", (d: Buffer) => {
          text += d.toString();
          if (text.includes("\n")) resolve(text);
        });
      });
      // s_server reads commands from stdin: "K" sends KeyUpdate(update_requested), then a data line.
      await new Promise((r) => setTimeout(r, 100));
      server.stdin.write("K\n");
      await new Promise((r) => setTimeout(r, 100));
      server.stdin.write("after update\n");
      expect(await got).toBe("after update\n");
      c.write("reply after update\n");
      await waitForOutput(server, "reply after update");
      const post = c.timings.messages
        .filter((m) => m.at >= c.timings.handshakeComplete!)
        .map((m) => `${m.direction}:${m.type}`);
      expect(post).toContain("received:key_update");
      expect(post).toContain("sent:key_update");
      expect(c.sessionTicketsReceived).toBeGreaterThanOrEqual(1);
      c.destroy();
    } finally {
      server.kill();
    }
    expect(serverOut).toContain("reply after update");
  });

  for (const [sig, scheme, group, opensslGroup] of CASES) {
    it(`our client → s_server (${sig}, ${group})`, async () => {
      const port = await freePort();
      const cert = pki.get(sig);
      const server = opensslServer(port, cert, ["-groups", opensslGroup, "-rev", "-naccept", "1"]);
      try {
        await waitForOutput(server, "ACCEPT");
        const c: TlsSocket = connect({
          host: "127.0.0.1",
          port,
          servername: "localhost",
          ca: cert.chain.root,
          groups: [group],
          keyShares: [group],
        });
        await new Promise((r, j) => c.once("secureConnect", r).once("error", j));
        expect(c.group).toBe(group);
        expect(c.signatureScheme).toBe(scheme);
        expect(c.authorized).toBe(true);
        const reply = new Promise<string>((resolve) => {
          let got = "";
          c.on("data", (d: Buffer) => {
            got += d.toString();
            if (got.includes("\n")) resolve(got);
          });
        });
        c.write("hello pqtls\n");
        expect((await reply).trim()).toBe("sltqp olleh");
        c.end();
      } finally {
        server.kill();
      }
    });

    it(`s_client → our server (${sig}, ${group})`, async () => {
      const cert = pki.get(sig);
      const received: string[] = [];
      const accepted: TlsSocket[] = [];
      const server = createServer({ cert: cert.chain.chain, key: cert.chain.leafKey }, (s) => {
        accepted.push(s);
        s.write("hello from pqtls\n");
        s.on("data", (d: Buffer) => {
          received.push(d.toString());
          if (received.join("").includes("\n")) s.end();
        });
      });
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
      try {
        const port = (server.address() as AddressInfo).port;
        const client = spawn("openssl", [
          "s_client",
          "-connect",
          `127.0.0.1:${port}`,
          "-tls1_3",
          "-groups",
          opensslGroup,
          "-CAfile",
          cert.caFile,
          "-servername",
          "localhost",
          "-verify_return_error",
          "-brief",
          "-ign_eof",
        ]);
        let out = "";
        client.stdout.on("data", (d: Buffer) => {
          out += d.toString();
        });
        client.stderr.on("data", (d: Buffer) => {
          out += d.toString();
        });
        await waitForOutput(client, "hello from pqtls");
        client.stdin.write("ping from s_client\n");
        const code = await new Promise<number | null>((resolve) => client.once("exit", resolve));
        expect(out).toContain("Verification: OK");
        expect(out).toContain("Protocol version: TLSv1.3");
        expect(code).toBe(0);
        expect(received.join("")).toBe("ping from s_client\n");
        expect(accepted[0].group).toBe(group);
        expect(accepted[0].signatureScheme).toBe(scheme);
      } finally {
        server.close();
      }
    });
  }
});
