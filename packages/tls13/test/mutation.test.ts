// Property: whatever bytes arrive, a connection either keeps going or fails with a TlsAlert that it
// sends and reports; feed() never throws and nothing else escapes. Mutates genuine flights of both
// roles (byte flips, truncation, insertion, arbitrary chunking), then whole live conversations (1-RTT,
// HelloRetryRequest, compressed certificates) at record level (records dropped, duplicated, swapped,
// split, retyped, resized) and at message level (a sender's message body mutated before it is
// protected and hashed, so the receiver's parsers see it behind a valid AEAD). The exhaustive fuzzing
// lives elsewhere; this guards the invariant the state machines promise.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { clientHelloWithKeyShares, handshakeRecords } from "../src/bench/adversary.js";
import { Connection } from "../src/connection.js";
import { defaultProvider, nobleProvider } from "../src/crypto/index.js";
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
import { parseCertificate, serializeCertificate } from "../src/wire/certificate.js";
import { parseClientHello, serializeClientHello } from "../src/wire/client_hello.js";
import { parseEncryptedExtensions, serializeEncryptedExtensions } from "../src/wire/encrypted_extensions.js";
import { testChain } from "./helpers.js";

/** Benchmark-only fuzzing (see "hostile shapes" below): runs per property, 0 = the CI counts. */
const FUZZ_RUNS = Number(process.env.PQTLS_FUZZ_RUNS ?? 0);
// noble (pure JS) in CI, as the other suites; the fuzzing run takes the default provider, whose
// native primitives make 10^5 handshakes per role fit in a sitting.
const provider = FUZZ_RUNS > 0 ? defaultProvider() : nobleProvider;
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

// ---- hostile shapes (issue 13): tiny records, oversized and repeated extensions, many key shares,
// long chains. CI runs a few hundred cases per role; the benchmark-only mode runs many more:
//   PQTLS_FUZZ_RUNS=100000 npx vitest run test/mutation.test.ts -t "hostile shapes"
// (npm run fuzz in packages/tls13). Every case must end in a completed handshake or a TlsAlert sent
// and reported: no exception escapes feed(), and no case runs long (the slowest is checked).

/** Longest a single case may take, ms: far beyond any real one; a runaway loop shows up here. */
const SLOWEST_CASE_MS = 5_000;

function runsOr(ci: number): number {
  return FUZZ_RUNS > 0 ? FUZZ_RUNS : ci;
}

/** PQTLS_FUZZ_SEED: fast-check's seed, so runs split over processes cover different cases. */
const FUZZ_SEED = process.env.PQTLS_FUZZ_SEED === undefined ? undefined : Number(process.env.PQTLS_FUZZ_SEED);

/** Outcomes by kind ("completed", "waiting", or the alert), printed in the fuzzing run. */
function tally(counts: Map<string, number>, s: Side): void {
  const kind = s.failure instanceof TlsAlert ? s.failure.alertName : s.done ? "completed" : "waiting";
  counts.set(kind, (counts.get(kind) ?? 0) + 1);
}

function report(what: string, counts: Map<string, number>, slowest: number): void {
  if (FUZZ_RUNS === 0) return;
  const parts = [...counts].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${n}`);
  const seed = FUZZ_SEED === undefined ? "random seed" : `seed ${FUZZ_SEED}`;
  console.log(`${what} (${seed}): ${parts.join(", ")}; slowest case ${slowest.toFixed(1)} ms`);
}

const extensionType = fc.oneof(
  fc.constantFrom(0, 10, 13, 16, 21, 27, 28, 41, 42, 43, 45, 50, 51),
  fc.integer({ min: 0, max: 0xffff }),
);

/** A ClientHello reshaped as a hostile client would, then cut into records and TCP chunks. */
const helloShape = fc.record({
  shares: fc.option(fc.integer({ min: 0, max: 3000 }), { nil: undefined }),
  listed: fc.boolean(),
  repeat: fc.option(fc.record({ which: fc.nat(), times: fc.integer({ min: 1, max: 40 }) }), {
    nil: undefined,
  }),
  extra: fc.array(fc.record({ type: extensionType, length: fc.nat(64) }), { maxLength: 4 }),
  big: fc.option(fc.record({ type: extensionType, length: fc.integer({ min: 16_000, max: 65_000 }) }), {
    nil: undefined,
  }),
  bytes: fc.array(mutation, { maxLength: 2 }),
  recordSize: fc.oneof(fc.integer({ min: 1, max: 64 }), fc.constant(16384)),
  cuts: fc.array(fc.nat(), { maxLength: 4 }),
});

function hostileClientHello(genuine: Uint8Array, s: fc.RecordValue<typeof helloShape>): Uint8Array {
  let hello = s.shares === undefined ? genuine : clientHelloWithKeyShares(genuine, s.shares, s.listed);
  const ch = parseClientHello(hello.subarray(4));
  // Everything added stays within the 65,535 bytes of extensions a ClientHello can express.
  let room = 0xffff - ch.extensions.reduce((n, e) => n + 4 + e.data.length, 0);
  const add = (type: number, data: Uint8Array) => {
    if (4 + data.length > room) return;
    ch.extensions.unshift({ type, data });
    room -= 4 + data.length;
  };
  if (s.repeat) {
    const e = ch.extensions[s.repeat.which % ch.extensions.length];
    for (let i = 0; i < s.repeat.times; i++) add(e.type, e.data);
  }
  for (const x of s.extra) add(x.type, new Uint8Array(x.length).fill(0x41));
  if (s.big) add(s.big.type, new Uint8Array(Math.max(0, Math.min(s.big.length, room - 4))).fill(0x42));
  hello = serializeClientHello(ch).raw;
  for (const m of s.bytes) hello = mutate(hello, m as Mutation);
  return hello;
}

/** A server flight reshaped by the server's own hooks: tiny records, a long chain, extra extensions. */
const flightShape = fc.record({
  recordSize: fc.option(fc.integer({ min: 1, max: 200 }), { nil: undefined }),
  chainCopies: fc.option(fc.integer({ min: 2, max: 300 }), { nil: undefined }),
  extra: fc.array(
    fc.record({
      type: extensionType,
      length: fc.oneof(fc.nat(64), fc.integer({ min: 16_000, max: 65_000 })),
    }),
    {
      maxLength: 3,
    },
  ),
  bytes: fc.option(fc.record({ nth: fc.nat(), m: mutation }), { nil: undefined }),
});

function hostileServerHooks(s: fc.RecordValue<typeof flightShape>): HandshakeHooks {
  let count = 0;
  return {
    // Tiny records with a long chain or a 64 KB message would time the sender sealing tens of
    // thousands of records (the victim refuses after a few thousand): those shapes are exercised apart.
    maxHandshakeRecordSize:
      s.extra.some((x) => x.length > 64) || (s.chainCopies ?? 0) > 4 ? undefined : s.recordSize,
    onSend(msg) {
      let body = msg.body;
      if (msg.type === "certificate" && s.chainCopies) {
        const cert = parseCertificate(body);
        const entries = Array.from({ length: s.chainCopies }, () => cert.entries).flat();
        body = serializeCertificate({ ...cert, entries }).body;
      }
      if (msg.type === "encrypted_extensions" && s.extra.length) {
        const exts = parseEncryptedExtensions(body);
        for (const x of s.extra) exts.push({ type: x.type, data: new Uint8Array(x.length).fill(0x43) });
        try {
          body = serializeEncryptedExtensions(exts).body;
        } catch {
          // over 64 KiB of extensions: leave the message as it was
        }
      }
      if (s.bytes && count++ === s.bytes.nth % 6) body = mutate(body, s.bytes.m as Mutation);
      return body === msg.body ? undefined : body;
    },
  };
}

describe("hostile shapes never escape as anything but a TlsAlert", () => {
  it(
    `server fed reshaped ClientHellos (${runsOr(300)} cases)`,
    () => {
      const rec = side("client").out[0];
      const genuine = rec.subarray(5, 5 + ((rec[3] << 8) | rec[4]));
      let slowest = 0;
      const counts = new Map<string, number>();
      fc.assert(
        fc.property(helloShape, (shape) => {
          const hello = hostileClientHello(genuine, shape);
          const started = performance.now();
          const s = side("server");
          feedInChunks(s, handshakeRecords(hello, shape.recordSize), shape.cuts);
          checkOutcome(s);
          tally(counts, s);
          slowest = Math.max(slowest, performance.now() - started);
        }),
        { numRuns: runsOr(300), seed: FUZZ_SEED },
      );
      report("server", counts, slowest);
      expect(slowest).toBeLessThan(SLOWEST_CASE_MS);
    },
    600_000 + FUZZ_RUNS * 50,
  );

  it(
    `client fed reshaped server flights (${runsOr(150)} cases)`,
    () => {
      let slowest = 0;
      const counts = new Map<string, number>();
      fc.assert(
        fc.property(flightShape, (shape) => {
          const started = performance.now();
          const { client, server } = converse(scenarios[0], (_d, _to, b) => b, {
            server: hostileServerHooks(shape),
          });
          checkOutcome(client);
          checkOutcome(server);
          tally(counts, client);
          slowest = Math.max(slowest, performance.now() - started);
        }),
        { numRuns: runsOr(150), seed: FUZZ_SEED },
      );
      report("client", counts, slowest);
      expect(slowest).toBeLessThan(SLOWEST_CASE_MS);
    },
    600_000 + FUZZ_RUNS * 200,
  );
});
