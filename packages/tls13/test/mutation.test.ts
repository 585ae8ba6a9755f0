// Property: whatever bytes arrive, a connection either keeps going or fails with a TlsAlert that it
// sends and reports; feed() never throws and nothing else escapes. Mutates genuine flights of both
// roles (byte flips, truncation, insertion, arbitrary chunking), then whole live conversations (1-RTT,
// HelloRetryRequest, compressed certificates) at record level (records dropped, duplicated, swapped,
// split, retyped, resized) and at message level (a sender's message body mutated before it is
// protected and hashed, so the receiver's parsers see it behind a valid AEAD). The exhaustive fuzzing
// lives elsewhere; this guards the invariant the state machines promise.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Connection } from "../src/connection.js";
import { nobleProvider } from "../src/crypto/index.js";
import { TlsAlert } from "../src/errors.js";
import { ClientHandshake } from "../src/handshake/client.js";
import {
  type ClientConfig,
  resolveClientConfig,
  resolveServerConfig,
  type ServerConfig,
} from "../src/handshake/config.js";
import { ServerHandshake } from "../src/handshake/server.js";
import type { HandshakeHooks } from "../src/hooks.js";
import { testChain } from "./helpers.js";

const provider = nobleProvider;
const chain = testChain("ed25519");
const serverConfig = resolveServerConfig(
  { cert: chain.chain, key: chain.leafKey, groups: ["x25519", "secp256r1"] },
  provider,
);
const clientConfig = resolveClientConfig(
  { ca: chain.root, servername: "localhost", groups: ["x25519", "secp256r1"], keyShares: ["x25519"] },
  provider,
);

interface Side {
  conn: Connection;
  out: Uint8Array[];
  failure?: unknown;
  done: boolean;
}

function side(
  role: "client" | "server",
  config: ClientConfig | ServerConfig = role === "client" ? clientConfig : serverConfig,
  hooks?: HandshakeHooks,
): Side {
  const s: Side = { conn: undefined as unknown as Connection, out: [], done: false };
  s.conn = new Connection(
    { role, provider, hooks },
    {
      write: (chunks) => s.out.push(Buffer.concat(chunks)),
      appData: () => {},
      handshakeComplete: () => {
        s.done = true;
      },
      peerClosed: () => {},
      failed: (e) => {
        s.failure = e;
      },
    },
  );
  s.conn.begin(
    role === "client"
      ? new ClientHandshake(s.conn, config as ClientConfig)
      : new ServerHandshake(s.conn, config as ServerConfig),
  );
  return s;
}

const mutation = fc.oneof(
  fc.record({ kind: fc.constant("flip" as const), at: fc.nat(), bits: fc.integer({ min: 1, max: 255 }) }),
  fc.record({ kind: fc.constant("truncate" as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant("insert" as const),
    at: fc.nat(),
    bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }),
  }),
);

type Mutation = { kind: "flip" | "truncate" | "insert"; at: number; bits?: number; bytes?: Uint8Array };

function mutate(bytes: Uint8Array, m: Mutation): Uint8Array {
  const at = m.at % Math.max(1, bytes.length);
  if (m.kind === "flip") {
    const out = bytes.slice();
    out[at] ^= m.bits!;
    return out;
  }
  if (m.kind === "truncate") return bytes.subarray(0, at);
  const out = new Uint8Array(bytes.length + m.bytes!.length);
  out.set(bytes.subarray(0, at));
  out.set(m.bytes!, at);
  out.set(bytes.subarray(at), at + m.bytes!.length);
  return out;
}

function feedInChunks(target: Side, bytes: Uint8Array, cuts: number[]): void {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  let from = 0;
  for (const p of [...points, bytes.length]) {
    target.conn.feed(bytes.subarray(from, p)); // must never throw
    from = p;
  }
}

function checkOutcome(s: Side): void {
  if (s.failure !== undefined) {
    expect(s.failure).toBeInstanceOf(TlsAlert);
    expect(s.conn.isClosed).toBe(true);
  }
}

describe("mutated flights never escape as anything but a TlsAlert", () => {
  it("server fed mutated ClientHellos", () => {
    const genuine = side("client").out[0];
    fc.assert(
      fc.property(
        fc.array(mutation, { minLength: 1, maxLength: 3 }),
        fc.array(fc.nat(), { maxLength: 4 }),
        (ms, cuts) => {
          let bytes = genuine;
          for (const m of ms) bytes = mutate(bytes, m);
          const s = side("server");
          feedInChunks(s, bytes, cuts);
          checkOutcome(s);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("client fed a mutated server flight", () => {
    fc.assert(
      fc.property(mutation, fc.array(fc.nat(), { maxLength: 4 }), (m, cuts) => {
        const c = side("client");
        const s = side("server");
        s.conn.feed(c.out[0]);
        const flight = mutate(s.out[0], m);
        feedInChunks(c, flight, cuts);
        checkOutcome(c);
      }),
      { numRuns: 150 },
    );
  });
});

// ---- live conversations, both roles, record and message level ------------------------------------

/** Handshakes worth mutating: plain 1-RTT, HelloRetryRequest (client shares x25519, server wants P-256), RFC 8879. */
const scenarios: Array<{ name: string; client: ClientConfig; server: ServerConfig }> = [
  { name: "1-RTT", client: clientConfig, server: serverConfig },
  {
    name: "HelloRetryRequest",
    client: clientConfig,
    server: resolveServerConfig({ cert: chain.chain, key: chain.leafKey, groups: ["secp256r1"] }, provider),
  },
  {
    name: "compressed certificate",
    client: resolveClientConfig(
      {
        ca: chain.root,
        servername: "localhost",
        groups: ["x25519"],
        certificateCompression: ["zlib", "brotli"],
      },
      provider,
    ),
    server: resolveServerConfig(
      { cert: chain.chain, key: chain.leafKey, groups: ["x25519"], certificateCompression: ["brotli"] },
      provider,
    ),
  },
];

interface TlsRecord {
  type: number;
  version: number;
  body: Uint8Array;
}

function splitRecords(bytes: Uint8Array): TlsRecord[] {
  const out: TlsRecord[] = [];
  let o = 0;
  while (o + 5 <= bytes.length) {
    const len = (bytes[o + 3] << 8) | bytes[o + 4];
    out.push({
      type: bytes[o],
      version: (bytes[o + 1] << 8) | bytes[o + 2],
      body: bytes.subarray(o + 5, o + 5 + len),
    });
    o += 5 + len;
  }
  return out;
}

function joinRecords(records: TlsRecord[]): Uint8Array {
  return Buffer.concat(
    records.map((r) =>
      Buffer.concat([
        Buffer.from([r.type, r.version >> 8, r.version & 0xff, r.body.length >> 8, r.body.length & 0xff]),
        r.body,
      ]),
    ),
  );
}

const recordMutation = fc.oneof(
  fc.record({ op: fc.constant("drop" as const), i: fc.nat() }),
  fc.record({ op: fc.constant("duplicate" as const), i: fc.nat() }),
  fc.record({ op: fc.constant("swap" as const), i: fc.nat() }),
  fc.record({
    op: fc.constant("retype" as const),
    i: fc.nat(),
    type: fc.constantFrom(20, 21, 22, 23, 24, 0, 255),
  }),
  fc.record({
    op: fc.constant("version" as const),
    i: fc.nat(),
    version: fc.integer({ min: 0, max: 0xffff }),
  }),
  fc.record({ op: fc.constant("split" as const), i: fc.nat(), at: fc.nat() }),
  fc.record({ op: fc.constant("merge" as const), i: fc.nat() }),
  fc.record({ op: fc.constant("resize" as const), i: fc.nat(), delta: fc.integer({ min: -3, max: 3 }) }),
  fc.record({ op: fc.constant("bytes" as const), i: fc.nat(), m: mutation }),
);
type RecordMutation =
  | { op: "drop" | "duplicate" | "swap" | "merge"; i: number }
  | { op: "retype"; i: number; type: number }
  | { op: "version"; i: number; version: number }
  | { op: "split"; i: number; at: number }
  | { op: "resize"; i: number; delta: number }
  | { op: "bytes"; i: number; m: Mutation };

/** Applies one record-level change to a chunk of whole records; the result is bytes for the wire. */
function mutateRecords(bytes: Uint8Array, m: RecordMutation): Uint8Array {
  const records = splitRecords(bytes);
  if (records.length === 0) return bytes;
  const i = m.i % records.length;
  const r = records[i];
  switch (m.op) {
    case "drop":
      records.splice(i, 1);
      break;
    case "duplicate":
      records.splice(i, 0, { ...r });
      break;
    case "swap":
      if (i + 1 < records.length) [records[i], records[i + 1]] = [records[i + 1], records[i]];
      break;
    case "retype":
      r.type = m.type;
      break;
    case "version":
      r.version = m.version;
      break;
    case "split": {
      const at = m.at % (r.body.length + 1);
      records.splice(i, 1, { ...r, body: r.body.subarray(0, at) }, { ...r, body: r.body.subarray(at) });
      break;
    }
    case "merge":
      if (i + 1 < records.length)
        records.splice(i, 2, { ...r, body: Buffer.concat([r.body, records[i + 1].body]) });
      break;
    case "resize": {
      // The length field says delta more (or fewer) bytes than follow: the framing slips.
      const wire = joinRecords(records);
      const offset = records.slice(0, i).reduce((n, x) => n + 5 + x.body.length, 0);
      const len = Math.max(0, Math.min(0xffff, r.body.length + m.delta));
      wire[offset + 3] = len >> 8;
      wire[offset + 4] = len & 0xff;
      return wire;
    }
    case "bytes":
      r.body = mutate(r.body, m.m);
      break;
  }
  return joinRecords(records);
}

/**
 * Runs a live handshake plus one application-data round trip, delivering flights alternately;
 * `tamper` may replace the bytes of the n-th delivery. Bounded: at most 16 deliveries.
 */
function converse(
  scenario: (typeof scenarios)[number],
  tamper: (delivery: number, to: "client" | "server", bytes: Uint8Array) => Uint8Array,
  hooks: { client?: HandshakeHooks; server?: HandshakeHooks } = {},
): { client: Side; server: Side } {
  const server = side("server", scenario.server, hooks.server);
  const client = side("client", scenario.client, hooks.client);
  let delivery = 0;
  let sentData = false;
  for (let round = 0; round < 16; round++) {
    if (client.done && !sentData && !client.conn.isClosed) {
      sentData = true;
      client.conn.writeAppData(new TextEncoder().encode("ping"));
    }
    const toServer = client.out.splice(0);
    const toClient = server.out.splice(0);
    if (!toServer.length && !toClient.length) break;
    for (const chunk of toServer) server.conn.feed(tamper(delivery++, "server", chunk)); // must never throw
    for (const chunk of toClient) client.conn.feed(tamper(delivery++, "client", chunk));
  }
  return { client, server };
}

describe("mutated live conversations never escape as anything but a TlsAlert", () => {
  it.each(scenarios.map((s) => [s.name, s] as const))(
    "%s: a record-level change to any flight, to either role",
    (_name, scenario) => {
      // The genuine conversation's length, so mutations spread over every delivery.
      let deliveries = 0;
      const genuine = converse(scenario, (_d, _to, b) => {
        deliveries++;
        return b;
      });
      expect(genuine.client.done && genuine.server.done).toBe(true);
      fc.assert(
        fc.property(fc.nat(), fc.array(recordMutation, { minLength: 1, maxLength: 2 }), (which, ms) => {
          const target = which % deliveries;
          const { client, server } = converse(scenario, (d, _to, bytes) => {
            if (d !== target) return bytes;
            let out = bytes;
            for (const m of ms) out = mutateRecords(out, m as RecordMutation);
            return out;
          });
          checkOutcome(client);
          checkOutcome(server);
        }),
        { numRuns: 200 },
      );
    },
  );

  it.each(scenarios.map((s) => [s.name, s] as const))(
    "%s: a message body mutated by its sender before protection, either role",
    (_name, scenario) => {
      // How many handshake messages each role sends, so every one of them gets mutated sometimes.
      const sent = { client: 0, server: 0 };
      const counting = (role: "client" | "server"): HandshakeHooks => ({
        onSend() {
          sent[role]++;
        },
      });
      converse(scenario, (_d, _to, b) => b, { client: counting("client"), server: counting("server") });
      expect(sent.client).toBeGreaterThanOrEqual(2);
      fc.assert(
        fc.property(
          fc.constantFrom("client" as const, "server" as const),
          fc.nat(),
          fc.array(mutation, { minLength: 1, maxLength: 2 }),
          (sender, which, ms) => {
            const nth = which % sent[sender];
            let count = 0;
            const hook: HandshakeHooks = {
              onSend(msg) {
                if (count++ !== nth) return;
                let body = msg.body;
                for (const m of ms) body = mutate(body, m as Mutation);
                return body;
              },
            };
            const { client, server } = converse(scenario, (_d, _to, b) => b, { [sender]: hook });
            checkOutcome(client);
            checkOutcome(server);
            // Nothing was lost on the wire, so a side that gave up told its peer, which gave up too.
            if (client.failure || server.failure) {
              expect(client.failure).toBeDefined();
              expect(server.failure).toBeDefined();
            }
          },
        ),
        { numRuns: 200 },
      );
    },
  );
});
