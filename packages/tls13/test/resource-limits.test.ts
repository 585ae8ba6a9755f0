// A hostile peer gets bounded CPU and memory (issue 13, denial of service): handshake messages have
// size caps and may not be cut into arbitrarily many records, KeyUpdates are answered once and
// refused in long runs, key shares and supported_groups are capped, the 0-RTT replay cache stays
// O(1) when full, and the sender rekeys before the AEAD usage limit. CPU budgets are ratios against
// a normal handshake measured in the same test (process.cpuUsage), with wide margins.

import { describe, expect, it } from "vitest";
import {
  clientHelloWithKeyShares,
  cpuMs,
  deliver,
  handshakeRecords,
  Lab,
  medianCpuMs,
  type Peer,
  paddedClientHello,
  plaintextRecords,
} from "../src/bench/adversary.js";
import { defaultProvider } from "../src/crypto/index.js";
import type { TlsAlert } from "../src/errors.js";
import { accept, connect } from "../src/index.js";
import { ReplayCache } from "../src/resumption/tickets.js";
import { ContentType } from "../src/wire/codepoints.js";
import { generateChain } from "../src/x509/index.js";
import { duplexPair, once, testChain } from "./helpers.js";

const provider = defaultProvider();
const credentials = testChain("ecdsa-p256");
const lab = new Lab(provider, credentials);

/** CPU ms of a whole normal handshake (both roles), median of several. */
function normalHandshakeMs(): number {
  lab.handshake(); // warm
  return medianCpuMs(() => lab.handshake(), 9);
}

/** Feeds `records` (whole records, as produced by plaintextRecords) one record per feed() until the peer closes. */
function feedRecordByRecord(peer: Peer, records: Uint8Array, maxRecords: number): number {
  let o = 0;
  let n = 0;
  while (o < records.length && n < maxRecords && !peer.conn.isClosed) {
    const len = 5 + ((records[o + 3] << 8) | records[o + 4]);
    peer.conn.feed(records.subarray(o, o + len));
    o += len;
    n++;
  }
  return n;
}

/** The alert a peer sent last (a plaintext alert record before keys). */
function sentPlaintextAlert(peer: Peer): number {
  const last = peer.out[peer.out.length - 1];
  expect(last[0]).toBe(ContentType.alert);
  return last[6];
}

function keyUpdatesSent(peer: Peer): number {
  return peer.conn.timings.messages.filter((m) => m.direction === "sent" && m.type === "key_update").length;
}

describe("handshake reassembly", () => {
  it("a 256 KiB ClientHello in 1-byte records is refused at its header (illegal_parameter), cheaply", () => {
    const genuine = lab.clientHello();
    const body = new Uint8Array(256 * 1024);
    body.set(genuine.subarray(4));
    const message = new Uint8Array(4 + body.length);
    message.set([1, body.length >> 16, (body.length >> 8) & 0xff, body.length & 0xff]);
    message.set(body, 4);
    const records = plaintextRecords(ContentType.handshake, message, 1);
    const normal = normalHandshakeMs();
    const server = lab.peer("server");
    let fed = 0;
    const spent = cpuMs(() => {
      fed = feedRecordByRecord(server, records, 16384);
    });
    expect(server.failure?.alertName).toBe("illegal_parameter");
    expect(sentPlaintextAlert(server)).toBe(47);
    expect(fed).toBe(4); // the header is all it takes
    expect(spent).toBeLessThan(2 * normal + 5);
  });

  it("a ClientHello under the cap cut into 1-byte records is refused after a bounded number of records", () => {
    const message = paddedClientHello(lab.clientHello(), 60_000);
    const records = handshakeRecords(message, 1);
    const normal = normalHandshakeMs();
    const server = lab.peer("server");
    let fed = 0;
    const spent = cpuMs(() => {
      fed = feedRecordByRecord(server, records, 8192);
    });
    expect(server.failure?.alertName).toBe("unexpected_message");
    expect(server.failure?.message).toMatch(/split into more than/);
    expect(fed).toBeLessThanOrEqual(5 + Math.ceil(60_000 / 32));
    // ~1900 one-byte records, each a feed() of its own: a few handshakes' worth at most.
    expect(spent).toBeLessThan(10 * normal + 20);
  });

  it("the largest ClientHello we accept (64 KiB body) completes in 32-byte records; one byte more is illegal_parameter", () => {
    const largest = paddedClientHello(lab.clientHello(), 65_536);
    const server = lab.peer("server");
    server.conn.feed(handshakeRecords(largest, 32));
    expect(server.failure).toBeUndefined();
    expect(server.out.length).toBeGreaterThan(0); // its flight went out
    const over = lab.peer("server");
    over.conn.feed(handshakeRecords(paddedClientHello(lab.clientHello(), 65_537)));
    expect(over.failure?.alertName).toBe("illegal_parameter");
    expect(over.failure?.message).toMatch(/client_hello of 65537 bytes exceeds the limit of 65536/);
  });

  it("a message spanning records is reassembled intact, however the records cut it", () => {
    // A server flight in 40-byte records: ServerHello's tail, EncryptedExtensions, Certificate ...
    // all span several records, some of which hold the end of one message and the start of the next.
    const small = new Lab(provider, credentials, { server: { hooks: { maxHandshakeRecordSize: 40 } } });
    const { client, server } = small.handshake();
    expect(client.done && server.done).toBe(true);
  });

  const padded = generateChain({ sig: "ecdsa-p256", depth: 2, hostnames: ["localhost"], padTo: 200_000 });

  it("Certificate has its own cap (maxCertificateBytes): over it → illegal_parameter; the default takes a 200 KB chain", () => {
    const capped = new Lab(provider, credentials, { client: { maxCertificateBytes: 300 } });
    const server = capped.peer("server");
    const client = capped.peer("client");
    deliver(client, server);
    expect(client.failure?.alertName).toBe("illegal_parameter");
    expect(client.failure?.message).toMatch(/certificate of \d+ bytes exceeds the limit of 300/);
    expect(server.failure?.remote).toBe(true);

    const roomy = new Lab(provider, padded);
    expect(roomy.handshake().client.conn.info.peerCertificates[0].der.length).toBeGreaterThan(100_000);
  });

  it("maxCertificateBytes also caps a CompressedCertificate's uncompressed_length (bad_certificate)", () => {
    // The server claims 60000 uncompressed bytes: over the client's cap, refused before inflating.
    const compressing = new Lab(provider, credentials, {
      client: { certificateCompression: ["zlib"], maxCertificateBytes: 50_000 },
      server: {
        certificateCompression: ["zlib"],
        hooks: {
          onSend(msg) {
            if (msg.type !== "compressed_certificate") return;
            const body = msg.body.slice();
            body.set([0x00, 0xea, 0x60], 2); // uncompressed_length = 60000
            return body;
          },
        },
      },
    });
    const server = compressing.peer("server");
    const client = compressing.peer("client");
    deliver(client, server);
    expect(client.failure?.alertName).toBe("bad_certificate");
    expect(client.failure?.message).toMatch(/uncompressed_length 60000 exceeds the limit of 50000/);
  });
});

describe("records without content", () => {
  it("33 ChangeCipherSpec records in a row → unexpected_message; 32 pass", () => {
    const hello = handshakeRecords(lab.clientHello());
    const ccs = Uint8Array.of(ContentType.change_cipher_spec, 3, 3, 0, 1, 1);
    const ok = lab.peer("server");
    ok.conn.feed(hello);
    for (let i = 0; i < 32; i++) ok.conn.feed(ccs);
    expect(ok.failure).toBeUndefined();
    const over = lab.peer("server");
    over.conn.feed(hello);
    for (let i = 0; i < 33; i++) over.conn.feed(ccs);
    expect(over.failure?.alertName).toBe("unexpected_message");
    expect(over.failure?.message).toMatch(/more than 32 records in a row without content/);
  });

  it("33 empty application_data records in a row → unexpected_message; data in between resets", () => {
    const { client, server } = lab.handshake();
    for (let i = 0; i < 32; i++)
      (client.conn as unknown as Sealer).writer.write(ContentType.application_data, new Uint8Array(0));
    client.conn.writeAppData(Uint8Array.of(1));
    for (let i = 0; i < 32; i++)
      (client.conn as unknown as Sealer).writer.write(ContentType.application_data, new Uint8Array(0));
    client.conn.flush();
    server.conn.feed(Buffer.concat(client.out.splice(0)));
    expect(server.failure).toBeUndefined();
    (client.conn as unknown as Sealer).writer.write(ContentType.application_data, new Uint8Array(0));
    client.conn.flush();
    server.conn.feed(Buffer.concat(client.out.splice(0)));
    expect(server.failure?.alertName).toBe("unexpected_message");
  });
});

/** The record writer inside a Connection, to send what our own API never would. */
interface Sealer {
  writer: { write(type: number, data: Uint8Array): number };
}

describe("KeyUpdate", () => {
  it("update_requested five times in one flight gets one answer, and data still flows both ways", () => {
    const { client, server } = lab.handshake();
    for (let i = 0; i < 5; i++) client.conn.keyUpdate(true);
    server.conn.feed(Buffer.concat(client.out.splice(0)));
    expect(server.failure).toBeUndefined();
    expect(keyUpdatesSent(server)).toBe(1);
    server.conn.writeAppData(new TextEncoder().encode("to client"));
    client.conn.writeAppData(new TextEncoder().encode("to server"));
    deliver(client, server);
    expect(Buffer.concat(client.received).toString()).toBe("to client");
    expect(Buffer.concat(server.received).toString()).toBe("to server");
  });

  it("a request is answered before the next application data even when the answer is owed mid-flight", () => {
    const { client, server } = lab.handshake();
    client.conn.keyUpdate(true);
    client.conn.writeAppData(new TextEncoder().encode("ping"));
    // The server answers from its data handler, inside the feed that carried the request.
    server.conn.feed(Buffer.concat(client.out.splice(0)));
    expect(keyUpdatesSent(server)).toBe(1);
    server.conn.writeAppData(new TextEncoder().encode("pong"));
    deliver(client, server);
    expect(Buffer.concat(client.received).toString()).toBe("pong");
    expect(client.failure ?? server.failure).toBeUndefined();
  });

  it("more than 32 KeyUpdates without application data → unexpected_message; data in between resets the run", () => {
    const { client, server } = lab.handshake();
    for (let i = 0; i < 32; i++) {
      client.conn.keyUpdate(true);
      server.conn.feed(Buffer.concat(client.out.splice(0)));
    }
    expect(server.failure).toBeUndefined();
    client.conn.writeAppData(new TextEncoder().encode("x"));
    server.conn.feed(Buffer.concat(client.out.splice(0)));
    for (let i = 0; i < 32; i++) {
      client.conn.keyUpdate(false);
      server.conn.feed(Buffer.concat(client.out.splice(0)));
    }
    expect(server.failure).toBeUndefined();
    client.conn.keyUpdate(false);
    server.conn.feed(Buffer.concat(client.out.splice(0)));
    expect(server.failure?.alertName).toBe("unexpected_message");
    expect(server.failure?.message).toMatch(/more than 32 KeyUpdates/);
    deliver(client, server);
    expect((client.failure as TlsAlert | undefined)?.alertName).toBe("unexpected_message");
  });

  it("a flood of 5,000 update_requested costs a small multiple of a normal handshake", () => {
    const normal = normalHandshakeMs();
    const { client, server } = lab.handshake();
    const flood: Uint8Array[] = [];
    for (let i = 0; i < 5000; i++) {
      client.conn.keyUpdate(true);
      flood.push(Buffer.concat(client.out.splice(0)));
    }
    const spent = cpuMs(() => {
      for (const r of flood) if (!server.conn.isClosed) server.conn.feed(r);
    });
    expect(server.failure?.alertName).toBe("unexpected_message");
    expect(keyUpdatesSent(server)).toBeLessThanOrEqual(33);
    expect(spent).toBeLessThan(3 * normal + 5);
  });
});

describe("key_share and supported_groups", () => {
  it("16 key shares are accepted, 17 are illegal_parameter", () => {
    const ok = lab.peer("server");
    ok.conn.feed(handshakeRecords(clientHelloWithKeyShares(lab.clientHello(), 15, true)));
    expect(ok.failure).toBeUndefined();
    const over = lab.peer("server");
    over.conn.feed(handshakeRecords(clientHelloWithKeyShares(lab.clientHello(), 16, true)));
    expect(over.failure?.alertName).toBe("illegal_parameter");
    expect(over.failure?.message).toMatch(/more than 16 shares/);
  });

  it("more than 128 supported_groups entries are illegal_parameter", () => {
    // 100 extra shares' groups listed: their count trips the supported_groups cap first.
    const s = lab.peer("server");
    s.conn.feed(handshakeRecords(clientHelloWithKeyShares(lab.clientHello(), 200, true)));
    expect(s.failure?.alertName).toBe("illegal_parameter");
    expect(s.failure?.message).toMatch(/supported_groups: 201 entries, more than 128/);
  });

  it("9,000 key shares in a 64 KiB ClientHello are refused at a small multiple of a normal handshake", () => {
    const hello = clientHelloWithKeyShares(lab.clientHello(), 9000, false);
    expect(hello.length).toBeLessThan(65_536);
    const records = handshakeRecords(hello);
    const normal = normalHandshakeMs();
    const server = lab.peer("server");
    const spent = cpuMs(() => server.conn.feed(records));
    expect(server.failure?.alertName).toBe("illegal_parameter");
    expect(spent).toBeLessThan(3 * normal + 5);
  });
});

describe("0-RTT replay cache", () => {
  it("inserting into a full cache costs about what inserting into an empty one does", () => {
    const now = 1_000_000;
    const capacity = 20_000;
    const id = (n: number) => Uint8Array.of(n >> 24, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff);
    const full = new ReplayCache(() => now, capacity);
    for (let i = 0; i < capacity; i++) full.firstUse(id(i), now + 3_600_000 + i);
    const roomy = new ReplayCache(() => now, 10 * capacity);
    const inserts = 2000;
    const empty = cpuMs(() => {
      for (let i = 0; i < inserts; i++) roomy.firstUse(id(capacity + i), now + 3_600_000);
    });
    let admitted = 0;
    const whenFull = cpuMs(() => {
      for (let i = 0; i < inserts; i++) if (full.firstUse(id(capacity + i), now + 3_600_000)) admitted++;
    });
    expect(admitted).toBe(0); // full of live entries: fails closed, as before
    expect(whenFull).toBeLessThan(10 * empty + 10);
  });

  it("forgets entries exactly when they expire, a second at a time or within the current second", () => {
    let now = 10_000;
    const cache = new ReplayCache(() => now, 3);
    const id = (n: number) => Uint8Array.of(n);
    expect(cache.firstUse(id(1), 12_500)).toBe(true);
    expect(cache.firstUse(id(2), 10_400)).toBe(true);
    expect(cache.firstUse(id(3), 10_900)).toBe(true);
    expect(cache.firstUse(id(4), 20_000)).toBe(false); // full
    now = 10_399;
    expect(cache.firstUse(id(4), 20_000)).toBe(false); // id(2) expires at 10_400, not before
    now = 10_400;
    expect(cache.firstUse(id(4), 20_000)).toBe(true); // id(2) gone, within its second
    expect(cache.firstUse(id(2), 20_000)).toBe(false); // full again (1, 3, 4)
    now = 12_000; // a whole second later: id(3)'s second has passed
    expect(cache.size).toBe(3);
    expect(cache.firstUse(id(5), 20_000)).toBe(true);
    expect(cache.size).toBe(3); // 3 dropped, 5 added
    expect(cache.firstUse(id(1), 20_000)).toBe(false); // still live until 12_500
    now = 12_500;
    expect(cache.firstUse(id(1), 20_000)).toBe(true); // expired exactly now: a fresh use
  });
});

describe("AEAD usage limits", () => {
  it("the sender rekeys on its own before maxRecordsPerKey records, and the data arrives intact", async () => {
    const [a, b] = duplexPair();
    const s = accept(b, { cert: credentials.chain, key: credentials.leafKey, provider, maxRecordsPerKey: 4 });
    const c = connect({
      socket: a,
      ca: credentials.root,
      servername: "localhost",
      provider,
      maxRecordsPerKey: 4,
    });
    await Promise.all([once(c, "secureConnect"), once(s, "secure")]);
    const payload = new Uint8Array(300_000).map((_, i) => (i * 31 + 7) & 0xff); // 19 full records
    const got: Buffer[] = [];
    s.on("data", (d: Buffer) => got.push(d));
    c.write(payload);
    c.end();
    await once(s, "end");
    expect(Buffer.compare(Buffer.concat(got), Buffer.from(payload))).toBe(0);
    const sent = c.timings.messages.filter((m) => m.direction === "sent" && m.type === "key_update").length;
    // Each key seals at most 3 data records and then its KeyUpdate: 19 records need 6 more keys.
    expect(sent).toBeGreaterThanOrEqual(6);
    s.destroy();
    c.destroy();
  });

  it("by default an AES-GCM connection does not rekey for a few records", () => {
    const { client, server } = lab.handshake();
    client.conn.writeAppData(new Uint8Array(100_000));
    deliver(client, server);
    expect(keyUpdatesSent(client)).toBe(0);
    expect(Buffer.concat(server.received).length).toBe(100_000);
  });
});
