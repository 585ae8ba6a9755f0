// Client certificates (mTLS, RFC 8446 §4.3.2, §4.4.2-§4.4.3) between our client and our server:
// what the server asks, which chain the client answers with, how the server judges it, and the
// bytes it adds to the client's flight.

import { describe, expect, it } from "vitest";
import { connect, nobleProvider } from "../src/index.js";
import type { ClientOptions, ServerOptions } from "../src/options.js";
import { parseCertificateRequest, serializeCertificateRequest } from "../src/wire/certificate_request.js";
import {
  type ChainAlgorithm,
  DEFAULT_NOT_AFTER,
  DEFAULT_NOT_BEFORE,
  EKU,
  issueCertificate,
} from "../src/x509/index.js";
import { failing, pair } from "./handshake-helpers.js";
import { once, testChain } from "./helpers.js";

/** A server (ECDSA chain) asking for a client certificate issued under `clientRoot`'s chain. */
function mtlsServer(clientRoot: ChainAlgorithm, extra: Partial<ServerOptions> = {}): ServerOptions {
  const c = testChain("ecdsa-p256");
  return {
    cert: c.chain,
    key: c.leafKey,
    provider: nobleProvider,
    requestCert: true,
    ca: testChain(clientRoot).root,
    ...extra,
  };
}

/** A client trusting the server, authenticating with `sig`'s test chain (none when undefined). */
function mtlsClient(sig: ChainAlgorithm | undefined, extra: Partial<ClientOptions> = {}): ClientOptions {
  const own = sig ? { cert: testChain(sig).chain, key: testChain(sig).leafKey } : {};
  return {
    ca: testChain("ecdsa-p256").root,
    servername: "localhost",
    provider: nobleProvider,
    ...own,
    ...extra,
  };
}

/** The handshake messages a socket's hooks saw it send, by type: full encodings (header included). */
function sentMessages(): { hooks: ClientOptions["hooks"]; sizes: Map<string, number> } {
  const sizes = new Map<string, number>();
  return { sizes, hooks: { onSend: (m) => void sizes.set(m.type, 4 + m.body.length) } };
}

describe("CertificateRequest codec", () => {
  it("round-trips signature_algorithms and certificate_authorities; an empty authorities list is decode_error", () => {
    const names = [testChain("ecdsa-p256").root.subjectDer, testChain("ed25519").root.subjectDer];
    const msg = serializeCertificateRequest({
      requestContext: new Uint8Array(0),
      signatureSchemes: [0x0403, 0x0905],
      certificateAuthorities: names,
    });
    const back = parseCertificateRequest(msg.body);
    expect(back.signatureSchemes).toEqual([0x0403, 0x0905]);
    expect(back.certificateAuthorities?.map((n) => Buffer.from(n))).toEqual(names.map((n) => Buffer.from(n)));
    expect([...back.extensionTypes].sort()).toEqual([13, 47]);
    // context 0, extensions: signature_algorithms [0x0403], certificate_authorities with an empty list
    const empty = Buffer.from([0, 0, 14, 0, 13, 0, 4, 0, 2, 4, 3, 0, 47, 0, 2, 0, 0]);
    expect(() => parseCertificateRequest(empty)).toThrow(/decode_error/);
  });
});

describe("mTLS: the server requests, the client answers", () => {
  it("authenticates an ECDSA client: authorized, its certificate, its CertificateVerify scheme", async () => {
    const { c, s } = await pair(mtlsClient("ecdsa-p256"), mtlsServer("ecdsa-p256"));
    expect(s.authorized).toBe(true);
    expect(s.authorizationError).toBeUndefined();
    expect(Buffer.from(s.peerCertificates[0].der)).toEqual(Buffer.from(testChain("ecdsa-p256").leaf.der));
    expect(s.getPeerCertificate()).toMatchObject({ subject: { CN: "localhost" } });
    expect(s.clientSignatureScheme).toBe("ecdsa_secp256r1_sha256");
    expect(c.clientSignatureScheme).toBe("ecdsa_secp256r1_sha256");
    expect(c.authorized).toBe(true);
    // node:tls: the client's own certificate.
    expect(c.getCertificate()).toMatchObject({ subject: { CN: "localhost" } });
    expect(c.getX509Certificate()?.raw.equals(Buffer.from(testChain("ecdsa-p256").leaf.der))).toBe(true);
  });

  it.each([
    ["mldsa44", "mldsa44"],
    ["mldsa65", "mldsa65"],
    ["mldsa87", "mldsa87"],
    ["rsa2048", "rsa_pss_rsae_sha256"],
    ["rsa-pss2048", "rsa_pss_pss_sha256"],
    ["ed25519", "ed25519"],
  ] as const)("authenticates a %s client chain with %s", async (sig, scheme) => {
    const { s } = await pair(mtlsClient(sig), mtlsServer(sig));
    expect(s.authorized).toBe(true);
    expect(s.clientSignatureScheme).toBe(scheme);
  });

  it("required and absent: certificate_required (RFC 8446 §4.4.2.4)", async () => {
    const e = await failing(mtlsClient(undefined), mtlsServer("ecdsa-p256"));
    expect(e.server.alertName).toBe("certificate_required");
    expect(e.server.remote).toBe(false);
    expect(e.client.alertName).toBe("certificate_required");
    expect(e.client.remote).toBe(true);
  });

  it("absent with rejectUnauthorized: false: connected, not authorized", async () => {
    const { s } = await pair(mtlsClient(undefined), mtlsServer("ecdsa-p256", { rejectUnauthorized: false }));
    expect(s.authorized).toBe(false);
    expect(s.authorizationError).toMatch(/no certificate/);
    expect(s.getPeerCertificate()).toEqual({});
  });

  it("a client signature that does not verify: decrypt_error", async () => {
    const flipSignature: ClientOptions["hooks"] = {
      onSend(m) {
        if (m.type !== "certificate_verify") return;
        const b = Buffer.from(m.body);
        b[b.length - 1] ^= 1;
        return b;
      },
    };
    const e = await failing(mtlsClient("ed25519", { hooks: flipSignature }), mtlsServer("ed25519"));
    expect(e.server.alertName).toBe("decrypt_error");
    expect(e.server.message).toMatch(/client CertificateVerify/);
  });

  it("a client chain from an anchor the server does not trust: unknown_ca, or unauthorized without rejectUnauthorized", async () => {
    // certificate_authorities left out, so the client sends the chain it has (see "several chains").
    const untrusting = { sendCertificateAuthorities: false };
    const e = await failing(mtlsClient("ecdsa-p256"), mtlsServer("ed25519", untrusting));
    expect(e.server.alertName).toBe("unknown_ca");
    const { s } = await pair(
      mtlsClient("ecdsa-p256"),
      mtlsServer("ed25519", { ...untrusting, rejectUnauthorized: false }),
    );
    expect(s.authorized).toBe(false);
    expect(s.authorizationError).toMatch(/unknown_ca/);
    expect(s.peerCertificates.length).toBe(1);
  });

  it("checks the clientAuth purpose: a serverAuth-only leaf is bad_certificate", async () => {
    const root = testChain("ecdsa-p256");
    const leaf = issueCertificate({
      subject: [["CN", "server only"]],
      publicKey: root.leafKey.publicKey,
      issuer: root.root,
      signingKey: root.rootKey,
      provider: nobleProvider,
      extKeyUsage: [EKU.serverAuth],
      notBefore: DEFAULT_NOT_BEFORE,
      notAfter: DEFAULT_NOT_AFTER,
    });
    const e = await failing(
      mtlsClient(undefined, { cert: leaf, key: root.leafKey }),
      mtlsServer("ecdsa-p256"),
    );
    expect(e.server.alertName).toBe("bad_certificate");
    expect(e.server.message).toMatch(/clientAuth/);
  });

  it("without requestCert no CertificateRequest goes out and the client's certificate stays home", async () => {
    const sent = sentMessages();
    const { s } = await pair(
      mtlsClient("ecdsa-p256", { hooks: sent.hooks }),
      mtlsServer("ecdsa-p256", { requestCert: false }),
    );
    expect([...sent.sizes.keys()]).toEqual(["client_hello", "finished"]);
    expect(s.authorized).toBe(false);
    expect(s.getPeerCertificate()).toEqual({});
  });
});

describe("mTLS: client options", () => {
  it("refuse a key that is not the leaf's, and a cert without a key, before any byte is sent", () => {
    const ecdsa = testChain("ecdsa-p256");
    const other = testChain("ed25519");
    expect(() => connect(mtlsClient(undefined, { cert: ecdsa.chain, key: other.leafKey }))).toThrow(
      /client cert\/key: the key does not belong to the leaf certificate/,
    );
    expect(() =>
      connect(mtlsClient(undefined, { certificates: [{ cert: ecdsa.chain, key: ecdsa.rootKey }] })),
    ).toThrow(/certificates\[0\]: the key does not belong/);
    expect(() => connect(mtlsClient(undefined, { cert: ecdsa.chain }))).toThrow(/cert and key go together/);
  });
});

describe("mTLS: which of several chains the client sends", () => {
  const pairOf = (sig: ChainAlgorithm) => ({ cert: testChain(sig).chain, key: testChain(sig).leafKey });

  it("the first pair whose key signs with a scheme the CertificateRequest lists", async () => {
    const { s } = await pair(
      mtlsClient(undefined, { certificates: [pairOf("ed25519"), pairOf("mldsa65")] }),
      // The server's signatureSchemes are what its CertificateRequest lists (ECDSA for its own key).
      mtlsServer("mldsa65", { signatureSchemes: ["ecdsa_secp256r1_sha256", "mldsa65"] }),
    );
    expect(s.clientSignatureScheme).toBe("mldsa65");
    expect(s.authorized).toBe(true);
  });

  it("the pair issued under one of the certificate_authorities the server names", async () => {
    const client = mtlsClient("ecdsa-p256", { certificates: [pairOf("ed25519")] });
    const { s } = await pair(client, mtlsServer("ed25519"));
    expect(s.clientSignatureScheme).toBe("ed25519");
    // Without the names the client cannot tell: it sends its first pair, which the server refuses.
    const e = await failing(client, mtlsServer("ed25519", { sendCertificateAuthorities: false }));
    expect(e.server.alertName).toBe("unknown_ca");
  });

  it("an empty Certificate when no pair fits", async () => {
    const sent = sentMessages();
    const e = await failing(
      mtlsClient("ed25519", { hooks: sent.hooks }),
      mtlsServer("ed25519", { signatureSchemes: ["ecdsa_secp256r1_sha256"] }),
    );
    expect(e.server.alertName).toBe("certificate_required");
    expect(sent.sizes.get("certificate")).toBe(4 + 1 + 3);
    expect(sent.sizes.has("certificate_verify")).toBe(false);
  });
});

describe("mTLS: bytes on the wire", () => {
  it.each(["ecdsa-p256", "mldsa44", "mldsa87"] as const)(
    "a %s client chain grows the client's flight by exactly its Certificate and CertificateVerify",
    async (sig) => {
      const plain = await pair(mtlsClient(sig), mtlsServer(sig, { requestCert: false, tickets: 0 }));
      const sent = sentMessages();
      const mutual = await pair(mtlsClient(sig, { hooks: sent.hooks }), mtlsServer(sig));
      const growth = mutual.c.handshakeBytes.sent - plain.c.handshakeBytes.sent;
      expect(growth).toBe(sent.sizes.get("certificate")! + sent.sizes.get("certificate_verify")!);
      // The chain (leaf only) is in the Certificate: entry = 3-byte length + DER + 2-byte extensions.
      expect(sent.sizes.get("certificate")).toBe(4 + 1 + 3 + 3 + testChain(sig).leaf.der.length + 2);
    },
  );
});

describe("mTLS: bytes on the wire past one record", () => {
  it("a flight over 2^14 bytes adds one record's header, tag and content type (22 bytes) per extra record", async () => {
    // ML-DSA-87 leaf + intermediate (~15 KB) + a 4627-byte signature: two records instead of one.
    const deep = testChain("mldsa87", 3);
    const own = { cert: deep.chain, key: deep.leafKey };
    const server = mtlsServer("mldsa87", { ca: deep.root, tickets: 0 });
    const plain = await pair(mtlsClient(undefined, own), { ...server, requestCert: false });
    const sent = sentMessages();
    const mutual = await pair(mtlsClient(undefined, { ...own, hooks: sent.hooks }), server);
    const messages = sent.sizes.get("certificate")! + sent.sizes.get("certificate_verify")!;
    const flight = messages + sent.sizes.get("finished")!;
    expect(flight).toBeGreaterThan(16384);
    expect(flight).toBeLessThan(2 * 16384);
    expect(mutual.c.handshakeBytes.sent - plain.c.handshakeBytes.sent).toBe(messages + 5 + 16 + 1);
  });
});

describe("mTLS: after the handshake", () => {
  it("issues no tickets with requestCert (a ticket would not carry the client's verdict)", async () => {
    const { c } = await pair(mtlsClient("ecdsa-p256"), mtlsServer("ecdsa-p256", { tickets: 2 }));
    await new Promise((r) => setTimeout(r, 50));
    expect(c.sessionTicketsReceived).toBe(0);
  });

  it("a post-handshake CertificateRequest (no post_handshake_auth offered) is unexpected_message", async () => {
    const { c, s } = await pair(mtlsClient(undefined), mtlsServer("ecdsa-p256", { requestCert: false }));
    const connection = (s as unknown as { connection: { send(m: unknown): void; flush(): void } }).connection;
    const failed = once<Error & { alertName: string }>(c, "error");
    connection.send(
      serializeCertificateRequest({ requestContext: Uint8Array.of(1), signatureSchemes: [0x0403] }),
    );
    connection.flush();
    expect((await failed).alertName).toBe("unexpected_message");
  });
});
