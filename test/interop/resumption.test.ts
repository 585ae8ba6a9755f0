// Resumption and 0-RTT interop.
//   Node 24 / OpenSSL 3.5 (node:tls), both directions: tickets issued by one side resume on the
//   other, over X25519MLKEM768 (psk_dhe_ke keeps the hybrid share). node:tls has no 0-RTT API, so
//   0-RTT interop uses Debian's `openssl s_server -early_data` / `s_client -sess_out/-sess_in
//   -early_data` (OpenSSL 3.0: classical groups only, so x25519 there).

import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { type ClientOptions, connect, createServer, decodeSession, type TlsSocket } from "@pqtls/tls13";
import { afterAll, describe, expect, it } from "vitest";
import { node24Missing, node24Path } from "../../tools/node24/index.mjs";
import { TestPki } from "./peer.js";
import { freePort, opensslServer, run, stop, toolVersion, waitForOutput } from "./processes.js";

const PEER = fileURLToPath(new URL("./resumption-peer.mjs", import.meta.url));
const missing = node24Missing();
if (missing) console.warn(`skipping Node 24 resumption interop: ${missing}`);
const openssl = toolVersion("openssl", ["version"]);
if (!openssl) console.warn("skipping 0-RTT interop: no openssl command (apt-get install openssl)");

const pki = new TestPki();
afterAll(() => pki.dispose());

/** JSON lines of a child process, one at a time, each within ms. */
// biome-ignore lint/suspicious/noExplicitAny: the peer's JSON lines, checked by the assertions
type PeerLine = Record<string, any>;

function jsonLines(p: ChildProcess): (ms?: number) => Promise<PeerLine> {
  const queue: PeerLine[] = [];
  const waiters: Array<(v: PeerLine) => void> = [];
  let stderr = "";
  p.stderr!.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  createInterface({ input: p.stdout! }).on("line", (l) => {
    const v = JSON.parse(l);
    const w = waiters.shift();
    if (w) w(v);
    else queue.push(v);
  });
  return (ms = 20_000) =>
    queue.length
      ? Promise.resolve(queue.shift()!)
      : new Promise((resolve, reject) => {
          const t = setTimeout(() => reject(new Error(`peer timeout; stderr: ${stderr}`)), ms);
          waiters.push((v) => {
            clearTimeout(t);
            resolve(v);
          });
        });
}

/** Our client: connect, send a line, wait for its echo and `tickets` sessions; resolves with the socket. */
async function exchange(
  o: ClientOptions,
  line: string,
  tickets: number,
): Promise<{ c: TlsSocket; sessions: Buffer[]; got: string }> {
  const c = connect(o);
  const sessions: Buffer[] = [];
  c.on("session", (s: Buffer) => sessions.push(s));
  let got = "";
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`timeout; got ${JSON.stringify(got)}`)), 15_000);
    c.on("error", reject);
    c.on("secureConnect", () => c.write(line));
    c.on("data", (d: Buffer) => {
      got += d.toString();
      if (got.includes(line.trim()) && sessions.length >= tickets) {
        clearTimeout(t);
        resolve();
      }
    });
    c.on("session", () => {
      if (got.includes(line.trim()) && sessions.length >= tickets) {
        clearTimeout(t);
        resolve();
      }
    });
  });
  c.end();
  return { c, sessions, got };
}

describe.skipIf(missing !== null)("resumption interop with Node 24 / OpenSSL 3.5", () => {
  it("our client resumes a session from a node:tls server (psk_dhe_ke over X25519MLKEM768)", async () => {
    const cert = pki.get("ecdsa-p256");
    const p = spawn(node24Path()!, [
      PEER,
      JSON.stringify({
        role: "server",
        cert: cert.certFile,
        key: cert.keyFile,
        groups: "X25519MLKEM768:X25519",
      }),
    ]);
    const next = jsonLines(p);
    try {
      const { listening: port } = await next();
      const base: ClientOptions = { host: "127.0.0.1", port, servername: "localhost", ca: cert.chain.root };
      const full = await exchange(base, "first\n", 1);
      expect(full.c.resumed).toBe(false);
      expect((await next()).server.reused).toBe(false);
      const resumed = await exchange({ ...base, session: full.sessions.at(-1) }, "second\n", 0);
      expect(resumed.c.resumed).toBe(true);
      expect(resumed.c.pskMode).toBe("psk_dhe_ke");
      expect(resumed.c.group).toBe("X25519MLKEM768");
      expect(resumed.c.peerCertificates).toHaveLength(0); // no chain sent
      expect(resumed.got).toBe("second\n");
      const srv = (await next()).server;
      expect(srv.reused).toBe(true);
      expect(srv.received).toBe("second\n");
    } finally {
      p.stdin!.end();
      await stop(p);
    }
  });

  it("a node:tls client resumes with tickets from our server", async () => {
    const cert = pki.get("ecdsa-p256");
    const accepted: TlsSocket[] = [];
    const server = createServer({ cert: cert.chain.chain, key: cert.chain.leafKey }, (s) => {
      accepted.push(s);
      s.on("data", (d: Buffer) => s.write(d));
      s.on("end", () => s.end());
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    try {
      const port = (server.address() as AddressInfo).port;
      const spec = {
        role: "client",
        port,
        ca: cert.caFile,
        servername: "localhost",
        groups: "X25519MLKEM768",
        connections: 3,
      };
      const p = spawn(node24Path()!, [PEER, JSON.stringify(spec)]);
      const next = jsonLines(p);
      const results = [(await next()).client, (await next()).client, (await next()).client];
      await stop(p);
      expect(results.map((r) => r.error ?? null)).toEqual([null, null, null]);
      expect(results.map((r) => r.reused)).toEqual([false, true, true]);
      expect(results.map((r) => r.echoed)).toEqual(["hello 0\n", "hello 1\n", "hello 2\n"]);
      expect(results[0].sessions).toBe(2); // our default ticket count
      expect(accepted.map((s) => s.resumed)).toEqual([false, true, true]);
      expect(accepted.map((s) => s.group)).toEqual(["X25519MLKEM768", "X25519MLKEM768", "X25519MLKEM768"]);
      expect(accepted[1].timings.messages.some((m) => m.type === "certificate")).toBe(false);
    } finally {
      server.close();
    }
  });
});

describe.skipIf(!openssl)(`0-RTT interop with ${openssl ?? "openssl"} (classical groups)`, () => {
  it("our client sends early data that openssl s_server -early_data accepts", async () => {
    const cert = pki.get("ecdsa-p256");
    const port = await freePort();
    const server = opensslServer(port, cert, ["-groups", "X25519", "-early_data", "-naccept", "2"]);
    let out = "";
    server.stdout.on("data", (d: Buffer) => {
      out += d.toString();
    });
    try {
      await waitForOutput(server, "ACCEPT");
      const base: ClientOptions = {
        host: "127.0.0.1",
        port,
        servername: "localhost",
        ca: cert.chain.root,
        groups: ["x25519"],
        keyShares: ["x25519"],
      };
      // s_server does not echo: take the ticket from a plain connection.
      const c1 = connect(base);
      const session = await new Promise<Buffer>((resolve, reject) => {
        c1.once("session", resolve);
        c1.once("error", reject);
        setTimeout(() => reject(new Error("no ticket from s_server")), 10_000);
      });
      c1.end();
      // s_server -early_data puts a max_early_data_size in its tickets.
      expect(decodeSession(session).maxEarlyData).toBeGreaterThan(0);
      const c2 = connect({ ...base, session, earlyData: "early hello from pqtls\n" });
      await new Promise((r, j) => c2.once("secureConnect", r).once("error", j));
      expect(c2.resumed).toBe(true);
      expect(c2.earlyDataAccepted).toBe(true);
      await waitForOutput(server, "early hello from pqtls").catch(() => undefined);
      expect(out).toContain("early hello from pqtls");
      c2.end();
    } finally {
      await stop(server);
    }
  });

  it("openssl s_client -sess_in -early_data resumes against our server, which accepts the early data", async () => {
    const cert = pki.get("ecdsa-p256");
    const dir = mkdtempSync(join(tmpdir(), "pqtls-0rtt-"));
    const received: string[] = [];
    const accepted: TlsSocket[] = [];
    const server = createServer(
      { cert: cert.chain.chain, key: cert.chain.leafKey, maxEarlyData: 16384 },
      (s) => {
        accepted.push(s);
        s.on("data", (d: Buffer) => {
          received.push(d.toString());
          if (received.join("").includes("bye")) s.end("ok\n");
        });
      },
    );
    // Early data arrives before 'secureConnection': collect it from the raw socket too.
    const early: string[] = [];
    const origHandle = server.handle.bind(server);
    server.handle = (duplex) => {
      const s = origHandle(duplex);
      s.on("data", (d: Buffer) => early.push(d.toString()));
      return s;
    };
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    try {
      const port = (server.address() as AddressInfo).port;
      const sess = join(dir, "sess.pem");
      const common = [
        "s_client",
        "-connect",
        `127.0.0.1:${port}`,
        "-tls1_3",
        "-groups",
        "X25519",
        "-CAfile",
        cert.caFile,
        "-servername",
        "localhost",
      ];
      const full = await run("openssl", [...common, "-sess_out", sess, "-ign_eof"], {
        input: "bye\n",
        ms: 15_000,
      });
      expect(full.stdout).toContain("New, TLSv1.3");
      expect(readFileSync(sess, "utf8")).toContain("BEGIN SSL SESSION PARAMETERS");
      const earlyFile = join(dir, "early.txt");
      writeFileSync(earlyFile, "early hello from s_client\n");
      const resumed = await run(
        "openssl",
        [...common, "-sess_in", sess, "-early_data", earlyFile, "-ign_eof"],
        {
          input: "bye\n",
          ms: 15_000,
        },
      );
      expect(resumed.stdout).toContain("Reused, TLSv1.3");
      expect(resumed.stdout).toContain("Early data was accepted");
      expect(accepted.map((s) => s.resumed)).toEqual([false, true]);
      expect(accepted[1].earlyDataAccepted).toBe(true);
      expect(accepted[1].earlyDataReceived).toBe("early hello from s_client\n".length);
      expect(early.join("")).toContain("early hello from s_client\n");
    } finally {
      server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
