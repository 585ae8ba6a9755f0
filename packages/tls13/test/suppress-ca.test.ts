// Suppressing CA certificates (draft-kampanakis-tls-scas-latest-03): the tls_flags codec, the
// ClientHello flag, the server's leaf-only Certificate, the client's store (preloaded or filled by
// earlier connections), and the failure path: a client lacking an intermediate fails with
// unknown_ca, not a hang, and stops asking that server.

import { describe, expect, it } from "vitest";
import {
  accept,
  connect,
  IntermediateStore,
  nobleProvider,
  type TlsAlert,
  type TlsSocket,
} from "../src/index.js";
import type { ClientOptions, ServerOptions } from "../src/options.js";
import { decodeClientHelloExtensions, parseClientHello } from "../src/wire/client_hello.js";
import { AlertDescription, ExtensionType, TlsFlag } from "../src/wire/codepoints.js";
import { decodeTlsFlags, encodeTlsFlags } from "../src/wire/tls_flags.js";
import { generateChain } from "../src/x509/index.js";
import { duplexPair, once } from "./helpers.js";

const deep = generateChain({ sig: "ecdsa-p256", depth: 3, hostnames: ["localhost"] });
const intermediate = deep.chain[1];

function start(client: Partial<ClientOptions>, server: Partial<ServerOptions> = {}) {
  const [a, b] = duplexPair();
  const hellos: Uint8Array[] = [];
  const s = accept(b, {
    cert: deep.chain,
    key: deep.leafKey,
    provider: nobleProvider,
    tickets: 0,
    hooks: { onReceive: (m) => void (m.type === "client_hello" && hellos.push(m.body)) },
    ...server,
  });
  const c = connect({
    ca: deep.root,
    servername: "localhost",
    provider: nobleProvider,
    socket: a,
    ...client,
  });
  return { c, s, hellos };
}

async function pair(client: Partial<ClientOptions>, server: Partial<ServerOptions> = {}) {
  const p = start(client, server);
  await Promise.all([once(p.c, "secureConnect"), once(p.s, "secure")]);
  return p;
}

const certificateBytes = (sock: TlsSocket, direction: "sent" | "received") =>
  sock.timings.messages.find((m) => m.type === "certificate" && m.direction === direction)!.length;

const flagsIn = (hello: Uint8Array) =>
  decodeClientHelloExtensions(parseClientHello(hello).extensions).tlsFlags;

describe("tls_flags (draft-ietf-tls-tlsflags)", () => {
  it("puts flag N in bit N mod 8 of octet N/8, in the fewest octets", () => {
    expect([...encodeTlsFlags([0])]).toEqual([1, 0x01]);
    expect([...encodeTlsFlags([8])]).toEqual([2, 0x00, 0x01]);
    expect([...encodeTlsFlags([3, 9, 15])]).toEqual([2, 0x08, 0x82]);
    expect([...decodeTlsFlags(Uint8Array.of(2, 0x08, 0x82))]).toEqual([3, 9, 15]);
  });

  it("refuses an empty body, a wrong length and a trailing zero octet with decode_error", () => {
    for (const bad of [Uint8Array.of(), Uint8Array.of(0), Uint8Array.of(2, 1), Uint8Array.of(2, 1, 0)])
      expect(() => decodeTlsFlags(bad)).toThrow(expect.objectContaining({ alert: 50 }));
  });
});

describe("suppressing CA certificates", () => {
  it("not offered → not used: no tls_flags, the whole chain", async () => {
    const { c, s, hellos } = await pair({});
    expect(flagsIn(hellos[0])).toBeUndefined();
    expect(c.peerCertificates).toHaveLength(2);
    expect(s.caSuppression.suppressed).toBe(false);
  });

  it("with a preloaded store: the flag goes out, the server sends only its leaf, the client completes the chain", async () => {
    const full = await pair({});
    const store = new IntermediateStore([intermediate]);
    const { c, s, hellos } = await pair({ suppressCaCertificates: store });
    expect(flagsIn(hellos[0])).toEqual([TlsFlag.suppress_ca_certificates]);
    // Exactly the intermediate's CertificateEntry is gone: cert_data<3> + extensions<2>.
    expect(certificateBytes(full.s, "sent") - certificateBytes(s, "sent")).toBe(
      intermediate.der.length + 3 + 2,
    );
    expect(c.authorized).toBe(true);
    expect(c.peerCertificates.map((x) => x.subject)).toEqual(full.c.peerCertificates.map((x) => x.subject));
    expect(s.caSuppression.suppressed).toBe(true);
    expect(c.caSuppression.fromStore).toBe(1);
  });

  it("a cold store asks nothing; a warm-up connection fills it, and the next one suppresses", async () => {
    const store = new IntermediateStore();
    const warmUp = await pair({ suppressCaCertificates: store });
    expect(flagsIn(warmUp.hellos[0])).toBeUndefined();
    expect(store.size).toBe(1);
    // What it learned is the verified chain's intermediate, not the leaf or the root.
    expect(store.certificates().map((x) => x.der)).toEqual([deep.chain[1].der]);
    const { c, s, hellos } = await pair({ suppressCaCertificates: store });
    expect(flagsIn(hellos[0])).toEqual([TlsFlag.suppress_ca_certificates]);
    expect(s.caSuppression.suppressed).toBe(true);
    expect(c.caSuppression.fromStore).toBe(1);
    expect(c.authorized).toBe(true);
  });

  it("a client lacking the intermediate fails with unknown_ca (no hang) and does not ask again", async () => {
    // The store holds another PKI's intermediate: it asks, but cannot complete this chain.
    const other = generateChain({ sig: "ecdsa-p256", depth: 3, hostnames: ["localhost"] });
    const store = new IntermediateStore([other.chain[1]]);
    const p = start({ suppressCaCertificates: store });
    p.s.on("error", () => {});
    const err = await once<TlsAlert>(p.c, "error");
    expect(err.alert).toBe(AlertDescription.unknown_ca);
    expect(flagsIn(p.hellos[0])).toEqual([TlsFlag.suppress_ca_certificates]);
    expect(store.mayAsk("localhost")).toBe(false);
    // Next connection: no flag, the whole chain arrives, and the store learns the intermediate.
    const next = await pair({ suppressCaCertificates: store });
    expect(flagsIn(next.hellos[0])).toBeUndefined();
    expect(next.c.peerCertificates).toHaveLength(2);
    expect(store.size).toBe(2);
  });

  it("a server configured to ignore the flag sends the whole chain", async () => {
    const { c, s } = await pair(
      { suppressCaCertificates: new IntermediateStore([intermediate]) },
      { suppressCaCertificates: false },
    );
    expect(s.caSuppression.suppressed).toBe(false);
    expect(c.caSuppression.fromStore).toBe(0);
    expect(c.authorized).toBe(true);
  });

  it("refuses anything but a boolean or a store as the client option", () => {
    expect(() => connect({ suppressCaCertificates: "yes" as never, socket: duplexPair()[0] })).toThrow(
      TypeError,
    );
    expect(ExtensionType.tls_flags).toBe(62);
  });
});
