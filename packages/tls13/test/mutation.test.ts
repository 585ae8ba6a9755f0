// Property: whatever bytes arrive, a connection either keeps going or fails with a TlsAlert that it
// sends and reports; feed() never throws and nothing else escapes. Mutates genuine flights of both
// roles (byte flips, truncation, insertion, arbitrary chunking). The exhaustive fuzzing lives elsewhere;
// this guards the invariant the state machines promise.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Connection } from "../src/connection.js";
import { nobleProvider } from "../src/crypto/index.js";
import { TlsAlert } from "../src/errors.js";
import { ClientHandshake } from "../src/handshake/client.js";
import { resolveClientConfig, resolveServerConfig } from "../src/handshake/config.js";
import { ServerHandshake } from "../src/handshake/server.js";
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

function side(role: "client" | "server"): Side {
  const s: Side = { conn: undefined as unknown as Connection, out: [], done: false };
  s.conn = new Connection(
    { role, provider },
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
    role === "client" ? new ClientHandshake(s.conn, clientConfig) : new ServerHandshake(s.conn, serverConfig),
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
