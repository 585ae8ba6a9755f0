// node:tls conformance: one script runs against node:tls and against @pqtls/tls13 (only the module
// differs) and what a node:tls user observes is compared: events and their order, the getters'
// values, errors and their codes. Mixed pairs (our client with node:tls's server and the reverse)
// check that both ends derive the same exporter output and Finished values.
// Classical chain (rsa2048), since node:tls on Node 20 has no ML-DSA; the getters are group-agnostic
// except getEphemeralKeyInfo, whose hybrid naming is checked against OpenSSL 3.5's below.

import { X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import nodeTls from "node:tls";
import { describe, expect, it } from "vitest";
import * as ours from "../src/index.js";
import { ephemeralKeyInfo } from "../src/node-compat.js";
import { pkiFile } from "./x509-helpers.js";

type Stack = typeof nodeTls;
const pqtls = ours as unknown as Stack;
const pki = {
  cert: readFileSync(pkiFile("rsa2048", "chain.pem")),
  key: readFileSync(pkiFile("rsa2048", "leaf.key")),
  ca: readFileSync(pkiFile("rsa2048", "root.pem")),
  servername: readFileSync(pkiFile("rsa2048", "servername"), "utf8").trim(),
};
// node:tls's own option spellings, understood by both stacks. The defaults differ on purpose: node
// prefers AES-256-GCM and x25519, pqtls AES-128-GCM and X25519MLKEM768.
const common = { minVersion: "TLSv1.3" as const, ecdhCurve: "X25519", ciphers: "TLS_AES_128_GCM_SHA256" };
const LABEL = "EXPORTER-pqtls-conformance";

interface Observed {
  clientEvents: string[];
  serverEvents: string[];
  client: Record<string, unknown>;
  server: Record<string, unknown>;
  received: string;
}

function chainOf(peer: nodeTls.DetailedPeerCertificate): string[] {
  const chain: string[] = [];
  for (
    let p: nodeTls.DetailedPeerCertificate | undefined = peer;
    p && chain.length < 5;
    p = p.issuerCertificate
  ) {
    chain.push(p.subject.CN);
    if (p.issuerCertificate === p) {
      chain.push("(self-issued)");
      break;
    }
  }
  return chain;
}

/** The script: connect, one message each way, read to the end on both sides, close gracefully. */
async function script(
  server: Stack,
  client: Stack,
  form: "options" | "port-host-options",
): Promise<Observed> {
  const clientEvents: string[] = [];
  const serverEvents: string[] = [];
  let serverSeen: Record<string, unknown> = {};
  let clientSeen: Record<string, unknown> = {};
  const srv = server.createServer({ ...common, cert: pki.cert, key: pki.key }, (s) => {
    for (const e of ["data", "end", "close"]) s.on(e, () => serverEvents.push(e));
    s.on("data", () => s.end("pong"));
    // The connection listener runs once the server's handshake is complete (client Finished verified).
    serverSeen = {
      protocol: s.getProtocol(),
      cipher: s.getCipher()?.standardName,
      reused: s.isSessionReused(),
      ephemeral: s.getEphemeralKeyInfo(),
      certificateSubject: { ...(s.getCertificate() as nodeTls.PeerCertificate).subject },
      ekm: s.exportKeyingMaterial(32, LABEL, Buffer.from("ctx")).toString("hex"),
      finished: s.getFinished()?.toString("hex"),
      peerFinished: s.getPeerFinished()?.toString("hex"),
    };
  });
  const serverKeylog: string[] = [];
  srv.on("keylog", (line: Buffer, socket: unknown) => {
    if (socket && typeof socket === "object") serverKeylog.push(line.toString("latin1"));
  });
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const port = (srv.address() as { port: number }).port;
  const options = { ...common, ca: pki.ca, servername: pki.servername };
  let received = "";
  const clientKeylog: string[] = [];
  await new Promise<void>((resolve, reject) => {
    const onSecure = () => {
      clientEvents.push("secureConnect");
      const peer = c.getPeerCertificate(true);
      clientSeen = {
        protocol: c.getProtocol(),
        cipher: c.getCipher()?.standardName,
        authorized: c.authorized,
        reused: c.isSessionReused(),
        ephemeral: c.getEphemeralKeyInfo(),
        subject: { ...peer.subject },
        issuer: { ...peer.issuer },
        subjectaltname: peer.subjectaltname,
        valid_from: peer.valid_from,
        valid_to: peer.valid_to,
        fingerprint256: peer.fingerprint256,
        serialNumber: peer.serialNumber,
        rawIsLeaf: new X509Certificate(peer.raw).fingerprint256 === peer.fingerprint256,
        chain: chainOf(peer),
        x509Subject: c.getPeerX509Certificate()?.subject,
        finishedLength: c.getFinished()?.length,
        finished: c.getFinished()?.toString("hex"),
        peerFinished: c.getPeerFinished()?.toString("hex"),
        ekm: c.exportKeyingMaterial(32, LABEL, Buffer.from("ctx")).toString("hex"),
        ekmNoContext: c.exportKeyingMaterial(16, "EXPORTER-pqtls").toString("hex"),
        ekmEmptyContext: c.exportKeyingMaterial(16, "EXPORTER-pqtls", Buffer.alloc(0)).toString("hex"),
      };
      c.write("ping");
    };
    const c =
      form === "options"
        ? client.connect({ ...options, host: "127.0.0.1", port }, onSecure)
        : client.connect(port, "127.0.0.1", options, onSecure);
    c.on("keylog", (line: Buffer) => clientKeylog.push(line.toString("latin1")));
    c.on("data", (d: Buffer) => {
      clientEvents.push("data");
      received += d.toString();
    });
    c.on("end", () => {
      clientEvents.push("end");
      c.end();
    });
    c.on("close", () => {
      clientEvents.push("close");
      resolve();
    });
    c.on("error", reject);
  });
  await new Promise<void>((r) => setTimeout(r, 50)); // the server's 'close' follows the client's
  srv.close();
  // The set of secrets, not their order: OpenSSL logs each as it installs the key (the client's
  // handshake secret after the server's flight), we as we derive it; tools key on the label.
  const labels = (lines: string[]) => lines.map((l) => l.split(" ")[0]).sort();
  // Both ends log the same secrets; each line is one NSS key log line with its newline.
  clientSeen.keylogLabels = labels(clientKeylog);
  clientSeen.keylogLinesWellFormed = clientKeylog.every((l) =>
    /^[A-Z_0-9]+ [0-9a-f]{64} [0-9a-f]+\n$/.test(l),
  );
  serverSeen.keylogLabels = labels(serverKeylog);
  serverSeen.keylogSameLines = [...serverKeylog].sort().join() === [...clientKeylog].sort().join();
  return { clientEvents, serverEvents, client: clientSeen, server: serverSeen, received };
}

/** What must be equal between two runs: everything but the per-connection secrets. */
function stable(o: Observed) {
  const { ekm, ekmNoContext, ekmEmptyContext, finished, peerFinished, ...client } = o.client;
  const { ekm: serverEkm, finished: f, peerFinished: pf, ...server } = o.server;
  return { ...o, client, server };
}

describe("node:tls conformance (same script, one import differs)", () => {
  it("events, getters and their values are node:tls's", async () => {
    const reference = await script(nodeTls, nodeTls, "options");
    const observed = await script(pqtls, pqtls, "options");
    expect(stable(observed)).toEqual(stable(reference));
    expect(reference.client.chain).toEqual(["localhost", "pqtls rsa2048 root", "(self-issued)"]);
    expect(observed.client.keylogLabels).toHaveLength(5);
    expect(observed.server.keylogSameLines).toBe(true);
    expect(observed.received).toBe("pong");
  });

  it("connect(port, host, options, listener) as node:tls", async () => {
    const observed = await script(pqtls, pqtls, "port-host-options");
    expect(observed.client.authorized).toBe(true);
    expect(observed.received).toBe("pong");
  });

  it("exporters and Finished agree across stacks (RFC 8446 §7.5 against OpenSSL)", async () => {
    for (const [server, client] of [
      [nodeTls, pqtls],
      [pqtls, nodeTls],
    ] as const) {
      const o = await script(server, client, "options");
      expect(o.client.ekm).toMatch(/^[0-9a-f]{64}$/);
      expect(o.server.ekm).toBe(o.client.ekm);
      expect(o.client.ekmNoContext).toBe(o.client.ekmEmptyContext);
      expect(o.server.finished).toBe(o.client.peerFinished);
      expect(o.server.peerFinished).toBe(o.client.finished);
      expect(o.client.finished).not.toBe(o.client.peerFinished);
      // Our 'keylog' lines are OpenSSL's, byte for byte, whichever end we are.
      expect(o.server.keylogSameLines).toBe(true);
      expect(o.client.keylogLinesWellFormed).toBe(true);
    }
  });

  it("before the handshake: exportKeyingMaterial throws node:tls's error code", () => {
    const socket = ours.connect({ port: 1, host: "127.0.0.1", ca: pki.ca });
    socket.on("error", () => {});
    expect(() => socket.exportKeyingMaterial(16, "x")).toThrow(
      expect.objectContaining({ code: "ERR_TLS_INVALID_STATE" }),
    );
    socket.destroy();
  });

  it("node:tls's string options: ecdhCurve, ciphers and sigalgs in OpenSSL's spellings", () => {
    const config = (o: object) => ours.connect({ port: 1, host: "127.0.0.1", ...o });
    for (const [o, message] of [
      [{ ecdhCurve: "X25519:nonsense" }, /ecdhCurve: unknown or unsupported name "nonsense"/],
      [{ ciphers: "ECDHE-RSA-AES128-GCM-SHA256" }, /ciphers: .* names nothing/],
      [{ sigalgs: "RSA-PSS+SHA1" }, /sigalgs: unknown/],
    ] as const)
      expect(() => config(o)).toThrow(message);
    const s = config({ ecdhCurve: "P-256:X25519MLKEM768", sigalgs: "ECDSA+SHA256:ed25519" });
    s.on("error", () => {});
    s.destroy();
  });

  it("getEphemeralKeyInfo names groups as node:tls on OpenSSL 3.5 does", () => {
    // Values read off node:tls on Node 24.22 / OpenSSL 3.5.9 (client side) for each group.
    expect(ephemeralKeyInfo("x25519")).toEqual({ type: "ECDH", name: "X25519", size: 253 });
    expect(ephemeralKeyInfo("secp256r1")).toEqual({ type: "ECDH", name: "prime256v1", size: 256 });
    expect(ephemeralKeyInfo("X25519MLKEM768")).toEqual({
      type: "TLSGroup",
      name: "X25519MLKEM768",
      size: undefined,
    });
    expect(ephemeralKeyInfo(undefined)).toEqual({});
  });
});
