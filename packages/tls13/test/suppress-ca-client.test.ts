// Suppressing CA certificates in the other direction (draft-kampanakis-tls-scas-latest-03): a
// server that holds the intermediates of the client chains it accepts sets suppress_ca_certificates
// in its CertificateRequest's tls_flags; the client then sends its end-entity certificate alone,
// and the server completes the chain from its store before verifying it. A server that cannot
// complete it fails with unknown_ca on both ends (no hang).

import { describe, expect, it } from "vitest";
import { IntermediateStore, nobleProvider, type TlsAlert } from "../src/index.js";
import type { ClientOptions, ServerOptions } from "../src/options.js";
import { parseCertificateRequest, serializeCertificateRequest } from "../src/wire/certificate_request.js";
import { AlertDescription, TlsFlag } from "../src/wire/codepoints.js";
import { generateChain } from "../src/x509/index.js";
import { failing, pair } from "./handshake-helpers.js";

const serverChain = generateChain({ sig: "ecdsa-p256", depth: 2, hostnames: ["localhost"] });
/** The client's chain: leaf → intermediate → root; the client sends leaf + intermediate. */
const clientChain = generateChain({ sig: "ed25519", depth: 3, hostnames: ["client.test"] });
const clientIntermediate = clientChain.chain[1];

function server(extra: Partial<ServerOptions> = {}): ServerOptions {
  return {
    cert: serverChain.chain,
    key: serverChain.leafKey,
    provider: nobleProvider,
    tickets: 0,
    requestCert: true,
    ca: clientChain.root,
    ...extra,
  };
}

/** The client, and the CertificateRequest it received (as its hooks saw it). */
function client(extra: Partial<ClientOptions> = {}) {
  const requests: Uint8Array[] = [];
  const options: ClientOptions = {
    ca: serverChain.root,
    servername: "localhost",
    provider: nobleProvider,
    cert: clientChain.chain,
    key: clientChain.leafKey,
    hooks: { onReceive: (m) => void (m.type === "certificate_request" && requests.push(m.body)) },
    ...extra,
  };
  return { options, requests };
}

describe("CertificateRequest tls_flags", () => {
  it("encodes suppress_ca_certificates (flag 8) as the tls_flags extension and reads it back", () => {
    const msg = serializeCertificateRequest({
      requestContext: new Uint8Array(0),
      signatureSchemes: [0x0807],
      tlsFlags: [TlsFlag.suppress_ca_certificates],
    });
    // context<0>, extensions<2>: signature_algorithms (13) [0x0807], then tls_flags (62): one
    // flags octet vector of length 2, flag 8 = bit 0 of octet 1 (draft-ietf-tls-tlsflags).
    expect([...msg.body]).toEqual([0, 0, 15, 0, 13, 0, 4, 0, 2, 8, 7, 0, 62, 0, 3, 2, 0x00, 0x01]);
    const back = parseCertificateRequest(msg.body);
    expect(back.tlsFlags).toEqual([8]);
    expect(back.extensionTypes.has(62)).toBe(true);
    const without = parseCertificateRequest(
      serializeCertificateRequest({ requestContext: new Uint8Array(0), signatureSchemes: [0x0807] }).body,
    );
    expect(without.tlsFlags).toBeUndefined();
    // A trailing zero octet is not the minimal encoding: decode_error.
    const bad = Buffer.from([0, 0, 16, 0, 13, 0, 4, 0, 2, 8, 7, 0, 62, 0, 4, 3, 0x00, 0x01, 0x00]);
    expect(() => parseCertificateRequest(bad)).toThrow(expect.objectContaining({ alert: 50 }));
  });
});

describe("mTLS with suppressed client CA certificates", () => {
  it("not offered → not used: no flag, the client sends its whole chain", async () => {
    const cl = client();
    const { s } = await pair(cl.options, server());
    expect(parseCertificateRequest(cl.requests[0]).tlsFlags).toBeUndefined();
    expect(s.authorized).toBe(true);
  });

  it("with the intermediate held: the flag goes out, client→server bytes fall by exactly its CertificateEntry", async () => {
    const plain = client();
    const full = await pair(plain.options, server());
    const cl = client();
    const { c, s } = await pair(
      cl.options,
      server({ suppressClientCaCertificates: new IntermediateStore([clientIntermediate]) }),
    );
    expect(parseCertificateRequest(cl.requests[0]).tlsFlags).toEqual([TlsFlag.suppress_ca_certificates]);
    expect(s.authorized).toBe(true);
    // The chain the server verified: the leaf it got, then the intermediate from its store.
    expect(s.peerCertificates.map((x) => Buffer.from(x.der))).toEqual(
      full.s.peerCertificates.map((x) => Buffer.from(x.der)),
    );
    // cert_data<3> + the DER + extensions<2>, and nothing else in the client's flight changes.
    const entry = 3 + clientIntermediate.der.length + 2;
    expect(full.c.handshakeBytes.sent - c.handshakeBytes.sent).toBe(entry);
    expect(full.s.handshakeBytes.received - s.handshakeBytes.received).toBe(entry);
    // The CertificateRequest grows by the tls_flags extension alone: type 2 + length 2 + body 3.
    expect(cl.requests[0].length - plain.requests[0].length).toBe(7);
  });

  it("takes the intermediates as certificates too (PEM, DER or parsed), not only as a store", async () => {
    const cl = client();
    const { s } = await pair(cl.options, server({ suppressClientCaCertificates: [clientIntermediate] }));
    expect(parseCertificateRequest(cl.requests[0]).tlsFlags).toEqual([TlsFlag.suppress_ca_certificates]);
    expect(s.authorized).toBe(true);
    expect(s.peerCertificates).toHaveLength(2);
  });

  it("a server lacking the intermediate fails with unknown_ca on both ends, not a hang", async () => {
    const other = generateChain({ sig: "ed25519", depth: 3, hostnames: ["client.test"] });
    const cl = client();
    const { client: ce, server: se } = await failing(
      cl.options,
      server({ suppressClientCaCertificates: new IntermediateStore([other.chain[1]]) }),
    );
    expect((se as TlsAlert).alert).toBe(AlertDescription.unknown_ca);
    expect((ce as TlsAlert).alert).toBe(AlertDescription.unknown_ca);
    // An empty store is no better: the leaf alone does not reach the root.
    const empty = await failing(client().options, server({ suppressClientCaCertificates: [] }));
    expect(empty.server.alert).toBe(AlertDescription.unknown_ca);
  });
});
