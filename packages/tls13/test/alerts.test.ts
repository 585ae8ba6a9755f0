// Malformed and hostile input gets the alert RFC 8446 names, the connection closes, and nothing but
// a TlsAlert escapes. Drives the sans-I/O Connection directly with crafted records.

import { describe, expect, it } from "vitest";
import { Connection } from "../src/connection.js";
import { nobleProvider } from "../src/crypto/index.js";
import { TlsAlert } from "../src/errors.js";
import { ClientHandshake } from "../src/handshake/client.js";
import { resolveClientConfig, resolveServerConfig } from "../src/handshake/config.js";
import { ServerHandshake } from "../src/handshake/server.js";
import { accept, connect } from "../src/index.js";
import { Writer } from "../src/wire/bytes.js";
import { parseClientHello, serializeClientHello } from "../src/wire/client_hello.js";
import { alertName, ExtensionType, NamedGroup } from "../src/wire/codepoints.js";
import { encodeKeyShareServer, encodeSupportedVersionsServer } from "../src/wire/extensions.js";
import { frameHandshake } from "../src/wire/handshake.js";
import { HRR_RANDOM, serializeServerHello } from "../src/wire/server_hello.js";
import { duplexPair, once, testChain } from "./helpers.js";

const provider = nobleProvider;

function record(type: number, body: Uint8Array): Uint8Array {
  const r = new Uint8Array(5 + body.length);
  r.set([type, 3, 3, body.length >> 8, body.length & 0xff]);
  r.set(body, 5);
  return r;
}

interface Endpoint {
  conn: Connection;
  out: Uint8Array[];
  failure?: TlsAlert;
}

function endpoint(role: "client" | "server", clientExtra: Record<string, unknown> = {}): Endpoint {
  const e: Endpoint = { conn: undefined as unknown as Connection, out: [] };
  e.conn = new Connection(
    { role, provider },
    {
      write: (chunks) => e.out.push(Buffer.concat(chunks)), // one entry per transport write
      appData: () => {},
      handshakeComplete: () => {},
      peerClosed: () => {},
      failed: (err) => {
        e.failure = err;
      },
    },
  );
  const chain = testChain("ecdsa-p256");
  if (role === "server")
    e.conn.begin(
      new ServerHandshake(e.conn, resolveServerConfig({ cert: chain.chain, key: chain.leafKey }, provider)),
    );
  else
    e.conn.begin(
      new ClientHandshake(
        e.conn,
        resolveClientConfig(
          {
            ca: chain.root,
            servername: "localhost",
            groups: ["x25519"],
            keyShares: ["x25519"],
            ...clientExtra,
          },
          provider,
        ),
      ),
    );
  return e;
}

/** The plaintext alert the endpoint sent last. */
function sentAlert(e: Endpoint): string {
  const last = e.out[e.out.length - 1];
  expect(last[0]).toBe(21);
  return alertName(last[6]);
}

/** A valid ClientHello from our own client, to mutate. */
function validClientHello(extra: Record<string, unknown> = {}) {
  const c = endpoint("client", extra);
  const rec = c.out[0];
  return parseClientHello(rec.subarray(5 + 4));
}

function feedServer(bytes: Uint8Array): Endpoint {
  const s = endpoint("server");
  s.conn.feed(bytes);
  return s;
}

function clientHelloRecord(
  mutate: (ch: ReturnType<typeof validClientHello>) => void,
  extra = {},
): Uint8Array {
  const ch = validClientHello(extra);
  mutate(ch);
  return record(22, serializeClientHello(ch).raw);
}

function ext(type: number, write: (w: Writer) => void) {
  const w = new Writer();
  write(w);
  return { type, data: w.finish() };
}

describe("server rejects bad ClientHellos with the RFC's alerts", () => {
  const cases: Array<[string, () => Uint8Array, string]> = [
    ["oversized record", () => record(22, new Uint8Array(16385)), "record_overflow"],
    ["unknown content type", () => Uint8Array.of(99, 3, 3, 0, 1, 0), "unexpected_message"],
    ["application data before keys", () => record(23, Uint8Array.of(1, 2, 3)), "unexpected_message"],
    [
      "unknown handshake type first",
      () => record(22, frameHandshake(99, new Uint8Array(4)).raw),
      "unexpected_message",
    ],
    [
      "Finished before ClientHello",
      () => record(22, frameHandshake(20, new Uint8Array(32)).raw),
      "unexpected_message",
    ],
    [
      "ClientHello body shorter than its fields",
      () => record(22, frameHandshake(1, Uint8Array.of(3, 3, 1, 2)).raw),
      "decode_error",
    ],
    [
      "trailing bytes after extensions",
      () => {
        const raw = serializeClientHello(validClientHello()).raw;
        const body = new Uint8Array(raw.length - 4 + 1);
        body.set(raw.subarray(4));
        return record(22, frameHandshake(1, body).raw);
      },
      "decode_error",
    ],
    [
      "duplicate extension",
      () => clientHelloRecord((ch) => ch.extensions.push({ ...ch.extensions[0] })),
      "illegal_parameter",
    ],
    [
      "no supported_versions (a TLS 1.2 hello)",
      () =>
        clientHelloRecord(
          (ch) => (ch.extensions = ch.extensions.filter((e) => e.type !== ExtensionType.supported_versions)),
        ),
      "protocol_version",
    ],
    [
      "legacy_version 0x0200 (RFC 8446 §D.5; OpenSSL 3.5 answers the same)",
      () => clientHelloRecord((ch) => (ch.legacyVersion = 0x0200)),
      "protocol_version",
    ],
    [
      "legacy_version 0x0300 (SSL 3.0, RFC 8446 §D.5)",
      () => clientHelloRecord((ch) => (ch.legacyVersion = 0x0300)),
      "protocol_version",
    ],
    [
      "compression methods other than null",
      () => clientHelloRecord((ch) => (ch.legacyCompressionMethods = Uint8Array.of(1, 0))),
      "illegal_parameter",
    ],
    [
      "no signature_algorithms",
      () =>
        clientHelloRecord(
          (ch) =>
            (ch.extensions = ch.extensions.filter((e) => e.type !== ExtensionType.signature_algorithms)),
        ),
      "missing_extension",
    ],
    [
      "no cipher suite in common",
      () => clientHelloRecord((ch) => (ch.cipherSuites = [0x00ff])),
      "handshake_failure",
    ],
    [
      "all-zero X25519 share",
      () =>
        clientHelloRecord((ch) => {
          const ks = ch.extensions.find((e) => e.type === ExtensionType.key_share)!;
          ks.data = new Uint8Array(ks.data); // x25519 share: 2+2+2 header then 32 bytes
          ks.data.fill(0, 6);
        }),
      "illegal_parameter",
    ],
    [
      "ML-KEM-768 key failing the modulus check",
      () =>
        clientHelloRecord(
          (ch) => {
            const ks = ch.extensions.find((e) => e.type === ExtensionType.key_share)!;
            ks.data = new Uint8Array(ks.data);
            ks.data.fill(0xff, 6, 6 + 384); // first coefficients ≥ q
          },
          { groups: ["MLKEM768"], keyShares: ["MLKEM768"] },
        ),
      "illegal_parameter",
    ],
    [
      "key share of the wrong length",
      () =>
        clientHelloRecord((ch) => {
          const i = ch.extensions.findIndex((e) => e.type === ExtensionType.key_share);
          const w = new Writer();
          w.begin(2).u16(NamedGroup.x25519).vec16(new Uint8Array(31).fill(9)).end();
          ch.extensions[i] = { type: ExtensionType.key_share, data: w.finish() };
        }),
      "illegal_parameter",
    ],
    [
      "key share for a group not in supported_groups",
      () =>
        clientHelloRecord((ch) => {
          const i = ch.extensions.findIndex((e) => e.type === ExtensionType.supported_groups);
          ch.extensions[i] = ext(ExtensionType.supported_groups, (w) =>
            w.begin(2).u16(NamedGroup.secp256r1).end(),
          );
        }),
      "illegal_parameter",
    ],
    [
      "record_size_limit below 64",
      () =>
        clientHelloRecord((ch) => ch.extensions.push(ext(ExtensionType.record_size_limit, (w) => w.u16(63)))),
      "illegal_parameter",
    ],
  ];
  for (const [name, make, expected] of cases)
    it(name, () => {
      const s = feedServer(make());
      expect(s.failure).toBeInstanceOf(TlsAlert);
      expect(s.failure!.alertName).toBe(expected);
      expect(s.failure!.remote).toBe(false);
      expect(sentAlert(s)).toBe(expected);
      expect(s.conn.isClosed).toBe(true);
      // Nothing more is processed after a fatal alert.
      const n = s.out.length;
      s.conn.feed(record(22, new Uint8Array(10)));
      expect(s.out.length).toBe(n);
    });

  it("does not negotiate on legacy_version above 0x0300 (RFC 8446 §4.2.1): 0x0301 and 0x0302 go on", () => {
    for (const v of [0x0301, 0x0302]) {
      const s = feedServer(clientHelloRecord((ch) => (ch.legacyVersion = v)));
      expect(s.failure).toBeUndefined();
      expect(s.out[0][0]).toBe(22); // the ServerHello flight
    }
  });

  it("ignores groups it does not implement (secp521r1, ffdhe*): a retry to one it has, or handshake_failure", () => {
    const SECP521R1 = 0x0019;
    const FFDHE2048 = 0x0100;
    const offering = (groups: number[]) =>
      clientHelloRecord((ch) => {
        const share = (w: Writer) => w.u16(SECP521R1).vec16(new Uint8Array(133).fill(4));
        for (const e of ch.extensions) {
          if (e.type === ExtensionType.supported_groups)
            e.data = ext(e.type, (w) => {
              w.begin(2);
              for (const g of groups) w.u16(g);
              w.end();
            }).data;
          if (e.type === ExtensionType.key_share) e.data = ext(e.type, (w) => share(w.begin(2)).end()).data;
        }
      });
    const retry = feedServer(offering([SECP521R1, FFDHE2048, NamedGroup.x25519]));
    expect(retry.failure).toBeUndefined();
    expect(Buffer.from(retry.out[0]).includes(Buffer.from(HRR_RANDOM))).toBe(true);
    const none = feedServer(offering([SECP521R1, FFDHE2048]));
    expect(none.failure?.alertName).toBe("handshake_failure");
    expect(none.failure?.message).toContain("no key exchange group in common");
  });

  it("rejects a zero-length handshake record and a CCS with the wrong byte", () => {
    expect(feedServer(record(22, new Uint8Array(0))).failure!.alertName).toBe("unexpected_message");
    const s = endpoint("server");
    s.conn.feed(record(22, serializeClientHello(validClientHello()).raw));
    expect(s.failure).toBeUndefined();
    s.conn.feed(record(20, Uint8Array.of(2)));
    expect(s.failure!.alertName).toBe("unexpected_message");
  });

  it("reassembles a ClientHello split across records and byte-sized chunks", () => {
    const raw = serializeClientHello(validClientHello()).raw;
    const s = endpoint("server");
    const recs = [
      record(22, raw.subarray(0, 3)),
      record(22, raw.subarray(3, 100)),
      record(22, raw.subarray(100)),
    ];
    for (const r of recs) for (const b of r) s.conn.feed(Uint8Array.of(b));
    expect(s.failure).toBeUndefined();
    expect(s.out.length).toBe(1); // the whole server flight in one write
    expect(s.out[0][0]).toBe(22); // starting with the ServerHello record
  });
});

describe("client rejects bad ServerHellos", () => {
  it("(its first ClientHello goes in a record with legacy version 0x0301)", () => {
    const c = endpoint("client");
    expect(Array.from(c.out[0].subarray(0, 3))).toEqual([22, 3, 1]);
  });

  function serverHello(mutate: (sh: Parameters<typeof serializeServerHello>[0]) => void, c: Endpoint) {
    const ch = parseClientHello(c.out[0].subarray(9));
    const sh = {
      legacyVersion: 0x0303,
      random: new Uint8Array(32).fill(5),
      legacySessionIdEcho: ch.legacySessionId,
      cipherSuite: 0x1301,
      legacyCompressionMethod: 0,
      extensions: [
        ext(ExtensionType.key_share, (w) =>
          encodeKeyShareServer(
            { group: NamedGroup.x25519, keyExchange: provider.groups.x25519!.keyGen().publicKey },
            w,
          ),
        ),
        ext(ExtensionType.supported_versions, (w) => encodeSupportedVersionsServer(0x0304, w)),
      ],
    };
    mutate(sh);
    return record(22, serializeServerHello(sh).raw);
  }
  const cases: Array<[string, (sh: Parameters<typeof serializeServerHello>[0]) => void, string]> = [
    ["a cipher suite we did not offer", (sh) => (sh.cipherSuite = 0x1304), "illegal_parameter"],
    ["a changed session id echo", (sh) => (sh.legacySessionIdEcho = new Uint8Array(32)), "illegal_parameter"],
    [
      "TLS 1.2 with the downgrade sentinel",
      (sh) => {
        sh.extensions = sh.extensions.filter((e) => e.type !== ExtensionType.supported_versions);
        sh.random.set([0x44, 0x4f, 0x57, 0x4e, 0x47, 0x52, 0x44, 0x01], 24);
      },
      "illegal_parameter",
    ],
    [
      "TLS 1.2 without sentinel",
      (sh) => (sh.extensions = sh.extensions.filter((e) => e.type !== ExtensionType.supported_versions)),
      "protocol_version",
    ],
    [
      "no key_share",
      (sh) => (sh.extensions = sh.extensions.filter((e) => e.type !== ExtensionType.key_share)),
      "missing_extension",
    ],
    [
      "an extension we did not offer",
      (sh) => sh.extensions.push({ type: 0x7777, data: new Uint8Array(0) }),
      "unsupported_extension",
    ],
    [
      "an all-zero X25519 share",
      (sh) => {
        sh.extensions[0] = ext(ExtensionType.key_share, (w) =>
          encodeKeyShareServer({ group: NamedGroup.x25519, keyExchange: new Uint8Array(32) }, w),
        );
      },
      "illegal_parameter",
    ],
    [
      "a share for a group we did not send",
      (sh) => {
        sh.extensions[0] = ext(ExtensionType.key_share, (w) =>
          encodeKeyShareServer({ group: NamedGroup.secp256r1, keyExchange: new Uint8Array(65) }, w),
        );
      },
      "illegal_parameter",
    ],
  ];
  for (const [name, mutate, expected] of cases)
    it(name, () => {
      const c = endpoint("client");
      c.conn.feed(serverHello(mutate, c));
      expect(c.failure?.alertName).toBe(expected);
      expect(sentAlert(c)).toBe(expected);
    });
});

describe("authentication failures end both sides", () => {
  it("a CertificateVerify made with the wrong key → decrypt_error", async () => {
    const chain = testChain("ecdsa-p256");
    const other = testChain("ecdsa-p256", 1);
    const [a, b] = duplexPair();
    const s = accept(b, { cert: chain.chain, key: other.leafKey, provider });
    const c = connect({ socket: a, ca: chain.root, servername: "localhost", provider });
    const [ce, se] = await Promise.all([once<TlsAlert>(c, "error"), once<TlsAlert>(s, "error")]);
    expect(ce.alertName).toBe("decrypt_error");
    expect(se.alertName).toBe("decrypt_error");
    expect(se.remote).toBe(true);
  });

  it("a bad client Finished → decrypt_error at the server", async () => {
    const chain = testChain("ecdsa-p256");
    const proto = ClientHandshake.prototype as unknown as { makeFinished: () => { raw: Uint8Array } };
    const original = proto.makeFinished;
    proto.makeFinished = function (this: unknown) {
      const m = original.call(this);
      const raw = m.raw.slice();
      raw[raw.length - 1] ^= 1;
      return { ...m, raw, body: raw.subarray(4) };
    };
    try {
      const [a, b] = duplexPair();
      const s = accept(b, { cert: chain.chain, key: chain.leafKey, provider });
      const c = connect({ socket: a, ca: chain.root, servername: "localhost", provider });
      c.on("error", () => {});
      const se = await once<TlsAlert>(s, "error");
      expect(se.alertName).toBe("decrypt_error");
      expect(se.remote).toBe(false);
    } finally {
      proto.makeFinished = original;
    }
  });
});

describe("post-handshake messages", () => {
  /** A client and a server Connection wired to each other synchronously, handshake done. */
  function linked() {
    const events: string[] = [];
    const chain = testChain("ecdsa-p256");
    const make = (role: "client" | "server", peer: () => Connection) => {
      const box: { failure?: TlsAlert } = {};
      const conn = new Connection(
        { role, provider },
        {
          write: (chunks) => peer().feed(Buffer.concat(chunks)),
          appData: (d) => events.push(`${role} data ${Buffer.from(d).toString()}`),
          handshakeComplete: () => events.push(`${role} complete`),
          peerClosed: () => events.push(`${role} peer closed`),
          failed: (e) => {
            box.failure = e;
          },
        },
      );
      return { conn, box };
    };
    const server = make("server", () => client.conn);
    const client = make("client", () => server.conn);
    server.conn.begin(
      new ServerHandshake(
        server.conn,
        resolveServerConfig({ cert: chain.chain, key: chain.leafKey }, provider),
      ),
    );
    client.conn.begin(
      new ClientHandshake(
        client.conn,
        resolveClientConfig({ ca: chain.root, servername: "localhost" }, provider),
      ),
    );
    expect(events).toEqual(["client complete", "server complete"]);
    return { client, server, events };
  }

  /** Sends raw handshake bytes under the connection's current keys. */
  function sendRaw(conn: Connection, raw: Uint8Array) {
    const internals = conn as unknown as {
      writer: { write(t: number, d: Uint8Array): number };
      flush(): void;
    };
    internals.writer.write(22, raw);
    internals.flush();
  }

  it("a plaintext alert is the peer's until a record decrypts (OpenSSL 3.5, rustls); after that, unexpected_message", () => {
    // A client that could not use our ServerHello has no keys: its alert comes in plaintext.
    const s = endpoint("server");
    s.conn.feed(record(22, serializeClientHello(validClientHello()).raw));
    expect(s.failure).toBeUndefined();
    s.conn.feed(record(21, Uint8Array.of(2, 40)));
    expect(s.failure?.alertName).toBe("handshake_failure");
    expect(s.failure?.remote).toBe(true);
    // Once the peer's protected records have decrypted, a plaintext alert is an unexpected record.
    for (const side of ["client", "server"] as const) {
      const link = linked();
      link[side].conn.feed(record(21, Uint8Array.of(2, 40)));
      expect(link[side].box.failure?.alertName).toBe("unexpected_message");
      expect(link[side].box.failure?.remote).toBe(false);
    }
  });

  it("the client parses and counts NewSessionTickets", () => {
    const { client, server } = linked();
    const nst = buildNst();
    const issued = client.conn.info.sessionTickets; // the server's own tickets (default 2)
    sendRaw(server.conn, nst);
    sendRaw(server.conn, nst);
    expect(client.box.failure).toBeUndefined();
    expect(client.conn.info.sessionTickets).toBe(issued + 2);
  });

  it("a malformed NewSessionTicket is decode_error; one from a client is unexpected_message", () => {
    const a = linked();
    sendRaw(a.server.conn, frameHandshake(4, Uint8Array.of(0, 0, 0, 1)).raw);
    expect(a.client.box.failure?.alertName).toBe("decode_error");
    expect(a.server.box.failure?.alertName).toBe("decode_error");
    expect(a.server.box.failure?.remote).toBe(true);
    const b = linked();
    sendRaw(b.client.conn, buildNst());
    expect(b.server.box.failure?.alertName).toBe("unexpected_message");
  });

  it("KeyUpdate with an invalid request byte is illegal_parameter; data keeps flowing across valid ones", () => {
    const a = linked();
    a.client.conn.keyUpdate(true);
    a.server.conn.writeAppData(new TextEncoder().encode("after update"));
    expect(a.events).toContain("client data after update");
    sendRaw(a.client.conn, frameHandshake(24, Uint8Array.of(2)).raw);
    expect(a.server.box.failure?.alertName).toBe("illegal_parameter");
  });

  it("close_notify ends one direction; the other can still send", () => {
    const a = linked();
    a.client.conn.close();
    expect(a.events).toContain("server peer closed");
    a.server.conn.writeAppData(new TextEncoder().encode("still here"));
    expect(a.events).toContain("client data still here");
    a.server.conn.close();
    expect(a.events).toContain("client peer closed");
    expect(a.client.conn.isClosed && a.server.conn.isClosed).toBe(true);
  });
});

function buildNst(): Uint8Array {
  const w = new Writer();
  w.u32(7200).u32(12345).vec8(Uint8Array.of(0)).vec16(new Uint8Array(48).fill(1)).begin(2).end();
  return frameHandshake(4, w.finish()).raw;
}
