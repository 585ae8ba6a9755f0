// Abridged certificate compression (draft-ietf-tls-cert-abridge): pass 1's identifiers and framing
// byte for byte, pass 2's dictionary, the negotiation through RFC 8879 (not offered → not used),
// and the bounds a hostile server meets (bad_certificate, no unbounded inflation).

import { createHash } from "node:crypto";
import { Encoder } from "@toondepauw/node-zstd";
import { describe, expect, it } from "vitest";
import {
  AlertDescription,
  abridgedCompress,
  abridgedDecompress,
  abridgePass1,
  buildAbridgedScheme,
  expandPass1,
  generateChain,
  nobleProvider,
  TlsAlert,
} from "../src/index.js";
import type { ClientOptions, ServerOptions } from "../src/options.js";
import { serializeCertificate } from "../src/wire/certificate.js";
import { zstdFrameBound } from "../src/x509/abridge.js";
import { pair } from "./handshake-helpers.js";

const pki = generateChain({ sig: "mldsa44", depth: 3, hostnames: ["localhost"] });
const [leaf, intermediate] = pki.certificates;
const root = pki.root;
const scheme = buildAbridgedScheme([intermediate, root], [leaf]);
const certificateBody = (ders: Uint8Array[]) =>
  serializeCertificate({
    requestContext: new Uint8Array(0),
    entries: ders.map((certData) => ({ certData, extensions: [] })),
  }).body;

const alertOf = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    if (e instanceof TlsAlert) return e.alert;
    throw e;
  }
  throw new Error("no alert");
};

describe("pass 1: listed CA certificates become 0xff ‖ uint16 index", () => {
  it("orders the list by notBefore then SHA-256 fingerprint, and frames identifiers as the draft says", () => {
    // Generated chains share one notBefore, so the fingerprint decides the order.
    const fp = (d: Uint8Array) => createHash("sha256").update(d).digest("hex");
    const expected = [intermediate.der, root.der].sort((a, b) => (fp(a) < fp(b) ? -1 : 1));
    expect(scheme.list.map((d) => Buffer.from(d).toString("hex"))).toEqual(
      expected.map((d) => Buffer.from(d).toString("hex")),
    );
    const i = scheme.list.findIndex((d) => Buffer.from(d).equals(Buffer.from(intermediate.der)));
    const abridged = abridgePass1(scheme, certificateBody([leaf.der, intermediate.der]));
    // context<0>, list<3>: leaf entry unchanged, then cert_data = ff 00 ii, extensions<2> = 00 00.
    const leafEntry = 3 + leaf.der.length + 2;
    const expectedBytes = Buffer.concat([
      Buffer.from([0x00]),
      Buffer.from([0, (leafEntry + 8) >> 8, (leafEntry + 8) & 0xff]),
      Buffer.from([leaf.der.length >> 16, (leaf.der.length >> 8) & 0xff, leaf.der.length & 0xff]),
      Buffer.from(leaf.der),
      Buffer.from([0, 0, 0, 0, 3, 0xff, 0x00, i, 0, 0]),
    ]);
    expect(Buffer.from(abridged).toString("hex")).toBe(expectedBytes.toString("hex"));
    expect(Buffer.from(expandPass1(scheme, abridged))).toEqual(
      Buffer.from(certificateBody([leaf.der, intermediate.der])),
    );
  });

  it("leaves unknown identifiers and unlisted certificates as they are", () => {
    const odd = certificateBody([leaf.der, Uint8Array.of(0xff, 0x12, 0x34)]);
    expect(Buffer.from(expandPass1(scheme, odd))).toEqual(Buffer.from(odd));
    expect(Buffer.from(abridgePass1(scheme, certificateBody([leaf.der])))).toEqual(
      Buffer.from(certificateBody([leaf.der])),
    );
  });
});

describe("pass 2 and the whole scheme", () => {
  it("round-trips, and the dictionary helps the end-entity certificate", () => {
    const body = certificateBody([leaf.der, intermediate.der]);
    const compressed = abridgedCompress(scheme, body);
    expect(Buffer.from(abridgedDecompress(scheme, compressed, body.length))).toEqual(Buffer.from(body));
    const noDictionary = { list: scheme.list, dictionary: new Uint8Array(0) };
    expect(compressed.length).toBeLessThan(abridgedCompress(noDictionary, body).length);
    // The intermediate (an ML-DSA-44 key and signature, ~3.9 KB) is gone: only the leaf is left.
    expect(compressed.length).toBeLessThan(leaf.der.length + 64);
  });

  it("refuses a wrong uncompressed_length, corrupt data and trailing bytes with bad_certificate", () => {
    const body = certificateBody([leaf.der, intermediate.der]);
    const compressed = abridgedCompress(scheme, body);
    expect(alertOf(() => abridgedDecompress(scheme, compressed, body.length + 1))).toBe(
      AlertDescription.bad_certificate,
    );
    expect(alertOf(() => abridgedDecompress(scheme, compressed.slice(0, 20), body.length))).toBe(
      AlertDescription.bad_certificate,
    );
    const trailing = Buffer.concat([compressed, Buffer.from([0])]);
    expect(alertOf(() => abridgedDecompress(scheme, trailing, body.length))).toBe(
      AlertDescription.bad_certificate,
    );
  });

  it("refuses a frame that could expand far past the announced length before decoding it", () => {
    // 64 MiB of zeros compresses to a few KB of blocks that each expand to 128 KiB.
    const bomb = new Encoder(3).encodeSync(Buffer.alloc(64 * 1024 * 1024));
    expect(zstdFrameBound(bomb)).toBeGreaterThanOrEqual(64 * 1024 * 1024);
    expect(alertOf(() => abridgedDecompress(scheme, bomb, 10_000))).toBe(AlertDescription.bad_certificate);
  });
});

describe("abridged as an RFC 8879 algorithm in the handshake", () => {
  const server = (extra: Partial<ServerOptions> = {}): ServerOptions => ({
    cert: pki.chain,
    key: pki.leafKey,
    provider: nobleProvider,
    tickets: 0,
    ...extra,
  });
  const client = (extra: Partial<ClientOptions> = {}): ClientOptions => ({
    ca: root,
    servername: "localhost",
    provider: nobleProvider,
    ...extra,
  });

  it("is used when both ends have the scheme, and the client verifies the expanded chain", async () => {
    const { c, s } = await pair(
      client({ certificateCompression: ["abridged"], abridgedScheme: scheme }),
      server({ certificateCompression: ["abridged", "brotli"], abridgedScheme: scheme }),
    );
    expect(c.certificateCompression?.algorithm).toBe("abridged");
    expect(s.certificateCompression?.compressedBytes).toBe(c.certificateCompression?.compressedBytes);
    expect(c.certificateCompression!.compressedBytes).toBeLessThan(leaf.der.length + 64);
    expect(c.authorized).toBe(true);
    expect(c.peerCertificates).toHaveLength(2);
  });

  it("is not used when the client does not offer it", async () => {
    const { c } = await pair(
      client(),
      server({ certificateCompression: ["abridged"], abridgedScheme: scheme }),
    );
    expect(c.certificateCompression).toBeUndefined();
    expect(c.authorized).toBe(true);
  });

  it("is not used by a server without a scheme: it falls back to what both have", async () => {
    const { c } = await pair(
      client({ certificateCompression: ["abridged", "brotli"], abridgedScheme: scheme }),
      server({ certificateCompression: ["brotli"] }),
    );
    expect(c.certificateCompression?.algorithm).toBe("brotli");
  });

  it("needs a scheme in the options", async () => {
    await expect(pair(client({ certificateCompression: ["abridged"] }), server())).rejects.toThrow(
      /abridgedScheme/,
    );
  });
});
