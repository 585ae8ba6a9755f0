// Trust Anchor Identifiers (draft-ietf-tls-trust-anchor-ids): the ID encoding against the draft's
// example, the codecs, the server's choice among several paths, the advertised list, the retry
// after a mismatch (a new connection), and intermediate elision through an intermediate anchor.

import { describe, expect, it } from "vitest";
import { certificateMatchedTrustAnchor } from "../src/handshake/trust_anchors.js";
import {
  AlertDescription,
  accept,
  connect,
  generateChain,
  nobleProvider,
  type TlsAlert,
  trustAnchorForRetry,
  trustAnchorIdFromText,
  trustAnchorIdToText,
} from "../src/index.js";
import type { ClientOptions, ServerOptions } from "../src/options.js";
import { decodeClientHelloExtensions, parseClientHello } from "../src/wire/client_hello.js";
import { ExtensionType } from "../src/wire/codepoints.js";
import {
  decodeAvailableTrustAnchors,
  decodeRequestedTrustAnchors,
  encodeAvailableTrustAnchors,
  encodeRequestedTrustAnchors,
} from "../src/wire/trust_anchors.js";
import { duplexPair, once } from "./helpers.js";

// One leaf key, two PKIs: the same seed gives the leaf the same key; the CAs differ by algorithm.
const seed = "trust-anchor-ids";
const pkiA = generateChain({ sig: "mldsa44", depth: 3, hostnames: ["localhost"], seed });
const pkiB = generateChain({
  sig: "mldsa44",
  intermediateSig: "ecdsa-p256",
  rootSig: "ecdsa-p256",
  depth: 3,
  hostnames: ["localhost"],
  seed,
});
const ID_A = "32473.1";
const ID_A_INTERMEDIATE = "32473.2";

function start(client: Partial<ClientOptions>, server: Partial<ServerOptions> = {}) {
  const [a, b] = duplexPair();
  const hellos: Uint8Array[] = [];
  const s = accept(b, {
    cert: pkiB.chain, // the fallback
    key: pkiA.leafKey,
    trustAnchorChains: [
      { id: ID_A, cert: pkiA.chain },
      { id: ID_A_INTERMEDIATE, cert: [pkiA.leaf] },
    ],
    provider: nobleProvider,
    tickets: 0,
    hooks: { onReceive: (m) => void (m.type === "client_hello" && hellos.push(m.body)) },
    ...server,
  });
  const c = connect({ servername: "localhost", provider: nobleProvider, socket: a, ...client });
  return { c, s, hellos };
}
async function pair(client: Partial<ClientOptions>, server: Partial<ServerOptions> = {}) {
  const p = start(client, server);
  await Promise.all([once(p.c, "secureConnect"), once(p.s, "secure")]);
  return p;
}
const certificateBytes = (sock: {
  timings: { messages: { type: string; direction: string; length: number }[] };
}) => sock.timings.messages.find((m) => m.type === "certificate" && m.direction === "received")!.length;

describe("trust anchor IDs on the wire", () => {
  it("encodes IDs as binary relative OIDs (the draft's 32473 example)", () => {
    expect([...trustAnchorIdFromText("32473")]).toEqual([0x81, 0xfd, 0x59]);
    expect([...trustAnchorIdFromText("32473.123.789")]).toEqual([0x81, 0xfd, 0x59, 0x7b, 0x86, 0x15]);
    expect(trustAnchorIdToText(Uint8Array.of(0x81, 0xfd, 0x59, 0x01))).toBe("32473.1");
    expect(() => trustAnchorIdToText(Uint8Array.of(0x80, 0x01))).toThrow(/minimally/);
    expect(() => trustAnchorIdToText(Uint8Array.of(0x81))).toThrow(/truncated/);
  });

  it("frames the requested list (may be empty) and the available list (may not)", () => {
    const ids = [trustAnchorIdFromText("32473.1"), trustAnchorIdFromText("5")];
    expect([...encodeRequestedTrustAnchors(ids)]).toEqual([0, 7, 4, 0x81, 0xfd, 0x59, 0x01, 1, 5]);
    expect(decodeRequestedTrustAnchors(encodeRequestedTrustAnchors(ids))).toEqual(["32473.1", "5"]);
    expect(decodeRequestedTrustAnchors(Uint8Array.of(0, 0))).toEqual([]);
    expect(() => decodeAvailableTrustAnchors(Uint8Array.of(0, 0))).toThrow();
    expect(() => encodeAvailableTrustAnchors([])).toThrow(RangeError);
  });

  it("the client refuses trust_anchors past the first entry or with a body", () => {
    const ta = (data: Uint8Array) => ({ extensions: [{ type: ExtensionType.trust_anchors, data }] });
    const none = { extensions: [] };
    expect(certificateMatchedTrustAnchor([ta(new Uint8Array(0)), none])).toBe(true);
    expect(certificateMatchedTrustAnchor([none, none])).toBe(false);
    expect(() => certificateMatchedTrustAnchor([none, ta(new Uint8Array(0))])).toThrow(
      expect.objectContaining({ alert: AlertDescription.illegal_parameter }),
    );
    expect(() => certificateMatchedTrustAnchor([ta(Uint8Array.of(1))])).toThrow(
      expect.objectContaining({ alert: AlertDescription.decode_error }),
    );
  });
});

describe("trust anchor negotiation", () => {
  it("not offered → not used: the fallback path, no advertised list, no extension in Certificate", async () => {
    const { c, hellos } = await pair({ ca: pkiB.root });
    expect(decodeClientHelloExtensions(parseClientHello(hellos[0]).extensions).trustAnchors).toBeUndefined();
    expect(c.trustAnchors).toEqual({ matched: false, available: undefined });
    expect(c.peerCertificates[1].subject).toBe(pkiB.chain[1].subject);
  });

  it("a requested ID picks its path; the server marks it and advertises its IDs", async () => {
    const { c, s, hellos } = await pair({ ca: pkiA.root, trustAnchorIds: [ID_A] });
    expect(decodeClientHelloExtensions(parseClientHello(hellos[0]).extensions).trustAnchors).toEqual([ID_A]);
    expect(c.trustAnchors).toEqual({ matched: true, available: [ID_A, ID_A_INTERMEDIATE] });
    expect(s.trustAnchors.matched).toBe(true);
    expect(c.peerCertificates.map((x) => x.subject)).toEqual(pkiA.chain.map((x) => x.subject));
  });

  it("mismatch → unknown_ca, then the draft's retry: a new connection requesting an advertised ID", async () => {
    const first = start({ ca: pkiA.root, trustAnchorIds: ["32473.99"] });
    first.s.on("error", () => {});
    const err = await once<TlsAlert>(first.c, "error");
    expect(err.alert).toBe(AlertDescription.unknown_ca);
    expect(first.c.trustAnchors.available).toEqual([ID_A, ID_A_INTERMEDIATE]);
    const retryId = trustAnchorForRetry(first.c.trustAnchors.available, [ID_A]);
    expect(retryId).toBe(ID_A);
    const second = await pair({ ca: pkiA.root, trustAnchorIds: [retryId!] });
    expect(second.c.authorized).toBe(true);
    expect(second.c.trustAnchors.matched).toBe(true);
    expect(trustAnchorForRetry(undefined, [ID_A])).toBeUndefined();
  });

  it("elides the intermediate for a client holding it as an anchor with its own ID", async () => {
    const full = await pair({ ca: pkiA.root, trustAnchorIds: [ID_A] });
    const elided = await pair({ ca: pkiA.chain[1], trustAnchorIds: [ID_A_INTERMEDIATE] });
    expect(elided.c.authorized).toBe(true);
    expect(elided.c.trustAnchors.matched).toBe(true);
    expect(certificateBytes(full.c) - certificateBytes(elided.c)).toBe(pkiA.chain[1].der.length + 3 + 2);
  });

  it("refuses malformed IDs in the options before sending anything", () => {
    expect(() => connect({ trustAnchorIds: ["1..2"], socket: duplexPair()[0] })).toThrow(TypeError);
  });
});
