// The typed extension codecs of wire/: a round trip per message, and the RFC 8446 §4.2 rules each
// codec enforces with its table (extension_rules.ts): a repeated extension and a recognised one not
// allowed in the message are illegal_parameter, an answer to something we did not offer is
// unsupported_extension, and unrecognised extensions are ignored where the RFC says so.

import { describe, expect, it } from "vitest";
import { Connection } from "../src/connection.js";
import { nobleProvider } from "../src/crypto/index.js";
import { TlsAlert } from "../src/errors.js";
import { ClientHandshake } from "../src/handshake/client.js";
import { resolveClientConfig, resolveServerConfig } from "../src/handshake/config.js";
import { ServerHandshake } from "../src/handshake/server.js";
import { Reader, Writer } from "../src/wire/bytes.js";
import { type CertificateMessage, checkCertificateEntryExtensions } from "../src/wire/certificate.js";
import { parseCertificateRequest } from "../src/wire/certificate_request.js";
import {
  type ClientHelloExtensions,
  decodeClientHelloExtensions,
  encodeClientHelloExtensions,
  parseClientHello,
  serializeClientHello,
} from "../src/wire/client_hello.js";
import { alertName, ExtensionType } from "../src/wire/codepoints.js";
import {
  type EncryptedExtensions,
  parseEncryptedExtensions,
  serializeEncryptedExtensions,
} from "../src/wire/encrypted_extensions.js";
import { ALLOWED_EXTENSIONS } from "../src/wire/extension_rules.js";
import { type Extension, readExtensions, writeExtensions } from "../src/wire/extensions.js";
import { parseNewSessionTicket, serializeNewSessionTicket } from "../src/wire/new_session_ticket.js";
import {
  decodeHelloRetryRequestExtensions,
  decodeServerHelloExtensions,
  encodeHelloRetryRequestExtensions,
  encodeServerHelloExtensions,
  parseServerHello,
  serializeServerHello,
} from "../src/wire/server_hello.js";
import { testChain } from "./helpers.js";

const T = ExtensionType;
const bytes = (...b: number[]) => Uint8Array.from(b);
const empty = (type: number): Extension => ({ type, data: new Uint8Array(0) });
const UNKNOWN = 0x7777;

/** The alert name `fn` throws as a TlsAlert (fails the test if it throws anything else or nothing). */
function alertOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(TlsAlert);
    return (e as TlsAlert).alertName;
  }
  throw new Error("expected a TlsAlert");
}

/** Every extension type the typed ClientHello codec knows, each with a value. */
const fullClientHello: ClientHelloExtensions = {
  servername: "example.com",
  groups: [0x11ec, 0x001d],
  signatureSchemes: [0x0905, 0x0403],
  signatureSchemesCert: [0x0905],
  alpn: ["h2", "http/1.1"],
  recordSizeLimit: 4096,
  certificateCompression: ["brotli", "zlib"],
  versions: [0x0304],
  cookie: bytes(1, 2, 3),
  shares: [{ group: 0x001d, keyExchange: new Uint8Array(32).fill(7) }],
  pskModes: [1],
  earlyData: true,
  psks: {
    identities: [{ identity: bytes(9, 9, 9), obfuscatedTicketAge: 12345 }],
    binders: [new Uint8Array(32).fill(5)],
    bindersLength: 2 + 1 + 32,
  },
};

/** A ServerHello/EE/... body that is just an extension block, for the parsers that take one. */
function block(exts: Extension[]): Reader {
  const w = new Writer();
  writeExtensions(w, exts);
  return new Reader(w.finish(), "test");
}

describe("ClientHello extensions", () => {
  it("round-trip through encode, the message codec and decode, pre_shared_key last", () => {
    const exts = encodeClientHelloExtensions(fullClientHello);
    expect(exts[exts.length - 1].type).toBe(T.pre_shared_key);
    const hello = {
      legacyVersion: 0x0303,
      random: new Uint8Array(32).fill(1),
      legacySessionId: new Uint8Array(0),
      cipherSuites: [0x1301],
      legacyCompressionMethods: bytes(0),
      extensions: exts,
    };
    const parsed = parseClientHello(serializeClientHello(hello).body);
    expect(decodeClientHelloExtensions(parsed.extensions)).toEqual(fullClientHello);
  });

  it("an absent field is an absent extension", () => {
    expect(encodeClientHelloExtensions({})).toEqual([]);
    expect(decodeClientHelloExtensions([])).toEqual({});
  });

  it("ignores unrecognised extensions and recognised ones it does not act on (padding)", () => {
    const exts = [empty(UNKNOWN), { type: T.padding, data: new Uint8Array(8) }];
    expect(decodeClientHelloExtensions(exts)).toEqual({});
  });

  it("rejects a recognised extension not allowed in a ClientHello (oid_filters) with illegal_parameter", () => {
    expect(alertOf(() => decodeClientHelloExtensions([empty(T.oid_filters)]))).toBe("illegal_parameter");
  });

  it("rejects pre_shared_key before another extension with illegal_parameter", () => {
    const exts = encodeClientHelloExtensions(fullClientHello);
    exts.push(empty(UNKNOWN));
    expect(alertOf(() => decodeClientHelloExtensions(exts))).toBe("illegal_parameter");
  });
});

describe("ServerHello and HelloRetryRequest extensions", () => {
  const offered = new Set<number>([T.key_share, T.supported_versions, T.pre_shared_key]);

  it("round-trip", () => {
    const sh = {
      share: { group: 0x001d, keyExchange: new Uint8Array(32).fill(3) },
      version: 0x0304,
      selectedPsk: 0,
    };
    const msg = serializeServerHello({
      legacyVersion: 0x0303,
      random: new Uint8Array(32),
      legacySessionIdEcho: new Uint8Array(0),
      cipherSuite: 0x1301,
      legacyCompressionMethod: 0,
      extensions: encodeServerHelloExtensions(sh),
    });
    expect(decodeServerHelloExtensions(parseServerHello(msg.body).extensions, offered)).toEqual(sh);
    const hrr = { version: 0x0304, selectedGroup: 0x0017, cookie: bytes(4, 5) };
    expect(decodeHelloRetryRequestExtensions(encodeHelloRetryRequestExtensions(hrr), offered)).toEqual(hrr);
  });

  it("a ServerHello answering what we did not offer is unsupported_extension", () => {
    const noPsk = new Set<number>([T.key_share, T.supported_versions]);
    expect(
      alertOf(() => decodeServerHelloExtensions([{ type: T.pre_shared_key, data: bytes(0, 0) }], noPsk)),
    ).toBe("unsupported_extension");
    expect(alertOf(() => decodeServerHelloExtensions([empty(UNKNOWN)], offered))).toBe(
      "unsupported_extension",
    );
  });

  it("a recognised extension not allowed in a ServerHello is illegal_parameter, offered or not", () => {
    expect(alertOf(() => decodeServerHelloExtensions([empty(T.early_data)], offered))).toBe(
      "illegal_parameter",
    );
    const withAlpn = new Set([...offered, T.application_layer_protocol_negotiation]);
    expect(
      alertOf(() => decodeServerHelloExtensions([empty(T.application_layer_protocol_negotiation)], withAlpn)),
    ).toBe("illegal_parameter");
  });

  it("HelloRetryRequest: the cookie needs no offer; pre_shared_key is illegal_parameter", () => {
    const cookieOnly = [{ type: T.cookie, data: bytes(0, 1, 9) }];
    expect(decodeHelloRetryRequestExtensions(cookieOnly, new Set())).toEqual({ cookie: bytes(9) });
    expect(
      alertOf(() =>
        decodeHelloRetryRequestExtensions([{ type: T.pre_shared_key, data: bytes(0, 0) }], offered),
      ),
    ).toBe("illegal_parameter");
  });

  it("a repeated extension is illegal_parameter", () => {
    const twice = [
      ...encodeServerHelloExtensions({ version: 0x0304 }),
      ...encodeServerHelloExtensions({ version: 0x0304 }),
    ];
    expect(alertOf(() => readExtensions(block(twice), "ServerHello"))).toBe("illegal_parameter");
  });
});

describe("EncryptedExtensions", () => {
  const offered = new Set<number>([
    T.server_name,
    T.early_data,
    T.application_layer_protocol_negotiation,
    T.record_size_limit,
    T.supported_groups,
  ]);
  const body = (exts: Extension[]) => {
    const w = new Writer();
    writeExtensions(w, exts);
    return w.finish();
  };

  it("round-trip", () => {
    const ee: EncryptedExtensions = {
      earlyData: true,
      servername: true,
      alpn: "h2",
      recordSizeLimit: 1024,
      groups: [0x001d],
    };
    expect(parseEncryptedExtensions(serializeEncryptedExtensions(ee).body, offered)).toEqual(ee);
    expect(parseEncryptedExtensions(serializeEncryptedExtensions({}).body, offered)).toEqual({});
  });

  it("key_share there is illegal_parameter; ALPN we did not offer and unknown types are unsupported_extension", () => {
    expect(alertOf(() => parseEncryptedExtensions(body([empty(T.key_share)]), offered))).toBe(
      "illegal_parameter",
    );
    const noAlpn = new Set([T.server_name]);
    const alpn = serializeEncryptedExtensions({ alpn: "h2" }).body;
    expect(alertOf(() => parseEncryptedExtensions(alpn, noAlpn))).toBe("unsupported_extension");
    expect(alertOf(() => parseEncryptedExtensions(body([empty(UNKNOWN)]), offered))).toBe(
      "unsupported_extension",
    );
  });

  it("a repeated extension is illegal_parameter; an ALPN list of two is illegal_parameter", () => {
    expect(
      alertOf(() => parseEncryptedExtensions(body([empty(T.server_name), empty(T.server_name)]), offered)),
    ).toBe("illegal_parameter");
    const two = {
      type: T.application_layer_protocol_negotiation,
      data: bytes(0, 6, 2, 0x68, 0x32, 2, 0x68, 0x33),
    };
    expect(alertOf(() => parseEncryptedExtensions(body([two]), offered))).toBe("illegal_parameter");
  });
});

describe("NewSessionTicket, CertificateRequest and CertificateEntry extensions", () => {
  it("NewSessionTicket round-trips with and without early_data", () => {
    const t = {
      lifetime: 7200,
      ageAdd: 0xdeadbeef,
      nonce: bytes(0),
      ticket: bytes(1, 2, 3),
      maxEarlyData: 16384,
    };
    expect(parseNewSessionTicket(serializeNewSessionTicket(t).body)).toEqual(t);
    const { maxEarlyData: _, ...without } = t;
    expect(parseNewSessionTicket(serializeNewSessionTicket(without).body)).toEqual(without);
  });

  /** A NewSessionTicket body with these extensions. */
  function ticketWith(exts: Extension[]): Uint8Array {
    const w = new Writer().u32(60).u32(1).vec8(bytes(0)).vec16(bytes(1));
    writeExtensions(w, exts);
    return w.finish();
  }

  it("NewSessionTicket: unknown extensions are ignored, key_share is illegal_parameter, repeats too", () => {
    expect(parseNewSessionTicket(ticketWith([empty(UNKNOWN)])).maxEarlyData).toBeUndefined();
    expect(alertOf(() => parseNewSessionTicket(ticketWith([empty(T.key_share)])))).toBe("illegal_parameter");
    const early = { type: T.early_data, data: bytes(0, 0, 4, 0) };
    expect(alertOf(() => parseNewSessionTicket(ticketWith([early, early])))).toBe("illegal_parameter");
  });

  /** A CertificateRequest body with an empty context and these extensions. */
  function requestWith(exts: Extension[]): Uint8Array {
    const w = new Writer().vec8(new Uint8Array(0));
    writeExtensions(w, exts);
    return w.finish();
  }
  const sigalgs = { type: T.signature_algorithms, data: bytes(0, 2, 0x08, 0x07) };

  it("CertificateRequest: signature_algorithms decoded; unknown ignored; key_share illegal_parameter; none missing_extension", () => {
    expect(parseCertificateRequest(requestWith([sigalgs, empty(UNKNOWN)])).signatureSchemes).toEqual([
      0x0807,
    ]);
    expect(alertOf(() => parseCertificateRequest(requestWith([sigalgs, empty(T.key_share)])))).toBe(
      "illegal_parameter",
    );
    expect(alertOf(() => parseCertificateRequest(requestWith([empty(UNKNOWN)])))).toBe("missing_extension");
    expect(alertOf(() => parseCertificateRequest(requestWith([sigalgs, sigalgs])))).toBe("illegal_parameter");
  });

  it("CertificateEntry: status_request we never offered is unsupported_extension, key_share illegal_parameter", () => {
    const cert = (e: Extension): CertificateMessage => ({
      requestContext: new Uint8Array(0),
      entries: [{ certData: bytes(1), extensions: [e] }],
    });
    const offered = new Set<number>([T.key_share]);
    expect(alertOf(() => checkCertificateEntryExtensions(cert(empty(T.status_request)), offered))).toBe(
      "unsupported_extension",
    );
    expect(alertOf(() => checkCertificateEntryExtensions(cert(empty(T.key_share)), offered))).toBe(
      "illegal_parameter",
    );
    checkCertificateEntryExtensions(
      { requestContext: new Uint8Array(0), entries: [{ certData: bytes(1), extensions: [] }] },
      offered,
    );
  });
});

describe("the RFC 8446 §4.2 table", () => {
  it("has the RFC's rows for a sample of extensions", () => {
    const where = (type: number) =>
      (Object.keys(ALLOWED_EXTENSIONS) as (keyof typeof ALLOWED_EXTENSIONS)[]).filter((m) =>
        ALLOWED_EXTENSIONS[m].has(type),
      );
    expect(where(T.key_share)).toEqual(["CH", "SH", "HRR"]);
    expect(where(T.early_data)).toEqual(["CH", "EE", "NST"]);
    expect(where(T.status_request)).toEqual(["CH", "CT", "CR"]);
    expect(where(T.oid_filters)).toEqual(["CR"]);
    expect(where(T.record_size_limit)).toEqual(["CH", "EE"]);
    expect(where(T.compress_certificate)).toEqual(["CH", "CR"]);
    expect(where(UNKNOWN)).toEqual([]);
  });
});

describe("the state machines answer with the codec's alerts", () => {
  const provider = nobleProvider;
  const chain = testChain("ecdsa-p256");

  function connection(role: "client" | "server") {
    const e: { out: Uint8Array[]; failure?: TlsAlert; conn?: Connection } = { out: [] };
    const conn = new Connection(
      { role, provider },
      {
        write: (chunks) => e.out.push(Buffer.concat(chunks)),
        appData: () => {},
        handshakeComplete: () => {},
        peerClosed: () => {},
        failed: (err) => {
          e.failure = err;
        },
      },
    );
    conn.begin(
      role === "server"
        ? new ServerHandshake(conn, resolveServerConfig({ cert: chain.chain, key: chain.leafKey }, provider))
        : new ClientHandshake(
            conn,
            resolveClientConfig(
              { ca: chain.root, servername: "localhost", groups: ["x25519"], keyShares: ["x25519"] },
              provider,
            ),
          ),
    );
    e.conn = conn;
    return e;
  }
  const record = (body: Uint8Array) => {
    const r = new Uint8Array(5 + body.length);
    r.set([22, 3, 3, body.length >> 8, body.length & 0xff]);
    r.set(body, 5);
    return r;
  };
  const lastAlert = (out: Uint8Array[]) => alertName(out[out.length - 1][6]);

  it("a server refuses a ClientHello carrying oid_filters with illegal_parameter", () => {
    const client = connection("client");
    const ch = parseClientHello(client.out[0].subarray(9));
    ch.extensions.unshift(empty(T.oid_filters));
    const server = connection("server");
    server.conn!.feed(record(serializeClientHello(ch).raw));
    expect(server.failure?.alertName).toBe("illegal_parameter");
    expect(lastAlert(server.out)).toBe("illegal_parameter");
  });

  it("a client refuses a ServerHello carrying a cookie with illegal_parameter", () => {
    const client = connection("client");
    const ch = parseClientHello(client.out[0].subarray(9));
    const sh = serializeServerHello({
      legacyVersion: 0x0303,
      random: new Uint8Array(32).fill(5),
      legacySessionIdEcho: ch.legacySessionId,
      cipherSuite: 0x1301,
      legacyCompressionMethod: 0,
      extensions: [
        ...encodeServerHelloExtensions({
          share: { group: 0x001d, keyExchange: provider.groups.x25519!.keyGen().publicKey },
          version: 0x0304,
        }),
        { type: T.cookie, data: bytes(0, 1, 1) },
      ],
    });
    client.conn!.feed(record(sh.raw));
    expect(client.failure?.alertName).toBe("illegal_parameter");
    expect(lastAlert(client.out)).toBe("illegal_parameter");
  });
});
