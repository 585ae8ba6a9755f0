// node:tls conformance: one script runs against node:tls and against @pqtls/tls13 (only the module
// differs) and what a node:tls user observes is compared: events and their order, the getters'
// values, errors and their codes. Mixed pairs (our client with node:tls's server and the reverse)
// check that both ends derive the same exporter output and Finished values.
// Classical chain (rsa2048), since node:tls on Node 20 has no ML-DSA; the getters are group-agnostic
// except getEphemeralKeyInfo, whose hybrid naming is checked against OpenSSL 3.5's below.

import { X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { connect as netConnect, createServer as netServer, Socket } from "node:net";
import nodeTls from "node:tls";
import { describe, expect, it } from "vitest";
import { nobleProvider } from "../src/crypto/index.js";
import type { PrivateKey } from "../src/crypto/provider.js";
import { opensslSigalgName } from "../src/handshake/openssl_names.js";
import * as ours from "../src/index.js";
import { ephemeralKeyInfo } from "../src/node-compat.js";
import { type Certificate, generateKeyPair, issueCertificate, pemEncode } from "../src/x509/index.js";
import { pkiFile } from "./x509-helpers.js";

type Stack = typeof nodeTls;
const pqtls = ours as unknown as Stack;
const pki = {
  cert: readFileSync(pkiFile("rsa2048-leaf", "chain.pem")),
  key: readFileSync(pkiFile("rsa2048-leaf", "leaf.key")),
  ca: readFileSync(pkiFile("rsa2048-leaf", "root.pem")),
  servername: readFileSync(pkiFile("rsa2048-leaf", "servername"), "utf8").trim(),
};
// node:tls's own option spellings, understood by both stacks. The defaults differ on purpose: node
// prefers AES-256-GCM and x25519, pqtls AES-128-GCM and X25519MLKEM768.
const common = { minVersion: "TLSv1.3" as const, ecdhCurve: "X25519", ciphers: "TLS_AES_128_GCM_SHA256" };
const LABEL = "EXPORTER-pqtls-conformance";
/**
 * The server's signature algorithms, in an order unlike either stack's default: getSharedSigalgs()
 * lists the server's (in its order) that the client offered, and both clients offer all of these.
 */
const SERVER_SIGALGS = "ed25519:rsa_pss_rsae_sha256:ECDSA+SHA256:rsa_pss_pss_sha256";

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
  const srv = server.createServer(
    { ...common, sigalgs: SERVER_SIGALGS, cert: pki.cert, key: pki.key },
    (s) => {
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
        sharedSigalgs: s.getSharedSigalgs(),
        finished: s.getFinished()?.toString("hex"),
        peerFinished: s.getPeerFinished()?.toString("hex"),
      };
    },
  );
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
        sharedSigalgs: c.getSharedSigalgs(),
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
    // OpenSSL names, the server's order; a client has none (node:tls reads them on servers only).
    expect(reference.server.sharedSigalgs).toEqual([
      "Ed25519+UNDEF",
      "RSA-PSS+SHA256",
      "ECDSA+SHA256",
      "RSA-PSS+SHA256",
    ]);
    expect(reference.client.sharedSigalgs).toEqual([]);
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

  it("getSharedSigalgs names ML-DSA as node:tls on OpenSSL 3.5 does", () => {
    // Read off node:tls on Node 24.22 / OpenSSL 3.5.9 (a server's getSharedSigalgs with its defaults).
    expect(
      ["mldsa44", "mldsa65", "mldsa87", "ed25519"].map((s) => opensslSigalgName(s as "ed25519")),
    ).toEqual(["id-ml-dsa-44+UNDEF", "id-ml-dsa-65+UNDEF", "id-ml-dsa-87+UNDEF", "Ed25519+UNDEF"]);
  });
});

// ---- verification failures: node:tls's error codes ---------------------------------------------------

/** Chains with one defect each (ECDSA P-256, so both stacks run them on any OpenSSL). */
function defectiveChains() {
  const provider = nobleProvider;
  const notBefore = new Date(Date.now() - 86_400_000);
  const notAfter = new Date(Date.now() + 30 * 86_400_000);
  const key = (seed: string) => generateKeyPair("p256", { seed });
  const [kRoot, kInt, kLeaf, kOther, kStray] = ["root", "int", "leaf", "other", "stray"].map(key);
  const ca = (cn: string, k: PrivateKey, issuer?: Certificate, signingKey?: PrivateKey, extra = {}) =>
    issueCertificate({
      subject: [["CN", cn]],
      publicKey: k.publicKey,
      issuer,
      signingKey: signingKey ?? k,
      provider,
      notBefore,
      notAfter,
      isCA: true,
      ...extra,
    });
  const leaf = (issuer: Certificate | undefined, signingKey: PrivateKey, extra = {}) =>
    issueCertificate({
      subject: [["CN", "leaf"]],
      publicKey: kLeaf.publicKey,
      issuer,
      signingKey,
      provider,
      notBefore,
      notAfter,
      dnsNames: ["localhost"],
      ...extra,
    });
  const root = ca("root", kRoot);
  const int = ca("int", kInt, root, kRoot);
  const tightRoot = ca("int0", kStray, root, kRoot, { pathLen: 0 });
  const belowTight = ca("int", kInt, tightRoot, kStray);
  const pem = (certs: Certificate[]) => certs.map((c) => pemEncode("CERTIFICATE", c.der)).join("");
  const chains: Record<string, Certificate[]> = {
    expired: [
      leaf(int, kInt, { notBefore: new Date("2020-01-01Z"), notAfter: new Date("2020-02-01Z") }),
      int,
    ],
    notYetValid: [
      leaf(int, kInt, { notBefore: new Date("2040-01-01Z"), notAfter: new Date("2040-02-01Z") }),
      int,
    ],
    selfSignedLeaf: [leaf(undefined, kLeaf)],
    leafOnly: [leaf(int, kInt)],
    badSignature: [leaf(int, kStray), int],
    clientAuthOnly: [leaf(int, kInt, { extKeyUsage: ["1.3.6.1.5.5.7.3.2"] }), int],
    unknownCritical: [
      leaf(int, kInt, {
        extraExtensions: [{ oid: "1.2.3.4.5", critical: true, value: Uint8Array.of(5, 0) }],
      }),
      int,
    ],
    pathLength: [leaf(belowTight, kInt), belowTight, tightRoot],
    good: [leaf(int, kInt), int],
    rootSent: [leaf(int, kInt), int, root],
  };
  return {
    key: pemEncode("PRIVATE KEY", kLeaf.pkcs8),
    root: pem([root]),
    other: pem([ca("other", kOther)]),
    chains: Object.fromEntries(Object.entries(chains).map(([n, c]) => [n, pem(c)])),
  };
}

/** The script: connect to a server presenting `cert`; what the client sees, with and without rejectUnauthorized. */
async function verifyOutcome(
  stack: Stack,
  cert: string,
  key: string,
  client: { ca: string; servername: string; rejectUnauthorized: boolean },
): Promise<Record<string, unknown>> {
  const srv = stack.createServer({ ...common, cert, key }, (s) => s.end());
  srv.on("tlsClientError", () => {});
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const port = (srv.address() as { port: number }).port;
  try {
    return await new Promise((resolve) => {
      const c = stack.connect({ ...common, ...client, host: "127.0.0.1", port }, () => {
        resolve({ secure: true, authorized: c.authorized, authorizationError: c.authorizationError });
        c.destroy();
      });
      c.on("error", (e: Error & { code?: string }) => resolve({ error: e.code }));
    });
  } finally {
    srv.close();
  }
}

describe("node:tls conformance: verification failures", () => {
  it("the error's code and authorizationError are node:tls's for each defect", async () => {
    const d = defectiveChains();
    const cases: Array<[string, string, { ca: string; servername: string }]> = [
      ...Object.entries(d.chains).map(
        ([name, cert]) =>
          [name, cert, { ca: d.root, servername: "localhost" }] as [
            string,
            string,
            { ca: string; servername: string },
          ],
      ),
      ["rootSentUntrusted", d.chains.rootSent, { ca: d.other, servername: "localhost" }],
      ["issuerUnknown", d.chains.good, { ca: d.other, servername: "localhost" }],
      ["wrongName", d.chains.good, { ca: d.root, servername: "wrong.example" }],
    ];
    const seen: Record<string, unknown> = {};
    for (const [name, cert, client] of cases)
      for (const rejectUnauthorized of [true, false]) {
        const run = (stack: Stack) => verifyOutcome(stack, cert, d.key, { ...client, rejectUnauthorized });
        const reference = await run(nodeTls);
        const observed = await run(pqtls);
        seen[`${name} ${rejectUnauthorized}`] = reference;
        expect(observed, `${name}, rejectUnauthorized: ${rejectUnauthorized}`).toEqual(reference);
      }
    // The reference itself: the codes this suite exists for really occurred.
    const codes = new Set(Object.values(seen).map((o) => (o as { error?: string }).error));
    for (const code of [
      "CERT_HAS_EXPIRED",
      "CERT_NOT_YET_VALID",
      "DEPTH_ZERO_SELF_SIGNED_CERT",
      "SELF_SIGNED_CERT_IN_CHAIN",
      "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
      "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
      "CERT_SIGNATURE_FAILURE",
      "INVALID_PURPOSE",
      "PATH_LENGTH_EXCEEDED",
      "UNSPECIFIED",
      "ERR_TLS_CERT_ALTNAME_INVALID",
    ])
      expect(codes).toContain(code);
  });

  it("our alert stays on the wire and our reason in the message", async () => {
    const d = defectiveChains();
    const srv = ours.createServer({ ...common, cert: d.chains.expired, key: d.key });
    const serverError = new Promise<ours.TlsAlert>((r) => srv.on("tlsClientError", r));
    await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
    const port = (srv.address() as { port: number }).port;
    const err = await new Promise<ours.TlsAlert>((resolve) =>
      ours
        .connect({ ...common, ca: d.root, servername: "localhost", host: "127.0.0.1", port })
        .on("error", resolve),
    );
    srv.close();
    expect(err.code).toBe("CERT_HAS_EXPIRED");
    expect(err.alertName).toBe("certificate_expired");
    expect(err.message).toMatch(/^certificate_expired: certificate has expired: leaf "CN=leaf"/);
    expect((await serverError).alertName).toBe("certificate_expired"); // what the server received
  });
});

// ---- SNICallback, secure contexts ----------------------------------------------------------------------

const ecdsa = {
  cert: readFileSync(pkiFile("ecdsa-p256-leaf", "chain.pem")),
  key: readFileSync(pkiFile("ecdsa-p256-leaf", "leaf.key")),
  ca: readFileSync(pkiFile("ecdsa-p256-leaf", "root.pem")),
};

type SniMode =
  | "async"
  | "sync"
  | "own"
  | "error"
  | "throw"
  | "addContext"
  | "noServername"
  | "setSecureContext";

/** The script: a server whose default chain is RSA, switching to ECDSA by SNI as `mode` says. */
async function sniScript(stack: Stack, mode: SniMode): Promise<string[]> {
  const events: string[] = [];
  const SNICallback = (name: string, cb: (err: Error | null, ctx?: nodeTls.SecureContext) => void) => {
    events.push(`SNICallback(${name})`);
    if (mode === "sync") return cb(null, stack.createSecureContext({ cert: ecdsa.cert, key: ecdsa.key }));
    if (mode === "throw") throw new Error("callback threw");
    setTimeout(() => {
      if (mode === "error") cb(new Error("no such name"));
      else if (mode === "own") cb(null);
      else cb(null, stack.createSecureContext({ cert: ecdsa.cert, key: ecdsa.key }));
    }, 20);
  };
  const usesCallback = mode !== "addContext" && mode !== "setSecureContext";
  const srv = stack.createServer(
    { ...common, cert: pki.cert, key: pki.key, ...(usesCallback ? { SNICallback } : {}) },
    (s) => {
      events.push(
        // Without SNI node:tls says false and we say undefined (a known difference, not this test's).
        `secureConnection servername=${s.servername || "none"} own=${(s.getCertificate() as nodeTls.PeerCertificate).issuer.CN}`,
      );
      s.end();
    },
  );
  if (mode === "addContext") srv.addContext("*.pqtls.test", { cert: ecdsa.cert, key: ecdsa.key });
  if (mode === "setSecureContext") srv.setSecureContext({ cert: ecdsa.cert, key: ecdsa.key });
  srv.on("tlsClientError", (e: Error) =>
    events.push(`tlsClientError ${/no such name|callback threw/.exec(e.message)?.[0]}`),
  );
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((resolve) => {
    const c = stack.connect(
      {
        ...common,
        host: "127.0.0.1",
        port,
        ca: [pki.ca, ecdsa.ca],
        ...(mode === "noServername"
          ? { checkServerIdentity: () => undefined }
          : { servername: pki.servername }),
      },
      () => events.push(`secureConnect peer=${c.getPeerCertificate().issuer.CN} authorized=${c.authorized}`),
    );
    c.on("error", () => events.push("client error"));
    // Our sockets are half-open on the peer's close_notify (node:tls's end the write side too): end
    // explicitly, which node:tls ignores, so 'close' comes on both stacks.
    c.on("end", () => c.end());
    c.on("close", () => resolve());
    c.resume();
  });
  await new Promise<void>((r) => setTimeout(r, 50));
  srv.close();
  return events;
}

describe("node:tls conformance: SNICallback and secure contexts", () => {
  for (const mode of [
    "async",
    "sync",
    "own",
    "error",
    "throw",
    "addContext",
    "noServername",
    "setSecureContext",
  ] as const)
    it(`${mode}: the same events, certificates and errors as node:tls`, async () => {
      const reference = await sniScript(nodeTls, mode);
      const observed = await sniScript(pqtls, mode);
      expect(observed).toEqual(reference);
    }, 15_000);

  it("a failing SNICallback sends unrecognized_name (node:tls resets the connection without an alert)", async () => {
    const srv = ours.createServer({
      cert: pki.cert,
      key: pki.key,
      SNICallback: (_n, cb) => cb(new Error("no")),
    });
    srv.on("tlsClientError", () => {});
    await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
    const port = (srv.address() as { port: number }).port;
    const err = await new Promise<ours.TlsAlert>((resolve) =>
      ours.connect({ host: "127.0.0.1", port, ca: pki.ca, servername: pki.servername }).on("error", resolve),
    );
    srv.close();
    expect(err.alertName).toBe("unrecognized_name");
    expect(err.remote).toBe(true);
  });

  /** Our client's first flight (its ClientHello, naming pki.servername), as a raw peer replays it. */
  async function capturedClientHello(): Promise<Buffer> {
    const sink = netServer();
    const hello = new Promise<Buffer>((r) => sink.once("connection", (sock) => sock.once("data", r)));
    await new Promise<void>((r) => sink.listen(0, "127.0.0.1", r));
    const port = (sink.address() as { port: number }).port;
    const c = ours.connect({ host: "127.0.0.1", port, ca: pki.ca, servername: pki.servername });
    c.on("error", () => {});
    const bytes = await hello;
    c.destroy();
    sink.close();
    return bytes;
  }

  it("input that piles up while SNICallback is pending is bounded: unexpected_message, not memory", async () => {
    const clientHello = await capturedClientHello();
    let asked = 0;
    const srv = ours.createServer({
      cert: pki.cert,
      key: pki.key,
      SNICallback: () => asked++, // never answers
    });
    const serverError = new Promise<ours.TlsAlert>((r) => srv.on("tlsClientError", r));
    await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
    const port = (srv.address() as { port: number }).port;
    const raw = netConnect(port, "127.0.0.1");
    const received: Buffer[] = [];
    raw.on("data", (d: Buffer) => received.push(d));
    raw.on("error", () => {});
    const closed = new Promise<void>((r) => raw.on("close", () => r()));
    raw.write(clientHello);
    // application_data records (16 KiB each) while the server waits: 4 exceed the 16 KiB + 4 KiB it keeps.
    const record = Buffer.concat([Buffer.from([23, 3, 3, 0x40, 0]), Buffer.alloc(0x4000, 0xaa)]);
    for (let i = 0; i < 4; i++) raw.write(record);
    const err = await serverError;
    await closed;
    srv.close();
    expect(asked).toBe(1);
    expect(err.alertName).toBe("unexpected_message");
    expect(err.message).toMatch(/while the handshake waited for the application/);
    // The alert went out in the clear (no keys yet): level fatal, unexpected_message.
    expect([...Buffer.concat(received)]).toEqual([21, 3, 3, 0, 2, 2, 10]);
  }, 15_000);

  // node:tls's createServer ignores a secureContext option (it is tls.connect's and TLSSocket's): its
  // handshakes then fail for want of a certificate. Ours uses it, ca included, so no script compares.
  async function clientAuthorizedWithContextCa(contextCa: Buffer, optionCa: Buffer): Promise<boolean> {
    const srv = ours.createServer({
      secureContext: ours.createSecureContext({ cert: pki.cert, key: pki.key, ca: contextCa }),
      ca: optionCa,
      requestCert: true,
      rejectUnauthorized: false,
    });
    const authorized = new Promise<boolean>((r) => srv.on("secureConnection", (s) => r(s.authorized)));
    await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
    const port = (srv.address() as { port: number }).port;
    const c = ours.connect({
      host: "127.0.0.1",
      port,
      ca: pki.ca,
      servername: pki.servername,
      cert: ecdsa.cert,
      key: ecdsa.key,
    });
    c.on("error", () => {});
    const result = await authorized;
    c.destroy();
    srv.close();
    return result;
  }

  it("requestCert with a secureContext option: the context's ca judges the client, the ca option beside it is unused", async () => {
    expect(await clientAuthorizedWithContextCa(ecdsa.ca, pki.ca)).toBe(true);
    expect(await clientAuthorizedWithContextCa(pki.ca, ecdsa.ca)).toBe(false);
  }, 15_000);
});

// ---- resumeSession ---------------------------------------------------------------------------------------

/** The script: a server listening for 'resumeSession' (answering at once, later, or with an error). */
async function resumeSessionScript(stack: Stack, mode: "now" | "later" | "error"): Promise<string[]> {
  const events: string[] = [];
  const srv = stack.createServer(
    {
      ...common,
      cert: pki.cert,
      key: pki.key,
      SNICallback: (_name, cb) => {
        events.push("SNICallback");
        cb(null);
      },
    },
    (s) => {
      events.push("secureConnection");
      s.end();
    },
  );
  srv.on("resumeSession", (id: Buffer, cb: (err: Error | null, data?: Buffer | null) => void) => {
    events.push(`resumeSession id=${id.length} bytes`);
    if (mode === "error") cb(new Error("no session store"));
    else if (mode === "later") setTimeout(() => cb(null, null), 20);
    else cb(null, null);
  });
  srv.on("tlsClientError", (e: Error) =>
    events.push(`tlsClientError ${/no session store/.exec(e.message)?.[0]}`),
  );
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((resolve) => {
    const c = stack.connect(
      { ...common, host: "127.0.0.1", port, ca: pki.ca, servername: pki.servername },
      () => events.push("secureConnect"),
    );
    c.on("error", () => events.push("client error"));
    c.on("end", () => c.end()); // see sniScript
    c.on("close", () => resolve());
    c.resume();
  });
  await new Promise<void>((r) => setTimeout(r, 50));
  srv.close();
  return events;
}

describe("node:tls conformance: the server's resumeSession event", () => {
  for (const mode of ["now", "later", "error"] as const)
    it(`${mode}: asked with the ClientHello's session id before SNICallback, the handshake waiting, as node:tls`, async () => {
      const reference = await resumeSessionScript(nodeTls, mode);
      const observed = await resumeSessionScript(pqtls, mode);
      expect(observed).toEqual(reference);
    }, 15_000);
});

// ---- newSession ------------------------------------------------------------------------------------------

/** The script: a server listening for 'newSession'; what it is given, how often, and when. */
async function newSessionScript(stack: Stack): Promise<string[]> {
  const events: string[] = [];
  const ids = new Set<string>();
  const srv = stack.createServer({ ...common, cert: pki.cert, key: pki.key }, (s) => {
    events.push("secureConnection");
    s.end();
  });
  srv.on("newSession", (id: Buffer, data: Buffer, cb: () => void) => {
    ids.add(id.toString("hex"));
    events.push(
      `newSession id=${id.length} bytes, data a Buffer: ${Buffer.isBuffer(data) && data.length > 0}`,
    );
    cb();
  });
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((resolve) => {
    const c = stack.connect({ ...common, host: "127.0.0.1", port, ca: pki.ca, servername: pki.servername });
    c.on("error", () => events.push("client error"));
    c.on("end", () => c.end()); // see sniScript
    c.on("close", () => resolve());
    c.resume();
  });
  await new Promise<void>((r) => setTimeout(r, 50));
  srv.close();
  events.push(`distinct ids: ${ids.size}`);
  return events;
}

describe("node:tls conformance: the server's newSession event", () => {
  it("once per ticket, after secureConnection, a fresh 32-byte id each, as node:tls", async () => {
    const reference = await newSessionScript(nodeTls);
    const observed = await newSessionScript(pqtls);
    expect(observed).toEqual(reference);
  }, 15_000);
});

/** The server's 'connection' event: what it carries and where it falls among the server's events. */
async function connectionEventScript(stack: Stack): Promise<string[]> {
  const events: string[] = [];
  const srv = stack.createServer({ ...common, cert: pki.cert, key: pki.key }, (s) => {
    events.push("secureConnection");
    s.end();
  });
  srv.on("connection", (raw: unknown) => {
    const sock = raw as { remotePort?: number; setNoDelay?: unknown };
    events.push(
      `connection: a net.Socket ${raw instanceof Socket}, remotePort ${typeof sock.remotePort}, setNoDelay ${typeof sock.setNoDelay}`,
    );
  });
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((resolve) => {
    const c = stack.connect({ ...common, host: "127.0.0.1", port, ca: pki.ca, servername: pki.servername });
    c.on("error", () => events.push("client error"));
    c.on("end", () => c.end()); // see sniScript
    c.on("close", () => resolve());
    c.resume();
  });
  srv.close();
  return events;
}

describe("node:tls conformance: the server's connection event", () => {
  it("the accepted TCP socket, once per connection, before secureConnection, as node:tls", async () => {
    const reference = await connectionEventScript(nodeTls);
    const observed = await connectionEventScript(pqtls);
    expect(reference[0]).toMatch(/^connection: a net.Socket true/);
    expect(observed).toEqual(reference);
  }, 15_000);
});
